# interleave on shared tmpfs files and shared anonymous memory: the node follows inode number + page index in the file
machine nodes=2 cpus=2
file f 8p
file g 8p
a = mmap 8p rw shared file=f
mbind a 8p interleave nodes=0-1
write a 8p
nodes a*8
b = mmap 8p rw shared file=g
mbind b+2p 4p interleave nodes=0-1
write b 8p
nodes b*8
c = mmap 8p rw shared file=g offset=2p
read c 4p
nodes c*4
s = mmap 8p rw shared
mbind s 8p interleave nodes=0-1
write s 8p
nodes s*8
