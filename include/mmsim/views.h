/*
 * mmsim/views.h - Linux's own views of memory: /proc/PID/numa_maps,
 * /proc/PID/smaps and the event counters of /proc/vmstat.
 *
 * Each view comes as numbers (the structs below, filled from the same
 * state Linux 6.12 reads: page-table entries with their accessed and dirty
 * bits, page flags, mapcounts and reference counts) and as Linux's text
 * (the *_print functions), so a tool can compare either with a real
 * kernel.  Like reading the /proc files, numa_maps and smaps first drain
 * the per-CPU LRU batches.  They read one task's address space under its
 * mmap lock (for reading); on a threaded machine call them with the CPUs
 * idle, as the counters.
 */
#ifndef MMSIM_VIEWS_H
#define MMSIM_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mmsim/machine.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mmsim;
struct mmsim_task;

/* One VMA's line of /proc/PID/numa_maps, as numbers (pages). */
struct mmsim_numa_maps {
	uint64_t start, end;
	char policy[48];	/* "default", "bind:0-1", ... */
	char file[80];		/* the file mapped ("" for anonymous memory;
				 * shared anonymous memory is "/dev/zero (deleted)") */
	uint64_t pages;		/* mapped pages with a struct page (not the zero page) */
	uint64_t anon, dirty, mapmax, swapcache, active, writeback;
	uint64_t node[MMSIM_MAX_NODES];
	unsigned kernelpagesize_kb;
};

/* The VMAs meeting [start, end), lowest first: writes at most max to out
 * and returns how many there are. */
int mmsim_numa_maps(struct mmsim_task *t, uint64_t start, uint64_t end,
		    struct mmsim_numa_maps *out, int max);
/* Linux's line: "START POLICY[ file=F] anon=.. ... kernelpagesize_kB=4\n". */
void mmsim_numa_maps_print(FILE *f, const struct mmsim_numa_maps *nm);
/* The same line without its newline into buf (truncated to len, always
 * terminated when len > 0); returns the length it needs, as snprintf. */
size_t mmsim_numa_maps_format(const struct mmsim_numa_maps *nm, char *buf, size_t len);

/* The fields of /proc/PID/smaps for one VMA, in kB, in Linux's order. */
#define MMSIM_SMAPS_FIELDS(X)                                                    \
	X(Size) X(KernelPageSize) X(MMUPageSize) X(Rss) X(Pss) X(Pss_Dirty)      \
	X(Shared_Clean) X(Shared_Dirty) X(Private_Clean) X(Private_Dirty)        \
	X(Referenced) X(Anonymous) X(KSM) X(LazyFree) X(AnonHugePages)           \
	X(ShmemPmdMapped) X(FilePmdMapped) X(Shared_Hugetlb) X(Private_Hugetlb)  \
	X(Swap) X(SwapPss) X(Locked)

enum mmsim_smaps_field {
#define MMSIM_SMAPS_ENUM(name) MMSIM_SMAPS_##name,
	MMSIM_SMAPS_FIELDS(MMSIM_SMAPS_ENUM)
#undef MMSIM_SMAPS_ENUM
	MMSIM_SMAPS_NR
};

struct mmsim_smaps {
	uint64_t start, end;
	char perms[5];		/* as /proc/PID/maps: "rw-p" */
	uint64_t pgoff;		/* bytes */
	char file[80];		/* as in numa_maps; "" for anonymous memory */
	uint64_t kb[MMSIM_SMAPS_NR];	/* indexed by enum mmsim_smaps_field */
	bool thp_eligible;
	char vmflags[160];	/* Linux's two-letter codes, space-separated */
};

int mmsim_smaps(struct mmsim_task *t, uint64_t start, uint64_t end, struct mmsim_smaps *out,
		int max);
/* The field's name as smaps prints it ("Pss_Dirty"), NULL past the end. */
const char *mmsim_smaps_field_name(unsigned i);
/* Linux's block: the maps line, then "Name:  N kB" lines, THPeligible, VmFlags. */
void mmsim_smaps_print(FILE *f, const struct mmsim_smaps *sm);

/*
 * The /proc/vmstat event counters mmsim keeps, in the order a scenario's
 * `vmstat` prints them.  Each moves where Linux 6.12 moves it (see
 * docs/views.md for where that is and what mmsim does not model).
 */
#define MMSIM_VMSTAT_EVENTS(X)                                                   \
	X(pgmigrate_success) X(pgmigrate_fail) X(thp_migration_success)          \
	X(thp_migration_fail) X(thp_migration_split) X(thp_fault_alloc)          \
	X(thp_fault_fallback) X(thp_split_pmd) X(thp_split_page)                 \
	X(thp_deferred_split_page) X(numa_pte_updates) X(numa_huge_pte_updates)  \
	X(numa_hint_faults) X(numa_hint_faults_local) X(numa_pages_migrated)     \
	X(unevictable_pgs_mlocked) X(unevictable_pgs_munlocked)                  \
	X(unevictable_pgs_culled) X(unevictable_pgs_cleared)                     \
	X(unevictable_pgs_rescued) X(unevictable_pgs_stranded) X(pgactivate)     \
	X(pgdeactivate) X(pglazyfree) X(pswpin) X(pswpout) X(oom_kill)           \
	X(pgmajfault) X(cow_ksm) X(swap_ra) X(swap_ra_hit) X(thp_swpout_fallback)

/*
 * Reclaim's counters, after the scenario language's (a scenario's `vmstat`
 * prints only those above, MMSIM_VMSTAT_SCENARIO_NR of them).  pgscan and
 * pgsteal count the pages reclaim looked at and freed: _kswapd and _direct
 * for the machine's reclaim only (not a memcg's, as Linux), _anon and _file
 * for all; pgrefill the active pages looked at to refill the inactive
 * lists; allocstall_movable the direct reclaims of page allocations;
 * pageoutrun kswapd's runs (balance_pgdat); kswapd_low_wmark_hit_quickly
 * the wakes that cut kswapd's 100 ms nap short, kswapd_high_wmark_hit_quickly
 * the runs that ended, or naps that ran out, with the node unbalanced (so
 * kswapd ran again at once); pgrotated the pages whose write ended after
 * reclaim marked them (PG_reclaim) and that moved to where reclaim looks
 * first; the workingset_ triples the pages read
 * back into a slot that kept the shadow of their eviction (refault), those
 * of them that started active (activate) and those that had been active
 * before their eviction (restore), each _anon then _file; pgdemote the
 * pages reclaim moved to a lower memory tier instead of freeing them, by
 * kswapd or directly (a memcg's reclaim included); pgpromote_success the
 * pages NUMA balancing lifted out of a lower tier, pgpromote_candidate
 * those it chose to (the promotion rate limit may refuse some).
 */
#define MMSIM_VMSTAT_RECLAIM_EVENTS(X)                                           \
	X(pgrefill) X(pgscan_kswapd) X(pgscan_direct) X(pgsteal_kswapd)          \
	X(pgsteal_direct) X(pgscan_anon) X(pgscan_file) X(pgsteal_anon)          \
	X(pgsteal_file) X(allocstall_movable) X(pageoutrun)                      \
	X(kswapd_low_wmark_hit_quickly) X(kswapd_high_wmark_hit_quickly)         \
	X(pgrotated)                                                             \
	X(workingset_refault_anon) X(workingset_refault_file)                    \
	X(workingset_activate_anon) X(workingset_activate_file)                  \
	X(workingset_restore_anon) X(workingset_restore_file)                    \
	X(pgdemote_kswapd) X(pgdemote_direct) X(pgpromote_success)               \
	X(pgpromote_candidate)

enum mmsim_vmstat_event {
#define MMSIM_VMSTAT_ENUM(name) MMSIM_VM_##name,
	MMSIM_VMSTAT_EVENTS(MMSIM_VMSTAT_ENUM)
	MMSIM_VMSTAT_SCENARIO_NR,
	MMSIM_VMSTAT_RECLAIM_FIRST = MMSIM_VMSTAT_SCENARIO_NR - 1,
	MMSIM_VMSTAT_RECLAIM_EVENTS(MMSIM_VMSTAT_ENUM)
#undef MMSIM_VMSTAT_ENUM
	MMSIM_VMSTAT_NR
};

struct mmsim_vmstat {
	uint64_t ev[MMSIM_VMSTAT_NR];	/* indexed by enum mmsim_vmstat_event */
};

/* The machine's counters since it was created (LRU batches drained first). */
void mmsim_vmstat(struct mmsim *m, struct mmsim_vmstat *out);
const char *mmsim_vmstat_name(unsigned i);
/* Linux's lines, "name value\n" each. */
void mmsim_vmstat_print(FILE *f, const struct mmsim_vmstat *vs);

/*
 * A node's memory, as /sys/devices/system/node/nodeN/meminfo shows it (kB),
 * and its numastat counters (/sys/devices/system/node/nodeN/numastat:
 * page allocations served on the node the allocation preferred or not,
 * from a CPU of this node or not).  The LRU figures are the classic
 * lists' (Active/Inactive), as mmsim files its pages.
 */
#define MMSIM_MEMINFO_FIELDS(X)                                                  \
	X(MemTotal, "MemTotal") X(MemFree, "MemFree") X(MemUsed, "MemUsed")      \
	X(Active, "Active") X(Inactive, "Inactive")                              \
	X(Active_anon, "Active(anon)") X(Inactive_anon, "Inactive(anon)")        \
	X(Active_file, "Active(file)") X(Inactive_file, "Inactive(file)")        \
	X(Unevictable, "Unevictable") X(Mlocked, "Mlocked") X(Dirty, "Dirty")    \
	X(Writeback, "Writeback") X(FilePages, "FilePages") X(Mapped, "Mapped")  \
	X(AnonPages, "AnonPages") X(Shmem, "Shmem") X(PageTables, "PageTables")  \
	X(AnonHugePages, "AnonHugePages")

enum mmsim_meminfo_field {
#define MMSIM_MEMINFO_ENUM(name, text) MMSIM_MEMINFO_##name,
	MMSIM_MEMINFO_FIELDS(MMSIM_MEMINFO_ENUM)
#undef MMSIM_MEMINFO_ENUM
	MMSIM_MEMINFO_NR
};

#define MMSIM_NUMASTAT(X)                                                        \
	X(numa_hit) X(numa_miss) X(numa_foreign) X(interleave_hit) X(local_node) \
	X(other_node)

enum mmsim_numastat_counter {
#define MMSIM_NUMASTAT_ENUM(name) MMSIM_NUMASTAT_##name,
	MMSIM_NUMASTAT(MMSIM_NUMASTAT_ENUM)
#undef MMSIM_NUMASTAT_ENUM
	MMSIM_NUMASTAT_NR
};

/*
 * A node's watermarks, in pages, as /proc/zoneinfo shows them (mmsim has
 * one zone per node), with its free pages and kswapd's state there:
 * failures counts kswapd's runs in a row that freed nothing (from 16 on
 * the node is hopeless: kswapd is not woken until some reclaim frees a
 * page there).
 */
struct mmsim_zoneinfo {
	uint64_t free, min, low, high, promo, managed;
	unsigned kswapd_failures;
};
int mmsim_zoneinfo(struct mmsim *m, unsigned nid, struct mmsim_zoneinfo *out);

/*
 * Writes /proc/sys/vm/NAME: "min_free_kbytes" (at most half the machine)
 * and "watermark_scale_factor" (1..3000) set every node's watermarks
 * again, as Linux's handlers do; "dirty_ratio" and
 * "dirty_background_ratio" (0..100, default 20 and 10) are the dirty
 * limits' percentages (docs/design.md, "Dirty limits").  0, or -EINVAL
 * (unknown name, value out of range).  mmsim_sysctl_vm_get reads one back (-EINVAL: no such name).
 */
int mmsim_sysctl_vm_set(struct mmsim *m, const char *name, uint64_t value);
int mmsim_sysctl_vm_get(struct mmsim *m, const char *name, uint64_t *value);

struct mmsim_node_meminfo {
	uint64_t kb[MMSIM_MEMINFO_NR];		/* by enum mmsim_meminfo_field */
	uint64_t numastat[MMSIM_NUMASTAT_NR];	/* pages, by enum mmsim_numastat_counter */
};

/* A node mask as the kernel's %*pbl prints it ("0-1,3"; "" when empty),
 * cut to len: the length it has. */
size_t mmsim_nodelist_format(uint64_t mask, char *buf, size_t len);

/* The SLIT distance from node a to node b, as
 * /sys/devices/system/node/nodeA/distance lists it (Linux's defaults 10
 * and 20 unless the machine has its own), or -EINVAL. */
int mmsim_node_distance(const struct mmsim *m, unsigned a, unsigned b);

/* /sys/kernel/mm/mempolicy/weighted_interleave/nodeN: weighted interleave
 * places weight pages on node nid for every weight of the others (Linux
 * 6.12: 1 by default; 0 writes the default back).  set: 0, -ENOENT (no
 * such node: no such file), -EINVAL (weight above 255). */
int mmsim_il_weight_set(struct mmsim *m, unsigned nid, unsigned weight);
int mmsim_il_weight_get(const struct mmsim *m, unsigned nid);

/* /sys/kernel/mm/lru_gen/min_ttl_ms written (the machine's
 * lru_gen_min_ttl_ms at boot): kswapd OOM-kills rather than evict MGLRU
 * generations younger than ms; 0 turns it off.  Kept in ms, compared in
 * whole ticks of 4 ms (Linux's jiffies at HZ=250, rounded up). */
void mmsim_lru_gen_min_ttl_set(struct mmsim *m, unsigned ms);

/* Node nid's figures now (LRU batches drained first): 0, or -EINVAL. */
int mmsim_node_meminfo(struct mmsim *m, unsigned nid, struct mmsim_node_meminfo *out);
/* "Active(anon)", "numa_hit"...; NULL past the end. */
const char *mmsim_meminfo_name(unsigned i);
const char *mmsim_numastat_name(unsigned i);
/* Linux's two files: "Node N Name:  V kB" lines, then "name value" lines. */
void mmsim_node_meminfo_print(FILE *f, unsigned nid, const struct mmsim_node_meminfo *mi);

/*
 * MGLRU's aging walks of one lruvec (Linux's lru_gen_mm_state, shown in
 * /sys/kernel/debug/lru_gen_full as the "TYFA" line under max_seq, Linux
 * 6.12): seq, the last max_seq whose walk of the memcg's address spaces is
 * done, and running totals of what the walks looked at: leaf entries (PTE
 * slots of the PTE tables walked, huge and empty PMDs), of which young
 * (made old, their pages promoted), non-leaf entries (PMDs pointing to
 * PTE tables) whose table was walked (young PMD entry and in the walk's
 * Bloom filter, or forced) and of those added to the next filter (at
 * least one young entry in eight).  Zero with the classic LRU.
 * docs/views.md.
 */
enum mmsim_lru_gen_mm_stat {
	MMSIM_MM_LEAF_TOTAL, MMSIM_MM_LEAF_YOUNG, MMSIM_MM_NONLEAF_FOUND, MMSIM_MM_NONLEAF_ADDED,
	MMSIM_NR_MM_STATS
};
struct mmsim_lru_gen_mm_state {
	uint64_t seq;
	uint64_t stats[MMSIM_NR_MM_STATS];
};
struct mmsim_cgroup;
/* The lruvec of cgroup cg (NULL: the root cgroup) on node nid: 0, or
 * -EINVAL (no such node). */
int mmsim_lru_gen_mm_state(struct mmsim *m, struct mmsim_cgroup *cg, unsigned nid,
			   struct mmsim_lru_gen_mm_state *out);
/* The stats of every lruvec of node nid summed (seq: the root's). */
int mmsim_lru_gen_mm_state_node(struct mmsim *m, unsigned nid, struct mmsim_lru_gen_mm_state *out);
/* "leaf_total", "leaf_young" ...; NULL past the end. */
const char *mmsim_lru_gen_mm_stat_name(unsigned i);

#ifdef __cplusplus
}
#endif
#endif
