/*
 * mempolicy.c - NUMA placement from user space: memory policies
 * (set_mempolicy, get_mempolicy, mbind, and where their allocations go),
 * and the memory-management work of move_pages(2) and migrate_pages(2).
 * Permission checks (pids, credentials, cpusets, capabilities) happen
 * before, in src/kernel/sys.c.  Owns struct mempolicy, tasks' policy
 * state, VMAs' vm_policy and shared memory's shared policies; splits and
 * merges VMAs through vma.c and moves pages through migrate.c.
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
 *
 * Memory policies: see mm.h's "memory policies" and docs/design.md.  A
 * cpuset write (src/kernel/cpuset.c) rebinds them here: mpol_rebind_task
 * and mpol_rebind_mm swap in rebound copies.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- policy objects ----------------------------------------------------------- */

static struct mempolicy *mpol_alloc(unsigned mode, unsigned flags)
{
	struct mempolicy *pol = calloc(1, sizeof *pol);
	if (!pol)
		return NULL;
	pol->refcnt = 1;
	pol->mode = (uint16_t)mode;
	pol->flags = (uint16_t)flags;
	return pol;
}

void mpol_put(struct mempolicy *pol)
{
	if (pol && !__atomic_sub_fetch(&pol->refcnt, 1, __ATOMIC_ACQ_REL))
		free(pol);
}

/* Static and relative policies remember the mask the user gave. */
static bool mpol_store_user_nodemask(const struct mempolicy *pol)
{
	return pol->flags & MPOL_MODE_FLAGS;
}

static bool nodemask_equal(const nodemask_t *a, const nodemask_t *b)
{
	return !memcmp(a, b, sizeof *a);
}

static bool nodemask_empty(const nodemask_t *m)
{
	for (unsigned i = 0; i < MAX_NUMNODES / 64; i++)
		if (m->w[i])
			return false;
	return true;
}

bool mpol_equal(const struct mempolicy *a, const struct mempolicy *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->mode != b->mode || a->flags != b->flags)
		return false;
	if (mpol_store_user_nodemask(a) && !nodemask_equal(&a->user_nodemask, &b->user_nodemask))
		return false;
	return a->mode == MPOL_LOCAL || a->nodes == b->nodes;
}

/*
 * Relative nodes (MPOL_F_RELATIVE_NODES): user node n means the
 * (n mod |allowed|)-th allowed node (Linux's nodes_fold then nodes_onto).
 */
static uint64_t relative_nodes(const nodemask_t *user, uint64_t allowed)
{
	int w = __builtin_popcountll(allowed);
	uint64_t folded = 0, out = 0;
	if (!w)
		return 0;
	for (unsigned i = 0; i < MAX_NUMNODES; i++)
		if (user->w[i / 64] >> (i % 64) & 1)
			folded |= 1ULL << (i % (unsigned)w);
	for (uint64_t f = folded; f; f &= f - 1)
		out |= 1ULL << nth_node(allowed, __builtin_ctzll(f));
	return out;
}

/*
 * A new policy from what the user passed (Linux's mpol_new then
 * mpol_set_nodemask): NULL with *err 0 for MPOL_DEFAULT, NULL with -EINVAL
 * or -ENOMEM on failure.  preferred with no node is local allocation.
 */
static struct mempolicy *mpol_create(unsigned mode, unsigned flags, const nodemask_t *nodes,
				     uint64_t allowed, int *err)
{
	bool empty = nodemask_empty(nodes);
	bool remaps = flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES);
	*err = -EINVAL;
	if (mode == MPOL_DEFAULT) {
		if (!empty)
			return NULL;
		*err = 0;
		return NULL;
	}
	if (mode == MPOL_PREFERRED && empty) {
		if (remaps)
			return NULL;
		mode = MPOL_LOCAL;
	} else if (mode == MPOL_LOCAL) {
		if (!empty || remaps)
			return NULL;
	} else if (empty) {
		return NULL;
	}
	struct mempolicy *pol = mpol_alloc(mode, flags);
	if (!pol) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = 0;
	if (mode == MPOL_LOCAL)
		return pol;
	uint64_t eff = flags & MPOL_F_RELATIVE_NODES ? relative_nodes(nodes, allowed)
						      : nodes->w[0] & allowed;
	if (mpol_store_user_nodemask(pol))
		pol->user_nodemask = *nodes;
	else
		pol->cpuset_mems_allowed = allowed;
	if (!eff) {
		mpol_put(pol);
		*err = -EINVAL;
		return NULL;
	}
	pol->nodes = mode == MPOL_PREFERRED ? eff & -eff : eff;
	return pol;
}

/* ---- tasks' policies ---------------------------------------------------------- */

static struct mempolicy *task_policy_get(struct mm_task_policy *tp)
{
	if (!tp)
		return NULL;
	spin_lock(&tp->lock);
	struct mempolicy *pol = tp->pol;
	mpol_get(pol);
	spin_unlock(&tp->lock);
	return pol;
}

void task_policy_copy(struct mm_task_policy *dst, struct mm_task_policy *src)
{
	dst->pol = task_policy_get(src);
	dst->retired = NULL;
	dst->il_prev = src->il_prev;
	dst->il_weight = src->il_weight;
}

void task_policy_release(struct mm_task_policy *tp)
{
	task_policy_reap(tp);
	mpol_put(tp->pol);
	tp->pol = NULL;
}

void task_policy_reap(struct mm_task_policy *tp)
{
	if (!__atomic_load_n(&tp->retired, __ATOMIC_RELAXED))
		return;
	spin_lock(&tp->lock);
	struct mempolicy *list = tp->retired;
	tp->retired = NULL;
	spin_unlock(&tp->lock);
	while (list) {
		struct mempolicy *next = list->retired_next;
		mpol_put(list);
		list = next;
	}
}

/* ---- rebinding to new cpuset mems ---------------------------------------------- */

/* Linux's nodes_remap(): each node of mask at position i in old goes to
 * the (i mod |new|)-th node of new; nodes outside old stay. */
static uint64_t nodes_remap(uint64_t mask, uint64_t old, uint64_t new)
{
	uint64_t out = 0;
	for (; mask; mask &= mask - 1)
		out |= 1ULL << node_remap(__builtin_ctzll(mask), old, new);
	return out;
}

/*
 * pol rebound to the mems newmask (Linux's mpol_rebind_policy and its
 * per-mode rebind), as a new policy; NULL with *err 0 when nothing
 * changes (local allocation, or a policy already made under newmask).
 */
static struct mempolicy *mpol_rebound(const struct mempolicy *pol, uint64_t newmask, int *err)
{
	*err = 0;
	if (!pol || pol->mode == MPOL_LOCAL)
		return NULL;
	if (!mpol_store_user_nodemask(pol) && pol->cpuset_mems_allowed == newmask)
		return NULL;
	struct mempolicy *np = mpol_alloc(pol->mode, pol->flags);
	if (!np) {
		*err = -ENOMEM;
		return NULL;
	}
	np->nodes = pol->nodes;
	np->user_nodemask = pol->user_nodemask;
	np->cpuset_mems_allowed = pol->cpuset_mems_allowed;
	if (pol->mode == MPOL_PREFERRED || pol->mode == MPOL_PREFERRED_MANY) {
		/* The preferred nodes stay; Linux writes the new mems into
		 * its union w, the user's mask of a static or relative one. */
		if (mpol_store_user_nodemask(pol)) {
			memset(&np->user_nodemask, 0, sizeof np->user_nodemask);
			np->user_nodemask.w[0] = newmask;
		} else {
			np->cpuset_mems_allowed = newmask;
		}
		return np;
	}
	uint64_t nodes;
	if (pol->flags & MPOL_F_STATIC_NODES) {
		nodes = pol->user_nodemask.w[0] & newmask;
	} else if (pol->flags & MPOL_F_RELATIVE_NODES) {
		nodes = relative_nodes(&pol->user_nodemask, newmask);
	} else {
		nodes = nodes_remap(pol->nodes, pol->cpuset_mems_allowed, newmask);
		np->cpuset_mems_allowed = newmask;
	}
	np->nodes = nodes ? nodes : newmask;
	return np;
}

int mpol_rebind_task(struct mm_task_policy *tp, uint64_t newmask)
{
	int err;
	spin_lock(&tp->lock);
	struct mempolicy *old = tp->pol, *np = mpol_rebound(old, newmask, &err);
	if (np) {
		__atomic_store_n(&tp->pol, np, __ATOMIC_RELEASE);
		/* The task may be allocating under old right now. */
		old->retired_next = tp->retired;
		__atomic_store_n(&tp->retired, old, __ATOMIC_RELAXED);
	}
	spin_unlock(&tp->lock);
	return err;
}

int mpol_rebind_mm(struct mm_struct *mm, uint64_t newmask)
{
	/* VMAs split from one another share a policy: their rebound ones
	 * are shared too (last_old, last_new: references held). */
	struct mempolicy *last_old = NULL, *last_new = NULL;
	int err = 0;
	pthread_rwlock_wrlock(&mm->mmap_lock);
	for (struct vm_area_struct *v = find_vma(mm, 0); v; v = find_vma(mm, v->vm_end)) {
		struct mempolicy *old = v->vm_policy;
		if (!old)
			continue;
		if (old != last_old) {
			struct mempolicy *np = mpol_rebound(old, newmask, &err);
			if (err)
				break;
			if (!np)
				continue;
			mpol_put(last_old);
			mpol_put(last_new);
			mpol_get(old);
			last_old = old;
			last_new = np;
		}
		mpol_get(last_new);
		v->vm_policy = last_new;
		mpol_put(old);
	}
	mpol_put(last_old);
	mpol_put(last_new);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}

long do_set_mempolicy(struct mm_task_policy *tp, unsigned mode, unsigned flags,
		      const nodemask_t *nodes, uint64_t cpuset)
{
	int err;
	struct mempolicy *pol = mpol_create(mode, flags, nodes, cpuset, &err);
	if (err)
		return err;
	spin_lock(&tp->lock);
	struct mempolicy *old = tp->pol;
	__atomic_store_n(&tp->pol, pol, __ATOMIC_RELEASE);
	if (pol && (pol->mode == MPOL_INTERLEAVE || pol->mode == MPOL_WEIGHTED_INTERLEAVE)) {
		tp->il_prev = MAX_NUMNODES - 1;
		tp->il_weight = 0;
	}
	spin_unlock(&tp->lock);
	mpol_put(old);
	return 0;
}

/* ---- shared policies (shared memory) ------------------------------------------ */

void shared_policy_destroy(struct shared_policy *sp)
{
	for (int i = 0; i < sp->n; i++)
		mpol_put(sp->v[i].pol);
	free(sp->v);
	sp->v = NULL;
	sp->n = sp->cap = 0;
}

/* The policy at page idx, a reference (NULL: none). */
static struct mempolicy *shared_policy_lookup(struct shared_policy *sp, uint64_t idx)
{
	struct mempolicy *pol = NULL;
	spin_lock(&sp->lock);
	for (int i = 0; i < sp->n && sp->v[i].start <= idx; i++)
		if (idx < sp->v[i].end) {
			pol = sp->v[i].pol;
			mpol_get(pol);
			break;
		}
	spin_unlock(&sp->lock);
	return pol;
}

/* Room for two more ranges (a replacement splits at most one in three). */
static int shared_policy_reserve(struct shared_policy *sp)
{
	if (sp->n + 2 <= sp->cap)
		return 0;
	int cap = sp->cap ? sp->cap * 2 : 4;
	struct sp_node *v = realloc(sp->v, (size_t)cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	sp->v = v;
	sp->cap = cap;
	return 0;
}

/* Pages [start, end) of the object get pol (NULL: none of their own),
 * as Linux's shared_policy_replace(). */
static int shared_policy_replace(struct shared_policy *sp, uint64_t start, uint64_t end,
				 struct mempolicy *pol)
{
	spin_lock(&sp->lock);
	if (shared_policy_reserve(sp)) {
		spin_unlock(&sp->lock);
		return -ENOMEM;
	}
	/* The ranges are sorted and disjoint: those wholly below stay, those
	 * overlapping leave their parts outside [start, end) (a range across
	 * the whole of it leaves two), then the new one, then those above.
	 * Built in place from the back: the result has at most two more. */
	struct sp_node *v = sp->v, below = { 0 }, above = { 0 };
	int lo = 0, hi = sp->n;
	while (lo < sp->n && v[lo].end <= start)
		lo++;
	while (hi > lo && v[hi - 1].start >= end)
		hi--;
	for (int i = lo; i < hi; i++) {	/* the overlapping ones */
		if (v[i].start < start) {
			below = (struct sp_node){ v[i].start, start, v[i].pol };
			mpol_get(below.pol);
		}
		if (v[i].end > end) {
			above = (struct sp_node){ end, v[i].end, v[i].pol };
			mpol_get(above.pol);
		}
		mpol_put(v[i].pol);
	}
	struct sp_node mid[3];
	int m = 0;
	if (below.pol)
		mid[m++] = below;
	if (pol) {
		mpol_get(pol);
		mid[m++] = (struct sp_node){ start, end, pol };
	}
	if (above.pol)
		mid[m++] = above;
	memmove(&v[lo + m], &v[hi], (size_t)(sp->n - hi) * sizeof *v);
	memcpy(&v[lo], mid, (size_t)m * sizeof *v);
	sp->n = lo + m + (sp->n - hi);
	spin_unlock(&sp->lock);
	return 0;
}

static bool vma_is_shmem(const struct vm_area_struct *vma)
{
	return vma->vm_file && !mapping_is_file(vma->vm_file);
}

/* ---- which policy, which node ------------------------------------------------- */

/* The running task's own policy, borrowed: only the task itself replaces
 * it, and it is the one allocating. */
static struct mempolicy *current_policy(struct hw_cpu *cpu)
{
	struct mm_task_policy *tp = cpu ? current_task_policy(cpu) : NULL;
	return tp ? __atomic_load_n(&tp->pol, __ATOMIC_ACQUIRE) : NULL;
}

/* The policy of vma itself at addr (Linux's __get_vma_policy): its own, or
 * its object's; *ref when a reference was taken. */
static struct mempolicy *vma_own_policy(struct vm_area_struct *vma, uint64_t addr, bool *ref)
{
	*ref = false;
	if (!vma_is_shmem(vma))
		return vma->vm_policy;
	struct mempolicy *pol = shared_policy_lookup(&vma->vm_file->policy,
						     linear_page_index(vma, addr));
	*ref = pol != NULL;
	return pol;
}

struct mempolicy *get_vma_policy(struct hw_cpu *cpu, struct vm_area_struct *vma, uint64_t addr,
				 unsigned order, uint64_t *ilx, bool *ref)
{
	struct mempolicy *pol = vma_own_policy(vma, addr, ref);
	/* Linux biases a shared object's interleave by its inode number. */
	*ilx = vma_is_shmem(vma) ? vma->vm_file->ino : 0;
	if (!pol)
		pol = current_policy(cpu);
	if (pol && (pol->mode == MPOL_INTERLEAVE || pol->mode == MPOL_WEIGHTED_INTERLEAVE)) {
		*ilx += vma->vm_pgoff >> order;
		*ilx += (addr - vma->vm_start) >> (PAGE_SHIFT + order);
	}
	return pol;
}

/* A node's weighted-interleave weight: its
 * /sys/kernel/mm/mempolicy/weighted_interleave/nodeN, 1 unless set (0
 * reads as 1, as Linux's get_il_weight). */
static unsigned il_weight(const struct mm_sys *s, unsigned nid)
{
	unsigned w = __atomic_load_n(&s->il_weight[nid], __ATOMIC_RELAXED);
	return w ? w : 1;
}

static unsigned interleave_nid(const struct mempolicy *pol, uint64_t ilx)
{
	return (unsigned)nth_node(pol->nodes, (int)(ilx % (uint64_t)__builtin_popcountll(pol->nodes)));
}

static unsigned weighted_interleave_nid(const struct mm_sys *s, const struct mempolicy *pol,
				       uint64_t ilx)
{
	uint8_t w[MMSIM_MAX_NODES];
	uint64_t total = 0;
	/* One look at each weight: a write meanwhile must not make the
	 * walk below miss its target. */
	for (uint64_t m = pol->nodes; m; m &= m - 1) {
		unsigned nid = (unsigned)__builtin_ctzll(m);
		w[nid] = (uint8_t)il_weight(s, nid);
		total += w[nid];
	}
	uint64_t target = ilx % total;
	for (uint64_t m = pol->nodes;; m &= m - 1) {
		unsigned nid = (unsigned)__builtin_ctzll(m);
		if (target < w[nid])
			return nid;
		target -= w[nid];
	}
}

/* The node after n in mask, wrapping (Linux's next_node_in). */
static unsigned next_node_in(unsigned n, uint64_t mask)
{
	uint64_t above = n + 1 >= 64 ? 0 : mask & ~((2ULL << n) - 1);
	return (unsigned)__builtin_ctzll(above ? above : mask);
}

/* Process interleave for allocations with no interleave index. */
static unsigned interleave_nodes(struct mm_task_policy *tp, const struct mempolicy *pol)
{
	if (!tp)
		return (unsigned)__builtin_ctzll(pol->nodes);
	unsigned next = next_node_in(tp->il_prev, pol->nodes);
	tp->il_prev = next;
	return next;
}

static unsigned weighted_interleave_nodes(const struct mm_sys *s, struct mm_task_policy *tp,
					  const struct mempolicy *pol)
{
	if (!tp)
		return (unsigned)__builtin_ctzll(pol->nodes);
	unsigned node = tp->il_prev;
	if (!tp->il_weight || node >= 64 || !(pol->nodes & (1ULL << node))) {
		node = next_node_in(node, pol->nodes);
		tp->il_weight = il_weight(s, node);
		tp->il_prev = node;
	}
	tp->il_weight--;
	return node;
}

void mpol_pick(const struct mm_sys *s, struct hw_cpu *cpu, struct mempolicy *pol, uint64_t ilx,
	       unsigned local, uint64_t cpuset, unsigned *nid, uint64_t *mask)
{
	struct mm_task_policy *tp = cpu ? current_task_policy(cpu) : NULL;
	*nid = local;
	*mask = cpuset;
	if (!pol)
		return;
	switch (pol->mode) {
	case MPOL_PREFERRED:
		*nid = (unsigned)__builtin_ctzll(pol->nodes);
		break;
	case MPOL_BIND:
	case MPOL_PREFERRED_MANY:
		/* A mask the cpuset does not allow at all is ignored. */
		if (pol->nodes & cpuset)
			*mask = pol->nodes & cpuset;
		break;
	case MPOL_INTERLEAVE:
		*nid = ilx == NO_INTERLEAVE_INDEX ? interleave_nodes(tp, pol)
						  : interleave_nid(pol, ilx);
		break;
	case MPOL_WEIGHTED_INTERLEAVE:
		*nid = ilx == NO_INTERLEAVE_INDEX ? weighted_interleave_nodes(s, tp, pol)
						  : weighted_interleave_nid(s, pol, ilx);
		break;
	default:
		break;
	}
}

struct page *alloc_pages_mpol(struct mm_sys *s, struct hw_cpu *cpu, struct mempolicy *pol,
			      uint64_t ilx, unsigned local, unsigned order, unsigned gfp,
			      uint64_t cpuset)
{
	unsigned nid;
	uint64_t mask;
	if (!pol)
		return alloc_pages_mask(s, cpu, local, order, gfp, cpuset);
	mpol_pick(s, cpu, pol, ilx, local, cpuset, &nid, &mask);
	if (pol->mode == MPOL_PREFERRED_MANY) {
		/* Its nodes first, without reclaim; then anywhere. */
		struct page *p = alloc_pages_mask(s, cpu, nid, order, gfp, mask);
		return p ? p : alloc_pages_mask(s, cpu, nid, order, gfp, cpuset);
	}
	bool interleave = pol->mode == MPOL_INTERLEAVE || pol->mode == MPOL_WEIGHTED_INTERLEAVE;
	if (order && ilx != NO_INTERLEAVE_INDEX && !interleave && (mask & (1ULL << nid))) {
		/* A huge page tries the preferred node alone first: remote
		 * memory would cost more than the huge page saves. */
		struct page *p = alloc_pages_mask(s, cpu, nid, order, gfp | GFP_THISNODE, mask);
		if (p)
			return p;
	}
	struct page *p = alloc_pages_mask(s, cpu, nid, order, gfp, mask);
	if (p && interleave && page_to_nid(s, p) == nid)
		__atomic_add_fetch(&s->node[nid].numastat[MMSIM_NUMASTAT_interleave_hit],
				   1ULL << order, __ATOMIC_RELAXED);
	return p;
}

struct mempolicy *mapping_alloc_policy(struct hw_cpu *cpu, struct address_space *m, uint64_t idx,
				       uint64_t *ilx, bool *ref)
{
	struct mempolicy *pol = NULL;
	*ilx = NO_INTERLEAVE_INDEX;
	if (!mapping_is_file(m)) {
		/* Linux biases a shared object's interleave by its inode number. */
		*ilx = m->ino + idx;
		pol = shared_policy_lookup(&m->policy, idx);
	}
	*ref = pol != NULL;
	return pol ? pol : current_policy(cpu);
}

/* ---- get_mempolicy(2) --------------------------------------------------------- */

/* The node of the page at addr, read-faulting it in as get_user_pages
 * does (an absent anonymous page becomes the zero page). */
static int lookup_node(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t addr)
{
	for (int tries = 0; tries < 3; tries++) {
		struct pmap_entry e;
		pthread_rwlock_rdlock(&mm->mmap_lock);
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		if (!vma || !vma_is_accessible(vma) || (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
			pthread_rwlock_unlock(&mm->mmap_lock);
			return -EFAULT;
		}
		spin_lock(&mm->ptl);
		enum pmap_kind kind = pmap_lookup(&mm->pmap, addr & PAGE_MASK, &e);
		spin_unlock(&mm->ptl);
		pthread_rwlock_unlock(&mm->mmap_lock);
		if (kind == PMAP_PAGE)
			return (int)pfn_to_nid(mm->sys, e.pfn);
		if (handle_mm_fault(mm, cpu, addr, FAULT_FLAG_USER))
			return -EFAULT;
	}
	return -EFAULT;
}

long do_get_mempolicy(struct mm_struct *mm, struct hw_cpu *cpu, struct mm_task_policy *tp,
		      int *policy, nodemask_t *nmask, uint64_t addr, unsigned long flags,
		      uint64_t cpuset)
{
	struct mempolicy *pol = tp->pol;
	bool ref = false;
	long err = 0;

	memset(nmask, 0, sizeof *nmask);
	if (flags & ~(unsigned long)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	if (flags & MPOL_F_MEMS_ALLOWED) {
		if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
		*policy = 0;
		nmask->w[0] = cpuset;
		return 0;
	}
	if (flags & MPOL_F_ADDR) {
		/* The range's own policy: MPOL_DEFAULT when it has none, never
		 * the task's. */
		pthread_rwlock_rdlock(&mm->mmap_lock);
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		if (!vma) {
			pthread_rwlock_unlock(&mm->mmap_lock);
			return -EFAULT;
		}
		pol = vma_own_policy(vma, addr, &ref);
		if (pol && !ref) {
			mpol_get(pol);
			ref = true;
		}
		pthread_rwlock_unlock(&mm->mmap_lock);
	} else if (addr) {
		return -EINVAL;
	}
	if (flags & MPOL_F_NODE) {
		if (flags & MPOL_F_ADDR) {
			err = lookup_node(mm, cpu, addr);
			if (err >= 0) {
				*policy = (int)err;
				err = 0;
			}
		} else if (pol && pol == tp->pol && pol->mode == MPOL_INTERLEAVE) {
			*policy = (int)next_node_in(tp->il_prev, pol->nodes);
		} else if (pol && pol == tp->pol && pol->mode == MPOL_WEIGHTED_INTERLEAVE) {
			*policy = (int)(tp->il_weight ? tp->il_prev : next_node_in(tp->il_prev, pol->nodes));
		} else {
			err = -EINVAL;
		}
	} else {
		*policy = pol ? (int)(pol->mode | (pol->flags & MPOL_MODE_FLAGS)) : MPOL_DEFAULT;
	}
	if (!err && pol) {
		if (mpol_store_user_nodemask(pol))
			*nmask = pol->user_nodemask;
		else if (pol->mode != MPOL_LOCAL)
			nmask->w[0] = pol->nodes;
	}
	if (ref)
		mpol_put(pol);
	return err;
}

/* ---- mbind(2) ----------------------------------------------------------------- */

#define MPOL_MF_DISCONTIG_OK (1u << 8)	/* internal: holes are no error */

/* What queue_pages_range() collects (Linux's struct queue_pages). */
struct queue_pages {
	struct list_head *pagelist;
	unsigned long flags;
	uint64_t nmask;		/* pages on these nodes stay */
	long nr_failed;
};

/* Only strict checking asked for: a misplaced page ends the walk. */
static bool strictly_unmovable(unsigned long flags)
{
	return (flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) == MPOL_MF_STRICT;
}

/* Linux's migrate_folio_add(): a shared page is left alone without
 * MOVE_ALL, and that is no failure; false when it cannot be isolated. */
static bool migrate_folio_add(struct mm_sys *s, struct page *head, struct list_head *list,
			      unsigned long flags)
{
	if (!(flags & MPOL_MF_MOVE_ALL) && folio_likely_mapped_shared(head))
		return true;
	return !isolate_page_for_migration(s, head, list);
}

/* Queues the misplaced pages of [start, end) in vma; -EIO when only
 * strict checking was asked for and one was found. */
static int queue_vma_pages(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end, struct queue_pages *qp)
{
	struct mm_sys *s = mm->sys;
	struct pmap_iter it;
	struct pmap_entry e;
	struct page *last = NULL;
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (e.kind == PMAP_SWAP) {
			if (is_migration_entry(&e))
				qp->nr_failed++;
			continue;
		}
		if (e.kind != PMAP_PAGE || e.pfn == s->zero_pfn || e.pfn >= s->hw->nr_pfns)
			continue;
		struct page *head = compound_head(pfn_to_page(s, e.pfn));
		if (page_test(head, PG_reserved))
			continue;
		if (qp->nmask & (1ULL << page_to_nid(s, head)))
			continue;	/* where the policy wants it */
		if (head->order) {
			/* Isolated once however many entries map it. */
			if (head == last)
				continue;
			last = head;
		}
		if (!(qp->flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) || !vma_migratable(vma) ||
		    !migrate_folio_add(s, head, qp->pagelist, qp->flags)) {
			qp->nr_failed++;
			if (strictly_unmovable(qp->flags))
				break;
		}
	}
	return qp->nr_failed && strictly_unmovable(qp->flags) ? -EIO : 0;
}

/*
 * Linux's queue_pages_range() with queue_pages_test_walk(): -EFAULT for a
 * hole in the range (unless DISCONTIG_OK) or a range with no VMA at all,
 * -EIO as above, else how many misplaced pages could not be queued.
 */
static long queue_pages_range(struct mm_struct *mm, uint64_t start, uint64_t end,
			      struct queue_pages *qp)
{
	unsigned long flags = qp->flags;
	bool first = true;
	for (int i = vma_index(mm, start); i < mm->vmas.n; i++) {
		struct vm_area_struct *vma = mm->vmas.v[i];
		if (vma->vm_start >= end)
			break;
		if (first) {
			first = false;
			if (!(flags & MPOL_MF_DISCONTIG_OK) && start < vma->vm_start)
				return -EFAULT;		/* a hole at the head */
		}
		struct vm_area_struct *next = i + 1 < mm->vmas.n ? mm->vmas.v[i + 1] : NULL;
		if (!(flags & MPOL_MF_DISCONTIG_OK) && vma->vm_end < end &&
		    (!next || vma->vm_end < next->vm_start))
			return -EFAULT;			/* a hole in the middle or at the tail */
		if (!vma_migratable(vma) && !(flags & MPOL_MF_STRICT))
			continue;
		if (!(flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)))
			continue;
		uint64_t s = start > vma->vm_start ? start : vma->vm_start;
		uint64_t e = end < vma->vm_end ? end : vma->vm_end;
		int err = queue_vma_pages(mm, vma, s, e, qp);
		if (err)
			return err;
	}
	if (first)
		return -EFAULT;		/* the whole range is a hole */
	return qp->nr_failed;
}

/* vma's policy becomes pol (Linux's vma_replace_policy); a shared-memory
 * mapping sets its object's policy for the pages it maps. */
static int vma_replace_policy(struct vm_area_struct *vma, struct mempolicy *pol)
{
	if (vma_is_shmem(vma)) {
		int err = shared_policy_replace(&vma->vm_file->policy, vma->vm_pgoff,
						vma->vm_pgoff + vma_pages(vma), pol);
		if (err)
			return err;
	}
	mpol_get(pol);
	mpol_put(vma->vm_policy);
	vma->vm_policy = pol;
	return 0;
}

/* Gives [start, end) the policy pol, splitting and merging VMAs. */
static int mbind_range(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end,
		       struct mempolicy *pol)
{
	uint64_t addr = start;
	struct vm_area_struct *vma;
	while (addr < end && (vma = find_vma(mm, addr)) && vma->vm_start < end) {
		uint64_t vs = addr > vma->vm_start ? addr : vma->vm_start;
		uint64_t ve = end < vma->vm_end ? end : vma->vm_end;
		addr = ve;
		if (mpol_equal(vma->vm_policy, pol))
			continue;
		int err = 0;
		vma = vma_modify_policy(mm, cpu, vma, vs, ve, pol, &err);
		if (!vma)
			return err;
		if ((err = vma_replace_policy(vma, pol)))
			return err;
	}
	return 0;
}

/* Where mbind's pages go: the policy and the interleave index of the
 * first page, from which the others count by their index. */
struct migration_mpol {
	struct mempolicy *pol;
	uint64_t ilx;
	uint64_t cpuset;
};

static struct page *alloc_migration_target_by_mpol(struct mm_sys *s, struct hw_cpu *cpu,
						   struct page *src, unsigned long priv)
{
	struct migration_mpol *mp = (struct migration_mpol *)priv;
	uint64_t ilx = mp->ilx + (src->index >> src->order);
	return alloc_pages_mpol(s, cpu, mp->pol, ilx, cpu ? cpu->node : 0, src->order, 0,
				mp->cpuset);
}

/* The address of page in vma, or 1 when vma does not map it (Linux's
 * page_address_in_vma). */
static uint64_t page_address_in_vma(struct page *head, struct vm_area_struct *vma)
{
	if (page_anon(head)) {
		struct anon_vma *av = page_anon_vma(head);
		if (!vma->anon_vma || vma->anon_vma->root != av->root)
			return 1;
	} else if ((uintptr_t)vma->vm_file != head->mapping) {
		return 1;
	}
	if (head->index < vma->vm_pgoff)
		return 1;
	uint64_t addr = vma->vm_start + ((head->index - vma->vm_pgoff) << PAGE_SHIFT);
	return addr < vma->vm_end ? addr : 1;
}

/* The interleave base of mbind's migration (see struct migration_mpol). */
static uint64_t mbind_interleave_base(struct mm_struct *mm, struct hw_cpu *cpu,
				      struct list_head *pages, uint64_t start, uint64_t end)
{
	struct page *head = list_entry(pages->next, struct page, lru);
	for (int i = vma_index(mm, start); i < mm->vmas.n && mm->vmas.v[i]->vm_start < end; i++) {
		struct vm_area_struct *vma = mm->vmas.v[i];
		uint64_t addr = page_address_in_vma(head, vma);
		if (addr == 1)
			continue;
		uint64_t ilx;
		bool ref;
		struct mempolicy *pol = get_vma_policy(cpu, vma, addr, head->order, &ilx, &ref);
		if (ref)
			mpol_put(pol);
		return ilx - (head->index >> head->order);
	}
	return 0;
}

long do_mbind(struct mm_struct *mm, struct hw_cpu *cpu, struct mm_task_policy *tp,
	      uint64_t start, uint64_t len, unsigned mode, unsigned mode_flags,
	      const nodemask_t *nodes, unsigned long flags, bool move_all_allowed,
	      uint64_t cpuset)
{
	struct mm_sys *s = mm->sys;
	struct list_head pagelist;
	int err;

	if (flags & ~(unsigned long)MPOL_MF_VALID)
		return -EINVAL;
	if ((flags & MPOL_MF_MOVE_ALL) && !move_all_allowed)
		return -EPERM;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (mode == MPOL_DEFAULT)
		flags &= ~(unsigned long)MPOL_MF_STRICT;
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;	/* wraps to 0 as Linux's PAGE_ALIGN */
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	struct mempolicy *pol = mpol_create(mode, mode_flags, nodes, cpuset, &err);
	if (err)
		return err;
	if (!pol)
		flags |= MPOL_MF_DISCONTIG_OK;	/* default may span holes */
	bool moving = flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL);
	if (moving)
		lru_cache_disable(s);

	list_init(&pagelist);
	struct queue_pages qp = { &pagelist, flags, nodes->w[0], 0 };
	struct migration_mpol mp = { pol, 0, cpuset };
	pthread_rwlock_wrlock(&mm->mmap_lock);
	long nr_failed = queue_pages_range(mm, start, end, &qp);
	if (nr_failed < 0) {
		err = (int)nr_failed;
		nr_failed = 0;
	} else {
		err = mbind_range(mm, cpu, start, end, pol);
	}
	bool ref = false;
	if (!err && !list_empty(&pagelist)) {
		/* MPOL_DEFAULT moves pages where the task's policy says. */
		if (!mp.pol) {
			mp.pol = task_policy_get(tp);
			ref = mp.pol != NULL;
		}
		if (mp.pol && (mp.pol->mode == MPOL_INTERLEAVE ||
			       mp.pol->mode == MPOL_WEIGHTED_INTERLEAVE))
			mp.ilx = mbind_interleave_base(mm, cpu, &pagelist, start, end);
	}
	pthread_rwlock_unlock(&mm->mmap_lock);

	if (!err && !list_empty(&pagelist)) {
		int r = migrate_pages_for(s, cpu, &pagelist, alloc_migration_target_by_mpol,
					  (unsigned long)&mp, MIGRATE_SYNC, MR_MEMPOLICY_MBIND, NULL);
		nr_failed |= r;
	}
	if (nr_failed && (flags & MPOL_MF_STRICT))
		err = -EIO;
	if (!list_empty(&pagelist))
		putback_movable_pages(s, &pagelist);
	if (ref)
		mpol_put(mp.pol);
	mpol_put(pol);
	if (moving)
		lru_cache_enable(s);
	return err;
}

/* ---- /proc/PID/numa_maps ------------------------------------------------------ */

static const char *const policy_names[MPOL_MAX] = {
	[MPOL_DEFAULT] = "default",
	[MPOL_PREFERRED] = "prefer",
	[MPOL_BIND] = "bind",
	[MPOL_INTERLEAVE] = "interleave",
	[MPOL_LOCAL] = "local",
	[MPOL_PREFERRED_MANY] = "prefer (many)",
	[MPOL_WEIGHTED_INTERLEAVE] = "weighted interleave",
};

size_t mmsim_nodelist_format(uint64_t mask, char *buf, size_t len)
{
	size_t n = 0;
	if (len)
		buf[0] = 0;
	for (int i = 0; i < 64 && n < len;) {
		if (!(mask >> i & 1)) {
			i++;
			continue;
		}
		int j = i;
		while (j + 1 < 64 && (mask >> (j + 1) & 1))
			j++;
		n += (size_t)snprintf(buf + n, len - n, j > i ? "%s%d-%d" : "%s%d", n ? "," : "",
				      i, j);
		i = j + 1;
	}
	return n;
}

/* Linux's mpol_to_str(). */
static void mpol_to_str(char *buf, size_t len, const struct mempolicy *pol)
{
	unsigned mode = MPOL_DEFAULT, flags = 0;
	uint64_t nodes = 0;
	if (pol) {
		mode = pol->mode;
		flags = pol->flags;
		if (mode != MPOL_LOCAL)
			nodes = pol->nodes;
	}
	size_t n = (size_t)snprintf(buf, len, "%s", policy_names[mode]);
	if ((flags & MPOL_MODE_FLAGS) && n < len) {
		n += (size_t)snprintf(buf + n, len - n, "=");
		if (flags & MPOL_F_STATIC_NODES)
			n += (size_t)snprintf(buf + n, len - n, "static");
		else if (flags & MPOL_F_RELATIVE_NODES)
			n += (size_t)snprintf(buf + n, len - n, "relative");
		if ((flags & MPOL_F_NUMA_BALANCING) && n < len) {
			unsigned f = flags & MPOL_MODE_FLAGS;
			if (f & (f - 1))
				n += (size_t)snprintf(buf + n, len - n, "|");
			n += (size_t)snprintf(buf + n, len - n, "balancing");
		}
	}
	if (nodes && n + 1 < len) {
		buf[n++] = ':';
		mmsim_nodelist_format(nodes, buf + n, len - n);
	}
}

void numa_maps_policy(struct vm_area_struct *vma, struct mm_task_policy *tp, char *buf,
		      size_t len)
{
	bool ref;
	struct mempolicy *pol = vma_own_policy(vma, vma->vm_start, &ref);
	if (pol) {
		mpol_to_str(buf, len, pol);
		if (ref)
			mpol_put(pol);
		return;
	}
	pol = task_policy_get(tp);
	mpol_to_str(buf, len, pol);
	mpol_put(pol);
}

/* ---- NUMA balancing ----------------------------------------------------------- */

/* The policy NUMA balancing would consult, a reference when *ref; NULL is
 * the default (local, which lets balancing move pages: MPOL_F_MOF). */
static struct mempolicy *balancing_policy(struct hw_cpu *cpu, struct vm_area_struct *vma,
					  uint64_t addr, bool *ref)
{
	struct mempolicy *pol = vma_own_policy(vma, addr, ref);
	if (!pol && !vma_is_shmem(vma))
		pol = current_policy(cpu);
	return pol;
}

bool vma_policy_mof(struct hw_cpu *cpu, struct vm_area_struct *vma)
{
	bool ref;
	struct mempolicy *pol = balancing_policy(cpu, vma, vma->vm_start, &ref);
	/* A shared-memory object with no policy of its own is not scanned
	 * (Linux asks its get_policy, which finds none). */
	bool mof = pol ? pol->flags & MPOL_F_MOF : !vma_is_shmem(vma);
	if (ref)
		mpol_put(pol);
	return mof;
}

int mpol_misplaced(struct hw_cpu *cpu, struct vm_area_struct *vma, struct page *head,
		   uint64_t addr, unsigned curnid)
{
	bool ref;
	unsigned thisnid = cpu->node;
	struct mempolicy *pol = balancing_policy(cpu, vma, addr, &ref);
	int polnid = -1;
	if (!pol) {
		/* The default: MPOL_PREFERRED on this node, MOF | MORON; a page
		 * already there is left without asking the cpupid filter. */
		if (curnid != thisnid && should_numa_migrate_memory(cpu, head, curnid))
			polnid = (int)thisnid;
	} else if (pol->flags & MPOL_F_MOF) {
		uint64_t ilx = 0;
		bool r2;
		switch (pol->mode) {
		case MPOL_INTERLEAVE:
		case MPOL_WEIGHTED_INTERLEAVE: {
			struct mempolicy *p = get_vma_policy(cpu, vma, addr, head->order, &ilx, &r2);
			if (r2)
				mpol_put(p);
			polnid = (int)(pol->mode == MPOL_INTERLEAVE ?
					       interleave_nid(pol, ilx) :
					       weighted_interleave_nid(vma->vm_mm->sys, pol, ilx));
			break;
		}
		case MPOL_PREFERRED:
			if (!(pol->nodes & (1ULL << curnid)))
				polnid = __builtin_ctzll(pol->nodes);
			break;
		case MPOL_LOCAL:
			polnid = (int)thisnid;
			break;
		case MPOL_BIND:
		case MPOL_PREFERRED_MANY:
			if (pol->flags & MPOL_F_MORON) {
				if (pol->nodes & (1ULL << thisnid))
					polnid = (int)thisnid;
			} else if (!(pol->nodes & (1ULL << curnid))) {
				/* The first of the policy's nodes in this node's
				 * fallback order. */
				struct mm_sys *s = vma->vm_mm->sys;
				for (unsigned k = 0; k < s->nr_nodes && polnid < 0; k++)
					if (pol->nodes & (1ULL << s->zonelist[thisnid][k]))
						polnid = s->zonelist[thisnid][k];
			}
			break;
		default:
			break;
		}
		/* Migrate-on-reference: towards the CPU touching it, if the
		 * cpupid filter and the task's numa_group agree. */
		if (polnid >= 0 && (pol->flags & MPOL_F_MORON))
			polnid = should_numa_migrate_memory(cpu, head, curnid) ? (int)thisnid : -1;
	}
	if (ref)
		mpol_put(pol);
	return polnid >= 0 && (unsigned)polnid != curnid ? polnid : -1;
}
