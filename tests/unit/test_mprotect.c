/*
 * test_mprotect.c - mprotect(2) (src/mm/mprotect.c): Linux's checks in
 * Linux's order, what each change does to the page-table entries, and the
 * exact TLB work of one call - single invalidations, full flushes, IPIs -
 * under flush=gather and flush=per_vma.  Also NUMA hinting faults and
 * userfaultfd write-protection, which share change_protection().
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

static struct mmsim *machine(enum mmsim_flush_policy pol, enum mmsim_thp thp)
{
	struct mmsim_config cfg;
	struct mmsim *mach = NULL;
	test_config(&cfg);
	cfg.flush_policy = pol;
	cfg.thp = thp;
	return mmsim_create(&cfg, &mach) ? NULL : mach;
}

static uint64_t map(struct mmsim_task *t, uint64_t len, int prot, int flags)
{
	return (uint64_t)mmsim_sys_mmap(t, 0, len, prot, flags, -1, 0);
}

static struct pmap_entry entry(struct mmsim_task *t, uint64_t va)
{
	struct pmap_entry e;
	pmap_lookup(&t->mm->pmap, va, &e);
	return e;
}

static int store(struct mmsim_task *t, uint64_t va, int byte)
{
	uint64_t fa;
	return mmsim_fill(t, va, byte, 1, &fa);
}

static int load(struct mmsim_task *t, uint64_t va)
{
	uint64_t fa;
	uint8_t b;
	return mmsim_load(t, va, &b, 1, &fa);
}

/* The TLB work an mprotect call did: deltas of the mm's counters. */
struct flush_work {
	uint64_t flushes, invlpg, full, ipis;
};

static struct flush_work work_since(struct mmsim_task *t, const struct mmsim_counters *c0)
{
	const struct mmsim_counters *c = &t->mm->cnt;
	struct flush_work w = { c->tlb_flushes - c0->tlb_flushes, c->tlb_invlpg - c0->tlb_invlpg,
				c->tlb_flush_full - c0->tlb_flush_full,
				c->ipis_sent - c0->ipis_sent };
	return w;
}

static struct flush_work protect(struct mmsim_task *t, uint64_t a, uint64_t len, int prot)
{
	struct mmsim_counters c0 = t->mm->cnt;
	long r = mmsim_sys_mprotect(t, a, len, prot);
	if (r)
		printf("# mprotect returned %ld\n", r);
	return work_since(t, &c0);
}

#define is_work(w, fl, inv, fu, ip, what)                                                    \
	ok((w).flushes == (fl) && (w).invlpg == (inv) && (w).full == (fu) && (w).ipis == (ip), \
	   "%s: %llu flush(es), %llu invlpg, %llu full, %llu IPIs (want %d %d %d %d)", what,   \
	   (unsigned long long)(w).flushes, (unsigned long long)(w).invlpg,                     \
	   (unsigned long long)(w).full, (unsigned long long)(w).ipis, fl, inv, fu, ip)

/* ---- the checks, in Linux's order ----------------------------------------------------- */

static void test_errors(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	drop_vdso(t);	/* nothing above the mapping */
	uint64_t a = map(t, 8 * P, RW, PRIV);
	is(mmsim_sys_mprotect(t, a + 1, P, PROT_READ), -EINVAL, "unaligned start: EINVAL");
	is(mmsim_sys_mprotect(t, a + 1, 0, PROT_READ), -EINVAL, "unaligned start beats len 0");
	is(mmsim_sys_mprotect(t, 0x1000, 0, PROT_READ), 0, "len 0: 0, even where nothing is mapped");
	is(mmsim_sys_mprotect(t, a, 0, 0x100), 0, "len 0 returns before prot is checked");
	is(mmsim_sys_mprotect(t, a, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL,
	   "GROWSDOWN|GROWSUP: EINVAL");
	is(mmsim_sys_mprotect(t, a, UINT64_MAX - a, PROT_READ), -ENOMEM,
	   "range wrapping past the top: ENOMEM");
	is(mmsim_sys_mprotect(t, a, UINT64_MAX - a, 0x100), -ENOMEM,
	   "wrap-around is checked before the prot bits");
	is(mmsim_sys_mprotect(t, a, P, 0x100), -EINVAL, "unknown prot bit: EINVAL");
	is(mmsim_sys_mprotect(t, a, P, -1), -EINVAL, "prot -1: EINVAL");
	is(mmsim_sys_mprotect(t, a, P, PROT_READ | 0x8), 0, "PROT_SEM is accepted");
	is(mmsim_sys_pkey_mprotect(t, a, P, PROT_READ, 3), -EINVAL, "pkey never allocated: EINVAL");
	is(mmsim_sys_pkey_mprotect(t, a, P, RW, 0), 0, "pkey 0 (the default key) is fine");
	is(mmsim_sys_pkey_mprotect(t, 0x1000, P, 0x100, 3), -EINVAL,
	   "prot bits are checked before the pkey");
	is(mmsim_sys_mprotect(t, 0x1000, P, PROT_READ), -ENOMEM, "nothing mapped there: ENOMEM");
	is(mmsim_sys_mprotect(t, a + 8 * P, P, PROT_READ), -ENOMEM, "just above the mapping: ENOMEM");
	is(mmsim_sys_mprotect(t, a, P, PROT_READ | PROT_GROWSUP), -EINVAL,
	   "PROT_GROWSUP: EINVAL on x86 (no VM_GROWSUP)");
	is(mmsim_sys_mprotect(t, a + P, P, PROT_READ | PROT_GROWSDOWN), -EINVAL,
	   "PROT_GROWSDOWN on a VMA that does not grow down: EINVAL");

	/* A hole at the start: ENOMEM, nothing changed. */
	is(mmsim_sys_munmap(t, a, 2 * P), 0, "punch [0,2p)");
	is(mmsim_sys_mprotect(t, a + P, 3 * P, PROT_READ), -ENOMEM, "hole at the start: ENOMEM");
	struct mmsim_vma_info v[4];
	is(mmsim_task_vmas(t, a, a + 8 * P, v, 4), 1, "... still one VMA");
	ok(!strcmp(v[0].perms, "rw-p"), "... still rw-p");
	/* A hole in the middle: the VMA before it keeps its change. */
	uint64_t c = map(t, 12 * P, PROT_READ, PRIV);
	is(mmsim_sys_munmap(t, c + 4 * P, 2 * P), 0, "punch [4p,6p) of a second mapping");
	is(mmsim_sys_munmap(t, c + 10 * P, 2 * P), 0, "and [10p,12p)");
	is(mmsim_sys_mprotect(t, c, 10 * P, PROT_NONE), -ENOMEM, "hole in the middle: ENOMEM");
	is(mmsim_task_vmas(t, c, c + 4 * P, v, 4), 1, "the VMA before the hole ...");
	ok(!strcmp(v[0].perms, "---p"), "... keeps its change (---p)");
	is(mmsim_task_vmas(t, c + 6 * P, c + 10 * P, v, 4), 1, "the one after it ...");
	ok(!strcmp(v[0].perms, "r--p"), "... is untouched");
	/* A hole at the end. */
	is(mmsim_sys_mprotect(t, c + 6 * P, 5 * P, RW), -ENOMEM, "hole at the end: ENOMEM");
	is(mmsim_task_vmas(t, c + 6 * P, c + 10 * P, v, 4), 1, "the VMA before it ...");
	ok(!strcmp(v[0].perms, "rw-p"), "... is changed");

	/* EACCES: beyond the VMA's MAY bits (as a read-only file mapping). */
	uint64_t s = map(t, 2 * P, PROT_READ, SHARED);
	vma_lookup(t->mm, s)->vm_flags &= ~VM_MAYWRITE;
	is(mmsim_sys_mprotect(t, s, 2 * P, RW), -EACCES, "write beyond VM_MAYWRITE: EACCES");
	is(mmsim_sys_mprotect(t, s, 2 * P, PROT_READ | PROT_EXEC), 0, "exec is still allowed");
	mmsim_task_exit(t);
}

static void test_growsdown(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 8 * P, RW, PRIV | MAP_GROWSDOWN, -1, 0);
	ok((int64_t)a > 0, "MAP_GROWSDOWN mapping");
	is(mmsim_sys_mprotect(t, a + 4 * P, 2 * P, PROT_READ | PROT_GROWSDOWN), 0,
	   "PROT_GROWSDOWN from the middle");
	struct mmsim_vma_info v[4];
	is(mmsim_task_vmas(t, a, a + 8 * P, v, 4), 2, "two VMAs");
	ok(v[0].start == a && v[0].end == a + 6 * P && !strcmp(v[0].perms, "r--p"),
	   "the change runs from the VMA's start to the end of the range");
	mmsim_task_exit(t);
}

static void test_map_count(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 8 * P, RW, PRIV);
	int saved = m->mm.max_map_count;
	m->mm.max_map_count = t->mm->vmas.n + 1;
	is(mmsim_sys_mprotect(t, a, P, PROT_READ), 0, "one split under the limit");
	is(mmsim_sys_mprotect(t, a + 4 * P, P, PROT_READ), -ENOMEM,
	   "a split past max_map_count: ENOMEM");
	is(mmsim_sys_mprotect(t, a + 7 * P, P, PROT_READ), -ENOMEM, "at the end too");
	is(mmsim_sys_mprotect(t, a + P, P, PROT_READ), 0, "a merge needs no split");
	m->mm.max_map_count = saved;
	mmsim_task_exit(t);
}

static void test_read_implies_exec(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_sys_personality(t, MMSIM_READ_IMPLIES_EXEC), 0, "personality: old persona 0");
	is(mmsim_sys_personality(t, 0xffffffffUL), MMSIM_READ_IMPLIES_EXEC, "query");
	uint64_t a = map(t, 4 * P, PROT_READ, PRIV);
	struct mmsim_vma_info v[2];
	mmsim_task_vmas(t, a, a + 4 * P, v, 2);
	ok(!strcmp(v[0].perms, "r-xp"), "mmap PROT_READ gives r-x under READ_IMPLIES_EXEC");
	is(mmsim_sys_mprotect(t, a, P, RW), 0, "mprotect rw");
	mmsim_task_vmas(t, a, a + 4 * P, v, 2);
	ok(!strcmp(v[0].perms, "rwxp"), "... gives rwx");
	is(mmsim_sys_mprotect(t, a, P, PROT_WRITE), 0, "mprotect w");
	mmsim_task_vmas(t, a, a + 4 * P, v, 2);
	ok(!strcmp(v[0].perms, "-w-p"), "write alone implies nothing");
	mmsim_task_exit(t);
}

/* ---- entries ----------------------------------------------------------------------------- */

static void test_entries(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	struct mm_struct *mm = t->mm;
	uint64_t a = map(t, 4 * P, RW, PRIV);
	store(t, a, 1);
	load(t, a + P);			/* zero page */
	struct pmap_entry e = entry(t, a);
	ok(e.prot == (PMAP_R | PMAP_W) && (e.flags & PMAP_DIRTY), "written page: rw, dirty");
	protect(t, a, 4 * P, PROT_READ);
	e = entry(t, a);
	ok(e.prot == PMAP_R && (e.flags & PMAP_DIRTY) && (e.flags & PMAP_SOFTDIRTY),
	   "r: write gone, dirty and soft-dirty kept");
	protect(t, a, 4 * P, PROT_NONE);
	e = entry(t, a);
	ok(e.kind == PMAP_PAGE && e.prot == 0 && (e.flags & PMAP_DIRTY), "none: mapped, no access");
	is(load(t, a), SIGSEGV, "load from PROT_NONE: SIGSEGV");
	uint64_t faults = mm->cnt.faults;
	protect(t, a, 4 * P, RW);
	e = entry(t, a);
	ok(e.prot == (PMAP_R | PMAP_W), "rw: an exclusive anonymous page is writable at once");
	ok(entry(t, a + P).prot == PMAP_R, "the zero page stays read-only");
	is(store(t, a, 2), 0, "store");
	is(mm->cnt.faults, faults, "... without a fault");
	protect(t, a, 4 * P, PROT_READ | PROT_EXEC);
	ok(entry(t, a).prot == (PMAP_R | PMAP_X), "rx");
	protect(t, a, 4 * P, PROT_EXEC);
	ok(entry(t, a).prot == (PMAP_R | PMAP_X), "x alone maps readable (x86)");
	is(load(t, a), 0, "... and a load works");
	protect(t, a, 4 * P, PROT_WRITE);
	ok(entry(t, a).prot == (PMAP_R | PMAP_W), "w alone maps readable too");

	/* After fork nobody's page is exclusive: rw stays read-only and the
	 * next write copies. */
	protect(t, a, 4 * P, PROT_READ);
	struct mmsim_task *child;
	is(mmsim_fork(t, "child", &child), 0, "fork");
	protect(t, a, 4 * P, RW);
	ok(entry(t, a).prot == PMAP_R, "shared with the child: no write upgrade");
	uint64_t cows = mm->cnt.faults_cow;
	is(store(t, a, 3), 0, "parent writes");
	is(mm->cnt.faults_cow, cows + 1, "... through a copy-on-write fault");
	uint8_t b = 0;
	uint64_t fa;
	mmsim_load(child, a, &b, 1, &fa);
	is(b, 2, "the child still sees its own copy");
	mmsim_task_exit(child);
	mmsim_task_exit(t);
}

static void test_shared_entries(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 2 * P, RW, SHARED);
	store(t, a, 7);
	protect(t, a, 2 * P, PROT_READ);
	ok(entry(t, a).prot == PMAP_R, "shared r");
	is(store(t, a, 8), SIGSEGV, "store: SIGSEGV");
	protect(t, a, 2 * P, RW);
	ok(entry(t, a).prot == (PMAP_R | PMAP_W), "shared rw: writable again");
	is(store(t, a, 9), 0, "store lands");
	mmsim_task_exit(t);
}

static void test_locked_prefault(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	struct mm_struct *mm = t->mm;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, PROT_READ, PRIV | MAP_LOCKED, -1, 0);
	ok(entry(t, a).pfn == m->mm.zero_pfn, "locked read-only: the zero page is mapped");
	uint64_t anon = mm->cnt.faults_anon + mm->cnt.faults_cow;
	is(mmsim_sys_mprotect(t, a, 4 * P, RW), 0, "mprotect rw on a locked private mapping");
	is(mm->cnt.faults_anon + mm->cnt.faults_cow - anon, 4, "... breaks COW on all 4 pages at once");
	ok(entry(t, a).pfn != m->mm.zero_pfn && (entry(t, a).prot & PMAP_W),
	   "... each has its own writable page");
	mmsim_task_exit(t);
}

/* ---- flush decisions ------------------------------------------------------------------------ */

static void test_flush_counts(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 64 * P, RW, PRIV);
	uint64_t fa;
	mmsim_fill(t, a, 1, 64 * P, &fa);
	struct flush_work w;

	w = protect(t, a, P, PROT_READ);
	is_work(w, 1, 1, 0, 0, "one page rw -> r");
	w = protect(t, a, P, PROT_READ);
	is_work(w, 0, 0, 0, 0, "r -> r: nothing changed");
	w = protect(t, a + P, 33 * P, PROT_READ);
	is_work(w, 1, 33, 0, 0, "33 pages: 33 invalidations");
	w = protect(t, a + 34 * P, 30 * P, PROT_READ);
	is_work(w, 1, 30, 0, 0, "30 pages");
	w = protect(t, a, 34 * P, RW);
	is_work(w, 1, 0, 1, 0, "34 pages: a full flush");
	w = protect(t, a, 34 * P, PROT_NONE);
	is_work(w, 1, 0, 1, 0, "rw -> none on 34 pages: a full flush");
	w = protect(t, a, 34 * P, RW);
	is_work(w, 0, 0, 0, 0, "none -> rw: no entry was present, no flush");
	w = protect(t, a + 34 * P, 30 * P, PROT_READ | PROT_EXEC);
	is_work(w, 1, 30, 0, 0, "r -> rx: NX cleared, flushed");

	/* Never-touched pages: nothing to flush. */
	uint64_t b = map(t, 16 * P, RW, PRIV);
	w = protect(t, b, 16 * P, PROT_READ);
	is_work(w, 0, 0, 0, 0, "never-touched range");
	mmsim_task_exit(t);
}

/* K VMAs (alternating madvise flags keep them apart), all changed at once. */
static void test_several_vmas(struct mmsim *m, int want_flushes, int want_invlpg, const char *what)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 12 * P, RW, PRIV);
	uint64_t fa;
	mmsim_fill(t, a, 1, 12 * P, &fa);
	for (int i = 0; i < 3; i++)
		mmsim_sys_madvise(t, a + (uint64_t)i * 4 * P, 4 * P,
				  i % 2 ? MADV_SEQUENTIAL : MADV_RANDOM);
	is(mmsim_task_vmas(t, a, a + 12 * P, NULL, 0), 3, "%s: three VMAs", what);
	struct flush_work w = protect(t, a, 12 * P, PROT_READ);
	ok(w.flushes == (uint64_t)want_flushes && w.invlpg == (uint64_t)want_invlpg && !w.full,
	   "%s: three VMAs of 4 pages: %llu flush(es), %llu invlpg", what,
	   (unsigned long long)w.flushes, (unsigned long long)w.invlpg);
	is(mmsim_task_vmas(t, a, a + 12 * P, NULL, 0), 3, "%s: still three VMAs", what);
	/* Only the middle VMA's pages present: the gather's envelope is the
	 * middle VMA; per_vma flushes each VMA whose entries changed. */
	mmsim_sys_madvise(t, a, 4 * P, MADV_DONTNEED);
	mmsim_sys_madvise(t, a + 8 * P, 4 * P, MADV_DONTNEED);
	w = protect(t, a, 12 * P, RW);
	is_work(w, 1, 4, 0, 0, "only the middle VMA populated");
	mmsim_task_exit(t);
}

static void test_per_vma_range(struct mmsim *m)
{
	/* Pre-5.19: flush_tlb_range over the VMA's whole part of the range
	 * whenever any entry changed, even one that was not present. */
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 40 * P, RW, PRIV);
	store(t, a + 5 * P, 1);
	struct flush_work w = protect(t, a, 8 * P, PROT_READ);
	is_work(w, 1, 8, 0, 0, "per_vma: one present page, the VMA's 8 pages invalidated");
	w = protect(t, a, 40 * P, PROT_NONE);
	is_work(w, 1, 8, 0, 0, "per_vma: two VMAs, only the first has a page: its 8 pages");
	w = protect(t, a, 40 * P, RW);
	is_work(w, 1, 0, 1, 0, "per_vma: none -> rw still flushes (pages changed)");
	w = protect(t, a + 20 * P, 4 * P, RW);
	is_work(w, 0, 0, 0, 0, "per_vma: no change, no flush");
	mmsim_task_exit(t);
}

static void test_ipis(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 8 * P, RW, PRIV);
	uint64_t fa;
	mmsim_fill(t, a, 1, 8 * P, &fa);
	/* Another process on CPU 1: not in this mm's CPU mask. */
	struct mmsim_task *other = task_on(m, 1);
	uint64_t o = map(other, P, RW, PRIV);
	store(other, o, 1);
	struct flush_work w = protect(t, a, 8 * P, PROT_READ);
	is_work(w, 1, 8, 0, 0, "other process on CPU 1: no IPI");
	/* A thread of ours on CPU 1: one IPI per flush. */
	struct mmsim_task *th;
	is(mmsim_thread_create(t, "th", 1, &th), 0, "thread on CPU 1");
	load(th, a);
	w = protect(t, a, 8 * P, RW);
	is_work(w, 1, 8, 0, 1, "a thread on CPU 1: one IPI");
	struct mmsim_counters k1;
	mmsim_counters_cpu(m, 1, &k1);
	uint64_t recv = k1.ipis_received;
	w = protect(t, a, 8 * P, PROT_READ);
	mmsim_counters_cpu(m, 1, &k1);
	is(k1.ipis_received, recv + 1, "CPU 1 received it");
	mmsim_task_exit(th);
	mmsim_task_exit(other);
	mmsim_task_exit(t);
}

static void test_thp(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, 2 * PMD_SIZE, RW, PRIV);
	ok(!(a & ~PMD_MASK), "2 MiB-aligned");
	uint64_t fa;
	mmsim_fill(t, a, 1, 2 * PMD_SIZE, &fa);
	ok(entry(t, a).flags & PMAP_HUGE, "huge page mapped");
	struct flush_work w = protect(t, a, PMD_SIZE, PROT_READ);
	is_work(w, 1, 1, 0, 0, "a whole THP: one invalidation, not 512");
	struct pmap_entry e = entry(t, a);
	ok((e.flags & PMAP_HUGE) && e.prot == PMAP_R, "... changed in place, still huge");
	w = protect(t, a, 2 * PMD_SIZE, PROT_READ);
	is_work(w, 1, 1, 0, 0, "two THPs, one already r: one invalidation");

	/* Part of a THP: the PMD is split (its own flush, as pmdp_invalidate
	 * does), then the 4 KiB entries are changed into the gather. */
	w = protect(t, a + PMD_SIZE + 4 * P, 2 * P, RW);
	ok(!(entry(t, a + PMD_SIZE).flags & PMAP_HUGE), "part of a THP: split");
	ok(entry(t, a + PMD_SIZE + 4 * P).prot == (PMAP_R | PMAP_W) &&
	   entry(t, a + PMD_SIZE + 3 * P).prot == PMAP_R, "only the range changed");
	is_work(w, 2, 3, 0, 0, "split flush (1 at 2 MiB) + gather flush (2 at 4 KiB)");
	is(store(t, a + PMD_SIZE + 4 * P, 5), 0, "write to the rw part");
	is(store(t, a + PMD_SIZE + 6 * P, 5), SIGSEGV, "write beyond it faults");

	/* A THP mixed with 4 KiB pages in one call: the page size changes
	 * inside the gather, which flushes what it had first. */
	w = protect(t, a, PMD_SIZE + 8 * P, RW);
	is_work(w, 2, 1 + 8, 0, 0,
		"THP + 4 KiB pages: two flushes (1 at 2 MiB; the 4 KiB envelope, 8 pages)");
	mmsim_task_exit(t);
}

/* ---- NUMA hinting ---------------------------------------------------------------------------- */

static void test_numa_hinting(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	struct mm_struct *mm = t->mm;
	uint64_t a = map(t, 8 * P, RW, PRIV);
	uint64_t fa;
	mmsim_fill(t, a, 0x33, 8 * P, &fa);
	is(hw_pfn_node(m->hw, entry(t, a).pfn), 0, "pages start on node 0");

	/* The scanner runs long after the faults: the per-CPU LRU batches
	 * have been drained, so the pages can be isolated. */
	lru_add_drain_all(&m->mm);
	/* Alone on node 0 with its pages there: nothing to hint. */
	is(mmsim_numa_scan(t, a, 8 * P), 0, "single-threaded, local pages: nothing changed");

	struct mmsim_task *th;
	is(mmsim_thread_create(t, "th", 1, &th), 0, "a thread on CPU 1 (node 1)");
	struct mmsim_counters c0 = mm->cnt;
	is(mmsim_numa_scan(t, a, 8 * P), 8, "with two threads: 8 pages made inaccessible");
	ok(entry(t, a).prot == 0 && entry(t, a).kind == PMAP_PAGE, "entries are PROT_NONE-like");
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, 1, "one flush for the scan");
	is(mm->cnt.numa_pte_updates - c0.numa_pte_updates, 8, "numa_pte_updates 8");

	uint8_t buf[8 * 4096];
	is(mmsim_load(th, a, buf, P, &fa), 0, "the thread on node 1 reads page 0");
	is(hw_pfn_node(m->hw, entry(t, a).pfn), 1, "... which moved to node 1");
	ok(buf[0] == 0x33 && buf[P - 1] == 0x33, "... with its contents");
	/* As in Linux: the entry made inaccessible had no write bit, so the
	 * migration entry is a read one (exclusive); the first write then
	 * reuses the page without copying. */
	ok(entry(t, a).prot == PMAP_R, "... and is readable again");
	uint64_t reuse = mm->cnt.faults_reuse;
	is(store(th, a, 0x44), 0, "the thread writes it");
	is(mm->cnt.faults_reuse, reuse + 1, "... reusing the exclusive page");
	is(load(t, a + P), 0, "the main thread on node 0 reads page 1");
	is(hw_pfn_node(m->hw, entry(t, a + P).pfn), 0, "... a local hinting fault: it stays");
	is(mm->cnt.numa_hint_faults - c0.numa_hint_faults, 2, "two hinting faults");
	is(mm->cnt.numa_hint_faults_local - c0.numa_hint_faults_local, 1, "one local");
	is(mm->cnt.numa_pages_migrated - c0.numa_pages_migrated, 1, "one page migrated");
	is(mmsim_store(th, a + 2 * P, buf, 6 * P, &fa), 0, "the thread writes pages 2..7");
	int on1 = 0;
	for (int i = 2; i < 8; i++)
		on1 += hw_pfn_node(m->hw, entry(t, a + (uint64_t)i * P).pfn) == 1;
	is(on1, 6, "... which all moved to node 1");

	/* PROT_NONE VMAs are not scanned; a COW page shared with a child is
	 * skipped. */
	is(mmsim_sys_mprotect(t, a, P, PROT_NONE), 0, "page 0 PROT_NONE");
	is(mmsim_numa_scan(t, a, P), 0, "an inaccessible VMA is not scanned");
	mmsim_task_exit(th);
	mmsim_task_exit(t);
}

/* ---- userfaultfd write-protection ----------------------------------------------------------- */

static void test_uffd_wp(struct mmsim *m)
{
	struct mmsim_task *t = task_on(m, 0);
	struct mm_struct *mm = t->mm;
	uint64_t a = map(t, 4 * P, RW, PRIV);
	uint64_t fa;
	mmsim_fill(t, a, 1, 4 * P, &fa);
	is(mmsim_uffd_writeprotect(t, a, 4 * P, 1), -ENOENT, "not registered: ENOENT");
	is(mmsim_uffd_register_wp(t, a, 4 * P), 0, "register for write-protect");
	struct mmsim_counters c0 = mm->cnt;
	is(mmsim_uffd_writeprotect(t, a, 2 * P, 1), 0, "write-protect 2 pages");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 2, "2 invalidations");
	struct pmap_entry e = entry(t, a);
	ok((e.flags & PMAP_UFFD_WP) && e.prot == PMAP_R, "uffd-wp bit, write gone");
	is(load(t, a), 0, "reads still work");
	is(store(t, a, 2), SIGBUS, "a write gets SIGBUS (no userfaultfd reader)");
	is(mm->cnt.uffd_wp_faults - c0.uffd_wp_faults, 1, "uffd_wp_faults 1");
	is(store(t, a + 2 * P, 2), 0, "an unprotected page is written");
	is(mmsim_sys_mprotect(t, a, 4 * P, RW), 0, "mprotect rw keeps the protection");
	ok(entry(t, a).flags & PMAP_UFFD_WP, "... uffd-wp bit kept");
	is(store(t, a, 2), SIGBUS, "... still SIGBUS");
	is(mmsim_uffd_writeprotect(t, a, 2 * P, 0), 0, "un-protect");
	e = entry(t, a);
	ok(!(e.flags & PMAP_UFFD_WP) && (e.prot & PMAP_W), "bit gone, writable again at once");
	is(store(t, a, 3), 0, "the write lands");
	mmsim_task_exit(t);
}

int main(void)
{
	struct mmsim *m = machine(MMSIM_FLUSH_GATHER, MMSIM_THP_NEVER);
	struct mmsim *h = machine(MMSIM_FLUSH_GATHER, MMSIM_THP_ALWAYS);
	struct mmsim *pv = machine(MMSIM_FLUSH_PER_VMA, MMSIM_THP_NEVER);
	if (!m || !h || !pv) {
		ok(0, "machines");
		return done_testing();
	}
	test_errors(m);
	test_growsdown(m);
	test_map_count(m);
	test_read_implies_exec(m);
	test_entries(m);
	test_shared_entries(m);
	test_locked_prefault(m);
	test_flush_counts(m);
	test_several_vmas(m, 1, 12, "gather");
	test_several_vmas(pv, 3, 12, "per_vma");
	test_per_vma_range(pv);
	test_ipis(m);
	test_thp(h);
	test_numa_hinting(m);
	test_uffd_wp(m);
	mmsim_destroy(pv);
	mmsim_destroy(h);
	mmsim_destroy(m);
	return done_testing();
}
