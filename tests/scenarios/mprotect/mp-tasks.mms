# two tasks (CPU 0 and CPU 1) each mprotect their own mappings; each sees only its own VMAs and faults; pages sit on each task's node
machine nodes=2 cpus=2
task t cpu=1
a = mmap 4p rw
write a 4p 0x80
mprotect a+1p 1p r
use t
b = mmap 4p rw
write b 4p 0x81
mprotect b+2p 2p none
vmas b 4p
write b+1p 1p 0x82
read b+2p 1p
nodes b*2
use main
vmas a 4p
write a+1p 1p
nodes a*4
