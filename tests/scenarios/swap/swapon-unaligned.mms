# A size that is not a whole number of pages is rounded down: 4097 bytes is
# one page (EINVAL), 64 MiB + 100 bytes is a 64 MiB area
swapon 4097
swapon 0x4000064
a = mmap 8p rw
write a 8p 0x31
madvise a 8p pageout
smaps a 8p
read a 8p
swapoff
