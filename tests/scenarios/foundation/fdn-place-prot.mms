# adjacent mappings with different protections never merge; equal neighbours (r after r, none after none) merge
machine nodes=2 cpus=2
a = mmap 2p rw
b = mmap 2p r
c = mmap 2p r
d = mmap 2p rwx
e = mmap 2p none
f = mmap 2p none
g = mmap 2p w
h = mmap 2p x
i = mmap 2p rx
j = mmap 2p wx
k = mmap 2p rw
vmas k 22p
read k 22p
