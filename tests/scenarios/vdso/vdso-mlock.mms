# mlock over the vDSO's mappings: 0, nothing locked, nothing counted; msync invalidate then finds no locked page there
machine nodes=2 cpus=2
task u uid=1000
use u
a = mmap 4p rw
mlock a+4p 4p
mlock a+8p 2p
mlock a+4p 6p
vmas a 10p
msync a+4p 6p invalidate
munlock a+4p 6p
mlock a+2p 8p
vmas a 10p
nodes a*4
msync a 10p invalidate
munlock a 10p
msync a 10p invalidate
