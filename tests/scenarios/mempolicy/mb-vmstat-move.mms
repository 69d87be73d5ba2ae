# vmstat after mbind moves: pgmigrate_success counts the pages moved, nothing for pages in place
machine nodes=2 cpus=2
a = mmap 16p rw
write a 16p
vmstat
mbind a 16p bind nodes=0 flags=move
vmstat
mbind a 4p bind nodes=1 flags=move
vmstat
mbind a 16p bind nodes=1 flags=move
vmstat
mbind a 16p bind nodes=0 flags=strict
vmstat
mbind a+8p 8p preferred nodes=0 flags=strict,move
vmstat
nodes a*16
