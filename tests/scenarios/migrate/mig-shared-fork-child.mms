# pages of a shared anon mapping first touched in the child after fork: visible in the parent, moved by either side
machine nodes=2 cpus=2
s = mmap 4p rw shared
fork c
use c
write s 2p 0xa4
move_pages s*2 to=1
use main
nodes s*4
read s 2p
nodes s*4
move_pages s*2 to=0
move_pages s*2 to=0 flags=move_all
use c
nodes s*4
read s 2p
