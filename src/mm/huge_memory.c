/*
 * huge_memory.c - transparent huge pages for anonymous private memory.
 *
 * When THP applies to a VMA (thp=always unless the VMA says nohugepage;
 * thp=madvise only where it says hugepage) and the 2 MiB-aligned range
 * around a faulting address lies inside the VMA with no page table under
 * it yet, the fault maps one 2 MiB page with a single PMD entry - for a
 * read as for a write, as Linux 6.12 did on the reference runs.
 *
 * A huge page is one compound page: its references live on its head, its
 * mapcounts per subpage and, for PMD mappings, on its first tail (mm.h).
 * When part of it must be unmapped, protected or copied, the PMD entry is
 * split into 512 PTEs pointing at its subpages (split_huge_pmd); the
 * compound page itself stays whole and is freed when its last PTE goes,
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
	uint64_t ilx;
	bool ref;
	struct mempolicy *pol = get_vma_policy(cpu, vma, haddr, MAX_ORDER, &ilx, &ref);
	struct page *p = alloc_pages_mpol(s, cpu, pol, ilx, nid, MAX_ORDER, GFP_ZERO, nodemask);
	if (ref)
		mpol_put(pol);
	/* A huge page's charge does not reclaim: over the limit, small pages
	 * (Linux's thp_fault_fallback_charge). */
	if (p && mem_cgroup_try_charge_light(mm->memcg, p)) {
		put_page(s, p);
		count_vm_events(s, MMSIM_VM_thp_fault_fallback, 1);
		return -EAGAIN;
	}
	if (!p) {
		count_vm_events(s, MMSIM_VM_thp_fault_fallback, 1);
		return -EAGAIN;		/* fall back to a 4 KiB page */
	}
	struct pmap_entry e = { .kind = PMAP_PAGE,
				.prot = (uint8_t)(vma_pmap_prot(vma->vm_flags) |
						  ((vma->vm_flags & VM_WRITE) ? PMAP_W : 0)),
				.flags = PMAP_HUGE | PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY,
				.pfn = page_to_pfn(s, p) };
	/* Set up before the PMD publishes it, as do_anonymous_page() does:
	 * move_pages looks pages up without the ptl and reads the mapcount. */
	anon_page_setup(cpu, vma, p, haddr);
	if (pmap_set(&mm->pmap, haddr, &e, NULL)) {
		page_remove_rmap(s, p, true);
		put_page(s, p);
		return -EAGAIN;		/* a page table is already there */
	}
	count_event(mm, cpu, faults_anon);
	count_vm_events(s, MMSIM_VM_thp_fault_alloc, 1);
	return 0;
}

/*
 * A huge page being migrated is mapped by a PMD migration entry; splitting
 * it (a partial munmap or MADV_DONTNEED meanwhile) gives 512 PTE migration
 * entries, one per subpage, as Linux's __split_huge_pmd_locked() does.
 * Migration entries hold no reference and no mapcount and no TLB caches
 * them: there is nothing to count and nothing to flush.  Call with ptl.
 */
static int split_huge_pmd_migration(struct mm_struct *mm, uint64_t haddr,
				    const struct pmap_entry *e)
{
	struct pmap_entry none = { .kind = PMAP_EMPTY, .flags = PMAP_HUGE };
	uint64_t pfn = migration_entry_pfn(e);
	pmap_set(&mm->pmap, haddr, &none, NULL);
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++) {
		struct pmap_entry pe = *e;
		pe.flags &= (uint8_t)~PMAP_HUGE;
		pe.swp = (e->swp & ~SWP_PFN_MASK) | ((pfn + i) & SWP_PFN_MASK);
		int err = pmap_set(&mm->pmap, haddr + i * PAGE_SIZE, &pe, NULL);
		if (err) {
			/* Only the PTE table's allocation can fail, and then
			 * nothing was written: put the PMD entry back. */
			pmap_set(&mm->pmap, haddr, e, NULL);
			return err;
		}
	}
	return 0;
}

int split_huge_pmd(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t addr)
{
	struct pmap_entry e;
	uint64_t haddr = addr & PMD_MASK;
	int kind = pmap_lookup(&mm->pmap, haddr, &e);
	if (!(e.flags & PMAP_HUGE))
		return 0;
	if (kind != PMAP_PAGE && !(kind == PMAP_SWAP && is_migration_entry(&e)))
		return 0;
	count_vm_events(mm->sys, MMSIM_VM_thp_split_pmd, 1);
	/* Linux splits into the PTE table deposited (and charged) at the
	 * huge fault: this one's charge must not fail. */
	bool outer = pt_charge_force;
	pt_charge_force = true;
	int err = kind == PMAP_SWAP ? split_huge_pmd_migration(mm, haddr, &e)
				    : pmap_split_huge(&mm->pmap, haddr);
	pt_charge_force = outer;
	if (err || kind == PMAP_SWAP)
		return err;
	/* One mapping became 512: each PTE holds a reference (on the head)
	 * and a mapcount (on its subpage). */
	struct page *head = pfn_to_page(mm->sys, e.pfn);
	__atomic_add_fetch(&head->refcount, (int)HPAGE_PMD_NR - 1, __ATOMIC_RELAXED);
	page_rmap_split_pmd(head);
	/* Each PTE now speaks for its own subpage: so does exclusivity. */
	if (page_test(head, PG_anon_exclusive))
		for (uint64_t i = 1; i < HPAGE_PMD_NR; i++)
			page_set(head + i, PG_anon_exclusive);
	hw_flush_range(cpu, &mm->pmap, haddr, haddr + PMD_SIZE, PMD_SHIFT);
	/* The PMD mapping is gone (Linux's folio_remove_rmap_pmd): in a
	 * locked VMA that is a munlock, and the PTEs that replace it do not
	 * mlock a large folio again (6.12's rmap leaves that to reclaim). */
	struct vm_area_struct *vma = vma_lookup(mm, haddr);
	if (vma && (vma_flags_rmap(vma) & VM_LOCKED))
		munlock_page(mm->sys, head);
	return 0;
}

/* ---- splitting a huge page ------------------------------------------------------ */

/*
 * A PMD migration entry that unmap_folio() left for the folio becomes 512
 * PTE migration entries, as Linux's split with TTU_SPLIT_HUGE_PMD freezes
 * a PMD straight into them (thp_split_pmd counts; nothing is partially
 * mapped on the way).
 */
static bool split_pmd_migration_entry(struct page *head, struct vm_area_struct *vma,
				      uint64_t start, uint64_t end, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pmap_entry e;
	int *err = arg;
	(void)end;
	spin_lock(&mm->ptl);
	if (pmap_lookup(&mm->pmap, start, &e) == PMAP_SWAP && (e.flags & PMAP_HUGE) &&
	    is_migration_entry(&e) && migration_entry_pfn(&e) == page_to_pfn(mm->sys, head))
		*err = split_huge_pmd(mm, NULL, start);
	spin_unlock(&mm->ptl);
	return !*err;
}

/*
 * Every mapping of the folio becomes a migration entry naming its subpage
 * (Linux's unmap_folio), the TLBs flushed before the split begins: from
 * here until its piece is mapped again, a fault on one waits for the piece
 * and nothing reaches the folio through a page table.
 */
static int unmap_folio(struct mm_sys *s, struct hw_cpu *cpu, struct page *head)
{
	struct tlb_batch batch;
	int err = 0;

	tlb_batch_init(&batch);
	try_to_migrate(s, cpu, head, &batch, NULL);
	tlb_batch_flush(&batch, cpu);
	rmap_walk(head, split_pmd_migration_entry, &err);
	if (!err && folio_mapcount(head))
		err = -EBUSY;	/* a mapping the walk could not reach */
	return err;
}

/*
 * Turns subpage i of a frozen, unmapped huge page into a page of its own
 * with the head's `flags` and `mapping`.  Nothing maps the folio and its
 * count is frozen, but compound_head() may still be asked about a piece
 * (a fault that met its migration entry), so the piece's fields come
 * first and PG_tail, then the head pointer, go last with release stores
 * (mm.h's locking notes).  The caller unfreezes its count after.
 */
static void split_one(struct page *head, struct page *p, unsigned i, uint32_t flags,
		      uintptr_t mapping)
{
	VM_BUG_ON_PAGE(i && (!page_test(p, PG_tail) || compound_head(p) != head), p);
	VM_BUG_ON_PAGE(p->mapcount, p);
	__atomic_store_n(&p->mapping, mapping, __ATOMIC_RELAXED);
	p->index = head->index + i;
	p->order = 0;
	list_init(&p->lru);
	/* The charge of 512 pages is now one on each piece (Linux's
	 * split_page_memcg): each is freed, and uncharged, on its own. */
	__atomic_store_n(&p->memcg, __atomic_load_n(&head->memcg, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	/* PG_waiters stays: a fault that met the head's migration entry
	 * before the freeze may sleep on the head's lock (split's unlock
	 * must wake it).  The store is a CAS loop for the same reason: the
	 * waiter sets that bit at any moment. */
	uint32_t old = __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&p->flags, &old,
					    (old & ((1u << PG_used) | (1u << PG_waiters))) | flags,
					    false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	__atomic_store_n(&p->private, 0, __ATOMIC_RELEASE);
}

/* The flags each piece takes from the head; PG_locked too, until the
 * piece is mapped again. */
static uint32_t split_inherited_flags(const struct page *head)
{
	static const enum pageflags inherited[] = {
		PG_referenced, PG_uptodate, PG_dirty, PG_active, PG_swapbacked,
		PG_mlocked, PG_unevictable,
	};
	uint32_t flags = 1u << PG_locked;
	for (unsigned k = 0; k < sizeof inherited / sizeof inherited[0]; k++)
		if (page_test(head, inherited[k]))
			flags |= 1u << inherited[k];
	return flags;
}

int split_huge_page_to_list(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
			    struct list_head *list)
{
	unsigned nr = 1u << head->order;

	if (!page_anon(head) || page_test(head, PG_swapcache))
		return -EBUSY;
	if (!trylock_page(head))
		return -EAGAIN;
	int err = unmap_folio(s, cpu, head);
	/* Unmapped, the folio's only reference is the caller's isolation. */
	if (!err && !page_ref_freeze(head, 1))
		err = -EAGAIN;
	if (err) {
		remove_migration_ptes(s, head, head, NULL);
		unlock_page(head);
		return err;
	}
	uint32_t flags = split_inherited_flags(head);
	struct anon_vma *av = page_anon_vma(head);
	uintptr_t mapping = head->mapping;
	int cpupid = folio_last_cpupid(s, head);

	/* Tails first, the head last: a fault that still takes a piece for a
	 * tail finds the head whole (frozen: it retries). */
	for (unsigned i = nr; i-- > 0;) {
		struct page *p = head + i;
		if (i) {
			get_anon_vma(av);	/* the head's reference stays its own */
			/* Each piece remembers the huge page's last hinting
			 * fault (Linux's __split_huge_page_tail copies it). */
			folio_xchg_last_cpupid(s, p, cpupid);
		}
		split_one(head, p, i, flags, mapping);
		page_ref_unfreeze(p, 1);	/* the isolation's */
		list_add(&p->lru, list);
	}
	/* Each piece is mapped again where its subpage was (one reference per
	 * mapping; an all-zero one maps the zero page: Linux 6.12's
	 * remap_page with RMP_USE_SHARED_ZEROPAGE), then unlocked, waking the
	 * faults that waited on it.  A piece nobody maps is held by its
	 * isolation alone: the list's owner frees it. */
	for (unsigned i = 0; i < nr; i++) {
		remap_split_piece(s, head + i);
		unlock_page(head + i);
	}
	count_vm_events(s, MMSIM_VM_thp_split_page, 1);
	return 0;
}
