/*
 * lru.c - the LRU lists of each memcg on each node (lruvecs) and the
 * per-CPU batches that feed them.
 *
 * A page that is faulted in is not put on its LRU at once: it waits, with a
 * reference held, in its CPU's batch of up to LRU_BATCH pages, which is
 * spliced onto the lists when full or when drained.  That reference is why
 * migration first drains every CPU's batch (lru_add_drain_all, Linux's
 * migrate_prep): a page still in a batch cannot be isolated.
 *
 * Lists: inactive/active x anon/file, and unevictable for mlocked pages,
 * in the lruvec of the page's memcg on its node (mm.h, struct lruvec).
 * PG_lru is set exactly while a page is on one of those lists; both
 * change only under the node's lru_lock.  PG_unevictable says a page is on
 * (or, isolated, was last on) the unevictable list: it changes only when a
 * page joins a list, which is where Linux counts a page culled (it joins
 * the unevictable list) or rescued (it leaves it), in /proc/vmstat.
 */
#include "mm.h"

#include <errno.h>
#include <string.h>

void lruvec_init(struct lruvec *lv, struct pglist_data *nd, struct mem_cgroup *memcg,
		 uint64_t now_ms)
{
	for (unsigned l = 0; l < NR_LRU_LISTS; l++) {
		list_init(&lv->lists[l]);
		lv->nr_lru[l] = 0;
	}
	lru_gen_init(&lv->lrugen, now_ms);
	lv->nonresident_age = 0;
	lv->pgdat = nd;
	lv->memcg = memcg;
	lv->iter_pos = NULL;
	memset(&lv->mm_state, 0, sizeof lv->mm_state);
	lv->mm_state.seq = MIN_NR_GENS;	/* the first walk is for max_seq MIN_NR_GENS + 1 */
}

struct lruvec *mem_cgroup_lruvec(struct mm_sys *s, struct mem_cgroup *memcg, unsigned nid)
{
	return memcg ? &memcg->lruvec[nid] : &s->node[nid].lruvec;
}

struct lruvec *page_lruvec(struct mm_sys *s, const struct page *p)
{
	return mem_cgroup_lruvec(s, __atomic_load_n(&p->memcg, __ATOMIC_RELAXED),
				 page_to_nid(s, p));
}

/* A classic list's size changes in its lruvec and in its node's total. */
static void count_lru(struct pglist_data *nd, struct lruvec *lv, enum lru_list l, int64_t nr)
{
	__atomic_add_fetch(&lv->nr_lru[l], (uint64_t)nr, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nd->nr_lru[l], (uint64_t)nr, __ATOMIC_RELAXED);
}

/* The list a page joins now: evictability is PG_mlocked's alone. */
static enum lru_list page_lru(const struct page *p)
{
	if (page_test(p, PG_mlocked))
		return LRU_UNEVICTABLE;
	enum lru_list base = page_test(p, PG_swapbacked) ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
	return base + (page_test(p, PG_active) ? 1 : 0);
}

void lru_add_locked(struct mm_sys *s, struct pglist_data *nd, struct page *p)
{
	enum lru_list l = page_lru(p);
	bool was_unevictable = page_test(p, PG_unevictable);
	uint64_t nr = 1ULL << p->order;

	if (l == LRU_UNEVICTABLE) {
		page_clear(p, PG_active);
		page_set(p, PG_unevictable);
		if (!was_unevictable)
			count_vm_events(s, MMSIM_VM_unevictable_pgs_culled, nr);
	} else if (was_unevictable) {
		page_clear(p, PG_unevictable);
		count_vm_events(s, MMSIM_VM_unevictable_pgs_rescued, nr);
	}
	struct lruvec *lv = page_lruvec(s, p);
	VM_BUG_ON_PAGE(lv->pgdat != nd, p);
	if (l != LRU_UNEVICTABLE && !lru_classic(s)) {
		lru_gen_add(lv, p, false);
	} else {
		list_add(&p->lru, &lv->lists[l]);
		/* Pages, as Linux's NR_LRU counts (lru_size() peeks). */
		count_lru(nd, lv, l, (int64_t)nr);
	}
	page_set(p, PG_lru);
}

/* Off its list; reclaiming: for reclaim (MGLRU keeps no trace of the
 * generation), otherwise a page of the two youngest generations leaves
 * with PG_active. */
static void del_locked_for(struct lruvec *lv, struct page *p, bool reclaiming)
{
	if (!lru_gen_del(lv, p, reclaiming)) {
		list_del(&p->lru);
		count_lru(lv->pgdat, lv, page_lru_now(p), -(int64_t)(1ULL << p->order));
	}
	page_clear(p, PG_lru);
}

static void del_locked(struct mm_sys *s, struct page *p)
{
	del_locked_for(page_lruvec(s, p), p, false);
}

/* Linux's pagemap:mm_lru_insertion, for a page that joins a list (not
 * for one moved between lists). */
static TRACE_HELPER void trace_lru_insertion(struct mm_sys *s, const struct page *p)
{
	uint64_t pfn = page_to_pfn(s, p);

	trace_emit("mm_lru_insertion", "folio=%016llx pfn=0x%llx lru=%d flags=%s%s%s%s%s%s",
	      pfn_vmemmap_addr(pfn), (unsigned long long)pfn, (int)page_lru_now(p),
	      folio_mapcount(p) > 0 ? "M" : " ", page_anon(p) ? "a" : "f",
	      page_test(p, PG_swapcache) ? "s" : " ", page_test(p, PG_swapbacked) ? "b" : " ",
	      page_test(p, PG_mappedtodisk) ? "d" : " ", page_test(p, PG_private) ? "B" : " ");
}

/* Puts a page (reference held by the caller) on its list, drops the ref.
 * A page put back after isolation starts its mlock count again (Linux's
 * lru_add); one from a batch keeps what mlock_new_page gave it. */
static void add_and_put(struct mm_sys *s, struct page *p, bool putback)
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	spin_lock(&nd->lru_lock);
	if (putback)
		p->mlock_count = 0;
	lru_add_locked(s, nd, p);
	spin_unlock(&nd->lru_lock);
	if (trace_enabled())
		trace_lru_insertion(s, p);
	put_page(s, p);
}

void lru_add_drain_cpu(struct mm_sys *s, unsigned cpu)
{
	pthread_mutex_lock(&s->lru_add_lock);
	struct lru_batch *b = &s->lru_add[cpu];
	struct page *pages[LRU_BATCH];
	unsigned n = b->nr;
	for (unsigned i = 0; i < n; i++)
		pages[i] = b->pages[i];
	b->nr = 0;
	pthread_mutex_unlock(&s->lru_add_lock);
	for (unsigned i = 0; i < n; i++)
		add_and_put(s, pages[i], false);
}

void lru_add_drain_local(struct mm_sys *s, struct hw_cpu *cpu)
{
	if (cpu)
		lru_add_drain_cpu(s, cpu->id);
}

void lru_add_drain_all(struct mm_sys *s)
{
	for (unsigned c = 0; c < s->hw->nr_cpus; c++)
		lru_add_drain_cpu(s, c);
}

void lru_cache_disable(struct mm_sys *s)
{
	__atomic_add_fetch(&s->lru_disable_count, 1, __ATOMIC_SEQ_CST);
	lru_add_drain_all(s);
}

void lru_cache_enable(struct mm_sys *s)
{
	__atomic_sub_fetch(&s->lru_disable_count, 1, __ATOMIC_SEQ_CST);
}

void lru_cache_add(struct mm_sys *s, unsigned cpu, struct page *p)
{
	get_page(p);
	if (__atomic_load_n(&s->lru_disable_count, __ATOMIC_SEQ_CST)) {
		add_and_put(s, p, false);
		return;
	}
	pthread_mutex_lock(&s->lru_add_lock);
	struct lru_batch *b = &s->lru_add[cpu];
	b->pages[b->nr++] = p;
	/* A huge page does not wait: it drains the batch at once, with the
	 * pages before it (Linux's folio_batch_add_and_move). */
	bool full = b->nr == LRU_BATCH || p->order;
	pthread_mutex_unlock(&s->lru_add_lock);
	if (full)
		lru_add_drain_cpu(s, cpu);
}

int isolate_lru_page(struct mm_sys *s, struct page *p)
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	int ret = -EBUSY;
	spin_lock(&nd->lru_lock);
	if (page_test(p, PG_lru)) {
		get_page(p);
		del_locked(s, p);
		ret = 0;
	}
	spin_unlock(&nd->lru_lock);
	return ret;
}

unsigned isolate_lru_tail(struct lruvec *lv, enum lru_list l, unsigned nr, struct list_head *dst)
{
	struct pglist_data *nd = lv->pgdat;
	struct list_head *h = &lv->lists[l];
	unsigned n = 0;
	spin_lock(&nd->lru_lock);
	struct list_head *pos = h->prev;
	/* A page whose last reference is going (count 0) is left to its
	 * freer, moved out of the way; each page is looked at once at most. */
	for (uint64_t budget = lv->nr_lru[l]; n < nr && budget && pos != h; budget--) {
		struct page *p = list_entry(pos, struct page, lru);
		pos = pos->prev;
		if (!get_page_unless_zero(p)) {
			list_del(&p->lru);
			list_add(&p->lru, h);
			continue;
		}
		del_locked_for(lv, p, true);
		list_add_tail(&p->lru, dst);
		n += 1u << p->order;
	}
	spin_unlock(&nd->lru_lock);
	return n;
}

uint64_t lruvec_size(struct mm_sys *s, struct lruvec *lv, enum lru_list l)
{
	if (l != LRU_UNEVICTABLE && !lru_classic(s))
		return lru_gen_size(lv, l);
	return __atomic_load_n(&lv->nr_lru[l], __ATOMIC_RELAXED);
}

uint64_t lru_size(struct mm_sys *s, unsigned nid, enum lru_list l)
{
	if (l == LRU_UNEVICTABLE || lru_classic(s))
		return __atomic_load_n(&s->node[nid].nr_lru[l], __ATOMIC_RELAXED);
	/* Which generations are active is each lruvec's own to say. */
	struct lruvec *root = mem_cgroup_lruvec(s, NULL, nid);
	uint64_t n = 0;
	for (struct lruvec *lv = root; lv; lv = lruvec_iter(s, root, lv))
		n += lru_gen_size(lv, l);
	return n;
}

uint64_t lruvec_tree_size(struct mm_sys *s, struct lruvec *root, enum lru_list l)
{
	if (!root->memcg)
		return lru_size(s, root->pgdat->id, l);	/* the root's: the node's */
	uint64_t n = 0;
	for (struct lruvec *lv = root; lv; lv = lruvec_iter(s, root, lv))
		n += lruvec_size(s, lv, l);
	return n;
}

void putback_lru_page(struct mm_sys *s, struct page *p)
{
	add_and_put(s, p, true);
}

void rotate_reclaimable_page(struct mm_sys *s, struct page *p)
{
	/* No test of the page lock, unlike Linux's: the writer calling
	 * end_page_writeback may hold it, where Linux's writer dropped it
	 * before the disk completed, and no one else can hold it then. */
	if (page_test(p, PG_dirty) || page_test(p, PG_unevictable))
		return;
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	spin_lock(&nd->lru_lock);
	if (page_test(p, PG_lru) && page_lru(p) != LRU_UNEVICTABLE) {
		struct lruvec *lv = page_lruvec(s, p);
		uint64_t nr = 1ULL << p->order;
		del_locked_for(lv, p, true);
		page_clear(p, PG_active);
		if (lru_classic(s)) {
			enum lru_list l = page_lru(p);
			list_add_tail(&p->lru, &lv->lists[l]);
			count_lru(nd, lv, l, (int64_t)nr);
		} else {
			lru_gen_add(lv, p, true);
		}
		page_set(p, PG_lru);
		count_vm_events(s, MMSIM_VM_pgrotated, nr);
	}
	spin_unlock(&nd->lru_lock);
}

void lru_add_pages(struct mm_sys *s, struct page **pages, unsigned n)
{
	unsigned i = 0;
	while (i < n) {
		unsigned nid = page_to_nid(s, pages[i]);
		struct pglist_data *nd = &s->node[nid];
		spin_lock(&nd->lru_lock);
		unsigned first = i;
		for (; i < n && page_to_nid(s, pages[i]) == nid; i++) {
			pages[i]->mlock_count = 0;
			lru_add_locked(s, nd, pages[i]);
		}
		spin_unlock(&nd->lru_lock);
		if (trace_enabled())
			for (unsigned k = first; k < i; k++)
				trace_lru_insertion(s, pages[k]);
	}
}

void lru_del_freed(struct mm_sys *s, struct page *p)
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	spin_lock(&nd->lru_lock);
	if (page_test(p, PG_lru))
		del_locked_for(page_lruvec(s, p), p, true);	/* freed: no PG_active to carry */
	spin_unlock(&nd->lru_lock);
}

/* Re-files a page whose evictability or activity changed. */
static void relist(struct mm_sys *s, struct page *p, void (*change)(struct page *))
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	spin_lock(&nd->lru_lock);
	bool on = page_test(p, PG_lru);
	if (on)
		del_locked(s, p);
	if (change)
		change(p);
	if (on)
		lru_add_locked(s, nd, p);
	spin_unlock(&nd->lru_lock);
}

static void make_inactive(struct page *p)
{
	page_clear(p, PG_active);
	page_clear(p, PG_referenced);
}

void lru_update_evictable(struct mm_sys *s, struct page *p)
{
	relist(s, p, NULL);
}

/* MGLRU's folio_inc_refs: the tier of a page used through descriptors. */
static void inc_refs(struct page *p)
{
	if (page_test(p, PG_unevictable))
		return;
	if (!page_test(p, PG_referenced)) {
		page_set(p, PG_referenced);
		return;
	}
	if (!page_test(p, PG_workingset)) {
		page_set(p, PG_workingset);
		return;
	}
	uint32_t old = __atomic_load_n(&p->flags, __ATOMIC_RELAXED), new;
	do {
		if ((old & LRU_REFS_MASK) == LRU_REFS_MASK)
			return;
		new = old + (1u << LRU_REFS_SHIFT);
	} while (!__atomic_compare_exchange_n(&p->flags, &old, new, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

/* Sets PG_active on a page waiting in some CPU's batch (Linux looks in
 * the local CPU's only, which is where the access that found it came
 * from): it joins the active list when the batch drains. */
static void activate_in_batch(struct mm_sys *s, struct page *p)
{
	bool found = false;
	pthread_mutex_lock(&s->lru_add_lock);
	for (unsigned c = 0; c < s->hw->nr_cpus && !found; c++)
		for (unsigned i = 0; i < s->lru_add[c].nr && !found; i++)
			found = s->lru_add[c].pages[i] == p;
	if (found)
		page_set(p, PG_active);
	pthread_mutex_unlock(&s->lru_add_lock);
}

/*
 * An evictable page on its list re-filed: activated (Linux's
 * folio_activate: an inactive page) or deactivated (lru_deactivate: with
 * MGLRU any page, on the classic lists an active one), counted in
 * pgactivate or pgdeactivate.  A page off the lists or unevictable is left
 * alone.  Where it goes is lru_add_locked's to say: the active or
 * inactive list, or the generation MGLRU gives such a page.
 */
static void refile_counted(struct mm_sys *s, struct page *p, bool activate)
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	spin_lock(&nd->lru_lock);
	bool move = page_test(p, PG_lru) && !page_test(p, PG_unevictable) &&
		    (activate ? !page_test(p, PG_active)
			      : !lru_classic(s) || page_test(p, PG_active));
	if (move) {
		del_locked(s, p);
		if (activate)
			page_set(p, PG_active);
		else
			make_inactive(p);
		lru_add_locked(s, nd, p);
	}
	spin_unlock(&nd->lru_lock);
	if (move) {
		enum mmsim_vmstat_event ev = activate ? MMSIM_VM_pgactivate : MMSIM_VM_pgdeactivate;
		count_vm_events(s, ev, 1ULL << p->order);
		count_memcg_page_events(s, p, ev, 1ULL << p->order);
	}
}

void mark_page_accessed(struct mm_sys *s, struct page *p)
{
	struct page *head = compound_head(p);

	if (!lru_classic(s)) {
		inc_refs(head);
		return;
	}
	if (!page_test(head, PG_referenced)) {
		page_set(head, PG_referenced);
	} else if (!page_test(head, PG_unevictable) && !page_test(head, PG_active)) {
		if (page_test(head, PG_lru))
			refile_counted(s, head, true);
		else
			activate_in_batch(s, head);
		page_clear(head, PG_referenced);
		workingset_age_nonresident(s, head);
	}
}

void lru_deactivate(struct mm_sys *s, struct page *p)
{
	refile_counted(s, p, false);
}

/*
 * mlock_count, as Linux 6.12 keeps it: set to 1 when a page on its list
 * moves to the unevictable list, raised by every further mlock while it is
 * there, 0 for a page that joins that list from a batch; munlock lowers
 * it and unlocks the page when it reaches 0 (or when the page is off the
 * lists, where the count is not kept).  So a page two locked VMAs map
 * stays locked when one of them lets it go.
 */
void mlock_page(struct mm_sys *s, struct page *p)
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];

	if (!(__atomic_fetch_or(&p->flags, 1u << PG_mlocked, __ATOMIC_RELAXED) &
	      (1u << PG_mlocked))) {
		__atomic_add_fetch(&nd->nr_mlock, 1, __ATOMIC_RELAXED);
		count_vm_events(s, MMSIM_VM_unevictable_pgs_mlocked, 1ULL << p->order);
	}
	spin_lock(&nd->lru_lock);
	if (page_test(p, PG_lru) && page_test(p, PG_unevictable)) {
		if (p->mlock_count < UINT16_MAX)
			p->mlock_count++;
	} else if (page_test(p, PG_lru)) {
		del_locked(s, p);
		lru_add_locked(s, nd, p);	/* culled */
		p->mlock_count = 1;
	}
	spin_unlock(&nd->lru_lock);
}

void mlock_new_page(struct mm_sys *s, struct page *p)
{
	page_set(p, PG_mlocked);
	__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_mlock, 1, __ATOMIC_RELAXED);
	count_vm_events(s, MMSIM_VM_unevictable_pgs_mlocked, 1ULL << p->order);
	p->mlock_count = 1;
}

/*
 * A page off the lists (isolated, or waiting in a batch) that is still on
 * the unevictable list's books is "stranded" by a munlock, as Linux counts
 * it: it is rescued when it joins a list again.
 */
void munlock_page(struct mm_sys *s, struct page *p)
{
	struct pglist_data *nd = &s->node[page_to_nid(s, p)];
	bool still_locked = false;

	if (!page_test(p, PG_mlocked))
		return;
	spin_lock(&nd->lru_lock);
	if (page_test(p, PG_lru) && page_test(p, PG_unevictable) && p->mlock_count &&
	    --p->mlock_count)
		still_locked = true;
	spin_unlock(&nd->lru_lock);
	if (still_locked)
		return;
	page_clear(p, PG_mlocked);
	__atomic_sub_fetch(&s->node[page_to_nid(s, p)].nr_mlock, 1, __ATOMIC_RELAXED);
	count_vm_events(s, page_test(p, PG_lru) || !page_test(p, PG_unevictable) ?
			   MMSIM_VM_unevictable_pgs_munlocked : MMSIM_VM_unevictable_pgs_stranded,
			1ULL << p->order);
	lru_update_evictable(s, p);
}
