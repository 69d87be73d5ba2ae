# migrate_pages and pages shared by fork: moved only with CAP_SYS_NICE (main yes, a caps=none task no; not counted as failures)
machine nodes=2 cpus=2
task n caps=none
use n
a = mmap 4p rw
write a 4p 0xdd
fork nc
use nc
write a+3p 1p 0xde
use n
migrate_pages from=0 to=1
nodes a*4
use main
migrate_pages pid=n from=0 to=1
use n
nodes a*4
use nc
nodes a*4
read a 4p
