/*
 * test_thp_refcount.c - the reference counts and mapcounts of a huge page
 * through fork, copy-on-write, munmap and migration, mapped by a PMD and
 * by PTEs (mm.h: every reference on the head, a mapcount per subpage, the
 * PMD mappings and the total on the first tail); the sharing rule
 * move_pages and migrate_pages apply to it (folio_likely_mapped_shared);
 * and the page audit (mmsim_debug_check) finding a corrupted count.
 *
 * Machine: 2 nodes, 2 CPUs, THP always, 64 MiB per node.  Tasks run on
 * CPU 0 (node 0).  Counts are read after draining the LRU add batches,
 * which hold references of their own.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mmsim *m;

static struct page *head_at(struct mmsim_task *t, uint64_t addr)
{
	return page_at(t, addr);
}

static int refs(struct page *head)
{
	lru_add_drain_all(&m->mm);
	return page_count(head);
}

/* Every tail's own refcount is 0 (references are the head's). */
static bool tails_hold_nothing(struct page *head)
{
	for (unsigned i = 1; i < HPAGE_PMD_NR; i++)
		if (head[i].refcount)
			return false;
	return true;
}

/* How many subpages have exactly `want` PTE mappings. */
static unsigned subpages_mapped(struct page *head, int want)
{
	unsigned n = 0;
	for (unsigned i = 0; i < HPAGE_PMD_NR; i++)
		n += head[i].mapcount == want;
	return n;
}

/* Byte b of every page in [addr, addr + n pages) is what it should be. */
static unsigned bad_bytes(struct mmsim_task *t, uint64_t addr, unsigned n, uint8_t want)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t b[2];
		uint64_t fa;
		if (mmsim_load(t, addr + i * P + 100, b, 2, &fa) || b[0] != want || b[1] != want)
			bad++;
	}
	return bad;
}

static int move_one(struct mmsim_task *t, uint64_t addr, int node, int flags, int *status)
{
	uint64_t pages[1] = { addr };
	int nodes[1] = { node };
	*status = -12345;
	return (int)mmsim_sys_move_pages(t, 0, 1, pages, nodes, status, flags);
}

/* A 2 MiB mapping of t, filled with byte, mapped by one PMD. */
static uint64_t huge_filled(struct mmsim_task *t, uint8_t byte)
{
	uint64_t h = (uint64_t)mmsim_sys_mmap(t, 0, PMD_SIZE, RW, PRIV, -1, 0);
	uint64_t fa;
	if (mmsim_fill(t, h, byte, PMD_SIZE, &fa))
		return 0;
	return h;
}

/* Splits the PMD of the huge page at h into PTEs (mprotect of one page
 * and back), as the reproduction does. */
static bool split_by_mprotect(struct mmsim_task *t, uint64_t h)
{
	return !mmsim_sys_mprotect(t, h + P, P, PROT_READ) &&
	       !mmsim_sys_mprotect(t, h + P, P, RW);
}

static void test_fork_of_pte_mapped(void)
{
	printf("# 1. fork of a PTE-mapped huge page, the child unmaps, the parent COWs\n");
	struct mmsim_task *par = task_on(m, 0), *kid = NULL;
	uint64_t h = huge_filled(par, 0x11);
	struct page *head = head_at(par, h);
	ok(head && head->order == MAX_ORDER && (pte(par, h).flags & PMAP_HUGE), "a PMD maps an order-9 page");
	is(refs(head), 1, "refcount 1");
	ok(folio_mapcount(head) == 1 && folio_entire_mapcount(head) == 1 && subpages_mapped(head, 0) == HPAGE_PMD_NR,
	   "one PMD mapping, no PTE mapping");
	is(mmsim_debug_check(m), 0, "audit clean");

	ok(split_by_mprotect(par, h), "mprotect splits the PMD");
	ok(!(pte(par, h).flags & PMAP_HUGE) && head_at(par, h + 7 * P) == head, "PTEs map the subpages");
	is(refs(head), HPAGE_PMD_NR, "refcount 512: one per PTE, on the head");
	ok(folio_mapcount(head) == HPAGE_PMD_NR && folio_entire_mapcount(head) == 0 &&
	   subpages_mapped(head, 1) == HPAGE_PMD_NR, "each subpage mapped once, no PMD");
	ok(tails_hold_nothing(head), "tails hold no reference");
	is(mmsim_debug_check(m), 0, "audit clean");

	is(mmsim_fork(par, "kid", &kid), 0, "fork");
	is(refs(head), 2 * HPAGE_PMD_NR, "refcount 1024 after fork (it was 514: tails took them)");
	ok(folio_mapcount(head) == 2 * HPAGE_PMD_NR && subpages_mapped(head, 2) == HPAGE_PMD_NR,
	   "each subpage mapped twice");
	ok(tails_hold_nothing(head), "tails hold no reference");
	is(mmsim_debug_check(m), 0, "audit clean");

	is(mmsim_sys_munmap(kid, h, PMD_SIZE), 0, "the child unmaps it all");
	is(refs(head), HPAGE_PMD_NR, "refcount back to 512");
	is(subpages_mapped(head, 1), HPAGE_PMD_NR, "each subpage mapped once");
	uint64_t fa;
	is(mmsim_fill(par, h + 5 * P, 0x33, 1, &fa), 0, "the parent writes h+5p (copy-on-write)");
	ok(head_at(par, h + 5 * P) != head, "h+5p now maps a copy");
	is(refs(head), HPAGE_PMD_NR - 1, "refcount 511: the huge page is still mapped, not freed");
	ok(head[5].mapcount == 0 && folio_mapcount(head) == HPAGE_PMD_NR - 1, "subpage 5 unmapped");
	is(mmsim_debug_check(m), 0, "audit clean");

	uint64_t g = huge_filled(par, 0x44);
	struct page *gh = head_at(par, g);
	ok(gh && gh != head, "a new huge page elsewhere");
	is(bad_bytes(par, h + 6 * P, HPAGE_PMD_NR - 6, 0x11), 0, "h keeps its data (no block shared with g)");
	is(bad_bytes(par, g, HPAGE_PMD_NR, 0x44), 0, "g has its own");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_task_exit(kid);
	mmsim_task_exit(par);
}

static void test_migration_after_fork(void)
{
	printf("# 2. a PTE-mapped huge page shared after fork moves with MOVE_ALL\n");
	struct mmsim_task *par = task_on(m, 0), *kid = NULL;
	uint64_t h = huge_filled(par, 0x11);
	ok(split_by_mprotect(par, h), "split by mprotect");
	is(mmsim_fork(par, "kid", &kid), 0, "fork");
	int st;
	is(move_one(par, h, 1, MMSIM_MPOL_MF_MOVE, &st), 0, "move_pages without MOVE_ALL");
	is(st, -EACCES, "status EACCES: the child maps it too");
	is(move_one(par, h, 1, MMSIM_MPOL_MF_MOVE_ALL, &st), 0, "move_pages with MOVE_ALL: 0");
	is(st, 1, "status 1");
	struct page *head = head_at(par, h);
	ok(head && page_to_nid(&m->mm, head) == 1, "the parent's pages are on node 1");
	ok(head_at(kid, h) == head, "the child maps the same moved page");
	is(refs(head), 2 * HPAGE_PMD_NR, "refcount 1024 on the new head");
	ok(folio_mapcount(head) == 2 * HPAGE_PMD_NR && subpages_mapped(head, 2) == HPAGE_PMD_NR,
	   "each new subpage mapped twice");
	is(bad_bytes(par, h, HPAGE_PMD_NR, 0x11), 0, "the parent reads its data");
	is(bad_bytes(kid, h, HPAGE_PMD_NR, 0x11), 0, "so does the child");
	is(mmsim_debug_check(m), 0, "audit clean");
	uint64_t fa;
	is(mmsim_fill(kid, h + 9 * P, 0x55, P, &fa), 0, "the child writes a page");
	is(bad_bytes(par, h + 9 * P, 1, 0x11), 0, "the parent's copy is untouched");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_task_exit(kid);
	mmsim_task_exit(par);
}

static void test_sharing_rule(void)
{
	printf("# 3. folio_likely_mapped_shared: PMD elsewhere, first subpage, exclusive again\n");
	struct mmsim_task *par = task_on(m, 0), *kid = NULL;
	uint64_t h = huge_filled(par, 0x11);
	int st;
	is(mmsim_fork(par, "kid", &kid), 0, "fork: both map it by a PMD");
	uint64_t fa;
	is(mmsim_fill(kid, h + 256 * P, 0x22, 1, &fa), 0, "the child writes h+256p: its PMD splits");
	struct page *head = head_at(par, h);
	ok((pte(par, h).flags & PMAP_HUGE) && !(pte(kid, h).flags & PMAP_HUGE),
	   "the parent keeps its PMD, the child has PTEs");
	ok(folio_entire_mapcount(head) == 1 && head->mapcount == 1, "entire 1, first subpage 1 PTE");
	is(move_one(kid, h, 1, 0, &st), 0, "the child moves h");
	is(st, -EACCES, "EACCES: a PMD maps it elsewhere");
	is(move_one(kid, h + 5 * P, 1, 0, &st), 0, "and h+5p");
	is(st, -EACCES, "EACCES too");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_task_exit(kid);
	mmsim_task_exit(par);

	par = task_on(m, 0);
	h = huge_filled(par, 0x11);
	is(mmsim_fork(par, "kid", &kid), 0, "fork again");
	is(mmsim_sys_munmap(par, h + 256 * P, 256 * P), 0, "the parent unmaps the upper half");
	is(mmsim_sys_munmap(kid, h + P, 511 * P), 0, "the child keeps only the first subpage");
	head = head_at(par, h);
	ok(head->mapcount == 2 && head[5].mapcount == 1, "first subpage mapped twice, h+5p once");
	is(move_one(par, h + 5 * P, 1, 0, &st), 0, "the parent moves h+5p");
	is(st, -EACCES, "EACCES: the guess looks at the first subpage");
	is(mmsim_debug_check(m), 0, "audit clean");
	is(mmsim_sys_munmap(kid, h, P), 0, "the child unmaps the first subpage too");
	is(move_one(par, h + 5 * P, 1, 0, &st), 0, "the parent moves h+5p again");
	is(st, 1, "now it moves");
	is(bad_bytes(par, h, 256, 0x11), 0, "data intact");
	is(mmsim_debug_check(m), 0, "audit clean");
	mmsim_task_exit(kid);
	mmsim_task_exit(par);
}

static void test_audit_finds(void)
{
	printf("# 4. the audit finds each kind of wrong count\n");
	struct mmsim_task *t = task_on(m, 0);
	uint64_t h = huge_filled(t, 0x11);
	ok(split_by_mprotect(t, h), "a PTE-mapped huge page");
	struct page *head = head_at(t, h);
	is(mmsim_debug_check(m), 0, "clean to start with");

	head[3].refcount++;
	ok(mmsim_debug_check(m) > 0, "a reference on a tail");
	head[3].refcount--;
	head[7].mapcount++;
	ok(mmsim_debug_check(m) > 0, "a subpage mapcount above its PTEs");
	head[7].mapcount--;
	head[1].entire_mapcount++;
	ok(mmsim_debug_check(m) > 0, "a PMD count with no PMD");
	head[1].entire_mapcount--;
	head->refcount -= 10;
	ok(mmsim_debug_check(m) > 0, "refcount below mapcount");
	head->refcount += 10;
	is(mmsim_debug_check(m), 0, "clean again");

	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, RW, PRIV, -1, 0);
	uint64_t fa;
	mmsim_fill(t, a, 1, 4 * P, &fa);
	struct page *p = head_at(t, a);
	p->mapcount++;
	ok(mmsim_debug_check(m) > 0, "a small page's mapcount above its PTEs");
	p->mapcount--;
	is(mmsim_debug_check(m), 0, "clean again");
	mmsim_task_exit(t);
}

int main(void)
{
	struct mmsim_config cfg;
	test_config(&cfg);
	cfg.thp = MMSIM_THP_ALWAYS;
	if (mmsim_create(&cfg, &m)) {
		printf("Bail out! no machine\n");
		return 1;
	}
	test_fork_of_pte_mapped();
	test_migration_after_fork();
	test_sharing_rule();
	test_audit_finds();
	mmsim_destroy(m);
	return done_testing();
}
