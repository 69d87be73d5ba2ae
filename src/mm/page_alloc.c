/*
 * page_alloc.c - mem_map and the per-node buddy allocators.
 *
 * Each node hands out blocks of 2^order frames (order 0..9) from its own
 * free lists.  A block is split on allocation and merged with its buddy on
 * free, as in Linux.  An allocation tries the caller's node first and then
 * the others in the node's fallback order (mm_sys.zonelist), which
 * build_zonelists() makes from the machine's distances as Linux's does:
 * nearest first; among nodes at one distance, those above the local node
 * before those below it, and the first place of each distance group handed
 * out round-robin.  With Linux's default SLIT (10 local, 20 remote) that
 * is nid + 1, ..., nid - 1.  GFP_THISNODE pins an allocation to one node.
 *
 * Watermarks (Linux's __setup_per_zone_wmarks, one zone per node): min is
 * the node's share of min_free_kbytes, low and high lie one and two steps
 * above it, the step being the larger of min/4 and watermark_scale_factor
 * ten-thousandths of the node.  An allocation first walks its nodes
 * keeping each above low (so it overflows to the next node while the
 * local one still has low - min pages); failing that, it wakes the kswapd
 * of every node it may use and walks them again down to min.  Only
 * GFP_NOWATERMARK allocations (page tables, the kernel's own pages) dig
 * into the reserve below min.  What fails after both walks is the
 * caller's to handle (direct reclaim, or -ENOMEM).
 *
 * Boot costs what is touched.  mem_map is reserved like the frames
 * themselves (MAP_NORESERVE: zero until written, and costing the host
 * nothing until then), and boot writes none of it: each node starts as
 * one untouched part, [untouched_pfn, end), of order-MAX_ORDER blocks
 * that are free and whose struct pages are all zero.  Linux's boot would
 * have put every such block on the order-MAX_ORDER free list, lowest at
 * the head; blocks freed later go on in front, and that list only ever
 * loses its head (merging stops below MAX_ORDER).  So the list is the
 * blocks freed since, then the untouched ones in ascending order, and
 * free_area_take() serves it that way: the listed blocks first, then the
 * untouched part's lowest block, whose struct pages are first written
 * when it is split or handed out.  Which pfn each allocation returns, and
 * every free count, are those of the eager boot (tests/unit/
 * test_lazy_boot.c).  Frames never handed out are still zero (fresh host
 * memory), which PG_used records so a zeroing allocation can skip them.
 */
#include "mm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

__thread struct hw_cpu *pt_alloc_cpu;
__thread struct mm_struct *alloc_for_mm;

/*
 * A page-table page for an address space whose home is node.  Allocated
 * for a task (pt_alloc_cpu: a fault, populate or fork on this thread), it
 * follows the task's memory policy as Linux's pagetable_alloc does: that
 * also moves process interleave on (get_mempolicy's next node).  A
 * process's table (pm->owner, its mm) is charged to its memcg; a charge
 * over memory.max is refused with -EDQUOT, nothing allocated.
 */
static int pt_alloc(void *arg, struct pmap *pm, unsigned node, uint64_t *pfn)
{
	struct mm_sys *s = arg;
	struct hw_cpu *cpu = pt_alloc_cpu;
	struct mm_task_policy *tp = cpu ? current_task_policy(cpu) : NULL;
	struct mempolicy *pol = tp ? __atomic_load_n(&tp->pol, __ATOMIC_ACQUIRE) : NULL;
	uint64_t mask = UINT64_MAX;
	if (pol)
		mpol_pick(s, cpu, pol, NO_INTERLEAVE_INDEX, node, UINT64_MAX, &node, &mask);
	struct page *p = alloc_pages_mask(s, NULL, node, 0, GFP_ZERO | GFP_NOWATERMARK, mask);
	if (!p)
		return -ENOMEM;
	if (pm->owner && mem_cgroup_charge_table(pm->owner, p)) {
		put_page(s, p);
		return -EDQUOT;
	}
	page_set(p, PG_table);
	__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_pagetable, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->pt_alloc, 1, __ATOMIC_RELAXED);
	*pfn = page_to_pfn(s, p);
	return 0;
}

/* The charge, if any, goes with the page (page_release). */
static void pt_free(void *arg, uint64_t pfn)
{
	struct mm_sys *s = arg;
	struct page *p = pfn_to_page(s, pfn);
	page_clear(p, PG_table);
	__atomic_sub_fetch(&s->node[page_to_nid(s, p)].nr_pagetable, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->pt_free, 1, __ATOMIC_RELAXED);
	put_page(s, p);
}

/* Linux's calculate_min_free_kbytes at boot: int_sqrt(16 x lowmem kB),
 * clamped to 128..262144. */
static unsigned default_min_free_kbytes(const struct mm_sys *s)
{
	uint64_t kb = 0;
	for (unsigned n = 0; n < s->nr_nodes; n++)
		kb += s->node[n].nr_pages * (PAGE_SIZE / 1024);
	uint64_t x = 16 * kb, r = 0;
	for (uint64_t bit = 1ULL << 62; bit; bit >>= 2) {	/* integer square root */
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r < 128 ? 128 : r > 262144 ? 262144 : (unsigned)r;
}

void setup_watermarks(struct mm_sys *s, unsigned min_free_kbytes, unsigned scale_factor)
{
	uint64_t total = 0, pages_min = min_free_kbytes / (PAGE_SIZE / 1024);
	for (unsigned n = 0; n < s->nr_nodes; n++)
		total += s->node[n].nr_pages;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		struct pglist_data *nd = &s->node[n];
		uint64_t min = pages_min * nd->nr_pages / total;
		uint64_t step = nd->nr_pages * scale_factor / 10000;
		if (step < min / 4)
			step = min / 4;
		spin_lock(&nd->lock);
		nd->wmark[WMARK_MIN] = min;
		nd->wmark[WMARK_LOW] = min + step;
		nd->wmark[WMARK_HIGH] = min + 2 * step;
		nd->wmark[WMARK_PROMO] = min + 3 * step;
		spin_unlock(&nd->lock);
	}
	s->min_free_kbytes = min_free_kbytes;
	s->watermark_scale_factor = scale_factor;
}

static void free_area_add(struct pglist_data *nd, struct page *p, unsigned order)
{
	/* Flags are atomic: free_pages() on another CPU tests PG_buddy of
	 * blocks it does not own (lock-free, as Linux's page_is_buddy()). */
	__atomic_store_n(&p->flags,
			 (__atomic_load_n(&p->flags, __ATOMIC_RELAXED) & (1u << PG_used)) |
				 (1u << PG_buddy),
			 __ATOMIC_RELAXED);
	p->private = order;
	list_add(&p->lru, &nd->free_area[order].list);
	nd->free_area[order].nr_free++;
}

static void free_area_del(struct pglist_data *nd, struct page *p, unsigned order)
{
	list_del(&p->lru);
	nd->free_area[order].nr_free--;
	page_clear(p, PG_buddy);
}

static bool free_area_empty(const struct pglist_data *nd, unsigned order)
{
	return !nd->free_area[order].nr_free;
}

/*
 * Takes the block at the head of nd's free list of `order`, or NULL: a
 * listed block, else (order MAX_ORDER) the untouched part's lowest, which
 * leaves that part without a struct page being written.  Called with
 * nd->lock.
 */
static struct page *free_area_take(struct mm_sys *s, struct pglist_data *nd, unsigned order)
{
	struct free_area *fa = &nd->free_area[order];
	if (!list_empty(&fa->list)) {
		struct page *p = list_entry(fa->list.next, struct page, lru);
		free_area_del(nd, p, order);
		return p;
	}
	uint64_t pfn = nd->untouched_pfn;
	if (order != MAX_ORDER || pfn == nd->start_pfn + nd->nr_pages)
		return NULL;
	struct page *p = pfn_to_page(s, pfn);
	VM_BUG_ON_PAGE(p->flags || p->refcount || p->private, p);
	__atomic_store_n(&nd->untouched_pfn, pfn + (1ULL << MAX_ORDER), __ATOMIC_RELAXED);
	fa->nr_free--;
	return p;
}

/*
 * The next node of local's fallback order (Linux's find_next_best_node):
 * the nearest unused one; a node below local counts as a little farther;
 * among equals the least loaded (the one first in its distance group fewer
 * times: build_zonelists' load, kept in s->zonelist_load), then the lowest
 * number.  Linux also sets back nodes with CPUs, but on x86 it builds the
 * zonelists before any CPU joins its node's mask, so none is there: on the
 * reference machine the overflow of node 0 of 4, with CPUs on nodes 0 and
 * 1 only, goes to node 1, not to CPU-less node 2.  Later callers (the
 * memory tiers' demotion targets) see the CPUs: cpu_penalty.
 */
int find_next_best_node(struct mm_sys *s, unsigned local, uint64_t *used, bool cpu_penalty)
{
	if (!(*used & (1ULL << local))) {
		*used |= 1ULL << local;
		return (int)local;
	}
	int best = -1;
	uint64_t best_val = UINT64_MAX;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		if (*used & (1ULL << n))
			continue;
		uint64_t val = node_distance(s, local, n) + (n < local);
		if (cpu_penalty && s->hw->node[n].cpumask)
			val++;
		val = val * MAX_NUMNODES + s->zonelist_load[n];
		if (val < best_val) {
			best_val = val;
			best = (int)n;
		}
	}
	if (best >= 0)
		*used |= 1ULL << best;
	return best;
}

/* Every node's fallback order, built node after node with one load table
 * (Linux's __build_all_zonelists): the first node of each distance group
 * gets a penalty, so equal groups are taken round-robin. */
static void build_zonelists(struct mm_sys *s)
{
	for (unsigned local = 0; local < s->nr_nodes; local++) {
		uint64_t used = 0;
		unsigned prev = local, k = 0;
		int n;
		while ((n = find_next_best_node(s, local, &used, false)) >= 0) {
			if (node_distance(s, local, (unsigned)n) != node_distance(s, local, prev))
				s->zonelist_load[n]++;
			s->zonelist[local][k++] = (uint8_t)n;
			prev = (unsigned)n;
		}
	}
}

int mm_sys_init(struct mm_sys *s, struct hw_machine *hw)
{
	/* s is zero already (mm.h): clearing it again would write all of
	 * its room for 64 nodes and CPUs, which a small machine never uses. */
	s->hw = hw;
	s->nr_nodes = hw->nr_nodes;
	s->thp = hw->cfg.thp;
	s->max_map_count = hw->cfg.max_map_count;
	s->pt_ops.alloc_table = pt_alloc;
	s->pt_ops.free_table = pt_free;
	pthread_mutex_init(&s->lru_add_lock, NULL);
	pthread_mutex_init(&s->swap_ra.lock, NULL);
	pthread_mutex_init(&s->shmem_swaplist_lock, NULL);
	pthread_mutex_init(&s->mm_list_lock, NULL);
	pthread_mutex_init(&s->memcg_lock, NULL);
	s->memcgs = NULL;
	s->memcgs_tail = &s->memcgs;
	list_init(&s->mm_list);
	list_init(&s->shmem_swaplist);
	s->swap_ra.hits = 4;	/* Linux's swapin_readahead_hits at boot */
	s->swappiness = 60;
	s->dirty_ratio = 20;
	s->dirty_background_ratio = 10;
	s->lru_mode = hw->cfg.lru;
	s->lru_gen_min_ttl_ms = hw->cfg.lru_gen_min_ttl_ms;
	s->rng = hw->cfg.seed;
	build_zonelists(s);
	memory_tiers_init(s);

	size_t bytes = (size_t)hw->nr_pfns * sizeof(struct page);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	s->mem_map = p;
	/* Reserved, not backed, as mem_map: zero reads as "no hinting fault". */
	p = mmap(NULL, (size_t)hw->nr_pfns * sizeof *s->last_cpupid, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		munmap(s->mem_map, bytes);
		s->mem_map = NULL;
		return -ENOMEM;
	}
	s->last_cpupid = p;

	for (unsigned n = 0; n < s->nr_nodes; n++) {
		struct pglist_data *nd = &s->node[n];
		nd->id = n;
		nd->start_pfn = hw->node[n].start_pfn;
		nd->nr_pages = hw->node[n].nr_pfns;
		spin_lock_init(&nd->lock);
		spin_lock_init(&nd->lru_lock);
		for (unsigned o = 0; o < NR_ORDERS; o++)
			list_init(&nd->free_area[o].list);
		lruvec_init(&nd->lruvec, nd, NULL, 0);	/* born at boot */
		lru_gen_init_pgdat(nd);
		/* All of it untouched: whole 2 MiB blocks, served lowest
		 * first, so early allocations come from low frames as on a
		 * freshly booted machine. */
		nd->untouched_pfn = nd->start_pfn;
		nd->free_area[MAX_ORDER].nr_free = nd->nr_pages >> MAX_ORDER;
		nd->nr_free = nd->nr_pages;
	}
	/* The root memcg comes online first, as at Linux's boot. */
	lru_gen_online_memcg(s, NULL);
	const struct mmsim_config *cfg = &hw->cfg;
	setup_watermarks(s, cfg->min_free_kbytes ? cfg->min_free_kbytes : default_min_free_kbytes(s),
			 cfg->watermark_scale_factor ? cfg->watermark_scale_factor : 10);

	/* The shared zero page: never freed, never counted as mapped. */
	struct page *z = alloc_pages_node(s, NULL, 0, 0, GFP_ZERO | GFP_NOWATERMARK);
	if (!z)
		return -ENOMEM;
	page_set(z, PG_reserved);
	s->zero_pfn = page_to_pfn(s, z);

	/* The vDSO's code pages, kernel memory on node 0.  The system's own
	 * processes (init and the rest) map its first page: one mapping
	 * stands for them, so a process's mapping of it is a shared one. */
	for (unsigned i = 0; i < VDSO_PAGES; i++) {
		struct page *v = alloc_pages_node(s, NULL, 0, 0, GFP_ZERO | GFP_NOWATERMARK);
		if (!v)
			return -ENOMEM;
		page_set(v, PG_reserved);
		s->vdso_pfn[i] = page_to_pfn(s, v);
	}
	memcpy(hw_frame(s->hw, s->vdso_pfn[0]), "\177ELF\2\1\1", 7);
	struct page *v0 = pfn_to_page(s, s->vdso_pfn[0]);
	v0->mapcount = 1;
	get_page(v0);
	return 0;
}

void mm_sys_destroy(struct mm_sys *s)
{
	for (unsigned n = 0; n < s->nr_nodes; n++)
		lru_gen_exit_lruvec(&s->node[n].lruvec);
	if (s->mem_map && s->hw)
		munmap(s->mem_map, (size_t)s->hw->nr_pfns * sizeof(struct page));
	if (s->last_cpupid && s->hw)
		munmap(s->last_cpupid, (size_t)s->hw->nr_pfns * sizeof *s->last_cpupid);
	s->mem_map = NULL;
	s->last_cpupid = NULL;
}

uint64_t node_free_pages(struct mm_sys *s, unsigned nid)
{
	struct pglist_data *nd = &s->node[nid];
	spin_lock(&nd->lock);
	uint64_t n = nd->nr_free;
	spin_unlock(&nd->lock);
	return n;
}

int64_t node_pages_above(struct mm_sys *s, unsigned nid, enum zone_watermarks wm)
{
	struct pglist_data *nd = &s->node[nid];
	spin_lock(&nd->lock);
	int64_t d = (int64_t)nd->nr_free - (int64_t)nd->wmark[wm];
	spin_unlock(&nd->lock);
	return d;
}

/* May nd give 2^order frames and keep `mark` free (Linux's
 * zone_watermark_ok, without lowmem reserves)?  Called with nd->lock. */
static bool watermark_ok(const struct pglist_data *nd, unsigned order, uint64_t mark)
{
	uint64_t need = 1ULL << order;
	return nd->nr_free >= need && nd->nr_free - need >= mark;
}

/* Takes a block of 2^order frames from nd, keeping `mark` pages free, or
 * NULL.  Called with nd->lock. */
static struct page *rmqueue(struct mm_sys *s, struct pglist_data *nd, unsigned order,
			    uint64_t mark)
{
	uint64_t need = 1ULL << order;
	if (!watermark_ok(nd, order, mark))
		return NULL;
	for (unsigned o = order; o < NR_ORDERS; o++) {
		struct page *p = free_area_take(s, nd, o);
		if (!p)
			continue;
		/* Split: hand the upper halves back, keep the lowest part. */
		while (o > order) {
			o--;
			free_area_add(nd, p + (1ULL << o), o);
		}
		nd->nr_free -= need;
		return p;
	}
	return NULL;
}

static TRACE_HELPER void trace_page_free(struct mm_sys *s, struct page *p, unsigned order)
{
	uint64_t pfn = page_to_pfn(s, p);

	trace_emit("mm_page_free", "page=%016llx pfn=0x%llx order=%u", pfn_vmemmap_addr(pfn),
	      (unsigned long long)pfn, order);
}

static TRACE_HELPER void trace_page_alloc(struct mm_sys *s, struct page *p, unsigned order,
					   unsigned gfp)
{
	uint64_t pfn = page_to_pfn(s, p);

	trace_emit("mm_page_alloc", "page=%016llx pfn=0x%llx order=%u migratetype=1 gfp_flags=%s%s%s",
		   pfn_vmemmap_addr(pfn), (unsigned long long)pfn, order,
		   order ? "GFP_TRANSHUGE" : "GFP_HIGHUSER_MOVABLE",
		   gfp & GFP_ZERO ? "|__GFP_ZERO" : "", gfp & GFP_THISNODE ? "|__GFP_THISNODE" : "");
}

static void prep_new_page(struct mm_sys *s, struct hw_cpu *cpu, struct page *p, unsigned order,
			  unsigned gfp)
{
	uint64_t n = 1ULL << order, first_used = n;
	for (uint64_t i = 0; i < n; i++) {
		struct page *q = p + i;
		if (first_used == n && page_test(q, PG_used))
			first_used = i;
		/* The head pointer before PG_tail (release): a lockless
		 * lookup's compound_head() on a stale pointer that sees the
		 * tail bit sees the head (mm.h's locking notes). */
		__atomic_store_n(&q->private, i ? (uint64_t)(uintptr_t)p : 0, __ATOMIC_RELAXED);
		__atomic_store_n(&q->flags, (1u << PG_used) | (i ? (1u << PG_tail) : 0),
				 __ATOMIC_RELEASE);
		q->order = 0;
		q->mlock_count = 0;
		__atomic_store_n(&q->mapping, 0, __ATOMIC_RELAXED);
		q->index = 0;
		/* Atomic: a lockless page-cache lookup holding a stale
		 * pointer may be trying get_page_unless_zero() on it. */
		__atomic_store_n(&q->refcount, 0, __ATOMIC_RELAXED);
		q->mapcount = 0;
		__atomic_store_n(&q->memcg, NULL, __ATOMIC_RELAXED);	/* peeked at, as refcount */
		page_cpupid_reset_last(s, q);
		list_init(&q->lru);
	}
	if (order) {
		page_set(p, PG_head);
		p[1].large_mapcount = 0;	/* over the first tail's lru */
		p[1].entire_mapcount = 0;
	}
	p->order = order;
	__atomic_store_n(&p->refcount, 1, __ATOMIC_RELEASE);
	if (!(gfp & GFP_ZERO))
		return;
	/* Frames the host never handed us are zero already: clear_page is
	 * counted and charged for them all the same. */
	if (cpu && first_used)
		hw_zeroed_frames(cpu, first_used);
	hw_zero_frames(s->hw, cpu, page_to_pfn(s, p) + first_used, n - first_used);
}

struct page *alloc_pages_node(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, unsigned order,
			      unsigned gfp)
{
	return alloc_pages_mask(s, cpu, nid, order, gfp, UINT64_MAX);
}

/* One walk of the nodes an allocation may use, keeping each above its
 * watermark wm (or above nothing: GFP_NOWATERMARK). */
static struct page *alloc_walk(struct mm_sys *s, unsigned nid, unsigned order, unsigned gfp,
			       uint64_t nodemask, enum zone_watermarks wm, unsigned *from)
{
	for (unsigned k = 0; k < s->nr_nodes; k++) {
		unsigned n = s->zonelist[nid][k];
		if (k && (gfp & GFP_THISNODE))
			break;
		if (!(nodemask & (1ULL << n)) && !(gfp & GFP_THISNODE))
			continue;
		struct pglist_data *nd = &s->node[n];
		spin_lock(&nd->lock);
		struct page *p = rmqueue(s, nd, order, gfp & GFP_NOWATERMARK ? 0 : nd->wmark[wm]);
		spin_unlock(&nd->lock);
		if (p) {
			*from = n;
			return p;
		}
	}
	return NULL;
}

/* The slow path's first step (Linux's wake_all_kswapds): every node the
 * allocation may use is asked to reclaim up to its high watermark. */
static void wake_all_kswapds(struct mm_sys *s, unsigned nid, unsigned order, unsigned gfp,
			     uint64_t nodemask)
{
	for (unsigned k = 0; k < s->nr_nodes; k++) {
		unsigned n = s->zonelist[nid][k];
		if (k && (gfp & GFP_THISNODE))
			break;
		if ((nodemask & (1ULL << n)) || (gfp & GFP_THISNODE))
			wakeup_kswapd(s, n, order);
	}
}

struct page *alloc_pages_mask(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, unsigned order,
			      unsigned gfp, uint64_t nodemask)
{
	if (order > MAX_ORDER || nid >= s->nr_nodes)
		return NULL;
	/* numastat's preferred node: the first the walk may use (Linux's
	 * preferred_zoneref, first_zones_zonelist with the nodemask). */
	unsigned pref = nid, from;
	for (unsigned k = 0; !(gfp & GFP_THISNODE) && k < s->nr_nodes; k++)
		if (nodemask & (1ULL << s->zonelist[nid][k])) {
			pref = s->zonelist[nid][k];
			break;
		}
	struct page *p = alloc_walk(s, nid, order, gfp, nodemask, WMARK_LOW, &from);
	if (!p) {
		/* A huge page's allocation does not wake kswapd (Linux's
		 * GFP_TRANSHUGE_LIGHT, THP defrag "madvise"). */
		if (!order)
			wake_all_kswapds(s, nid, order, gfp, nodemask);
		p = alloc_walk(s, nid, order, gfp, nodemask, WMARK_MIN, &from);
	}
	if (!p)
		return NULL;
	prep_new_page(s, cpu, p, order, gfp);
	count_numa_alloc(s, pref, from, cpu ? cpu->node : nid, 1ULL << order);
	if (trace_enabled())
		trace_page_alloc(s, p, order, gfp);
	return p;
}

/* Gives the block of 2^order frames at pfn back to nd, merging it with
 * its free buddies.  Its tail pages must hold no flag but PG_used.
 * Called with nd->lock. */
static void free_one_locked(struct mm_sys *s, struct pglist_data *nd, uint64_t pfn, unsigned order)
{
	/* Only what was handed out comes back: never the untouched part. */
	VM_BUG_ON(pfn < nd->start_pfn || pfn + (1ULL << order) > nd->untouched_pfn);
	/* Whatever a CPU cached of these frames belongs to their old life. */
	hw_frames_retired(s->hw, pfn, 1ULL << order);
	nd->nr_free += 1ULL << order;
	while (order < MAX_ORDER) {
		uint64_t buddy_pfn = pfn ^ (1ULL << order);
		struct page *b = pfn_to_page(s, buddy_pfn);
		if (buddy_pfn < nd->start_pfn || buddy_pfn >= nd->start_pfn + nd->nr_pages ||
		    !page_test(b, PG_buddy) || b->private != order)
			break;
		free_area_del(nd, b, order);
		pfn &= ~(1ULL << order);
		order++;
	}
	free_area_add(nd, pfn_to_page(s, pfn), order);
}

/*
 * n order-0 pages from node nid alone (GFP_THISNODE), for a caller that
 * knows it will need a batch of them: one node-lock round instead of n.
 * The pages and the free lists left behind are those n calls of
 * alloc_pages_node() would give: the smallest block comes first, taken
 * whole when the batch needs all of it, else split as rmqueue() splits.
 * Returns how many it got (fewer when the node runs low).
 */
unsigned alloc_pages_bulk(struct mm_sys *s, struct hw_cpu *cpu, unsigned nid, unsigned gfp,
			  unsigned n, struct page **out)
{
	if (nid >= s->nr_nodes)
		return 0;
	struct pglist_data *nd = &s->node[nid];
	/* n single allocations would each fall to their slow path below
	 * low and still succeed down to min. */
	uint64_t mark = gfp & GFP_NOWATERMARK ? 0 : nd->wmark[WMARK_MIN];
	unsigned got = 0;

	spin_lock(&nd->lock);
	while (got < n) {
		unsigned o = 0;
		while (o < NR_ORDERS && free_area_empty(nd, o))
			o++;
		uint64_t size = 1ULL << o;
		if (o < NR_ORDERS && size <= n - got && watermark_ok(nd, 0, mark + size - 1)) {
			struct page *p = free_area_take(s, nd, o);
			nd->nr_free -= size;
			for (uint64_t i = 0; i < size; i++)
				out[got++] = p + i;
			continue;
		}
		struct page *p = rmqueue(s, nd, 0, mark);
		if (!p)
			break;
		out[got++] = p;
	}
	bool low = !(gfp & GFP_NOWATERMARK) && !watermark_ok(nd, 0, nd->wmark[WMARK_LOW]);
	spin_unlock(&nd->lock);
	if (low)
		wakeup_kswapd(s, nid, 0);
	/* Outside the lock, as alloc_pages_mask() does. */
	for (unsigned i = 0; i < got; i++)
		prep_new_page(s, cpu, out[i], 0, gfp);
	count_numa_alloc(s, nid, nid, cpu ? cpu->node : nid, got);
	if (trace_enabled())
		for (unsigned i = 0; i < got; i++)
			trace_page_alloc(s, out[i], 0, gfp);
	return got;
}

void free_pages(struct mm_sys *s, struct page *page, unsigned order)
{
	uint64_t pfn = page_to_pfn(s, page);
	struct pglist_data *nd = &s->node[pfn_to_nid(s, pfn)];

	if (trace_enabled())
		trace_page_free(s, page, order);
	__atomic_add_fetch(&s->pages_freed, 1ULL << order, __ATOMIC_RELAXED);
	for (uint64_t i = 1; i < (1ULL << order); i++)
		page[i].flags &= 1u << PG_used;
	spin_lock(&nd->lock);
	free_one_locked(s, nd, pfn, order);
	spin_unlock(&nd->lock);
}

/*
 * Frees n pages nobody references any more (each a block of 2^order), one
 * node-lock round per run of pages on the same node.  A run of order-0
 * pages with consecutive frames - what a migration batch leaves behind -
 * goes back as the largest aligned blocks it holds, so the buddy merging
 * that freeing them one by one would do (a list removal per level) is
 * mostly skipped; the free lists end up with the same blocks either way.
 */
void free_pages_bulk(struct mm_sys *s, struct page **pages, unsigned n)
{
	unsigned i = 0;

	uint64_t frames = 0;

	for (unsigned k = 0; k < n; k++)
		frames += 1ULL << pages[k]->order;
	__atomic_add_fetch(&s->pages_freed, frames, __ATOMIC_RELAXED);
	if (trace_enabled())
		for (unsigned k = 0; k < n; k++)
			trace_page_free(s, pages[k], pages[k]->order);
	while (i < n) {
		uint64_t pfn0 = page_to_pfn(s, pages[i]);
		unsigned nid = pfn_to_nid(s, pfn0);
		struct pglist_data *nd = &s->node[nid];
		spin_lock(&nd->lock);
		while (i < n) {
			struct page *p = pages[i];
			uint64_t pfn = page_to_pfn(s, p);
			if (pfn < nd->start_pfn || pfn >= nd->start_pfn + nd->nr_pages)
				break;	/* another node: its own lock round */
			if (p->order) {
				for (uint64_t k = 1; k < (1ULL << p->order); k++)
					p[k].flags &= 1u << PG_used;
				free_one_locked(s, nd, pfn, p->order);
				i++;
				continue;
			}
			/* The longest aligned block of order-0 pages starting here. */
			unsigned order = 0;
			while (order < MAX_ORDER && !(pfn & (1ULL << order)) &&
			       i + (2u << order) <= n) {
				uint64_t half = 1ULL << order, k;
				for (k = half; k < 2 * half; k++)
					if (pages[i + k] != p + k || p[k].order)
						break;
				if (k < 2 * half)
					break;
				order++;
			}
			for (uint64_t k = 1; k < (1ULL << order); k++)
				__atomic_store_n(&p[k].flags,
						 __atomic_load_n(&p[k].flags, __ATOMIC_RELAXED) &
							 (1u << PG_used),
						 __ATOMIC_RELAXED);
			free_one_locked(s, nd, pfn, order);
			i += 1u << order;
		}
		spin_unlock(&nd->lock);
	}
}

/* The last reference to p is gone: what must be undone before its frames
 * go back to the buddy allocator. */
static void page_release(struct mm_sys *s, struct page *p)
{
	VM_BUG_ON_PAGE(page_test(p, PG_swapcache), p);	/* the cache holds a reference */
	/* Off its lruvec before the charge goes: the memcg names the lruvec. */
	if (page_test(p, PG_lru))
		lru_del_freed(s, p);
	mem_cgroup_uncharge(p);
	if (page_test(p, PG_mlocked)) {
		/* Freed while still mlocked: Linux counts it "cleared". */
		page_clear(p, PG_mlocked);
		__atomic_sub_fetch(&s->node[page_to_nid(s, p)].nr_mlock, 1, __ATOMIC_RELAXED);
		count_vm_events(s, MMSIM_VM_unevictable_pgs_cleared, 1ULL << p->order);
	}
	page_clear(p, PG_unevictable);
	struct anon_vma *av = page_anon_vma(p);
	p->mapping = 0;
	if (av)
		put_anon_vma(av);
}

void put_page(struct mm_sys *s, struct page *p)
{
	p = compound_head(p);
	if (__atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	page_release(s, p);
	free_pages(s, p, p->order);
}

void put_pages(struct mm_sys *s, struct page **pages, unsigned n)
{
	unsigned nfree = 0;
	for (unsigned i = 0; i < n; i++) {
		struct page *p = compound_head(pages[i]);
		if (__atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL))
			continue;
		page_release(s, p);
		pages[nfree++] = p;	/* i >= nfree: the slot was read */
	}
	free_pages_bulk(s, pages, nfree);
}
