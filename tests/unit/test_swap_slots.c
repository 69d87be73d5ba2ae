/*
 * test_swap_slots.c - Linux 6.12's per-CPU swap slots cache in mmsim's swap
 * area: the slot numbers each CPU's pageouts get (a first batch of 3 after
 * swapon, then batches of 64 per CPU), freed slots parked in the return
 * cache and still charged to memory.swap.current until 64 more are freed,
 * the on/off thresholds (more than 5 x 64 free slots per CPU, fewer than
 * 2 x 64), swapoff draining the caches, and two CPUs paging out and
 * unmapping at once on a threaded machine.
 *
 * Machine: 2 nodes, 2 CPUs, 64 MiB per node.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>
#include <mmsim/cgroup.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P 4096ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static struct mmsim *machine(bool threaded)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	cfg.threaded = threaded;
	return mmsim_create(&cfg, &m) ? NULL : m;
}

/* n pages mapped, written and paged out: their address. */
static uint64_t paged_out(struct mmsim_task *t, uint64_t n)
{
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, n * P, RW, PRIV, -1, 0);
	for (uint64_t i = 0; i < n; i++)
		mmsim_fill(t, a + i * P, 0x30 + (int)(i % 64), P, NULL);
	mmsim_sys_madvise(t, a, n * P, MADV_PAGEOUT);
	return a;
}

/* The slot the swap entry at va names, 0 if there is none. */
static uint64_t slot_at(struct mmsim_task *t, uint64_t va)
{
	struct mm_struct *mm = t->mm;
	struct pmap_entry e;
	memset(&e, 0, sizeof e);
	spin_lock(&mm->ptl);
	pmap_lookup(&mm->pmap, va, &e);
	spin_unlock(&mm->ptl);
	return is_swap_entry(&e) ? swap_entry_offset(&e) : 0;
}

/* Do pages [0, n) of a name slots first, first + 1, ...? */
static bool slots_from(struct mmsim_task *t, uint64_t a, uint64_t n, uint64_t first)
{
	for (uint64_t i = 0; i < n; i++)
		if (slot_at(t, a + i * P) != first + i)
			return false;
	return true;
}

static unsigned cached(struct mmsim *m, unsigned cpu, bool ret)
{
	unsigned nr, n_ret;
	swap_slots_cache_count(&m->mm, cpu, &nr, &n_ret);
	return ret ? n_ret : nr;
}

static uint64_t swap_current(struct mmsim_cgroup *cg)
{
	char buf[64];
	if (mmsim_cgroup_read(cg, "memory.swap.current", buf, sizeof buf) < 0)
		return ~0ULL;
	return strtoull(buf, NULL, 10) / P;
}

static void test_slots_per_cpu(void)
{
	printf("# slot numbers: batches of 64 per CPU, the first only 1-3\n");
	struct mmsim *m = machine(false);
	struct mmsim_task *t0 = task_on(m, 0), *t1 = task_on(m, 1);
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64m (16383 slots)");
	uint64_t a = paged_out(t0, 16);
	ok(slots_from(t0, a, 16, 1), "CPU 0: slots 1-16 (batches 1-3 and 4-67)");
	uint64_t b = paged_out(t1, 16);
	ok(slots_from(t1, b, 16, 68), "CPU 1: its own batch 68-131, from 68");
	uint64_t c = paged_out(t0, 16);
	ok(slots_from(t0, c, 16, 17), "CPU 0 again: 17-32, from its cache");
	is(cached(m, 0, false), 35, "CPU 0 keeps 33-67");
	is(cached(m, 1, false), 48, "CPU 1 keeps 84-131");
	is(swap_free_slots(&m->mm), 16383 - 131, "cached slots do not count as free");
	is(mmsim_debug_check(m), 0, "audit clean (cached slots held, no page)");
	is(mmsim_swapoff(m), 0, "swapoff");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon again");
	uint64_t d = paged_out(t1, 4);
	ok(slots_from(t1, d, 4, 1), "a fresh area: slots from 1 again");
	mmsim_destroy(m);
}

static void test_return_cache_charge(void)
{
	printf("# freed slots wait in the return cache, still charged\n");
	struct mmsim *m = machine(false);
	struct mmsim_cgroup *cg = NULL;
	is(mmsim_cgroup_create(m, "cg", NULL, &cg), 0, "cgroup");
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_cgroup_attach(cg, t), 0, "task in it");
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64m");
	uint64_t a = paged_out(t, 128);
	is(swap_current(cg), 128, "128 slots charged");
	uint64_t free0 = swap_free_slots(&m->mm);
	is(mmsim_sys_munmap(t, a, 64 * P), 0, "munmap of 64 paged-out pages");
	is(cached(m, 0, true), 64, "their slots parked on CPU 0");
	is(swap_current(cg), 128, "still charged (memory.swap.current)");
	is(swap_free_slots(&m->mm), free0, "and not free");
	is(mmsim_debug_check(m), 0, "audit clean with parked slots");
	is(mmsim_sys_munmap(t, a + 64 * P, P), 0, "one more");
	is(swap_current(cg), 64, "the 65th free sends the 64 back: uncharged (63 mapped + 1 parked left)");
	is(swap_free_slots(&m->mm), free0 + 64, "64 slots free again");
	is(cached(m, 0, true), 1, "the 65th waits");
	is(mmsim_swapoff(m), 0, "swapoff drains the caches");
	is(swap_current(cg), 0, "nothing charged after swapoff");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_thresholds(void)
{
	printf("# on above 5 x 64 free slots per CPU, off below 2 x 64\n");
	struct mmsim *m = machine(false);
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 641 * P, NULL), 0, "640 slots: not more than 640");
	uint64_t a = paged_out(t, 8);
	is(cached(m, 0, false), 0, "off: no allocation cache");
	is(mmsim_sys_munmap(t, a, 8 * P), 0, "munmap");
	is(swap_free_slots(&m->mm), 640, "slots freed at once");
	is(mmsim_swapoff(m), 0, "swapoff");
	is(mmsim_swapon(m, 1000 * P, NULL), 0, "999 slots: on");
	a = paged_out(t, 8);
	is(cached(m, 0, false), 59, "batches 1-3 and 4-67: 59 left");
	uint64_t b = paged_out(t, 752);
	is(cached(m, 0, false), 0, "fewer than 256 free: off, CPU 0's cache drained");
	is(swap_free_slots(&m->mm), 999 - 760, "every slot in use is a page's");
	is(mmsim_sys_munmap(t, b, P), 0, "munmap of one page");
	is(cached(m, 0, true), 0, "no return cache while off");
	is(swap_free_slots(&m->mm), 999 - 759, "freed at once");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* ---- two CPUs at once -------------------------------------------------------- */

struct worker {
	struct mmsim_task *t;
	int rounds;
	int bad;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int r = 0; r < w->rounds; r++) {
		uint64_t n = 40 + (uint64_t)r % 50;
		uint64_t a = paged_out(w->t, n);
		/* Read half back, unmap all: frees from the swap cache and
		 * from swap entries, both through this CPU's return cache. */
		for (uint64_t i = 0; i < n; i += 2) {
			uint8_t byte;
			if (mmsim_load(w->t, a + i * P, &byte, 1, NULL) ||
			    byte != 0x30 + (int)(i % 64))
				w->bad++;
		}
		mmsim_sys_munmap(w->t, a, n * P);
	}
	return NULL;
}

static void test_threads(void)
{
	printf("# two CPUs page out and unmap at once (threaded machine)\n");
	struct mmsim *m = machine(true);
	struct mmsim_cgroup *cg = NULL;
	is(mmsim_cgroup_create(m, "cg", NULL, &cg), 0, "cgroup");
	is(mmsim_swapon(m, 4ULL << 20, NULL), 0, "swapon 4m (1023 slots: the cache turns off and on)");
	struct worker w[2] = { { task_on(m, 0), 60, 0 }, { task_on(m, 1), 60, 0 } };
	is(mmsim_cgroup_attach(cg, w[0].t), 0, "both tasks in the cgroup");
	is(mmsim_cgroup_attach(cg, w[1].t), 0, "(second)");
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, work, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	is(w[0].bad + w[1].bad, 0, "every byte read back");
	is(mmsim_debug_check(m), 0, "audit clean: caches, counts and the swap cache agree");
	uint64_t parked = cached(m, 0, true) + cached(m, 1, true);
	is(swap_current(cg), parked, "charged: exactly the parked slots");
	is(mmsim_swapoff(m), 0, "swapoff");
	is(swap_current(cg), 0, "all uncharged");
	mmsim_destroy(m);
}

int main(void)
{
	test_slots_per_cpu();
	test_return_cache_charge();
	test_thresholds();
	test_threads();
	return done_testing();
}
