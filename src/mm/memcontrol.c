/*
 * memcontrol.c - memory cgroups, version 2 (Linux 6.12's mm/memcontrol.c
 * in its essentials): charging pages to a memcg and its ancestors at
 * allocation (anonymous faults, page-cache insertion, swap-in), uncharging
 * at free, moving a charge with a migrated page, swap slots counted against
 * memory.swap.max, reclaim when a charge meets memory.max or passes
 * memory.high, and the memcg OOM killer when reclaim cannot make room.
 * mm.h states the invariants.  The cgroup tree, its files and tasks'
 * membership are the kernel's (src/kernel/cgroup.c); the victim choice is
 * src/kernel/oom.c's.
 *
 * Each memcg has an lruvec per node (lru.c's lists, lru_gen.c's
 * generations), the root's being the node's own, and a list of its
 * address spaces for MGLRU's aging; memcg reclaim walks the memcgs under
 * its target in Linux's order (lruvec_iter) and shrinks each lruvec (the
 * machine's reclaim under MGLRU takes the node's memcg LRU instead,
 * which a memcg joins when it comes online).  memory.min and memory.low
 * protect a memcg from global and from its ancestors' reclaim by their
 * effective values (Linux's effective_protection, computed as the walk
 * reaches each memcg): one whose effective min covers its usage is never
 * scanned, one whose effective low does only when nothing else could be
 * freed (and then its `low` event counts) - under the memcg LRU, only
 * the first time the walk meets it (vmscan.c's shrink_one).
 *
 * Also: each level's peak usage and swap usage (memory.peak,
 * memory.swap.peak, raised where a charge passes that level's limit check,
 * as Linux's page_counter watermark), events counted on their own cgroup
 * besides the hierarchical count (memory.events.local), memory.stat's event
 * counters (count_memcg_page_events, on the page's memcg and its
 * ancestors), its page counts by kind and LRU list (a walk of every page),
 * and memory.oom.group's choice of the cgroup to kill whole.
 */
#include "mm.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* How often memcg reclaim may fail in a row before the OOM killer. */
#define MEMCG_RECLAIM_RETRIES 16

void mem_cgroup_init(struct mem_cgroup *memcg, struct mem_cgroup *parent)
{
	memset(memcg, 0, sizeof *memcg);
	memcg->parent = parent;
	memcg->max = memcg->high = memcg->swap_max = MEMCG_UNLIMITED;
	list_init(&memcg->mm_list);
	pthread_mutex_init(&memcg->mm_list_lock, NULL);
}

int mem_cgroup_online(struct mm_sys *s, struct mem_cgroup *memcg)
{
	memcg->lruvec = calloc(s->nr_nodes, sizeof *memcg->lruvec);
	if (!memcg->lruvec)
		return -ENOMEM;
	uint64_t now = mm_clock_ms(s, NULL);
	for (unsigned n = 0; n < s->nr_nodes; n++)
		lruvec_init(&memcg->lruvec[n], &s->node[n], memcg, now);
	memcg->nr_lruvecs = s->nr_nodes;
	pthread_mutex_lock(&s->memcg_lock);
	memcg->id = ++s->memcg_ids;
	memcg->next = NULL;
	/* Published whole: readers walk the list without the lock. */
	__atomic_store_n(s->memcgs_tail, memcg, __ATOMIC_RELEASE);
	s->memcgs_tail = &memcg->next;
	pthread_mutex_unlock(&s->memcg_lock);
	lru_gen_online_memcg(s, memcg);
	return 0;
}

void mem_cgroup_free(struct mem_cgroup *memcg)
{
	/* The machine goes (its memcg LRUs, which list these lruvecs, are
	 * not walked again): only what the lruvecs own. */
	for (unsigned n = 0; memcg->lruvec && n < memcg->nr_lruvecs; n++)
		lru_gen_exit_lruvec(&memcg->lruvec[n]);
	free(memcg->lruvec);
	memcg->lruvec = NULL;
}

static struct mem_cgroup *next_memcg(const struct mem_cgroup *m)
{
	return __atomic_load_n(&m->next, __ATOMIC_ACQUIRE);
}

static struct mem_cgroup *first_memcg(struct mm_sys *s)
{
	return __atomic_load_n(&s->memcgs, __ATOMIC_ACQUIRE);
}

struct mem_cgroup *mem_cgroup_from_id(struct mm_sys *s, unsigned id)
{
	for (struct mem_cgroup *m = first_memcg(s); id && m; m = next_memcg(m))
		if (m->id == id)
			return m;
	return NULL;
}

/* Children in creation order: the first one of parent (NULL: the root's),
 * and the sibling after m. */
static struct mem_cgroup *first_child(struct mm_sys *s, const struct mem_cgroup *parent)
{
	for (struct mem_cgroup *m = first_memcg(s); m; m = next_memcg(m))
		if (m->parent == parent)
			return m;
	return NULL;
}

static struct mem_cgroup *next_sibling(const struct mem_cgroup *m)
{
	for (struct mem_cgroup *n = next_memcg(m); n; n = next_memcg(n))
		if (n->parent == m->parent)
			return n;
	return NULL;
}

struct lruvec *lruvec_iter(struct mm_sys *s, struct lruvec *root, struct lruvec *prev)
{
	unsigned nid = root->pgdat->id;
	if (!prev)
		return root;
	struct mem_cgroup *c = first_child(s, prev->memcg);
	if (c)
		return &c->lruvec[nid];
	/* Up until a sibling turns up, never above root. */
	for (struct mem_cgroup *m = prev->memcg; m != root->memcg; m = m->parent) {
		struct mem_cgroup *sib = next_sibling(m);
		if (sib)
			return &sib->lruvec[nid];
	}
	return NULL;
}

/*
 * Linux's effective_protection, as on a cgroup2 mount without
 * memory_recursiveprot (the oracle's): a memcg is protected up to its own
 * setting and usage, within what its parent's effective protection
 * affords; when the siblings together claim more than that, in proportion
 * to what each claims.
 */
static uint64_t effective_protection(uint64_t usage, uint64_t setting, uint64_t parent_effective,
				     uint64_t siblings_protected)
{
	uint64_t protected = usage < setting ? usage : setting;
	if (siblings_protected > parent_effective)
		return protected * parent_effective / siblings_protected;
	return protected;
}

/* What memcg parent's children claim of setting (the field at offset
 * `field`): Linux's children_min_usage / children_low_usage. */
static uint64_t children_protected(struct mm_sys *s, const struct mem_cgroup *parent, size_t field)
{
	uint64_t sum = 0;
	for (struct mem_cgroup *c = first_memcg(s); c; c = next_memcg(c)) {
		if (c->parent != parent)
			continue;
		uint64_t usage = __atomic_load_n(&c->usage, __ATOMIC_RELAXED);
		uint64_t set = __atomic_load_n((const uint64_t *)((const char *)c + field),
					       __ATOMIC_RELAXED);
		sum += usage < set ? usage : set;
	}
	return sum;
}

void mem_cgroup_calculate_protection(struct mm_sys *s, struct mem_cgroup *root,
				     struct mem_cgroup *memcg)
{
	/* The target's own values are never read: they may stay stale. */
	if (!memcg || memcg == root)
		return;
	uint64_t usage = __atomic_load_n(&memcg->usage, __ATOMIC_RELAXED);
	if (!usage)
		return;
	uint64_t min = __atomic_load_n(&memcg->min, __ATOMIC_RELAXED);
	uint64_t low = __atomic_load_n(&memcg->low, __ATOMIC_RELAXED);
	struct mem_cgroup *parent = memcg->parent;
	if (parent == root) {
		__atomic_store_n(&memcg->emin, min, __ATOMIC_RELAXED);
		__atomic_store_n(&memcg->elow, low, __ATOMIC_RELAXED);
		return;
	}
	uint64_t emin = effective_protection(
		usage, min, __atomic_load_n(&parent->emin, __ATOMIC_RELAXED),
		children_protected(s, parent, offsetof(struct mem_cgroup, min)));
	uint64_t elow = effective_protection(
		usage, low, __atomic_load_n(&parent->elow, __ATOMIC_RELAXED),
		children_protected(s, parent, offsetof(struct mem_cgroup, low)));
	__atomic_store_n(&memcg->emin, emin, __ATOMIC_RELAXED);
	__atomic_store_n(&memcg->elow, elow, __ATOMIC_RELAXED);
}

/* Reclaim aimed at a memcg ignores its own protection; the root has none. */
static bool unprotected(const struct mem_cgroup *target, const struct mem_cgroup *memcg)
{
	return !memcg || memcg == target;
}

bool mem_cgroup_below_min(const struct mem_cgroup *target, const struct mem_cgroup *memcg)
{
	return !unprotected(target, memcg) && __atomic_load_n(&memcg->emin, __ATOMIC_RELAXED) >=
						      __atomic_load_n(&memcg->usage, __ATOMIC_RELAXED);
}

bool mem_cgroup_below_low(const struct mem_cgroup *target, const struct mem_cgroup *memcg)
{
	return !unprotected(target, memcg) && __atomic_load_n(&memcg->elow, __ATOMIC_RELAXED) >=
						      __atomic_load_n(&memcg->usage, __ATOMIC_RELAXED);
}

void mem_cgroup_protection(const struct mem_cgroup *target, const struct mem_cgroup *memcg,
			   uint64_t *min, uint64_t *low)
{
	*min = *low = 0;
	if (unprotected(target, memcg))
		return;
	*min = __atomic_load_n(&memcg->emin, __ATOMIC_RELAXED);
	*low = __atomic_load_n(&memcg->elow, __ATOMIC_RELAXED);
}

uint64_t mem_cgroup_nr_swap_pages(struct mm_sys *s, const struct mem_cgroup *memcg)
{
	uint64_t n = swap_free_slots(s);
	for (; memcg; memcg = memcg->parent) {
		uint64_t max = __atomic_load_n(&memcg->swap_max, __ATOMIC_RELAXED);
		uint64_t used = __atomic_load_n(&memcg->swap_usage, __ATOMIC_RELAXED);
		uint64_t room = used < max ? max - used : 0;
		if (room < n)
			n = room;
	}
	return n;
}

bool mem_cgroup_is_descendant(const struct mem_cgroup *a, const struct mem_cgroup *b)
{
	for (; a; a = a->parent)
		if (a == b)
			return true;
	return false;
}

void memcg_event(struct mem_cgroup *memcg, enum memcg_event ev)
{
	if (memcg)
		__atomic_add_fetch(&memcg->events_local[ev], 1, __ATOMIC_RELAXED);
	for (; memcg; memcg = memcg->parent)
		__atomic_add_fetch(&memcg->events[ev], 1, __ATOMIC_RELAXED);
}

/* Adds nr to a counter of memcg and its ancestors, up to each one's limit
 * (the field at offset `limit`), raising each level's peak (the field at
 * offset `peak`) as it goes; on success NULL, else the first level over
 * its limit, with nothing added anywhere.  As Linux's
 * page_counter_try_charge, the levels below a failing one keep the peak
 * the attempt gave them. */
static struct mem_cgroup *counter_try_add(struct mem_cgroup *memcg, size_t counter, size_t limit,
					  size_t peak, uint64_t nr)
{
	struct mem_cgroup *m;
	for (m = memcg; m; m = m->parent) {
		uint64_t *c = (uint64_t *)((char *)m + counter);
		uint64_t lim = *(const uint64_t *)((const char *)m + limit);
		uint64_t now = __atomic_add_fetch(c, nr, __ATOMIC_RELAXED);
		if (now > lim) {
			__atomic_sub_fetch(c, nr, __ATOMIC_RELAXED);
			break;
		}
		atomic_max_u64((uint64_t *)((char *)m + peak), now);
	}
	if (!m)
		return NULL;
	for (struct mem_cgroup *u = memcg; u != m; u = u->parent)
		__atomic_sub_fetch((uint64_t *)((char *)u + counter), nr, __ATOMIC_RELAXED);
	return m;
}

static void counter_sub(struct mem_cgroup *memcg, size_t counter, uint64_t nr)
{
	for (; memcg; memcg = memcg->parent)
		__atomic_sub_fetch((uint64_t *)((char *)memcg + counter), nr, __ATOMIC_RELAXED);
}

void mem_cgroup_handle_over_high(struct mm_sys *s, struct hw_cpu *cpu, struct mem_cgroup *memcg)
{
	for (struct mem_cgroup *m = memcg; m; m = m->parent) {
		uint64_t usage = __atomic_load_n(&m->usage, __ATOMIC_RELAXED);
		if (usage <= m->high)
			continue;
		memcg_event(m, MEMCG_HIGH);
		uint64_t over = usage - m->high;
		try_to_free_mem_cgroup_pages(s, cpu, m, over > 32 ? 32 : (unsigned)over);
	}
}

/* The level of memcg's tree that nr more pages would put over its max. */
static struct mem_cgroup *over_max(struct mem_cgroup *memcg, uint64_t nr)
{
	for (; memcg; memcg = memcg->parent)
		if (__atomic_load_n(&memcg->usage, __ATOMIC_RELAXED) + nr > memcg->max)
			return memcg;
	return NULL;
}

int mem_cgroup_make_room(struct mm_sys *s, struct hw_cpu *cpu, struct mem_cgroup *memcg,
			 unsigned nr, unsigned *stuck)
{
	struct mem_cgroup *over = over_max(memcg, nr);
	if (!over)
		return 0;	/* someone else's pages went meanwhile */
	memcg_event(over, MEMCG_MAX);
	if (try_to_free_mem_cgroup_pages(s, cpu, over, nr)) {
		*stuck = 0;
		return 0;
	}
	if (++*stuck < MEMCG_RECLAIM_RETRIES)
		return 0;
	*stuck = 0;
	memcg_event(over, MEMCG_OOM);
	enum oom_result r = kernel_memcg_out_of_memory(cpu, over);
	if (r == OOM_KILLED_SELF)
		return -EINTR;
	return r == OOM_NO_VICTIM ? -ENOSPC : 0;
}

/* page->memcg changes with atomic stores: reclaim's filter and
 * memory.stat's walk peek at pages on the LRU without their lock, and a
 * page may be uncharged (freed) or migrated meanwhile. */
static void page_set_memcg(struct page *p, struct mem_cgroup *memcg)
{
	__atomic_store_n(&p->memcg, memcg, __ATOMIC_RELAXED);
}

int mem_cgroup_charge(struct mm_sys *s, struct hw_cpu *cpu, struct mem_cgroup *memcg,
		      struct page *p)
{
	if (!memcg)
		return 0;
	uint64_t nr = 1ULL << p->order;
	unsigned stuck = 0;
	while (counter_try_add(memcg, offsetof(struct mem_cgroup, usage),
			       offsetof(struct mem_cgroup, max), offsetof(struct mem_cgroup, usage_peak),
			       nr)) {
		int err = mem_cgroup_make_room(s, cpu, memcg, (unsigned)nr, &stuck);
		if (err)
			return err;
	}
	page_set_memcg(p, memcg);
	mem_cgroup_handle_over_high(s, cpu, memcg);
	return 0;
}

int mem_cgroup_try_charge_light(struct mem_cgroup *memcg, struct page *p)
{
	if (!memcg)
		return 0;
	if (counter_try_add(memcg, offsetof(struct mem_cgroup, usage),
			    offsetof(struct mem_cgroup, max), offsetof(struct mem_cgroup, usage_peak),
			    1ULL << p->order))
		return -ENOMEM;
	page_set_memcg(p, memcg);
	return 0;
}

__thread bool pt_charge_force;

/* Linux's page_counter_charge: the charge goes in whatever the limits
 * say (a charge that must not fail), still raising each level's peak. */
static void counter_force_add(struct mem_cgroup *memcg, uint64_t nr)
{
	for (struct mem_cgroup *m = memcg; m; m = m->parent)
		atomic_max_u64(&m->usage_peak, __atomic_add_fetch(&m->usage, nr, __ATOMIC_RELAXED));
}

int mem_cgroup_charge_table(struct mm_struct *mm, struct page *p)
{
	struct mem_cgroup *memcg = __atomic_load_n(&mm->memcg, __ATOMIC_ACQUIRE);
	VM_BUG_ON_PAGE(p->order || __atomic_load_n(&p->memcg, __ATOMIC_RELAXED), p);
	if (!memcg)
		return 0;	/* the root's: nothing to count */
	if (pt_charge_force)
		counter_force_add(memcg, 1);
	else if (counter_try_add(memcg, offsetof(struct mem_cgroup, usage),
				 offsetof(struct mem_cgroup, max),
				 offsetof(struct mem_cgroup, usage_peak), 1))
		return -EDQUOT;
	page_set_memcg(p, memcg);
	return 0;
}

void mem_cgroup_uncharge_swap(struct mem_cgroup *memcg)
{
	if (memcg)
		counter_sub(memcg, offsetof(struct mem_cgroup, swap_usage), 1);
}

void mem_cgroup_uncharge(struct page *p)
{
	struct mem_cgroup *memcg = p->memcg;
	if (!memcg)
		return;
	counter_sub(memcg, offsetof(struct mem_cgroup, usage), 1ULL << p->order);
	page_set_memcg(p, NULL);
}

void mem_cgroup_migrate(struct page *src, struct page *dst)
{
	page_set_memcg(dst, src->memcg);
	page_set_memcg(src, NULL);
}

/*
 * Linux's folio_alloc_swap: the slot first, then its charge
 * (mem_cgroup_try_charge_swap).  A charge over some memory.swap.max gives
 * the slot back as any freed slot goes (put_swap_folio): into this CPU's
 * return cache while the slots cache is on, uncharged nowhere.
 */
uint64_t swap_alloc_slot_charged(struct mm_sys *s, struct page *p)
{
	struct mem_cgroup *memcg = p->memcg;
	uint64_t off = swap_alloc_slot(s);
	if (!off)
		return 0;
	if (memcg && counter_try_add(memcg, offsetof(struct mem_cgroup, swap_usage),
				     offsetof(struct mem_cgroup, swap_max),
				     offsetof(struct mem_cgroup, swap_peak), 1ULL << p->order)) {
		swapcache_put_slot(s, off);
		return 0;
	}
	__atomic_store_n(&swap_area(s)->swap_cgroup[off], memcg, __ATOMIC_RELAXED);
	return off;
}

struct mem_cgroup *swap_slot_memcg(struct mm_sys *s, uint64_t off)
{
	struct swap_info *si = swap_area(s);
	return si ? __atomic_load_n(&si->swap_cgroup[off], __ATOMIC_RELAXED) : NULL;
}

void count_memcg_events(struct mem_cgroup *memcg, enum mmsim_vmstat_event ev, uint64_t n)
{
	if (!n)
		return;
	for (; memcg; memcg = memcg->parent)
		__atomic_add_fetch(&memcg->vm_events[ev], n, __ATOMIC_RELAXED);
}

void count_memcg_page_events(struct mm_sys *s, const struct page *p,
			     enum mmsim_vmstat_event ev, uint64_t n)
{
	(void)s;
	count_memcg_events(__atomic_load_n(&compound_head(p)->memcg, __ATOMIC_RELAXED), ev, n);
}

/* The list a page on an LRU is counted on: the classic lists by its
 * flags; with MGLRU an evictable page's generation says, the two youngest
 * being the active lists (Linux's lru_gen_update_size keeps the memcg's
 * lru sizes so). */
static enum lru_list page_stat_lru(struct mm_sys *s, const struct page *p)
{
	uint32_t f = __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
	int gen = (int)((f & LRU_GEN_MASK) >> LRU_GEN_SHIFT) - 1;
	if (gen < 0 || lru_classic(s))
		return page_lru_now(p);
	const struct lru_gen *g = &page_lruvec(s, p)->lrugen;
	uint64_t max_seq = __atomic_load_n(&g->max_seq, __ATOMIC_RELAXED);
	bool active = gen == (int)(max_seq % MAX_NR_GENS) ||
		      gen == (int)((max_seq - 1) % MAX_NR_GENS);
	enum lru_list base = f & (1u << PG_swapbacked) ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
	return base + active;
}

void mem_cgroup_stat(struct mm_sys *s, struct mem_cgroup *memcg, struct memcg_page_stat *st)
{
	memset(st, 0, sizeof *st);
	for (unsigned nid = 0; nid < s->nr_nodes; nid++) {
		/* Each node up to its untouched part (free: charged to none). */
		const struct pglist_data *nd = &s->node[nid];
		uint64_t end = node_untouched_pfn(nd);
		for (uint64_t pfn = nd->start_pfn; pfn < end; pfn++) {
			struct page *p = pfn_to_page(s, pfn);
			struct mem_cgroup *m = __atomic_load_n(&p->memcg, __ATOMIC_RELAXED);
			if (!m || !mem_cgroup_is_descendant(m, memcg))
				continue;
			uint64_t nr = 1ULL << p->order;
			if (page_test(p, PG_table))
				st->pagetables += nr;
			else if (page_anon(p))
				st->anon += nr;
			else if (page_test(p, PG_swapbacked))
				st->shmem += nr;
			else
				st->file += nr;
			if (page_test(p, PG_lru))
				st->lru[page_stat_lru(s, p)] += nr;
			pfn += nr - 1;
		}
	}
}

struct mem_cgroup *mem_cgroup_get_oom_group(struct mem_cgroup *victim,
					    struct mem_cgroup *oom_domain)
{
	struct mem_cgroup *group = NULL;
	/* A victim in the root, or outside the domain: no group. */
	if (!victim || (oom_domain && !mem_cgroup_is_descendant(victim, oom_domain)))
		return NULL;
	for (struct mem_cgroup *m = victim; m; m = m->parent) {
		if (__atomic_load_n(&m->oom_group, __ATOMIC_RELAXED))
			group = m;
		if (m == oom_domain)
			break;
	}
	return group;
}
