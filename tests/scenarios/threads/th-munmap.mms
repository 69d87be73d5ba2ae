# a thread on CPU 1 unmaps part of main's mapping and maps its own: main sees the hole (SIGSEGV) and the thread's mapping
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p 0x41
thread t1 cpu=1
use t1
read a 12p
munmap a+4p 4p
vmas a 12p
read a+4p 1p
b = mmap 4p rw
write b 4p 0x42
use main
vmas a 12p
write a+4p 1p
write a+8p 4p 0x43
read b 4p
nodes b*4
munmap b 4p
use t1
read b 1p
read a+8p 4p
nodes a*12
