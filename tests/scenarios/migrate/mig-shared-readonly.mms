# read-only and read faults on shared anonymous memory give real pages, which move (unlike the private zero page)
machine nodes=2 cpus=2
r = mmap 2p r shared populate
s = mmap 2p rw shared
p = mmap 2p rw
read s 2p
read p 2p
move_pages r*2,s*2,p*2 to=1
nodes r*2,s*2,p*2
read r 2p
read s 2p
