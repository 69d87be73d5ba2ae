# A task that writes more anonymous memory than the machine has is killed
# during that write (write = killed); its later commands are ESRCH, and a task
# created before it goes on
machine nodes=2 cpus=2
task t cpu=1
a = mmap 300m rw
b = mmap 300m rw
write a 300m
write b 300m
read a 1p
munmap a 300m
c = mmap 4p rw
use t
d = mmap 8p rw
write d 8p 0x33
read d 8p
