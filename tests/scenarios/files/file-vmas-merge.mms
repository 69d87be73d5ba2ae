# vmas: separate mmaps of one file never merge, even adjacent at consecutive offsets (each mmap opens the file: another struct file); private+shared, other files neither
machine nodes=2 cpus=2
file f 8p
file g 8p
a = mmap 4p rw shared file=f offset=4p
b = mmap 4p rw shared file=f
vmas b 8p
c = mmap 4p rw shared file=f offset=4p
vmas c 12p
d = mmap 4p rw shared file=g offset=0
vmas d 8p
e = mmap 4p rw private file=g offset=4p
vmas e 8p
x = mmap 4p rw private file=g
vmas x 8p
write b 8p 0xd1
read c 4p
read a 4p
