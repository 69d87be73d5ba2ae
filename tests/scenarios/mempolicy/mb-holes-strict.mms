# strict over misplaced pages and a gap: EIO when a VMA with misplaced pages comes before the VMA next to the gap, else EFAULT
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p
mprotect a+4p 4p r
munmap a+8p 4p
vmas a 12p
mbind a 12p bind nodes=1 flags=strict
mbind a+4p 8p bind nodes=1 flags=strict
mbind a 12p bind nodes=1 flags=strict,move
nodes a*8
numa_maps a 12p
mbind a 12p bind nodes=0 flags=strict
mbind a 12p bind nodes=0
