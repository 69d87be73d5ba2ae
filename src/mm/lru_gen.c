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
 * page tables of its memcg's address spaces (the memcg's mm list), makes
 * each young entry of one of its pages old, and moves the page to the
 * youngest generation, then opens a new one: pages not used since
 * fall behind by one.  As Linux's, the walk skips what cannot have
 * changed: an address space that has not run since this node's last walk
 * of it, a PTE table whose PMD entry no TLB miss has walked through
 * since the last walk made it old (x86's non-leaf accessed bit, feature
 * 0x0004), and one whose PMD entry is not in the lruvec's Bloom
 * filter (filed there by the previous walk, or by eviction's
 * look-around, when at least one entry in eight was young); the lruvec's
 * mm_state says how far the walk for the current max_seq went, so that
 * concurrent agings share it out.  Eviction (lru_gen_isolate) takes pages from the
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
 * The memcg LRU (struct memcg_lru, at the end): the order in which the
 * machine's reclaim takes the lruvecs of a node (Linux's shrink_many,
 * with vmscan.c's shrink_one), random bins from the machine's seeded
 * generator.
 *
 * Locking: the node's lru_lock for the lists, the counts and the
 * sequence numbers; the aging takes the memcg's mm list lock (for its
 * whole walk: no mm can go meanwhile), then each mm's mmap_lock (trylock:
 * a busy address space is skipped, as Linux does) and ptl, then lru_lock
 * per page: mm list lock > mmap_lock > ptl > lru_lock.  The memcg LRU's
 * lock is innermost and taken under none of these.
 *
 * Owns: struct lru_gen, the page flags' generation bits and the MGLRU tier
 * bits' meaning at eviction.  Called by lru.c (lists), vmscan.c
 * (reclaim), workingset.c (shadows), mmap.c (the mm list).
 */
#include "mm.h"

#include <stdlib.h>
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

void lru_gen_init(struct lru_gen *g, uint64_t now_ms)
{
	memset(g, 0, sizeof *g);
	g->max_seq = MIN_NR_GENS + 1;
	for (int gen = 0; gen < MAX_NR_GENS; gen++) {
		for (int t = 0; t < 2; t++)
			list_init(&g->folios[gen][t]);
		/* Every generation, the ones not yet made too: a lruvec's
		 * first oldest generation is born with it. */
		g->timestamps[gen] = now_ms;
	}
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

static void inc_max_seq(struct lru_gen *g, bool can_swap, uint64_t now_ms)
{
	for (int type = 1; type >= 0; type--)
		if (nr_gens(g, type) == MAX_NR_GENS)
			inc_min_seq(g, type, can_swap);
	/* Births never go back (a CPU whose clock lags may open a
	 * generation after one with a later clock did): min_ttl's test of
	 * the oldest generation then holds for the younger ones too. */
	uint64_t prev = g->timestamps[gen_of(g->max_seq)];
	/* Births rise from the oldest generation to the youngest. */
	VM_BUG_ON(g->timestamps[gen_of(g->min_seq[0])] > prev ||
		  g->timestamps[gen_of(g->min_seq[1])] > prev);
	__atomic_store_n(&g->timestamps[gen_of(g->max_seq + 1)], now_ms > prev ? now_ms : prev,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&g->max_seq, g->max_seq + 1, __ATOMIC_RELEASE);
}

uint64_t lru_gen_birth(const struct lruvec *lv, uint64_t seq)
{
	return __atomic_load_n(&lv->lrugen.timestamps[gen_of(seq)], __ATOMIC_RELAXED);
}

/* ---- Bloom filters of the PMD entries worth walking ------------------------------------ */

/*
 * A PMD entry is named by its address space's PGD frame (a simulated
 * frame: the same in every run, where Linux hashes the entry's kernel
 * address) and the 2 MiB block it maps; Linux's hash_ptr to 30 bits,
 * split into the filter's two 15-bit keys.
 */
static void bloom_keys(const struct mm_struct *mm, uint64_t addr, unsigned key[2])
{
	uint64_t item = (mm->pmap.root_pfn << 27) ^ (addr >> PMD_SHIFT);
	uint32_t hash = (uint32_t)((item * 0x61c8864680b583ebULL) >> (64 - 2 * BLOOM_FILTER_SHIFT));
	key[0] = hash & ((1u << BLOOM_FILTER_SHIFT) - 1);
	key[1] = hash >> BLOOM_FILTER_SHIFT;
}

static uint64_t *bloom_filter(struct lru_gen_mm_state *st, uint64_t seq)
{
	return __atomic_load_n(&st->filters[seq % NR_BLOOM_FILTERS], __ATOMIC_ACQUIRE);
}

static bool bloom_bit(const uint64_t *f, unsigned k)
{
	return __atomic_load_n(&f[k / 64], __ATOMIC_RELAXED) & (1ULL << (k % 64));
}

/* Might the PMD entry be in the filter for seq?  (No filter: yes.) */
static bool test_bloom_filter(struct lru_gen_mm_state *st, uint64_t seq,
			      const struct mm_struct *mm, uint64_t addr)
{
	uint64_t *f = bloom_filter(st, seq);
	unsigned key[2];
	if (!f)
		return true;
	bloom_keys(mm, addr, key);
	return bloom_bit(f, key[0]) && bloom_bit(f, key[1]);
}

static void update_bloom_filter(struct lru_gen_mm_state *st, uint64_t seq,
				const struct mm_struct *mm, uint64_t addr)
{
	uint64_t *f = bloom_filter(st, seq);
	unsigned key[2];
	if (!f)
		return;
	bloom_keys(mm, addr, key);
	for (int i = 0; i < 2; i++)
		if (!bloom_bit(f, key[i]))
			__atomic_fetch_or(&f[key[i] / 64], 1ULL << (key[i] % 64), __ATOMIC_RELAXED);
}

/* The filter for seq starts empty (made on first use; a failed
 * allocation leaves none, and every PMD entry passes). */
static void reset_bloom_filter(struct lru_gen_mm_state *st, uint64_t seq)
{
	const size_t words = (1u << BLOOM_FILTER_SHIFT) / 64;
	uint64_t *f = st->filters[seq % NR_BLOOM_FILTERS];
	if (f) {
		for (size_t i = 0; i < words; i++)
			__atomic_store_n(&f[i], 0, __ATOMIC_RELAXED);
		return;
	}
	f = calloc(words, sizeof *f);
	__atomic_store_n(&st->filters[seq % NR_BLOOM_FILTERS], f, __ATOMIC_RELEASE);
}

void lru_gen_exit_lruvec(struct lruvec *lv)
{
	for (int i = 0; i < NR_BLOOM_FILTERS; i++) {
		free(lv->mm_state.filters[i]);
		lv->mm_state.filters[i] = NULL;
	}
}

/* ---- the mm lists: each memcg's address spaces ------------------------------------------ */

static struct list_head *mm_list_of(struct mm_sys *s, struct mem_cgroup *memcg,
				    pthread_mutex_t **lock)
{
	*lock = memcg ? &memcg->mm_list_lock : &s->mm_list_lock;
	return memcg ? &memcg->mm_list : &s->mm_list;
}

void lru_gen_add_mm(struct mm_sys *s, struct mm_struct *mm)
{
	struct mem_cgroup *memcg = __atomic_load_n(&mm->memcg, __ATOMIC_ACQUIRE);
	pthread_mutex_t *lock;
	struct list_head *fifo = mm_list_of(s, memcg, &lock);
	pthread_mutex_lock(lock);
	mm->lru_gen_memcg = memcg;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		struct lru_gen_mm_state *st = &mem_cgroup_lruvec(s, memcg, n)->mm_state;
		/* The first mm added since the last walk ended: the next
		 * walk forces its scan from here on. */
		if (st->tail == fifo)
			st->tail = &mm->mm_list;
	}
	list_add_tail(&mm->mm_list, fifo);
	pthread_mutex_unlock(lock);
}

void lru_gen_del_mm(struct mm_sys *s, struct mm_struct *mm)
{
	pthread_mutex_t *lock;
	struct mem_cgroup *memcg = mm->lru_gen_memcg;
	(void)mm_list_of(s, memcg, &lock);
	pthread_mutex_lock(lock);
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		struct lru_gen_mm_state *st = &mem_cgroup_lruvec(s, memcg, n)->mm_state;
		/* A walk in progress goes on after the one before it; the mark
		 * of the last walk's end moves to the next. */
		if (st->head == &mm->mm_list)
			st->head = st->head->prev;
		if (st->tail == &mm->mm_list)
			st->tail = st->tail->next;
	}
	list_del(&mm->mm_list);
	pthread_mutex_unlock(lock);
}

void lru_gen_migrate_mm(struct mm_sys *s, struct mm_struct *mm)
{
	/* mm->memcg is written before this is called; the list's memcg
	 * only here, by the one thread moving the process. */
	if (__atomic_load_n(&mm->memcg, __ATOMIC_ACQUIRE) == mm->lru_gen_memcg)
		return;
	lru_gen_del_mm(s, mm);
	lru_gen_add_mm(s, mm);
}

/* ---- the aging: a walk of the memcg's address spaces' page tables ----------------------- */

struct age_walk {
	struct mm_sys *s;
	struct lruvec *lv;
	int new_gen;
	uint64_t seq;		/* the max_seq the walk ages */
	bool can_swap;		/* anonymous pages evictable: their mappings count */
	bool force_scan;	/* every mm and PMD entry, whatever they say */
	uint64_t mm_stats[NR_MM_STATS];
};

/* A young entry mapping a page of the lruvec: made old (no flush, as
 * x86's ptep_test_and_clear_young), the page moved to the youngest
 * generation - in the counts; its list follows at eviction.  Another
 * node's page, or another memcg's (a shared page charged elsewhere),
 * keeps its young bit for its own lruvec's aging, and so does an
 * anonymous page while anonymous pages cannot be evicted (Linux's
 * get_pfn_folio).  True if the entry was made old. */
static bool age_entry(struct age_walk *w, struct pmap_iter *it, const struct pmap_entry *e)
{
	struct mm_sys *s = w->s;
	if (e->kind != PMAP_PAGE || !(e->flags & PMAP_ACCESSED) || e->pfn == s->zero_pfn)
		return false;
	struct page *p = compound_head(pfn_to_page(s, e->pfn));
	if (page_lruvec(s, p) != w->lv || (!w->can_swap && page_type(p) == 0))
		return false;
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
	return true;
}

/* Linux's should_skip_vma: inaccessible and special mappings, locked
 * ones, ones advised sequential or random (no recency), and kinds that
 * cannot be evicted now (anonymous memory and shared memory without
 * swap). */
static bool skip_vma(const struct vm_area_struct *v, bool can_swap)
{
	if (!vma_is_accessible(v))
		return true;
	if (v->vm_flags & (VM_SPECIAL | VM_SEQ_READ | VM_RAND_READ | VM_LOCKED))
		return true;
	if (!mapping_is_file(v->vm_file))
		return !can_swap;
	return false;
}

/* Linux's suitable_to_scan: at least one young entry per cache line of
 * eight PTEs, on average. */
static bool suitable_to_scan(unsigned total, unsigned young)
{
	return young * 8 >= total;
}

/* A huge PMD leaf (Linux's walk_pmd_range_locked for a trans-huge
 * entry): aged like a PTE; an old one is passed over (get_pmd_pfn). */
static void walk_huge_pmd(struct age_walk *w, struct mm_struct *mm, uint64_t pmd,
			  const struct pmap_entry *e)
{
	struct pmap_iter it;
	struct pmap_entry cur;
	w->mm_stats[MM_LEAF_TOTAL]++;
	if (e->kind != PMAP_PAGE || !(e->flags & PMAP_ACCESSED))
		return;		/* not present, or old */
	pmap_iter_init(&it, &mm->pmap, pmd, pmd + PMD_SIZE);
	if (pmap_iter_next(&it, &cur) && age_entry(w, &it, &cur))
		w->mm_stats[MM_LEAF_YOUNG]++;
}

/*
 * Linux 6.12's test of the PMD entry's own accessed bit (lru_gen feature
 * 0x0004, should_clear_pmd_young; x86 has it): a table no TLB miss has
 * walked through since the last walk cleared the bit has no entry made
 * young since, so it is passed over; a young one is made old as the walk
 * goes (walk_pmd_range_locked, in batches under the PMD's lock; here at
 * once, under the mm's ptl the walk holds, so the trylock never fails).
 * Not when the scan is forced: an entry left young because its page
 * belonged to another node's or memcg's aging would be missed for good.
 * True if the table is to be looked at.
 */
static bool pmd_young_or_forced(struct age_walk *w, struct mm_struct *mm, uint64_t pmd)
{
	if (w->force_scan)
		return true;
	return pmap_pmd_test_and_clear_young(&mm->pmap, pmd);
}

/* The PTE slots of ranges[0..nr) (Linux's walk_pte_range): every slot
 * counts, each young entry mapping a page of the lruvec is made old and
 * its page promoted.  True if enough were young (suitable_to_scan). */
static bool walk_pte_ranges(struct age_walk *w, struct mm_struct *mm,
			    const uint64_t (*ranges)[2], unsigned nr)
{
	struct pmap_iter it;
	struct pmap_entry e;
	unsigned total = 0, young = 0;
	for (unsigned r = 0; r < nr; r++) {
		unsigned slots = (unsigned)((ranges[r][1] - ranges[r][0]) >> PAGE_SHIFT);
		total += slots;
		w->mm_stats[MM_LEAF_TOTAL] += slots;
		pmap_iter_init(&it, &mm->pmap, ranges[r][0], ranges[r][1]);
		while (pmap_iter_next(&it, &e)) {
			if (e.kind != PMAP_PAGE || e.pfn == w->s->zero_pfn)
				continue;	/* not present: neither old nor young */
			if ((e.flags & PMAP_ACCESSED) && age_entry(w, &it, &e)) {
				young++;
				w->mm_stats[MM_LEAF_YOUNG]++;
			}
		}
	}
	return suitable_to_scan(total, young);
}

/*
 * The PMD entry mapping [pmd, pmd + 2 MiB) of mm (Linux 6.12's
 * walk_pmd_range for one entry): ranges[0..nr) are the parts of the
 * walked VMAs inside it.  An empty or non-present entry counts as a
 * leaf; a huge leaf is aged like a PTE.  A PTE table is looked at only if
 * its PMD entry is young (then made old) and the Bloom filter of this
 * walk's seq has it, or the scan is forced; when enough of its entries
 * were young it goes into the next seq's filter.  A table passed over
 * for its old PMD entry counts nowhere (6.12 has no such stat).  mm's
 * ptl held.
 */
static void walk_pmd(struct age_walk *w, struct mm_struct *mm, uint64_t pmd,
		     const uint64_t (*ranges)[2], unsigned nr)
{
	struct lru_gen_mm_state *st = &w->lv->mm_state;
	struct pmap_entry e;
	VM_BUG_ON(pmd & ~PMD_MASK);
	VM_BUG_ON(nr == 0 || ranges[0][0] < pmd || ranges[nr - 1][1] > pmd + PMD_SIZE);
	if (pmap_pmd_none(&mm->pmap, pmd)) {
		w->mm_stats[MM_LEAF_TOTAL]++;
		return;
	}
	if (pmap_lookup(&mm->pmap, ranges[0][0], &e) != PMAP_EMPTY && (e.flags & PMAP_HUGE)) {
		walk_huge_pmd(w, mm, pmd, &e);
		return;
	}
	if (!pmd_young_or_forced(w, mm, pmd))
		return;
	if (!w->force_scan && !test_bloom_filter(st, w->seq, mm, pmd))
		return;
	w->mm_stats[MM_NONLEAF_FOUND]++;
	if (!walk_pte_ranges(w, mm, ranges, nr))
		return;
	w->mm_stats[MM_NONLEAF_ADDED]++;
	/* Carried over: the next walk looks at this table again. */
	update_bloom_filter(st, w->seq + 1, mm, pmd);
}

/* One address space, PMD entry by PMD entry over the VMAs the walk
 * takes (Linux finishes a PMD's table across small neighbouring VMAs,
 * as here: a PMD entry is looked at once). */
static void walk_mm(struct age_walk *w, struct mm_struct *mm)
{
	/* Another walker opened the generation meanwhile: nothing to do. */
	if (__atomic_load_n(&w->lv->lrugen.max_seq, __ATOMIC_ACQUIRE) != w->seq)
		return;
	if (pthread_rwlock_tryrdlock(&mm->mmap_lock))
		return;		/* busy (its owner may hold it for writing): skipped */
	spin_lock(&mm->ptl);
	/* A PMD entry maps 512 pages: at most 512 VMA parts. */
	static __thread uint64_t ranges[PMD_SIZE / PAGE_SIZE][2];
	uint64_t addr = 0;	/* where the walk goes on */
	int i = 0, n = mm->vmas.n;
	while (i < n) {
		struct vm_area_struct *v = mm->vmas.v[i];
		if (v->vm_end <= addr || skip_vma(v, w->can_swap)) {
			i++;
			continue;
		}
		uint64_t start = v->vm_start > addr ? v->vm_start : addr;
		uint64_t pmd = start & PMD_MASK, pmd_end = pmd + PMD_SIZE;
		unsigned nr = 0;
		/* Every walked VMA part inside this PMD entry (the VMAs are
		 * sorted: each starts past start). */
		for (int j = i; j < n && mm->vmas.v[j]->vm_start < pmd_end; j++) {
			struct vm_area_struct *u = mm->vmas.v[j];
			uint64_t lo = u->vm_start > start ? u->vm_start : start;
			uint64_t hi = u->vm_end < pmd_end ? u->vm_end : pmd_end;
			if (hi <= lo || skip_vma(u, w->can_swap))
				continue;
			VM_BUG_ON(nr >= PMD_SIZE / PAGE_SIZE);
			ranges[nr][0] = lo;
			ranges[nr][1] = hi;
			nr++;
		}
		walk_pmd(w, mm, pmd, (const uint64_t(*)[2])ranges, nr);
		addr = pmd_end;
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
 * entries, as Linux's (a huge entry's page has its own walk).  When
 * enough were young, the PMD entry goes into the Bloom filter of the
 * current max_seq: the aging's next walk looks at its table (Linux's
 * feedback from the rmap walkers to the page-table walkers).
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
	uint64_t max_seq = __atomic_load_n(&lv->lrugen.max_seq, __ATOMIC_RELAXED);
	struct age_walk w = { .s = s, .lv = lv, .new_gen = gen_of(max_seq), .seq = max_seq,
			      .can_swap = true };
	struct mm_struct *mm = vma->vm_mm;
	struct pmap_iter it;
	struct pmap_entry e;
	unsigned young = 0;
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, start, end);
	while (pmap_iter_next(&it, &e))
		if (it.size == PAGE_SIZE)
			young += age_entry(&w, &it, &e);
	spin_unlock(&mm->ptl);
	/* The young entry that brought eviction here counts among them, as
	 * in Linux (whose loop clears it; here rmap did already). */
	if (suitable_to_scan((unsigned)((end - start) >> PAGE_SHIFT), young + 1))
		update_bloom_filter(&lv->mm_state, max_seq, mm, addr & PMD_MASK);
}

/*
 * Linux's iterate_mm_list, under the memcg's mm list lock: the next mm of
 * the list for this walk, or NULL; *last when the walk passed the end of
 * the list (the caller then says, in the lruvec's mm_state.seq, that this
 * seq's walk is done).  The walk for seq goes on where the previous step left off, from
 * the start of the list at first; an mm that has not run since this
 * node's aging last walked it is passed over, unless the scan is forced
 * (the first walk ever, and mm's added since the last walk ended).
 */
static struct mm_struct *iterate_mm_list(struct age_walk *w, struct list_head *fifo, bool *last)
{
	struct lru_gen_mm_state *st = &w->lv->mm_state;
	uint64_t bit = 1ULL << (w->lv->pgdat->id % 64);
	struct mm_struct *mm = NULL;
	bool first = false;
	*last = false;
	VM_BUG_ON(st->seq + 1 < w->seq);
	if (w->seq <= st->seq)
		goto done;	/* this seq's walk is over: nothing left */
	if (!st->head)
		st->head = fifo;
	if (st->head == fifo)
		first = true;
	for (;;) {
		st->head = st->head->next;
		if (st->head == fifo) {
			*last = true;	/* the caller moves seq on (lru_gen_age) */
			break;
		}
		/* Past the mark of the last walk's end: new mm's, forced. */
		if (!st->tail || st->tail == st->head) {
			st->tail = st->head->next;
			w->force_scan = true;
		}
		mm = list_entry(st->head, struct mm_struct, mm_list);
		uint64_t map = __atomic_load_n(&mm->lru_gen_bitmap, __ATOMIC_RELAXED);
		/* A task still on its CPU has been running all along: Linux's
		 * context switches set the bit again, mmsim switches only
		 * between tasks (task_enter). */
		if (__atomic_load_n(&mm->pmap.cpumask, __ATOMIC_RELAXED))
			map |= bit;
		if (w->force_scan || (map & bit)) {
			__atomic_fetch_and(&mm->lru_gen_bitmap, ~bit, __ATOMIC_RELAXED);
			break;
		}
		mm = NULL;	/* has not run since: none of its entries can be young */
	}
done:
	/* What this walker counted so far joins the lruvec's stats (one
	 * history generation: running totals). */
	for (int i = 0; i < NR_MM_STATS; i++) {
		__atomic_store_n(&st->stats[i], st->stats[i] + w->mm_stats[i], __ATOMIC_RELAXED);
		w->mm_stats[i] = 0;
	}
	/* The first mm of a new walk: the filter it fills starts empty. */
	if (mm && first)
		reset_bloom_filter(st, w->seq + 1);
	return mm;
}

/*
 * Linux's try_to_inc_max_seq: the aging of lv for max_seq walks the page
 * tables of its memcg's address spaces (the mm list), each handed to one
 * walker, then opens a new generation - the walker that finished the list
 * does.  False when another aging of lv got there first.  Here a walker
 * holds the list's lock for its whole walk (no mm can go meanwhile), so
 * another one finds the walk done when it gets the lock.
 */
bool lru_gen_age(struct mm_sys *s, struct lruvec *lv, uint64_t max_seq, bool can_swap,
		 const struct hw_cpu *cpu)
{
	struct pglist_data *nd = lv->pgdat;
	struct lru_gen_mm_state *st = &lv->mm_state;
	if (max_seq <= __atomic_load_n(&st->seq, __ATOMIC_ACQUIRE))
		return false;
	struct age_walk w = { .s = s, .lv = lv, .new_gen = gen_of(max_seq), .seq = max_seq,
			      .can_swap = can_swap };
	pthread_mutex_t *lock;
	struct list_head *fifo = mm_list_of(s, lv->memcg, &lock);
	bool last = false;
	bool aged = false;
	pthread_mutex_lock(lock);
	for (struct mm_struct *mm; (mm = iterate_mm_list(&w, fifo, &last));)
		walk_mm(&w, mm);
	if (last) {
		/* The new generation first, then the walk state says this
		 * seq is done: an aging that finds it done (even without the
		 * lock) then finds the new max_seq too, never a window where
		 * neither may age (Linux's has one: its caller gives up a
		 * priority there). */
		spin_lock(&nd->lru_lock);
		aged = lv->lrugen.max_seq == max_seq;
		if (aged)
			inc_max_seq(&lv->lrugen, can_swap, mm_clock_ms(s, cpu));
		spin_unlock(&nd->lru_lock);
		__atomic_store_n(&st->seq, st->seq + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(lock);
	return aged;
}

void lru_gen_mm_state_read(struct lruvec *lv, uint64_t *seq, uint64_t stats[NR_MM_STATS])
{
	*seq = __atomic_load_n(&lv->mm_state.seq, __ATOMIC_RELAXED);
	for (int i = 0; i < NR_MM_STATS; i++)
		stats[i] = __atomic_load_n(&lv->mm_state.stats[i], __ATOMIC_RELAXED);
}

/* ---- eviction ----------------------------------------------------------------------- */

/*
 * Linux 6.12's should_run_aging, rule for rule: out of cold pages (nothing
 * to scan), age; more than MIN_NR_GENS + 1 generations, do not; else age
 * when the spread is off (the youngest over 1/MIN_NR_GENS of the pages, or
 * the oldest eligible under 1/(MIN_NR_GENS + 2)).  Linux 6.14 dropped the
 * spread test; 6.12 has it.
 */
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

uint64_t lru_gen_evictable_size(const struct lruvec *lv, bool can_swap)
{
	const struct lru_gen *g = &lv->lrugen;
	uint64_t max_seq = __atomic_load_n(&g->max_seq, __ATOMIC_ACQUIRE), total = 0;
	/* Without the lock, as Linux's: a count may be caught mid-move. */
	for (int type = !can_swap; type < 2; type++)
		for (uint64_t seq = __atomic_load_n(&g->min_seq[type], __ATOMIC_RELAXED);
		     seq <= max_seq; seq++) {
			int64_t n = __atomic_load_n(&g->nr_pages[gen_of(seq)][type], __ATOMIC_RELAXED);
			total += n > 0 ? (uint64_t)n : 0;
		}
	return total;
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

/* ---- the memcg LRU: the order of the memcgs for the machine's reclaim ------------------ */

uint32_t lru_gen_random_below(struct mm_sys *s, uint32_t n)
{
	/* splitmix64 over an atomic counter: every draw, from any thread,
	 * takes the next value of one sequence fixed by the seed. */
	uint64_t z = __atomic_add_fetch(&s->rng, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	/* The high 32 bits scaled to [0, n), as Linux's multiply-shift. */
	return (uint32_t)(((z >> 32) * n) >> 32);
}

static unsigned memcg_gen_of(uint64_t seq)
{
	return (unsigned)(seq % MEMCG_NR_GENS);
}

void lru_gen_init_pgdat(struct pglist_data *nd)
{
	struct memcg_lru *ml = &nd->memcg_lru;
	spin_lock_init(&ml->lock);
	ml->seq = 0;
	for (int g = 0; g < MEMCG_NR_GENS; g++) {
		ml->nr_memcgs[g] = 0;
		for (int b = 0; b < MEMCG_NR_BINS; b++)
			list_init(&ml->fifo[g][b]);
	}
}

/* One generation emptied: when it was the old one, the young one becomes
 * old (lock held). */
static void memcg_lru_leave(struct memcg_lru *ml, unsigned gen)
{
	VM_BUG_ON(!ml->nr_memcgs[gen]);
	ml->nr_memcgs[gen]--;
	if (!ml->nr_memcgs[gen] && gen == memcg_gen_of(ml->seq))
		__atomic_store_n(&ml->seq, ml->seq + 1, __ATOMIC_RELAXED);
}

void lru_gen_rotate_memcg_locked(struct memcg_lru *ml, struct lruvec *lv, int op, unsigned bin)
{
	struct lru_gen *g = &lv->lrugen;
	unsigned old = g->memcg_gen, new = old;
	uint8_t seg = 0;
	VM_BUG_ON(list_empty(&g->memcg_list));
	VM_BUG_ON(bin >= MEMCG_NR_BINS);
	if (op == MEMCG_LRU_HEAD || op == MEMCG_LRU_TAIL)
		seg = (uint8_t)op;
	else if (op == MEMCG_LRU_OLD)
		new = memcg_gen_of(ml->seq);
	else if (op == MEMCG_LRU_YOUNG)
		new = memcg_gen_of(ml->seq + 1);
	else
		VM_BUG_ON(1);
	__atomic_store_n(&g->memcg_seg, seg, __ATOMIC_RELAXED);
	__atomic_store_n(&g->memcg_gen, (uint8_t)new, __ATOMIC_RELAXED);
	list_del(&g->memcg_list);
	/* HEAD and OLD: reclaimed first in its generation; TAIL and YOUNG:
	 * last. */
	if (op == MEMCG_LRU_HEAD || op == MEMCG_LRU_OLD)
		list_add(&g->memcg_list, &ml->fifo[new][bin]);
	else
		list_add_tail(&g->memcg_list, &ml->fifo[new][bin]);
	ml->nr_memcgs[new]++;
	memcg_lru_leave(ml, old);
}

void lru_gen_rotate_memcg(struct mm_sys *s, struct lruvec *lv, int op)
{
	struct memcg_lru *ml = &lv->pgdat->memcg_lru;
	unsigned bin = lru_gen_random_below(s, MEMCG_NR_BINS);
	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, lv, op, bin);
	spin_unlock(&ml->lock);
}

void lru_gen_online_memcg(struct mm_sys *s, struct mem_cgroup *memcg)
{
	/* One bin for every node, as Linux draws it once per memcg. */
	unsigned bin = lru_gen_random_below(s, MEMCG_NR_BINS);
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		struct lruvec *lv = mem_cgroup_lruvec(s, memcg, n);
		struct memcg_lru *ml = &s->node[n].memcg_lru;
		spin_lock(&ml->lock);
		unsigned gen = memcg_gen_of(ml->seq);
		__atomic_store_n(&lv->lrugen.memcg_gen, (uint8_t)gen, __ATOMIC_RELAXED);
		__atomic_store_n(&lv->lrugen.memcg_seg, 0, __ATOMIC_RELAXED);
		list_add_tail(&lv->lrugen.memcg_list, &ml->fifo[gen][bin]);
		ml->nr_memcgs[gen]++;
		spin_unlock(&ml->lock);
	}
}

int lru_gen_memcg_seg(const struct lruvec *lv)
{
	return __atomic_load_n(&lv->lrugen.memcg_seg, __ATOMIC_RELAXED);
}

/* Is pos one of ml's bin heads (the end of a bin's list, Linux's nulls
 * marker)?  Then *gen is the generation whose list it ends. */
static bool memcg_lru_is_head(const struct memcg_lru *ml, const struct list_head *pos,
			      unsigned *gen)
{
	const struct list_head *first = &ml->fifo[0][0];
	if (pos < first || pos >= first + MEMCG_NR_GENS * MEMCG_NR_BINS)
		return false;
	*gen = (unsigned)((pos - first) / MEMCG_NR_BINS);
	return true;
}

uint64_t lru_gen_shrink_many(struct mm_sys *s, unsigned nid,
			     int (*shrink_one)(void *arg, struct lruvec *lv),
			     bool (*should_abort)(void *arg), void *arg)
{
	struct memcg_lru *ml = &s->node[nid].memcg_lru;
	unsigned gen = memcg_gen_of(__atomic_load_n(&ml->seq, __ATOMIC_RELAXED));
	unsigned first_bin = lru_gen_random_below(s, MEMCG_NR_BINS), bin = first_bin;
	uint64_t visited = 0;
	for (;;) {
		struct lruvec *prev = NULL;
		int op = MEMCG_LRU_NOP;
		bool aborted = false;
		unsigned end_gen = gen;
		spin_lock(&ml->lock);
		struct list_head *pos = ml->fifo[gen][bin].next;
		while (!memcg_lru_is_head(ml, pos, &end_gen)) {
			struct lruvec *lv = list_entry(pos, struct lruvec, lrugen.memcg_list);
			/* The previous one moves only now that the walk is past
			 * it (Linux rotates it at the next step, too). */
			if (op) {
				lru_gen_rotate_memcg_locked(ml, prev, op,
							    lru_gen_random_below(s, MEMCG_NR_BINS));
				op = MEMCG_LRU_NOP;
			}
			/* Met after the walk followed a moved lruvec into
			 * another generation's bin: not this generation's. */
			if (lv->lrugen.memcg_gen != gen) {
				pos = pos->next;
				continue;
			}
			spin_unlock(&ml->lock);
			op = shrink_one(arg, lv);
			prev = lv;
			visited++;
			bool stop = should_abort(arg);	/* reads the node's free pages */
			spin_lock(&ml->lock);
			if (stop) {
				aborted = true;
				break;
			}
			/* From where lv is now: another reclaimer may have
			 * moved it meanwhile, and the walk follows. */
			pos = pos->next;
		}
		if (op)
			lru_gen_rotate_memcg_locked(ml, prev, op, lru_gen_random_below(s, MEMCG_NR_BINS));
		spin_unlock(&ml->lock);
		if (aborted)
			break;
		/* Ended in another generation's bin: this one again. */
		if (end_gen != gen)
			continue;
		bin = (bin + 1) % MEMCG_NR_BINS;
		if (bin == first_bin)
			break;
	}
	return visited;
}
