# move_pages of paged-out pages (not present): the query and a move to node 1
# report the status of a page that is not mapped; they stay on swap
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
nodes a*8
move_pages a*8 to=1
smaps a 8p
read a 8p
nodes a*8
swapoff
