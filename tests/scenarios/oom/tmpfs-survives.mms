# A tmpfs file's pages outlive the task that wrote them: t (200 MiB of the
# file and its own private memory) is killed; the file's pages stay, so the
# next task that runs out of memory (u) is killed; main reads the file back
machine nodes=2 cpus=2
file f 200m
task t
task u cpu=1
use t
m = mmap 200m rw shared file=f
write m 200m 0x55
b = mmap 350m rw
write b 350m
use u
c = mmap 350m rw
write c 350m
use main
r = mmap 200m r shared file=f
read r 200m
