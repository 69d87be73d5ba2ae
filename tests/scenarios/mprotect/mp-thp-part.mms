# thp=always: mprotect r of two subpages of a huge page splits the VMA (and the PMD); all subpages stay resident on node 0; writes fault only there
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0x70
mprotect a+1p 2p r
vmas a 2m
nodes a,a+1p,a+2p,a+3p,a+511p
write a+1p 1p
write a+3p 1p 0x71
read a 2m
