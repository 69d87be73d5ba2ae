# fork with a shared file mapping: the child gets no PTEs (ENOENT) until it touches pages, sees the parent's data, and its writes reach the parent
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x2e
fork c
use c
nodes s*4
write s+1p 1p 0x2f
nodes s*4
use main
read s 4p
move_pages s*4 to=1
move_pages s+1p to=1 flags=move_all
use c
nodes s*4
read s 4p
nodes s*4
use main
move_pages s*4 to=1 pid=c
move_pages s*4 to=1 pid=c flags=move_all
nodes s*4
