/*
 * test_lazy_boot.c - boot costs what is touched (src/mm/page_alloc.c's
 * untouched part of each node).
 *
 * 1. A fixed mix of allocations and frees (single blocks of every order,
 *    bulk allocations, single and bulk frees, fallback to the other node,
 *    nodes run down to their watermarks and the reserve, then refilled) on
 *    a 2 x 16 MiB machine must give exactly the pfns, in exactly the
 *    order, and leave exactly the free counts per order that the eager
 *    boot (every order-9 block put on its node's free list at boot) gave.
 *    The expected figures were recorded from that eager implementation
 *    before boot became lazy: set MMSIM_RECORD=1 to print them again.
 * 2. A 64-node x 1 GiB machine boots, shows its free counts, zoneinfo and
 *    meminfo, passes the page audit, and serves allocations, while the
 *    host's resident memory grows by little: the eager boot wrote one
 *    struct page per 2 MiB, 128 MiB of host memory here.
 * 3. Absurd machine sizes are refused with a clear reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

static bool recording;

/* ---- 1. the same pfns as the eager boot ------------------------------------ */

#define SEQ_NODE_MEM (16ULL << 20)	/* 4096 frames, 8 order-9 blocks per node */
#define SEQ_STEPS 6000
#define SEQ_PHASES 3
#define SEQ_FIRST 64			/* pfns compared one by one */
#define HOLD_MAX 16384

struct held {
	struct page *p;
	unsigned order;
};

struct seq_result {
	uint64_t hash;			/* FNV-1a over every step's outcome */
	uint64_t allocs, fails;
	uint64_t first[SEQ_FIRST];
	uint64_t free_area[SEQ_PHASES][2][NR_ORDERS];	/* after each phase */
	uint64_t final[2][NR_ORDERS];			/* after freeing it all */
};

static void fnv(uint64_t *h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		*h ^= (v >> (8 * i)) & 0xff;
		*h *= 0x100000001b3ULL;
	}
}

static void seq_pfn(struct mm_sys *s, struct seq_result *r, struct page *p)
{
	uint64_t pfn = p ? page_to_pfn(s, p) : ~0ULL;
	fnv(&r->hash, pfn);
	if (!p) {
		r->fails++;
		return;
	}
	if (r->allocs < SEQ_FIRST)
		r->first[r->allocs] = pfn;
	r->allocs++;
}

static void snapshot(struct mm_sys *s, uint64_t out[2][NR_ORDERS])
{
	for (unsigned n = 0; n < 2; n++)
		for (unsigned o = 0; o < NR_ORDERS; o++)
			out[n][o] = s->node[n].free_area[o].nr_free;
}

/*
 * Phase 0 mostly allocates (both nodes fill up, fall back to each other,
 * reach their watermarks), phase 1 mostly frees, phase 2 mixes evenly.
 */
static void run_sequence(struct mm_sys *s, struct seq_result *r)
{
	static struct held held[HOLD_MAX];
	static struct page *buf[64];
	unsigned nheld = 0;
	uint64_t x = 0x2545f4914f6cdd1dULL;

	memset(r, 0, sizeof *r);
	r->hash = 0xcbf29ce484222325ULL;
	for (unsigned step = 0; step < SEQ_STEPS; step++) {
		unsigned phase = step * SEQ_PHASES / SEQ_STEPS;
		uint64_t v = xorshift(&x);
		unsigned kind = v % 16, alloc_kinds = phase == 0 ? 12 : phase == 1 ? 4 : 8;
		unsigned nid = (v >> 8) & 1;
		fnv(&r->hash, step);
		if (kind < alloc_kinds || !nheld) {
			if (kind % 4 == 3) {
				/* A bulk allocation of 1..40 pages, one node. */
				unsigned want = 1 + (unsigned)((v >> 12) % 40);
				unsigned got = alloc_pages_bulk(s, NULL, nid, (v >> 20) & 1 ? GFP_ZERO : 0,
								want, buf);
				fnv(&r->hash, got);
				for (unsigned i = 0; i < got; i++) {
					seq_pfn(s, r, buf[i]);
					if (nheld < HOLD_MAX)
						held[nheld++] = (struct held){ buf[i], 0 };
					else
						free_pages(s, buf[i], 0);
				}
				continue;
			}
			/* One block: order 0 most often, any order else. */
			unsigned order = (v >> 12) % 3 ? 0 : (unsigned)((v >> 16) % NR_ORDERS);
			unsigned gfp = ((v >> 24) & 1 ? GFP_THISNODE : 0) |
				       ((v >> 25) % 8 == 0 ? GFP_NOWATERMARK : 0) |
				       ((v >> 28) % 4 == 0 ? GFP_ZERO : 0);
			struct page *p = alloc_pages_node(s, NULL, nid, order, gfp);
			seq_pfn(s, r, p);
			if (p && nheld < HOLD_MAX)
				held[nheld++] = (struct held){ p, order };
			else if (p)
				free_pages(s, p, order);
		} else if (kind % 4 == 0) {
			/* A bulk free of up to 24 held blocks (the last ones
			 * taken: often runs of consecutive frames). */
			unsigned k = 1 + (unsigned)((v >> 12) % 24);
			static struct page *batch[24];
			if (k > nheld)
				k = nheld;
			for (unsigned i = 0; i < k; i++)
				batch[i] = held[nheld - k + i].p;
			nheld -= k;
			free_pages_bulk(s, batch, k);
			fnv(&r->hash, k);
		} else {
			unsigned i = (unsigned)((v >> 12) % nheld);
			fnv(&r->hash, page_to_pfn(s, held[i].p));
			free_pages(s, held[i].p, held[i].order);
			held[i] = held[--nheld];
		}
		if ((step + 1) % (SEQ_STEPS / SEQ_PHASES) == 0)
			snapshot(s, r->free_area[step * SEQ_PHASES / SEQ_STEPS]);
	}
	while (nheld) {
		nheld--;
		free_pages(s, held[nheld].p, held[nheld].order);
	}
	snapshot(s, r->final);
}

/* Recorded from the eager boot (MMSIM_RECORD=1 prints these). */
static const uint64_t WANT_HASH = 0xf4cf2c3ad8d0aa34ULL;
static const uint64_t WANT_ALLOCS = 12517, WANT_FAILS = 432;
static const uint64_t WANT_FIRST[SEQ_FIRST] = {
	4096, 4097, 4098, 4099, 4100, 4101, 4102, 4103, 4104, 4105, 4106, 4107,
	4108, 4109, 4110, 4111, 4112, 4113, 4114, 4115, 4116, 4117, 4118, 4119,
	3, 4, 5, 6, 7, 8, 128, 9, 12, 4112, 4100, 4112,
	4100, 12, 9, 3, 7, 4, 5, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	27, 28, 29, 30
};
static const uint64_t WANT_FREE_AREA[SEQ_PHASES][2][NR_ORDERS] = {
	{ { 16, 3, 1, 0, 1, 1, 0, 0, 0, 0 }, { 52, 7, 2, 2, 0, 0, 0, 0, 0, 0 } },
	{ { 2, 1, 2, 1, 0, 1, 1, 1, 1, 7 }, { 4, 1, 1, 0, 0, 1, 1, 1, 0, 7 } },
	{ { 33, 6, 1, 0, 1, 0, 1, 0, 0, 0 }, { 23, 4, 4, 2, 2, 1, 0, 1, 0, 0 } },
};

static void print_recording(const struct seq_result *r)
{
	printf("static const uint64_t WANT_HASH = 0x%016llxULL;\n", (unsigned long long)r->hash);
	printf("static const uint64_t WANT_ALLOCS = %llu, WANT_FAILS = %llu;\n",
	       (unsigned long long)r->allocs, (unsigned long long)r->fails);
	printf("static const uint64_t WANT_FIRST[SEQ_FIRST] = {");
	for (unsigned i = 0; i < SEQ_FIRST; i++)
		printf("%s%llu", !i ? "\n\t" : i % 12 ? ", " : ",\n\t", (unsigned long long)r->first[i]);
	printf("\n};\nstatic const uint64_t WANT_FREE_AREA[SEQ_PHASES][2][NR_ORDERS] = {\n");
	for (unsigned ph = 0; ph < SEQ_PHASES; ph++) {
		printf("\t{ ");
		for (unsigned n = 0; n < 2; n++) {
			printf("{");
			for (unsigned o = 0; o < NR_ORDERS; o++)
				printf("%s%llu", o ? ", " : " ",
				       (unsigned long long)r->free_area[ph][n][o]);
			printf(" }%s", n ? " " : ", ");
		}
		printf("},\n");
	}
	printf("};\n");
}

static struct mmsim *seq_machine(void)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	mmsim_config_default(&cfg);
	cfg.mem_per_node = SEQ_NODE_MEM;
	return mmsim_create(&cfg, &m) ? NULL : m;
}

static void test_same_pfns(void)
{
	struct mmsim *m = seq_machine();
	ok(m != NULL, "machine: 2 nodes x 16 MiB");
	if (!m)
		return;
	struct mm_sys *s = &m->mm;
	static struct seq_result r;
	run_sequence(s, &r);
	if (recording) {
		print_recording(&r);
		mmsim_destroy(m);
		return;
	}
	unsigned first_bad = SEQ_FIRST;
	for (unsigned i = 0; i < SEQ_FIRST && first_bad == SEQ_FIRST; i++)
		if (r.first[i] != WANT_FIRST[i])
			first_bad = i;
	ok(first_bad == SEQ_FIRST, "the first %u pfns handed out are the eager boot's", SEQ_FIRST);
	if (first_bad < SEQ_FIRST)
		printf("#   allocation %u: pfn %llu, want %llu\n", first_bad,
		       (unsigned long long)r.first[first_bad],
		       (unsigned long long)WANT_FIRST[first_bad]);
	is(r.allocs, WANT_ALLOCS, "as many allocations succeeded");
	is(r.fails, WANT_FAILS, "as many failed (watermarks, empty nodes)");
	ok(r.hash == WANT_HASH, "every pfn of %u steps, in order, is the eager boot's", SEQ_STEPS);
	if (r.hash != WANT_HASH)
		printf("#   hash %016llx, want %016llx\n", (unsigned long long)r.hash,
		       (unsigned long long)WANT_HASH);
	for (unsigned ph = 0; ph < SEQ_PHASES; ph++)
		for (unsigned n = 0; n < 2; n++) {
			bool same = !memcmp(r.free_area[ph][n], WANT_FREE_AREA[ph][n],
					    sizeof r.free_area[ph][n]);
			ok(same, "after phase %u, node %u's free blocks per order are the eager boot's",
			   ph, n);
			for (unsigned o = 0; o < NR_ORDERS && !same; o++)
				printf("#   order %u: %llu, want %llu\n", o,
				       (unsigned long long)r.free_area[ph][n][o],
				       (unsigned long long)WANT_FREE_AREA[ph][n][o]);
		}
	/* All freed: each node is whole again, node 0 less its boot pages
	 * (the zero page and the vDSO's, frames 0..2). */
	static const uint64_t whole1[NR_ORDERS] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
	static const uint64_t whole0[NR_ORDERS] = { 1, 0, 1, 1, 1, 1, 1, 1, 1, 7 };
	ok(!memcmp(r.final[0], whole0, sizeof whole0) && !memcmp(r.final[1], whole1, sizeof whole1),
	   "everything freed: the free lists are those of a fresh boot");
	is(node_free_pages(s, 1), SEQ_NODE_MEM >> PAGE_SHIFT, "node 1: every frame free");
	is(mmsim_debug_check(m), 0, "the page audit finds nothing wrong");
	mmsim_destroy(m);
}

/*
 * Blocks freed whole go on top of those never handed out: the eager free
 * list of order 9 was the untouched blocks, lowest first, and frees push
 * onto its head.
 */
static void test_freed_before_untouched(void)
{
	struct mmsim *m = seq_machine();
	ok(m != NULL, "machine: 2 nodes x 16 MiB");
	if (!m)
		return;
	struct mm_sys *s = &m->mm;
	const uint64_t base = SEQ_NODE_MEM >> PAGE_SHIFT;	/* node 1's first frame */
	struct page *b[8];
	for (unsigned i = 0; i < 3; i++)
		b[i] = alloc_pages_node(s, NULL, 1, MAX_ORDER, GFP_THISNODE);
	ok(b[0] && b[1] && b[2], "three order-9 blocks of node 1");
	if (!b[0] || !b[1] || !b[2]) {
		mmsim_destroy(m);
		return;
	}
	is(page_to_pfn(s, b[2]), base + 2 * 512, "the third is the third block");
	free_pages(s, b[1], MAX_ORDER);
	free_pages(s, b[0], MAX_ORDER);
	uint64_t order[5];
	for (unsigned i = 0; i < 4; i++) {
		b[i] = alloc_pages_node(s, NULL, 1, MAX_ORDER, GFP_THISNODE);
		order[i] = b[i] ? (page_to_pfn(s, b[i]) - base) / 512 : ~0ULL;
	}
	struct page *one = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	order[4] = one ? page_to_pfn(s, one) - base : ~0ULL;
	ok(order[0] == 0 && order[1] == 1 && order[2] == 3 && order[3] == 4 && order[4] == 5 * 512,
	   "then blocks 0, 1 (freed last first), 3, 4 (untouched), and a page split from 5");
	printf("#   blocks %llu %llu %llu %llu, page %llu\n", (unsigned long long)order[0],
	       (unsigned long long)order[1], (unsigned long long)order[2],
	       (unsigned long long)order[3], (unsigned long long)order[4]);
	is(mmsim_debug_check(m), 0, "the page audit is clean");
	mmsim_destroy(m);
}

/* ---- 2. a big machine, barely touched --------------------------------------- */

#define BIG_NODES 64
#define BIG_NODE_MEM (1ULL << 30)
#define BIG_NODE_PAGES (BIG_NODE_MEM >> PAGE_SHIFT)
#define BIG_BLOCKS (BIG_NODE_PAGES >> MAX_ORDER)	/* 512 order-9 blocks per node */
#define RSS_BOUND_MIB 16

/* The host's resident memory of this process, in KiB. */
static uint64_t rss_kib(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
}

/* The page audit, whose own per-pfn counters (two arrays as long as the
 * machine: in sanitizer builds their shadow is written) are not the
 * machine's cost: what it grew the resident memory by goes to audit_kib. */
static uint64_t audit_kib;

static unsigned audit(struct mmsim *m)
{
	uint64_t r0 = rss_kib();
	unsigned bad = mmsim_debug_check(m);
	uint64_t r1 = rss_kib();
	audit_kib += r1 > r0 ? r1 - r0 : 0;
	return bad;
}

static bool node_is(struct mm_sys *s, unsigned nid, const uint64_t want[NR_ORDERS])
{
	bool same = true;
	uint64_t pages = 0;
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		if (s->node[nid].free_area[o].nr_free != want[o]) {
			printf("#   node %u order %u: %llu free blocks, want %llu\n", nid, o,
			       (unsigned long long)s->node[nid].free_area[o].nr_free,
			       (unsigned long long)want[o]);
			same = false;
		}
		pages += want[o] << o;
	}
	if (node_free_pages(s, nid) != pages) {
		printf("#   node %u: %llu free pages, want %llu\n", nid,
		       (unsigned long long)node_free_pages(s, nid), (unsigned long long)pages);
		same = false;
	}
	return same;
}

/* zoneinfo's free and managed, and meminfo's MemFree, of every node. */
static bool views_free(struct mmsim *m, const uint64_t *want_free)
{
	bool good = true;
	for (unsigned n = 0; n < BIG_NODES; n++) {
		struct mmsim_zoneinfo z;
		struct mmsim_node_meminfo mi;
		if (mmsim_zoneinfo(m, n, &z) || mmsim_node_meminfo(m, n, &mi)) {
			printf("#   node %u: no view\n", n);
			return false;
		}
		uint64_t want = want_free[n];
		if (z.free != want || z.managed != BIG_NODE_PAGES ||
		    mi.kb[MMSIM_MEMINFO_MemFree] != want * (PAGE_SIZE >> 10) ||
		    mi.kb[MMSIM_MEMINFO_MemTotal] != BIG_NODE_MEM >> 10) {
			printf("#   node %u: zoneinfo free %llu managed %llu, MemFree %llu kB; want %llu free\n",
			       n, (unsigned long long)z.free, (unsigned long long)z.managed,
			       (unsigned long long)mi.kb[MMSIM_MEMINFO_MemFree],
			       (unsigned long long)want);
			good = false;
		}
	}
	return good;
}

static void test_big_machine(void)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	mmsim_config_default(&cfg);
	cfg.nodes = BIG_NODES;
	cfg.mem_per_node = BIG_NODE_MEM;
	uint64_t rss0 = rss_kib();
	int err = mmsim_create(&cfg, &m);
	is(err, 0, "machine: 64 nodes x 1 GiB");
	if (err)
		return;
	struct mm_sys *s = &m->mm;
	uint64_t grew = rss_kib() - rss0;
	ok(grew < RSS_BOUND_MIB * 1024, "booting it grew the host's resident memory by %llu KiB, "
	   "under %u MiB (eager: 128 MiB)", (unsigned long long)grew, RSS_BOUND_MIB);

	static uint64_t want_free[BIG_NODES];
	for (unsigned n = 0; n < BIG_NODES; n++)
		want_free[n] = BIG_NODE_PAGES - (n ? 0 : 1 + VDSO_PAGES);
	uint64_t fresh[NR_ORDERS] = { 0 };
	fresh[MAX_ORDER] = BIG_BLOCKS;
	uint64_t boot0[NR_ORDERS] = { 1, 0, 1, 1, 1, 1, 1, 1, 1, BIG_BLOCKS - 1 };
	bool all_fresh = node_is(s, 0, boot0);
	for (unsigned n = 1; n < BIG_NODES; n++)
		all_fresh &= node_is(s, n, fresh);
	ok(all_fresh, "each node: 512 free order-9 blocks (node 0 less its 3 boot pages)");
	ok(views_free(m, want_free), "zoneinfo and meminfo of all 64 nodes say so");
	is(audit(m), 0, "the page audit of the untouched machine is clean");

	/* Node 7, touched: its first block is split, the next one handed
	 * out whole, as the eager boot's free list would. */
	const unsigned nid = 7;
	uint64_t start = s->node[nid].start_pfn;
	struct page *a = alloc_pages_node(s, NULL, nid, 0, GFP_THISNODE | GFP_ZERO);
	struct page *b = alloc_pages_node(s, NULL, nid, MAX_ORDER, GFP_THISNODE | GFP_ZERO);
	struct page *c = alloc_pages_node(s, NULL, nid, 3, GFP_THISNODE);
	ok(a && b && c, "three allocations on node 7");
	if (!a || !b || !c) {
		mmsim_destroy(m);
		return;
	}
	is(page_to_pfn(s, a), start, "order 0: node 7's lowest frame");
	is(page_to_pfn(s, b), start + 512, "order 9: the second block");
	is(page_to_pfn(s, c), start + 8, "order 3: from the first block's split");
	uint64_t touched[NR_ORDERS] = { 1, 1, 1, 0, 1, 1, 1, 1, 1, BIG_BLOCKS - 2 };
	ok(node_is(s, nid, touched), "node 7's free blocks after them");
	want_free[nid] -= 1 + 512 + 8;
	ok(views_free(m, want_free), "zoneinfo and meminfo count them, and only on node 7");
	is(audit(m), 0, "the page audit is clean with them");

	/* A task's memory on node 1, where its CPU is. */
	struct mmsim_task_attr ta;
	struct mmsim_task *t = NULL;
	mmsim_task_attr_default(&ta);
	ta.cpu = 1;		/* CPU 1 is on node 1 */
	err = mmsim_task_create(m, &ta, &t);
	is(err, 0, "a task on CPU 1 (node 1)");
	long addr = t ? mmsim_sys_mmap(t, 0, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : -1;
	ok(addr > 0, "it maps 64 pages");
	uint8_t one = 1;
	bool written = addr > 0;
	for (unsigned i = 0; written && i < 64; i++)
		written = !mmsim_store(t, (uint64_t)addr + i * PAGE_SIZE, &one, 1, NULL);
	ok(written, "and writes each");
	struct mmsim_node_meminfo mi;
	mmsim_node_meminfo(m, 1, &mi);
	is(mi.kb[MMSIM_MEMINFO_AnonPages], 64 * (PAGE_SIZE >> 10), "node 1: 256 kB of anon pages");
	is(audit(m), 0, "the page audit is clean with the task's pages");

	free_pages(s, c, 3);
	free_pages(s, b, MAX_ORDER);
	free_pages(s, a, 0);
	ok(node_is(s, nid, fresh), "freed: node 7 has its 512 blocks again");
	want_free[nid] += 1 + 512 + 8;
	mmsim_task_exit(t);
	want_free[1] = node_free_pages(s, 1);	/* less the task's page tables, if kept */
	ok(views_free(m, want_free), "zoneinfo and meminfo agree after the frees");
	is(audit(m), 0, "and the audit");
	grew = rss_kib() - rss0 - audit_kib;
	ok(grew < RSS_BOUND_MIB * 1024, "views, allocations and a task grew the resident memory by "
	   "%llu KiB in all (the audits' own counters aside), under %u MiB",
	   (unsigned long long)grew, RSS_BOUND_MIB);
	mmsim_destroy(m);
}

/* ---- 3. sizes ------------------------------------------------------------- */

static void test_sizes(void)
{
	struct mmsim_config cfg;
	char why[128] = "";
	mmsim_config_default(&cfg);
	cfg.nodes = 64;
	cfg.mem_per_node = 16ULL << 30;
	is(mmsim_config_check(&cfg, why, sizeof why), 0, "64 nodes x 16 GiB (1 TiB) is accepted");
	cfg.mem_per_node = 64ULL << 30;
	is(mmsim_config_check(&cfg, why, sizeof why), 0, "64 nodes x 64 GiB (4 TiB) is accepted");
	cfg.mem_per_node = 128ULL << 30;
	is(mmsim_config_check(&cfg, why, sizeof why), -EINVAL, "64 nodes x 128 GiB is refused");
	is_str(why, "total memory must be at most 4 TiB", "with the limit named");
	cfg.nodes = 65;
	cfg.mem_per_node = 1ULL << 30;
	is(mmsim_config_check(&cfg, why, sizeof why), -EINVAL, "65 nodes are refused");
	is_str(why, "nodes must be 1..64", "with the limit named");
	cfg.nodes = 1;
	cfg.mem_per_node = 2ULL << 40;
	is(mmsim_config_check(&cfg, why, sizeof why), -EINVAL, "2 TiB on a node is refused");
	struct mmsim *m = NULL;
	is(mmsim_create(&cfg, &m), -EINVAL, "and mmsim_create refuses it before mapping anything");
}

int main(void)
{
	recording = getenv("MMSIM_RECORD") != NULL;
	test_same_pfns();
	if (recording)
		return 0;
	test_freed_before_untouched();
	test_big_machine();
	test_sizes();
	return done_testing();
}
