# msync over the vDSO's mappings, every mode
machine nodes=2 cpus=2
a = mmap 4p rw
msync a+4p 4p sync
msync a+4p 4p async
msync a+4p 4p invalidate
msync a+8p 2p sync
msync a+8p 2p async
msync a+8p 2p invalidate
msync a 10p sync
msync a 10p invalidate
msync a 11p async
