# read-only file mappings (shared and private): writes are SIGSEGV at the first page and change nothing; reads map file pages
machine nodes=2 cpus=2
file f 4p
w = mmap 4p rw shared file=f
write w 4p 0xb1
s = mmap 4p r shared file=f
p = mmap 4p r private file=f
write s+1p 1p 0xb2
write p+2p 1p 0xb3
nodes s*4
read s 4p
read p 4p
nodes s*4
nodes p*4
read w 4p
write s 1 0xb4
vmas p 8p
