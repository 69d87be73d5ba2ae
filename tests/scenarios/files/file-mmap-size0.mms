# mmap of length 0 is EINVAL (file and anon); an empty file maps fine but any access is SIGBUS
machine nodes=2 cpus=2
file f 4p
file e 0
a = mmap 0 rw shared file=f
b = mmap 0 r private file=f
c = mmap 0 rw private anon
s = mmap 2p rw shared file=e
p = mmap 2p rw private file=e
read s 1p
write s 1p 0x71
read p 1p
write p 1p 0x72
nodes s*2
nodes p*2
vmas p 4p
fsync e
msync s 2p
