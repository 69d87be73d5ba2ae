# The smallest swap areas: one page (only the header, last_page 0) is EINVAL
# ("Empty swap-file"); what do two, three and ten pages give?
swapon 1p
swapon 2p
swapoff
swapon 3p
swapoff
swapon 10p
swapoff
