# munmap of a paged-out range frees its swap slots: swapoff then has nothing
# to bring back (no pswpin)
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
munmap a 16p
swapoff
vmstat
