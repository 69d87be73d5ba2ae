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
 * Built once at boot (mmsim has no memory hotplug and no driver that
 * registers a memory type later), read without locks afterwards.  Owns
 * mm_sys.tiers; reads the machine's configuration and the zonelists'
 * node choice (page_alloc.c).
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
