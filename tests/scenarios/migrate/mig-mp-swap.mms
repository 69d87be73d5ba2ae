# node masks are sets: from=0,1 to=1,0 is a no-op; from=0,1 to=1 gathers everything on node 1; from=1 to=0,1 moves nothing
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0xd3
move_pages a*4 to=0,1,0,1
migrate_pages from=0,1 to=1,0
nodes a*4
migrate_pages from=1 to=0,1
nodes a*4
migrate_pages from=0,1 to=1
nodes a*4
migrate_pages from=0,1 to=0
nodes a*4
read a 4p
