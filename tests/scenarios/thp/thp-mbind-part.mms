machine thp=always
h = mmap 2m rw
write h 2m 0x33
mbind h+256p 256p bind nodes=1 flags=move
nodes h,h+255p,h+256p,h+511p
vmstat
numa_maps h 2m
read h 2m
