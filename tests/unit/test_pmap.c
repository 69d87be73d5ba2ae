/*
 * test_pmap.c - x86-64 page tables (src/hw/pmap.c): leaf round trips,
 * protections and flags, swap entries, range iteration, clearing, and
 * freeing page-table pages within floor/ceiling.
 *
 * Page-table pages come from a real machine's page allocator (mm_sys's
 * pt_ops); the frames the leaves point at are never touched here.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

static struct mmsim *m;
static struct mm_sys *s;

static struct pmap_entry swap_entry(uint64_t val, unsigned flags)
{
	struct pmap_entry e;
	memset(&e, 0, sizeof e);
	e.kind = PMAP_SWAP;
	e.swp = val;
	e.flags = (uint8_t)flags;
	return e;
}

static bool same(const struct pmap_entry *a, const struct pmap_entry *b)
{
	return a->kind == b->kind && a->prot == b->prot && a->flags == b->flags &&
	       a->pfn == b->pfn && a->swp == b->swp;
}

static void show(const char *what, const struct pmap_entry *e)
{
	printf("#   %s: kind %u prot %u flags %#x pfn %llu swp %llu\n", what, e->kind, e->prot,
	       e->flags, (unsigned long long)e->pfn, (unsigned long long)e->swp);
}

/* Sets e at va, then checks that lookups at va and va + off read it back. */
static void round_trip(struct pmap *pm, uint64_t va, struct pmap_entry e, uint64_t off,
		       const char *what)
{
	struct pmap_entry got;
	int err = pmap_set(pm, va, &e, NULL);
	is(err, 0, "%s: pmap_set", what);
	int kind = pmap_lookup(pm, va + off, &got);
	bool good = kind == e.kind && same(&got, &e);
	ok(good, "%s: lookup reads the same entry back", what);
	if (!good) {
		show("want", &e);
		show("got", &got);
	}
}

static void test_init(struct pmap *pm, struct mmsim_counters *cnt)
{
	uint64_t pt0 = s->node[1].nr_pagetable;
	is(pmap_init(pm, m->hw, 1, &s->pt_ops, s, cnt), 0, "pmap_init");
	is(pm->nr_tables, 1, "one table: the PGD");
	is(cnt->pt_alloc, 1, "pt_alloc counted");
	is(page_to_nid(s, pfn_to_page(s, pm->root_pfn)), 1, "PGD on the requested node");
	ok(page_test(pfn_to_page(s, pm->root_pfn), PG_table), "PGD frame is PG_table");
	is(s->node[1].nr_pagetable, pt0 + 1, "node 1 counts one page-table page");
	struct pmap_entry e;
	is(pmap_lookup(pm, 0x400000, &e), PMAP_EMPTY, "empty pmap: lookup finds nothing");
	is(pm->nr_tables, 1, "a lookup allocates no table");
}

static void test_round_trips(struct pmap *pm)
{
	struct pmap_entry e, old;
	uint64_t t0 = pm->nr_tables;

	round_trip(pm, 0x400000, leaf(1234, PMAP_R | PMAP_W, 0), 0, "4K RW");
	is(pm->nr_tables, t0 + 3, "first 4K leaf allocates PUD, PMD and PTE tables");
	round_trip(pm, 0x401000, leaf(1235, PMAP_R, 0), 0x123, "4K R, looked up unaligned");
	round_trip(pm, 0x402000, leaf(1236, PMAP_R | PMAP_X, 0), 0xfff, "4K RX");
	round_trip(pm, 0x403000, leaf(1237, PMAP_R | PMAP_W | PMAP_X, 0), 0, "4K RWX");
	round_trip(pm, 0x404000, leaf(1238, 0, 0), 0, "4K PROT_NONE keeps its pfn");
	round_trip(pm, 0x405000, leaf(1239, PMAP_R | PMAP_W, PMAP_DIRTY), 0, "dirty");
	round_trip(pm, 0x406000, leaf(1240, PMAP_R, PMAP_ACCESSED), 0, "accessed");
	round_trip(pm, 0x407000, leaf(1241, PMAP_R | PMAP_W, PMAP_DIRTY | PMAP_ACCESSED), 0,
		   "dirty + accessed");
	round_trip(pm, 0x408000, leaf(1242, PMAP_R, PMAP_SOFTDIRTY | PMAP_UFFD_WP), 0,
		   "soft-dirty + uffd-wp");
	round_trip(pm, 0x409000, leaf(1243, 0, PMAP_DIRTY | PMAP_ACCESSED | PMAP_SOFTDIRTY), 0,
		   "PROT_NONE keeps dirty/accessed/soft-dirty");
	round_trip(pm, 0x40a000, leaf(s->hw->nr_pfns - 1, PMAP_R, 0), 0, "highest frame");
	is(pm->nr_tables, t0 + 3, "leaves in the same PTE table allocate nothing more");

	is(pmap_lookup(pm, 0x40b000, &e), PMAP_EMPTY, "neighbour slot is empty");
	is(e.pfn, 0, "... and decodes as zeros");
	is(pmap_lookup(pm, 0x1000, &e), PMAP_EMPTY, "same PMD table, no PTE table: empty");
	is(pmap_lookup(pm, 0x7f0000000000ULL, &e), PMAP_EMPTY, "other PGD slot: empty");

	/* Overwrite returns the old entry, decoded. */
	struct pmap_entry n = leaf(4321, PMAP_R, PMAP_ACCESSED);
	is(pmap_set(pm, 0x405000, &n, &old), 0, "overwrite a leaf");
	struct pmap_entry was = leaf(1239, PMAP_R | PMAP_W, PMAP_DIRTY);
	ok(same(&old, &was), "pmap_set hands back the old leaf");
	n.kind = PMAP_EMPTY;
	n.pfn = 0;
	n.prot = 0;
	n.flags = 0;
	is(pmap_set(pm, 0x405000, &n, &old), 0, "clear a leaf with an EMPTY entry");
	ok(old.kind == PMAP_PAGE && old.pfn == 4321, "old leaf returned");
	is(pmap_lookup(pm, 0x405000, &e), PMAP_EMPTY, "now empty");
	is(pmap_set(pm, 0x4ff000, &n, &old), 0, "clearing an empty slot");
	is(old.kind, PMAP_EMPTY, "old is EMPTY");

	/* Swap entries: opaque values up to 2^54 - 1. */
	round_trip(pm, 0x410000, swap_entry(0x123456789ULL, 0), 0, "swap entry");
	round_trip(pm, 0x411000, swap_entry((1ULL << 54) - 1, 0), 0, "largest swap value");
	round_trip(pm, 0x412000, swap_entry(0, 0), 0, "swap value 0 is still an entry");
	round_trip(pm, 0x413000, swap_entry(0x2aaaaaaaaaaaaaULL, 0), 0, "alternating bits");

	/* 2 MiB leaves. */
	uint64_t t1 = pm->nr_tables;
	round_trip(pm, 0x40000000, leaf(0x200, PMAP_R | PMAP_W, PMAP_HUGE | PMAP_DIRTY), 0,
		   "2M RW at 1 GiB");
	is(pm->nr_tables, t1 + 1, "a 2 MiB leaf needs only a PMD table");
	is(pmap_lookup(pm, 0x40000000 + 0x1fffff, &e), PMAP_PAGE, "last byte of the huge page");
	ok(e.pfn == 0x200 && (e.flags & PMAP_HUGE), "... gives the head frame, HUGE");
	round_trip(pm, 0x40200000, leaf(0x400, PMAP_R | PMAP_X, PMAP_HUGE), 0x12345, "2M RX");
	round_trip(pm, 0x40400000, leaf(0x600, 0, PMAP_HUGE | PMAP_ACCESSED), 0, "2M PROT_NONE");
	round_trip(pm, 0x40600000, swap_entry(777, PMAP_HUGE), 0x1000, "2M swap (PMD level)");
	is(pm->nr_tables, t1 + 1, "still one more table");

	/* A 2 MiB leaf cannot go where a PTE table is. */
	struct pmap_entry h = leaf(0x800, PMAP_R, PMAP_HUGE);
	is(pmap_set(pm, 0x400000, &h, NULL), -EINVAL, "2M leaf over a PTE table: -EINVAL");
	is(pmap_lookup(pm, 0x400000, &e), PMAP_PAGE, "the 4K leaf is untouched");
	is(e.pfn, 1234, "... same frame");
	ok(!(e.flags & PMAP_HUGE), "... not huge");

	/* Huge over huge: replaced, old returned. */
	h = leaf(0xa00, PMAP_R, PMAP_HUGE);
	is(pmap_set(pm, 0x40200000, &h, &old), 0, "2M leaf over a 2M leaf");
	ok(old.kind == PMAP_PAGE && old.pfn == 0x400 && (old.flags & PMAP_HUGE) &&
		   old.prot == (PMAP_R | PMAP_X),
	   "old huge leaf returned decoded");
}

/*
 * A 4 KiB leaf cannot be written where a 2 MiB leaf is: the slot is the
 * PMD's, and writing a PTE-format entry there would turn the huge page's
 * frame into a "PTE table" (pmap_set's own comment: "a huge leaf is in
 * the way" -> -EINVAL).
 */
static void test_4k_over_huge(void)
{
	struct pmap pm;
	struct mmsim_counters cnt;
	struct pmap_entry e;
	memset(&cnt, 0, sizeof cnt);
	pmap_init(&pm, m->hw, 0, &s->pt_ops, s, &cnt);
	struct pmap_entry h = leaf(0x200, PMAP_R | PMAP_W, PMAP_HUGE);
	is(pmap_set(&pm, 0x600000, &h, NULL), 0, "2M leaf at 6 MiB");
	struct pmap_entry small = leaf(77, PMAP_R, 0);
	is(pmap_set(&pm, 0x601000, &small, NULL), -EINVAL, "4K leaf inside a 2M leaf: -EINVAL");
	is(pmap_set(&pm, 0x600000, &small, NULL), -EINVAL, "... also at the huge leaf's start");
	is(pmap_lookup(&pm, 0x600000, &e), PMAP_PAGE, "the huge leaf is still there");
	ok(e.pfn == 0x200 && (e.flags & PMAP_HUGE) && e.prot == (PMAP_R | PMAP_W), "... unchanged");
	is(pm.nr_tables, 3, "no PTE table was allocated");
	h.kind = PMAP_EMPTY;
	pmap_set(&pm, 0x600000, &h, NULL);
	pmap_destroy(&pm);
}

static void test_split_huge(void)
{
	struct pmap pm;
	struct mmsim_counters cnt;
	struct pmap_entry e;
	memset(&cnt, 0, sizeof cnt);
	pmap_init(&pm, m->hw, 0, &s->pt_ops, s, &cnt);
	ok(pmap_pmd_none(&pm, 0x800000), "no PMD entry yet");
	struct pmap_entry h = leaf(0x400, PMAP_R | PMAP_X, PMAP_HUGE | PMAP_DIRTY | PMAP_SOFTDIRTY);
	pmap_set(&pm, 0x800000, &h, NULL);
	ok(!pmap_pmd_none(&pm, 0x8ff000), "a huge leaf fills the PMD slot");
	is(pm.nr_tables, 3, "PGD, PUD, PMD");
	is(pmap_split_huge(&pm, 0x812345), 0, "split the 2 MiB leaf");
	is(pm.nr_tables, 4, "a PTE table was added");
	bool good = true;
	unsigned n = 0;
	struct pmap_iter it;
	pmap_iter_init(&it, &pm, 0x800000, 0xa00000);
	while (pmap_iter_next(&it, &e)) {
		if (it.size != PAGE_SIZE || it.va != 0x800000 + n * PAGE_SIZE ||
		    e.pfn != 0x400 + n || e.prot != (PMAP_R | PMAP_X) ||
		    e.flags != (PMAP_DIRTY | PMAP_SOFTDIRTY) || e.kind != PMAP_PAGE)
			good = false;
		n++;
	}
	is(n, 512, "512 4 KiB leaves");
	ok(good, "consecutive frames, same protection and flags, not HUGE");
	is(pmap_split_huge(&pm, 0x800000), -EINVAL, "splitting again: no huge leaf, -EINVAL");
	is(pmap_split_huge(&pm, 0x40000000), -EINVAL, "nothing mapped: -EINVAL");
	pmap_iter_init(&it, &pm, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e))
		pmap_iter_clear(&it, NULL);
	pmap_destroy(&pm);
	is(cnt.pt_alloc, cnt.pt_free, "all tables freed");
}

struct seen {
	uint64_t va, size, pfn, swp;
	uint8_t kind;
};

static unsigned walk(struct pmap *pm, uint64_t start, uint64_t end, struct seen *out, unsigned max)
{
	struct pmap_iter it;
	struct pmap_entry e;
	unsigned n = 0;
	pmap_iter_init(&it, pm, start, end);
	while (pmap_iter_next(&it, &e)) {
		if (n < max) {
			out[n].va = it.va;
			out[n].size = it.size;
			out[n].pfn = e.pfn;
			out[n].swp = e.swp;
			out[n].kind = e.kind;
		}
		n++;
	}
	return n;
}

/* The sparse layout the iteration tests walk. */
static const struct seen LAYOUT[] = {
	{ 0x1000, PAGE_SIZE, 11, 0, PMAP_PAGE },
	{ 0x3000, PAGE_SIZE, 12, 0, PMAP_PAGE },
	{ 0x1ff000, PAGE_SIZE, 13, 0, PMAP_PAGE },	/* last slot of the first PTE table */
	{ 0x200000, PAGE_SIZE, 14, 0, PMAP_PAGE },	/* first slot of the next one */
	{ 0x3ffff000, PAGE_SIZE, 15, 0, PMAP_PAGE },	/* last page below 1 GiB */
	{ 0x40000000, PMD_SIZE, 0x400, 0, PMAP_PAGE },	/* 2 MiB leaf at 1 GiB */
	{ 0x40200000, PAGE_SIZE, 0, 99, PMAP_SWAP },	/* swap entry right after it */
	{ 0x7ffffff000ULL, PAGE_SIZE, 16, 0, PMAP_PAGE },	/* last page of PGD slot 0 */
	{ 0x8000000000ULL, PAGE_SIZE, 17, 0, PMAP_PAGE },	/* first page of PGD slot 1 */
	{ 0x8040000000ULL, PMD_SIZE, 0x600, 0, PMAP_PAGE },	/* 2M at 513 GiB */
	{ 0x7fffffffe000ULL, PAGE_SIZE, 18, 0, PMAP_PAGE },	/* last user page */
};
#define NLAYOUT (sizeof LAYOUT / sizeof LAYOUT[0])

static void build_layout(struct pmap *pm)
{
	for (unsigned i = 0; i < NLAYOUT; i++) {
		struct pmap_entry e = LAYOUT[i].kind == PMAP_SWAP
					      ? swap_entry(LAYOUT[i].swp, 0)
					      : leaf(LAYOUT[i].pfn, PMAP_R,
						     LAYOUT[i].size == PMD_SIZE ? PMAP_HUGE : 0);
		pmap_set(pm, LAYOUT[i].va, &e, NULL);
	}
}

/* Walks [start, end) and expects exactly LAYOUT[first .. first + n). */
static void expect_walk(struct pmap *pm, uint64_t start, uint64_t end, unsigned first, unsigned n,
			const char *what)
{
	struct seen got[32];
	unsigned k = walk(pm, start, end, got, 32);
	bool good = k == n;
	for (unsigned i = 0; good && i < n; i++) {
		const struct seen *w = &LAYOUT[first + i];
		if (got[i].va != w->va || got[i].size != w->size || got[i].kind != w->kind ||
		    got[i].pfn != w->pfn || got[i].swp != w->swp)
			good = false;
	}
	ok(good, "%s: visits exactly %u leaves, in order", what, n);
	if (!good) {
		printf("#   visited %u:", k);
		for (unsigned i = 0; i < k && i < 32; i++)
			printf(" %#llx/%llu", (unsigned long long)got[i].va,
			       (unsigned long long)got[i].size);
		printf("\n");
	}
}

static void test_iter(void)
{
	struct pmap pm;
	struct mmsim_counters cnt;
	memset(&cnt, 0, sizeof cnt);
	pmap_init(&pm, m->hw, 0, &s->pt_ops, s, &cnt);
	build_layout(&pm);
	/* Tables: PGD 1; PUD: slot 0, slot 1, slot 255 = 3; PMD: [0,1G),
	 * [1G,2G), [511G,512G), [512G,513G), [513G,514G), top GiB = 6;
	 * PTE: [0,2M), [2M,4M), [1G-2M,1G), [1G+2M,1G+4M), [512G-2M,512G),
	 * [512G,512G+2M), top = 7. */
	is(pm.nr_tables, 1 + 3 + 6 + 7, "17 page-table pages for the sparse layout");

	expect_walk(&pm, 0, TASK_SIZE, 0, NLAYOUT, "whole user range");
	expect_walk(&pm, 0x2000, 0x200000, 1, 2, "[8K, 2M)");
	expect_walk(&pm, 0x3000, 0x3001, 1, 1, "a one-byte range");
	expect_walk(&pm, 0x4000, 0x1ff000, 0, 0, "a hole inside a PTE table");
	expect_walk(&pm, 0x1ff000, 0x201000, 2, 2, "across a PMD boundary");
	expect_walk(&pm, 0x3ffff000, 0x40400000, 4, 3, "across the 1 GiB (PUD) boundary");
	expect_walk(&pm, 0x40000000, 0x40200000, 5, 1, "exactly the 2 MiB leaf");
	expect_walk(&pm, 0x7ffffff000ULL, 0x8000001000ULL, 7, 2,
		    "across the 512 GiB (PGD) boundary");
	expect_walk(&pm, 0x7fc0000000ULL, 0x8040200000ULL, 7, 3, "PGD boundary to a 2M leaf");
	expect_walk(&pm, 0x8000001000ULL, 0x7fffffffe000ULL, 9, 1, "up to the last user page");
	expect_walk(&pm, 0x80000000ULL, 0x7fc0000000ULL, 0, 0, "[2G, 511G): empty");
	expect_walk(&pm, 0x8080000000ULL, 0x7fffffff0000ULL, 0, 0, "[514G, top - 64K): empty");
	expect_walk(&pm, 0x7fffffff0000ULL, TASK_SIZE, 10, 1, "last user page");

	/* A range that starts inside the huge leaf still meets it once. */
	struct seen got[4];
	unsigned k = walk(&pm, 0x40100000, 0x40200000, got, 4);
	ok(k == 1 && got[0].va == 0x40000000 && got[0].size == PMD_SIZE,
	   "a range inside a 2M leaf visits it once, at its aligned start");

	/* pmap_iter_write: rewrite the leaves of [0, 4M) as RW + dirty. */
	struct pmap_iter it;
	struct pmap_entry e;
	unsigned rw = 0;
	pmap_iter_init(&it, &pm, 0, 0x400000);
	while (pmap_iter_next(&it, &e)) {
		e.prot = PMAP_R | PMAP_W;
		e.flags |= PMAP_DIRTY;
		pmap_iter_write(&it, &e);
		rw++;
	}
	is(rw, 4, "iter_write visited 4 leaves");
	pmap_lookup(&pm, 0x1ff000, &e);
	ok(e.prot == (PMAP_R | PMAP_W) && e.flags == PMAP_DIRTY && e.pfn == 13,
	   "iter_write changed prot and flags, kept the frame");
	pmap_lookup(&pm, 0x3ffff000, &e);
	is(e.prot, PMAP_R, "leaf outside the range untouched");

	/* pmap_iter_clear over [0, 1G + 4M): clears 4K, 2M and swap leaves. */
	struct seen cleared[16];
	unsigned nc = 0;
	pmap_iter_init(&it, &pm, 0, 0x40400000);
	while (pmap_iter_next(&it, &e)) {
		struct pmap_entry old;
		pmap_iter_clear(&it, &old);
		if (nc < 16) {
			cleared[nc].va = it.va;
			cleared[nc].pfn = old.pfn;
			cleared[nc].kind = old.kind;
			cleared[nc].swp = old.swp;
			cleared[nc].size = (old.flags & PMAP_HUGE) ? PMD_SIZE : PAGE_SIZE;
		}
		nc++;
	}
	is(nc, 7, "iter_clear visited 7 leaves");
	bool good = nc == 7;
	for (unsigned i = 0; good && i < 7; i++)
		good = cleared[i].va == LAYOUT[i].va && cleared[i].pfn == LAYOUT[i].pfn &&
		       cleared[i].kind == LAYOUT[i].kind && cleared[i].swp == LAYOUT[i].swp &&
		       cleared[i].size == LAYOUT[i].size;
	ok(good, "iter_clear returned each old leaf (4K, 2M, swap)");
	expect_walk(&pm, 0, 0x40400000, 0, 0, "cleared range");
	expect_walk(&pm, 0, TASK_SIZE, 7, 4, "the rest is still there");
	is(pm.nr_tables, 17, "clearing leaves frees no table");

	/* Free all the now-empty tables below 512 GiB with no neighbours:
	 * PTE x4 ([0,2M) [2M,4M) [1G-2M,1G) [1G+2M,1G+4M)), PMD [0,1G) and
	 * [1G,2G); PGD slot 0's PUD keeps [511G,512G). */
	unsigned freed = pmap_free_tables(&pm, 0, 0x40400000, 0, 0x7ffffff000ULL, NULL, NULL);
	is(freed, 6, "6 tables freed below the next leaf's table");
	is(pm.nr_tables, 11, "nr_tables 11");
	is(cnt.pt_free, 6, "pt_free counted");

	/* Clear everything; free the rest. */
	pmap_iter_init(&it, &pm, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e))
		pmap_iter_clear(&it, NULL);
	freed = pmap_free_tables(&pm, 0, TASK_SIZE, 0, 0, NULL, NULL);
	is(freed, 10, "everything but the PGD freed");
	is(pm.nr_tables, 1, "only the PGD is left");
	expect_walk(&pm, 0, TASK_SIZE, 0, 0, "empty pmap");
	pmap_destroy(&pm);
	is(pm.nr_tables, 0, "pmap_destroy freed the PGD");
	is(cnt.pt_alloc, cnt.pt_free, "as many tables freed as allocated");
}

struct collect {
	uint64_t pfn[64];
	unsigned n;
};

static void collect_fn(void *arg, uint64_t pfn)
{
	struct collect *c = arg;
	if (c->n < 64)
		c->pfn[c->n] = pfn;
	c->n++;
}

static void test_free_tables(void)
{
	struct pmap pm;
	struct mmsim_counters cnt;
	struct pmap_entry e, none;
	struct collect col;
	uint64_t free0 = node_free_pages(s, 1);
	uint64_t pt0 = s->node[1].nr_pagetable;

	memset(&cnt, 0, sizeof cnt);
	memset(&none, 0, sizeof none);
	memset(&col, 0, sizeof col);
	pmap_init(&pm, m->hw, 1, &s->pt_ops, s, &cnt);
	/* A and B share PTE table T0 = [0, 2M); C sits in T2 = [4M, 6M); one
	 * PMD table M0 = [0, 1G), one PUD table. */
	e = leaf(1, PMAP_R, 0);
	pmap_set(&pm, 0x1000, &e, NULL);
	pmap_set(&pm, 0x5000, &e, NULL);
	pmap_set(&pm, 0x400000, &e, NULL);
	is(pm.nr_tables, 5, "PGD, PUD, PMD and two PTE tables");
	is(s->node[1].nr_pagetable, pt0 + 5, "node 1 counts 5 page-table pages");
	is(node_free_pages(s, 1), free0 - 5, "5 frames taken from node 1");

	pmap_set(&pm, 0x5000, &none, NULL);
	is(pmap_free_tables(&pm, 0x5000, 0x6000, 0x2000, 0x400000, NULL, NULL), 0,
	   "T0 still maps A: nothing freed");
	pmap_set(&pm, 0x1000, &none, NULL);
	is(pmap_free_tables(&pm, 0x5000, 0x6000, 0x2000, 0x400000, NULL, NULL), 0,
	   "T0 empty but starts below floor 8K: kept");
	is(pmap_free_tables(&pm, 0x5000, 0x6000, 0, 0x1ff000, NULL, NULL), 0,
	   "T0 empty but ends above ceiling 2M-4K: kept");
	is(pmap_free_tables(&pm, 0x800000, 0x900000, 0, 0, NULL, NULL), 0,
	   "range [8M, 9M) does not meet T0: kept");
	is(pm.nr_tables, 5, "still 5 tables");
	is(pmap_free_tables(&pm, 0x5000, 0x6000, 0, 0x200000, collect_fn, &col), 1,
	   "floor 0, ceiling 2M: T0 freed");
	is(col.n, 1, "free_fn called once");
	ok(col.n == 1 && page_test(pfn_to_page(s, col.pfn[0]), PG_table),
	   "free_fn got a page-table frame, not yet released");
	is(node_free_pages(s, 1), free0 - 5, "free_fn owns the frame: node count unchanged");
	is(pm.nr_tables, 4, "nr_tables 4");
	is(cnt.pt_free, 1, "pt_free 1");
	s->pt_ops.free_table(s, col.pfn[0]);
	is(node_free_pages(s, 1), free0 - 4, "released by the caller");
	is(pmap_lookup(&pm, 0x400000, &e), PMAP_PAGE, "C still mapped through M0");

	pmap_set(&pm, 0x400000, &none, NULL);
	is(pmap_free_tables(&pm, 0x400000, 0x401000, 0, 0x10000000, NULL, NULL), 1,
	   "ceiling 256M: T2 freed, M0 ([0, 1G)) kept");
	is(pm.nr_tables, 3, "PGD, PUD, M0");
	is(pmap_free_tables(&pm, 0x400000, 0x401000, 0x1000, 0, NULL, NULL), 0,
	   "floor 4K: M0 starts below it, kept");
	is(pmap_free_tables(&pm, 0x400000, 0x401000, 0, 0, NULL, NULL), 2,
	   "no floor or ceiling: M0 and the PUD freed");
	is(pm.nr_tables, 1, "only the PGD left");
	is(cnt.pt_free, 4, "pt_free 4");
	is(s->node[1].nr_pagetable, pt0 + 1, "node 1 counts one page-table page");
	is(node_free_pages(s, 1), free0 - 1, "node 1 got its frames back");
	pmap_destroy(&pm);
	is(node_free_pages(s, 1), free0, "pmap_destroy gave the PGD back");
	is(s->node[1].nr_pagetable, pt0, "no page-table page counted");

	/* Huge leaves: a PMD table with only a cleared 2 MiB leaf is freed
	 * whole (no PTE table under it). */
	pmap_init(&pm, m->hw, 1, &s->pt_ops, s, &cnt);
	e = leaf(0x200, PMAP_R, PMAP_HUGE);
	pmap_set(&pm, 0x80000000ULL, &e, NULL);	/* 2 GiB */
	is(pm.nr_tables, 3, "PGD, PUD, PMD for a 2M leaf");
	none.flags = PMAP_HUGE;
	pmap_set(&pm, 0x80000000ULL, &none, NULL);
	is(pmap_free_tables(&pm, 0x80000000ULL, 0x80200000ULL, 0x40000000ULL, 0xc0000000ULL, NULL,
			    NULL),
	   1, "floor 1G, ceiling 3G: the PMD table [2G, 3G) freed, the PUD kept");
	is(pmap_free_tables(&pm, 0x80000000ULL, 0x80200000ULL, 0, 0, NULL, NULL), 1,
	   "then the PUD");
	pmap_destroy(&pm);
	is(node_free_pages(s, 1), free0, "node 1 back where it started");
}

static void test_destroy(void)
{
	struct pmap pm;
	struct mmsim_counters cnt;
	uint64_t free0 = node_free_pages(s, 0);
	memset(&cnt, 0, sizeof cnt);
	pmap_init(&pm, m->hw, 0, &s->pt_ops, s, &cnt);
	build_layout(&pm);
	is(pm.nr_tables, 17, "17 tables");
	is(node_free_pages(s, 0), free0 - 17, "17 frames of node 0");
	struct pmap_iter it;
	struct pmap_entry e;
	pmap_iter_init(&it, &pm, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e))
		pmap_iter_clear(&it, NULL);
	pmap_destroy(&pm);
	is(pm.nr_tables, 0, "pmap_destroy frees every table");
	is(cnt.pt_free, 17, "pt_free 17");
	is(node_free_pages(s, 0), free0, "all frames back");
}

int main(void)
{
	struct mmsim_config cfg;
	test_config(&cfg);
	if (mmsim_create(&cfg, &m)) {
		ok(0, "machine");
		return done_testing();
	}
	s = &m->mm;

	struct pmap pm;
	struct mmsim_counters cnt;
	memset(&cnt, 0, sizeof cnt);
	test_init(&pm, &cnt);
	test_round_trips(&pm);
	/* Tear down: clear leaves and free everything. */
	struct pmap_iter it;
	struct pmap_entry e;
	pmap_iter_init(&it, &pm, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e))
		pmap_iter_clear(&it, NULL);
	pmap_destroy(&pm);
	is(cnt.pt_alloc, cnt.pt_free, "round-trip pmap: every table freed");

	test_4k_over_huge();
	test_split_huge();
	test_iter();
	test_free_tables();
	test_destroy();

	mmsim_destroy(m);
	return done_testing();
}
