# With 1 GiB of swap the writes of write-self kill nobody: 600 MiB written on
# 512 MiB, everything reads back
swapon 1g
a = mmap 300m rw
b = mmap 300m rw
write a 300m 0x61
write b 300m 0x62
read a 300m
read b 300m
