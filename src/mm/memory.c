/*
 * memory.c - page faults, unmapping, copying page tables at fork.
 *
 * The fault handler decides, from the VMA and the entry found for the
 * address, which of Linux's paths applies:
 *   - no entry, private anonymous: a read maps the shared zero page
 *     read-only, a write allocates a zeroed page on the faulting CPU's node
 *     (falling back to other nodes) - do_anonymous_page();
 *   - no entry, shared (anonymous or file): the page-cache page, found,
 *     allocated (zeroed) or read from the file with the ptl dropped, then
 *     mapped; a file's clean pages read-only when it keeps dirty
 *     accounting (VM_WRNOTIFY), so the first store dirties the page;
 *     past the end of the file: SIGBUS;
 *   - no entry, private file mapping: a read maps the page-cache page
 *     read-only, a write maps a private copy of it (do_cow_fault());
 *   - a write to a present read-only entry of a private writable VMA:
 *     copy-on-write, or reuse when the page is exclusively ours
 *     (do_wp_page(): the zero page is always copied);
 *   - an entry that already allows the access: a stale TLB entry, retry;
 *   - a migration entry: wait for the migration to finish, retry;
 *   - an inaccessible entry in an accessible VMA: a NUMA hinting fault,
 *     which may move the page to the faulting CPU's node (do_numa_page());
 *   - a write to a userfaultfd write-protected entry: SIGBUS (no reader).
 * Accesses the VMA does not allow are SIGSEGV (x86's access_error()).
 *
 * Private writable VMAs map their pages read-only by default (vm_page_prot
 * has no write bit); a write fault on an exclusive page sets it.  That is
 * what makes fork's copy-on-write work: after fork no page is exclusive.
 *
 * Called with mm->mmap_lock held (read for faults, write for populate);
 * entries change under mm->ptl.  `cpu` is always the CPU doing the work:
 * it is charged for zeroing and copying and its node is where pages go.
 */
#include "mm.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

unsigned vma_pmap_prot(uint64_t vm_flags)
{
	unsigned prot = 0;
	if (vm_flags & VM_ACCESS_FLAGS)
		prot |= PMAP_R;		/* x86 cannot map write-only or exec-only */
	/* Shared writable: writable at once, unless the file keeps dirty
	 * accounting - then only a write fault makes an entry writable. */
	if ((vm_flags & (VM_WRITE | VM_SHARED | VM_WRNOTIFY)) == (VM_WRITE | VM_SHARED))
		prot |= PMAP_W;
	if (vm_flags & VM_EXEC)
		prot |= PMAP_X;
	return prot;
}

static void set_leaf(struct pmap_entry *e, uint64_t pfn, unsigned prot, unsigned flags)
{
	memset(e, 0, sizeof *e);
	e->kind = PMAP_PAGE;
	e->pfn = pfn;
	e->prot = (uint8_t)prot;
	e->flags = (uint8_t)flags;
}

/* Local allocation (MPOL_DEFAULT): the faulting CPU's node, unless the
 * cpuset forbids it; then the nearest node it allows, the first of the
 * local node's fallback order in the cpuset (Linux's preferred zone). */
unsigned mm_local_node(const struct hw_cpu *cpu, const struct mm_struct *mm)
{
	uint64_t allowed = mm_mems_allowed(mm);
	const struct mm_sys *s = mm->sys;
	if (allowed & (1ULL << cpu->node))
		return cpu->node;
	for (unsigned i = 0; i < s->nr_nodes; i++) {
		unsigned nid = s->zonelist[cpu->node][i];
		if (allowed & (1ULL << nid))
			return nid;
	}
	return cpu->node;
}

static bool page_mapped_zero(const struct mm_sys *s, uint64_t pfn)
{
	return pfn == s->zero_pfn;
}

/* A fault that ran out of memory (Linux's VM_FAULT_OOM): never returned to
 * the MMU; fault_reclaiming() reclaims and retries. */
#define VM_FAULT_OOM 0x10000
/* A charge found the task's memcg at memory.max: make room, then retry. */
#define VM_FAULT_MEMCG 0x10001

/* A fault's allocation error as its result: no memory (the allocator's
 * slow path takes over), killed by the memcg OOM killer (-EINTR), a memcg
 * that cannot be charged and has nobody to kill (-ENOSPC: SIGBUS). */
static int vm_fault_errno(int err)
{
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err == -EDQUOT)
		return VM_FAULT_MEMCG;
	if (err == -EINTR)
		return SIGKILL;
	return err == -ENOSPC ? SIGBUS : SIGSEGV;
}

/* A fresh anonymous page for addr, with rmap, LRU and mlock set up. */
static struct page *new_anon_page(struct mm_struct *mm, struct hw_cpu *cpu,
				  struct vm_area_struct *vma, uint64_t addr, int *err)
{
	struct mm_sys *s = mm->sys;
	if ((*err = anon_vma_prepare(vma)))
		return NULL;
	uint64_t ilx;
	bool ref;
	struct mempolicy *pol = get_vma_policy(cpu, vma, addr, 0, &ilx, &ref);
	struct page *p = alloc_pages_mpol(s, cpu, pol, ilx, mm_local_node(cpu, mm), 0, GFP_ZERO,
					  mm_mems_allowed(mm));
	if (ref)
		mpol_put(pol);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	/* Under the ptl: a charge over memory.max makes room outside it
	 * (fault_reclaiming) and the fault runs again. */
	if (mem_cgroup_try_charge_light(mm->memcg, p)) {
		put_page(s, p);
		*err = -EDQUOT;
		return NULL;
	}
	anon_page_setup(cpu, vma, p, addr);
	return p;
}

void anon_page_setup(struct hw_cpu *cpu, struct vm_area_struct *vma, struct page *p,
		     uint64_t addr)
{
	struct mm_sys *s = vma->vm_mm->sys;
	page_add_new_anon_rmap(p, vma, addr);
	page_set(p, PG_anon_exclusive);
	page_set(p, PG_uptodate);
	if (vma->vm_flags & VM_LOCKED)
		mlock_new_page(s, p);
	lru_cache_add(s, cpu->id, p);
}

static int do_anonymous_page(struct mm_struct *mm, struct hw_cpu *cpu,
			     struct vm_area_struct *vma, uint64_t addr, unsigned flags)
{
	struct pmap_entry e;
	unsigned prot = vma_pmap_prot(vma->vm_flags);

	if (!(flags & FAULT_FLAG_WRITE)) {
		set_leaf(&e, mm->sys->zero_pfn, prot & ~PMAP_W, PMAP_ACCESSED | PMAP_SOFTDIRTY);
		count_event(mm, cpu, faults_zero);
		int err = pmap_set(&mm->pmap, addr, &e, NULL);
		return err ? vm_fault_errno(err) : 0;
	}
	int err;
	struct page *p = new_anon_page(mm, cpu, vma, addr, &err);
	if (!p)
		return vm_fault_errno(err);
	set_leaf(&e, page_to_pfn(mm->sys, p), prot | PMAP_W,
		 PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY);
	err = pmap_set(&mm->pmap, addr, &e, NULL);
	if (err) {
		page_remove_rmap(mm->sys, p, false);
		put_page(mm->sys, p);
		return vm_fault_errno(err);
	}
	count_event(mm, cpu, faults_anon);
	return 0;
}

/*
 * Fault-around (Linux's do_fault_around, fault_around_bytes = 64 KiB): a
 * read fault on shared memory also maps the pages around it that are
 * already in the object - an aligned window of FAULT_AROUND_PAGES, cut to
 * the VMA and to the page table.  Pages locked (being migrated, say) are
 * skipped, as are addresses already mapped.  Called with ptl held.
 */
#define FAULT_AROUND_PAGES 16ULL

static void map_one_around(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t a)
{
	struct mm_sys *s = mm->sys;
	struct pmap_entry e;
	if (pmap_lookup(&mm->pmap, a, &e) != PMAP_EMPTY)
		return;
	struct page *p = find_get_page(s, vma->vm_file, linear_page_index(vma, a));
	if (!p)
		return;
	if (!trylock_page(p)) {
		put_page(s, p);
		return;
	}
	if (!page_test(p, PG_uptodate) || p->mapping != (uintptr_t)vma->vm_file ||
	    p->index >= __atomic_load_n(&vma->vm_file->nr_pages, __ATOMIC_RELAXED)) {
		unlock_page(p);
		put_page(s, p);
		return;
	}
	set_leaf(&e, page_to_pfn(s, p), vma_pmap_prot(vma->vm_flags),
		 PMAP_ACCESSED | PMAP_SOFTDIRTY);
	if (pmap_set(&mm->pmap, a, &e, NULL)) {
		unlock_page(p);
		put_page(s, p);
		return;
	}
	page_add_rmap(s, p, false);
	if (vma->vm_flags & VM_LOCKED)
		mlock_page(s, p);
	unlock_page(p);
}

static void do_fault_around(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t pte_off = (addr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1);
	uint64_t vma_off = (addr - vma->vm_start) >> PAGE_SHIFT;
	uint64_t from = pte_off & ~(FAULT_AROUND_PAGES - 1);
	uint64_t lowest = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	uint64_t to = pte_off + vma_pages(vma) - vma_off;
	if (from < lowest)
		from = lowest;
	if (to > from + FAULT_AROUND_PAGES)
		to = from + FAULT_AROUND_PAGES;
	if (to > PTRS_PER_TABLE)
		to = PTRS_PER_TABLE;
	uint64_t base = addr - (pte_off << PAGE_SHIFT);
	for (uint64_t o = from; o < to; o++)
		if (o != pte_off)
			map_one_around(mm, vma, base + (o << PAGE_SHIFT));
}

/*
 * The page-cache page of a file or shared-memory fault, locked and with a
 * reference: found or read with the ptl dropped (a read sleeps on the
 * disk), locked and checked to be still in the file (truncate takes pages
 * out under their lock, so a locked page still in its slot stays there
 * until it is mapped), then the ptl is taken again.  NULL with *sig when
 * the fault must retry (0: the entry was filled or the page truncated
 * meanwhile) or fail (SIGBUS: past the end of the file, an I/O error, no
 * memory).  The caller unlocks the page once it is mapped.
 */
static struct page *fault_get_cache_page(struct mm_struct *mm, struct hw_cpu *cpu,
					 struct vm_area_struct *vma, uint64_t addr, int *sig)
{
	struct address_space *m = vma->vm_file;
	uint64_t idx = linear_page_index(vma, addr);
	int err = 0;
	bool major = false;
	spin_unlock(&mm->ptl);
	struct page *p = pagecache_get_page(mm->sys, cpu, m, idx, mm_local_node(cpu, mm),
					    mm_mems_allowed(mm), false, &err, &major);
	/* A page the fault had to read from the disk: a major fault. */
	if (major)
		count_vm_events(mm->sys, MMSIM_VM_pgmajfault, 1);
	if (p) {
		lock_page(p);
		if (p->mapping != (uintptr_t)m ||
		    idx >= __atomic_load_n(&m->nr_pages, __ATOMIC_RELAXED)) {
			err = p->mapping == (uintptr_t)m ? -EFAULT : 0;
			unlock_page(p);
			put_page(mm->sys, p);
			p = NULL;
		}
	}
	spin_lock(&mm->ptl);
	struct pmap_entry e;
	if (p && pmap_lookup(&mm->pmap, addr, &e) != PMAP_EMPTY) {
		unlock_page(p);
		put_page(mm->sys, p);	/* raced: let the access retry */
		p = NULL;
		err = 0;
	}
	*sig = err ? vm_fault_errno(err) : 0;
	if (*sig == SIGSEGV)
		*sig = SIGBUS;	/* past the end, an I/O error */
	return p;
}

/* A page-cache page mapped at addr (no anonymous copy): shared mappings,
 * and read faults of private file mappings. */
static int do_cache_fault(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			  uint64_t addr, unsigned flags)
{
	int sig;
	struct page *p = fault_get_cache_page(mm, cpu, vma, addr, &sig);
	if (!p)
		return sig;
	if (!(flags & FAULT_FLAG_WRITE))
		do_fault_around(mm, vma, addr);
	struct pmap_entry e;
	unsigned prot = vma_pmap_prot(vma->vm_flags);
	unsigned f = PMAP_ACCESSED | PMAP_SOFTDIRTY;
	if (flags & FAULT_FLAG_WRITE) {
		/* Only shared mappings get here writing (private ones copy). */
		prot |= PMAP_W;
		f |= PMAP_DIRTY;
		set_page_dirty(p);
	}
	set_leaf(&e, page_to_pfn(mm->sys, p), prot, f);
	int err = pmap_set(&mm->pmap, addr, &e, NULL);
	if (err) {
		unlock_page(p);
		put_page(mm->sys, p);
		return vm_fault_errno(err);
	}
	page_add_rmap(mm->sys, p, false);
	if (vma->vm_flags & VM_LOCKED)
		mlock_page(mm->sys, p);
	unlock_page(p);
	if (vma->vm_flags & VM_SHARED)
		count_event(mm, cpu, faults_shared);
	return 0;
}

/* A write fault on a private file mapping with nothing mapped: a private
 * anonymous copy of the file's page (do_cow_fault). */
static int do_cow_fault(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			uint64_t addr)
{
	struct mm_sys *s = mm->sys;
	int sig, err;
	struct page *cache = fault_get_cache_page(mm, cpu, vma, addr, &sig);
	if (!cache)
		return sig;
	struct page *np = new_anon_page(mm, cpu, vma, addr, &err);
	if (!np) {
		unlock_page(cache);
		put_page(s, cache);
		return vm_fault_errno(err);
	}
	hw_copy_frames(s->hw, cpu, page_to_pfn(s, np), page_to_pfn(s, cache), 1);
	unlock_page(cache);
	put_page(s, cache);
	struct pmap_entry e;
	set_leaf(&e, page_to_pfn(s, np), vma_pmap_prot(vma->vm_flags) | PMAP_W,
		 PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY);
	err = pmap_set(&mm->pmap, addr, &e, NULL);
	if (err) {
		page_remove_rmap(s, np, false);
		put_page(s, np);
		return vm_fault_errno(err);
	}
	count_event(mm, cpu, faults_cow);
	return 0;
}

/* Can a write fault keep using this anonymous page (wp_can_reuse_anon_folio)? */
static bool can_reuse_anon(struct mm_sys *s, struct hw_cpu *cpu, struct page *p)
{
	if (page_test(p, PG_anon_exclusive))
		return true;
	/* A piece of a huge page is copied, never reused, even when no other
	 * subpage is mapped: Linux 6.12 gives the huge page back sooner so. */
	if (compound_head(p)->order)
		return false;
	/* The swap cache holds one reference of its own. */
	int cached = page_test(p, PG_swapcache) ? 1 : 0;
	if (__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) > 3 + cached)
		return false;
	if (!page_test(p, PG_lru) && cpu)
		lru_add_drain_cpu(s, cpu->id);	/* our own batch may hold it */
	if (__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) > 1 + cached)
		return false;
	if (!cached)
		return true;
	/* Ours alone but for the swap cache: the slot goes (Linux's
	 * wp_can_reuse_anon_folio), the page is reused. */
	if (!trylock_page(p))
		return false;
	folio_free_swap(s, p);
	bool alone = __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) == 1;
	unlock_page(p);
	return alone;
}

static int do_wp_page(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		      uint64_t addr, const struct pmap_entry *old)
{
	struct mm_sys *s = mm->sys;
	unsigned prot = vma_pmap_prot(vma->vm_flags) | PMAP_W;
	struct pmap_entry e;

	if (vma->vm_flags & VM_SHARED) {
		/* Shared memory: the same page, now writable and dirty (a
		 * file's page counts as dirty from this store on). */
		set_page_dirty(pfn_to_page(s, old->pfn));
		set_leaf(&e, old->pfn, prot, old->flags | PMAP_DIRTY | PMAP_ACCESSED);
		return pmap_set(&mm->pmap, addr, &e, NULL) ? SIGBUS : 0;
	}
	struct page *oldp = page_mapped_zero(s, old->pfn) ? NULL : pfn_to_page(s, old->pfn);
	if (oldp && page_anon(compound_head(oldp)) && can_reuse_anon(s, cpu, oldp)) {
		page_set(oldp, PG_anon_exclusive);
		set_leaf(&e, old->pfn, prot, old->flags | PMAP_DIRTY | PMAP_ACCESSED);
		pmap_set(&mm->pmap, addr, &e, NULL);
		count_event(mm, cpu, faults_reuse);
		return 0;
	}
	int err;
	struct page *np = new_anon_page(mm, cpu, vma, addr, &err);
	if (!np)
		return vm_fault_errno(err);
	if (oldp)
		hw_copy_frames(s->hw, cpu, page_to_pfn(s, np), old->pfn, 1);
	/* The zero page is not copied: its writer gets a zeroed page, a
	 * demand-zero fault like any first write. */
	set_leaf(&e, page_to_pfn(s, np), prot, PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY);
	/* Replace, flush the old translation, then drop the old page. */
	pmap_set(&mm->pmap, addr, &e, NULL);
	hw_flush_range(cpu, &mm->pmap, addr, addr + PAGE_SIZE, PAGE_SHIFT);
	if (oldp) {
		page_remove_rmap(s, oldp, false);
		/* The copy replaces it in this VMA: if the VMA is locked, it
		 * is munlocked (Linux's munlock_vma_folio: an mlock count of
		 * one is assumed, as mmsim keeps none). */
		if (vma->vm_flags & VM_LOCKED)
			munlock_page(s, compound_head(oldp));
		put_page(s, oldp);
		count_event(mm, cpu, faults_cow);
	} else {
		count_event(mm, cpu, faults_anon);
	}
	return 0;
}

/* A write to a read-only 2 MiB mapping: keep it if the page is ours alone,
 * else split the mapping and copy only the 4 KiB page written. */
static int do_huge_pmd_wp_page(struct mm_struct *mm, struct hw_cpu *cpu,
			       struct vm_area_struct *vma, uint64_t addr,
			       const struct pmap_entry *old)
{
	struct page *head = pfn_to_page(mm->sys, old->pfn);
	if (page_test(head, PG_anon_exclusive) ||
	    __atomic_load_n(&head->refcount, __ATOMIC_ACQUIRE) == 1) {
		struct pmap_entry e = *old;
		e.prot |= PMAP_W;
		e.flags |= PMAP_DIRTY | PMAP_ACCESSED;
		pmap_set(&mm->pmap, addr & PMD_MASK, &e, NULL);
		count_event(mm, cpu, faults_reuse);
		return 0;
	}
	if (split_huge_pmd(mm, cpu, addr))
		return SIGBUS;
	struct pmap_entry e;
	pmap_lookup(&mm->pmap, addr, &e);
	return do_wp_page(mm, cpu, vma, addr, &e);
}

static bool vma_allows(const struct vm_area_struct *vma, unsigned flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return vma->vm_flags & VM_WRITE;
	if (flags & FAULT_FLAG_EXEC)
		return vma->vm_flags & VM_EXEC;
	return vma_is_accessible(vma);
}

static bool entry_allows(const struct pmap_entry *e, unsigned flags)
{
	if (!e->prot)
		return false;
	if ((flags & FAULT_FLAG_WRITE) && !(e->prot & PMAP_W))
		return false;
	if ((flags & FAULT_FLAG_EXEC) && !(e->prot & PMAP_X))
		return false;
	return true;
}

/*
 * Linux's migrate_misplaced_folio_prepare, before the isolation: 0 if the
 * page may move to nid now.  Not a file page mapped executable by several
 * processes (a shared library), nor a dirty file page (an asynchronous
 * migration could not move it); and only while nid stays above its high
 * watermark with the page there, so that a hinting fault never wakes
 * kswapd by itself - except in tiering mode, where a full top-tier node's
 * kswapd is woken to make room (by demotion) for later promotions.
 */
static int misplaced_prepare(struct mm_sys *s, struct vm_area_struct *vma, struct page *head,
			     unsigned nid)
{
	if (!page_test(head, PG_swapbacked)) {
		if ((vma->vm_flags & VM_EXEC) && folio_likely_mapped_shared(head))
			return -EACCES;
		if (page_test(head, PG_dirty))
			return -EAGAIN;
	}
	if (node_pages_above(s, nid, WMARK_HIGH) > (int64_t)(1u << head->order))
		return 0;
	if (numa_tiering_mode(s))
		wakeup_kswapd(s, nid, head->order);
	return -EAGAIN;
}

/* Linux's alloc_misplaced_dst_folio: on nid alone, and without reclaim. */
static struct page *alloc_misplaced_dst_page(struct mm_sys *s, struct hw_cpu *cpu,
					     struct page *src, unsigned long nid)
{
	return alloc_pages_node(s, cpu, (unsigned)nid, src->order, GFP_THISNODE);
}

/*
 * An inaccessible entry in an accessible VMA is a NUMA hinting entry
 * (change_prot_numa).  As Linux's do_numa_page() and numa_migrate_check():
 * the fault is counted, the folio's last cpupid read, and mpol_misplaced()
 * says where the page should be - by default the node of the CPU touching
 * it, when the cpupid two-stage filter and the task's numa_group agree
 * (should_numa_migrate_memory, which records this fault in the folio).
 * A page to move is isolated and migrated there, never waiting
 * (MIGRATE_ASYNC): migration restores the entries, moved or not, and the
 * access retries.  Otherwise the entry gets its VMA's protection back
 * (write too where a write fault would grant it) with no TLB flush: an
 * inaccessible entry is never cached, so there is nothing stale to drop.
 * Either way the task's NUMA statistics learn of the fault
 * (task_numa_fault), after the ptl is dropped, as in Linux.
 *
 * PTE-mapped pieces of huge pages stay put, as in Linux 6.12.  Called with
 * ptl held; returns with it dropped.
 */
static void do_numa_page(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			 uint64_t addr, const struct pmap_entry *e)
{
	struct mm_sys *s = mm->sys;
	struct page *p = pfn_to_page(s, e->pfn);
	struct page *head = compound_head(p);
	unsigned nid = hw_pfn_node(s->hw, e->pfn);
	unsigned nr = 1u << head->order;
	unsigned tnf = 0;

	/* The entry as it would be restored: is the page writable here? */
	struct pmap_entry n = *e;
	n.prot = (uint8_t)vma_pmap_prot(vma->vm_flags);
	n.flags |= PMAP_ACCESSED;
	if (vma_wants_manual_write_upgrade(vma) && can_change_entry_writable(s, vma, &n))
		n.prot |= PMAP_W;
	/* Read-only pages may sit in several caches at no cost: no grouping
	 * on them.  Shared mappings of several processes hint at a group. */
	if (!(n.prot & PMAP_W))
		tnf |= TNF_NO_GROUP;
	if ((vma->vm_flags & VM_SHARED) && folio_likely_mapped_shared(head))
		tnf |= TNF_SHARED;
	/* A lower-tier page in tiering mode holds a time, not a cpupid. */
	int last_cpupid = folio_use_access_time(s, head) ? -1 : folio_last_cpupid(s, head);

	count_event(mm, cpu, numa_hint_faults);
	count_vm_events(s, MMSIM_VM_numa_hint_faults, 1);
	if (nid == cpu->node) {
		count_event(mm, cpu, numa_hint_faults_local);
		count_vm_events(s, MMSIM_VM_numa_hint_faults_local, 1);
		tnf |= TNF_FAULT_LOCAL;
	}
	/* Where the memory policy wants it (the CPU's node by default). */
	int want = mpol_misplaced(cpu, vma, head, addr, nid);
	if (want >= 0) {
		unsigned target = (unsigned)want;
		struct list_head list;
		list_init(&list);
		if ((mm_mems_allowed(mm) & (1ULL << target)) && (head == p || (e->flags & PMAP_HUGE)) &&
		    !misplaced_prepare(s, vma, head, target) &&
		    !isolate_page_for_migration(s, head, &list)) {
			spin_unlock(&mm->ptl);
			unsigned moved = 0;
			migrate_pages_for(s, cpu, &list, alloc_misplaced_dst_page, target,
					  MIGRATE_ASYNC, MR_NUMA_MISPLACED, &moved);
			putback_movable_pages(s, &list);
			if (moved) {
				__atomic_fetch_add(&mm->cnt.numa_pages_migrated, nr, __ATOMIC_RELAXED);
				cpu->cnt.numa_pages_migrated += nr;
				count_vm_events(s, MMSIM_VM_numa_pages_migrated, nr);
				if (numa_tiering_mode(s) && !node_is_toptier(s, nid) &&
				    node_is_toptier(s, target))
					count_vm_events(s, MMSIM_VM_pgpromote_success, nr);
				task_numa_fault(cpu, last_cpupid, target, nr, tnf | TNF_MIGRATED);
			} else {
				task_numa_fault(cpu, last_cpupid, nid, nr, tnf | TNF_MIGRATE_FAIL);
			}
			return;
		}
		tnf |= TNF_MIGRATE_FAIL;
	}
	pmap_set(&mm->pmap, addr & ((e->flags & PMAP_HUGE) ? PMD_MASK : PAGE_MASK), &n, NULL);
	spin_unlock(&mm->ptl);
	task_numa_fault(cpu, last_cpupid, nid, nr, tnf);
}

/*
 * A fault in one of the vDSO's mappings (Linux's special_mapping_fault and
 * vvar_fault).  [vvar]: its first page is the kernel's time data, mapped
 * as a raw frame (here the zero page stands for it: no struct page is
 * involved, and nothing counts it); the others back clocks this machine
 * does not have, and fault with SIGBUS.  [vdso]: the machine's vDSO page,
 * shared by every process; a write (after mprotect made it writable)
 * copies it into a private anonymous page, as any private mapping does.
 * Called with ptl held; cpu may be NULL (exec's prefault).
 */
int special_mapping_fault(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			  uint64_t addr, unsigned flags)
{
	struct mm_sys *s = mm->sys;
	uint64_t idx = (addr - vma->vm_start) >> PAGE_SHIFT;
	unsigned prot = vma_pmap_prot(vma->vm_flags) & ~PMAP_W;
	struct pmap_entry e;

	if (vma->vm_special == VMA_VVAR) {
		if (idx)
			return SIGBUS;
		set_leaf(&e, s->zero_pfn, prot, PMAP_ACCESSED);
		int err = pmap_set(&mm->pmap, addr, &e, NULL);
		return err ? vm_fault_errno(err) : 0;
	}
	uint64_t pfn = s->vdso_pfn[idx];
	if (flags & FAULT_FLAG_WRITE) {
		int err;
		struct page *np = new_anon_page(mm, cpu, vma, addr, &err);
		if (!np)
			return vm_fault_errno(err);
		hw_copy_frames(s->hw, cpu, page_to_pfn(s, np), pfn, 1);
		set_leaf(&e, page_to_pfn(s, np), prot | PMAP_W, PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY);
		if ((err = pmap_set(&mm->pmap, addr, &e, NULL))) {
			page_remove_rmap(s, np, false);
			put_page(s, np);
			return vm_fault_errno(err);
		}
		count_event(mm, cpu, faults_cow);
		return 0;
	}
	set_leaf(&e, pfn, prot, PMAP_ACCESSED);
	int err = pmap_set(&mm->pmap, addr, &e, NULL);
	if (err)
		return vm_fault_errno(err);
	struct page *p = pfn_to_page(s, pfn);
	get_page(p);
	page_add_rmap(s, p, false);
	return 0;
}

/*
 * Linux's should_try_to_free_swap(): after a swap-in, does the slot go at
 * once?  When swap is more than half full, in locked memory, or on a write
 * fault that leaves the page to us alone (the swap cache's reference and
 * the fault's: a page still waiting in an LRU batch has one more).
 */
static bool should_free_swap(struct mm_sys *s, struct vm_area_struct *vma, struct page *p,
			     unsigned flags)
{
	if (!page_test(p, PG_swapcache))
		return false;
	if (vm_swap_full(s) || (vma->vm_flags & VM_LOCKED) || page_test(p, PG_mlocked))
		return true;
	return (flags & FAULT_FLAG_WRITE) && __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) == 2;
}

/* swapoff's swap-in (Linux's unuse_pte), not a fault: the page is mapped
 * old and read-only, its slot left to swapoff, nothing counted as a fault. */
#define FAULT_FLAG_UNUSE 0x100u

/*
 * The swap-in's page, mapped at addr in place of the swap entry orig (ptl
 * and the page lock held; the caller's reference becomes the mapping's).
 * In a locked VMA, a page that was already anonymous (in the swap cache
 * since its pageout) is mlocked by its rmap, as Linux 6.12's
 * folio_add_anon_rmap_ptes does; one read ahead becomes anonymous only
 * now (folio_add_new_anon_rmap), which mlocks nothing: it stays
 * evictable.
 */
static void map_swapped_page(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
			     struct page *p, const struct pmap_entry *orig, unsigned *flags)
{
	struct mm_sys *s = mm->sys;
	bool exclusive = orig->swp & SWP_EXCLUSIVE;
	bool unuse = *flags & FAULT_FLAG_UNUSE;
	swap_free(s, swap_entry_offset(orig));	/* the entry's count */
	if (!unuse && should_free_swap(s, vma, p, *flags))
		folio_free_swap(s, p);
	unsigned prot = vma_pmap_prot(vma->vm_flags);
	unsigned f = (unuse ? 0 : PMAP_ACCESSED) | ((orig->swp & SWP_SOFTDIRTY) ? PMAP_SOFTDIRTY : 0);
	if (unuse)
		prot &= ~PMAP_W;
	/* Certainly not shared: writable at once, as do_wp_page would. */
	else if (exclusive || __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE) == 1) {
		exclusive = true;
		if (vma->vm_flags & VM_WRITE) {
			prot |= PMAP_W;
			if (*flags & FAULT_FLAG_WRITE) {
				f |= PMAP_DIRTY;
				*flags &= ~FAULT_FLAG_WRITE;
			}
		}
	}
	if (!page_anon(p)) {
		page_add_new_anon_rmap(p, vma, addr);	/* read ahead: a new anon page */
	} else {
		page_add_rmap(s, p, false);
		if (vma->vm_flags & VM_LOCKED)
			mlock_page(s, p);
	}
	if (exclusive)
		page_set(p, PG_anon_exclusive);
	struct pmap_entry e;
	set_leaf(&e, page_to_pfn(s, p), prot, f);
	pmap_set(&mm->pmap, addr, &e, NULL);
}

/*
 * A swap entry: the page of its slot, from the swap cache or read from the
 * swap area with the ptl dropped (do_swap_page).  If the entry changed
 * meanwhile (another thread swapped it in, or unmapped it), the access
 * retries.  A write to a page that is not ours alone then copies it, as
 * any write fault on a shared anonymous page.  Called with ptl held.
 */
static int do_swap_page(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			uint64_t addr, unsigned flags, const struct pmap_entry *orig)
{
	struct mm_sys *s = mm->sys;
	bool major = false;
	int err = 0;
	spin_unlock(&mm->ptl);
	/* The policy at the address picks the node (Linux passes it down to
	 * the readahead's allocations). */
	uint64_t ilx, mask;
	unsigned nid;
	bool ref;
	struct mempolicy *pol = get_vma_policy(cpu, vma, addr, 0, &ilx, &ref);
	mpol_pick(mm->sys, cpu, pol, ilx, mm_local_node(cpu, mm), mm_mems_allowed(mm), &nid, &mask);
	if (ref)
		mpol_put(pol);
	struct page *p = swapin_page(s, cpu, swap_entry_offset(orig), nid, mask, true, &major,
				     &err);
	if (major && !(flags & FAULT_FLAG_UNUSE))
		count_vm_events(s, MMSIM_VM_pgmajfault, 1);
	if (p)
		lock_page(p);
	spin_lock(&mm->ptl);
	struct pmap_entry e;
	pmap_lookup(&mm->pmap, addr, &e);
	if (e.kind != PMAP_SWAP || e.swp != orig->swp) {
		err = 0;	/* changed under us: retry the access */
	} else if (p && (!page_test(p, PG_swapcache) || p->private != swap_entry_offset(orig))) {
		err = 0;	/* left the swap cache before we locked it: retry */
	} else if (p) {
		map_swapped_page(mm, vma, addr, p, orig, &flags);
		unlock_page(p);
		count_event(mm, cpu, faults_swap);
		if (flags & FAULT_FLAG_WRITE) {
			pmap_lookup(&mm->pmap, addr, &e);
			return do_wp_page(mm, cpu, vma, addr, &e);
		}
		return 0;
	}
	if (p) {
		unlock_page(p);
		put_page(s, p);
	}
	/* A slot freed meanwhile: retry; an I/O error: SIGBUS. */
	if (err == -ENOMEM || err == -EINTR)
		return vm_fault_errno(err);
	return err && err != -ENOENT ? SIGBUS : 0;
}

int swap_fault_in(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		  uint64_t addr)
{
	/* swapoff's allocations reclaim as a fault's do. */
	for (unsigned stuck = 0; stuck < MAX_RECLAIM_RETRIES;) {
		struct pmap_entry e;
		spin_lock(&mm->ptl);
		pmap_lookup(&mm->pmap, addr, &e);
		int sig = is_swap_entry(&e) ? do_swap_page(mm, cpu, vma, addr, FAULT_FLAG_UNUSE, &e)
					    : 0;
		spin_unlock(&mm->ptl);
		if (sig == SIGKILL)
			return -ENOMEM;	/* the page's process was killed for it */
		if (sig != VM_FAULT_OOM)
			return sig ? -EIO : 0;
		if (try_to_free_pages(mm->sys, cpu, mm_local_node(cpu, mm), mm_mems_allowed(mm)))
			stuck = 0;
		else
			stuck++;
	}
	return -ENOMEM;
}

/* The fault proper, with mmap_lock held and the VMA known to cover addr. */
static int fault_locked(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			uint64_t addr, unsigned flags)
{
	struct pmap_entry e;
	int ret;

	if (!vma_allows(vma, flags)) {
		count_event(mm, cpu, sigsegv);
		return SIGSEGV;
	}
	addr &= PAGE_MASK;
	/* A fault that may allocate an anonymous page links the VMA to its
	 * anon_vma first: the anon_vma lock ranks above the ptl. */
	bool may_cow = (flags & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_SHARED);
	if ((vma_is_anonymous(vma) || may_cow) &&
	    ((flags & FAULT_FLAG_WRITE) || thp_vma_allowed(vma, addr)) && anon_vma_prepare(vma)) {
		count_event(mm, cpu, sigbus);
		return SIGBUS;
	}
	spin_lock(&mm->ptl);
	pmap_lookup(&mm->pmap, addr, &e);
	switch (e.kind) {
	case PMAP_EMPTY:
		if (thp_vma_allowed(vma, addr) && pmap_pmd_none(&mm->pmap, addr)) {
			int err = do_huge_pmd_anonymous_page(mm, cpu, vma, addr, mm_local_node(cpu, mm),
							     mm_mems_allowed(mm));
			if (err != -EAGAIN) {
				ret = err ? vm_fault_errno(err) : 0;
				break;
			}
		}
		if (vma->vm_special)
			ret = special_mapping_fault(mm, cpu, vma, addr, flags);
		else if (vma_is_anonymous(vma))
			ret = do_anonymous_page(mm, cpu, vma, addr, flags);
		else if (may_cow)
			ret = do_cow_fault(mm, cpu, vma, addr);
		else
			ret = do_cache_fault(mm, cpu, vma, addr, flags);
		break;
	case PMAP_PAGE:
		if (entry_allows(&e, flags)) {
			ret = 0;	/* another CPU fixed it, or a stale TLB entry */
		} else if (!e.prot) {
			do_numa_page(mm, cpu, vma, addr, &e);
			return 0;	/* the ptl is dropped */
		} else if ((flags & FAULT_FLAG_WRITE) && (e.flags & PMAP_UFFD_WP) &&
			   (vma->vm_flags & VM_UFFD_WP)) {
			/* No thread reads the userfaultfd: UFFD_FEATURE_SIGBUS. */
			count_event(mm, cpu, uffd_wp_faults);
			ret = SIGBUS;
		} else if (e.flags & PMAP_HUGE) {
			ret = do_huge_pmd_wp_page(mm, cpu, vma, addr, &e);
		} else {
			ret = do_wp_page(mm, cpu, vma, addr, &e);
		}
		break;
	default:
		if (is_migration_entry(&e)) {
			/* Sleeps until the migration is over (dropping the
			 * ptl), then the access retries and finds the page
			 * wherever it went. */
			migration_entry_wait(mm, &e);
			return 0;
		}
		ret = is_swap_entry(&e) ? do_swap_page(mm, cpu, vma, addr, flags, &e) : SIGBUS;
		break;
	}
	spin_unlock(&mm->ptl);
	if (ret == SIGBUS)
		count_event(mm, cpu, sigbus);
	return ret;
}

/*
 * Linux's exceptions:page_fault_user: x86's error code (1: the page was
 * present, a protection fault; 2: a write; 4: from user mode; 16: an
 * instruction fetch).  There is no instruction pointer: ip is 0.
 */
static TRACE_HELPER void trace_page_fault(struct mm_struct *mm, uint64_t addr, unsigned flags)
{
	struct pmap_entry e;
	unsigned code = 4;

	if (pmap_lookup(&mm->pmap, addr, &e) == PMAP_PAGE)
		code |= 1;
	if (flags & FAULT_FLAG_WRITE)
		code |= 2;
	if (flags & FAULT_FLAG_EXEC)
		code |= 16;
	trace_emit("page_fault_user", "address=0x%llx ip=0x0 error_code=0x%x",
		   (unsigned long long)addr, code);
}

/*
 * The allocator's slow path as a fault sees it (Linux's
 * __alloc_pages_slowpath): when a page could not be had on any allowed
 * node, reclaim (the fault holds no spinlock here) and retry, until
 * reclaim makes no progress MAX_RECLAIM_RETRIES times running.  Then the
 * OOM killer chooses a victim: another process, whose memory is freed
 * (retry), or the faulting one (SIGKILL); with nobody to kill the access
 * fails with SIGBUS.
 */
static int fault_reclaiming(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			    uint64_t addr, unsigned flags)
{
	unsigned memcg_stuck = 0;
	for (unsigned stuck = 0; stuck < MAX_RECLAIM_RETRIES;) {
		/* Killed meanwhile (by another task's OOM): give up, so the
		 * reaper can have the mmap_lock. */
		if (__atomic_load_n(&mm->oom_victim, __ATOMIC_ACQUIRE))
			return SIGKILL;
		int ret = fault_locked(mm, cpu, vma, addr, flags);
		if (ret == VM_FAULT_MEMCG) {
			int err = mem_cgroup_make_room(mm->sys, cpu, mm->memcg, 1, &memcg_stuck);
			if (err)
				return vm_fault_errno(err);
			continue;
		}
		if (ret != VM_FAULT_OOM) {
			if (!ret && mm->memcg)
				mem_cgroup_handle_over_high(mm->sys, cpu, mm->memcg);
			return ret;
		}
		if (try_to_free_pages(mm->sys, cpu, mm_local_node(cpu, mm), mm_mems_allowed(mm))) {
			stuck = 0;
			continue;
		}
		if (++stuck < MAX_RECLAIM_RETRIES)
			continue;
		enum oom_result oom = kernel_out_of_memory(cpu, mm, mm_mems_allowed(mm));
		if (oom == OOM_KILLED_SELF)
			return SIGKILL;
		if (oom == OOM_KILLED_OTHER)
			stuck = 0;
	}
	count_event(mm, cpu, sigbus);
	return SIGBUS;
}

/* Linux's vma_has_recency: madvise(MADV_SEQUENTIAL / MADV_RANDOM) says the
 * range will not be reused soon, so its accesses do not age the LRU. */
static bool vma_has_recency(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SEQ_READ | VM_RAND_READ));
}

int handle_mm_fault(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t addr, unsigned flags)
{
	if (trace_enabled())
		trace_page_fault(mm, addr, flags);
	__atomic_fetch_add(&mm->cnt.faults, 1, __ATOMIC_RELAXED);
	pthread_rwlock_rdlock(&mm->mmap_lock);
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	struct hw_cpu *outer = pt_alloc_cpu;
	pt_alloc_cpu = cpu;
	int ret;
	if (!vma) {
		count_event(mm, cpu, sigsegv);
		ret = SIGSEGV;
	} else {
		bool outer_fault = in_lru_fault;
		in_lru_fault = vma_has_recency(vma);
		ret = fault_reclaiming(mm, cpu, vma, addr, flags);
		in_lru_fault = outer_fault;
	}
	pt_alloc_cpu = outer;
	pthread_rwlock_unlock(&mm->mmap_lock);
	/* Killed for memory: give it back now (the oom_reaper's work). */
	if (ret == SIGKILL)
		oom_reap_mm(mm, cpu);
	return ret;
}

/*
 * get_user_pages' FOLL_TOUCH, which populate uses: the page a PTE maps is
 * marked accessed (a PMD is only made young, which its fault did).
 */
static void populate_touch(struct mm_sys *s, const struct pmap_entry *e)
{
	if (e->kind == PMAP_PAGE && !(e->flags & PMAP_HUGE) && e->pfn != s->zero_pfn &&
	    e->pfn < s->hw->nr_pfns)
		mark_page_accessed(s, pfn_to_page(s, e->pfn));
}

static int populate_range(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			  uint64_t start, uint64_t end, unsigned flags);

int populate_vma_range(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
		       uint64_t start, uint64_t end)
{
	/* Break COW on private writable mappings; read-fault everything else. */
	unsigned flags = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE ? FAULT_FLAG_WRITE : 0;
	if (!vma_is_accessible(vma))
		return -EFAULT;	/* gup without FOLL_FORCE refuses PROT_NONE */
	struct hw_cpu *outer = pt_alloc_cpu;
	pt_alloc_cpu = cpu;
	int ret = populate_range(mm, cpu, vma, start, end, flags);
	pt_alloc_cpu = outer;
	return ret;
}

static int populate_range(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma,
			  uint64_t start, uint64_t end, unsigned flags)
{
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		struct pmap_entry e;
		/* Past the end of a file: the fault would be SIGBUS, which
		 * get_user_pages reports as -EFAULT (an OOM is -ENOMEM). */
		if (vma->vm_file &&
		    linear_page_index(vma, a) >= __atomic_load_n(&vma->vm_file->nr_pages,
								  __ATOMIC_RELAXED))
			return -EFAULT;
		if (pmap_lookup(&mm->pmap, a, &e) != PMAP_PAGE || !entry_allows(&e, flags)) {
			/* get_user_pages' faults are page faults (Linux's pgfault). */
			count_event(mm, cpu, faults);
			int sig = fault_reclaiming(mm, cpu, vma, a, flags);
			if (sig)
				return sig == SIGBUS ? -ENOMEM : -EFAULT;
			pmap_lookup(&mm->pmap, a, &e);
		}
		populate_touch(mm->sys, &e);
	}
	return 0;
}

int mm_populate(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end,
		bool ignore_errors)
{
	for (uint64_t a = start; a < end;) {
		struct vm_area_struct *v = find_vma(mm, a);
		if (!v || v->vm_start >= end)
			break;
		uint64_t s = a > v->vm_start ? a : v->vm_start;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		/* Raw frames have no page to fault in (VM_IO | VM_PFNMAP). */
		if (!(v->vm_flags & (VM_IO | VM_PFNMAP))) {
			int err = populate_vma_range(mm, cpu, v, s, e);
			if (err && !ignore_errors)
				return err;
		}
		a = e;
	}
	return 0;
}

/*
 * Part of an anonymous huge page was unmapped while the rest stays mapped:
 * Linux queues it for a deferred split, and migration splits it rather
 * than move memory nobody maps.  (Linux decides per subpage; mapcounts
 * live on the head here, so a process exiting is not counted.)
 */
static void note_partially_mapped(struct mmu_gather *tlb, struct page *head, uint64_t size)
{
	/* Mapped whole by a PMD somewhere, no page of it is unmapped. */
	if (head->order && size == PAGE_SIZE && !tlb->fullmm && page_anon(head) &&
	    folio_mapcount(head) > 0 && !folio_entire_mapcount(head))
		folio_mark_partially_mapped(tlb->mm->sys, head);
}

/*
 * A run of swap entries a zap met, freed together (Linux's swap_pte_batch
 * and free_swap_and_cache_nr): neighbouring PTEs of one page table whose
 * entries name consecutive slots with the same bits.
 */
struct swap_run {
	uint64_t va, off, bits;		/* where the run goes on, its first slot */
	unsigned nr;
};

static void swap_run_flush(struct mm_sys *s, struct swap_run *r)
{
	if (r->nr)
		free_swap_and_cache_nr(s, r->off, r->nr);
	r->nr = 0;
}

static void swap_run_add(struct mm_sys *s, struct swap_run *r, uint64_t va,
			 const struct pmap_entry *e)
{
	uint64_t off = swap_entry_offset(e), bits = e->swp & ~SWP_PFN_MASK;
	if (r->nr && (va != r->va || (va & ~PMD_MASK) == 0 || off != r->off + r->nr ||
		      bits != r->bits))
		swap_run_flush(s, r);
	if (!r->nr) {
		r->off = off;
		r->bits = bits;
	}
	r->nr++;
	r->va = va + PAGE_SIZE;
}

void zap_vma_range(struct mmu_gather *tlb, struct vm_area_struct *vma, uint64_t start,
		   uint64_t end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_sys *s = mm->sys;
	struct pmap_iter it;
	struct pmap_entry e;
	struct swap_run run = { 0 };
	bool recency = vma_has_recency(vma);

	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (!is_swap_entry(&e))
			swap_run_flush(s, &run);
		if (it.size == PMD_SIZE && (it.va < start || it.va + PMD_SIZE > end)) {
			/* Only part of a huge page goes: split its mapping, go on. */
			uint64_t resume = it.va < start ? start : it.va;
			split_huge_pmd(mm, tlb->cpu, it.va);
			pmap_iter_init(&it, &mm->pmap, resume, end);
			continue;
		}
		/* What the slot held when it was cleared: the accessed and
		 * dirty bits another CPU's MMU set since it was read count
		 * too (Linux's get_and_clear_full_ptes). */
		pmap_iter_clear(&it, &e);
		if (is_migration_entry(&e)) {
			/* A TLB may still cache the mapping this entry replaced
			 * until the migration's batched flush: ours must cover
			 * it before munmap returns (flush_tlb_batched_pending). */
			tlb_track_entry(tlb, it.va, it.size);
			continue;
		}
		if (is_swap_entry(&e)) {
			swap_run_add(s, &run, it.va, &e);
			continue;
		}
		if (e.kind != PMAP_PAGE)
			continue;
		tlb_track_entry(tlb, it.va, it.size);
		if (page_mapped_zero(s, e.pfn))
			continue;
		struct page *p = pfn_to_page(s, e.pfn);
		if (e.flags & PMAP_DIRTY)
			set_page_dirty(p);
		/*
		 * Linux's zap_present_folio_ptes: a young PTE of a page that
		 * is not anonymous (a file's, shared memory's, the vDSO's)
		 * marks it accessed, so munmap, MADV_DONTNEED, exit and
		 * truncation pass the access on to the LRU; on the classic
		 * lists the second such mark activates the page.  A PMD
		 * (zap_huge_pmd) marks nothing; page-cache pages are order 0
		 * here, so one mark per PTE is Linux's one per folio batch.
		 * Done here, under the ptl, as Linux does: mark_page_accessed
		 * takes lru_add_lock and a node's lru_lock, both below the
		 * ptl in mm.h's lock order, holds neither across anything
		 * that sleeps or takes the ptl, and is already reached under
		 * the ptl (lru_cache_add from a fault, the gather's drain when
		 * its batch fills below).  The mapping's reference, which
		 * tlb_remove_page keeps until the flush, holds the page.
		 */
		if (it.size == PAGE_SIZE && (e.flags & PMAP_ACCESSED) && recency &&
		    !page_anon(compound_head(p)))
			mark_page_accessed(s, p);
		page_remove_rmap(s, p, it.size == PMD_SIZE);
		note_partially_mapped(tlb, compound_head(p), it.size);
		tlb_remove_page(tlb, p);
	}
	swap_run_flush(s, &run);
	spin_unlock(&mm->ptl);
	tlb_end_vma(tlb);
}

/* A page being migrated is copied as its migration entry; a writable one
 * becomes read-only in both, so remove_migration_ptes() restores COW. */
static int copy_migration_entry(struct mm_struct *dst, struct pmap_iter *it,
				struct pmap_entry *e, bool cow)
{
	/* Both copies lose exclusivity; a writable private one loses
	 * its write bit too. */
	if (e->swp & (SWP_MIG_EXCLUSIVE | (cow ? SWP_MIG_WRITE : 0))) {
		e->swp &= ~(SWP_MIG_EXCLUSIVE | (cow ? SWP_MIG_WRITE : 0));
		pmap_iter_write(it, e);
	}
	return pmap_set(&dst->pmap, it->va, e, NULL);
}

/* A swap entry is copied with one more count on its slot; neither copy
 * stays exclusive (Linux's copy_nonpresent_pte). */
static int copy_swap_entry(struct mm_struct *dst, struct pmap_iter *it, struct pmap_entry *e)
{
	int err = swap_duplicate(dst->sys, swap_entry_offset(e));
	if (err)
		return err;
	if (e->swp & SWP_EXCLUSIVE) {
		e->swp &= ~SWP_EXCLUSIVE;
		pmap_iter_write(it, e);
	}
	err = pmap_set(&dst->pmap, it->va, e, NULL);
	if (err)
		free_swap_and_cache(dst->sys, swap_entry_offset(e));
	return err;
}

int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *dvma,
		    struct vm_area_struct *svma)
{
	struct mm_sys *s = src->sys;
	struct pmap_iter it;
	struct pmap_entry e;
	bool cow = (svma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
	int err = 0;

	/* Pages a fault would find again need no copy (vma_needs_copy). */
	if (!svma->anon_vma)
		return 0;
	spin_lock(&src->ptl);
	pmap_iter_init(&it, &src->pmap, svma->vm_start, svma->vm_end);
	while (pmap_iter_next(&it, &e)) {
		if (is_migration_entry(&e)) {
			err = copy_migration_entry(dst, &it, &e, cow);
			if (err)
				break;
			continue;
		}
		if (is_swap_entry(&e)) {
			err = copy_swap_entry(dst, &it, &e);
			if (err)
				break;
			continue;
		}
		if (e.kind != PMAP_PAGE)
			continue;
		bool pmd = e.flags & PMAP_HUGE;
		if (!page_mapped_zero(s, e.pfn)) {
			/* The reference is the compound page's (its head's);
			 * the mapping and exclusivity are the subpage's. */
			struct page *p = pfn_to_page(s, e.pfn);
			get_page(p);
			page_add_rmap(s, p, pmd);
			page_clear(p, PG_anon_exclusive);
		}
		if (cow && (e.prot & PMAP_W)) {
			/* Keep a dirty bit another thread's store sets now. */
			pmap_iter_modify_start(&it, &e);
			e.prot &= ~PMAP_W;
			pmap_iter_modify_commit(&it, &e);
		}
		struct pmap_entry child = e;
		child.flags &= ~PMAP_ACCESSED;
		if (svma->vm_flags & VM_SHARED)
			child.flags &= ~PMAP_DIRTY;
		err = pmap_set(&dst->pmap, it.va, &child, NULL);
		if (err) {
			if (!page_mapped_zero(s, e.pfn)) {
				page_remove_rmap(s, pfn_to_page(s, e.pfn), pmd);
				put_page(s, pfn_to_page(s, e.pfn));
			}
			break;
		}
	}
	spin_unlock(&src->ptl);
	(void)dvma;
	return err;
}
