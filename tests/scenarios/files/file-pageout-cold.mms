# madvise cold keeps file pages mapped; pageout (tmpfs, no swap) unmaps only file pages mapped once (ENOENT), not those also mapped privately; COW copies stay
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x26
p = mmap 4p rw private file=f
read p 2p
write p+2p 1p 0x27
madvise s 4p cold
nodes s*4
madvise p 4p cold
nodes p*4
madvise s 4p pageout
nodes s*4
nodes p*4
madvise p 4p pageout
nodes p*4
read s 4p
nodes s*4
read p 4p
nodes p*4
