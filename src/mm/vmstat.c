/*
 * vmstat.c - per-node statistics, as Linux's mm/vmstat.c keeps and shows
 * them: the numastat counters each allocation moves, and a node's meminfo
 * figures.
 *
 * The counters are relaxed atomics in the node (pglist_data.numastat).
 * The meminfo figures are computed when asked, from the node's counters
 * (free pages, page cache, page tables) and one walk of its pages for what
 * only the pages know (LRU list, mlocked, dirty, under writeback, mapped,
 * huge): a view, not a hot path.  Call it with the machine quiet.
 */
#include "mm.h"

#include <string.h>

void count_numa_alloc(struct mm_sys *s, unsigned want, unsigned got, unsigned cpu_node,
		      uint64_t nr)
{
	uint64_t *c = s->node[got].numastat;

	if (want == got) {
		__atomic_add_fetch(&c[MMSIM_NUMASTAT_numa_hit], nr, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&c[MMSIM_NUMASTAT_numa_miss], nr, __ATOMIC_RELAXED);
		__atomic_add_fetch(&s->node[want].numastat[MMSIM_NUMASTAT_numa_foreign], nr,
				   __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&c[got == cpu_node ? MMSIM_NUMASTAT_local_node : MMSIM_NUMASTAT_other_node],
			   nr, __ATOMIC_RELAXED);
}

/* One allocated block (head p, nr pages) into the figures, in pages. */
static void meminfo_account(uint64_t *pg, const struct page *p, uint64_t nr)
{
	const struct address_space *m = page_anon(p) ? NULL : (const void *)p->mapping;
	bool mapped = folio_mapcount(p) > 0;

	if (page_test(p, PG_lru)) {
		static const enum mmsim_meminfo_field list_field[NR_LRU_LISTS] = {
			[LRU_INACTIVE_ANON] = MMSIM_MEMINFO_Inactive_anon,
			[LRU_ACTIVE_ANON] = MMSIM_MEMINFO_Active_anon,
			[LRU_INACTIVE_FILE] = MMSIM_MEMINFO_Inactive_file,
			[LRU_ACTIVE_FILE] = MMSIM_MEMINFO_Active_file,
			[LRU_UNEVICTABLE] = MMSIM_MEMINFO_Unevictable,
		};
		pg[list_field[page_lru_now(p)]] += nr;
	}
	if (page_test(p, PG_mlocked))
		pg[MMSIM_MEMINFO_Mlocked] += nr;
	/* Dirty counts what writeback would write: a file's pages. */
	if (page_test(p, PG_dirty) && mapping_is_file(m))
		pg[MMSIM_MEMINFO_Dirty] += nr;
	if (page_test(p, PG_writeback))
		pg[MMSIM_MEMINFO_Writeback] += nr;
	if (m && mapped)
		pg[MMSIM_MEMINFO_Mapped] += nr;
	if (page_anon(p) && mapped)
		pg[MMSIM_MEMINFO_AnonPages] += nr;
	if (page_anon(p) && p->order && folio_entire_mapcount(p))
		pg[MMSIM_MEMINFO_AnonHugePages] += nr;
}

void node_meminfo(struct mm_sys *s, unsigned nid, struct mmsim_node_meminfo *out)
{
	struct pglist_data *nd = &s->node[nid];
	uint64_t pg[MMSIM_MEMINFO_NR] = { 0 };

	/* The untouched part is free: nothing to count there. */
	uint64_t end = node_untouched_pfn(nd);
	for (uint64_t pfn = nd->start_pfn; pfn < end;) {
		const struct page *p = pfn_to_page(s, pfn);
		uint64_t nr = 1;

		if (page_test(p, PG_buddy))
			nr = 1ULL << p->private;
		else if (p->order)
			nr = 1ULL << p->order;
		if (!page_test(p, PG_buddy) && !page_test(p, PG_tail) && page_count(p))
			meminfo_account(pg, p, nr);
		pfn += nr;
	}
	pg[MMSIM_MEMINFO_MemTotal] = nd->nr_pages;
	pg[MMSIM_MEMINFO_MemFree] = __atomic_load_n(&nd->nr_free, __ATOMIC_RELAXED);
	pg[MMSIM_MEMINFO_MemUsed] = pg[MMSIM_MEMINFO_MemTotal] - pg[MMSIM_MEMINFO_MemFree];
	pg[MMSIM_MEMINFO_Active] = pg[MMSIM_MEMINFO_Active_anon] + pg[MMSIM_MEMINFO_Active_file];
	pg[MMSIM_MEMINFO_Inactive] =
		pg[MMSIM_MEMINFO_Inactive_anon] + pg[MMSIM_MEMINFO_Inactive_file];
	pg[MMSIM_MEMINFO_Shmem] = __atomic_load_n(&nd->nr_shmem, __ATOMIC_RELAXED);
	pg[MMSIM_MEMINFO_FilePages] =
		__atomic_load_n(&nd->nr_file, __ATOMIC_RELAXED) + pg[MMSIM_MEMINFO_Shmem];
	pg[MMSIM_MEMINFO_PageTables] = __atomic_load_n(&nd->nr_pagetable, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < MMSIM_MEMINFO_NR; i++)
		out->kb[i] = pg[i] * (PAGE_SIZE >> 10);
	for (unsigned i = 0; i < MMSIM_NUMASTAT_NR; i++)
		out->numastat[i] = __atomic_load_n(&nd->numastat[i], __ATOMIC_RELAXED);
}
