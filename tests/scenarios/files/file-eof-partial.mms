# a 5000-byte file: its second page is mappable in full (bytes past EOF read as zero, writes land in the page), the third is SIGBUS
machine nodes=2 cpus=2
file f 5000
s = mmap 4p rw shared file=f
read s 2p
read s 3p
write s 4p 0x51
read s 1p
read s+1p 1p
write s+5000 100 0x52
t = mmap 4p r shared file=f
read t+1p 1p
read s+1p 1p
read t+2p 1p
write s+8191 2 0x53
nodes s*4
nodes t*4
