# smaps VmFlags of every protection (rd/wr/ex always with mr/mw/me, ac only when writable); numa_maps of each VMA.
machine nodes=2 cpus=2
a = mmap 2p rw
b = mmap 2p r
c = mmap 2p x
d = mmap 2p w
e = mmap 2p rx
f = mmap 2p rwx
g = mmap 2p none
smaps g 14p
write d 1p
read c 1p
write f+1p 1p
smaps d 2p
numa_maps g 14p
