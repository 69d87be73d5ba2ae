/*
 * rmap.c - reverse mapping of anonymous pages: anon_vma and its chains.
 *
 * Every anonymous page points (page->mapping) at the anon_vma of the VMA
 * that first faulted it.  A VMA is linked, through one anon_vma_chain each,
 * to its own anon_vma and to those of every ancestor it was forked from,
 * so walking an anon_vma's chains reaches every VMA that may map one of its
 * pages: the parent's, and the children's that have not yet copied them.
 * At fork a child VMA gets all its parent's links plus a new anon_vma of
 * its own, where its copy-on-write copies will go.
 *
 * An anon_vma lives while a chain or a page points at it (refcount).  The
 * chain lists of an anon_vma are protected by its root's lock.
 *
 * Pages of a shared object are reached through the object's list of VMAs
 * (its i_mmap), under the object's i_mmap_lock.
 *
 * try_to_migrate() and remove_migration_ptes() are the two halves of
 * migration's page-table work: every mapping of a page becomes a migration
 * entry (the TLB flush deferred to the caller's batch), then every such
 * entry becomes a mapping of the new page, or of the old one again.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct anon_vma *anon_vma_alloc(void)
{
	struct anon_vma *av = calloc(1, sizeof *av);
	if (!av)
		return NULL;
	av->root = av;
	spin_lock_init(&av->lock);
	list_init(&av->chains);
	return av;
}

void get_anon_vma(struct anon_vma *av)
{
	__atomic_add_fetch(&av->refcount, 1, __ATOMIC_RELAXED);
}

void put_anon_vma(struct anon_vma *av)
{
	if (__atomic_sub_fetch(&av->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	struct anon_vma *root = av->root;
	free(av);
	if (root != av)
		put_anon_vma(root);
}

/* Links vma to av; the caller holds av->root->lock. */
static struct anon_vma_chain *link_anon_vma_locked(struct vm_area_struct *vma, struct anon_vma *av)
{
	struct anon_vma_chain *avc = malloc(sizeof *avc);
	if (!avc)
		return NULL;
	avc->vma = vma;
	avc->anon_vma = av;
	list_add_tail(&avc->same_vma, &vma->anon_vma_chain);
	get_anon_vma(av);
	list_add_tail(&avc->same_anon_vma, &av->chains);
	return avc;
}

static int link_anon_vma(struct vm_area_struct *vma, struct anon_vma *av)
{
	spin_lock(&av->root->lock);
	struct anon_vma_chain *avc = link_anon_vma_locked(vma, av);
	spin_unlock(&av->root->lock);
	return avc ? 0 : -ENOMEM;
}

bool vma_anon_chain_singular(const struct vm_area_struct *vma)
{
	const struct list_head *h = &vma->anon_vma_chain;
	return !list_empty(h) && h->next == h->prev;
}

/*
 * A neighbour whose anon_vma a new one could share: adjacent, same object
 * and contiguous offsets, flags equal but for access bits (so a later
 * mprotect could merge them), the same memory policy, and not itself
 * cloned at fork.
 */
static struct anon_vma *reusable_anon_vma(const struct vm_area_struct *a,
					  const struct vm_area_struct *b,
					  const struct vm_area_struct *old)
{
	const uint64_t ignore = VM_ACCESS_FLAGS | VM_SOFTDIRTY;
	if (!old || !old->anon_vma || !vma_anon_chain_singular(old))
		return NULL;
	if (a->vm_end != b->vm_start || a->vm_file != b->vm_file ||
	    ((a->vm_flags ^ b->vm_flags) & ~ignore) ||
	    b->vm_pgoff != a->vm_pgoff + vma_pages(a) || !mpol_equal(a->vm_policy, b->vm_policy))
		return NULL;
	return old->anon_vma;
}

static struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	int i = vma_index(mm, vma->vm_start);
	struct anon_vma *av = NULL;
	if (i + 1 < mm->vmas.n)
		av = reusable_anon_vma(vma, mm->vmas.v[i + 1], mm->vmas.v[i + 1]);
	if (!av && i > 0)
		av = reusable_anon_vma(mm->vmas.v[i - 1], vma, mm->vmas.v[i - 1]);
	return av;
}

/*
 * Gives vma its anon_vma before its first anonymous page.  Faults run it
 * under the mmap lock held for reading, so two threads may race here: the
 * anon_vma lock, then the ptl, decide who links it (Linux's order).
 */
int anon_vma_prepare(struct vm_area_struct *vma)
{
	if (__atomic_load_n(&vma->anon_vma, __ATOMIC_ACQUIRE))
		return 0;
	struct mm_struct *mm = vma->vm_mm;
	struct anon_vma *av = find_mergeable_anon_vma(vma);
	bool fresh = !av;
	if (fresh && !(av = anon_vma_alloc()))
		return -ENOMEM;
	get_anon_vma(av);	/* held until linked */
	int err = 0;
	spin_lock(&av->root->lock);
	spin_lock(&mm->ptl);
	if (!vma->anon_vma) {
		if (link_anon_vma_locked(vma, av))
			__atomic_store_n(&vma->anon_vma, av, __ATOMIC_RELEASE);
		else
			err = -ENOMEM;
	}
	spin_unlock(&mm->ptl);
	spin_unlock(&av->root->lock);
	put_anon_vma(av);
	return err;
}

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct list_head *h = &src->anon_vma_chain;
	for (struct list_head *p = h->next; p != h; p = p->next) {
		struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_vma);
		if (link_anon_vma(dst, avc->anon_vma)) {
			unlink_anon_vmas(dst);
			return -ENOMEM;
		}
	}
	dst->anon_vma = src->anon_vma;
	return 0;
}

int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	vma->anon_vma = NULL;
	list_init(&vma->anon_vma_chain);
	if (!pvma->anon_vma)
		return 0;
	if (anon_vma_clone(vma, pvma))
		return -ENOMEM;
	vma->anon_vma = NULL;
	struct anon_vma *av = anon_vma_alloc();
	if (!av) {
		unlink_anon_vmas(vma);
		return -ENOMEM;
	}
	av->root = pvma->anon_vma->root;
	get_anon_vma(av->root);
	get_anon_vma(av);
	int err = link_anon_vma(vma, av);
	put_anon_vma(av);
	if (err) {
		unlink_anon_vmas(vma);
		return err;
	}
	vma->anon_vma = av;
	return 0;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct list_head *h = &vma->anon_vma_chain;
	while (!list_empty(h)) {
		struct anon_vma_chain *avc = list_entry(h->next, struct anon_vma_chain, same_vma);
		struct anon_vma *av = avc->anon_vma;
		spin_lock(&av->root->lock);
		list_del(&avc->same_anon_vma);
		spin_unlock(&av->root->lock);
		list_del(&avc->same_vma);
		free(avc);
		put_anon_vma(av);
	}
	vma->anon_vma = NULL;
}

/* ---- page accounting ------------------------------------------------------- */

void page_add_new_anon_rmap(struct page *p, struct vm_area_struct *vma, uint64_t addr)
{
	get_anon_vma(vma->anon_vma);
	p->mapping = (uintptr_t)vma->anon_vma | PAGE_MAPPING_ANON;
	p->index = linear_page_index(vma, addr);
	if (p->order) {
		p[1].entire_mapcount = 1;
		p[1].large_mapcount = 1;
	} else {
		p->mapcount = 1;
	}
	page_set(p, PG_swapbacked);
	struct mm_sys *s = vma->vm_mm->sys;
	__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_anon, 1, __ATOMIC_RELAXED);
}

/* A change of p's node's nr_anon: now, or into the caller's batch. */
static void count_anon(struct mm_sys *s, struct rmap_counts *rc, const struct page *p, int d)
{
	unsigned nid = page_to_nid(s, p);
	if (!rc) {
		__atomic_add_fetch(&s->node[nid].nr_anon, (uint64_t)(int64_t)d, __ATOMIC_RELAXED);
		return;
	}
	rc->anon[nid] += d;
	rc->nodes |= 1ULL << nid;
}

void rmap_counts_apply(struct mm_sys *s, struct rmap_counts *rc)
{
	for (uint64_t m = rc->nodes; m; m &= m - 1) {
		unsigned nid = (unsigned)__builtin_ctzll(m);
		if (rc->anon[nid])
			__atomic_add_fetch(&s->node[nid].nr_anon, (uint64_t)rc->anon[nid],
					   __ATOMIC_RELAXED);
		rc->anon[nid] = 0;
	}
	rc->nodes = 0;
}

/*
 * One mapping more of p: by a PTE (of the page, or of one subpage of a huge
 * page), or by a PMD (pmd; p is the head).  Returns the compound page's
 * mappings now.  Linux's __folio_add_rmap().
 */
static int mapcount_inc(struct page *p, bool pmd)
{
	struct page *head = compound_head(p);
	if (!head->order) {
		VM_BUG_ON_PAGE(pmd, p);
		return __atomic_add_fetch(&p->mapcount, 1, __ATOMIC_ACQ_REL);
	}
	VM_BUG_ON_PAGE(pmd && p != head, p);
	__atomic_add_fetch(pmd ? &head[1].entire_mapcount : &p->mapcount, 1, __ATOMIC_RELAXED);
	return __atomic_add_fetch(&head[1].large_mapcount, 1, __ATOMIC_ACQ_REL);
}

static int mapcount_dec(struct page *p, bool pmd)
{
	struct page *head = compound_head(p);
	int left;
	if (!head->order) {
		VM_BUG_ON_PAGE(pmd, p);
		left = __atomic_sub_fetch(&p->mapcount, 1, __ATOMIC_ACQ_REL);
	} else {
		VM_BUG_ON_PAGE(pmd && p != head, p);
		int own = __atomic_sub_fetch(pmd ? &head[1].entire_mapcount : &p->mapcount, 1,
					     __ATOMIC_RELAXED);
		VM_BUG_ON_PAGE(own < 0, p);
		(void)own;
		left = __atomic_sub_fetch(&head[1].large_mapcount, 1, __ATOMIC_ACQ_REL);
	}
	VM_BUG_ON_PAGE(left < 0, p);
	return left;
}

static void add_rmap(struct mm_sys *s, struct page *p, bool pmd, struct rmap_counts *rc)
{
	if (mapcount_inc(p, pmd) == 1 && page_anon(compound_head(p)))
		count_anon(s, rc, compound_head(p), 1);
}

static void remove_rmap(struct mm_sys *s, struct page *p, bool pmd, struct rmap_counts *rc)
{
	if (mapcount_dec(p, pmd))
		return;
	struct page *head = compound_head(p);
	if (page_anon(head))
		count_anon(s, rc, head, -1);
	if (page_test(head, PG_mlocked))
		munlock_page(s, head);
}

void page_add_rmap(struct mm_sys *s, struct page *p, bool pmd)
{
	add_rmap(s, p, pmd, NULL);
}

void page_remove_rmap(struct mm_sys *s, struct page *p, bool pmd)
{
	remove_rmap(s, p, pmd, NULL);
}

/* The PMD mapping becomes 512 PTE mappings: one more for every subpage,
 * 511 more in all.  The total never passes through 0 on the way. */
void page_rmap_split_pmd(struct page *head)
{
	unsigned nr = 1u << head->order;
	for (unsigned i = 0; i < nr; i++)
		__atomic_add_fetch(&head[i].mapcount, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&head[1].large_mapcount, (int)nr - 1, __ATOMIC_ACQ_REL);
	__atomic_sub_fetch(&head[1].entire_mapcount, 1, __ATOMIC_RELAXED);
}

/* ---- rmap walks ------------------------------------------------------------ */

/* The part of vma where the nr pages from pgoff would be mapped. */
static bool vma_range_of(const struct vm_area_struct *vma, uint64_t pgoff, uint64_t nr,
			 uint64_t *start, uint64_t *end)
{
	uint64_t first = vma->vm_pgoff, last = vma->vm_pgoff + vma_pages(vma);
	uint64_t lo = pgoff > first ? pgoff : first;
	uint64_t hi = pgoff + nr < last ? pgoff + nr : last;
	if (lo >= hi)
		return false;
	*start = vma->vm_start + ((lo - first) << PAGE_SHIFT);
	*end = vma->vm_start + ((hi - first) << PAGE_SHIFT);
	return true;
}

void rmap_walk(struct page *head, rmap_one_fn fn, void *arg)
{
	uint64_t nr = 1ULL << head->order, start, end;
	if (page_anon(head)) {
		struct anon_vma *root = page_anon_vma(head)->root;
		struct list_head *h = &page_anon_vma(head)->chains;
		spin_lock(&root->lock);
		for (struct list_head *l = h->next; l != h; l = l->next) {
			struct anon_vma_chain *avc = list_entry(l, struct anon_vma_chain,
								same_anon_vma);
			if (vma_range_of(avc->vma, head->index, nr, &start, &end) &&
			    !fn(head, avc->vma, start, end, arg))
				break;
		}
		spin_unlock(&root->lock);
		return;
	}
	struct address_space *o = (struct address_space *)head->mapping;
	if (!o)
		return;
	pthread_mutex_lock(&o->i_mmap_lock);
	for (struct list_head *l = o->vmas.next; l != &o->vmas; l = l->next) {
		struct vm_area_struct *vma = list_entry(l, struct vm_area_struct, shared);
		if (vma_range_of(vma, head->index, nr, &start, &end) &&
		    !fn(head, vma, start, end, arg))
			break;
	}
	pthread_mutex_unlock(&o->i_mmap_lock);
}

unsigned page_vma_mapped_walk(struct mm_sys *s, struct page *head, struct vm_area_struct *vma,
			      uint64_t start, uint64_t end, page_mapped_fn fn, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	uint64_t pfn = page_to_pfn(s, head), nr = 1ULL << head->order;
	struct pmap_iter it;
	struct pmap_entry e;
	unsigned n = 0;

	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (e.kind != PMAP_PAGE || e.pfn < pfn || e.pfn >= pfn + nr)
			continue;
		fn(&it, &e, arg);
		n++;
	}
	spin_unlock(&mm->ptl);
	return n;
}

/* ---- write-protecting a page for writeback ----------------------------------------- */

struct mkclean_walk {
	struct mm_sys *s;
	struct hw_cpu *cpu;
	bool dirty;		/* a PTE was dirty */
	bool changed;		/* this VMA's entries changed: flush */
};

static void mkclean_one_entry(struct pmap_iter *it, const struct pmap_entry *e, void *arg)
{
	struct mkclean_walk *w = arg;
	struct pmap_entry cur;
	if (!(e->prot & PMAP_W) && !(e->flags & PMAP_DIRTY))
		return;
	/* Atomically: a store another CPU makes meanwhile either lands
	 * before (its dirty bit is harvested) or faults afterwards. */
	pmap_iter_modify_start(it, &cur);
	w->dirty |= (cur.flags & PMAP_DIRTY) != 0;
	cur.prot &= (uint8_t)~PMAP_W;
	cur.flags &= (uint8_t)~PMAP_DIRTY;
	pmap_iter_modify_commit(it, &cur);
	w->changed = true;
}

static bool mkclean_one(struct page *head, struct vm_area_struct *vma, uint64_t start,
			uint64_t end, void *arg)
{
	struct mkclean_walk *w = arg;
	if (!(vma_flags_rmap(vma) & VM_SHARED))
		return true;	/* private mappings never write to the file */
	w->changed = false;
	page_vma_mapped_walk(w->s, head, vma, start, end, mkclean_one_entry, w);
	if (w->changed)
		hw_flush_range(w->cpu, &vma->vm_mm->pmap, start, end, PAGE_SHIFT);
	return true;
}

bool page_mkclean(struct mm_sys *s, struct hw_cpu *cpu, struct page *p)
{
	struct mkclean_walk w = { s, cpu, false, false };
	rmap_walk(p, mkclean_one, &w);
	return w.dirty;
}

/* ---- migration entries ---------------------------------------------------- */

struct migrate_walk {
	struct mm_sys *s;
	struct hw_cpu *cpu;
	struct tlb_batch *batch;
	struct page *src;	/* the page being unmapped, or whose entries are restored */
	struct page *dst;	/* remove_migration_ptes: the page they will map */
	struct rmap_counts *rc;	/* the caller's batch of nr_anon changes */
	bool zero_unused;	/* remap_split_piece: an all-zero page maps the zero page */
};

void folio_mark_partially_mapped(struct mm_sys *s, struct page *head)
{
	if (!(__atomic_fetch_or(&head->flags, 1u << PG_partially_mapped, __ATOMIC_RELAXED) &
	      (1u << PG_partially_mapped)))
		count_vm_events(s, MMSIM_VM_thp_deferred_split_page, 1);
}

/* Replaces one mapping of a page of w->src by a migration entry. */
static void unmap_one_entry(struct pmap_iter *it, const struct pmap_entry *e, void *arg)
{
	struct migrate_walk *w = arg;
	struct page *head = w->src;
	struct pmap_entry cur, me;
	/* Take the entry out atomically: a dirty bit another CPU's MMU sets
	 * meanwhile must reach the migration entry and the page. */
	pmap_iter_modify_start(it, &cur);
	(void)e;
	/* Exclusivity is the mapped page's (a subpage's, for a PTE of a
	 * huge page): the migration entry carries it from now on. */
	struct page *p = pfn_to_page(w->s, cur.pfn);
	bool pmd = cur.flags & PMAP_HUGE;
	make_migration_entry(&me, &cur, cur.pfn, page_test(p, PG_anon_exclusive));
	pmap_iter_modify_commit(it, &me);
	/* Linux's migrate:set_migration_pte / set_migration_pmd (the entry
	 * printed is the simulator's encoding of it). */
	if (pmd)
		TRACE("set_migration_pmd", "addr=%llx, pmd=%llx", (unsigned long long)it->va,
		      (unsigned long long)me.swp);
	else
		TRACE("set_migration_pte", "addr=%llu, pte=%llu order=%u",
		      (unsigned long long)it->va, (unsigned long long)me.swp, head->order);
	page_clear(p, PG_anon_exclusive);
	if (cur.flags & PMAP_DIRTY)
		set_page_dirty(head);
	remove_rmap(w->s, p, pmd, w->rc);
	/* One PTE of a huge page gone, others still there: partially mapped
	 * (Linux's rmap does not know it is a migration's doing). */
	if (!pmd && head->order && page_anon(head) && folio_mapcount(head) > 0 &&
	    !folio_entire_mapcount(head))
		folio_mark_partially_mapped(w->s, head);
	put_page(w->s, head);
}

static bool try_to_migrate_one(struct page *head, struct vm_area_struct *vma, uint64_t start,
			       uint64_t end, void *arg)
{
	struct migrate_walk *w = arg;
	if (page_vma_mapped_walk(w->s, head, vma, start, end, unmap_one_entry, w))
		tlb_batch_add(w->batch, w->cpu, &vma->vm_mm->pmap);
	return folio_mapcount(head) > 0;
}

void try_to_migrate(struct mm_sys *s, struct hw_cpu *cpu, struct page *head, struct tlb_batch *batch,
		    struct rmap_counts *rc)
{
	struct migrate_walk w = { s, cpu, batch, head, NULL, rc, false };
	rmap_walk(head, try_to_migrate_one, &w);
}

/* ---- ageing: the accessed bits (folio_referenced) ------------------------------------ */

struct referenced_walk {
	unsigned young;		/* mappings found young (and made old) */
	uint64_t vm_flags;	/* the flags of every VMA that maps the page */
	bool young_here;	/* young in the VMA being walked, at young_va */
	uint64_t young_va;
};

static void referenced_one_entry(struct pmap_iter *it, const struct pmap_entry *e, void *arg)
{
	struct referenced_walk *w = arg;
	struct pmap_entry cur;
	if (!(e->flags & PMAP_ACCESSED))
		return;
	/* Made old without a flush, as x86's ptep_clear_flush_young: a TLB
	 * that still holds the translation keeps it; the next walk sets the
	 * bit again. */
	pmap_iter_modify_start(it, &cur);
	if (cur.flags & PMAP_ACCESSED) {
		w->young++;
		if (!w->young_here && it->size == PAGE_SIZE) {
			w->young_here = true;
			w->young_va = it->va;
		}
	}
	cur.flags &= (uint8_t)~PMAP_ACCESSED;
	pmap_iter_modify_commit(it, &cur);
}

static bool referenced_one(struct page *head, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end, void *arg)
{
	struct referenced_walk *w = arg;
	struct mm_sys *s = vma->vm_mm->sys;
	w->young_here = false;
	/* Only the VMAs that map the page now say how it is used. */
	if (page_vma_mapped_walk(s, head, vma, start, end, referenced_one_entry, w))
		w->vm_flags |= vma_flags_rmap(vma) & (VM_LOCKED | VM_EXEC);
	/* MGLRU: where one page was used, its neighbours likely were. */
	if (w->young_here && !lru_classic(s) && !(vma->vm_flags & VM_LOCKED))
		lru_gen_look_around(s, vma, w->young_va, head);
	return true;
}

unsigned folio_referenced(struct page *head, uint64_t *vm_flags)
{
	struct referenced_walk w = { 0 };
	if (folio_mapcount(head))
		rmap_walk(head, referenced_one, &w);
	*vm_flags = w.vm_flags;
	return w.young;
}

/* ---- unmapping for reclaim --------------------------------------------------------- */

struct unmap_walk {
	struct mm_sys *s;
	struct hw_cpu *cpu;
	struct tlb_batch *batch;
	struct page *page;
	bool failed;		/* a mapping had to stay (locked VMA, no swap count) */
};

/*
 * One mapping of the page goes (Linux's try_to_unmap_one): an anonymous
 * page's becomes a swap entry of its swap-cache slot, carrying the
 * exclusive and soft-dirty bits; a file page's is cleared.  The dirty bit
 * moves to the page.
 */
static void unmap_reclaim_entry(struct pmap_iter *it, const struct pmap_entry *e, void *arg)
{
	struct unmap_walk *w = arg;
	struct page *p = w->page;
	struct pmap_entry cur, se;
	bool anon = page_anon(p);
	(void)e;
	if (anon && swap_duplicate(w->s, p->private)) {
		w->failed = true;
		return;
	}
	pmap_iter_modify_start(it, &cur);
	if (anon) {
		make_swap_entry(&se, p->private, page_test(p, PG_anon_exclusive),
				cur.flags & PMAP_SOFTDIRTY);
		pmap_iter_modify_commit(it, &se);
		page_clear(p, PG_anon_exclusive);
	} else {
		pmap_iter_clear(it, NULL);
	}
	if (cur.flags & PMAP_DIRTY)
		set_page_dirty(p);
	remove_rmap(w->s, p, false, NULL);
	put_page(w->s, p);
}

static bool try_to_unmap_one(struct page *head, struct vm_area_struct *vma, uint64_t start,
			     uint64_t end, void *arg)
{
	struct unmap_walk *w = arg;
	/* Locked memory is not reclaimed (the page is mlocked again). */
	if (vma_flags_rmap(vma) & VM_LOCKED) {
		mlock_page(w->s, head);
		w->failed = true;
		return false;
	}
	if (page_vma_mapped_walk(w->s, head, vma, start, end, unmap_reclaim_entry, w))
		tlb_batch_add(w->batch, w->cpu, &vma->vm_mm->pmap);
	return !w->failed && folio_mapcount(head) > 0;
}

void try_to_unmap(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
		  struct tlb_batch *batch)
{
	VM_BUG_ON_PAGE(head->order, head);	/* huge pages are not swapped here */
	struct unmap_walk w = { s, cpu, batch, head, false };
	rmap_walk(head, try_to_unmap_one, &w);
}

/* The entry a migration entry turns back into, for frame pfn in vma. */
static void restore_entry(struct pmap_entry *out, const struct pmap_entry *me,
			  const struct vm_area_struct *vma, uint64_t pfn)
{
	uint64_t flags = vma_flags_rmap(vma);	/* mprotect may be changing them */
	unsigned prot = vma_pmap_prot(flags) & ~PMAP_W;
	if ((me->swp & SWP_MIG_WRITE) && (flags & VM_ACCESS_FLAGS))
		prot |= PMAP_W;
	memset(out, 0, sizeof *out);
	out->kind = PMAP_PAGE;
	out->pfn = pfn;
	out->prot = (uint8_t)prot;
	out->flags = me->flags & PMAP_HUGE;
	if (me->swp & SWP_MIG_DIRTY)
		out->flags |= PMAP_DIRTY;
	if (me->swp & SWP_MIG_YOUNG)
		out->flags |= PMAP_ACCESSED;
	if (me->swp & SWP_MIG_SOFTDIRTY)
		out->flags |= PMAP_SOFTDIRTY;
}

/*
 * A piece of a split huge page that holds only zeros need not stay
 * allocated: its migration entry becomes a read-only mapping of the shared
 * zero page, as a read fault would have made it (Linux 6.12's
 * try_to_map_unused_to_zeropage).  Not in locked memory.  The entry is
 * already out of every TLB, so nobody can store into the page meanwhile.
 */
static bool map_unused_to_zero_page(struct mm_sys *s, struct pmap_iter *it,
				    const struct pmap_entry *me, const struct vm_area_struct *vma,
				    uint64_t pfn)
{
	uint64_t flags = vma_flags_rmap(vma);
	struct pmap_entry z;
	if ((flags & VM_LOCKED) || page_test(pfn_to_page(s, pfn), PG_mlocked) ||
	    !frame_is_zero(hw_frame(s->hw, pfn)))
		return false;
	memset(&z, 0, sizeof z);
	z.kind = PMAP_PAGE;
	z.pfn = s->zero_pfn;
	z.prot = (uint8_t)(vma_pmap_prot(flags) & ~PMAP_W);
	if (me->swp & SWP_MIG_SOFTDIRTY)
		z.flags = PMAP_SOFTDIRTY;
	pmap_iter_write(it, &z);
	return true;
}

static bool remove_migration_pte(struct page *dst, struct vm_area_struct *vma, uint64_t start,
				 uint64_t end, void *arg)
{
	struct migrate_walk *w = arg;
	struct page *src = w->src;
	(void)dst;
	struct mm_struct *mm = vma->vm_mm;
	uint64_t spfn = page_to_pfn(w->s, src), dpfn = page_to_pfn(w->s, w->dst);
	uint64_t nr = 1ULL << src->order;
	struct pmap_iter it;
	struct pmap_entry e, ne;

	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (!is_migration_entry(&e))
			continue;
		uint64_t pfn = migration_entry_pfn(&e);
		if (pfn < spfn || pfn >= spfn + nr)
			continue;
		if (w->zero_unused && map_unused_to_zero_page(w->s, &it, &e, vma, pfn))
			continue;
		restore_entry(&ne, &e, vma, dpfn + (pfn - spfn));
		struct page *p = w->dst + (pfn - spfn);	/* the subpage it maps */
		if (e.swp & SWP_MIG_EXCLUSIVE)
			page_set(p, PG_anon_exclusive);
		get_page(w->dst);
		add_rmap(w->s, p, ne.flags & PMAP_HUGE, w->rc);
		pmap_iter_write(&it, &ne);
		if (ne.flags & PMAP_HUGE)
			TRACE("remove_migration_pmd", "addr=%llx, pmd=%llx",
			      (unsigned long long)it.va, (unsigned long long)e.swp);
		else
			TRACE("remove_migration_pte", "addr=%llu, pte=%llu order=%u",
			      (unsigned long long)it.va, (unsigned long long)e.swp, w->dst->order);
		/* A locked VMA mlocks a small page as it is mapped again;
		 * Linux 6.12's rmap leaves a large folio alone (it cannot
		 * tell here whether the VMA maps it whole: reclaim mlocks it
		 * when it finds it in a locked VMA). */
		if ((vma_flags_rmap(vma) & VM_LOCKED) && !w->dst->order)
			mlock_page(w->s, w->dst);
	}
	spin_unlock(&mm->ptl);
	return true;
}

void remove_migration_ptes(struct mm_sys *s, struct page *src, struct page *dst,
			   struct rmap_counts *rc)
{
	/* dst has taken over src's mapping and index: walk from it. */
	struct migrate_walk w = { s, NULL, NULL, src, dst, rc, false };
	rmap_walk(dst, remove_migration_pte, &w);
}

void remap_split_piece(struct mm_sys *s, struct page *p)
{
	struct migrate_walk w = { s, NULL, NULL, p, p, NULL, true };
	rmap_walk(p, remove_migration_pte, &w);
}
