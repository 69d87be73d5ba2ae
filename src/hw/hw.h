/*
 * hw.h - the simulated machine: nodes and physical frames, CPUs with their
 * TLBs, data caches and clocks, x86-64 page tables, TLB shootdown.
 *
 * This is the machine-dependent layer (BSD's pmap, Linux's arch/x86).  The
 * memory-management core in src/mm reaches the hardware only through the
 * functions declared here:
 *
 *   frames     hw_frame()            host bytes of a physical frame
 *   map        pmap_set()            write one leaf entry (4 KiB or 2 MiB)
 *   look up    pmap_lookup()         read one leaf entry, decoded
 *   walk       pmap_iter_*()         visit the non-empty leaves of a range
 *   unmap      pmap_iter_clear()     ... and clear them
 *   protect    pmap_iter_modify_*()  ... or rewrite them (protection)
 *   split      pmap_split_huge()     turn a 2 MiB leaf into 512 4 KiB ones
 *   PMD A bit  pmap_pmd_young(), pmap_pmd_test_and_clear_young()
 *   free       pmap_free_tables()    release emptied page-table pages
 *   flush      hw_flush_range(), hw_flush_mm()
 *   retire     hw_frames_retired()   a freed frame's cached lines die
 *
 * Entries cross this boundary decoded (struct pmap_entry); src/mm never sees
 * a raw page-table bit and never touches a TLB or a data cache.  Page-table
 * pages themselves are frames the core allocates for us through pmap_ops.
 *
 * Invariants
 *  - A TLB entry exists only for a leaf that was present and user-accessible
 *    when it was filled; a write permission is cached only once the entry's
 *    dirty bit is set, so the first store to a clean page walks again and
 *    sets D, as x86 hardware does.
 *  - Clearing or downgrading a present leaf leaves stale TLB entries until a
 *    flush covering it: callers (mmu_gather) must flush before they free or
 *    reuse the frame the stale entry points to.
 *  - pm->cpumask holds exactly the CPUs whose current address space is pm.
 *    Other CPUs that still cache entries of pm notice pm->tlb_gen moved on
 *    and flush pm's entries when they switch back to it (x86's lazy tlb_gen
 *    scheme with PCIDs).
 *
 * Locking: page-table entries are changed by the core under its page-table
 * lock, always with single atomic stores or exchanges, because the MMU reads
 * them without that lock.  The MMU sets accessed/dirty bits with a
 * compare-and-swap against the value its walk read, retrying the walk when
 * the entry changed, so it never ORs bits into an entry the core has
 * cleared or replaced meanwhile.
 *
 * Threaded mode (cfg.threaded): each CPU is driven by at most one host
 * thread, its owner, and has a TLB lock (tlb_lock, a fair spinlock).  x86
 * takes an IPI only between instructions; here an access is the instruction:
 *  - The owner holds its CPU's TLB lock across one access, from the TLB
 *    lookup through the walk and fill to the copy to or from the host page
 *    (hw_access_begin() ... hw_access_end()).  A fault is never handled with
 *    the lock held: hw_translate_slow() drops it around hw->fault, whose
 *    handler sleeps on the core's locks and may itself flush.
 *  - A shootdown takes each target CPU's TLB lock in turn (waiting for the
 *    access in flight there to finish), invalidates, and releases; the
 *    sender's own CPU likewise under its own lock.  So once hw_flush_*()
 *    returns, no CPU can complete an access through a translation the core
 *    removed before the call: the frame may be reused.
 *  - A CPU's TLB, cpu->pmap, cpu->asid and pm->seen_gen[cpu] change only
 *    under that CPU's TLB lock (hw_switch_mm() takes it: a CR3 write).
 *  - At most one TLB lock is held at a time, and nothing is waited for
 *    while holding one: TLB locks cannot deadlock with each other or with
 *    the core's locks.
 *  - Counters: cpu->cnt is written only by the owner, with plain adds (the
 *    fast path).  Work done on a CPU on behalf of another (IPIs received,
 *    the invalidations and cycles of the IPI handler) goes to cpu->irq_cnt,
 *    written only under the CPU's TLB lock.  Readers add both
 *    (hw_cpu_counters()).  Per-address-space counters (pm->cnt) are shared
 *    by every CPU and take relaxed atomic adds.
 * Without cfg.threaded one host thread drives the whole machine and no
 * lock is taken: the protocol costs a test of hw->threaded per access.
 */
#ifndef MMSIM_HW_H
#define MMSIM_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mmsim/counters.h>
#include <mmsim/machine.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PMD_SHIFT 21
#define PMD_SIZE (1ULL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define PUD_SHIFT 30
#define PGDIR_SHIFT 39
#define PTRS_PER_TABLE 512
#define HPAGE_PMD_NR (PMD_SIZE / PAGE_SIZE)
/* Highest user address + 1: 47 bits less the guard page, as on x86-64. */
#define TASK_SIZE 0x7ffffffff000ULL

#define NO_PFN UINT64_MAX

struct hw_machine;
struct hw_cpu;
struct pmap;

/* ---- physical memory ---------------------------------------------------- */

struct hw_node {
	unsigned id;
	uint64_t start_pfn;
	uint64_t nr_pfns;
	uint64_t cpumask;	/* CPUs that sit on this node */
};

/* ---- TLB ------------------------------------------------------------------ */

#define TLB_R 1u
#define TLB_W 2u	/* writable and already dirty */
#define TLB_X 4u

struct tlb_entry {
	uint64_t tag;		/* (vpn << 16) | asid; TLB_INVALID (0) when empty */
	uint8_t *host;		/* host address of the page (or huge page) */
	uint32_t perm;		/* TLB_R | TLB_W | TLB_X */
	uint32_t pad;
};
/* An address space's ASID is never 0, so no valid tag is 0: fresh zero
 * memory is an empty TLB, and a CPU's entries cost the host only as they
 * are filled. */
#define TLB_INVALID 0

struct tlb {
	struct tlb_entry *e4k, *e2m;
	unsigned sets4k, ways4k, sets2m, ways2m;
	uint8_t *next4k, *next2m;	/* per-set round-robin victim */
	uint32_t live;			/* valid entries, both arrays */
};

/* ---- data caches ----------------------------------------------------------- */

/*
 * A CPU's data cache (cache.c): sets x ways tags of 64-byte lines.  A tag
 * is the line's physical address with its frame's generation, so the
 * lines a frame held before it was freed never hit again (hw_frames_retired
 * bumps the generation), and a migrated page's data, in a new frame, is
 * not in any cache.  A generation has 16 bits: a stale line could hit
 * again only if it stayed cached while its frame was freed 65536 times.
 * Written only by the CPU's owner, inside the access bracket.
 */
#define CACHE_LINE_SHIFT 6
#define CACHE_GEN_BITS 16

struct hw_cache {
	uint64_t *tag;		/* sets x ways, 0 empty; NULL: no cache */
	uint8_t *next;		/* per-set round-robin victim */
	uint64_t set_mask;	/* sets - 1 */
	uint64_t last;		/* tag of the line accessed last: still cached */
	unsigned ways;
	uint64_t lat[MMSIM_MAX_NODES];	/* a miss on a line of node n: cycles */
};

/* ---- CPUs ----------------------------------------------------------------- */

/* A fault the MMU could not resolve: the core handles it and answers 0 (retry
 * the access) or the signal to deliver. */
#define HW_ACC_READ 1u
#define HW_ACC_WRITE 2u
#define HW_ACC_EXEC 4u
typedef int (*hw_fault_fn)(struct hw_cpu *cpu, uint64_t va, unsigned access);

/*
 * A CPU's TLB lock (threaded mode): a ticket spinlock.  Fair on purpose: the
 * owner thread re-takes its lock right after each access, and a plain
 * test-and-set lock would let it win every time, so a shootdown would wait
 * until the owner's host thread happened to be preempted.  With tickets a
 * waiting sender goes next, as an IPI is taken at the next instruction
 * boundary.
 */
struct hw_tlb_lock {
	uint32_t next;		/* next ticket to hand out */
	uint32_t owner;		/* ticket now holding the lock */
};

struct hw_cpu {
	unsigned id;
	unsigned node;
	struct hw_machine *hw;
	struct pmap *pmap;	/* address space this CPU runs now, or NULL */
	uint16_t asid;		/* pmap->asid, cached for the fast path */
	void *current;		/* the kernel's task running here (opaque here) */
	struct hw_tlb_lock tlb_lock;	/* threaded: held across an access or an IPI */
	struct tlb tlb;
	struct hw_cache cache;
	struct mmsim_counters cnt;	/* written by the owner thread only */
	struct mmsim_counters irq_cnt;	/* IPI work for other CPUs, under tlb_lock */
	/* The time the CPU sat idle, in cycles: its clock is cnt.cycles (time
	 * it ran) plus this, which grows when a task arriving from a CPU whose
	 * clock is ahead brings it up to that (hw_cpu_catch_up).  Written by
	 * the arriving owner, read with relaxed loads. */
	uint64_t idle_cycles;
};

struct hw_machine {
	struct mmsim_config cfg;
	bool threaded;		/* cfg.threaded; read on every access, beside cfg.cost */
	unsigned nr_nodes, nr_cpus;
	struct hw_node node[MMSIM_MAX_NODES];
	struct hw_cpu cpu[MMSIM_MAX_CPUS];
	uint8_t *phys;		/* all frames, node after node, lazily backed */
	uint64_t nr_pfns;
	uint64_t pfns_per_node;
	uint64_t node_magic;	/* ceil(2^64 / pfns_per_node), 0: divide */
	uint16_t *frame_gen;	/* per frame, bumped as it is freed; NULL: no caches */
	hw_fault_fn fault;	/* installed by the kernel */
	uint16_t next_asid;
	/* Work done on no CPU (kernel threads: kswapd): the shootdowns they
	 * start and the IPIs they send.  Relaxed atomic adds; the machine's
	 * counters include them, no CPU's do. */
	struct mmsim_counters kthread_cnt;
};

int hw_machine_create(const struct mmsim_config *cfg, struct hw_machine **out);
void hw_machine_destroy(struct hw_machine *hw);

/*
 * Zeroed memory for the machine's own large structures (struct hw_machine,
 * the kernel's struct mmsim: room for 64 nodes and 64 CPUs), which costs
 * the host only the pages written: fresh anonymous memory, where calloc
 * would clear it all.  Leak checkers see pointers stored in it.  NULL if
 * there is no memory; hw_zero_free() takes the same size back.
 */
void *hw_zero_alloc(size_t bytes);
void hw_zero_free(void *p, size_t bytes);

static inline uint8_t *hw_frame(const struct hw_machine *hw, uint64_t pfn)
{
	return hw->phys + (pfn << PAGE_SHIFT);
}

/*
 * The node of a frame.  A 64-bit division costs tens of cycles and the
 * migration path asks several times a page, so multiply instead:
 * pfn / d == (pfn * ceil(2^64 / d)) >> 64 exactly while pfn * d <= 2^64,
 * which hw_machine_create() checks for the machine's last frame.
 */
static inline unsigned hw_pfn_node(const struct hw_machine *hw, uint64_t pfn)
{
	if (__builtin_expect(!hw->node_magic, 0))
		return (unsigned)(pfn / hw->pfns_per_node);
	return (unsigned)(((unsigned __int128)pfn * hw->node_magic) >> 64);
}

/* The SLIT distance from node a to node b (Linux's node_distance): the
 * configured one, or Linux's defaults, 10 to itself and 20 to another. */
static inline unsigned hw_node_distance(const struct hw_machine *hw, unsigned a, unsigned b)
{
	unsigned d = hw->cfg.distance[a][b];
	return d ? d : a == b ? 10 : 20;
}

/* Copies / zeroes frames of hw and counts and charges them to cpu; cpu
 * NULL: the work of a kernel thread, on no CPU, neither counted nor
 * charged.  A copy costs by the distance between the frames' nodes
 * (docs/cost-model.md). */
void hw_zero_frames(struct hw_machine *hw, struct hw_cpu *cpu, uint64_t pfn, uint64_t n);
/* Counts and charges zeroing n frames the host already gave zeroed (a
 * frame never handed out before reads as zeros: the kernel's clear_page
 * still runs, the host need not). */
void hw_zeroed_frames(struct hw_cpu *cpu, uint64_t n);
void hw_copy_frames(struct hw_machine *hw, struct hw_cpu *cpu, uint64_t dst_pfn, uint64_t src_pfn,
		    uint64_t n);

/* Frames that go back to the page allocator: whatever lines of theirs any
 * CPU's cache holds will never hit again.  Any thread may call it. */
static inline void hw_frames_retired(struct hw_machine *hw, uint64_t pfn, uint64_t n)
{
	if (!hw->frame_gen)
		return;
	for (uint64_t i = pfn; i < pfn + n; i++) {
		uint16_t g = __atomic_load_n(&hw->frame_gen[i], __ATOMIC_RELAXED);
		__atomic_store_n(&hw->frame_gen[i], (uint16_t)(g + 1), __ATOMIC_RELAXED);
	}
}

/* Gives the host memory behind free frames back to the host. */
void hw_discard_frames(struct hw_machine *hw, uint64_t pfn, uint64_t n);

/* cpu's clock in cycles: the time it ran plus the time it sat idle. */
static inline uint64_t hw_cpu_clock(const struct hw_cpu *cpu)
{
	return cpu->cnt.cycles + __atomic_load_n(&cpu->idle_cycles, __ATOMIC_RELAXED);
}

/* cpu's clock in simulated milliseconds (at MMSIM_CPU_MHZ): the kernel's
 * jiffies, as each CPU sees them. */
static inline uint64_t hw_cpu_ms(const struct hw_cpu *cpu)
{
	return hw_cpu_clock(cpu) / ((uint64_t)MMSIM_CPU_MHZ * 1000);
}

/* A task comes to cpu from `from`: a clock behind from's catches up, the
 * difference counted as idle time (not as cycles run).  Called by the
 * task's thread, cpu's new owner. */
static inline void hw_cpu_catch_up(struct hw_cpu *cpu, const struct hw_cpu *from)
{
	uint64_t want = hw_cpu_clock(from), have = hw_cpu_clock(cpu);
	if (want > have)
		__atomic_store_n(&cpu->idle_cycles, cpu->idle_cycles + (want - have),
				 __ATOMIC_RELAXED);
}

/* Charges cycles to cpu's own clock: only cpu's owner thread may. */
static inline void hw_charge(struct hw_cpu *cpu, uint64_t cycles)
{
	if (cpu)
		cpu->cnt.cycles += cycles;
}

/* A CPU waits for one block request (a page read from or written to its
 * disk): cost.disk_io cycles on its clock. */
static inline void hw_charge_disk_io(struct hw_cpu *cpu)
{
	if (cpu)
		cpu->cnt.cycles += cpu->hw->cfg.cost.disk_io;
}

/* ---- page tables (pmap) --------------------------------------------------- */

/*
 * Where page-table frames come from: the core's page allocator.
 * alloc_table gives a zeroed frame for pm in *pfn, or an error the walk
 * that wanted it passes on to its caller (-ENOMEM; the core may refuse
 * with its own, e.g. a charge that did not fit): the core decides what an
 * allocation costs and whom.
 */
struct pmap_ops {
	int (*alloc_table)(void *arg, struct pmap *pm, unsigned node, uint64_t *pfn);
	void (*free_table)(void *arg, uint64_t pfn);
};

struct pmap {
	struct hw_machine *hw;
	uint64_t root_pfn;	/* the PGD: what CR3 would hold */
	unsigned node;		/* node page-table pages are taken from */
	uint16_t asid;
	uint64_t cpumask;	/* CPUs running this address space now */
	uint64_t tlb_gen;	/* bumped by every flush of this pmap */
	uint64_t seen_gen[MMSIM_MAX_CPUS];
	const struct pmap_ops *ops;
	void *ops_arg;
	struct mmsim_counters *cnt;	/* per-address-space counters */
	/* The core's object this address space belongs to, for its
	 * alloc_table (never read here; NULL after pmap_init). */
	void *owner;
	uint64_t nr_tables;
	/* Deferred flushes (the core's tlb_batch) that name this pmap and
	 * have not run yet: its address space must outlive them (atomic). */
	unsigned flush_pins;
};

/* Protections a leaf can grant. 0 means PROT_NONE (mapped, inaccessible). */
#define PMAP_R 1u
#define PMAP_W 2u
#define PMAP_X 4u

enum pmap_kind { PMAP_EMPTY = 0, PMAP_PAGE, PMAP_SWAP };

/* Entry flags. */
#define PMAP_DIRTY 1u
#define PMAP_ACCESSED 2u
#define PMAP_HUGE 4u		/* a 2 MiB leaf at PMD level */
#define PMAP_SOFTDIRTY 8u
#define PMAP_UFFD_WP 16u

/* A leaf entry, decoded. */
struct pmap_entry {
	uint8_t kind;		/* enum pmap_kind */
	uint8_t prot;		/* PMAP_R/W/X, PAGE only */
	uint8_t flags;		/* PMAP_DIRTY ... */
	uint64_t pfn;		/* PAGE: the frame (head frame when HUGE) */
	uint64_t swp;		/* SWAP: opaque software value, < 2^54 */
};

int pmap_init(struct pmap *pm, struct hw_machine *hw, unsigned node, const struct pmap_ops *ops,
	      void *arg, struct mmsim_counters *cnt);
/* Frees every page-table page; the leaves must already be empty. */
void pmap_destroy(struct pmap *pm);

/* Reads the leaf mapping va (4 KiB or 2 MiB). Returns its kind. */
int pmap_lookup(struct pmap *pm, uint64_t va, struct pmap_entry *out);

/* Writes the leaf for va, allocating page tables.  A HUGE entry is written
 * at PMD level (va 2 MiB-aligned, the PMD slot must not hold a PTE table).
 * The old leaf, if any, is returned in *old.  0, or alloc_table's error
 * (nothing written). */
int pmap_set(struct pmap *pm, uint64_t va, const struct pmap_entry *e, struct pmap_entry *old);

/* Replaces the 2 MiB leaf covering va by a PTE table of 512 leaves with
 * the same protection and flags.  0, -EINVAL (no huge leaf), or
 * alloc_table's error. */
int pmap_split_huge(struct pmap *pm, uint64_t va);

/* Is the PMD slot covering va empty (no table, no huge leaf)? */
bool pmap_pmd_none(struct pmap *pm, uint64_t va);

/*
 * The accessed bit of the PMD entry pointing to the PTE table that covers
 * va (x86's non-leaf A bit): set by a new table, and by the MMU each time
 * a TLB miss walks through the entry (a hit does not walk); cleared only
 * here, for MGLRU's page-table walk (Linux's pmd_young and
 * pmdp_test_and_clear_young on a non-leaf PMD, lru_gen feature 0x0004).
 * False when the slot holds no PTE table.  test_and_clear: was it set?
 * (now clear, no TLB flush).  The caller holds the core's page-table
 * lock, so the table stays; the MMU may set the bit at any time.
 */
bool pmap_pmd_young(struct pmap *pm, uint64_t va);
bool pmap_pmd_test_and_clear_young(struct pmap *pm, uint64_t va);

/* Iterates over the non-empty leaves of [start, end). */
struct pmap_iter {
	struct pmap *pm;
	uint64_t va;		/* address of the current leaf */
	uint64_t end;
	uint64_t *slot;		/* the current leaf's slot */
	uint64_t size;		/* 4 KiB or 2 MiB */
	uint64_t *pte_table;	/* cached PTE table covering [tbl_base, +2 MiB) */
	uint64_t tbl_base;
	bool started;
};

void pmap_iter_init(struct pmap_iter *it, struct pmap *pm, uint64_t start, uint64_t end);
bool pmap_iter_next(struct pmap_iter *it, struct pmap_entry *e);
/* Clears the current leaf; returns what it held. */
void pmap_iter_clear(struct pmap_iter *it, struct pmap_entry *old);
/* Rewrites the current leaf. */
void pmap_iter_write(struct pmap_iter *it, const struct pmap_entry *e);
/*
 * Changes a present leaf's protection without losing accessed/dirty bits
 * the MMU sets meanwhile (Linux's ptep_modify_prot_start/commit): start
 * returns the current leaf (on a threaded machine taking it out of the
 * table, so a concurrent walk faults), commit writes its replacement.  The
 * caller holds the core's page-table lock across the pair.
 */
void pmap_iter_modify_start(struct pmap_iter *it, struct pmap_entry *old);
void pmap_iter_modify_commit(struct pmap_iter *it, const struct pmap_entry *e);

/*
 * Frees the page-table pages that map only addresses inside [start, end)
 * and lie wholly inside [floor, ceiling) (ceiling 0: the top of the address
 * space); the leaves there must be empty.  Each freed frame goes to
 * free_fn(arg, pfn) - the gather frees them after its flush.  Returns how
 * many were freed.
 */
unsigned pmap_free_tables(struct pmap *pm, uint64_t start, uint64_t end, uint64_t floor,
			  uint64_t ceiling, void (*free_fn)(void *arg, uint64_t pfn), void *arg);

/* The MMU's own walk (internal to src/hw): sets A/D, returns the host page
 * and its TLB permissions, or NULL when the access must fault. */
uint8_t *pmap_hw_walk(struct pmap *pm, uint64_t va, unsigned access, uint32_t *perm, bool *huge,
		      unsigned *levels);

/* ---- CPUs, TLBs, accesses ------------------------------------------------- */

/* The TLB lock (threaded mode only; see "Threaded mode" above). */
void hw_tlb_lock_slow(struct hw_cpu *cpu, uint32_t ticket);

static inline void hw_tlb_lock(struct hw_cpu *cpu)
{
	uint32_t ticket = __atomic_fetch_add(&cpu->tlb_lock.next, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&cpu->tlb_lock.owner, __ATOMIC_ACQUIRE) != ticket)
		hw_tlb_lock_slow(cpu, ticket);
}

/* Takes the lock only if nobody holds it or waits for it. */
static inline bool hw_tlb_trylock(struct hw_cpu *cpu)
{
	uint32_t owner = __atomic_load_n(&cpu->tlb_lock.owner, __ATOMIC_ACQUIRE);
	uint32_t next = owner;
	/* next == owner: free; nobody can move owner until we take a ticket. */
	return __atomic_compare_exchange_n(&cpu->tlb_lock.next, &next, owner + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void hw_tlb_unlock(struct hw_cpu *cpu)
{
	/* Only the holder writes owner. */
	uint32_t owner = __atomic_load_n(&cpu->tlb_lock.owner, __ATOMIC_RELAXED);
	__atomic_store_n(&cpu->tlb_lock.owner, owner + 1, __ATOMIC_RELEASE);
}

/*
 * Brackets one access on cpu by its owner thread: hw_translate() and the
 * copy to or from the host address it returned.  The host address is dead
 * after hw_access_end(): a shootdown may have retired the frame.  Nothing
 * in between may sleep, wait or access again.  No-ops unless threaded.
 */
static inline void hw_access_begin(struct hw_cpu *cpu)
{
	if (cpu->hw->threaded)
		hw_tlb_lock(cpu);
}

static inline void hw_access_end(struct hw_cpu *cpu)
{
	if (cpu->hw->threaded)
		hw_tlb_unlock(cpu);
}

/* cpu's counters: the owner's plus the IPI work (cnt + irq_cnt). */
void hw_cpu_counters(struct hw_cpu *cpu, struct mmsim_counters *out);

/* Makes pm the address space running on cpu (CR3 write), under cpu's TLB
 * lock.  Called by cpu's owner; another thread may only detach (pm NULL). */
void hw_switch_mm(struct hw_cpu *cpu, struct pmap *pm);
/* If cpu runs pm, makes it run nothing: the check and the switch under
 * cpu's TLB lock, for a thread tearing pm down that is not cpu's owner. */
void hw_leave_mm(struct hw_cpu *cpu, struct pmap *pm);

/* The slow path of an access: 2 MiB TLB, page walk, fault.  Returns the host
 * address of the byte, or NULL with *sig set.  In threaded mode it is called
 * with the CPU's TLB lock held and returns with it held, but drops it while
 * the fault handler runs. */
uint8_t *hw_translate_slow(struct hw_cpu *cpu, uint64_t va, unsigned access, int *sig);

/* Translates va for an access by cpu's owner: the host address of the byte,
 * or NULL with *sig set.  In threaded mode only inside hw_access_begin/end. */
static inline uint8_t *hw_translate(struct hw_cpu *cpu, uint64_t va, unsigned access, int *sig)
{
	const struct tlb *t = &cpu->tlb;
	uint64_t vpn = va >> PAGE_SHIFT;
	unsigned set = (unsigned)(vpn & (t->sets4k - 1));
	const struct tlb_entry *e = t->e4k + (size_t)set * t->ways4k;
	uint64_t tag = (vpn << 16) | cpu->asid;
	for (unsigned w = 0; w < t->ways4k; w++) {
		if (e[w].tag == tag && (e[w].perm & access) == access) {
			cpu->cnt.tlb_hits++;
			cpu->cnt.cycles += cpu->hw->cfg.cost.tlb_hit;
			return e[w].host + (va & ~PAGE_MASK);
		}
	}
	return hw_translate_slow(cpu, va, access, sig);
}

/* Data caches (cache.c): every CPU's (none unless cfg.cache), and the
 * miss path of hw_cache_access(). */
int hw_caches_init(struct hw_machine *hw);
void hw_caches_destroy(struct hw_machine *hw);
void hw_cache_miss(struct hw_cpu *cpu, uint64_t *set, uint64_t tag, uint64_t pfn);

/*
 * The data-cache side of an access by cpu's owner (inside the access
 * bracket) to the bytes [host, host + n) of one 4 KiB frame, host as
 * hw_translate() gave it: cost.cache_hit per line found, the holding
 * node's latency per line missed, which is then filled.
 */
static inline void hw_cache_access(struct hw_cpu *cpu, const uint8_t *host, uint64_t n)
{
	struct hw_cache *c = &cpu->cache;
	if (!c->tag || !n)
		return;
	const struct hw_machine *hw = cpu->hw;
	uint64_t pa = (uint64_t)(host - hw->phys);
	uint64_t pfn = pa >> PAGE_SHIFT;
	uint64_t gen = __atomic_load_n(&hw->frame_gen[pfn], __ATOMIC_RELAXED);
	uint64_t last = (pa + n - 1) >> CACHE_LINE_SHIFT;
	uint64_t hits = 0;
	for (uint64_t line = pa >> CACHE_LINE_SHIFT; line <= last; line++) {
		/* Line numbers from 1: no tag is 0, the empty way. */
		uint64_t tag = ((line + 1) << CACHE_GEN_BITS) | gen;
		/* Only a miss evicts, and a miss makes its line the last:
		 * the last line is always cached.  Streaming and small
		 * accesses to one line skip the set. */
		if (tag == c->last) {
			hits++;
			continue;
		}
		uint64_t *set = c->tag + (size_t)(line & c->set_mask) * c->ways;
		unsigned w = 0;
		while (w < c->ways && set[w] != tag)
			w++;
		if (w < c->ways)
			hits++;
		else
			hw_cache_miss(cpu, set, tag, pfn);
		c->last = tag;
	}
	cpu->cnt.cache_hits += hits;
	cpu->cnt.cycles += hits * hw->cfg.cost.cache_hit;
}

/*
 * TLB shootdown: what the core's mmu_gather asks for, once per gather.
 * Invalidates [start, end) of pm on every CPU running pm, entry by entry at
 * 1 << stride_shift when the range has at most cfg.flush_ceiling entries,
 * otherwise with a full flush; remote CPUs are reached by IPI.  self is the
 * CPU the caller's thread runs (NULL: none); in threaded mode the caller
 * must not hold any TLB lock.  On return no CPU can still complete an
 * access through an entry cleared before the call.
 */
void hw_flush_range(struct hw_cpu *self, struct pmap *pm, uint64_t start, uint64_t end,
		    unsigned stride_shift);
/* Flushes everything of pm everywhere (fork, exit). */
void hw_flush_mm(struct hw_cpu *self, struct pmap *pm);

#endif
