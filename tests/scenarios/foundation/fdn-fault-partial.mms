# sizes and offsets that are not page multiples: a 5000-byte mapping is 2 pages; the SIGSEGV offset is floor((fault - ADDR)/4096)
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 5000 rw
vmas a 5000
vmas a 3p
write a 5000 0xb1
write a+100 8092 0xb2
write a+100 8093 0xb3
read a 8192
read a+8191 1
read a+8191 2
read a+4095 2
write a+4097 100000
read a+1000 4000
nodes a,a+5000,a+8191,a+8192
