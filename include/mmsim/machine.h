/*
 * mmsim/machine.h - create and configure a simulated NUMA machine.
 *
 * A `struct mmsim` is one whole simulated computer: its nodes and physical
 * memory, its CPUs with their TLBs and cycle clocks, and the kernel state
 * running on it (page allocator, tasks, address spaces).  Several machines
 * may exist in one host process; they share nothing.
 *
 * Every function returns 0 or a negative errno, as the kernel would.
 */
#ifndef MMSIM_MACHINE_H
#define MMSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMSIM_MAX_NODES 64
#define MMSIM_MAX_CPUS 64

enum mmsim_thp { MMSIM_THP_NEVER, MMSIM_THP_ALWAYS, MMSIM_THP_MADVISE };

/* How munmap/mprotect flush the TLB: one gathered flush per call (Linux
 * 5.19 and later), or one range flush per VMA (the older scheme). */
enum mmsim_flush_policy { MMSIM_FLUSH_GATHER, MMSIM_FLUSH_PER_VMA };

/* How reclaim ages pages: Linux 6.12's default, the multi-generational
 * LRU (/sys/kernel/mm/lru_gen/enabled 0x0007), or the classic
 * active/inactive lists (lru_gen disabled). */
enum mmsim_lru { MMSIM_LRU_GEN, MMSIM_LRU_CLASSIC };

/* Where files live: in mmfs on a bcache cache set made of two disk images
 * (mmsim_disks_attach, crash, reboot), or in memory as Linux's tmpfs (page
 * cache only, shared memory pages that are never written back; no disks,
 * so crash and reboot answer -ENODEV).  Scenarios use tmpfs, as the
 * reference Linux does, unless they need disks. */
enum mmsim_files { MMSIM_FILES_DISK, MMSIM_FILES_TMPFS };

/* The simulated clock's nominal frequency: what turns a CPU's cycles into
 * the milliseconds of NUMA balancing's periods (docs/cost-model.md). */
#define MMSIM_CPU_MHZ 2500

/*
 * Cycles charged to a CPU's clock per event.  Defaults (docs/cost-model.md
 * gives the sources) are for a recent x86-64 server part.
 */
struct mmsim_cost {
	uint32_t tlb_hit;		/* load/store that hits the TLB */
	uint32_t walk_level;		/* one page-table level read on a miss */
	uint32_t fault;			/* trap + kernel entry/exit of a fault */
	uint32_t invlpg;		/* one single-entry invalidation */
	uint32_t flush_full;		/* a full (non-global) TLB flush */
	uint32_t ipi_send;		/* sending one IPI and waiting for it */
	uint32_t ipi_receive;		/* taking one IPI on the target CPU */
	uint32_t page_zero;		/* zeroing one 4 KiB frame */
	uint32_t page_copy_local;	/* copying 4 KiB within a node (distance 10) */
	uint32_t page_copy_remote;	/* ... between nodes at distance 20; other
					 * distances on the line through both */
	uint32_t disk_io;		/* one block request */
	uint32_t cache_hit;		/* a 64-byte line found in the CPU's cache */
	uint32_t mem_local;		/* a line read from the CPU's own node; from
					 * a node at SLIT distance d, mem_local * d / 10 */
};

struct mmsim_config {
	unsigned nodes;			/* 1..MMSIM_MAX_NODES, default 2 */
	unsigned cpus;			/* 1..MMSIM_MAX_CPUS, default 2; CPU c on node c % nodes */
	uint64_t mem_per_node;		/* bytes, multiple of 2 MiB, default 256 MiB */
	enum mmsim_thp thp;		/* default never */
	unsigned tlb4k_sets, tlb4k_ways;	/* default 128 x 12 (1536 entries) */
	unsigned tlb2m_sets, tlb2m_ways;	/* default 128 x 8 */
	unsigned flush_ceiling;		/* pages; larger range flushes go full; default 33 */
	enum mmsim_flush_policy flush_policy;
	int max_map_count;		/* default 65530 */
	struct mmsim_cost cost;
	/*
	 * Default false: one host thread at a time drives the machine.  True:
	 * each CPU may be driven by its own host thread (one thread per CPU,
	 * through a task pinned to it) while other threads change page tables
	 * and flush TLBs.  Accesses then take a per-CPU lock and a shootdown
	 * waits for in-flight accesses on its targets, as an IPI waits for an
	 * instruction boundary; counters and outputs are otherwise the same.
	 */
	bool threaded;
	enum mmsim_files files;		/* default MMSIM_FILES_DISK */
	/*
	 * The SLIT node distances (/sys/devices/system/node/nodeN/distance):
	 * distance[a][b] from node a to node b.  All zero (the default) means
	 * Linux's defaults: 10 to itself, 20 to any other node.  Otherwise
	 * 10 on the diagonal and 11..254 elsewhere.  Allocations fall back
	 * from node to node in the order Linux builds from them (nearest
	 * first, mm/page_alloc.c says the rest).
	 */
	uint8_t distance[MMSIM_MAX_NODES][MMSIM_MAX_NODES];
	/*
	 * vm.min_free_kbytes and vm.watermark_scale_factor, from which each
	 * node's min/low/high watermarks follow as in Linux (docs/design.md,
	 * "Watermarks and kswapd").  min_free_kbytes 0 (the default) means
	 * Linux's boot-time figure, int_sqrt(16 x the memory in kB), kept in
	 * 128..262144; otherwise at most half the machine's memory.
	 * watermark_scale_factor: 1..3000, default 10 (0.1% of a node).
	 */
	unsigned min_free_kbytes;
	unsigned watermark_scale_factor;
	enum mmsim_lru lru;		/* default MMSIM_LRU_GEN */
	/*
	 * MGLRU's thrashing prevention, /sys/kernel/mm/lru_gen/min_ttl_ms
	 * (default 0: off; mmsim_lru_gen_min_ttl_set changes it later):
	 * kswapd OOM-kills a process rather than evict generations younger
	 * than this (docs/design.md, "min_ttl").  The classic LRU ignores it.
	 */
	unsigned lru_gen_min_ttl_ms;
	/*
	 * Memory tiering (docs/design.md, "Memory tiers"): each node's
	 * abstract distance, which Linux's memory_tiers groups into tiers of
	 * 128 (smaller is faster).  0, the default, is ordinary DRAM
	 * (MMSIM_ADISTANCE_DRAM), as every node of a machine without HMAT
	 * or a memory driver gets; a node a driver such as dax/kmem brings
	 * in (CXL or persistent memory) has MMSIM_ADISTANCE_DAX.  1..65535.
	 * demotion_enabled is /sys/kernel/mm/numa/demotion_enabled (default
	 * false): reclaim then moves cold pages of a node to the next lower
	 * tier instead of swapping or dropping them.
	 */
	uint16_t adistance[MMSIM_MAX_NODES];
	bool demotion_enabled;
	/*
	 * Automatic NUMA balancing (kernel.numa_balancing: a mask of
	 * MMSIM_NUMA_BALANCING_NORMAL and _MEMORY_TIERING) and its tunables,
	 * Linux's names and defaults: a periodic scan of each address space
	 * driven by the simulated clock (docs/design.md).  Off (0) by
	 * default: pages then move only after mmsim_numa_scan().
	 * scan_size_mb >= 1; 1 <= period_min_ms <= period_max_ms.  Memory
	 * tiering promotes hot pages of lower tiers (docs/design.md, "Memory
	 * tiers"): hot_threshold_ms is how soon after a scan an access must
	 * come, promote_rate_limit_mbps (>= 1) how much may be promoted per
	 * second per node.
	 */
	unsigned numa_balancing;
	unsigned numa_balancing_scan_delay_ms;		/* default 1000 */
	unsigned numa_balancing_scan_period_min_ms;	/* default 1000 */
	unsigned numa_balancing_scan_period_max_ms;	/* default 60000 */
	unsigned numa_balancing_scan_size_mb;		/* default 256 */
	unsigned numa_balancing_hot_threshold_ms;	/* default 1000 */
	unsigned numa_balancing_promote_rate_limit_mbps;	/* default 65536 */
	/*
	 * Each CPU's data cache: cache_sets x cache_ways lines of 64 bytes,
	 * keyed by physical address (docs/cost-model.md).  A load or store
	 * costs cost.cache_hit per line it finds there and the latency of
	 * the node holding the frame per line it misses.  Default on, 2048 x
	 * 16 (2 MiB); sets a power of two, ways 1..64, at most 64 MiB.  Off:
	 * accesses cost the TLB alone, as before the cache was modelled.
	 */
	bool cache;
	unsigned cache_sets, cache_ways;
	/*
	 * The seed of the kernel's random choices where Linux draws random
	 * numbers (get_random_u32_below): the bins of MGLRU's memcg LRU, the
	 * order in which the machine's reclaim takes the memory cgroups
	 * (docs/design.md, "Per-memcg LRUs").  The same seed gives the same
	 * run; default 0.
	 */
	uint64_t seed;
};

#define MMSIM_NUMA_BALANCING_NORMAL 1u
#define MMSIM_NUMA_BALANCING_MEMORY_TIERING 2u

/* Linux's MEMTIER_ADISTANCE_DRAM (4.5 chunks of 128) and the dax/kmem
 * driver's default, MEMTIER_DEFAULT_DAX_ADISTANCE (five times it). */
#define MMSIM_ADISTANCE_DRAM 576
#define MMSIM_ADISTANCE_DAX (5 * MMSIM_ADISTANCE_DRAM)

struct mmsim;

/* Fills *cfg with the defaults noted beside each field above (costs:
 * docs/cost-model.md). */
void mmsim_config_default(struct mmsim_config *cfg);

/* Checks a configuration: 0, or -EINVAL with a message in err (if given). */
int mmsim_config_check(const struct mmsim_config *cfg, char *err, unsigned errlen);

/* Builds and boots a machine. 0 or -EINVAL / -ENOMEM. */
int mmsim_create(const struct mmsim_config *cfg, struct mmsim **out);

/* Tears a machine down with every task still on it.  A build with
 * MMSIM_DEBUG_VM first audits the pages (mmsim_debug_check) and aborts
 * on a violation. */
void mmsim_destroy(struct mmsim *m);

/*
 * Audits every page of the machine against every task's page tables:
 * mapcounts equal the entries that map each page (per subpage and per
 * huge page), a huge page's references are all on its head, and no page
 * has fewer references than mappings.  Call with no CPU running.  Returns
 * the number of violations, each described on stderr.  Works in every
 * build; the debug build runs it by itself at mmsim_destroy().
 */
unsigned mmsim_debug_check(struct mmsim *m);

const struct mmsim_config *mmsim_config_of(const struct mmsim *m);

/*
 * A swap area of `bytes` (whole pages; the first is the header) on a host
 * image file, as mkswap + swapon(8) on a new partition: path is created
 * or overwritten (NULL: an unlinked temporary file in $TMPDIR, else
 * /var/tmp).  The image is sparse and in Linux's swap format.  0, -EBUSY
 * (a swap area is on), -EINVAL (fewer than two pages), or the host's
 * errno.
 */
int mmsim_swapon(struct mmsim *m, uint64_t bytes, const char *path);
/* swapoff(8) by root: every swapped page of every task is read back (the
 * kernel's work, charged to CPU 0), then the area goes.  0, -EINVAL (no
 * swap area), -ENOMEM.  mmsim_destroy turns swap off by itself. */
int mmsim_swapoff(struct mmsim *m);

#ifdef __cplusplus
}
#endif
#endif
