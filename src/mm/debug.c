/*
 * debug.c - the debug build's checks of the memory-management invariants
 * (Linux's mm/debug.c and CONFIG_DEBUG_VM): the report a failed VM_BUG_ON
 * prints, and the page-count audit.
 *
 * The audit counts, from the page tables of every live address space, how
 * many PTEs map each frame and how many PMDs map each huge page, then walks
 * mem_map block by block (free blocks by their buddy order, allocated ones
 * by their compound order) and compares.  It only reads: it may run at any
 * quiet point, and a test can corrupt a count and see it reported.
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
	for (unsigned i = 0; i < n; i++)
		count_mappings(s, mms[i], &c);
	for (unsigned nid = 0; nid < s->nr_nodes; nid++) {
		struct pglist_data *nd = &s->node[nid];
		spin_lock(&nd->lock);
		uint64_t pfn = nd->start_pfn, end = nd->start_pfn + nd->nr_pages;
		while (pfn < end) {
			struct page *p = pfn_to_page(s, pfn);
			if (page_test(p, PG_buddy)) {
				pfn += 1ULL << p->private;
				continue;
			}
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
	}
	free(c.pte);
	free(c.pmd);
	return bad;
}
