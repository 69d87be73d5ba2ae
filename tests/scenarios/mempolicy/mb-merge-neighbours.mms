# VMAs with separately made but equal policies merge; a new mmap next to a policy VMA does not merge with it
machine nodes=2 cpus=2
a = mmap 4p rw
mbind a 4p bind nodes=1
b = mmap 4p rw
vmas b 8p
mbind b 4p bind nodes=1
vmas b 8p
c = mmap 4p rw
vmas c 12p
mbind c 4p bind nodes=0
vmas c 12p
mbind c 4p bind+static nodes=1
vmas c 12p
mbind c 4p bind nodes=1,5
vmas c 12p
numa_maps c 12p
