# MAP_LOCKED and mlock populate: private rw real pages, private read-only the zero page, shared read-only real pages, prot none nothing
machine nodes=2 cpus=2
a = mmap 4p rw locked
nodes a*4
b = mmap 4p r locked
nodes b*4
c = mmap 4p r
mlock c 4p
nodes c*4
d = mmap 4p r shared locked
nodes d*4
e = mmap 4p none locked
nodes e*4
f = mmap 4p rw shared locked
nodes f*4
madvise a 4p dontneed
madvise e 4p dontneed
