# a new mapping filling the gap between two separately faulted anonymous VMAs merges with one side only (their anon_vmas differ); untouched neighbours merge fully
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
write a 1p 0x01
g = mmap 4p none
c = mmap 4p rw
write c 1p 0x03
vmas c 16p
munmap g 4p
vmas c 16p
d = mmap 4p rw
vmas c 16p
write d 4p 0x04
read c 12p
p = mmap 4p rw
q = mmap 4p none
r = mmap 4p rw
munmap q 4p
s = mmap 4p rw
vmas r 16p
