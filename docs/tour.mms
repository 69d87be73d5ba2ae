# mmsim tour: a NUMA machine with two nodes; pages go where the CPU is.
# (`mmsim run` without a file runs this file, compiled in; scripts/run.sh
# prints each command with its result.)
machine nodes=2 cpus=2 mem=256m
a = mmap 16p rw                # private anonymous memory, not touched yet
nodes a*4                      # never touched: ENOENT
write a 8p 0x11                # first touch: zeroed pages on node 0
read a+8p 8p                   # reads map the shared zero page
nodes a*16                     # 8 pages on node 0, 8 on the zero page
vmas a 16p
task remote cpu=1              # a process on CPU 1, which sits on node 1
use remote
b = mmap 4p rw
write b 4p
nodes b*4                      # its pages are on node 1
use main
thread helper cpu=1            # a thread of main on CPU 1: same address space
use helper
read a 8p                      # CPU 1 now caches main's translations
use main
move_pages a*4 to=1            # migrate 4 pages to node 1: CPU 1's TLB is flushed by IPI
nodes a*8
fork child                     # copy-on-write; write-protecting main's pages flushes CPU 1 too
use child
write a 1p 0x22                # the child's write copies one page
read a 8p
use main
read a 8p                      # main still sees its own bytes
munmap a+4p 4p                 # a hole in the middle splits the VMA: another IPI
vmas a 16p
write a+4p 1p                  # SIGSEGV in the hole
stats                          # simulator only: tlb_flushes, ipis_sent, ipis_received moved
