# the vDSO's second page is not mapped until read (ENOENT); [vvar] never moves (EFAULT). (Where the first page lies depends on where the kernel was loaded: not asked.)
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p
move_pages a+9p to=1
move_pages a+7p to=1 flags=move_all
nodes a*4,a+9p
