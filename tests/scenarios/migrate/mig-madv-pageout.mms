# private anon after MADV_PAGEOUT and MADV_COLD (no swap): pages stay mapped and move normally
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0xb5
madvise a 4p pageout
nodes a*4
move_pages a*4 to=1
madvise a 2p cold
move_pages a*4 to=0,0,1,0
nodes a*4
madvise a 4p willneed
read a 4p
nodes a*4
