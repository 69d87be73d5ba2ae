# a file mapped twice shared in one task: both see each other's writes; pages mapped through both are EACCES without move_all
machine nodes=2 cpus=2
file f 4p
a = mmap 4p rw shared file=f
b = mmap 4p rw shared file=f
write a 2p 0x81
write b+2p 2p 0x82
read a 4p
read b 4p
nodes a*4
nodes b*4
move_pages a*4 to=1
move_pages a*4 to=1 flags=move_all
nodes a*4
nodes b*4
munmap b 4p
move_pages a*4 to=0
nodes a*4
read a 4p
