# another task (on CPU 1) maps the same file: its writes allocate page-cache pages on node 1 that main sees; move_pages pid= statuses
machine nodes=2 cpus=2
file f 4p
task t cpu=1
use t
m = mmap 4p rw shared file=f
write m+2p 2p 0x34
use main
s = mmap 4p rw shared file=f
nodes s*4
write s 2p 0x35
nodes s*4
read s 4p
nodes s*4
move_pages m*4 pid=t
move_pages m*4 to=0 pid=t
move_pages m*4 to=0 pid=t flags=move_all
nodes s*4
use t
read m 4p
nodes m*4
