/*
 * lru_gen.c - the multi-generational LRU, Linux 6.12's default
 * (/sys/kernel/mm/lru_gen/enabled 0x0007): its generations, the aging that
 * walks page tables, eviction's look at the oldest generation, and its
 * refault feedback.
 *
 * Pages age in generations rather than on active/inactive lists, in each
 * lruvec - a memcg on a node - apart (see struct lru_gen in mm.h for the
 * numbering and invariants).  A page joins
 * a generation by what it is (lru_gen_add: an active page the youngest,
 * a new anonymous page the second youngest, a file page the second
 * oldest or the oldest).  The aging of an lruvec (lru_gen_age) walks the
 * page tables of every address space of its memcg, makes each young entry
 * of one of its pages old, and moves the page to the youngest generation,
 * then opens a new one: pages not used since
 * fall behind by one.  Eviction (lru_gen_isolate) takes pages from the
 * oldest generation of the kind the refault feedback picks: a page the
 * aging promoted meanwhile goes to its list, one used often through
 * descriptors (a high tier) or waiting for writeback goes to the next
 * generation, the others are isolated for shrink_page_list.  When the
 * oldest generation is empty, min_seq moves on.
 *
 * The refault feedback (Linux's PID controller): every eviction counts in
 * its kind and tier, every refault too (its shadow carries min_seq at the
 * eviction and the tier); a kind whose first tier refaults less, per
 * page evicted and weighted by swappiness, is evicted first, and a tier
 * that refaults more than the other kind's first tier is protected.
 *
 * Locking: the node's lru_lock for the lists, the counts and the
 * sequence numbers; the aging takes mm_list_lock, then each mm's
 * mmap_lock (trylock: a busy address space is skipped, as Linux does)
 * and ptl, then lru_lock per page: mm_list_lock > mmap_lock > ptl >
 * lru_lock.
 *
 * Owns: struct lru_gen, the page flags' generation bits and the MGLRU tier
 * bits' meaning at eviction.  Called by lru.c (lists), vmscan.c
 * (reclaim), workingset.c (shadows), mmap.c (the mm list).
 */
#include "mm.h"

#include <string.h>

#define MIN_LRU_BATCH 64	/* Linux's BITS_PER_LONG */
#define MAX_LRU_BATCH 4096

static int page_gen(const struct page *p)
{
	return (int)((__atomic_load_n(&p->flags, __ATOMIC_RELAXED) & LRU_GEN_MASK) >>
		     LRU_GEN_SHIFT) - 1;
}

static int gen_of(uint64_t seq)
{
	return (int)(seq % MAX_NR_GENS);
}

static int page_type(const struct page *p)
{
	return !page_test(p, PG_swapbacked);	/* 0 anon, 1 file */
}

static uint32_t gen_bits(int gen)
{
	return (uint32_t)(gen + 1) << LRU_GEN_SHIFT;
}

#define LRU_REFS_FLAGS ((1u << PG_referenced) | (1u << PG_workingset))

static void count_gen(struct lru_gen *g, int gen, int type, int64_t nr)
{
	__atomic_add_fetch(&g->nr_pages[gen][type], nr, __ATOMIC_RELAXED);
}

static bool gen_is_active(const struct lru_gen *g, int gen)
{
	return gen == gen_of(g->max_seq) || gen == gen_of(g->max_seq - 1);
}

void lru_gen_init(struct lru_gen *g)
{
	memset(g, 0, sizeof *g);
	g->max_seq = MIN_NR_GENS + 1;
	for (int gen = 0; gen < MAX_NR_GENS; gen++)
		for (int t = 0; t < 2; t++)
			list_init(&g->folios[gen][t]);
}

/* ---- the lists (lru_lock held) -------------------------------------------------------- */

void lru_gen_add(struct lruvec *lv, struct page *p, bool reclaiming)
{
	struct lru_gen *g = &lv->lrugen;
	int type = page_type(p);
	uint64_t seq;
	VM_BUG_ON_PAGE(page_gen(p) >= 0, p);
	/*
	 * Linux's cases: a page known hot (active) is youngest; a new
	 * anonymous page, and one reclaim waits to see written (PG_reclaim
	 * on a dirty page or one under writeback: on a clean one the bit is
	 * PG_readahead), second youngest; a page put back by reclaim, or
	 * rotated when its write ended, the oldest; the rest second oldest,
	 * or oldest when there are only two generations.
	 */
	if (page_test(p, PG_active))
		seq = g->max_seq;
	else if ((type == 0 && !page_test(p, PG_swapcache)) ||
		 (page_test(p, PG_reclaim) &&
		  (page_test(p, PG_dirty) || page_test(p, PG_writeback))))
		seq = g->max_seq - 1;
	else if (reclaiming || g->min_seq[type] + MIN_NR_GENS >= g->max_seq)
		seq = g->min_seq[type];
	else
		seq = g->min_seq[type] + 1;
	int gen = gen_of(seq);
	flags_set_bits(p, LRU_GEN_MASK | (1u << PG_active), gen_bits(gen));
	count_gen(g, gen, type, 1LL << p->order);
	if (reclaiming)
		list_add_tail(&p->lru, &g->folios[gen][type]);
	else
		list_add(&p->lru, &g->folios[gen][type]);
}

bool lru_gen_del(struct lruvec *lv, struct page *p, bool reclaiming)
{
	int gen = page_gen(p);
	if (gen < 0)
		return false;
	struct lru_gen *g = &lv->lrugen;
	/* A page taken off for another purpose than reclaim (migration,
	 * mlock) keeps, in PG_active, whether it was among the active
	 * generations: it comes back (or its copy does) youngest. */
	uint32_t active = !reclaiming && gen_is_active(g, gen) ? 1u << PG_active : 0;
	flags_set_bits(p, LRU_GEN_MASK | (1u << PG_active), active);
	count_gen(g, gen, page_type(p), -(1LL << p->order));
	list_del(&p->lru);
	return true;
}

uint64_t lru_gen_size(const struct lruvec *lv, enum lru_list l)
{
	const struct lru_gen *g = &lv->lrugen;
	int type = l >= LRU_INACTIVE_FILE;
	bool want_active = l == LRU_ACTIVE_ANON || l == LRU_ACTIVE_FILE;
	uint64_t max_seq = __atomic_load_n(&g->max_seq, __ATOMIC_RELAXED);
	int64_t n = 0;
	for (int gen = 0; gen < MAX_NR_GENS; gen++) {
		bool active = gen == gen_of(max_seq) || gen == gen_of(max_seq - 1);
		if (active == want_active)
			n += __atomic_load_n(&g->nr_pages[gen][type], __ATOMIC_RELAXED);
	}
	return n > 0 ? (uint64_t)n : 0;
}

/* ---- the refault feedback ----------------------------------------------------------- */

/* Linux's folio_lru_refs: accesses beyond the first, 0..4. */
static int page_refs(const struct page *p)
{
	uint32_t f = __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
	return (int)((f & LRU_REFS_MASK) >> LRU_REFS_SHIFT) + !!(f & (1u << PG_workingset));
}

/* Linux's lru_tier_from_refs: order_base_2(refs + 1). */
static int tier_of(int refs)
{
	int t = 0;
	while ((1 << t) < refs + 1)
		t++;
	return t;
}

struct ctrl_pos {
	uint64_t refaulted, total;
	unsigned gain;
};

static void read_ctrl_pos(struct lru_gen *g, int type, int tier, unsigned gain,
			  struct ctrl_pos *pos)
{
	pos->refaulted = g->avg_refaulted[type][tier] +
			 __atomic_load_n(&g->refaulted[type][tier], __ATOMIC_RELAXED);
	pos->total = g->avg_total[type][tier] +
		     __atomic_load_n(&g->evicted[type][tier], __ATOMIC_RELAXED);
	if (tier)
		pos->total += g->protected[type][tier - 1];
	pos->gain = gain;
}

/* Does pv refault little, or less than sp per page evicted? */
static bool positive_ctrl_err(const struct ctrl_pos *sp, const struct ctrl_pos *pv)
{
	return pv->refaulted < MIN_LRU_BATCH ||
	       pv->refaulted * (sp->total + MIN_LRU_BATCH) * sp->gain <=
		       (sp->refaulted + 1) * pv->total * pv->gain;
}

/* min_seq[type] moved on: this generation's counts join the averages and
 * start again (one history generation, as Linux's NR_HIST_GENS). */
static void carry_ctrl_pos(struct lru_gen *g, int type)
{
	for (int tier = 0; tier < MAX_NR_TIERS; tier++) {
		uint64_t rf = __atomic_exchange_n(&g->refaulted[type][tier], 0, __ATOMIC_RELAXED);
		uint64_t ev = __atomic_exchange_n(&g->evicted[type][tier], 0, __ATOMIC_RELAXED);
		g->avg_refaulted[type][tier] = (g->avg_refaulted[type][tier] + rf) / 2;
		uint64_t sum = g->avg_total[type][tier] + ev;
		if (tier) {
			sum += g->protected[type][tier - 1];
			g->protected[type][tier - 1] = 0;
		}
		g->avg_total[type][tier] = sum / 2;
	}
}

static int get_tier_idx(struct lru_gen *g, int type)
{
	struct ctrl_pos sp, pv;
	int tier;
	/* A margin for noise: the other tiers must refault twice as much. */
	read_ctrl_pos(g, type, 0, 1, &sp);
	for (tier = 1; tier < MAX_NR_TIERS; tier++) {
		read_ctrl_pos(g, type, tier, 2, &pv);
		if (!positive_ctrl_err(&sp, &pv))
			break;
	}
	return tier - 1;
}

static int get_type_to_scan(struct lru_gen *g, unsigned swappiness, int *tier_idx)
{
	struct ctrl_pos sp, pv;
	unsigned gain[2] = { swappiness, 200 - swappiness };
	read_ctrl_pos(g, 0, 0, gain[0], &sp);
	read_ctrl_pos(g, 1, 0, gain[1], &pv);
	int type = positive_ctrl_err(&sp, &pv), tier;
	read_ctrl_pos(g, !type, 0, gain[!type], &sp);
	for (tier = 1; tier < MAX_NR_TIERS; tier++) {
		read_ctrl_pos(g, type, tier, gain[type], &pv);
		if (!positive_ctrl_err(&sp, &pv))
			break;
	}
	*tier_idx = tier - 1;
	return type;
}

/* ---- generations come and go (lru_lock held) ------------------------------------------ */

static unsigned nr_gens(const struct lru_gen *g, int type)
{
	return (unsigned)(g->max_seq - g->min_seq[type] + 1);
}

/* Moves p (of the oldest generation) to the next one, forgetting its
 * tier; a page the aging promoted goes to its own generation instead.
 * Returns the generation whose list p belongs on.  reclaiming: eviction
 * passes over p until its write ends (locked, dirty or under writeback)
 * and marks it PG_reclaim, so that end_page_writeback rotates it back to
 * the oldest generation at once (Linux's folio_inc_gen). */
static int page_inc_gen(struct lru_gen *g, struct page *p, bool reclaiming)
{
	int type = page_type(p), old_gen = gen_of(g->min_seq[type]);
	int gen = page_gen(p);
	if (gen != old_gen)
		return gen;
	int new_gen = (old_gen + 1) % MAX_NR_GENS;
	uint32_t bits = gen_bits(new_gen) | (reclaiming ? 1u << PG_reclaim : 0);
	flags_set_bits(p, LRU_GEN_MASK | LRU_REFS_MASK | LRU_REFS_FLAGS |
			  (reclaiming ? 1u << PG_reclaim : 0), bits);
	int64_t nr = 1LL << p->order;
	count_gen(g, old_gen, type, -nr);
	count_gen(g, new_gen, type, nr);
	return new_gen;
}

/* The oldest generation of a kind makes way: its pages move to the next. */
static void inc_min_seq(struct lru_gen *g, int type, bool can_swap)
{
	if (type == 0 && !can_swap)
		goto done;
	struct list_head *head = &g->folios[gen_of(g->min_seq[type])][type];
	while (!list_empty(head)) {
		struct page *p = list_entry(head->prev, struct page, lru);
		int gen = page_inc_gen(g, p, false);
		list_del(&p->lru);
		list_add(&p->lru, &g->folios[gen][type]);
	}
done:
	carry_ctrl_pos(g, type);
	__atomic_store_n(&g->min_seq[type], g->min_seq[type] + 1, __ATOMIC_RELAXED);
}

/* Empty oldest generations go (Linux's try_to_inc_min_seq).  True if one
 * did. */
static bool try_to_inc_min_seq(struct lru_gen *g, bool can_swap)
{
	uint64_t min_seq[2] = { g->min_seq[0], g->min_seq[1] };
	bool moved = false;
	for (int type = !can_swap; type < 2; type++)
		while (min_seq[type] + MIN_NR_GENS <= g->max_seq &&
		       list_empty(&g->folios[gen_of(min_seq[type])][type]))
			min_seq[type]++;
	/* Anonymous pages are never younger than file pages when they can
	 * be swapped (Linux's rule for a common oldest generation). */
	if (can_swap) {
		if (min_seq[1] < min_seq[0])
			min_seq[0] = min_seq[1];
		min_seq[1] = min_seq[0] > g->min_seq[1] ? min_seq[0] : g->min_seq[1];
	}
	for (int type = !can_swap; type < 2; type++) {
		if (min_seq[type] == g->min_seq[type])
			continue;
		carry_ctrl_pos(g, type);
		__atomic_store_n(&g->min_seq[type], min_seq[type], __ATOMIC_RELAXED);
		moved = true;
	}
	return moved;
}

static void inc_max_seq(struct lru_gen *g, bool can_swap)
{
	for (int type = 1; type >= 0; type--)
		if (nr_gens(g, type) == MAX_NR_GENS)
			inc_min_seq(g, type, can_swap);
	__atomic_store_n(&g->max_seq, g->max_seq + 1, __ATOMIC_RELEASE);
}

/* ---- the aging: a walk of every address space's page tables -------------------------- */

struct age_walk {
	struct mm_sys *s;
	struct lruvec *lv;
	int new_gen;
};

/* A young entry mapping a page of the lruvec: made old (no flush, as
 * x86's ptep_test_and_clear_young), the page moved to the youngest
 * generation - in the counts; its list follows at eviction.  Another
 * node's page, or another memcg's (a shared page charged elsewhere),
 * keeps its young bit for its own lruvec's aging (get_pfn_folio). */
static void age_entry(struct age_walk *w, struct pmap_iter *it, const struct pmap_entry *e)
{
	struct mm_sys *s = w->s;
	if (e->kind != PMAP_PAGE || !(e->flags & PMAP_ACCESSED) || e->pfn == s->zero_pfn)
		return;
	struct page *p = compound_head(pfn_to_page(s, e->pfn));
	if (page_lruvec(s, p) != w->lv)
		return;
	struct pmap_entry cur;
	pmap_iter_modify_start(it, &cur);
	cur.flags &= (uint8_t)~PMAP_ACCESSED;
	pmap_iter_modify_commit(it, &cur);
	struct pglist_data *nd = w->lv->pgdat;
	struct lru_gen *g = &w->lv->lrugen;
	spin_lock(&nd->lru_lock);
	int gen = page_gen(p);
	if (gen < 0) {
		page_set(p, PG_referenced);	/* isolated: reclaim will see it */
	} else if (gen != w->new_gen) {
		int type = page_type(p);
		int64_t nr = 1LL << p->order;
		flags_set_bits(p, LRU_GEN_MASK | LRU_REFS_MASK | LRU_REFS_FLAGS,
			       gen_bits(w->new_gen));
		count_gen(g, gen, type, -nr);
		count_gen(g, w->new_gen, type, nr);
	}
	spin_unlock(&nd->lru_lock);
}

/* Linux's should_skip_vma: special mappings, ones advised sequential or
 * random, and kinds that cannot be evicted now (anonymous memory and
 * shared memory without swap). */
static bool skip_vma(const struct vm_area_struct *v, bool can_swap)
{
	if (v->vm_flags & (VM_PFNMAP | VM_SEQ_READ | VM_RAND_READ | VM_LOCKED))
		return true;
	if (!mapping_is_file(v->vm_file))
		return !can_swap;
	return false;
}

static void walk_mm(struct age_walk *w, struct mm_struct *mm, bool can_swap)
{
	if (pthread_rwlock_tryrdlock(&mm->mmap_lock))
		return;		/* busy: skipped this time */
	spin_lock(&mm->ptl);
	for (int i = 0; i < mm->vmas.n; i++) {
		struct vm_area_struct *v = mm->vmas.v[i];
		if (skip_vma(v, can_swap))
			continue;
		struct pmap_iter it;
		struct pmap_entry e;
		pmap_iter_init(&it, &mm->pmap, v->vm_start, v->vm_end);
		while (pmap_iter_next(&it, &e))
			age_entry(w, &it, &e);
	}
	spin_unlock(&mm->ptl);
	pthread_rwlock_unlock(&mm->mmap_lock);
}

/*
 * Linux's lru_gen_look_around: eviction's rmap walk found head young at
 * addr in vma, so its neighbours are likely young too.  The page table's
 * entries around addr (within the VMA and the same 2 MiB, at most
 * MIN_LRU_BATCH pages, addr in the middle when it can be) are looked at
 * as the aging would: each young one mapping a page of head's lruvec is
 * made old and its page promoted to the youngest generation, so that
 * eviction passes over it without a walk of its own.  Only 4 KiB
 * entries, as Linux's (a huge entry's page has its own walk).  Not kept:
 * the feedback to the aging's Bloom filters (not modelled).
 */
void lru_gen_look_around(struct mm_sys *s, struct vm_area_struct *vma, uint64_t addr,
			 struct page *head)
{
	const uint64_t span = MIN_LRU_BATCH * PAGE_SIZE;
	uint64_t start = addr & PMD_MASK, end = start + PMD_SIZE;
	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	if (end - start == PAGE_SIZE)
		return;
	if (end - start > span) {
		if (addr - start < span / 2)
			end = start + span;
		else if (end - addr < span / 2)
			start = end - span;
		else
			start = addr - span / 2, end = addr + span / 2;
	}
	struct lruvec *lv = page_lruvec(s, head);
	struct age_walk w = { s, lv, gen_of(__atomic_load_n(&lv->lrugen.max_seq, __ATOMIC_RELAXED)) };
	struct mm_struct *mm = vma->vm_mm;
	struct pmap_iter it;
	struct pmap_entry e;
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e))
		if (it.size == PAGE_SIZE)
			age_entry(&w, &it, &e);
	spin_unlock(&mm->ptl);
}

bool lru_gen_age(struct mm_sys *s, struct lruvec *lv, uint64_t max_seq, bool can_swap)
{
	struct pglist_data *nd = lv->pgdat;
	struct age_walk w = { s, lv, gen_of(max_seq) };
	/* The address spaces of the lruvec's memcg (Linux keeps a list per
	 * memcg; an mm belongs to its owner's). */
	pthread_mutex_lock(&s->mm_list_lock);
	for (struct list_head *l = s->mm_list.next; l != &s->mm_list; l = l->next) {
		struct mm_struct *mm = list_entry(l, struct mm_struct, mm_list);
		if (__atomic_load_n(&mm->memcg, __ATOMIC_ACQUIRE) == lv->memcg)
			walk_mm(&w, mm, can_swap);
	}
	pthread_mutex_unlock(&s->mm_list_lock);
	spin_lock(&nd->lru_lock);
	bool aged = lv->lrugen.max_seq == max_seq;
	if (aged)
		inc_max_seq(&lv->lrugen, can_swap);
	spin_unlock(&nd->lru_lock);
	return aged;
}

/* ---- eviction ----------------------------------------------------------------------- */

bool lru_gen_should_age(struct lruvec *lv, bool can_swap, uint64_t *nr_to_scan,
			uint64_t *max_seq)
{
	struct pglist_data *nd = lv->pgdat;
	struct lru_gen *g = &lv->lrugen;
	spin_lock(&nd->lru_lock);
	uint64_t old = 0, young = 0, total = 0;
	*max_seq = g->max_seq;
	bool age;
	if (g->min_seq[!can_swap] + MIN_NR_GENS > g->max_seq) {
		*nr_to_scan = 0;	/* out of cold pages */
		age = true;
		goto out;
	}
	for (int type = !can_swap; type < 2; type++)
		for (uint64_t seq = g->min_seq[type]; seq <= g->max_seq; seq++) {
			int64_t n = g->nr_pages[gen_of(seq)][type];
			uint64_t size = n > 0 ? (uint64_t)n : 0;
			total += size;
			if (seq == g->max_seq)
				young += size;
			else if (seq + MIN_NR_GENS == g->max_seq)
				old += size;
		}
	*nr_to_scan = total;
	/* Lazy: ideally MIN_NR_GENS + 1 generations, spread evenly. */
	if (g->min_seq[!can_swap] + MIN_NR_GENS < g->max_seq)
		age = false;
	else
		age = young * MIN_NR_GENS > total || old * (MIN_NR_GENS + 2) < total;
out:
	spin_unlock(&nd->lru_lock);
	return age;
}

/*
 * Linux's sort_folio: true if p (at the old end of the oldest generation)
 * was moved rather than being a candidate: to the unevictable list, to
 * the generation the aging promoted it to, to the next generation when
 * its tier is protected or it waits for its write.
 */
static bool sort_page(struct mm_sys *s, struct lruvec *lv, struct page *p, int tier_idx)
{
	struct lru_gen *g = &lv->lrugen;
	int type = page_type(p), gen = page_gen(p);
	int refs = page_refs(p), tier = tier_of(refs);
	if (page_test(p, PG_mlocked)) {
		lru_gen_del(lv, p, true);
		lru_add_locked(s, lv->pgdat, p);	/* to the unevictable list */
		return true;
	}
	if (gen != gen_of(g->min_seq[type])) {
		list_del(&p->lru);
		list_add(&p->lru, &g->folios[gen][type]);
		return true;
	}
	if (tier > tier_idx || refs == 1 << 2) {
		int new_gen = page_inc_gen(g, p, false);
		list_del(&p->lru);
		list_add_tail(&p->lru, &g->folios[new_gen][type]);
		g->protected[type][tier - 1] += 1ULL << p->order;
		return true;
	}
	if (page_locked(p) || page_test(p, PG_writeback) || (type == 1 && page_test(p, PG_dirty))) {
		int new_gen = page_inc_gen(g, p, true);
		list_del(&p->lru);
		list_add(&p->lru, &g->folios[new_gen][type]);
		return true;
	}
	return false;
}

/* Linux's scan_folios: up to MAX_LRU_BATCH pages of the oldest generation
 * of kind type looked at, up to MIN_LRU_BATCH isolated onto dst (a
 * reference each, PG_lru clear).  Returns the pages looked at, or 0 when
 * none could be isolated before the generation ran out. */
static unsigned scan_gen(struct mm_sys *s, struct lruvec *lv, int type, int tier_idx,
			 struct list_head *dst, unsigned *sorted)
{
	struct lru_gen *g = &lv->lrugen;
	struct list_head *head = &g->folios[gen_of(g->min_seq[type])][type], skipped;
	unsigned scanned = 0, isolated = 0, remaining = MAX_LRU_BATCH;
	list_init(&skipped);
	while (!list_empty(head) && remaining && isolated < MIN_LRU_BATCH) {
		struct page *p = list_entry(head->prev, struct page, lru);
		unsigned nr = 1u << p->order;
		scanned += nr;
		remaining--;
		if (sort_page(s, lv, p, tier_idx)) {
			*sorted += nr;
			count_memcg_page_events(s, p, MMSIM_VM_pgrefill, nr);
			continue;
		}
		if (!get_page_unless_zero(p)) {
			list_del(&p->lru);
			list_add(&p->lru, &skipped);
			continue;
		}
		/* Linux's isolate_folio: a page not referenced since its last
		 * look loses its tier; PG_referenced is reclaim's to set. */
		if (!page_test(p, PG_referenced))
			flags_set_bits(p, LRU_REFS_MASK, 0);
		page_clear(p, PG_referenced);
		lru_gen_del(lv, p, true);
		page_clear(p, PG_lru);
		list_add_tail(&p->lru, dst);
		isolated += nr;
	}
	/* The skipped pages go to the young end, as Linux's do. */
	while (!list_empty(&skipped)) {
		struct page *p = list_entry(skipped.prev, struct page, lru);
		list_del(&p->lru);
		list_add(&p->lru, head);
	}
	return isolated || !remaining ? scanned : 0;
}

unsigned lru_gen_isolate(struct mm_sys *s, struct lruvec *lv, unsigned swappiness,
			 struct list_head *dst, bool *out_of_gens, unsigned *sorted)
{
	struct pglist_data *nd = lv->pgdat;
	struct lru_gen *g = &lv->lrugen;
	int tier = -1, type;
	unsigned scanned = 0;
	spin_lock(&nd->lru_lock);
	if (!swappiness)
		type = 1;
	else if (g->min_seq[0] < g->min_seq[1])
		type = 0;
	else if (swappiness == 1)
		type = 1;
	else if (swappiness == 200)
		type = 0;
	else
		type = get_type_to_scan(g, swappiness, &tier);
	for (int i = !swappiness; i < 2; i++) {
		if (tier < 0)
			tier = get_tier_idx(g, type);
		scanned = scan_gen(s, lv, type, tier, dst, sorted);
		if (scanned)
			break;
		type = !type;
		tier = -1;
	}
	scanned += try_to_inc_min_seq(g, swappiness != 0);
	*out_of_gens = nr_gens(g, !swappiness) == MIN_NR_GENS;
	spin_unlock(&nd->lru_lock);
	return scanned;
}

int lru_gen_initial_priority(struct mm_sys *s, unsigned nid, bool can_swap, uint64_t nr_to_reclaim,
			     int priority)
{
	if (nr_to_reclaim < MIN_LRU_BATCH)
		return priority;
	uint64_t reclaimable = lru_size(s, nid, LRU_INACTIVE_FILE);
	if (can_swap)
		reclaimable += lru_size(s, nid, LRU_INACTIVE_ANON);
	/* Linux's: fls(reclaimable) - 1 - fls(nr_to_reclaim - 1). */
	int p = (reclaimable ? 63 - __builtin_clzll(reclaimable) : -1) -
		(64 - __builtin_clzll(nr_to_reclaim - 1));
	return p < 0 ? 0 : p > priority ? priority : p;
}

/* ---- shadows ------------------------------------------------------------------------- */

uint64_t lru_gen_eviction_token(struct mm_sys *s, struct page *p, bool *workingset)
{
	struct lru_gen *g = &page_lruvec(s, p)->lrugen;
	int type = page_type(p), refs = page_refs(p), tier = tier_of(refs);
	uint64_t min_seq = __atomic_load_n(&g->min_seq[type], __ATOMIC_RELAXED);
	__atomic_add_fetch(&g->evicted[type][tier], 1ULL << p->order, __ATOMIC_RELAXED);
	*workingset = refs != 0;
	return (min_seq << 2) | (uint64_t)(refs > 1 ? refs - 1 : 0);
}

void lru_gen_refault(struct mm_sys *s, struct page *p, struct lruvec *lv, uint64_t token,
		     bool workingset, uint64_t token_mask)
{
	int type = page_type(p);
	uint64_t n = 1ULL << p->order;
	if (lv != page_lruvec(s, p))
		return;		/* another lruvec's sequence: not comparable */
	struct lru_gen *g = &lv->lrugen;
	count_vm_events(s, MMSIM_VM_workingset_refault_anon + type, n);
	count_memcg_page_events(s, p, MMSIM_VM_workingset_refault_anon + type, n);
	uint64_t max_seq = __atomic_load_n(&g->max_seq, __ATOMIC_RELAXED) & (token_mask >> 2);
	uint64_t seq = token >> 2;
	uint64_t diff = max_seq > seq ? max_seq - seq : seq - max_seq;
	if (diff >= MAX_NR_GENS)
		return;		/* evicted too long ago */
	int refs = (int)(token & 3) + workingset, tier = tier_of(refs);
	__atomic_add_fetch(&g->refaulted[type][tier], n, __ATOMIC_RELAXED);
	count_vm_events(s, MMSIM_VM_workingset_activate_anon + type, n);
	count_memcg_page_events(s, p, MMSIM_VM_workingset_activate_anon + type, n);
	/* Used through page tables (a fault), or often through descriptors:
	 * back at the top tier. */
	if (in_lru_fault || refs >= 3) {
		flags_set_bits(p, 0, LRU_REFS_MASK | (1u << PG_workingset));
		count_vm_events(s, MMSIM_VM_workingset_restore_anon + type, n);
		count_memcg_page_events(s, p, MMSIM_VM_workingset_restore_anon + type, n);
	}
}

__thread bool in_lru_fault;
