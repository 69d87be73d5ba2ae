# Reads of private anonymous memory map the shared zero page: 600 MiB read
# allocates nothing and kills nobody (vmstat none), and the task still works
machine nodes=2 cpus=2
a = mmap 300m rw
b = mmap 300m rw
read a 300m
read b 300m
write a 1p
read a 1p
vmstat
