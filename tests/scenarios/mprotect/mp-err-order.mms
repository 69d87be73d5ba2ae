# order of checks: unaligned start (EINVAL) comes before len 0, before wrap-around and before a hole; len 0 comes before the hole check; a failed mmap name (-1) is unaligned
machine nodes=2 cpus=2
h = hole 4p
a = mmap 4p rw
bad = mmap 0 rw
mprotect h+1 4p r
mprotect h+1 0 r
mprotect h+1 0xfffffffffffff000 r
mprotect h 0 r
mprotect h 0xfffffffffffff000 r
mprotect bad 1p r
mprotect bad 0 r
vmas a 4p
