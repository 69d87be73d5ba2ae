/*
 * mm.h - the memory-management core: struct page, nodes and their buddy
 * allocators and LRU lists, address spaces (mm_struct), VMAs, anon_vma,
 * faults, mmu_gather.
 *
 * The core is machine-independent: it reaches page tables, TLBs and frames
 * only through src/hw/hw.h (pmap_*, hw_flush_*, hw_frame, hw_zero/copy).
 *
 * Invariants
 *  - Every frame has one struct page in mm_sys.mem_map, indexed by pfn.
 *    A free frame belongs to exactly one buddy block; the block's head page
 *    has PG_buddy and its order in `private`, and sits on the free list of
 *    that order of its node.  Tail pages of a free block are untouched.
 *    The exception is each node's untouched part, [untouched_pfn, end):
 *    order-MAX_ORDER blocks never handed out since boot, whose struct
 *    pages are all zero (never written: mem_map is reserved, not backed).
 *    They count in free_area[MAX_ORDER].nr_free and follow its listed
 *    blocks, lowest first; a pfn walk stops at untouched_pfn.
 *  - refcount counts: one per page-table mapping, one per per-CPU LRU batch
 *    slot holding it, one per isolation, one for a page-cache slot, one per
 *    temporary user.  A page is freed when it drops to 0 (after the last
 *    TLB flush that could reach it: see mmu_gather).
 *  - A compound (huge) page is one unit, as Linux's folio: its head holds
 *    the only reference count (get_page/put_page/page_count on any subpage
 *    reach the head; a tail's own refcount stays 0) and its flags, LRU
 *    links, mapping and index.  Mapcounts are kept as Linux 6.12 keeps
 *    them: each subpage's `mapcount` counts the PTEs mapping that subpage;
 *    the first tail page holds the PMD mappings (entire_mapcount) and the
 *    sum of all (large_mapcount, what folio_mapcount() returns).
 *  - An order-0 page's mapcount counts the page-table entries that map it.
 *  - refcount >= folio_mapcount(): every mapping holds a reference.
 *    debug_vm_check_pages() verifies all of the above against the page
 *    tables (MMSIM_DEBUG_VM builds).
 *  - An anonymous page's mapping is its anon_vma | PAGE_MAPPING_ANON and its
 *    index is its linear page index in the VMA's pgoff space: for a page at
 *    address a of VMA v, index = v->vm_pgoff + ((a - v->vm_start) >> 12).
 *  - An mm's VMAs are sorted, non-overlapping, page-aligned, never empty;
 *    two neighbours that could merge have been merged (Linux's rule).
 *  - A VMA that has an anon_vma is linked to it, and to every anon_vma of
 *    its fork ancestry, by anon_vma_chain entries (rmap reaches the VMA from
 *    each of them).
 *
 * Lock order (outermost first), as in Linux:
 *   mm->mmap_lock (rw)  >  page lock (PG_locked, a sleeping bit lock)
 *   >  anon_vma->root->lock / address_space->i_mmap_lock  >  mm->ptl
 *   >  address_space->lock  >  lru_add_lock  >  node->lru_lock  >  node->lock
 * A file fault locks the page-cache page under mmap_lock, then maps it
 * under the ptl (filemap_fault, finish_fault).  Migration and truncation
 * hold page locks while they walk the rmap (anon_vma or i_mmap lock, then
 * each mm's ptl); neither ever takes mmap_lock with a page lock held.  A
 * fault that finds a migration entry drops the ptl before it sleeps on
 * the page lock.
 * The zero page and mem_map are never freed while the machine lives.
 *
 * Splitting a huge page (split_huge_page_to_list, huge_memory.c) is
 * Linux's: the folio is locked and unmapped first (a migration entry in
 * every PTE, TLBs flushed), its count frozen at the caller's reference,
 * so no reader holding only a ptl (mprotect's can_change_entry_writable,
 * NUMA hinting) ever finds a present PTE of a folio being split.  What
 * may still look at a piece meanwhile is a fault that met a migration
 * entry (migration_entry_wait: compound_head(), then a reference, then
 * the page lock).  For it the split publishes each piece as Linux's
 * __split_huge_page_tail does (its smp_wmb before clear_compound_head),
 * in C11 terms:
 *  - the piece's mapping (atomic store), index and the rest first, then
 *    its flags without PG_tail with a RELEASE store (keeping PG_waiters:
 *    a fault may already sleep on the head's lock), then private (the
 *    head pointer) = 0 with a RELEASE store, then its count unfrozen;
 *  - compound_head() loads flags, then private, with ACQUIRE.
 * Each piece stays locked until its mappings are back: a fault that
 * found it waits, one that found the frozen head retries.
 */
#ifndef MMSIM_MM_H
#define MMSIM_MM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mmsim/views.h>

#include "hw.h"
#include "trace.h"
#include "radix_tree.h"
#include "mmdebug.h"

/* Raises *p to v if v is larger (relaxed atomics; the value only ever
 * grows: peaks, clocks) and returns *p as it then is. */
static inline uint64_t atomic_max_u64(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v > old &&
	       !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return v > old ? v : old;
}

/* ---- spinlocks ---------------------------------------------------------------- */

/*
 * The short, non-sleeping locks of the core (page tables, LRU lists, buddy
 * lists, anon_vma chains), Linux's spinlock_t.  Uncontended, taking one is
 * one atomic exchange and releasing it one store, which matters on the
 * migration path that takes a dozen per page.  A waiter spins, then
 * yields the host CPU (a simulated CPU's thread may be descheduled while
 * it holds one).  Never sleep with one held.
 */
typedef struct {
	int locked;
	int waiting;		/* threads in spin_lock_slow(), for tests */
} spinlock_t;

void spin_lock_slow(spinlock_t *l);

static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
	l->waiting = 0;
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	if (__builtin_expect(!spin_trylock(l), 0))
		spin_lock_slow(l);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* ---- lists ------------------------------------------------------------------ */

struct list_head {
	struct list_head *next, *prev;
};

static inline void list_init(struct list_head *h)
{
	h->next = h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_add_between(struct list_head *n, struct list_head *prev,
				    struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
	list_add_between(n, h, h->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	list_add_between(n, h->prev, h);
}

static inline void list_del(struct list_head *n)
{
	n->next->prev = n->prev;
	n->prev->next = n->next;
	n->next = n->prev = n;
}

/* Moves every entry of from to the end of to, leaving from empty. */
static inline void list_splice_tail_init(struct list_head *from, struct list_head *to)
{
	if (list_empty(from))
		return;
	from->next->prev = to->prev;
	to->prev->next = from->next;
	from->prev->next = to;
	to->prev = from->prev;
	list_init(from);
}

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member) container_of(ptr, type, member)

/* ---- struct page ------------------------------------------------------------ */

enum pageflags {
	PG_locked,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_active,
	PG_waiters,
	PG_error,
	PG_checked,
	PG_reserved,
	PG_private,
	PG_writeback,
	PG_head,
	PG_tail,
	PG_mappedtodisk,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	PG_swapcache,
	PG_buddy,
	PG_table,
	PG_used,	/* the frame was handed out before: host memory not zero */
	PG_anon_exclusive,	/* an anon page only this mapping can reach */
	PG_partially_mapped,	/* huge page: some subpages lost every mapping */
	PG_workingset,		/* was active before (classic: deactivated; MGLRU: a tier) */
	PG_lru_refs,		/* MGLRU: two bits counting accesses through file */
	PG_lru_refs_hi,		/* descriptors past PG_referenced and PG_workingset */
	PG_lru_gen,		/* MGLRU: three bits, the page's generation + 1 */
	PG_lru_gen_1,		/* (0: on no generation's list; lru_gen.c) */
	PG_lru_gen_2,
	NR_PAGEFLAGS
};
#define LRU_REFS_SHIFT PG_lru_refs
#define LRU_REFS_MASK (3u << LRU_REFS_SHIFT)
#define LRU_GEN_SHIFT PG_lru_gen
#define LRU_GEN_MASK (7u << LRU_GEN_SHIFT)
_Static_assert(NR_PAGEFLAGS <= 32, "page flags fit page->flags");

/* A swap-cache page read ahead and not yet found by a fault: Linux's
 * PG_readahead, which is PG_reclaim's bit.  As in Linux the two meanings
 * are told apart by the page's state: PG_reclaim (a page reclaim wants
 * freed as soon as its write ends) means something only on a page dirty
 * or under writeback; end_page_writeback clears it before it rotates the
 * page, and pageout clears it when the write ended within the call.  A
 * page marked by reclaim then found clean by a swap-cache lookup counts
 * as read ahead, as Linux's does. */
#define PG_readahead PG_reclaim

struct page {
	uint32_t flags;
	uint16_t order;		/* compound order, on a head page */
	uint16_t mlock_count;	/* locked VMAs mapping it, while it is on the
				 * unevictable list (Linux's folio->mlock_count) */
	union {
		struct list_head lru;	/* LRU list, buddy free list, or a private list */
		struct {		/* the first tail page of a compound page */
			int large_mapcount;	/* every mapping of any subpage */
			int entire_mapcount;	/* the PMD mappings among them */
		};
	};
	uintptr_t mapping;	/* anon_vma | PAGE_MAPPING_ANON, or a mapping */
	uint64_t index;		/* page index in its mapping */
	uint64_t private;	/* buddy order when free; buffers; a tail's head */
	int refcount;
	int mapcount;		/* PTEs mapping this page (all mappings if order 0) */
	struct mem_cgroup *memcg;
};

_Static_assert(sizeof(struct page) <= 64, "struct page must stay within 64 bytes");

#define PAGE_MAPPING_ANON 1UL

static inline bool page_test(const struct page *p, enum pageflags f)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED) & (1u << f);
}

/* Replaces the bits of mask in p->flags by val, in one atomic step
 * (other bits may change under us). */
static inline void flags_set_bits(struct page *p, uint32_t mask, uint32_t val)
{
	uint32_t old = __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&p->flags, &old, (old & ~mask) | val, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static inline void page_set(struct page *p, enum pageflags f)
{
	__atomic_or_fetch(&p->flags, 1u << f, __ATOMIC_RELAXED);
}

static inline void page_clear(struct page *p, enum pageflags f)
{
	__atomic_and_fetch(&p->flags, ~(1u << f), __ATOMIC_RELAXED);
}

/* Are the 4 KiB at f all zero? */
static inline bool frame_is_zero(const uint8_t *f)
{
	return !f[0] && !__builtin_memcmp(f, f + 1, PAGE_SIZE - 1);
}

/*
 * The compound head of a page (itself when not part of a huge page).
 * Acquire loads, paired with the release stores of a split and of
 * prep_new_page (the locking notes at the top): a tail's head pointer is
 * written before PG_tail, and a split clears PG_tail, then the pointer,
 * after the piece's mapping.  A pointer already 0 under a PG_tail just
 * read means the piece became a page of its own meanwhile.
 */
static inline struct page *compound_head(const struct page *p)
{
	if (__atomic_load_n(&p->flags, __ATOMIC_ACQUIRE) & (1u << PG_tail)) {
		struct page *head = (struct page *)(uintptr_t)__atomic_load_n(&p->private,
									      __ATOMIC_ACQUIRE);
		return head ? head : (struct page *)p;
	}
	return (struct page *)p;
}

/* Every mapping of the page, or of any part of a huge page (head). */
static inline int folio_mapcount(const struct page *head)
{
	if (head->order)
		return __atomic_load_n(&head[1].large_mapcount, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&head->mapcount, __ATOMIC_ACQUIRE);
}

/* How many PMDs map the huge page (head) whole. */
static inline int folio_entire_mapcount(const struct page *head)
{
	return head->order ? __atomic_load_n(&head[1].entire_mapcount, __ATOMIC_ACQUIRE) : 0;
}

/* Atomic loads: a huge page's split writes its pieces' (and an unmapped
 * head's) mapping while readers holding only a ptl look (the locking
 * notes at the top). */
static inline bool page_anon(const struct page *p)
{
	return __atomic_load_n(&p->mapping, __ATOMIC_RELAXED) & PAGE_MAPPING_ANON;
}

static inline struct anon_vma *page_anon_vma(const struct page *p)
{
	uintptr_t m = __atomic_load_n(&p->mapping, __ATOMIC_RELAXED);
	return (m & PAGE_MAPPING_ANON) ? (struct anon_vma *)(m & ~PAGE_MAPPING_ANON) : NULL;
}

/* Counts an event for the address space and for the CPU doing the work.
 * Several CPUs fault in one mm at once (threaded machines): the mm's count
 * is a relaxed atomic add; the CPU's is its owner thread's alone. */
#define count_event(mm, cpu, field)                                            \
	do {                                                                   \
		__atomic_fetch_add(&(mm)->cnt.field, 1, __ATOMIC_RELAXED);     \
		if (cpu)                                                       \
			(cpu)->cnt.field++;                                    \
	} while (0)

/* ---- nodes -------------------------------------------------------------------- */

#define MAX_ORDER 9		/* largest block: 2^9 pages = 2 MiB */
#define NR_ORDERS (MAX_ORDER + 1)

enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};

struct free_area {
	struct list_head list;
	uint64_t nr_free;
};

/* WMARK_PROMO: high plus one more step, where memory tiering's kswapd
 * stops and above which promotion needs no hot threshold (Linux 6.1+). */
enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

/* Where a node's kswapd is (Linux's kswapd loop, vmscan.c): asleep until
 * woken; napping, on its wait queue for at most KSWAPD_NAP_MS after a run
 * that left the node balanced (kswapd_try_to_sleep's short sleep);
 * running (balance_pgdat), off the queue.  The machine boots with every
 * kswapd asleep: Linux's boot-time nap is long over when a program runs. */
enum kswapd_state { KSWAPD_SLEEPING, KSWAPD_NAPPING, KSWAPD_RUNNING };
#define KSWAPD_NAP_MS 100			/* Linux's HZ/10 */
#define KSWAPD_NAP_UNSET UINT64_MAX		/* its end: the next defined point's clock + 100 */
#define KSWAPD_NAP_OVER (UINT64_MAX - 1)	/* a defined point saw it run out */

/*
 * The multi-generational LRU of one lruvec (lru_gen.c; Linux's
 * lru_gen_folio).  Generations are numbered
 * by sequence: anonymous and file pages share max_seq, the youngest, and
 * each kind has its oldest, min_seq[type] (type 0 anon, 1 file); between
 * MIN_NR_GENS and MAX_NR_GENS generations of each kind exist.  A page's
 * generation is seq % MAX_NR_GENS, kept + 1 in its flags (LRU_GEN_MASK)
 * while it is on one of these lists.  Invariants, under the node's
 * lru_lock: nr_pages[gen][type] is the pages whose flags say gen (a page
 * the aging promoted counts in its new generation while it still sits on
 * its old list, until eviction's sort moves it); max_seq - min_seq[type]
 * + 1 is within [MIN_NR_GENS, MAX_NR_GENS]; min_seq[anon] <= min_seq[file]
 * when anonymous pages can be swapped.  The two youngest generations are
 * the "active" pages Linux's views show.  evicted, refaulted and
 * protected count pages per kind and tier for the refault feedback that
 * picks which kind and tiers to evict (Linux's PID controller, one
 * history generation); avg_* are their running averages.
 */
#define MAX_NR_GENS 4
#define MIN_NR_GENS 2
#define MAX_NR_TIERS 4
struct lru_gen {
	uint64_t max_seq, min_seq[2];
	struct list_head folios[MAX_NR_GENS][2];
	int64_t nr_pages[MAX_NR_GENS][2];
	uint64_t evicted[2][MAX_NR_TIERS], refaulted[2][MAX_NR_TIERS];	/* atomics */
	uint64_t protected[2][MAX_NR_TIERS - 1];
	uint64_t avg_refaulted[2][MAX_NR_TIERS], avg_total[2][MAX_NR_TIERS];
	/* Each generation's birth on the machine's clock (ms, mm_clock_ms;
	 * Linux's timestamps[] in jiffies): set for all at init, for a new
	 * one as max_seq moves; written under the lru_lock, read without it
	 * by kswapd's min_ttl check (relaxed atomics). */
	uint64_t timestamps[MAX_NR_GENS];
	/* The lruvec's place in its node's memcg LRU (struct memcg_lru):
	 * its bin list, its memcg generation (< MEMCG_NR_GENS) and segment
	 * (MEMCG_LRU_HEAD, _TAIL, or 0), under memcg_lru.lock; gen and seg
	 * are also read without it (relaxed atomics). */
	struct list_head memcg_list;
	uint8_t memcg_gen, memcg_seg;
};

/*
 * The memcg LRU of one node (Linux's lru_gen_memcg, MGLRU's order of the
 * memcgs for the machine's reclaim, shrink_many).  The node's lruvecs are
 * in two live generations, old (seq % MEMCG_NR_GENS) and young (seq + 1);
 * each generation's lruvecs are spread over MEMCG_NR_BINS lists ("bins"),
 * the bin picked at random at each move.  A memcg comes online at the
 * tail of a random bin of the old generation; reclaim starts at the head
 * of a random bin of the old generation and goes through each of its
 * bins in turn, and lru_gen_rotate_memcg moves a reclaimed lruvec:
 * MEMCG_LRU_HEAD / _TAIL to the head / tail of a random bin of its own
 * generation (its segment says so: a second pass over it knows it met it
 * before), MEMCG_LRU_OLD to the head of a random old bin, MEMCG_LRU_YOUNG
 * to the tail of a random young bin (segment reset).  seq moves on once
 * the old generation is empty, the young one becoming old.  Three
 * generations numbered, two live: a stale seq read without the lock
 * never names the young one as old.
 * Invariants, under lock: nr_memcgs[g] is the number of lruvecs on the
 * bins of generation g, each with memcg_gen == g; only generations
 * seq % MEMCG_NR_GENS and (seq + 1) % MEMCG_NR_GENS hold any.
 * Lock order: innermost (nothing is taken under it).
 */
#define MEMCG_NR_GENS 3
#define MEMCG_NR_BINS 8
enum { MEMCG_LRU_NOP, MEMCG_LRU_HEAD, MEMCG_LRU_TAIL, MEMCG_LRU_OLD, MEMCG_LRU_YOUNG };
struct memcg_lru {
	spinlock_t lock;
	uint64_t seq;			/* written under lock, read relaxed */
	unsigned nr_memcgs[MEMCG_NR_GENS];
	struct list_head fifo[MEMCG_NR_GENS][MEMCG_NR_BINS];
};

/*
 * The LRU lists of one memory cgroup on one node (Linux's lruvec): every
 * page on an LRU is on exactly one lruvec, the one of its memcg
 * (page->memcg, NULL: the root's, which is the node's own) and its node,
 * and page->memcg does not change while the page is on it (a page is
 * charged before it joins, uncharged after it leaves, and migration moves
 * the charge between two pages that are on none).  All the lruvecs of a
 * node share the node's lru_lock.  lists and nr_lru are the classic
 * lists (with MGLRU the unevictable one only) and their sizes in pages;
 * nonresident_age is the classic refault clock (workingset.c): it moves
 * with the evictions and activations here and in every descendant.
 * iter_pos is the lruvec where the last partial reclaim walk of the
 * memcgs under this one stopped (Linux's reclaim cookie; NULL: start
 * from this one), relaxed atomic.
 */
/*
 * The aging's walk state of one lruvec (Linux's lru_gen_mm_state): how far
 * the page-table walks of its memcg's address spaces (the memcg's mm
 * list) have gone.  seq is the last max_seq whose walk finished: a walk
 * for max_seq hands each mm of the list to one walker, from head on, and
 * the one that passes the list's end sets seq = max_seq and may open the
 * new generation; a walk for a seq <= this one has nothing left to do.
 * tail marks where the previous walk ended: an mm added behind it since
 * (and the first walk's every mm) is walked whatever its bitmap says
 * (force_scan).  filters are the two Bloom filters (Linux's m = 2^15
 * bits, k = 2) of the PMD entries whose PTE tables had enough young
 * entries: the walk for seq reads filters[seq % 2] and fills
 * filters[(seq + 1) % 2], cleared when that walk takes its first mm;
 * NULL until first needed (then every PMD passes).  stats are the walks'
 * counts, NR_MM_STATS kinds (Linux 6.12's debugfs lru_gen_full line
 * "TYFA", one history generation: running totals; 6.12 dropped 6.1's
 * old-leaf and non-leaf-total counts).
 * Under the memcg's mm list lock, but for the filters' bits (relaxed
 * atomics: the look-around sets them under no such lock), filters[]
 * (published with release) and seq and stats (read relaxed).
 */
enum { MM_LEAF_TOTAL, MM_LEAF_YOUNG, MM_NONLEAF_FOUND, MM_NONLEAF_ADDED, NR_MM_STATS };
#define NR_BLOOM_FILTERS 2
#define BLOOM_FILTER_SHIFT 15
struct lru_gen_mm_state {
	uint64_t seq;
	struct list_head *head, *tail;
	uint64_t *filters[NR_BLOOM_FILTERS];
	uint64_t stats[NR_MM_STATS];
};

struct lruvec {
	struct list_head lists[NR_LRU_LISTS];
	uint64_t nr_lru[NR_LRU_LISTS];
	struct lru_gen lrugen;
	uint64_t nonresident_age;
	struct pglist_data *pgdat;
	struct mem_cgroup *memcg;	/* NULL: the root */
	struct lruvec *iter_pos;
	struct lru_gen_mm_state mm_state;	/* MGLRU's aging (lru_gen.c) */
};

struct pglist_data {
	unsigned id;
	uint64_t start_pfn, nr_pages;
	spinlock_t lock;		/* the buddy free lists */
	struct free_area free_area[NR_ORDERS];
	uint64_t nr_free;
	/* The first frame of the untouched part (mm.h's invariants): set
	 * under lock, only ever raised, read lock-free by pfn walks
	 * (node_untouched_pfn()). */
	uint64_t untouched_pfn;
	uint64_t wmark[NR_WMARK];	/* pages; under lock (setup_watermarks) */
	/* kswapd (vmscan.c), atomics: where it is (enum kswapd_state), a
	 * wake it has not taken yet (set only while it sleeps or naps: a
	 * running kswapd is on no wait queue, so wakes then are lost, as
	 * Linux's), the end of its nap on kswapd's clock (ms, or
	 * KSWAPD_NAP_UNSET / KSWAPD_NAP_OVER) and how many runs in a row
	 * freed nothing (Linux's kswapd_failures: from 16 on the node is
	 * hopeless, kswapd is not woken and sleeps after each nap, until
	 * some reclaim frees a page there).  Invariant: kswapd_nap_end is
	 * meaningful only while kswapd_state is KSWAPD_NAPPING. */
	unsigned kswapd_state, kswapd_wake, kswapd_failures;
	uint64_t kswapd_nap_end;
	/* kswapd's run in progress (balance_pgdat): its priority (0: not
	 * begun) and what it freed so far; kswapd's own (one thread steps a
	 * node at a time). */
	int kswapd_priority;
	unsigned kswapd_freed;
	spinlock_t lru_lock;		/* every lruvec of the node */
	struct lruvec lruvec;		/* the root memcg's */
	struct memcg_lru memcg_lru;	/* MGLRU's order of the memcgs (lru_gen.c) */
	/* Pages on the classic lists of every lruvec of the node, as
	 * Linux's node NR_LRU counts (relaxed atomics, under lru_lock). */
	uint64_t nr_lru[NR_LRU_LISTS];
	uint64_t nr_anon, nr_shmem, nr_file, nr_mlock, nr_pagetable;
	uint64_t nr_swapcache;		/* pages in the swap cache (SwapCached) */
	uint64_t numastat[MMSIM_NUMASTAT_NR];	/* pages; relaxed atomics */
	/* Memory tiering's promotion into this node (memory_tiers.c, Linux's
	 * nbp_ fields): candidates counted (PGPROMOTE_CANDIDATE), the rate
	 * limit's one-second window (its start, ms, and the candidates then),
	 * the hot threshold's adjustment window (the same) and the adjusted
	 * threshold (ms; 0: the sysctl's).  Relaxed atomics; the windows are
	 * claimed with a compare-and-swap of their start. */
	uint64_t promote_candidates;
	uint64_t nbp_rl_start, nbp_rl_nr_cand;
	uint64_t nbp_th_start, nbp_th_nr_cand;
	unsigned nbp_threshold;
};

/*
 * Swap-in readahead, as Linux 6.12 on a rotational swap area (cluster
 * readahead): one state per machine, kept from boot across swapon and
 * swapoff.  hits counts the read-ahead pages found since the last window
 * (Linux starts it at 4), prev_offset the slot of the last miss with no
 * hits, last_ra the last window.  swap_ra_lock guards all three.
 */
struct swap_ra {
	pthread_mutex_t lock;
	unsigned hits, last_ra;
	uint64_t prev_offset;
};

/* Per-CPU batch of pages waiting to join an LRU (Linux's lru_add batch). */
#define LRU_BATCH 15
struct lru_batch {
	struct page *pages[LRU_BATCH];
	unsigned nr;
};

/* The vDSO every process maps (mm_create): its data and code pages. */
#define VVAR_PAGES 4
#define VDSO_PAGES 2

/*
 * Memory tiers (memory_tiers.c, Linux's mm/memory-tiers.c), built once at
 * boot from the nodes' abstract distances: tier k holds the nodes whose
 * adistance rounds down to adist_start[k] (tiers in increasing order, the
 * fastest first).  A node's demotion targets are the nearest nodes of the
 * next tier down (demote_pref); its allocation may fall back to any node
 * of any lower tier (lower_mask of its tier).  The top tiers are those
 * up to the slowest one holding a CPU: their pages are never promoted.
 */
struct memory_tiers {
	unsigned nr;				/* tiers */
	unsigned adist_start[MMSIM_MAX_NODES];	/* per tier */
	uint64_t nodes[MMSIM_MAX_NODES];	/* per tier */
	uint64_t lower_mask[MMSIM_MAX_NODES];	/* per tier: the nodes below */
	uint8_t node_tier[MMSIM_MAX_NODES];	/* per node */
	uint64_t demote_pref[MMSIM_MAX_NODES];	/* per node */
	unsigned demote_next[MMSIM_MAX_NODES];	/* per node: round-robin cursor */
	unsigned top_tier_adistance;
	bool demotion_enabled;
};

/* The kernel's memory state for one machine. */
struct mm_sys {
	struct hw_machine *hw;
	struct page *mem_map;
	/* Each frame's last NUMA hinting fault, beside mem_map (Linux keeps
	 * it in the page flags, ours are full: see folio_last_cpupid()). */
	uint16_t *last_cpupid;
	unsigned nr_nodes;
	struct pglist_data node[MMSIM_MAX_NODES];
	/* Each node's fallback order, itself first (Linux's zonelists, built
	 * from the distances by build_zonelists; fixed after boot). */
	uint8_t zonelist[MMSIM_MAX_NODES][MMSIM_MAX_NODES];
	uint64_t zero_pfn;
	uint64_t vdso_pfn[VDSO_PAGES];	/* the vDSO's code pages */
	struct lru_batch lru_add[MMSIM_MAX_CPUS];
	pthread_mutex_t lru_add_lock;	/* batches, until CPUs run on threads */
	int lru_disable_count;		/* lru_cache_disable() callers */
	enum mmsim_thp thp;
	int max_map_count;
	uint64_t next_ino;		/* shared memory's last inode number */
	struct pmap_ops pt_ops;
	uint64_t vm_events[MMSIM_VMSTAT_NR];	/* /proc/vmstat's events (relaxed atomics) */
	/* Machine counters of events no CPU is charged with (the freeing of
	 * a page, a page-table page): mmsim_counters_machine adds them. */
	uint64_t pages_freed, pt_alloc, pt_free;
	struct swap_info *swap;		/* the swap area (swapon), or NULL */
	/* Linux's swap_slot_cache_active: machine-wide, kept across swapoff
	 * and swapon as Linux keeps it (swapfile.c). */
	bool swap_slots_active;
	struct list_head shmem_swaplist;	/* shmem objects that sent pages to swap */
	pthread_mutex_t shmem_swaplist_lock;
	struct swap_ra swap_ra;		/* swap readahead, from boot (swap_state.c) */
	unsigned min_free_kbytes, watermark_scale_factor;	/* the vm sysctls */
	unsigned swappiness;		/* vm.swappiness: 60 */
	/* Dirty file pages and their limits (filemap.c): the machine's
	 * count (relaxed atomics), vm.dirty_ratio and
	 * vm.dirty_background_ratio, and the flusher the file system
	 * registered (NULL: none), run by one caller at a time. */
	uint64_t nr_file_dirty;
	unsigned dirty_ratio, dirty_background_ratio;
	void (*flusher)(void *arg, uint64_t target);
	void *flusher_arg;
	unsigned flushing;
	enum mmsim_lru lru_mode;	/* fixed at boot */
	struct kswapd_threads *kswapd;	/* threaded machine: kswapd's host threads */
	/* The root memcg's address spaces, for MGLRU's page-table walks
	 * (Linux's lru_gen_mm_list; each memcg has its own, and an mm is on
	 * the list of its memcg: lru_gen_add_mm); mm_list_lock guards the
	 * list and the mm_state of the root's lruvecs. */
	struct list_head mm_list;
	pthread_mutex_t mm_list_lock;
	/* Every memcg but the root, in creation order: appended under
	 * memcg_lock, read without it (acquire loads of next; memcgs are
	 * never removed). */
	struct mem_cgroup *memcgs, **memcgs_tail;
	pthread_mutex_t memcg_lock;
	unsigned memcg_ids;
	/* Some node's kswapd is woken, running or napping: the defined
	 * points (kswapd_run_pending) have work (relaxed atomic). */
	unsigned kswapd_pending;
	/* kswapd's clock (vmscan.c, ms; atomic, only ever raised): the
	 * largest CPU clock a defined point showed while kswapd_pending. */
	uint64_t kswapd_clock;
	/* The machine's clock for MGLRU's generation births (Linux's
	 * jiffies; ms, atomic, only ever raised): the largest CPU clock any
	 * defined point showed (mm_clock_note).  Apart from kswapd_clock,
	 * whose stillness while kswapd sleeps the nap's timing relies on. */
	uint64_t clock_ms;
	/* /sys/kernel/mm/lru_gen/min_ttl_ms (0: off), relaxed atomic:
	 * kswapd OOM-kills rather than evict generations younger than
	 * this (vmscan.c, lru_gen_age_node). */
	unsigned lru_gen_min_ttl_ms;
	uint8_t zonelist_load[MMSIM_MAX_NODES];	/* build_zonelists' node_load */
	/* Weighted interleave's per-node weights (sysfs; 0: the default, 1),
	 * written by mmsim_il_weight_set, read with relaxed loads. */
	uint8_t il_weight[MMSIM_MAX_NODES];
	struct memory_tiers tiers;	/* fixed at boot (memory_tiers.c) */
	/* The state of the kernel's random numbers (Linux's get_random_u32):
	 * a splitmix64 counter started at cfg.seed, advanced atomically by
	 * each draw (lru_gen_random_below), so a run is repeatable. */
	uint64_t rng;
};

/* Counts n events of /proc/vmstat's kind ev (Linux's count_vm_events). */
static inline void count_vm_events(struct mm_sys *s, enum mmsim_vmstat_event ev, uint64_t n)
{
	if (n)
		__atomic_fetch_add(&s->vm_events[ev], n, __ATOMIC_RELAXED);
}

/* Counts n events of kind ev in memory.stat of the memcg p is charged to
 * and of each of its ancestors (Linux's count_memcg_folio_events and
 * __count_memcg_events on the folio's lruvec); nothing for an uncharged
 * page.  Only memory.stat's kinds are read (memcontrol.c). */
void count_memcg_page_events(struct mm_sys *s, const struct page *p,
			     enum mmsim_vmstat_event ev, uint64_t n);
/* The same for memcg and its ancestors (NULL: the root, which keeps none). */
void count_memcg_events(struct mem_cgroup *memcg, enum mmsim_vmstat_event ev, uint64_t n);

static inline struct page *pfn_to_page(const struct mm_sys *s, uint64_t pfn)
{
	return &s->mem_map[pfn];
}

static inline uint64_t page_to_pfn(const struct mm_sys *s, const struct page *p)
{
	return (uint64_t)(p - s->mem_map);
}

/* Where a walk of nd's struct pages must stop: from here to the node's end
 * every frame is free and its struct page was never written (mm.h's
 * invariants); such a walk counts those blocks instead of reading them. */
static inline uint64_t node_untouched_pfn(const struct pglist_data *nd)
{
	return __atomic_load_n(&nd->untouched_pfn, __ATOMIC_RELAXED);
}

/* Where a frame's struct page would sit in x86-64's vmemmap: the address
 * the trace events print for a page or folio. */
static inline unsigned long long pfn_vmemmap_addr(uint64_t pfn)
{
	return 0xffffea0000000000ull + pfn * 64;
}

/* The node of a frame (the machine's reciprocal multiply, no division). */
static inline unsigned pfn_to_nid(const struct mm_sys *s, uint64_t pfn)
{
	return hw_pfn_node(s->hw, pfn);
}

static inline unsigned page_to_nid(const struct mm_sys *s, const struct page *p)
{
	return pfn_to_nid(s, page_to_pfn(s, p));
}

/*
 * The last CPU and pid to take a NUMA hinting fault on a folio (Linux's
 * cpupid: 8 bits of pid under the CPU number; all ones is "nobody yet").
 * Linux keeps it in the page flags; ours has one bit spare, so each frame
 * has 16 bits in mm_sys.last_cpupid, stored inverted so that the lazily
 * zeroed array reads as "nobody" everywhere.  Relaxed atomics: faults on
 * several CPUs exchange it without a lock, as Linux does.
 */
#define LAST__PID_SHIFT 8
#define LAST__PID_MASK ((1 << LAST__PID_SHIFT) - 1)
#define LAST__CPU_SHIFT 6	/* MMSIM_MAX_CPUS 64 */
#define LAST__CPU_MASK ((1 << LAST__CPU_SHIFT) - 1)
#define LAST_CPUPID_MASK ((1 << (LAST__PID_SHIFT + LAST__CPU_SHIFT)) - 1)
_Static_assert(MMSIM_MAX_CPUS <= 1 << LAST__CPU_SHIFT, "a CPU number fits a cpupid");

static inline int cpu_pid_to_cpupid(unsigned cpu, int pid)
{
	return (int)(((cpu & LAST__CPU_MASK) << LAST__PID_SHIFT) | ((unsigned)pid & LAST__PID_MASK));
}

static inline int cpupid_to_pid(int cpupid)
{
	return cpupid & LAST__PID_MASK;
}

static inline unsigned cpupid_to_cpu(int cpupid)
{
	return ((unsigned)cpupid >> LAST__PID_SHIFT) & LAST__CPU_MASK;
}

static inline bool cpupid_pid_unset(int cpupid)
{
	return cpupid_to_pid(cpupid) == LAST__PID_MASK;
}

static inline int folio_last_cpupid(const struct mm_sys *s, const struct page *head)
{
	uint16_t v = __atomic_load_n(&s->last_cpupid[page_to_pfn(s, head)], __ATOMIC_RELAXED);
	return (int)(v ^ LAST_CPUPID_MASK);
}

/* Sets the folio's cpupid and returns the one it had. */
static inline int folio_xchg_last_cpupid(const struct mm_sys *s, struct page *head, int cpupid)
{
	uint16_t v = (uint16_t)((cpupid ^ LAST_CPUPID_MASK) & LAST_CPUPID_MASK);
	v = __atomic_exchange_n(&s->last_cpupid[page_to_pfn(s, head)], v, __ATOMIC_RELAXED);
	return (int)(v ^ LAST_CPUPID_MASK);
}

/* Memory tiering keeps, instead, the time (simulated ms, modulo 2^14) of
 * the last scan that made a lower-tier page inaccessible (Linux's
 * folio_xchg_access_time, PAGE_ACCESS_TIME_MASK); returns the one it had. */
#define PAGE_ACCESS_TIME_MASK LAST_CPUPID_MASK
static inline unsigned folio_xchg_access_time(const struct mm_sys *s, struct page *head,
					      uint64_t ms)
{
	return (unsigned)folio_xchg_last_cpupid(s, head, (int)(ms & PAGE_ACCESS_TIME_MASK)) &
	       PAGE_ACCESS_TIME_MASK;
}

/* A new page has had no hinting fault (Linux's page_cpupid_reset_last). */
static inline void page_cpupid_reset_last(const struct mm_sys *s, struct page *p)
{
	__atomic_store_n(&s->last_cpupid[page_to_pfn(s, p)], 0, __ATOMIC_RELAXED);
}

/* Boots the memory-management core of hw into s, which must be all zero
 * (fresh memory: mmsim_create's).  Writes no struct page but those of the
 * boot's own pages (page_alloc.c). */
int mm_sys_init(struct mm_sys *s, struct hw_machine *hw);

/* The SLIT distance from node a to node b (Linux's node_distance). */
static inline unsigned node_distance(const struct mm_sys *s, unsigned a, unsigned b)
{
	return hw_node_distance(s->hw, a, b);
}
void mm_sys_destroy(struct mm_sys *s);

/* ---- page allocator (page_alloc.c) -------------------------------------------- */

#define GFP_ZERO 1u		/* zero the frames */
#define GFP_THISNODE 2u		/* the given node only, no fallback */
#define GFP_NOWATERMARK 4u	/* may dip below the min watermark */

struct page *alloc_pages_node(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, unsigned order,
			      unsigned gfp);
/* Sets vm.min_free_kbytes and vm.watermark_scale_factor and every node's
 * watermarks from them (Linux's setup_per_zone_wmarks). */
void setup_watermarks(struct mm_sys *s, unsigned min_free_kbytes, unsigned scale_factor);
/* The CPU whose task the page tables being allocated on this host thread
 * are for (set around faults, populate and fork), or NULL. */
extern __thread struct hw_cpu *pt_alloc_cpu;
/* The address space the allocations on this host thread are for when it
 * is not the running task's (swapoff bringing another process's pages
 * back), or NULL: a memcg OOM kill of that process is then the
 * allocation's own ("killed self": nobody reaps it under the caller). */
extern __thread struct mm_struct *alloc_for_mm;
/* The simulated CPU this host thread runs as (task_enter, kswapd_step;
 * -1 before either): Linux's smp_processor_id() for the per-CPU state
 * whose users get no CPU passed down (the swap slots cache). */
extern __thread int mm_this_cpu;
/* The same, limited to the nodes in nodemask (a cpuset); nid goes first. */
struct page *alloc_pages_mask(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, unsigned order,
			      unsigned gfp, uint64_t nodemask);
void free_pages(struct mm_sys *s, struct page *page, unsigned order);
/* Batches for migration: n order-0 pages of node nid only (how many it
 * got), and freeing unreferenced pages with one lock round per node. */
unsigned alloc_pages_bulk(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, unsigned gfp,
			  unsigned n, struct page **out);
void free_pages_bulk(struct mm_sys *s, struct page **pages, unsigned n);
uint64_t node_free_pages(struct mm_sys *s, unsigned nid);
/* The node's free pages less its watermark wm (negative: below it). */
int64_t node_pages_above(struct mm_sys *s, unsigned nid, enum zone_watermarks wm);

/* References are the compound page's: a subpage's go to its head. */
static inline void get_page(struct page *p)
{
	__atomic_add_fetch(&compound_head(p)->refcount, 1, __ATOMIC_RELAXED);
}

static inline int page_count(const struct page *p)
{
	return __atomic_load_n(&compound_head(p)->refcount, __ATOMIC_ACQUIRE);
}

/* A speculative reference: fails on a page being freed or frozen (0). */
static inline bool get_page_unless_zero(struct page *p)
{
	p = compound_head(p);
	int c = __atomic_load_n(&p->refcount, __ATOMIC_RELAXED);
	while (c) {
		if (__atomic_compare_exchange_n(&p->refcount, &c, c + 1, true, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* Freezes the count at 0 if it is exactly `expected` (nobody else holds the
 * page); lookups then fail get_page_unless_zero() and retry. */
static inline bool page_ref_freeze(struct page *p, int expected)
{
	return __atomic_compare_exchange_n(&p->refcount, &expected, 0, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}

static inline void page_ref_unfreeze(struct page *p, int count)
{
	__atomic_store_n(&p->refcount, count, __ATOMIC_RELEASE);
}

/* Drops a reference; frees the page (or compound page) at zero. */
void put_page(struct mm_sys *s, struct page *p);
/* put_page() on each of pages[0..n) (the array is reused); the pages
 * freed go back with free_pages_bulk(). */
void put_pages(struct mm_sys *s, struct page **pages, unsigned n);

/* ---- page lock and page bit waits (filemap.c) ------------------------------------- */

/* PG_locked is a sleeping lock; PG_writeback can be waited for.  Waiters
 * sleep on a hashed table of wait queues, PG_waiters tells an unlocker
 * that someone may be asleep. */
bool trylock_page(struct page *p);
void lock_page(struct page *p);
void unlock_page(struct page *p);
/* Queues on p's lock with ptl held, drops ptl, sleeps until unlocked. */
void wait_on_page_locked_drop(struct page *p, spinlock_t *ptl);
void wait_on_page_writeback(struct page *p);
void set_page_writeback(struct page *p);
/* The write of p ended (Linux's folio_end_writeback): a page reclaim
 * marked PG_reclaim is rotated to where reclaim looks first
 * (rotate_reclaimable_page), then PG_writeback clears and waiters wake.
 * Called by the writer, who may hold the page lock (Linux's writer has
 * dropped it when the disk completes) but no spinlock. */
void end_page_writeback(struct mm_sys *s, struct page *p);

static inline bool page_locked(const struct page *p)
{
	return page_test(p, PG_locked);
}

/* ---- LRU (lru.c) ----------------------------------------------------------------- */

/*
 * The list a page on an LRU is on.  Not the list it would join now:
 * PG_mlocked may have been set since it was added (mlock_page() sets it,
 * then relists), while PG_unevictable changes only off the lists or under
 * lru_lock, so it tells exactly whether it is on the unevictable list.
 */
static inline enum lru_list page_lru_now(const struct page *p)
{
	if (page_test(p, PG_unevictable))
		return LRU_UNEVICTABLE;
	enum lru_list base = page_test(p, PG_swapbacked) ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
	return base + (page_test(p, PG_active) ? 1 : 0);
}

void lru_cache_add(struct mm_sys *s, unsigned cpu, struct page *p);
void lru_add_drain_cpu(struct mm_sys *s, unsigned cpu);
void lru_add_drain_all(struct mm_sys *s);
/* Linux's lru_add_drain(): the calling CPU's batch, if there is a CPU
 * (munmap, MADV_DONTNEED and mlock drain it first, as Linux does, so the
 * pages they change are on their lists). */
void lru_add_drain_local(struct mm_sys *s, struct hw_cpu *cpu);
/* Migration's lru_cache_disable(): drain every batch and, until enable,
 * put new pages straight on their LRU so they can be isolated at once. */
void lru_cache_disable(struct mm_sys *s);
void lru_cache_enable(struct mm_sys *s);
/* Takes a page off its LRU with a reference: 0, or -EBUSY if not on one. */
int isolate_lru_page(struct mm_sys *s, struct page *p);
void putback_lru_page(struct mm_sys *s, struct page *p);
/* Linux's folio_rotate_reclaimable: a page whose write reclaim waited for
 * moves, if it is on an evictable list and clean, to where reclaim looks
 * first - the inactive list's tail (PG_active cleared), or MGLRU's oldest
 * generation - counting pgrotated.  A page off the lists (isolated by
 * reclaim or migration) stays where it is.  Takes the node's lru_lock. */
void rotate_reclaimable_page(struct mm_sys *s, struct page *p);
/* Reclaim's isolation: from the tail (the oldest end) of lruvec lv's list
 * l onto dst, each with a reference, until nr pages are taken (a huge
 * page counts its 512).  Returns the pages taken, counted so.  The lists'
 * sizes (nr_lru, lru_size) count pages too, as Linux's NR_LRU items. */
unsigned isolate_lru_tail(struct lruvec *lv, enum lru_list l, unsigned nr, struct list_head *dst);
/* The pages on list l of node nid (every lruvec's), of lruvec lv, and of
 * the lruvecs of root's memcg and its descendants (Linux reads a memcg's
 * hierarchical lruvec counts). */
uint64_t lru_size(struct mm_sys *s, unsigned nid, enum lru_list l);
uint64_t lruvec_size(struct mm_sys *s, struct lruvec *lv, enum lru_list l);
uint64_t lruvec_tree_size(struct mm_sys *s, struct lruvec *root, enum lru_list l);
/* now_ms: the machine's clock, its generations' birth (mm_clock_ms). */
void lruvec_init(struct lruvec *lv, struct pglist_data *nd, struct mem_cgroup *memcg,
		 uint64_t now_ms);
/* The lruvec of memcg (NULL: the root) on node nid, and the one page p
 * is on or joins (its memcg's on its node). */
struct lruvec *mem_cgroup_lruvec(struct mm_sys *s, struct mem_cgroup *memcg, unsigned nid);
struct lruvec *page_lruvec(struct mm_sys *s, const struct page *p);
/* Puts n pages that are on no LRU on theirs, one lru_lock round per run of
 * pages of the same node; the callers' references stay theirs. */
void lru_add_pages(struct mm_sys *s, struct page **pages, unsigned n);
/* Called when a page is freed while still on an LRU. */
void lru_del_freed(struct mm_sys *s, struct page *p);
/* Moves a page between the evictable and unevictable lists after mlock. */
void lru_update_evictable(struct mm_sys *s, struct page *p);
/* MADV_COLD's deactivation (Linux's lru_deactivate): every evictable page
 * with MGLRU, only an active one on the classic lists. */
void lru_deactivate(struct mm_sys *s, struct page *p);
/*
 * folio_mark_accessed(), an access the kernel makes for a task (a read
 * through a descriptor, get_user_pages' FOLL_TOUCH).  The first sets
 * PG_referenced (smaps counts the page as Referenced from then on).
 * Classic LRU: the second activates the page (pgactivate) and clears
 * PG_referenced.  MGLRU: later ones count the page's tier instead
 * (PG_workingset, then the two refs bits), with no activation.
 */
void mark_page_accessed(struct mm_sys *s, struct page *p);
/* ---- the multi-generational LRU (lru_gen.c) ----------------------------------------- */

void lru_gen_init(struct lru_gen *g, uint64_t now_ms);
/* lru_lock held.  A page joins its generation in lv (reclaiming: put back
 * by reclaim, to the oldest); leaves it (false if it was on none; not
 * reclaiming: PG_active says whether it was among the two youngest). */
void lru_gen_add(struct lruvec *lv, struct page *p, bool reclaiming);
bool lru_gen_del(struct lruvec *lv, struct page *p, bool reclaiming);
/* The pages Linux's views count on list l: the two youngest generations
 * are "active", the others "inactive". */
uint64_t lru_gen_size(const struct lruvec *lv, enum lru_list l);
/* lru.c's add for a page on no list, its node's lru_lock held (to its
 * lruvec's generation, or the unevictable list). */
void lru_add_locked(struct mm_sys *s, struct pglist_data *nd, struct page *p);
/*
 * Reclaim's side (vmscan.c), one lruvec at a time.  lru_gen_should_age: whether lv needs
 * a new generation before eviction can go on, and how many pages its
 * generations hold (*nr_to_scan) at *max_seq.  lru_gen_age: the aging
 * (the walk of the memcg's address spaces' page tables that lv's
 * mm_state has not done for max_seq, then a new generation) unless
 * someone aged since max_seq; true if this call opened it.  lru_gen_isolate: pages of the oldest
 * generation, of the kind the refault feedback picks (swappiness 0: file
 * only), isolated onto dst as isolate_lru_tail's; returns the pages
 * looked at (0: nothing to take); *out_of_gens: the kind is down to
 * MIN_NR_GENS generations; *sorted: the pages moved to other generations
 * instead (Linux counts them in pgrefill).  lru_gen_initial_priority: MGLRU's first
 * priority for a reclaim wanting nr_to_reclaim pages (Linux's
 * set_initial_priority).
 */
bool lru_gen_should_age(struct lruvec *lv, bool can_swap, uint64_t *nr_to_scan,
			uint64_t *max_seq);
bool lru_gen_age(struct mm_sys *s, struct lruvec *lv, uint64_t max_seq, bool can_swap,
		 const struct hw_cpu *cpu);
/* The birth (mm_clock_ms) of lv's generation seq; without the lock. */
uint64_t lru_gen_birth(const struct lruvec *lv, uint64_t seq);
/* The pages of lv's generations of the evictable kinds (Linux's sum in
 * lruvec_is_sizable), read without the lock. */
uint64_t lru_gen_evictable_size(const struct lruvec *lv, bool can_swap);
struct vm_area_struct;
/* The neighbours of a young mapping eviction found (rmap.c's
 * folio_referenced): promoted as the aging would (Linux's look-around). */
void lru_gen_look_around(struct mm_sys *s, struct vm_area_struct *vma, uint64_t addr,
			 struct page *head);
unsigned lru_gen_isolate(struct mm_sys *s, struct lruvec *lv, unsigned swappiness,
			 struct list_head *dst, bool *out_of_gens, unsigned *sorted);
int lru_gen_initial_priority(struct mm_sys *s, unsigned nid, bool can_swap, uint64_t nr_to_reclaim,
			     int priority);
/*
 * The memcg LRU (struct memcg_lru).  lru_gen_random_below: the kernel's
 * next random number in [0, n) (mm_sys.rng).  init_pgdat: a node's empty
 * memcg LRU.  online_memcg: memcg's lruvecs (NULL: the root's) join the
 * tail of one random bin of each node's old generation (for good: memcgs
 * are never removed, and Linux's offline and release have no caller).  rotate_memcg: Linux's lru_gen_rotate_memcg, op one of
 * MEMCG_LRU_HEAD/TAIL/OLD/YOUNG, a random bin (_locked: the caller holds
 * memcg_lru.lock and drew the bin).  memcg_seg: lv's segment now.
 * shrink_many: Linux's walk of node nid's old generation, from the head
 * of a random bin through every bin: shrink_one(arg, lv) reclaims from
 * lv and returns how lv moves (MEMCG_LRU_*, or NOP to stay),
 * should_abort(arg) ends the walk after any lruvec (both called with no
 * lock held).  Returns the lruvecs shrunk.
 */
uint32_t lru_gen_random_below(struct mm_sys *s, uint32_t n);
/*
 * The mm lists (Linux's lru_gen_add_mm, lru_gen_del_mm,
 * lru_gen_migrate_mm): an address space joins its memcg's list when it
 * is made, leaves it when it goes, and moves to the list of its new memcg
 * after mm->memcg changed.  lru_gen_exit_lruvec frees an lruvec's Bloom
 * filters (the lruvec goes).
 */
void lru_gen_add_mm(struct mm_sys *s, struct mm_struct *mm);
void lru_gen_del_mm(struct mm_sys *s, struct mm_struct *mm);
void lru_gen_migrate_mm(struct mm_sys *s, struct mm_struct *mm);
void lru_gen_exit_lruvec(struct lruvec *lv);
/* lv's aging walk state now: the last seq walked, the stats (by MM_*). */
void lru_gen_mm_state_read(struct lruvec *lv, uint64_t *seq, uint64_t stats[NR_MM_STATS]);
/* A task of mm runs (Linux's lru_gen_use_mm at a context switch): every
 * node's aging should walk it again.  Written only when it changes, so
 * that the cache line of a running mm is not dirtied at every switch. */
static inline void lru_gen_use_mm(uint64_t *bitmap)
{
	if (__atomic_load_n(bitmap, __ATOMIC_RELAXED) != UINT64_MAX)
		__atomic_store_n(bitmap, UINT64_MAX, __ATOMIC_RELAXED);
}
void lru_gen_init_pgdat(struct pglist_data *nd);
void lru_gen_online_memcg(struct mm_sys *s, struct mem_cgroup *memcg);
struct memcg_lru;
void lru_gen_rotate_memcg_locked(struct memcg_lru *ml, struct lruvec *lv, int op, unsigned bin);
void lru_gen_rotate_memcg(struct mm_sys *s, struct lruvec *lv, int op);
int lru_gen_memcg_seg(const struct lruvec *lv);
uint64_t lru_gen_shrink_many(struct mm_sys *s, unsigned nid,
			     int (*shrink_one)(void *arg, struct lruvec *lv),
			     bool (*should_abort)(void *arg), void *arg);
/* Shadows (workingset.c): the token of an eviction (min_seq and tier;
 * *workingset: the page had accesses beyond the first), and a refault's
 * feedback and counters (token_mask: the bits a shadow keeps). */
uint64_t lru_gen_eviction_token(struct mm_sys *s, struct page *p, bool *workingset);
void lru_gen_refault(struct mm_sys *s, struct page *p, struct lruvec *lv, uint64_t token,
		     bool workingset, uint64_t token_mask);
/* Set while a task's page fault runs (Linux's current->in_lru_fault),
 * unless its VMA is advised sequential or random. */
extern __thread bool in_lru_fault;

/* ---- refault detection (workingset.c) ------------------------------------------------ */

/*
 * A page reclaim frees leaves a shadow (nonzero; 0 is none) in its slot;
 * the page read back into the slot finds it and may start active (see
 * workingset.c; with MGLRU, lru_gen.c's tokens).
 * workingset_eviction: p locked and leaving its slot for good, taken by
 * a reclaim of target (NULL: the machine's).
 * workingset_refault: p new, charged, not yet on an LRU list.
 */
struct address_space;
struct swap_info;
uint64_t workingset_eviction(struct mm_sys *s, struct page *p, struct mem_cgroup *target);
void workingset_refault(struct mm_sys *s, struct page *p, uint64_t shadow);
/* An activation moves the clock of p's lruvec and its ancestors' as an
 * eviction does. */
void workingset_age_nonresident(struct mm_sys *s, const struct page *p);
/* A file's shadows, the mapping's lock held: stored (replacing one),
 * taken out, dropped from index from on. */
void shadow_store(struct address_space *m, uint64_t idx, uint64_t shadow);
uint64_t shadow_take(struct address_space *m, uint64_t idx);
void shadows_truncate(struct address_space *m, uint64_t from);
/* A swap slot's shadow (cleared when the slot is freed). */
void swap_shadow_store(struct swap_info *si, uint64_t off, uint64_t shadow);
uint64_t swap_shadow_take(struct swap_info *si, uint64_t off);

/* The lists' state: the classic active/inactive lists are in use. */
static inline bool lru_classic(const struct mm_sys *s)
{
	return s->lru_mode == MMSIM_LRU_CLASSIC;
}

/* ---- anon_vma and rmap (rmap.c) --------------------------------------------------- */

struct anon_vma {
	struct anon_vma *root;
	spinlock_t lock;
	int refcount;		/* chains + pages pointing here */
	struct list_head chains;	/* anon_vma_chain.same_anon_vma */
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;
	struct list_head same_anon_vma;
};

struct vm_area_struct;
int anon_vma_prepare(struct vm_area_struct *vma);
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
void unlink_anon_vmas(struct vm_area_struct *vma);
void get_anon_vma(struct anon_vma *av);
void put_anon_vma(struct anon_vma *av);
bool vma_anon_chain_singular(const struct vm_area_struct *vma);

/* A new anonymous page joins vma at addr, mapped once: by a PTE, or by a
 * PMD when it is a huge page (the fault maps huge pages whole). */
void page_add_new_anon_rmap(struct page *p, struct vm_area_struct *vma, uint64_t addr);
/* One more (one fewer) page-table entry maps p: a PTE mapping the page or
 * subpage p, or (pmd) a PMD mapping the huge page whose head is p. */
void page_add_rmap(struct mm_sys *s, struct page *p, bool pmd);
void page_remove_rmap(struct mm_sys *s, struct page *p, bool pmd);
/* A PMD mapping of a huge page became one PTE per subpage. */
void page_rmap_split_pmd(struct page *head);

/*
 * Does another process likely map the page (head)?  Linux 6.12's
 * folio_likely_mapped_shared(): exact for small pages; a huge page mapped
 * more than once counts as shared if some subpage must be mapped twice (a
 * PMD maps it, or there are more mappings than subpages), else by its
 * first subpage alone - the guess Linux makes, so a subpage only this
 * process maps can still count as shared, and the reverse.
 */
static inline bool folio_likely_mapped_shared(const struct page *head)
{
	int mapcount = folio_mapcount(head);
	if (!head->order)
		return mapcount > 1;
	if (mapcount <= 1)
		return false;
	if (folio_entire_mapcount(head) || mapcount > (1 << head->order))
		return true;
	return __atomic_load_n(&head->mapcount, __ATOMIC_ACQUIRE) > 1;
}

/*
 * rmap walks: every VMA that may map page (a head page; nr its pages),
 * reached through its anon_vma chains or its object's list of VMAs, with
 * the part [start, end) of the VMA where the page would be mapped.  The
 * walk holds the anon_vma (or i_mmap) lock; fn takes the VMA's mm->ptl
 * itself.  fn returns false to stop the walk.
 */
/*
 * An anonymous huge page lost the mapping of some subpage while others
 * stay mapped (and no PMD maps it whole): Linux 6.12 marks it partially
 * mapped, queues it for a deferred split and counts
 * thp_deferred_split_page, once.  Migration then splits it.
 */
void folio_mark_partially_mapped(struct mm_sys *s, struct page *head);

typedef bool (*rmap_one_fn)(struct page *head, struct vm_area_struct *vma, uint64_t start,
			    uint64_t end, void *arg);
void rmap_walk(struct page *head, rmap_one_fn fn, void *arg);

/* Visits, with the VMA's ptl held, each present leaf of [start, end) that
 * maps a page of head (Linux's page_vma_mapped_walk); fn may rewrite it
 * through the iterator.  Returns how many leaves it visited. */
struct pmap_iter;
typedef void (*page_mapped_fn)(struct pmap_iter *it, const struct pmap_entry *e, void *arg);
unsigned page_vma_mapped_walk(struct mm_sys *s, struct page *head, struct vm_area_struct *vma,
			      uint64_t start, uint64_t end, page_mapped_fn fn, void *arg);

/*
 * Changes to the nodes' nr_anon that a migration batch collects and
 * applies once (rmap_counts_apply) rather than with an atomic per page
 * and direction: each migrated page is -1 on one node, then +1 on another.
 */
struct rmap_counts {
	int64_t anon[MMSIM_MAX_NODES];	/* zero outside `nodes` */
	uint64_t nodes;			/* nodes with a change */
};
void rmap_counts_apply(struct mm_sys *s, struct rmap_counts *rc);

struct tlb_batch;
struct mm_struct;
/* Replaces every mapping of the (head) page by a migration entry; the
 * TLB flush is deferred into batch.  Returns with the page unmapped unless
 * a mapping appeared that the walk could not reach.  nr_anon changes go
 * to rc (NULL: applied at once). */
void try_to_migrate(struct mm_sys *s, struct hw_cpu *cpu, struct page *head, struct tlb_batch *batch,
		    struct rmap_counts *rc);
/* Turns the migration entries that name src back into mappings of dst
 * (dst == src when migration failed); nr_anon changes as above. */
void remove_migration_ptes(struct mm_sys *s, struct page *src, struct page *dst,
			   struct rmap_counts *rc);
/* The same for a piece of a split huge page, mapping the shared zero page
 * instead where the piece holds only zeros (split_huge_page_to_list). */
void remap_split_piece(struct mm_sys *s, struct page *p);

/* ---- migration entries ---------------------------------------------------------- */

/*
 * A migration entry is a non-present page-table entry (PMAP_SWAP) naming
 * the frame being migrated, whether the mapping was writable, and its
 * dirty, accessed and soft-dirty bits, so the mapping can be rebuilt as it
 * was.  It also carries PG_anon_exclusive: while a page is unmapped for
 * migration its exclusivity lives in the entry, not on the page, so a
 * fork copying the entry meanwhile (which clears the bit in both copies)
 * cannot leave the new page wrongly exclusive.  The swap value is ours;
 * hw stores it opaquely.
 */
#define SWP_TYPE_SHIFT 50
#define SWP_TYPE_MIGRATION 0x1ULL
#define SWP_MIG_WRITE (1ULL << 49)
#define SWP_MIG_DIRTY (1ULL << 48)
#define SWP_MIG_YOUNG (1ULL << 47)
#define SWP_MIG_SOFTDIRTY (1ULL << 46)
#define SWP_MIG_EXCLUSIVE (1ULL << 45)	/* the anon page was exclusive */
#define SWP_PFN_MASK ((1ULL << 45) - 1)

static inline bool is_migration_entry(const struct pmap_entry *e)
{
	return e->kind == PMAP_SWAP && (e->swp >> SWP_TYPE_SHIFT) == SWP_TYPE_MIGRATION;
}

/*
 * A swap entry: a non-present entry naming a slot of the swap area (its
 * offset in pages), with Linux's two software bits kept in the PTE: the
 * page was exclusive to this mapping (SWP_EXCLUSIVE, so swap-in may map
 * it writable at once) and soft-dirty.  Each swap entry holds one count
 * on its slot (swap_map).
 */
#define SWP_TYPE_SWAPFILE 0x2ULL
#define SWP_EXCLUSIVE SWP_MIG_EXCLUSIVE
#define SWP_SOFTDIRTY SWP_MIG_SOFTDIRTY

static inline bool is_swap_entry(const struct pmap_entry *e)
{
	return e->kind == PMAP_SWAP && (e->swp >> SWP_TYPE_SHIFT) == SWP_TYPE_SWAPFILE;
}

static inline uint64_t swap_entry_offset(const struct pmap_entry *e)
{
	return e->swp & SWP_PFN_MASK;
}

static inline void make_swap_entry(struct pmap_entry *out, uint64_t offset, bool exclusive,
				   bool softdirty)
{
	out->kind = PMAP_SWAP;
	out->prot = 0;
	out->flags = 0;
	out->pfn = 0;
	out->swp = (SWP_TYPE_SWAPFILE << SWP_TYPE_SHIFT) | (offset & SWP_PFN_MASK) |
		   (exclusive ? SWP_EXCLUSIVE : 0) | (softdirty ? SWP_SOFTDIRTY : 0);
}

static inline uint64_t migration_entry_pfn(const struct pmap_entry *e)
{
	return e->swp & SWP_PFN_MASK;
}

/* The migration entry that stands in for the mapping `e` of frame pfn. */
static inline void make_migration_entry(struct pmap_entry *out, const struct pmap_entry *e,
					uint64_t pfn, bool exclusive)
{
	uint64_t v = (SWP_TYPE_MIGRATION << SWP_TYPE_SHIFT) | (pfn & SWP_PFN_MASK);
	if (exclusive)
		v |= SWP_MIG_EXCLUSIVE;
	if (e->prot & PMAP_W)
		v |= SWP_MIG_WRITE;
	if (e->flags & PMAP_DIRTY)
		v |= SWP_MIG_DIRTY;
	if (e->flags & PMAP_ACCESSED)
		v |= SWP_MIG_YOUNG;
	if (e->flags & PMAP_SOFTDIRTY)
		v |= SWP_MIG_SOFTDIRTY;
	out->kind = PMAP_SWAP;
	out->prot = 0;
	out->flags = e->flags & PMAP_HUGE;
	out->pfn = 0;
	out->swp = v;
}

/* ---- migration (migrate.c) ------------------------------------------------------- */

enum migrate_mode {
	MIGRATE_ASYNC,		/* never sleep: no waiting for locks or writeback */
	MIGRATE_SYNC_LIGHT,	/* wait for page locks, not for writeback */
	MIGRATE_SYNC,		/* wait for both (from the third pass) */
};

#define MIGRATE_PASSES 10
#define MIGRATE_BATCH_PAGES 512	/* pages unmapped under one TLB flush */

/* The destination page for src (same order), or NULL. */
typedef struct page *(*new_page_fn)(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
				    unsigned long priv);

/*
 * Migrates the isolated pages on `from` (linked by page->lru, each held by
 * its isolation reference).  Returns the number of pages (a huge page
 * counts once) that could not be migrated, or -ENOMEM when a destination
 * could not be allocated (migration stops there).  Migrated pages are
 * freed; the rest are left on `from` for the caller to putback_movable_pages.
 * *nr_succeeded (may be NULL) receives the number migrated.
 */
/* Why pages move (Linux's enum migrate_reason, as the trace events name it). */
enum migrate_reason { MR_SYSCALL, MR_NUMA_MISPLACED, MR_MEMPOLICY_MBIND, MR_DEMOTION };

int migrate_pages_for(struct mm_sys *s, struct hw_cpu *cpu, struct list_head *from,
		      new_page_fn get_new, unsigned long priv, enum migrate_mode mode,
		      enum migrate_reason reason, unsigned *nr_succeeded);
/* migrate_pages_for() on behalf of move_pages(2) and migrate_pages(2). */
static inline int migrate_pages(struct mm_sys *s, struct hw_cpu *cpu, struct list_head *from,
				new_page_fn get_new, unsigned long priv, enum migrate_mode mode,
				unsigned *nr_succeeded)
{
	return migrate_pages_for(s, cpu, from, get_new, priv, mode, MR_SYSCALL, nr_succeeded);
}
void putback_movable_pages(struct mm_sys *s, struct list_head *l);
/* Where move_pages / migrate_pages allocate: node nid only, and only if
 * the calling task's cpuset (nmask) allows it - the allocation is the
 * caller's, even when the pages are another process's. */
struct migration_target_control {
	unsigned nid;
	uint64_t nmask;
};
/* get_new for them: priv points at a struct migration_target_control. */
struct page *alloc_migration_target(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
				    unsigned long priv);
/* Isolates the page (head) for migration: 0, or -EBUSY if not on an LRU. */
int isolate_page_for_migration(struct mm_sys *s, struct page *head, struct list_head *list);
/* A fault found a migration entry: wait for the migration, then retry.
 * Called with ptl held; returns with it dropped. */
void migration_entry_wait(struct mm_struct *mm, const struct pmap_entry *e);

/* ---- memory tiers (memory_tiers.c) ----------------------------------------------- */

/* Builds s->tiers from the machine's abstract distances (at boot, after
 * the zonelists). */
void memory_tiers_init(struct mm_sys *s);
/* Linux's next_demotion_node: where reclaim of nid demotes to, or -1
 * (nid is in the lowest tier, or demotion is off). */
int next_demotion_node(struct mm_sys *s, unsigned nid);
/* Linux's can_demote without the scan_control: is demotion on, and has
 * nid a tier below it? */
bool node_can_demote(const struct mm_sys *s, unsigned nid);
/* Every node of the tiers below nid's (node_get_allowed_targets). */
uint64_t node_demotion_targets(const struct mm_sys *s, unsigned nid);
/* Is nid in a top tier (one whose pages are never promoted)? */
bool node_is_toptier(const struct mm_sys *s, unsigned nid);
/* kernel.numa_balancing's memory tiering mode is on. */
static inline bool numa_tiering_mode(const struct mm_sys *s)
{
	return s->hw->cfg.numa_balancing & MMSIM_NUMA_BALANCING_MEMORY_TIERING;
}
/* Linux's folio_use_access_time: in tiering mode a lower-tier page's
 * hinting faults go by its access time, not its last cpupid. */
static inline bool folio_use_access_time(const struct mm_sys *s, const struct page *head)
{
	return numa_tiering_mode(s) && !node_is_toptier(s, page_to_nid(s, head));
}
/* The hot/cold half of should_numa_migrate_memory for such a page: may
 * the fault on cpu promote head to dst_nid?  Counts pgpromote_candidate. */
bool numa_promotion_allowed(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
			    unsigned dst_nid);
/* Linux's find_next_best_node (page_alloc.c): the next node of local's
 * fallback order not in *used (marked there), or -1.  cpu_penalty sets
 * back nodes with CPUs, as Linux once CPUs are online. */
int find_next_best_node(struct mm_sys *s, unsigned local, uint64_t *used, bool cpu_penalty);

/* ---- swap (swapfile.c, swap_state.c) and reclaim (vmscan.c) -------------------- */

/*
 * The swap area: one per machine (swapon), SWAP_MAX_SLOTS slots at most,
 * slot 0 its header.  The kernel layer gives the I/O (swap_ops: one page
 * to or from a slot); src/mm never sees the device.
 *
 * Invariants
 *  - swap_map[off] counts the swap entries (in page tables) naming slot
 *    off, plus SWAP_HAS_CACHE while the slot has (or is getting) a page in
 *    the swap cache, or sits in a CPU's swap slots cache (then alone).  A slot is free exactly when its swap_map is 0;
 *    `inuse` counts the others.
 *  - A page in the swap cache has PG_swapcache, its slot in page->private
 *    and one reference held by the cache, and sits at index `slot` of
 *    si->cache.  The three change together, with the page locked and
 *    si->cache->lock held.  It is an anonymous page (PG_swapbacked): mapped,
 *    or unmapped after pageout (mapping still its anon_vma) or read ahead
 *    (mapping 0).
 *  - A swap-cache page may be freed only once unmapped and clean (written
 *    to its slot since its last store); a slot with entries keeps its data.
 *
 * Lock order: page lock > a shmem object's lock > si->cache->lock > si->lock.
 */
#define SWAP_HAS_CACHE 0x8000u
#define SWAP_MAP_SHMEM 0x4000u		/* a shared-memory object's slot */
#define SWAP_MAP_MAX 0x3fffu		/* entries per slot */

/*
 * A shared-memory object (shmem: shared anonymous memory, tmpfs files)
 * whose page went to swap keeps, in that page's slot of its radix tree, a
 * swap value instead of a page pointer (Linux's swp_to_radix_entry): the
 * slot number, tagged by the low bit.  Its swap slot carries
 * SWAP_MAP_SHMEM instead of a count (no page table ever names it).  The
 * object's lookups see no page there; its fault and read paths swap the
 * page back in (shmem_swapin).
 */
static inline bool radix_is_swap(const void *item)
{
	return (uintptr_t)item & 1;
}

static inline uint64_t radix_swap_slot(const void *item)
{
	return (uintptr_t)item >> 1;
}

static inline void *swap_radix_entry(uint64_t off)
{
	return (void *)(uintptr_t)((off << 1) | 1);
}
#define SWAP_MAX_SLOTS (1ULL << 32)	/* 16 TiB */

struct swap_ops {
	/* One page between the slot and buf (4 KiB).  0 or -errno. */
	int (*read)(void *arg, uint64_t slot, void *buf);
	int (*write)(void *arg, uint64_t slot, const void *buf);
	void (*release)(void *arg);	/* swapoff: the area is gone */
};

/*
 * Linux 6.12's per-CPU swap slots cache (mm/swap_slots.c), one per CPU of
 * the machine: `slots` holds up to SWAP_SLOTS_CACHE_SIZE slots taken from
 * the area in one batch (get_swap_pages) and handed out one by one to
 * pageouts on that CPU; `ret` holds slots whose last reference went on
 * that CPU, still SWAP_HAS_CACHE in swap_map, still charged to their
 * memcg, until the list is full and a further free sends them all back.
 * Both hold slots that count as used (inuse), as Linux's nr_swap_pages
 * does not count them free.
 */
#define SWAP_SLOTS_CACHE_SIZE 64

struct swap_slots_cache {
	spinlock_t alloc_lock;		/* slots, cur, nr */
	unsigned cur, nr;
	uint64_t slots[SWAP_SLOTS_CACHE_SIZE];
	spinlock_t free_lock;		/* ret, n_ret */
	unsigned n_ret;
	uint64_t ret[SWAP_SLOTS_CACHE_SIZE];
};

struct swap_info {
	spinlock_t lock;		/* swap_map, inuse and the scan's state below */
	uint64_t max;			/* slots, the header's included */
	uint64_t inuse;
	/* Linux's scan_swap_map_slots on a rotational area (no cluster_info):
	 * the bounds it keeps of the free slots (hints: lowest_bit only moves
	 * up when its own slot is taken; 0 highest_bit: the area is full),
	 * where the next search starts, and how many more slots it takes in
	 * sequence before it looks for a free run of SWAPFILE_CLUSTER again. */
	uint64_t lowest_bit, highest_bit, cluster_next;
	unsigned cluster_nr;
	spinlock_t slots_cache_lock;	/* activation and drains (swap_slots_cache_mutex) */
	struct swap_slots_cache *slots_cache;	/* one per CPU */
	uint16_t *swap_map;
	uint64_t *zeromap;		/* slots whose page was all zeros: never written */
	struct mem_cgroup **swap_cgroup;	/* per slot: the memcg charged for it */
	uint64_t *shadow;		/* per slot: the shadow its page left (0: none) */
	bool writeok;			/* new slots may be given (not during swapoff) */
	struct address_space *cache;	/* the swap cache: slot -> page */
	const struct swap_ops *ops;
	void *arg;
};

/* The machine's swap area, or NULL (swapon publishes it, swapoff takes it
 * away with no CPU running). */
static inline struct swap_info *swap_area(struct mm_sys *s)
{
	return __atomic_load_n(&s->swap, __ATOMIC_ACQUIRE);
}

/* swapon / swapoff (swapfile.c).  swap_off first brings every swapped page
 * of the address spaces back (unuse); it fails (-ENOMEM) if memory runs
 * out meanwhile, leaving the area on.  Call with no CPU running. */
int swap_on(struct mm_sys *s, uint64_t slots, const struct swap_ops *ops, void *arg);
int swap_off(struct mm_sys *s, struct hw_cpu *cpu, struct mm_struct **mms, unsigned nr);
/* The machine goes: its swap area too (every task and object gone). */
void swap_destroy(struct mm_sys *s);
/* Free slots, and all slots but the header (Linux's nr_swap_pages and
 * total_swap_pages). */
uint64_t swap_free_slots(struct mm_sys *s);
uint64_t swap_total_slots(struct mm_sys *s);
/* Slot off (held for the cache) becomes a shmem object's. */
void swap_shmem_get(struct mm_sys *s, uint64_t off);
/* A free slot held for the swap cache (SWAP_HAS_CACHE), 0 if none. */
uint64_t swap_alloc_slot(struct mm_sys *s);
/* Entries and cache on slot off (swap_map). */
unsigned swap_count(struct mm_sys *s, uint64_t off);
/* One more swap entry names slot off (fork, unmap): 0 or -ENOMEM. */
int swap_duplicate(struct mm_sys *s, uint64_t off);
/* One entry fewer (a swap-in mapped the page). */
void swap_free(struct mm_sys *s, uint64_t off);
/* One entry fewer; the slot's swap-cache page goes too when nothing else
 * needs it (Linux's free_swap_and_cache). */
void free_swap_and_cache(struct mm_sys *s, uint64_t off);
/* The same for nr entries naming slots off.. in order, one page table's
 * run (Linux 6.12's free_swap_and_cache_nr from zap_pte_range): a run of
 * slots each named once, none with a swap-cache page, is freed at once,
 * past the per-CPU return cache. */
void free_swap_and_cache_nr(struct mm_sys *s, uint64_t off, unsigned nr);
/* Marks mark[off] for every slot sitting in a CPU's slots cache (the debug
 * audit; no CPU may be running). */
void swap_slots_cache_mark(struct mm_sys *s, uint8_t *mark);
/* Slots in CPU cpu's allocation and return caches (tests). */
void swap_slots_cache_count(struct mm_sys *s, unsigned cpu, unsigned *nr, unsigned *n_ret);
/* The swap cache's hold on slot off ends (delete_from_swap_cache). */
void swapcache_put_slot(struct mm_sys *s, uint64_t off);
/* Takes the cache's hold on slot off for a page about to be read into it:
 * 0, -EEXIST (someone else's page is coming), -ENOENT (slot free). */
int swapcache_prepare(struct mm_sys *s, uint64_t off);
/* Linux's vm_swap_full(): more than half the slots are used. */
bool vm_swap_full(struct mm_sys *s);
/* Writes the locked, dirty swap-cache page p to its slot (pageout): 0, or
 * SWAP_WROTE_ZEROS when the page is all zeros (Linux 6.12's zeromap: the
 * slot is only marked, nothing is written, the page is clean and may go at
 * once), or -errno.  Counts pswpout for a page written. */
#define SWAP_WROTE_ZEROS 1
int swap_writepage(struct mm_sys *s, struct hw_cpu *cpu, struct page *p);
/* Was slot off's page all zeros (read back as zeros, without I/O)? */
bool swap_slot_zero(struct mm_sys *s, uint64_t off);

/* The swap cache (swap_state.c). */
/* p (locked, or not yet visible) takes slot off's place in the cache, with
 * a reference for it; the slot's SWAP_HAS_CACHE is the caller's. */
int swap_cache_insert(struct mm_sys *s, struct page *p, uint64_t off);
struct page *swap_cache_get(struct mm_sys *s, uint64_t off);	/* referenced, or NULL */
/* Gives the locked anonymous page p a slot and a place in the swap cache,
 * dirty (it must be written before it can go): 0 or -ENOMEM (no slot). */
int add_to_swap(struct mm_sys *s, struct page *p);
/* Takes the locked page p out of the swap cache; its slot keeps its
 * entries.  Drops the cache's reference. */
void delete_from_swap_cache(struct mm_sys *s, struct page *p);
/* Linux's folio_free_swap(): the locked page leaves the swap cache, and its
 * slot is freed, if no swap entry names the slot any more.  True if so
 * (the page is dirty again: it has no copy on disk). */
bool folio_free_swap(struct mm_sys *s, struct page *p);
/* remove_mapping() for a swap-cache page: its slot keeps the data. */
int swap_cache_remove_frozen(struct mm_sys *s, struct page *p, struct mem_cgroup *target);
/* Linux's shmem_writepage: the locked, unmapped, dirty page of a shmem
 * object moves to the swap cache (to be written by swap_writepage) and its
 * object keeps a swap value: 0, or -ENOMEM (no slot) / -EAGAIN. */
int shmem_writeout(struct mm_sys *s, struct page *p);
/* The page behind the swap value of slot off at idx of shmem object m,
 * read back (or found in the swap cache), put in m again and referenced
 * for the caller; *major if it was read.  NULL with *err: -EAGAIN (the
 * value changed: look again), -ENOMEM, -EIO. */
struct page *shmem_swapin(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			  uint64_t idx, uint64_t off, unsigned nid, uint64_t nodemask, bool *major,
			  int *err);
/* A shmem object's swap value goes (truncate, last reference). */
void free_swap_shmem(struct mm_sys *s, uint64_t off);
/* Is page idx of shmem object m out on swap (racy: for reports)? */
bool shmem_page_swapped(struct address_space *m, uint64_t idx);
/* swapoff's shmem_unuse: every swap value of every shmem object is read
 * back into its object.  0 or -errno. */
int shmem_unuse(struct mm_sys *s, struct hw_cpu *cpu);
/* A page that lost its last mapping (munmap, exit, MADV_DONTNEED: the
 * gather's frees) leaves the swap cache when no swap entry names its slot
 * and its lock is free (Linux's free_swap_cache). */
void free_swap_cache(struct mm_sys *s, struct page *p);
/* Migration: dst (locked, data copied) takes src's place in the swap cache
 * when only the cache and `extra` references hold src.  0 or -EAGAIN. */
int swap_cache_migrate(struct mm_sys *s, struct page *dst, struct page *src, int extra);
/*
 * Swap-in: the page of slot off, referenced and uptodate.  With `ra` (a
 * fault, swapoff, shmem's swap-in): looked up in the swap cache as a fault
 * does (a read-ahead page found counts swap_ra_hit), and on a miss read
 * with the aligned block of slots around it (cluster readahead): *major
 * then.  Without (MADV_WILLNEED): the page alone, no marks, no counts but
 * pswpin.  NULL with *err: -ENOENT (the slot was freed meanwhile: retry
 * the fault), -ENOMEM, -EIO.
 */
struct page *swapin_page(struct mm_sys *s, struct hw_cpu *cpu, uint64_t off, unsigned nid,
			 uint64_t nodemask, bool ra, bool *major, int *err);

/* memory.c: the swap entry at addr of vma (mmap_lock held) becomes a
 * mapping of its page again, read from the slot if need be (swapoff's
 * unuse).  0, or -ENOMEM / -EIO. */
int swap_fault_in(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		  uint64_t addr);

/* Reclaim's ageing (rmap.c): how many mappings of the (head) page were
 * young, each made old; *vm_flags gets VM_LOCKED / VM_EXEC of the VMAs
 * that map it (Linux's folio_referenced). */
unsigned folio_referenced(struct page *head, uint64_t *vm_flags);

/* Reclaim (vmscan.c). */
/* Unmaps the (head) page from every page table that maps it: anonymous
 * pages become swap entries of their swap-cache slot, file pages are
 * dropped; dirty bits go to the page.  Flushes are deferred into batch. */
void try_to_unmap(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
		  struct tlb_batch *batch);
/* Linux's reclaim_pages(): tries to free every isolated page on list
 * (MADV_PAGEOUT's pages), swapping anonymous ones out when there is swap;
 * what cannot go is put back.  Returns the pages freed. */
unsigned reclaim_pages(struct mm_sys *s, struct hw_cpu *cpu, struct list_head *list);
/* How often reclaim may make no progress before an allocation fails
 * (Linux's MAX_RECLAIM_RETRIES); kswapd gives up on a node after as many
 * fruitless runs. */
#define MAX_RECLAIM_RETRIES 16

/* Direct reclaim (Linux's try_to_free_pages): frees some pages (32 when it
 * can) from the nodes of nodemask, node nid first, swapping anonymous
 * pages out when there is swap.  Returns the pages freed: 0 means no
 * progress.  Called with no spinlock held (mmap_lock may be). */
unsigned try_to_free_pages(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, uint64_t nodemask);

/*
 * kswapd, one per node (vmscan.c).  The allocator's slow path wakes it
 * (wakeup_kswapd: a node below its high watermark, not hopeless, and its
 * kswapd asleep or napping) and it reclaims that node back above high,
 * then naps 100 ms before it sleeps (enum kswapd_state).  Where it runs: a
 * threaded machine gives each node a host thread (kswapd_threads_start, at
 * boot); on a machine one host thread drives, a woken kswapd runs at
 * defined points, kswapd_run_pending(): after each fault, at each system
 * call's entry and between the pages of a read or write - always with no
 * lock held, by the thread that owns cpu.  The defined points are also
 * kswapd's clock (the nap's): while any kswapd is awake each raises
 * s->kswapd_clock to its CPU's clock.  kswapd runs on no CPU: its TLB
 * flushes are IPIs to every CPU that may cache the entries.
 * wakeup_kswapd is safe under any lock (it only sets a flag and signals).
 */
void wakeup_kswapd(struct mm_sys *s, unsigned nid, unsigned order);
void kswapd_run_woken(struct mm_sys *s, struct hw_cpu *cpu);

/* Raises the machine's clock (s->clock_ms) to cpu's.  One relaxed load
 * per defined point; a store only when a CPU's clock passed it. */
static inline void mm_clock_note(struct mm_sys *s, const struct hw_cpu *cpu)
{
	atomic_max_u64(&s->clock_ms, hw_cpu_ms(cpu));
}

/* The machine's clock as cpu (NULL: a kernel thread, or no CPU at hand)
 * sees it: the largest clock a defined point showed, or cpu's if later. */
static inline uint64_t mm_clock_ms(struct mm_sys *s, const struct hw_cpu *cpu)
{
	uint64_t clock = __atomic_load_n(&s->clock_ms, __ATOMIC_RELAXED);
	uint64_t now = cpu ? hw_cpu_ms(cpu) : 0;
	return now > clock ? now : clock;
}

static inline void kswapd_run_pending(struct mm_sys *s, struct hw_cpu *cpu)
{
	mm_clock_note(s, cpu);
	if (__atomic_load_n(&s->kswapd_pending, __ATOMIC_RELAXED))
		kswapd_run_woken(s, cpu);
}
int kswapd_threads_start(struct mm_sys *s);
void kswapd_threads_stop(struct mm_sys *s);
void kswapd_threads_kick(struct mm_sys *s, unsigned nid);
/* Waits for kswapd's runs in progress and holds off new ones until
 * kswapd_resume (the debug audit needs the machine still). */
void kswapd_quiesce(struct mm_sys *s);
void kswapd_resume(struct mm_sys *s);

/* ---- memory cgroups (memcontrol.c) ------------------------------------------------- */

/*
 * Memory cgroups, version 2 (Linux's mm/memcontrol.c).  Invariants:
 *  - A page is charged to at most one memcg (page->memcg, on the head of a
 *    huge page), which counts it in its usage and in each ancestor's; the
 *    charge goes when the page is freed (page_release), or moves to the
 *    new page when it migrates (never both pages charged).
 *  - A swap slot owned by a memcg's page is counted in its swap usage
 *    (and its ancestors') from the slot's allocation to its freeing
 *    (swap_info.swap_cgroup records the owner).
 *  - usage never exceeds max after a successful charge (memory.max), nor
 *    swap usage swap_max; memory.high is pressure (reclaim), not a limit.
 *  - A memcg lives as long as the machine (cgroups are never removed), so
 *    pages and address spaces hold plain pointers.
 *  - usage_peak >= usage and swap_peak >= swap_usage at every level (a
 *    write to the peak file sets it to the usage); events[] counts what
 *    events_local[] of the memcg and its descendants count, vm_events[]
 *    is hierarchical already.
 * Counters are relaxed atomics; a charge adds first and takes its pages
 * back when some level is over its limit.
 */
/* What an OOM kill did (kernel_out_of_memory and the memcg one). */
enum oom_result { OOM_NO_VICTIM, OOM_KILLED_OTHER, OOM_KILLED_SELF };

enum memcg_event {
	MEMCG_LOW, MEMCG_HIGH, MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL, MEMCG_OOM_GROUP_KILL,
	MEMCG_NR_EVENTS
};
#define MEMCG_UNLIMITED UINT64_MAX

struct mem_cgroup {
	struct mem_cgroup *parent;	/* NULL: the root */
	struct mem_cgroup *next;	/* mm_sys.memcgs, in creation order */
	unsigned id;			/* from 1 (0: the root), as shadows keep it */
	struct lruvec *lruvec;		/* one per node (mem_cgroup_online) */
	unsigned nr_lruvecs;
	uint64_t max, high, low, min, swap_max;	/* pages */
	/* Effective min and low (mem_cgroup_calculate_protection), relaxed
	 * atomics: valid for the reclaim that last computed them. */
	uint64_t emin, elow;
	uint64_t usage;			/* pages charged here and below */
	uint64_t swap_usage;		/* swap slots owned here and below */
	uint64_t usage_peak;		/* memory.peak: highest usage (reset by a write) */
	uint64_t swap_peak;		/* memory.swap.peak, likewise */
	uint64_t events[MEMCG_NR_EVENTS];	/* memory.events: here and below */
	uint64_t events_local[MEMCG_NR_EVENTS];	/* memory.events.local: here only */
	bool oom_group;			/* memory.oom.group */
	/* memory.stat's event counters (those of struct mmsim_vmstat that
	 * Linux keeps per memcg): pages of this memcg and below. */
	uint64_t vm_events[MMSIM_VMSTAT_NR];
	/* Its address spaces, as mm_sys.mm_list is the root's (MGLRU's
	 * aging walks them); the lock guards the list and the mm_state of
	 * the memcg's lruvecs. */
	struct list_head mm_list;
	pthread_mutex_t mm_list_lock;
};

void mem_cgroup_init(struct mem_cgroup *memcg, struct mem_cgroup *parent);
/* A memcg made with mem_cgroup_init joins the machine: its lruvecs, its
 * id, its place in mm_sys.memcgs.  0 or -ENOMEM.  mem_cgroup_free undoes
 * it when the machine goes (no page may be left on its lists). */
int mem_cgroup_online(struct mm_sys *s, struct mem_cgroup *memcg);
void mem_cgroup_free(struct mem_cgroup *memcg);
/* The memcg of an id (0 or unknown: NULL, the root). */
struct mem_cgroup *mem_cgroup_from_id(struct mm_sys *s, unsigned id);
/* The lruvecs of node nid under root's memcg (root included), in Linux's
 * order (pre-order, children in creation order): the first with prev
 * NULL, then the one after prev; NULL at the end. */
struct lruvec *lruvec_iter(struct mm_sys *s, struct lruvec *root, struct lruvec *prev);
/* Swap slots memcg (NULL: the root) may still take: the free ones, within
 * its and its ancestors' memory.swap.max (Linux's
 * mem_cgroup_get_nr_swap_pages). */
uint64_t mem_cgroup_nr_swap_pages(struct mm_sys *s, const struct mem_cgroup *memcg);
/*
 * Protection, as Linux 6.12 (without memory_recursiveprot):
 * calculate_protection sets memcg's effective memory.min and memory.low
 * for a reclaim aimed at root (NULL: the machine's), from its parent's,
 * so a walk must visit parents first (lruvec_iter does).  below_min /
 * below_low: the effective value covers the usage (never for the target
 * itself or the root).  protection: the effective values (0 for those).
 */
void mem_cgroup_calculate_protection(struct mm_sys *s, struct mem_cgroup *root,
				     struct mem_cgroup *memcg);
bool mem_cgroup_below_min(const struct mem_cgroup *target, const struct mem_cgroup *memcg);
bool mem_cgroup_below_low(const struct mem_cgroup *target, const struct mem_cgroup *memcg);
void mem_cgroup_protection(const struct mem_cgroup *target, const struct mem_cgroup *memcg,
			   uint64_t *min, uint64_t *low);
/* Is memcg a or one of its descendants under b? */
bool mem_cgroup_is_descendant(const struct mem_cgroup *a, const struct mem_cgroup *b);
/* Charges p (just allocated, not yet visible to anyone) to memcg (NULL:
 * nothing to do): reclaims from memcg when it is at memory.max, then calls
 * the memcg OOM killer.  0, -ENOSPC (nobody to kill), or -EINTR when the
 * charging task itself was killed.  Then memory.high: over it, reclaim. */
int mem_cgroup_charge(struct mm_sys *s, struct hw_cpu *cpu, struct mem_cgroup *memcg,
		      struct page *p);
/* Room for nr more pages in memcg, out of every spinlock (a fault's
 * charge under its ptl only tries, then comes here): reclaims, and after
 * MEMCG_RECLAIM_RETRIES rounds without progress (counted in *stuck) calls
 * the memcg OOM killer.  0 (try again), -EINTR (the caller was killed),
 * -ENOSPC (nobody to kill). */
int mem_cgroup_make_room(struct mm_sys *s, struct hw_cpu *cpu, struct mem_cgroup *memcg,
			 unsigned nr, unsigned *stuck);
/* memory.high: a memcg (or an ancestor) over it reclaims back under it
 * (Linux does so as the task returns to user space, and counts `high`).
 * Out of every spinlock. */
void mem_cgroup_handle_over_high(struct mm_sys *s, struct hw_cpu *cpu, struct mem_cgroup *memcg);
/* A charge without reclaim (a huge page's, or one under a spinlock): 0 or
 * -ENOMEM. */
int mem_cgroup_try_charge_light(struct mem_cgroup *memcg, struct page *p);
/*
 * A page-table page of mm, charged to mm's memcg as Linux charges one
 * (GFP_PGTABLE_USER: __GFP_ACCOUNT, a kmem charge): counted in its usage
 * and its memory.stat pagetables and kernel, uncharged when the page is
 * freed, as any charged page.  Called under the page-table lock, so it
 * only tries: -EDQUOT when a memory.max is in the way (the caller makes
 * room out of its locks and tries again), unless pt_charge_force is set
 * on this thread: a table Linux would have charged before (a huge page's
 * deposited one, which its split uses), charged past the limits.
 */
int mem_cgroup_charge_table(struct mm_struct *mm, struct page *p);
extern __thread bool pt_charge_force;
/* A swap slot owned by memcg (NULL: none) was freed. */
void mem_cgroup_uncharge_swap(struct mem_cgroup *memcg);
/* The charge of a page being freed. */
void mem_cgroup_uncharge(struct page *p);
/* Migration: dst takes src's charge. */
void mem_cgroup_migrate(struct page *src, struct page *dst);
/* A swap slot for page p (add_to_swap, shmem_writeout): charged to p's
 * memcg's swap usage (0 when memory.swap.max forbids it, or none free). */
uint64_t swap_alloc_slot_charged(struct mm_sys *s, struct page *p);
/* The memcg whose page went to slot off (for a swap-in's charge), or NULL. */
struct mem_cgroup *swap_slot_memcg(struct mm_sys *s, uint64_t off);
/* Reclaim for a memcg over its limit: up to nr pages of its own (and its
 * descendants'), from every node.  Returns the pages freed. */
unsigned try_to_free_mem_cgroup_pages(struct mm_sys *s, struct hw_cpu *cpu,
				      struct mem_cgroup *memcg, unsigned nr);
/* The memcg OOM killer (src/kernel/oom.c): kills the largest process in
 * memcg's subtree. */
enum oom_result kernel_memcg_out_of_memory(struct hw_cpu *cpu, struct mem_cgroup *memcg);
/* The memcg the running task's memory is charged to (its process's), or NULL. */
struct mem_cgroup *current_memcg(struct hw_cpu *cpu);
/* memory.stat's page counts of memcg and below (a walk of every page: for
 * reading the file, not for hot paths): anon, file, shmem and page tables
 * by kind, and
 * the pages on each LRU list (MGLRU: the two youngest generations are the
 * active lists), indexed by enum lru_list. */
struct memcg_page_stat {
	uint64_t anon, file, shmem;
	uint64_t pagetables;	/* charged page-table pages (all of its kmem) */
	uint64_t lru[NR_LRU_LISTS];
};
void mem_cgroup_stat(struct mm_sys *s, struct mem_cgroup *memcg, struct memcg_page_stat *st);
/* The highest cgroup with memory.oom.group set from the victim's memcg up
 * to oom_domain (NULL: the whole tree), or NULL (Linux's
 * mem_cgroup_get_oom_group). */
struct mem_cgroup *mem_cgroup_get_oom_group(struct mem_cgroup *victim,
					    struct mem_cgroup *oom_domain);
/* Counts an event in memcg and its ancestors. */
void memcg_event(struct mem_cgroup *memcg, enum memcg_event ev);

/* ---- memory policies (mempolicy.c) ------------------------------------------------- */

/*
 * A memory policy says where a task's or a range's pages are allocated
 * (Linux's struct mempolicy, mm/mempolicy.c).  Invariants:
 *  - A policy never changes once published: a VMA, a task or a
 *    shared-memory range holds a reference, and copies (split, fork,
 *    dup) take another one.  When a cpuset's mems change, Linux rebinds
 *    policies in place (mpol_rebind_task, mpol_rebind_mm); here each
 *    rebound policy is a new object that replaces the old one.  NULL
 *    means MPOL_DEFAULT: the task's policy for a VMA, local allocation
 *    for a task.
 *  - mode is never MPOL_DEFAULT; nodes is non-empty except for
 *    MPOL_LOCAL.  It lies inside the machine's nodes and, but for
 *    MPOL_PREFERRED (whose node a rebind keeps, as Linux does), inside
 *    the cpuset it was made or last rebound under.
 *  - user_nodemask (static and relative policies) and cpuset_mems_allowed
 *    (the others) are Linux's union w: a preferred policy's rebind writes
 *    the new mems into user_nodemask, as Linux's does.
 * Locking: a VMA's policy changes with mmap_lock held for writing and is
 * read under it.  A task's policy changes from the task itself, at its
 * creation, or from a cpuset write (under mm_task_policy.lock); the task
 * reads its own without the lock, so a policy the cpuset write replaces
 * waits on the task's retired list until the task itself drops it
 * (task_policy_reap, at its next entry).  Other tasks read a task's
 * policy under the lock; a shared policy changes under its lock.
 */
enum {
	MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL,
	MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE, MPOL_MAX
};
/* Mode flags, OR'd into the mode by user space. */
#define MPOL_F_STATIC_NODES (1u << 15)
#define MPOL_F_RELATIVE_NODES (1u << 14)
#define MPOL_F_NUMA_BALANCING (1u << 13)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
/* Internal flags: migrate on fault (NUMA balancing may move its pages). */
#define MPOL_F_MOF (1u << 3)
#define MPOL_F_MORON (1u << 4)
/* get_mempolicy(2) flags. */
#define MPOL_F_NODE 1u
#define MPOL_F_ADDR 2u
#define MPOL_F_MEMS_ALLOWED 4u
/* mbind(2) flags. */
#define MPOL_MF_STRICT 1u
#define MPOL_MF_MOVE 2u
#define MPOL_MF_MOVE_ALL 4u
#define MPOL_MF_VALID (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)

/* The nodes a user mask may name (the distribution kernels' MAX_NUMNODES);
 * a machine has at most 64, so the effective masks are one word. */
#define MAX_NUMNODES 1024
typedef struct {
	uint64_t w[MAX_NUMNODES / 64];
} nodemask_t;

struct mempolicy {
	int refcnt;
	uint16_t mode, flags;
	uint64_t nodes;			/* effective nodes (empty for MPOL_LOCAL) */
	nodemask_t user_nodemask;	/* as given, kept with static/relative */
	uint64_t cpuset_mems_allowed;	/* the others: the mems nodes is relative to */
	struct mempolicy *retired_next;	/* on mm_task_policy.retired */
};

/* A task's policy state (Linux keeps it in task_struct). */
struct mm_task_policy {
	spinlock_t lock;		/* pol's pointer, for readers other than the task */
	struct mempolicy *pol;		/* NULL: MPOL_DEFAULT */
	unsigned il_prev;		/* process interleave: the node last used */
	unsigned il_weight;		/* weighted interleave: allocations left on il_prev */
	struct mempolicy *retired;	/* replaced by cpuset writes, for the task to put */
};
/* The policy state of the task running on cpu (its kernel's `current`);
 * NULL when nothing runs there (mm used without tasks). */
struct mm_task_policy *current_task_policy(struct hw_cpu *cpu);

static inline void mpol_get(struct mempolicy *pol)
{
	if (pol)
		__atomic_add_fetch(&pol->refcnt, 1, __ATOMIC_RELAXED);
}
void mpol_put(struct mempolicy *pol);
bool mpol_equal(const struct mempolicy *a, const struct mempolicy *b);
/* A task's policy at fork or thread creation: dst becomes a copy of src. */
void task_policy_copy(struct mm_task_policy *dst, struct mm_task_policy *src);
void task_policy_release(struct mm_task_policy *tp);
/* The task drops the policies cpuset writes replaced (it alone borrows
 * its policy without the lock, so only it knows when they are unused). */
void task_policy_reap(struct mm_task_policy *tp);
/*
 * A cpuset's mems became newmask (Linux's mpol_rebind_task and
 * mpol_rebind_mm): the task's policy, or every VMA policy of mm, is
 * rebound - bind and interleave nodes remapped by position from the old
 * mems (static: the user's nodes within the new mems, relative: folded
 * onto them; none left: all of them), preferred ones only remembering the
 * new mems.  0 or -ENOMEM (policies not yet rebound keep their nodes).
 */
int mpol_rebind_task(struct mm_task_policy *tp, uint64_t newmask);
int mpol_rebind_mm(struct mm_struct *mm, uint64_t newmask);

/*
 * Shared policies of shared memory (tmpfs files and MAP_SHARED|MAP_ANONYMOUS),
 * kept by page offset in the object, as Linux's shared_policy: mbind on any
 * mapping of the object sets them for everyone who maps it.
 */
struct sp_node {
	uint64_t start, end;		/* pages [start, end) of the object */
	struct mempolicy *pol;
};
struct shared_policy {
	spinlock_t lock;
	struct sp_node *v;		/* sorted, disjoint */
	int n, cap;
};
void shared_policy_destroy(struct shared_policy *sp);

/* The policy for an allocation at addr in vma (Linux's get_vma_policy):
 * the VMA's or its object's, else the task's, else local; *ilx gets the
 * interleave index.  Borrowed (under mmap_lock, or the task's own), or a
 * reference when *ref is set: put it after the allocation. */
struct mempolicy *get_vma_policy(struct hw_cpu *cpu, struct vm_area_struct *vma, uint64_t addr,
				 unsigned order, uint64_t *ilx, bool *ref);
/* The policy for a page-cache page of m at idx (borrowed or *ref as above): a
 * shared-memory object's own (shmem_get_pgoff_policy) or the task's; files
 * use the task's with no interleave index (filemap_alloc_folio). */
struct mempolicy *mapping_alloc_policy(struct hw_cpu *cpu, struct address_space *m, uint64_t idx,
				       uint64_t *ilx, bool *ref);
/* No interleave index: process interleave rotates il_prev instead. */
#define NO_INTERLEAVE_INDEX UINT64_MAX

/*
 * Allocates 2^order pages as pol says (NULL: the task's policy), within the
 * cpuset; local is the node a default allocation prefers.  Linux's
 * alloc_pages_mpol: preferred_many tries its nodes without falling back
 * first, a huge page under a policy that allows the local node tries it
 * alone first.
 */
struct page *alloc_pages_mpol(struct mm_sys *s, struct hw_cpu *cpu, struct mempolicy *pol,
			      uint64_t ilx, unsigned local, unsigned order, unsigned gfp,
			      uint64_t cpuset);
/* The node an allocation under pol starts from and the nodes it may use
 * (for callers that allocate through a node and a mask). */
void mpol_pick(const struct mm_sys *s, struct hw_cpu *cpu, struct mempolicy *pol, uint64_t ilx,
	       unsigned local, uint64_t cpuset, unsigned *nid, uint64_t *mask);

/* The system calls' work, after the kernel's checks; nodes is what the
 * user passed (get_nodes), cpuset the calling task's mems_allowed. */
long do_set_mempolicy(struct mm_task_policy *tp, unsigned mode, unsigned flags,
		      const nodemask_t *nodes, uint64_t cpuset);
long do_get_mempolicy(struct mm_struct *mm, struct hw_cpu *cpu, struct mm_task_policy *tp,
		      int *policy, nodemask_t *nmask, uint64_t addr, unsigned long flags,
		      uint64_t cpuset);
long do_mbind(struct mm_struct *mm, struct hw_cpu *cpu, struct mm_task_policy *tp,
	      uint64_t start, uint64_t len, unsigned mode, unsigned mode_flags,
	      const nodemask_t *nodes, unsigned long flags, bool move_all_allowed,
	      uint64_t cpuset);
/* NUMA balancing and policies: does task_numa_work scan vma (its policy,
 * else the task's, lets pages move: MPOL_F_MOF)?  And where should the page
 * at addr, on curnid, go on a hinting fault from cpu (Linux's
 * mpol_misplaced: a node, or -1 to leave it)? */
bool vma_policy_mof(struct hw_cpu *cpu, struct vm_area_struct *vma);
int mpol_misplaced(struct hw_cpu *cpu, struct vm_area_struct *vma, struct page *head,
		   uint64_t addr, unsigned curnid);
/* /proc/PID/numa_maps' policy text (mpol_to_str) of vma; tp the task's. */
void numa_maps_policy(struct vm_area_struct *vma, struct mm_task_policy *tp, char *buf,
		      size_t len);

/* ---- VMAs (vma.c) ---------------------------------------------------------------- */

#define VM_READ 0x1ULL
#define VM_WRITE 0x2ULL
#define VM_EXEC 0x4ULL
#define VM_SHARED 0x8ULL
#define VM_MAYREAD 0x10ULL
#define VM_MAYWRITE 0x20ULL
#define VM_MAYEXEC 0x40ULL
#define VM_MAYSHARE 0x80ULL
#define VM_GROWSDOWN 0x100ULL
#define VM_PFNMAP 0x400ULL		/* raw frames, no struct page behind them */
#define VM_UFFD_WP 0x1000ULL
#define VM_LOCKED 0x2000ULL
#define VM_IO 0x4000ULL			/* device memory: never migrated or dumped */
#define VM_SEQ_READ 0x8000ULL
#define VM_RAND_READ 0x10000ULL
#define VM_DONTCOPY 0x20000ULL
#define VM_DONTEXPAND 0x40000ULL	/* no mremap growth: a special mapping */
#define VM_LOCKONFAULT 0x80000ULL
#define VM_ACCOUNT 0x100000ULL
#define VM_NORESERVE 0x200000ULL
#define VM_DONTDUMP 0x4000000ULL
#define VM_SOFTDIRTY 0x8000000ULL
#define VM_MIXEDMAP 0x10000000ULL
#define VM_HUGEPAGE 0x20000000ULL
#define VM_NOHUGEPAGE 0x40000000ULL
#define VM_MERGEABLE 0x80000000ULL
/* Simulator-internal: clean pages of this shared file mapping are mapped
 * read-only so the first write dirties them (Linux's vma_wants_writenotify). */
#define VM_WRNOTIFY 0x100000000000ULL
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
/* VMAs that never merge, are never mlocked, and whose pages are not the
 * kernel's to manage as usual (Linux's VM_SPECIAL). */
#define VM_SPECIAL (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

struct address_space;

/* The kernel's own mappings in every process (Linux's special mappings,
 * _install_special_mapping): they never split, merge or move. */
enum vma_special {
	VMA_NORMAL,
	VMA_VVAR,	/* the vDSO's data: raw frames (VM_PFNMAP | VM_IO) */
	VMA_VDSO,	/* the vDSO's code: kernel pages, copied on write */
};

struct vm_area_struct {
	uint64_t vm_start, vm_end;
	uint64_t vm_flags;
	uint64_t vm_pgoff;
	struct mm_struct *vm_mm;
	struct address_space *vm_file;	/* backing object: a file or shared anonymous memory */
	uint64_t vm_file_id;	/* the open file it was mapped from (Linux's struct file):
				 * mappings of two opens of one file never merge */
	struct anon_vma *anon_vma;
	struct list_head anon_vma_chain;	/* anon_vma_chain.same_vma */
	struct list_head shared;	/* vm_file->vmas (its i_mmap), if vm_file */
	enum vma_special vm_special;	/* the vDSO's mappings (special.c) */
	struct mempolicy *vm_policy;	/* mbind's (a reference); NULL: the task's */
};

static inline uint64_t vma_pages(const struct vm_area_struct *v)
{
	return (v->vm_end - v->vm_start) >> PAGE_SHIFT;
}

static inline uint64_t linear_page_index(const struct vm_area_struct *v, uint64_t addr)
{
	return v->vm_pgoff + ((addr - v->vm_start) >> PAGE_SHIFT);
}

/*
 * vm_flags change only under mmap_lock held for writing, but migration's
 * rmap walks read them holding only rmap locks.  Writes to a VMA already
 * in the mm, and those reads, are single relaxed atomics (Linux's
 * WRITE_ONCE/READ_ONCE on vm_flags).
 */
static inline void vma_flags_set(struct vm_area_struct *v, uint64_t flags)
{
	__atomic_store_n(&v->vm_flags, flags, __ATOMIC_RELAXED);
}

static inline uint64_t vma_flags_rmap(const struct vm_area_struct *v)
{
	return __atomic_load_n(&v->vm_flags, __ATOMIC_RELAXED);
}

/* The permission letters /proc/PID/maps shows: "rw-p", "r-xs"... */
static inline void vma_perms(const struct vm_area_struct *v, char out[5])
{
	out[0] = (v->vm_flags & VM_READ) ? 'r' : '-';
	out[1] = (v->vm_flags & VM_WRITE) ? 'w' : '-';
	out[2] = (v->vm_flags & VM_EXEC) ? 'x' : '-';
	out[3] = (v->vm_flags & VM_MAYSHARE) ? 's' : 'p';
	out[4] = 0;
}

static inline bool vma_is_anonymous(const struct vm_area_struct *v)
{
	return !v->vm_file && !v->vm_special;
}

/* May move_pages / migrate_pages / NUMA balancing move its pages? */
static inline bool vma_migratable(const struct vm_area_struct *v)
{
	return !(v->vm_flags & (VM_IO | VM_PFNMAP));
}

static inline bool vma_is_accessible(const struct vm_area_struct *v)
{
	return v->vm_flags & VM_ACCESS_FLAGS;
}

/* The sorted VMAs of one mm (stands in for Linux's maple tree). */
/*
 * An mm's VMAs, sorted by address.  For placement, gap_max[k] is the
 * largest gap below any VMA of block k, blocks of VMA_GAP_BLOCK VMAs
 * counted from the top of the array (the highest VMAs are block 0): a
 * mapping added or removed low in the address space, where top-down
 * placement puts them, leaves the blocks above it valid.  Blocks
 * [0, gap_valid) are up to date; vma.c invalidates from a change down.
 */
#define VMA_GAP_BLOCK 64
struct vma_tree {
	struct vm_area_struct **v;
	int n, cap;
	uint64_t *gap_max;
	int gap_cap, gap_valid;
};

struct mm_struct {
	struct mm_sys *sys;
	int users;			/* tasks sharing it (threads) */
	pthread_rwlock_t mmap_lock;
	spinlock_t ptl;			/* page tables (one lock per mm) */
	struct vma_tree vmas;
	uint64_t mmap_base;		/* top-down allocation starts below this */
	uint64_t mmap_min_addr;
	uint64_t total_vm, locked_vm;	/* pages */
	unsigned home_node;		/* page tables and default allocations */
	uint64_t mems_allowed;		/* the owner's cpuset: nodes pages may use
					 * (written by cpuset writes: mm_mems_allowed) */
	struct mem_cgroup *memcg;	/* where its pages are charged (NULL: root) */
	/* MGLRU (Linux's mm->lru_gen): its place on the mm list of
	 * lru_gen_memcg (the memcg whose list holds it: memcg, once a move
	 * between cgroups has caught up), and the nodes whose aging has
	 * not walked it since it last ran, a bit each (nid % 64; all set
	 * whenever a task of it runs: lru_gen_use_mm).  mm_list and
	 * lru_gen_memcg under that list's lock; bitmap relaxed atomic. */
	struct list_head mm_list;
	struct mem_cgroup *lru_gen_memcg;
	uint64_t lru_gen_bitmap;
	bool oom_victim;		/* the OOM killer took its process: faults give up */
	/* NUMA balancing's scanner (task_numa_work): when it may run next
	 * (simulated ms, 0: not yet set), where it goes on, and how many
	 * passes over the address space it has finished.  Relaxed atomics:
	 * threads of the mm race for a scan (cmpxchg on numa_next_scan). */
	uint64_t numa_next_scan;
	uint64_t numa_scan_offset;
	int numa_scan_seq;
	uint64_t numa_rss;		/* get_mm_rss() when this pass began */
	struct pmap pmap;
	struct mmsim_counters cnt;
};

/* Where a local allocation of mm's from cpu goes (memory.c): cpu's node,
 * or the nearest node mm's cpuset allows. */
unsigned mm_local_node(const struct hw_cpu *cpu, const struct mm_struct *mm);

/* The nodes mm's pages may use now (a cpuset write may change them). */
static inline uint64_t mm_mems_allowed(const struct mm_struct *mm)
{
	return __atomic_load_n(&mm->mems_allowed, __ATOMIC_RELAXED);
}

/* First VMA with vm_end > addr, or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
/* The VMA containing addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr);
/* Index in mm->vmas of the first VMA with vm_end > addr (n if none). */
int vma_index(struct mm_struct *mm, uint64_t addr);
struct vm_area_struct *vma_alloc(struct mm_struct *mm);
void vma_free(struct vm_area_struct *vma);
int vma_insert(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_remove_at(struct mm_struct *mm, int i);
/* The highest address a of a gap [a, a + len) in [low, high) that no VMA
 * overlaps, or 0 (Linux's unmapped_area_topdown). */
uint64_t vma_gap_topdown(struct mm_struct *mm, uint64_t len, uint64_t low, uint64_t high);
/* Splits vma at addr; the new piece [addr, end) is inserted after it.  A
 * huge page mapped across addr is mapped by PTEs first (cpu flushes). */
int vma_split(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma, uint64_t addr);
/*
 * Changes the flags of [start, end) inside vma (splitting it, then merging
 * with its neighbours as Linux's vma_modify_flags does).  Returns the VMA
 * now covering start, or NULL with *err set.
 */
struct vm_area_struct *vma_modify_flags(struct mm_struct *mm, struct hw_cpu *cpu,
					struct vm_area_struct *vma,
					uint64_t start, uint64_t end, uint64_t flags, int *err);
/* The same for mbind: [start, end) of vma gets its own VMA for policy
 * (the caller then sets vm_policy). */
struct vm_area_struct *vma_modify_policy(struct mm_struct *mm, struct hw_cpu *cpu,
					 struct vm_area_struct *vma, uint64_t start, uint64_t end,
					 struct mempolicy *policy, int *err);
/* Covers the new range [start, end) by extending a neighbour when Linux
 * would (vma_merge_new_range); NULL when a new VMA is needed. */
struct vm_area_struct *vma_merge_new_range(struct mm_struct *mm, uint64_t start, uint64_t end,
					   uint64_t flags, struct address_space *file,
					   uint64_t file_id, uint64_t pgoff);
/* Merges vma with its neighbours when they are compatible. */

/* ---- the page cache (filemap.c, shmem.c, buffer.c) ------------------------------ */

/*
 * An address_space is the page cache of one memory object: a shared
 * anonymous mapping's object (shmem.c: no operations, pages zero-filled)
 * or a file (its operations come from the filesystem: src/fs/file.c).
 * Its pages sit in an RCU radix tree by page offset; each holds one
 * reference for its slot.  Lookups are lockless (get_page_unless_zero,
 * then recheck the slot); insertions, deletions and migration's slot
 * replacement take `lock`.  i_mmap (vmas) lists every VMA mapping it.
 *
 * File pages: PG_uptodate once read (or zero-filled for a hole); PG_dirty
 * when newer than the disk - set through set_page_dirty(), which keeps
 * nr_dirty and the slot's DIRTY tag (writeback finds dirty pages by the
 * tag); PG_writeback (and the WRITEBACK tag) while writepage runs; PG_private when buffer
 * heads hang off page->private (buffer.c).  A shared writable mapping of
 * a file keeps clean pages mapped read-only (VM_WRNOTIFY): the first
 * write faults and dirties the page; writeback write-protects them again
 * (page_mkclean) before writing, so no store is lost between the two.
 */
struct address_space;

/* The page cache's radix-tree tags. */
#define PAGECACHE_TAG_DIRTY 0
#define PAGECACHE_TAG_WRITEBACK 1

struct address_space_operations {
	/* Fills the locked page p, not uptodate, from the disk. 0 or -errno. */
	int (*readpage)(struct address_space *m, struct page *p);
	/* Writes the locked page p (PG_writeback set, PG_dirty cleared) and
	 * waits for it.  0 or -errno. */
	int (*writepage)(struct address_space *m, struct page *p);
	/* Gives dst (locked, data copied) src's slot, buffers and state.
	 * NULL: fallback_migrate_page(). */
	int (*migratepage)(struct mm_sys *s, struct address_space *m, struct page *dst,
			   struct page *src, enum migrate_mode mode);
	/* Drops the private buffers of the locked page: true when gone. */
	bool (*releasepage)(struct address_space *m, struct page *p);
	/* fsync's second half, once the pages are written: makes the file's
	 * size and block map durable.  0 or -errno. */
	int (*fsync)(struct address_space *m);
};

struct address_space {
	int refcount;		/* VMAs, open files and the inode cache using it */
	uint64_t nr_pages;	/* pages inside its size (a file: i_size rounded up) */
	uint64_t i_size;	/* bytes (files) */
	struct radix_tree_root pages;	/* page cache: index -> page (RCU) */
	struct radix_tree_root shadows;	/* a file's: index -> shadow (under lock) */
	pthread_mutex_t lock;	/* changes to `pages` (Linux's i_pages lock) */
	pthread_mutex_t i_mmap_lock;	/* the list of VMAs below */
	struct list_head vmas;	/* vm_area_struct.shared: everyone mapping it */
	const struct address_space_operations *a_ops;	/* NULL: shared anonymous */
	void *host;		/* the filesystem's inode */
	struct mm_sys *sys;
	uint64_t nr_dirty;	/* pages with PG_dirty */
	uint64_t ino;		/* inode number the trace events show (shmem's own) */
	unsigned dev_major, dev_minor;	/* and the device: 0:0 for shared memory */
	int wb_err;		/* a writeback error fsync has not reported yet */
	void (*release)(struct address_space *m);	/* last reference gone */
	struct list_head swaplist;	/* shmem: on mm_sys.shmem_swaplist once
					 * a page of it went to swap */
	struct shared_policy policy;	/* shared memory: mbind's policies */
};

static inline bool mapping_is_file(const struct address_space *m)
{
	return m && m->a_ops;
}

struct address_space *shmem_create(struct mm_sys *s, uint64_t nr_pages);
/* A tmpfs file's memory object (i_size bytes; host: the kernel's inode),
 * one reference for the caller: shared memory as shmem_create's, with a
 * size that the file's owner changes (mapping->i_size, nr_pages). */
struct address_space *shmem_file_create(struct mm_sys *s, void *host, uint64_t i_size);
/* A file's address space (size in bytes), one reference for the caller. */
struct address_space *mapping_create(struct mm_sys *s, const struct address_space_operations *ops,
				     void *host, uint64_t i_size);
void mapping_get(struct address_space *m);
/* Drops a reference; the last one empties the cache as truncation does
 * (dirty pages are dropped: write them first) and frees it. */
void mapping_put(struct mm_sys *s, struct address_space *m);
/* Frees m as it is, its items left to their owner (mapping_put's end; the
 * swap cache, whose pages swapoff has taken out). */
void mapping_destroy(struct mm_sys *s, struct address_space *m);
/* vma starts using vma->vm_file: a reference, and a place in its rmap. */
void shmem_link_vma(struct vm_area_struct *vma);
void shmem_unlink_vma(struct vm_area_struct *vma);

/* The page in slot idx with a reference, or NULL; lockless, never blocks. */
struct page *find_get_page(struct mm_sys *s, struct address_space *m, uint64_t idx);
/* The page in slot idx without a reference (racy: for reports), or NULL. */
struct page *find_page_peek(struct address_space *m, uint64_t idx);
/*
 * Finds or creates page idx with a reference for the caller, uptodate: a
 * new page comes from nid (nodemask allowed), zero-filled for shared
 * anonymous memory, read through a_ops->readpage for a file.  Past the
 * end: NULL with -EFAULT.  May sleep (page lock, disk): no spinlock held.
 * *major (if given) is set when the page had to be read from the disk.
 * write: for write(2), whose new pages are not refaults (Linux's
 * __GFP_WRITE).
 */
struct page *pagecache_get_page(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
				uint64_t idx, unsigned nid, uint64_t nodemask, bool write, int *err,
				bool *major);
/* Page-cache pages per node: nr_file or nr_shmem of p's node += d. */
void page_cache_count(struct mm_sys *s, const struct address_space *m, const struct page *p,
		      int d);
/*
 * Dirty limits (Linux's page-writeback.c, global domain): of the
 * dirtyable memory (free pages above the high watermarks, plus the file
 * LRU pages), dirty_background_ratio percent (10) may be dirty before
 * the flusher writes, dirty_ratio percent (20) before writers are
 * throttled; a background limit not below the other is half of it.
 */
void dirty_limits(struct mm_sys *s, uint64_t *background, uint64_t *thresh);
/*
 * After a task dirtied file pages (a write, a write fault on a shared
 * file mapping), with no lock held: above the background limit the
 * flusher writes files' dirty pages until the machine is back at it.
 * Here the flusher runs at this point, in the dirtier's stead (Linux's
 * wakes its thread, and throttles the writer only past the midpoint of
 * the two limits): the dirty pages never pass the background limit by
 * more than one page per writer, and reclaim always finds clean pages.
 */
void balance_dirty_pages(struct mm_sys *s);
static inline void balance_dirty_pages_ratelimited(struct mm_sys *s)
{
	if (__atomic_load_n(&s->nr_file_dirty, __ATOMIC_RELAXED))
		balance_dirty_pages(s);
}
/* Marks a page-cache page dirty (nr_dirty kept).  True if it was clean. */
bool set_page_dirty(struct page *p);
/*
 * Migration's slot switch: dst takes src's slot if the slot holds no
 * other reference than the cache's, `extra` (the migrator's) and one for
 * buffers when src has PG_private.  0 or -EAGAIN.
 */
int migrate_page_move_mapping(struct mm_sys *s, struct address_space *m, struct page *dst,
			      struct page *src, int extra);
/*
 * Writes every dirty page of [start, end) (page indices; end exclusive)
 * and waits for those under writeback: write-protects their mappings
 * first (page_mkclean).  Returns the first error (also a pending wb_err,
 * which it consumes), else 0.
 */
int filemap_write_and_wait_range(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
				 uint64_t start, uint64_t end);
/* fsync(2) / msync(MS_SYNC) of a range of pages: the pages, then the
 * file's metadata.  Shared anonymous memory has nothing to sync: 0. */
int filemap_fsync_range(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			uint64_t start, uint64_t end);
/* msync(2), Linux's checks and walk (mm/msync.c). */
int do_msync(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len, int flags);
/* Writes one locked dirty page (clear_page_dirty_for_io + writepage). */
int write_one_page(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m, struct page *p);
/* Removes the pages at index >= from from the cache (unmapping them
 * everywhere first): truncate. */
void truncate_inode_pages(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			  uint64_t from);
/* Drops every mapping of [start, end) (page indices) of m (Linux's
 * unmap_mapping_range). */
void unmap_mapping_range(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			 uint64_t start, uint64_t end);
/* Reclaim's last step (Linux's __remove_mapping): the locked, clean,
 * unmapped page p leaves its page cache or swap cache when only the cache
 * and the caller hold it, its shadow taken for the reclaim's target memcg
 * (NULL: the machine's).  1 (the caller's is now the only reference) or 0. */
int remove_mapping(struct mm_sys *s, struct page *p, struct mem_cgroup *target);
/* Write-protects and cleans every PTE mapping p in a shared VMA (one TLB
 * flush); true if one of them was dirty. */
bool page_mkclean(struct mm_sys *s, struct hw_cpu *cpu, struct page *p);

/* Migration callbacks (buffer.c, migrate.c). */
int migrate_page(struct mm_sys *s, struct address_space *m, struct page *dst, struct page *src,
		 enum migrate_mode mode);
int buffer_migrate_page(struct mm_sys *s, struct address_space *m, struct page *dst,
			struct page *src, enum migrate_mode mode);
int fail_migrate_page(struct mm_sys *s, struct address_space *m, struct page *dst,
		      struct page *src, enum migrate_mode mode);

/* ---- buffer heads (buffer.c) ------------------------------------------------------ */

/*
 * A buffer head maps one block of a page-cache page to a disk block (Linux's
 * struct buffer_head).  A page's buffers form a ring through b_this_page,
 * hung off page->private with PG_private set and one page reference held
 * for them.  Created when a page is first read or written through
 * get_block; freed by try_to_free_buffers on a clean, unlocked-by-others
 * page.  Buffer state changes under the page lock.
 */
enum bh_state { BH_uptodate = 1, BH_dirty = 2, BH_mapped = 4, BH_new = 8 };

struct buffer_head {
	struct buffer_head *b_this_page;	/* ring of the page's buffers */
	struct page *b_page;
	uint64_t b_blocknr;	/* disk block, when BH_mapped */
	unsigned b_state;
	unsigned b_size;	/* bytes */
};

/* Maps block `block` of the file: *blocknr (0: a hole), allocating when
 * create.  0 or -errno. */
typedef int (*get_block_fn)(void *host, uint64_t block, bool create, uint64_t *blocknr);
/* Moves one block between memory and disk. */
typedef int (*block_io_fn)(void *host, uint64_t blocknr, void *buf, bool write);

struct buffer_ops {
	unsigned blocksize;
	get_block_fn get_block;
	block_io_fn block_io;
};

static inline struct buffer_head *page_buffers(const struct page *p)
{
	return (struct buffer_head *)(uintptr_t)p->private;
}

/* readpage and writepage of a block-mapped filesystem. */
int block_read_full_page(struct mm_sys *s, const struct buffer_ops *ops, void *host,
			 struct page *p);
int block_write_full_page(struct mm_sys *s, const struct buffer_ops *ops, void *host,
			  struct page *p);
bool try_to_free_buffers(struct mm_sys *s, struct page *p);
/* Detaches p's buffers (p locked; truncate, free). */
void discard_buffers(struct mm_sys *s, struct page *p);

/* ---- mmu_gather (mmu_gather.c) ---------------------------------------------------- */

#define GATHER_BATCH 512

struct mmu_gather {
	struct mm_struct *mm;
	struct hw_cpu *cpu;		/* the CPU doing the work */
	bool fullmm;			/* tearing the whole mm down */
	uint64_t start, end;		/* envelope of changed entries */
	uint64_t page_size;		/* size of the leaves gathered so far */
	bool cleared_ptes, cleared_pmds, cleared_puds, freed_tables;
	unsigned nr_pages;
	struct page *pages[GATHER_BATCH];
	unsigned nr_tables;
	uint64_t tables[GATHER_BATCH];
	unsigned flushes;		/* flushes issued by this gather */
};

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm, struct hw_cpu *cpu);
void tlb_gather_mmu_fullmm(struct mmu_gather *tlb, struct mm_struct *mm, struct hw_cpu *cpu);
/* Records that the leaf at addr (of size 4 KiB or 2 MiB) changed. */
void tlb_track_entry(struct mmu_gather *tlb, uint64_t addr, uint64_t size);
/* Page-table pages of [start, end) were freed into the gather. */
void tlb_note_freed_tables(struct mmu_gather *tlb, uint64_t start, uint64_t end);
/* End of one VMA's changes: flushes now under flush=per_vma. */
void tlb_end_vma(struct mmu_gather *tlb);
/* End of change_protection() on [start, end) of one VMA, `pages` entries
 * rewritten.  Under flush=per_vma: what pre-5.19 mprotect did, one
 * flush_tlb_range(start, end) at 4 KiB stride if any entry changed. */
void tlb_end_protect_vma(struct mmu_gather *tlb, uint64_t start, uint64_t end, uint64_t pages);
/* Queues a page to be released after the flush. */
void tlb_remove_page(struct mmu_gather *tlb, struct page *p);
/* Queues a page-table frame to be freed after the flush. */
void tlb_remove_table(void *tlb, uint64_t pfn);
void tlb_flush_mmu(struct mmu_gather *tlb);
void tlb_finish_mmu(struct mmu_gather *tlb);

/*
 * Deferred flushing for unmaps that span address spaces (migration's
 * try_to_unmap batching, Linux's arch_tlbbatch): every address space that
 * lost mappings is recorded, and one flush per address space is done for
 * the whole batch before any unmapped page is touched.
 */
#define TLB_BATCH_MMS 16
struct tlb_batch {
	struct pmap *pm[TLB_BATCH_MMS];
	unsigned nr;
	unsigned flushes;	/* flushes this batch issued */
};

void tlb_batch_init(struct tlb_batch *b);
void tlb_batch_add(struct tlb_batch *b, struct hw_cpu *cpu, struct pmap *pm);
void tlb_batch_flush(struct tlb_batch *b, struct hw_cpu *cpu);

/* ---- faults and page-table ops (memory.c) ----------------------------------------- */

#define FAULT_FLAG_WRITE 1u
#define FAULT_FLAG_EXEC 2u
#define FAULT_FLAG_USER 4u

/* 0 when the fault was handled (retry the access), else SIGSEGV/SIGBUS,
 * or SIGKILL when the OOM killer chose the faulting task. */
int handle_mm_fault(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t addr, unsigned flags);

/*
 * The OOM killer (Linux's out_of_memory).  The kernel chooses and kills a
 * victim among its tasks (src/kernel/oom.c); mm counts what each address
 * space would give back and frees a victim's memory (oom_kill.c).
 * kernel_out_of_memory is called with no spinlock held, the faulting mm's
 * mmap_lock held for reading; nodemask is where the allocation could go.
 */
enum oom_result kernel_out_of_memory(struct hw_cpu *cpu, struct mm_struct *mm, uint64_t nodemask);
/* The OOM kill kswapd asks for (MGLRU's min_ttl: vmscan.c's
 * lru_gen_age_node): no allocating task, no memcg, every task a
 * candidate; nothing if another kill is under way.  Called by kswapd with
 * no lock held. */
enum oom_result kernel_kswapd_out_of_memory(struct mm_sys *s);
/* Linux's oom_badness() before the adjustment: resident pages (a huge page
 * counts 512), swap entries and page-table pages. */
uint64_t oom_badness_pages(struct mm_struct *mm);
/* Its resident pages with a struct page (Linux's get_mm_rss); takes the ptl. */
uint64_t get_mm_rss(struct mm_struct *mm);
/* The oom_reaper: unmaps every VMA of a killed task's mm.  The caller
 * holds no lock of mm's; a thread of the victim that holds its mmap_lock
 * (in a fault, or a system call) lets go soon: faults of an oom_victim mm
 * give up at once. */
void oom_reap_mm(struct mm_struct *mm, struct hw_cpu *cpu);
/* Faults in every page of [start, end) inside vma (populate, mlock).  Returns 0 or -errno. */
int populate_vma_range(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		       uint64_t start, uint64_t end);
/* Linux's __mm_populate(): faults in every VMA of [start, end) but raw
 * frames; the first error, unless ignore_errors (MAP_POPULATE ignores them,
 * mlock does not). */
int mm_populate(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end,
		bool ignore_errors);
/* Unmaps the pages of [start, end) inside vma into the gather. */
void zap_vma_range(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t start,
		   uint64_t end);
/* Copies the page tables of a VMA into the child at fork (COW). */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *dvma,
		    struct vm_area_struct *svma);
/* A new anonymous page (or huge page) joins vma at addr: rmap, exclusive,
 * the CPU's LRU batch, mlock if the VMA is locked. */
void anon_page_setup(struct hw_cpu *cpu, struct vm_area_struct *vma, struct page *p,
		     uint64_t addr);
/* PMAP_R/W/X for a VMA's flags, as vm_get_page_prot() gives. */
unsigned vma_pmap_prot(uint64_t vm_flags);

/* ---- per-node statistics (vmstat.c) ------------------------------------------------- */

/* An allocation of nr pages on node got that preferred node want, by a
 * CPU of node cpu_node: numa_hit or numa_miss/numa_foreign, local_node or
 * other_node (Linux's zone_statistics). */
void count_numa_alloc(struct mm_sys *s, unsigned want, unsigned got, unsigned cpu_node,
		      uint64_t nr);
/* Node nid's meminfo figures (kB) and numastat counters, from its pages. */
void node_meminfo(struct mm_sys *s, unsigned nid, struct mmsim_node_meminfo *out);

/* ---- /proc views of a VMA (task_mmu.c) --------------------------------------------- */

/*
 * One VMA's numa_maps counts and smaps sizes, as Linux 6.12 computes them
 * (the file name left empty: the kernel's to fill).  mmap_lock held (read
 * is enough); drain the LRU batches first to see what Linux shows.
 */
void vma_numa_maps(struct vm_area_struct *v, struct mmsim_numa_maps *nm);
void vma_smaps(struct vm_area_struct *v, struct mmsim_smaps *sm);
/* Linux's two-letter VmFlags of flags, space-separated, into buf. */
void vma_flags_names(uint64_t flags, char *buf, size_t len);
/* smaps' THPeligible: a huge page is allowed somewhere in v. */
bool vma_thp_eligible(const struct vm_area_struct *v);

/* ---- transparent huge pages (huge_memory.c) --------------------------------------- */

bool thp_vma_allowed(const struct vm_area_struct *vma, uint64_t addr);
/* 0, or -EAGAIN when the caller should fall back to a 4 KiB page. */
int do_huge_pmd_anonymous_page(struct mm_struct *mm, struct hw_cpu *cpu,
			       struct vm_area_struct *vma, uint64_t addr, unsigned nid,
			       uint64_t nodemask);
/* Turns the 2 MiB mapping around addr (if any) into 512 PTEs. Call with ptl. */
int split_huge_pmd(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t addr);
/*
 * Splits an isolated anonymous huge page into 4 KiB pages, as Linux 6.12's
 * split_huge_page_to_list_to_order: every mapping becomes a migration
 * entry first (a PMD's, 512 PTE ones: thp_split_pmd), the count is frozen,
 * the pieces are made, then each is mapped where its subpage was (an
 * all-zero one, outside locked memory, maps the shared zero page) and
 * unlocked.  All pieces go on `list`, isolated: one nobody maps is held by
 * its isolation alone (the list's owner frees it).  Counts
 * THP_SPLIT_PAGE.  0, -EBUSY (not anonymous, in the swap cache, or a
 * mapping out of reach), -EAGAIN (locked or referenced by someone else;
 * its mappings are put back), -ENOMEM (a page table for the PTEs).
 */
int split_huge_page_to_list(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
			    struct list_head *list);

/* ---- address spaces (mmap.c) ---------------------------------------------------- */

/*
 * A new address space, as exec leaves it: empty but for the vDSO's two
 * special mappings right under mmap_base, [vvar] (VVAR_PAGES, r--, raw
 * frames) then [vdso] (VDSO_PAGES, r-x, the machine's vDSO pages), with
 * the vDSO's first page already mapped (the C library reads it at start).
 */
struct mm_struct *mm_create(struct mm_sys *s, unsigned home_node);
void mm_destroy(struct mm_struct *mm, struct hw_cpu *cpu);
/* A fault in a special VMA (memory.c), ptl held. */
int special_mapping_fault(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			  uint64_t addr, unsigned flags);
struct mm_struct *dup_mm(struct mm_struct *old, struct hw_cpu *cpu, int *err);

struct mmap_caller {
	struct hw_cpu *cpu;
	bool cap_ipc_lock;
	uint64_t memlock_limit;		/* bytes */
	unsigned node;			/* where first-touch pages go */
	bool read_implies_exec;		/* personality READ_IMPLIES_EXEC */
	bool file_readonly;		/* a shared mapping of a file open read-only */
	uint64_t file_id;		/* the open file mapped (unique per open) */
};

/* mmap(2) after the fd is resolved: file is the mapped file's page cache
 * (NULL: anonymous), pgoff the offset in pages. */
long do_mmap(struct mm_struct *mm, const struct mmap_caller *c, uint64_t addr, uint64_t len,
	     int prot, int flags, uint64_t pgoff, struct address_space *file);
int do_munmap(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len);
/* Unmaps [start, end), splitting VMAs at the ends: the shared core of munmap
 * and MAP_FIXED.  Caller holds mmap_lock for writing. */
int do_vmi_munmap(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end);
/* Where a new mapping of len bytes goes: the hint addr if that range is
 * free (0: none), else the highest gap that fits, aligned to align. */
uint64_t get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t align);
bool mlock_future_ok(struct mm_struct *mm, const struct mmap_caller *c, uint64_t flags,
		     uint64_t bytes);
/* Linux's overcommit heuristic: may `pages` more be committed? */
bool vm_enough_memory(struct mm_sys *s, uint64_t pages);

/* ---- protections (mprotect.c) ------------------------------------------------------ */

/* change_protection() flags (Linux's MM_CP_*). */
#define MM_CP_TRY_CHANGE_WRITABLE 1u	/* grant write where a fault would */
#define MM_CP_PROT_NUMA 2u		/* NUMA hinting: make entries inaccessible */
#define MM_CP_UFFD_WP 4u		/* userfaultfd: write-protect */
#define MM_CP_UFFD_WP_RESOLVE 8u	/* userfaultfd: lift write-protection */

/*
 * Rewrites the entries of [start, end) inside vma for vma's current flags
 * (or as cp_flags say), recording in tlb what must be flushed.  Splits a
 * 2 MiB mapping the range covers in part.  Returns the entries rewritten,
 * in 4 KiB pages.  Caller holds mmap_lock.
 */
uint64_t change_protection(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end, unsigned cp_flags);
/* Private writable VMAs map read-only and upgrade on demand. */
bool vma_wants_manual_write_upgrade(const struct vm_area_struct *vma);
/* May this present entry of vma be made writable without a fault? */
bool can_change_entry_writable(struct mm_sys *s, const struct vm_area_struct *vma,
			       const struct pmap_entry *e);
/* mprotect(2) / pkey_mprotect(2) (pkey -1 for mprotect).  0 or -errno. */
int do_mprotect_pkey(struct mm_struct *mm, const struct mmap_caller *c, uint64_t start,
		     uint64_t len, unsigned long prot, int pkey);
/* NUMA hinting scan (task_numa_work's change_prot_numa) of [start, end):
 * makes the pages there inaccessible, so the next access faults and may
 * move the page to the faulting CPU's node.  Returns the pages changed. */
uint64_t change_prot_numa(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end);
/* task_numa_work's two steps, mmap_lock held for reading: may it scan vma
 * at all, and Linux's change_prot_numa(vma, start, end) - one gather and
 * its flush for [start, end) inside vma.  Returns the pages changed. */
bool vma_numa_scannable(struct hw_cpu *cpu, struct vm_area_struct *vma);
uint64_t change_prot_numa_vma(struct vm_area_struct *vma, struct hw_cpu *cpu, uint64_t start,
			      uint64_t end);

/*
 * NUMA balancing's task side (kernel/numa_balancing.c, Linux's
 * kernel/sched/fair.c), which the hinting fault calls.  TNF_* describe
 * the fault to task_numa_fault() as Linux's flags do.
 */
#define TNF_MIGRATED 0x01
#define TNF_NO_GROUP 0x02
#define TNF_SHARED 0x04
#define TNF_FAULT_LOCAL 0x08
#define TNF_MIGRATE_FAIL 0x10
/* The cpupid two-stage filter and the numa_group placement: may the task
 * running on cpu pull head from src_nid to its node?  Records the fault in
 * the folio's last cpupid. */
bool should_numa_migrate_memory(struct hw_cpu *cpu, struct page *head, unsigned src_nid);
/* Accounts a hinting fault of pages on mem_node to the task running on
 * cpu; last_cpupid is the folio's before this fault. */
void task_numa_fault(struct hw_cpu *cpu, int last_cpupid, unsigned mem_node, unsigned pages,
		     unsigned flags);
/* userfaultfd: UFFDIO_REGISTER with MODE_WP, and UFFDIO_WRITEPROTECT. */
int uffd_register_wp(struct mm_struct *mm, uint64_t start, uint64_t len);
int uffd_writeprotect(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len,
		      bool wp);

/* ---- mlock (mlock.c), madvise (madvise.c), stats (mempolicy.c) ------------------- */

int do_mlock(struct mm_struct *mm, const struct mmap_caller *c, uint64_t start, uint64_t len,
	     bool lock);
int do_madvise(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len,
	       int advice);
/*
 * A locked VMA maps p (mlock, a fault, a migration's new page): PG_mlocked
 * and one more on its mlock count; munlock_page: one less, and unlocked
 * when none is left (lru.c says how Linux 6.12 keeps the count).
 * mlock_new_page: a page just faulted into a locked VMA, still in its
 * batch (Linux's mlock_new_folio: it joins the unevictable list counted
 * once).
 */
void mlock_page(struct mm_sys *s, struct page *p);
void munlock_page(struct mm_sys *s, struct page *p);
void mlock_new_page(struct mm_sys *s, struct page *p);
/* move_pages(2) with nodes == NULL: each page's node or -errno. */
void do_pages_stat(struct mm_struct *mm, unsigned long n, const uint64_t *pages, int *status);
/* move_pages(2) moving pages; task_nodes is the target's cpuset.  Returns
 * 0, the number of pages not migrated, or -errno. */
long do_pages_move(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t task_nodes,
		   uint64_t caller_nodes, unsigned long nr, const uint64_t *pages, const int *nodes,
		   int *status, bool migrate_all);
/* migrate_pages(2) after its checks: the pages not moved, or -errno. */
long do_migrate_pages(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t from, uint64_t to,
		      uint64_t caller_nodes, bool move_all);

#endif
