# access rights by protection: write-only reads fine (x86), exec-only reads fine (no PKU), none faults on both, read-only faults on write
machine nodes=2 cpus=2
top = mmap 4p none
w = mmap 2p w
read w 2p
write w 2p 0xc1
read w 2p
x = mmap 2p x
read x 2p
write x 1
n = mmap 2p none
read n 1
write n 1
r = mmap 2p r
write r 1
read r 2p
rx = mmap 2p rx
write rx 1
wx = mmap 2p wx
write wx 2p 0xc2
read wx 2p
vmas wx 12p
nodes wx*12
