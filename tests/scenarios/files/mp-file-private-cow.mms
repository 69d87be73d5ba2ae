# a private file mapping made rw by mprotect: writes make private copies (node 0) that the shared mapping and the file do not see
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0xa5
p = mmap 4p r private file=f
read p 4p
write p 1p
mprotect p+1p 2p rw
vmas p 4p
write p+1p 1p 0xa6
read p 4p
read s 4p
move_pages p*4 to=1
