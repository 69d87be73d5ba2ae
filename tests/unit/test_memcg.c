/*
 * test_memcg.c - memory cgroups (src/mm/memcontrol.c, src/kernel/cgroup.c):
 * charges and their balance (memory.current is exactly the pages charged,
 * through faults, migration, swap-out and swap-in, munmap and exit),
 * memory.max with and without swap, memory.swap.max, memory.high,
 * memory.low under global pressure, the hierarchy, the memcg OOM killer
 * and memory.events, writing memory.max below the usage, and the files'
 * errors; memory.peak and memory.swap.peak (and their reset by a write),
 * memory.events.local against memory.events, and memory.stat's keys, LRU
 * sizes and event counters with either LRU.
 *
 * Machines: 1 node of 32 MiB (or 2 of 16 MiB), swap as a test needs it;
 * tasks on CPU 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define MIB (1ULL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE)
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static struct mmsim *machine(unsigned nodes, uint64_t mem, uint64_t swap)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = nodes;
	cfg.mem_per_node = mem;
	if (mmsim_create(&cfg, &m))
		return NULL;
	if (swap && mmsim_swapon(m, swap, NULL)) {
		mmsim_destroy(m);
		return NULL;
	}
	return m;
}

/* A number from an interface file ("max" reads as UINT64_MAX). */
static uint64_t num(struct mmsim_cgroup *cg, const char *file)
{
	char buf[64];
	if (mmsim_cgroup_read(cg, file, buf, sizeof buf) < 0)
		return UINT64_MAX - 1;
	return strncmp(buf, "max", 3) ? strtoull(buf, NULL, 10) : UINT64_MAX;
}

/* The value of key in memory.events or memory.stat. */
static uint64_t keyed(struct mmsim_cgroup *cg, const char *file, const char *key)
{
	char buf[2048];
	size_t k = strlen(key);
	if (mmsim_cgroup_read(cg, file, buf, sizeof buf) < 0)
		return UINT64_MAX - 1;
	for (char *l = buf; *l; l = strchr(l, '\n') + 1) {
		if (!strncmp(l, key, k) && l[k] == ' ')
			return strtoull(l + k + 1, NULL, 10);
		if (!strchr(l, '\n'))
			break;
	}
	return UINT64_MAX - 1;
}

/* The page tables charged to cg and below, in bytes (memory.stat). */
static uint64_t pt(struct mmsim_cgroup *cg)
{
	return keyed(cg, "memory.stat", "pagetables");
}

static struct mmsim_cgroup *cgroup(struct mmsim *m, const char *name, struct mmsim_cgroup *parent)
{
	struct mmsim_cgroup *cg = NULL;
	mmsim_cgroup_create(m, name, parent, &cg);
	return cg;
}

static struct mmsim_task *task_in(struct mmsim *m, struct mmsim_cgroup *cg)
{
	struct mmsim_task *t = task_on(m, 0);
	if (t && cg)
		mmsim_cgroup_attach(cg, t);
	return t;
}

static uint64_t map(struct mmsim_task *t, uint64_t len, int flags)
{
	return (uint64_t)mmsim_sys_mmap(t, 0, len, RW, flags, -1, 0);
}

/* Writes len bytes at a, each page's first byte a function of its index. */
static int fill(struct mmsim_task *t, uint64_t a, uint64_t len)
{
	for (uint64_t i = 0; i < len / P; i++) {
		int sig = mmsim_fill(t, a + i * P, (int)(i * 13 + 7) & 0xff, P, NULL);
		if (sig)
			return sig;
	}
	return 0;
}

static int wrong(struct mmsim_task *t, uint64_t a, uint64_t len)
{
	int bad = 0;
	for (uint64_t i = 0; i < len / P; i++) {
		uint8_t b = 0;
		bad += mmsim_load8(t, a + i * P + 9, &b) || b != (uint8_t)((i * 13 + 7) & 0xff);
	}
	return bad;
}

static void test_files(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 0);
	struct mmsim_cgroup *cg = cgroup(m, "a", NULL), *dup = NULL;
	ok(cg != NULL, "a cgroup");
	is(mmsim_cgroup_create(m, "a", NULL, &dup), -EEXIST, "the same name again: EEXIST");
	is(mmsim_cgroup_create(m, "", NULL, &dup), -EINVAL, "an empty name: EINVAL");
	ok(mmsim_cgroup_find(m, "a") == cg, "found by name");
	is(num(cg, "memory.max"), UINT64_MAX, "memory.max starts at max");
	is(num(cg, "memory.low"), 0, "memory.low at 0");
	is(mmsim_cgroup_write(cg, "memory.max", "4M"), 0, "memory.max 4M");
	is(num(cg, "memory.max"), 4 * MIB, "  reads 4194304");
	is(mmsim_cgroup_write(cg, "memory.max", "5000"), 0, "memory.max 5000 bytes");
	is(num(cg, "memory.max"), 4096, "  rounded down to a page");
	is(mmsim_cgroup_write(cg, "memory.max", "max"), 0, "back to max");
	is(mmsim_cgroup_write(cg, "memory.max", "lots"), -EINVAL, "a bad value: EINVAL");
	is(mmsim_cgroup_write(cg, "memory.max", "-1"), -EINVAL, "a negative one: EINVAL");
	is(mmsim_cgroup_write(cg, "memory.nothing", "1"), -ENOENT, "no such file: ENOENT");
	char buf[256];
	is(mmsim_cgroup_read(cg, "memory.nothing", buf, sizeof buf), -ENOENT, "reading one: ENOENT");
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_cgroup_attach(cg, t), 0, "a task joins it");
	struct mmsim_cgroup *child = NULL;
	is(mmsim_cgroup_create(m, "child", cg, &child), -EBUSY,
	   "a child under a cgroup with tasks: EBUSY (v2 keeps tasks at the leaves)");
	struct mmsim_cgroup *p = cgroup(m, "p", NULL), *c = cgroup(m, "c", p);
	ok(p && c, "a parent with a child");
	is(mmsim_cgroup_attach(p, t), -EBUSY, "a task into the parent: EBUSY");
	is(mmsim_cgroup_attach(c, t), 0, "into the child: fine");
	ok(mmsim_cgroup_read(cg, "memory.events", buf, sizeof buf) > 0 &&
	   !strcmp(buf, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"),
	   "memory.events as Linux prints it");
	mmsim_destroy(m);
}

static void test_balance(void)
{
	struct mmsim *m = machine(2, 16 * MIB, 0);
	struct mmsim_cgroup *cg = cgroup(m, "a", NULL);
	struct mmsim_task *t = task_in(m, cg);
	uint64_t a = map(t, 2 * MIB, PRIV);
	is(fill(t, a, 2 * MIB), 0, "write 2 MiB in the cgroup");
	is(num(cg, "memory.current"), 2 * MIB + P, "memory.current: the pages and their PTE table");
	is(pt(cg), P, "memory.stat pagetables: that table");
	is(keyed(cg, "memory.stat", "kernel"), P, "kernel: the same (the only kmem charged)");
	is(keyed(cg, "memory.stat", "anon"), 2 * MIB, "memory.stat anon 2 MiB");
	uint64_t pages[4] = { a, a + P, a + 2 * P, a + 3 * P };
	int nodes[4] = { 1, 1, 1, 1 }, st[4];
	is(mmsim_sys_move_pages(t, 0, 4, pages, nodes, st, MMSIM_MPOL_MF_MOVE), 0, "move 4 pages");
	is(st[0], 1, "  to node 1");
	is(num(cg, "memory.current"), 2 * MIB + P, "the charge moved with them: unchanged");
	struct mmsim_task *c = NULL;
	is(mmsim_fork(t, "child", &c), 0, "fork");
	is(fill(c, a, 4 * P), 0, "the child writes 4 pages (copies)");
	ok(pt(cg) > P, "the child's page tables charged to the cgroup (%llu)",
	   (unsigned long long)pt(cg));
	is(num(cg, "memory.current"), 2 * MIB + 4 * P + pt(cg), "  as its copies");
	mmsim_task_exit(c);
	is(num(cg, "memory.current"), 2 * MIB + P, "the child's copies and tables uncharged at exit");
	uint64_t sh = map(t, 8 * P, SHARED);
	is(fill(t, sh, 8 * P), 0, "8 pages of shared memory");
	is(keyed(cg, "memory.stat", "shmem"), 8 * P, "memory.stat shmem");
	is(mmsim_sys_munmap(t, a, 2 * MIB), 0, "munmap the 2 MiB");
	is(num(cg, "memory.current"), 8 * P, "only the shared pages are left");
	is(mmsim_sys_munmap(t, sh, 8 * P), 0, "munmap them");
	is(num(cg, "memory.current"), 0, "nothing charged");
	mmsim_destroy(m);
}

static void test_max(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 0);
	struct mmsim_cgroup *parent = cgroup(m, "p", NULL), *cg = cgroup(m, "c", parent);
	mmsim_cgroup_write(parent, "memory.max", "4M");
	struct mmsim_task *t = task_in(m, cg), *out = task_on(m, 0);
	uint64_t a = map(t, 8 * MIB, PRIV);
	is(fill(t, a, 3 * MIB), 0, "3 MiB under the parent's 4 MiB");
	is(fill(t, a, 8 * MIB), SIGKILL, "8 MiB without swap: the memcg OOM killer takes it");
	ok(mmsim_task_killed(t), "  killed");
	is(keyed(cg, "memory.events", "oom_kill"), 1, "the child's oom_kill 1");
	is(keyed(parent, "memory.events", "oom_kill"), 1, "and the parent's (hierarchical)");
	is(keyed(parent, "memory.events", "oom"), 1, "the parent's oom 1 (its limit was hit)");
	is(keyed(cg, "memory.events", "oom"), 0, "the child's oom 0");
	ok(keyed(parent, "memory.events", "max") > 0, "the parent's max events");
	is(num(parent, "memory.current"), 0, "its memory went back");
	uint64_t b = map(out, 8 * MIB, PRIV);
	is(fill(out, b, 8 * MIB), 0, "a task outside writes 8 MiB");
	ok(!mmsim_task_killed(out), "  and lives");
	mmsim_task_exit(t);
	mmsim_destroy(m);
}

static void test_swap(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 64 * MIB);
	struct mmsim_cgroup *cg = cgroup(m, "a", NULL);
	mmsim_cgroup_write(cg, "memory.max", "4M");
	struct mmsim_task *t = task_in(m, cg);
	uint64_t a = map(t, 8 * MIB, PRIV);
	is(fill(t, a, 8 * MIB), 0, "8 MiB under 4 MiB with swap: written");
	ok(num(cg, "memory.current") <= 4 * MIB, "memory.current within the limit");
	ok(num(cg, "memory.swap.current") >= 4 * MIB, "the rest in swap (%llu)",
	   (unsigned long long)num(cg, "memory.swap.current"));
	is(wrong(t, a, 8 * MIB), 0, "every page reads back");
	ok(num(cg, "memory.current") <= 4 * MIB, "still within the limit after swap-ins");
	is(keyed(cg, "memory.events", "oom"), 0, "no OOM");
	is(mmsim_sys_munmap(t, a, 8 * MIB), 0, "munmap");
	is(num(cg, "memory.current"), 0, "memory.current 0");
	/* Linux 6.12's slots cache: the last slots freed wait in a CPU's
	 * return cache, still charged, up to 64 per CPU. */
	ok(num(cg, "memory.swap.current") <= 2 * 64 * 4096,
	   "memory.swap.current: only slots parked in return caches stay charged (%llu)",
	   (unsigned long long)num(cg, "memory.swap.current"));

	struct mmsim_cgroup *ns = cgroup(m, "noswap", NULL);
	mmsim_cgroup_write(ns, "memory.max", "4M");
	mmsim_cgroup_write(ns, "memory.swap.max", "0");
	struct mmsim_task *u = task_in(m, ns);
	uint64_t b = map(u, 8 * MIB, PRIV);
	is(fill(u, b, 8 * MIB), SIGKILL, "memory.swap.max 0: killed at the limit");
	is(keyed(ns, "memory.events", "oom_kill"), 1, "  oom_kill 1");
	mmsim_task_exit(u);

	/* memory.max lowered below the usage: reclaim pushes it out. */
	struct mmsim_task *v = task_in(m, cg);
	uint64_t c = map(v, 3 * MIB, PRIV);
	mmsim_cgroup_write(cg, "memory.max", "max");
	is(fill(v, c, 3 * MIB), 0, "3 MiB with no limit");
	is(mmsim_cgroup_write(cg, "memory.max", "1M"), 0, "memory.max lowered to 1 MiB");
	ok(num(cg, "memory.current") <= 1 * MIB, "  the usage followed (to swap)");
	is(wrong(v, c, 3 * MIB), 0, "  and the data reads back");
	mmsim_destroy(m);
}

/*
 * swapoff while a memcg holds more in swap than its memory.max lets back:
 * the swap-in's charge has to kill the memcg's process, which is the very
 * one swapoff is bringing pages back for (its mmap_lock held).  Linux
 * fails the swapoff with ENOMEM and the process dies (its oom count varies
 * with the oom_reaper's timing: not checked).  This once hung: the kill
 * took the machine's lock swapoff held, then waited for the mmap_lock.
 */
static void test_swapoff_over_max(void)
{
	printf("# swapoff with a memcg's swap beyond its memory.max\n");
	struct mmsim *m = machine(1, 32 * MIB, 64 * MIB);
	struct mmsim_cgroup *cg = cgroup(m, "g", NULL);
	mmsim_cgroup_write(cg, "memory.max", "2M");
	struct mmsim_task *t = task_in(m, cg);
	uint64_t a = map(t, 4 * MIB, PRIV);
	is(fill(t, a, 4 * MIB), 0, "4 MiB under 2 MiB with swap: written");
	is(mmsim_swapoff(m), -ENOMEM, "swapoff: ENOMEM");
	is(keyed(cg, "memory.events", "oom_kill"), 1, "the process was killed for it");
	ok(mmsim_task_killed(t), "  it is the memcg's task");
	ok(keyed(cg, "memory.events", "oom") >= 1, "  an OOM counted");
	is(num(cg, "memory.current"), 0, "its memory is back");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_swapoff(m), 0, "a second swapoff: nothing left to bring back");
	mmsim_task_exit(t);
	mmsim_destroy(m);
}

static struct mmsim *machine_lru(uint64_t swap, enum mmsim_lru lru);

static void test_high_low(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 64 * MIB);
	struct mmsim_cgroup *h = cgroup(m, "high", NULL);
	mmsim_cgroup_write(h, "memory.high", "2M");
	struct mmsim_task *t = task_in(m, h);
	uint64_t a = map(t, 6 * MIB, PRIV);
	is(fill(t, a, 6 * MIB), 0, "6 MiB over memory.high 2 MiB: no failure");
	ok(num(h, "memory.current") <= 2 * MIB + 32 * P, "the usage kept near high (%llu)",
	   (unsigned long long)num(h, "memory.current"));
	ok(keyed(h, "memory.events", "high") > 0, "high events");
	is(keyed(h, "memory.events", "oom"), 0, "no OOM");
	mmsim_task_exit(t);

	/* Global pressure: a protected cgroup keeps its pages in memory.
	 * With the classic LRU, as Linux's shrink_node_memcgs passes a memcg
	 * below memory.low over while others have pages.  (MGLRU's machine
	 * reclaim takes the memcg LRU's order instead, where memory.low only
	 * sends a memcg to the tail of its generation once per round:
	 * test_vmscan's memcg LRU tests.) */
	mmsim_destroy(m);
	m = machine_lru(64 * MIB, MMSIM_LRU_CLASSIC);
	struct mmsim_cgroup *keep = cgroup(m, "keep", NULL), *other = cgroup(m, "other", NULL);
	mmsim_cgroup_write(keep, "memory.low", "8M");
	struct mmsim_task *k = task_in(m, keep), *o = task_in(m, other);
	uint64_t ka = map(k, 6 * MIB, PRIV), oa = map(o, 48 * MIB, PRIV);
	is(fill(k, ka, 6 * MIB), 0, "6 MiB in a cgroup with memory.low 8 MiB");
	is(fill(o, oa, 48 * MIB), 0, "48 MiB elsewhere on a 32 MiB machine");
	is(num(keep, "memory.swap.current"), 0, "the protected pages stayed in memory");
	ok(num(other, "memory.swap.current") > 0, "the other cgroup's went to swap");
	is(wrong(k, ka, 6 * MIB), 0, "the protected data reads back");
	is(keyed(keep, "memory.events", "low"), 0, "its protection held: no low event");
	mmsim_destroy(m);

	/* Protection with nothing else to take: it yields, and says so. */
	m = machine(1, 32 * MIB, 64 * MIB);
	struct mmsim_cgroup *only = cgroup(m, "only", NULL);
	mmsim_cgroup_write(only, "memory.low", "64M");
	struct mmsim_task *w = task_in(m, only);
	uint64_t wa = map(w, 48 * MIB, PRIV);
	is(fill(w, wa, 48 * MIB), 0, "48 MiB under memory.low 64 MiB on a 32 MiB machine");
	ok(num(only, "memory.swap.current") > 0, "  low yields: pages went to swap");
	ok(keyed(only, "memory.events", "low") > 0, "  and low events count it (%llu)",
	   (unsigned long long)keyed(only, "memory.events", "low"));
	is(wrong(w, wa, 48 * MIB), 0, "  the data reads back");
	mmsim_destroy(m);
}

/* One node of 32 MiB, one CPU, with the LRU and THP setting given. */
static struct mmsim *machine_one(uint64_t swap, enum mmsim_lru lru, enum mmsim_thp thp)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.cpus = 1;
	cfg.mem_per_node = 32 * MIB;
	cfg.lru = lru;
	cfg.thp = thp;
	if (mmsim_create(&cfg, &m))
		return NULL;
	if (swap && mmsim_swapon(m, swap, NULL)) {
		mmsim_destroy(m);
		return NULL;
	}
	return m;
}

static struct mmsim *machine_lru(uint64_t swap, enum mmsim_lru lru)
{
	struct mmsim_config cfg;
	mmsim_config_default(&cfg);
	return machine_one(swap, lru, cfg.thp);
}

static uint64_t vmev(struct mmsim *m, enum mmsim_vmstat_event e)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	return vs.ev[e];
}

static void test_peak(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 64 * MIB);
	struct mmsim_cgroup *p = cgroup(m, "p", NULL), *c = cgroup(m, "c", p);
	is(num(c, "memory.peak"), 0, "memory.peak starts at 0");
	struct mmsim_task *t = task_in(m, c);
	uint64_t a = map(t, 2 * MIB, PRIV);
	is(fill(t, a, 1 * MIB), 0, "1 MiB written");
	is(num(c, "memory.peak"), 1 * MIB + P, "memory.peak 1 MiB and a PTE table");
	is(num(p, "memory.peak"), 1 * MIB + P, "  and the parent's (every level charged)");
	is(mmsim_sys_munmap(t, a, 2 * MIB), 0, "munmap");
	is(num(c, "memory.current"), 0, "memory.current 0");
	is(num(c, "memory.peak"), 1 * MIB + P, "memory.peak stays at the highest");
	a = map(t, 2 * MIB, PRIV);
	is(fill(t, a, 8 * P), 0, "8 pages written");
	is(num(c, "memory.peak"), 1 * MIB + P, "below the peak: unchanged");
	is(mmsim_cgroup_write(c, "memory.peak", "reset\n"), 0, "a write to memory.peak");
	is(num(c, "memory.peak"), 8 * P + P, "  resets it to the usage");
	is(num(p, "memory.peak"), 1 * MIB + P, "  the parent's unchanged");
	is(fill(t, a, 16 * P), 0, "16 pages now");
	is(num(c, "memory.peak"), 16 * P + P, "memory.peak follows from the reset");
	is(mmsim_sys_munmap(t, a, 2 * MIB), 0, "munmap");

	/* Swap: the usage only grows while pages go out, so the peak is
	 * the usage before the munmap. */
	is(num(c, "memory.swap.peak"), 0, "memory.swap.peak 0");
	mmsim_cgroup_write(c, "memory.max", "1M");
	a = map(t, 2 * MIB, PRIV);
	is(fill(t, a, 2 * MIB), 0, "2 MiB under memory.max 1 MiB");
	uint64_t swapped = num(c, "memory.swap.current");
	ok(swapped >= 1 * MIB, "  at least 1 MiB in swap (%llu)", (unsigned long long)swapped);
	is(num(c, "memory.swap.peak"), swapped, "memory.swap.peak: the swap usage");
	is(num(p, "memory.swap.peak"), swapped, "  and the parent's");
	is(num(c, "memory.peak"), 1 * MIB, "memory.peak: the limit");
	is(mmsim_sys_munmap(t, a, 2 * MIB), 0, "munmap");
	is(num(c, "memory.swap.current"), 0, "memory.swap.current 0");
	is(num(c, "memory.swap.peak"), swapped, "memory.swap.peak kept");
	is(mmsim_cgroup_write(c, "memory.swap.peak", "x"), 0, "written");
	is(num(c, "memory.swap.peak"), 0, "  reset to the swap usage, 0");
	mmsim_destroy(m);
}

static void test_events_local(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 0);
	struct mmsim_cgroup *p = cgroup(m, "p", NULL), *c = cgroup(m, "c", p);
	mmsim_cgroup_write(p, "memory.max", "4M");
	struct mmsim_task *t = task_in(m, c);
	uint64_t a = map(t, 8 * MIB, PRIV);
	is(fill(t, a, 8 * MIB), SIGKILL, "8 MiB under the parent's 4 MiB: killed");
	uint64_t maxev = keyed(p, "memory.events", "max");
	ok(maxev > 0, "the parent's max events (%llu)", (unsigned long long)maxev);
	is(keyed(p, "memory.events.local", "max"), maxev, "  all its own: events.local the same");
	is(keyed(p, "memory.events.local", "oom"), 1, "the parent's own oom 1");
	is(keyed(p, "memory.events.local", "oom_kill"), 0,
	   "the parent's own oom_kill 0 (the victim was the child's)");
	is(keyed(p, "memory.events", "oom_kill"), 1, "  its memory.events oom_kill 1 (from below)");
	is(keyed(c, "memory.events.local", "oom_kill"), 1, "the child's own oom_kill 1");
	is(keyed(c, "memory.events.local", "max"), 0, "the child's own max 0");
	is(keyed(c, "memory.events.local", "oom"), 0, "  and oom 0");
	char buf[256];
	ok(mmsim_cgroup_read(c, "memory.events.local", buf, sizeof buf) > 0 &&
	   !strcmp(buf, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\noom_group_kill 0\n"),
	   "memory.events.local: memory.events' keys");
	mmsim_task_exit(t);
	mmsim_destroy(m);
}

/* The keys memory.stat prints, in Linux 6.12's order. */
static const char stat_keys[] =
	"anon file kernel pagetables shmem inactive_anon active_anon inactive_file active_file unevictable "
	"workingset_refault_anon workingset_refault_file workingset_activate_anon "
	"workingset_activate_file workingset_restore_anon workingset_restore_file pgscan pgsteal "
	"pgscan_kswapd pgscan_direct pgsteal_kswapd pgsteal_direct pgrefill pgactivate "
	"pgdeactivate ";

static void test_stat(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	printf("# memory.stat, %s\n", classic ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(64 * MIB, lru);
	struct mmsim_cgroup *p = cgroup(m, "p", NULL), *c = cgroup(m, "c", p);
	struct mmsim_task *t = task_in(m, c);
	char buf[2048], keys[1024] = "";
	ok(mmsim_cgroup_read(c, "memory.stat", buf, sizeof buf) > 0, "memory.stat read");
	for (char *l = buf; *l; l = strchr(l, '\n') + 1) {
		size_t k = strcspn(l, " ");
		strncat(keys, l, k);
		strcat(keys, " ");
	}
	is_str(keys, stat_keys, "its keys, in Linux's order");

	uint64_t a = map(t, 1 * MIB, PRIV);
	is(fill(t, a, 1 * MIB), 0, "1 MiB written in the child");
	is(keyed(c, "memory.stat", "anon"), 1 * MIB, "anon 1 MiB");
	/* New anonymous pages: the classic inactive list; MGLRU's second
	 * youngest generation, which counts as active. */
	is(keyed(c, "memory.stat", "inactive_anon"), classic ? 1 * MIB : 0, "inactive_anon");
	is(keyed(c, "memory.stat", "active_anon"), classic ? 0 : 1 * MIB, "active_anon");
	is(keyed(c, "memory.stat", "inactive_file"), 0, "inactive_file 0");
	is(keyed(c, "memory.stat", "active_file"), 0, "active_file 0");
	is(keyed(c, "memory.stat", "unevictable"), 0, "unevictable 0");
	is(keyed(p, "memory.stat", classic ? "inactive_anon" : "active_anon"), 1 * MIB,
	   "  the parent's the same");

	is(mmsim_sys_madvise(t, a, 64 * P, MADV_COLD), 0, "MADV_COLD on 64 pages");
	/* MGLRU deactivates every page it is given, classic only active
	 * ones; an anonymous page not in the swap cache goes back to the
	 * second youngest generation, still active (Linux's
	 * lru_gen_add_folio). */
	is(keyed(c, "memory.stat", "pgdeactivate"), classic ? 0 : 64, "pgdeactivate");
	is(keyed(c, "memory.stat", "pgdeactivate"), vmev(m, MMSIM_VM_pgdeactivate),
	   "  as /proc/vmstat's (the only pages)");
	is(keyed(p, "memory.stat", "pgdeactivate"), classic ? 0 : 64, "  the parent's too");
	is(keyed(c, "memory.stat", "inactive_anon"), classic ? 1 * MIB : 0, "inactive_anon");
	is(keyed(c, "memory.stat", "active_anon"), classic ? 0 : 1 * MIB, "active_anon");

	/* MADV_PAGEOUT (the pages stay in the swap cache), read back, again
	 * (now they go), then read back: refaults, on the page's memcg. */
	is(mmsim_sys_madvise(t, a, 16 * P, MADV_PAGEOUT), 0, "16 pages paged out");
	is(wrong(t, a, 16 * P), 0, "  read back from the swap cache");
	is(mmsim_sys_madvise(t, a, 16 * P, MADV_PAGEOUT), 0, "  and paged out again: freed");
	is(keyed(c, "memory.stat", "pgsteal"), 0, "MADV_PAGEOUT is no pgsteal");
	is(wrong(t, a, 16 * P), 0, "read back");
	is(keyed(c, "memory.stat", "workingset_refault_anon"), 16, "workingset_refault_anon 16");
	is(keyed(p, "memory.stat", "workingset_refault_anon"), 16, "  the parent's 16");
	is(keyed(c, "memory.stat", "workingset_activate_anon"),
	   vmev(m, MMSIM_VM_workingset_activate_anon), "workingset_activate_anon: vmstat's");
	is(keyed(c, "memory.stat", "workingset_restore_anon"),
	   vmev(m, MMSIM_VM_workingset_restore_anon), "workingset_restore_anon: vmstat's");
	is(keyed(c, "memory.stat", "workingset_refault_file"), 0, "workingset_refault_file 0");

	/* Locked pages (resident ones: a page read back from swap into a
	 * locked VMA stays evictable, as in Linux) count as unevictable. */
	is(mmsim_sys_mlock(t, a + 64 * P, 8 * P), 0, "mlock 8 resident pages");
	is(keyed(c, "memory.stat", "unevictable"), 8 * P, "unevictable 8 pages");
	is(keyed(p, "memory.stat", "unevictable"), 8 * P, "  the parent's too");
	is(keyed(c, "memory.stat", "inactive_anon") + keyed(c, "memory.stat", "active_anon"),
	   1 * MIB - 8 * P, "the evictable lists the rest");

	/* The memcg's own reclaim: pgscan/pgsteal _direct in memory.stat,
	 * not in /proc/vmstat. */
	is(mmsim_cgroup_write(c, "memory.max", "512K"), 0, "memory.max lowered to 512 KiB");
	ok(num(c, "memory.current") <= 512 * 1024, "  the usage followed");
	uint64_t steal = keyed(c, "memory.stat", "pgsteal_direct");
	uint64_t scan = keyed(c, "memory.stat", "pgscan_direct");
	is(steal, vmev(m, MMSIM_VM_pgsteal_anon) + vmev(m, MMSIM_VM_pgsteal_file),
	   "pgsteal_direct: every page reclaim freed (%llu)", (unsigned long long)steal);
	ok(steal >= 128, "  at least the 128 pages over the limit");
	is(scan, vmev(m, MMSIM_VM_pgscan_anon) + vmev(m, MMSIM_VM_pgscan_file),
	   "pgscan_direct: every page it isolated (%llu)", (unsigned long long)scan);
	is(keyed(c, "memory.stat", "pgscan"), scan, "pgscan: the sum");
	is(keyed(c, "memory.stat", "pgsteal"), steal, "pgsteal: the sum");
	is(keyed(c, "memory.stat", "pgscan_kswapd") + keyed(c, "memory.stat", "pgsteal_kswapd"),
	   0, "nothing by kswapd");
	is(vmev(m, MMSIM_VM_pgscan_direct) + vmev(m, MMSIM_VM_pgsteal_direct), 0,
	   "/proc/vmstat's pgscan_direct and pgsteal_direct leave memcg reclaim out");
	is(keyed(p, "memory.stat", "pgsteal_direct"), steal, "the parent's pgsteal_direct the same");
	is(keyed(p, "memory.stat", "pgrefill"), keyed(c, "memory.stat", "pgrefill"),
	   "  and pgrefill");
	is(keyed(c, "memory.stat", "pgactivate"), vmev(m, MMSIM_VM_pgactivate),
	   "pgactivate: vmstat's (%llu)", (unsigned long long)vmev(m, MMSIM_VM_pgactivate));
	uint64_t lrus = keyed(c, "memory.stat", "inactive_anon") +
			keyed(c, "memory.stat", "active_anon") + keyed(c, "memory.stat", "unevictable");
	is(lrus, num(c, "memory.current"), "the lists hold memory.current (%llu)",
	   (unsigned long long)lrus);

	is(keyed(c, "memory.stat", "unevictable"), 8 * P, "unevictable: still the 8 pages");
	mmsim_destroy(m);
}

/* Anonymous pages on lruvec lv (both lists, or all generations). */
static uint64_t lv_anon(struct mmsim *m, struct lruvec *lv)
{
	lru_add_drain_all(&m->mm);
	return lruvec_size(&m->mm, lv, LRU_INACTIVE_ANON) + lruvec_size(&m->mm, lv, LRU_ACTIVE_ANON);
}

static struct lruvec *lv_of(struct mmsim *m, struct mmsim_cgroup *cg, unsigned nid)
{
	return mem_cgroup_lruvec(&m->mm, cg ? cgroup_memcg(cg) : NULL, nid);
}

static void test_lruvec_order(void)
{
	printf("# lruvec_iter: the memcgs in pre-order, children in creation order\n");
	struct mmsim *m = machine(2, 16 * MIB, 0);
	struct mmsim_cgroup *a = cgroup(m, "a", NULL), *b = cgroup(m, "b", NULL);
	struct mmsim_cgroup *c = cgroup(m, "c", a), *d = cgroup(m, "d", b), *e = cgroup(m, "e", a);
	struct lruvec *want[] = { lv_of(m, NULL, 1), lv_of(m, a, 1), lv_of(m, c, 1), lv_of(m, e, 1),
				  lv_of(m, b, 1), lv_of(m, d, 1) };
	struct lruvec *root = lv_of(m, NULL, 1), *lv = NULL;
	unsigned i = 0, bad = 0;
	while ((lv = lruvec_iter(&m->mm, root, lv)) && i < 8)
		bad += i >= 6 || lv != want[i++];
	ok(!bad && i == 6, "from the root: root, a, c, e, b, d (node 1's lruvecs)");
	root = lv_of(m, a, 1);
	lv = lruvec_iter(&m->mm, root, NULL);
	ok(lv == root, "from a: a first");
	lv = lruvec_iter(&m->mm, root, lv);
	ok(lv == want[2], "  then c");
	lv = lruvec_iter(&m->mm, root, lv);
	ok(lv == want[3], "  then e");
	ok(!lruvec_iter(&m->mm, root, lv), "  and no further (b is not under a)");
	ok(lv_of(m, d, 0)->pgdat == &m->mm.node[0] && lv_of(m, d, 0)->memcg == cgroup_memcg(d),
	   "each lruvec knows its node and memcg");
	mmsim_destroy(m);
}

/*
 * Each memcg's pages are on its own lruvec (Linux's per-memcg LRU): a
 * memcg's limit reclaim takes from its lists alone, and the machine's
 * reclaim walks every memcg's.  With MGLRU, a memcg's aging moves its own
 * generations only.
 */
static void test_lruvecs(enum mmsim_lru lru)
{
	printf("# per-memcg LRU lists, %s\n", lru == MMSIM_LRU_CLASSIC ? "classic" : "MGLRU");
	struct mmsim *m = machine_lru(64 * MIB, lru);
	if (!m) {
		ok(0, "machine");
		return;
	}
	struct mmsim_cgroup *a = cgroup(m, "a", NULL), *b = cgroup(m, "b", NULL);
	struct mmsim_task *ta = task_in(m, a), *tb = task_in(m, b), *tr = task_on(m, 0);
	uint64_t la = map(ta, 4 * MIB, PRIV), lb = map(tb, 4 * MIB, PRIV);
	uint64_t r0 = lv_anon(m, lv_of(m, NULL, 0));
	is(fill(ta, la, 4 * MIB), 0, "a writes 4 MiB");
	is(fill(tb, lb, 4 * MIB), 0, "b writes 4 MiB");
	is(lv_anon(m, lv_of(m, a, 0)), 1024, "a's lruvec holds its 1024 pages");
	is(lv_anon(m, lv_of(m, b, 0)), 1024, "b's its 1024");
	is(lv_anon(m, lv_of(m, NULL, 0)), r0, "the root's lruvec none of them");
	is(lru_size(&m->mm, 0, LRU_INACTIVE_ANON) + lru_size(&m->mm, 0, LRU_ACTIVE_ANON),
	   r0 + 2048, "the node's lists count them all");
	is(mmsim_debug_check(m), 0, "audit clean (every listed page on its memcg's lruvec)");

	uint64_t bseq = lv_of(m, b, 0)->lrugen.max_seq;
	is(mmsim_cgroup_write(a, "memory.max", "2M"), 0, "a's memory.max down to 2 MiB");
	ok(num(a, "memory.current") <= 2 * MIB, "a reclaimed to its limit");
	ok(lv_anon(m, lv_of(m, a, 0)) <= 512, "from its own lruvec");
	is(lv_anon(m, lv_of(m, b, 0)), 1024, "b's lruvec untouched");
	is(num(b, "memory.current"), 4 * MIB + pt(b), "b's charge too (its pages and tables)");
	if (lru == MMSIM_LRU_GEN)
		is(lv_of(m, b, 0)->lrugen.max_seq, bseq, "b's generations did not age");
	is(wrong(ta, la, 4 * MIB), 0, "a's data comes back from swap");
	is(mmsim_cgroup_write(a, "memory.max", "max"), 0, "a unlimited again");

	uint64_t rr = map(tr, 48 * MIB, PRIV);
	is(fill(tr, rr, 48 * MIB), 0, "the root's task writes more than memory");
	ok(keyed(b, "memory.stat", "pgscan") > 0,
	   "the machine's reclaim scanned b's lruvec (memory.stat pgscan %llu, pgsteal %llu)",
	   (unsigned long long)keyed(b, "memory.stat", "pgscan"),
	   (unsigned long long)keyed(b, "memory.stat", "pgsteal"));
	is(wrong(tb, lb, 4 * MIB), 0, "b's data intact");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* A huge page charged to a memcg and split by reclaim: each piece carries
 * one page of the charge, so the charge goes with the pieces. */
static void test_split_charge(void)
{
	printf("# a split huge page's charge is shared by its pieces\n");
	struct mmsim_config cfg;
	mmsim_config_default(&cfg);
	struct mmsim *m = machine_one(16 * MIB, cfg.lru, MMSIM_THP_ALWAYS);
	if (!m) {
		ok(0, "machine");
		return;
	}
	struct mmsim_cgroup *cg = cgroup(m, "a", NULL);
	struct mmsim_task *t = task_in(m, cg);
	uint64_t h = map(t, 2 * MIB, PRIV);
	is(fill(t, h, 2 * MIB), 0, "2 MiB written (one huge page)");
	is(num(cg, "memory.current"), 2 * MIB, "charged 2 MiB");
	struct mmsim_vmstat vs;
	is(mmsim_sys_madvise(t, h, 2 * MIB, MADV_PAGEOUT), 0, "MADV_PAGEOUT: split, swapped out");
	mmsim_vmstat(m, &vs);
	is(vs.ev[MMSIM_VM_thp_split_page], 1, "the huge page was split");
	is(wrong(t, h, 2 * MIB), 0, "read back from swap");
	is(mmsim_sys_munmap(t, h, 2 * MIB), 0, "munmap");
	is(num(cg, "memory.current"), 0, "nothing left charged");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/*
 * memory.low as Linux 6.12 computes it on a cgroup2 mount without
 * memory_recursiveprot: each level protects up to its own setting, within
 * its parent's effective protection, shared in proportion when the
 * children claim more than the parent affords.
 */
static void test_effective_low(void)
{
	printf("# effective memory.low: per level, shared among siblings\n");
	/* The classic LRU: its walk passes protected memcgs over while
	 * others have pages (MGLRU's memcg LRU does only once per round). */
	struct mmsim *m = machine_lru(128 * MIB, MMSIM_LRU_CLASSIC);
	struct mmsim_cgroup *p = cgroup(m, "p", NULL), *bare = cgroup(m, "bare", p);
	struct mmsim_cgroup *q = cgroup(m, "q", NULL), *c1 = cgroup(m, "c1", q), *c2 = cgroup(m, "c2", q);
	struct mmsim_cgroup *r = cgroup(m, "r", NULL), *own = cgroup(m, "own", r);
	struct mmsim_cgroup *other = cgroup(m, "other", NULL);
	mmsim_cgroup_write(p, "memory.low", "8M");	/* the child sets none */
	mmsim_cgroup_write(q, "memory.low", "4M");
	mmsim_cgroup_write(c1, "memory.low", "4M");
	mmsim_cgroup_write(c2, "memory.low", "4M");
	mmsim_cgroup_write(r, "memory.low", "8M");
	mmsim_cgroup_write(own, "memory.low", "8M");
	struct mmsim_task *tb = task_in(m, bare), *t1 = task_in(m, c1), *t2 = task_in(m, c2);
	struct mmsim_task *to = task_in(m, own), *tx = task_in(m, other);
	uint64_t b = map(tb, 4 * MIB, PRIV), a1 = map(t1, 4 * MIB, PRIV), a2 = map(t2, 4 * MIB, PRIV);
	uint64_t ao = map(to, 4 * MIB, PRIV), x = map(tx, 64 * MIB, PRIV);
	is(fill(tb, b, 4 * MIB) | fill(t1, a1, 4 * MIB) | fill(t2, a2, 4 * MIB) | fill(to, ao, 4 * MIB),
	   0, "4 MiB each in bare, c1, c2 and own");
	is(fill(tx, x, 64 * MIB), 0, "64 MiB elsewhere on a 32 MiB machine");
	is(num(own, "memory.swap.current"), 0, "own (low 8M under a parent with low 8M) kept in memory");
	ok(num(bare, "memory.swap.current") > 0,
	   "bare (no low of its own under a parent with 8M) was not protected");
	ok(num(c1, "memory.swap.current") > 0 && num(c2, "memory.swap.current") > 0,
	   "c1 and c2 (4M each claimed under a parent's 4M) were reclaimed");
	struct mem_cgroup *mc1 = cgroup_memcg(c1), *mo = cgroup_memcg(own);
	ok(mc1->elow <= 512 + 1, "c1's effective low was at most half the parent's 4 MiB (%llu pages)",
	   (unsigned long long)mc1->elow);
	is(mo->elow, num(own, "memory.current") / P,
	   "own's effective low: its usage (4 MiB and their tables)");
	is(wrong(tb, b, 4 * MIB) + wrong(t1, a1, 4 * MIB) + wrong(t2, a2, 4 * MIB), 0,
	   "the reclaimed data reads back");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* Far from everything else: the first page there needs a PUD, a PMD and a
 * PTE table; 2 MiB on, a PTE table of its own. */
#define FAR 0x100000000000ULL

static uint64_t map_at(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	return (uint64_t)mmsim_sys_mmap(t, addr, len, RW, PRIV | MAP_FIXED, -1, 0);
}

/* Page tables are charged as Linux's GFP_PGTABLE_USER charges them: to
 * the memcg of the task whose fault or fork allocates them, in
 * memory.current and memory.stat's pagetables and kernel, until freed. */
static void test_pagetables(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 0);
	struct mmsim_cgroup *cg = cgroup(m, "pt", NULL);
	struct mmsim_task *t = task_in(m, cg);
	is(num(cg, "memory.current"), 0, "a task that joined: nothing charged yet");
	is(map_at(t, FAR, P), FAR, "a page far from the rest");
	is(map_at(t, FAR + 2 * MIB, P), FAR + 2 * MIB, "another 2 MiB on");
	is(fill(t, FAR, P), 0, "the first written");
	is(num(cg, "memory.current"), 4 * P, "  the page and its PUD, PMD and PTE tables");
	is(fill(t, FAR + 2 * MIB, P), 0, "the second written");
	is(num(cg, "memory.current"), 6 * P, "  a fault needing a PTE table charges 2 pages");
	is(pt(cg), 4 * P, "memory.stat pagetables: the 4 tables");
	is(keyed(cg, "memory.stat", "kernel"), 4 * P, "kernel: the same");
	is(keyed(cg, "memory.stat", "anon"), 2 * P, "anon: the 2 pages");
	is(mmsim_debug_check(m), 0, "audit clean (charges balance)");
	is(mmsim_sys_munmap(t, FAR + 2 * MIB, P), 0, "munmap the second");
	is(num(cg, "memory.current"), 4 * P, "  its page and PTE table uncharged");
	is(mmsim_sys_munmap(t, FAR, P), 0, "munmap the first");
	is(num(cg, "memory.current"), 0, "  every table there freed and uncharged");
	is(pt(cg), 0, "pagetables 0");

	is(map_at(t, FAR, 4 * MIB), FAR, "4 MiB there");
	is(fill(t, FAR, 4 * MIB), 0, "written");
	is(pt(cg), 4 * P, "  a PUD, a PMD and 2 PTE tables");
	struct mmsim_counters before, child;
	mmsim_counters_task(t, &before);
	struct mmsim_task *c = NULL;
	uint64_t cur = num(cg, "memory.current");
	is(mmsim_fork(t, "child", &c), 0, "fork");
	mmsim_counters_task(c, &child);
	uint64_t tables = child.pt_alloc - child.pt_free;
	ok(tables >= 5, "the child has its own tables (%llu)", (unsigned long long)tables);
	is(num(cg, "memory.current"), cur + tables * P,
	   "every one of them charged to the forking task's memcg");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_task_exit(c);
	is(num(cg, "memory.current"), cur, "the child's exit uncharged them");
	mmsim_task_exit(t);
	is(num(cg, "memory.current"), 0, "the parent's exit: memory.current 0");
	is(pt(cg), 0, "  no page table charged");

	/* A task moved in later: its earlier tables stay where they were
	 * charged (the root), its new ones come here. */
	struct mmsim_task *u = task_on(m, 0);
	is(map_at(u, FAR, P), FAR, "a task in the root maps a page far away");
	is(fill(u, FAR, P), 0, "  and writes it (3 tables, uncharged)");
	is(mmsim_cgroup_attach(cg, u), 0, "it moves to the cgroup");
	is(map_at(u, FAR + 2 * MIB, P), FAR + 2 * MIB, "  maps another page 2 MiB on");
	is(fill(u, FAR + 2 * MIB, P), 0, "  writes it");
	is(num(cg, "memory.current"), 2 * P, "only the new page and its PTE table charged");
	mmsim_task_exit(u);
	is(num(cg, "memory.current"), 0, "exit: 0");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* memory.max counts page tables: a fault whose page fits but whose table
 * does not reclaims, then calls the memcg OOM killer. */
static void test_pagetables_max(void)
{
	struct mmsim *m = machine(1, 32 * MIB, 0);
	struct mmsim_cgroup *cg = cgroup(m, "ptmax", NULL);
	struct mmsim_task *t = task_in(m, cg);
	is(map_at(t, FAR, P), FAR, "a page far away");
	is(map_at(t, FAR + 2 * MIB, P), FAR + 2 * MIB, "another 2 MiB on");
	is(fill(t, FAR, P), 0, "the first written (4 pages charged)");
	is(mmsim_cgroup_write(cg, "memory.max", "20k"), 0, "memory.max 5 pages");
	is(fill(t, FAR + 2 * MIB, P), SIGKILL,
	   "the second needs a page and a PTE table: over the limit, no swap, killed");
	ok(keyed(cg, "memory.events", "max") > 0, "memory.events max counted");
	is(keyed(cg, "memory.events", "oom"), 1, "  oom 1");
	is(keyed(cg, "memory.events", "oom_kill"), 1, "  oom_kill 1");
	is(num(cg, "memory.current"), 0, "the victim's pages and tables all uncharged");
	mmsim_cgroup_write(cg, "memory.max", "max");

	/* With swap, the table's charge reclaims a page instead. */
	mmsim_destroy(m);
	m = machine(1, 32 * MIB, 16 * MIB);
	cg = cgroup(m, "ptswap", NULL);
	t = task_in(m, cg);
	uint64_t a = map(t, 1 * MIB, PRIV);
	is(fill(t, a, 1 * MIB), 0, "1 MiB written");
	uint64_t cur = num(cg, "memory.current");
	char lim[32];
	snprintf(lim, sizeof lim, "%llu", (unsigned long long)(cur + P));
	is(mmsim_cgroup_write(cg, "memory.max", lim), 0, "memory.max one page above the usage");
	is(map_at(t, FAR, P), FAR, "a page far away (3 new tables)");
	is(fill(t, FAR, P), 0, "written: reclaim made room for the tables");
	ok(num(cg, "memory.current") <= cur + P, "memory.current within memory.max");
	ok(num(cg, "memory.swap.current") >= 3 * P, "  pages went to swap for them");
	is(pt(cg) >= 3 * P, 1, "the 3 tables charged");
	is(wrong(t, a, 1 * MIB), 0, "the data reads back");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

int main(void)
{
	test_files();
	test_balance();
	test_max();
	test_swap();
	test_swapoff_over_max();
	test_high_low();
	test_peak();
	test_events_local();
	test_stat(MMSIM_LRU_GEN);
	test_stat(MMSIM_LRU_CLASSIC);
	test_lruvec_order();
	test_lruvecs(MMSIM_LRU_CLASSIC);
	test_lruvecs(MMSIM_LRU_GEN);
	test_split_charge();
	test_effective_low();
	test_pagetables();
	test_pagetables_max();
	return done_testing();
}
