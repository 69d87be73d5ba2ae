# Memory pressure: 700 MiB written on a machine of 2 x 256 MiB with 1 GiB of
# swap, 100 MiB chunks of distinct bytes, then every chunk read back
swapon 1g
a = mmap 700m rw
write a 100m 0x01
write a+100m 100m 0x02
write a+200m 100m 0x03
write a+300m 100m 0x04
write a+400m 100m 0x05
write a+500m 100m 0x06
write a+600m 100m 0x07
read a 100m
read a+100m 100m
read a+200m 100m
read a+300m 100m
read a+400m 100m
read a+500m 100m
read a+600m 100m
