# migrate_pages node lists: empty from (0), empty to (EINVAL), node 5 in from (ignored) or to (EINVAL alone, dropped beside 1)
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0xd4
migrate_pages from= to=1
migrate_pages from=0 to=
migrate_pages from= to=
migrate_pages from=5 to=1
nodes a*4
migrate_pages from=0 to=5
nodes a*4
migrate_pages from=0 to=1,5
nodes a*4
migrate_pages from=1,5 to=0,6
nodes a*4
migrate_pages from=63 to=0
migrate_pages from=0 to=63
