# a read fault on shared anon maps the neighbouring cached pages too (fault-around, 16-page window): those become shared (EACCES)
machine nodes=2 cpus=2
s = mmap 32p rw shared
write s 32p 0xf1
fork c
use c
read s+5p 1
nodes s*32
use main
move_pages s+3p,s+15p,s+16p,s+31p to=1
nodes s*32
use c
write s+20p 1 0xf2
nodes s+16p*8
use main
move_pages s+17p*8 to=1
