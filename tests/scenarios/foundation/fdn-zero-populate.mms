# MAP_POPULATE: private rw gets real pages, private read-only gets the zero page, shared gets real pages, prot none gets nothing
machine nodes=2 cpus=2
a = mmap 4p rw populate
nodes a*4
b = mmap 4p r populate
nodes b*4
c = mmap 4p rw shared populate
nodes c*4
d = mmap 4p r shared populate
nodes d*4
e = mmap 4p none populate
nodes e*4
f = mmap 4p w populate
nodes f*4
g = mmap 4p x populate
nodes g*4
read a 4p
read b 4p
read c 4p
