# file pages moved to node 1 stay there: a new shared mapping, a private one and another task on CPU 0 all map them on node 1
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x37
move_pages s+1p*2 to=1
munmap s 4p
b = mmap 4p r shared file=f
nodes b*4
read b 4p
nodes b*4
p = mmap 4p rw private file=f
read p 4p
nodes p*4
write p+1p 1p 0x38
nodes p*4
task t
use t
m = mmap 4p r shared file=f
read m 4p
nodes m*4
