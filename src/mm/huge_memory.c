/*
 * huge_memory.c - transparent huge pages for anonymous private memory.
 *
 * When THP applies to a VMA (thp=always unless the VMA says nohugepage;
 * thp=madvise only where it says hugepage) and the 2 MiB-aligned range
 * around a faulting address lies inside the VMA with no page table under
 * it yet, the fault maps one 2 MiB page with a single PMD entry - for a
 * read as for a write, as Linux 6.12 did on the reference runs.
 *
 * A huge page is one compound page: refcount and mapcount live on its
 * head.  When part of it must be unmapped, protected or copied, the PMD
 * entry is split into 512 PTEs pointing at its subpages (split_huge_pmd);
 * the compound page itself stays whole and is freed when its last PTE goes,
 * as Linux does before its deferred split.
 */
#include "mm.h"

#include <errno.h>

bool thp_vma_allowed(const struct vm_area_struct *vma, uint64_t addr)
{
	enum mmsim_thp mode = vma->vm_mm->sys->thp;
	if (!vma_is_anonymous(vma) || (vma->vm_flags & VM_NOHUGEPAGE))
		return false;
	if (mode == MMSIM_THP_NEVER || (mode == MMSIM_THP_MADVISE && !(vma->vm_flags & VM_HUGEPAGE)))
		return false;
	uint64_t haddr = addr & PMD_MASK;
	return haddr >= vma->vm_start && haddr + PMD_SIZE <= vma->vm_end;
}

int do_huge_pmd_anonymous_page(struct mm_struct *mm, struct hw_cpu *cpu,
			       struct vm_area_struct *vma, uint64_t addr, unsigned nid,
			       uint64_t nodemask)
{
	struct mm_sys *s = mm->sys;
	uint64_t haddr = addr & PMD_MASK;
	int err;

	if ((err = anon_vma_prepare(vma)))
		return err;
	struct page *p = alloc_pages_mask(s, cpu, nid, MAX_ORDER, GFP_ZERO, nodemask);
	if (!p)
		return -EAGAIN;		/* fall back to a 4 KiB page */
	struct pmap_entry e = { .kind = PMAP_PAGE,
				.prot = (uint8_t)(vma_pmap_prot(vma->vm_flags) |
						  ((vma->vm_flags & VM_WRITE) ? PMAP_W : 0)),
				.flags = PMAP_HUGE | PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY,
				.pfn = page_to_pfn(s, p) };
	if (pmap_set(&mm->pmap, haddr, &e, NULL)) {
		put_page(s, p);
		return -EAGAIN;		/* a page table is already there */
	}
	anon_page_setup(cpu, vma, p, haddr);
	count_event(mm, cpu, faults_anon);
	return 0;
}

int split_huge_pmd(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t addr)
{
	struct pmap_entry e;
	uint64_t haddr = addr & PMD_MASK;
	if (pmap_lookup(&mm->pmap, haddr, &e) != PMAP_PAGE || !(e.flags & PMAP_HUGE))
		return 0;
	int err = pmap_split_huge(&mm->pmap, haddr);
	if (err)
		return err;
	/* One mapping became 512: each PTE holds a reference and a mapcount. */
	struct page *head = pfn_to_page(mm->sys, e.pfn);
	__atomic_add_fetch(&head->refcount, (int)HPAGE_PMD_NR - 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&head->mapcount, (int)HPAGE_PMD_NR - 1, __ATOMIC_RELAXED);
	hw_flush_range(cpu, &mm->pmap, haddr, haddr + PMD_SIZE, PMD_SHIFT);
	return 0;
}
