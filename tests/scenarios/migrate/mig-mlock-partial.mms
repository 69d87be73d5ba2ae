# mlock of the middle of a mapping; a move across locked and unlocked pages; locked VMA part keeps VM_LOCKED; migrate_pages too
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0xb2
mlock a+2p 4p
move_pages a*8 to=1
nodes a*8
vmas a 8p
madvise a+2p 1p dontneed
madvise a 1p dontneed
migrate_pages from=1 to=0
nodes a*8
munlock a 8p
madvise a+3p 1p dontneed
nodes a*8
read a+4p 4p
