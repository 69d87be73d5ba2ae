/*
 * test_page_alloc.c - the per-node buddy allocator (src/mm/page_alloc.c).
 *
 * Machine: 2 nodes of 8 MiB (2048 frames, four order-9 blocks each), 2
 * CPUs.  Linux's boot-time min_free_kbytes for 16 MiB is int_sqrt(16 x
 * 16384) = 512 kB, 128 pages, 64 per node; the step to low and high is
 * max(64 / 4, 2048 x 10 / 10000) = 16: watermarks 64, 80, 96.  Node 0 gives its lowest frame to
 * the shared zero page at boot; node 1 is untouched until a test uses it,
 * and every test gives back all it took.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kernel/kernel.h"
#include "tap.h"

#define MEM_PER_NODE (8ULL << 20)
#define NODE_PAGES (MEM_PER_NODE >> PAGE_SHIFT) /* 2048 */
#define WM_MIN 64
#define WM_LOW 80
#define WM_HIGH 96
#define NODE1_START NODE_PAGES

static struct mmsim *m;
static struct mm_sys *s;

static struct mmsim *make_machine(void)
{
	struct mmsim_config cfg;
	struct mmsim *mm_;
	mmsim_config_default(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 2;
	cfg.mem_per_node = MEM_PER_NODE;
	if (mmsim_create(&cfg, &mm_))
		return NULL;
	return mm_;
}

/* Compares a node's free counts per order with want[]; prints mismatches.
 * Also checks that each free list really holds nr_free blocks (order 9:
 * with the untouched part's), that every listed block is a PG_buddy head
 * of that order, and the node total. */
static bool free_areas_are(unsigned nid, const uint64_t want[NR_ORDERS])
{
	struct pglist_data *nd = &s->node[nid];
	bool good = true;
	uint64_t total = 0;
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		uint64_t len = 0;
		for (struct list_head *l = nd->free_area[o].list.next; l != &nd->free_area[o].list;
		     l = l->next) {
			struct page *p = list_entry(l, struct page, lru);
			if (!page_test(p, PG_buddy) || p->private != o ||
			    page_to_pfn(s, p) % (1ULL << o) || page_to_nid(s, p) != nid) {
				printf("#   node %u order %u: bad block at pfn %llu\n", nid, o,
				       (unsigned long long)page_to_pfn(s, p));
				good = false;
			}
			len++;
		}
		if (o == MAX_ORDER)	/* and the untouched blocks after them */
			len += (nd->start_pfn + nd->nr_pages - nd->untouched_pfn) >> MAX_ORDER;
		if (len != nd->free_area[o].nr_free || nd->free_area[o].nr_free != want[o]) {
			printf("#   node %u order %u: nr_free %llu, list %llu, want %llu\n", nid, o,
			       (unsigned long long)nd->free_area[o].nr_free,
			       (unsigned long long)len, (unsigned long long)want[o]);
			good = false;
		}
		total += want[o] << o;
	}
	if (node_free_pages(s, nid) != total) {
		printf("#   node %u: node_free_pages %llu, want %llu\n", nid,
		       (unsigned long long)node_free_pages(s, nid), (unsigned long long)total);
		good = false;
	}
	return good;
}

static const uint64_t FRESH[NR_ORDERS] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 4 };
static const uint64_t ONE_TAKEN[NR_ORDERS] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 3 };
/* Node 0 at boot: the zero page and the vDSO's 2 pages took its 3 lowest
 * frames, leaving 509 of the first block (1 + 4 + 8 + ... + 256). */
static const uint64_t BOOT_TAKEN[NR_ORDERS] = { 1, 0, 1, 1, 1, 1, 1, 1, 1, 3 };
#define BOOT_PAGES (1 + VDSO_PAGES)

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_struct_page(void)
{
	ok(sizeof(struct page) <= 64, "struct page is %zu bytes, at most 64", sizeof(struct page));
}

static void test_boot_layout(void)
{
	is(s->nr_nodes, 2, "two nodes");
	is(s->node[0].nr_pages, NODE_PAGES, "node 0 has 2048 frames");
	is(s->node[1].start_pfn, NODE1_START, "node 1 starts at pfn 2048");
	is(s->min_free_kbytes, 512, "min_free_kbytes is Linux's int_sqrt(16 x 16384) = 512");
	is(s->watermark_scale_factor, 10, "watermark_scale_factor 10");
	is(s->node[1].wmark[WMARK_MIN], WM_MIN, "min watermark: half of 128 pages, 64");
	is(s->node[1].wmark[WMARK_LOW], WM_LOW, "low: min + max(min/4, 0.1%%) = 80");
	is(s->node[1].wmark[WMARK_HIGH], WM_HIGH, "high: min + 2 x 16 = 96");
	ok(free_areas_are(1, FRESH), "fresh node 1: four order-9 blocks, nothing else");
	is(s->zero_pfn, 0, "the zero page is node 0's lowest frame");
	ok(page_test(pfn_to_page(s, s->zero_pfn), PG_reserved), "zero page is PG_reserved");
	ok(page_test(pfn_to_page(s, s->vdso_pfn[0]), PG_reserved) &&
	   page_test(pfn_to_page(s, s->vdso_pfn[1]), PG_reserved), "the vDSO's pages are PG_reserved");
	ok(free_areas_are(0, BOOT_TAKEN), "node 0 after the zero page and the vDSO's 2 pages");
}

static void test_split_and_merge_order0(void)
{
	struct page *p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	ok(p != NULL, "order-0 allocation on node 1");
	if (!p)
		return;
	is(page_to_pfn(s, p), NODE1_START, "it is node 1's lowest frame");
	is(page_to_nid(s, p), 1, "on node 1");
	is(p->refcount, 1, "refcount 1");
	is(p->order, 0, "order 0");
	ok(!page_test(p, PG_buddy) && !page_test(p, PG_head) && !page_test(p, PG_tail),
	   "not buddy, head or tail");
	ok(page_test(p, PG_used), "PG_used set");
	ok(free_areas_are(1, ONE_TAKEN), "split left one block of each order 0..8, three order-9");
	is(node_free_pages(s, 1), NODE_PAGES - 1, "node 1 free pages 2047");
	free_pages(s, p, 0);
	ok(free_areas_are(1, FRESH), "free merges back to four order-9 blocks");
	ok(page_test(p, PG_buddy) && p->private == 9, "freed frame heads an order-9 buddy block");
}

static void test_orders(void)
{
	struct page *pg[NR_ORDERS];
	uint64_t used = 0;
	bool aligned = true, on_node = true, heads = true, tails = true;

	for (unsigned o = 0; o < NR_ORDERS; o++) {
		pg[o] = alloc_pages_node(s, NULL, 1, o, GFP_THISNODE);
		if (!pg[o]) {
			ok(0, "order-%u allocation", o);
			return;
		}
		used += 1ULL << o;
		uint64_t pfn = page_to_pfn(s, pg[o]);
		if (pfn % (1ULL << o))
			aligned = false;
		if (page_to_nid(s, pg[o]) != 1 || hw_pfn_node(m->hw, pfn + (1ULL << o) - 1) != 1)
			on_node = false;
		if (pg[o]->order != o || pg[o]->refcount != 1 || (o > 0) != page_test(pg[o], PG_head))
			heads = false;
		for (uint64_t i = 1; i < (1ULL << o); i++)
			if (!page_test(pg[o] + i, PG_tail) || compound_head(pg[o] + i) != pg[o])
				tails = false;
	}
	ok(aligned, "each order-n block is 2^n-aligned");
	ok(on_node, "every block lies wholly on node 1");
	ok(heads, "heads: order, refcount 1, PG_head for order > 0");
	ok(tails, "tails: PG_tail, compound_head() finds the head");
	is(used, 1023, "orders 0..9 take 1023 frames");
	is(node_free_pages(s, 1), NODE_PAGES - 1023, "node 1 free pages 1025");
	/* Orders 0..8 came out of the first block (511 frames plus its own
	 * lowest frame, left over as one order-0 block), order 9 took a whole
	 * second block: 1 + 2*512 free = 1025. */
	static const uint64_t after[NR_ORDERS] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	ok(free_areas_are(1, after), "free areas after orders 0..9: one order-0 and two order-9");
	is(page_to_pfn(s, pg[9]), NODE1_START + 512, "the order-9 block is the second block");

	/* Free largest first. */
	for (int o = MAX_ORDER; o >= 0; o--)
		free_pages(s, pg[o], (unsigned)o);
	ok(free_areas_are(1, FRESH), "freeing orders 9..0 merges back to four order-9 blocks");

	/* Again, freeing smallest first; through put_page this time. */
	for (unsigned o = 0; o < NR_ORDERS; o++)
		pg[o] = alloc_pages_node(s, NULL, 1, o, GFP_THISNODE);
	ok(free_areas_are(1, after), "same layout on the second round");
	for (unsigned o = 0; o < NR_ORDERS; o++)
		put_page(s, pg[o]);
	ok(free_areas_are(1, FRESH), "put_page on orders 0..9 merges back to four order-9 blocks");

	ok(alloc_pages_node(s, NULL, 1, MAX_ORDER + 1, 0) == NULL, "order 10 is refused");
	ok(alloc_pages_node(s, NULL, 2, 0, 0) == NULL, "node 2 does not exist");
	ok(free_areas_are(1, FRESH), "failed allocations took nothing");
}

static void test_merge_any_order(void)
{
	static struct page *pg[1024];
	bool dense = true;

	/* One block's worth of order-0 pages: exactly the 512 frames of the
	 * block at the head of the order-9 list. */
	uint64_t base = page_to_pfn(s, list_entry(s->node[1].free_area[9].list.next, struct page, lru));
	static bool seen[512];
	memset(seen, 0, sizeof seen);
	for (unsigned i = 0; i < 512; i++) {
		pg[i] = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
		if (!pg[i] || page_to_pfn(s, pg[i]) < base || page_to_pfn(s, pg[i]) >= base + 512 ||
		    seen[page_to_pfn(s, pg[i]) - base])
			dense = false;
		else
			seen[page_to_pfn(s, pg[i]) - base] = true;
	}
	ok(dense, "512 order-0 pages are the 512 frames of one order-9 block");
	static const uint64_t three[NR_ORDERS] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };
	ok(free_areas_are(1, three), "three order-9 blocks left");

	/* Free in a scrambled order: i * 167 mod 512 is a permutation. */
	for (unsigned k = 0; k < 511; k++)
		free_pages(s, pg[(k * 167) % 512], 0);
	is(node_free_pages(s, 1), NODE_PAGES - 1, "all but one freed: 2047 free");
	is(s->node[1].free_area[9].nr_free, 3, "no order-9 block yet while one frame is out");
	free_pages(s, pg[(511 * 167) % 512], 0);
	ok(free_areas_are(1, FRESH), "scrambled frees merge back to four order-9 blocks");

	/* 1024 pages; free the even frames first: no buddy pair is free, so
	 * nothing may merge. */
	for (unsigned i = 0; i < 1024; i++)
		pg[i] = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	static const uint64_t two[NR_ORDERS] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	ok(free_areas_are(1, two), "1024 pages take two blocks");
	for (unsigned i = 0; i < 1024; i++)
		if (page_to_pfn(s, pg[i]) % 2 == 0)
			free_pages(s, pg[i], 0);
	static const uint64_t evens[NR_ORDERS] = { 512, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	ok(free_areas_are(1, evens), "even frames freed: 512 lone order-0 blocks, no merge");
	for (int i = 1023; i >= 0; i--)
		if (page_to_pfn(s, pg[i]) % 2 == 1)
			free_pages(s, pg[i], 0);
	ok(free_areas_are(1, FRESH), "odd frames freed (descending): four order-9 blocks again");
}

static void test_fallback(void)
{
	static struct page *pg[2 * NODE_PAGES];
	unsigned n = 0;
	struct page *other = NULL;
	uint64_t head1 = page_to_pfn(s, list_entry(s->node[1].free_area[9].list.next, struct page, lru));

	while (n < NODE_PAGES) {
		struct page *p = alloc_pages_node(s, NULL, 0, 0, 0);
		if (!p)
			break;
		if (page_to_nid(s, p) != 0) {
			other = p;
			break;
		}
		pg[n++] = p;
	}
	is(n, NODE_PAGES - BOOT_PAGES - WM_LOW, "node 0 gives 1965 pages, stopping at its low watermark");
	is(node_free_pages(s, 0), WM_LOW, "node 0 keeps 80 free frames");
	ok(other != NULL, "the next allocation falls back");
	if (other) {
		is(page_to_nid(s, other), 1, "... to node 1, above its own low watermark");
		is(page_to_pfn(s, other), head1, "... the first frame of its first free block");
	}
	ok(!s->node[0].kswapd_wake, "falling back to a node above low wakes no kswapd");
	/* GFP_THISNODE finds node 0 below low, wakes its kswapd, and takes
	 * what is left down to min (the slow path). */
	unsigned slow = 0;
	while (n < NODE_PAGES) {
		struct page *p = alloc_pages_node(s, NULL, 0, 0, GFP_THISNODE);
		if (!p)
			break;
		pg[n++] = p;
		slow++;
	}
	is(slow, WM_LOW - WM_MIN, "GFP_THISNODE then takes node 0 from low down to min: 16");
	ok(s->node[0].kswapd_wake && s->kswapd_pending, "... and wakes node 0's kswapd");
	ok(alloc_pages_node(s, NULL, 0, 1, GFP_THISNODE) == NULL, "an order-1 one fails at min too");
	is(node_free_pages(s, 0), WM_MIN, "the failures took nothing");
	struct page *r = alloc_pages_node(s, NULL, 0, 0, GFP_THISNODE | GFP_NOWATERMARK);
	ok(r && page_to_nid(s, r) == 0, "GFP_NOWATERMARK dips into node 0's reserve");
	is(node_free_pages(s, 0), WM_MIN - 1, "node 0 has 63 free frames");
	if (r)
		free_pages(s, r, 0);
	s->node[0].kswapd_wake = 0;
	s->kswapd_pending = 0;
	if (other)
		free_pages(s, other, 0);
	for (unsigned i = 0; i < n; i++)
		free_pages(s, pg[i], 0);
	ok(free_areas_are(0, BOOT_TAKEN), "node 0 back to its boot layout");
	ok(free_areas_are(1, FRESH), "node 1 back to four order-9 blocks");
}

static void test_watermark(void)
{
	static struct page *pg[NODE_PAGES];
	unsigned n = 0, r = 0;

	while (n < NODE_PAGES) {
		struct page *p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
		if (!p)
			break;
		pg[n++] = p;
	}
	is(n, NODE_PAGES - WM_MIN, "GFP_THISNODE stops at the min watermark: 1984 pages");
	is(node_free_pages(s, 1), WM_MIN, "64 frames stay in reserve");
	while (n < NODE_PAGES) {
		struct page *p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE | GFP_NOWATERMARK);
		if (!p)
			break;
		pg[n++] = p;
		r++;
	}
	is(r, WM_MIN, "GFP_NOWATERMARK takes exactly the 64 reserve frames");
	is(node_free_pages(s, 1), 0, "node 1 is empty");
	ok(alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE | GFP_NOWATERMARK) == NULL,
	   "nothing left even with GFP_NOWATERMARK");
	bool all1 = true;
	for (unsigned i = 0; i < n; i++)
		if (page_to_nid(s, pg[i]) != 1)
			all1 = false;
	ok(all1, "every page came from node 1");
	for (unsigned i = 0; i < n; i++)
		free_pages(s, pg[i], 0);
	ok(free_areas_are(1, FRESH), "node 1 back to four order-9 blocks");

	/* An order-1 request that would cross the watermark fails while an
	 * order-0 one still fits: the check is nr_free - 2^order >= min. */
	n = 0;
	while (node_free_pages(s, 1) > WM_MIN + 1)
		pg[n++] = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	is(node_free_pages(s, 1), WM_MIN + 1, "node 1 at min + 1 free");
	ok(alloc_pages_node(s, NULL, 1, 1, GFP_THISNODE) == NULL, "order 1 would cross min: refused");
	struct page *last = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	ok(last != NULL, "order 0 lands exactly on min: allowed");
	if (last)
		pg[n++] = last;
	for (unsigned i = 0; i < n; i++)
		free_pages(s, pg[i], 0);
	ok(free_areas_are(1, FRESH), "node 1 back to four order-9 blocks");
}

/*
 * The reserve below the min watermark is for GFP_NOWATERMARK allocations
 * only (page_alloc.c's header; Linux keeps the min reserve for atomic and
 * PF_MEMALLOC allocations): once every node is down to min, an ordinary
 * allocation must fail rather than dip into the reserves.
 */
static void test_reserve_needs_nowatermark(void)
{
	static struct page *pg[2 * NODE_PAGES];
	unsigned n = 0;

	while (n < 2 * NODE_PAGES) {
		struct page *p = alloc_pages_node(s, NULL, 0, 0, 0);
		if (!p)
			break;
		pg[n++] = p;
		if (node_free_pages(s, 0) == WM_MIN && node_free_pages(s, 1) == WM_MIN)
			break;
	}
	is(n, 2 * NODE_PAGES - BOOT_PAGES - 2 * WM_MIN, "plain allocations: both nodes down to min");
	struct page *p = alloc_pages_node(s, NULL, 0, 0, 0);
	ok(p == NULL, "a plain allocation does not dip below min on any node");
	if (p)
		pg[n++] = p;
	is(node_free_pages(s, 0) + node_free_pages(s, 1), 2 * WM_MIN,
	   "both reserves intact");
	struct page *q = alloc_pages_node(s, NULL, 0, 0, GFP_NOWATERMARK);
	ok(q && page_to_nid(s, q) == 0, "GFP_NOWATERMARK still gets a reserve frame of node 0");
	if (q)
		pg[n++] = q;
	for (unsigned i = 0; i < n; i++)
		free_pages(s, pg[i], 0);
	ok(free_areas_are(0, BOOT_TAKEN) && free_areas_are(1, FRESH), "all freed");
}

static void test_zeroing(void)
{
	struct hw_cpu *cpu = &m->hw->cpu[1];
	uint64_t zeroed0;

	/* Frame 2048: handed out, dirtied, freed. */
	struct page *p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	uint64_t pfn = page_to_pfn(s, p);
	is(pfn, NODE1_START, "first frame of node 1");
	memset(hw_frame(m->hw, pfn), 0xab, PAGE_SIZE);
	free_pages(s, p, 0);

	zeroed0 = cpu->cnt.pages_zeroed;
	p = alloc_pages_node(s, cpu, 1, 0, GFP_THISNODE);
	is(page_to_pfn(s, p), pfn, "same frame again without GFP_ZERO");
	is(hw_frame(m->hw, pfn)[100], 0xab, "without GFP_ZERO the old bytes are still there");
	is(cpu->cnt.pages_zeroed, zeroed0, "... and no zeroing was charged");
	free_pages(s, p, 0);

	p = alloc_pages_node(s, cpu, 1, 0, GFP_THISNODE | GFP_ZERO);
	is(page_to_pfn(s, p), pfn, "same frame again with GFP_ZERO");
	ok(all_zero(hw_frame(m->hw, pfn), PAGE_SIZE), "GFP_ZERO: all 4096 bytes zero");
	is(cpu->cnt.pages_zeroed, zeroed0 + 1, "one frame zeroed, charged to the CPU");

	/* A frame never handed out is zero already: the host skips the
	 * memset, but the kernel's clear_page is counted and charged. */
	struct page *q = alloc_pages_node(s, cpu, 1, 0, GFP_THISNODE | GFP_ZERO);
	is(page_to_pfn(s, q), pfn + 1, "next frame, never used before");
	ok(all_zero(hw_frame(m->hw, pfn + 1), PAGE_SIZE), "its bytes are zero");
	is(cpu->cnt.pages_zeroed, zeroed0 + 2, "a never-used frame's zeroing is counted too");
	free_pages(s, q, 0);
	free_pages(s, p, 0);

	/* Order 2: dirty one of its frames, free, take it again zeroed. */
	p = alloc_pages_node(s, NULL, 1, 2, GFP_THISNODE);
	is(page_to_pfn(s, p), pfn, "order-2 block at the first frame");
	memset(hw_frame(m->hw, pfn + 2), 0xcd, PAGE_SIZE);
	memset(hw_frame(m->hw, pfn + 3) + 4000, 0x11, 96);
	free_pages(s, p, 2);
	zeroed0 = cpu->cnt.pages_zeroed;
	p = alloc_pages_node(s, cpu, 1, 2, GFP_THISNODE | GFP_ZERO);
	is(page_to_pfn(s, p), pfn, "same order-2 block");
	ok(all_zero(hw_frame(m->hw, pfn), 4 * PAGE_SIZE), "GFP_ZERO order 2: 16 KiB of zeros");
	is(cpu->cnt.pages_zeroed, zeroed0 + 4, "four frames zeroed");
	free_pages(s, p, 2);

	/* Without a CPU to charge, zeroing still happens. */
	p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	memset(hw_frame(m->hw, pfn), 0x5a, PAGE_SIZE);
	free_pages(s, p, 0);
	p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE | GFP_ZERO);
	ok(page_to_pfn(s, p) == pfn && all_zero(hw_frame(m->hw, pfn), PAGE_SIZE),
	   "GFP_ZERO without a CPU zeroes too");
	free_pages(s, p, 0);
	ok(free_areas_are(1, FRESH), "node 1 back to four order-9 blocks");
}

static void test_refcount(void)
{
	struct page *p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	get_page(p);
	is(p->refcount, 2, "get_page: refcount 2");
	put_page(s, p);
	is(p->refcount, 1, "put_page: refcount 1");
	is(node_free_pages(s, 1), NODE_PAGES - 1, "still allocated");
	put_page(s, p);
	is(node_free_pages(s, 1), NODE_PAGES, "last put_page frees the frame");
	ok(free_areas_are(1, FRESH), "and it merged back");

	/* Compound page: a put on a tail page drops the head's reference. */
	p = alloc_pages_node(s, NULL, 1, 3, GFP_THISNODE);
	get_page(p);
	put_page(s, p + 5);
	is(p->refcount, 1, "put_page on a tail drops the head's count");
	is(node_free_pages(s, 1), NODE_PAGES - 8, "order-3 page still allocated");
	put_page(s, p + 7);
	is(node_free_pages(s, 1), NODE_PAGES, "last put (on a tail) frees all 8 frames");
	ok(free_areas_are(1, FRESH), "merged back");

	/* A page on an LRU list comes off it when freed. */
	p = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	uint64_t lru0 = lru_size(s, 1, LRU_INACTIVE_FILE) + lru_size(s, 1, LRU_ACTIVE_FILE);
	lru_cache_add(s, 0, p);
	is(p->refcount, 2, "an LRU batch slot holds a reference");
	lru_add_drain_cpu(s, 0);
	ok(page_test(p, PG_lru), "drained onto the LRU");
	is(p->refcount, 1, "the batch reference is dropped");
	is(lru_size(s, 1, LRU_INACTIVE_FILE) + lru_size(s, 1, LRU_ACTIVE_FILE), lru0 + 1,
	   "file LRU grew by one");
	put_page(s, p);
	ok(!page_test(p, PG_lru), "freed page left the LRU");
	is(lru_size(s, 1, LRU_INACTIVE_FILE) + lru_size(s, 1, LRU_ACTIVE_FILE), lru0,
	   "file LRU back");
	ok(free_areas_are(1, FRESH), "and the frame is free");
}

/* alloc_pages_bulk() leaves the free lists as many alloc_pages_node()
 * calls would, smallest blocks first; free_pages_bulk() leaves those that
 * freeing one by one leaves. */
static void test_bulk(void)
{
	static struct page *one[700], *bulk[700];
	uint64_t want[NR_ORDERS];

	/* Lone order-0 blocks to take first. */
	struct page *hold[3];
	for (unsigned i = 0; i < 3; i++)
		hold[i] = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	free_pages(s, hold[1], 0);
	for (unsigned i = 0; i < 700; i++)
		one[i] = alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE);
	for (unsigned o = 0; o < NR_ORDERS; o++)
		want[o] = s->node[1].free_area[o].nr_free;
	for (unsigned i = 0; i < 700; i++)
		free_pages(s, one[i], 0);
	unsigned got = alloc_pages_bulk(s, NULL, 1, GFP_THISNODE, 700, bulk);
	is(got, 700, "bulk: 700 pages");
	ok(free_areas_are(1, want), "the free lists 700 single allocations leave");
	bool fresh = true;
	for (unsigned i = 0; i < got; i++)
		fresh &= page_count(bulk[i]) == 1 && !page_test(bulk[i], PG_buddy) &&
			 page_to_nid(s, bulk[i]) == 1 && (!i || bulk[i] != bulk[i - 1]);
	ok(fresh, "each page fresh, on node 1, no page twice in a row");
	/* Scrambled order: runs and lone pages, in two calls. */
	static struct page *part[350];
	for (unsigned k = 0; k < 350; k++)
		part[k] = bulk[(k * 167) % 700];
	free_pages_bulk(s, part, 350);
	for (unsigned k = 350; k < 700; k++)
		part[k - 350] = bulk[(k * 167) % 700];
	free_pages_bulk(s, part, 350);
	free_pages(s, hold[0], 0);
	free_pages(s, hold[2], 0);
	ok(free_areas_are(1, FRESH), "bulk frees merge back to four order-9 blocks");

	/* Frames 1..13 of an aligned 16: what single frees would leave. */
	got = alloc_pages_bulk(s, NULL, 1, GFP_THISNODE, 16, bulk);
	is(got, 16, "16 pages");
	bool run = true;
	for (unsigned i = 1; i < 16; i++)
		run &= bulk[i] == bulk[0] + i;
	ok(run && page_to_pfn(s, bulk[0]) % 16 == 0, "an aligned run of 16 frames");
	free_pages_bulk(s, bulk + 1, 13);
	static const uint64_t gap[NR_ORDERS] = { 1, 2, 2, 0, 1, 1, 1, 1, 1, 3 };
	ok(free_areas_are(1, gap), "1 | 2-3 | 4-7 | 8-11 | 12-13 free, 0 and 14-15 not");
	struct page *rest[3] = { bulk[0], bulk[14], bulk[15] };
	free_pages_bulk(s, rest, 3);
	ok(free_areas_are(1, FRESH), "and with them, four order-9 blocks again");

	/* The watermark holds: bulk stops where single calls would. */
	uint64_t avail = node_free_pages(s, 1) - WM_MIN;
	static struct page *all[NODE_PAGES];
	got = alloc_pages_bulk(s, NULL, 1, GFP_THISNODE, NODE_PAGES, all);
	is(got, avail, "bulk stops at the min watermark (%llu pages)", (unsigned long long)avail);
	ok(!alloc_pages_node(s, NULL, 1, 0, GFP_THISNODE), "a single allocation fails there too");
	free_pages_bulk(s, all, got);
	ok(free_areas_are(1, FRESH), "all back");
}

/* pfn_to_nid() multiplies by a reciprocal: exact on awkward node sizes. */
static void test_pfn_to_nid(void)
{
	struct mmsim_config cfg;
	struct mmsim *m3;
	mmsim_config_default(&cfg);
	cfg.nodes = 3;
	cfg.mem_per_node = 1088ULL << 20;	/* 278528 frames: not a power of two */
	if (mmsim_create(&cfg, &m3)) {
		ok(0, "3-node machine");
		return;
	}
	struct mm_sys *s3 = &m3->mm;
	ok(s3->hw->node_magic != 0, "reciprocal in use");
	uint64_t bad = 0;
	for (uint64_t pfn = 0; pfn < m3->hw->nr_pfns; pfn++)
		bad += pfn_to_nid(s3, pfn) != pfn / m3->hw->pfns_per_node;
	is(bad, 0, "pfn_to_nid == pfn / pfns_per_node for every frame");
	mmsim_destroy(m3);
}

/* The fallback order of each node of a machine, as digits: "0231". */
static void zonelists(const struct mmsim_config *cfg, char out[][MMSIM_MAX_NODES + 1])
{
	struct mmsim *mach = NULL;
	if (mmsim_create(cfg, &mach)) {
		out[0][0] = 0;
		return;
	}
	for (unsigned a = 0; a < cfg->nodes; a++) {
		for (unsigned k = 0; k < cfg->nodes; k++)
			out[a][k] = (char)('0' + mach->mm.zonelist[a][k]);
		out[a][cfg->nodes] = 0;
	}
	mmsim_destroy(mach);
}

/* Linux's build_zonelists on a few layouts (worked by hand from its
 * find_next_best_node and node_load rules). */
static void test_zonelists(void)
{
	struct mmsim_config cfg;
	char z[MMSIM_MAX_NODES][MMSIM_MAX_NODES + 1];
	mmsim_config_default(&cfg);
	cfg.mem_per_node = MEM_PER_NODE;
	cfg.nodes = 4;
	cfg.cpus = 4;
	zonelists(&cfg, z);
	ok(!strcmp(z[0], "0123") && !strcmp(z[1], "1230") && !strcmp(z[2], "2301") &&
	   !strcmp(z[3], "3012"), "4 nodes, default SLIT: %s %s %s %s", z[0], z[1], z[2], z[3]);
	cfg.cpus = 2;	/* nodes 2 and 3 have memory only: the same order */
	zonelists(&cfg, z);
	ok(!strcmp(z[0], "0123") && !strcmp(z[1], "1230") && !strcmp(z[2], "2301") &&
	   !strcmp(z[3], "3012"), "CPU-less nodes change nothing: %s %s %s %s", z[0], z[1], z[2],
	   z[3]);
	/* Two sockets of two nodes: 0-1 and 2-3 near (12), across far (32). */
	cfg.cpus = 4;
	static const uint8_t d[4][4] = {
		{ 10, 12, 32, 32 }, { 12, 10, 32, 32 }, { 32, 32, 10, 12 }, { 32, 32, 12, 10 } };
	for (unsigned a = 0; a < 4; a++)
		for (unsigned b = 0; b < 4; b++)
			cfg.distance[a][b] = d[a][b];
	zonelists(&cfg, z);
	ok(!strcmp(z[0], "0123") && !strcmp(z[1], "1032") && !strcmp(z[2], "2301") &&
	   !strcmp(z[3], "3210"), "two sockets: %s %s %s %s", z[0], z[1], z[2], z[3]);
	cfg.distance[0][1] = 9;
	ok(mmsim_config_check(&cfg, NULL, 0) == -EINVAL, "a distance below 11: EINVAL");
	cfg.distance[0][1] = 12;
	cfg.distance[1][1] = 11;
	ok(mmsim_config_check(&cfg, NULL, 0) == -EINVAL, "a node not at 10 from itself: EINVAL");
}

int main(void)
{
	test_zonelists();
	m = make_machine();
	ok(m != NULL, "machine: 2 nodes x 8 MiB");
	if (!m)
		return done_testing();
	s = &m->mm;

	test_struct_page();
	test_boot_layout();
	test_zeroing();		/* first: it needs frames of node 1 never used */
	test_split_and_merge_order0();
	test_orders();
	test_merge_any_order();
	test_fallback();
	test_watermark();
	test_reserve_needs_nowatermark();
	test_refcount();
	test_bulk();
	test_pfn_to_nid();

	mmsim_destroy(m);
	return done_testing();
}
