# thp=always: a read fault gives a real huge page (not a zero page), so move_pages moves it whole and reads stay zero
machine nodes=2 cpus=2 thp=always
a = mmap 2m r
read a 1
nodes a,a+511p
move_pages a+1p to=1
nodes a,a+1p,a+511p
read a 2m
b = mmap 2m rw
read b 1
move_pages b,b+1p to=1
nodes b,b+511p
