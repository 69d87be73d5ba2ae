# migrate_pages moves the present pages of a half paged-out range; the
# paged-out half stays on swap and comes back where it was
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a+4p 4p pageout
migrate_pages from=0 to=1
nodes a*8
smaps a 8p
read a 8p
nodes a*8
swapoff
