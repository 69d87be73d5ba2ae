# numa_maps and smaps over ranges that start inside a page: offsets from an unaligned ADDR are printed in bytes, negative below it; a gap left by munmap; a one-byte range; a range in the gap is none.
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p
munmap a+4p 2p
mprotect a+8p 2p r
numa_maps a+12388 6p
smaps a+12388 6p
numa_maps a+100 1
smaps a+5p 1p
numa_maps a+5p 2p
smaps a+20000 4p
