# move_pages of private pages to node 1 and some back: numa_maps N0=/N1= per VMA, smaps unchanged by migration (Referenced, dirty), zero pages EFAULT, pgmigrate_success.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
b = mmap 4p r
write a 8p
read b 4p
move_pages a*6 to=1
numa_maps a 8p
smaps a 8p
move_pages a+1p,a+3p to=0
move_pages a+6p,a+7p to=1,0
nodes a*8
move_pages b*2 to=1
numa_maps b 12p
smaps b 12p
vmstat
