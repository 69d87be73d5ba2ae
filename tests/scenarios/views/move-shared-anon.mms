# move_pages of shared anonymous memory: pages mapped by one task move; once a child maps them too they are EACCES without move_all; numa_maps file=/dev/zero N0=/N1= in both tasks.
machine nodes=2 cpus=2
s = mmap 8p rw shared
write s 8p
move_pages s*4 to=1
numa_maps s 8p
smaps s 8p
fork child
use child
read s+4p 1
numa_maps s 8p
move_pages s+4p*4 to=1
move_pages s+4p,s+5p to=1 flags=move_all
use main
numa_maps s 8p
move_pages s+6p to=1
nodes s*8
smaps s 8p
vmstat
