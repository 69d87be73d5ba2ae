# one file mapped shared twice in one task: numa_maps dirty=/mapped=/mapmax=2, smaps Shared_Dirty; msync and fsync leave tmpfs pages dirty.
machine nodes=2 cpus=2
file f 8p
a = mmap 8p rw shared file=f
b = mmap 8p r shared file=f
write a 4p
read b 8p
numa_maps b 16p
smaps b 16p
msync a 8p sync
fsync f
numa_maps b 16p
smaps a 8p
