# With THP always, 600 MiB written in two 2 MiB-aligned mappings (huge pages
# where the faults get them): the writer is killed during the second write as
# without THP, and a new task then writes 4 MiB
machine nodes=2 cpus=2 thp=always
a = mmap 300m rw
b = mmap 300m rw
write a 300m
write b 300m
read a 1p
task t
use t
c = mmap 4m rw
write c 4m
read c 4m
