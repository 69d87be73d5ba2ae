# A tmpfs file written through one mapping and paged out through it, then
# read through a second mapping of the same file
swapon 64m
file f 8p
m = mmap 8p rw shared file=f
write m 8p 0x82
madvise m 8p pageout
vmstat
n = mmap 8p r shared file=f
read n 8p
smaps n 8p
read m 8p
swapoff
