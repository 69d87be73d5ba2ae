# nodes of file pages: never touched through this mapping is ENOENT even when cached; a read maps the cached 16-page window; populate maps all
machine nodes=2 cpus=2
file f 8p
a = mmap 8p r shared file=f
nodes a*8
w = mmap 8p rw shared file=f
write w+2p 2p 0x36
nodes a*8
read a+5p 1p
nodes a*8
nodes w*8
p = mmap 8p r private file=f populate
nodes p*8
q = mmap 8p rw private file=f populate
nodes q*8
move_pages q*8 to=1
