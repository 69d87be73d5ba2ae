/*
 * test_swap.c - swap through the public API: swapon/swapoff and their
 * errors, MADV_PAGEOUT of anonymous memory (swap entries, pswpout, the
 * page kept in the swap cache after its write, as Linux 6.12 on a disk),
 * swap-in from the cache and from the area (pswpin, major faults), the
 * slot freed by a write fault, fork sharing swapped pages, munmap freeing
 * slots, swapoff reading everything back, migration of swap-cache pages,
 * pageout without swap, shared memory (swap values in its object), and
 * memory pressure (faults reclaiming, with and without swap); every step
 * ends with the debug audit clean (slot
 * counts against swap entries, swap cache against SWAP_HAS_CACHE).
 *
 * Machine: 2 nodes, 2 CPUs, 64 MiB per node.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>

#include "kernel/kernel.h"	/* the area's slots: swap_free_slots() */
#include "harness.h"
#include "tap.h"

#define P 4096ULL
#define N 16
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static struct mmsim *machine(void)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	test_config(&cfg);
	if (mmsim_create(&cfg, &m))
		return NULL;
	return m;
}

static uint64_t ev(struct mmsim *m, enum mmsim_vmstat_event e)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	return vs.ev[e];
}

/* Page i of the range holds byte 0x40 + i (+ salt). */
static void fill(struct mmsim_task *t, uint64_t a, int salt)
{
	for (int i = 0; i < N; i++)
		mmsim_fill(t, a + i * P, 0x40 + i + salt, P, NULL);
}

/* Every page still holds what fill() wrote: the pages that do not. */
static int wrong_pages(struct mmsim_task *t, uint64_t a, int salt)
{
	static uint8_t buf[P];
	int bad = 0;
	for (int i = 0; i < N; i++) {
		if (mmsim_load(t, a + i * P, buf, P, NULL)) {
			bad++;
			continue;
		}
		for (uint64_t k = 0; k < P; k++)
			if (buf[k] != (uint8_t)(0x40 + i + salt)) {
				bad++;
				break;
			}
	}
	return bad;
}

/* How many of the N pages move_pages finds present (status >= 0). */
static int present(struct mmsim_task *t, uint64_t a, int *node)
{
	uint64_t pages[N];
	int status[N], n = 0;
	for (int i = 0; i < N; i++)
		pages[i] = a + i * P;
	mmsim_sys_move_pages(t, 0, N, pages, NULL, status, 0);
	for (int i = 0; i < N; i++)
		if (status[i] >= 0) {
			n++;
			if (node)
				*node = status[i];
		}
	return n;
}

static uint64_t smaps_kb(struct mmsim_task *t, uint64_t a, enum mmsim_smaps_field f)
{
	struct mmsim_smaps sm;
	if (mmsim_smaps(t, a, a + N * P, &sm, 1) < 1)
		return ~0ULL;
	return sm.kb[f];
}

static uint64_t swapcache(struct mmsim_task *t, uint64_t a)
{
	struct mmsim_numa_maps nm;
	if (mmsim_numa_maps(t, a, a + N * P, &nm, 1) < 1)
		return ~0ULL;
	return nm.swapcache;
}

static void test_errors(void)
{
	printf("# swapon and swapoff: their errors\n");
	struct mmsim *m = machine();
	is(mmsim_swapoff(m), -EINVAL, "swapoff without swap: EINVAL");
	is(mmsim_swapon(m, P, NULL), -EINVAL, "one page (the header alone): EINVAL");
	is(mmsim_swapon(m, 2 * P, NULL), 0, "two pages: one slot");
	is(mmsim_swapon(m, 2 * P, NULL), -EBUSY, "a second area: EBUSY");
	is(mmsim_swapoff(m), 0, "swapoff");
	is(mmsim_swapoff(m), -EINVAL, "swapoff twice: EINVAL");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

/* A mapping of N pages, filled, on a machine with swap: its address. */
static uint64_t swapped_setup(struct mmsim *m, struct mmsim_task *t)
{
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, N * P, RW, PRIV, -1, 0);
	fill(t, a, 0);
	(void)m;
	return a;
}

static void test_pageout_and_back(void)
{
	printf("# pageout: swap entries, pages kept in the swap cache, read back without I/O\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon 1M");
	uint64_t a = swapped_setup(m, t);
	uint64_t out0 = ev(m, MMSIM_VM_pswpout), in0 = ev(m, MMSIM_VM_pswpin);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "madvise(MADV_PAGEOUT)");
	is(ev(m, MMSIM_VM_pswpout) - out0, N, "every page written to swap (pswpout)");
	is(present(t, a, NULL), 0, "no page mapped: move_pages says ENOENT");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), N * 4, "smaps Swap: 64 kB");
	is(smaps_kb(t, a, MMSIM_SMAPS_SwapPss), N * 4, "SwapPss: all ours");
	is(smaps_kb(t, a, MMSIM_SMAPS_Rss), 0, "Rss 0");
	is(mmsim_debug_check(m), 0, "audit clean with pages swapped out");
	uint64_t sw0 = machine_counter(m, "faults_swap");
	is(wrong_pages(t, a, 0), 0, "data read back");
	is(ev(m, MMSIM_VM_pswpin) - in0, 0, "from the swap cache: no read (pswpin 0)");
	is(machine_counter(m, "faults_swap") - sw0, N, "one swap-in fault per page");
	is(swapcache(t, a), N, "numa_maps: swapcache=16 (read faults keep the slots)");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), 0, "Swap 0 once mapped again");

	printf("# pageout of clean swap-cache pages frees them; the next read comes from the area\n");
	uint64_t maj0 = ev(m, MMSIM_VM_pgmajfault);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout again");
	is(ev(m, MMSIM_VM_pswpout) - out0, N, "clean: nothing written again");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(wrong_pages(t, a, 0), 0, "data read back from the area");
	is(ev(m, MMSIM_VM_pswpin) - in0, N, "pswpin counts every page read");
	/* Cluster readahead, from the boot state (hits 4: window 8): slots
	 * 1-7, 8-15, then 16 - three misses, the rest read ahead and hit. */
	is(ev(m, MMSIM_VM_pgmajfault) - maj0, 3, "3 major faults (readahead windows of 8 slots)");
	is(ev(m, MMSIM_VM_swap_ra), 13, "13 pages read ahead");
	is(ev(m, MMSIM_VM_swap_ra_hit), 13, "13 readahead hits");

	printf("# a write fault on a swap-cache page frees its slot\n");
	fill(t, a, 0);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "stored to, paged out a third time");
	is(ev(m, MMSIM_VM_pswpout) - out0, 2 * N, "dirty: written again, kept in the cache");
	mmsim_fill(t, a, 0x99, 1, NULL);
	is(swapcache(t, a), 0, "the written page is not in the swap cache");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), (N - 1) * 4, "the other 15 still swapped");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_swapoff(m), 0, "swapoff");
	is(present(t, a, NULL), N, "every page back after swapoff");
	mmsim_fill(t, a, 0x40, 1, NULL);
	is(wrong_pages(t, a, 0), 0, "data intact");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_fork_and_munmap(void)
{
	printf("# fork copies swap entries; both read the same data; COW after swap-in\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0), *c = NULL;
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = swapped_setup(m, t);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(mmsim_fork(t, "child", &c), 0, "fork");
	is(smaps_kb(c, a, MMSIM_SMAPS_Swap), N * 4, "the child's entries are swap entries");
	is(smaps_kb(c, a, MMSIM_SMAPS_SwapPss), N * 2, "SwapPss halved: two entries per slot");
	is(mmsim_debug_check(m), 0, "audit: each slot counted twice");
	fill(c, a, 1);
	is(wrong_pages(c, a, 1), 0, "the child wrote its own copies");
	is(wrong_pages(t, a, 0), 0, "the parent still reads its data");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_task_exit(c);

	printf("# munmap frees the slots: swapoff reads nothing\n");
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout (slots from swap-in kept)");
	uint64_t in0 = ev(m, MMSIM_VM_pswpin);
	is(mmsim_sys_munmap(t, a, N * P), 0, "munmap");
	is(mmsim_debug_check(m), 0, "audit clean: no slot left in use");
	is(mmsim_swapoff(m), 0, "swapoff");
	is(ev(m, MMSIM_VM_pswpin) - in0, 0, "nothing read");
	mmsim_destroy(m);
}

/* Slots in use now. */
static uint64_t slots_used(struct mmsim *m)
{
	return swap_total_slots(&m->mm) - swap_free_slots(&m->mm);
}

static void test_unmap_frees_swap_cache(void)
{
	printf("# unmapping a page mapped from the swap cache frees its slot (free_swap_cache)\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = swapped_setup(m, t);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(slots_used(m), N, "16 slots used");
	is(wrong_pages(t, a, 0), 0, "read back: mapped from the swap cache, slots kept");
	is(slots_used(m), N, "still 16");
	is(mmsim_sys_madvise(t, a, 4 * P, MADV_DONTNEED), 0, "MADV_DONTNEED of 4 pages");
	is(slots_used(m), N - 4, "their slots freed with their pages");
	is(mmsim_sys_munmap(t, a + 4 * P, 4 * P), 0, "munmap of 4 more");
	is(slots_used(m), N - 8, "freed too");
	mmsim_task_exit(t);
	is(slots_used(m), 0, "exit frees the rest");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_swapoff_shmem(void)
{
	printf("# swapoff reads shared memory's swapped pages back into their objects\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, N * P, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill(t, a, 3);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout (kept in the swap cache)");
	is(wrong_pages(t, a, 3), 0, "read back");
	fill(t, a, 4);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "stored to, paged out again");
	uint64_t in0 = ev(m, MMSIM_VM_pswpin);
	is(mmsim_swapoff(m), 0, "swapoff with the object's pages on swap");
	is(ev(m, MMSIM_VM_pswpin) - in0, 0, "they were in the swap cache: nothing read");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), 0, "no Swap left");
	is(wrong_pages(t, a, 4), 0, "data intact");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_zero_pages(void)
{
	printf("# all-zero pages are not written (Linux 6.12's zeromap) and read back without I/O\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, N * P, RW, PRIV, -1, 0);
	mmsim_fill(t, a, 0, N * P, NULL);	/* stored zeros: real pages */
	mmsim_fill(t, a + P, 7, 1, NULL);	/* but one byte of page 1 */
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(ev(m, MMSIM_VM_pswpout), 1, "only the page that is not all zeros is written");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), N * 4, "yet every page is swapped out");
	is(slots_used(m), N, "each holding a slot");
	is(swapcache(t, a), 0, "none mapped");
	uint8_t b = 1;
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += mmsim_load8(t, a + i * P, &b) || b != (i == 1 ? 7 : 0);
	is(bad, 0, "read back: zeros, and the one byte");
	is(ev(m, MMSIM_VM_pswpin), 0, "the written page was still in the swap cache, the others read as zeros");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_destroy(m);
}

static void test_migrate_swapcache(void)
{
	printf("# move_pages moves swap-cache pages; the swap cache follows\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = swapped_setup(m, t);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(wrong_pages(t, a, 0), 0, "read back: mapped from the swap cache");
	uint64_t pages[N];
	int nodes[N], status[N];
	for (int i = 0; i < N; i++) {
		pages[i] = a + i * P;
		nodes[i] = 1;
	}
	is(mmsim_sys_move_pages(t, 0, N, pages, nodes, status, MMSIM_MPOL_MF_MOVE), 0,
	   "move_pages to node 1");
	int node = -1;
	is(present(t, a, &node), N, "all present");
	is(node, 1, "on node 1");
	is(swapcache(t, a), N, "still in the swap cache");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout the new pages (clean: freed)");
	is(wrong_pages(t, a, 0), 0, "data intact through migration and swap");
	mmsim_destroy(m);
}

static void test_no_swap(void)
{
	printf("# without swap, pageout keeps anonymous pages (activated)\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = swapped_setup(m, t);
	uint64_t act0 = ev(m, MMSIM_VM_pgactivate);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(present(t, a, NULL), N, "every page still mapped");
	is(ev(m, MMSIM_VM_pgactivate) - act0, N, "each activated");
	is(ev(m, MMSIM_VM_pswpout), 0, "nothing swapped");
	is(mmsim_sys_mlock(t, a, N * P), 0, "mlock");
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), -EINVAL, "pageout of locked memory: EINVAL");
	is(wrong_pages(t, a, 0), 0, "data intact");
	mmsim_destroy(m);
}

static void test_full_area(void)
{
	printf("# a full swap area: the pages that found no slot stay\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 5 * P, NULL), 0, "swapon: 4 slots");
	uint64_t a = swapped_setup(m, t);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(ev(m, MMSIM_VM_pswpout), 4, "4 pages swapped out");
	is(present(t, a, NULL), N - 4, "12 still mapped");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(wrong_pages(t, a, 0), 0, "data intact");
	mmsim_destroy(m);
}

static void test_shmem(void)
{
	printf("# shared memory goes to swap through the swap cache; its object keeps swap values\n");
	struct mmsim *m = machine();
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, N * P, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill(t, a, 0);
	uint64_t out0 = ev(m, MMSIM_VM_pswpout), in0 = ev(m, MMSIM_VM_pswpin);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout");
	is(ev(m, MMSIM_VM_pswpout) - out0, N, "every page written");
	is(present(t, a, NULL), 0, "nothing mapped");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), N * 4, "smaps Swap: the object's swapped pages");
	is(smaps_kb(t, a, MMSIM_SMAPS_SwapPss), 0, "no SwapPss (no swap entry in a page table)");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(wrong_pages(t, a, 0), 0, "data back (from the swap cache)");
	is(ev(m, MMSIM_VM_pswpin) - in0, 0, "nothing read");
	is(smaps_kb(t, a, MMSIM_SMAPS_Swap), 0, "back in the object: no Swap");
	struct mmsim_task *c = NULL;
	is(mmsim_fork(t, "child", &c), 0, "fork: the child shares the object");
	is(wrong_pages(c, a, 0), 0, "the child reads it: mapped twice");
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout of pages the child maps too:");
	is(present(t, a, NULL), N, "left alone (mapped by another process)");
	mmsim_task_exit(c);
	is(mmsim_sys_madvise(t, a, N * P, MADV_PAGEOUT), 0, "pageout, the child gone");
	is(ev(m, MMSIM_VM_pswpout) - out0, 2 * N, "written again (dirty: the object's only copy)");
	is(mmsim_sys_munmap(t, a, N * P), 0, "munmap: the object goes with its swap values");
	is(mmsim_debug_check(m), 0, "audit clean");
	uint64_t in1 = ev(m, MMSIM_VM_pswpin);
	is(mmsim_swapoff(m), 0, "swapoff: no slot left");
	is(ev(m, MMSIM_VM_pswpin), in1, "nothing read");
	mmsim_destroy(m);
}

/*
 * The last reference to a shared-memory object goes (munmap) while a
 * reclaim holds one of its pages locked and is about to write it out:
 * the teardown must wait for the page, as Linux's truncation does, and
 * the writeout must find the object still there.  Here the test is the
 * reclaim: it holds the page (referenced and locked, as isolation leaves
 * it), waits until the munmap sleeps on it, and writes it out.
 */
struct teardown {
	struct mmsim_task *t;
	uint64_t a;
	int ret;
};

static void *munmap_main(void *arg)
{
	struct teardown *d = arg;
	d->ret = mmsim_sys_munmap(d->t, d->a, N * P);
	return NULL;
}

static void test_shmem_teardown_race(void)
{
	printf("# the last unmap of shared memory waits for a reclaim holding one of its pages\n");
	struct mmsim *m = machine();
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	is(mmsim_swapon(m, 1ULL << 20, NULL), 0, "swapon");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, N * P, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill(t, a, 5);
	struct page *p = page_at(t, a + 3 * P);
	get_page(p);
	lock_page(p);
	struct teardown d = { t, a, -1 };
	pthread_t th;
	pthread_create(&th, NULL, munmap_main, &d);
	ok(wait_for_sleeper(p), "the teardown sleeps on the locked page");
	ok(p->mapping != 0, "the page is still in its object");
	is(shmem_writeout(s, p), 0, "writeout: the page goes to the swap cache");
	ok(page_test(p, PG_swapcache) && !p->mapping, "in the swap cache, out of the object");
	unlock_page(p);
	pthread_join(th, NULL);
	is(d.ret, 0, "munmap done once the page was released");
	is(slots_used(m), 0, "the object's swap value is freed with it");
	ok(!page_test(p, PG_swapcache), "and the slot's page left the swap cache (free_swap_and_cache)");
	is(page_count(p), 1, "only the reclaim's reference is left");
	put_page(s, p);
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_swapoff(m), 0, "swapoff");
	mmsim_destroy(m);
}

static void test_pressure(void)
{
	printf("# memory pressure: a fault that finds no free page reclaims\n");
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.cpus = 1;
	cfg.mem_per_node = 16ULL << 20;
	is(mmsim_create(&cfg, &m), 0, "a machine of 16 MiB");
	struct mmsim_task *t = task_on(m, 0);
	const uint64_t len = 32ULL << 20, pages = len / P;
	/* MAP_NORESERVE: past the overcommit check, which counts swap. */
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV | MAP_NORESERVE, -1, 0);
	uint64_t fault = 0;
	is(mmsim_fill(t, a, 0x5a, len, &fault), SIGKILL,
	   "without swap, 32 MiB cannot fit: the OOM killer takes the task");
	ok(fault > a && fault < a + len, "the fault comes part of the way");
	ok(mmsim_task_killed(t), "the task is killed");
	is(ev(m, MMSIM_VM_oom_kill), 1, "oom_kill 1");
	mmsim_task_exit(t);
	t = task_on(m, 0);
	is(mmsim_swapon(m, 64ULL << 20, NULL), 0, "swapon 64 MiB");
	a = (uint64_t)mmsim_sys_mmap(t, 0, len, RW, PRIV, -1, 0);
	ok(a < (1ULL << 47), "mmap 32 MiB: memory and swap are enough now");
	int bad = 0;
	for (uint64_t i = 0; i < pages && !bad; i++)
		bad = mmsim_fill(t, a + i * P, (int)(i * 7 + 1) & 0xff, P, NULL) != 0;
	is(bad, 0, "with swap, every page written");
	ok(ev(m, MMSIM_VM_pswpout) >= pages / 2, "half of them or more went to swap");
	uint8_t b = 0;
	for (uint64_t i = 0; i < pages && !bad; i++)
		bad = mmsim_load8(t, a + i * P + 100, &b) || b != (uint8_t)((i * 7 + 1) & 0xff);
	is(bad, 0, "every page reads back what was written");
	ok(ev(m, MMSIM_VM_pswpin) > 0, "read back from swap");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_sys_munmap(t, a, len), 0, "munmap");
	is(mmsim_debug_check(m), 0, "audit clean: every slot freed");
	mmsim_destroy(m);
}

int main(void)
{
	test_errors();
	test_pageout_and_back();
	test_fork_and_munmap();
	test_unmap_frees_swap_cache();
	test_swapoff_shmem();
	test_zero_pages();
	test_migrate_swapcache();
	test_no_swap();
	test_full_area();
	test_shmem();
	test_shmem_teardown_race();
	test_pressure();
	return done_testing();
}
