# madvise dontneed gives written anonymous memory back: 300 MiB written,
# dropped, then 300 MiB more written kills nobody; the dropped range reads
# as zeros
machine nodes=2 cpus=2
a = mmap 300m rw
b = mmap 300m rw
write a 300m 0x71
madvise a 300m dontneed
write b 300m 0x72
read a 300m
read b 300m
