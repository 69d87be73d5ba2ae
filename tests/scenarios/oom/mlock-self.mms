# mlock of a range larger than the memory left faults it in and kills the
# task during the mlock (mlock = killed); fork in the dead task is ESRCH and
# so is everything in the task it did not make
machine nodes=2 cpus=2
task t cpu=1
a = mmap 300m rw
b = mmap 300m rw
write a 300m
mlock b 300m
read b 1p
fork k
use k
read a 1p
use t
c = mmap 4p rw
mlock c 4p
read c 4p
