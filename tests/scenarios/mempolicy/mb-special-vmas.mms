# mbind on PROT_NONE memory and on the [vvar]/[vdso] VMAs: whole VMAs take a policy, splitting one is EINVAL after earlier VMAs changed
machine nodes=2 cpus=2
a = mmap 4p rw
p = mmap 2p none
mbind p 2p bind nodes=1
numa_maps p 12p
mbind a+4p 4p bind nodes=1
numa_maps a 10p
mbind p 8p interleave nodes=0-1
vmas p 12p
numa_maps p 12p
mbind a+8p 2p preferred nodes=1
mbind a 10p default
numa_maps p 12p
mprotect p 2p rw
vmas p 6p
