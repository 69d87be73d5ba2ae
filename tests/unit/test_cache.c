/*
 * test_cache.c - the CPUs' data caches and the memory latency a miss costs
 * (src/hw/cache.c, hw_cache_access in src/hw/hw.h), and what copying a
 * frame costs by distance (hw_copy_frames, src/hw/machine.c).
 *
 * The main machine has 3 nodes and 3 CPUs (CPU c on node c) with the SLIT
 *	10 20 30
 *	20 10 20
 *	30 20 10
 * so from CPU 0 a line of node 0, 1 or 2 costs 1, 2 or 3 times
 * cost.mem_local.  One task runs on CPU 0; each step compares CPU 0's
 * counters before and after one access.  Every expected figure is
 * computed from the configuration, never copied from a run.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define MPOL_BIND 2

static struct mmsim *m;
static struct mmsim_task *t;
static struct mmsim_config cfg;
static struct mmsim_counters before, after;

#define D(f) ((long long)(after.f - before.f))

static void snap(void)
{
	mmsim_counters_cpu(m, 0, &before);
}

static void done(void)
{
	mmsim_counters_cpu(m, 0, &after);
}

static uint64_t lat(unsigned distance)
{
	return ((uint64_t)cfg.cost.mem_local * distance + 5) / 10;
}

/* One page bound to node nid, written once (faulted in there). */
static uint64_t page_on(unsigned nid)
{
	uint64_t mask = 1ULL << nid;
	long a = mmsim_sys_mmap(t, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				0);
	if (a < 0 || mmsim_sys_mbind(t, (uint64_t)a, P, MPOL_BIND, &mask, 64, 0))
		return 0;
	uint8_t one = 1;
	if (mmsim_store(t, (uint64_t)a, &one, 1, NULL))
		return 0;
	return (uint64_t)a;
}

static unsigned node_of(uint64_t va)
{
	return hw_pfn_node(m->hw, pte(t, va).pfn);
}

static int load(uint64_t va, uint64_t len)
{
	uint8_t buf[P];
	snap();
	int r = mmsim_load(t, va, buf, len, NULL);
	done();
	return r;
}

static struct mmsim *three_nodes(void)
{
	static const uint8_t slit[3][3] = { { 10, 20, 30 }, { 20, 10, 20 }, { 30, 20, 10 } };
	struct mmsim *mach = NULL;

	test_config(&cfg);
	cfg.nodes = 3;
	cfg.cpus = 3;
	for (unsigned a = 0; a < 3; a++)
		for (unsigned b = 0; b < 3; b++)
			cfg.distance[a][b] = slit[a][b];
	if (mmsim_create(&cfg, &mach))
		return NULL;
	return mach;
}

/* A miss costs the holding node's latency by distance; a hit cache_hit. */
static void test_miss_by_distance(uint64_t pg[3])
{
	uint64_t tlb = cfg.cost.tlb_hit;
	for (unsigned n = 0; n < 3; n++) {
		unsigned d = 10 * (n + 1);
		is(node_of(pg[n]), n, "page %u is on node %u", n, n);
		/* Line 2 of the page: the store touched line 0 only. */
		is(load(pg[n] + 128, 8), 0, "load from node %u", n);
		is(D(cache_misses), 1, "node %u: one line missed", n);
		is(D(cache_hits), 0, "node %u: none hit", n);
		is(D(cycles), tlb + lat(d), "node %u at distance %u: TLB hit + %llu cycles", n, d,
		   (unsigned long long)lat(d));
		is(D(mem_local), n == 0, "node %u: local misses", n);
		is(D(mem_remote), n != 0, "node %u: remote misses", n);
		is(D(mem_local_cycles), n == 0 ? lat(d) : 0, "node %u: local cycles", n);
		is(D(mem_remote_cycles), n != 0 ? lat(d) : 0, "node %u: remote cycles", n);

		is(load(pg[n] + 128, 8), 0, "the same load again");
		is(D(cache_hits), 1, "node %u: it hits", n);
		is(D(cache_misses), 0, "node %u: no miss", n);
		is(D(cycles), tlb + cfg.cost.cache_hit, "node %u: TLB hit + cache_hit", n);
		is(D(mem_local) + D(mem_remote), 0, "no memory access");
	}
	is(lat(20), 2 * lat(10), "distance 20 costs twice distance 10");
	is(lat(30), 3 * lat(10), "distance 30 three times");
}

/* An access spanning lines is charged per line. */
static void test_lines(uint64_t pg1)
{
	uint64_t tlb = cfg.cost.tlb_hit;
	/* 256 bytes from 1000: lines 15..19, five of them. */
	is(load(pg1 + 1000, 256), 0, "256 bytes across 5 lines");
	is(D(cache_misses), 5, "five misses");
	is(D(mem_remote_cycles), 5 * lat(20), "each at distance 20");
	is(D(cycles), tlb + 5 * lat(20), "one TLB hit, five misses");
	is(load(pg1 + 1000, 256), 0, "again");
	is(D(cache_hits), 5, "five hits");
	is(D(cycles), tlb + 5 * cfg.cost.cache_hit, "one TLB hit, five hits");
	is(D(loads), 256, "loads count bytes");
}

/* A migrated page is in a new frame: its next access misses, charged at
 * the new node's distance. */
static void test_migrated(uint64_t pg0)
{
	int node = 2, status = -1;
	is(load(pg0 + 128, 8), 0, "cached before the move");
	is(D(cache_hits), 1, "a hit");
	long r = mmsim_sys_move_pages(t, 0, 1, &pg0, &node, &status, MMSIM_MPOL_MF_MOVE);
	is(r, 0, "move_pages to node 2");
	is(status, 2, "the page is on node 2");
	is(node_of(pg0), 2, "its frame is node 2's");
	is(load(pg0 + 128, 8), 0, "load after the move");
	is(D(cache_hits), 0, "the old frame's line does not hit");
	is(D(cache_misses), 1, "one miss");
	is(D(mem_remote), 1, "served by a remote node");
	is(D(mem_remote_cycles), lat(30), "at distance 30");
	is(D(mem_local), 0, "no local miss");
	is(load(pg0 + 128, 8), 0, "again");
	is(D(cache_hits), 1, "now it hits");
}

/* A freed frame's lines never hit again, whoever gets the frame next. */
static void test_retired(void)
{
	struct hw_cpu *cpu = &m->hw->cpu[0];
	struct page *p = alloc_pages_node(&m->mm, NULL, 1, 0, GFP_ZERO);
	uint64_t pfn = page_to_pfn(&m->mm, p);
	uint8_t *host = hw_frame(m->hw, pfn);

	snap();
	hw_cache_access(cpu, host + 64, 1);
	hw_cache_access(cpu, host + 64, 1);
	done();
	is(D(cache_misses), 1, "a line of a frame: one miss");
	is(D(cache_hits), 1, "then a hit");
	free_pages(&m->mm, p, 0);
	snap();
	hw_cache_access(cpu, host + 64, 1);
	done();
	is(D(cache_misses), 1, "after the frame is freed its line misses");
	is(D(mem_remote_cycles), lat(20), "charged at node 1's distance");
}

/* hw_copy_frames: the line through (10, local) and (20, remote). */
static void test_copy_cost(void)
{
	struct hw_cpu *cpu = &m->hw->cpu[0];
	struct page *src = alloc_pages_node(&m->mm, NULL, 0, 0, GFP_ZERO);
	int64_t local = cfg.cost.page_copy_local, remote = cfg.cost.page_copy_remote;
	for (unsigned n = 0; n < 3; n++) {
		struct page *dst = alloc_pages_node(&m->mm, NULL, n, 0, GFP_ZERO);
		unsigned d = 10 * (n + 1);
		ok(dst && hw_pfn_node(m->hw, page_to_pfn(&m->mm, dst)) == n, "a frame on node %u",
		   n);
		snap();
		hw_copy_frames(m->hw, cpu, page_to_pfn(&m->mm, dst), page_to_pfn(&m->mm, src), 1);
		done();
		is(D(pages_copied), 1, "one frame copied");
		is(D(cycles), local + (remote - local) * (d - 10) / 10, "copy at distance %u", d);
		free_pages(&m->mm, dst, 0);
	}
	is(local + (remote - local) * 2, 1500, "the defaults: 700, 1100, 1500 cycles");
	free_pages(&m->mm, src, 0);
}

/* Round-robin replacement in a one-set, two-way cache. */
static void test_eviction(void)
{
	struct mmsim *mach = NULL;
	struct mmsim_config c;
	test_config(&c);
	c.cache_sets = 1;
	c.cache_ways = 2;
	ok(!mmsim_create(&c, &mach), "a 1 x 2 cache");
	struct hw_cpu *cpu = &mach->hw->cpu[0];
	struct page *p = alloc_pages_node(&mach->mm, NULL, 0, 0, GFP_ZERO);
	uint8_t *h = hw_frame(mach->hw, page_to_pfn(&mach->mm, p));
	uint64_t hits = cpu->cnt.cache_hits, misses = cpu->cnt.cache_misses;
	hw_cache_access(cpu, h, 1);	  /* A: way 0 */
	hw_cache_access(cpu, h + 64, 1);  /* B: way 1 */
	hw_cache_access(cpu, h + 128, 1); /* C evicts A */
	hw_cache_access(cpu, h + 64, 1);  /* B hits */
	hw_cache_access(cpu, h, 1);	  /* A misses, evicts B */
	hw_cache_access(cpu, h + 128, 1); /* C hits */
	is(cpu->cnt.cache_misses - misses, 4, "A, B, C, A miss");
	is(cpu->cnt.cache_hits - hits, 2, "B and C hit once each");
	free_pages(&mach->mm, p, 0);
	mmsim_destroy(mach);
}

/* cache = false: accesses cost the TLB alone, no cache counter moves. */
static void test_off(void)
{
	struct mmsim *mach = NULL;
	struct mmsim_config c;
	test_config(&c);
	c.cache = false;
	c.cache_sets = 0; /* not checked when off */
	ok(!mmsim_create(&c, &mach), "a machine without caches");
	struct mmsim_task *tk = task_on(mach, 1);
	long a = mmsim_sys_mmap(tk, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				0);
	uint8_t v = 7;
	mmsim_store(tk, (uint64_t)a, &v, 1, NULL);
	struct mmsim_counters c0, c1;
	mmsim_counters_cpu(mach, 1, &c0);
	mmsim_load(tk, (uint64_t)a + 100, &v, 1, NULL);
	mmsim_counters_cpu(mach, 1, &c1);
	is(c1.cycles - c0.cycles, c.cost.tlb_hit, "a load costs the TLB hit only");
	is(c1.cache_hits + c1.cache_misses, 0, "no cache counter moved");
	mmsim_destroy(mach);
}

/* Shapes the check refuses, with a message; never a crash. */
static void test_config_check(void)
{
	struct mmsim_config c;
	char why[128];
	struct {
		unsigned sets, ways;
		const char *what;
	} bad[] = {
		{ 3, 16, "sets not a power of two" },
		{ 0, 16, "no sets" },
		{ 2048, 0, "zero ways" },
		{ 2048, 65, "65 ways" },
		{ 1u << 20, 2, "128 MiB" },
		{ 1u << 31, 16, "2^31 sets" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		test_config(&c);
		c.cache_sets = bad[i].sets;
		c.cache_ways = bad[i].ways;
		why[0] = 0;
		is(mmsim_config_check(&c, why, sizeof why), -EINVAL, "%s refused", bad[i].what);
		ok(strstr(why, "cache") != NULL, "... saying why: %s", why);
		struct mmsim *mach = NULL;
		is(mmsim_create(&c, &mach), -EINVAL, "... and no machine made");
	}
	test_config(&c);
	c.cache_sets = 1u << 16;
	c.cache_ways = 16;
	is(mmsim_config_check(&c, NULL, 0), 0, "64 MiB is allowed");
}

/* The default two-node machine: a remote miss is Linux's distance 20. */
static void test_default_slit(void)
{
	struct mmsim *mach = NULL;
	struct mmsim_config c;
	test_config(&c);
	ok(!mmsim_create(&c, &mach), "the default machine");
	struct hw_cpu *cpu = &mach->hw->cpu[0];
	is(cpu->cache.lat[0], c.cost.mem_local, "node 0 from CPU 0: mem_local");
	is(cpu->cache.lat[1], 2 * c.cost.mem_local, "node 1: twice that (20 / 10)");
	is(c.cost.mem_local, 225, "mem_local: 90 ns at 2.5 GHz");
	mmsim_destroy(mach);
}

int main(void)
{
	m = three_nodes();
	ok(m != NULL, "a 3-node machine with a custom SLIT");
	if (!m)
		return done_testing();
	t = task_on(m, 0);
	ok(t != NULL, "a task on CPU 0 (node 0)");
	uint64_t pg[3];
	for (unsigned n = 0; n < 3; n++)
		pg[n] = page_on(n);
	ok(pg[0] && pg[1] && pg[2], "a page bound to each node");

	test_miss_by_distance(pg);
	test_lines(pg[1]);
	test_migrated(pg[0]);
	test_retired();
	test_copy_cost();
	mmsim_destroy(m);

	test_eviction();
	test_off();
	test_config_check();
	test_default_slit();
	return done_testing();
}
