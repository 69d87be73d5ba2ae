# min_ttl_ms 10 kills too on Linux: under a write of hot pages kswapd's agings
# come back to back, the oldest generation born < 3 ticks before its next look
machine nodes=2 cpus=2 lru_gen_min_ttl_ms=10
swapon 1g
a = mmap 600m rw
write a 600m 0x61
read a 600m
