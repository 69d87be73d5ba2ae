# munmap arguments: unaligned address EINVAL, length 0 EINVAL, unaligned length rounded up to whole pages, oversized length EINVAL
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0x71
munmap a+1 1p
munmap a+2048 2048
munmap a 0
munmap a 1
vmas a 8p
munmap a+2p 4097
vmas a 8p
munmap a+5p 0xfffffffffffff000
munmap a+5p 0x800000000000
munmap a+5p 0xfffffffffffff001
h = hole 1p
munmap h 1p
munmap h 0
vmas a 8p
nodes a*8
read a+1p 1p
