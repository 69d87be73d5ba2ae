# four nodes, CPUs on two: every node, CPU-less or not, has its row (default distances)
machine nodes=4 cpus=2 mem=64m
distance
