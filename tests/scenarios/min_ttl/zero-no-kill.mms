# min_ttl_ms 0 (Linux's default): the writes of young-kill swap, nobody is
# killed, everything reads back
machine nodes=2 cpus=2 lru_gen_min_ttl_ms=0
swapon 1g
a = mmap 300m rw
b = mmap 300m rw
write a 300m 0x61
write b 300m 0x62
read a 300m
read b 300m
