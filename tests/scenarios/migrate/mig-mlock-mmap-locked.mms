# MAP_LOCKED pages move and stay locked (dontneed EINVAL); munlock afterwards works and the data is intact
machine nodes=2 cpus=2
a = mmap 4p rw locked
write a 4p 0xb1
nodes a*4
move_pages a*4 to=1
nodes a*4
madvise a 4p dontneed
munlock a 4p
read a 4p
madvise a 1p dontneed
nodes a*4
move_pages a*4 to=0
nodes a*4
