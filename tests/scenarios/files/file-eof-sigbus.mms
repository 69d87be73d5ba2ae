# a shared mapping longer than a 4-page file: reads and writes at page 4 and beyond are SIGBUS, the exact first bad page is reported
machine nodes=2 cpus=2
file f 4p
s = mmap 8p rw shared file=f
read s 8p
write s 8p 0x41
read s 4p
read s+3p 1p
read s+4p 1p
read s+16383 2
write s+4p 4p 0x42
write s+3p 2p 0x43
read s+3p 1p
read s+7p 1p
read s+6p 2p
nodes s*8
vmas s 8p
