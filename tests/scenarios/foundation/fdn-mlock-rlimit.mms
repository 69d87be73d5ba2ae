# RLIMIT_MEMLOCK (8 MiB) binds tasks without CAP_IPC_LOCK: mlock beyond it ENOMEM, mmap locked beyond it EAGAIN; re-locking locked pages is free; root with caps is unlimited
machine nodes=2 cpus=2
task u uid=1000
task n caps=none
use u
a = mmap 16m rw
mlock a 1m
mlock a 16m
mlock a 8m
mlock a 2049p
mlock a+8m 1p
munlock a 8m
mlock a+8m 8m
b = mmap 16m rw locked
c = mmap 1m rw locked
munlock a 16m
d = mmap 1m rw locked
nodes d*256
e = mmap 8m rw locked
use n
f = mmap 16m rw
mlock f 16m
mlock f 8m
use main
m = mmap 16m rw
mlock m 16m
nodes m*4096
g = mmap 16m rw locked
