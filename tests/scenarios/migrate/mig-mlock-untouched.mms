# mlock populates an untouched mapping (real pages, not the zero page), which then move; an r mapping mlocked gets the zero page
machine nodes=2 cpus=2
a = mmap 4p rw
mlock a 4p
move_pages a*4 to=1
r = mmap 2p r
mlock r 2p
move_pages r*2 to=1
nodes a*4,r*2
read a 4p
