# VM_ACCOUNT (smaps flag ac): mprotect r->rw adds it; rw->r drops it only while the VMA has no anon_vma (never written), which decides what merges.
machine nodes=2 cpus=2
a = mmap 4p r
smaps a 4p
mprotect a 2p rw
smaps a 4p
mprotect a 2p r
smaps a 4p
b = mmap 4p rw
mprotect b 4p r
smaps b 8p
c = mmap 4p rw
write c 1p
mprotect c 4p r
smaps c 12p
vmas c 12p
