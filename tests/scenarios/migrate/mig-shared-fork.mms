# a shared anon page after fork: the child has no PTEs until it touches it, so the parent moves it without MOVE_ALL; then EACCES
machine nodes=2 cpus=2
s = mmap 4p rw shared
write s 4p 0xa2
fork c
use c
nodes s*4
use main
move_pages s*2 to=1
use c
read s 1p
write s+2p 1p 0xa3
nodes s*4
use main
move_pages s*4 to=1
nodes s*4
move_pages s*4 to=1 flags=move_all
use c
nodes s*4
read s 4p
use main
read s 4p
