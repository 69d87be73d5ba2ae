/*
 * swapfile.c - the swap area: swapon and swapoff, its slots and their
 * counts (swap_map), and the page I/O to and from a slot.
 *
 * A slot's count is what Linux's swap_map holds: the swap entries naming
 * it plus SWAP_HAS_CACHE while the swap cache holds (or is reading) a page
 * for it.  Slots are handed out in order from a cursor, so the pages one
 * pageout writes in address order get neighbouring slots, as Linux's
 * cluster allocator gives them; readahead relies on that.
 *
 * swap_off brings every swapped page back before the area goes (Linux's
 * try_to_unuse): shared-memory objects' swap values first (shmem_unuse),
 * then the page tables of every address space it is given, each swap
 * entry faulted in, then the swap cache is emptied.
 *
 * This file owns struct swap_info and swap_map; the swap cache's pages are
 * swap_state.c's.  Lock order: page lock > swap cache lock > si->lock.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

static void try_to_reclaim_swap(struct mm_sys *s, uint64_t off);

/* swap_map and inuse change under si->lock; swap_count() and
 * swap_free_slots() read them without it: the stores are atomic. */
static void zeromap_change(struct swap_info *si, uint64_t off, bool zero)
{
	uint64_t bit = 1ULL << (off % 64);
	if (zero)
		__atomic_or_fetch(&si->zeromap[off / 64], bit, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&si->zeromap[off / 64], ~bit, __ATOMIC_RELAXED);
}

static void map_store(struct swap_info *si, uint64_t off, unsigned v)
{
	__atomic_store_n(&si->swap_map[off], (uint16_t)v, __ATOMIC_RELAXED);
	if (!v) {
		__atomic_sub_fetch(&si->inuse, 1, __ATOMIC_RELAXED);
		zeromap_change(si, off, false);	/* a free slot holds nothing */
		swap_shadow_store(si, off, 0);	/* nor remembers anything */
		mem_cgroup_uncharge_swap(__atomic_exchange_n(&si->swap_cgroup[off], NULL,
							     __ATOMIC_RELAXED));
	}
}

bool swap_slot_zero(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	return si && off < si->max &&
	       (__atomic_load_n(&si->zeromap[off / 64], __ATOMIC_RELAXED) >> (off % 64)) & 1;
}
static void swap_area_free(struct mm_sys *s, struct swap_info *si);

int swap_on(struct mm_sys *s, uint64_t slots, const struct swap_ops *ops, void *arg)
{
	if (swap_area(s))
		return -EBUSY;
	/* The header takes slot 0: at least one slot must be left. */
	if (slots < 2 || slots > SWAP_MAX_SLOTS)
		return -EINVAL;
	struct swap_info *si = calloc(1, sizeof *si);
	if (!si)
		return -ENOMEM;
	si->swap_map = calloc(slots, sizeof *si->swap_map);
	si->zeromap = calloc(slots / 64 + 1, sizeof *si->zeromap);
	si->swap_cgroup = calloc(slots, sizeof *si->swap_cgroup);
	si->shadow = calloc(slots, sizeof *si->shadow);
	si->cache = mapping_create(s, NULL, si, slots << PAGE_SHIFT);
	if (!si->swap_map || !si->zeromap || !si->swap_cgroup || !si->shadow || !si->cache) {
		free(si->shadow);
		free(si->swap_map);
		free(si->zeromap);
		free(si->swap_cgroup);
		if (si->cache)
			mapping_destroy(s, si->cache);
		free(si);
		return -ENOMEM;
	}
	spin_lock_init(&si->lock);
	si->max = slots;
	si->cursor = 1;
	si->writeok = true;
	si->ops = ops;
	si->arg = arg;
	__atomic_store_n(&s->swap, si, __ATOMIC_RELEASE);
	return 0;
}

uint64_t swap_total_slots(struct mm_sys *s)
{
	struct swap_info *si = swap_area(s);
	return si ? si->max - 1 : 0;
}

uint64_t swap_free_slots(struct mm_sys *s)
{
	struct swap_info *si = swap_area(s);
	if (!si || !__atomic_load_n(&si->writeok, __ATOMIC_RELAXED))
		return 0;	/* none, or going away (swapoff) */
	return si->max - 1 - __atomic_load_n(&si->inuse, __ATOMIC_RELAXED);
}

bool vm_swap_full(struct mm_sys *s)
{
	return swap_free_slots(s) * 2 < swap_total_slots(s);
}

unsigned swap_count(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	if (!si || off >= si->max)
		return 0;
	return __atomic_load_n(&si->swap_map[off], __ATOMIC_RELAXED);
}

/* A free slot, held for the swap cache, or 0 when the area is full. */
uint64_t swap_alloc_slot(struct mm_sys *s)
{
	struct swap_info *si = swap_area(s);
	uint64_t found = 0;
	if (!si)
		return 0;
	spin_lock(&si->lock);
	if (si->writeok && si->inuse < si->max - 1) {
		uint64_t off = si->cursor;
		while (si->swap_map[off]) {
			if (++off == si->max)
				off = 1;
		}
		__atomic_store_n(&si->swap_map[off], SWAP_HAS_CACHE, __ATOMIC_RELAXED);
		__atomic_add_fetch(&si->inuse, 1, __ATOMIC_RELAXED);
		si->cursor = off + 1 == si->max ? 1 : off + 1;
		found = off;
	}
	spin_unlock(&si->lock);
	return found;
}

/* Changes slot off's count by d; returns the new count (si->lock taken). */
static unsigned swap_map_add(struct swap_info *si, uint64_t off, int d)
{
	spin_lock(&si->lock);
	VM_BUG_ON(off == 0 || off >= si->max || !si->swap_map[off]);
	unsigned v = (unsigned)((int)si->swap_map[off] + d);
	map_store(si, off, v);
	spin_unlock(&si->lock);
	return v;
}

int swap_duplicate(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	int err = 0;
	spin_lock(&si->lock);
	VM_BUG_ON(off == 0 || off >= si->max || !si->swap_map[off]);
	if ((si->swap_map[off] & SWAP_MAP_MAX) >= SWAP_MAP_MAX)
		err = -ENOMEM;	/* Linux chains continuation pages; not modelled */
	else
		map_store(si, off, si->swap_map[off] + 1u);
	spin_unlock(&si->lock);
	return err;
}

/* Marks slot off (held for the cache) as a shmem object's. */
void swap_shmem_get(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	spin_lock(&si->lock);
	map_store(si, off, si->swap_map[off] | SWAP_MAP_SHMEM);
	spin_unlock(&si->lock);
}

void free_swap_shmem(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	spin_lock(&si->lock);
	VM_BUG_ON(!(si->swap_map[off] & SWAP_MAP_SHMEM));
	unsigned v = si->swap_map[off] & ~SWAP_MAP_SHMEM;
	map_store(si, off, v);
	spin_unlock(&si->lock);
	if (v == SWAP_HAS_CACHE)
		try_to_reclaim_swap(s, off);
}

int swapcache_prepare(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	int err = 0;
	if (!si || off == 0 || off >= si->max)
		return -ENOENT;
	spin_lock(&si->lock);
	if (!si->swap_map[off])
		err = -ENOENT;
	else if (si->swap_map[off] & SWAP_HAS_CACHE)
		err = -EEXIST;
	else
		map_store(si, off, si->swap_map[off] | SWAP_HAS_CACHE);
	spin_unlock(&si->lock);
	return err;
}

void swapcache_put_slot(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	spin_lock(&si->lock);
	VM_BUG_ON(!(si->swap_map[off] & SWAP_HAS_CACHE));
	map_store(si, off, si->swap_map[off] & ~SWAP_HAS_CACHE);
	spin_unlock(&si->lock);
}

/*
 * The last entry naming a slot is gone, its swap-cache page (if any)
 * remains: Linux drops the page from the swap cache when nobody maps it
 * (or swap is more than half full) and its lock is free now.
 */
static void try_to_reclaim_swap(struct mm_sys *s, uint64_t off)
{
	struct page *p = swap_cache_get(s, off);
	if (!p)
		return;
	if (trylock_page(p)) {
		if (page_test(p, PG_swapcache) && p->private == off &&
		    (!folio_mapcount(p) || vm_swap_full(s)))
			folio_free_swap(s, p);
		unlock_page(p);
	}
	put_page(s, p);
}

void swap_free(struct mm_sys *s, uint64_t off)
{
	swap_map_add(swap_area(s), off, -1);
}

void free_swap_and_cache(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	if (swap_map_add(si, off, -1) == SWAP_HAS_CACHE)
		try_to_reclaim_swap(s, off);
}

int swap_writepage(struct mm_sys *s, struct hw_cpu *cpu, struct page *p)
{
	struct swap_info *si = swap_area(s);
	VM_BUG_ON_PAGE(!page_locked(p) || !page_test(p, PG_swapcache), p);
	uint8_t *frame = hw_frame(s->hw, page_to_pfn(s, p));
	page_clear(p, PG_dirty);
	if (frame_is_zero(frame)) {
		zeromap_change(si, p->private, true);
		return SWAP_WROTE_ZEROS;
	}
	zeromap_change(si, p->private, false);
	set_page_writeback(p);
	int err = si->ops->write(si->arg, p->private, frame);
	if (cpu)
		hw_charge_disk_io(cpu);
	if (err)
		page_set(p, PG_dirty);	/* still only in memory */
	else
		count_vm_events(s, MMSIM_VM_pswpout, 1);
	end_page_writeback(s, p);
	return err;
}

/* ---- swapoff ------------------------------------------------------------------- */

/* Faults every swap entry of mm back in, as Linux's unuse_mm does. */
static int unuse_mm(struct mm_struct *mm, struct hw_cpu *cpu)
{
	int err = 0;
	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (int i = 0; i < mm->vmas.n && !err; i++) {
		struct vm_area_struct *v = mm->vmas.v[i];
		for (uint64_t a = v->vm_start; a < v->vm_end && !err;) {
			struct pmap_entry e;
			spin_lock(&mm->ptl);
			pmap_lookup(&mm->pmap, a, &e);
			spin_unlock(&mm->ptl);
			if (!is_swap_entry(&e)) {
				a += PAGE_SIZE;
				continue;
			}
			/* A read fault maps it back; an error is the swapoff's. */
			err = swap_fault_in(mm, cpu, v, a);
			if (!err)
				a += PAGE_SIZE;
		}
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}

struct cached_pages {
	struct page **v;
	size_t n, cap;
	bool nomem;
};

static void collect_cached(void *arg, uint64_t index, void *item)
{
	struct cached_pages *c = arg;
	(void)index;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct page **v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			c->nomem = true;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	get_page(item);
	c->v[c->n++] = item;
}

/* Every page left in the swap cache (unmapped ones, read ahead or paged
 * out; mapped ones become ordinary anonymous pages) leaves it. */
static int empty_swap_cache(struct mm_sys *s, struct swap_info *si)
{
	struct cached_pages c = { 0 };
	pthread_mutex_lock(&si->cache->lock);
	radix_tree_for_each(&si->cache->pages, collect_cached, &c);
	pthread_mutex_unlock(&si->cache->lock);
	for (size_t i = 0; i < c.n; i++) {
		struct page *p = c.v[i];
		lock_page(p);
		if (page_test(p, PG_swapcache))
			folio_free_swap(s, p);
		unlock_page(p);
		put_page(s, p);
	}
	free(c.v);
	return c.nomem ? -ENOMEM : 0;
}

int swap_off(struct mm_sys *s, struct hw_cpu *cpu, struct mm_struct **mms, unsigned nr)
{
	struct swap_info *si = swap_area(s);
	if (!si)
		return -EINVAL;
	/* No new slots from here on (Linux clears SWP_WRITEOK): reclaim
	 * meanwhile must not send pages back to this area. */
	spin_lock(&si->lock);
	__atomic_store_n(&si->writeok, false, __ATOMIC_RELAXED);
	spin_unlock(&si->lock);
	int err = shmem_unuse(s, cpu);
	for (unsigned i = 0; i < nr && !err; i++)
		err = unuse_mm(mms[i], cpu);
	if (!err)
		err = empty_swap_cache(s, si);
	if (!err && __atomic_load_n(&si->inuse, __ATOMIC_RELAXED))
		err = -EBUSY;	/* a swap entry nobody could reach */
	if (err) {
		spin_lock(&si->lock);
		__atomic_store_n(&si->writeok, true, __ATOMIC_RELAXED);	/* stays on */
		spin_unlock(&si->lock);
		return err;
	}
	uint64_t idx;
	VM_BUG_ON(radix_tree_next(&si->cache->pages, 0, &idx));
	swap_area_free(s, si);
	return 0;
}

static void swap_area_free(struct mm_sys *s, struct swap_info *si)
{
	__atomic_store_n(&s->swap, NULL, __ATOMIC_RELEASE);
	if (si->ops->release)
		si->ops->release(si->arg);
	/* Its pages are keyed by slot, not by index: no truncation.  Empty
	 * after a swapoff; at a failed teardown the machine's memory goes
	 * whole. */
	mapping_destroy(s, si->cache);
	free(si->swap_map);
	free(si->zeromap);
	free(si->swap_cgroup);
	free(si->shadow);
	free(si);
}

void swap_destroy(struct mm_sys *s)
{
	struct swap_info *si = swap_area(s);
	if (!si)
		return;
	/* Every task and object is gone: so must every slot be. */
	int err = swap_off(s, NULL, NULL, 0);
	VM_BUG_ON(err);
	if (err)
		swap_area_free(s, si);
}
