/*
 * workingset.c - refault detection: telling a page that comes back soon
 * after reclaim took it from one that was rightly let go (Linux 6.12's
 * mm/workingset.c).  What follows is the classic LRU's; with MGLRU a
 * shadow carries the oldest generation's sequence and the page's tier at
 * its eviction instead of the clock, and lru_gen.c reads it.
 *
 * Each node keeps a clock, nonresident_age, that moves by one page at every
 * eviction and every activation: the pages that left the inactive list at
 * its old end or its young end.  A page reclaim frees leaves a shadow where
 * it lived (its page-cache slot, or its swap slot) with the node and the
 * clock at that moment, and whether it was in the working set
 * (PG_workingset: it had been active).  When the page is read back, the
 * clock's advance since is its refault distance: the inactive list would
 * have had to be that much longer for the page to stay.  If the distance
 * is within what the other lists hold (the active file list; plus the
 * inactive file list for an anonymous page; plus the anonymous lists while
 * swap has room, only the active one for a file page), giving the inactive
 * list that room could have kept it: the page starts active
 * (workingset_activate_*), and one that was in the working set before is
 * restored to it (workingset_restore_*).  Every shadow found counts a
 * refault (workingset_refault_*).
 *
 * Where shadows live: a file page's in its mapping's `shadows` tree
 * (under the mapping's lock, dropped when the slot is filled again or the
 * file truncated), an anonymous or shared-memory page's in swap_info's
 * per-slot array (cleared when the slot is freed, as Linux clears the swap
 * cache's shadow).  Linux bounds the shadows with a shrinker; here they
 * live as long as their slot.
 *
 * Owns: the shadows' format, pglist_data.nonresident_age and the
 * workingset_* counters.  Called by vmscan.c (eviction, activations),
 * filemap.c and swap_state.c (refaults), lru.c (activations by access).
 */
#include "mm.h"

#include <errno.h>

/* A shadow, nonzero: bit 0 set, bit 1 PG_workingset, then the node, then
 * the clock (wrapping: a distance is taken modulo its width). */
#define SHADOW_NODE_SHIFT 2
#define SHADOW_NODE_BITS 10
#define SHADOW_AGE_SHIFT (SHADOW_NODE_SHIFT + SHADOW_NODE_BITS)
#define SHADOW_AGE_MASK (~0ULL >> SHADOW_AGE_SHIFT)

static uint64_t pack_shadow(unsigned nid, uint64_t age, bool workingset)
{
	return ((age & SHADOW_AGE_MASK) << SHADOW_AGE_SHIFT) |
	       ((uint64_t)nid << SHADOW_NODE_SHIFT) | ((uint64_t)workingset << 1) | 1;
}

static unsigned shadow_nid(uint64_t shadow)
{
	return (unsigned)(shadow >> SHADOW_NODE_SHIFT) & ((1u << SHADOW_NODE_BITS) - 1);
}

static void count_ws(struct mm_sys *s, const struct page *p, enum mmsim_vmstat_event anon_ev,
		     bool file, uint64_t n)
{
	/* The _file counter follows its _anon twin (views.h); memory.stat
	 * counts it on the memcg the page is charged to now. */
	count_vm_events(s, anon_ev + file, n);
	count_memcg_page_events(s, p, anon_ev + file, n);
}

void workingset_age_nonresident(struct mm_sys *s, const struct page *p)
{
	__atomic_add_fetch(&s->node[page_to_nid(s, p)].nonresident_age, 1ULL << p->order,
			   __ATOMIC_RELAXED);
}

uint64_t workingset_eviction(struct mm_sys *s, struct page *p)
{
	VM_BUG_ON_PAGE(!page_locked(p), p);
	unsigned nid = page_to_nid(s, p);
	if (!lru_classic(s)) {
		bool workingset;
		uint64_t token = lru_gen_eviction_token(s, p, &workingset);
		return pack_shadow(nid, token, workingset);
	}
	uint64_t age = __atomic_fetch_add(&s->node[nid].nonresident_age, 1ULL << p->order,
					  __ATOMIC_RELAXED);
	return pack_shadow(nid, age, page_test(p, PG_workingset));
}

/* Linux's workingset_test_recent: would a longer inactive list have kept
 * the page?  *workingset: it was in the working set. */
static bool refault_recent(struct mm_sys *s, uint64_t shadow, bool file, bool *workingset)
{
	unsigned nid = shadow_nid(shadow);
	uint64_t eviction = shadow >> SHADOW_AGE_SHIFT;
	*workingset = (shadow >> 1) & 1;
	if (nid >= s->nr_nodes)
		return false;
	uint64_t now = __atomic_load_n(&s->node[nid].nonresident_age, __ATOMIC_RELAXED);
	uint64_t distance = (now - eviction) & SHADOW_AGE_MASK;
	uint64_t size = lru_size(s, nid, LRU_ACTIVE_FILE);
	if (!file)
		size += lru_size(s, nid, LRU_INACTIVE_FILE);
	if (swap_free_slots(s)) {
		size += lru_size(s, nid, LRU_ACTIVE_ANON);
		if (file)
			size += lru_size(s, nid, LRU_INACTIVE_ANON);
	}
	return distance <= size;
}

void workingset_refault(struct mm_sys *s, struct page *p, uint64_t shadow)
{
	bool file = !page_test(p, PG_swapbacked), workingset;
	uint64_t n = 1ULL << p->order;
	if (!shadow)
		return;
	if (!lru_classic(s)) {
		lru_gen_refault(s, p, shadow_nid(shadow), shadow >> SHADOW_AGE_SHIFT,
				(shadow >> 1) & 1, SHADOW_AGE_MASK);
		return;
	}
	count_ws(s, p, MMSIM_VM_workingset_refault_anon, file, n);
	if (!refault_recent(s, shadow, file, &workingset))
		return;
	page_set(p, PG_active);
	workingset_age_nonresident(s, p);
	count_ws(s, p, MMSIM_VM_workingset_activate_anon, file, n);
	if (workingset) {
		page_set(p, PG_workingset);
		count_ws(s, p, MMSIM_VM_workingset_restore_anon, file, n);
	}
}

/* ---- where shadows are kept ---------------------------------------------------------- */

void shadow_store(struct address_space *m, uint64_t idx, uint64_t shadow)
{
	if (!shadow)
		return;
	void *item = (void *)(uintptr_t)shadow;
	/* Without memory for the tree's node the shadow is lost: the page
	 * will look like a first read when it comes back, nothing worse. */
	if (radix_tree_insert(&m->shadows, idx, item) == -EEXIST)
		radix_tree_replace(&m->shadows, idx, item);
}

uint64_t shadow_take(struct address_space *m, uint64_t idx)
{
	return (uint64_t)(uintptr_t)radix_tree_delete(&m->shadows, idx);
}

struct shadow_range {
	uint64_t from, *idx;
	size_t n, cap;
};

static void collect_shadow(void *arg, uint64_t index, void *item)
{
	struct shadow_range *r = arg;
	(void)item;
	if (index < r->from || r->n == r->cap)
		return;
	r->idx[r->n++] = index;
}

void shadows_truncate(struct address_space *m, uint64_t from)
{
	/* A bounded batch at a time: no allocation on this path. */
	uint64_t idx[64];
	struct shadow_range r = { from, idx, 0, 64 };
	do {
		r.n = 0;
		radix_tree_for_each(&m->shadows, collect_shadow, &r);
		for (size_t i = 0; i < r.n; i++)
			radix_tree_delete(&m->shadows, idx[i]);
	} while (r.n == r.cap);
}

void swap_shadow_store(struct swap_info *si, uint64_t off, uint64_t shadow)
{
	__atomic_store_n(&si->shadow[off], shadow, __ATOMIC_RELAXED);
}

uint64_t swap_shadow_take(struct swap_info *si, uint64_t off)
{
	return __atomic_exchange_n(&si->shadow[off], 0, __ATOMIC_RELAXED);
}
