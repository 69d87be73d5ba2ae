# pieces split by mbind after the write share the anon_vma: setting the old policy back merges them
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p
mbind a+4p 4p bind nodes=1
vmas a 12p
mbind a+8p 2p bind nodes=1
vmas a 12p
mbind a+4p 4p interleave nodes=0-1
vmas a 12p
mbind a+4p 6p default
vmas a 12p
numa_maps a 12p
mbind a 12p bind nodes=1
vmas a 12p
mbind a+2p 2p bind nodes=1
vmas a 12p
