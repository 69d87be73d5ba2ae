# the child's PTEs start old after fork: its Referenced= counts only pages it touched since; the parent's stays.
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
fork child
use child
smaps a 8p
read a 2p
smaps a 8p
write a+4p 1p
smaps a 8p
use main
smaps a 8p
