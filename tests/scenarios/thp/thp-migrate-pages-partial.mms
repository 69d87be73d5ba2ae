machine thp=always
h = mmap 4m rw
write h 4m 0x38
munmap h+1p 1p
mprotect h+600p 1p r
migrate_pages from=0 to=1
nodes h,h+2p,h+511p,h+512p,h+600p,h+1023p
read h 1p
read h+2p 1022p
