a = mmap 16p rw locked
vmstat
move_pages a*16 to=1
vmstat
munlock a 16p
vmstat
