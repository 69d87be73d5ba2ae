# migrate_pages and shared anon mapped by a fork child: a caps=none task skips them (not counted), main (MOVE_ALL) moves them
machine nodes=2 cpus=2
task n caps=none
use n
s = mmap 4p rw shared
write s 4p 0xf3
p = mmap 2p rw
write p 2p 0xf4
fork nc
use nc
write s 2p 0xf5
use n
migrate_pages from=0 to=1
nodes s*4,p*2
use main
migrate_pages pid=n from=0 to=1
use nc
nodes s*4,p*2
read s 4p
