# uses a name never bound
machine nodes=2
write a 1p
