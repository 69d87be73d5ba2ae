# A tmpfs file's pages mapped only by a private mapping that read them (no
# private copies): pageout writes the file's pages to swap; the private
# mapping and a new shared one read them back
swapon 64m
file f 8p
m = mmap 8p rw shared file=f
write m 8p 0x93
munmap m 8p
p = mmap 8p r private file=f
read p 8p
madvise p 8p pageout
vmstat
smaps p 8p
read p 8p
n = mmap 8p r shared file=f
read n 8p
smaps p 8p
swapoff
