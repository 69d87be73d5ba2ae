/*
 * madvise.c - madvise(2).
 *
 * The range is walked VMA by VMA as Linux's madvise_walk_vmas() does: a gap
 * in it is remembered and reported as ENOMEM at the end, after the advice
 * was applied to every VMA that is there; an error from one VMA stops the
 * walk at once.  Advice that changes VMA flags (hugepage, nohugepage,
 * normal) splits and merges VMAs like any flag change; a failure to split
 * is EAGAIN, as madvise reports lack of resources.
 */
#include "mm.h"

#include <errno.h>
#include <sys/mman.h>

static bool behavior_valid(int advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLD:
	case MADV_PAGEOUT:
		return true;
	default:
		return false;
	}
}

static int update_flags(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			uint64_t start, uint64_t end, uint64_t newflags)
{
	int err = 0;
	if (newflags == vma->vm_flags)
		return 0;
	if (!vma_modify_flags(mm, cpu, vma, start, end, newflags, &err))
		return err == -ENOMEM ? -EAGAIN : err;
	return 0;
}

static int dontneed(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		    uint64_t start, uint64_t end)
{
	/* Locked pages stay; raw frames (VM_PFNMAP) are not the kernel's to drop. */
	if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP))
		return -EINVAL;
	struct mmu_gather tlb;
	lru_add_drain_local(mm->sys, cpu);
	tlb_gather_mmu(&tlb, mm, cpu);
	zap_vma_range(&tlb, vma, start, end);
	tlb_finish_mmu(&tlb);
	return 0;
}

/*
 * MADV_COLD / MADV_PAGEOUT on the pages only this process maps, as Linux
 * 6.12's madvise_cold_or_pageout_pte_range:
 *  - both forget that the page was referenced;
 *  - cold also clears each entry's accessed bit and deactivates the page;
 *  - pageout leaves the accessed bits, isolates the pages and, once the
 *    walk is over, reclaims them (vmscan.c's reclaim_pages): anonymous
 *    pages go to swap when there is a swap area, clean file pages are
 *    dropped, the others are activated where they are.
 */
static void pageout_isolate(struct mm_sys *s, struct page *head, struct list_head *list)
{
	if (isolate_lru_page(s, head))
		return;		/* not on a list (already isolated, say) */
	if (page_test(head, PG_unevictable))
		putback_lru_page(s, head);
	else
		list_add_tail(&head->lru, list);
}

/* A huge page the range covers only in part is split first, as Linux does
 * (its pieces go back on the LRU; those in the range are then advised one
 * by one).  Called without the ptl.  False if it could not be split. */
static bool split_partly_covered(struct mm_sys *s, struct hw_cpu *cpu, struct page *head)
{
	struct list_head pieces;
	list_init(&pieces);
	if (isolate_lru_page(s, head))
		return false;
	if (split_huge_page_to_list(s, cpu, head, &pieces)) {
		putback_lru_page(s, head);
		return false;
	}
	while (!list_empty(&pieces)) {
		struct page *q = list_entry(pieces.next, struct page, lru);
		list_del(&q->lru);
		putback_lru_page(s, q);
	}
	return true;
}

/*
 * How many entries from the one at va (e, mapping a subpage of the large
 * folio head) on map the folio's next subpages in order, with the same
 * protection, up to end and within e's page table (Linux's
 * folio_pte_batch; the dirty, soft-dirty and accessed bits may differ).
 * Call with the ptl.
 */
static unsigned folio_pte_batch(struct mm_struct *mm, const struct page *head, uint64_t va,
				const struct pmap_entry *e, uint64_t end)
{
	const uint8_t ignored = PMAP_DIRTY | PMAP_SOFTDIRTY | PMAP_ACCESSED;
	uint64_t table_end = (va & PMD_MASK) + PMD_SIZE;
	uint64_t left = page_to_pfn(mm->sys, head) + (1ULL << head->order) - e->pfn;
	uint64_t limit = ((end < table_end ? end : table_end) - va) >> PAGE_SHIFT;
	unsigned n = 1;
	struct pmap_entry next;

	if (left < limit)
		limit = left;
	while (n < limit) {
		if (pmap_lookup(&mm->pmap, va + (uint64_t)n * PAGE_SIZE, &next) != PMAP_PAGE ||
		    next.pfn != e->pfn + n || next.prot != e->prot ||
		    ((next.flags ^ e->flags) & (uint8_t)~ignored))
			break;
		n++;
	}
	return n;
}

/* MADV_COLD on nr entries from the iterator's (all mapping head): the
 * young ones made old, the folio deactivated once. */
static void cold_entries(struct mm_sys *s, struct mmu_gather *tlb, struct pmap_iter *it,
			 struct pmap_entry *e, unsigned nr, struct page *head)
{
	for (unsigned i = 0; i < nr; i++) {
		if (i && !pmap_iter_next(it, e))
			break;
		if (e->flags & PMAP_ACCESSED) {
			struct pmap_entry old, n;

			pmap_iter_modify_start(it, &old);
			n = old;
			n.flags &= (uint8_t)~PMAP_ACCESSED;
			pmap_iter_modify_commit(it, &n);
			tlb_track_entry(tlb, it->va, it->size);
		}
	}
	lru_deactivate(s, head);
}

/*
 * A large folio met through its PTEs (Linux 6.12's
 * madvise_cold_or_pageout_pte_range): when the range and this page table
 * map all of it in one run, it is advised whole (returns the run's
 * length); otherwise an anonymous one only this process maps is split
 * and its pieces advised one by one (returns 0: look at va again), and
 * one that cannot be is passed over (the run's length, *skip set).
 * Drops and retakes the ptl to split.
 */
static unsigned pte_mapped_large_folio(struct mm_struct *mm, struct hw_cpu *cpu,
				       struct page *head, uint64_t va, const struct pmap_entry *e,
				       uint64_t end, bool *skip)
{
	unsigned nr = folio_pte_batch(mm, head, va, e, end);

	*skip = false;
	if (nr == 1u << head->order)
		return nr;
	*skip = true;
	if (folio_likely_mapped_shared(head) || !page_anon(head))
		return nr;
	spin_unlock(&mm->ptl);
	bool split = split_partly_covered(mm->sys, cpu, head);
	spin_lock(&mm->ptl);
	return split ? 0 : nr;
}

/* Goes on past the nr entries from va (a large folio's run). */
static void iter_skip(struct mm_struct *mm, struct pmap_iter *it, uint64_t va, unsigned nr,
		      uint64_t end)
{
	pmap_iter_init(it, &mm->pmap, va + (uint64_t)nr * PAGE_SIZE, end);
}

static int cold_or_pageout(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			   uint64_t start, uint64_t end, bool pageout)
{
	if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP))
		return -EINVAL;	/* can_madv_lru_vma() */
	struct mm_sys *s = mm->sys;
	struct mmu_gather tlb;
	struct pmap_iter it;
	struct pmap_entry e;
	struct list_head list;
	list_init(&list);
	lru_add_drain_all(s);
	tlb_gather_mmu(&tlb, mm, cpu);
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (e.kind != PMAP_PAGE || e.pfn == s->zero_pfn)
			continue;
		struct page *p = pfn_to_page(s, e.pfn), *head = compound_head(p);
		unsigned nr = 1;
		if (head->order && it.size == PAGE_SIZE) {
			bool skip;
			uint64_t va = it.va;
			nr = pte_mapped_large_folio(mm, cpu, head, va, &e, end, &skip);
			if (skip || !nr) {
				iter_skip(mm, &it, va, nr, end);
				continue;
			}
		}
		/* Leave alone what other processes map: a small page mapped
		 * more than once; a large folio mapped whole here, with more
		 * mappings than pages; a PMD-mapped one as Linux guesses it
		 * (folio_likely_mapped_shared). */
		if (it.size == PMD_SIZE ? folio_likely_mapped_shared(head)
					: folio_mapcount(head) != (int)(1u << head->order)) {
			if (nr > 1)
				iter_skip(mm, &it, it.va, nr, end);
			continue;
		}
		if (it.size == PMD_SIZE && (it.va < start || it.va + PMD_SIZE > end)) {
			uint64_t pmd = it.va;
			spin_unlock(&mm->ptl);
			bool split = page_anon(head) && split_partly_covered(s, cpu, head);
			spin_lock(&mm->ptl);
			uint64_t resume = split ? (pmd < start ? start : pmd) : pmd + PMD_SIZE;
			pmap_iter_init(&it, &mm->pmap, resume, end);
			continue;
		}
		page_clear(head, PG_referenced);
		if (pageout) {
			pageout_isolate(s, head, &list);
			if (nr > 1)
				iter_skip(mm, &it, it.va, nr, end);
		} else {
			cold_entries(s, &tlb, &it, &e, nr, head);
		}
	}
	spin_unlock(&mm->ptl);
	tlb_finish_mmu(&tlb);
	if (pageout)
		reclaim_pages(s, cpu, &list);
	return 0;
}

/*
 * MADV_WILLNEED on anonymous memory (Linux's swapin_walk_pmd_entry): every
 * swap entry of the range has its page read into the swap cache, not
 * mapped and without readahead; the faults that follow find it there.
 * The walk collects a batch of slots under the ptl and reads them with it
 * dropped.
 */
#define WILLNEED_BATCH 64

static int willneed_swapin(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end)
{
	struct mm_sys *s = mm->sys;
	unsigned nid = mm_local_node(cpu, mm);
	while (start < end) {
		uint64_t slots[WILLNEED_BATCH];
		unsigned n = 0;
		struct pmap_iter it;
		struct pmap_entry e;
		spin_lock(&mm->ptl);
		pmap_iter_init(&it, &mm->pmap, start, end);
		start = end;
		while (pmap_iter_next(&it, &e)) {
			if (!is_swap_entry(&e))
				continue;
			if (n == WILLNEED_BATCH) {
				start = it.va;
				break;
			}
			slots[n++] = swap_entry_offset(&e);
		}
		spin_unlock(&mm->ptl);
		for (unsigned i = 0; i < n; i++) {
			int err;
			struct page *p = swapin_page(s, cpu, slots[i], nid, mm_mems_allowed(mm), false, NULL,
						     &err);
			if (p)
				put_page(s, p);
		}
	}
	lru_add_drain_local(s, cpu);
	return 0;
}

static int advise_vma(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		      uint64_t start, uint64_t end, int advice)
{
	uint64_t f = vma->vm_flags;
	switch (advice) {
	case MADV_DONTNEED:
		return dontneed(mm, cpu, vma, start, end);
	case MADV_COLD:
	case MADV_PAGEOUT:
		return cold_or_pageout(mm, cpu, vma, start, end, advice == MADV_PAGEOUT);
	case MADV_WILLNEED:
		/* A file's pages: page-cache readahead, not modelled (its
		 * pages are read on the faults). */
		return vma_is_anonymous(vma) && swap_area(mm->sys) ? willneed_swapin(mm, cpu, start, end) : 0;
	case MADV_NORMAL:
		return update_flags(mm, cpu, vma, start, end, f & ~(VM_RAND_READ | VM_SEQ_READ));
	case MADV_RANDOM:
		return update_flags(mm, cpu, vma, start, end, (f & ~VM_SEQ_READ) | VM_RAND_READ);
	case MADV_SEQUENTIAL:
		return update_flags(mm, cpu, vma, start, end, (f & ~VM_RAND_READ) | VM_SEQ_READ);
	case MADV_HUGEPAGE:
		return update_flags(mm, cpu, vma, start, end, (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE);
	case MADV_NOHUGEPAGE:
		return update_flags(mm, cpu, vma, start, end, (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE);
	}
	return -EINVAL;
}

int do_madvise(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len_in,
	       int advice)
{
	if (!behavior_valid(advice))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	uint64_t len = (len_in + PAGE_SIZE - 1) & PAGE_MASK;
	if (len_in && !len)
		return -EINVAL;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;

	pthread_rwlock_wrlock(&mm->mmap_lock);
	int unmapped = 0, err = 0;
	while (start < end) {
		struct vm_area_struct *vma = find_vma(mm, start);
		if (!vma) {
			err = -ENOMEM;
			break;
		}
		if (start < vma->vm_start) {
			unmapped = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		uint64_t tmp = vma->vm_end < end ? vma->vm_end : end;
		err = advise_vma(mm, cpu, vma, start, tmp, advice);
		if (err)
			break;
		start = tmp;
	}
	validate_mm(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err ? err : unmapped;
}
