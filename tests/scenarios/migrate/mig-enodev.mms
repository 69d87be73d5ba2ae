# target nodes that do not exist (2, 7, 1023, 1024, -1, huge) fail the whole call with ENODEV; nothing moves
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x74
move_pages a*4 to=2
move_pages a*4 to=7
move_pages a*4 to=1023
move_pages a*4 to=1024
move_pages a*4 to=-1
move_pages a*4 to=2147483647
move_pages a*4 to=-2147483648
nodes a*4
h = hole 1p
move_pages h to=7
move_pages a,h to=1,5
nodes a*4
