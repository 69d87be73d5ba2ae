# a private file mapping: read-faulted pages are page-cache pages (movable), written pages are private COW copies
machine nodes=2 cpus=2
file f 4p
w = mmap 4p rw shared file=f
write w 4p 0xee
p = mmap 4p rw private file=f
read p 2p
write p+2p 1p 0xef
nodes p*4
move_pages p*4 to=1
nodes p*4
nodes w*4
read p 4p
read w 4p
