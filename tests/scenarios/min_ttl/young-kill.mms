# min_ttl_ms 60000: every MGLRU generation is younger than a minute, so when
# kswapd wakes (600 MiB written on 512 MiB, 1 GiB of swap) it finds no
# lruvec it may reclaim and OOM-kills the largest process: the writer itself
machine nodes=2 cpus=2 lru_gen_min_ttl_ms=60000
swapon 1g
a = mmap 600m rw
write a 600m 0x61
read a 1p
