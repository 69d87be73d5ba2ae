# min_ttl_ms is MGLRU's alone: with the classic LRU the writes of young-kill
# swap and nobody is killed
machine nodes=2 cpus=2 lru=classic lru_gen_min_ttl_ms=60000
swapon 1g
a = mmap 300m rw
b = mmap 300m rw
write a 300m 0x61
write b 300m 0x62
read a 300m
read b 300m
