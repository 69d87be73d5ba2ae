/*
 * test_numa_balancing.c - automatic NUMA balancing (kernel/numa_balancing.c):
 * off unless asked for, the scanner's progression through the address
 * space driven by the simulated clock, the scan period's adaptation, the
 * cpupid two-stage filter of the hinting fault, numa_group formation
 * for two tasks sharing memory, task placement on the preferred node, and
 * the periodic scanner on a threaded
 * machine, its scans and migrations racing two threads' accesses.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define MB (1ULL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define CYCLES_PER_MS ((uint64_t)MMSIM_CPU_MHZ * 1000)

static struct mmsim *machine(unsigned nodes, unsigned cpus, bool balancing)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = cpus;
	cfg.numa_balancing = balancing;
	cfg.numa_balancing_scan_delay_ms = 10;
	cfg.numa_balancing_scan_period_min_ms = 10;
	cfg.numa_balancing_scan_size_mb = 2;
	return mmsim_create(&cfg, &m) ? NULL : m;
}

static unsigned node_of(struct mmsim_task *t, uint64_t va)
{
	return hw_pfn_node(t->m->hw, pte(t, va).pfn);
}

static void touch(struct mmsim_task *t, uint64_t va)
{
	uint8_t b;
	mmsim_load8(t, va, &b);
}

/* Time passes on t's CPU (as if it ran ms of work), then t makes one
 * access: the tick at its end sees the clock. */
static void run_ms(struct mmsim_task *t, uint64_t ms, uint64_t va)
{
	t->m->hw->cpu[t->cpu].cnt.cycles += ms * CYCLES_PER_MS;
	touch(t, va);
}

static struct mmsim_task_numa info(struct mmsim_task *t)
{
	struct mmsim_task_numa i;
	mmsim_task_numa_info(t, &i);
	return i;
}

/* ---- off by default ----------------------------------------------------------- */

static void test_off_by_default(void)
{
	struct mmsim_config cfg;
	mmsim_config_default(&cfg);
	ok(!cfg.numa_balancing, "the default configuration has balancing off");
	is(cfg.numa_balancing_scan_delay_ms, 1000, "scan_delay_ms defaults to 1000");
	is(cfg.numa_balancing_scan_period_min_ms, 1000, "scan_period_min_ms defaults to 1000");
	is(cfg.numa_balancing_scan_period_max_ms, 60000, "scan_period_max_ms defaults to 60000");
	is(cfg.numa_balancing_scan_size_mb, 256, "scan_size_mb defaults to 256");

	for (int on = 0; on < 2; on++) {
		struct mmsim *m = machine(2, 2, on);
		struct mmsim_task *t = task_on(m, 0), *th = NULL;
		mmsim_thread_create(t, "th", 1, &th);
		uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 64 * P, RW, PRIV, -1, 0);
		uint64_t fa;
		mmsim_fill(t, a, 1, 64 * P, &fa);
		lru_add_drain_all(&m->mm);
		if (!on)
			ok(m->numa_tick_next[0] == UINT64_MAX, "off: the tick never fires");
		for (int i = 0; i < 20; i++)
			run_ms(t, 100, a + (uint64_t)(i % 64) * P);
		uint64_t updates = machine_counter(m, "numa_pte_updates");
		if (on) {
			ok(updates >= 64, "on: 2 s of simulated time scanned the pages (%llu)",
			   (unsigned long long)updates);
			ok(info(t).mm_scan_seq > 0, "on: passes were made");
		} else {
			is(updates, 0, "off: 2 s of simulated time, nothing scanned");
			is(info(t).mm_scan_seq, 0, "off: no pass");
			is(machine_counter(m, "numa_hint_faults"), 0, "off: no hinting fault");
		}
		mmsim_destroy(m);
	}

	struct mmsim_config bad;
	test_config(&bad);
	bad.numa_balancing = true;
	bad.numa_balancing_scan_size_mb = 0;
	char why[128] = "";
	is(mmsim_config_check(&bad, why, sizeof why), -EINVAL, "scan_size_mb 0 is rejected");
	ok(strstr(why, "scan_size_mb") != NULL, "... saying why: %s", why);
	test_config(&bad);
	bad.numa_balancing = true;
	bad.numa_balancing_scan_period_min_ms = 70000;
	is(mmsim_config_check(&bad, why, sizeof why), -EINVAL, "period_min above period_max is rejected");
}

/* ---- the scanner's progression ------------------------------------------------- */

static void test_scan_progression(void)
{
	struct mmsim *m = machine(2, 2, true);
	struct mmsim_task *t = task_on(m, 0), *th = NULL;
	mmsim_thread_create(t, "th", 1, &th);	/* two threads: nothing skipped as local */
	drop_vdso(t);
	uint64_t base = 0x40000000;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, base, 6 * MB, RW, PRIV | MAP_FIXED, -1, 0);
	is(a, base, "6 MiB at 1 GiB");
	uint64_t fa;
	mmsim_fill(t, a, 7, 6 * MB, &fa);
	lru_add_drain_all(&m->mm);
	is(info(t).mm_scan_offset, 0, "the scan starts at offset 0");

	/* Each scan makes scan_size (2 MiB) of pages inaccessible from where
	 * the last one stopped; the access that drives the clock is the last
	 * page's (scanned last). */
	uint64_t probe = a + 6 * MB - P;
	uint64_t want[3] = { a + 2 * MB, a + 4 * MB, a + 6 * MB };
	for (int i = 0; i < 3; i++) {
		uint64_t before = machine_counter(m, "numa_pte_updates");
		run_ms(t, 50, probe);
		is(info(t).mm_scan_offset, want[i], "scan %d: offset at +%d MiB", i + 1, 2 * (i + 1));
		is(machine_counter(m, "numa_pte_updates") - before, 512, "... 512 PTEs made inaccessible");
		is(info(t).mm_scan_seq, 0, "... still the first pass");
	}
	ok(pte(t, a).prot == 0 && pte(t, a + 4 * MB).prot == 0, "the scanned entries are PROT_NONE");
	/* Past the last VMA the pass ends and the next starts at 0 in the
	 * same scan: chunks already inaccessible count only against the
	 * address span (8 x scan_size), so it runs on to the one page the
	 * probe made accessible again, in the last chunk. */
	uint64_t before = machine_counter(m, "numa_pte_updates");
	run_ms(t, 50, probe);
	is(info(t).mm_scan_seq, 1, "past the last VMA: numa_scan_seq 1");
	is(machine_counter(m, "numa_pte_updates") - before, 1, "... the new pass hints the probed page");
	is(info(t).mm_scan_offset, a + 6 * MB, "... and stops after its chunk");
	/* With a page of the first chunk accessible again, the next pass
	 * stops there. */
	touch(t, a);
	run_ms(t, 50, probe);
	is(info(t).mm_scan_seq, 2, "the next scan wraps again: numa_scan_seq 2");
	is(info(t).mm_scan_offset, a + 2 * MB, "... and stops after the first chunk");
	ok(info(t).mm_next_scan_ms > 0, "numa_next_scan is set (%llu ms)",
	   (unsigned long long)info(t).mm_next_scan_ms);
	/* A hinting fault restores access without a flush. */
	uint64_t flushes = machine_counter(m, "tlb_flushes");
	uint64_t hints = machine_counter(m, "numa_hint_faults");
	touch(t, a + P);
	is(machine_counter(m, "numa_hint_faults"), hints + 1, "a touch of a scanned page: one hinting fault");
	is(machine_counter(m, "tlb_flushes"), flushes, "... restoring access flushes nothing");
	mmsim_destroy(m);
}

/* ---- the scan period ------------------------------------------------------------- */

static void set_locality(struct mmsim_task *t, unsigned long remote, unsigned long local,
			 unsigned long failed)
{
	t->numa.faults_locality[0] = remote;
	t->numa.faults_locality[1] = local;
	t->numa.faults_locality[2] = failed;
}

static void test_period_rules(void)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	cfg.numa_balancing = true;	/* Linux's defaults: 1000..60000 ms, 256 MB */
	mmsim_create(&cfg, &m);
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = &m->hw->cpu[0];
	t->numa.scan_period_max = 60000;

	/* All local and private: +3 slots of 10% each. */
	t->numa.scan_period = 5000;
	set_locality(t, 0, 100, 0);
	update_task_scan_period(t, cpu, 0, 100);
	is(t->numa.scan_period, 6500, "all local, all private: 5000 -> 6500 ms");
	is(t->numa.faults_locality[1], 0, "... and the window's locality is cleared");

	/* Local but shared: lr_ratio 10 -> +3 slots. */
	t->numa.scan_period = 5000;
	set_locality(t, 0, 100, 0);
	update_task_scan_period(t, cpu, 100, 0);
	is(t->numa.scan_period, 6500, "all local, all shared: 5000 -> 6500 ms");

	/* 80% remote, 60% shared: max(2, 4) = 4 -> -3 slots. */
	t->numa.scan_period = 5000;
	set_locality(t, 80, 20, 0);
	update_task_scan_period(t, cpu, 60, 40);
	is(t->numa.scan_period, 3500, "80%% remote, 60%% shared: 5000 -> 3500 ms");

	/* All remote and shared: -7 slots, clamped at task_scan_min. */
	t->numa.scan_period = 5000;
	set_locality(t, 100, 0, 0);
	update_task_scan_period(t, cpu, 100, 0);
	is(t->numa.scan_period, 1500, "all remote, all shared: 5000 -> 1500 ms");
	t->numa.scan_period = 1200;
	set_locality(t, 100, 0, 0);
	update_task_scan_period(t, cpu, 100, 0);
	is(t->numa.scan_period, 1000, "... and never below scan_period_min (1000)");

	/* Exactly the threshold: one slot up. */
	t->numa.scan_period = 5000;
	set_locality(t, 30, 70, 0);
	update_task_scan_period(t, cpu, 40, 60);
	is(t->numa.scan_period, 5500, "70%% local: +1 slot, 5000 -> 5500 ms");

	/* No local or shared fault, or a failed migration: doubled. */
	t->numa.scan_period = 5000;
	set_locality(t, 10, 0, 0);
	update_task_scan_period(t, cpu, 0, 10);
	is(t->numa.scan_period, 10000, "only remote private faults counted as none: doubled");
	t->numa.scan_period = 40000;
	set_locality(t, 0, 100, 5);
	update_task_scan_period(t, cpu, 0, 100);
	is(t->numa.scan_period, 60000, "failed migrations: doubled, capped at max");

	/* Local private faults pass after pass: the period climbs to max. */
	t->numa.scan_period = 1000;
	unsigned last = 0;
	bool rising = true;
	for (int i = 0; i < 40; i++) {
		set_locality(t, 0, 100, 0);
		update_task_scan_period(t, cpu, 0, 100);
		rising &= t->numa.scan_period >= last;
		last = t->numa.scan_period;
	}
	ok(rising, "all-local passes never shorten the period");
	is(t->numa.scan_period, 60000, "... which reaches scan_period_max");
	mmsim_destroy(m);
}

/* The same through the machine: two threads on node 0 whose pages are on
 * node 0 take only local private hinting faults; each pass lengthens the
 * period. */
static void test_period_grows_running(void)
{
	struct mmsim *m = machine(2, 4, true);
	struct mmsim_task *t = task_on(m, 0), *th = NULL;
	mmsim_thread_create(t, "th", 2, &th);	/* CPU 2: node 0 too */
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 64 * P, RW, PRIV, -1, 0);
	uint64_t fa;
	mmsim_fill(t, a, 3, 64 * P, &fa);
	lru_add_drain_all(&m->mm);
	unsigned first = 0, prev = 0;
	bool rising = true;
	for (int round = 0; round < 12; round++) {
		run_ms(t, info(t).scan_period_ms + 20, a);
		for (int i = 0; i < 64; i++)
			touch(t, a + (uint64_t)i * P);
		unsigned p = info(t).scan_period_ms;
		if (round == 1)
			first = p;
		if (round > 1)
			rising &= p >= prev;
		prev = p;
	}
	ok(machine_counter(m, "numa_hint_faults_local") >= 64, "local hinting faults were taken");
	is(machine_counter(m, "numa_pages_migrated"), 0, "nothing migrated");
	ok(rising && prev > first, "the period grew pass after pass (%u -> %u ms)", first, prev);
	is(info(t).preferred_nid, 0, "the preferred node is node 0");
	mmsim_destroy(m);
}

/* ---- the cpupid filter -------------------------------------------------------------- */

static void hint_and_touch(struct mmsim_task *scanner, struct mmsim_task *who, uint64_t a)
{
	lru_add_drain_all(&scanner->m->mm);
	mmsim_numa_scan(scanner, a, P);
	touch(who, a);
}

static void test_cpupid_filter(void)
{
	/* Three nodes, a thread on each. */
	struct mmsim *m = machine(3, 3, false);
	struct mmsim_task *c = task_on(m, 2), *ta = NULL, *tb = NULL;
	mmsim_thread_create(c, "a", 0, &ta);
	mmsim_thread_create(c, "b", 1, &tb);
	uint64_t a = (uint64_t)mmsim_sys_mmap(c, 0, P, RW, PRIV, -1, 0);
	uint64_t fa;
	mmsim_fill(c, a, 9, P, &fa);
	is(node_of(c, a), 2, "the page starts on node 2");
	ok(cpupid_pid_unset(folio_last_cpupid(&m->mm, page_at(c, a))), "... with no hinting fault");

	hint_and_touch(c, ta, a);
	is(node_of(c, a), 0, "a first hinting fault (node 0) moves it at once");
	int cp = folio_last_cpupid(&m->mm, page_at(c, a));
	ok(cpupid_to_cpu(cp) == 0 && cpupid_to_pid(cp) == (mmsim_task_pid(ta) & 0xff),
	   "... and the moved page remembers CPU 0 and a's pid");

	hint_and_touch(c, tb, a);
	is(node_of(c, a), 0, "node 1 touches it: last was node 0, it stays");
	hint_and_touch(c, c, a);
	is(node_of(c, a), 0, "node 2 touches it: last was node 1, it stays");
	hint_and_touch(c, tb, a);
	is(node_of(c, a), 0, "node 1 again: last was node 2, it stays");
	hint_and_touch(c, tb, a);
	is(node_of(c, a), 1, "node 1 a second time in a row: it moves to node 1");
	is(machine_counter(m, "numa_hint_faults"), 5, "five hinting faults");
	is(machine_counter(m, "numa_pages_migrated"), 2, "two migrations");

	/* Another thread of node 1 after b: the node matches, the pid does
	 * not (a shared fault, no group): it may move. */
	struct mmsim_task *td = NULL;
	mmsim_thread_create(c, "d", 0, &td);
	hint_and_touch(c, td, a);
	is(node_of(c, a), 1, "d on node 0 after b on node 1: stays");
	hint_and_touch(c, ta, a);
	is(node_of(c, a), 0, "a on node 0 after d on node 0: shared, moves");
	mmsim_destroy(m);
}

/* ---- numa_group ------------------------------------------------------------------- */

static void test_numa_group(void)
{
	struct mmsim *m = machine(2, 2, true);
	struct mmsim_task *ta = task_on(m, 0), *tb = NULL;
	mmsim_thread_create(ta, "b", 1, &tb);
	uint64_t a = (uint64_t)mmsim_sys_mmap(ta, 0, 4 * P, RW, PRIV, -1, 0);
	uint64_t fa;
	mmsim_fill(ta, a, 5, 4 * P, &fa);
	is(info(ta).group_id, 0, "no group at first");
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 4; i++)
			hint_and_touch(ta, tb, a + (uint64_t)i * P);
		for (int i = 0; i < 4; i++)
			hint_and_touch(ta, ta, a + (uint64_t)i * P);
	}
	struct mmsim_task_numa ia = info(ta), ib = info(tb);
	ok(ia.group_id != 0, "a is in a numa_group (%d)", ia.group_id);
	is(ib.group_id, ia.group_id, "b is in the same group");
	is(ia.group_tasks, 2, "the group has two tasks");
	ok(ia.group_id == mmsim_task_pid(ta) || ia.group_id == mmsim_task_pid(tb),
	   "the group was made by one of them");
	mmsim_task_exit(tb);
	is(info(ta).group_tasks, 1, "b exits: one task left in the group");
	mmsim_destroy(m);
}

/* ---- the scanner on host threads --------------------------------------------------- */

#define RACE_ROUNDS 1000
#define RACE_OWN 16		/* pages each thread has to itself */
/* Pages both threads write, each its own line: the pages are shared, the
 * bytes are not (the other's line is read only after both are done, as a
 * simulated access is a host memcpy and a racy program a host race). */
#define RACE_SHARED 16

struct racer {
	struct mmsim_task *t;
	unsigned id;		/* 0 or 1: its line in each shared page */
	uint64_t own, shared;
	unsigned bad;		/* read-backs that did not match */
};

/* What racer id writes in round r at page p. */
static uint64_t race_tag(unsigned id, unsigned r, unsigned p)
{
	return (uint64_t)(id + 1) << 56 | (uint64_t)r << 16 | p;
}

/* Writes v at va and reads it back; false if it did not come back. */
static bool store_check(struct mmsim_task *t, uint64_t va, uint64_t v)
{
	uint64_t got = 0;
	return !mmsim_store(t, va, &v, sizeof v, NULL) && !mmsim_load(t, va, &got, sizeof got, NULL) &&
	       got == v;
}

static void *racer_main(void *arg)
{
	struct racer *w = arg;
	for (unsigned r = 0; r < RACE_ROUNDS; r++) {
		/* A different line of each page every round: the page's
		 * contents, not one cached line, are what must survive. */
		uint64_t line = (uint64_t)(r % 64) * 64;
		for (unsigned p = 0; p < RACE_OWN; p++)
			w->bad += !store_check(w->t, w->own + p * P + line, race_tag(w->id, r, p));
		for (unsigned p = 0; p < RACE_SHARED; p++)
			w->bad += !store_check(w->t, w->shared + p * P + w->id * 64,
					       race_tag(w->id, r, p));
	}
	return NULL;
}

/* The last round that wrote line l of an own page. */
static unsigned race_last_round(unsigned l)
{
	return RACE_ROUNDS - 1 - (RACE_ROUNDS - 1 - l) % 64;
}

/* Every line of the racer's own pages holds the last round that wrote it,
 * and its line of each shared page the last round (read by the main
 * thread once both are done): migrations copied whole pages. */
static unsigned race_final_bad(struct racer *w)
{
	unsigned bad = 0;
	uint64_t got;
	for (unsigned p = 0; p < RACE_OWN; p++)
		for (unsigned l = 0; l < 64; l++)
			bad += mmsim_load(w->t, w->own + p * P + l * 64, &got, sizeof got, NULL) ||
			       got != race_tag(w->id, race_last_round(l), p);
	for (unsigned p = 0; p < RACE_SHARED; p++)
		bad += mmsim_load(w->t, w->shared + p * P + w->id * 64, &got, sizeof got, NULL) ||
		       got != race_tag(w->id, RACE_ROUNDS - 1, p);
	return bad;
}

static uint64_t vmstat_ev(struct mmsim *m, unsigned i)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	return vs.ev[i];
}

/*
 * A threaded machine with balancing on and 1 ms scan delay and period:
 * two threads of one process, on CPU 0 (node 0) and CPU 1 (node 1), each
 * on its own host thread, write and read back their own pages and their
 * own lines of shared pages while the scanner, run from either CPU's
 * tick, makes the pages inaccessible and their hinting faults migrate
 * them between the nodes under the other thread's accesses.  Every page
 * starts on node 0, so the thread on node 1 has its own pages to pull
 * over.  Accesses are made to cost 10 us of simulated time each, so that
 * a few thousand of them (what a test under ThreadSanitizer can afford)
 * span dozens of 4 ms ticks and so of scans.
 */
static void test_scanner_threaded(void)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 2;
	cfg.threaded = true;
	cfg.numa_balancing = MMSIM_NUMA_BALANCING_NORMAL;
	cfg.numa_balancing_scan_delay_ms = 1;
	cfg.numa_balancing_scan_period_min_ms = 1;
	cfg.numa_balancing_scan_period_max_ms = 16;
	cfg.numa_balancing_scan_size_mb = 1;
	cfg.cost.tlb_hit = 12500;
	cfg.cost.cache_hit = 12500;
	is(mmsim_create(&cfg, &m), 0, "threaded machine, balancing on, 1 ms scan period");
	struct mmsim_task *t = task_on(m, 0), *th = NULL;
	is(mmsim_thread_create(t, "th", 1, &th), 0, "a thread of it on CPU 1 (node 1)");
	uint64_t len = (2 * RACE_OWN + RACE_SHARED) * P;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV, -1, 0);
	is(mmsim_fill(t, a, 0, len, NULL), 0, "every page first touched on node 0");
	struct racer w[2] = {
		{ .t = t, .id = 0, .own = a, .shared = a + 2 * RACE_OWN * P },
		{ .t = th, .id = 1, .own = a + RACE_OWN * P, .shared = a + 2 * RACE_OWN * P },
	};
	pthread_t ht[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&ht[i], NULL, racer_main, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(ht[i], NULL);
	is(w[0].bad + w[1].bad, 0, "every read-back matched, under scans and migrations");
	is(race_final_bad(&w[0]) + race_final_bad(&w[1]), 0, "... and every line holds the last round that wrote it");
	uint64_t updates = vmstat_ev(m, MMSIM_VM_numa_pte_updates);
	uint64_t hints = vmstat_ev(m, MMSIM_VM_numa_hint_faults);
	uint64_t moved = vmstat_ev(m, MMSIM_VM_numa_pages_migrated);
	ok(updates > RACE_OWN * 2 + RACE_SHARED, "several scans: numa_pte_updates %llu",
	   (unsigned long long)updates);
	ok(hints > 0, "hinting faults were taken: numa_hint_faults %llu", (unsigned long long)hints);
	ok(moved > 0, "pages migrated: numa_pages_migrated %llu", (unsigned long long)moved);
	ok(info(t).mm_scan_seq > 1, "the scanner made passes (numa_scan_seq %d)",
	   info(t).mm_scan_seq);
	mmsim_task_exit(th);
	mmsim_task_exit(t);
	mmsim_destroy(m);
}

/* ---- task placement ------------------------------------------------------------- */

/*
 * A task on CPU 0 (node 0) whose memory is bound to node 1 with
 * +numa_balancing: its pages cannot follow it, so its hinting faults make
 * node 1 its preferred node, and, if its affinity allows and a CPU of node
 * 1 is free, it moves there (task_numa_migrate).  busy: tasks sit on both
 * CPUs of node 1 (CPUs 1 and 3 of four, CPU c on node c % 2).
 */
static struct mmsim_task_numa placement_run(bool unpinned, bool busy, int *cpu_after,
					    uint64_t *ms0, uint64_t *ms_now)
{
	struct mmsim *m = machine(2, 4, true);
	struct mmsim_task_attr at;
	struct mmsim_task *t = NULL;
	mmsim_task_attr_default(&at);
	at.cpu = 0;
	if (unpinned)
		at.cpus_allowed = 0xf;
	mmsim_task_create(m, &at, &t);
	if (busy) {
		task_on(m, 1);
		task_on(m, 3);
	}
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 64 * P, RW, PRIV, -1, 0), node1 = 2, fa;
	mmsim_sys_mbind(t, a, 64 * P, 2 /* bind */ | (1 << 13) /* numa_balancing */, &node1, 65, 0);
	mmsim_fill(t, a, 1, 64 * P, &fa);
	for (int i = 0; i < 400 && mmsim_task_cpu(t) == 0; i++)
		run_ms(t, 20, a + (uint64_t)(i % 64) * P);
	*ms0 = hw_cpu_ms(&m->hw->cpu[0]);
	*cpu_after = mmsim_task_cpu(t);
	*ms_now = hw_cpu_ms(&m->hw->cpu[*cpu_after]);
	struct mmsim_task_numa i = info(t);
	mmsim_destroy(m);
	return i;
}

static void test_task_placement(void)
{
	int cpu;
	uint64_t ms0, ms;
	struct mmsim_task_numa i = placement_run(true, false, &cpu, &ms0, &ms);
	is(i.preferred_nid, 1, "memory bound to node 1: node 1 preferred");
	is(cpu, 1, "an unpinned task moves to CPU 1, node 1's idle CPU");
	is(i.cpu_moves, 1, "  one move");
	ok(ms >= ms0, "  CPU 1's clock caught up with CPU 0's (%llu >= %llu ms)",
	   (unsigned long long)ms, (unsigned long long)ms0);
	i = placement_run(false, false, &cpu, &ms0, &ms);
	is(i.preferred_nid, 1, "pinned: node 1 preferred too");
	ok(cpu == 0 && i.cpu_moves == 0, "  but the task stays on CPU 0");
	i = placement_run(true, true, &cpu, &ms0, &ms);
	ok(cpu == 0 && i.cpu_moves == 0, "node 1's CPUs busy: the task stays (no swap)");

	struct mmsim *m = machine(2, 2, false);
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_task_set_affinity(t, 0x4), -EINVAL, "affinity with no CPU of the machine: EINVAL");
	is(mmsim_task_set_affinity(t, 0x2), 0, "affinity CPU 1 only");
	uint8_t b;
	mmsim_load8(t, 0, &b);
	is(mmsim_task_cpu(t), 1, "  the task runs on CPU 1 from its next call");
	mmsim_destroy(m);
}

int main(void)
{
	test_off_by_default();
	test_scan_progression();
	test_period_rules();
	test_period_grows_running();
	test_cpupid_filter();
	test_numa_group();
	test_scanner_threaded();
	test_task_placement();
	return done_testing();
}
