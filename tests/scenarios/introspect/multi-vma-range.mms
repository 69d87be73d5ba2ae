# several VMAs in one range: entries joined by " | " in address order, negative offsets below ADDR, none for a range with no VMA.
machine nodes=2 cpus=2
file f 4p
top = mmap 4p none
a = mmap 4p rw
b = mmap 4p r
c = mmap 4p rw shared
d = mmap 4p rw shared file=f
write a 4p
write c 2p
write d 1p
numa_maps b+2p 8p
smaps b+2p 8p
numa_maps d 16p
munmap b 4p
numa_maps b 4p
smaps b 4p
numa_maps b+1p 4p
