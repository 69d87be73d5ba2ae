# PROT_NONE: VmFlags without rd/wr/ex; pages written before mprotect none still count in Rss and numa_maps.
machine nodes=2 cpus=2
a = mmap 4p none
smaps a 4p
numa_maps a 4p
b = mmap 8p rw
write b 8p
mprotect b+4p 4p none
smaps b 8p
numa_maps b 8p
nodes b*8
mprotect b+4p 4p rw
smaps b 12p
