# migrate_pages with file pages mapped by an unrelated task (task, not fork): uid 1000 skips them, main (CAP_SYS_NICE) moves them for both
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x2c
task x uid=1000
use x
m = mmap 4p rw shared file=f
write m+2p 2p 0x2d
nodes m*4
migrate_pages from=0 to=1
nodes m*4
use main
nodes s*4
move_pages m*4 to=1 pid=x
move_pages s*4 to=1
migrate_pages pid=x from=0 to=1
nodes s*4
use x
nodes m*4
read m 4p
