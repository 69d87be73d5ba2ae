/*
 * test_mempolicy.c - memory policies (src/mm/mempolicy.c through
 * src/kernel/sys.c): set_mempolicy, get_mempolicy and mbind with their
 * checks, where faults and mbind's migrations put pages under each mode,
 * VMAs split and merged by policy, shared policies of shared memory, fork,
 * numa_maps' policy text, and cpuset writes rebinding policies and moving
 * pages (also racing a task that allocates, on a threaded machine).
 *
 * Machines: 2 nodes (CPU c on node c) or 4 nodes, 64 MiB per node; tasks
 * run on CPU 0, so a default allocation lands on node 0.  Every machine is
 * destroyed at the end of its test, so ASan's leak check covers the
 * policies' references.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

/* Linux's numbers, as user space passes them. */
enum { DEFAULT, PREFERRED, BIND, INTERLEAVE, LOCAL, PREFERRED_MANY, WEIGHTED };
#define F_STATIC (1 << 15)
#define F_RELATIVE (1 << 14)
#define F_BALANCING (1 << 13)

static struct mmsim *machine(unsigned nodes)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = nodes;
	if (mmsim_create(&cfg, &m))
		return NULL;
	return m;
}

static uint64_t map(struct mmsim_task *t, uint64_t len, int flags)
{
	return (uint64_t)mmsim_sys_mmap(t, 0, len, RW, flags, -1, 0);
}

static void touch(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	for (uint64_t a = addr; a < addr + len; a += P) {
		uint8_t b = 0x5a;
		mmsim_store(t, a, &b, 1, NULL);
	}
}

/* The node of each page of [addr, addr + n pages), as move_pages reports. */
static void nodes_of(struct mmsim_task *t, uint64_t addr, int n, int *out)
{
	uint64_t pages[64];
	for (int i = 0; i < n; i++)
		pages[i] = addr + (uint64_t)i * P;
	mmsim_sys_move_pages(t, 0, (unsigned long)n, pages, NULL, out, 0);
}

static long set_pol(struct mmsim_task *t, int mode, uint64_t mask)
{
	return mmsim_sys_set_mempolicy(t, mode, mask ? &mask : NULL, mask ? 65 : 0);
}

static long mbind(struct mmsim_task *t, uint64_t addr, uint64_t len, int mode, uint64_t mask,
		  unsigned flags)
{
	return mmsim_sys_mbind(t, addr, len, (unsigned long)mode, mask ? &mask : NULL,
			       mask ? 65 : 0, flags);
}

/* get_mempolicy(&mode, mask, 65, addr, flags): the return, *mode, *mask. */
static long get_pol(struct mmsim_task *t, uint64_t addr, unsigned long flags, int *mode,
		    uint64_t *mask)
{
	*mode = -1;
	*mask = ~0ULL;
	return mmsim_sys_get_mempolicy(t, mode, mask, 65, addr, flags);
}

static int nr_vmas(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	return mmsim_numa_maps(t, addr, addr + len, NULL, 0);
}

static const char *policy_text(struct mmsim_task *t, uint64_t addr)
{
	static struct mmsim_numa_maps nm;
	if (mmsim_numa_maps(t, addr, addr + 1, &nm, 1) != 1)
		return "?";
	return nm.policy;
}

/* ---- set_mempolicy / get_mempolicy ------------------------------------------------- */

static void test_set_get(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0);
	int mode;
	uint64_t mask;

	is(get_pol(t, 0, 0, &mode, &mask), 0, "get: default at first");
	ok(mode == DEFAULT && mask == 0, "  mode default, no nodes");
	static const struct { int mode; uint64_t in, out; int want_mode; } ok_cases[] = {
		{ BIND, 3, 3, BIND },
		{ PREFERRED, 3, 1, PREFERRED },	/* the first node only */
		{ INTERLEAVE, 3, 3, INTERLEAVE },
		{ PREFERRED, 0, 0, LOCAL },	/* preferred with no node is local */
		{ LOCAL, 0, 0, LOCAL },
		{ PREFERRED_MANY, 2, 2, PREFERRED_MANY },
		{ WEIGHTED, 3, 3, WEIGHTED },
		{ BIND | F_STATIC, 0x22, 0x22, BIND | F_STATIC },	/* the user's mask kept */
		{ INTERLEAVE | F_RELATIVE, 1, 1, INTERLEAVE | F_RELATIVE },
		{ BIND | F_BALANCING, 1, 1, BIND | F_BALANCING },
	};
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		is(set_pol(t, ok_cases[i].mode, ok_cases[i].in), 0, "set mode %#x nodes %#llx",
		   ok_cases[i].mode, (unsigned long long)ok_cases[i].in);
		get_pol(t, 0, 0, &mode, &mask);
		ok(mode == ok_cases[i].want_mode && mask == ok_cases[i].out,
		   "  get: mode %#x nodes %#llx", mode, (unsigned long long)mask);
	}
	static const struct { int mode; uint64_t in; } bad[] = {
		{ BIND, 0 },			/* bind needs a node */
		{ 7, 0 },			/* no such mode */
		{ BIND, 4 },			/* node 2 does not exist */
		{ DEFAULT, 1 },			/* default takes no node */
		{ BIND | F_STATIC | F_RELATIVE, 1 },
		{ INTERLEAVE | F_BALANCING, 1 },	/* balancing: bind and preferred_many only */
		{ LOCAL, 1 },
		{ PREFERRED | F_STATIC, 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is(set_pol(t, bad[i].mode, bad[i].in), -EINVAL, "set mode %#x nodes %#llx: EINVAL",
		   bad[i].mode, (unsigned long long)bad[i].in);
	get_pol(t, 0, 0, &mode, &mask);
	ok(mode == (BIND | F_BALANCING), "a failed set leaves the policy as it was");

	/* A mask longer than a page, or with a node past MAX_NUMNODES. */
	uint64_t big[20] = { 1 };
	is(mmsim_sys_set_mempolicy(t, BIND, big, 4096 * 8 + 2), -EINVAL, "maxnode past a page");
	big[16] = 1;	/* node 1024 */
	is(mmsim_sys_set_mempolicy(t, BIND, big, 64 * 17 + 1), -EINVAL, "node 1024: EINVAL");
	big[16] = 0;
	big[3] = 1;	/* node 192: possible, not present, cut away */
	is(mmsim_sys_set_mempolicy(t, BIND, big, 64 * 17 + 1), 0, "node 192 beside node 0");

	/* get_mempolicy's flags. */
	is(get_pol(t, 0, 4, &mode, &mask), 0, "mems_allowed");
	is(mask, 3, "  both nodes");
	is(get_pol(t, 0, 4 | 1, &mode, &mask), -EINVAL, "mems_allowed with node: EINVAL");
	is(get_pol(t, 0, 8, &mode, &mask), -EINVAL, "unknown flag: EINVAL");
	is(get_pol(t, 0x1000, 0, &mode, &mask), -EINVAL, "an address without MPOL_F_ADDR");
	is(get_pol(t, 0, 1, &mode, &mask), -EINVAL, "node without interleave: EINVAL");
	is(mmsim_sys_get_mempolicy(t, &mode, &mask, 1, 0, 0), -EINVAL, "maxnode below the nodes");
	set_pol(t, INTERLEAVE, 3);
	is(get_pol(t, 0, 1, &mode, &mask), 0, "node with process interleave");
	is(mode, 0, "  the next interleave node is the first");
	is(get_pol(t, 0x1000, 2, &mode, &mask), -EFAULT, "addr with no VMA: EFAULT");
	mmsim_destroy(m);
}

/* ---- placement ------------------------------------------------------------------ */

static void test_placement(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0);
	int st[16];

	uint64_t a = map(t, 8 * P, PRIV);
	is(mbind(t, a, 8 * P, INTERLEAVE, 3, 0), 0, "mbind interleave 0-1");
	touch(t, a, 8 * P);
	nodes_of(t, a, 8, st);
	bool alternate = true;
	for (int i = 0; i < 8; i++)
		alternate &= st[i] == (int)(((a >> 12) + (uint64_t)i) % 2);
	ok(alternate, "interleave: page i on node (address index) mod 2");
	is(strcmp(policy_text(t, a), "interleave:0-1"), 0, "numa_maps: %s", policy_text(t, a));

	uint64_t w = map(t, 8 * P, PRIV);
	mbind(t, w, 8 * P, WEIGHTED, 3, 0);
	touch(t, w, 8 * P);
	nodes_of(t, w, 8, st);
	alternate = true;
	for (int i = 0; i < 8; i++)
		alternate &= st[i] == (int)(((w >> 12) + (uint64_t)i) % 2);
	ok(alternate, "weighted interleave with the default weights (1): as interleave");
	is(strcmp(policy_text(t, w), "weighted interleave:0-1"), 0, "numa_maps: %s",
	   policy_text(t, w));

	uint64_t b = map(t, 4 * P, PRIV);
	mbind(t, b, 4 * P, BIND, 2, 0);
	touch(t, b, 4 * P);
	nodes_of(t, b, 4, st);
	ok(st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1, "bind node 1 from CPU 0: node 1");
	is(strcmp(policy_text(t, b), "bind:1"), 0, "numa_maps: %s", policy_text(t, b));

	uint64_t p = map(t, 4 * P, PRIV);
	mbind(t, p, 4 * P, PREFERRED, 2, 0);
	touch(t, p, 4 * P);
	nodes_of(t, p, 4, st);
	ok(st[0] == 1 && st[3] == 1, "preferred node 1: node 1");
	is(strcmp(policy_text(t, p), "prefer:1"), 0, "numa_maps: %s", policy_text(t, p));

	uint64_t pm = map(t, 4 * P, PRIV);
	mbind(t, pm, 4 * P, PREFERRED_MANY, 2, 0);
	touch(t, pm, 4 * P);
	nodes_of(t, pm, 4, st);
	ok(st[0] == 1 && st[3] == 1, "preferred_many node 1: node 1");
	is(strcmp(policy_text(t, pm), "prefer (many):1"), 0, "numa_maps: %s", policy_text(t, pm));

	/* The task's policy for VMAs without one of their own. */
	is(set_pol(t, BIND, 2), 0, "set_mempolicy bind 1");
	uint64_t c = map(t, 4 * P, PRIV);
	touch(t, c, 4 * P);
	nodes_of(t, c, 4, st);
	ok(st[0] == 1 && st[3] == 1, "task bind: a fresh mapping's pages on node 1");
	is(strcmp(policy_text(t, c), "bind:1"), 0, "numa_maps shows the task's: %s",
	   policy_text(t, c));
	int mode;
	uint64_t mask;
	get_pol(t, c, 2, &mode, &mask);
	ok(mode == DEFAULT && mask == 0, "get_mempolicy ADDR: the VMA's own (default)");
	is(get_pol(t, b, 3, &mode, &mask), 0, "get_mempolicy node+addr");
	is(mode, 1, "  the page's node");
	set_pol(t, BIND | F_BALANCING, 2);
	is(strcmp(policy_text(t, c), "bind=balancing:1"), 0, "numa_maps: %s", policy_text(t, c));
	set_pol(t, PREFERRED_MANY | F_STATIC | F_BALANCING, 2);
	is(strcmp(policy_text(t, c), "prefer (many)=static|balancing:1"), 0, "numa_maps: %s",
	   policy_text(t, c));
	set_pol(t, BIND | F_STATIC, 3);
	is(strcmp(policy_text(t, c), "bind=static:0-1"), 0, "numa_maps: %s", policy_text(t, c));
	set_pol(t, DEFAULT, 0);
	is(strcmp(policy_text(t, c), "default"), 0, "back to default");
	mmsim_destroy(m);
}

/* Relative and static masks on a 4-node machine. */
static void test_remap(void)
{
	struct mmsim *m = machine(4);
	struct mmsim_task_attr at;
	struct mmsim_task *t = NULL;
	int st[4];
	mmsim_task_attr_default(&at);
	at.mems = 0xc;	/* cpuset: nodes 2 and 3 */
	mmsim_task_create(m, &at, &t);
	ok(t != NULL, "a task limited to nodes 2-3");
	is(set_pol(t, BIND, 1), -EINVAL, "bind node 0 outside the cpuset: EINVAL");
	is(set_pol(t, BIND | F_RELATIVE, 2), 0, "relative node 1: the cpuset's second node");
	uint64_t a = map(t, 2 * P, PRIV);
	touch(t, a, 2 * P);
	nodes_of(t, a, 2, st);
	ok(st[0] == 3 && st[1] == 3, "  pages on node 3");
	is(set_pol(t, BIND | F_RELATIVE, 4), 0, "relative node 2 folds onto the first");
	uint64_t b = map(t, 2 * P, PRIV);
	touch(t, b, 2 * P);
	nodes_of(t, b, 2, st);
	ok(st[0] == 2 && st[1] == 2, "  pages on node 2");
	is(set_pol(t, BIND | F_STATIC, 0x9), 0, "static 0,3: node 3 allowed");
	int mode;
	uint64_t mask;
	get_pol(t, 0, 0, &mode, &mask);
	is(mask, 0x9, "  get returns the mask as given");
	uint64_t c = map(t, 2 * P, PRIV);
	touch(t, c, 2 * P);
	nodes_of(t, c, 2, st);
	ok(st[0] == 3 && st[1] == 3, "  pages on node 3");
	is(get_pol(t, 0, 4, &mode, &mask), 0, "mems_allowed");
	is(mask, 0xc, "  the cpuset");
	mmsim_destroy(m);
}

/* ---- VMAs --------------------------------------------------------------------------- */

static void test_split_merge(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 16 * P, PRIV);
	is(mbind(t, a + 4 * P, 4 * P, BIND, 2, 0), 0, "mbind the middle");
	is(nr_vmas(t, a, 16 * P), 3, "  three VMAs");
	int mode;
	uint64_t mask;
	get_pol(t, a + 5 * P, 2, &mode, &mask);
	ok(mode == BIND && mask == 2, "  get_mempolicy ADDR in it: bind 1");
	is(mbind(t, a + 8 * P, 4 * P, BIND, 2, 0), 0, "the same policy next to it");
	is(nr_vmas(t, a, 16 * P), 3, "  merged: still three");
	is(mbind(t, a + 4 * P, 8 * P, BIND, 2, 0), 0, "the same policy again");
	is(nr_vmas(t, a, 16 * P), 3, "  nothing changes");
	is(mbind(t, a, 16 * P, DEFAULT, 0, 0), 0, "default over everything");
	is(nr_vmas(t, a, 16 * P), 1, "  one VMA again");

	/* Neighbours whose first faults happened under different policies
	 * have their own anon_vmas, and stay apart even when the policies
	 * agree again (Linux's anon_vma compatibility). */
	uint64_t b = map(t, 8 * P, PRIV);
	mbind(t, b + 4 * P, 4 * P, BIND, 2, 0);
	touch(t, b, 8 * P);
	is(mbind(t, b + 4 * P, 4 * P, DEFAULT, 0, 0), 0, "default after faults");
	is(nr_vmas(t, b, 8 * P), 2, "  two anon_vmas: two VMAs");

	/* Errors, in Linux's order. */
	uint64_t h = map(t, 4 * P, PRIV);
	mmsim_sys_munmap(t, h, 4 * P);
	is(mbind(t, a + 1, P, BIND, 1, 0), -EINVAL, "unaligned start: EINVAL");
	is(mbind(t, a, P, BIND, 1, 8), -EINVAL, "unknown flag: EINVAL");
	is(mbind(t, a, 0, BIND, 0, 0), 0, "length 0: 0 (before the mode is checked)");
	is(mbind(t, a, ~0ULL, BIND, 1, 0), 0, "a length that rounds to 0: 0");
	is(mbind(t, h, 4 * P, BIND, 1, 0), -EFAULT, "a range in a hole: EFAULT");
	is(mbind(t, h, 4 * P, DEFAULT, 0, 0), -EFAULT, "even with default");
	/* h lies directly below b. */
	is(mbind(t, h + 2 * P, 4 * P, BIND, 1, 0), -EFAULT, "a hole at the head: EFAULT");
	is(mbind(t, h + 2 * P, 4 * P, DEFAULT, 0, 0), 0, "default spans holes");
	uint64_t r = map(t, 8 * P, PRIV);
	mmsim_sys_munmap(t, r + 4 * P, 2 * P);
	is(mbind(t, r + 2 * P, 4 * P, BIND, 1, 0), -EFAULT, "a hole at the tail: EFAULT");
	is(mbind(t, r, 8 * P, BIND, 1, 0), -EFAULT, "a hole in the middle: EFAULT");
	is(nr_vmas(t, r, 8 * P), 2, "  nothing split");
	is(mbind(t, a, P, BIND, 0, 0), -EINVAL, "bind with no node: EINVAL");
	struct mmsim_task_attr at;
	struct mmsim_task *u = NULL;
	mmsim_task_attr_default(&at);
	at.uid = 1000;
	at.caps = 0;
	mmsim_task_create(m, &at, &u);
	uint64_t ua = map(u, P, PRIV);
	is(mbind(u, ua, P, BIND, 1, 4), -EPERM, "move_all without CAP_SYS_NICE: EPERM");
	mmsim_destroy(m);
}

/* ---- mbind moving pages ----------------------------------------------------------- */

static void test_move(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0);
	int st[8];
	uint64_t a = map(t, 8 * P, PRIV);
	touch(t, a, 8 * P);
	is(mbind(t, a, 8 * P, BIND, 2, 1), -EIO, "strict with misplaced pages: EIO");
	is(strcmp(policy_text(t, a), "default"), 0, "  and no policy set");
	is(mbind(t, a, 4 * P, BIND, 2, 2), 0, "move the first half to node 1");
	nodes_of(t, a, 8, st);
	ok(st[0] == 1 && st[3] == 1 && st[4] == 0 && st[7] == 0, "  half moved");
	is(mbind(t, a + 4 * P, 4 * P, BIND, 2, 3), 0, "strict,move: all moved, no EIO");
	nodes_of(t, a, 8, st);
	ok(st[4] == 1 && st[7] == 1, "  the rest moved");
	is(nr_vmas(t, a, 8 * P), 1, "  merged into one bind VMA");
	uint8_t back;
	mmsim_load8(t, a + 7 * P, &back);
	is(back, 0x5a, "contents survive");

	/* Interleave moves pages by their index, as faults place them. */
	is(mbind(t, a, 8 * P, INTERLEAVE, 1, 2), 0, "interleave node 0 with move");
	is(mbind(t, a, 8 * P, INTERLEAVE, 3, 2), 0, "interleave 0-1: every page is allowed");
	nodes_of(t, a, 8, st);
	ok(st[0] == 0 && st[7] == 0, "  nothing moved");

	/* A page shared after fork moves with move_all only. */
	uint64_t s = map(t, 2 * P, PRIV);
	touch(t, s, 2 * P);
	struct mmsim_task *child = NULL;
	mmsim_fork(t, "child", &child);
	is(mbind(t, s, 2 * P, BIND, 2, 2 | 1), 0, "shared pages with move,strict: left, no failure");
	nodes_of(t, s, 2, st);
	ok(st[0] == 0, "  a shared page stays without move_all");
	is(mbind(t, s, 2 * P, BIND, 2, 4), 0, "move_all as root");
	nodes_of(t, s, 2, st);
	ok(st[0] == 1 && st[1] == 1, "  moved");
	mmsim_destroy(m);
}

/* ---- fork and shared memory ------------------------------------------------------- */

static void test_fork_shared(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0);
	int st[4], mode;
	uint64_t mask;
	set_pol(t, INTERLEAVE, 3);
	uint64_t a = map(t, 4 * P, PRIV);
	mbind(t, a, 4 * P, BIND, 2, 0);
	uint64_t sh = map(t, 4 * P, SHARED);
	struct mmsim_task *child = NULL;
	is(mmsim_fork(t, "child", &child), 0, "fork");
	get_pol(child, 0, 0, &mode, &mask);
	ok(mode == INTERLEAVE && mask == 3, "the child has the task policy");
	get_pol(child, a, 2, &mode, &mask);
	ok(mode == BIND && mask == 2, "and the VMA policy");
	/* A shared mapping's policy is its object's: set by the parent after
	 * the fork, it places the child's faults. */
	is(mbind(t, sh, 4 * P, BIND, 2, 0), 0, "mbind the shared mapping in the parent");
	touch(child, sh, 4 * P);
	nodes_of(child, sh, 4, st);
	ok(st[0] == 1 && st[3] == 1, "the child's faults follow it: node 1");
	get_pol(child, sh, 2, &mode, &mask);
	ok(mode == BIND && mask == 2, "get_mempolicy ADDR in the child sees it");
	is(mbind(t, sh + 2 * P, 2 * P, DEFAULT, 0, 0), 0, "default for the upper half");
	get_pol(child, sh + 3 * P, 2, &mode, &mask);
	ok(mode == DEFAULT, "  the child sees it gone there");
	get_pol(child, sh, 2, &mode, &mask);
	ok(mode == BIND, "  and kept below");
	mmsim_task_exit(child);
	set_pol(t, DEFAULT, 0);
	mmsim_destroy(m);
}

/* ---- NUMA balancing ------------------------------------------------------------------ */

/* Scans [a, a + n pages) and touches each page from th (on CPU 1); the
 * pages' nodes after. */
static long scan_touch(struct mmsim_task *t, struct mmsim_task *th, uint64_t a, int n, int *st)
{
	/* The scanner runs long after the faults: the LRU batches are
	 * drained and the pages can be isolated. */
	lru_add_drain_all(&t->m->mm);
	long changed = mmsim_numa_scan(t, a, (uint64_t)n * P);
	uint8_t b;
	for (int i = 0; i < n; i++)
		mmsim_load8(th, a + (uint64_t)i * P, &b);
	nodes_of(t, a, n, st);
	return changed;
}

static void test_balancing(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0), *th = NULL;
	int st[4];
	mmsim_thread_create(t, "th", 1, &th);

	uint64_t d = map(t, 4 * P, PRIV);
	touch(t, d, 4 * P);
	is(scan_touch(t, th, d, 4, st), 4, "default policy: scanned");
	ok(st[0] == 1 && st[3] == 1, "  and moved to the touching CPU's node");

	uint64_t b = map(t, 4 * P, PRIV);
	mbind(t, b, 4 * P, BIND, 3, 0);
	touch(t, b, 4 * P);
	is(scan_touch(t, th, b, 4, st), 0, "bind without numa_balancing: not scanned");
	ok(st[0] == 0, "  the pages stay");

	uint64_t nb = map(t, 4 * P, PRIV);
	is(mbind(t, nb, 4 * P, BIND | F_BALANCING, 3, 0), 0, "bind+numa_balancing 0-1");
	touch(t, nb, 4 * P);
	is(scan_touch(t, th, nb, 4, st), 4, "  scanned");
	ok(st[0] == 1 && st[3] == 1, "  moved towards the CPU, inside the mask");

	uint64_t n0 = map(t, 4 * P, PRIV);
	mbind(t, n0, 4 * P, BIND | F_BALANCING, 1, 0);
	touch(t, n0, 4 * P);
	is(scan_touch(t, th, n0, 4, st), 4, "bind+numa_balancing 0: scanned");
	ok(st[0] == 0 && st[3] == 0, "  node 1 is outside the mask: the pages stay");

	uint64_t sh = map(t, 4 * P, SHARED);
	touch(t, sh, 4 * P);
	is(mmsim_numa_scan(t, sh, 4 * P), 0, "shared memory without a policy: not scanned");

	set_pol(t, INTERLEAVE, 3);
	uint64_t il = map(t, 4 * P, PRIV);
	touch(t, il, 4 * P);
	is(mmsim_numa_scan(t, il, 4 * P), 0, "a task interleave policy: not scanned");
	set_pol(t, DEFAULT, 0);
	mmsim_destroy(m);
}

/* ---- numastat ------------------------------------------------------------------------ */

static uint64_t numastat(struct mmsim *m, unsigned nid, enum mmsim_numastat_counter c)
{
	struct mmsim_node_meminfo mi;
	mmsim_node_meminfo(m, nid, &mi);
	return mi.numastat[c];
}

/* Linux's zone_statistics: numa_hit where the allocation preferred (the
 * first node its nodemask allows in the fallback order), else numa_miss
 * there and numa_foreign on the preferred node; local_node or other_node
 * by the allocating CPU; interleave_hit when interleave got its node. */
static void test_numastat(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_on(m, 0);
	uint64_t h0 = numastat(m, 0, MMSIM_NUMASTAT_numa_hit), l0 = numastat(m, 0, MMSIM_NUMASTAT_local_node);
	uint64_t a = map(t, 4 * P, PRIV);
	touch(t, a, 4 * P);
	ok(numastat(m, 0, MMSIM_NUMASTAT_numa_hit) - h0 >= 4, "local faults: numa_hit on node 0");
	ok(numastat(m, 0, MMSIM_NUMASTAT_local_node) - l0 >= 4, "  and local_node");

	uint64_t h1 = numastat(m, 1, MMSIM_NUMASTAT_numa_hit), o1 = numastat(m, 1, MMSIM_NUMASTAT_other_node);
	uint64_t miss1 = numastat(m, 1, MMSIM_NUMASTAT_numa_miss);
	uint64_t b = map(t, 4 * P, PRIV);
	mbind(t, b, 4 * P, BIND, 2, 0);
	touch(t, b, 4 * P);
	is(numastat(m, 1, MMSIM_NUMASTAT_numa_hit) - h1, 4,
	   "bind node 1 from CPU 0: numa_hit on node 1 (it is the preferred node)");
	is(numastat(m, 1, MMSIM_NUMASTAT_numa_miss) - miss1, 0, "  no numa_miss");
	is(numastat(m, 1, MMSIM_NUMASTAT_other_node) - o1, 4, "  other_node: the CPU is on node 0");

	uint64_t i0 = numastat(m, 0, MMSIM_NUMASTAT_interleave_hit);
	uint64_t i1 = numastat(m, 1, MMSIM_NUMASTAT_interleave_hit);
	uint64_t c = map(t, 8 * P, PRIV);
	mbind(t, c, 8 * P, INTERLEAVE, 3, 0);
	touch(t, c, 8 * P);
	is(numastat(m, 0, MMSIM_NUMASTAT_interleave_hit) - i0, 4, "interleave: interleave_hit 4 on node 0");
	is(numastat(m, 1, MMSIM_NUMASTAT_interleave_hit) - i1, 4, "  and 4 on node 1");
	mmsim_destroy(m);
}

/* ---- cpuset writes ------------------------------------------------------------------ */

static struct mmsim_task *task_in_cpuset(struct mmsim *m, uint64_t mems, int cpu)
{
	struct mmsim_task_attr at;
	struct mmsim_task *t = NULL;
	mmsim_task_attr_default(&at);
	at.mems = mems;
	at.cpu = cpu;
	return mmsim_task_create(m, &at, &t) ? NULL : t;
}

static void test_cpuset_rebind(void)
{
	struct mmsim *m = machine(4);
	struct mmsim_task *t = task_in_cpuset(m, 0x3, 0), *plain = task_on(m, 0);
	int st[8], mode;
	uint64_t mask;
	ok(t && plain, "a task in cpuset 0-1 and one in the root cpuset");
	ok(mmsim_task_cpuset(plain) == NULL, "  the root cpuset has no handle");
	struct mmsim_cpuset *cs = mmsim_task_cpuset(t);
	ok(cs != NULL, "  the other has a cpuset of its own");
	is(mmsim_cpuset_mems(cs), 0x3, "  cpuset.mems 0-1");

	/* Pages on 0 and 1; task policy interleave 0-1, one VMA bound to
	 * node 1, one VMA static-bound to 1,3. */
	is(set_pol(t, INTERLEAVE, 0x3), 0, "interleave 0-1");
	uint64_t a = map(t, 4 * P, PRIV), b = map(t, 2 * P, PRIV), c = map(t, 2 * P, PRIV);
	touch(t, a, 4 * P);
	int before[4];
	nodes_of(t, a, 4, before);
	ok(before[0] + before[1] == 1 && before[2] == before[0] && before[3] == before[1],
	   "  pages alternate on 0 and 1");
	is(mbind(t, b, 2 * P, BIND, 0x2, 0), 0, "VMA b bound to node 1");
	is(mbind(t, c, 2 * P, BIND | F_STATIC, 0xa, 0), 0, "VMA c static-bound to 1,3");

	is(mmsim_cpuset_set_mems(cs, 0x30), -EINVAL, "mems 4-5: nodes the machine lacks");
	is(mmsim_cpuset_set_mems(cs, 0), -ENOSPC, "empty mems while a task is in it");
	is(mmsim_cpuset_mems(cs), 0x3, "  cpuset.mems unchanged");
	is(mmsim_cpuset_set_mems(cs, 0xc), 0, "mems 0-1 -> 2-3");
	is(mmsim_cpuset_effective_mems(cs), 0xc, "  effective 2-3");
	nodes_of(t, a, 4, st);
	ok(st[0] == before[0] + 2 && st[1] == before[1] + 2 && st[2] == before[2] + 2 &&
	   st[3] == before[3] + 2, "  pages moved by position: 0 to 2, 1 to 3");
	get_pol(t, 0, 0, &mode, &mask);
	ok(mode == INTERLEAVE && mask == 0xc, "  task policy interleave 2-3");
	get_pol(t, b, 2 /* MPOL_F_ADDR */, &mode, &mask);
	ok(mode == BIND && mask == 0x8, "  VMA b bound to node 3");
	get_pol(t, c, 2, &mode, &mask);
	ok(mode == (BIND | F_STATIC) && mask == 0xa, "  VMA c reports the user's 1,3");
	touch(t, c, 2 * P);
	nodes_of(t, c, 2, st);
	ok(st[0] == 3 && st[1] == 3, "  and places on 3, the only one left");
	get_pol(t, 0, 4, &mode, &mask);
	is(mask, 0xc, "  mems_allowed 2-3");
	get_pol(plain, 0, 4, &mode, &mask);
	is(mask, 0xf, "  the root cpuset's task keeps all nodes");

	/* Shrinking to node 0: everything gathers there; growing back moves
	 * nothing. */
	is(mmsim_cpuset_set_mems(cs, 0x1), 0, "mems -> 0");
	nodes_of(t, a, 4, st);
	ok(st[0] == 0 && st[1] == 0 && st[2] == 0 && st[3] == 0, "  all pages on node 0");
	uint64_t freed0 = machine_counter(m, "pgmigrate_success");
	is(mmsim_cpuset_set_mems(cs, 0xf), 0, "mems -> 0-3");
	is(machine_counter(m, "pgmigrate_success"), freed0, "  no page moves");
	get_pol(t, 0, 0, &mode, &mask);
	is(mask, 0x1, "  interleave stays on node 0 (remapped by position)");
	is(mmsim_cpuset_set_mems(cs, 0xf), 0, "the same mems again: nothing to do");
	mmsim_task_exit(t);
	is(mmsim_cpuset_set_mems(cs, 0), 0, "empty mems once no task is in it");
	is(mmsim_cpuset_effective_mems(cs), 0xf, "  effective: the root's");
	mmsim_destroy(m);
}

/* A fork and a thread join the cpuset; a preferred policy keeps its node. */
static void test_cpuset_fork_thread(void)
{
	struct mmsim *m = machine(2);
	struct mmsim_task *t = task_in_cpuset(m, 0x1, 0), *f = NULL, *th = NULL;
	int st[4], mode;
	uint64_t mask;
	is(set_pol(t, PREFERRED, 0x1), 0, "preferred node 0");
	uint64_t a = map(t, 4 * P, PRIV);
	touch(t, a, 4 * P);
	is(mmsim_fork(t, "f", &f), 0, "fork");
	is(mmsim_thread_create(t, "th", 1, &th), 0, "thread");
	ok(mmsim_task_cpuset(f) == mmsim_task_cpuset(t) && mmsim_task_cpuset(th) == mmsim_task_cpuset(t),
	   "  both in the parent's cpuset");
	is(mmsim_cpuset_set_mems(mmsim_task_cpuset(t), 0x2), 0, "mems 0 -> 1");
	nodes_of(t, a, 4, st);
	ok(st[0] == 1 && st[3] == 1, "  the parent's pages moved");
	nodes_of(f, a, 4, st);
	ok(st[0] == 1 && st[3] == 1, "  the fork's (shared copy-on-write) too");
	get_pol(f, 0, 0, &mode, &mask);
	ok(mode == PREFERRED && mask == 0x1, "  the fork's preferred policy keeps node 0");
	get_pol(th, 0, 4, &mode, &mask);
	is(mask, 0x2, "  the thread's mems_allowed is node 1");
	uint64_t b = map(th, 2 * P, PRIV);
	touch(th, b, 2 * P);
	nodes_of(th, b, 2, st);
	ok(st[0] == 1 && st[1] == 1, "  preferred node 0 outside the cpuset: pages on 1");
	mmsim_destroy(m);
}

/*
 * Threaded machine: a task faults pages in under an interleave policy on
 * its own host thread while this thread flips its cpuset between nodes 0
 * and 1; TSan checks the policy swap and the mems the fault path reads,
 * and every page ends where the last write put it.
 */
struct cpuset_racer {
	struct mmsim_task *t;
	uint64_t base;
	int pages;
};

static void *cpuset_racer_main(void *arg)
{
	struct cpuset_racer *r = arg;
	for (int round = 0; round < 8; round++)
		for (int i = 0; i < r->pages; i++) {
			uint8_t v = (uint8_t)round;
			mmsim_store(r->t, r->base + (uint64_t)i * P, &v, 1, NULL);
		}
	return NULL;
}

static void test_cpuset_threaded(void)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 2;
	cfg.threaded = true;
	is(mmsim_create(&cfg, &m), 0, "threaded machine");
	struct mmsim_task *t = task_in_cpuset(m, 0x3, 1);
	struct mmsim_cpuset *cs = mmsim_task_cpuset(t);
	is(set_pol(t, INTERLEAVE, 0x3), 0, "interleave 0-1");
	struct cpuset_racer r = { t, map(t, 64 * P, PRIV), 64 };
	pthread_t ht;
	pthread_create(&ht, NULL, cpuset_racer_main, &r);
	int errs = 0;
	for (int i = 0; i < 40; i++)
		errs += mmsim_cpuset_set_mems(cs, i % 2 ? 0x1 : 0x2) != 0;
	pthread_join(ht, NULL);
	is(errs, 0, "40 cpuset writes while the task faults");
	is(mmsim_cpuset_set_mems(cs, 0x2), 0, "a last write: node 1");
	int st[64], off = 0;
	nodes_of(t, r.base, 64, st);
	for (int i = 0; i < 64; i++)
		off += st[i] != 1;
	is(off, 0, "  every page on node 1");
	mmsim_destroy(m);
}

int main(void)
{
	test_set_get();
	test_placement();
	test_remap();
	test_split_merge();
	test_move();
	test_fork_shared();
	test_balancing();
	test_numastat();
	test_cpuset_rebind();
	test_cpuset_fork_thread();
	test_cpuset_threaded();
	return done_testing();
}
