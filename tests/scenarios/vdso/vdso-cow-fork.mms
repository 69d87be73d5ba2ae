# a copied vDSO page is shared after fork (EACCES without MOVE_ALL); migrate_pages moves it with the rest
machine nodes=2 cpus=2
a = mmap 4p rw
mprotect a+8p 2p rw
write a+8p 1 0x66
write a 4p
fork kid
move_pages a+8p to=1
migrate_pages from=0 to=1
nodes a*4,a+8p
use kid
nodes a*4,a+8p
read a+8p 1
