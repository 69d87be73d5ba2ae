# move_pages of tmpfs file pages: a shared mapping's pages move (numa_maps file=f N1=); page-cache pages also mapped by a private mapping are EACCES until move_all; a COW copy moves alone.
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
write s 8p
move_pages s*2 to=1
numa_maps s 8p
p = mmap 8p rw private file=f
read p+4p 1
write p+7p 1
numa_maps p 8p
move_pages p+4p,p+5p,p+7p to=1
move_pages p+4p,p+5p,p+7p to=1 flags=move_all
numa_maps p 16p
smaps p 16p
vmstat
