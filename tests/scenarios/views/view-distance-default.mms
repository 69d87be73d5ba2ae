# /sys/devices/system/node/nodeN/distance on the default machine: Linux's 10 local, 20 remote
machine nodes=2 cpus=2
distance
