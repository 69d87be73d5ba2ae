# madvise dontneed on a private file mapping drops the private COW copies: a read shows the file's bytes again (page-cache pages)
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x23
task t cpu=1
use t
p = mmap 4p rw private file=f
write p 2p 0x24
read p 4p
nodes p*4
madvise p 4p dontneed
nodes p*4
read p 4p
nodes p*4
move_pages p*4 to=1
write p+3p 1p 0x25
madvise p+3p 1p dontneed
read p+3p 1p
use main
read s 4p
