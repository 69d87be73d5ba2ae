# Paged-out pages made PROT_NONE: a read is SIGSEGV; readable again, the data
# comes back intact
swapon 64m
a = mmap 8p rw
write a 8p 0x11
read a 8p
madvise a 8p pageout
mprotect a 8p none
read a 8p
smaps a 8p
mprotect a 8p r
read a 8p
vmas a 8p
write a 1p
mprotect a 8p rw
write a 1p 0x22
read a 8p
swapoff
