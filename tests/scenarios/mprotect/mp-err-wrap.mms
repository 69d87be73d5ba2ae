# lengths that wrap around or reach past the user address space: ENOMEM (not EINVAL); a huge but non-wrapping length still changes the VMAs before the first hole
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x31
mprotect a 0xfffffffffffff000 r
mprotect a 0xffffffffffffffff r
mprotect a 0xfffffffffffff001 r
vmas a 4p
mprotect a 0x800000000000 r
vmas a 4p
write a 1p
read a 4p
