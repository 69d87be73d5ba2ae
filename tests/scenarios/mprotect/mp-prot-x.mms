# x alone: vmas shows --xp; on x86 without protection keys reads are allowed, writes fault; back to rw the data is intact
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x27
mprotect a 4p x
vmas a 4p
read a 4p
write a+1p 1p
mprotect a 4p rw
read a 4p
write a 1p 0x28
