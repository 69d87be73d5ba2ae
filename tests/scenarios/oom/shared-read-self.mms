# Reads of shared anonymous memory allocate its pages: reading 600 MiB of it
# kills the reader during the read (read = killed)
machine nodes=2 cpus=2
task t cpu=1
a = mmap 300m rw shared anon
b = mmap 300m rw shared anon
read a 300m
read b 300m
write a 1p
use t
c = mmap 300m rw
write c 300m
read c 1p
