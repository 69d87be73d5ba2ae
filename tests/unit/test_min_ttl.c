/*
 * test_min_ttl.c - MGLRU's thrashing prevention (Linux 6.12's
 * /sys/kernel/mm/lru_gen/min_ttl_ms, vmscan.c's lru_gen_age_node): each
 * generation's birth on the machine's clock (boot, a new memcg, each new
 * max_seq, never going back); kswapd OOM-killing the largest process
 * rather than evict generations younger than min_ttl, before it evicts
 * anything; no kill with min_ttl 0, with generations older than min_ttl,
 * or with the classic LRU; memory.min making an old lruvec count as not
 * reclaimable; the kill from kswapd's own host thread on a threaded
 * machine.
 *
 * The machine: one node of 16 MiB (watermarks 128, 160, 192 pages) with
 * 64 MiB of swap.  A large task holds 10 MiB; a small one writes pages one
 * at a time until kswapd has had its first pass over the node.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P 4096ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define CYCLES_PER_MS ((uint64_t)MMSIM_CPU_MHZ * 1000)
#define BIG_PAGES ((10ULL << 20) / P)
#define SMALL_PAGES ((12ULL << 20) / P)

static uint64_t ev(struct mmsim *m, enum mmsim_vmstat_event e)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	return vs.ev[e];
}

static struct mmsim *machine(enum mmsim_lru lru, unsigned ttl_ms, bool threaded)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.cpus = 2;
	cfg.mem_per_node = 16ULL << 20;
	cfg.lru = lru;
	cfg.lru_gen_min_ttl_ms = ttl_ms;
	cfg.threaded = threaded;
	if (mmsim_create(&cfg, &m))
		return NULL;
	if (mmsim_swapon(m, 64ULL << 20, NULL)) {
		mmsim_destroy(m);
		return NULL;
	}
	return m;
}

/* Moves CPU cpu's clock forward to ms. */
static void clock_to_ms(struct mmsim *m, unsigned cpu, uint64_t ms)
{
	struct hw_cpu *c = &m->hw->cpu[cpu];
	uint64_t now = hw_cpu_ms(c);
	if (ms > now)
		hw_charge(c, (ms - now) * CYCLES_PER_MS);
}

/* A defined point that allocates nothing: a system call's entry. */
static void defined_point(struct mmsim_task *t)
{
	mmsim_sys_madvise(t, 0, P, 0);
}

/* n pages at a fresh mapping of t, each page's bytes its index + salt. */
static uint64_t write_pages(struct mmsim_task *t, uint64_t n, int salt)
{
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, n * P, RW, PRIV, -1, 0);
	for (uint64_t i = 0; i < n; i++)
		if (mmsim_fill(t, a + i * P, (int)(i + (uint64_t)salt) & 0xff, P, NULL))
			break;
	return a;
}

/* Pages of t's [a, a + n pages) that do not read back as written. */
static uint64_t bad_pages(struct mmsim_task *t, uint64_t a, uint64_t n, int salt)
{
	uint64_t bad = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t b = 0;
		bad += mmsim_load8(t, a + i * P + 9, &b) || b != (uint8_t)(i + (uint64_t)salt);
	}
	return bad;
}

/* The small task writes page after page until kswapd has scanned or the
 * OOM killer has acted; returns the pages written. */
static uint64_t write_until_kswapd(struct mmsim *m, struct mmsim_task *t, uint64_t *a)
{
	*a = (uint64_t)mmsim_sys_mmap(t, 0, SMALL_PAGES * P, RW, PRIV, -1, 0);
	uint64_t i = 0;
	while (i < SMALL_PAGES && !ev(m, MMSIM_VM_pgscan_kswapd) && !ev(m, MMSIM_VM_oom_kill) &&
	       !mmsim_fill(t, *a + i * P, (int)(i + 7) & 0xff, P, NULL))
		i++;
	return i;
}

static void test_timestamps(void)
{
	printf("# generation births on the machine's clock\n");
	struct mmsim *m = machine(MMSIM_LRU_GEN, 0, false);
	struct mm_sys *s = &m->mm;
	struct lruvec *lv = &s->node[0].lruvec;
	struct lru_gen *g = &lv->lrugen;
	struct mmsim_task *t = task_on(m, 0);
	bool zero = true;
	for (uint64_t seq = g->min_seq[0]; seq <= g->max_seq; seq++)
		zero &= lru_gen_birth(lv, seq) == 0;
	ok(zero, "boot: every generation born at 0");
	clock_to_ms(m, 0, 500);
	defined_point(t);
	is(s->clock_ms, 500, "a defined point raises the machine's clock to its CPU's (500 ms)");
	uint64_t seq = g->max_seq;
	ok(lru_gen_age(s, lv, seq, true, &m->hw->cpu[0]), "aged");
	is(g->max_seq, seq + 1, "a new generation");
	is(lru_gen_birth(lv, seq + 1), 500, "born at 500 ms");
	is(lru_gen_birth(lv, seq), 0, "the one before keeps its birth");
	clock_to_ms(m, 0, 800);
	ok(lru_gen_age(s, lv, seq + 1, true, &m->hw->cpu[0]), "aged again");
	is(lru_gen_birth(lv, seq + 2), 800, "the CPU's clock, ahead of the machine's: 800 ms");
	ok(lru_gen_age(s, lv, seq + 2, true, NULL), "aged by a kernel thread");
	is(lru_gen_birth(lv, seq + 3), 800,
	   "the machine's clock lags (500): the birth stays 800, never before the last");
	clock_to_ms(m, 0, 900);
	defined_point(t);
	struct mmsim_cgroup *cg = NULL;
	is(mmsim_cgroup_create(m, "late", NULL, &cg), 0, "a memcg made at 900 ms");
	struct lruvec *lc = mem_cgroup_lruvec(s, cgroup_memcg(cg), 0);
	is(lru_gen_birth(lc, lc->lrugen.min_seq[1]), 900, "its generations are born with it");
	mmsim_destroy(m);
}

/*
 * min_ttl 60 s, everything born within the first second: kswapd's first
 * pass finds no reclaimable lruvec and kills the largest process (the big
 * task, not the writer) before it evicts a page.  The same with min_ttl 0
 * kills nobody and swaps.
 */
static void test_young(unsigned ttl_ms)
{
	printf("# min_ttl %u ms, young generations\n", ttl_ms);
	struct mmsim *m = machine(MMSIM_LRU_GEN, ttl_ms, false);
	struct mmsim_task *big = task_on(m, 0), *small = task_on(m, 1);
	uint64_t ab = write_pages(big, BIG_PAGES, 3), as;
	uint64_t n = write_until_kswapd(m, small, &as);
	if (ttl_ms) {
		is(ev(m, MMSIM_VM_oom_kill), 1, "kswapd's check: one OOM kill");
		ok(mmsim_task_killed(big), "the victim: the largest process");
		ok(!mmsim_task_killed(small), "not the writer, which allocated");
		is(ev(m, MMSIM_VM_pswpout), 0, "nothing was swapped out first");
		is(ev(m, MMSIM_VM_pgscan_kswapd), 0, "kswapd killed before it scanned");
		is(bad_pages(small, as, n, 7), 0, "the writer's %llu pages read back",
		   (unsigned long long)n);
	} else {
		is(ev(m, MMSIM_VM_oom_kill), 0, "min_ttl 0: no kill");
		ok(ev(m, MMSIM_VM_pgscan_kswapd) > 0, "kswapd scanned instead");
		is(bad_pages(big, ab, BIG_PAGES, 3), 0, "the big task's pages read back");
	}
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/*
 * Generations older than min_ttl: the clock jumps 5 s past their births
 * (min_ttl 1 s), kswapd evicts and kills nobody - unless memory.min
 * protects the only memcg holding pages (the root's lruvec is then empty:
 * too small to count), when nothing is reclaimable and the largest
 * process goes.  The classic LRU ignores min_ttl even for young pages.
 */
static void test_old(bool protect)
{
	printf("# min_ttl 1000 ms, generations 5 s old%s\n", protect ? ", memory.min" : "");
	struct mmsim *m = machine(MMSIM_LRU_GEN, 1000, false);
	struct mmsim_task *big = task_on(m, 0), *small = task_on(m, 1);
	struct mmsim_cgroup *cg = NULL;
	is(mmsim_cgroup_create(m, "work", NULL, &cg), 0, "a memcg for both tasks, born at 0");
	mmsim_cgroup_attach(cg, big);
	mmsim_cgroup_attach(cg, small);
	if (protect)
		is(mmsim_cgroup_write(cg, "memory.min", "64M"), 0, "memory.min 64M");
	uint64_t ab = write_pages(big, BIG_PAGES, 3), as;
	clock_to_ms(m, 0, 5000);
	clock_to_ms(m, 1, 5000);
	defined_point(big);
	write_until_kswapd(m, small, &as);
	if (protect) {
		is(ev(m, MMSIM_VM_oom_kill), 1, "below memory.min is not reclaimable: a kill");
		ok(mmsim_task_killed(big), "the largest process");
	} else {
		is(ev(m, MMSIM_VM_oom_kill), 0, "old enough: no kill");
		ok(ev(m, MMSIM_VM_pgscan_kswapd) > 0, "kswapd scanned");
		is(bad_pages(big, ab, BIG_PAGES, 3), 0, "the big task's pages read back");
	}
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_classic(void)
{
	printf("# min_ttl with the classic LRU: ignored\n");
	struct mmsim *m = machine(MMSIM_LRU_CLASSIC, 60000, false);
	struct mmsim_task *big = task_on(m, 0), *small = task_on(m, 1);
	uint64_t ab = write_pages(big, BIG_PAGES, 3), as;
	write_until_kswapd(m, small, &as);
	is(ev(m, MMSIM_VM_oom_kill), 0, "no kill");
	ok(ev(m, MMSIM_VM_pgscan_kswapd) > 0, "kswapd scanned");
	is(bad_pages(big, ab, BIG_PAGES, 3), 0, "the big task's pages read back");
	mmsim_destroy(m);
}

/* The setter turns it on for a running machine. */
static void test_set(void)
{
	printf("# min_ttl set at run time\n");
	struct mmsim *m = machine(MMSIM_LRU_GEN, 0, false);
	struct mmsim_task *big = task_on(m, 0), *small = task_on(m, 1);
	write_pages(big, BIG_PAGES, 3);
	mmsim_lru_gen_min_ttl_set(m, 60000);
	is(m->mm.lru_gen_min_ttl_ms, 60000, "min_ttl_ms written");
	uint64_t as;
	write_until_kswapd(m, small, &as);
	is(ev(m, MMSIM_VM_oom_kill), 1, "kswapd kills");
	ok(mmsim_task_killed(big), "the largest process");
	mmsim_destroy(m);
}

/* A threaded machine: kswapd on its host thread kills while the writer
 * goes on on its own; the victim leaves (mmsim_task_exit) while kswapd may
 * still be busy. */
static void test_threaded(void)
{
	printf("# min_ttl on a threaded machine\n");
	struct mmsim *m = machine(MMSIM_LRU_GEN, 60000, true);
	ok(m && m->mm.kswapd, "kswapd's threads");
	struct mmsim_task *big = task_on(m, 0), *small = task_on(m, 1);
	write_pages(big, BIG_PAGES, 3);
	uint64_t a = (uint64_t)mmsim_sys_mmap(small, 0, SMALL_PAGES * P, RW, PRIV, -1, 0);
	uint64_t i = 0;
	int sig = 0;
	for (; i < SMALL_PAGES && !sig && !mmsim_task_killed(big); i++)
		sig = mmsim_fill(small, a + i * P, (int)(i + 7) & 0xff, P, NULL);
	ok(mmsim_task_killed(big) || sig, "the big task was killed, or the writer was");
	mmsim_task_exit(big);
	kswapd_quiesce(&m->mm);
	ok(ev(m, MMSIM_VM_oom_kill) >= 1, "an OOM kill (%llu)",
	   (unsigned long long)ev(m, MMSIM_VM_oom_kill));
	kswapd_resume(&m->mm);
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

int main(void)
{
	test_timestamps();
	test_young(60000);
	test_young(0);
	test_old(false);
	test_old(true);
	test_classic();
	test_set();
	test_threaded();
	return done_testing();
}
