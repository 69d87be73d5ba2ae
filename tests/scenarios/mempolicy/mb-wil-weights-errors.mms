# the weight files: 255 is the largest weight, 256 EINVAL, a node the machine lacks has no file (ENOENT); 0 writes the default (1) back
machine nodes=2 cpus=2
il_weight 0 255
il_weight 1 256
il_weight 2 1
il_weight 1 0
il_weight 0 0
a = mmap 4p rw
mbind a 4p weighted_interleave nodes=0-1
write a 4p
nodes a*4
