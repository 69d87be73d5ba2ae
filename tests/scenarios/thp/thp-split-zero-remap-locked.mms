# thp=always: the same split in an mlocked huge page: locked memory keeps its zero-filled subpages (no zero-page remap).
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 1p
mlock a 2m
munmap a+511p 1p
move_pages a to=1
nodes a,a+1p,a+200p
numa_maps a 2m
smaps a 2m
