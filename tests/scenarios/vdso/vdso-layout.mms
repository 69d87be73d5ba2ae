# Issue 14, cause 3: [vvar] (4 pages r--p) and [vdso] (2 pages r-xp) sit right above a task's first mapping; msync over them succeeds
machine nodes=2 cpus=2
a = mmap 4p rw
vmas a 10p
msync a 10p async
vmas a+10p 64m
