# thp=always does not apply to shared anonymous memory (shmem): a 2 MiB shared mapping has 4 KiB pages that move one by one
machine nodes=2 cpus=2 thp=always
s = mmap 2m rw shared
write s 2m 0xf7
move_pages s+100p to=1
nodes s+99p*3
move_pages s*4 to=1
nodes s*6
