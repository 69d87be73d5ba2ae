# /sys/devices/system/node/nodeN/distance with a SLIT of three distances: as given, row by row
machine nodes=3 cpus=3 distance=10,20,30,20,10,25,30,25,10
distance
