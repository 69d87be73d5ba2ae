# swapoff with no swap area is EINVAL; after swapon and swapoff it is EINVAL again
swapoff
swapon 64m
swapoff
swapoff
vmstat
