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
 * activated.  So are dirty shared-memory pages, which Linux would move to
 * swap through shmem_writepage (not modelled); huge pages are activated
 * mapped (Linux swaps them whole or splits them: not modelled).
 *
 * Owns nothing of its own; works through rmap.c, swap_state.c,
 * swapfile.c and filemap.c.  Called with no spinlock held.
 */
#include "mm.h"

enum reclaim_verdict {
	RECLAIM_KEEP,		/* back on its list as it was */
	RECLAIM_ACTIVATE,	/* back, activated (counted in pgactivate) */
	RECLAIM_FREED,		/* gone: the caller's reference is the last */
};

/* An anonymous page needs a swap slot and a place in the swap cache
 * before it can go: true once it has them (or is not anonymous). */
static bool swap_slot_ready(struct mm_sys *s, struct page *p)
{
	if (!page_anon(p) || page_test(p, PG_swapcache))
		return true;
	return __atomic_load_n(&s->swap, __ATOMIC_ACQUIRE) && !add_to_swap(s, p);
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

static enum reclaim_verdict shrink_locked_page(struct mm_sys *s, struct hw_cpu *cpu,
					       struct page *p)
{
	if (page_test(p, PG_mlocked))
		return RECLAIM_ACTIVATE;	/* not counted: it goes unevictable */
	if (page_test(p, PG_writeback))
		return RECLAIM_KEEP;
	if (p->order)
		return RECLAIM_ACTIVATE;	/* huge pages: not modelled */
	if (!swap_slot_ready(s, p))
		return RECLAIM_ACTIVATE;	/* no swap, or the area is full */
	if (!unmap_all(s, cpu, p))
		return RECLAIM_ACTIVATE;
	if (page_test(p, PG_dirty)) {
		/* A dirty file page, or shared memory (shmem_writepage would
		 * move it to swap: not modelled, it stays, unmapped). */
		if (!page_test(p, PG_swapcache))
			return RECLAIM_ACTIVATE;
		if (swap_writepage(s, cpu, p))
			return RECLAIM_ACTIVATE;
		return RECLAIM_KEEP;	/* "still under writeback" (see above) */
	}
	if (page_test(p, PG_private) && !try_to_free_buffers(s, p))
		return RECLAIM_KEEP;
	return remove_mapping(s, p) ? RECLAIM_FREED : RECLAIM_KEEP;
}

unsigned reclaim_pages(struct mm_sys *s, struct hw_cpu *cpu, struct list_head *list)
{
	unsigned freed = 0;
	while (!list_empty(list)) {
		struct page *p = list_entry(list->next, struct page, lru);
		list_del(&p->lru);
		enum reclaim_verdict v = RECLAIM_KEEP;
		if (trylock_page(p)) {
			v = shrink_locked_page(s, cpu, p);
			unlock_page(p);
		}
		if (v == RECLAIM_FREED) {
			freed++;
			put_page(s, p);
			continue;
		}
		if (v == RECLAIM_ACTIVATE && !page_test(p, PG_mlocked))
			count_vm_events(s, MMSIM_VM_pgactivate, 1ULL << p->order);
		putback_lru_page(s, p);
	}
	return freed;
}
