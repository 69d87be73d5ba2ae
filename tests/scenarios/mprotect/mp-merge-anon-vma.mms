# two adjacent VMAs faulted separately (different anon_vmas, kept apart by VM_LOCKED) never merge, even with equal protections after munlock and mprotect
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
b = mmap 4p rw locked
write a 4p 0x90
write b 4p 0x91
munlock b 4p
vmas b 8p
mprotect b 8p r
vmas b 8p
mprotect b 8p rw
vmas b 8p
