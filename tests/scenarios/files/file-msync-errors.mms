# msync errors: unaligned address EINVAL, unmapped pages in the range ENOMEM (hole, munmapped part, past the end), size 0 is 0
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
write s 8p 0x17
msync s+1 1p
msync s+100 1p async
msync s+2048 1p invalidate
msync s 0
msync s+1 0
msync s+1p 0 invalidate
munmap s+3p 2p
msync s 8p
msync s 8p async
msync s 8p invalidate
msync s 3p
msync s+5p 3p
msync s+3p 2p
msync s+2p 2p
h = hole 4p
msync h 4p
munmap s+7p 1p
msync s+5p 3p
msync s+5p 2p
read s 3p
read s+5p 2p
