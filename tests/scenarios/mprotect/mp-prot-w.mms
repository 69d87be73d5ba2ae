# w alone (x86): vmas shows -w-p, reads are allowed (write implies read), writes work; untouched w pages read as zeros
machine nodes=2 cpus=2
a = mmap 4p rw
write a 2p 0x25
mprotect a 4p w
vmas a 4p
read a 4p
write a 4p 0x26
read a 4p
mprotect a+2p 2p r
write a+2p 1p
vmas a 4p
