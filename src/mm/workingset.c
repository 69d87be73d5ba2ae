/*
 * workingset.c - refault detection: telling a page that comes back soon
 * after reclaim took it from one that was rightly let go (Linux 6.12's
 * mm/workingset.c).  What follows is the classic LRU's; with MGLRU a
 * shadow carries the oldest generation's sequence and the page's tier at
 * its eviction instead of the clock, and lru_gen.c reads it.
 *
 * Each lruvec keeps a clock, nonresident_age, that moves by one page at
 * every eviction and every activation: the pages that left the inactive
 * list at its old end or its young end.  An activation moves the clock of
 * the page's lruvec and of its ancestors' on the node; an eviction the
 * clock of the lruvec of the reclaim's target (the root's for the
 * machine's reclaim) and its ancestors'.  A page reclaim frees leaves a
 * shadow where it lived (its page-cache slot, or its swap slot) with the
 * target memcg, the node and that clock at that moment, and whether it
 * was in the working set (PG_workingset: it had been active).  When the
 * page is read back, the clock's advance since is its refault distance:
 * the inactive list would have had to be that much longer for the page
 * to stay.  If the distance is within what the other lists of the
 * target's subtree hold (the active file list; plus the inactive file
 * list for an anonymous page; plus the anonymous lists while the memcg
 * may swap, only the active one for a file page), giving the inactive
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
 * Owns: the shadows' format, lruvec.nonresident_age and the
 * workingset_* counters.  Called by vmscan.c (eviction, activations),
 * filemap.c and swap_state.c (refaults), lru.c (activations by access).
 */
#include "mm.h"

#include <errno.h>

/* A shadow, nonzero: bit 0 set, bit 1 PG_workingset, then the node, the
 * memcg's id (as Linux's, 16 bits), then the clock (wrapping: a distance
 * is taken modulo its width). */
#define SHADOW_NODE_SHIFT 2
#define SHADOW_NODE_BITS 10
#define SHADOW_MEMCG_SHIFT (SHADOW_NODE_SHIFT + SHADOW_NODE_BITS)
#define SHADOW_MEMCG_BITS 16
#define SHADOW_AGE_SHIFT (SHADOW_MEMCG_SHIFT + SHADOW_MEMCG_BITS)
#define SHADOW_AGE_MASK (~0ULL >> SHADOW_AGE_SHIFT)

static uint64_t pack_shadow(const struct lruvec *lv, uint64_t age, bool workingset)
{
	uint64_t id = lv->memcg ? lv->memcg->id & ((1u << SHADOW_MEMCG_BITS) - 1) : 0;
	return ((age & SHADOW_AGE_MASK) << SHADOW_AGE_SHIFT) | (id << SHADOW_MEMCG_SHIFT) |
	       ((uint64_t)lv->pgdat->id << SHADOW_NODE_SHIFT) | ((uint64_t)workingset << 1) | 1;
}

/* The lruvec a shadow was taken on, or NULL (a node the machine lacks). */
static struct lruvec *shadow_lruvec(struct mm_sys *s, uint64_t shadow)
{
	unsigned nid = (unsigned)(shadow >> SHADOW_NODE_SHIFT) & ((1u << SHADOW_NODE_BITS) - 1);
	unsigned id = (unsigned)(shadow >> SHADOW_MEMCG_SHIFT) & ((1u << SHADOW_MEMCG_BITS) - 1);
	if (nid >= s->nr_nodes)
		return NULL;
	return mem_cgroup_lruvec(s, mem_cgroup_from_id(s, id), nid);
}

/* The parent memcg's lruvec on the same node; NULL above the root's. */
static struct lruvec *parent_lruvec(struct mm_sys *s, const struct lruvec *lv)
{
	return lv->memcg ? mem_cgroup_lruvec(s, lv->memcg->parent, lv->pgdat->id) : NULL;
}

static void age_nonresident(struct mm_sys *s, struct lruvec *lv, uint64_t nr)
{
	for (; lv; lv = parent_lruvec(s, lv))
		__atomic_add_fetch(&lv->nonresident_age, nr, __ATOMIC_RELAXED);
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
	age_nonresident(s, page_lruvec(s, p), 1ULL << p->order);
}

uint64_t workingset_eviction(struct mm_sys *s, struct page *p, struct mem_cgroup *target)
{
	VM_BUG_ON_PAGE(!page_locked(p), p);
	if (!lru_classic(s)) {
		/* MGLRU's tokens are the page's own lruvec's. */
		bool workingset;
		uint64_t token = lru_gen_eviction_token(s, p, &workingset);
		return pack_shadow(page_lruvec(s, p), token, workingset);
	}
	struct lruvec *lv = mem_cgroup_lruvec(s, target, page_to_nid(s, p));
	uint64_t age = __atomic_load_n(&lv->nonresident_age, __ATOMIC_RELAXED);
	age_nonresident(s, lv, 1ULL << p->order);
	return pack_shadow(lv, age, page_test(p, PG_workingset));
}

/* Linux's workingset_test_recent: would a longer inactive list have kept
 * the page?  *workingset: it was in the working set. */
static bool refault_recent(struct mm_sys *s, uint64_t shadow, bool file, bool *workingset)
{
	struct lruvec *lv = shadow_lruvec(s, shadow);
	uint64_t eviction = shadow >> SHADOW_AGE_SHIFT;
	*workingset = (shadow >> 1) & 1;
	if (!lv)
		return false;
	uint64_t now = __atomic_load_n(&lv->nonresident_age, __ATOMIC_RELAXED);
	uint64_t distance = (now - eviction) & SHADOW_AGE_MASK;
	uint64_t size = lruvec_tree_size(s, lv, LRU_ACTIVE_FILE);
	if (!file)
		size += lruvec_tree_size(s, lv, LRU_INACTIVE_FILE);
	if (mem_cgroup_nr_swap_pages(s, lv->memcg)) {
		size += lruvec_tree_size(s, lv, LRU_ACTIVE_ANON);
		if (file)
			size += lruvec_tree_size(s, lv, LRU_INACTIVE_ANON);
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
		struct lruvec *lv = shadow_lruvec(s, shadow);
		if (lv)
			lru_gen_refault(s, p, lv, shadow >> SHADOW_AGE_SHIFT, (shadow >> 1) & 1,
					SHADOW_AGE_MASK);
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

void shadows_truncate(struct address_space *m, uint64_t from)
{
	uint64_t idx = from;
	while (radix_tree_next(&m->shadows, idx, &idx))
		radix_tree_delete(&m->shadows, idx);
}

void swap_shadow_store(struct swap_info *si, uint64_t off, uint64_t shadow)
{
	__atomic_store_n(&si->shadow[off], shadow, __ATOMIC_RELAXED);
}

uint64_t swap_shadow_take(struct swap_info *si, uint64_t off)
{
	return __atomic_exchange_n(&si->shadow[off], 0, __ATOMIC_RELAXED);
}
