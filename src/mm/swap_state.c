/*
 * swap_state.c - the swap cache: the pages of swap slots, found by slot
 * in the swap area's address_space, and swap-in.
 *
 * A page enters the swap cache when reclaim gives it a slot (add_to_swap),
 * before its mappings become swap entries, or when a fault reads a slot
 * (swapin_page).  It leaves when it is freed clean after pageout (its slot
 * keeps the data), when its slot is freed (folio_free_swap: nobody names
 * the slot any more), or at swapoff.  While it is there, a fault on any
 * entry naming its slot maps this very page: that is how a page shared
 * by fork stays shared across a swap-out.
 *
 * Owns: PG_swapcache, page->private of anonymous pages, the swap cache's
 * tree (under its lock); the slots' counts are swapfile.c's.
 */
#include "mm.h"

#include <errno.h>
#include <sched.h>

static struct address_space *swap_cache(struct mm_sys *s)
{
	struct swap_info *si = swap_area(s);
	return si ? si->cache : NULL;
}

static void count_swapcache(struct mm_sys *s, const struct page *p, int d)
{
	__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_swapcache, (uint64_t)(int64_t)d,
			   __ATOMIC_RELAXED);
}

struct page *swap_cache_get(struct mm_sys *s, uint64_t off)
{
	struct address_space *c = swap_cache(s);
	return c ? find_get_page(s, c, off) : NULL;
}

int swap_cache_insert(struct mm_sys *s, struct page *p, uint64_t off)
{
	struct address_space *c = swap_cache(s);
	pthread_mutex_lock(&c->lock);
	int err = radix_tree_insert(&c->pages, off, p);
	if (!err) {
		get_page(p);
		p->private = off;
		page_set(p, PG_swapcache);
		count_swapcache(s, p, 1);
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

int add_to_swap(struct mm_sys *s, struct page *p)
{
	VM_BUG_ON_PAGE(!page_locked(p) || page_test(p, PG_swapcache) ||
		       !page_test(p, PG_swapbacked), p);
	uint64_t off = swap_alloc_slot_charged(s, p);
	if (!off)
		return -ENOMEM;
	int err = swap_cache_insert(s, p, off);
	if (err) {
		swapcache_put_slot(s, off);
		return err;
	}
	/* Not on disk yet: it must be written before it may be freed. */
	set_page_dirty(p);
	return 0;
}

void delete_from_swap_cache(struct mm_sys *s, struct page *p)
{
	struct address_space *c = swap_cache(s);
	uint64_t off = p->private;
	VM_BUG_ON_PAGE(!page_locked(p) || !page_test(p, PG_swapcache), p);
	pthread_mutex_lock(&c->lock);
	radix_tree_delete(&c->pages, off);
	page_clear(p, PG_swapcache);
	p->private = 0;
	count_swapcache(s, p, -1);
	pthread_mutex_unlock(&c->lock);
	swapcache_put_slot(s, off);
	put_page(s, p);		/* the cache's reference */
}

bool folio_free_swap(struct mm_sys *s, struct page *p)
{
	VM_BUG_ON_PAGE(!page_locked(p), p);
	if (!page_test(p, PG_swapcache) || page_test(p, PG_writeback))
		return false;
	if (swap_count(s, p->private) & ~SWAP_HAS_CACHE)
		return false;	/* a swap entry still names the slot */
	delete_from_swap_cache(s, p);
	set_page_dirty(p);
	return true;
}

void free_swap_cache(struct mm_sys *s, struct page *p)
{
	struct page *head = compound_head(p);
	if (!page_test(head, PG_swapcache) || folio_mapcount(head) || !trylock_page(head))
		return;
	folio_free_swap(s, head);
	unlock_page(head);
}

int swap_cache_remove_frozen(struct mm_sys *s, struct page *p, struct mem_cgroup *target)
{
	struct address_space *c = swap_cache(s);
	uint64_t off = p->private;
	pthread_mutex_lock(&c->lock);
	if (page_test(p, PG_dirty) || page_test(p, PG_writeback) || !page_ref_freeze(p, 2)) {
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	radix_tree_delete(&c->pages, off);
	page_clear(p, PG_swapcache);
	p->private = 0;
	count_swapcache(s, p, -1);
	/* Before the slot is put: a slot nobody names any more is freed,
	 * and forgets the shadow with its data. */
	swap_shadow_store(swap_area(s), off, workingset_eviction(s, p, target));
	page_ref_unfreeze(p, 1);
	pthread_mutex_unlock(&c->lock);
	swapcache_put_slot(s, off);
	return 1;
}

int swap_cache_migrate(struct mm_sys *s, struct page *dst, struct page *src, int extra)
{
	struct address_space *c = swap_cache(s);
	uint64_t off = src->private;
	pthread_mutex_lock(&c->lock);
	if (radix_tree_lookup(&c->pages, off) != src || !page_ref_freeze(src, 1 + extra)) {
		pthread_mutex_unlock(&c->lock);
		return -EAGAIN;
	}
	dst->private = off;
	page_set(dst, PG_swapcache);
	get_page(dst);			/* the cache's reference moves over */
	radix_tree_replace(&c->pages, off, dst);
	page_ref_unfreeze(src, extra);
	page_clear(src, PG_swapcache);
	src->private = 0;
	count_swapcache(s, src, -1);
	count_swapcache(s, dst, 1);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/*
 * Reads slot off into a new page of the swap cache (Linux's
 * __read_swap_cache_async + swap_read_folio): the page goes in locked, so
 * a racing fault on the same slot waits for the read on its lock.  A slot
 * someone else is filling (SWAP_HAS_CACHE without a page yet) is retried.
 * Returns the page referenced, *read telling whether this call read it
 * (a page already cached is returned as it is); NULL with *err.
 */
static struct page *read_swap_page(struct mm_sys *s, struct hw_cpu *cpu, uint64_t off,
				   unsigned nid, uint64_t nodemask, bool *read, int *err)
{
	struct swap_info *si = swap_area(s);
	*read = false;
	for (;;) {
		struct page *p = swap_cache_get(s, off);
		if (p)
			return p;
		*err = swapcache_prepare(s, off);
		if (*err == -EEXIST && !(swap_count(s, off) & ~SWAP_HAS_CACHE)) {
			/* Named by nobody: a slot in a CPU's slots cache, or
			 * one whose last entry just went; no page will come
			 * (Linux's check for unused slots before it waits). */
			*err = -ENOENT;
			return NULL;
		}
		if (*err == -EEXIST) {
			sched_yield();
			continue;
		}
		if (*err)
			return NULL;
		p = alloc_pages_mask(s, cpu, nid, 0, 0, nodemask);
		if (!p) {
			swapcache_put_slot(s, off);
			*err = -ENOMEM;
			return NULL;
		}
		/* Charged to the memcg whose page went out, else the task's. */
		struct mem_cgroup *memcg = swap_slot_memcg(s, off);
		if (!memcg && cpu)
			memcg = current_memcg(cpu);
		if ((*err = mem_cgroup_charge(s, cpu, memcg, p))) {
			swapcache_put_slot(s, off);
			put_page(s, p);
			return NULL;
		}
		/* Nobody else uses it yet, but the buddy allocator may peek at
		 * its flags (merging a neighbour): atomic stores. */
		__atomic_or_fetch(&p->flags, (1u << PG_locked) | (1u << PG_swapbacked),
				  __ATOMIC_RELAXED);
		if ((*err = swap_cache_insert(s, p, off))) {
			page_clear(p, PG_locked);
			swapcache_put_slot(s, off);
			put_page(s, p);
			return NULL;
		}
		workingset_refault(s, p, swap_shadow_take(si, off));
		if (cpu)
			lru_cache_add(s, cpu->id, p);
		if (swap_slot_zero(s, off)) {
			/* Never written: zeros, without I/O (no pswpin). */
			if (cpu)
				hw_zero_frames(s->hw, cpu, page_to_pfn(s, p), 1);
			else
				__builtin_memset(hw_frame(s->hw, page_to_pfn(s, p)), 0, PAGE_SIZE);
			page_set(p, PG_uptodate);
			unlock_page(p);
			*read = true;
			return p;
		}
		*err = si->ops->read(si->arg, off, hw_frame(s->hw, page_to_pfn(s, p)));
		if (cpu)
			hw_charge_disk_io(cpu);
		if (*err) {
			delete_from_swap_cache(s, p);
			unlock_page(p);
			put_page(s, p);
			return NULL;
		}
		page_set(p, PG_uptodate);
		count_vm_events(s, MMSIM_VM_pswpin, 1);
		unlock_page(p);
		*read = true;
		return p;
	}
}

/* A fault's look in the swap cache (Linux's swap_cache_get_folio): a page
 * read ahead and found for the first time is a readahead hit. */
static struct page *swap_cache_lookup(struct mm_sys *s, uint64_t off)
{
	struct page *p = swap_cache_get(s, off);
	if (!p || p->order)
		return p;
	if (__atomic_fetch_and(&p->flags, ~(1u << PG_readahead), __ATOMIC_RELAXED) &
	    (1u << PG_readahead)) {
		count_vm_events(s, MMSIM_VM_swap_ra_hit, 1);
		pthread_mutex_lock(&s->swap_ra.lock);
		s->swap_ra.hits++;
		pthread_mutex_unlock(&s->swap_ra.lock);
	}
	return p;
}

/*
 * The readahead window for a miss on slot off (Linux's swapin_nr_pages):
 * the hits since the last window, plus two, rounded up to a power of two
 * (at least 4); with no hits, 2 for a slot next to the last such miss,
 * else 1.  At most 8 (page-cluster 3), never below half the last window.
 */
#define SWAP_RA_MAX 8u

static unsigned swap_ra_window(struct mm_sys *s, uint64_t off)
{
	struct swap_ra *ra = &s->swap_ra;
	unsigned n;
	pthread_mutex_lock(&ra->lock);
	unsigned hits = ra->hits;
	ra->hits = 0;
	if (!hits) {
		n = off == ra->prev_offset + 1 || off + 1 == ra->prev_offset ? 2 : 1;
		ra->prev_offset = off;
	} else {
		n = 4;
		while (n < hits + 2)
			n <<= 1;
	}
	if (n > SWAP_RA_MAX)
		n = SWAP_RA_MAX;
	if (n < ra->last_ra / 2)
		n = ra->last_ra / 2;
	ra->last_ra = n;
	pthread_mutex_unlock(&ra->lock);
	return n;
}

/*
 * Cluster readahead around a missed slot (Linux's swap_cluster_readahead
 * on a rotational area): every slot of the aligned block of the window
 * that some entry names is read into the swap cache, the others than off
 * marked as read ahead (swap_ra).  The block is in slot space: it reads
 * whatever pages own those slots.
 */
static void swap_readahead(struct mm_sys *s, struct hw_cpu *cpu, uint64_t off, unsigned nid,
			   uint64_t nodemask)
{
	struct swap_info *si = swap_area(s);
	uint64_t mask = swap_ra_window(s, off) - 1;
	if (!mask)
		return;
	uint64_t first = off & ~mask, last = off | mask;
	if (!first)
		first = 1;	/* the header */
	if (last >= si->max)
		last = si->max - 1;
	for (uint64_t o = first; o <= last; o++) {
		bool read;
		int err;
		if (!(swap_count(s, o) & ~SWAP_HAS_CACHE))
			continue;	/* free, or held by the cache alone */
		struct page *p = read_swap_page(s, cpu, o, nid, nodemask, &read, &err);
		if (!p)
			continue;
		if (read && o != off) {
			page_set(p, PG_readahead);
			count_vm_events(s, MMSIM_VM_swap_ra, 1);
		}
		put_page(s, p);
	}
	lru_add_drain_local(s, cpu);
}

struct page *swapin_page(struct mm_sys *s, struct hw_cpu *cpu, uint64_t off, unsigned nid,
			 uint64_t nodemask, bool ra, bool *major, int *err)
{
	bool read;
	struct page *p = ra ? swap_cache_lookup(s, off) : NULL;
	if (!p) {
		if (ra) {
			swap_readahead(s, cpu, off, nid, nodemask);
			if (major)
				*major = true;	/* the lookup missed */
		}
		p = read_swap_page(s, cpu, off, nid, nodemask, &read, err);
		if (!p)
			return NULL;
	}
	*err = 0;
	/* Found while another fault was still reading it: wait for the read. */
	if (!page_test(p, PG_uptodate)) {
		lock_page(p);
		bool ok = page_test(p, PG_uptodate);
		unlock_page(p);
		if (!ok) {
			put_page(s, p);
			*err = -EIO;
			return NULL;
		}
	}
	return p;
}
