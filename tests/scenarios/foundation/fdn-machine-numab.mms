# NUMA balancing's mode and tunables set from the machine line; the
# scenario reads back only what the scanner cannot change.
machine numa_balancing=3 numa_balancing_scan_delay_ms=5000 numa_balancing_scan_period_min_ms=2000 numa_balancing_scan_period_max_ms=70000 numa_balancing_scan_size_mb=64 numa_balancing_hot_threshold_ms=500 numa_balancing_promote_rate_limit_MBps=100
b = mmap 16p rw
write b 16p 0x5a
read b 1
munmap b 16p
