/*
 * mprotect.c - mprotect(2) and pkey_mprotect(2), and change_protection(),
 * the page-table rewrite they share with NUMA hinting and userfaultfd
 * write-protection.
 *
 * do_mprotect_pkey() makes Linux 6.12's checks in Linux's order:
 *   PROT_GROWSDOWN|PROT_GROWSUP together, an unaligned start -> EINVAL;
 *   len 0 -> 0 (nothing is looked at); the rounded range wraps -> ENOMEM;
 *   prot bits beyond READ|WRITE|EXEC|SEM -> EINVAL; a pkey never
 *   allocated -> EINVAL; no VMA meets the range, or a hole at its start ->
 *   ENOMEM; GROWSDOWN/GROWSUP on a VMA that does not grow so -> EINVAL.
 * Then every VMA of the range in turn: prot beyond the VMA's MAY bits ->
 * EACCES; a hole before the next VMA -> ENOMEM.  VMAs already changed keep
 * their change: there is no rollback, in Linux either.
 *
 * mprotect_fixup() changes one VMA's part of the range: private mappings
 * made writable are charged (VM_ACCOUNT) against the overcommit limit, the
 * VMA is split at the range ends or merged with its neighbours (vma.c), and
 * change_protection() rewrites the entries.  A locked private VMA made
 * writable is faulted in for writing at once (copy-on-write broken up
 * front, as mlock would).
 *
 * change_protection() visits the present leaves of [start, end) (the walk
 * PGD -> P4D -> PUD -> PMD -> PTE is the pmap's) under the ptl and
 * rewrites each with the VMA's new protection, keeping pfn, dirty,
 * accessed and soft-dirty.  A 2 MiB leaf the range covers whole is
 * rewritten in place; one it covers in part is split first.  Write
 * permission is granted right away only where a write fault would grant it
 * anyway (exclusive anonymous pages of private mappings: Linux's
 * can_change_pte_writable()).  Every rewrite that could leave a stricter
 * or different translation cached in a TLB goes into the caller's
 * mmu_gather (x86's pte_needs_flush(): the old entry was present and its
 * permissions, frame or dirty bit changed); the gather flushes once, after
 * the last VMA.  An entry that was not present (PROT_NONE) cannot be
 * cached and adds nothing.
 *
 * Locking: mmap_lock held for writing by mprotect, for reading by NUMA
 * scanning; entries change under mm->ptl through the pmap's modify
 * protocol, so an accessed or dirty bit the MMU sets meanwhile is kept.
 */
#include "mm.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>

#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

/* Linux's is_cow_mapping(): private, and could ever be written. */
static bool is_cow_mapping(uint64_t vm_flags)
{
	return (vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

bool vma_wants_manual_write_upgrade(const struct vm_area_struct *vma)
{
	/* Shared memory maps writable straight away (vma_pmap_prot), except
	 * a file that keeps dirty accounting (VM_WRNOTIFY): there each entry
	 * becomes writable at its own write fault, which dirties the page
	 * (Linux would upgrade the entries already dirty here). */
	if (vma->vm_flags & VM_SHARED)
		return false;
	return vma->vm_flags & VM_WRITE;
}

bool can_change_entry_writable(struct mm_sys *s, const struct vm_area_struct *vma,
			       const struct pmap_entry *e)
{
	if (!(vma->vm_flags & VM_WRITE) || !e->prot)
		return false;
	/* Soft-dirty tracking wants the write fault that sets the bit. */
	if (!(vma->vm_flags & VM_SOFTDIRTY) && !(e->flags & PMAP_SOFTDIRTY))
		return false;
	/* So does userfaultfd write-protection. */
	if ((vma->vm_flags & VM_UFFD_WP) && (e->flags & PMAP_UFFD_WP))
		return false;
	if (vma->vm_flags & VM_SHARED)
		return e->flags & PMAP_DIRTY;
	/* Private: only a page nobody else can reach may be written in place. */
	if (e->pfn == s->zero_pfn)
		return false;
	/* A PTE-mapped piece of a huge page: the head says anonymous, the
	 * piece itself whether it is exclusive (split_huge_pmd). */
	struct page *p = pfn_to_page(s, e->pfn);
	return page_anon(compound_head(p)) && page_test(p, PG_anon_exclusive);
}

/* x86's pte_needs_flush(): could a TLB still hold something the new entry
 * no longer allows?  Accessed is ignored, as Linux does. */
static bool entry_needs_flush(const struct pmap_entry *old, const struct pmap_entry *new)
{
	if (!old->prot)
		return false;		/* not present: never cached */
	if (old->pfn != new->pfn || old->prot != new->prot)
		return true;
	return (old->flags & PMAP_DIRTY) && !(new->flags & PMAP_DIRTY);
}

/* What change_protection() is doing, for the per-entry helpers. */
struct cp_ctx {
	struct mmu_gather *tlb;
	struct vm_area_struct *vma;
	unsigned flags;		/* MM_CP_* */
	unsigned prot;		/* the VMA's new PMAP_R/W/X */
	int target_node;	/* prot_numa: pages already here are left alone */
	uint64_t pages;		/* entries rewritten, in 4 KiB pages */
};

/* NUMA hinting leaves alone what a hinting fault could not move or need
 * not: the zero page, COW pages shared with another process, dirty file
 * pages (an asynchronous migration may not move them), pages already
 * inaccessible or already on the node the lone thread runs on, and with
 * memory tiering alone (no normal balancing) the top tiers' pages. */
static bool numa_skip(const struct cp_ctx *c, const struct pmap_entry *e)
{
	struct mm_sys *s = c->vma->vm_mm->sys;
	if (!e->prot || e->pfn == s->zero_pfn)
		return true;
	struct page *head = compound_head(pfn_to_page(s, e->pfn));
	if (is_cow_mapping(c->vma->vm_flags) && folio_likely_mapped_shared(head))
		return true;
	if (!page_test(head, PG_swapbacked) && page_test(head, PG_dirty))
		return true;
	unsigned nid = hw_pfn_node(s->hw, e->pfn);
	if (c->target_node >= 0 && nid == (unsigned)c->target_node)
		return true;
	return !(s->hw->cfg.numa_balancing & MMSIM_NUMA_BALANCING_NORMAL) && numa_tiering_mode(s) &&
	       node_is_toptier(s, nid);
}

/* The new value of one present leaf. */
static void new_entry(const struct cp_ctx *c, const struct pmap_entry *old, struct pmap_entry *n)
{
	*n = *old;
	n->prot = (uint8_t)((c->flags & MM_CP_PROT_NUMA) ? 0 : c->prot);
	if (c->flags & MM_CP_UFFD_WP) {
		n->flags |= PMAP_UFFD_WP;
		n->prot &= (uint8_t)~PMAP_W;
	} else if (c->flags & MM_CP_UFFD_WP_RESOLVE) {
		n->flags &= (uint8_t)~PMAP_UFFD_WP;
	}
	if ((c->flags & MM_CP_TRY_CHANGE_WRITABLE) && !(n->prot & PMAP_W) &&
	    !(n->flags & PMAP_UFFD_WP) &&
	    can_change_entry_writable(c->vma->vm_mm->sys, c->vma, n))
		n->prot |= PMAP_W;
}

static void change_present(struct cp_ctx *c, struct pmap_iter *it, const struct pmap_entry *seen)
{
	struct mm_struct *mm = c->vma->vm_mm;
	struct pmap_entry old, n;
	if ((c->flags & MM_CP_PROT_NUMA) && numa_skip(c, seen))
		return;
	if ((c->flags & MM_CP_PROT_NUMA) && c->tlb->cpu) {
		/* Tiering times a lower-tier page's next access from now. */
		struct mm_sys *s = mm->sys;
		struct page *head = compound_head(pfn_to_page(s, seen->pfn));
		if (folio_use_access_time(s, head))
			folio_xchg_access_time(s, head, hw_cpu_ms(c->tlb->cpu));
	}
	/* Take the entry out, so an accessed or dirty bit the MMU sets
	 * meanwhile is in `old`, then put the new one in. */
	pmap_iter_modify_start(it, &old);
	new_entry(c, &old, &n);
	pmap_iter_modify_commit(it, &n);
	if (entry_needs_flush(&old, &n))
		tlb_track_entry(c->tlb, it->va, it->size);
	uint64_t nr = it->size >> PAGE_SHIFT;
	c->pages += nr;
	if (c->flags & MM_CP_PROT_NUMA) {
		__atomic_fetch_add(&mm->cnt.numa_pte_updates, nr, __ATOMIC_RELAXED);
		if (c->tlb->cpu)
			c->tlb->cpu->cnt.numa_pte_updates += nr;
		count_vm_events(mm->sys, MMSIM_VM_numa_pte_updates, nr);
	}
	/* Linux counts every huge entry change_protection() rewrites, for
	 * NUMA hinting or not (change_pmd_range's nr_huge_updates). */
	if (it->size == PMD_SIZE)
		count_vm_events(mm->sys, MMSIM_VM_numa_huge_pte_updates, 1);
}

/*
 * A migration entry: a writable one becomes read-only, since the new
 * protection may not allow writing and the entry keeps no prot of its own
 * (a private one keeps its exclusivity).  uffd-wp is carried as asked.
 */
static void change_migration_entry(struct cp_ctx *c, struct pmap_iter *it,
				   const struct pmap_entry *e)
{
	struct pmap_entry n = *e;
	if (n.swp & SWP_MIG_WRITE) {
		/* Written through a private mapping means an exclusive anonymous
		 * page (the page itself is the migration's to look at now). */
		n.swp &= ~SWP_MIG_WRITE;
		if (!(c->vma->vm_flags & VM_SHARED))
			n.swp |= SWP_MIG_EXCLUSIVE;
	}
	if (c->flags & MM_CP_UFFD_WP)
		n.flags |= PMAP_UFFD_WP;
	else if (c->flags & MM_CP_UFFD_WP_RESOLVE)
		n.flags &= (uint8_t)~PMAP_UFFD_WP;
	if (n.swp != e->swp || n.flags != e->flags) {
		pmap_iter_write(it, &n);
		c->pages += it->size >> PAGE_SHIFT;
	}
	/* The mapping this entry replaced may still sit in a TLB until the
	 * migration's batched flush: ours must cover it before mprotect
	 * returns (Linux's flush_tlb_batched_pending()). */
	tlb_track_entry(c->tlb, it->va, it->size);
}

uint64_t change_protection(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end, unsigned cp_flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct cp_ctx c = { tlb, vma, cp_flags, vma_pmap_prot(vma->vm_flags), -1, 0 };
	struct pmap_iter it;
	struct pmap_entry e;

	/* A lone thread's private pages on its own node need no hinting. */
	if ((cp_flags & MM_CP_PROT_NUMA) && !(vma->vm_flags & VM_SHARED) &&
	    __atomic_load_n(&mm->users, __ATOMIC_RELAXED) == 1 && tlb->cpu)
		c.target_node = (int)tlb->cpu->node;

	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (it.size == PMD_SIZE && (it.va < start || it.va + PMD_SIZE > end)) {
			/* The range covers part of a 2 MiB mapping: split it. */
			uint64_t resume = it.va < start ? start : it.va;
			if (split_huge_pmd(mm, tlb->cpu, it.va))
				break;	/* no memory for a PTE table: leave it */
			pmap_iter_init(&it, &mm->pmap, resume, end);
			continue;
		}
		if (e.kind == PMAP_PAGE)
			change_present(&c, &it, &e);
		else if (is_migration_entry(&e))
			change_migration_entry(&c, &it, &e);
	}
	spin_unlock(&mm->ptl);
	tlb_end_protect_vma(tlb, start, end, c.pages);
	return c.pages;
}

/* ---- mprotect -------------------------------------------------------------------- */

static uint64_t calc_vm_prot_bits(unsigned long prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

/* Changes [start, end) of vma to newflags; *out is the VMA covering it after. */
static int mprotect_fixup(struct mmu_gather *tlb, struct vm_area_struct *vma,
			  struct vm_area_struct **out, uint64_t start, uint64_t end,
			  uint64_t newflags)
{
	struct mm_struct *mm = vma->vm_mm;
	uint64_t oldflags = vma->vm_flags;
	uint64_t nrpages = (end - start) >> PAGE_SHIFT;
	int err = 0;

	*out = vma;
	if (newflags == oldflags)
		return 0;
	if (newflags & VM_WRITE) {
		/* Private memory turning writable is committed memory now. */
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
			if (!vm_enough_memory(mm->sys, nrpages))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) && !vma->anon_vma) {
		/* Never written: the charge can go (and the VMA may merge). */
		newflags &= ~VM_ACCOUNT;
	}
	vma = vma_modify_flags(mm, tlb->cpu, vma, start, end, newflags, &err);
	if (!vma)
		return err;
	*out = vma;
	unsigned cp = vma_wants_manual_write_upgrade(vma) ? MM_CP_TRY_CHANGE_WRITABLE : 0;
	change_protection(tlb, vma, start, end, cp);
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE))
		populate_vma_range(mm, tlb->cpu, vma, start, end);
	return 0;
}

/* The VMA-by-VMA loop, with mmap_lock held for writing. */
static int mprotect_vmas(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end,
			 unsigned long prot, unsigned long grows, bool rier)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		start = vma->vm_start;
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)
			return -EINVAL;	/* x86 has no VM_GROWSUP */
	}

	struct mmu_gather gather;
	struct mmu_gather *tlb = &gather;
	tlb_gather_mmu(tlb, mm, cpu);
	uint64_t nstart = start, tmp = vma->vm_start;
	int err = 0;
	while (vma && vma->vm_start < end) {
		if (vma->vm_start != tmp) {
			err = -ENOMEM;	/* a hole */
			break;
		}
		unsigned long p = prot;
		if (rier && (vma->vm_flags & VM_MAYEXEC))
			p |= PROT_EXEC;
		uint64_t newflags = calc_vm_prot_bits(p) | (vma->vm_flags & ~VM_ACCESS_FLAGS);
		/* VM_MAY* sit four bits above the VM_* they allow. */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		if ((err = mprotect_fixup(tlb, vma, &vma, nstart, tmp, newflags)))
			break;
		tmp = vma->vm_end;	/* a merge may reach past end */
		nstart = tmp;
		vma = find_vma(mm, tmp);
	}
	tlb_finish_mmu(tlb);
	if (!err && tmp < end)
		err = -ENOMEM;
	return err;
}

int do_mprotect_pkey(struct mm_struct *mm, const struct mmap_caller *c, uint64_t start,
		     uint64_t len, unsigned long prot, int pkey)
{
	unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	bool rier = c->read_implies_exec && (prot & PROT_READ);

	prot &= ~(unsigned long)(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	uint64_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;

	pthread_rwlock_wrlock(&mm->mmap_lock);
	/* No protection keys on this machine: only the default key 0 is
	 * allocated (x86 without PKU). */
	int err = pkey != -1 && pkey != 0 ? -EINVAL
					    : mprotect_vmas(mm, c->cpu, start, end, prot, grows, rier);
	validate_mm(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}

/* ---- NUMA hinting ----------------------------------------------------------------- */

bool vma_numa_scannable(struct hw_cpu *cpu, struct vm_area_struct *vma)
{
	/* task_numa_work() skips what it could not move (vma_migratable,
	 * and a policy without MPOL_F_MOF), read-only file mappings (shared
	 * library text: replicated in caches anyway) and inaccessible VMAs
	 * (PROT_NONE must not be taken for a hint). */
	if (!vma_migratable(vma) || !vma_is_accessible(vma) ||
	    (vma->vm_file && (vma->vm_flags & (VM_READ | VM_WRITE)) == VM_READ))
		return false;
	return vma_policy_mof(cpu, vma);
}

/* Linux's change_prot_numa(): one mmu_gather for the range, so the entries
 * made inaccessible are flushed once, by range, when it finishes. */
uint64_t change_prot_numa_vma(struct vm_area_struct *vma, struct hw_cpu *cpu, uint64_t start,
			      uint64_t end)
{
	struct mmu_gather gather, *tlb = &gather;
	tlb_gather_mmu(tlb, vma->vm_mm, cpu);
	uint64_t pages = change_protection(tlb, vma, start, end, MM_CP_PROT_NUMA);
	tlb_finish_mmu(tlb);
	return pages;
}

uint64_t change_prot_numa(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end)
{
	struct mmu_gather gather, *tlb = &gather;
	uint64_t pages = 0;

	pthread_rwlock_rdlock(&mm->mmap_lock);
	tlb_gather_mmu(tlb, mm, cpu);
	for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end;
	     v = find_vma(mm, v->vm_end)) {
		if (!vma_numa_scannable(cpu, v))
			continue;
		uint64_t s = v->vm_start > start ? v->vm_start : start;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		pages += change_protection(tlb, v, s, e, MM_CP_PROT_NUMA);
	}
	tlb_finish_mmu(tlb);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return pages;
}

/* ---- userfaultfd write-protection -------------------------------------------------- */

int uffd_register_wp(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	if ((start | len) & ~PAGE_MASK || !len || start + len < start)
		return -EINVAL;
	uint64_t end = start + len;
	int err = 0;
	pthread_rwlock_wrlock(&mm->mmap_lock);
	/* UFFDIO_REGISTER wants the range mapped without holes, and only
	 * anonymous or shared memory. */
	for (uint64_t a = start; a < end && !err;) {
		struct vm_area_struct *v = vma_lookup(mm, a);
		if (!v)
			err = -EINVAL;
		else
			a = v->vm_end;
	}
	for (uint64_t a = start; a < end && !err;) {
		struct vm_area_struct *v = vma_lookup(mm, a);
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		v = vma_modify_flags(mm, NULL, v, a, e, v->vm_flags | VM_UFFD_WP, &err);
		if (v)
			a = v->vm_end;
	}
	validate_mm(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}

int uffd_writeprotect(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len,
		      bool wp)
{
	if ((start | len) & ~PAGE_MASK || !len || start + len < start)
		return -EINVAL;
	uint64_t end = start + len;
	int err = 0;
	struct mmu_gather gather, *tlb = &gather;
	pthread_rwlock_rdlock(&mm->mmap_lock);
	/* Every VMA of the range must be registered for write-protection. */
	for (uint64_t a = start; a < end;) {
		struct vm_area_struct *v = vma_lookup(mm, a);
		if (!v || !(v->vm_flags & VM_UFFD_WP)) {
			err = -ENOENT;
			break;
		}
		a = v->vm_end;
	}
	if (!err) {
		tlb_gather_mmu(tlb, mm, cpu);
		for (uint64_t a = start; a < end;) {
			struct vm_area_struct *v = vma_lookup(mm, a);
			uint64_t e = v->vm_end < end ? v->vm_end : end;
			unsigned cp = wp ? MM_CP_UFFD_WP : MM_CP_UFFD_WP_RESOLVE;
			if (!wp && vma_wants_manual_write_upgrade(v))
				cp |= MM_CP_TRY_CHANGE_WRITABLE;
			change_protection(tlb, v, a, e, cp);
			a = e;
		}
		tlb_finish_mmu(tlb);
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}
