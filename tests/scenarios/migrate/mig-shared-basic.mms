# shared anonymous memory (shmem pages) moves to node 1 and back with its data; untouched shared pages are ENOENT
machine nodes=2 cpus=2
s = mmap 6p rw shared
write s 4p 0xa1
read s 6p
nodes s*6
move_pages s*6 to=1
nodes s*6
read s 6p
move_pages s*2 to=0
nodes s*6
read s 6p
