/*
 * swapfile.c - the swap area: swapon and swapoff, its slots and their
 * counts (swap_map), and the page I/O to and from a slot.
 *
 * A slot's count is what Linux's swap_map holds: the swap entries naming
 * it plus SWAP_HAS_CACHE while the swap cache holds (or is reading) a page
 * for it, or while it sits in a CPU's slots cache.  Slots come as Linux
 * 6.12 gives them on a rotational area (the reference machine's virtio
 * disk): scan_swap_map_slots takes them in sequence from cluster_next,
 * after a search for a free run of SWAPFILE_CLUSTER, cut short by its
 * latency budget (so the first batch after swapon is slots 1-3); the
 * per-CPU slots cache (mm/swap_slots.c) takes them 64 at a time and hands
 * them out to its CPU's pageouts, and parks slots freed on that CPU until
 * 64 more follow.  A slot is really freed (swap_map 0, memcg uncharged)
 * only when it leaves the return cache, or at once while the cache is off:
 * it is on while more than 5 x 64 slots per CPU are free, off (and
 * drained) below 2 x 64, and off during swapoff.
 *
 * swap_off brings every swapped page back before the area goes (Linux's
 * try_to_unuse): shared-memory objects' swap values first (shmem_unuse),
 * then the page tables of every address space it is given, each swap
 * entry faulted in, then the swap cache is emptied.
 *
 * This file owns struct swap_info and swap_map; the swap cache's pages are
 * swap_state.c's.  Lock order: page lock > swap cache lock >
 * si->slots_cache_lock > a CPU's alloc_lock or free_lock (never both) >
 * si->lock.
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

/* Stores count v for slot off (si->lock held).  A count that drops to 0
 * leaves SWAP_HAS_CACHE in place: the slot goes through free_swap_slot()
 * once the caller lets go of the lock (true). */
static bool map_store(struct swap_info *si, uint64_t off, unsigned v)
{
	__atomic_store_n(&si->swap_map[off], (uint16_t)(v ? v : SWAP_HAS_CACHE), __ATOMIC_RELAXED);
	return !v;
}

__thread int mm_this_cpu = -1;

static struct swap_slots_cache *this_cache(struct mm_sys *s, struct swap_info *si)
{
	int cpu = mm_this_cpu;
	return &si->slots_cache[cpu >= 0 && (unsigned)cpu < s->hw->nr_cpus ? cpu : 0];
}

/* Linux's swap_range_alloc: slot off taken (si->lock held). */
static void slot_take(struct swap_info *si, uint64_t off)
{
	__atomic_store_n(&si->swap_map[off], SWAP_HAS_CACHE, __ATOMIC_RELAXED);
	if (off == si->lowest_bit)
		si->lowest_bit++;
	if (off == si->highest_bit)
		si->highest_bit--;
	if (__atomic_add_fetch(&si->inuse, 1, __ATOMIC_RELAXED) == si->max - 1) {
		si->lowest_bit = si->max;
		si->highest_bit = 0;	/* full: scans stop at once */
	}
}

/* The real free of a slot nobody names (Linux's swap_entry_range_free):
 * its count, data marks and shadow go, and its memcg's swap charge. */
static void slot_release(struct swap_info *si, uint64_t off)
{
	VM_BUG_ON(off == 0 || off >= si->max || si->swap_map[off] != SWAP_HAS_CACHE);
	__atomic_store_n(&si->swap_map[off], 0, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&si->inuse, 1, __ATOMIC_RELAXED);
	zeromap_change(si, off, false);	/* a free slot holds nothing */
	swap_shadow_store(si, off, 0);	/* nor remembers anything */
	mem_cgroup_uncharge_swap(__atomic_exchange_n(&si->swap_cgroup[off], NULL,
						     __ATOMIC_RELAXED));
	if (off < si->lowest_bit)
		si->lowest_bit = off;
	if (off > si->highest_bit)
		si->highest_bit = off;
}

/* Linux's swapcache_free_entries. */
static void swapcache_free_entries(struct swap_info *si, const uint64_t *offs, unsigned n)
{
	if (!n)
		return;
	spin_lock(&si->lock);
	for (unsigned i = 0; i < n; i++)
		slot_release(si, offs[i]);
	spin_unlock(&si->lock);
}

/* Is the slots cache in use (Linux's use_swap_slot_cache: active, and
 * enabled, which it is while the area takes new slots)? */
static bool slots_cache_usable(struct mm_sys *s, struct swap_info *si)
{
	return __atomic_load_n(&s->swap_slots_active, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&si->writeok, __ATOMIC_RELAXED);
}

/*
 * A slot whose last reference went (Linux's free_swap_slot): parked in
 * this CPU's return cache while the cache is on, the parked batch going
 * back first when the list is full; freed at once otherwise.  Rechecked
 * under free_lock: a drain (deactivation, swapoff) clears the flag first,
 * then empties each list under its lock.
 */
static void free_swap_slot(struct mm_sys *s, struct swap_info *si, uint64_t off)
{
	if (slots_cache_usable(s, si)) {
		struct swap_slots_cache *c = this_cache(s, si);
		spin_lock(&c->free_lock);
		if (slots_cache_usable(s, si)) {
			if (c->n_ret >= SWAP_SLOTS_CACHE_SIZE) {
				swapcache_free_entries(si, c->ret, c->n_ret);
				c->n_ret = 0;
			}
			c->ret[c->n_ret++] = off;
			spin_unlock(&c->free_lock);
			return;
		}
		spin_unlock(&c->free_lock);
	}
	swapcache_free_entries(si, &off, 1);
}

/* Empties every CPU's caches (Linux's __drain_swap_slots_cache; the caller
 * holds slots_cache_lock). */
static void drain_slots_caches(struct mm_sys *s, struct swap_info *si)
{
	for (unsigned cpu = 0; cpu < s->hw->nr_cpus; cpu++) {
		struct swap_slots_cache *c = &si->slots_cache[cpu];
		spin_lock(&c->alloc_lock);
		swapcache_free_entries(si, c->slots + c->cur, c->nr);
		c->cur = c->nr = 0;
		spin_unlock(&c->alloc_lock);
		spin_lock(&c->free_lock);
		swapcache_free_entries(si, c->ret, c->n_ret);
		c->n_ret = 0;
		spin_unlock(&c->free_lock);
	}
}

void swap_slots_cache_mark(struct mm_sys *s, uint8_t *mark)
{
	struct swap_info *si = swap_area(s);
	for (unsigned cpu = 0; si && cpu < s->hw->nr_cpus; cpu++) {
		struct swap_slots_cache *c = &si->slots_cache[cpu];
		for (unsigned i = 0; i < c->nr; i++)
			mark[c->slots[c->cur + i]] = 1;
		for (unsigned i = 0; i < c->n_ret; i++)
			mark[c->ret[i]] = 1;
	}
}

void swap_slots_cache_count(struct mm_sys *s, unsigned cpu, unsigned *nr, unsigned *n_ret)
{
	struct swap_info *si = swap_area(s);
	*nr = *n_ret = 0;
	if (!si || cpu >= s->hw->nr_cpus)
		return;
	struct swap_slots_cache *c = &si->slots_cache[cpu];
	spin_lock(&c->alloc_lock);
	*nr = c->nr;
	spin_unlock(&c->alloc_lock);
	spin_lock(&c->free_lock);
	*n_ret = c->n_ret;
	spin_unlock(&c->free_lock);
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
	si->slots_cache = calloc(s->hw->nr_cpus, sizeof *si->slots_cache);
	si->cache = mapping_create(s, NULL, si, slots << PAGE_SHIFT);
	if (!si->swap_map || !si->zeromap || !si->swap_cgroup || !si->shadow ||
	    !si->slots_cache || !si->cache) {
		free(si->slots_cache);
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
	spin_lock_init(&si->slots_cache_lock);
	for (unsigned cpu = 0; cpu < s->hw->nr_cpus; cpu++) {
		spin_lock_init(&si->slots_cache[cpu].alloc_lock);
		spin_lock_init(&si->slots_cache[cpu].free_lock);
	}
	si->max = slots;
	si->lowest_bit = si->cluster_next = 1;
	si->highest_bit = slots - 1;
	si->cluster_nr = 0;
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

/* ---- allocation ---------------------------------------------------------------- */

#define SWAPFILE_CLUSTER 512	/* HPAGE_PMD_NR: Linux's CONFIG_THP_SWAP */
#define LATENCY_LIMIT 256	/* slots a scan looks at before it yields */

/*
 * The first free run of SWAPFILE_CLUSTER slots from lowest_bit (Linux's
 * search when a scan starts a new cluster): its start, or 0 if none.  Each
 * slot looked at but the one completing the run spends the scan's budget.
 */
static uint64_t find_free_cluster(struct swap_info *si, int *lat)
{
	uint64_t last = si->lowest_bit + SWAPFILE_CLUSTER - 1;
	for (uint64_t off = si->lowest_bit; last <= si->highest_bit; off++) {
		if (si->swap_map[off])
			last = off + SWAPFILE_CLUSTER;
		else if (off == last)
			return off - (SWAPFILE_CLUSTER - 1);
		if (--*lat < 0)
			*lat = LATENCY_LIMIT;
	}
	return 0;
}

/* The first free slot in [from, to] into *off, each slot looked at
 * spending the scan's budget (a budget run out sets *scanned_many). */
static bool first_free_in(struct swap_info *si, uint64_t from, uint64_t to, uint64_t *off,
			  int *lat, bool *scanned_many)
{
	for (uint64_t o = from; o <= to; o++) {
		if (--*lat < 0) {
			*lat = LATENCY_LIMIT;
			*scanned_many = true;
		}
		if (!si->swap_map[o]) {
			*off = o;
			return true;
		}
	}
	return false;
}

/* The next free slot after *off up to highest_bit, then from lowest_bit
 * below base (Linux's scan: label); false if none. */
static bool scan_for_free(struct swap_info *si, uint64_t *off, uint64_t base, int *lat,
			  bool *scanned_many)
{
	return first_free_in(si, *off + 1, si->highest_bit, off, lat, scanned_many) ||
	       (base > si->lowest_bit &&
		first_free_in(si, si->lowest_bit, base - 1, off, lat, scanned_many));
}

/*
 * Up to nr free slots into out[], in Linux 6.12's order for a rotational
 * area (scan_swap_map_slots without cluster_info), si->lock held: in
 * sequence from cluster_next while the current cluster lasts, else the
 * first free slot on; the batch ends at the first used slot met, at the
 * area's top, or when the latency budget runs out (it stops a batch that
 * has slots).  Not modelled: taking back a slot only the swap cache holds
 * when swap is more than half full (Linux's vm_swap_full reuse).
 */
static unsigned scan_swap_map_slots(struct swap_info *si, unsigned nr, uint64_t *out)
{
	uint64_t off = si->cluster_next, base = off;
	int lat = LATENCY_LIMIT;
	bool scanned_many = false;
	unsigned got = 0;

	if (si->cluster_nr == 0) {
		if (si->max - 1 - si->inuse >= SWAPFILE_CLUSTER) {
			/* A new cluster: the area's first free run, if any. */
			base = off = si->lowest_bit;
			uint64_t run = find_free_cluster(si, &lat);
			if (run)
				off = si->cluster_next = run;
		}
		si->cluster_nr = SWAPFILE_CLUSTER - 1;
	} else {
		si->cluster_nr--;
	}
	for (;;) {
		if (!si->writeok || !si->highest_bit)
			return got;
		if (off > si->highest_bit)
			base = off = si->lowest_bit;
		if (si->swap_map[off]) {
			if (got)
				break;
			if (!scan_for_free(si, &off, base, &lat, &scanned_many))
				return got;
			continue;
		}
		slot_take(si, off);
		out[got++] = off;
		if (got == nr || off >= si->highest_bit || --lat < 0)
			break;
		if (si->cluster_nr && !si->swap_map[++off]) {
			si->cluster_nr--;
			continue;
		}
		if (scanned_many)
			break;
		uint64_t limit = off < base ? base : si->highest_bit;
		while (off <= limit && --lat > 0 && si->swap_map[off])
			off++;
		if (off > limit || lat <= 0)
			break;
	}
	si->cluster_next = off + 1;
	return got;
}

/* Linux's get_swap_pages for one area: at most nr (and 64) slots. */
static unsigned get_swap_pages(struct swap_info *si, unsigned nr, uint64_t *out)
{
	unsigned got = 0;
	spin_lock(&si->lock);
	uint64_t avail = si->max - 1 - si->inuse;
	if (nr > SWAP_SLOTS_CACHE_SIZE)
		nr = SWAP_SLOTS_CACHE_SIZE;
	if (nr > avail)
		nr = (unsigned)avail;
	if (nr && si->writeok && si->highest_bit)
		got = scan_swap_map_slots(si, nr, out);
	spin_unlock(&si->lock);
	return got;
}

/*
 * Linux's check_cache_active: the cache comes on when more than 5 x 64
 * slots per online CPU are free, goes off (draining every CPU's caches)
 * when fewer than 2 x 64 are.  Free slots are nr_swap_pages: those in a
 * cache are not.
 */
static bool check_cache_active(struct mm_sys *s, struct swap_info *si)
{
	if (!__atomic_load_n(&si->writeok, __ATOMIC_RELAXED))
		return false;
	uint64_t pages = swap_free_slots(s), cpus = s->hw->nr_cpus;
	bool active = __atomic_load_n(&s->swap_slots_active, __ATOMIC_RELAXED);
	if (!active && pages > cpus * 5 * SWAP_SLOTS_CACHE_SIZE) {
		spin_lock(&si->slots_cache_lock);
		__atomic_store_n(&s->swap_slots_active, true, __ATOMIC_RELAXED);
		spin_unlock(&si->slots_cache_lock);
	} else if (active && pages < cpus * 2 * SWAP_SLOTS_CACHE_SIZE) {
		spin_lock(&si->slots_cache_lock);
		__atomic_store_n(&s->swap_slots_active, false, __ATOMIC_RELAXED);
		drain_slots_caches(s, si);
		spin_unlock(&si->slots_cache_lock);
	}
	return __atomic_load_n(&s->swap_slots_active, __ATOMIC_RELAXED);
}

/* A slot from this CPU's cache, refilled with a batch when empty. */
static uint64_t alloc_from_cache(struct mm_sys *s, struct swap_info *si)
{
	struct swap_slots_cache *c = this_cache(s, si);
	uint64_t off = 0;
	spin_lock(&c->alloc_lock);
	if (!c->nr && slots_cache_usable(s, si)) {
		c->cur = 0;
		c->nr = get_swap_pages(si, SWAP_SLOTS_CACHE_SIZE, c->slots);
	}
	if (c->nr) {
		off = c->slots[c->cur++];
		c->nr--;
	}
	spin_unlock(&c->alloc_lock);
	return off;
}

/* A free slot, held for the swap cache, or 0 when the area is full
 * (Linux's folio_alloc_swap before its memcg charge). */
uint64_t swap_alloc_slot(struct mm_sys *s)
{
	struct swap_info *si = swap_area(s);
	uint64_t off = 0;
	if (!si)
		return 0;
	if (check_cache_active(s, si))
		off = alloc_from_cache(s, si);
	if (!off)
		get_swap_pages(si, 1, &off);
	return off;
}

/* Changes slot off's count by d (si->lock taken); returns the new count.
 * A slot left with no reference goes to free_swap_slot. */
static unsigned swap_map_add(struct mm_sys *s, struct swap_info *si, uint64_t off, int d)
{
	spin_lock(&si->lock);
	VM_BUG_ON(off == 0 || off >= si->max || !si->swap_map[off]);
	unsigned v = (unsigned)((int)si->swap_map[off] + d);
	bool last = map_store(si, off, v);
	spin_unlock(&si->lock);
	if (last)
		free_swap_slot(s, si, off);
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
	bool last = map_store(si, off, v);
	spin_unlock(&si->lock);
	if (last)
		free_swap_slot(s, si, off);
	else if (v == SWAP_HAS_CACHE)
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
	bool last = map_store(si, off, si->swap_map[off] & ~SWAP_HAS_CACHE);
	spin_unlock(&si->lock);
	if (last)
		free_swap_slot(s, si, off);	/* Linux's put_swap_folio */
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
	swap_map_add(s, swap_area(s), off, -1);
}

void free_swap_and_cache(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	if (swap_map_add(s, si, off, -1) == SWAP_HAS_CACHE)
		try_to_reclaim_swap(s, off);
}

/* Linux 6.12's swap_is_last_map: every slot of the run holds the same
 * count, one entry (with or without a cache page); *cached says which. */
static bool run_is_last_map(struct swap_info *si, uint64_t off, unsigned nr, bool *cached)
{
	unsigned v = si->swap_map[off];
	if ((v & ~SWAP_HAS_CACHE) != 1)
		return false;
	for (unsigned i = 1; i < nr; i++)
		if (si->swap_map[off + i] != v)
			return false;
	*cached = v & SWAP_HAS_CACHE;
	return true;
}

/* The run's entries go in one step (Linux's __swap_entries_free fast
 * path); false if the run does not qualify.  A run without cache pages
 * is freed at once, past the return cache; one with them leaves each
 * slot to its page (*cached). */
static bool free_run(struct swap_info *si, uint64_t off, unsigned nr, bool *cached)
{
	if (nr <= 1 || nr > SWAPFILE_CLUSTER - off % SWAPFILE_CLUSTER)
		return false;
	spin_lock(&si->lock);
	bool ok = run_is_last_map(si, off, nr, cached);
	for (unsigned i = 0; ok && i < nr; i++) {
		__atomic_store_n(&si->swap_map[off + i], SWAP_HAS_CACHE, __ATOMIC_RELAXED);
		if (!*cached)
			slot_release(si, off + i);
	}
	spin_unlock(&si->lock);
	return ok;
}

void free_swap_and_cache_nr(struct mm_sys *s, uint64_t off, unsigned nr)
{
	bool cached = true;
	if (!free_run(swap_area(s), off, nr, &cached)) {
		for (unsigned i = 0; i < nr; i++)
			free_swap_and_cache(s, off + i);
		return;
	}
	/* Then the pages of slots only the swap cache holds now. */
	for (unsigned i = 0; cached && i < nr; i++)
		if (swap_count(s, off + i) == SWAP_HAS_CACHE)
			try_to_reclaim_swap(s, off + i);
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

/*
 * Faults every swap entry of mm back in, as Linux's unuse_mm does.  The
 * pages are charged to the memcg their slots were (swap_cgroup); one at
 * its limit may OOM-kill mm's process: that is the allocation's own
 * process (alloc_for_mm), so the kill does not reap it under our
 * mmap_lock, the page is not brought in and swapoff fails with ENOMEM, as
 * Linux's does; its memory goes once the lock is let go (the
 * oom_reaper's work).
 */
static int unuse_mm(struct mm_struct *mm, struct hw_cpu *cpu)
{
	int err = 0;
	struct mm_struct *outer = alloc_for_mm;
	alloc_for_mm = mm;
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
	alloc_for_mm = outer;
	if (__atomic_load_n(&mm->oom_victim, __ATOMIC_ACQUIRE))
		oom_reap_mm(mm, cpu);
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
	/* The slots caches go off with it (Linux's
	 * disable_swap_slots_cache_lock): what they hold is freed now, and
	 * slots freed from here on are freed at once. */
	spin_lock(&si->slots_cache_lock);
	drain_slots_caches(s, si);
	spin_unlock(&si->slots_cache_lock);
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
	free(si->slots_cache);
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
