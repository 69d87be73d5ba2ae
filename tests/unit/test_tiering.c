/*
 * test_tiering.c - memory tiers and demotion (src/mm/memory_tiers.c,
 * vmscan.c): the tiers Linux 6.12 builds from abstract distances (the
 * three examples of mm/memory-tiers.c's comment, and equally near targets
 * taking turns), the top tiers, and reclaim moving cold pages to the tier
 * below instead of swapping them (anonymous) or dropping them (file),
 * every byte read back; with demotion off the same machine has to kill;
 * and promotion in kernel.numa_balancing's memory tiering mode: a
 * lower-tier page accessed soon after a scan hid it moves up, one
 * accessed later does not, the rate limit caps the candidates of a
 * second, a node with plenty of free memory takes pages at once, and the
 * top tier's pages are not scanned.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P 4096ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define MPOL_DEFAULT 0
#define MPOL_BIND 2

static uint64_t ev(struct mmsim *m, enum mmsim_vmstat_event e)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	return vs.ev[e];
}

/* A machine of `nodes` nodes of mem bytes, CPUs on the first `cpus`, the
 * SLIT given row by row (NULL: Linux's 10/20), adistances (NULL: DRAM). */
static struct mmsim *tiered(unsigned nodes, unsigned cpus, uint64_t mem, const uint8_t *slit,
			    const uint16_t *adist, bool demotion)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = cpus;
	cfg.mem_per_node = mem;
	cfg.demotion_enabled = demotion;
	for (unsigned a = 0; slit && a < nodes; a++)
		for (unsigned b = 0; b < nodes; b++)
			cfg.distance[a][b] = slit[a * nodes + b];
	for (unsigned n = 0; adist && n < nodes; n++)
		cfg.adistance[n] = adist[n];
	return mmsim_create(&cfg, &m) ? NULL : m;
}

static void test_linux_examples(void)
{
	printf("# the tiers of mm/memory-tiers.c's three examples\n");
	/* 1: nodes 0 and 1 with CPUs and DRAM, 2 and 3 persistent memory. */
	static const uint8_t d1[] = { 10, 20, 30, 40, 20, 10, 40, 30, 30, 40, 10, 40, 40, 30, 40, 10 };
	static const uint16_t a1[] = { 0, 0, MMSIM_ADISTANCE_DAX, MMSIM_ADISTANCE_DAX };
	struct mmsim *m = tiered(4, 2, 8ULL << 20, d1, a1, true);
	struct mm_sys *s = &m->mm;
	is(s->tiers.nr, 2, "example 1: two tiers");
	is(s->tiers.nodes[0], 0x3, "tier 0 is nodes 0-1");
	is(s->tiers.nodes[1], 0xc, "tier 1 is nodes 2-3");
	is(s->tiers.demote_pref[0], 1u << 2, "node 0 demotes to node 2 (distance 30, not 40)");
	is(s->tiers.demote_pref[1], 1u << 3, "node 1 demotes to node 3");
	is(s->tiers.demote_pref[2] | s->tiers.demote_pref[3], 0, "nodes 2 and 3 demote nowhere");
	is(next_demotion_node(s, 0), 2, "next_demotion_node(0)");
	is(next_demotion_node(s, 2), -1, "next_demotion_node(2): terminal");
	is(node_demotion_targets(s, 0), 0xc, "node 0 may fall back to either lower node");
	is(node_demotion_targets(s, 3), 0, "the lowest tier has nothing below");
	ok(node_is_toptier(s, 0) && node_is_toptier(s, 1), "nodes 0 and 1 are top tier");
	ok(!node_is_toptier(s, 2) && !node_is_toptier(s, 3), "nodes 2 and 3 are not");
	mmsim_destroy(m);

	/* 2: a memory-only node of plain DRAM is in the same tier. */
	static const uint8_t d2[] = { 10, 20, 30, 20, 10, 30, 30, 30, 10 };
	m = tiered(3, 2, 8ULL << 20, d2, NULL, true);
	s = &m->mm;
	is(s->tiers.nr, 1, "example 2: one tier, CPU-less DRAM node included");
	is(next_demotion_node(s, 0), -1, "no demotion target");
	ok(node_is_toptier(s, 2), "the CPU-less DRAM node is top tier");
	mmsim_destroy(m);

	/* 3: node 0 CPU + DRAM, node 1 HBM (faster), node 2 PMEM. */
	static const uint8_t d3[] = { 10, 20, 30, 20, 10, 40, 30, 40, 10 };
	static const uint16_t a3[] = { 0, 300, MMSIM_ADISTANCE_DAX };
	m = tiered(3, 1, 8ULL << 20, d3, a3, true);
	s = &m->mm;
	is(s->tiers.nr, 3, "example 3: three tiers");
	is(s->tiers.nodes[0], 1u << 1, "the fastest tier is the HBM node");
	is(next_demotion_node(s, 1), 0, "HBM demotes to DRAM");
	is(next_demotion_node(s, 0), 2, "DRAM demotes to PMEM");
	is(next_demotion_node(s, 2), -1, "PMEM is terminal");
	is(node_demotion_targets(s, 1), 0x5, "HBM may fall back to both tiers below");
	ok(node_is_toptier(s, 1) && node_is_toptier(s, 0), "HBM and the CPU's DRAM are top tier");
	ok(!node_is_toptier(s, 2), "PMEM is not");
	mmsim_destroy(m);

	/* Two equally near targets take turns; demotion off: none. */
	static const uint16_t a4[] = { 0, 0, MMSIM_ADISTANCE_DAX, MMSIM_ADISTANCE_DAX };
	m = tiered(4, 2, 8ULL << 20, NULL, a4, true);
	s = &m->mm;
	is(s->tiers.demote_pref[0], 0xc, "default SLIT: both lower nodes preferred");
	int first = next_demotion_node(s, 0), second = next_demotion_node(s, 0);
	ok((first == 2 && second == 3) || (first == 3 && second == 2),
	   "they take turns (%d then %d)", first, second);
	mmsim_destroy(m);
	m = tiered(4, 2, 8ULL << 20, NULL, a4, false);
	is(next_demotion_node(&m->mm, 0), -1, "demotion_enabled off: no target");
	ok(!node_can_demote(&m->mm, 0), "and no demotion");
	mmsim_destroy(m);
}

/*
 * A task bound to node 0 (MPOL_BIND) writes twice node 0's memory, with
 * no swap: the pages reclaim finds cold move to CPU-less node 1, a lower
 * tier, instead (pgdemote), whatever the binding, and all the data reads
 * back.  With demotion off the same run ends in the OOM killer.
 */
static void test_demote_anon(enum mmsim_lru lru, bool demotion)
{
	printf("# anonymous pages under pressure, %s, demotion %s\n",
	       lru == MMSIM_LRU_CLASSIC ? "classic" : "MGLRU", demotion ? "on" : "off");
	static const uint16_t ad[] = { 0, MMSIM_ADISTANCE_DAX };
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 1;
	cfg.mem_per_node = 16ULL << 20;
	cfg.lru = lru;
	cfg.demotion_enabled = demotion;
	cfg.adistance[1] = ad[1];
	if (mmsim_create(&cfg, &m)) {
		ok(0, "machine");
		return;
	}
	struct mmsim_task *t = task_on(m, 0);
	uint64_t mask = 1;
	is(mmsim_sys_set_mempolicy(t, MPOL_BIND, &mask, 64), 0, "bound to node 0");
	const uint64_t npages = (24ULL << 20) / P;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, npages * P, RW, PRIV, -1, 0);
	int sig = 0;
	for (uint64_t i = 0; i < npages && !sig; i++)
		sig = mmsim_fill(t, a + i * P, (int)(i % 251) + 1, P, NULL);
	if (!demotion) {
		is(sig, SIGKILL, "without demotion nor swap, the OOM killer");
		is(ev(m, MMSIM_VM_pgdemote_kswapd) + ev(m, MMSIM_VM_pgdemote_direct), 0,
		   "nothing demoted");
		mmsim_task_exit(t);
		mmsim_destroy(m);
		return;
	}
	is(sig, 0, "24 MiB written on a 16 MiB node: no kill");
	uint64_t demoted = ev(m, MMSIM_VM_pgdemote_kswapd) + ev(m, MMSIM_VM_pgdemote_direct);
	ok(demoted >= npages - (16ULL << 20) / P, "pages demoted (kswapd %llu, direct %llu)",
	   (unsigned long long)ev(m, MMSIM_VM_pgdemote_kswapd),
	   (unsigned long long)ev(m, MMSIM_VM_pgdemote_direct));
	uint64_t on1 = 0, bad = 0;
	for (uint64_t i = 0; i < npages; i++) {
		uint8_t b = 0;
		struct page *p = page_at(t, a + i * P);
		on1 += p && page_to_nid(&m->mm, p) == 1;
		if (mmsim_load8(t, a + i * P + P - 1, &b) || b != (uint8_t)((i % 251) + 1))
			bad++;
	}
	ok(on1 >= npages - (16ULL << 20) / P, "node 1 holds the demoted pages (%llu)",
	   (unsigned long long)on1);
	is(bad, 0, "every page reads back");
	is(ev(m, MMSIM_VM_pswpout), 0, "nothing swapped");
	ok(ev(m, MMSIM_VM_pgmigrate_success) >= demoted, "demotions are migrations");
	mmsim_task_exit(t);
	mmsim_destroy(m);
}

/*
 * Page-cache pages: a task bound to node 0 writes a 24 MiB file on a
 * machine whose node 0 has 8 MiB; reclaim moves cold, clean (synced)
 * pages to node 1 rather than dropping them, and the file reads back.
 */
static void test_demote_file(void)
{
	printf("# page-cache pages demoted\n");
	static const uint16_t ad[] = { 0, MMSIM_ADISTANCE_DAX };
	struct mmsim *m = tiered(2, 1, 8ULL << 20, NULL, ad, true);
	struct mmsim_task *t = task_on(m, 0);
	char why[128];
	is(mmsim_disks_attach(m, NULL, NULL, why, sizeof why), 0, "disks attached");
	uint64_t mask = 1;
	is(mmsim_sys_set_mempolicy(t, MPOL_BIND, &mask, 64), 0, "bound to node 0");
	long fd = mmsim_sys_open(t, "big", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	static uint8_t buf[1 << 20];
	int bad = 0;
	for (unsigned i = 0; i < 24 && !bad; i++) {
		memset(buf, 0x40 + (int)i, sizeof buf);
		bad = mmsim_sys_pwrite(t, (int)fd, buf, sizeof buf, (uint64_t)i << 20) !=
		      (long)sizeof buf || mmsim_sys_fsync(t, (int)fd) != 0;
	}
	is(bad, 0, "24 MiB written and synced");
	uint64_t demoted = ev(m, MMSIM_VM_pgdemote_kswapd) + ev(m, MMSIM_VM_pgdemote_direct);
	ok(demoted > 0, "file pages demoted (%llu)", (unsigned long long)demoted);
	struct mmsim_node_meminfo mi;
	mmsim_node_meminfo(m, 1, &mi);
	ok(mi.kb[MMSIM_MEMINFO_FilePages] >= 4096, "node 1 caches the file's demoted pages (%llu kB)",
	   (unsigned long long)mi.kb[MMSIM_MEMINFO_FilePages]);
	for (unsigned i = 0; i < 24 && !bad; i++) {
		bad = mmsim_sys_pread(t, (int)fd, buf, sizeof buf, (uint64_t)i << 20) !=
		      (long)sizeof buf;
		for (size_t k = 0; k < sizeof buf && !bad; k += 512)
			bad = buf[k] != (uint8_t)(0x40 + i);
	}
	is(bad, 0, "the file reads back");
	mmsim_sys_close(t, (int)fd);
	mmsim_destroy(m);
}

struct writer {
	struct mmsim_task *t;
	uint64_t a, pages;
	int bad;
};

static void *write_then_check(void *arg)
{
	struct writer *w = arg;
	for (uint64_t i = 0; i < w->pages && !w->bad; i++)
		w->bad = mmsim_fill(w->t, w->a + i * P, (int)(i * 7) & 0xff, P, NULL) != 0;
	uint8_t b = 0;
	for (uint64_t i = 0; i < w->pages && !w->bad; i++)
		w->bad = mmsim_load8(w->t, w->a + i * P + 100, &b) || b != (uint8_t)(i * 7);
	return NULL;
}

/* A threaded machine: kswapd on its host thread demotes while two
 * processes bound to node 0 fault in more than it holds. */
static void test_demote_threaded(void)
{
	printf("# kswapd demoting on its host thread, racing two writers\n");
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 2;
	cfg.mem_per_node = 16ULL << 20;
	cfg.threaded = true;
	cfg.demotion_enabled = true;
	/* CPU 1 sits on node 1: a lower tier by its adistance all the same
	 * (Linux's top tier is the slowest with a CPU, but demotion goes by
	 * tiers alone). */
	cfg.adistance[1] = MMSIM_ADISTANCE_DAX;
	is(mmsim_create(&cfg, &m), 0, "threaded machine, node 1 a lower tier");
	struct writer w[2];
	pthread_t th[2];
	uint64_t mask = 1;
	for (int i = 0; i < 2; i++) {
		w[i].t = task_on(m, i);
		w[i].pages = (10ULL << 20) / P;
		w[i].bad = 0;
		mmsim_sys_set_mempolicy(w[i].t, MPOL_BIND, &mask, 64);
		w[i].a = (uint64_t)mmsim_sys_mmap(w[i].t, 0, w[i].pages * P, RW, PRIV, -1, 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, write_then_check, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	is(w[0].bad + w[1].bad, 0, "every page of both reads back");
	ok(ev(m, MMSIM_VM_pgdemote_kswapd) + ev(m, MMSIM_VM_pgdemote_direct) > 0,
	   "pages demoted (kswapd %llu, direct %llu)",
	   (unsigned long long)ev(m, MMSIM_VM_pgdemote_kswapd),
	   (unsigned long long)ev(m, MMSIM_VM_pgdemote_direct));
	for (int i = 0; i < 2; i++)
		mmsim_task_exit(w[i].t);
	mmsim_destroy(m);
}

/* MADV_PAGEOUT never demotes (Linux's reclaim_pages sets no_demotion):
 * without swap, the cold anonymous pages stay where they are. */
static void test_pageout_no_demotion(void)
{
	printf("# MADV_PAGEOUT does not demote\n");
	static const uint16_t ad[] = { 0, MMSIM_ADISTANCE_DAX };
	struct mmsim *m = tiered(2, 1, 16ULL << 20, NULL, ad, true);
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 64 * P, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 7, 64 * P, NULL);
	is(mmsim_sys_madvise(t, a, 64 * P, 21 /* MADV_PAGEOUT */), 0, "MADV_PAGEOUT");
	is(ev(m, MMSIM_VM_pgdemote_direct) + ev(m, MMSIM_VM_pgdemote_kswapd), 0, "nothing demoted");
	struct page *p = page_at(t, a);
	ok(p && page_to_nid(&m->mm, p) == 0, "the page stays on node 0");
	mmsim_task_exit(t);
	mmsim_destroy(m);
}

/* A machine of two nodes, the CPU on node 0, node 1 a lower tier, in
 * tiering mode (2) or normal + tiering (3), with the given hot threshold
 * and rate limit; a task with npages written on node 1. */
struct promo {
	struct mmsim *m;
	struct mmsim_task *t;
	uint64_t a, npages;
};

static bool promo_setup(struct promo *pr, uint64_t node0, unsigned mode, unsigned hot_ms,
			unsigned rate_mbps, uint64_t npages)
{
	struct mmsim_config cfg;
	mmsim_config_default(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 1;
	cfg.mem_per_node = node0;
	cfg.adistance[1] = MMSIM_ADISTANCE_DAX;
	cfg.demotion_enabled = true;
	cfg.numa_balancing = mode;
	cfg.numa_balancing_hot_threshold_ms = hot_ms;
	cfg.numa_balancing_promote_rate_limit_mbps = rate_mbps;
	/* No periodic scan during the test: only the explicit ones. */
	cfg.numa_balancing_scan_delay_ms = 86400000;
	pr->m = NULL;
	if (mmsim_create(&cfg, &pr->m))
		return false;
	pr->t = task_on(pr->m, 0);
	pr->npages = npages;
	uint64_t mask = 2;
	mmsim_sys_set_mempolicy(pr->t, MPOL_BIND, &mask, 64);
	pr->a = (uint64_t)mmsim_sys_mmap(pr->t, 0, npages * P, RW, PRIV, -1, 0);
	mmsim_fill(pr->t, pr->a, 0x5a, npages * P, NULL);
	mmsim_sys_set_mempolicy(pr->t, MPOL_DEFAULT, NULL, 0);
	ev(pr->m, MMSIM_VM_pgpromote_success);	/* drains the LRU batches */
	return true;
}

static uint64_t pages_on(struct promo *pr, unsigned nid)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < pr->npages; i++) {
		struct page *p = page_at(pr->t, pr->a + i * P);
		n += p && page_to_nid(&pr->m->mm, p) == nid;
	}
	return n;
}

/* Reads every page once (the hinting faults), and checks the data. */
static uint64_t touch_all(struct promo *pr)
{
	uint64_t bad = 0;
	for (uint64_t i = 0; i < pr->npages; i++) {
		uint8_t b = 0;
		bad += mmsim_load8(pr->t, pr->a + i * P + 3, &b) || b != 0x5a;
	}
	return bad;
}

/* Moves CPU 0's clock on by ms simulated milliseconds. */
static void clock_forward(struct mmsim *m, uint64_t ms)
{
	hw_charge(&m->hw->cpu[0], ms * MMSIM_CPU_MHZ * 1000);
}

static void test_promotion(void)
{
	printf("# promotion in memory tiering mode\n");
	struct promo pr;
	const uint64_t n = 128;
	/* Hot: accessed right after the scan. */
	ok(promo_setup(&pr, 16ULL << 20, MMSIM_NUMA_BALANCING_MEMORY_TIERING, 1000, 65536, n),
	   "tiering machine");
	is(pages_on(&pr, 1), n, "the pages start on node 1");
	clock_forward(pr.m, 2000);
	mmsim_numa_scan(pr.t, pr.a, n * P);
	is(touch_all(&pr), 0, "read back after the scan");
	is(pages_on(&pr, 0), n, "accessed 0 ms after the scan: all promoted to node 0");
	is(ev(pr.m, MMSIM_VM_pgpromote_success), n, "pgpromote_success");
	is(ev(pr.m, MMSIM_VM_pgpromote_candidate), n, "pgpromote_candidate");
	is(ev(pr.m, MMSIM_VM_numa_pages_migrated), n, "numa_pages_migrated");
	mmsim_task_exit(pr.t);
	mmsim_destroy(pr.m);

	/* Cold: accessed 1.5 s after the scan, past the 1 s threshold. */
	promo_setup(&pr, 16ULL << 20, MMSIM_NUMA_BALANCING_MEMORY_TIERING, 1000, 65536, n);
	clock_forward(pr.m, 2000);
	mmsim_numa_scan(pr.t, pr.a, n * P);
	clock_forward(pr.m, 1500);
	is(touch_all(&pr), 0, "read back 1.5 s after the scan");
	is(pages_on(&pr, 1), n, "not hot enough: all stay on node 1");
	is(ev(pr.m, MMSIM_VM_pgpromote_candidate), 0, "no candidate");
	is(ev(pr.m, MMSIM_VM_numa_hint_faults), n, "but every page took its hinting fault");
	mmsim_task_exit(pr.t);
	mmsim_destroy(pr.m);

	/* The rate limit: 1 MB/s is 256 pages a second. */
	promo_setup(&pr, 16ULL << 20, MMSIM_NUMA_BALANCING_MEMORY_TIERING, 1000, 1, 2 * n + 256);
	clock_forward(pr.m, 2000);
	mmsim_numa_scan(pr.t, pr.a, pr.npages * P);
	is(touch_all(&pr), 0, "read back");
	is(ev(pr.m, MMSIM_VM_pgpromote_candidate), pr.npages, "every page a candidate");
	is(pages_on(&pr, 0), 256, "256 promoted in the second: the rate limit");
	mmsim_task_exit(pr.t);
	mmsim_destroy(pr.m);

	/* Plenty of room on node 0 (2 GiB: > 1 GiB free above promo): at
	 * once, however late the access. */
	promo_setup(&pr, 2048ULL << 20, MMSIM_NUMA_BALANCING_MEMORY_TIERING, 1000, 65536, n);
	clock_forward(pr.m, 2000);
	mmsim_numa_scan(pr.t, pr.a, n * P);
	clock_forward(pr.m, 5000);
	touch_all(&pr);
	is(pages_on(&pr, 0), n, "free space enough: promoted whatever the latency");
	is(ev(pr.m, MMSIM_VM_pgpromote_candidate), 0, "without counting candidates");
	mmsim_task_exit(pr.t);
	mmsim_destroy(pr.m);
}

/* Tiering alone leaves the top tier unscanned; with normal balancing
 * too (3) it is scanned; without tiering a lower tier's page nobody
 * faulted on stays put. */
static void test_tiering_scan(void)
{
	printf("# what a tiering scan hides\n");
	struct promo pr;
	promo_setup(&pr, 16ULL << 20, MMSIM_NUMA_BALANCING_MEMORY_TIERING, 1000, 65536, 64);
	uint64_t b = (uint64_t)mmsim_sys_mmap(pr.t, 0, 64 * P, RW, PRIV, -1, 0);
	mmsim_fill(pr.t, b, 1, 64 * P, NULL);	/* on node 0 */
	uint64_t before = ev(pr.m, MMSIM_VM_numa_pte_updates);
	mmsim_numa_scan(pr.t, b, 64 * P);
	is(ev(pr.m, MMSIM_VM_numa_pte_updates) - before, 0, "tiering only: node 0's pages not scanned");
	mmsim_numa_scan(pr.t, pr.a, 64 * P);
	is(ev(pr.m, MMSIM_VM_numa_pte_updates) - before, 64, "node 1's are");
	mmsim_task_exit(pr.t);
	mmsim_destroy(pr.m);

	/* Two threads: pages on the scanning thread's node are not skipped
	 * as a lone thread's would be. */
	struct mmsim_task *th = NULL;
	for (unsigned mode = 2; mode <= 3; mode++) {
		promo_setup(&pr, 16ULL << 20, mode, 1000, 65536, 64);
		is(mmsim_thread_create(pr.t, "t2", 0, &th), 0, "a second thread");
		b = (uint64_t)mmsim_sys_mmap(pr.t, 0, 64 * P, RW, PRIV, -1, 0);
		mmsim_fill(pr.t, b, 1, 64 * P, NULL);
		before = ev(pr.m, MMSIM_VM_numa_pte_updates);
		mmsim_numa_scan(pr.t, b, 64 * P);
		is(ev(pr.m, MMSIM_VM_numa_pte_updates) - before, mode == 3 ? 64 : 0,
		   mode == 3 ? "normal + tiering: node 0's pages scanned"
			     : "tiering alone: still not");
		mmsim_task_exit(th);
		mmsim_task_exit(pr.t);
		mmsim_destroy(pr.m);
	}

	promo_setup(&pr, 16ULL << 20, 0, 1000, 65536, 64);
	mmsim_numa_scan(pr.t, pr.a, 64 * P);
	touch_all(&pr);
	is(pages_on(&pr, 1), 64, "no tiering: a lower-tier page with no cpupid stays");
	mmsim_numa_scan(pr.t, pr.a, 64 * P);
	touch_all(&pr);
	is(pages_on(&pr, 0), 64, "its second hinting fault moves it (the cpupid is ours)");
	mmsim_task_exit(pr.t);
	mmsim_destroy(pr.m);
}

int main(void)
{
	test_linux_examples();
	test_demote_anon(MMSIM_LRU_GEN, true);
	test_demote_anon(MMSIM_LRU_CLASSIC, true);
	test_demote_anon(MMSIM_LRU_GEN, false);
	test_demote_file();
	test_demote_threaded();
	test_pageout_no_demotion();
	test_promotion();
	test_tiering_scan();
	return done_testing();
}
