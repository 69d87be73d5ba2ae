# madvise dontneed on a private file mapping drops its COW copies (anon= gone) and unmaps its page-cache pages; a read then shows the file's bytes again.
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
write s 8p 0x41
p = mmap 8p rw private file=f
write p+1p 2p 0x42
read p+5p 1
numa_maps p 16p
smaps p 8p
madvise p 4p dontneed
numa_maps p 8p
smaps p 8p
read p+1p 1p
read s+1p 1p
numa_maps p 8p
smaps p 8p
vmstat
