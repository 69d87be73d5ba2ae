# mbind local/default/preferred-without-nodes with move queue every page (empty mask) and migrate even pages already local
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p
vmstat
mbind a 4p local flags=move
vmstat
mbind a+4p 4p default flags=move
vmstat
mbind a+8p 4p preferred flags=move
vmstat
nodes a*12
mbind a 12p bind nodes=0-1 flags=move
vmstat
