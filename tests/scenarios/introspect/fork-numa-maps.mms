# numa_maps per task after fork: mapmax=2 while COW-shared, N0/N1 after the child's copies move; move_all of shared pages moves them for both.
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
fork child
use child
numa_maps a 8p
write a 4p 0x44
move_pages a*4 to=1
numa_maps a 8p
use main
numa_maps a 8p
move_pages a+4p*4 to=1
move_pages a+4p*4 to=1 flags=move_all
numa_maps a 8p
use child
numa_maps a 8p
