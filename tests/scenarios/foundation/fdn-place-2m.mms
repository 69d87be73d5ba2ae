# anonymous private mappings whose length is a multiple of 2 MiB are placed 2 MiB-aligned (THP never) leaving a gap above them, which later small mmaps fill from its top; shared ones are not aligned
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
b = mmap 2m rw
vmas b 1017p
c = mmap 4p rw
d = mmap 3p rw
vmas b 1017p
e = mmap 2m rw
vmas e 1529p
f = mmap 6m r
g = mmap 513p rw
h = mmap 1m rw
vmas g 3578p
s = mmap 2m rw shared
i = mmap 4m rw
k = mmap 508p rw
vmas i 2560p
write k 508p 0x01
write i+4m 3p 0x02
write s 2m 0x03
read g 1p
read k+508p 1
nodes i+1023p*5
