/*
 * test_vmscan.c - watermarks and kswapd (src/mm/page_alloc.c, vmscan.c):
 * the watermarks Linux computes from min_free_kbytes and
 * watermark_scale_factor (and their sysctls), an allocation overflowing
 * to the next node at low and waking kswapd below it, kswapd's run at the
 * next defined point bringing the node back above high (pgscan_kswapd,
 * pgsteal_kswapd, pageoutrun), kswapd giving up on a hopeless node after
 * 16 fruitless runs, its 100 ms nap on the simulated clock and the
 * kswapd_low/high_wmark_hit_quickly counters moving exactly where Linux's
 * kswapd_try_to_sleep moves them (one thread and threaded), and, on a
 * threaded machine, kswapd on its own host thread racing the faulting
 * threads, every page read back; PG_reclaim's rotation of a page whose
 * write ends (pgrotated); the LRU's
 * ageing, classic (activation, refill of the inactive lists) and MGLRU's
 * default, a hot set kept while a stream goes by; refault detection
 * (workingset.c) page by page; the dirty limits keeping a machine that
 * writes more file data than it holds, never synced, out of trouble; and
 * MGLRU's look-around promoting a young page's neighbours.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define P 4096ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

static uint64_t ev(struct mmsim *m, enum mmsim_vmstat_event e)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	return vs.ev[e];
}

static struct mmsim *machine(unsigned nodes, uint64_t mem, bool threaded)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = nodes > 1 ? nodes : 2;
	cfg.mem_per_node = mem;
	cfg.threaded = threaded;
	return mmsim_create(&cfg, &m) ? NULL : m;
}

static struct mmsim *machine_lru(unsigned nodes, uint64_t mem, enum mmsim_lru lru, bool small_tlb)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = 2;
	cfg.mem_per_node = mem;
	cfg.lru = lru;
	if (small_tlb) {
		cfg.tlb4k_sets = 16;
		cfg.tlb4k_ways = 4;
	}
	return mmsim_create(&cfg, &m) ? NULL : m;
}

static void test_watermarks(void)
{
	printf("# watermarks: Linux's formulas, the config and the sysctls\n");
	struct mmsim *m = machine(2, 256ULL << 20, false);
	struct mmsim_zoneinfo z;
	uint64_t v = 0;
	is(mmsim_sysctl_vm_get(m, "min_free_kbytes", &v), 0, "min_free_kbytes readable");
	is(v, 2896, "2 x 256 MiB: int_sqrt(16 x 524288) = 2896 kB (Linux: 2731, less the kernel's)");
	is(mmsim_zoneinfo(m, 1, &z), 0, "zoneinfo of node 1");
	is(z.min, 362, "min: half of 724 pages");
	is(z.low, 452, "low: min + max(min/4, 65536 x 10/10000) = 362 + 90");
	is(z.high, 542, "high: min + 2 x 90");
	is(z.managed, 65536, "managed: the node's 65536 pages");
	is(mmsim_zoneinfo(m, 2, &z), -EINVAL, "no node 2");

	is(mmsim_sysctl_vm_set(m, "watermark_scale_factor", 1000), 0, "watermark_scale_factor 1000");
	mmsim_zoneinfo(m, 0, &z);
	is(z.low - z.min, 6553, "the step is now 10%% of the node, 6553 pages");
	is(z.high, 362 + 2 * 6553, "high = min + 2 steps");
	is(mmsim_sysctl_vm_set(m, "watermark_scale_factor", 0), -EINVAL, "scale factor 0 refused");
	is(mmsim_sysctl_vm_set(m, "watermark_scale_factor", 3001), -EINVAL, "3001 refused");
	is(mmsim_sysctl_vm_set(m, "min_free_kbytes", 16384), 0, "min_free_kbytes 16384");
	mmsim_zoneinfo(m, 0, &z);
	is(z.min, 2048, "min: half of 4096 pages");
	is(mmsim_sysctl_vm_set(m, "min_free_kbytes", 512ULL << 10), -EINVAL,
	   "half the machine or more refused");
	is(mmsim_sysctl_vm_set(m, "swapiness", 1), -EINVAL, "unknown name refused");
	mmsim_destroy(m);

	struct mmsim_config cfg;
	mmsim_config_default(&cfg);
	cfg.min_free_kbytes = 8192;
	cfg.watermark_scale_factor = 50;
	is(mmsim_config_check(&cfg, NULL, 0), 0, "a config with both");
	is(mmsim_create(&cfg, &m), 0, "boots");
	mmsim_zoneinfo(m, 0, &z);
	is(z.min, 1024, "min from the config's 8192 kB");
	is(z.low, 1024 + 327, "step max(256, 65536 x 50/10000 = 327)");
	mmsim_destroy(m);
	cfg.watermark_scale_factor = 0;
	ok(mmsim_config_check(&cfg, NULL, 0) == -EINVAL, "scale factor 0 refused by the check");
	cfg.watermark_scale_factor = 10;
	cfg.min_free_kbytes = 300000;
	ok(mmsim_config_check(&cfg, NULL, 0) == -EINVAL, "min_free_kbytes over half refused");
}

/*
 * One node of 16 MiB (4096 pages; min_free_kbytes int_sqrt(262144) = 512:
 * watermarks 128, 160, 192) with a swap area: writing more than fits
 * wakes kswapd, whose runs at the end of faults keep the node above min
 * by swapping out; direct reclaim is rarely needed.
 */
static void test_kswapd_runs(void)
{
	printf("# kswapd: woken below low, run at the next fault's end, back above high\n");
	struct mmsim *m = machine(1, 16ULL << 20, false);
	struct mmsim_zoneinfo z;
	mmsim_zoneinfo(m, 0, &z);
	is(z.min, 128, "min 128");
	is(z.high, 192, "high 192");
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64 MiB");
	struct mmsim_task *t = task_on(m, 0);
	const uint64_t len = 24ULL << 20, pages = len / P;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV, -1, 0);
	uint64_t run0 = ev(m, MMSIM_VM_pageoutrun);
	bool below_min = false;
	int bad = 0;
	for (uint64_t i = 0; i < pages && !bad; i++) {
		bad = mmsim_fill(t, a + i * P, (int)(i * 13 + 5) & 0xff, P, NULL) != 0;
		mmsim_zoneinfo(m, 0, &z);
		below_min |= z.free < z.min;
	}
	is(bad, 0, "24 MiB written into 16 MiB");
	ok(!below_min, "free pages never below min between accesses");
	uint64_t runs = ev(m, MMSIM_VM_pageoutrun) - run0;
	ok(runs > 0, "kswapd ran (pageoutrun %llu)", (unsigned long long)runs);
	ok(ev(m, MMSIM_VM_pgsteal_kswapd) > 0 && ev(m, MMSIM_VM_pgscan_kswapd) >=
	   ev(m, MMSIM_VM_pgsteal_kswapd), "pgscan_kswapd >= pgsteal_kswapd > 0");
	is(ev(m, MMSIM_VM_pgsteal_anon), ev(m, MMSIM_VM_pgsteal_kswapd) +
	   ev(m, MMSIM_VM_pgsteal_direct), "anon steals are kswapd's and direct's");
	uint64_t swapped = ev(m, MMSIM_VM_pswpout);
	ok(swapped >= pages - 4096, "at least the overflow went to swap (%llu)",
	   (unsigned long long)swapped);
	uint8_t b = 0;
	for (uint64_t i = 0; i < pages && !bad; i++)
		bad = mmsim_load8(t, a + i * P + 7, &b) || b != (uint8_t)((i * 13 + 5) & 0xff);
	is(bad, 0, "every page reads back");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/*
 * Without swap, anonymous memory cannot be reclaimed: each kswapd run
 * frees nothing and counts a failure; a run that ends with the node
 * unbalanced is followed at once by another, without a wake, counted in
 * kswapd_high_wmark_hit_quickly (Linux's kswapd_try_to_sleep finds it may
 * not sleep); after 16 the node is hopeless, kswapd naps and no
 * allocation wakes it any more (Linux's kswapd_failures).  The task takes
 * the node just below low, then each round writes one new page and
 * read-faults 12 more (the zero page: no allocation), each fault's end
 * one kswapd step - 12 steps take a run from priority 12 down to nothing.
 * Then the task fills the node down to min, direct reclaim fails, and the
 * OOM killer takes it.  The same with MGLRU: Linux 6.12's
 * lru_gen_shrink_node clears the failures only when it freed something
 * (it once did whatever it freed, "kswapd should never fail").
 */
static void test_kswapd_hopeless(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	printf("# kswapd: fruitless runs, %s: hopeless after 16\n", classic ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(1, 16ULL << 20, lru, false);
	struct mmsim_task *t = task_on(m, 0);
	const uint64_t len = 24ULL << 20;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV | MAP_NORESERVE, -1, 0);
	uint64_t r = (uint64_t)mmsim_sys_mmap(t, 0, 1024 * P, PROT_READ, PRIV, -1, 0);
	struct mmsim_zoneinfo z;
	uint64_t i = 0, reads = 0;
	for (mmsim_zoneinfo(m, 0, &z); z.free >= z.low; mmsim_zoneinfo(m, 0, &z))
		mmsim_fill(t, a + i++ * P, 0x33, P, NULL);
	uint64_t run0 = ev(m, MMSIM_VM_pageoutrun);
	ok(run0 == 0 || run0 == 1, "the node is below low: kswapd woken (%llu)",
	   (unsigned long long)run0);
	for (int round = 0; round < 20; round++) {
		mmsim_fill(t, a + i++ * P, 0x33, P, NULL);
		for (int k = 0; k < 12; k++) {
			uint8_t b;
			mmsim_load8(t, r + reads++ * P, &b);
		}
	}
	mmsim_zoneinfo(m, 0, &z);
	is(ev(m, MMSIM_VM_pageoutrun), MAX_RECLAIM_RETRIES,
	   "kswapd ran exactly 16 times, each freeing nothing");
	is(ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly), MAX_RECLAIM_RETRIES - 1,
	   "15 runs ended unbalanced and not hopeless: high_wmark_hit_quickly, another run");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), 0, "never woken in a nap");
	is(z.kswapd_failures, MAX_RECLAIM_RETRIES, "16 failures: hopeless");
	is(m->mm.node[0].kswapd_state, KSWAPD_NAPPING, "a hopeless node's kswapd naps");
	ok(z.free >= z.min, "the node is still above min");
	is(ev(m, MMSIM_VM_pgsteal_kswapd), 0, "kswapd freed nothing");
	is(mmsim_fill(t, a + i * P, 0x33, len - i * P, NULL), SIGKILL,
	   "filling on: the OOM killer takes the task");
	ok(ev(m, MMSIM_VM_allocstall_movable) > 0, "direct reclaim was tried (allocstall)");
	is(ev(m, MMSIM_VM_oom_kill), 1, "then the OOM kill");
	mmsim_task_exit(t);
	mmsim_zoneinfo(m, 0, &z);
	ok(z.free > z.high, "the victim's memory is back");
	mmsim_destroy(m);
}

/*
 * kswapd reclaims clean page-cache pages: a 24 MiB file written on a
 * machine of 2 x 8 MiB (fsync after every MiB, as nothing flushes dirty
 * pages here) and read back whole.  The cache fills node 0 down to low,
 * then node 1; below low on both, kswapd runs on both and evicts the
 * oldest clean pages, which the read brings back from the disk.
 */
static void test_kswapd_file(void)
{
	printf("# kswapd: a file larger than memory, through the page cache\n");
	struct mmsim *m = machine(2, 8ULL << 20, false);
	char why[128];
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_disks_attach(m, NULL, NULL, why, sizeof why), 0, "disks attached");
	long fd = mmsim_sys_open(t, "big", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	ok(fd >= 0, "open big");
	static uint8_t buf[1 << 20];
	const unsigned mib = 24;
	int bad = 0;
	for (unsigned i = 0; i < mib && !bad; i++) {
		memset(buf, 0x20 + (int)i, sizeof buf);
		bad = mmsim_sys_pwrite(t, (int)fd, buf, sizeof buf, (uint64_t)i << 20) !=
		      (long)sizeof buf || mmsim_sys_fsync(t, (int)fd) != 0;
	}
	is(bad, 0, "24 MiB written and synced in 1 MiB steps");
	ok(ev(m, MMSIM_VM_pageoutrun) > 0, "kswapd ran");
	ok(ev(m, MMSIM_VM_pgsteal_file) > 0, "page-cache pages reclaimed (%llu)",
	   (unsigned long long)ev(m, MMSIM_VM_pgsteal_file));
	is(ev(m, MMSIM_VM_pgsteal_anon), 0, "no anonymous page taken");
	for (unsigned i = 0; i < mib && !bad; i++) {
		bad = mmsim_sys_pread(t, (int)fd, buf, sizeof buf, (uint64_t)i << 20) !=
		      (long)sizeof buf;
		for (size_t k = 0; k < sizeof buf && !bad; k += 512)
			bad = buf[k] != (uint8_t)(0x20 + i);
	}
	is(bad, 0, "read back whole, evicted pages from the disk");
	struct mmsim_zoneinfo z0, z1;
	mmsim_zoneinfo(m, 0, &z0);
	mmsim_zoneinfo(m, 1, &z1);
	ok(z0.free >= z0.min && z1.free >= z1.min, "both nodes above min");
	mmsim_sys_close(t, (int)fd);
	mmsim_destroy(m);
}

/* ---- kswapd's nap (Linux's kswapd_try_to_sleep) ------------------------------------- */

#define CYCLES_PER_MS ((uint64_t)MMSIM_CPU_MHZ * 1000)

static unsigned kstate(struct mmsim *m)
{
	return m->mm.node[0].kswapd_state;
}

/* A defined point that allocates nothing and costs no cycles before
 * kswapd's turn: a system call's entry (madvise MADV_NORMAL). */
static void defined_point(struct mmsim_task *t, uint64_t a)
{
	mmsim_sys_madvise(t, a, P, 0);
}

/* Read faults on the zero page (no allocation), each a defined point,
 * until node 0's kswapd is in state want; false if it never gets there. */
static bool faults_until(struct mmsim_task *t, uint64_t r, uint64_t *reads, unsigned want)
{
	for (int i = 0; i < 4096; i++) {
		if (kstate(t->m) == want)
			return true;
		uint8_t b;
		mmsim_load8(t, r + (*reads)++ * P, &b);
	}
	return kstate(t->m) == want;
}

/* Sets CPU 0's clock to ms (it only moves forward). */
static void clock_to_ms(struct mmsim *m, uint64_t ms)
{
	struct hw_cpu *cpu = &m->hw->cpu[0];
	uint64_t now = hw_cpu_ms(cpu);
	if (ms > now)
		hw_charge(cpu, (ms - now) * CYCLES_PER_MS);
}

/*
 * The two counters of kswapd_try_to_sleep, each moved exactly where
 * Linux's is, on one node of 16 MiB (watermarks 128, 160, 192) with swap,
 * kswapd stepping at the defined points:
 *  - a run that leaves the node balanced is followed by a nap whose end
 *    is the defined point's clock + 100 ms;
 *  - a wake during the nap counts kswapd_low_wmark_hit_quickly (only);
 *  - a nap that runs out on a balanced node ends in sleep, counting
 *    nothing, not at 99 ms, at 100; a wake from that sleep counts nothing;
 *  - a nap that runs out on a node fallen between low and high (no
 *    allocation woke kswapd) counts kswapd_high_wmark_hit_quickly and runs;
 *  - a wake while kswapd runs is lost, as is one of a hopeless node.
 */
#define NAP_PAGES 12288ULL	/* 48 MiB: room to write on to the end */

static void test_kswapd_nap(enum mmsim_lru lru)
{
	printf("# kswapd's nap and the wmark_hit_quickly counters, %s\n",
	       lru == MMSIM_LRU_CLASSIC ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(1, 16ULL << 20, lru, false);
	struct pglist_data *nd = &m->mm.node[0];
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64 MiB");
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, NAP_PAGES * P, RW, PRIV, -1, 0);
	uint64_t r = (uint64_t)mmsim_sys_mmap(t, 0, 16384 * P, PROT_READ, PRIV, -1, 0);
	uint64_t i = 0, reads = 0;
	struct mmsim_zoneinfo z;
	is(kstate(m), KSWAPD_SLEEPING, "kswapd boots asleep (Linux's boot nap is long over)");

	/* Fill until kswapd is woken, then let it run to its nap. */
	while (kstate(m) == KSWAPD_SLEEPING && !nd->kswapd_wake && i < NAP_PAGES)
		mmsim_fill(t, a + i++ * P, 0x5a, P, NULL);
	ok(kstate(m) != KSWAPD_SLEEPING || nd->kswapd_wake, "filling the node woke kswapd");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), 0, "a wake from sleep: no low count");
	ok(faults_until(t, r, &reads, KSWAPD_NAPPING), "kswapd's run ends in a nap");
	mmsim_zoneinfo(m, 0, &z);
	ok(z.free > z.high, "the node is balanced (%llu free > high %llu)",
	   (unsigned long long)z.free, (unsigned long long)z.high);
	uint64_t end = nd->kswapd_nap_end;
	is(end, m->mm.kswapd_clock + KSWAPD_NAP_MS, "the nap ends 100 ms after the run's end");
	ok(m->mm.kswapd_clock >= hw_cpu_ms(&m->hw->cpu[0]) - 1 &&
	   m->mm.kswapd_clock <= hw_cpu_ms(&m->hw->cpu[0]), "kswapd's clock is CPU 0's");
	uint64_t low0 = ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly);
	uint64_t high0 = ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly);
	uint64_t run0 = ev(m, MMSIM_VM_pageoutrun);
	is(low0, 0, "no low count yet");

	/* Below low again within the nap: woken early.  (The run may end
	 * within the defined point that begins it: the counters tell.) */
	while (ev(m, MMSIM_VM_pageoutrun) == run0 && i < NAP_PAGES)
		mmsim_fill(t, a + i++ * P, 0x5a, P, NULL);
	ok(hw_cpu_ms(&m->hw->cpu[0]) < end, "within 100 ms of the nap's start");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), low0 + 1,
	   "an allocation below low woke the napping kswapd: low_wmark_hit_quickly, exactly one");
	is(ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly), high0, "no high count");
	is(ev(m, MMSIM_VM_pageoutrun), run0 + 1, "and a run (pageoutrun)");

	/* A wake while kswapd runs is lost (it is on no wait queue): the
	 * allocator's own slow path wakes it, below low, with no defined
	 * point between (pages taken straight from the allocator). */
	ok(faults_until(t, r, &reads, KSWAPD_NAPPING), "the run ends in a nap again");
	static struct page *raw[1024];
	unsigned nraw = 0;
	uint64_t nap_end = nd->kswapd_nap_end, fail0 = nd->kswapd_failures;
	nd->kswapd_state = KSWAPD_RUNNING;
	for (mmsim_zoneinfo(m, 0, &z); z.free >= z.low && nraw < 1024; mmsim_zoneinfo(m, 0, &z))
		raw[nraw++] = alloc_pages_node(&m->mm, NULL, 0, 0, 0);
	raw[nraw++] = alloc_pages_node(&m->mm, NULL, 0, 0, 0);	/* the slow path's */
	mmsim_zoneinfo(m, 0, &z);
	ok(z.free < z.low && raw[nraw - 1], "below low while kswapd runs (%llu free)",
	   (unsigned long long)z.free);
	is(nd->kswapd_wake, 0, "the allocator's wake is lost");
	nd->kswapd_state = KSWAPD_NAPPING;
	wakeup_kswapd(&m->mm, 0, 0);
	is(nd->kswapd_wake, 1, "napping, the same wake is taken");
	for (unsigned k = 0; k < nraw; k++)
		if (raw[k])
			free_pages(&m->mm, raw[k], 0);
	run0 = ev(m, MMSIM_VM_pageoutrun);
	ok(nd->kswapd_nap_end == nap_end, "(its nap's end untouched)");
	defined_point(t, a);
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), low0 + 2, "low_wmark_hit_quickly again");
	is(ev(m, MMSIM_VM_pageoutrun), run0 + 1, "a run at the next defined point");
	is(nd->kswapd_failures, fail0, "which found the node balanced again: no failure");
	is(kstate(m), KSWAPD_NAPPING, "and naps");

	/* The nap runs out on a balanced node: sleep, nothing counted. */
	ok(faults_until(t, r, &reads, KSWAPD_NAPPING), "the run ends in a nap");
	low0 = ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly);
	high0 = ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly);
	run0 = ev(m, MMSIM_VM_pageoutrun);
	end = nd->kswapd_nap_end;
	clock_to_ms(m, end - 1);
	defined_point(t, a);
	is(kstate(m), KSWAPD_NAPPING, "at 99 ms kswapd still naps");
	ok(nd->kswapd_nap_end == end, "its end unchanged");
	clock_to_ms(m, end);
	defined_point(t, a);
	is(kstate(m), KSWAPD_SLEEPING, "at 100 ms, balanced: it sleeps");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), low0, "no low count");
	is(ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly), high0, "no high count");
	is(ev(m, MMSIM_VM_pageoutrun), run0, "no run");

	/* From sleep: a wake counts nothing but the run. */
	while (kstate(m) == KSWAPD_SLEEPING && !nd->kswapd_wake && i < NAP_PAGES)
		mmsim_fill(t, a + i++ * P, 0x5a, P, NULL);
	ok(faults_until(t, r, &reads, KSWAPD_NAPPING), "woken from sleep, it runs to a nap");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), low0, "a wake from sleep: no low count");
	ok(ev(m, MMSIM_VM_pageoutrun) > run0, "it ran");
	high0 = ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly);
	run0 = ev(m, MMSIM_VM_pageoutrun);

	/* Between low and high without a wake, then the nap runs out. */
	for (mmsim_zoneinfo(m, 0, &z); z.free > z.low + 8 && i < NAP_PAGES; mmsim_zoneinfo(m, 0, &z))
		mmsim_fill(t, a + i++ * P, 0x5a, P, NULL);
	ok(z.free <= z.high && z.free > z.low, "the node fell between low and high (%llu free)",
	   (unsigned long long)z.free);
	is(kstate(m), KSWAPD_NAPPING, "no allocation went below low: kswapd naps on");
	is(nd->kswapd_wake, 0, "nor was it woken");
	clock_to_ms(m, nd->kswapd_nap_end);
	defined_point(t, a);
	is(ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly), high0 + 1,
	   "the nap ran out unbalanced: kswapd_high_wmark_hit_quickly, exactly one");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), low0, "no low count");
	is(ev(m, MMSIM_VM_pageoutrun), run0 + 1, "and a run without a wake");
	ok(faults_until(t, r, &reads, KSWAPD_NAPPING), "which ends in a nap");

	/* A hopeless node is not woken. */
	clock_to_ms(m, nd->kswapd_nap_end);
	defined_point(t, a);
	is(kstate(m), KSWAPD_SLEEPING, "asleep");
	nd->kswapd_failures = MAX_RECLAIM_RETRIES;
	while (i < NAP_PAGES) {
		mmsim_zoneinfo(m, 0, &z);
		if (z.free < z.low)
			break;
		mmsim_fill(t, a + i++ * P, 0x5a, P, NULL);
	}
	ok(z.free < z.low, "below low");
	ok(kstate(m) == KSWAPD_SLEEPING && !nd->kswapd_wake, "a hopeless node's kswapd is not woken");
	nd->kswapd_failures = 0;
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* On a threaded machine the nap is on the same clock: kswapd's thread
 * naps after its run and sleeps once a task's defined point shows a CPU
 * clock 100 ms later; a wake then runs it again. */
static void test_kswapd_nap_thread(void)
{
	printf("# kswapd's nap on a threaded machine\n");
	struct mmsim *m = machine(1, 16ULL << 20, true);
	struct pglist_data *nd = &m->mm.node[0];
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64 MiB");
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 24ULL << 20, RW, PRIV, -1, 0);
	uint64_t i = 0;
	for (; i < 4096 + 512; i++)
		mmsim_fill(t, a + i * P, 0x6b, P, NULL);
	/* The writes crossed low and woke it; its host thread may not have
	 * been scheduled yet on a loaded host: wait for it (host time). */
	double t0 = now();
	while (!ev(m, MMSIM_VM_pageoutrun) && now() - t0 < 20)
		usleep(1000);
	ok(ev(m, MMSIM_VM_pageoutrun) > 0, "kswapd's thread ran");
	/* Half the memory back: whatever kswapd is doing, it ends in a nap
	 * on a node well above high (not one left between low and high). */
	is(mmsim_sys_munmap(t, a + 3072 * P, 3072 * P), 0, "half the region unmapped");
	/* Wait (host time) for the run to end in a nap with its end set
	 * by a defined point and no wake pending (the writes are over: no
	 * new wake can come, so the nap then lasts until it runs out). */
	t0 = now();
	while (now() - t0 < 20) {
		defined_point(t, a);
		if (!__atomic_load_n(&nd->kswapd_wake, __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST) == KSWAPD_NAPPING &&
		    __atomic_load_n(&nd->kswapd_nap_end, __ATOMIC_ACQUIRE) < KSWAPD_NAP_OVER)
			break;
		usleep(1000);
	}
	uint64_t end = __atomic_load_n(&nd->kswapd_nap_end, __ATOMIC_ACQUIRE);
	ok(end < KSWAPD_NAP_OVER, "kswapd naps, its end set by a defined point");
	uint64_t high = ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly);
	uint64_t low = ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly);
	clock_to_ms(m, end);
	defined_point(t, a);
	t0 = now();
	while (__atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST) != KSWAPD_SLEEPING &&
	       now() - t0 < 20)
		usleep(1000);
	is(__atomic_load_n(&nd->kswapd_state, __ATOMIC_SEQ_CST), KSWAPD_SLEEPING,
	   "the nap ran out on CPU 0's clock: kswapd's thread sleeps");
	is(ev(m, MMSIM_VM_kswapd_high_wmark_hit_quickly), high, "no high count");
	is(ev(m, MMSIM_VM_kswapd_low_wmark_hit_quickly), low, "no low count");
	uint64_t run0 = ev(m, MMSIM_VM_pageoutrun);
	uint64_t b = (uint64_t)mmsim_sys_mmap(t, 0, 6144 * P, RW, PRIV, -1, 0);
	for (uint64_t k = 0; k < 6144; k++)
		mmsim_fill(t, b + k * P, 0x6c, P, NULL);
	t0 = now();
	while (ev(m, MMSIM_VM_pageoutrun) == run0 && now() - t0 < 20)
		usleep(1000);
	ok(ev(m, MMSIM_VM_pageoutrun) > run0, "woken from sleep, it runs again");
	kswapd_quiesce(&m->mm);
	kswapd_resume(&m->mm);
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* ---- PG_reclaim's rotation (Linux's folio_rotate_reclaimable) ----------------------- */

static struct page *file_page(struct mmsim_task *t, uint64_t va)
{
	struct pmap_entry e = pte(t, va);
	return e.kind == PMAP_PAGE ? pfn_to_page(&t->m->mm, e.pfn) : NULL;
}

/* MGLRU: p's generation (flags), and node 0's root lruvec's youngest. */
static int gen_now(struct mmsim *m, const struct page *p)
{
	(void)m;
	return (int)((p->flags & LRU_GEN_MASK) >> LRU_GEN_SHIFT) - 1;
}

static int youngest(struct mmsim *m)
{
	return (int)(m->mm.node[0].lruvec.lrugen.max_seq % MAX_NR_GENS);
}

/* Is p among the first n pages reclaim would take from its lruvec's
 * file pages: the inactive list's tail (classic), the oldest generation's
 * tail (MGLRU)? */
static bool at_old_end(struct mmsim *m, struct page *p, unsigned n)
{
	struct lruvec *lv = &m->mm.node[page_to_nid(&m->mm, p)].lruvec;
	struct list_head *head = lru_classic(&m->mm) ?
		&lv->lists[LRU_INACTIVE_FILE] :
		&lv->lrugen.folios[lv->lrugen.min_seq[1] % MAX_NR_GENS][1];
	struct list_head *l = head->prev;
	for (unsigned k = 0; k < n && l != head; k++, l = l->prev)
		if (list_entry(l, struct page, lru) == p)
			return true;
	return false;
}

/*
 * Reclaim that meets a dirty file page leaves it to the flusher, marks it
 * PG_reclaim and activates it; when its write ends (here fsync's) it is
 * rotated to the old end of the lists, counting pgrotated, so the next
 * reclaim takes it first.  Pages written without the mark stay where they
 * are.  A pageout to swap ends its write within the call, the page still
 * off the lists: nothing rotates and no mark is left behind to pass for
 * PG_readahead (a later fault would count swap_ra_hit).
 */
static void test_rotate_reclaimable(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	printf("# PG_reclaim: rotated when the write ends, %s\n", classic ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(1, 64ULL << 20, lru, false);
	char why[128];
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_disks_attach(m, NULL, NULL, why, sizeof why), 0, "disks attached");
	long fd = mmsim_sys_open(t, "rot", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	const unsigned n = 64, half = 32;
	is(mmsim_sys_ftruncate(t, (int)fd, n * P), 0, "a 64-page file");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, n * P, RW, MAP_SHARED, (int)fd, 0);
	struct page *pg[64];
	int bad = 0;
	for (unsigned i = 0; i < n && !bad; i++)
		bad = mmsim_fill(t, a + i * P, 0x70 + (int)i, P, NULL) != 0;
	for (unsigned i = 0; i < n; i++)
		pg[i] = file_page(t, a + i * P);
	is(bad, 0, "every page written through the mapping");
	uint64_t act0 = ev(m, MMSIM_VM_pgactivate);
	is(mmsim_sys_madvise(t, a, half * P, MADV_PAGEOUT), 0, "MADV_PAGEOUT on the first half");
	unsigned marked = 0, active = 0, dirty = 0;
	for (unsigned i = 0; i < half; i++) {
		marked += page_test(pg[i], PG_reclaim);
		dirty += page_test(pg[i], PG_dirty);
		active += page_test(pg[i], PG_lru) &&
			  (classic ? page_test(pg[i], PG_active) : gen_now(m, pg[i]) == youngest(m));
	}
	is(dirty, half, "the dirty pages stay (the flusher's to write)");
	is(marked, half, "each marked PG_reclaim");
	is(active, half, "and activated, not left at the old end");
	is(ev(m, MMSIM_VM_pgactivate) - act0, half, "pgactivate counts them");
	unsigned others = 0;
	for (unsigned i = half; i < n; i++)
		others += page_test(pg[i], PG_reclaim);
	is(others, 0, "the other half is unmarked");
	is(ev(m, MMSIM_VM_pgrotated), 0, "pgrotated 0 before any write ends");

	is(mmsim_sys_fsync(t, (int)fd), 0, "fsync writes all 64 pages");
	is(ev(m, MMSIM_VM_pgrotated), half, "pgrotated: exactly the 32 marked pages");
	unsigned old = 0, cleared = 0, clean = 0;
	for (unsigned i = 0; i < half; i++) {
		old += at_old_end(m, pg[i], half) && !page_test(pg[i], PG_active);
		cleared += !page_test(pg[i], PG_reclaim);
		clean += !page_test(pg[i], PG_dirty);
	}
	is(clean, half, "written: clean");
	is(cleared, half, "the mark is gone");
	is(old, half, classic ? "all at the inactive list's tail, inactive"
			      : "all at the oldest generation's tail");
	unsigned moved = 0;
	for (unsigned i = half; i < n; i++)
		moved += at_old_end(m, pg[i], half);
	is(moved, 0, "the unmarked pages did not move there");

	/* Swap-out: the write ends within pageout, the page isolated. */
	is(mmsim_swapon(m, 16ULL << 20, NULL), 0, "swapon 16 MiB");
	uint64_t b = (uint64_t)mmsim_sys_mmap(t, 0, 16 * P, RW, PRIV, -1, 0);
	for (unsigned i = 0; i < 16 && !bad; i++)
		bad = mmsim_fill(t, b + i * P, 0x11 + (int)i, P, NULL) != 0;
	uint64_t out0 = ev(m, MMSIM_VM_pswpout), ra0 = ev(m, MMSIM_VM_swap_ra_hit);
	is(mmsim_sys_madvise(t, b, 16 * P, MADV_PAGEOUT), 0, "MADV_PAGEOUT on 16 anonymous pages");
	is(ev(m, MMSIM_VM_pswpout) - out0, 16, "16 pages written to swap");
	is(ev(m, MMSIM_VM_pgrotated), half, "none rotated (the write ended before the putback)");
	uint8_t c;
	for (unsigned i = 0; i < 16 && !bad; i++)
		bad = mmsim_load8(t, b + i * P, &c) || c != (uint8_t)(0x11 + i);
	is(bad, 0, "faulted back from the swap cache");
	is(ev(m, MMSIM_VM_swap_ra_hit), ra0, "no mark left to count as a readahead hit");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_sys_close(t, (int)fd);
	mmsim_destroy(m);
}

struct writer {
	struct mmsim_task *t;
	uint64_t a, pages;
	int salt, bad;
};

static void *write_and_check(void *arg)
{
	struct writer *w = arg;
	for (int round = 0; round < 3 && !w->bad; round++) {
		for (uint64_t i = 0; i < w->pages && !w->bad; i++)
			w->bad = mmsim_fill(w->t, w->a + i * P, (int)(i + w->salt + round) & 0xff, P,
					    NULL) != 0;
		uint8_t b = 0;
		for (uint64_t i = 0; i < w->pages && !w->bad; i++)
			w->bad = mmsim_load8(w->t, w->a + i * P + 11, &b) ||
				 b != (uint8_t)((i + w->salt + round) & 0xff);
	}
	return NULL;
}

/* Runs the two writers on host threads of their own; the pages they
 * found wrong between them. */
static int run_writers(struct writer w[2])
{
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, write_and_check, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	return w[0].bad + w[1].bad;
}

/* A threaded machine: each node's kswapd is a host thread, swapping out
 * while two processes on two CPUs write and read back more than fits. */
static void test_kswapd_thread(void)
{
	printf("# kswapd on host threads, racing two writers\n");
	struct mmsim *m = machine(2, 8ULL << 20, true);
	ok(m && m->mm.kswapd, "a threaded machine starts kswapd's threads");
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64 MiB");
	struct writer w[2];
	for (int i = 0; i < 2; i++) {
		w[i] = (struct writer){ .t = task_on(m, i), .pages = (12ULL << 20) / P,
					.salt = 17 * i };
		w[i].a = (uint64_t)mmsim_sys_mmap(w[i].t, 0, w[i].pages * P, RW, PRIV, -1, 0);
	}
	is(run_writers(w), 0, "24 MiB written into 16 MiB three times, every page read back");
	/* kswapd may still be in a run (between an IPI's send and its
	 * receipt): the counters are read with its threads held off. */
	kswapd_quiesce(&m->mm);
	ok(ev(m, MMSIM_VM_pgsteal_kswapd) > 0, "kswapd's threads reclaimed (%llu pages)",
	   (unsigned long long)ev(m, MMSIM_VM_pgsteal_kswapd));
	is(machine_counter(m, "ipis_sent"), machine_counter(m, "ipis_received"),
	   "every IPI kswapd sent was received");
	kswapd_resume(&m->mm);
	is(mmsim_debug_check(m), 0, "audit clean (kswapd held off)");
	mmsim_destroy(m);
}

/* Pages of [a, a + n pages) in memory now (move_pages' query). */
static unsigned resident(struct mmsim_task *t, uint64_t a, unsigned n)
{
	static uint64_t pages[8192];
	static int status[8192];
	unsigned r = 0;
	for (unsigned i = 0; i < n; i++)
		pages[i] = a + i * P;
	mmsim_sys_move_pages(t, 0, n, pages, NULL, status, 0);
	for (unsigned i = 0; i < n; i++)
		r += status[i] >= 0;
	return r;
}

/* With small_tlb, a TLB of 64 entries: x86 clears accessed bits without
 * a flush (ptep_clear_flush_young), so a page whose translation stays
 * cached looks unused to reclaim until the entry is evicted; a hot set
 * larger than the TLB gets its bits set again. */


/* Touches (loads one byte of) each of n pages from a: false on a fault. */
static bool touch(struct mmsim_task *t, uint64_t a, uint64_t n)
{
	uint8_t b;
	for (uint64_t i = 0; i < n; i++)
		if (mmsim_load8(t, a + i * P, &b))
			return false;
	return true;
}

static uint64_t numa_active(struct mmsim_task *t, uint64_t a, uint64_t len, uint64_t *pages)
{
	struct mmsim_numa_maps nm;
	if (mmsim_numa_maps(t, a, a + len, &nm, 1) < 1)
		return ~0ULL;
	*pages = nm.pages;
	return nm.active;
}

/*
 * folio_mark_accessed: a page accessed twice for a task (a read through a
 * descriptor, gup's FOLL_TOUCH) is activated on the classic lists
 * (pgactivate, numa_maps active=) and only counted in its tier with MGLRU
 * (PG_workingset, then the refs bits).  MADV_COLD deactivates only the
 * active pages on the classic lists, every page with MGLRU.
 */
static void test_mark_accessed_and_cold(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	printf("# mark_page_accessed and MADV_COLD, %s\n", classic ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(1, 64ULL << 20, lru, false);
	struct mmsim_task *t = task_on(m, 0);
	const uint64_t len = 16 * P;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV | MAP_POPULATE, -1, 0);
	uint64_t pages = 0, act0 = ev(m, MMSIM_VM_pgactivate);
	is(numa_active(t, a, len, &pages), 0, "populated: 0 active");
	is(pages, 16, "16 pages");
	lru_add_drain_all(&m->mm);
	unsigned tiers = 0;
	/* The populate was the first access (PG_referenced). */
	for (int round = 0; round < 4; round++)
		for (uint64_t i = 0; i < 16; i++) {
			struct page *p = page_at(t, a + i * P);
			if (p)
				mark_page_accessed(&m->mm, p);
			if (p && round == 0)
				tiers += page_test(p, PG_workingset);
			if (p && round == 3)
				tiers += (p->flags & LRU_REFS_MASK) == LRU_REFS_MASK;
		}
	is(tiers, classic ? 0 : 32, classic ? "classic: no tiers" :
	   "MGLRU: the second access sets PG_workingset, the fifth saturates refs at 3");
	is(numa_active(t, a, len, &pages), classic ? 16 : 0,
	   classic ? "classic: the second touch activated all 16" : "MGLRU: none active");
	is(ev(m, MMSIM_VM_pgactivate) - act0, classic ? 16 : 0, "pgactivate %s",
	   classic ? "16" : "0");
	uint64_t b = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV | MAP_POPULATE, -1, 0);
	uint64_t deact0 = ev(m, MMSIM_VM_pgdeactivate);
	is(mmsim_sys_madvise(t, b, len, MADV_COLD), 0, "MADV_COLD on 16 fresh pages");
	is(ev(m, MMSIM_VM_pgdeactivate) - deact0, classic ? 0 : 16,
	   classic ? "classic: inactive already, none deactivated" : "MGLRU: all 16 deactivated");
	deact0 = ev(m, MMSIM_VM_pgdeactivate);
	is(mmsim_sys_madvise(t, a, len, MADV_COLD), 0, "MADV_COLD on the touched pages");
	is(ev(m, MMSIM_VM_pgdeactivate) - deact0, 16, "16 deactivated either way");
	is(numa_active(t, a, len, &pages), 0, "none active now");
	mmsim_destroy(m);
}

/*
 * Ageing under pressure: a hot 2 MiB set touched between every MiB of a
 * 24 MiB stream written once, on a node of 16 MiB with swap.  Reclaim must
 * find the stream's pages old and the hot set young: almost all of the hot
 * set stays in memory while most of the stream goes to swap.  Classic:
 * the hot pages are activated (twice referenced), the active list is
 * refilled from (pgrefill, pgdeactivate).
 */
static void test_ageing(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	printf("# ageing under pressure, %s\n", classic ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(1, 16ULL << 20, lru, true);
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon");
	struct mmsim_task *t = task_on(m, 0);
	const unsigned hot_pages = 2304, cold_pages = 6144;
	uint64_t hot = (uint64_t)mmsim_sys_mmap(t, 0, hot_pages * P, RW, PRIV, -1, 0);
	uint64_t cold = (uint64_t)mmsim_sys_mmap(t, 0, cold_pages * P, RW, PRIV, -1, 0);
	mmsim_fill(t, hot, 0x11, hot_pages * P, NULL);
	int bad = 0;
	for (unsigned i = 0; i < cold_pages && !bad; i++) {
		bad = mmsim_fill(t, cold + i * P, 0x22, P, NULL) != 0;
		if (i % 4 == 0)	/* the hot set: used all the time */
			for (unsigned k = 0; k < hot_pages && !bad; k++) {
				uint8_t b;
				bad = mmsim_load8(t, hot + k * P, &b) || b != 0x11;
			}
	}
	is(bad, 0, "stream written, hot set read back each time");
	unsigned rh = resident(t, hot, hot_pages), rc = resident(t, cold, cold_pages);
	ok(rh >= hot_pages * 9 / 10, "the hot set stays: %u of %u resident", rh, hot_pages);
	ok(rc * 10 <= cold_pages * 6, "the stream fills what is left: %u of %u resident", rc,
	   cold_pages);
	printf("# pgscan %llu pgsteal %llu pswpin %llu pgrefill %llu act %llu\n", (unsigned long long)(ev(m, MMSIM_VM_pgscan_kswapd)+ev(m, MMSIM_VM_pgscan_direct)), (unsigned long long)(ev(m, MMSIM_VM_pgsteal_kswapd)+ev(m, MMSIM_VM_pgsteal_direct)), (unsigned long long)ev(m, MMSIM_VM_pswpin), (unsigned long long)ev(m, MMSIM_VM_pgrefill), (unsigned long long)ev(m, MMSIM_VM_pgactivate));
	if (classic) {
		ok(ev(m, MMSIM_VM_pgactivate) > 0, "pages activated (%llu)",
		   (unsigned long long)ev(m, MMSIM_VM_pgactivate));
		ok(ev(m, MMSIM_VM_pgrefill) > 0 && ev(m, MMSIM_VM_pgdeactivate) > 0,
		   "active list refilled from (pgrefill %llu, pgdeactivate %llu)",
		   (unsigned long long)ev(m, MMSIM_VM_pgrefill),
		   (unsigned long long)ev(m, MMSIM_VM_pgdeactivate));
	}
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/*
 * Refault detection on the classic lists (workingset.c), counted page by
 * page: a file's pages paged out and read back are refaults; with 32
 * active file pages the 16 are within the distance and start active; a
 * truncated file forgets its shadows; swap slots keep shadows until they
 * are freed.
 */
static void test_refaults(void)
{
	printf("# refault detection, classic\n");
	struct mmsim *m = machine_lru(1, 64ULL << 20, MMSIM_LRU_CLASSIC, false);
	char why[128];
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_disks_attach(m, NULL, NULL, why, sizeof why), 0, "disks attached");
	static uint8_t buf[32 * 4096];
	memset(buf, 0x5a, sizeof buf);
	long g = mmsim_sys_open(t, "g", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	long f = mmsim_sys_open(t, "f", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	ok(g >= 0 && f >= 0, "two files");
	is(mmsim_sys_pwrite(t, (int)g, buf, 32 * P, 0), (long)(32 * P), "g: 32 pages written");
	is(mmsim_sys_pwrite(t, (int)f, buf, 16 * P, 0), (long)(16 * P), "f: 16 pages written");
	is(mmsim_sys_fsync(t, (int)f), 0, "f synced");
	for (int i = 0; i < 2; i++)	/* a write is no access; the second read activates */
		is(mmsim_sys_pread(t, (int)g, buf, 32 * P, 0), (long)(32 * P), "g read (%d)", i + 1);
	lru_add_drain_all(&m->mm);
	uint64_t act_file = lru_size(&m->mm, 0, LRU_ACTIVE_FILE);
	ok(act_file >= 32, "g's pages active (%llu active file pages)",
	   (unsigned long long)act_file);

	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 16 * P, PROT_READ, MAP_SHARED, (int)f, 0);
	ok(touch(t, a, 16), "f mapped and touched");
	is(mmsim_sys_madvise(t, a, 16 * P, MADV_PAGEOUT), 0, "f paged out");
	is(resident(t, a, 16), 0, "none of f resident");
	is(ev(m, MMSIM_VM_workingset_refault_file), 0, "no refault yet");
	ok(touch(t, a, 16), "f touched again: read back");
	is(ev(m, MMSIM_VM_workingset_refault_file), 16, "16 file refaults");
	is(ev(m, MMSIM_VM_workingset_activate_file), 16,
	   "all within the active list's 32: started active");
	is(ev(m, MMSIM_VM_workingset_restore_file), 0, "none was in the working set before");
	lru_add_drain_all(&m->mm);
	struct page *pg = page_at(t, a);
	ok(pg && page_test(pg, PG_active), "the page is active");

	is(mmsim_sys_madvise(t, a, 16 * P, MADV_PAGEOUT), 0, "f paged out again");
	is(mmsim_sys_munmap(t, a, 16 * P), 0, "unmapped");
	is(mmsim_sys_ftruncate(t, (int)f, 0), 0, "f truncated to nothing");
	is(mmsim_sys_ftruncate(t, (int)f, 16 * P), 0, "and extended with holes");
	is(mmsim_sys_pread(t, (int)f, buf, 16 * P, 0), (long)(16 * P), "read: new pages");
	is(ev(m, MMSIM_VM_workingset_refault_file), 16, "no refault: truncation forgot the shadows");

	/* Anonymous pages: the shadow waits in the swap slot. */
	is(mmsim_swapon(m, 16ULL << 20, NULL), 0, "swapon");
	uint64_t b = (uint64_t)mmsim_sys_mmap(t, 0, 16 * P, RW, PRIV, -1, 0);
	ok(mmsim_fill(t, b, 0x33, 16 * P, NULL) == 0, "16 anonymous pages written");
	/* The first pageout writes the pages and leaves them in the swap
	 * cache (the write is still in flight on Linux): read back, they are
	 * found there.  The second frees them. */
	is(mmsim_sys_madvise(t, b, 16 * P, MADV_PAGEOUT), 0, "paged out to swap");
	ok(touch(t, b, 16), "read back from the swap cache");
	is(ev(m, MMSIM_VM_workingset_refault_anon), 0, "no refault: never left");
	is(mmsim_sys_madvise(t, b, 16 * P, MADV_PAGEOUT), 0, "paged out again: freed");
	ok(touch(t, b, 16), "read back from the disk");
	is(ev(m, MMSIM_VM_workingset_refault_anon), 16, "16 anonymous refaults");
	is(ev(m, MMSIM_VM_workingset_activate_anon), 16, "all recent: started active");
	is(mmsim_sys_madvise(t, b, 16 * P, MADV_PAGEOUT), 0, "paged out again");
	struct swap_info *si = swap_area(&m->mm);
	unsigned shadows = 0;
	for (uint64_t o = 1; o < si->max; o++)
		shadows += si->shadow[o] != 0;
	is(shadows, 16, "16 slots keep a shadow");
	is(mmsim_sys_munmap(t, b, 16 * P), 0, "unmapped: the slots are freed");
	shadows = 0;
	for (uint64_t o = 1; o < si->max; o++)
		shadows += si->shadow[o] != 0;
	is(shadows, 0, "and forget their shadows");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_sys_close(t, (int)f);
	mmsim_sys_close(t, (int)g);
	mmsim_destroy(m);
}

/*
 * Dirty limits: a file larger than memory written with no fsync, and the
 * same through a shared mapping; the flusher keeps the dirty pages at
 * the background limit, reclaim finds clean pages, nothing fails.
 */
static void test_dirty_limits(void)
{
	printf("# dirty limits: more file data than memory, never synced\n");
	struct mmsim *m = machine(1, 16ULL << 20, false);
	char why[128];
	struct mmsim_task *t = task_on(m, 0);
	uint64_t v = 0;
	is(mmsim_sysctl_vm_get(m, "dirty_ratio", &v), 0, "dirty_ratio readable");
	is(v, 20, "dirty_ratio 20");
	is(mmsim_sysctl_vm_get(m, "dirty_background_ratio", &v), 0, "dirty_background_ratio");
	is(v, 10, "dirty_background_ratio 10");
	is(mmsim_sysctl_vm_set(m, "dirty_ratio", 101), -EINVAL, "dirty_ratio 101 refused");
	is(mmsim_disks_attach(m, NULL, NULL, why, sizeof why), 0, "disks attached");
	long fd = mmsim_sys_open(t, "big", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	static uint8_t buf[256 << 10];
	const unsigned chunks = 160;	/* 40 MiB */
	int bad = 0;
	uint64_t most = 0, bg, thresh;
	for (unsigned i = 0; i < chunks && !bad; i++) {
		memset(buf, 0x40 + (int)(i % 64), sizeof buf);
		bad = mmsim_sys_pwrite(t, (int)fd, buf, sizeof buf, (uint64_t)i * sizeof buf) !=
		      (long)sizeof buf;
		dirty_limits(&m->mm, &bg, &thresh);
		uint64_t d = m->mm.nr_file_dirty;
		if (d > bg + 1 && d > most)
			most = d;
	}
	is(bad, 0, "40 MiB written to a 16 MiB machine, no fsync");
	is(most, 0, "the dirty pages never passed the background limit");
	ok(bg > 0 && bg < thresh, "limits: background %llu < %llu pages",
	   (unsigned long long)bg, (unsigned long long)thresh);
	for (unsigned i = 0; i < chunks && !bad; i++) {
		bad = mmsim_sys_pread(t, (int)fd, buf, sizeof buf, (uint64_t)i * sizeof buf) !=
		      (long)sizeof buf;
		for (size_t k = 0; k < sizeof buf && !bad; k += 1024)
			bad = buf[k] != (uint8_t)(0x40 + (int)(i % 64));
	}
	is(bad, 0, "all read back");

	/* Through a shared mapping: write faults dirty the pages. */
	const uint64_t pages = 8192;	/* 32 MiB */
	long g = mmsim_sys_open(t, "mapped", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	is(mmsim_sys_ftruncate(t, (int)g, pages * P), 0, "a 32 MiB file");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, pages * P, RW, MAP_SHARED, (int)g, 0);
	for (uint64_t i = 0; i < pages && !bad; i++)
		bad = mmsim_fill(t, a + i * P, (int)(i & 0xff), P, NULL) != 0;
	is(bad, 0, "every page written through the mapping");
	for (uint64_t i = 0; i < pages && !bad; i++) {
		uint8_t b;
		bad = mmsim_load8(t, a + i * P + 100, &b) || b != (uint8_t)(i & 0xff);
	}
	is(bad, 0, "and read back");
	dirty_limits(&m->mm, &bg, &thresh);
	ok(m->mm.nr_file_dirty <= bg + 1, "dirty pages at the limit (%llu of %llu)",
	   (unsigned long long)m->mm.nr_file_dirty, (unsigned long long)bg);
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_sys_close(t, (int)g);
	mmsim_sys_close(t, (int)fd);
	mmsim_destroy(m);
}

static int gen_of_page(struct mmsim_task *t, uint64_t a)
{
	struct page *pg = page_at(t, a);
	return pg ? (int)((pg->flags & LRU_GEN_MASK) >> LRU_GEN_SHIFT) - 1 : -2;
}

/* How many of the n pages from a are in generation gen. */
static unsigned in_gen(struct mmsim_task *t, uint64_t a, unsigned n, int gen)
{
	unsigned c = 0;
	for (unsigned i = 0; i < n; i++)
		c += gen_of_page(t, a + i * P) == gen;
	return c;
}

/*
 * MGLRU step by step (lru_gen.c): where new pages go, the aging's walk
 * moving young pages to the youngest generation and opening a new one,
 * eviction from the oldest, and the refault feedback of a page read
 * back by a fault.
 */
static void test_mglru(void)
{
	printf("# MGLRU: generations, aging, eviction, refaults\n");
	struct mmsim *m = machine_lru(1, 64ULL << 20, MMSIM_LRU_GEN, true);
	struct mm_sys *s = &m->mm;
	struct lru_gen *g = &s->node[0].lruvec.lrugen;
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 16ULL << 20, NULL), 0, "swapon");
	is(g->max_seq, 3, "boot: max_seq 3 (MIN_NR_GENS + 1)");
	ok(g->min_seq[0] == 0 && g->min_seq[1] == 0, "min_seq 0 for both kinds");
	const unsigned n = 256;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, n * P, RW, PRIV, -1, 0);
	ok(mmsim_fill(t, a, 0x5a, n * P, NULL) == 0, "256 anonymous pages written");
	lru_add_drain_all(s);
	is(in_gen(t, a, n, 2), n, "new anonymous pages: second youngest generation (2)");
	is(lru_size(s, 0, LRU_ACTIVE_ANON), n, "which Linux's views count as active");
	is(lru_size(s, 0, LRU_INACTIVE_ANON), 0, "none inactive");

	ok(lru_gen_age(s, &s->node[0].lruvec, g->max_seq, true, NULL), "aged");
	is(g->max_seq, 4, "a new generation: max_seq 4");
	is(in_gen(t, a, n, 3), n, "every page was young (its fault): all to generation 3");
	ok(touch(t, a, n / 2), "the first half read again (past the small TLB)");
	ok(lru_gen_age(s, &s->node[0].lruvec, g->max_seq, true, NULL), "aged again");
	is(g->max_seq, 5, "max_seq 5");
	is(in_gen(t, a, n / 2, 0), n / 2, "the half used since: youngest (generation 0)");
	is(in_gen(t, a + n / 2 * P, n / 2, 3), n / 2, "the other half stays behind (3)");
	is(lru_size(s, 0, LRU_INACTIVE_ANON), n / 2, "and counts as inactive now");

	struct hw_cpu *cpu = &m->hw->cpu[0];
	unsigned freed = try_to_free_pages(s, cpu, 0, 1);
	ok(freed >= 32, "direct reclaim freed %u pages", freed);
	is(resident(t, a, n / 2), n / 2, "none of the young half");
	is(resident(t, a + n / 2 * P, n / 2), n / 2 - freed, "all from the old half");
	ok(g->min_seq[0] == 3, "the oldest anonymous generation is 3 (min_seq %llu)",
	   (unsigned long long)g->min_seq[0]);

	uint64_t rf0 = ev(m, MMSIM_VM_workingset_refault_anon);
	uint64_t in0 = ev(m, MMSIM_VM_pswpin);
	ok(touch(t, a + n / 2 * P, n / 2), "the old half read back");
	uint64_t rf = ev(m, MMSIM_VM_workingset_refault_anon) - rf0;
	ok(rf >= freed, "refaults: %llu (%llu read from swap)", (unsigned long long)rf,
	   (unsigned long long)(ev(m, MMSIM_VM_pswpin) - in0));
	is(ev(m, MMSIM_VM_workingset_activate_anon), rf, "all recent (evicted 2 generations ago)");
	is(ev(m, MMSIM_VM_workingset_restore_anon), rf, "read back by a fault: top tier again");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/*
 * A migration target on a full node reclaims there (move_pages asks
 * GFP_HIGHUSER_MOVABLE | __GFP_THISNODE): 2048 pages moved to a node
 * with far fewer free, its own pages going to swap to make room.
 */
static void test_migration_target_reclaims(void)
{
	printf("# a migration target reclaims on its node\n");
	struct mmsim *m = machine_lru(2, 16ULL << 20, MMSIM_LRU_GEN, false);
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon");
	struct mmsim_task *t1 = task_on(m, 1), *t0 = task_on(m, 0);
	const unsigned fill = 3000, n = 2048;
	uint64_t b = (uint64_t)mmsim_sys_mmap(t1, 0, fill * P, RW, PRIV, -1, 0);
	ok(mmsim_fill(t1, b, 0x61, fill * P, NULL) == 0, "node 1 filled by its own task");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t0, 0, n * P, RW, PRIV, -1, 0);
	ok(mmsim_fill(t0, a, 0x62, n * P, NULL) == 0, "2048 pages on node 0");
	struct mmsim_zoneinfo z;
	mmsim_zoneinfo(m, 1, &z);
	ok(z.free < n, "node 1 has %llu pages free, fewer than 2048", (unsigned long long)z.free);
	static uint64_t pages[2048];
	static int nodes[2048], status[2048];
	for (unsigned i = 0; i < n; i++) {
		pages[i] = a + i * P;
		nodes[i] = 1;
	}
	uint64_t stall0 = ev(m, MMSIM_VM_allocstall_movable);
	is(mmsim_sys_move_pages(t0, 0, n, pages, nodes, status, 0), 0, "move_pages: 0");
	unsigned moved = 0;
	for (unsigned i = 0; i < n; i++)
		moved += status[i] == 1;
	is(moved, n, "every page now on node 1");
	ok(ev(m, MMSIM_VM_allocstall_movable) > stall0, "by direct reclaim on node 1 (%llu)",
	   (unsigned long long)(ev(m, MMSIM_VM_allocstall_movable) - stall0));
	int bad = 0;
	for (unsigned i = 0; i < n && !bad; i++) {
		uint8_t v;
		bad = mmsim_load8(t0, a + i * P + 9, &v) || v != 0x62;
	}
	for (unsigned i = 0; i < fill && !bad; i++) {
		uint8_t v;
		bad = mmsim_load8(t1, b + i * P + 9, &v) || v != 0x61;
	}
	is(bad, 0, "both tasks read their data back");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* The lists count pages, a huge page its 512, on either LRU (Linux's
 * NR_LRU items); so do reclaim's counters when one is reclaimed. */
static void test_huge_page_counts(enum mmsim_lru lru)
{
	printf("# a huge page counts 512 on the lists, %s\n",
	       lru == MMSIM_LRU_CLASSIC ? "classic" : "MGLRU");
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.mem_per_node = 64ULL << 20;
	cfg.thp = MMSIM_THP_ALWAYS;
	cfg.lru = lru;
	if (mmsim_create(&cfg, &m)) {
		ok(0, "machine");
		return;
	}
	struct mmsim_task *t = task_on(m, 0);
	uint64_t anon0 = lru_size(&m->mm, 0, LRU_INACTIVE_ANON) + lru_size(&m->mm, 0, LRU_ACTIVE_ANON);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 4ULL << 20, RW, PRIV, -1, 0);
	uint64_t h = (a + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	ok(mmsim_fill(t, h, 0x7, 4096, NULL) == 0, "a 2 MiB-aligned touch");
	lru_add_drain_all(&m->mm);
	struct page *pg = page_at(t, h);
	ok(pg && compound_head(pg)->order == 9, "a huge page");
	uint64_t anon = lru_size(&m->mm, 0, LRU_INACTIVE_ANON) + lru_size(&m->mm, 0, LRU_ACTIVE_ANON);
	is(anon - anon0, 512, "the anonymous lists grew by 512");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/*
 * MGLRU's look-around: eviction's accessed-bit check of one page found
 * young also makes old, and promotes to the youngest generation, the
 * young pages mapped within 64 pages of it in the same page table; the
 * classic LRU leaves the neighbours alone.
 */
static void test_look_around(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	printf("# look-around, %s\n", classic ? "classic: none" : "MGLRU");
	struct mmsim *m = machine_lru(1, 64ULL << 20, lru, false);
	struct mmsim_task *t = task_on(m, 0);
	uint64_t base = (uint64_t)mmsim_sys_mmap(t, 0, 4ULL << 20, RW, PRIV, -1, 0);
	uint64_t a = (base + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	mmsim_fill(t, a, 1, 128 * P, NULL);
	ev(m, MMSIM_VM_pgactivate);	/* drains the LRU batches */
	struct lruvec *lv = &m->mm.node[0].lruvec;
	int youngest = (int)(lv->lrugen.max_seq % MAX_NR_GENS);
	if (!classic)
		ok(gen_of_page(t, a + P) != youngest,
		   "new anonymous pages are not in the youngest generation");
	uint64_t vm_flags;
	is(folio_referenced(page_at(t, a), &vm_flags), 1, "page 0 found young");
	unsigned old = 0, promoted = 0;
	for (uint64_t i = 1; i < 64; i++) {
		old += !(pte(t, a + i * P).flags & PMAP_ACCESSED);
		promoted += gen_of_page(t, a + i * P) == youngest;
	}
	is(old, classic ? 0 : 63, "its 63 neighbours in the window made old");
	is(promoted, classic ? 0 : 63, "and promoted to the youngest generation");
	unsigned beyond = 0;
	for (uint64_t i = 64; i < 128; i++)
		beyond += (pte(t, a + i * P).flags & PMAP_ACCESSED) != 0;
	is(beyond, 64, "pages past the 64-page window keep their accessed bits");
	mmsim_task_exit(t);
	mmsim_destroy(m);
}



/* ---- MGLRU's walk state: the mm list and the Bloom filters --------------------------- */

static void mm_stats(struct mm_sys *s, uint64_t *seq, uint64_t st[NR_MM_STATS])
{
	lru_gen_mm_state_read(&s->node[0].lruvec, seq, st);
}

/* A 2 MiB-aligned anonymous region of n2m PMD entries, written. */
static uint64_t map_aligned(struct mmsim_task *t, unsigned n2m)
{
	uint64_t len = (uint64_t)n2m << 21;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, len + (2ULL << 20), RW, PRIV, -1, 0);
	a = (a + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	return mmsim_fill(t, a, 0x33, len, NULL) ? 0 : a;
}

/*
 * The aging's walks (Linux's iterate_mm_list and walk_pmd_range): each
 * walk counts what it looked at (mm_state's stats, debugfs's TYFA); a
 * PTE table goes into the next walk's Bloom filter only when at least one
 * entry in eight was young, and a table not in the filter is not looked
 * at - its young entries stay young and its pages where they were; an
 * address space that has not run since the last walk is not walked, one
 * added since is, whatever it did.
 */
static void test_mm_walk_state(void)
{
	printf("# MGLRU: per-mm walk state and Bloom filters\n");
	struct mmsim *m = machine_lru(1, 64ULL << 20, MMSIM_LRU_GEN, true);
	struct mm_sys *s = &m->mm;
	struct lruvec *lv = &s->node[0].lruvec;
	struct lru_gen *g = &lv->lrugen;
	struct mmsim_task *t = task_on(m, 0);
	uint64_t seq, st[NR_MM_STATS], st0[NR_MM_STATS];
	mm_stats(s, &seq, st);
	is(seq, 2, "boot: the walk state's seq is MIN_NR_GENS");
	uint64_t x = map_aligned(t, 1), y = map_aligned(t, 1);
	ok(x && y, "two 2 MiB regions of 512 pages, each its own PTE table, written");
	lru_add_drain_all(s);

	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the first walk (max_seq 3)");
	mm_stats(s, &seq, st);
	is(seq, 3, "  its seq is done");
	ok(st[MM_LEAF_YOUNG] >= 1024 && st[MM_NONLEAF_FOUND] >= 2 && st[MM_NONLEAF_ADDED] >= 2,
	   "  every table looked at (no filter yet), all young: both into the next filter "
	   "(young %llu, found %llu, added %llu)", (unsigned long long)st[MM_LEAF_YOUNG],
	   (unsigned long long)st[MM_NONLEAF_FOUND], (unsigned long long)st[MM_NONLEAF_ADDED]);
	ok(!lru_gen_age(s, lv, 3, true, NULL), "another aging for the same max_seq: nothing to do");

	ok(touch(t, x, 512) && touch(t, y, 10), "all of x used again, 10 of y's 512 pages");
	memcpy(st0, st, sizeof st);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the second walk (max_seq 4)");
	mm_stats(s, &seq, st);
	is(st[MM_NONLEAF_FOUND] - st0[MM_NONLEAF_FOUND], 2, "  both tables were in its filter");
	is(st[MM_NONLEAF_ADDED] - st0[MM_NONLEAF_ADDED], 1,
	   "  only x's goes on (y: 10 young of 512, under one in eight)");
	is(st[MM_LEAF_YOUNG] - st0[MM_LEAF_YOUNG], 522, "  522 young entries");
	is(in_gen(t, y, 10, gen_of_page(t, x)), 10, "  y's 10 joined the youngest generation");

	int y_gen = gen_of_page(t, y + 100 * P);
	ok(touch(t, y, 512), "now all of y used");
	memcpy(st0, st, sizeof st);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the third walk (max_seq 5)");
	mm_stats(s, &seq, st);
	is(st[MM_NONLEAF_FOUND] - st0[MM_NONLEAF_FOUND], 0,
	   "  no table looked at (x's is in the filter, but no TLB miss walked through its "
	   "PMD entry since; y's PMD entry is young, but it is not in the filter)");
	is(gen_of_page(t, y + 100 * P), y_gen,
	   "  y's pages were not found young: they stay in their generation");
	struct pmap_entry e;
	ok(pmap_lookup(&t->mm->pmap, y + 100 * P, &e) == PMAP_PAGE && (e.flags & PMAP_ACCESSED),
	   "  and their entries stay young (for the rmap walk, or a later table walk)");

	/* The mm list: a process that has not run since is passed over. */
	struct mmsim_task *u = task_on(m, 0);
	uint64_t z = map_aligned(u, 1);
	ok(z, "a second process writes 512 pages (and leaves the CPU to the first)");
	ok(touch(t, x, 1), "the first runs again");
	memcpy(st0, st, sizeof st);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "a walk (max_seq 6)");
	mm_stats(s, &seq, st);
	ok(st[MM_LEAF_TOTAL] - st0[MM_LEAF_TOTAL] >= 512 &&
	   st[MM_LEAF_YOUNG] - st0[MM_LEAF_YOUNG] >= 512,
	   "  the new process was walked (added since the last walk: forced), its table "
	   "filed for the next walk (%llu, %llu)", (unsigned long long)(st[MM_LEAF_TOTAL] - st0[MM_LEAF_TOTAL]), (unsigned long long)(st[MM_LEAF_YOUNG] - st0[MM_LEAF_YOUNG]));
	ok(touch(t, x, 1), "only the first runs");
	memcpy(st0, st, sizeof st);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "a walk (max_seq 7)");
	mm_stats(s, &seq, st);
	ok(st[MM_LEAF_TOTAL] - st0[MM_LEAF_TOTAL] < 512,
	   "  the second process, which did not run, was not, its filed table neither "
	   "(%llu entries looked at)",
	   (unsigned long long)(st[MM_LEAF_TOTAL] - st0[MM_LEAF_TOTAL]));
	is(seq, 7, "  the walk state's seq follows max_seq");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static bool pmd_young(struct mmsim_task *t, uint64_t a)
{
	return pmap_pmd_young(&t->mm->pmap, a);
}

/*
 * Linux 6.12's non-leaf PMD accessed bit in the aging's walk (lru_gen
 * feature 0x0004): a forced walk leaves PMD entries alone; otherwise a
 * young PMD entry is made old as the walk passes, whether or not its
 * table is in the Bloom filter, and a table whose entry is old is passed
 * over even when the filter has it (the look-around filed it): its young
 * entries stay young and their pages where they were, and nothing counts.
 */
static void test_pmd_young_walk(void)
{
	printf("# MGLRU: the accessed bit of PMD entries pointing to PTE tables\n");
	struct mmsim *m = machine_lru(1, 64ULL << 20, MMSIM_LRU_GEN, true);
	struct mm_sys *s = &m->mm;
	struct lruvec *lv = &s->node[0].lruvec;
	struct lru_gen *g = &lv->lrugen;
	struct mmsim_task *t = task_on(m, 0);
	uint64_t seq, st[NR_MM_STATS], st0[NR_MM_STATS];
	uint64_t x = map_aligned(t, 1), y = map_aligned(t, 1);
	ok(x && y, "two 2 MiB regions, each its own PTE table, written");
	lru_add_drain_all(s);
	ok(pmd_young(t, x) && pmd_young(t, y), "both PMD entries young (new tables, TLB misses)");

	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the first walk (forced: a new mm)");
	ok(pmd_young(t, x) && pmd_young(t, y), "  a forced walk leaves the PMD entries young");

	ok(touch(t, x, 512) && touch(t, y, 10), "all of x used, 10 of y's pages");
	mm_stats(s, &seq, st0);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the second walk");
	mm_stats(s, &seq, st);
	is(st[MM_NONLEAF_FOUND] - st0[MM_NONLEAF_FOUND], 2, "  both tables looked at");
	is(st[MM_NONLEAF_ADDED] - st0[MM_NONLEAF_ADDED], 1, "  x's filed for the next walk");
	ok(!pmd_young(t, x) && !pmd_young(t, y), "  both PMD entries made old");

	ok(touch(t, y, 512), "all of y used (TLB misses through y's PMD entry), x not");
	ok(pmd_young(t, y) && !pmd_young(t, x), "  y's PMD entry young again, x's old");
	memcpy(st0, st, sizeof st);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the third walk");
	mm_stats(s, &seq, st);
	is(st[MM_NONLEAF_FOUND] - st0[MM_NONLEAF_FOUND], 0,
	   "  x passed over (old PMD entry, though in the filter), y too (not in it)");
	ok(st[MM_LEAF_TOTAL] - st0[MM_LEAF_TOTAL] < 8,
	   "  no PTE slot counted: only the empty PMD entries beside the regions (%llu)",
	   (unsigned long long)(st[MM_LEAF_TOTAL] - st0[MM_LEAF_TOTAL]));
	is(st[MM_LEAF_YOUNG] - st0[MM_LEAF_YOUNG], 0, "  none made old");
	ok(!pmd_young(t, y), "  y's PMD entry made old all the same");

	/* Eviction's look-around finds y young: y's table goes into the
	 * filter of the coming walk - whose PMD test still passes over it. */
	uint64_t vm_flags;
	is(folio_referenced(page_at(t, y + 256 * P), &vm_flags), 1,
	   "eviction finds a page of y young (rmap)");
	ok(pte(t, y + 10 * P).flags & PMAP_ACCESSED, "a page outside its window: still young");
	memcpy(st0, st, sizeof st);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the fourth walk");
	mm_stats(s, &seq, st);
	is(st[MM_NONLEAF_FOUND] - st0[MM_NONLEAF_FOUND], 0,
	   "  y passed over: in the filter, but its PMD entry is old");
	/* A walk promotes to its seq's generation, the second youngest after it. */
	ok(gen_of_page(t, y + 10 * P) != (int)((g->max_seq - 1) % MAX_NR_GENS),
	   "  y's young pages not promoted");
	ok(pte(t, y + 10 * P).flags & PMAP_ACCESSED, "  their entries left young");
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL) && !pmd_young(t, y),
	   "a fifth walk: y not in its filter either (a table passed over is not carried on)");

	hw_flush_mm(NULL, &t->mm->pmap);
	ok(touch(t, y + 10 * P, 1) && pmd_young(t, y),
	   "one page of y used after a flush: a TLB miss, y's PMD entry young");
	is(folio_referenced(page_at(t, y + 10 * P), &vm_flags), 1,
	   "eviction finds it young: the look-around files y for the next walk");
	ok(pte(t, y + 100 * P).flags & PMAP_ACCESSED, "a page outside the window: young");
	mm_stats(s, &seq, st0);
	ok(lru_gen_age(s, lv, g->max_seq, true, NULL), "the sixth walk");
	mm_stats(s, &seq, st);
	is(st[MM_NONLEAF_FOUND] - st0[MM_NONLEAF_FOUND], 1,
	   "  y looked at: its PMD entry young and in the filter");
	is(gen_of_page(t, y + 100 * P), (int)((g->max_seq - 1) % MAX_NR_GENS),
	   "  the page outside the window promoted now");
	ok(!(pte(t, y + 100 * P).flags & PMAP_ACCESSED) && !pmd_young(t, y),
	   "  its entry and y's PMD entry made old");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

struct toucher {
	struct mmsim_task *t;
	uint64_t a, pages;
	int stop, bad;
};

static void *touch_loop(void *arg)
{
	struct toucher *w = arg;
	uint8_t b;
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) && !w->bad)
		for (uint64_t i = 0; i < w->pages && !w->bad; i++)
			w->bad = mmsim_load8(w->t, w->a + i * P, &b) || b != 0x33;
	return NULL;
}

/* A threaded machine: one CPU's MMU sets PMD accessed bits while the
 * aging, on another host thread, clears them (run under TSan). */
static void test_pmd_young_threads(void)
{
	printf("# MGLRU: PMD accessed bits, the MMU and the walk on two threads\n");
	struct mmsim *m = machine(1, 64ULL << 20, true);
	struct mm_sys *s = &m->mm;
	struct lruvec *lv = &s->node[0].lruvec;
	struct toucher w = { .t = task_on(m, 1), .pages = 2048 };
	w.a = map_aligned(w.t, 4);
	ok(w.a, "8 MiB written on CPU 1");
	lru_add_drain_all(s);
	pthread_t th;
	pthread_create(&th, NULL, touch_loop, &w);
	unsigned aged = 0;
	for (int i = 0; i < 40; i++)
		aged += lru_gen_age(s, lv, __atomic_load_n(&lv->lrugen.max_seq, __ATOMIC_ACQUIRE),
				    true, NULL);
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	is(w.bad, 0, "every load read what was written");
	ok(aged > 0, "the walks ran meanwhile (%u generations opened)", aged);
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* ---- MGLRU's memcg LRU (lru_gen.c, vmscan.c's shrink_many) ----------------------------- */

static struct mmsim *machine_seed(unsigned nodes, uint64_t mem, uint64_t seed, bool threaded)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = 2;
	cfg.mem_per_node = mem;
	cfg.seed = seed;
	cfg.threaded = threaded;
	return mmsim_create(&cfg, &m) ? NULL : m;
}

static struct mmsim_cgroup *new_cgroup(struct mmsim *m, const char *name)
{
	struct mmsim_cgroup *cg = NULL;
	return mmsim_cgroup_create(m, name, NULL, &cg) ? NULL : cg;
}

/* The position of lv in its bin list, from the head (-1: not in bin b of
 * generation g). */
static int bin_pos(struct memcg_lru *ml, unsigned g, unsigned b, struct lruvec *lv)
{
	int i = 0;
	for (struct list_head *l = ml->fifo[g][b].next; l != &ml->fifo[g][b]; l = l->next, i++)
		if (l == &lv->lrugen.memcg_list)
			return i;
	return -1;
}

static unsigned bin_of(struct memcg_lru *ml, unsigned g, struct lruvec *lv)
{
	for (unsigned b = 0; b < MEMCG_NR_BINS; b++)
		if (bin_pos(ml, g, b, lv) >= 0)
			return b;
	return MEMCG_NR_BINS;
}

/*
 * lru_gen_rotate_memcg's four moves, and the memcg generation counter:
 * online joins the old generation's tail; HEAD and TAIL stay in the
 * generation at the head / tail with their segment; OLD goes to the old
 * generation's head, YOUNG to the young one's tail, both resetting the
 * segment; the counter moves on when the old generation is emptied.
 */
static void test_memcg_lru_rotate(void)
{
	printf("# memcg LRU: online and the four rotations\n");
	struct mmsim *m = machine_seed(1, 16ULL << 20, 1, false);
	struct mm_sys *s = &m->mm;
	struct memcg_lru *ml = &s->node[0].memcg_lru;
	struct mmsim_cgroup *a = new_cgroup(m, "a"), *b = new_cgroup(m, "b");
	struct lruvec *root = &s->node[0].lruvec;
	struct lruvec *la = mem_cgroup_lruvec(s, cgroup_memcg(a), 0);
	struct lruvec *lb = mem_cgroup_lruvec(s, cgroup_memcg(b), 0);
	is(ml->seq, 0, "boot: memcg generation counter 0");
	is(ml->nr_memcgs[0], 3, "the root, a and b online in the old generation (0)");
	ok(la->lrugen.memcg_gen == 0 && bin_of(ml, 0, la) < MEMCG_NR_BINS &&
	   lb->lrugen.memcg_gen == 0 && bin_of(ml, 0, lb) < MEMCG_NR_BINS &&
	   root->lrugen.memcg_gen == 0 && bin_of(ml, 0, root) < MEMCG_NR_BINS,
	   "each on a bin of generation 0");

	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, la, MEMCG_LRU_OLD, 5);
	lru_gen_rotate_memcg_locked(ml, lb, MEMCG_LRU_OLD, 5);
	spin_unlock(&ml->lock);
	ok(bin_pos(ml, 0, 5, lb) == 0 && bin_pos(ml, 0, 5, la) == 1,
	   "OLD: to the head of the old generation's bin (b before a)");
	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, lb, MEMCG_LRU_TAIL, 5);
	spin_unlock(&ml->lock);
	ok(bin_pos(ml, 0, 5, la) == 0 && bin_pos(ml, 0, 5, lb) == 1 &&
	   lru_gen_memcg_seg(lb) == MEMCG_LRU_TAIL && lb->lrugen.memcg_gen == 0,
	   "TAIL: to the tail, same generation, segment tail");
	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, lb, MEMCG_LRU_HEAD, 5);
	spin_unlock(&ml->lock);
	ok(bin_pos(ml, 0, 5, lb) == 0 && lru_gen_memcg_seg(lb) == MEMCG_LRU_HEAD &&
	   lb->lrugen.memcg_gen == 0, "HEAD: to the head, same generation, segment head");
	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, lb, MEMCG_LRU_YOUNG, 2);
	spin_unlock(&ml->lock);
	ok(lb->lrugen.memcg_gen == 1 && bin_pos(ml, 1, 2, lb) == 0 && lru_gen_memcg_seg(lb) == 0,
	   "YOUNG: to the young generation (1), segment reset");
	ok(ml->nr_memcgs[0] == 2 && ml->nr_memcgs[1] == 1 && ml->seq == 0,
	   "two old, one young: the counter stays");
	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, la, MEMCG_LRU_YOUNG, 2);
	lru_gen_rotate_memcg_locked(ml, root, MEMCG_LRU_YOUNG, 7);
	spin_unlock(&ml->lock);
	ok(ml->seq == 1 && ml->nr_memcgs[0] == 0 && ml->nr_memcgs[1] == 3,
	   "the old generation emptied: the counter moves on, the young one is old");
	ok(bin_pos(ml, 1, 2, lb) == 0 && bin_pos(ml, 1, 2, la) == 1,
	   "YOUNG adds at the tail (b, then a)");
	spin_lock(&ml->lock);
	lru_gen_rotate_memcg_locked(ml, la, MEMCG_LRU_YOUNG, 0);
	spin_unlock(&ml->lock);
	is(la->lrugen.memcg_gen, 2, "young is now generation 2 (three numbered, two live)");
	struct mmsim_cgroup *c = new_cgroup(m, "c");
	struct lruvec *lc = mem_cgroup_lruvec(s, cgroup_memcg(c), 0);
	is(lc->lrugen.memcg_gen, 1, "a memcg online now joins the old generation (1)");
	mmsim_destroy(m);
}

struct walk_log {
	struct lruvec *seen[16];
	unsigned n, abort_after;
	int op;
};

static int log_one(void *arg, struct lruvec *lv)
{
	struct walk_log *w = arg;
	if (w->n < 16)
		w->seen[w->n] = lv;
	w->n++;
	/* -1: as shrink_one treats a memcg below memory.low, the tail the
	 * first time, left where it is the second. */
	if (w->op < 0)
		return lru_gen_memcg_seg(lv) != MEMCG_LRU_TAIL ? MEMCG_LRU_TAIL : MEMCG_LRU_NOP;
	return w->op;
}

static bool log_abort(void *arg)
{
	struct walk_log *w = arg;
	return w->abort_after && w->n >= w->abort_after;
}

/*
 * shrink_many's order: the old generation's bins one after the other from
 * a random one, each from its head; each lruvec met once when it stays;
 * the walk stops when asked; lruvecs sent to the young generation are not
 * met again, and the old generation emptied moves the counter on.
 */
static void test_memcg_lru_walk(void)
{
	printf("# memcg LRU: the walk's order\n");
	struct mmsim *m = machine_seed(1, 16ULL << 20, 7, false);
	struct mm_sys *s = &m->mm;
	struct memcg_lru *ml = &s->node[0].memcg_lru;
	const char *names[5] = { "m0", "m1", "m2", "m3", "m4" };
	struct lruvec *lv[6];
	lv[5] = &s->node[0].lruvec;
	/* Placed by hand: m0, m1 in bin 1; m2 in bin 3; m3, m4, root in bin 6. */
	static const unsigned bins[6] = { 1, 1, 3, 6, 6, 6 };
	for (int i = 0; i < 5; i++)
		lv[i] = mem_cgroup_lruvec(s, cgroup_memcg(new_cgroup(m, names[i])), 0);
	spin_lock(&ml->lock);
	for (int i = 5; i >= 0; i--)
		lru_gen_rotate_memcg_locked(ml, lv[i], MEMCG_LRU_OLD, bins[i]);
	spin_unlock(&ml->lock);
	/* root, m3, m4 in bin 6 after the OLD moves: head first. */
	struct lruvec *order[6] = { lv[0], lv[1], lv[2], lv[3], lv[4], lv[5] };
	for (unsigned seed_run = 0; seed_run < 4; seed_run++) {
		struct walk_log w = { .op = MEMCG_LRU_NOP };
		is(lru_gen_shrink_many(s, 0, log_one, log_abort, &w), 6, "walk %u: six lruvecs shrunk",
		   seed_run);
		unsigned start = 0;
		while (start < 6 && order[start] != w.seen[0])
			start++;
		ok(start < 6 && (start == 0 || start == 2 || start == 3),
		   "  starts at the head of a bin (%u)", start);
		bool cyclic = true;
		for (unsigned i = 0; i < 6; i++)
			cyclic &= w.seen[i] == order[(start + i) % 6];
		ok(cyclic, "  then bin after bin, each list head to tail, every lruvec once");
	}
	struct walk_log w = { .op = MEMCG_LRU_NOP, .abort_after = 2 };
	is(lru_gen_shrink_many(s, 0, log_one, log_abort, &w), 2, "a walk asked to stop after two");
	struct walk_log y = { .op = MEMCG_LRU_YOUNG };
	uint64_t seq = ml->seq;
	is(lru_gen_shrink_many(s, 0, log_one, log_abort, &y), 6,
	   "every lruvec sent young: each met once");
	ok(ml->seq == seq + 1 && ml->nr_memcgs[(seq + 1) % MEMCG_NR_GENS] == 6,
	   "the old generation emptied: the young one is the old one now");
	struct walk_log t = { .op = -1 };
	unsigned n = (unsigned)lru_gen_shrink_many(s, 0, log_one, log_abort, &t);
	ok(n >= 6 && n <= 12, "sent to the tail: met once, or twice when its bin is still ahead (%u)",
	   n);
	unsigned tails = 0;
	for (int i = 0; i < 6; i++)
		tails += lru_gen_memcg_seg(lv[i]) == MEMCG_LRU_TAIL;
	is(tails, 6, "each in the tail segment now");
	struct walk_log t2 = { .op = -1 };
	is(lru_gen_shrink_many(s, 0, log_one, log_abort, &t2), 6,
	   "the next walk meets each once (already in the tail segment: it stays)");
	mmsim_destroy(m);

	/* Repeatable: the same seed, the same walk (memcgs by creation order;
	 * 5: the root). */
	int first[2][6];
	for (int k = 0; k < 2; k++) {
		m = machine_seed(1, 16ULL << 20, 42, false);
		struct lruvec *mine[6];
		for (int i = 0; i < 5; i++)
			mine[i] = mem_cgroup_lruvec(&m->mm, cgroup_memcg(new_cgroup(m, names[i])), 0);
		mine[5] = &m->mm.node[0].lruvec;
		struct walk_log r = { .op = MEMCG_LRU_YOUNG };
		lru_gen_shrink_many(&m->mm, 0, log_one, log_abort, &r);
		for (int i = 0; i < 6; i++)
			for (first[k][i] = 0; first[k][i] < 6 && mine[first[k][i]] != r.seen[i];)
				first[k][i]++;
		mmsim_destroy(m);
	}
	ok(!memcmp(first[0], first[1], sizeof first[0]), "the same seed walks the memcgs in the same order");
}

/*
 * The machine's reclaim under MGLRU through the memcg LRU: a memcg below
 * memory.min is never reclaimed and goes to the young generation; one
 * whose pass had to age it goes young too; the others are reclaimed.
 */
static void test_memcg_lru_reclaim(void)
{
	printf("# memcg LRU: the machine's reclaim\n");
	uint64_t swapped[2];
	for (int run = 0; run < 2; run++) {
		struct mmsim *m = machine_seed(1, 32ULL << 20, 3, false);
		is(mmsim_swapon(m, 96ULL << 20, NULL), 0, "swapon");
		struct mmsim_cgroup *keep = new_cgroup(m, "keep"), *x = new_cgroup(m, "x"),
				    *y = new_cgroup(m, "y");
		mmsim_cgroup_write(keep, "memory.min", "8M");
		struct mmsim_task *tk = task_on(m, 0), *tx = task_on(m, 1), *ty = task_on(m, 0);
		mmsim_cgroup_attach(keep, tk);
		mmsim_cgroup_attach(x, tx);
		mmsim_cgroup_attach(y, ty);
		uint64_t n = (4ULL << 20) / P, big = (24ULL << 20) / P;
		uint64_t ak = (uint64_t)mmsim_sys_mmap(tk, 0, n * P, RW, PRIV, -1, 0);
		uint64_t ax = (uint64_t)mmsim_sys_mmap(tx, 0, big * P, RW, PRIV, -1, 0);
		uint64_t ay = (uint64_t)mmsim_sys_mmap(ty, 0, big * P, RW, PRIV, -1, 0);
		ok(!mmsim_fill(tk, ak, 1, n * P, NULL), "4 MiB under memory.min 8 MiB");
		ok(!mmsim_fill(tx, ax, 2, big * P, NULL) && !mmsim_fill(ty, ay, 3, big * P, NULL),
		   "24 MiB in each of two others on a 32 MiB machine");
		is(resident(tk, ak, (unsigned)n), n, "the protected memcg kept every page");
		uint64_t rx = resident(tx, ax, (unsigned)big), ry = resident(ty, ay, (unsigned)big);
		ok(rx < big && ry < big, "both others were reclaimed (%llu and %llu of %llu left)",
		   (unsigned long long)rx, (unsigned long long)ry, (unsigned long long)big);
		struct memcg_lru *ml = &m->mm.node[0].memcg_lru;
		struct lruvec *lk = mem_cgroup_lruvec(&m->mm, cgroup_memcg(keep), 0);
		is(lk->lrugen.memcg_gen, (ml->seq + 1) % MEMCG_NR_GENS,
		   "below memory.min: sent to the young generation");
		swapped[run] = (big - rx) * 1000000 + (big - ry);
		is(mmsim_debug_check(m), 0, "audit clean");
		mmsim_destroy(m);
	}
	is(swapped[0], swapped[1], "the same seed, the same pages reclaimed from each memcg");
}

/* Two writers in two memcgs on a threaded machine: their direct reclaims
 * and kswapd's walk the memcg LRU at once (TSan's concern). */
static void test_memcg_lru_threads(void)
{
	printf("# memcg LRU: concurrent walks\n");
	struct mmsim *m = machine_seed(2, 8ULL << 20, 9, true);
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64 MiB");
	struct writer w[2];
	const char *names[2] = { "w0", "w1" };
	for (int i = 0; i < 2; i++) {
		w[i] = (struct writer){ .t = task_on(m, i), .pages = (12ULL << 20) / P,
					.salt = 5 * i };
		mmsim_cgroup_attach(new_cgroup(m, names[i]), w[i].t);
		w[i].a = (uint64_t)mmsim_sys_mmap(w[i].t, 0, w[i].pages * P, RW, PRIV, -1, 0);
	}
	is(run_writers(w), 0, "two memcgs' 24 MiB written into 16 MiB three times, read back");
	kswapd_quiesce(&m->mm);
	for (unsigned n = 0; n < 2; n++) {
		struct memcg_lru *ml = &m->mm.node[n].memcg_lru;
		unsigned total = 0, bad = 0;
		for (unsigned g = 0; g < MEMCG_NR_GENS; g++) {
			unsigned listed = 0;
			for (unsigned b = 0; b < MEMCG_NR_BINS; b++)
				for (struct list_head *l = ml->fifo[g][b].next; l != &ml->fifo[g][b];
				     l = l->next) {
					listed++;
					bad += list_entry(l, struct lruvec, lrugen.memcg_list)
						       ->lrugen.memcg_gen != g;
				}
			bad += listed != ml->nr_memcgs[g];
			total += listed;
		}
		ok(total == 3 && !bad, "node %u: three lruvecs listed, counts and generations agree", n);
	}
	kswapd_resume(&m->mm);
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

int main(void)
{
	test_watermarks();
	test_kswapd_runs();
	test_kswapd_hopeless(MMSIM_LRU_CLASSIC);
	test_kswapd_hopeless(MMSIM_LRU_GEN);
	test_kswapd_nap(MMSIM_LRU_CLASSIC);
	test_kswapd_nap(MMSIM_LRU_GEN);
	test_kswapd_nap_thread();
	test_kswapd_file();
	test_kswapd_thread();
	test_rotate_reclaimable(MMSIM_LRU_CLASSIC);
	test_rotate_reclaimable(MMSIM_LRU_GEN);
	test_mark_accessed_and_cold(MMSIM_LRU_CLASSIC);
	test_mark_accessed_and_cold(MMSIM_LRU_GEN);
	test_ageing(MMSIM_LRU_CLASSIC);
	test_ageing(MMSIM_LRU_GEN);
	test_refaults();
	test_mglru();
	test_look_around(MMSIM_LRU_CLASSIC);
	test_look_around(MMSIM_LRU_GEN);
	test_migration_target_reclaims();
	test_huge_page_counts(MMSIM_LRU_CLASSIC);
	test_huge_page_counts(MMSIM_LRU_GEN);
	test_dirty_limits();
	test_mm_walk_state();
	test_pmd_young_walk();
	test_pmd_young_threads();
	test_memcg_lru_rotate();
	test_memcg_lru_walk();
	test_memcg_lru_reclaim();
	test_memcg_lru_threads();
	return done_testing();
}
