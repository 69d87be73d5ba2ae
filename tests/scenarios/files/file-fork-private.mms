# fork with a private file mapping: written private copies are shared with the child (EACCES) and COW on write; read pages are the file's
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x30
p = mmap 4p rw private file=f
write p 1p 0x31
read p+1p 1p
fork c
use c
nodes p*4
read p 4p
write p+1p 1p 0x32
use main
move_pages p*4 to=1
nodes p*4
read p 4p
read s 4p
use c
read p 4p
nodes p*4
