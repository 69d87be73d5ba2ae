# Memory pressure with private copies of a tmpfs file's pages: a 200 MiB file
# written through a private mapping (each write fault reads the file's page,
# then copies it) and 200 MiB of plain anonymous memory, 600 MiB in all;
# every chunk reads back, and the file itself still reads as zeros
swapon 1g
file f 200m
p = mmap 200m rw private file=f
a = mmap 200m rw
write p 100m 0x41
write p+100m 100m 0x42
write a 200m 0x43
read p 100m
read p+100m 100m
read a 200m
m = mmap 200m r shared file=f
read m 200m
