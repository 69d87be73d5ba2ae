# Without swap, pageout of private anonymous memory writes nothing out: the
# pages stay mapped where they were
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
vmstat
smaps a 16p
numa_maps a 16p
nodes a*4
read a 16p
