# 480 MiB of anonymous memory do not fit in the 2 x 256 MiB machine: the
# kernel's own memory leaves one task about 430 MiB (420 to 440 MiB in
# probes), so the second write is killed
machine nodes=2 cpus=2
a = mmap 240m rw
b = mmap 240m rw
write a 240m
write b 240m
read a 1p
