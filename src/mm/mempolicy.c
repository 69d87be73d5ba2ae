/*
 * mempolicy.c - NUMA placement from user space: the memory-management work
 * of move_pages(2) and migrate_pages(2).  Permission checks (pids,
 * credentials, cpusets, capabilities) happen before, in src/kernel/sys.c.
 *
 * move_pages, as Linux 6.12 does it:
 *  - nodes == NULL (do_pages_stat): each page's node; no VMA and the zero
 *    page are -EFAULT, an address nothing was ever mapped at -ENOENT (6.12
 *    fixed the -EFAULT that 4.3 to 6.11 reported by accident).
 *  - moving (do_pages_move): consecutive entries with the same target node
 *    are isolated into one list and migrated together (SYNC mode) when the
 *    node changes, when a page is not queued (already there, or an error
 *    status), and at the end.  A migrated batch gets the node in its status
 *    entries; a batch that fails leaves them as the caller wrote them and
 *    ends the call, returning the pages not migrated plus those never
 *    attempted.  A bad node ends the call with -ENODEV or -EACCES after the
 *    pages already queued have been migrated.
 *
 * migrate_pages (do_migrate_pages): every page of the address space on a
 * node of `from` moves to the node at the same position in `to` (the
 * relative layout is kept), one source node at a time, in an order that
 * never moves a page twice.  Pages mapped by several processes stay unless
 * the caller may move them all (CAP_SYS_NICE).
 */
#include "mm.h"

#include <errno.h>

/* A page lookup for move_pages: the page (head of a huge page) mapped at
 * addr, or NULL with -EFAULT / -ENOENT. */
static struct page *lookup_page(struct mm_struct *mm, uint64_t addr, int *err)
{
	struct pmap_entry e;
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	if (!vma) {
		*err = -EFAULT;
		return NULL;
	}
	if (vma->vm_flags & VM_PFNMAP) {
		*err = -ENOENT;	/* raw frames: no page to report (vm_normal_page) */
		return NULL;
	}
	/* Under the ptl, as folio_walk_start(): an entry another CPU is
	 * rewriting (taken out for a moment) is never seen half done. */
	spin_lock(&mm->ptl);
	enum pmap_kind kind = pmap_lookup(&mm->pmap, addr, &e);
	spin_unlock(&mm->ptl);
	if (kind != PMAP_PAGE) {
		*err = -ENOENT;
		return NULL;
	}
	if (e.pfn == mm->sys->zero_pfn) {
		*err = -EFAULT;
		return NULL;
	}
	return compound_head(pfn_to_page(mm->sys, e.pfn));
}

/*
 * move_pages is usually handed a buffer's pages in address order.  Their
 * lookups share one pmap iterator over the rest of the current 2 MiB
 * (one page-table walk per PMD instead of one per page) and the VMA of
 * the previous address.  Valid while mmap_lock is held: page tables are
 * freed only under it taken for writing.  Any other order of addresses
 * just starts over, which costs what lookup_page() does.
 */
struct page_lookup {
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* the VMA of the last lookup, or NULL */
	struct pmap_iter it;
	uint64_t pos, end;	/* the iterator has nothing before pos; stops at end */
	struct pmap_entry e;	/* its current leaf, if have_e */
	bool valid, have_e;
};

static void lookup_reset(struct page_lookup *lk, struct mm_struct *mm)
{
	lk->mm = mm;
	lk->vma = NULL;
	lk->valid = false;
}

/* lookup_page() for the next address of a move_pages array. */
static struct page *lookup_next(struct page_lookup *lk, uint64_t addr, int *err)
{
	struct mm_struct *mm = lk->mm;
	struct vm_area_struct *vma = lk->vma;

	if (!vma || addr < vma->vm_start || addr >= vma->vm_end) {
		lk->valid = false;
		vma = lk->vma = vma_lookup(mm, addr);
		if (!vma || !vma_migratable(vma)) {
			lk->vma = NULL;
			*err = -EFAULT;
			return NULL;
		}
	}
	/* The iterator reports leaves at the addresses it was started from:
	 * start it, and compare, at page boundaries. */
	addr &= PAGE_MASK;
	if (!lk->valid || addr < lk->pos || addr >= lk->end) {
		uint64_t end = (addr & PMD_MASK) + PMD_SIZE;
		lk->end = end < vma->vm_end ? end : vma->vm_end;
		lk->pos = addr;
		pmap_iter_init(&lk->it, &mm->pmap, addr, lk->end);
		lk->valid = true;
		lk->have_e = false;
	}
	/* The first leaf that ends above addr, if any (read under the ptl,
	 * like lookup_page()). */
	spin_lock(&mm->ptl);
	while (!lk->have_e || lk->it.va + lk->it.size <= addr) {
		if (!pmap_iter_next(&lk->it, &lk->e)) {
			lk->valid = false;	/* nothing up to end */
			break;
		}
		lk->have_e = true;
	}
	spin_unlock(&mm->ptl);
	lk->pos = addr + PAGE_SIZE;
	if (!lk->valid || lk->it.va > addr || lk->e.kind != PMAP_PAGE) {
		*err = -ENOENT;
		return NULL;
	}
	if (lk->e.pfn == mm->sys->zero_pfn) {
		*err = -EFAULT;
		return NULL;
	}
	return compound_head(pfn_to_page(mm->sys, lk->e.pfn));
}

void do_pages_stat(struct mm_struct *mm, unsigned long n, const uint64_t *pages, int *status)
{
	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (unsigned long i = 0; i < n; i++) {
		int err = 0;
		struct page *p = lookup_page(mm, pages[i], &err);
		status[i] = p ? (int)page_to_nid(mm->sys, p) : err;
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
}

/* 1: queued on list; 0: already on node; else the status error.  Called
 * with mmap_lock held for reading. */
static int add_page_for_migration(struct page_lookup *lk, uint64_t addr, int node,
				  struct list_head *list, bool migrate_all)
{
	struct mm_sys *s = lk->mm->sys;
	int err = 0;

	struct page *head = lookup_next(lk, addr, &err);
	if (!head)
		goto out;
	err = 0;
	if ((int)page_to_nid(s, head) == node)
		goto out;
	err = -EACCES;
	if (folio_likely_mapped_shared(head) && !migrate_all)
		goto out;
	err = isolate_page_for_migration(s, head, list) ? -EBUSY : 1;
out:
	return err;
}

/* Migrates the queued pages to node: 0, or what the call must return. */
static long move_queued(struct mm_struct *mm, struct hw_cpu *cpu, struct list_head *list, int node,
			uint64_t caller_nodes, int *status, unsigned long start, unsigned long i,
			unsigned long nr, struct page_lookup *lk)
{
	struct mm_sys *s = mm->sys;
	if (list_empty(list))
		return 0;
	/* Migration needs no mmap_lock (rmap reaches the mappings); the
	 * lookups around it hold it for reading, and start over after. */
	lookup_reset(lk, mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	struct migration_target_control mtc = { (unsigned)node, caller_nodes };
	int err = migrate_pages(s, cpu, list, alloc_migration_target, (unsigned long)&mtc,
				MIGRATE_SYNC, NULL);
	pthread_rwlock_rdlock(&mm->mmap_lock);
	if (err) {
		putback_movable_pages(s, list);
		/* Not migrated, plus everything from i on never attempted. */
		return err > 0 ? (long)err + (long)(nr - i) : err;
	}
	for (unsigned long k = start; k < i; k++)
		status[k] = node;
	return 0;
}

long do_pages_move(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t task_nodes,
		   uint64_t caller_nodes, unsigned long nr, const uint64_t *pages, const int *nodes,
		   int *status, bool migrate_all)
{
	struct mm_sys *s = mm->sys;
	struct list_head list;
	int cur = -1;
	unsigned long start = 0, i;
	long err = 0, err1;

	struct page_lookup lk;

	list_init(&list);
	lookup_reset(&lk, mm);
	lru_cache_disable(s);
	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (i = 0; i < nr; i++) {
		int node = nodes[i];
		err = -ENODEV;
		if (node < 0 || (unsigned)node >= s->nr_nodes)
			break;
		err = -EACCES;
		if (!(task_nodes & (1ULL << node)))
			break;
		if (cur < 0) {
			cur = node;
			start = i;
		} else if (node != cur) {
			err = move_queued(mm, cpu, &list, cur, caller_nodes, status, start, i, nr,
					  &lk);
			if (err)
				goto out;
			start = i;
			cur = node;
		}
		err = add_page_for_migration(&lk, pages[i], cur, &list, migrate_all);
		if (err > 0)
			continue;
		status[i] = err ? (int)err : cur;
		err = move_queued(mm, cpu, &list, cur, caller_nodes, status, start, i, nr,
					  &lk);
		if (err) {
			if (err > 0)
				err--;	/* page i was accounted for */
			goto out;
		}
		cur = -1;
	}
	/* The last batch, or what was queued before a bad node. */
	err1 = move_queued(mm, cpu, &list, cur, caller_nodes, status, start, i, nr,
					  &lk);
	if (err >= 0)
		err = err1;
out:
	pthread_rwlock_unlock(&mm->mmap_lock);
	lru_cache_enable(s);
	return err;
}

/* ---- migrate_pages(2) --------------------------------------------------------- */

/* Queues every page of the address space on node `source`; returns how
 * many could not be isolated. */
static long queue_pages_on_node(struct mm_struct *mm, int source, struct list_head *list,
				bool move_all)
{
	struct mm_sys *s = mm->sys;
	long failed = 0;
	struct page *last = NULL;

	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (int v = 0; v < mm->vmas.n; v++) {
		struct vm_area_struct *vma = mm->vmas.v[v];
		struct pmap_iter it;
		struct pmap_entry e;
		if (!vma_migratable(vma))
			continue;	/* queue_pages_test_walk() */
		pmap_iter_init(&it, &mm->pmap, vma->vm_start, vma->vm_end);
		while (pmap_iter_next(&it, &e)) {
			if (e.kind != PMAP_PAGE || e.pfn == s->zero_pfn)
				continue;
			struct page *head = compound_head(pfn_to_page(s, e.pfn));
			if (page_test(head, PG_reserved))
				continue;	/* kernel pages, the vDSO's */
			if (head == last || (int)page_to_nid(s, head) != source)
				continue;
			/* A huge page is isolated once, however many PTEs map
			 * it, even with COW copies between them: remember the
			 * last huge one (Linux's qp->large). */
			if (head->order)
				last = head;
			if (!move_all && folio_likely_mapped_shared(head))
				continue;	/* not moving it is no failure */
			if (isolate_page_for_migration(s, head, list))
				failed++;
		}
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return failed;
}

static long migrate_to_node(struct mm_struct *mm, struct hw_cpu *cpu, int source, int dest,
			    uint64_t caller_nodes, bool move_all)
{
	struct mm_sys *s = mm->sys;
	struct list_head list;
	long err = 0;

	list_init(&list);
	long failed = queue_pages_on_node(mm, source, &list, move_all);
	if (!list_empty(&list)) {
		struct migration_target_control mtc = { (unsigned)dest, caller_nodes };
		err = migrate_pages(s, cpu, &list, alloc_migration_target, (unsigned long)&mtc,
				    MIGRATE_SYNC, NULL);
		if (err)
			putback_movable_pages(s, &list);
	}
	return err >= 0 ? err + failed : err;
}

/* The n-th (0-based) set bit of mask, n taken modulo its weight. */
static int nth_node(uint64_t mask, int n)
{
	n %= __builtin_popcountll(mask);
	while (n--)
		mask &= mask - 1;
	return __builtin_ctzll(mask);
}

/* Where node s goes (Linux's node_remap()): the node of `to` at the
 * position s has in `from`. */
static int node_remap(int s, uint64_t from, uint64_t to)
{
	if (!(from & (1ULL << s)) || !to)
		return s;
	return nth_node(to, __builtin_popcountll(from & ((1ULL << s) - 1)));
}

long do_migrate_pages(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t from, uint64_t to,
		      uint64_t caller_nodes, bool move_all)
{
	uint64_t tmp = from;
	long failed = 0, err = 0;

	lru_cache_disable(mm->sys);
	while (tmp) {
		int source = -1, dest = 0;
		/*
		 * Pick a source whose destination is not itself still to be
		 * emptied, so no page moves twice; when the masks differ in
		 * size, nodes in both keep their pages.
		 */
		for (uint64_t m = tmp; m; m &= m - 1) {
			int sn = __builtin_ctzll(m);
			if (__builtin_popcountll(from) != __builtin_popcountll(to) &&
			    (to & (1ULL << sn)))
				continue;
			int d = node_remap(sn, from, to);
			if (sn == d)
				continue;
			source = sn;
			dest = d;
			if (!(tmp & (1ULL << dest)))
				break;
		}
		if (source < 0)
			break;
		tmp &= ~(1ULL << source);
		err = migrate_to_node(mm, cpu, source, dest, caller_nodes, move_all);
		if (err > 0)
			failed += err;
		if (err < 0)
			break;
	}
	lru_cache_enable(mm->sys);
	return err < 0 ? err : failed;
}
