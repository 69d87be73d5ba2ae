# PROT_NONE mappings (plain, populate, locked) have no pages: ENOENT for moves and queries, and no fault is made
machine nodes=2 cpus=2
n = mmap 4p none
p = mmap 4p none populate
l = mmap 4p none locked
a = mmap 2p rw
write a 2p 0x71
move_pages n*4 to=1
move_pages p*4 to=1
move_pages l*4 to=1
move_pages n,a,p,a+1p,l to=1
nodes n*4,p*4,l*4,a*2
vmas l 12p
