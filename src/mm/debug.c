/*
 * debug.c - the debug build's checks of the memory-management invariants
 * (Linux's mm/debug.c and CONFIG_DEBUG_VM): the report a failed VM_BUG_ON
 * prints, and the page-count audit.
 *
 * The audit counts, from the page tables of every live address space, how
 * many PTEs map each frame and how many PMDs map each huge page, then walks
 * mem_map block by block (free blocks by their buddy order, allocated ones
 * by their compound order) up to each node's untouched part, whose blocks
 * it counts as free without reading them, and compares; it also walks
 * every node's buddy free lists and LRU lists.  validate_mm() checks one
 * address space's VMAs (Linux's validate_mm).  They only read: they may
 * run at any quiet point, and a test can corrupt a structure and see it
 * reported.
 */
#include "mm.h"

#include <stdio.h>
#include <stdlib.h>

void vm_bug(const char *file, int line, const char *cond, const struct page *p)
{
	fprintf(stderr, "mmsim: VM_BUG_ON(%s) failed at %s:%d\n", cond, file, line);
	if (p)
		fprintf(stderr,
			"  page %p: flags %#x order %u refcount %d mapcount %d mapping %#lx index %llu\n",
			(const void *)p, p->flags, p->order, p->refcount, p->mapcount,
			(unsigned long)p->mapping, (unsigned long long)p->index);
	abort();
}

struct map_counts {
	uint32_t *pte;		/* per pfn: PTEs mapping the frame */
	uint32_t *pmd;		/* per pfn of a huge page's head: PMDs mapping it */
};

static void count_mappings(struct mm_sys *s, struct mm_struct *mm, struct map_counts *c)
{
	struct pmap_iter it;
	struct pmap_entry e;
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e)) {
		if (e.kind != PMAP_PAGE || e.pfn == s->zero_pfn || e.pfn >= s->hw->nr_pfns)
			continue;
		if (e.flags & PMAP_HUGE)
			c->pmd[e.pfn]++;
		else
			c->pte[e.pfn]++;
	}
	spin_unlock(&mm->ptl);
}

#define REPORT(bad, p, ...)                                                      \
	do {                                                                     \
		fprintf(stderr, "mmsim: debug_vm: pfn %llu: ",                   \
			(unsigned long long)page_to_pfn(s, (p)));                \
		fprintf(stderr, __VA_ARGS__);                                    \
		fputc('\n', stderr);                                             \
		(bad)++;                                                         \
	} while (0)

/* A violation that is no single page's. */
#define REPORT_ALL(bad, ...)                                                     \
	do {                                                                     \
		fprintf(stderr, "mmsim: debug_vm: ");                            \
		fprintf(stderr, __VA_ARGS__);                                    \
		fputc('\n', stderr);                                             \
		(bad)++;                                                         \
	} while (0)

/* An allocated page of order 0 that is not a page table or the zero page. */
static unsigned check_small(struct mm_sys *s, const struct map_counts *c, struct page *p)
{
	uint64_t pfn = page_to_pfn(s, p);
	unsigned bad = 0;
	if (c->pmd[pfn])
		REPORT(bad, p, "a PMD maps an order-0 page");
	if ((uint32_t)p->mapcount != c->pte[pfn])
		REPORT(bad, p, "mapcount %d, %u PTEs map it", p->mapcount, c->pte[pfn]);
	if (p->refcount < p->mapcount || p->refcount < 1)
		REPORT(bad, p, "refcount %d below mapcount %d (or zero)", p->refcount, p->mapcount);
	return bad;
}

static unsigned check_compound(struct mm_sys *s, const struct map_counts *c, struct page *head)
{
	uint64_t pfn = page_to_pfn(s, head), nr = 1ULL << head->order;
	unsigned bad = 0;
	uint64_t ptes = 0;
	for (uint64_t i = 0; i < nr; i++) {
		struct page *p = head + i;
		if (i && (!page_test(p, PG_tail) || compound_head(p) != head))
			REPORT(bad, p, "tail %llu does not point at its head",
			       (unsigned long long)i);
		if (i && p->refcount)
			REPORT(bad, p, "tail holds references (%d): they belong to the head",
			       p->refcount);
		if (i && c->pmd[pfn + i])
			REPORT(bad, p, "a PMD maps a tail page");
		if ((uint32_t)p->mapcount != c->pte[pfn + i])
			REPORT(bad, p, "subpage %llu mapcount %d, %u PTEs map it",
			       (unsigned long long)i, p->mapcount, c->pte[pfn + i]);
		ptes += c->pte[pfn + i];
	}
	int entire = head[1].entire_mapcount, large = head[1].large_mapcount;
	if ((uint32_t)entire != c->pmd[pfn])
		REPORT(bad, head, "entire mapcount %d, %u PMDs map it", entire, c->pmd[pfn]);
	if ((uint64_t)large != ptes + c->pmd[pfn])
		REPORT(bad, head, "large mapcount %d, %llu mappings", large,
		       (unsigned long long)(ptes + c->pmd[pfn]));
	if (head->refcount < large || head->refcount < 1)
		REPORT(bad, head, "refcount %d below mapcount %d (or zero)", head->refcount, large);
	return bad;
}

/* ---- buddy free lists and LRU lists ---------------------------------------- */

/* Every block on a free list is free, of that order, aligned, on this node;
 * the counts agree.  Returns the violations; *blocks the blocks listed. */
static unsigned check_free_lists(struct mm_sys *s, struct pglist_data *nd, uint64_t *blocks)
{
	unsigned bad = 0;
	uint64_t pages = 0, end = nd->start_pfn + nd->nr_pages;
	uint64_t untouched = (end - nd->untouched_pfn) >> MAX_ORDER;
	/* The untouched part: whole blocks up to the node's end, the first
	 * struct page never written (the rest are not read: that would map
	 * all of them). */
	if (nd->untouched_pfn < nd->start_pfn || nd->untouched_pfn > end ||
	    (nd->untouched_pfn - nd->start_pfn) % (1ULL << MAX_ORDER))
		REPORT_ALL(bad, "node %u: untouched part from pfn %llu, not a block of the node",
		       nd->id, (unsigned long long)nd->untouched_pfn);
	else if (untouched) {
		const struct page *p = pfn_to_page(s, nd->untouched_pfn);
		if (p->flags || p->refcount || p->mapcount || p->private || p->mapping)
			REPORT(bad, p, "the first untouched page was written");
	}
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		uint64_t len = 0;
		struct list_head *h = &nd->free_area[o].list;
		for (struct list_head *l = h->next; l != h && len <= nd->nr_pages; l = l->next, len++) {
			struct page *p = list_entry(l, struct page, lru);
			uint64_t pfn = page_to_pfn(s, p);
			if (!page_test(p, PG_buddy) || p->private != o || pfn % (1ULL << o) ||
			    pfn < nd->start_pfn || pfn + (1ULL << o) > nd->start_pfn + nd->nr_pages)
				REPORT(bad, p, "free list of order %u holds a block that is not one", o);
		}
		if (o == MAX_ORDER)
			len += untouched;	/* free, after the listed ones */
		if (len != nd->free_area[o].nr_free)
			REPORT_ALL(bad, "node %u order %u: %llu blocks listed or untouched, nr_free %llu",
			       nd->id, o, (unsigned long long)len,
			       (unsigned long long)nd->free_area[o].nr_free);
		*blocks += len;
		pages += len << o;
	}
	if (pages != nd->nr_free)
		REPORT_ALL(bad, "node %u: %llu free pages listed, nr_free %llu",
		       nd->id, (unsigned long long)pages, (unsigned long long)nd->nr_free);
	return bad;
}

/* MGLRU's lists (mm.h, struct lru_gen): each page on them is on its
 * lruvec's node and memcg, of its list's kind, evictable, not PG_active (a
 * listed page's activity is its generation), with a generation in its
 * flags; the counts per generation are the pages whose flags say so; the
 * sequence numbers keep two to four generations of each kind. */
static unsigned check_lru_gens(struct mm_sys *s, struct lruvec *lv, uint64_t *listed)
{
	struct pglist_data *nd = lv->pgdat;
	struct lru_gen *g = &lv->lrugen;
	int64_t seen[MAX_NR_GENS][2] = { { 0 } };
	unsigned bad = 0;
	for (int gen = 0; gen < MAX_NR_GENS; gen++)
		for (int type = 0; type < 2; type++) {
			struct list_head *h = &g->folios[gen][type];
			uint64_t len = 0;
			for (struct list_head *e = h->next; e != h && len <= nd->nr_pages;
			     e = e->next, len++) {
				struct page *p = list_entry(e, struct page, lru);
				int pg = (int)((p->flags & LRU_GEN_MASK) >> LRU_GEN_SHIFT) - 1;
				if (!page_test(p, PG_lru) || page_test(p, PG_tail) ||
				    page_lruvec(s, p) != lv || pg < 0 || pg >= MAX_NR_GENS ||
				    !page_test(p, PG_swapbacked) != type ||
				    page_test(p, PG_unevictable) || page_test(p, PG_active)) {
					REPORT(bad, p, "generation %d/%d holds a page that does not belong there",
					       gen, type);
					continue;
				}
				seen[pg][type] += 1LL << p->order;
			}
			*listed += len;
		}
	unsigned id = lv->memcg ? lv->memcg->id : 0;
	for (int gen = 0; gen < MAX_NR_GENS; gen++)
		for (int type = 0; type < 2; type++)
			if (seen[gen][type] != g->nr_pages[gen][type])
				REPORT_ALL(bad, "node %u memcg %u generation %d/%d: %lld pages, counted %lld",
					   nd->id, id, gen, type, (long long)seen[gen][type],
					   (long long)g->nr_pages[gen][type]);
	for (int type = 0; type < 2; type++) {
		uint64_t n = g->max_seq - g->min_seq[type] + 1;
		if (n < MIN_NR_GENS || n > MAX_NR_GENS)
			REPORT_ALL(bad, "node %u memcg %u: %llu generations of kind %d", nd->id, id,
				   (unsigned long long)n, type);
	}
	return bad;
}

/* Every page on an LRU list has PG_lru, is a head, is on the lruvec of its
 * memcg and node and on the right list; each lruvec's counts agree, and
 * the node's totals are their sums.  *listed: the pages listed. */
static unsigned check_lru_lists(struct mm_sys *s, struct pglist_data *nd, uint64_t *listed)
{
	unsigned bad = 0;
	uint64_t total[NR_LRU_LISTS] = { 0 };
	struct lruvec *root = &nd->lruvec;
	for (struct lruvec *lv = root; lv; lv = lruvec_iter(s, root, lv)) {
		unsigned id = lv->memcg ? lv->memcg->id : 0;
		for (unsigned l = 0; l < NR_LRU_LISTS; l++) {
			uint64_t len = 0, pages = 0;
			struct list_head *h = &lv->lists[l];
			for (struct list_head *e = h->next; e != h && len <= nd->nr_pages;
			     e = e->next, len++) {
				struct page *p = list_entry(e, struct page, lru);
				if (!page_test(p, PG_lru) || page_test(p, PG_tail) ||
				    page_lruvec(s, p) != lv || page_lru_now(p) != l)
					REPORT(bad, p, "LRU list %u holds a page that does not belong there",
					       l);
				else
					pages += 1ULL << p->order;
			}
			if (pages != lv->nr_lru[l])
				REPORT_ALL(bad, "node %u memcg %u LRU %u: %llu pages listed, nr_lru %llu",
					   nd->id, id, l, (unsigned long long)pages,
					   (unsigned long long)lv->nr_lru[l]);
			total[l] += lv->nr_lru[l];
			*listed += len;
		}
		bad += check_lru_gens(s, lv, listed);
	}
	for (unsigned l = 0; l < NR_LRU_LISTS; l++)
		if (total[l] != nd->nr_lru[l])
			REPORT_ALL(bad, "node %u LRU %u: %llu pages in its lruvecs, nr_lru %llu", nd->id,
				   l, (unsigned long long)total[l], (unsigned long long)nd->nr_lru[l]);
	return bad;
}

/* The memcg LRU (mm.h, struct memcg_lru): every lruvec of the node is on
 * one bin of a live generation (the old one, seq, or the young one,
 * seq + 1), its memcg_gen says which, and nr_memcgs counts them. */
static unsigned check_memcg_lru(struct mm_sys *s, struct pglist_data *nd)
{
	struct memcg_lru *ml = &nd->memcg_lru;
	unsigned bad = 0, listed = 0, lruvecs = 0;
	for (unsigned g = 0; g < MEMCG_NR_GENS; g++) {
		unsigned n = 0;
		bool live = g == ml->seq % MEMCG_NR_GENS || g == (ml->seq + 1) % MEMCG_NR_GENS;
		for (unsigned b = 0; b < MEMCG_NR_BINS; b++)
			for (struct list_head *e = ml->fifo[g][b].next; e != &ml->fifo[g][b]; e = e->next) {
				struct lruvec *lv = list_entry(e, struct lruvec, lrugen.memcg_list);
				if (lv->lrugen.memcg_gen != g || lv->pgdat != nd)
					REPORT_ALL(bad, "node %u memcg LRU: an lruvec of generation %u "
						   "(or another node) on generation %u's bin %u",
						   nd->id, lv->lrugen.memcg_gen, g, b);
				n++;
			}
		if (n != ml->nr_memcgs[g] || (n && !live))
			REPORT_ALL(bad, "node %u memcg LRU generation %u: %u listed, %u counted, seq %llu",
				   nd->id, g, n, ml->nr_memcgs[g], (unsigned long long)ml->seq);
		listed += n;
	}
	for (struct lruvec *lv = &nd->lruvec; lv; lv = lruvec_iter(s, &nd->lruvec, lv))
		lruvecs++;
	if (listed != lruvecs)
		REPORT_ALL(bad, "node %u memcg LRU: %u lruvecs listed of %u", nd->id, listed, lruvecs);
	return bad;
}

/* ---- the swap area ------------------------------------------------------------ */

/* Each slot's count equals the swap entries that name it (HAS_CACHE and
 * a shmem object's mark aside: no entry names such a slot); a slot marked
 * as cached has its page in the swap cache, and that page says so; the
 * in-use count agrees.  With no CPU running. */
static unsigned check_swap(struct mm_sys *s, struct mm_struct *const *mms, unsigned n)
{
	struct swap_info *si = s->swap;
	unsigned bad = 0;
	if (!si)
		return 0;
	uint32_t *ents = calloc(si->max, sizeof *ents);
	if (!ents) {
		REPORT_ALL(bad, "no memory for the swap audit");
		return bad;
	}
	for (unsigned i = 0; i < n; i++) {
		struct pmap_iter it;
		struct pmap_entry e;
		spin_lock(&mms[i]->ptl);
		pmap_iter_init(&it, &mms[i]->pmap, 0, TASK_SIZE);
		while (pmap_iter_next(&it, &e))
			if (is_swap_entry(&e) && swap_entry_offset(&e) < si->max)
				ents[swap_entry_offset(&e)]++;
			else if (is_swap_entry(&e))
				REPORT_ALL(bad, "a swap entry names slot %llu, past the area",
					   (unsigned long long)swap_entry_offset(&e));
		spin_unlock(&mms[i]->ptl);
	}
	uint8_t *parked = calloc(si->max, 1);
	if (!parked) {
		free(ents);
		REPORT_ALL(bad, "no memory for the swap audit");
		return bad;
	}
	swap_slots_cache_mark(s, parked);
	uint64_t inuse = 0;
	for (uint64_t off = 1; off < si->max; off++) {
		unsigned v = si->swap_map[off];
		inuse += v != 0;
		if ((v & SWAP_MAP_MAX) != ents[off])
			REPORT_ALL(bad, "swap slot %llu: count %u, %u swap entries name it",
				   (unsigned long long)off, v & SWAP_MAP_MAX, ents[off]);
		struct page *p = radix_tree_lookup(&si->cache->pages, off);
		if (parked[off]) {
			/* In a CPU's slots cache: held, with nothing in it. */
			if (v != SWAP_HAS_CACHE || p)
				REPORT_ALL(bad, "swap slot %llu in a slots cache: count %#x, %s",
					   (unsigned long long)off, v, p ? "a page" : "no page");
			continue;
		}
		if (!(v & SWAP_HAS_CACHE) != !p)
			REPORT_ALL(bad, "swap slot %llu: SWAP_HAS_CACHE %s, %s in the swap cache",
				   (unsigned long long)off, (v & SWAP_HAS_CACHE) ? "set" : "clear",
				   p ? "a page" : "no page");
		if (p && (!page_test(p, PG_swapcache) || p->private != off))
			REPORT(bad, p, "in the swap cache at slot %llu without saying so",
			       (unsigned long long)off);
	}
	if (inuse != si->inuse)
		REPORT_ALL(bad, "swap: %llu slots in use, inuse %llu", (unsigned long long)inuse,
			   (unsigned long long)si->inuse);
	free(parked);
	free(ents);
	return bad;
}

/* ---- VMAs ---------------------------------------------------------------- */

unsigned debug_vm_check_vmas(struct mm_struct *mm)
{
	unsigned bad = 0;
	uint64_t total = 0;
	for (int i = 0; i < mm->vmas.n; i++) {
		const struct vm_area_struct *v = mm->vmas.v[i], *prev = i ? mm->vmas.v[i - 1] : NULL;
		total += vma_pages(v);
		if (v->vm_start >= v->vm_end || ((v->vm_start | v->vm_end) & ~PAGE_MASK) ||
		    v->vm_end > TASK_SIZE || v->vm_mm != mm)
			REPORT_ALL(bad, "VMA %d [%#llx, %#llx) is malformed", i,
			       (unsigned long long)v->vm_start, (unsigned long long)v->vm_end);
		if (prev && prev->vm_end > v->vm_start)
			REPORT_ALL(bad, "VMAs %d and %d overlap or are out of order", i - 1, i);
		if (v->anon_vma && list_empty(&v->anon_vma_chain))
			REPORT_ALL(bad, "VMA %d has an anon_vma but no chain to it", i);
	}
	if (total != mm->total_vm)
		REPORT_ALL(bad, "total_vm %llu, the VMAs hold %llu pages",
		       (unsigned long long)mm->total_vm, (unsigned long long)total);
	return bad;
}

void validate_mm(struct mm_struct *mm)
{
	if (MMSIM_DEBUG_VM_ENABLED && debug_vm_check_vmas(mm))
		vm_bug(__FILE__, __LINE__, "debug_vm_check_vmas(mm) == 0", NULL);
}

/* ---- the whole machine ------------------------------------------------------ */

/* The pages charged to each memcg itself (by id), as their struct pages
 * say: user pages and page tables alike; a compound page at its head. */
static void count_charged(struct mm_sys *s, uint64_t *own)
{
	for (unsigned nid = 0; nid < s->nr_nodes; nid++) {
		const struct pglist_data *nd = &s->node[nid];
		for (uint64_t pfn = nd->start_pfn; pfn < node_untouched_pfn(nd); pfn++) {
			struct page *p = pfn_to_page(s, pfn);
			struct mem_cgroup *m = __atomic_load_n(&p->memcg, __ATOMIC_RELAXED);
			if (m && !page_test(p, PG_tail))
				own[m->id] += 1ULL << p->order;
		}
	}
}

/* Charges balance: each memcg's usage is exactly the pages charged to it
 * and below (a charge without its page, or a page freed without its
 * uncharge, shows here). */
static unsigned check_memcg_charges(struct mm_sys *s)
{
	unsigned ids = 0, bad = 0;
	for (struct mem_cgroup *m = s->memcgs; m; m = m->next)
		ids = m->id > ids ? m->id : ids;
	uint64_t *own = calloc(2 * ((size_t)ids + 1), sizeof *own), *sum = own + ids + 1;
	if (!own)
		return 0;
	count_charged(s, own);
	for (struct mem_cgroup *m = s->memcgs; m; m = m->next)
		for (struct mem_cgroup *a = m; a; a = a->parent)
			sum[a->id] += own[m->id];
	for (struct mem_cgroup *m = s->memcgs; m; m = m->next) {
		uint64_t usage = __atomic_load_n(&m->usage, __ATOMIC_RELAXED);
		if (usage != sum[m->id])
			REPORT_ALL(bad, "memcg %u: usage %llu pages, %llu charged pages", m->id,
				   (unsigned long long)usage, (unsigned long long)sum[m->id]);
	}
	free(own);
	return bad;
}

unsigned debug_vm_check_pages(struct mm_sys *s, struct mm_struct *const *mms, unsigned n)
{
	uint64_t nr_pfns = s->hw->nr_pfns;
	struct map_counts c = { calloc(nr_pfns, sizeof *c.pte), calloc(nr_pfns, sizeof *c.pmd) };
	unsigned bad = 0;
	if (!c.pte || !c.pmd) {
		free(c.pte);
		free(c.pmd);
		fprintf(stderr, "mmsim: debug_vm: no memory for the page audit\n");
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		count_mappings(s, mms[i], &c);
		bad += debug_vm_check_vmas(mms[i]);
	}
	bad += check_swap(s, mms, n);
	bad += check_memcg_charges(s);
	for (unsigned nid = 0; nid < s->nr_nodes; nid++) {
		struct pglist_data *nd = &s->node[nid];
		uint64_t free_listed = 0, free_seen = 0, lru_listed = 0, lru_seen = 0;
		spin_lock(&nd->memcg_lru.lock);
		bad += check_memcg_lru(s, nd);
		spin_unlock(&nd->memcg_lru.lock);
		spin_lock(&nd->lru_lock);
		bad += check_lru_lists(s, nd, &lru_listed);
		spin_lock(&nd->lock);
		bad += check_free_lists(s, nd, &free_listed);
		/* Up to the untouched part, whose blocks are all free. */
		uint64_t pfn = nd->start_pfn, end = nd->untouched_pfn;
		free_seen += (nd->start_pfn + nd->nr_pages - end) >> MAX_ORDER;
		while (pfn < end) {
			struct page *p = pfn_to_page(s, pfn);
			if (page_test(p, PG_buddy)) {
				free_seen++;
				pfn += 1ULL << p->private;
				continue;
			}
			lru_seen += page_test(p, PG_lru);
			pfn += 1ULL << p->order;
			/* Page tables and the kernel's own pages (the zero page,
			 * the vDSO's, whose count includes the system's
			 * processes) are not counted by mappings. */
			if (page_test(p, PG_table) || page_test(p, PG_reserved))
				continue;
			if (page_test(p, PG_tail)) {
				REPORT(bad, p, "a tail page where a block should start");
				continue;
			}
			bad += p->order ? check_compound(s, &c, p) : check_small(s, &c, p);
		}
		spin_unlock(&nd->lock);
		spin_unlock(&nd->lru_lock);
		/* A free block missing from the lists, or a page flagged as on
		 * an LRU but on none (or on two): the walk and the lists differ. */
		if (free_seen != free_listed)
			REPORT_ALL(bad, "node %u: %llu free blocks, %llu listed", nid,
			       (unsigned long long)free_seen, (unsigned long long)free_listed);
		if (lru_seen != lru_listed)
			REPORT_ALL(bad, "node %u: %llu pages with PG_lru, %llu on the lists",
			       nid, (unsigned long long)lru_seen, (unsigned long long)lru_listed);
	}
	free(c.pte);
	free(c.pmd);
	return bad;
}
