/*
 * mlock.c - mlock(2) and munlock(2): VM_LOCKED VMAs and PG_mlocked pages.
 *
 * Locking a range marks its VMAs VM_LOCKED (splitting and merging them as
 * any flag change does), moves the pages already mapped there to the
 * unevictable list, and then faults the rest in (writes for private
 * writable mappings, so copy-on-write is broken up front).  mm->locked_vm
 * counts the pages of VM_LOCKED VMAs; without CAP_IPC_LOCK it may not pass
 * RLIMIT_MEMLOCK.  Unlocking clears the flag and returns the pages to the
 * evictable lists.  Errors follow Linux: a hole in the range is ENOMEM
 * (VMAs before it keep their change), a failure to fault pages in is
 * reported as POSIX wants (EFAULT -> ENOMEM, ENOMEM -> EAGAIN).
 */
#include "mm.h"

#include <errno.h>

/*
 * Is the huge page (head) that a PTE at it->va maps mapped whole, page
 * after page, inside [start, end)?  Linux 6.12 (allow_mlock_munlock)
 * mlocks or munlocks a PTE-mapped huge page only then, and once: at the
 * PTE of its first subpage.
 */
static bool huge_mapped_whole(struct mm_struct *mm, const struct pmap_iter *it, uint64_t pfn,
			      struct page *head, uint64_t start, uint64_t end)
{
	struct mm_sys *s = mm->sys;
	uint64_t hpfn = page_to_pfn(s, head), nr = 1ULL << head->order;
	if (pfn != hpfn || it->va < start || it->va + nr * PAGE_SIZE > end)
		return false;
	for (uint64_t i = 1; i < nr; i++) {
		struct pmap_entry e;
		if (pmap_lookup(&mm->pmap, it->va + i * PAGE_SIZE, &e) != PMAP_PAGE ||
		    e.pfn != hpfn + i)
			return false;
	}
	return true;
}

/* Sets or clears PG_mlocked on the pages mapped in [start, end) of vma
 * (on a huge page's head: the flag is the whole page's). */
static void mlock_vma_pages(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
			    uint64_t end, bool lock)
{
	struct pmap_iter it;
	struct pmap_entry e;
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (e.kind != PMAP_PAGE || e.pfn == mm->sys->zero_pfn)
			continue;
		struct page *head = compound_head(pfn_to_page(mm->sys, e.pfn));
		/* mlock marks a PTE-mapped huge page only when the range maps
		 * it whole; munlock unmarks it whatever part it covers (Linux
		 * 6.12's allow_mlock_munlock). */
		if (lock && head->order && !(e.flags & PMAP_HUGE) &&
		    !huge_mapped_whole(mm, &it, e.pfn, head, start, end))
			continue;
		if (lock)
			mlock_page(mm->sys, head);
		else
			munlock_page(mm->sys, head);
	}
	spin_unlock(&mm->ptl);
	(void)vma;
}

/* Pages of [start, end) already inside VM_LOCKED VMAs. */
static uint64_t count_locked(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	uint64_t n = 0;
	for (int i = vma_index(mm, start); i < mm->vmas.n; i++) {
		struct vm_area_struct *v = mm->vmas.v[i];
		if (v->vm_start >= end)
			break;
		if (!(v->vm_flags & VM_LOCKED))
			continue;
		uint64_t s = v->vm_start > start ? v->vm_start : start;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		n += (e - s) >> PAGE_SHIFT;
	}
	return n;
}

static int mlock_fixup(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		       uint64_t start, uint64_t end, uint64_t newflags)
{
	uint64_t oldflags = vma->vm_flags;
	int err = 0;
	/* Special mappings (the vDSO's) are never locked, nor counted. */
	if (newflags == oldflags || (oldflags & VM_SPECIAL))
		return 0;
	vma = vma_modify_flags(mm, cpu, vma, start, end, newflags, &err);
	if (!vma)
		return err;
	int64_t pages = (int64_t)((end - start) >> PAGE_SHIFT);
	if (!(newflags & VM_LOCKED))
		mm->locked_vm -= (uint64_t)pages;
	else if (!(oldflags & VM_LOCKED))
		mm->locked_vm += (uint64_t)pages;
	if (!((newflags & VM_LOCKED) && (oldflags & VM_LOCKED))) {
		/* Linux drains the CPU's batches around the walk, so the pages
		 * it marks are on their lists. */
		lru_add_drain_local(mm->sys, cpu);
		mlock_vma_pages(mm, vma, start, end, newflags & VM_LOCKED);
		lru_add_drain_local(mm->sys, cpu);
	}
	return 0;
}

static int apply_vma_lock_flags(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start,
				uint64_t end, uint64_t flags)
{
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	struct vm_area_struct *vma = vma_lookup(mm, start);
	if (!vma)
		return -ENOMEM;
	for (uint64_t nstart = start;;) {
		uint64_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		uint64_t tmp = vma->vm_end < end ? vma->vm_end : end;
		int err = mlock_fixup(mm, cpu, vma, nstart, tmp, newflags);
		if (err)
			return err;
		nstart = tmp;
		if (nstart >= end)
			return 0;
		/* A merge may have grown a VMA over nstart: look it up again. */
		vma = find_vma(mm, nstart);
		if (!vma || vma->vm_start > nstart)
			return -ENOMEM;	/* a hole: what came before keeps its change */
	}
}

int do_mlock(struct mm_struct *mm, const struct mmap_caller *c, uint64_t start, uint64_t len,
	     bool lock)
{
	/* PAGE_ALIGN(len + offset), wrapping as Linux's does. */
	len = (len + (start & ~PAGE_MASK) + PAGE_SIZE - 1) & PAGE_MASK;
	start &= PAGE_MASK;
	if (lock && !c->cap_ipc_lock && c->memlock_limit == 0)
		return -EPERM;	/* can_do_mlock() */

	pthread_rwlock_wrlock(&mm->mmap_lock);
	int err;
	if (lock) {
		uint64_t limit = c->memlock_limit >> PAGE_SHIFT;
		uint64_t locked = (len >> PAGE_SHIFT) + mm->locked_vm;
		if (locked > limit && !c->cap_ipc_lock)
			locked -= count_locked(mm, start, start + len);
		err = (locked <= limit || c->cap_ipc_lock)
			      ? apply_vma_lock_flags(mm, c->cpu, start, start + len, VM_LOCKED)
			      : -ENOMEM;
		if (!err) {
			err = mm_populate(mm, c->cpu, start, start + len, false);
			if (err == -EFAULT)
				err = -ENOMEM;
			else if (err == -ENOMEM)
				err = -EAGAIN;
		}
	} else {
		err = apply_vma_lock_flags(mm, c->cpu, start, start + len, 0);
	}
	validate_mm(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}
