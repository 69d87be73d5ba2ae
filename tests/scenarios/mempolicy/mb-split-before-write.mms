# pieces split by mbind before any write get their own anon_vma on first write, so they never merge again
machine nodes=2 cpus=2
a = mmap 12p rw
mbind a+4p 4p bind nodes=1
vmas a 12p
write a 12p
mbind a+4p 4p default
vmas a 12p
numa_maps a 12p
b = mmap 12p rw
mbind b+4p 4p bind nodes=1
mbind b+4p 4p default
vmas b 12p
write b 12p
vmas b 12p
numa_maps b 12p
