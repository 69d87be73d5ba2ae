/*
 * test_oom.c - the OOM killer (src/kernel/oom.c, src/mm/oom_kill.c, the
 * fault path's call in memory.c): who is chosen (the largest address
 * space, a tie to the later process, oom_score_adj, the cpuset
 * constraint), what a kill does (every thread of the victim dies, its
 * memory comes back, vmstat's oom_kill counts it, its accesses return
 * SIGKILL), and that the allocation that ran out then succeeds; and
 * memory.oom.group: the victim's whole group killed with it (but tasks
 * with oom_score_adj -1000), in a memcg OOM and in the machine's, only
 * within the OOM's domain, counted in oom_group_kill.
 *
 * Machines: 1 or 2 nodes of 16 MiB, no swap; mappings use MAP_NORESERVE
 * so the overcommit check lets them past.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
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

static struct mmsim *machine(unsigned nodes)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = nodes;
	cfg.mem_per_node = 16 * MIB;
	if (mmsim_create(&cfg, &m))
		return NULL;
	return m;
}

static uint64_t oom_kills(struct mmsim *m)
{
	struct mmsim_vmstat v;
	mmsim_vmstat(m, &v);
	return v.ev[MMSIM_VM_oom_kill];
}

static uint64_t machine_free(struct mmsim *m)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < m->hw->nr_nodes; i++)
		n += node_free_pages(&m->mm, i);
	return n;
}

/* A task with len bytes written (0, or the signal that stopped it). */
static int filled(struct mmsim_task *t, uint64_t len, uint64_t *addr)
{
	*addr = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV, -1, 0);
	return mmsim_fill(t, *addr, 0x11, len, NULL);
}

static void test_self(void)
{
	struct mmsim *m = machine(1);
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a, free0 = machine_free(m);
	is(filled(t, 32 * MIB, &a), SIGKILL, "writing twice the memory: killed");
	ok(mmsim_task_killed(t), "the task is marked killed");
	is(oom_kills(m), 1, "oom_kill 1");
	ok(machine_free(m) + 64 >= free0, "its memory came back (%llu of %llu free)",
	   (unsigned long long)machine_free(m), (unsigned long long)free0);
	uint8_t b;
	is(mmsim_load8(t, a, &b), SIGKILL, "a killed task's load: SIGKILL");
	is(mmsim_fill(t, a, 1, P, NULL), SIGKILL, "and store");
	mmsim_task_exit(t);
	struct mmsim_task *u = task_on(m, 0);
	is(filled(u, 8 * MIB, &a), 0, "a new task has the memory");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_choice(void)
{
	struct mmsim *m = machine(1);
	struct mmsim_task *big = task_on(m, 0), *small = task_on(m, 0);
	uint64_t a, b;
	is(filled(big, 10 * MIB, &a), 0, "the big task writes 10 MiB");
	is(filled(small, 8 * MIB, &b), 0, "the small one 8 MiB: the big one is killed");
	ok(mmsim_task_killed(big) && !mmsim_task_killed(small), "the largest dies, not the allocating");
	is(oom_kills(m), 1, "oom_kill 1");
	uint8_t x;
	is(mmsim_load8(small, b + 8 * MIB - 1, &x), 0, "the small one reads its last byte");
	is(x, 0x11, "  as written");
	mmsim_task_exit(big);
	mmsim_task_exit(small);

	/* oom_score_adj: -1000 is never chosen, +1000 is chosen first. */
	big = task_on(m, 0);
	small = task_on(m, 0);
	is(mmsim_task_set_oom_score_adj(big, -1001), -EINVAL, "adj -1001: EINVAL");
	is(mmsim_task_set_oom_score_adj(big, -1000), 0, "the big task: adj -1000");
	is(filled(big, 10 * MIB, &a), 0, "it writes 10 MiB");
	is(filled(small, 8 * MIB, &b), SIGKILL, "the small one runs out: it is the one killed");
	ok(!mmsim_task_killed(big), "the protected task lives");
	mmsim_task_exit(small);
	/* adj +1000 adds 1000 * (4096 pages / 1000) = 4000 points: more than
	 * the 6 MiB the protected task leaves to anyone else. */
	struct mmsim_task *c = task_on(m, 0), *d = task_on(m, 0);
	is(mmsim_task_set_oom_score_adj(c, 1000), 0, "a task with adj +1000");
	is(filled(c, P, &a), 0, "  and one page");
	uint64_t k0 = oom_kills(m);
	is(filled(d, 8 * MIB, &b), SIGKILL, "another writes 8 MiB: killed in the end");
	ok(mmsim_task_killed(c), "  but the +1000 one first (it freed too little)");
	is(oom_kills(m) - k0, 2, "  two kills");
	mmsim_task_exit(c);
	mmsim_task_exit(d);
	mmsim_task_exit(big);

	/* Equal badness: the later process. */
	struct mmsim_task *e = task_on(m, 0), *f = task_on(m, 0), *g = task_on(m, 0);
	uint64_t x1, x2;
	is(filled(e, 4 * MIB, &x1), 0, "two tasks of 4 MiB each");
	is(filled(f, 4 * MIB, &x2), 0, "  (the second)");
	mmsim_task_set_oom_score_adj(g, -1000);
	is(filled(g, 10 * MIB, &a), 0, "a protected third runs out");
	ok(!mmsim_task_killed(e) && mmsim_task_killed(f), "a tie goes to the later process");
	mmsim_destroy(m);
}

static struct mmsim_task *task_in(struct mmsim *m, uint64_t mems, int cpu)
{
	struct mmsim_task_attr at;
	struct mmsim_task *t = NULL;
	mmsim_task_attr_default(&at);
	at.mems = mems;
	at.cpu = cpu;
	mmsim_task_create(m, &at, &t);
	return t;
}

static void test_threads_cpuset(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *x = task_in(m, 1, 0);	/* node 0 only */
	struct mmsim_task *y = task_in(m, 2, 1), *z = task_in(m, 2, 1), *th = NULL;
	uint64_t a, b, c;
	ok(x && y && z, "a task on node 0, two on node 1");
	is(mmsim_thread_create(y, "th", 1, &th), 0, "a thread of the second");
	is(filled(x, 12 * MIB, &a), 0, "the node-0 task writes 12 MiB");
	is(filled(y, 10 * MIB, &b), 0, "the threaded node-1 process 10 MiB");
	is(filled(z, 8 * MIB, &c), 0, "the last one runs out of node 1");
	ok(!mmsim_task_killed(x), "the largest process lives: its cpuset misses node 1");
	ok(mmsim_task_killed(y) && mmsim_task_killed(th), "the largest on node 1 dies, both threads");
	ok(!mmsim_task_killed(z), "the allocating task lives");
	is(oom_kills(m), 1, "one kill");
	mmsim_destroy(m);
}

/* Two processes on a threaded machine, each filling from its own host
 * thread: their OOMs race (each may choose the other), and neither may
 * deadlock on the other's mmap_lock. */
struct racer {
	struct mmsim_task *t;
	uint64_t addr;
	int sig;
};

static void *race_fill(void *arg)
{
	struct racer *r = arg;
	r->sig = mmsim_fill(r->t, r->addr, 0x22, 12 * MIB, NULL);
	return NULL;
}

static void test_race(void)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.cpus = 2;
	cfg.mem_per_node = 16 * MIB;
	cfg.threaded = true;
	is(mmsim_create(&cfg, &m), 0, "a threaded machine of 16 MiB, 2 CPUs");
	struct racer r[2];
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		r[i].t = task_on(m, i);
		r[i].addr = (uint64_t)mmsim_sys_mmap(r[i].t, 0, 12 * MIB, PROT_READ | PROT_WRITE,
						     PRIV, -1, 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race_fill, &r[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	int killed = mmsim_task_killed(r[0].t) + mmsim_task_killed(r[1].t);
	ok(killed >= 1, "12 + 12 MiB at once: %d killed, no deadlock", killed);
	for (int i = 0; i < 2; i++)
		if (!mmsim_task_killed(r[i].t)) {
			uint8_t b = 0;
			is(r[i].sig, 0, "the survivor wrote everything");
			is(mmsim_load8(r[i].t, r[i].addr + 12 * MIB - 1, &b), 0, "  and reads it");
			is(b, 0x22, "  as written");
		}
	mmsim_destroy(m);
}

static struct mmsim_cgroup *cgroup(struct mmsim *m, const char *name, struct mmsim_cgroup *parent)
{
	struct mmsim_cgroup *cg = NULL;
	mmsim_cgroup_create(m, name, parent, &cg);
	return cg;
}

static struct mmsim_task *task_cg(struct mmsim *m, struct mmsim_cgroup *cg)
{
	struct mmsim_task *t = task_on(m, 0);
	if (t && cg)
		mmsim_cgroup_attach(cg, t);
	return t;
}

/* The value of key in a cgroup's memory.events (or .local). */
static uint64_t event(struct mmsim_cgroup *cg, const char *file, const char *key)
{
	char buf[256];
	size_t k = strlen(key);
	if (mmsim_cgroup_read(cg, file, buf, sizeof buf) < 0)
		return UINT64_MAX;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, k) && l[k] == ' ')
			return strtoull(l + k + 1, NULL, 10);
	return UINT64_MAX;
}

static void test_oom_group(void)
{
	struct mmsim *m = machine(1);
	struct mmsim_cgroup *g = cgroup(m, "g", NULL), *a = cgroup(m, "a", g), *b = cgroup(m, "b", g);
	char buf[16];
	ok(mmsim_cgroup_read(g, "memory.oom.group", buf, sizeof buf) > 0 && !strcmp(buf, "0\n"),
	   "memory.oom.group starts at 0");
	is(mmsim_cgroup_write(g, "memory.oom.group", "2"), -EINVAL, "2: EINVAL");
	is(mmsim_cgroup_write(g, "memory.oom.group", "x"), -EINVAL, "x: EINVAL");
	is(mmsim_cgroup_write(g, "memory.oom.group", "1\n"), 0, "set to 1");
	ok(mmsim_cgroup_read(g, "memory.oom.group", buf, sizeof buf) > 0 && !strcmp(buf, "1\n"),
	   "  reads 1");
	is(mmsim_cgroup_write(g, "memory.max", "8M"), 0, "memory.max 8 MiB on the group");

	/* A memcg OOM at g: the victim (the largest, in b) takes every
	 * process of g's subtree with it, but the protected one. */
	struct mmsim_task *t1 = task_cg(m, a), *t2 = task_cg(m, a), *t3 = task_cg(m, b);
	struct mmsim_task *out = task_on(m, 0), *t5 = task_cg(m, b);
	uint64_t x, x2;
	is(mmsim_task_set_oom_score_adj(t2, -1000), 0, "one task of a: adj -1000");
	is(filled(t1, 1 * MIB, &x), 0, "a's tasks write 1 MiB each");
	is(filled(t2, 1 * MIB, &x2), 0, "  (the second)");
	is(filled(t3, 1 * MIB, &x), 0, "b's first task 1 MiB");
	is(filled(out, 1 * MIB, &x), 0, "a task outside 1 MiB");
	is(filled(t5, 16 * MIB, &x), SIGKILL, "b's second writes 16 MiB: killed");
	ok(mmsim_task_killed(t1) && mmsim_task_killed(t3), "  and the group's other tasks");
	ok(!mmsim_task_killed(t2), "  but the one with adj -1000");
	ok(!mmsim_task_killed(out), "  and none outside");
	/* Linux kills the victim first, then every member, the victim again
	 * among them: oom_kill counts it twice. */
	is(oom_kills(m), 4, "oom_kill 4: the victim twice, two members");
	is(event(g, "memory.events", "oom_group_kill"), 1, "g's oom_group_kill 1");
	is(event(g, "memory.events.local", "oom_group_kill"), 1, "  its own");
	is(event(g, "memory.events", "oom"), 1, "g's oom 1");
	is(event(g, "memory.events", "oom_kill"), 4, "g's oom_kill 4");
	is(event(b, "memory.events", "oom_kill"), 3, "b's oom_kill 3");
	is(event(a, "memory.events", "oom_kill"), 1, "a's oom_kill 1");
	is(event(b, "memory.events", "oom_group_kill"), 0, "b's oom_group_kill 0");
	uint8_t v;
	is(mmsim_load8(t2, x2 + 1 * MIB - 1, &v), 0, "the protected task still reads its memory");
	is(v, 0x11, "  as written");
	mmsim_task_exit(t1);
	mmsim_task_exit(t3);
	mmsim_task_exit(t5);

	/* The group above the OOM's domain does not count: an OOM at q,
	 * under p whose oom.group is set, kills the victim alone. */
	struct mmsim_cgroup *p = cgroup(m, "p", NULL), *q = cgroup(m, "q", p);
	mmsim_cgroup_write(p, "memory.oom.group", "1");
	mmsim_cgroup_write(q, "memory.max", "2M");
	struct mmsim_task *u1 = task_cg(m, q), *u2 = task_cg(m, q);
	uint64_t k0 = oom_kills(m);
	is(filled(u1, 64 * 1024, &x), 0, "a small task in q");
	is(filled(u2, 4 * MIB, &x), SIGKILL, "a big one over q's 2 MiB: killed");
	ok(!mmsim_task_killed(u1), "  alone: p's oom.group is above the domain");
	is(oom_kills(m) - k0, 1, "  one kill");
	is(event(p, "memory.events", "oom_group_kill"), 0, "  no group kill");
	mmsim_task_exit(u1);
	mmsim_task_exit(u2);
	mmsim_task_exit(t2);
	mmsim_task_exit(out);
	mmsim_destroy(m);

	/* The machine's OOM: the victim's group is found up to the root. */
	m = machine(1);
	struct mmsim_cgroup *h = cgroup(m, "h", NULL), *hx = cgroup(m, "hx", h);
	mmsim_cgroup_write(h, "memory.oom.group", "1");
	struct mmsim_task *big = task_cg(m, hx), *small = task_cg(m, hx), *w = task_on(m, 0);
	is(filled(small, 1 * MIB, &x), 0, "a small task in h's child");
	is(filled(big, 9 * MIB, &x), 0, "a big one there");
	k0 = oom_kills(m);
	is(filled(w, 8 * MIB, &x), 0, "a task outside writes 8 MiB: the big one is chosen");
	ok(mmsim_task_killed(big) && mmsim_task_killed(small), "  with all of h");
	ok(!mmsim_task_killed(w), "  the writer lives");
	is(oom_kills(m) - k0, 3, "oom_kill 3: the victim twice and the other");
	is(event(h, "memory.events", "oom_group_kill"), 1, "h's oom_group_kill 1");
	is(event(h, "memory.events", "oom"), 0, "h's oom 0 (the machine's OOM)");
	mmsim_destroy(m);
}

int main(void)
{
	test_self();
	test_choice();
	test_threads_cpuset();
	test_race();
	test_oom_group();
	return done_testing();
}
