# Shared anonymous memory paged out without swap: unmapped, yet kept in memory
s = mmap 16p rw shared anon
write s 16p 0x71
madvise s 16p pageout
vmstat
smaps s 16p
numa_maps s 16p
read s 16p
