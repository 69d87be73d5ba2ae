# A second swapon of the active swap disk is EBUSY, whatever the size; after
# swapoff the disk can be made swap again with another size
swapon 64m
swapon 64m
swapon 128m
swapoff
swapon 128m
swapoff
