# a private mapping longer than a 5000-byte file: SIGBUS past the file's last page for reads and for COW writes, also with offset=
machine nodes=2 cpus=2
file f 5000
w = mmap 2p rw shared file=f
write w 2p 0x61
p = mmap 4p rw private file=f
read p 4p
read p 2p
write p 4p 0x62
read p 2p
read w 2p
read p+2p 1p
q = mmap 2p rw private file=f offset=1p
read q 2p
write q 2p 0x63
read q 1p
read w+1p 1p
nodes p*4
nodes q*2
