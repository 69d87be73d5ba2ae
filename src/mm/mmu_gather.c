/*
 * mmu_gather.c - batching TLB flushes and the frees that must follow them.
 *
 * A gather collects everything one munmap, mprotect or exit changes in the
 * page tables, and turns it into as few TLB flushes as is safe:
 *
 *   tlb_gather_mmu()      start: nothing changed yet
 *   tlb_track_entry()     a leaf changed: widen the envelope [start, end),
 *                         note the level (PTE or PMD) - its stride
 *   tlb_remove_page()     a page lost a mapping: free it after the flush
 *   tlb_remove_table()    a page-table page was unhooked: same
 *   tlb_finish_mmu()      one flush for everything, then the frees (a
 *                         page no longer mapped also leaves the swap cache
 *                         when no swap entry needs its slot)
 *
 * Rules (x86, Linux 5.19 and later):
 *  - One flush per gather covering every VMA it touched, unless the batch
 *    of pages to free fills up (GATHER_BATCH) or the page size changes
 *    (a 2 MiB leaf after 4 KiB ones): then what is gathered is flushed
 *    first, so the stride of one flush is always right.
 *  - The flush invalidates the envelope entry by entry at the stride when
 *    it holds at most cfg.flush_ceiling entries, otherwise flushes all
 *    (decided in hw_flush_range()).
 *  - Nothing changed, nothing flushed: an entry that was not present never
 *    needs one, and its caller does not track it.
 *  - Pages and page tables are freed only after the flush that removed
 *    the last TLB entries able to reach them: unhook, invalidate, free.
 *  - flush=per_vma (the pre-5.19 scheme) flushes at every tlb_end_vma(),
 *    and mprotect flushes each changed VMA's whole range
 *    (tlb_end_protect_vma()), as flush_tlb_range() per VMA did.
 */
#include "mm.h"

static void reset_range(struct mmu_gather *tlb)
{
	tlb->start = UINT64_MAX;
	tlb->end = 0;
	tlb->cleared_ptes = tlb->cleared_pmds = tlb->cleared_puds = false;
	tlb->freed_tables = false;
}

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm, struct hw_cpu *cpu)
{
	tlb->mm = mm;
	tlb->cpu = cpu;
	tlb->fullmm = false;
	tlb->page_size = 0;
	tlb->nr_pages = 0;
	tlb->nr_tables = 0;
	tlb->flushes = 0;
	reset_range(tlb);
}

void tlb_gather_mmu_fullmm(struct mmu_gather *tlb, struct mm_struct *mm, struct hw_cpu *cpu)
{
	tlb_gather_mmu(tlb, mm, cpu);
	tlb->fullmm = true;
}

static void flush_tlb_only(struct mmu_gather *tlb)
{
	if (!(tlb->cleared_ptes || tlb->cleared_pmds || tlb->cleared_puds || tlb->freed_tables))
		return;
	if (tlb->fullmm) {
		hw_flush_mm(tlb->cpu, &tlb->mm->pmap);
	} else {
		unsigned stride = tlb->cleared_ptes ? PAGE_SHIFT
				  : tlb->cleared_pmds ? PMD_SHIFT
				  : tlb->cleared_puds ? PUD_SHIFT : PAGE_SHIFT;
		hw_flush_range(tlb->cpu, &tlb->mm->pmap, tlb->start, tlb->end, stride);
	}
	tlb->flushes++;
	reset_range(tlb);
}

void tlb_flush_mmu(struct mmu_gather *tlb)
{
	flush_tlb_only(tlb);
	struct mm_sys *s = tlb->mm->sys;
	/* Linux 6.12's free_pages_and_swap_cache() drains the local batch
	 * first, so pages still waiting there are freed now too. */
	if (tlb->nr_pages && tlb->cpu)
		lru_add_drain_cpu(s, tlb->cpu->id);
	for (unsigned i = 0; i < tlb->nr_pages; i++) {
		free_swap_cache(s, tlb->pages[i]);
		put_page(s, tlb->pages[i]);
	}
	tlb->nr_pages = 0;
	for (unsigned i = 0; i < tlb->nr_tables; i++)
		s->pt_ops.free_table(s, tlb->tables[i]);
	tlb->nr_tables = 0;
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
}

void tlb_track_entry(struct mmu_gather *tlb, uint64_t addr, uint64_t size)
{
	if (tlb->page_size && tlb->page_size != size)
		tlb_flush_mmu(tlb);	/* one stride per flush */
	tlb->page_size = size;
	if (addr < tlb->start)
		tlb->start = addr;
	if (addr + size > tlb->end)
		tlb->end = addr + size;
	if (size == PMD_SIZE)
		tlb->cleared_pmds = true;
	else
		tlb->cleared_ptes = true;
}

void tlb_note_freed_tables(struct mmu_gather *tlb, uint64_t start, uint64_t end)
{
	(void)end;
	tlb->freed_tables = true;
	if (tlb->end <= tlb->start) {
		tlb->start = start;
		tlb->end = start + PAGE_SIZE;
	}
}

void tlb_end_vma(struct mmu_gather *tlb)
{
	if (!tlb->fullmm && tlb->mm->sys->hw->cfg.flush_policy == MMSIM_FLUSH_PER_VMA)
		flush_tlb_only(tlb);
}

void tlb_end_protect_vma(struct mmu_gather *tlb, uint64_t start, uint64_t end, uint64_t pages)
{
	if (tlb->mm->sys->hw->cfg.flush_policy != MMSIM_FLUSH_PER_VMA)
		return;
	/* Pre-5.19 mprotect had no gather: whatever entries changed, the
	 * VMA's whole range was flushed at 4 KiB stride, present or not. */
	reset_range(tlb);
	if (!pages)
		return;
	hw_flush_range(tlb->cpu, &tlb->mm->pmap, start, end, PAGE_SHIFT);
	tlb->flushes++;
}

void tlb_remove_page(struct mmu_gather *tlb, struct page *p)
{
	tlb->pages[tlb->nr_pages++] = p;
	if (tlb->nr_pages == GATHER_BATCH)
		tlb_flush_mmu(tlb);
}

void tlb_remove_table(void *arg, uint64_t pfn)
{
	struct mmu_gather *tlb = arg;
	tlb->freed_tables = true;
	tlb->tables[tlb->nr_tables++] = pfn;
	if (tlb->nr_tables == GATHER_BATCH)
		tlb_flush_mmu(tlb);
}

/* ---- deferred flushes across address spaces ------------------------------------ */

void tlb_batch_init(struct tlb_batch *b)
{
	b->nr = 0;
	b->flushes = 0;
}

void tlb_batch_add(struct tlb_batch *b, struct hw_cpu *cpu, struct pmap *pm)
{
	for (unsigned i = 0; i < b->nr; i++)
		if (b->pm[i] == pm)
			return;
	if (b->nr == TLB_BATCH_MMS)
		tlb_batch_flush(b, cpu);
	/* Pinned: the caller found pm through a VMA under an rmap lock, but
	 * flushes after dropping it, when the address space may be exiting;
	 * mm_destroy waits for the pin to go. */
	__atomic_add_fetch(&pm->flush_pins, 1, __ATOMIC_RELAXED);
	b->pm[b->nr++] = pm;
}

void tlb_batch_flush(struct tlb_batch *b, struct hw_cpu *cpu)
{
	for (unsigned i = 0; i < b->nr; i++) {
		hw_flush_mm(cpu, b->pm[i]);
		b->flushes++;
		__atomic_sub_fetch(&b->pm[i]->flush_pins, 1, __ATOMIC_RELEASE);
	}
	b->nr = 0;
}
