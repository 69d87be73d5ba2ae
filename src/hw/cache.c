/*
 * cache.c - each CPU's data cache and what a miss costs: the latency of
 * the node that holds the line, by its SLIT distance from the CPU's node.
 *
 * One set-associative cache per CPU stands for the CPU's whole on-chip
 * hierarchy (docs/cost-model.md says why one level).  Lines are tagged by
 * physical address and the frame's generation (hw.h, "data caches"); the
 * hit path is hw_cache_access() in hw.h, the miss path is here.  Victims
 * are chosen round-robin per set, as the TLBs' are: a hit only notes its
 * line as the CPU's last, which keeps the hit path to tag compares.
 */
#include "hw.h"

#include <errno.h>
#include <sys/mman.h>

static size_t cache_bytes(const struct mmsim_config *cfg)
{
	return (size_t)cfg->cache_sets * cfg->cache_ways * sizeof(uint64_t) + cfg->cache_sets;
}

/* A miss on node n's memory from a CPU of node `from`: cost.mem_local
 * scaled by the SLIT distance, which ACPI defines as relative latency
 * (10: local), rounded to the nearest cycle. */
static uint64_t miss_latency(const struct hw_machine *hw, unsigned from, unsigned n)
{
	uint64_t d = hw_node_distance(hw, from, n);
	return ((uint64_t)hw->cfg.cost.mem_local * d + 5) / 10;
}

static int cache_init(struct hw_cpu *cpu)
{
	struct hw_machine *hw = cpu->hw;
	const struct mmsim_config *cfg = &hw->cfg;
	struct hw_cache *c = &cpu->cache;

	c->tag = hw_zero_alloc(cache_bytes(cfg));
	if (!c->tag)
		return -ENOMEM;
	c->next = (uint8_t *)(c->tag + (size_t)cfg->cache_sets * cfg->cache_ways);
	c->set_mask = cfg->cache_sets - 1;
	c->ways = cfg->cache_ways;
	for (unsigned n = 0; n < hw->nr_nodes; n++)
		c->lat[n] = miss_latency(hw, cpu->node, n);
	return 0;
}

int hw_caches_init(struct hw_machine *hw)
{
	if (!hw->cfg.cache)
		return 0;
	/* The frames' generations: lazily backed, as the frames are, so a
	 * frame never freed costs the host nothing here either. */
	size_t bytes = (size_t)hw->nr_pfns * sizeof *hw->frame_gen;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	hw->frame_gen = p;
	for (unsigned c = 0; c < hw->nr_cpus; c++)
		if (cache_init(&hw->cpu[c]))
			return -ENOMEM;
	return 0;
}

/* Also after a failed hw_caches_init(). */
void hw_caches_destroy(struct hw_machine *hw)
{
	for (unsigned c = 0; c < hw->nr_cpus; c++) {
		hw_zero_free(hw->cpu[c].cache.tag, cache_bytes(&hw->cfg));
		hw->cpu[c].cache.tag = NULL;
	}
	if (hw->frame_gen)
		munmap(hw->frame_gen, (size_t)hw->nr_pfns * sizeof *hw->frame_gen);
	hw->frame_gen = NULL;
}

/*
 * A line the cache lacks: read from the node holding frame pfn, charged
 * at that node's latency from this CPU, and put in place of the set's
 * round-robin victim.  Stores take the same path: a write-allocate cache
 * reads the line for ownership before the store lands in it.
 */
void hw_cache_miss(struct hw_cpu *cpu, uint64_t *set, uint64_t tag, uint64_t pfn)
{
	struct hw_cache *c = &cpu->cache;
	size_t s = (size_t)(set - c->tag) / c->ways;
	unsigned node = hw_pfn_node(cpu->hw, pfn);
	uint64_t lat = c->lat[node];
	unsigned victim = c->next[s];

	set[victim] = tag;
	c->next[s] = (uint8_t)(victim + 1 == c->ways ? 0 : victim + 1);
	cpu->cnt.cache_misses++;
	cpu->cnt.cycles += lat;
	if (node == cpu->node) {
		cpu->cnt.mem_local++;
		cpu->cnt.mem_local_cycles += lat;
	} else {
		cpu->cnt.mem_remote++;
		cpu->cnt.mem_remote_cycles += lat;
	}
}
