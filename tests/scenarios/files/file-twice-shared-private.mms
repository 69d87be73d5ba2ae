# a file mapped shared and private: read-faulted private pages are the page-cache pages (EACCES); after a private write that page moves alone
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x91
p = mmap 4p rw private file=f
read p 4p
move_pages p*4 to=1
move_pages s*4 to=1
write p+1p 1p 0x92
move_pages p*4 to=1
nodes p*4
nodes s*4
move_pages s*4 to=1 flags=move_all
nodes p*4
nodes s*4
read p 4p
read s 4p
write s+1p 1p 0x93
read p+1p 1p
read p+2p 1p
