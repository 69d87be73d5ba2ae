/*
 * memory_tiers.c - the machine's memory tiers, as Linux 6.12's
 * mm/memory-tiers.c builds them, and the demotion targets reclaim uses.
 *
 * Every node has an abstract distance (adistance: the machine's
 * cfg.adistance, ordinary DRAM's MMSIM_ADISTANCE_DRAM unless set).  Nodes
 * whose adistances fall in the same chunk of 128 share a tier; tiers are
 * ordered by their chunk, the fastest first.  Then, as
 * establish_demotion_targets:
 *  - a node demotes to the nearest nodes (SLIT distance, ties kept) of
 *    the tier right below its own; the lowest tier demotes nowhere;
 *  - an allocation for a demoted page may fall back to any node of any
 *    tier below the source's (lower_mask);
 *  - the top tiers are every tier up to the slowest one that holds a CPU
 *    (top_tier_adistance): promotion only ever lifts pages out of the
 *    tiers below them.
 * Linux picks one of several equally near targets at random; here they
 * take turns (a per-node cursor), so that runs repeat.
 *
 * Promotion (kernel.numa_balancing's memory tiering mode): a lower-tier
 * page's hinting fault promotes it to the faulting CPU's node when the
 * fault comes soon enough after the scan that made the page inaccessible
 * (the hot threshold, sysctl numa_balancing_hot_threshold_ms, adjusted
 * every scan_period_max so that the candidates per second approach the
 * rate limit), and fewer than promote_rate_limit_MBps of candidates went
 * to that node in the last second; with plenty of free memory there the
 * page goes at once (Linux's should_numa_migrate_memory, first half).
 *
 * The tiers are built once at boot (mmsim has no memory hotplug and no
 * driver that registers a memory type later) and read without locks.
 * Owns mm_sys.tiers and the nodes' promotion state (pglist_data's nbp_
 * fields); reads the machine's configuration, the zonelists' node choice
 * (page_alloc.c) and the faulting CPU's clock.
 */
#include "mm.h"

#define MEMTIER_CHUNK_BITS 7
#define MEMTIER_CHUNK_SIZE (1u << MEMTIER_CHUNK_BITS)

static unsigned node_adistance(const struct mm_sys *s, unsigned nid)
{
	unsigned a = s->hw->cfg.adistance[nid];
	return a ? a : MMSIM_ADISTANCE_DRAM;
}

/* Puts every node in the tier of its adistance's chunk, tiers sorted. */
static void build_tiers(struct mm_sys *s)
{
	struct memory_tiers *t = &s->tiers;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		unsigned start = node_adistance(s, n) & ~(MEMTIER_CHUNK_SIZE - 1);
		unsigned k = 0;
		while (k < t->nr && t->adist_start[k] < start)
			k++;
		if (k == t->nr || t->adist_start[k] != start) {
			for (unsigned j = t->nr; j > k; j--) {
				t->adist_start[j] = t->adist_start[j - 1];
				t->nodes[j] = t->nodes[j - 1];
			}
			t->adist_start[k] = start;
			t->nodes[k] = 0;
			t->nr++;
		}
		t->nodes[k] |= 1ULL << n;
	}
	for (unsigned k = 0; k < t->nr; k++)
		for (unsigned n = 0; n < s->nr_nodes; n++)
			if (t->nodes[k] & (1ULL << n))
				t->node_tier[n] = (uint8_t)k;
}

/* The nearest nodes of the tier below nid's, all those at the best
 * distance (Linux walks find_next_best_node with every other node marked
 * used, so its load and CPU rules break ties in the order, not the set). */
static uint64_t preferred_targets(struct mm_sys *s, unsigned nid)
{
	const struct memory_tiers *t = &s->tiers;
	unsigned k = t->node_tier[nid];
	if (k + 1 >= t->nr)
		return 0;
	uint64_t all = s->nr_nodes == 64 ? ~0ULL : (1ULL << s->nr_nodes) - 1;
	uint64_t used = all & ~t->nodes[k + 1], pref = 0;
	int best = -1;
	for (int n; (n = find_next_best_node(s, nid, &used, true)) >= 0;) {
		int d = (int)node_distance(s, nid, (unsigned)n);
		if (best >= 0 && d != best)
			break;
		best = d;
		pref |= 1ULL << n;
	}
	return pref;
}

void memory_tiers_init(struct mm_sys *s)
{
	struct memory_tiers *t = &s->tiers;
	build_tiers(s);
	for (unsigned n = 0; n < s->nr_nodes; n++)
		t->demote_pref[n] = preferred_targets(s, n);
	/* The slowest tier with a CPU, and everything above it, is "top". */
	t->top_tier_adistance = t->adist_start[0] + MEMTIER_CHUNK_SIZE - 1;
	for (unsigned k = t->nr; k-- > 0;) {
		bool cpus = false;
		for (unsigned n = 0; n < s->nr_nodes; n++)
			cpus |= (t->nodes[k] & (1ULL << n)) && s->hw->node[n].cpumask;
		if (cpus) {
			t->top_tier_adistance = t->adist_start[k] + MEMTIER_CHUNK_SIZE - 1;
			break;
		}
	}
	uint64_t below = 0;
	for (unsigned k = t->nr; k-- > 0;) {
		t->lower_mask[k] = below;
		below |= t->nodes[k];
	}
	t->demotion_enabled = s->hw->cfg.demotion_enabled;
}

int next_demotion_node(struct mm_sys *s, unsigned nid)
{
	struct memory_tiers *t = &s->tiers;
	uint64_t pref = t->demote_pref[nid];
	if (!t->demotion_enabled || !pref)
		return -1;
	unsigned nr = (unsigned)__builtin_popcountll(pref);
	unsigned pick = __atomic_fetch_add(&t->demote_next[nid], 1, __ATOMIC_RELAXED) % nr;
	for (unsigned n = 0;; n++)
		if ((pref & (1ULL << n)) && !pick--)
			return (int)n;
}

bool node_can_demote(const struct mm_sys *s, unsigned nid)
{
	return s->tiers.demotion_enabled && s->tiers.demote_pref[nid];
}

uint64_t node_demotion_targets(const struct mm_sys *s, unsigned nid)
{
	return s->tiers.lower_mask[s->tiers.node_tier[nid]];
}

bool node_is_toptier(const struct mm_sys *s, unsigned nid)
{
	const struct memory_tiers *t = &s->tiers;
	return t->adist_start[t->node_tier[nid]] <= t->top_tier_adistance;
}

/* ---- promotion ------------------------------------------------------------------- */

#define NUMA_MIGRATION_ADJUST_STEPS 16

/* Linux's pgdat_free_space_enough: nid has, above its promotion
 * watermark, a sixteenth of itself or 1 GiB free, whichever is more. */
static bool free_space_enough(struct mm_sys *s, unsigned nid)
{
	uint64_t enough = s->node[nid].nr_pages >> 4;
	if (enough < (1ULL << (30 - PAGE_SHIFT)))
		enough = 1ULL << (30 - PAGE_SHIFT);
	return node_pages_above(s, nid, WMARK_PROMO) > (int64_t)enough;
}

/* Claims a window that started at *start more than period ms before now:
 * one fault of many racing does the window's work. */
static bool window_claim(uint64_t *start, uint64_t now, uint64_t period)
{
	uint64_t was = __atomic_load_n(start, __ATOMIC_RELAXED);
	return now - was > period && __atomic_compare_exchange_n(start, &was, now, false,
								  __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Linux's numa_promotion_adjust_threshold: once per scan_period_max, the
 * threshold moves a sixteenth of twice the default towards whatever makes
 * the candidates of the period match what the rate limit allows. */
static void adjust_threshold(struct mm_sys *s, struct pglist_data *nd, uint64_t rate_limit,
			     unsigned ref_th, uint64_t now)
{
	unsigned period = s->hw->cfg.numa_balancing_scan_period_max_ms;
	if (!window_claim(&nd->nbp_th_start, now, period))
		return;
	uint64_t ref_cand = rate_limit * period / 1000;
	uint64_t nr_cand = __atomic_load_n(&nd->promote_candidates, __ATOMIC_RELAXED);
	uint64_t diff = nr_cand - __atomic_load_n(&nd->nbp_th_nr_cand, __ATOMIC_RELAXED);
	unsigned unit = ref_th * 2 / NUMA_MIGRATION_ADJUST_STEPS;
	unsigned th = __atomic_load_n(&nd->nbp_threshold, __ATOMIC_RELAXED);
	if (!th)
		th = ref_th;
	if (diff > ref_cand * 11 / 10)
		th = th > 2 * unit ? th - unit : unit;
	else if (diff < ref_cand * 9 / 10)
		th = th + unit < ref_th * 2 ? th + unit : ref_th * 2;
	__atomic_store_n(&nd->nbp_th_nr_cand, nr_cand, __ATOMIC_RELAXED);
	__atomic_store_n(&nd->nbp_threshold, th, __ATOMIC_RELAXED);
}

/* Linux's numa_promotion_rate_limit: counts nr candidates into nd; true
 * when this second's candidates have reached the limit. */
static bool rate_limited(struct mm_sys *s, struct pglist_data *nd, uint64_t rate_limit,
			 unsigned nr, uint64_t now)
{
	uint64_t nr_cand = __atomic_add_fetch(&nd->promote_candidates, nr, __ATOMIC_RELAXED);
	count_vm_events(s, MMSIM_VM_pgpromote_candidate, nr);
	if (window_claim(&nd->nbp_rl_start, now, 1000))
		__atomic_store_n(&nd->nbp_rl_nr_cand, nr_cand, __ATOMIC_RELAXED);
	return nr_cand - __atomic_load_n(&nd->nbp_rl_nr_cand, __ATOMIC_RELAXED) >= rate_limit;
}

bool numa_promotion_allowed(struct mm_sys *s, struct hw_cpu *cpu, struct page *head,
			    unsigned dst_nid)
{
	struct pglist_data *nd = &s->node[dst_nid];
	const struct mmsim_config *c = &s->hw->cfg;
	if (free_space_enough(s, dst_nid)) {
		/* The workload changed: back to the default threshold. */
		__atomic_store_n(&nd->nbp_threshold, 0, __ATOMIC_RELAXED);
		return true;
	}
	unsigned def_th = c->numa_balancing_hot_threshold_ms;
	uint64_t rate_limit = (uint64_t)c->numa_balancing_promote_rate_limit_mbps << (20 - PAGE_SHIFT);
	uint64_t now = hw_cpu_ms(cpu);
	adjust_threshold(s, nd, rate_limit, def_th, now);
	unsigned th = __atomic_load_n(&nd->nbp_threshold, __ATOMIC_RELAXED);
	if (!th)
		th = def_th;
	/* Linux's numa_hint_fault_latency: since the scan that hid it. */
	unsigned latency = (unsigned)(now - folio_xchg_access_time(s, head, now)) &
			   PAGE_ACCESS_TIME_MASK;
	if (latency >= th)
		return false;
	return !rate_limited(s, nd, rate_limit, 1u << head->order, now);
}
