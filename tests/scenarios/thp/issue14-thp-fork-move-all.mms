# Issue 14, cause 1: a PTE-mapped huge page shared after fork moves whole with MOVE_ALL, and stays readable
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
move_pages h to=1 flags=move_all
read h 1p
nodes h,h+300p,h+511p
use kid
read h 1p
nodes h,h+300p,h+511p
