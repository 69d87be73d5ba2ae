# lengths that wrap around the address space are ENOMEM (not EINVAL); a huge non-wrapping length changes the VMAs before the first hole, then ENOMEM
machine nodes=2 cpus=2
a = mmap 6p rw
write a 6p 0x31
munmap a+4p 2p
mprotect a 0xfffffffffffff000 r
mprotect a 0xffffffffffffffff r
mprotect a 0xfffffffffffff001 r
vmas a 4p
write a 1p 0x32
mprotect a 0x800000000000 r
vmas a 4p
write a 1p 0x33
read a 4p
