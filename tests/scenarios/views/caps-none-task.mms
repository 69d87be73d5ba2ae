# a uid-0 task with caps=none sharing a file with main: main's pages are EPERM to it (ptrace rule), its migrate_pages moves its own pages but not the file pages main maps too; numa_maps of both tasks.
machine nodes=2 cpus=2
file f 4p
m = mmap 4p rw shared file=f
write m 4p
task t caps=none
use t
a = mmap 4p rw
n = mmap 4p rw shared file=f
write a 4p
read n 4p
numa_maps n 8p
move_pages m*2 to=1 pid=main
migrate_pages pid=main from=0 to=1
migrate_pages from=0 to=1
numa_maps n 8p
smaps n 8p
use main
numa_maps m 4p
