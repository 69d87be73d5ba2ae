/*
 * test_fault.c - page faults through simulated accesses (src/mm/memory.c,
 * shmem.c, task.c): demand-zero on the faulting CPU's node, the zero page,
 * SIGSEGV, shared anonymous memory, fork and copy-on-write; the unmapping
 * of a young entry marking a file or shared-memory page accessed; an
 * access without data (mmsim_touch).
 *
 * Machine: 2 nodes, 2 CPUs (CPU c on node c).  Page placement is read back
 * with move_pages(2) without nodes (status = node or -errno).
 */
#include <errno.h>
#include <signal.h>
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

static struct mmsim *m;

static int node_of(struct mmsim_task *t, uint64_t addr)
{
	int st = 12345;
	long r = mmsim_sys_move_pages(t, 0, 1, &addr, NULL, &st, 0);
	return r ? (int)r : st;
}

static struct mmsim_counters tc(struct mmsim_task *t)
{
	struct mmsim_counters c;
	mmsim_counters_task(t, &c);
	return c;
}

static uint8_t peek(struct mmsim_task *t, uint64_t addr)
{
	uint8_t b = 0xee;
	uint64_t fa;
	if (mmsim_load(t, addr, &b, 1, &fa))
		return 0xee;
	return b;
}

static void test_demand_zero(void)
{
	struct mmsim_task *t = task_on(m, 1);
	drop_vdso(t);	/* nothing above the mapping */
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, RW, PRIV, -1, 0);
	uint64_t fa = 0;
	struct mmsim_counters c0 = tc(t);

	is(mmsim_fill(t, a, 0x11, 100, &fa), 0, "store to a fresh page");
	is(node_of(t, a), 1, "task on CPU 1: the page is on node 1");
	is(tc(t).faults_anon - c0.faults_anon, 1, "one demand-zero fault");
	is(tc(t).faults - c0.faults, 1, "one fault in all");
	uint8_t buf[200];
	is(mmsim_load(t, a, buf, 200, &fa), 0, "read it back");
	ok(buf[0] == 0x11 && buf[99] == 0x11 && buf[100] == 0 && buf[199] == 0,
	   "100 bytes written, the rest of the page zero");

	c0 = tc(t);
	memset(buf, 0xff, sizeof buf);
	is(mmsim_load(t, a + P, buf, 200, &fa), 0, "read of an untouched page");
	ok(buf[0] == 0 && buf[199] == 0, "reads zeros");
	is(tc(t).faults_zero - c0.faults_zero, 1, "mapped the zero page");
	is(tc(t).faults_anon - c0.faults_anon, 0, "no page allocated");
	is(node_of(t, a + P), -EFAULT, "move_pages: the zero page is -EFAULT");
	is(node_of(t, a + 2 * P), -ENOENT, "never touched: -ENOENT");
	is(node_of(t, a + 4 * P), -EFAULT, "no VMA: -EFAULT");

	uint64_t copied = m->hw->cpu[1].cnt.pages_copied;
	c0 = tc(t);
	is(mmsim_fill(t, a + P + 8, 0x22, 1, &fa), 0, "write after read");
	is(node_of(t, a + P), 1, "now a real page on node 1");
	is(tc(t).faults - c0.faults, 1, "one write fault");
	is(m->hw->cpu[1].cnt.pages_copied, copied, "the zero page is not copied");
	ok(peek(t, a + P + 8) == 0x22 && peek(t, a + P + 7) == 0, "new page: our byte, zeros around");

	struct mmsim_task *t0 = task_on(m, 0);
	uint64_t b = (uint64_t)mmsim_sys_mmap(t0, 0, P, RW, PRIV, -1, 0);
	mmsim_fill(t0, b, 1, 1, &fa);
	is(node_of(t0, b), 0, "task on CPU 0: node 0");
	mmsim_task_exit(t0);
	mmsim_task_exit(t);
}

static void test_sigsegv(void)
{
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 2 * P, RW, PRIV, -1, 0);
	uint64_t ro = (uint64_t)mmsim_sys_mmap(t, 0, 2 * P, PROT_READ, PRIV, -1, 0);
	uint64_t none = (uint64_t)mmsim_sys_mmap(t, 0, P, PROT_NONE, PRIV, -1, 0);
	uint64_t fa = 0;
	uint8_t b = 7;
	struct mmsim_counters c0 = tc(t);

	is(mmsim_store(t, 0x10000000, &b, 1, &fa), SIGSEGV, "store to an unmapped address");
	is(fa, 0x10000000, "... fault address");
	is(mmsim_load(t, 0x10000123, &b, 1, &fa), SIGSEGV, "load from an unmapped address");
	is(fa, 0x10000123, "... fault address");
	is(mmsim_store(t, ro + 5, &b, 1, &fa), SIGSEGV, "store to a read-only mapping");
	is(fa, ro + 5, "... fault address");
	is(mmsim_load(t, ro + 5, &b, 1, &fa), 0, "load from it is fine");
	is(b, 0, "... zero");
	is(mmsim_store(t, ro + 5, &b, 1, &fa), SIGSEGV, "store after the read: still SIGSEGV");
	is(mmsim_load(t, none, &b, 1, &fa), SIGSEGV, "load from PROT_NONE");
	is(fa, none, "... fault address");
	is(tc(t).sigsegv - c0.sigsegv, 5, "five SIGSEGVs counted");

	/* A store running off the end: bytes before the fault are written. */
	uint8_t buf[16];
	memset(buf, 0x5a, sizeof buf);
	uint64_t end = a + 2 * P;
	is(mmsim_store(t, end - 8, buf, 16, &fa), SIGSEGV, "store across the end of a mapping");
	is(fa, end, "... faults at the first unmapped byte");
	ok(peek(t, end - 8) == 0x5a && peek(t, end - 1) == 0x5a, "the 8 bytes before it landed");
	is(mmsim_load(t, a, &b, 1, &fa), 0, "rest of the mapping fine");

	/* A write to a PROT_READ page mapped through the zero page does not
	 * leak into the zero page. */
	is(peek(t, ro + P), 0, "read-only page reads zero");
	is(mmsim_sys_munmap(t, a, 2 * P), 0, "munmap");
	is(mmsim_load(t, a, &b, 1, &fa), SIGSEGV, "access after munmap: SIGSEGV");
	is(fa, a, "... fault address");
	mmsim_task_exit(t);
}

static void test_shared(void)
{
	struct mmsim_task *t = task_on(m, 1);
	uint64_t s = (uint64_t)mmsim_sys_mmap(t, 0, 2 * P, RW, SHARED, -1, 0);
	uint64_t fa;
	struct mmsim_counters c0 = tc(t);

	is(peek(t, s + 10), 0, "read of shared anonymous memory: zero");
	is(node_of(t, s), 1, "a read fault allocated a real page on node 1 (not the zero page)");
	is(tc(t).faults_shared - c0.faults_shared, 1, "one shared fault");
	is(tc(t).faults_zero - c0.faults_zero, 0, "no zero-page fault");
	is(m->mm.node[1].nr_shmem, 1, "node 1 counts one shmem page");

	mmsim_fill(t, s + 10, 0x33, 1, &fa);
	is(tc(t).faults - c0.faults, 1, "the write needed no further fault");

	struct mmsim_task *child;
	is(mmsim_fork(t, "child", &child), 0, "fork");
	is(peek(child, s + 10), 0x33, "child sees the parent's byte");
	mmsim_fill(child, s + 11, 0x44, 1, &fa);
	is(peek(t, s + 11), 0x44, "parent sees the child's byte: same page");
	mmsim_fill(t, s + P, 0x55, 1, &fa);
	is(peek(child, s + P), 0x55, "a page first touched after fork is shared too");
	is(tc(child).faults_cow + tc(t).faults_cow, 0, "no copy-on-write for shared memory");
	is(m->mm.node[1].nr_shmem, 2, "two shmem pages");
	mmsim_task_exit(child);
	mmsim_task_exit(t);
	is(m->mm.node[1].nr_shmem, 0, "freed with the last mapping");
}

static void test_fork_cow(void)
{
	struct mmsim_task *par = task_on(m, 1);
	uint64_t a = (uint64_t)mmsim_sys_mmap(par, 0, 4 * P, RW, PRIV, -1, 0);
	uint64_t fa;
	for (unsigned i = 0; i < 3; i++)
		mmsim_fill(par, a + i * P, 'P', P, &fa);
	is(tc(par).faults_anon, 3, "parent faulted 3 pages");
	uint64_t copied0 = m->hw->cpu[1].cnt.pages_copied;

	struct mmsim_task *ch;
	is(mmsim_fork(par, "child", &ch), 0, "fork");
	ok(ch && mmsim_task_pid(ch) != mmsim_task_pid(par), "child has its own pid");
	struct mmsim_counters cp = tc(par), cc = tc(ch);
	is(cc.faults_cow + cc.faults_reuse + cc.faults_anon, 0, "child starts with no faults");

	ok(peek(ch, a) == 'P' && peek(ch, a + 2 * P + 4095) == 'P', "child reads the parent's data");
	is(node_of(ch, a), 1, "the shared page is on node 1");

	/* Page 0: the child writes first. */
	mmsim_fill(ch, a + 10, 'c', 1, &fa);
	is(tc(ch).faults_cow - cc.faults_cow, 1, "child's first write copies");
	is(peek(ch, a + 10), 'c', "child sees its write");
	is(peek(par, a + 10), 'P', "parent does not");
	is(peek(ch, a + 11), 'P', "the copy carries the rest of the page");
	is(node_of(ch, a), 1, "the copy is on the child's CPU's node");

	/* Page 1: the parent writes first. */
	mmsim_fill(par, a + P + 20, 'p', 1, &fa);
	is(tc(par).faults_cow - cp.faults_cow, 1, "parent's write to a shared page copies");
	is(peek(par, a + P + 20), 'p', "parent sees its write");
	is(peek(ch, a + P + 20), 'P', "child does not");

	/* Page 0 again from the parent: the child copied, the page is the
	 * parent's alone now. */
	mmsim_fill(par, a + 30, 'q', 1, &fa);
	is(tc(par).faults_reuse - cp.faults_reuse, 1, "parent reuses page 0 (child has a copy)");
	is(tc(par).faults_cow - cp.faults_cow, 1, "... no second copy");
	is(peek(ch, a + 30), 'P', "child's copy unchanged");
	is(peek(ch, a + 10), 'c', "child's write still there");
	is(peek(par, a + 10), 'P', "parent still does not see it");

	/* Page 1 from the child: the parent copied, the child reuses. */
	mmsim_fill(ch, a + P + 40, 'd', 1, &fa);
	is(tc(ch).faults_reuse - cc.faults_reuse, 1, "child reuses page 1");
	is(peek(par, a + P + 40), 'P', "parent does not see the child's write");
	is(peek(ch, a + P + 20), 'P', "child does not see the parent's");

	/* Page 3, never touched before fork: each side gets its own page. */
	mmsim_fill(ch, a + 3 * P, 'x', 1, &fa);
	is(peek(par, a + 3 * P), 0, "a page first written by the child after fork is its own");
	is(m->hw->cpu[1].cnt.pages_copied - copied0, 2, "two pages copied in all");

	/* Page 2: nobody wrote it since fork.  After the child exits, the
	 * parent's write reuses it. */
	mmsim_task_exit(ch);
	struct mmsim_counters before = tc(par);
	mmsim_fill(par, a + 2 * P, 'z', 1, &fa);
	is(tc(par).faults_reuse - before.faults_reuse, 1, "after the child exits: reused");
	is(tc(par).faults_cow - before.faults_cow, 0, "... not copied");
	is(m->hw->cpu[1].cnt.pages_copied - copied0, 2, "still two pages copied");
	is(peek(par, a + 2 * P + 1), 'P', "data intact");
	mmsim_task_exit(par);
}

static void test_fork_zero_and_exit(void)
{
	lru_add_drain_all(&m->mm);
	uint64_t free0 = node_free_pages(&m->mm, 0);
	struct mmsim_task *par = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(par, 0, 2 * P, RW, PRIV, -1, 0);
	uint64_t fa;
	is(peek(par, a), 0, "parent maps the zero page");
	struct mmsim_task *ch;
	mmsim_fork(par, "child", &ch);
	/* The VMA has no anon_vma (a zero-page read does not prepare one), so
	 * fork copies no entries (vma_needs_copy): the child faults afresh. */
	is(node_of(ch, a), -ENOENT, "child has no entry: fork skipped a VMA without anon_vma");
	is(peek(ch, a + 1), 0, "child reads zero");
	is(node_of(ch, a), -EFAULT, "... through its own zero-page mapping");
	mmsim_fill(ch, a, 9, 1, &fa);
	is(node_of(ch, a), 0, "child's write allocates");
	is(peek(par, a), 0, "parent still reads zero");
	is(tc(ch).faults_reuse, 0, "the zero page is never reused");
	mmsim_task_exit(ch);
	mmsim_task_exit(par);
	lru_add_drain_all(&m->mm);
	is(node_free_pages(&m->mm, 0), free0, "everything freed at exit");
}

static uint64_t pgactivate(struct mmsim *mach)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(mach, &vs);
	return vs.ev[MMSIM_VM_pgactivate];
}

static uint64_t active_pages(struct mmsim_task *t, uint64_t a, uint64_t len)
{
	struct mmsim_numa_maps nm;
	if (mmsim_numa_maps(t, a, a + len, &nm, 1) < 1)
		return ~0ULL;
	return nm.active;
}

/* Maps n pages of file fd shared, reads each, optionally applies advice
 * first; returns the address (the pages are left mapped). */
static uint64_t map_and_read(struct mmsim_task *t, int fd, uint64_t n, int advice)
{
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, n * P, RW, MAP_SHARED, fd, 0);
	if (advice >= 0)
		mmsim_sys_madvise(t, a, n * P, advice);
	for (uint64_t i = 0; i < n; i++)
		peek(t, a + i * P);
	return a;
}

/*
 * Unmapping a young PTE of a page that is not anonymous marks the page
 * accessed (Linux's zap_present_folio_ptes): on the classic lists the
 * second munmap of a read tmpfs page, or the second MADV_DONTNEED of
 * written shared anonymous memory, activates it (pgactivate, numa_maps
 * active=).  Not in a VMA under MADV_SEQUENTIAL or MADV_RANDOM (no
 * recency).  MGLRU counts a tier instead: no pgactivate.
 */
static void test_zap_marks_accessed(enum mmsim_lru lru)
{
	bool classic = lru == MMSIM_LRU_CLASSIC;
	const char *mode = classic ? "classic" : "MGLRU";
	struct mmsim_config cfg;
	struct mmsim *mach = NULL;
	struct mmsim_task *t = NULL;

	test_config(&cfg);
	cfg.lru = lru;
	cfg.files = MMSIM_FILES_TMPFS;
	ok(!mmsim_create(&cfg, &mach) && (t = task_on(mach, 0)) != NULL, "%s: machine and task",
	   mode);
	if (!t) {
		if (mach)
			mmsim_destroy(mach);
		return;
	}

	/* A tmpfs file mapped, read and unmapped twice. */
	long fd = mmsim_sys_open(t, "f", MMSIM_O_RDWR | MMSIM_O_CREAT, 0666);
	ok(fd >= 0 && !mmsim_sys_ftruncate(t, (int)fd, 4 * P), "%s: a 4-page tmpfs file", mode);
	uint64_t act0 = pgactivate(mach);
	uint64_t a = map_and_read(t, (int)fd, 4, -1);
	struct page *p = page_at(t, a);
	ok(p && !page_test(p, PG_referenced), "%s: the read fault does not mark the page", mode);
	is(mmsim_sys_munmap(t, a, 4 * P), 0, "%s: first munmap", mode);
	ok(p && page_test(p, PG_referenced), "%s: it marked the page accessed (PG_referenced)",
	   mode);
	is(pgactivate(mach) - act0, 0, "%s: nothing activated yet", mode);
	a = map_and_read(t, (int)fd, 4, -1);
	is(page_at(t, a), p, "%s: mapped again, the same page", mode);
	is(mmsim_sys_munmap(t, a, 4 * P), 0, "%s: second munmap", mode);
	is(pgactivate(mach) - act0, classic ? 4 : 0, "%s: pgactivate=%d", mode, classic ? 4 : 0);
	if (classic)
		ok(p && page_test(p, PG_active) && !page_test(p, PG_referenced),
		   "classic: the second mark activated the page and cleared PG_referenced");
	else
		ok(p && !page_test(p, PG_active), "MGLRU: no activation (a tier is counted)");
	a = map_and_read(t, (int)fd, 4, -1);
	is(active_pages(t, a, 4 * P), classic ? 4 : 0, "%s: numa_maps active=%d", mode,
	   classic ? 4 : 0);
	mmsim_sys_munmap(t, a, 4 * P);

	/* The same under MADV_SEQUENTIAL (munmap) and MADV_RANDOM (dontneed):
	 * the VMA has no recency, its young entries mark nothing. */
	const int advice[2] = { MADV_SEQUENTIAL, MADV_RANDOM };
	const char *name[2] = { "g", "h" };
	for (int k = 0; k < 2; k++) {
		const char *adv = k ? "MADV_RANDOM" : "MADV_SEQUENTIAL";
		long fd2 = mmsim_sys_open(t, name[k], MMSIM_O_RDWR | MMSIM_O_CREAT, 0666);
		ok(fd2 >= 0 && !mmsim_sys_ftruncate(t, (int)fd2, 4 * P), "%s, %s: a 4-page file",
		   mode, adv);
		act0 = pgactivate(mach);
		struct page *q = NULL;
		bool marked = false;
		for (int round = 0; round < 3; round++) {
			uint64_t b = map_and_read(t, (int)fd2, 4, advice[k]);
			q = page_at(t, b);
			if (k == 0)
				mmsim_sys_munmap(t, b, 4 * P);
			else
				mmsim_sys_madvise(t, b, 4 * P, MADV_DONTNEED);
			marked |= !q || page_test(q, PG_referenced) || page_test(q, PG_active);
			if (k == 1)
				mmsim_sys_munmap(t, b, 4 * P);
		}
		ok(!marked, "%s, %s: three unmaps of young entries never marked the page", mode,
		   adv);
		is(pgactivate(mach) - act0, 0, "%s, %s: pgactivate=0", mode, adv);
		mmsim_sys_close(t, (int)fd2);
	}

	/* Shared anonymous memory (shmem, not anonymous to the LRU) written,
	 * zapped by MADV_DONTNEED, written and zapped again. */
	act0 = pgactivate(mach);
	uint64_t s = (uint64_t)mmsim_sys_mmap(t, 0, 2 * P, RW, SHARED, -1, 0);
	uint64_t fa;
	mmsim_fill(t, s, 0x5a, 2 * P, &fa);
	struct page *sp = page_at(t, s);
	is(mmsim_sys_madvise(t, s, 2 * P, MADV_DONTNEED), 0, "%s: shared anonymous: dontneed",
	   mode);
	ok(sp && page_test(sp, PG_referenced), "%s: shared anonymous page marked accessed", mode);
	mmsim_fill(t, s, 0x5b, 2 * P, &fa);
	is(page_at(t, s), sp, "%s: written again, the same page", mode);
	is(mmsim_sys_madvise(t, s, 2 * P, MADV_DONTNEED), 0, "%s: second dontneed", mode);
	is(pgactivate(mach) - act0, classic ? 2 : 0, "%s: shared anonymous: pgactivate=%d", mode,
	   classic ? 2 : 0);
	is(peek(t, s + P), 0x5b, "%s: the data stayed", mode);
	is(active_pages(t, s, 2 * P), classic ? 2 : 0, "%s: numa_maps active=%d", mode,
	   classic ? 2 : 0);

	/* Private anonymous memory is never marked: a page the parent and a
	 * child share after fork keeps no PG_referenced when the parent
	 * unmaps its young entry. */
	uint64_t v = (uint64_t)mmsim_sys_mmap(t, 0, P, RW, PRIV, -1, 0);
	mmsim_fill(t, v, 1, 1, &fa);
	struct mmsim_task *child = NULL;
	is(mmsim_fork(t, "child", &child), 0, "%s: fork", mode);
	struct page *vp = page_at(t, v);
	is(mmsim_sys_munmap(t, v, P), 0, "%s: the parent unmaps a shared anonymous page", mode);
	ok(vp && page_at(child, v) == vp && !page_test(vp, PG_referenced),
	   "%s: an anonymous page is not marked", mode);
	mmsim_task_exit(child);

	mmsim_sys_close(t, (int)fd);
	mmsim_task_exit(t);
	mmsim_destroy(mach);
}

/*
 * mmsim_touch: the access without its data.  A store touch faults a page
 * in and dirties it, counts its bytes as stores and leaves the memory as
 * it was; a load touch of an unmapped address is SIGSEGV at that address.
 */
static void test_touch(void)
{
	printf("# mmsim_touch\n");
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 3 * P, RW, PRIV, -1, 0);
	is(mmsim_sys_munmap(t, a + 2 * P, P), 0, "a hole after two pages");
	is(mmsim_fill(t, a, 0x5a, P, NULL), 0, "page 0 written");
	uint64_t st0 = machine_counter(m, "stores"), ld0 = machine_counter(m, "loads");
	uint64_t fa0 = machine_counter(m, "faults_anon");
	is(mmsim_touch(t, a + P - 8, 16, true, NULL), 0, "a store touch across both pages");
	is(machine_counter(m, "stores") - st0, 16, "16 bytes counted as stores");
	is(machine_counter(m, "faults_anon") - fa0, 1, "page 1 faulted in");
	ok(pte(t, a + P).flags & PMAP_DIRTY, "page 1 mapped dirty");
	uint8_t b0 = 0, b1 = 1;
	mmsim_load8(t, a + P - 1, &b0);
	mmsim_load8(t, a + P, &b1);
	ok(b0 == 0x5a && b1 == 0, "the bytes are unchanged (0x%x, 0x%x)", b0, b1);
	is(mmsim_touch(t, a, 8, false, NULL), 0, "a load touch");
	is(machine_counter(m, "loads") - ld0, 2 + 8, "its 8 bytes counted as loads");
	uint64_t fa = 0;
	is(mmsim_touch(t, a + 2 * P - 4, 8, false, &fa), SIGSEGV, "into the hole: SIGSEGV");
	is(fa, a + 2 * P, "at the hole's first byte");
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
	test_demand_zero();
	test_sigsegv();
	test_shared();
	test_fork_cow();
	test_fork_zero_and_exit();
	test_touch();
	mmsim_destroy(m);
	test_zap_marks_accessed(MMSIM_LRU_CLASSIC);
	test_zap_marks_accessed(MMSIM_LRU_GEN);
	return done_testing();
}
