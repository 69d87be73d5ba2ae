# offset= not page-aligned is EINVAL (file and anon), an offset no file can reach is EOVERFLOW; aligned offsets are accepted
machine nodes=2 cpus=2
file f 4p
a = mmap 2p rw shared file=f offset=100
b = mmap 2p rw shared file=f offset=4097
c = mmap 2p r private file=f offset=1
d = mmap 2p rw shared file=f offset=0x800
e = mmap 2p rw private anon offset=100
g = mmap 2p rw shared file=f offset=0xfffffffffffff000
h = mmap 2p rw shared file=f offset=1p
write h 2p 0x21
i = mmap 2p rw private anon offset=3p
write i 2p 0x22
read i 2p
vmas i 4p
