# migrate_pages of a uid-1000 task with a fork child: without CAP_SYS_NICE the file page the child mapped and the fork-shared anon pages stay; main moves all
machine nodes=2 cpus=2
file f 4p
task x uid=1000
use x
s = mmap 4p rw shared file=f
write s 4p 0x29
a = mmap 2p rw
write a 2p 0x2a
fork y
use y
write s+1p 1p 0x2b
nodes s*4
use x
migrate_pages from=0 to=1
nodes s*4
nodes a*2
use main
migrate_pages pid=x from=0 to=1
use x
nodes s*4
use y
nodes s*4
read s 4p
