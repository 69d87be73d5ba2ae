/*
 * machine.c - nodes, physical frames and CPUs of the simulated machine.
 *
 * Physical memory is one host mapping reserved with MAP_NORESERVE: a frame
 * costs the host nothing until the simulation first writes to it, and a
 * freed block can be handed back with hw_discard_frames().  Node n owns the
 * contiguous frames [n * pfns_per_node, (n + 1) * pfns_per_node).  Also
 * the configuration's defaults and checks, and what copying and zeroing
 * frames cost.
 */
#include "hw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

void *hw_zero_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer scans the heap, not mappings of our own: what
	 * only this memory points to would look leaked. */
	__lsan_register_root_region(p, bytes);
#endif
	return p;
}

void hw_zero_free(void *p, size_t bytes)
{
	if (!p)
		return;
#ifdef __SANITIZE_ADDRESS__
	__lsan_unregister_root_region(p, bytes);
#endif
	munmap(p, bytes);
}

static size_t tlb_bytes(const struct tlb *t)
{
	return ((size_t)t->sets4k * t->ways4k + (size_t)t->sets2m * t->ways2m) *
	       sizeof(struct tlb_entry);
}

/* Both arrays in one mapping, all entries TLB_INVALID (zero). */
static int tlb_alloc(struct tlb *t, const struct mmsim_config *cfg)
{
	t->sets4k = cfg->tlb4k_sets;
	t->ways4k = cfg->tlb4k_ways;
	t->sets2m = cfg->tlb2m_sets;
	t->ways2m = cfg->tlb2m_ways;
	t->e4k = hw_zero_alloc(tlb_bytes(t));
	t->e2m = t->e4k ? t->e4k + (size_t)t->sets4k * t->ways4k : NULL;
	t->next4k = calloc(t->sets4k, 1);
	t->next2m = calloc(t->sets2m, 1);
	if (!t->e4k || !t->next4k || !t->next2m)
		return -ENOMEM;
	return 0;
}

static void tlb_free(struct tlb *t)
{
	hw_zero_free(t->e4k, tlb_bytes(t));
	free(t->next4k);
	free(t->next2m);
}

int hw_machine_create(const struct mmsim_config *cfg, struct hw_machine **out)
{
	int err = mmsim_config_check(cfg, NULL, 0);
	if (err)
		return err;

	/* Room for 64 nodes and CPUs, of which a machine writes its own. */
	struct hw_machine *hw = hw_zero_alloc(sizeof *hw);
	if (!hw)
		return -ENOMEM;
	hw->cfg = *cfg;
	hw->nr_nodes = cfg->nodes;
	hw->nr_cpus = cfg->cpus;
	hw->pfns_per_node = cfg->mem_per_node >> PAGE_SHIFT;
	if (hw->pfns_per_node > 1 && hw->pfns_per_node * cfg->nodes <= UINT64_MAX / hw->pfns_per_node)
		hw->node_magic = UINT64_MAX / hw->pfns_per_node + 1;
	hw->nr_pfns = hw->pfns_per_node * cfg->nodes;
	hw->next_asid = 1;
	hw->threaded = cfg->threaded;

	size_t bytes = (size_t)(hw->nr_pfns << PAGE_SHIFT);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		hw_zero_free(hw, sizeof *hw);
		return -ENOMEM;
	}
	hw->phys = p;
	/* The host backs the frames with its own huge pages where it can: a
	 * scenario that writes hundreds of MiB takes 512 times fewer host
	 * faults (2-3 times faster on a VM, where a fault is dear), for host
	 * memory paid per 2 MiB touched rather than per 4 KiB.  Advice only:
	 * a host without THP ignores it. */
	madvise(p, bytes, MADV_HUGEPAGE);

	for (unsigned n = 0; n < hw->nr_nodes; n++) {
		hw->node[n].id = n;
		hw->node[n].start_pfn = n * hw->pfns_per_node;
		hw->node[n].nr_pfns = hw->pfns_per_node;
	}
	for (unsigned c = 0; c < hw->nr_cpus; c++) {
		struct hw_cpu *cpu = &hw->cpu[c];
		cpu->id = c;
		cpu->node = c % hw->nr_nodes;
		cpu->hw = hw;
		hw->node[cpu->node].cpumask |= 1ULL << c;
		if (tlb_alloc(&cpu->tlb, cfg)) {
			hw_machine_destroy(hw);
			return -ENOMEM;
		}
	}
	if (hw_caches_init(hw)) {
		hw_machine_destroy(hw);
		return -ENOMEM;
	}
	*out = hw;
	return 0;
}

void hw_machine_destroy(struct hw_machine *hw)
{
	if (!hw)
		return;
	hw_caches_destroy(hw);
	for (unsigned c = 0; c < hw->nr_cpus; c++)
		tlb_free(&hw->cpu[c].tlb);
	if (hw->phys)
		munmap(hw->phys, (size_t)(hw->nr_pfns << PAGE_SHIFT));
	hw_zero_free(hw, sizeof *hw);
}

void hw_zeroed_frames(struct hw_cpu *cpu, uint64_t n)
{
	cpu->cnt.pages_zeroed += n;
	hw_charge(cpu, n * cpu->hw->cfg.cost.page_zero);
}

void hw_zero_frames(struct hw_machine *hw, struct hw_cpu *cpu, uint64_t pfn, uint64_t n)
{
	memset(hw_frame(hw, pfn), 0, (size_t)(n << PAGE_SHIFT));
	if (cpu)
		hw_zeroed_frames(cpu, n);
}

/*
 * Copying a 4 KiB frame between nodes at SLIT distance d: the line
 * through (10, page_copy_local) and (20, page_copy_remote), so the two
 * configured figures keep their meaning on a two-node machine and a
 * farther node costs more in proportion (docs/cost-model.md), never less
 * than nothing when the figures are set the wrong way round.
 */
static uint64_t page_copy_cost(const struct hw_machine *hw, unsigned d)
{
	int64_t local = hw->cfg.cost.page_copy_local;
	int64_t remote = hw->cfg.cost.page_copy_remote;
	int64_t c = local + (remote - local) * ((int64_t)d - 10) / 10;
	return c > 0 ? (uint64_t)c : 0;
}

void hw_copy_frames(struct hw_machine *hw, struct hw_cpu *cpu, uint64_t dst_pfn, uint64_t src_pfn,
		    uint64_t n)
{
	memcpy(hw_frame(hw, dst_pfn), hw_frame(hw, src_pfn), (size_t)(n << PAGE_SHIFT));
	if (!cpu)
		return;
	unsigned d = hw_node_distance(hw, hw_pfn_node(hw, src_pfn), hw_pfn_node(hw, dst_pfn));
	cpu->cnt.pages_copied += n;
	hw_charge(cpu, n * page_copy_cost(hw, d));
}

void hw_discard_frames(struct hw_machine *hw, uint64_t pfn, uint64_t n)
{
	/* Only worth a system call for big blocks; the contents become zero. */
	madvise(hw_frame(hw, pfn), (size_t)(n << PAGE_SHIFT), MADV_DONTNEED);
}

/* ---- configuration ------------------------------------------------------- */

void mmsim_config_default(struct mmsim_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->nodes = 2;
	cfg->cpus = 2;
	cfg->mem_per_node = 256ULL << 20;
	cfg->thp = MMSIM_THP_NEVER;
	cfg->tlb4k_sets = 128;
	cfg->tlb4k_ways = 12;
	cfg->tlb2m_sets = 128;
	cfg->tlb2m_ways = 8;
	cfg->flush_ceiling = 33;
	cfg->flush_policy = MMSIM_FLUSH_GATHER;
	cfg->max_map_count = 65530;
	cfg->files = MMSIM_FILES_DISK;
	cfg->watermark_scale_factor = 10;
	cfg->numa_balancing_scan_delay_ms = 1000;
	cfg->numa_balancing_scan_period_min_ms = 1000;
	cfg->numa_balancing_scan_period_max_ms = 60000;
	cfg->numa_balancing_scan_size_mb = 256;
	cfg->numa_balancing_hot_threshold_ms = 1000;
	cfg->numa_balancing_promote_rate_limit_mbps = 65536;
	/* Where each figure comes from: docs/cost-model.md. */
	cfg->cost.tlb_hit = 1;
	cfg->cost.walk_level = 25;
	cfg->cost.fault = 1200;
	cfg->cost.invlpg = 200;
	cfg->cost.flush_full = 500;
	cfg->cost.ipi_send = 4000;
	cfg->cost.ipi_receive = 1500;
	cfg->cost.page_zero = 400;
	cfg->cost.page_copy_local = 700;
	cfg->cost.page_copy_remote = 1100;
	cfg->cost.disk_io = 60000;
	cfg->cost.cache_hit = 4;
	cfg->cost.mem_local = 225;
	cfg->cache = true;
	cfg->cache_sets = 2048;
	cfg->cache_ways = 16;
}

static bool pow2(unsigned x)
{
	return x && !(x & (x - 1));
}

/* All zero (the defaults), or a SLIT Linux accepts. */
static bool distances_ok(const struct mmsim_config *cfg)
{
	bool any = false;
	for (unsigned a = 0; a < MMSIM_MAX_NODES; a++)
		for (unsigned b = 0; b < MMSIM_MAX_NODES; b++)
			any |= cfg->distance[a][b] != 0;
	if (!any)
		return true;
	for (unsigned a = 0; a < cfg->nodes && a < MMSIM_MAX_NODES; a++)
		for (unsigned b = 0; b < cfg->nodes && b < MMSIM_MAX_NODES; b++) {
			unsigned d = cfg->distance[a][b];
			if (a == b ? d != 10 : (d < 11 || d > 254))
				return false;
		}
	return true;
}

int mmsim_config_check(const struct mmsim_config *cfg, char *err, unsigned errlen)
{
	const char *why = NULL;
	char buf[128];

	if (cfg->nodes < 1 || cfg->nodes > MMSIM_MAX_NODES)
		why = "nodes must be 1..64";
	else if (cfg->cpus < 1 || cfg->cpus > MMSIM_MAX_CPUS)
		why = "cpus must be 1..64";
	else if (cfg->mem_per_node < (8ULL << 20) || cfg->mem_per_node > (1ULL << 40) ||
		 cfg->mem_per_node % PMD_SIZE)
		why = "mem per node must be a multiple of 2 MiB from 8 MiB to 1 TiB";
	else if (cfg->mem_per_node * cfg->nodes > (4ULL << 40))
		why = "total memory must be at most 4 TiB";
	else if (!pow2(cfg->tlb4k_sets) || !pow2(cfg->tlb2m_sets) || cfg->tlb4k_sets > 65536 ||
		 cfg->tlb2m_sets > 65536)
		why = "TLB sets must be a power of two up to 65536";
	else if (cfg->tlb4k_ways < 1 || cfg->tlb4k_ways > 64 || cfg->tlb2m_ways < 1 ||
		 cfg->tlb2m_ways > 64)
		why = "TLB ways must be 1..64";
	else if (cfg->max_map_count < 1)
		why = "max_map_count must be positive";
	else if (cfg->thp > MMSIM_THP_MADVISE || cfg->flush_policy > MMSIM_FLUSH_PER_VMA)
		why = "bad THP mode or flush policy";
	else if (cfg->lru > MMSIM_LRU_CLASSIC)
		why = "bad LRU mode";
	else if (cfg->files > MMSIM_FILES_TMPFS)
		why = "bad file system";
	else if (!distances_ok(cfg))
		why = "distances must be 10 from a node to itself and 11..254 to another";
	else if (cfg->cache &&
		 (!pow2(cfg->cache_sets) || cfg->cache_ways < 1 || cfg->cache_ways > 64))
		why = "cache sets must be a power of two and cache ways 1..64";
	else if (cfg->cache && (uint64_t)cfg->cache_sets * cfg->cache_ways > (1ULL << 20))
		why = "cache must be at most 64 MiB (sets x ways x 64 bytes)";
	else if (cfg->watermark_scale_factor < 1 || cfg->watermark_scale_factor > 3000)
		why = "watermark_scale_factor must be 1..3000";
	else if ((uint64_t)cfg->min_free_kbytes * 1024 * 2 > cfg->mem_per_node * cfg->nodes)
		why = "min_free_kbytes must be at most half the machine's memory";
	else if (cfg->numa_balancing && (cfg->numa_balancing_scan_size_mb < 1 ||
					 cfg->numa_balancing_scan_size_mb > 1048576))
		why = "numa_balancing_scan_size_mb must be 1..1048576";
	else if (cfg->numa_balancing && (cfg->numa_balancing_scan_period_min_ms < 1 ||
					 cfg->numa_balancing_scan_period_min_ms >
						 cfg->numa_balancing_scan_period_max_ms ||
					 cfg->numa_balancing_scan_period_max_ms > 86400000))
		why = "numa_balancing_scan_period_min_ms must be 1..scan_period_max_ms (at most a day)";
	else if (cfg->numa_balancing && cfg->numa_balancing_scan_delay_ms > 86400000)
		why = "numa_balancing_scan_delay_ms must be at most a day";
	else if (cfg->numa_balancing > 3)
		why = "numa_balancing must be 0..3 (1 normal, 2 memory tiering)";
	else if (cfg->numa_balancing && (cfg->numa_balancing_hot_threshold_ms > 86400000 ||
					 cfg->numa_balancing_promote_rate_limit_mbps < 1 ||
					 cfg->numa_balancing_promote_rate_limit_mbps > 1048576))
		why = "numa_balancing_hot_threshold_ms must be at most a day and "
		      "promote_rate_limit_MBps 1..1048576";
	if (!why)
		return 0;
	if (err && errlen) {
		snprintf(buf, sizeof buf, "%s", why);
		snprintf(err, errlen, "%s", buf);
	}
	return -EINVAL;
}
