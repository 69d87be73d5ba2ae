# moves in mappings of other protections: r populate (zero page), x read (zero page), w written, r shared populate, rx untouched
machine nodes=2 cpus=2
r = mmap 2p r populate
x = mmap 2p x
w = mmap 2p w
s = mmap 2p r shared populate
e = mmap 2p rx
read x 2p
write w 2p 0x70
nodes r*2,x*2,w*2,s*2,e*2
move_pages r*2,x*2,w*2,s*2,e*2 to=1
nodes r*2,x*2,w*2,s*2,e*2
read w 2p
read s 2p
