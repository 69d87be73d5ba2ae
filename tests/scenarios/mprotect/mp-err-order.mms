# order of checks: unaligned start (EINVAL) before len 0 and before a hole; len 0 before the hole check; wrap-around (ENOMEM) before the hole check
machine nodes=2 cpus=2
h = hole 4p
a = mmap 4p rw
bad = mmap 0 rw
mprotect h+1 4p r
mprotect h+1 0 r
mprotect h 0 r
mprotect h 0xfffffffffffff000 r
mprotect bad 1p r
mprotect bad 0 r
vmas a 4p
