/*
 * vmscan.c - reclaim: freeing pages that are on no one's critical path,
 * as Linux 6.12's shrink_folio_list does it, for a list of isolated pages.
 *
 * For each page, locked: an mlocked page goes back (to the unevictable
 * list); an anonymous page gets a swap slot and a place in the swap cache
 * (add_to_swap) - without swap, or with the area full, it is activated;
 * every mapping is then unmapped through rmap (anonymous mappings become
 * swap entries, file mappings go), with one TLB flush per address space;
 * a dirty swap-cache page is written to its slot (pageout); a clean,
 * unmapped page leaves its cache and is freed.
 *
 * The write of a pageout completes later on a real disk, and Linux 6.12
 * finds the page still under writeback and keeps it: after MADV_PAGEOUT
 * the page stays in the swap cache, unmapped and clean, until a later
 * reclaim frees it (a fault meanwhile maps it again without reading).
 * mmsim's write is done at once but keeps the page the same way.
 *
 * Dirty file pages are not written from here (Linux leaves that to the
 * flusher threads unless kswapd is in trouble): unmapped, they are
 * marked PG_reclaim and activated, and when their write ends
 * (end_page_writeback) they are rotated to the old end of the lists
 * (lru.c's rotate_reclaimable_page, counted in pgrotated).  A dirty shared-memory page moves to the swap cache (Linux's
 * shmem_writepage) and is written as an anonymous one; without swap it is
 * activated.  An anonymous huge page is split and its pieces reclaimed one
 * by one.
 *
 * Memory pressure (try_to_free_pages, the allocator's direct reclaim):
 * the oldest pages of each allowed node's inactive lists are isolated, a
 * batch at a time, and aged by their accessed bits (folio_referenced): a
 * page used since the last look gets a second chance (back to the young
 * end, PG_referenced), one used twice or by a locked VMA is kept
 * (pgactivate), the others are reclaimed as above - here a page whose
 * write is done is freed at once.  The scan grows as Linux's priority
 * falls from 12 to 0 (1/4096 of each list, then more) until 32 pages are
 * freed.  A node's pass walks the lruvecs of the memcgs under the
 * reclaim's target (shrink_node, Linux's shrink_node_memcgs) - but the
 * machine's reclaim under MGLRU takes them in the order of the node's
 * memcg LRU (Linux's shrink_many and shrink_one); which pages of an
 * lruvec are looked at is the LRU's: the classic active/inactive lists
 * (shrink_lruvec_classic) or the multi-generational LRU's oldest
 * generation (shrink_lruvec_gen, with lru_gen.c).
 *
 * Owns kswapd's state in pglist_data; works through lru.c, lru_gen.c,
 * rmap.c, swap_state.c, swapfile.c and filemap.c.  Called with no
 * spinlock held.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

#define SWAP_CLUSTER_MAX 32	/* pages a reclaim pass wants, and its batch */
#define DEF_PRIORITY 12

struct scan_control {
	struct hw_cpu *cpu;		/* NULL: kswapd, a kernel thread */
	bool kswapd;
	bool ignore_references;	/* MADV_PAGEOUT: the caller chose the pages */
	bool no_demotion;	/* MADV_PAGEOUT: free, never move to a lower tier */
	bool keep_written;	/* MADV_PAGEOUT: a page written stays cached */
	struct mem_cgroup *target;	/* memcg reclaim: its pages only (NULL: all) */
	bool ignore_low;	/* nothing else was free: memory.low yields */
	bool met_low;		/* a memcg memory.low protected was passed over */
	bool lru_gen;		/* MGLRU eviction: what stays goes back youngest */
	/* The classic lists' pass over a node (prepare_scan_control): may
	 * the active lists of each kind be deactivated (the target's
	 * inactive list is low), are the node's file pages too few to
	 * scan, are there enough inactive file pages to reclaim only them. */
	bool may_deactivate[2], file_is_tiny, cache_trim_mode;
};

/* May reclaim take lv's pages (Linux's shrink_node_memcgs)?  Not when its
 * memcg's effective memory.min covers its usage; not when memory.low does,
 * unless nothing else could be freed, and then its `low` event counts. */
static bool lruvec_reclaimable(struct mm_sys *s, struct scan_control *sc, const struct lruvec *lv)
{
	mem_cgroup_calculate_protection(s, sc->target, lv->memcg);
	if (mem_cgroup_below_min(sc->target, lv->memcg))
		return false;
	if (mem_cgroup_below_low(sc->target, lv->memcg)) {
		if (!sc->ignore_low) {
			sc->met_low = true;
			return false;
		}
		memcg_event(lv->memcg, MEMCG_LOW);
	}
	return true;
}

enum reclaim_verdict {
	RECLAIM_KEEP,		/* back on its list as it was */
	RECLAIM_ACTIVATE,	/* back, activated (counted in pgactivate) */
	RECLAIM_FREED,		/* gone: the caller's reference is the last */
	RECLAIM_REQUEUED,	/* split: its pieces are on the list */
	RECLAIM_DEMOTE,		/* to be moved to a lower tier, unlocked */
};

/* Linux's can_demote: may this reclaim move node nid's cold pages to a
 * lower memory tier instead of freeing them? */
static bool can_demote(struct mm_sys *s, const struct scan_control *sc, unsigned nid)
{
	return !sc->no_demotion && node_can_demote(s, nid);
}

/* An anonymous page needs a swap slot and a place in the swap cache
 * before it can go: true once it has them (or is not anonymous). */
static bool swap_slot_ready(struct mm_sys *s, struct page *p)
{
	if (!page_anon(p) || page_test(p, PG_swapcache))
		return true;
	return swap_area(s) && !add_to_swap(s, p);
}

static bool unmap_all(struct mm_sys *s, struct hw_cpu *cpu, struct page *p)
{
	if (!folio_mapcount(p))
		return true;
	struct tlb_batch b;
	tlb_batch_init(&b);
	try_to_unmap(s, cpu, p, &b);
	/* No store may reach the page through a stale TLB entry once it is
	 * written or freed. */
	tlb_batch_flush(&b, cpu);
	return !folio_mapcount(p);
}

/*
 * Linux's folio_check_references: what the accessed bits say about a page
 * reclaim found at the old end of its list.
 */
static enum reclaim_verdict check_references(struct page *p)
{
	uint64_t vm_flags;
	unsigned young = folio_referenced(p, &vm_flags);
	bool referenced = page_test(p, PG_referenced);
	bool file = !page_test(p, PG_swapbacked);
	page_clear(p, PG_referenced);
	if (vm_flags & VM_LOCKED)
		return RECLAIM_ACTIVATE;
	if (young) {
		page_set(p, PG_referenced);
		/* Used twice (or by two mappings), or a file's code: keep it. */
		if (referenced || young > 1 || ((vm_flags & VM_EXEC) && file))
			return RECLAIM_ACTIVATE;
		return RECLAIM_KEEP;	/* a second chance */
	}
	/* Used once, long ago (Linux's FOLIOREF_RECLAIM_CLEAN) or never: it
	 * may go - a dirty file page is activated below either way. */
	return RECLAIM_FREED;
}

static enum reclaim_verdict shrink_locked_page(struct mm_sys *s, const struct scan_control *sc,
					       struct page *p, bool demote)
{
	struct hw_cpu *cpu = sc->cpu;
	if (page_test(p, PG_mlocked))
		return RECLAIM_ACTIVATE;	/* not counted: it goes unevictable */
	/* Another thread's write in flight: marked to be rotated when it
	 * ends, activated meanwhile (Linux's global reclaim; the race with
	 * the write's end that leaves a clean page marked - PG_readahead -
	 * is Linux's too). */
	if (page_test(p, PG_writeback)) {
		page_set(p, PG_reclaim);
		return RECLAIM_ACTIVATE;
	}
	/* An orphan: a read-ahead swap-cache page (no mapping of its own)
	 * whose slot was freed while we held it isolated leaves the cache
	 * dirty, belonging to nobody.  Freed if ours is the last reference,
	 * as Linux's shrink_folio_list frees a folio with no mapping. */
	if (!__atomic_load_n(&p->mapping, __ATOMIC_RELAXED) && !page_test(p, PG_swapcache) &&
	    !folio_mapcount(p))
		return page_count(p) == 1 ? RECLAIM_FREED : RECLAIM_KEEP;
	if (!sc->ignore_references) {
		enum reclaim_verdict v = check_references(p);
		if (v != RECLAIM_FREED)
			return v;
	}
	/* Cold enough to go: before it is swapped or dropped, a lower tier
	 * may take it, dirty or clean, mapped or not. */
	if (demote)
		return RECLAIM_DEMOTE;
	if (!swap_slot_ready(s, p))
		return RECLAIM_ACTIVATE;	/* no swap, or the area is full */
	if (!unmap_all(s, cpu, p))
		return RECLAIM_ACTIVATE;
	if (page_test(p, PG_dirty)) {
		/* Shared memory goes to the swap cache first (without swap it
		 * stays, unmapped); a dirty file page is the flushers'. */
		if (!page_test(p, PG_swapcache) && page_test(p, PG_swapbacked) &&
		    (!swap_area(s) || shmem_writeout(s, p)))
			return RECLAIM_ACTIVATE;
		if (!page_test(p, PG_swapcache)) {
			/* A dirty file page: the flusher's to write; reclaim
			 * marks it to be rotated back to the old end when its
			 * write ends, and activates it meanwhile - before the
			 * references' verdict, as Linux. */
			page_set(p, PG_reclaim);
			return RECLAIM_ACTIVATE;
		}
		/* Linux's pageout: marked for rotation at the write's end,
		 * unmarked if it ended within the call (here it always has:
		 * the page is off the lists, so it was not moved). */
		page_set(p, PG_reclaim);
		int w = swap_writepage(s, cpu, p);
		if (!page_test(p, PG_writeback))
			page_clear(p, PG_reclaim);
		if (w < 0)
			return RECLAIM_ACTIVATE;
		if (w != SWAP_WROTE_ZEROS && sc->keep_written)
			return RECLAIM_KEEP;	/* "still under writeback" (see above) */
	}
	if (page_test(p, PG_private) && !try_to_free_buffers(s, p))
		return RECLAIM_KEEP;
	return remove_mapping(s, p, sc->target) ? RECLAIM_FREED : RECLAIM_KEEP;
}

/*
 * A huge page: an anonymous one is swapped out as 512 small pages (the
 * swap area gives no 512-slot cluster, as Linux 6.12's does not on this
 * kind of disk: thp_swpout_fallback) - split, its pieces queued on list
 * to be reclaimed one by one; even without swap, as Linux.  Others are
 * activated whole (file and shared-memory huge pages: not modelled).
 */
static enum reclaim_verdict shrink_huge_page(struct mm_sys *s, struct hw_cpu *cpu, struct page *p,
					     struct list_head *list)
{
	if (page_test(p, PG_mlocked))
		return RECLAIM_ACTIVATE;
	if (!page_anon(p) || page_test(p, PG_swapcache))
		return RECLAIM_ACTIVATE;
	struct list_head pieces;
	list_init(&pieces);
	if (split_huge_page_to_list(s, cpu, p, &pieces))
		return RECLAIM_ACTIVATE;
	count_vm_events(s, MMSIM_VM_thp_swpout_fallback, 1);
	while (!list_empty(&pieces)) {
		struct page *q = list_entry(pieces.next, struct page, lru);
		list_del(&q->lru);
		list_add_tail(&q->lru, list);
	}
	return RECLAIM_REQUEUED;
}

/* memory.stat's pgscan_ or pgsteal_ (steal) _kswapd or _direct for a page
 * of a reclaim batch, on its memcg: unlike /proc/vmstat's, also in a
 * memcg's own reclaim (direct), as Linux's __count_memcg_events. */
static void count_memcg_reclaim(struct mm_sys *s, const struct scan_control *sc,
				const struct page *p, bool steal)
{
	enum mmsim_vmstat_event ev = steal ? MMSIM_VM_pgsteal_kswapd : MMSIM_VM_pgscan_kswapd;
	if (!sc->kswapd)
		ev = steal ? MMSIM_VM_pgsteal_direct : MMSIM_VM_pgscan_direct;
	count_memcg_page_events(s, p, ev, 1ULL << p->order);
}

/* Where a demoted page goes (Linux's alloc_demote_folio): the chosen
 * node of the next tier, else any lower-tier node in the fallback order
 * of that node; never by direct reclaim (kswapd is woken), and whatever
 * the pages' cpuset or memory policy. */
struct demote_target {
	unsigned nid;
	uint64_t allowed;
};

static struct page *alloc_demote_page(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
				      unsigned long priv)
{
	const struct demote_target *t = (const void *)priv;
	struct page *p = alloc_pages_node(s, cpu, t->nid, src->order, GFP_THISNODE);
	return p ? p : alloc_pages_mask(s, cpu, t->nid, src->order, 0, t->allowed);
}

/* Linux's demote_folio_list: migrates the pages on list (isolated, all of
 * node nid's lruvec) to the tier below; those that could not go stay on
 * list.  Returns the pages (base pages) demoted. */
static unsigned demote_page_list(struct mm_sys *s, const struct scan_control *sc, unsigned nid,
				 struct list_head *list)
{
	int target = next_demotion_node(s, nid);
	if (target < 0)
		return 0;
	struct demote_target t = { (unsigned)target, node_demotion_targets(s, nid) };
	struct mem_cgroup *memcg = list_entry(list->next, struct page, lru)->memcg;
	uint64_t before = 0, after = 0;
	for (struct list_head *e = list->next; e != list; e = e->next)
		before += 1ULL << list_entry(e, struct page, lru)->order;
	migrate_pages_for(s, sc->cpu, list, alloc_demote_page, (unsigned long)&t, MIGRATE_ASYNC,
			  MR_DEMOTION, NULL);
	for (struct list_head *e = list->next; e != list; e = e->next)
		after += 1ULL << list_entry(e, struct page, lru)->order;
	unsigned nr = (unsigned)(before - after);
	count_vm_events(s, sc->kswapd ? MMSIM_VM_pgdemote_kswapd : MMSIM_VM_pgdemote_direct, nr);
	if (!sc->ignore_references)
		count_memcg_events(memcg, sc->kswapd ? MMSIM_VM_pgsteal_kswapd
						     : MMSIM_VM_pgsteal_direct, nr);
	return nr;
}

/* Puts a page reclaim keeps back on its list, active if so decided. */
static void keep_page(struct mm_sys *s, const struct scan_control *sc, struct page *p,
		      enum reclaim_verdict v)
{
	if (v == RECLAIM_ACTIVATE && !page_test(p, PG_mlocked)) {
		/* To the active list, or the youngest generation (the
		 * classic refault clock counts it). */
		page_set(p, PG_active);
		if (lru_classic(s))
			workingset_age_nonresident(s, p);
		count_vm_events(s, MMSIM_VM_pgactivate, 1ULL << p->order);
		count_memcg_page_events(s, p, MMSIM_VM_pgactivate, 1ULL << p->order);
	}
	if (sc->lru_gen && !page_test(p, PG_mlocked))
		/* Linux's evict_folios: a page that stays (used, mapped,
		 * dirty, or retried once in vain) is not put back in the
		 * oldest generation but in the youngest, its tier gone. */
		flags_set_bits(p, LRU_REFS_MASK | (1u << PG_referenced) | (1u << PG_workingset),
			       1u << PG_active);
	putback_lru_page(s, p);
}

/*
 * Reclaims what it can of the isolated pages on list (all of one lruvec,
 * or MADV_PAGEOUT's); puts back the rest.  With a lower tier to demote
 * to, the pages found cold are first moved there (Linux's demote pass);
 * those that could not be go round again to be reclaimed as usual, as
 * Linux's do outside proactive reclaim.  Returns the pages freed or
 * demoted.
 */
static unsigned shrink_page_list(struct mm_sys *s, const struct scan_control *sc,
				 struct list_head *list)
{
	if (list_empty(list))
		return 0;
	unsigned freed = 0, nid = page_to_nid(s, list_entry(list->next, struct page, lru));
	struct list_head demote_list;
	list_init(&demote_list);
	bool demote = can_demote(s, sc, nid);
	for (;;) {
		while (!list_empty(list)) {
			struct page *p = list_entry(list->next, struct page, lru);
			list_del(&p->lru);
			enum reclaim_verdict v = RECLAIM_KEEP;
			if (p->order && !demote) {
				v = shrink_huge_page(s, sc->cpu, p, list);
				if (v == RECLAIM_REQUEUED)
					continue;
			} else if (trylock_page(p)) {
				v = shrink_locked_page(s, sc, p, demote);
				unlock_page(p);
			}
			if (v == RECLAIM_DEMOTE) {
				list_add_tail(&p->lru, &demote_list);
				continue;
			}
			if (v == RECLAIM_FREED) {
				freed++;
				if (!sc->ignore_references)	/* not MADV_PAGEOUT's */
					count_memcg_reclaim(s, sc, p, true);
				put_page(s, p);
				continue;
			}
			keep_page(s, sc, p, v);
		}
		if (list_empty(&demote_list))
			return freed;
		freed += demote_page_list(s, sc, nid, &demote_list);
		list_splice_tail_init(&demote_list, list);
		demote = false;
	}
}

unsigned reclaim_pages(struct mm_sys *s, struct hw_cpu *cpu, struct list_head *list)
{
	struct scan_control sc = { .cpu = cpu, .ignore_references = true, .keep_written = true,
				   .no_demotion = true };
	return shrink_page_list(s, &sc, list);
}

/* ---- memory pressure --------------------------------------------------------------- */

/* Counts a batch reclaim looked at (scanned) and freed, under Linux's
 * names: by whom (the machine's reclaim only) and of which kind. */
static void count_reclaim(struct mm_sys *s, const struct scan_control *sc, bool file,
			  unsigned scanned, unsigned freed)
{
	if (!sc->target) {
		count_vm_events(s, sc->kswapd ? MMSIM_VM_pgscan_kswapd : MMSIM_VM_pgscan_direct,
				scanned);
		count_vm_events(s, sc->kswapd ? MMSIM_VM_pgsteal_kswapd : MMSIM_VM_pgsteal_direct,
				freed);
	}
	count_vm_events(s, file ? MMSIM_VM_pgscan_file : MMSIM_VM_pgscan_anon, scanned);
	count_vm_events(s, file ? MMSIM_VM_pgsteal_file : MMSIM_VM_pgsteal_anon, freed);
}

/* Scans up to nr pages from the old end of lruvec lv's list l, a batch at
 * a time, until `want` pages are freed.  Returns the pages freed. */
static unsigned shrink_list(struct mm_sys *s, struct scan_control *sc, struct lruvec *lv,
			    enum lru_list l, uint64_t nr, unsigned want)
{
	bool file = l == LRU_INACTIVE_FILE || l == LRU_ACTIVE_FILE;
	unsigned freed = 0;
	while (nr && freed < want) {
		struct list_head batch;
		list_init(&batch);
		unsigned n = isolate_lru_tail(lv, l, nr < SWAP_CLUSTER_MAX ? (unsigned)nr : SWAP_CLUSTER_MAX,
					      &batch);
		if (!n)
			break;
		nr -= n < nr ? n : nr;
		for (struct list_head *e = batch.next; e != &batch; e = e->next)
			count_memcg_reclaim(s, sc, list_entry(e, struct page, lru), false);
		unsigned f = shrink_page_list(s, sc, &batch);
		count_reclaim(s, sc, file, n, f);
		freed += f;
	}
	/* Some reclaim got somewhere here: kswapd may try again. */
	if (freed)
		__atomic_store_n(&lv->pgdat->kswapd_failures, 0, __ATOMIC_RELAXED);
	return freed;
}

/* ---- the classic active/inactive lists ------------------------------------------- */

static bool is_file_lru(enum lru_list l)
{
	return l == LRU_INACTIVE_FILE || l == LRU_ACTIVE_FILE;
}

static bool is_active_lru(enum lru_list l)
{
	return l == LRU_ACTIVE_ANON || l == LRU_ACTIVE_FILE;
}

/*
 * Linux's inactive_is_low: the inactive list of a kind should hold at
 * least 1/ratio of the kind's pages, ratio being int_sqrt(10 x the GiB
 * the two lists hold) (1 below a GiB): 3 at 1 GiB, 10 at 10 GiB.
 */
static bool sizes_inactive_low(uint64_t in, uint64_t act)
{
	uint64_t gb = (in + act) >> (30 - PAGE_SHIFT), ratio = 1;
	if (gb)
		while ((ratio + 1) * (ratio + 1) <= 10 * gb)
			ratio++;
	return in * ratio < act;
}

static bool inactive_is_low(struct mm_sys *s, struct lruvec *lv, enum lru_list inactive)
{
	return sizes_inactive_low(lruvec_size(s, lv, inactive), lruvec_size(s, lv, inactive + 1));
}

/*
 * Linux's prepare_scan_control, for the classic lists: what the target's
 * lists as a whole (the node's for the machine's reclaim) say about this
 * pass.  An active list may be deactivated when the target's inactive
 * list of its kind is low; the machine's reclaim finds the file pages
 * tiny when they and the free pages are under the high watermark and
 * there are inactive anonymous pages to scan; cache_trim_mode when there
 * are inactive file pages enough and no need to deactivate file pages.
 */
static void prepare_scan(struct mm_sys *s, struct scan_control *sc, unsigned nid, int priority)
{
	struct lruvec *target = mem_cgroup_lruvec(s, sc->target, nid);
	uint64_t size[NR_LRU_LISTS];
	for (enum lru_list l = LRU_INACTIVE_ANON; l <= LRU_ACTIVE_FILE; l++)
		size[l] = lruvec_tree_size(s, target, l);
	for (int file = 0; file < 2; file++) {
		enum lru_list in = file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
		sc->may_deactivate[file] = sizes_inactive_low(size[in], size[in + 1]);
	}
	sc->cache_trim_mode = size[LRU_INACTIVE_FILE] >> priority && !sc->may_deactivate[1];
	sc->file_is_tiny = !sc->target &&
			   (int64_t)(size[LRU_INACTIVE_FILE] + size[LRU_ACTIVE_FILE]) +
					   node_pages_above(s, nid, WMARK_HIGH) <= 0 &&
			   !sc->may_deactivate[0] && size[LRU_INACTIVE_ANON] >> priority;
}

/*
 * Linux's shrink_active_list: up to nr pages from the old end of an active
 * list are looked at (pgrefill, the machine's reclaim only).  A file page
 * of a program's code that was used since the last look stays active (it
 * goes to the young end); every other page goes to the young end of the
 * inactive list, marked PG_workingset (pgdeactivate).  A page whose lock
 * is taken is left active (Linux's rmap contention: rotate).
 */
static void shrink_active_list(struct mm_sys *s, struct scan_control *sc, struct lruvec *lv,
			       enum lru_list l, unsigned nr)
{
	struct list_head batch;
	list_init(&batch);
	unsigned n = isolate_lru_tail(lv, l, nr, &batch);
	if (!sc->target)
		count_vm_events(s, MMSIM_VM_pgrefill, n);
	for (struct list_head *e = batch.next; e != &batch; e = e->next) {
		const struct page *q = list_entry(e, struct page, lru);
		count_memcg_page_events(s, q, MMSIM_VM_pgrefill, 1ULL << q->order);
	}
	uint64_t deactivated = 0;
	while (!list_empty(&batch)) {
		struct page *p = list_entry(batch.next, struct page, lru);
		list_del(&p->lru);
		bool keep = page_test(p, PG_mlocked);
		if (!keep && trylock_page(p)) {
			uint64_t vm_flags;
			if (folio_referenced(p, &vm_flags) && (vm_flags & VM_EXEC) && is_file_lru(l))
				keep = true;
			unlock_page(p);
		} else {
			keep = true;
		}
		if (!keep) {
			page_clear(p, PG_active);
			page_clear(p, PG_referenced);
			page_set(p, PG_workingset);
			deactivated += 1ULL << p->order;
			count_memcg_page_events(s, p, MMSIM_VM_pgdeactivate, 1ULL << p->order);
		} else if (!page_test(p, PG_mlocked)) {
			workingset_age_nonresident(s, p);
		}
		putback_lru_page(s, p);
	}
	count_vm_events(s, MMSIM_VM_pgdeactivate, deactivated);
}

/*
 * Linux's get_scan_count, with equal reclaim costs for the two kinds: how
 * many pages of each evictable list of lruvec lv this pass looks at, each
 * list's size shifted down by the priority.  In Linux's order: no swap
 * for the memcg, the file lists only; priority 0 (the last try), both
 * kinds alike; file_is_tiny, the anonymous lists only; cache_trim_mode,
 * the file lists only (prepare_scan says which).  A list of a memcg with
 * an effective protection is first cut to the part of it beyond the
 * protection (at least 32 pages).  Otherwise swappiness
 * shares the pass out, anonymous swappiness / 200, file
 * (200 - swappiness) / 200, rounded up.
 */
static void get_scan_count(struct mm_sys *s, const struct scan_control *sc, struct lruvec *lv,
			   int priority, bool may_swap, uint64_t nr[NR_LRU_LISTS])
{
	unsigned anon_share = s->swappiness;
	if (!may_swap)
		anon_share = 0;
	else if (!priority)
		anon_share = 100;
	else if (sc->file_is_tiny)
		anon_share = 200;
	else if (sc->cache_trim_mode)
		anon_share = 0;
	/* A memcg partly protected is scanned in proportion to what it has
	 * beyond its protection (memory.low's only while it holds). */
	uint64_t min = 0, low = 0, size = 0, protection = 0;
	mem_cgroup_protection(sc->target, lv->memcg, &min, &low);
	if (min || low) {
		protection = !sc->ignore_low && low > min ? low : min;
		size = __atomic_load_n(&lv->memcg->usage, __ATOMIC_RELAXED);
		if (size < protection)
			size = protection;
	}
	for (enum lru_list l = LRU_INACTIVE_ANON; l <= LRU_ACTIVE_FILE; l++) {
		uint64_t scan = lruvec_size(s, lv, l);
		if (min || low) {
			scan -= scan * protection / (size + 1);
			if (scan < SWAP_CLUSTER_MAX)
				scan = SWAP_CLUSTER_MAX;
		}
		scan >>= priority;
		unsigned share = is_file_lru(l) ? 200 - anon_share : anon_share;
		nr[l] = (scan * share + 199) / 200;
	}
}

/* Linux's shrink_lruvec: the lists are scanned in turns of 32 pages
 * until each has had its share or enough is freed; an active list only
 * refills its inactive list, when the target's is low.  The anonymous
 * lists are kept balanced even when none of their pages were to go. */
static unsigned shrink_lruvec_classic(struct mm_sys *s, struct scan_control *sc,
				      struct lruvec *lv, int priority, unsigned want)
{
	/* Linux's can_reclaim_anon_pages: swap for the memcg, or a lower
	 * tier to demote to. */
	bool may_swap = mem_cgroup_nr_swap_pages(s, lv->memcg) > 0 ||
			can_demote(s, sc, lv->pgdat->id);
	uint64_t nr[NR_LRU_LISTS] = { 0 };
	unsigned freed = 0;
	get_scan_count(s, sc, lv, priority, may_swap, nr);
	while ((nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) &&
	       freed < want) {
		for (enum lru_list l = LRU_INACTIVE_ANON; l <= LRU_ACTIVE_FILE; l++) {
			unsigned n = nr[l] < SWAP_CLUSTER_MAX ? (unsigned)nr[l] : SWAP_CLUSTER_MAX;
			if (!n)
				continue;
			nr[l] -= n;
			if (!is_active_lru(l))
				freed += shrink_list(s, sc, lv, l, n, want - freed);
			else if (sc->may_deactivate[is_file_lru(l)])
				shrink_active_list(s, sc, lv, l, n);
		}
	}
	if (may_swap && inactive_is_low(s, lv, LRU_INACTIVE_ANON))
		shrink_active_list(s, sc, lv, LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX);
	return freed;
}

/* ---- the multi-generational LRU's eviction (lru_gen.c keeps the generations) ---------- */

/* Linux's get_swappiness: anonymous pages are evicted only while a batch
 * of swap slots is free to the memcg (NULL: the machine's), or while the
 * node has a lower tier to demote them to. */
static unsigned gen_swappiness(struct mm_sys *s, const struct scan_control *sc,
			       const struct lruvec *lv)
{
	if (can_demote(s, sc, lv->pgdat->id) || mem_cgroup_nr_swap_pages(s, lv->memcg) >= 64)
		return s->swappiness;
	return 0;
}

/* Linux's get_nr_to_scan: the pages this pass may look at (their
 * generations' total shifted by the priority); when the node needs a
 * new generation, below the first priority, it is aged instead and the
 * pass ends (< 0). */
static int64_t gen_nr_to_scan(struct mm_sys *s, const struct scan_control *sc, struct lruvec *lv,
			      int priority, bool can_swap)
{
	uint64_t nr, max_seq;
	bool age = lru_gen_should_age(lv, can_swap, &nr, &max_seq);
	if (!age || priority == DEF_PRIORITY)
		return (int64_t)(nr >> priority);
	return lru_gen_age(s, lv, max_seq, can_swap, sc->cpu) ? -1 : 0;
}

/* Linux's evict_folios: a batch from the oldest generation reclaimed.
 * Returns the pages looked at (0: stop). */
static unsigned evict_batch(struct mm_sys *s, struct scan_control *sc, struct lruvec *lv,
			    unsigned swappiness, unsigned *freed)
{
	struct list_head list;
	list_init(&list);
	bool out_of_gens;
	unsigned sorted = 0;
	unsigned scanned = lru_gen_isolate(s, lv, swappiness, &list, &out_of_gens, &sorted);
	if (!sc->target)
		count_vm_events(s, MMSIM_VM_pgrefill, sorted);
	if (out_of_gens)
		scanned = 0;
	if (list_empty(&list))
		return scanned;
	unsigned n = 0;
	for (struct list_head *l = list.next; l != &list; l = l->next) {
		n += 1u << list_entry(l, struct page, lru)->order;
		count_memcg_reclaim(s, sc, list_entry(l, struct page, lru), false);
	}
	bool file = !page_test(list_entry(list.next, struct page, lru), PG_swapbacked);
	unsigned f = shrink_page_list(s, sc, &list);
	count_reclaim(s, sc, file, n, f);
	*freed += f;
	if (f)
		__atomic_store_n(&lv->pgdat->kswapd_failures, 0, __ATOMIC_RELAXED);
	return scanned;
}

/* Where kswapd stops: the high watermark, or in memory tiering mode the
 * promotion watermark, so that kswapd keeps room (by demotion) for the
 * pages promoted into the node. */
static enum zone_watermarks kswapd_goal(const struct mm_sys *s)
{
	return numa_tiering_mode(s) ? WMARK_PROMO : WMARK_HIGH;
}

/* Linux's should_abort_scan: enough freed, or kswapd's node safely above
 * its high watermark (memcg reclaim goes on, for fairness). */
static bool gen_should_abort(struct mm_sys *s, const struct scan_control *sc, unsigned nid,
			     unsigned freed, unsigned want)
{
	if (sc->target)
		return false;
	if (freed >= want)
		return true;
	return sc->kswapd && node_pages_above(s, nid, kswapd_goal(s)) > 64;
}

/* Linux's try_to_shrink_lruvec: batches from lv's oldest generation until
 * the pass has looked at what the priority allows, or may stop.  *aged:
 * the pass ended because it made lv a new generation (Linux's "this
 * lruvec should be rotated", to the young memcg generation). */
static unsigned shrink_lruvec_gen(struct mm_sys *s, struct scan_control *sc, struct lruvec *lv,
				  int priority, unsigned want, bool *aged)
{
	unsigned swappiness = gen_swappiness(s, sc, lv), freed = 0;
	unsigned nid = lv->pgdat->id;
	uint64_t scanned = 0;
	sc->lru_gen = true;
	*aged = false;
	for (;;) {
		int64_t nr = gen_nr_to_scan(s, sc, lv, priority, swappiness != 0);
		*aged = nr < 0;
		if (nr <= 0)
			break;
		unsigned delta = evict_batch(s, sc, lv, swappiness, &freed);
		if (!delta)
			break;
		scanned += delta;
		if (scanned >= (uint64_t)nr || gen_should_abort(s, sc, nid, freed, want))
			break;
	}
	sc->lru_gen = false;
	return freed;
}

/* Linux's lruvec_is_sizable: has lv enough evictable pages for a pass at
 * this priority to look at any? */
static bool lruvec_is_sizable(struct mm_sys *s, const struct scan_control *sc, struct lruvec *lv,
			      int priority)
{
	uint64_t nr = lru_gen_evictable_size(lv, gen_swappiness(s, sc, lv) != 0);
	/* (An offline memcg's would count whole: memcgs here never go.) */
	return nr >> priority;
}

/* ---- min_ttl: thrashing prevention (Linux's lru_gen_age_node) ------------------------- */

/* Linux keeps generation births and min_ttl in jiffies; Debian's 6.12 ticks
 * at HZ=250.  Times here are ms, so compare whole ticks as Linux does. */
#define JIFFY_MS 4

/* Linux's time_is_before_jiffies(birth + msecs_to_jiffies(ttl)): is now
 * more than ttl_ms (rounded up to a tick, as the sysfs write does) past
 * birth's tick? */
static bool born_before(uint64_t birth_ms, uint64_t now_ms, unsigned ttl_ms)
{
	uint64_t ttl = ((uint64_t)ttl_ms + JIFFY_MS - 1) / JIFFY_MS;
	return now_ms / JIFFY_MS > birth_ms / JIFFY_MS + ttl;
}

/* Linux's lruvec_is_reclaimable: may kswapd evict from lv without
 * breaking min_ttl?  Not if memory.min protects it or it is too small to
 * scan at this priority; otherwise if its oldest file generation is older
 * than min_ttl.  Linux looks at the file kind's oldest even when anonymous
 * pages are evicted: with swap, the anonymous oldest is never younger
 * (lru_gen's rule), so the file one bounds both. */
static bool lruvec_is_reclaimable(struct mm_sys *s, const struct scan_control *sc,
				  struct lruvec *lv, int priority, unsigned ttl_ms, uint64_t now_ms)
{
	if (mem_cgroup_below_min(NULL, lv->memcg))
		return false;
	if (!lruvec_is_sizable(s, sc, lv, priority))
		return false;
	uint64_t oldest = __atomic_load_n(&lv->lrugen.min_seq[1], __ATOMIC_RELAXED);
	return born_before(lru_gen_birth(lv, oldest), now_ms, ttl_ms);
}

/*
 * kswapd's look at node nid before each pass (Linux 6.12's lru_gen_age_node,
 * from balance_pgdat's kswapd_age_node, MGLRU only): with min_ttl set, if no
 * memcg's lruvec on the node is reclaimable, every generation is younger
 * than min_ttl (or protected, or too small): evicting would thrash, so the
 * OOM killer takes a process instead, with no allocating task to favour
 * (kernel_kswapd_out_of_memory; another kill under way: nothing).  Each
 * memcg's protection is computed on the way, as Linux's walk does.
 */
static void lru_gen_age_node(struct mm_sys *s, struct scan_control *sc, unsigned nid,
			     int priority)
{
	unsigned ttl = __atomic_load_n(&s->lru_gen_min_ttl_ms, __ATOMIC_RELAXED);
	if (!ttl)
		return;	/* shrink_node computes the protection anyway */
	uint64_t now = mm_clock_ms(s, NULL);
	struct lruvec *root = mem_cgroup_lruvec(s, NULL, nid);
	bool reclaimable = false;
	for (struct lruvec *lv = root; lv; lv = lruvec_iter(s, root, lv)) {
		mem_cgroup_calculate_protection(s, NULL, lv->memcg);
		if (!reclaimable)
			reclaimable = lruvec_is_reclaimable(s, sc, lv, priority, ttl, now);
	}
	if (!reclaimable)
		kernel_kswapd_out_of_memory(s);
}

/* One pass of the machine's reclaim over node nid under MGLRU (Linux's
 * shrink_many with shrink_one): the state lru_gen_shrink_many hands its
 * callbacks. */
struct shrink_many_ctl {
	struct mm_sys *s;
	struct scan_control *sc;
	unsigned nid, want, freed;
	int priority;
};

/* Linux's shrink_one: reclaims from one lruvec of the memcg LRU's old
 * generation and says where it goes next: below memory.min, to the young
 * generation untouched; below memory.low, to the tail of its generation
 * the first time it is met, reclaimed (counting `low`) the second; after
 * a pass that had to age it, young; after a pass that found it too small
 * to scan, to the tail once, then young; otherwise where it is. */
static int shrink_one(void *arg, struct lruvec *lv)
{
	struct shrink_many_ctl *c = arg;
	struct mem_cgroup *memcg = lv->memcg;
	/* The protection shrink_node computed before the walk. */
	if (mem_cgroup_below_min(NULL, memcg))
		return MEMCG_LRU_YOUNG;
	if (mem_cgroup_below_low(NULL, memcg)) {
		if (lru_gen_memcg_seg(lv) != MEMCG_LRU_TAIL)
			return MEMCG_LRU_TAIL;
		memcg_event(memcg, MEMCG_LOW);
	}
	bool aged;
	unsigned left = c->freed < c->want ? c->want - c->freed : 0;
	c->freed += shrink_lruvec_gen(c->s, c->sc, lv, c->priority, left, &aged);
	if (aged)
		return MEMCG_LRU_YOUNG;
	if (lruvec_is_sizable(c->s, c->sc, lv, c->priority))
		return MEMCG_LRU_NOP;
	/* Too small: one more chance this round, then the young generation. */
	return lru_gen_memcg_seg(lv) != MEMCG_LRU_TAIL ? MEMCG_LRU_TAIL : MEMCG_LRU_YOUNG;
}

static bool shrink_many_abort(void *arg)
{
	struct shrink_many_ctl *c = arg;
	return gen_should_abort(c->s, c->sc, c->nid, c->freed, c->want);
}

/*
 * One pass over node nid at a priority.  The machine's reclaim under
 * MGLRU takes the memcgs in the order of the node's memcg LRU (Linux's
 * lru_gen_shrink_node, shrink_many): the old generation, from a random
 * bin, each lruvec moved by what its reclaim found (shrink_one), until
 * the pass has what it wants.  Every other reclaim - memcg reclaim with
 * either LRU, and the machine's with the classic lists - walks the
 * lruvecs of the memcgs under the target (Linux's shrink_node_memcgs),
 * in lruvec_iter's order, each shrunk on the lists the machine uses
 * unless memory.min or memory.low protects it.  kswapd walks them all;
 * other reclaims stop once they have what they want, and the next pass
 * starts after the last lruvec shrunk (Linux's reclaim cookie), so that
 * the memcgs take turns.  A memcg reclaim under MGLRU that had to age an
 * lruvec moves it to the young memcg generation (lru_gen_shrink_lruvec).
 */
static unsigned shrink_node(struct mm_sys *s, struct scan_control *sc, unsigned nid,
			    int priority, unsigned want)
{
	struct lruvec *root = mem_cgroup_lruvec(s, sc->target, nid);
	bool classic = lru_classic(s), partial = !sc->kswapd;
	unsigned freed = 0;
	if (classic)
		prepare_scan(s, sc, nid, priority);
	if (!classic && !sc->target) {
		/* Every memcg's effective protection, parents first (Linux's
		 * lru_gen_age_node does this for kswapd; its direct reclaim
		 * reads what was computed last). */
		for (struct lruvec *lv = root; lv; lv = lruvec_iter(s, root, lv))
			mem_cgroup_calculate_protection(s, NULL, lv->memcg);
		struct shrink_many_ctl c = { s, sc, nid, want, 0, priority };
		lru_gen_shrink_many(s, nid, shrink_one, shrink_many_abort, &c);
		return c.freed;
	}
	struct lruvec *lv = partial ? __atomic_load_n(&root->iter_pos, __ATOMIC_RELAXED) : NULL;
	for (lv = lruvec_iter(s, root, lv); lv; lv = lruvec_iter(s, root, lv)) {
		if (!lruvec_reclaimable(s, sc, lv))
			continue;
		unsigned left = freed < want ? want - freed : 0;
		if (classic) {
			freed += shrink_lruvec_classic(s, sc, lv, priority, left);
		} else {
			bool aged;
			freed += shrink_lruvec_gen(s, sc, lv, priority, left, &aged);
			if (aged)
				lru_gen_rotate_memcg(s, lv, MEMCG_LRU_YOUNG);
		}
		if (partial && freed >= want) {
			__atomic_store_n(&root->iter_pos, lv, __ATOMIC_RELAXED);
			return freed;
		}
	}
	if (partial)
		__atomic_store_n(&root->iter_pos, NULL, __ATOMIC_RELAXED);
	return freed;
}

/* Scans the nodes of nodemask, nid's fallback order first, at falling
 * priority until want pages are freed; again without memory.low's
 * protection when that freed nothing and protected pages were met. */
static unsigned do_try_to_free_pages(struct mm_sys *s, struct scan_control *sc, unsigned nid,
				     uint64_t nodemask, unsigned want)
{
	unsigned freed = 0;
	lru_add_drain_all(s);
	for (int pass = 0; pass < 2 && !freed; pass++) {
		if (pass) {
			if (!sc->met_low)
				break;
			sc->ignore_low = true;
		}
		for (int priority = DEF_PRIORITY; priority >= 0 && freed < want; priority--) {
			for (unsigned k = 0; k < s->nr_nodes && freed < want; k++) {
				unsigned n = s->zonelist[nid][k];	/* the preferred node first */
				if (nodemask & (1ULL << n))
					freed += shrink_node(s, sc, n, priority, want - freed);
			}
		}
	}
	return freed;
}

unsigned try_to_free_pages(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, uint64_t nodemask)
{
	struct scan_control sc = { .cpu = cpu };
	count_vm_events(s, MMSIM_VM_allocstall_movable, 1);
	TRACE("mm_vmscan_direct_reclaim_begin", "order=0 gfp_flags=GFP_HIGHUSER_MOVABLE");
	unsigned freed = do_try_to_free_pages(s, &sc, nid, nodemask, SWAP_CLUSTER_MAX);
	TRACE("mm_vmscan_direct_reclaim_end", "nr_reclaimed=%u", freed);
	return freed;
}

unsigned try_to_free_mem_cgroup_pages(struct mm_sys *s, struct hw_cpu *cpu,
				      struct mem_cgroup *memcg, unsigned nr)
{
	struct scan_control sc = { .cpu = cpu, .target = memcg };
	unsigned want = nr > SWAP_CLUSTER_MAX ? nr : SWAP_CLUSTER_MAX;
	return do_try_to_free_pages(s, &sc, cpu ? cpu->node : 0, UINT64_MAX, want);
}

/* ---- kswapd --------------------------------------------------------------------------- */

/* Linux's pgdat_balanced: is node nid above its high watermark (its
 * promotion watermark in memory tiering mode: kswapd_goal)?  Above means
 * more free pages than the mark, as zone_watermark_ok_safe has it. */
static bool node_balanced(struct mm_sys *s, unsigned nid)
{
	return node_pages_above(s, nid, kswapd_goal(s)) > 0;
}

/* Linux's prepare_kswapd_sleep: may node nid's kswapd sleep?  When the
 * node is balanced, or hopeless (MAX_RECLAIM_RETRIES runs in a row freed
 * nothing: direct reclaim's turn). */
static bool kswapd_may_sleep(struct mm_sys *s, unsigned nid)
{
	if (__atomic_load_n(&s->node[nid].kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES)
		return true;
	return node_balanced(s, nid);
}

void wakeup_kswapd(struct mm_sys *s, unsigned nid, unsigned order)
{
	struct pglist_data *nd = &s->node[nid];
	/* A running kswapd is on no wait queue: the wake is lost, and the
	 * run's end looks at the node again (Linux's waitqueue_active). */
	if (__atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST) == KSWAPD_RUNNING)
		return;
	/* Hopeless: kswapd failed too often; direct reclaim's turn. */
	if (__atomic_load_n(&nd->kswapd_failures, __ATOMIC_RELAXED) >= MAX_RECLAIM_RETRIES)
		return;
	if (node_balanced(s, nid))
		return;
	if (__atomic_exchange_n(&nd->kswapd_wake, 1, __ATOMIC_ACQ_REL))
		return;	/* woken already */
	TRACE("mm_vmscan_wakeup_kswapd", "nid=%u order=%u gfp_flags=GFP_HIGHUSER_MOVABLE", nid,
	      order);
	__atomic_store_n(&s->kswapd_pending, 1, __ATOMIC_SEQ_CST);
	if (s->kswapd)
		kswapd_threads_kick(s, nid);
}

/*
 * The end of a run (the first half of Linux's kswapd_try_to_sleep): a node
 * kswapd may leave gets the 100 ms nap, whose end the next defined point
 * sets (kswapd_run_woken); one it may not leave gets another run at once,
 * counted in kswapd_high_wmark_hit_quickly.  Returns whether kswapd runs on.
 */
static bool kswapd_end_run(struct mm_sys *s, unsigned nid)
{
	struct pglist_data *nd = &s->node[nid];
	nd->kswapd_priority = 0;
	__atomic_store_n(&nd->kswapd_nap_end, KSWAPD_NAP_UNSET, __ATOMIC_RELAXED);
	/* On the wait queue first, then the test, as Linux's prepare_to_wait
	 * before prepare_kswapd_sleep: an allocation that unbalances the node
	 * after the test finds kswapd napping and wakes it (both sides
	 * sequentially consistent, as the waker's wakeup_kswapd). */
	__atomic_store_n(&nd->kswapd_state, KSWAPD_NAPPING, __ATOMIC_SEQ_CST);
	if (kswapd_may_sleep(s, nid)) {
		__atomic_store_n(&s->kswapd_pending, 1, __ATOMIC_SEQ_CST);
		return false;
	}
	/* No nap: a wake that came meanwhile adds nothing (Linux's
	 * "remaining" is 0 without a nap). */
	__atomic_store_n(&nd->kswapd_state, KSWAPD_RUNNING, __ATOMIC_SEQ_CST);
	__atomic_store_n(&nd->kswapd_wake, 0, __ATOMIC_RELAXED);
	count_vm_events(s, MMSIM_VM_kswapd_high_wmark_hit_quickly, 1);
	return true;
}

/*
 * kswapd on node nid, one step at a time (Linux's kswapd loop: kswapd_try_to_sleep
 * and balance_pgdat).  Asleep, it waits for a wake.  Napping, a wake ends
 * the nap early (kswapd_low_wmark_hit_quickly: the node fell below low
 * within 100 ms of being balanced) and a run follows; a nap that ran out
 * (KSWAPD_NAP_OVER) ends in sleep if kswapd may sleep, else in a run
 * (kswapd_high_wmark_hit_quickly: the node fell below high without a
 * wake).  A run (balance_pgdat, counted in pageoutrun) reclaims from the
 * node alone at falling priority until it is above its high watermark
 * again, each step wanting 32 pages (what the node lacks, at most a
 * batch), a step that gets fewer scanning harder next time; a run that
 * stops at priority 1 unbalanced having freed nothing counts a failure,
 * one that finds the node balanced does not.
 * On a threaded machine the steps follow each other on kswapd's thread
 * while tasks run on theirs; on a machine one thread drives, one step is
 * taken at each defined point, so that the tasks run between the steps as
 * they would beside a kswapd of their own (a page used between two looks
 * is found young the second time).  Returns whether kswapd has more to do
 * now (false: it sleeps, naps, or waits for its nap's end).
 * Called by one thread at a time per node (kswapd's, or the driver's).
 */
static bool kswapd_step(struct mm_sys *s, unsigned nid)
{
	struct pglist_data *nd = &s->node[nid];
	static const char *const names[] = { "kswapd0", "kswapd1", "kswapd2", "kswapd3",
					     "kswapd4", "kswapd5", "kswapd6", "kswapd7" };
	const char *outer = trace_kthread;
	int outer_cpu = mm_this_cpu;
	bool more = true;
	trace_kthread = nid < 8 ? names[nid] : "kswapd";
	/* Linux binds kswapd to its node's CPUs: its per-CPU caches are
	 * those of the node's first CPU (CPU c is on node c % nodes). */
	mm_this_cpu = nid < s->hw->nr_cpus ? (int)nid : 0;
	unsigned state = __atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST);
	if (state == KSWAPD_SLEEPING) {
		if (!__atomic_exchange_n(&nd->kswapd_wake, 0, __ATOMIC_ACQ_REL)) {
			more = false;	/* not woken */
			goto out;
		}
	} else if (state == KSWAPD_NAPPING) {
		if (__atomic_exchange_n(&nd->kswapd_wake, 0, __ATOMIC_ACQ_REL)) {
			count_vm_events(s, MMSIM_VM_kswapd_low_wmark_hit_quickly, 1);
		} else if (__atomic_load_n(&nd->kswapd_nap_end, __ATOMIC_ACQUIRE) != KSWAPD_NAP_OVER) {
			more = false;	/* napping on */
			goto out;
		} else if (kswapd_may_sleep(s, nid)) {
			__atomic_store_n(&nd->kswapd_state, KSWAPD_SLEEPING, __ATOMIC_SEQ_CST);
			TRACE("mm_vmscan_kswapd_sleep", "nid=%u", nid);
			more = false;
			goto out;
		} else {
			count_vm_events(s, MMSIM_VM_kswapd_high_wmark_hit_quickly, 1);
		}
	}
	if (state != KSWAPD_RUNNING) {
		__atomic_store_n(&nd->kswapd_state, KSWAPD_RUNNING, __ATOMIC_SEQ_CST);
		/* A wake between the test above and now was lost, as Linux's
		 * between its wake-up and leaving the queue. */
		__atomic_store_n(&nd->kswapd_wake, 0, __ATOMIC_RELAXED);
	}
	if (!nd->kswapd_priority) {
		/* balance_pgdat begins. */
		TRACE("mm_vmscan_kswapd_wake", "nid=%u order=0", nid);
		count_vm_events(s, MMSIM_VM_pageoutrun, 1);
		lru_add_drain_all(s);
		nd->kswapd_freed = 0;
		if (node_balanced(s, nid)) {
			more = kswapd_end_run(s, nid);	/* nothing to do, no failure */
			goto out;
		}
		nd->kswapd_priority = DEF_PRIORITY;
		if (!lru_classic(s)) {
			/* MGLRU starts where the node's inactive pages and
			 * what kswapd must free make the scan worth it. */
			uint64_t goal = nd->wmark[WMARK_HIGH];
			struct scan_control sc = { .kswapd = true };
			int prio = lru_gen_initial_priority(
				s, nid, gen_swappiness(s, &sc, &nd->lruvec) != 0,
				goal > SWAP_CLUSTER_MAX ? goal : SWAP_CLUSTER_MAX, DEF_PRIORITY);
			nd->kswapd_priority = prio < 1 ? 1 : prio;	/* kswapd stops at 1 */
		}
	}
	struct scan_control sc = { .cpu = NULL, .kswapd = true };
	if (!lru_classic(s))
		lru_gen_age_node(s, &sc, nid, nd->kswapd_priority);
	int64_t lack = -node_pages_above(s, nid, kswapd_goal(s)) + 1;
	unsigned want = lack > SWAP_CLUSTER_MAX || lack < 1 ? SWAP_CLUSTER_MAX : (unsigned)lack;
	unsigned freed = shrink_node(s, &sc, nid, nd->kswapd_priority, want);
	nd->kswapd_freed += freed;
	if (freed < want)
		nd->kswapd_priority--;
	bool balanced = node_balanced(s, nid);
	if (nd->kswapd_priority >= 1 && !balanced)
		goto out;	/* more steps to take */
	if (!balanced && !nd->kswapd_freed)
		__atomic_add_fetch(&nd->kswapd_failures, 1, __ATOMIC_RELAXED);
	more = kswapd_end_run(s, nid);
out:
	trace_kthread = outer;
	mm_this_cpu = outer_cpu;
	return more;
}

/* Raises kswapd's clock to cpu's and returns it (ms). */
static uint64_t kswapd_clock_advance(struct mm_sys *s, const struct hw_cpu *cpu)
{
	return atomic_max_u64(&s->kswapd_clock, cpu ? hw_cpu_ms(cpu) : 0);
}

/*
 * A defined point (kswapd_run_pending) while some kswapd is awake.  Time
 * first: kswapd's clock is raised to cpu's, a nap whose end it reached
 * runs out (KSWAPD_NAP_OVER).  On a machine one thread drives, each node's
 * kswapd then takes a step; on a threaded machine a nap that ran out
 * wakes kswapd's thread.  A nap that began since the last defined point
 * ends KSWAPD_NAP_MS after now.  kswapd's clock is thus the largest CPU
 * clock the defined points showed: on a machine one thread drives, the
 * same on every run; on a threaded one, as the threads' clocks go.
 */
void kswapd_run_woken(struct mm_sys *s, struct hw_cpu *cpu)
{
	uint64_t clock = kswapd_clock_advance(s, cpu);
	/* Cleared before the nodes are looked at, set again if any is
	 * awake: a kswapd thread that naps after the look sets it itself. */
	__atomic_store_n(&s->kswapd_pending, 0, __ATOMIC_SEQ_CST);
	bool awake = false;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		struct pglist_data *nd = &s->node[n];
		unsigned state = __atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST);
		if (state == KSWAPD_NAPPING) {
			uint64_t end = __atomic_load_n(&nd->kswapd_nap_end, __ATOMIC_ACQUIRE);
			if (end != KSWAPD_NAP_UNSET && end != KSWAPD_NAP_OVER && clock >= end &&
			    __atomic_compare_exchange_n(&nd->kswapd_nap_end, &end, KSWAPD_NAP_OVER,
							false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED) &&
			    s->kswapd)
				kswapd_threads_kick(s, n);
		}
		if (!s->kswapd && (state != KSWAPD_SLEEPING ||
				   __atomic_load_n(&nd->kswapd_wake, __ATOMIC_ACQUIRE)))
			kswapd_step(s, n);
		state = __atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST);
		if (state == KSWAPD_NAPPING) {
			uint64_t unset = KSWAPD_NAP_UNSET;
			__atomic_compare_exchange_n(&nd->kswapd_nap_end, &unset,
						    clock + KSWAPD_NAP_MS, false, __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
		}
		if (state != KSWAPD_SLEEPING || __atomic_load_n(&nd->kswapd_wake, __ATOMIC_SEQ_CST))
			awake = true;
	}
	if (awake)
		__atomic_store_n(&s->kswapd_pending, 1, __ATOMIC_SEQ_CST);
}

/* ---- kswapd on host threads (threaded machines) ---------------------------------------- */

struct kswapd_thread {
	struct mm_sys *s;
	unsigned nid;
	pthread_t thread;
};

struct kswapd_threads {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a wake, or stop */
	pthread_mutex_t run_lock;	/* held by each run: kswapd_quiesce waits */
	bool stop;
	unsigned nr;			/* threads started */
	struct kswapd_thread t[MMSIM_MAX_NODES];
};

/* Called by wakeup_kswapd after it set the node's flag: the mutex makes
 * the wake and the thread's test of the flag ordered, so none is lost. */
void kswapd_threads_kick(struct mm_sys *s, unsigned nid)
{
	(void)nid;
	struct kswapd_threads *k = s->kswapd;
	pthread_mutex_lock(&k->lock);
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

/* Has node nd's kswapd a step to take: woken, running, or its nap run out? */
static bool kswapd_has_work(struct pglist_data *nd)
{
	unsigned state = __atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST);
	if (state == KSWAPD_RUNNING || __atomic_load_n(&nd->kswapd_wake, __ATOMIC_ACQUIRE))
		return true;
	return state == KSWAPD_NAPPING &&
	       __atomic_load_n(&nd->kswapd_nap_end, __ATOMIC_ACQUIRE) == KSWAPD_NAP_OVER;
}

static void *kswapd_main(void *arg)
{
	struct kswapd_thread *kt = arg;
	struct mm_sys *s = kt->s;
	struct kswapd_threads *k = s->kswapd;
	struct pglist_data *nd = &s->node[kt->nid];
	pthread_mutex_lock(&k->lock);
	while (!k->stop) {
		if (!kswapd_has_work(nd)) {
			pthread_cond_wait(&k->cond, &k->lock);
			continue;
		}
		pthread_mutex_unlock(&k->lock);
		pthread_mutex_lock(&k->run_lock);
		while (kswapd_step(s, kt->nid))
			;
		pthread_mutex_unlock(&k->run_lock);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

int kswapd_threads_start(struct mm_sys *s)
{
	struct kswapd_threads *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	pthread_mutex_init(&k->lock, NULL);
	pthread_mutex_init(&k->run_lock, NULL);
	pthread_cond_init(&k->cond, NULL);
	s->kswapd = k;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		k->t[n] = (struct kswapd_thread){ .s = s, .nid = n };
		int err = pthread_create(&k->t[n].thread, NULL, kswapd_main, &k->t[n]);
		if (err) {
			kswapd_threads_stop(s);
			return -err;
		}
		k->nr++;
	}
	return 0;
}

void kswapd_threads_stop(struct mm_sys *s)
{
	struct kswapd_threads *k = s->kswapd;
	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	for (unsigned n = 0; n < k->nr; n++)
		pthread_join(k->t[n].thread, NULL);
	s->kswapd = NULL;
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->run_lock);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

void kswapd_quiesce(struct mm_sys *s)
{
	if (s->kswapd)
		pthread_mutex_lock(&s->kswapd->run_lock);
}

void kswapd_resume(struct mm_sys *s)
{
	if (s->kswapd)
		pthread_mutex_unlock(&s->kswapd->run_lock);
}
