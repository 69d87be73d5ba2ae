# munmap of a range running past the end of a mapping removes whatever lies above it too, and free space in the range is fine
machine nodes=2 cpus=2
top = mmap 8p rw
a = mmap 4p rw
write top 8p 0x81
write a 4p 0x82
vmas a 12p
munmap a+2p 4p
vmas a 12p
read top 2p
read top+2p 6p
read a 2p
munmap top+4p 2p
munmap top+3p 4p
vmas a 12p
nodes a*12
