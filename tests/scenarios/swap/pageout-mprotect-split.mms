# mprotect splits a paged-out range into three VMAs: each VMA's smaps counts
# its own swapped pages
swapon 64m
a = mmap 12p rw
write a 12p 0x11
madvise a 12p pageout
mprotect a+4p 4p r
smaps a 12p
read a 12p
smaps a 12p
swapoff
