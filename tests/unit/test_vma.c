/*
 * test_vma.c - VMAs through the system calls (src/mm/vma.c, mmap.c,
 * mlock.c, madvise.c): top-down placement, merging, munmap splits,
 * max_map_count, mlock and madvise splitting and merging back, THP
 * alignment of large anonymous mappings.
 *
 * Placement is Linux's x86-64 top-down layout without randomization:
 * mmap_base = TASK_SIZE - 128 MiB, the vDSO's six pages below it, so the
 * first mapping ends at 0x7ffff7ff9000.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define TOP (TASK_SIZE - (128ULL << 20) - 6 * P) /* 0x7ffff7ff9000 */
/* Every process also has the vDSO's [vvar] and [vdso] from TOP up: the
 * tests look at what lies below, and count the vDSO's pages apart. */
#define VDSO_VM (VVAR_PAGES + VDSO_PAGES)
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

struct want {
	uint64_t start, end;
	const char *perms;
};

static struct mmsim *m;

static struct mmsim_task *new_task(void)
{
	struct mmsim_task_attr a;
	struct mmsim_task *t = NULL;
	mmsim_task_attr_default(&a);
	if (mmsim_task_create(m, &a, &t))
		return NULL;
	return t;
}

static long map(struct mmsim_task *t, uint64_t len, int prot, int flags)
{
	return mmsim_sys_mmap(t, 0, len, prot, flags, -1, 0);
}

static int nvmas(struct mmsim_task *t)
{
	return mmsim_task_vmas(t, 0, TOP, NULL, 0);
}

/* The task's VMAs are exactly w[0..n), lowest first. */
static bool vmas_are(struct mmsim_task *t, const struct want *w, int n)
{
	struct mmsim_vma_info v[64];
	int k = mmsim_task_vmas(t, 0, TOP, v, 64);
	bool good = k == n;
	for (int i = 0; good && i < n; i++)
		good = v[i].start == w[i].start && v[i].end == w[i].end &&
		       !strcmp(v[i].perms, w[i].perms);
	if (!good) {
		printf("#   got %d VMAs:", k);
		for (int i = 0; i < k && i < 64; i++)
			printf(" [%#llx-%#llx %s]", (unsigned long long)v[i].start,
			       (unsigned long long)v[i].end, v[i].perms);
		printf("\n#  want %d VMAs:", n);
		for (int i = 0; i < n; i++)
			printf(" [%#llx-%#llx %s]", (unsigned long long)w[i].start,
			       (unsigned long long)w[i].end, w[i].perms);
		printf("\n");
	}
	return good;
}

static uint64_t pgoff_at(struct mmsim_task *t, uint64_t addr)
{
	struct mmsim_vma_info v;
	if (mmsim_task_vmas(t, addr, addr + 1, &v, 1) < 1)
		return UINT64_MAX;
	return v.pgoff;
}

static uint64_t flags_at(struct mmsim_task *t, uint64_t addr)
{
	struct vm_area_struct *v = vma_lookup(t->mm, addr);
	return v ? v->vm_flags : 0;
}

static void test_placement(void)
{
	struct mmsim_task *t = new_task();
	long a1 = map(t, 4 * P, RW, PRIV);
	is(a1, TOP - 4 * P, "first mapping ends at mmap_base - vDSO (0x7ffff7ff9000)");
	long a2 = map(t, 4 * P, RW, PRIV);
	is(a2, a1 - 4 * P, "second mapping directly below the first");
	const struct want w1[] = { { TOP - 8 * P, TOP, "rw-p" } };
	ok(vmas_are(t, w1, 1), "the two merged into one VMA");
	is(pgoff_at(t, a1), (TOP - 8 * P) >> PAGE_SHIFT, "anonymous pgoff = start >> 12");
	is(t->mm->total_vm, 8 + VDSO_VM, "total_vm 8 pages (and the vDSO's 6)");

	long a3 = map(t, 2 * P, PROT_READ, PRIV);
	long a4 = map(t, 2 * P, RW, SHARED);
	long a5 = map(t, 2 * P, RW, SHARED);
	long a6 = map(t, 2 * P, RW, PRIV);
	long a7 = map(t, 2 * P, RW | PROT_EXEC, PRIV);
	long a8 = map(t, 2 * P, RW, PRIV);
	const long p2 = 2 * (long)P;
	ok(a3 == a2 - p2 && a4 == a3 - p2 && a5 == a4 - p2 && a6 == a5 - p2 && a7 == a6 - p2 &&
		   a8 == a7 - p2,
	   "each mapping stacks directly below the previous one");
	const struct want w2[] = {
		{ (uint64_t)a8, (uint64_t)a8 + 2 * P, "rw-p" },
		{ (uint64_t)a7, (uint64_t)a7 + 2 * P, "rwxp" },
		{ (uint64_t)a6, (uint64_t)a6 + 2 * P, "rw-p" },
		{ (uint64_t)a5, (uint64_t)a5 + 2 * P, "rw-s" },
		{ (uint64_t)a4, (uint64_t)a4 + 2 * P, "rw-s" },
		{ (uint64_t)a3, (uint64_t)a3 + 2 * P, "r--p" },
		{ (uint64_t)a2, TOP, "rw-p" },
	};
	ok(vmas_are(t, w2, 7),
	   "no merge across prot (r-- / rw- / rwx), shared/private, or two shared objects");
	is(pgoff_at(t, a4), 0, "shared anonymous pgoff 0");
	is(t->mm->total_vm, 20 + VDSO_VM, "total_vm 20 pages (and the vDSO's 6)");

	/* A hole is filled from its top; the new piece merges upwards. */
	is(mmsim_sys_munmap(t, a4, 2 * P), 0, "unmap a4");
	long b = map(t, P, PROT_READ, PRIV);
	is(b, a3 - P, "next mapping goes to the top of the highest hole that fits");
	const struct want w3[] = {
		{ (uint64_t)a8, (uint64_t)a8 + 2 * P, "rw-p" },
		{ (uint64_t)a7, (uint64_t)a7 + 2 * P, "rwxp" },
		{ (uint64_t)a6, (uint64_t)a6 + 2 * P, "rw-p" },
		{ (uint64_t)a5, (uint64_t)a5 + 2 * P, "rw-s" },
		{ (uint64_t)a3 - P, (uint64_t)a3 + 2 * P, "r--p" },
		{ (uint64_t)a2, TOP, "rw-p" },
	};
	ok(vmas_are(t, w3, 6), "it merged with the r--p mapping above it");
	is(pgoff_at(t, b), (uint64_t)b >> PAGE_SHIFT, "merged VMA's pgoff follows its new start");

	/* MAP_FIXED replaces what was there, splitting it. */
	long f = mmsim_sys_mmap(t, a2 + P, P, PROT_READ, PRIV | MAP_FIXED, -1, 0);
	is(f, a2 + P, "MAP_FIXED at the given address");
	const struct want w4[] = {
		{ (uint64_t)a2, (uint64_t)a2 + P, "rw-p" },
		{ (uint64_t)a2 + P, (uint64_t)a2 + 2 * P, "r--p" },
		{ (uint64_t)a2 + 2 * P, TOP, "rw-p" },
	};
	struct mmsim_vma_info v[3];
	int k = mmsim_task_vmas(t, a2, TOP, v, 3);
	ok(k == 3 && v[0].start == w4[0].start && v[0].end == w4[0].end &&
		   !strcmp(v[0].perms, "rw-p") && v[1].start == w4[1].start &&
		   v[1].end == w4[1].end && !strcmp(v[1].perms, "r--p") &&
		   v[2].start == w4[2].start && v[2].end == TOP,
	   "MAP_FIXED over the middle split the old VMA in three");
	is(mmsim_sys_mmap(t, a2, P, RW, PRIV | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST,
	   "MAP_FIXED_NOREPLACE over a mapping: -EEXIST");
	is(mmsim_sys_mmap(t, a2 + 1, P, RW, PRIV | MAP_FIXED, -1, 0), -EINVAL,
	   "MAP_FIXED at an unaligned address: -EINVAL");
	is(mmsim_sys_mmap(t, 0, 0, RW, PRIV, -1, 0), -EINVAL, "zero length: -EINVAL");
	/* No huge page is reserved, as on a fresh Linux (nr_hugepages 0). */
	int n0 = nvmas(t);
	is(mmsim_sys_mmap(t, 0, PMD_SIZE, RW, PRIV | MAP_HUGETLB, -1, 0), -ENOMEM,
	   "MAP_HUGETLB with an empty pool: -ENOMEM");
	is(mmsim_sys_mmap(t, 0, PMD_SIZE, RW, PRIV | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0),
	   -ENOMEM, "MAP_HUGE_2MB: -ENOMEM");
	is(mmsim_sys_mmap(t, 0, PMD_SIZE, RW, PRIV | MAP_HUGETLB | (16 << MAP_HUGE_SHIFT), -1, 0),
	   -EINVAL, "a huge page size the machine lacks (64 KiB): -EINVAL");
	is(mmsim_sys_mmap(t, 0, PMD_SIZE, RW, PRIV | MAP_HUGETLB | MAP_NORESERVE, -1, 0), -ENOSYS,
	   "MAP_HUGETLB | MAP_NORESERVE (faults would SIGBUS on Linux): not modelled, -ENOSYS");
	is(mmsim_sys_mmap(t, 0, 0, RW, PRIV | MAP_HUGETLB, -1, 0), -EINVAL,
	   "zero length is EINVAL first");
	is(nvmas(t), n0, "no VMA made");
	mmsim_task_exit(t);
}

/*
 * A hint without MAP_FIXED is used when the range is free (Linux's
 * arch_get_unmapped_area_topdown() tries addr first).
 */
static void test_hint(void)
{
	struct mmsim_task *t = new_task();
	long a = mmsim_sys_mmap(t, 0x10000000, 2 * P, RW, PRIV, -1, 0);
	is(a, 0x10000000, "a free hint is honoured");
	long b = mmsim_sys_mmap(t, 0x10000000, 2 * P, RW, PRIV, -1, 0);
	is(b, TOP - 2 * P, "a hint over a mapping falls back to top-down placement");
	long c = mmsim_sys_mmap(t, 0x10000000 + 2 * P + 123, P, RW, PRIV, -1, 0);
	is(c, 0x10000000 + 2 * P, "an unaligned hint is rounded down; the mapping merges with a");
	long d = mmsim_sys_mmap(t, 0x1000, P, RW, PRIV, -1, 0);
	is(d, 0x10000, "a hint below mmap_min_addr is raised to it");
	long e = mmsim_sys_mmap(t, TASK_SIZE - P, 2 * P, RW, PRIV, -1, 0);
	ok(e > 0 && (uint64_t)e + 2 * P <= TOP, "a hint running past user space is ignored");
	long f = mmsim_sys_mmap(t, 0x40100000, PMD_SIZE, RW, PRIV, -1, 0);
	is(f, 0x40100000, "a 2 MiB anonymous mapping keeps a free hint, unaligned");
	long g = mmsim_sys_mmap(t, 0x40100000, PMD_SIZE, RW, PRIV, -1, 0);
	ok(g > 0 && !((uint64_t)g & (PMD_SIZE - 1)), "over it: placed top-down, 2 MiB-aligned");
	mmsim_task_exit(t);
}

static void test_munmap(void)
{
	struct mmsim_task *t = new_task();
	long x = map(t, 10 * P, RW, PRIV);
	uint64_t X = (uint64_t)x, pg0 = X >> PAGE_SHIFT;
	is(x, TOP - 10 * P, "10-page mapping");
	for (unsigned i = 0; i < 10; i++)
		mmsim_fill(t, X + i * P, (int)(i + 1), P, NULL);

	is(mmsim_sys_munmap(t, X, 2 * P), 0, "munmap head");
	const struct want w1[] = { { X + 2 * P, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w1, 1), "head gone");
	is(pgoff_at(t, X + 2 * P), pg0 + 2, "pgoff moved with the start");

	is(mmsim_sys_munmap(t, X + 8 * P, 2 * P), 0, "munmap tail");
	const struct want w2[] = { { X + 2 * P, X + 8 * P, "rw-p" } };
	ok(vmas_are(t, w2, 1), "tail gone");

	is(mmsim_sys_munmap(t, X + 4 * P, P), 0, "munmap middle");
	const struct want w3[] = { { X + 2 * P, X + 4 * P, "rw-p" }, { X + 5 * P, X + 8 * P, "rw-p" } };
	ok(vmas_are(t, w3, 2), "split in three, middle gone: two VMAs");
	is(pgoff_at(t, X + 5 * P), pg0 + 5, "upper piece's pgoff");
	is(t->mm->total_vm, 5 + VDSO_VM, "total_vm 5 (and the vDSO's 6)");
	uint8_t b = 0;
	uint64_t fa = 0;
	is(mmsim_load(t, X + 5 * P + 7, &b, 1, &fa), 0, "upper piece still readable");
	is(b, 6, "... with its data");
	is(mmsim_load(t, X + 3 * P, &b, 1, &fa), 0, "lower piece still readable");
	is(b, 4, "... with its data");
	is(mmsim_load(t, X + 4 * P + 1, &b, 1, &fa), SIGSEGV, "the hole: SIGSEGV");

	is(mmsim_sys_munmap(t, X + 3 * P, 3 * P), 0, "munmap spanning the hole and two VMAs");
	const struct want w4[] = { { X + 2 * P, X + 3 * P, "rw-p" }, { X + 6 * P, X + 8 * P, "rw-p" } };
	ok(vmas_are(t, w4, 2), "tail of one and head of the other gone");
	is(mmsim_load(t, X + 6 * P, &b, 1, &fa), 0, "remaining page readable");
	is(b, 7, "... with its data");

	is(mmsim_sys_munmap(t, X + 2 * P, P), 0, "munmap exactly one VMA");
	const struct want w5[] = { { X + 6 * P, X + 8 * P, "rw-p" } };
	ok(vmas_are(t, w5, 1), "it is gone");

	is(mmsim_sys_munmap(t, X, 6 * P), 0, "munmap of a hole succeeds");
	ok(vmas_are(t, w5, 1), "... and changes nothing");
	is(mmsim_sys_munmap(t, X + 1, P), -EINVAL, "unaligned munmap: -EINVAL");
	is(mmsim_sys_munmap(t, X, 0), -EINVAL, "zero-length munmap: -EINVAL");
	ok(vmas_are(t, w5, 1), "failed munmaps change nothing");
	is(mmsim_sys_munmap(t, X + 6 * P, 2 * P), 0, "munmap the last VMA");
	is(nvmas(t), 0, "no VMA left");
	is(t->mm->total_vm, VDSO_VM, "total_vm: the vDSO's 6 pages only");
	mmsim_task_exit(t);
}

static void test_max_map_count(void)
{
	struct mmsim_config cfg;
	struct mmsim *save = m;
	mmsim_config_default(&cfg);
	cfg.mem_per_node = 64ULL << 20;
	cfg.max_map_count = 8 + 2;	/* the vDSO's two VMAs count too */
	if (mmsim_create(&cfg, &m)) {
		ok(0, "machine with max_map_count 10");
		m = save;
		return;
	}
	struct mmsim_task *t = new_task();
	long a[8];
	for (int i = 0; i < 8; i++)
		a[i] = map(t, 4 * P, i % 2 ? PROT_READ : RW, PRIV);
	is(nvmas(t), 8, "8 VMAs: at the limit");
	uint64_t V = (uint64_t)a[0], W = (uint64_t)a[1];

	is(mmsim_sys_munmap(t, V + P, P), -ENOMEM, "munmap in the middle at the limit: -ENOMEM");
	is(nvmas(t), 8, "still 8 VMAs");
	struct mmsim_vma_info v;
	mmsim_task_vmas(t, V, V + 1, &v, 1);
	ok(v.start == V && v.end == V + 4 * P, "the VMA is untouched");
	is(mmsim_sys_munmap(t, V, P), 0, "munmap of the head at the limit is fine");
	is(mmsim_sys_munmap(t, V + 3 * P, P), 0, "... and of the tail");
	is(nvmas(t), 8, "still 8 VMAs");
	mmsim_task_vmas(t, V + P, V + P + 1, &v, 1);
	ok(v.start == V + P && v.end == V + 3 * P, "VMA now [V+1p, V+3p)");

	is(mmsim_sys_mlock(t, W + P, P), -ENOMEM, "mlock needing two splits at the limit: -ENOMEM");
	is(mmsim_sys_madvise(t, W + P, P, MADV_HUGEPAGE), -EAGAIN,
	   "madvise needing a split at the limit: -EAGAIN");
	is(nvmas(t), 8, "still 8 VMAs");
	ok(!(flags_at(t, W + P) & (VM_LOCKED | VM_HUGEPAGE)), "no flag changed");

	is(mmsim_sys_munmap(t, V + P, 2 * P), 0, "unmap one VMA whole");
	is(nvmas(t), 7, "7 VMAs");
	is(mmsim_sys_munmap(t, W + P, P), 0, "now a middle munmap fits under the limit");
	is(nvmas(t), 8, "8 VMAs");
	mmsim_task_exit(t);
	mmsim_destroy(m);
	m = save;
}

static void test_mlock(void)
{
	struct mmsim_task *t = new_task();
	uint64_t X = (uint64_t)map(t, 10 * P, RW, PRIV);
	/* Fault two pages first: the VMA gets its anon_vma before any split,
	 * so every piece shares it and they can merge again. */
	mmsim_fill(t, X, 1, P, NULL);
	mmsim_fill(t, X + 9 * P, 1, P, NULL);
	is(mmsim_sys_mlock(t, X + 3 * P, 2 * P), 0, "mlock 2 pages in the middle");
	const struct want w3[] = {
		{ X, X + 3 * P, "rw-p" },
		{ X + 3 * P, X + 5 * P, "rw-p" },
		{ X + 5 * P, X + 10 * P, "rw-p" },
	};
	ok(vmas_are(t, w3, 3), "split in three");
	ok(flags_at(t, X + 3 * P) & VM_LOCKED, "middle VMA is VM_LOCKED");
	ok(!(flags_at(t, X) & VM_LOCKED) && !(flags_at(t, X + 5 * P) & VM_LOCKED),
	   "the others are not");
	is(t->mm->locked_vm, 2, "locked_vm 2 pages");
	uint64_t pages[3] = { X + 2 * P, X + 3 * P, X + 4 * P };
	int st[3] = { 99, 99, 99 };
	is(mmsim_sys_move_pages(t, 0, 3, pages, NULL, st, 0), 0, "move_pages query");
	ok(st[0] == -ENOENT && st[1] == 0 && st[2] == 0,
	   "mlock populated exactly the locked pages (status %d %d %d)", st[0], st[1], st[2]);

	is(mmsim_sys_munlock(t, X + 3 * P, 2 * P), 0, "munlock them");
	const struct want w1[] = { { X, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w1, 1), "merged back into one VMA");
	ok(!(flags_at(t, X) & VM_LOCKED), "not locked");
	is(t->mm->locked_vm, 0, "locked_vm 0");
	is(pgoff_at(t, X + 5 * P), X >> PAGE_SHIFT, "pgoff of the merged VMA");

	is(mmsim_sys_mlock(t, X, 10 * P), 0, "mlock the whole VMA");
	ok(vmas_are(t, w1, 1), "no split");
	is(t->mm->locked_vm, 10, "locked_vm 10");
	is(mmsim_sys_mlock(t, X + 2 * P, 2 * P), 0, "mlock inside a locked VMA");
	ok(vmas_are(t, w1, 1), "still one VMA");
	is(t->mm->locked_vm, 10, "locked_vm still 10");
	is(mmsim_sys_munlock(t, X + 9 * P, P), 0, "munlock the last page");
	const struct want w2[] = { { X, X + 9 * P, "rw-p" }, { X + 9 * P, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w2, 2), "split at the tail");
	is(t->mm->locked_vm, 9, "locked_vm 9");
	is(mmsim_sys_munlock(t, X, 10 * P), 0, "munlock all");
	ok(vmas_are(t, w1, 1), "one VMA again");
	is(t->mm->locked_vm, 0, "locked_vm 0");
	/* X ends where the vDSO's [vvar] starts: a special mapping is no
	 * hole, but mlock leaves it unlocked and uncounted. */
	is(mmsim_sys_mlock(t, X + 8 * P, 4 * P), 0, "mlock running into [vvar]: 0");
	const struct want w2b[] = { { X, X + 8 * P, "rw-p" }, { X + 8 * P, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w2b, 2), "... the mapping's part locked");
	is(t->mm->locked_vm, 2, "locked_vm 2: the vDSO's pages are not counted");
	ok(!(flags_at(t, X + 10 * P) & VM_LOCKED) && !(flags_at(t, TOP + 4 * P) & VM_LOCKED),
	   "[vvar] and [vdso] not locked");
	is(mmsim_sys_munlock(t, X + 8 * P, 2 * P), 0, "munlock it");
	is(mmsim_sys_mlock(t, X + 8 * P, 9 * P), -ENOMEM, "mlock running past the vDSO (a hole): -ENOMEM");
	ok(vmas_are(t, w2b, 2), "... after locking what was mapped");
	is(t->mm->locked_vm, 2, "locked_vm 2");
	mmsim_task_exit(t);

	/*
	 * Linux 6.12: a VMA that never faulted has no anon_vma; mlock splits
	 * it, then populating the locked middle gives only the middle one.
	 * is_mergeable_anon_vma() then refuses to merge it with a neighbour
	 * that has none (list_is_singular() of an empty chain is false; 6.16
	 * changed this), so munlock leaves three VMAs.
	 */
	t = new_task();
	uint64_t Y = (uint64_t)map(t, 10 * P, RW, PRIV);
	is(mmsim_sys_mlock(t, Y + 3 * P, 2 * P), 0, "unfaulted VMA: mlock the middle");
	ok(vma_lookup(t->mm, Y + 3 * P)->anon_vma && !vma_lookup(t->mm, Y)->anon_vma,
	   "only the populated middle has an anon_vma");
	is(mmsim_sys_munlock(t, Y + 3 * P, 2 * P), 0, "munlock it");
	const struct want w3b[] = {
		{ Y, Y + 3 * P, "rw-p" },
		{ Y + 3 * P, Y + 5 * P, "rw-p" },
		{ Y + 5 * P, Y + 10 * P, "rw-p" },
	};
	ok(vmas_are(t, w3b, 3), "6.12: no merge with neighbours lacking an anon_vma");
	ok(!(flags_at(t, Y + 3 * P) & VM_LOCKED), "but it is unlocked");
	is(t->mm->locked_vm, 0, "locked_vm 0");
	mmsim_task_exit(t);
}

static void test_madvise(void)
{
	struct mmsim_task *t = new_task();
	uint64_t X = (uint64_t)map(t, 10 * P, RW, PRIV);
	is(mmsim_sys_madvise(t, X + 2 * P, 2 * P, MADV_HUGEPAGE), 0, "MADV_HUGEPAGE on [2, 4)");
	const struct want w3[] = {
		{ X, X + 2 * P, "rw-p" },
		{ X + 2 * P, X + 4 * P, "rw-p" },
		{ X + 4 * P, X + 10 * P, "rw-p" },
	};
	ok(vmas_are(t, w3, 3), "split into 3 VMAs");
	is(flags_at(t, X + 2 * P) & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_HUGEPAGE, "middle: VM_HUGEPAGE");
	is(flags_at(t, X) & (VM_HUGEPAGE | VM_NOHUGEPAGE), 0, "left: neither");

	is(mmsim_sys_madvise(t, X + 2 * P, 2 * P, MADV_NOHUGEPAGE), 0, "MADV_NOHUGEPAGE on [2, 4)");
	ok(vmas_are(t, w3, 3), "still 3 VMAs: flags differ from both neighbours");
	is(flags_at(t, X + 2 * P) & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_NOHUGEPAGE,
	   "middle: VM_NOHUGEPAGE only");

	is(mmsim_sys_madvise(t, X, 2 * P, MADV_NOHUGEPAGE), 0, "MADV_NOHUGEPAGE on [0, 2)");
	const struct want w2[] = { { X, X + 4 * P, "rw-p" }, { X + 4 * P, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w2, 2), "left merged with the middle once their flags agree");
	is(mmsim_sys_madvise(t, X + 4 * P, 6 * P, MADV_NOHUGEPAGE), 0, "MADV_NOHUGEPAGE on [4, 10)");
	const struct want w1[] = { { X, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w1, 1), "all one VMA again");
	is(flags_at(t, X) & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_NOHUGEPAGE, "VM_NOHUGEPAGE");

	is(mmsim_sys_madvise(t, X + 5 * P, 5 * P, MADV_HUGEPAGE), 0, "MADV_HUGEPAGE on the tail");
	const struct want w2b[] = { { X, X + 5 * P, "rw-p" }, { X + 5 * P, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w2b, 2), "split once");
	is(mmsim_sys_madvise(t, X, 10 * P, MADV_HUGEPAGE), 0, "MADV_HUGEPAGE on everything");
	ok(vmas_are(t, w1, 1), "merged: one VMA");
	is(flags_at(t, X) & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_HUGEPAGE, "VM_HUGEPAGE only");

	is(mmsim_sys_madvise(t, X + 1, P, MADV_HUGEPAGE), -EINVAL, "unaligned start: -EINVAL");
	is(mmsim_sys_madvise(t, X, P, 12345), -EINVAL, "unknown advice: -EINVAL");
	is(mmsim_sys_madvise(t, X - 2 * P, 3 * P, MADV_NOHUGEPAGE), -ENOMEM,
	   "range starting in a hole: -ENOMEM");
	is(flags_at(t, X) & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_NOHUGEPAGE,
	   "... the advice was applied to the mapped part anyway");
	const struct want w2c[] = { { X, X + P, "rw-p" }, { X + P, X + 10 * P, "rw-p" } };
	ok(vmas_are(t, w2c, 2), "... splitting at the range end");
	mmsim_task_exit(t);
}

static void test_thp_alignment(void)
{
	struct mmsim_task *t = new_task();
	long a = map(t, 4ULL << 20, RW, PRIV);
	is(a, 0x7ffff7a00000LL, "4 MiB anonymous private: 2 MiB-aligned, highest fit");
	is(a % PMD_SIZE, 0, "aligned");
	long b = map(t, P, RW, PRIV);
	is(b, TOP - P, "a small mapping still takes the top of the gap above it");
	long c = map(t, 2ULL << 20, RW, PRIV);
	is(c, 0x7ffff7800000LL, "2 MiB: aligned, directly below the 4 MiB one");
	const struct want w[] = {
		{ 0x7ffff7800000ULL, 0x7ffff7e00000ULL, "rw-p" },
		{ TOP - P, TOP, "rw-p" },
	};
	ok(vmas_are(t, w, 2), "the two aligned mappings merged");
	long d = map(t, (4ULL << 20) + P, RW, PRIV);
	is(d, 0x7ffff7800000LL - (4LL << 20) - (long)P, "4 MiB + 4 KiB: no alignment, plain top-down");
	long e = map(t, 2ULL << 20, RW, SHARED);
	is(e, d - (2LL << 20), "shared 2 MiB: no alignment");
	ok(e % (long)PMD_SIZE != 0, "... indeed unaligned here");
	mmsim_task_exit(t);
}

/* The highest gap of len bytes under TOP, from the task's VMA list: the
 * plain walk placement must agree with (it skips blocks of VMAs by their
 * largest gap). */
static uint64_t expected_topdown(struct mmsim_task *t, uint64_t len, struct mmsim_vma_info *v,
				 int cap)
{
	int n = mmsim_task_vmas(t, 0, TOP, v, cap);
	uint64_t high = TOP;
	for (int i = n - 1; i >= -1; i--) {
		uint64_t low = i >= 0 ? v[i].end : t->mm->mmap_min_addr;
		if (high > low && high - low >= len)
			return high - len;
		if (i >= 0)
			high = v[i].start;
	}
	return 0;
}

static void test_placement_many(void)
{
	enum { N = 3000, CAP = 4 * N };
	struct mmsim_task *t = new_task();
	struct mmsim_vma_info *v = calloc(CAP, sizeof *v);
	uint64_t *addr = calloc(CAP, sizeof *addr), seed = 42;
	int n = 0, bad = 0;
	for (; n < N; n++)	/* alternating protections: one VMA each */
		addr[n] = (uint64_t)map(t, P, n % 2 ? PROT_READ : RW, PRIV);
	for (int round = 0; round < 4000; round++) {
		uint64_t r = xorshift(&seed);
		if (r % 3 == 0 && n > 1) {
			int k = (int)((r >> 8) % (uint64_t)n);
			mmsim_sys_munmap(t, addr[k], P);
			addr[k] = addr[--n];
			continue;
		}
		uint64_t len = (1 + (r >> 16) % 4) * P;
		uint64_t want = expected_topdown(t, len, v, CAP);
		long got = map(t, len, (r >> 24) % 2 ? PROT_READ : RW, PRIV);
		if ((uint64_t)got != want && bad++ < 3)
			printf("#   round %d: %llu bytes at %#lx, want %#llx\n", round,
			       (unsigned long long)len, (unsigned long)got, (unsigned long long)want);
		if (n < CAP)
			addr[n++] = (uint64_t)got;
	}
	is(bad, 0, "thousands of VMAs with holes: each mapping takes the highest gap that fits");
	free(v);
	free(addr);
	mmsim_task_exit(t);
}

int main(void)
{
	struct mmsim_config cfg;
	test_config(&cfg);
	if (mmsim_create(&cfg, &m)) {
		ok(0, "machine");
		return done_testing();
	}
	test_placement();
	test_placement_many();
	test_hint();
	test_munmap();
	test_max_map_count();
	test_mlock();
	test_madvise();
	test_thp_alignment();
	mmsim_destroy(m);
	return done_testing();
}
