# set_mempolicy with numeric modes: 0-6, 7 and beyond, flag bits 0x8000/0x4000/0x2000 and other high bits
machine nodes=2 cpus=2
set_mempolicy 2 nodes=1
get_mempolicy
set_mempolicy 3 nodes=0-1
get_mempolicy
set_mempolicy 6 nodes=0
get_mempolicy
set_mempolicy 7 nodes=0
set_mempolicy 99 nodes=0
set_mempolicy 0x8000
get_mempolicy
set_mempolicy 0x8002 nodes=1
get_mempolicy
set_mempolicy 0x4003 nodes=2
get_mempolicy
set_mempolicy 0x2002 nodes=0
get_mempolicy
set_mempolicy 0xC002 nodes=0
set_mempolicy 0x1002 nodes=0
set_mempolicy 0x10002 nodes=0
set_mempolicy 0xffffffff nodes=0
set_mempolicy 0xE005 nodes=0
set_mempolicy 4
get_mempolicy
set_mempolicy 0
get_mempolicy
