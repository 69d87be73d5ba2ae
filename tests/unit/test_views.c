/*
 * test_views.c - the library's /proc views (mmsim/views.h) through the
 * public API only: numa_maps counts (anon, dirty, mapmax, per node,
 * active = mlocked pages), smaps sizes (Rss, Pss and shared/private after
 * fork, Referenced from the accessed bits, Locked, AnonHugePages,
 * THPeligible, VmFlags) and vmstat events (THP fault, migration in pages
 * and huge pages, mlock, a major fault), and the text each prints in
 * Linux's format; files on disks and on tmpfs as the views see them.
 *
 * Machine: 2 nodes, 2 CPUs, 64 MiB per node; THP as each test sets it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>

#include "harness.h"
#include "tap.h"

#define P 4096ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mmsim *machine(enum mmsim_thp thp)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;

	test_config(&cfg);
	cfg.thp = thp;
	if (mmsim_create(&cfg, &m))
		return NULL;
	return m;
}

static uint64_t vmstat(struct mmsim *m, enum mmsim_vmstat_event ev)
{
	struct mmsim_vmstat vs;

	mmsim_vmstat(m, &vs);
	return vs.ev[ev];
}

/* The text a print function writes, in a static buffer. */
static const char *printed(void (*print)(FILE *, const void *), const void *what)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (!f)
		return "";
	print(f, what);
	fclose(f);
	return buf;
}

static void print_nm(FILE *f, const void *p)
{
	mmsim_numa_maps_print(f, p);
}

static void print_sm(FILE *f, const void *p)
{
	mmsim_smaps_print(f, p);
}

static void test_numa_maps(void)
{
	struct mmsim *m = machine(MMSIM_THP_NEVER);
	struct mmsim_task *t = m ? task_on(m, 0) : NULL;
	struct mmsim_numa_maps nm[2];
	uint64_t a;
	char want[128];

	ok(t != NULL, "numa_maps: machine and task");
	if (!t)
		return;
	a = (uint64_t)mmsim_sys_mmap(t, 0, 16 * P, RW, PRIV, -1, 0);
	is(mmsim_numa_maps(t, a, a + 16 * P, nm, 2), 1, "one VMA");
	is(nm[0].pages, 0, "untouched: no page counted");
	is(mmsim_fill(t, a, 1, 8 * P, NULL), 0, "8 pages written");
	{
		uint8_t b;

		mmsim_load(t, a + 8 * P, &b, 1, NULL);	/* the zero page: not counted */
	}
	mmsim_numa_maps(t, a, a + 16 * P, nm, 2);
	is(nm[0].pages, 8, "8 pages (the zero page is not one)");
	is(nm[0].anon, 8, "anon=8");
	is(nm[0].dirty, 8, "dirty=8");
	is(nm[0].active, 0, "active=0 (MGLRU: only mlocked pages)");
	is(nm[0].node[0], 8, "N0=8 (first touch on CPU 0)");
	is(nm[0].mapmax, 1, "mapmax 1");
	snprintf(want, sizeof(want), "%08llx default anon=8 dirty=8 active=0 N0=8 kernelpagesize_kB=4\n",
		 (unsigned long long)a);
	is_str(printed(print_nm, &nm[0]), want, "Linux's line");
	{
		uint64_t pages[4];
		int nodes[4] = { 1, 1, 1, 1 }, status[4];

		for (int i = 0; i < 4; i++)
			pages[i] = a + (uint64_t)i * P;
		is(mmsim_sys_move_pages(t, 0, 4, pages, nodes, status, 0), 0, "4 pages to node 1");
	}
	mmsim_numa_maps(t, a, a + 16 * P, nm, 2);
	ok(nm[0].node[0] == 4 && nm[0].node[1] == 4, "N0=4 N1=4 (%llu, %llu)",
	   (unsigned long long)nm[0].node[0], (unsigned long long)nm[0].node[1]);
	is(vmstat(m, MMSIM_VM_pgmigrate_success), 4, "vmstat: pgmigrate_success=4");
	is(mmsim_sys_mlock(t, a, 2 * P), 0, "mlock 2 pages");
	mmsim_numa_maps(t, a, a + 16 * P, nm, 2);
	is(nm[0].active, 2, "their VMA shows active=2");
	is(vmstat(m, MMSIM_VM_unevictable_pgs_mlocked), 2, "vmstat: unevictable_pgs_mlocked=2");
	is(vmstat(m, MMSIM_VM_unevictable_pgs_culled), 2, "vmstat: unevictable_pgs_culled=2");
	is(mmsim_sys_munlock(t, a, 2 * P), 0, "munlock them");
	is(vmstat(m, MMSIM_VM_unevictable_pgs_munlocked), 2, "vmstat: unevictable_pgs_munlocked=2");
	is(vmstat(m, MMSIM_VM_unevictable_pgs_rescued), 2, "vmstat: unevictable_pgs_rescued=2");
	is(mmsim_numa_maps(t, a - 64 * P, a - 63 * P, nm, 2), 0, "an unmapped range: none");
	mmsim_destroy(m);
}

static void test_smaps_fork(void)
{
	struct mmsim *m = machine(MMSIM_THP_NEVER);
	struct mmsim_task *t = m ? task_on(m, 0) : NULL, *c = NULL;
	struct mmsim_smaps sm;
	uint64_t a;

	ok(t != NULL, "smaps: machine and task");
	if (!t)
		return;
	a = (uint64_t)mmsim_sys_mmap(t, 0, 8 * P, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 1, 8 * P, NULL);
	mmsim_smaps(t, a, a + 8 * P, &sm, 1);
	ok(sm.kb[MMSIM_SMAPS_Rss] == 32 && sm.kb[MMSIM_SMAPS_Pss] == 32 &&
	   sm.kb[MMSIM_SMAPS_Private_Dirty] == 32 && sm.kb[MMSIM_SMAPS_Referenced] == 32,
	   "private: Rss=Pss=Private_Dirty=Referenced=32");
	is_str(sm.vmflags, "rd wr mr mw me ac sd", "VmFlags rd wr mr mw me ac sd");
	ok(!sm.thp_eligible, "THPeligible 0 (THP never)");
	is(mmsim_fork(t, "child", &c), 0, "fork");
	mmsim_smaps(t, a, a + 8 * P, &sm, 1);
	ok(sm.kb[MMSIM_SMAPS_Pss] == 16 && sm.kb[MMSIM_SMAPS_Shared_Dirty] == 32 &&
	   sm.kb[MMSIM_SMAPS_Private_Dirty] == 0, "after fork: Pss=16 Shared_Dirty=32");
	mmsim_smaps(c, a, a + 8 * P, &sm, 1);
	is(sm.kb[MMSIM_SMAPS_Referenced], 0, "the child's entries start old: Referenced=0");
	mmsim_fill(c, a, 2, 2 * P, NULL);
	mmsim_smaps(c, a, a + 8 * P, &sm, 1);
	ok(sm.kb[MMSIM_SMAPS_Pss] == 20 && sm.kb[MMSIM_SMAPS_Private_Dirty] == 8 &&
	   sm.kb[MMSIM_SMAPS_Shared_Dirty] == 24 && sm.kb[MMSIM_SMAPS_Referenced] == 8,
	   "child after 2 COWs: Pss=20 Private_Dirty=8 Shared_Dirty=24 Referenced=8");
	is(mmsim_sys_mlock(t, a + 4 * P, 4 * P), 0, "parent mlocks its upper half");
	{
		struct mmsim_smaps two[2];

		is(mmsim_smaps(t, a, a + 8 * P, two, 2), 2, "the VMA split in two");
		ok(two[1].kb[MMSIM_SMAPS_Locked] == 16 && strstr(two[1].vmflags, " lo "),
		   "upper half: Locked=16, flag lo");
		ok(two[1].kb[MMSIM_SMAPS_Private_Dirty] == 16,
		   "mlock broke COW: the locked pages are the parent's own (%llu kB private)",
		   (unsigned long long)two[1].kb[MMSIM_SMAPS_Private_Dirty]);
		ok(strstr(printed(print_sm, &two[1]), "\nLocked:               16 kB\n") != NULL,
		   "Linux's smaps text has the Locked line");
	}
	mmsim_destroy(m);
}

static void test_thp(void)
{
	struct mmsim *m = machine(MMSIM_THP_ALWAYS);
	struct mmsim_task *t = m ? task_on(m, 0) : NULL;
	struct mmsim_smaps sm[2];
	uint64_t a;

	ok(t != NULL, "thp: machine and task");
	if (!t)
		return;
	a = (uint64_t)mmsim_sys_mmap(t, 0, 2 << 20, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 1, P, NULL);
	is(vmstat(m, MMSIM_VM_thp_fault_alloc), 1, "vmstat: thp_fault_alloc=1");
	mmsim_smaps(t, a, a + (2 << 20), sm, 2);
	ok(sm[0].kb[MMSIM_SMAPS_AnonHugePages] == 2048 && sm[0].kb[MMSIM_SMAPS_Rss] == 2048,
	   "AnonHugePages=2048");
	ok(sm[0].thp_eligible, "THPeligible 1");
	{
		uint64_t page = a;
		int node = 1, status = -1;

		is(mmsim_sys_move_pages(t, 0, 1, &page, &node, &status, 0), 0, "move the THP");
	}
	is(vmstat(m, MMSIM_VM_pgmigrate_success), 512, "vmstat: pgmigrate_success=512");
	is(vmstat(m, MMSIM_VM_thp_migration_success), 1, "vmstat: thp_migration_success=1");
	is(mmsim_sys_munmap(t, a + (1 << 20), 4 * P), 0, "munmap 4 pages in its middle");
	is(vmstat(m, MMSIM_VM_thp_split_pmd), 1, "vmstat: thp_split_pmd=1");
	is(vmstat(m, MMSIM_VM_thp_deferred_split_page), 1, "vmstat: thp_deferred_split_page=1");
	is(mmsim_smaps(t, a, a + (2 << 20), sm, 2), 2, "two VMAs");
	ok(!sm[0].thp_eligible && !sm[1].thp_eligible && !sm[0].kb[MMSIM_SMAPS_AnonHugePages],
	   "neither holds an aligned 2 MiB: THPeligible 0, no AnonHugePages");
	mmsim_destroy(m);
}

/*
 * A file read by a fault: from the disk (a major fault) with disk-backed
 * files; from memory with tmpfs files, whose written pages stay dirty
 * through fsync (nothing to write them to) and are shared memory.
 */
static void test_files(enum mmsim_files files)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	struct mmsim_task *t;
	struct mmsim_numa_maps nm;
	struct mmsim_smaps sm;
	const char *kind = files == MMSIM_FILES_TMPFS ? "tmpfs" : "disk";
	uint64_t a;
	long fd;

	test_config(&cfg);
	cfg.files = files;
	ok(!mmsim_create(&cfg, &m) && (t = task_on(m, 0)) != NULL, "%s: machine and task", kind);
	if (!m)
		return;
	fd = mmsim_sys_open(t, "data", MMSIM_O_RDWR | MMSIM_O_CREAT, 0666);
	ok(fd >= 0 && !mmsim_sys_ftruncate(t, (int)fd, 8 * P), "%s: an 8-page sparse file", kind);
	a = (uint64_t)mmsim_sys_mmap(t, 0, 8 * P, RW, MAP_SHARED, (int)fd, 0);
	{
		uint8_t b;

		is(mmsim_load(t, a, &b, 1, NULL), 0, "%s: read fault", kind);
	}
	is(vmstat(m, MMSIM_VM_pgmajfault), files == MMSIM_FILES_DISK, "%s: pgmajfault=%d", kind,
	   files == MMSIM_FILES_DISK);
	mmsim_fill(t, a, 7, 2 * P, NULL);
	is(mmsim_sys_fsync(t, (int)fd), 0, "%s: fsync", kind);
	mmsim_numa_maps(t, a, a + 8 * P, &nm, 1);
	is_str(nm.file, "data", "%s: numa_maps names the file", kind);
	mmsim_smaps(t, a, a + 8 * P, &sm, 1);
	if (files == MMSIM_FILES_TMPFS)
		ok(nm.dirty == nm.pages && sm.kb[MMSIM_SMAPS_Private_Dirty] == sm.kb[MMSIM_SMAPS_Rss],
		   "tmpfs: after fsync every page is still dirty (%llu of %llu)",
		   (unsigned long long)nm.dirty, (unsigned long long)nm.pages);
	else
		ok(nm.dirty == 0 && sm.kb[MMSIM_SMAPS_Private_Clean] == sm.kb[MMSIM_SMAPS_Rss],
		   "disk: after fsync every page is clean (%llu dirty)", (unsigned long long)nm.dirty);
	{
		char why[128] = "";

		is(mmsim_crash(m, false, 1), files == MMSIM_FILES_TMPFS ? -ENODEV : 0,
		   "%s: a power cut %s", kind, files == MMSIM_FILES_TMPFS ? "has no disks to cut" : "works");
		if (files == MMSIM_FILES_TMPFS)
			is(mmsim_disks_attach(m, "/tmp", NULL, why, sizeof(why)), -ENODEV,
			   "tmpfs: no disks to attach (%s)", why);
	}
	mmsim_destroy(m);
}

/* Pss in Linux's fixed point with many sharers, and VmFlags of several kinds of VMA. */
static void test_pss_and_flags(void)
{
	struct mmsim *m = machine(MMSIM_THP_NEVER);
	struct mmsim_task *t = m ? task_on(m, 0) : NULL, *kids[6];
	struct mmsim_smaps sm;
	uint64_t a, b;
	unsigned forked = 0;

	ok(t != NULL, "pss: machine and task");
	if (!t)
		return;
	a = (uint64_t)mmsim_sys_mmap(t, 0, 3 * P, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 1, 3 * P, NULL);
	for (unsigned i = 0; i < 6; i++)
		forked += !mmsim_fork(t, "kid", &kids[i]);
	is(forked, 6, "6 children: 7 sharers of 3 pages");
	mmsim_smaps(t, a, a + 3 * P, &sm, 1);
	/* Each page: (4096 << 12) / 7 truncated; summed, >> 22: 1 kB. */
	ok(sm.kb[MMSIM_SMAPS_Pss] == 1 && sm.kb[MMSIM_SMAPS_Shared_Dirty] == 12 &&
	   sm.kb[MMSIM_SMAPS_Rss] == 12, "Pss=1 (3 pages / 7, truncated), Shared_Dirty=12 (Pss %llu)",
	   (unsigned long long)sm.kb[MMSIM_SMAPS_Pss]);
	mmsim_fill(kids[0], a, 2, P, NULL);
	mmsim_smaps(kids[0], a, a + 3 * P, &sm, 1);
	/* 4 private + 2 pages / 7: 4 + 2 * 4096 / 7 bytes = 5.17 kB, so 5. */
	is(sm.kb[MMSIM_SMAPS_Pss], 5, "a child's own copy: Pss=5");
	b = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS,
				     -1, 0);
	mmsim_smaps(t, b, b + 4 * P, &sm, 1);
	is_str(sm.vmflags, "rd ex sh mr mw me ms sd", "shared rx: rd ex sh mr mw me ms sd");
	is(mmsim_sys_madvise(t, b, 4 * P, MADV_HUGEPAGE), 0, "madvise hugepage");
	mmsim_smaps(t, b, b + 4 * P, &sm, 1);
	is_str(sm.vmflags, "rd ex sh mr mw me ms sd hg", "then hg after sd, in bit order");
	is(mmsim_sys_mprotect(t, a, 3 * P, PROT_NONE), 0, "mprotect none");
	mmsim_smaps(t, a, a + 3 * P, &sm, 1);
	is_str(sm.vmflags, "mr mw me ac sd", "none keeps the may-flags and ac");
	mmsim_destroy(m);
}

/* The LRU counters MADV_COLD and MADV_PAGEOUT move, and a partial huge page's move. */
static void test_counters(void)
{
	struct mmsim *m = machine(MMSIM_THP_ALWAYS);
	struct mmsim_task *t = m ? task_on(m, 0) : NULL;
	uint64_t a, h;

	ok(t != NULL, "counters: machine and task");
	if (!t)
		return;
	a = (uint64_t)mmsim_sys_mmap(t, 0, 8 * P, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 1, 8 * P, NULL);
	is(mmsim_sys_madvise(t, a, 4 * P, MADV_COLD), 0, "cold");
	is(vmstat(m, MMSIM_VM_pgdeactivate), 4, "pgdeactivate=4");
	is(mmsim_sys_madvise(t, a + 4 * P, 4 * P, MADV_PAGEOUT), 0, "pageout");
	is(vmstat(m, MMSIM_VM_pgactivate), 4, "pgactivate=4 (no swap to write them to)");
	h = (uint64_t)mmsim_sys_mmap(t, 0, 2 << 20, RW, PRIV, -1, 0);
	mmsim_fill(t, h, 1, 2 << 20, NULL);
	is(mmsim_sys_munmap(t, h + 511 * P, P), 0, "unmap one page of a huge page");
	{
		uint64_t page = h + 10 * P;
		int node = 1, status = -1;

		is(mmsim_sys_move_pages(t, 0, 1, &page, &node, &status, 0), 0, "move a piece of it");
	}
	ok(vmstat(m, MMSIM_VM_thp_split_page) == 1 && vmstat(m, MMSIM_VM_thp_migration_split) == 1 &&
	   vmstat(m, MMSIM_VM_thp_migration_fail) == 1,
	   "split to be moved: thp_split_page, thp_migration_split and _fail each 1");
	is(vmstat(m, MMSIM_VM_pgmigrate_success), 512, "its 511 pages and the freed piece: 512");
	mmsim_destroy(m);
}

/* A node's meminfo and numastat counters follow what the tasks do. */
static void test_node_meminfo(void)
{
	struct mmsim *m = machine(MMSIM_THP_NEVER);
	struct mmsim_task *t = m ? task_on(m, 1) : NULL;	/* CPU 1: node 1 */
	struct mmsim_node_meminfo n0, n1, before;
	uint64_t a, pages[2];
	int nodes[2] = { 0, 0 }, status[2];

	ok(t != NULL, "meminfo: machine and a task on node 1");
	if (!t)
		return;
	is(mmsim_node_meminfo(m, 2, &n0), -EINVAL, "no node 2");
	mmsim_node_meminfo(m, 1, &before);
	a = (uint64_t)mmsim_sys_mmap(t, 0, 8 * P, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 1, 8 * P, NULL);
	mmsim_sys_mlock(t, a, 2 * P);
	mmsim_node_meminfo(m, 1, &n1);
	is(n1.kb[MMSIM_MEMINFO_MemTotal], 64 * 1024, "MemTotal: 64 MiB");
	is(n1.kb[MMSIM_MEMINFO_AnonPages] - before.kb[MMSIM_MEMINFO_AnonPages], 32,
	   "AnonPages +32 kB (8 pages written)");
	ok(n1.kb[MMSIM_MEMINFO_Mlocked] == 8 && n1.kb[MMSIM_MEMINFO_Unevictable] == 8,
	   "Mlocked and Unevictable: 8 kB");
	is(n1.kb[MMSIM_MEMINFO_MemUsed] + n1.kb[MMSIM_MEMINFO_MemFree], 64 * 1024,
	   "MemUsed + MemFree = MemTotal");
	ok(n1.numastat[MMSIM_NUMASTAT_numa_hit] >= 8 && n1.numastat[MMSIM_NUMASTAT_local_node] >= 8,
	   "numa_hit and local_node counted the pages (%llu)",
	   (unsigned long long)n1.numastat[MMSIM_NUMASTAT_numa_hit]);
	pages[0] = a + 4 * P;
	pages[1] = a + 5 * P;
	is(mmsim_sys_move_pages(t, 0, 2, pages, nodes, status, 0), 0, "move 2 pages to node 0");
	mmsim_node_meminfo(m, 0, &n0);
	is(n0.numastat[MMSIM_NUMASTAT_other_node], 2,
	   "node 0: other_node=2 (allocated there by a CPU of node 1)");
	is(n0.kb[MMSIM_MEMINFO_AnonPages], 8, "node 0: AnonPages 8 kB");
	{
		char buf[4096];
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		mmsim_node_meminfo_print(f, 0, &n0);
		fclose(f);
		ok(strstr(buf, "Node 0 AnonPages:             8 kB\n") &&
		   strstr(buf, "\nother_node 2\n"), "Linux's text");
	}
	mmsim_destroy(m);
}

static void test_names(void)
{
	is_str(mmsim_vmstat_name(0), "pgmigrate_success", "first vmstat name");
	ok(mmsim_vmstat_name(MMSIM_VMSTAT_NR) == NULL, "no name past the end");
	is_str(mmsim_smaps_field_name(MMSIM_SMAPS_Pss_Dirty), "Pss_Dirty", "smaps field name");
}

int main(void)
{
	test_numa_maps();
	test_smaps_fork();
	test_thp();
	test_files(MMSIM_FILES_DISK);
	test_files(MMSIM_FILES_TMPFS);
	test_pss_and_flags();
	test_counters();
	test_node_meminfo();
	test_names();
	return done_testing();
}
