# [vvar]: no page behind it (ENOENT), never moved (EFAULT); its clock pages fault with SIGBUS, writes with SIGSEGV
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p
read a+4p 1
nodes a+4p*4
move_pages a+4p*4
move_pages a+4p*4 to=1
move_pages a+4p*4 to=1 flags=move
move_pages a+4p*4 to=1 flags=move_all
move_pages a+3p*2 to=1
migrate_pages from=0 to=1
nodes a*4,a+4p*4
read a+5p 1
read a+6p 1
read a+7p 1
write a+4p 1
write a+3p 2p
read a+4p 4p
