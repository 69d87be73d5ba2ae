# 4 nodes: migrate_pages keeps the relative layout (0,1,2 -> 1,2,3; 0,1 -> 2,3); many-to-one gathers everything
machine nodes=4 cpus=4
a = mmap 4p rw
write a 4p 0xe4
move_pages a*4 to=0,1,2,3
migrate_pages from=0,1,2 to=1,2,3
nodes a*4
migrate_pages from=1,2,3 to=0,1,2
nodes a*4
migrate_pages from=0,1 to=2,3
nodes a*4
migrate_pages from=2,3 to=0,1
nodes a*4
migrate_pages from=0,1,2,3 to=3
nodes a*4
migrate_pages from=3 to=0,1
nodes a*4
migrate_pages from=0,1,2,3 to=1,2
nodes a*4
read a 4p
