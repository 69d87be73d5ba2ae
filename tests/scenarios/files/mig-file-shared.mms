# page-cache pages of a shared file mapping move like anon pages; a second mapping of the file sees them; fsync still works
machine nodes=2 cpus=2
file f 4p
a = mmap 4p rw shared file=f
write a 4p 0xed
move_pages a*4 to=1
nodes a*4
b = mmap 4p r shared file=f
nodes b*4
read b 4p
nodes b*4
move_pages a*4 to=0
move_pages a*4 to=0 flags=move_all
nodes b*4
msync a 4p sync
fsync f
read a 4p
