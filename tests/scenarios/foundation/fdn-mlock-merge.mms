# after munlock, the pieces split by mlock merge back only if they share an anon_vma: written-before-split pieces merge, a populated piece beside untouched ones does not
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0x01
mlock a+2p 4p
vmas a 8p
munlock a+2p 4p
vmas a 8p
g = mmap 4p none
b = mmap 8p rw
mlock b+2p 4p
vmas b 8p
munlock b+2p 4p
vmas b 8p
nodes b*8
mlock b 8p
munlock b 8p
vmas b 8p
