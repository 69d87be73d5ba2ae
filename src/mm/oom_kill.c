/*
 * oom_kill.c - what the OOM killer needs from an address space: how many
 * pages killing its owner would give back (Linux's oom_badness() before
 * oom_score_adj: get_mm_rss + MM_SWAPENTS + page tables).  Choosing and
 * killing the victim is the kernel's (src/kernel/oom.c); freeing the
 * victim's memory is oom_reap_mm() in mmap.c.  get_mm_rss() is the same
 * walk without the swap entries (NUMA balancing sizes its scan windows
 * by it).
 */
#include "mm.h"

static uint64_t mm_pages(struct mm_struct *mm, bool swapents)
{
	struct mm_sys *s = mm->sys;
	struct pmap_iter it;
	struct pmap_entry e;
	uint64_t pages = 0;

	/* Under the ptl, like the walks of /proc: entries are never seen
	 * half rewritten. */
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e)) {
		if (e.kind == PMAP_SWAP) {
			if (swapents && !is_migration_entry(&e))
				pages++;	/* MM_SWAPENTS */
			continue;
		}
		/* Resident pages with a struct page: not the zero page, nor
		 * the vDSO's raw frames. */
		if (e.kind != PMAP_PAGE || e.pfn == s->zero_pfn || e.pfn >= s->hw->nr_pfns)
			continue;
		pages += e.flags & PMAP_HUGE ? PMD_SIZE / PAGE_SIZE : 1;
	}
	spin_unlock(&mm->ptl);
	return pages;
}

uint64_t get_mm_rss(struct mm_struct *mm)
{
	return mm_pages(mm, false);
}

uint64_t oom_badness_pages(struct mm_struct *mm)
{
	uint64_t pages = mm_pages(mm, true);
	uint64_t tables = __atomic_load_n(&mm->cnt.pt_alloc, __ATOMIC_RELAXED) -
			  __atomic_load_n(&mm->cnt.pt_free, __ATOMIC_RELAXED);
	return pages + tables;
}
