# migrate_pages from=0 to=1 and back: every page of the task moves, data intact; from=1 to=0 when nothing is on 1
machine nodes=2 cpus=2
a = mmap 8p rw
write a 6p 0xd1
b = mmap 4p rw shared
write b 4p 0xd2
migrate_pages from=1 to=0
nodes a*8,b*4
migrate_pages from=0 to=1
nodes a*8,b*4
read a 8p
read b 4p
migrate_pages from=1 to=0
nodes a*8,b*4
migrate_pages from=0 to=0
migrate_pages pid=0 from=0 to=1
nodes a,b
