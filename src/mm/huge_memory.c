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
#include <stdlib.h>
#include <string.h>

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
	if (kind == PMAP_SWAP)
		return split_huge_pmd_migration(mm, haddr, &e);
	int err = pmap_split_huge(&mm->pmap, haddr);
	if (err)
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
	return 0;
}

/* ---- splitting a partially mapped huge page for migration ------------------- */

struct split_count {
	uint64_t pfn;			/* the head's */
	uint16_t map[HPAGE_PMD_NR];	/* PTE mappings per subpage */
	bool pmd;			/* some process maps it whole */
};

static void count_one_map(struct pmap_iter *it, const struct pmap_entry *e, void *arg)
{
	struct split_count *c = arg;
	(void)it;
	if (e->flags & PMAP_HUGE)
		c->pmd = true;
	else
		c->map[e->pfn - c->pfn]++;
}

static bool count_subpage_maps(struct page *head, struct vm_area_struct *vma, uint64_t start,
			       uint64_t end, void *arg)
{
	struct split_count *c = arg;
	page_vma_mapped_walk(vma->vm_mm->sys, head, vma, start, end, count_one_map, c);
	return !c->pmd;
}

/*
 * Linux 6.12's split maps an anonymous huge page's all-zero subpages to the
 * shared zero page (remap_page with RMP_USE_SHARED_ZEROPAGE): memory that
 * was never written need not stay allocated.  Not in a locked VMA nor for
 * an mlocked page.  In each VMA the folio's entries are taken out and
 * flushed together before its pages are read, with the ptl held until they
 * are back, so no CPU can store into a page meanwhile (Linux reads them
 * behind migration entries); an entry whose page is not all zeros goes
 * back as it was.
 */
struct zero_remap {
	struct mm_sys *s;
	struct hw_cpu *cpu;		/* flushes the entries taken out */
	struct page *head;
	uint64_t pfn;			/* the head's */
	struct split_count *c;
};

/* Puts back the entry taken out at va, or the zero page if its page is. */
static void remap_one_zero(struct zero_remap *z, struct mm_struct *mm, uint64_t va,
			   const struct pmap_entry *old)
{
	struct pmap_entry n = *old;

	if (frame_is_zero(hw_frame(z->s->hw, old->pfn))) {
		/* Read-only, old and clean, as a read fault would map it. */
		memset(&n, 0, sizeof n);
		n.kind = PMAP_PAGE;
		n.pfn = z->s->zero_pfn;
		n.prot = (uint8_t)(old->prot & ~PMAP_W);
		n.flags = old->flags & PMAP_SOFTDIRTY;
		page_remove_rmap(z->s, z->head + (old->pfn - z->pfn), false);
		put_page(z->s, z->head);
		z->c->map[old->pfn - z->pfn]--;
	}
	pmap_set(&mm->pmap, va, &n, NULL);
}

static bool remap_zero_vma(struct page *head, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end, void *arg)
{
	struct zero_remap *z = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct { uint64_t va; struct pmap_entry e; } out[HPAGE_PMD_NR];
	unsigned n = 0;
	struct pmap_iter it;
	struct pmap_entry e;

	if (vma_flags_rmap(vma) & VM_LOCKED)
		return true;
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e) && n < HPAGE_PMD_NR) {
		if (e.kind != PMAP_PAGE || (e.flags & PMAP_HUGE) || e.pfn < z->pfn ||
		    e.pfn >= z->pfn + HPAGE_PMD_NR)
			continue;
		out[n].va = it.va;
		pmap_iter_clear(&it, &out[n].e);
		n++;
	}
	if (n)
		hw_flush_range(z->cpu, &mm->pmap, out[0].va, out[n - 1].va + PAGE_SIZE, PAGE_SHIFT);
	for (unsigned i = 0; i < n; i++)
		remap_one_zero(z, mm, out[i].va, &out[i].e);
	spin_unlock(&mm->ptl);
	return true;
}

static void remap_zero_subpages(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
				struct split_count *c)
{
	struct zero_remap z = { s, cpu, head, c->pfn, c };

	if (page_anon(head) && !page_test(head, PG_mlocked))
		rmap_walk(head, remap_zero_vma, &z);
}

/*
 * Turns subpage i of a huge page being split into a page of its own,
 * mapping it `mapping` (the head's, or 0 for a piece nobody maps).  Its
 * PTEs said per subpage whether they are exclusive (split_huge_pmd): that
 * flag stays the subpage's own, the rest comes from the head.
 *
 * The piece's PTEs stay present meanwhile and a reader holding only their
 * ptl may look at it (mprotect: page_anon(compound_head(p))), so the
 * order is Linux's __split_huge_page_tail's, as mm.h's locking notes
 * spell out: everything else first, then flags without PG_tail (release),
 * then the head pointer cleared (release).  A reader that sees the piece
 * as a page of its own sees its mapping; one that sees it still a tail
 * asks the head.  The caller unfreezes the refcount after.
 */
static void split_one(struct page *head, struct page *p, unsigned i, uint32_t inherited,
		      uintptr_t mapping)
{
	uint32_t own = (1u << PG_used) | (inherited ? (1u << PG_anon_exclusive) : 0);
	VM_BUG_ON_PAGE(i && (!page_test(p, PG_tail) || compound_head(p) != head), p);
	__atomic_store_n(&p->mapping, mapping, __ATOMIC_RELAXED);
	p->index = head->index + i;
	p->order = 0;
	list_init(&p->lru);
	/* The charge of 512 pages is now one on each piece (Linux's
	 * split_page_memcg): each is freed, and uncharged, on its own. */
	__atomic_store_n(&p->memcg, __atomic_load_n(&head->memcg, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&p->flags, (__atomic_load_n(&p->flags, __ATOMIC_RELAXED) & own) | inherited,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&p->private, 0, __ATOMIC_RELEASE);
}

int split_isolated_huge_page(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
			     struct list_head *list)
{
	static const enum pageflags inherited_flags[] = {
		PG_referenced, PG_uptodate, PG_dirty, PG_active, PG_swapbacked,
		PG_mlocked, PG_unevictable,
	};
	unsigned nr = 1u << head->order, mapped = 0, total = 0;
	struct split_count *c = calloc(1, sizeof *c);
	if (!c)
		return -EAGAIN;
	c->pfn = page_to_pfn(s, head);
	rmap_walk(head, count_subpage_maps, c);
	int err = c->pmd ? -EBUSY : 0;
	if (!err)
		remap_zero_subpages(s, cpu, head, c);
	for (unsigned i = 0; i < nr && !err; i++) {
		total += c->map[i];
		mapped += c->map[i] != 0;
	}
	/* Nobody else may hold it: every reference is a PTE's or ours. */
	if (!err && !trylock_page(head))
		err = -EAGAIN;
	if (!err && !page_ref_freeze(head, (int)total + 1)) {
		unlock_page(head);
		err = -EAGAIN;
	}
	if (err) {
		free(c);
		return err;
	}
	uint32_t inherited = 0;
	for (unsigned k = 0; k < sizeof inherited_flags / sizeof inherited_flags[0]; k++)
		if (page_test(head, inherited_flags[k]))
			inherited |= 1u << inherited_flags[k];
	struct anon_vma *av = page_anon_vma(head);
	struct pglist_data *nd = &s->node[page_to_nid(s, head)];
	bool mlocked = inherited & (1u << PG_mlocked);

	/* The head's own accounting (one anon page, one mlocked page) now
	 * counts each mapped subpage. */
	if (mapped)	/* none left: the last unmapping took the folio's count */
		__atomic_add_fetch(&nd->nr_anon, (uint64_t)mapped - 1, __ATOMIC_RELAXED);
	if (mlocked)
		__atomic_add_fetch(&nd->nr_mlock, (uint64_t)mapped - 1, __ATOMIC_RELAXED);
	/* Tails first, the head last: a reader that still takes a piece for
	 * a tail finds the head's mapping intact (mm.h's locking notes). */
	uintptr_t mapping = head->mapping;
	for (unsigned i = nr; i-- > 0;) {
		struct page *p = head + i;
		/* Each subpage's mapcount already counts its PTEs (mm.h): it
		 * is the piece's own now, unchanged. */
		VM_BUG_ON_PAGE(p->mapcount != c->map[i], p);
		if (!c->map[i]) {
			/*
			 * Nobody maps it: it joins the list all the same, held
			 * by its isolation alone, as Linux's split puts every
			 * piece there; migration then finds it freed under it
			 * and counts it moved.  The head's anon_vma reference
			 * goes with the head's mapping.
			 */
			split_one(head, p, i, 0, 0);
			if (!i)
				put_anon_vma(av);
			page_ref_unfreeze(p, 1);
		} else {
			if (i)
				get_anon_vma(av);	/* the head's reference stays its own */
			split_one(head, p, i, inherited, mapping);
			page_ref_unfreeze(p, c->map[i] + 1);	/* its PTEs and its isolation */
		}
		/* Each piece remembers the huge page's last hinting fault
		 * (Linux's __split_huge_page_tail copies the cpupid). */
		if (i)
			folio_xchg_last_cpupid(s, p, folio_last_cpupid(s, head));
		list_add(&p->lru, list);
	}
	free(c);
	count_vm_events(s, MMSIM_VM_thp_split_page, 1);
	return 0;
}

/* ---- splitting a huge page mapped whole ---------------------------------------- */

static bool split_pmd_mapping(struct page *head, struct vm_area_struct *vma, uint64_t start,
			      uint64_t end, void *arg)
{
	struct hw_cpu *cpu = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct pmap_entry e;
	(void)end;
	spin_lock(&mm->ptl);
	if (pmap_lookup(&mm->pmap, start, &e) == PMAP_PAGE && (e.flags & PMAP_HUGE) &&
	    e.pfn == page_to_pfn(mm->sys, head))
		split_huge_pmd(mm, cpu, start);
	spin_unlock(&mm->ptl);
	return true;
}

int split_huge_page_to_list(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
			    struct list_head *list)
{
	/* Linux's split unmaps the folio (splitting each PMD on the way) and
	 * maps the pieces back: the same PTEs as splitting the PMDs first. */
	rmap_walk(head, split_pmd_mapping, cpu);
	return split_isolated_huge_page(s, cpu, head, list);
}
