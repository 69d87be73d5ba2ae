/*
 * task_mmu.c - what Linux's fs/proc/task_mmu.c computes for one VMA: the
 * page counts of /proc/PID/numa_maps and the sizes of /proc/PID/smaps,
 * and the VMA-level facts both print (VmFlags, THPeligible).
 *
 * Both walk the VMA's page-table leaves (through the pmap iterator, under
 * the mm's ptl) and read, for each mapped frame that has a struct page
 * (not the zero page), the entry's accessed and dirty bits and the page's
 * flags, mapcount and reference count, exactly the state Linux 6.12 reads.
 * They only read.  The caller holds mmap_lock (at least for reading) and
 * has drained the LRU batches, as reading the /proc files does; the file
 * name of a file mapping is the kernel's to fill (vfs.c knows names).
 */
#include "mm.h"

#include <stdio.h>
#include <string.h>

/* Pss is summed in bytes << PSS_SHIFT, as Linux does, to keep the division by mapcount exact
 * enough. */
#define PSS_SHIFT 12

/* Linux's page_mapcount(): this subpage's PTEs plus the PMDs mapping its folio whole. */
static int subpage_mapcount(const struct page *p)
{
	const struct page *head = compound_head(p);

	return p->mapcount + (head->order ? folio_entire_mapcount(head) : 0);
}

/* A leaf of v worth counting: its page (the head for a PMD), else NULL. */
static struct page *leaf_page(struct mm_sys *s, const struct pmap_entry *e)
{
	if (e->kind != PMAP_PAGE || e->pfn == s->zero_pfn || e->pfn >= s->hw->nr_pfns)
		return NULL;
	return pfn_to_page(s, e->pfn);
}

/* ---- numa_maps ----------------------------------------------------------------------- */

static void numa_gather(struct mm_sys *s, struct mmsim_numa_maps *nm, struct page *p,
			bool pte_dirty, uint64_t nr)
{
	struct page *head = compound_head(p);
	uint64_t count = (uint64_t)subpage_mapcount(p);

	nm->pages += nr;
	if (pte_dirty || page_test(head, PG_dirty))
		nm->dirty += nr;
	if (page_test(head, PG_swapcache))
		nm->swapcache += nr;
	if (page_test(head, PG_active) || page_test(head, PG_unevictable))
		nm->active += nr;
	if (page_test(head, PG_writeback))
		nm->writeback += nr;
	if (page_anon(head))
		nm->anon += nr;
	if (count > nm->mapmax)
		nm->mapmax = count;
	nm->node[page_to_nid(s, head)] += nr;
}

void vma_numa_maps(struct vm_area_struct *v, struct mmsim_numa_maps *nm)
{
	struct mm_struct *mm = v->vm_mm;
	struct mm_sys *s = mm->sys;
	struct pmap_iter it;
	struct pmap_entry e;

	memset(nm, 0, sizeof(*nm));
	nm->start = v->vm_start;
	nm->end = v->vm_end;
	snprintf(nm->policy, sizeof(nm->policy), "default");
	nm->kernelpagesize_kb = PAGE_SIZE >> 10;
	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, v->vm_start, v->vm_end);
	while (pmap_iter_next(&it, &e)) {
		struct page *p = leaf_page(s, &e);

		/* Linux's can_gather_numa_stats() leaves reserved pages out. */
		if (!p || page_test(compound_head(p), PG_reserved))
			continue;
		numa_gather(s, nm, p, e.flags & PMAP_DIRTY,
			    (e.flags & PMAP_HUGE) ? HPAGE_PMD_NR : 1);
	}
	spin_unlock(&mm->ptl);
}

/* ---- smaps ----------------------------------------------------------------------------- */

struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, anonymous_thp, shmem_thp, file_thp;
	uint64_t pss, pss_dirty, pss_locked;	/* << PSS_SHIFT */
	uint64_t swap, swap_pss;		/* swap_pss << PSS_SHIFT */
};

/* A swap entry: its page counts as swapped out, shared among the entries
 * that name its slot (Linux's smaps_pte_entry with swp_swapcount). */
static void smaps_swap_entry(struct mm_sys *s, struct mem_size_stats *mss,
			     const struct pmap_entry *e)
{
	unsigned n = swap_count(s, swap_entry_offset(e)) & SWAP_MAP_MAX;
	uint64_t pss = PAGE_SIZE << PSS_SHIFT;

	mss->swap += PAGE_SIZE;
	mss->swap_pss += n >= 2 ? pss / n : pss;
}

static void smaps_page_accumulate(struct mem_size_stats *mss, const struct page *head,
				  uint64_t size, uint64_t pss, bool dirty, bool locked,
				  bool private)
{
	mss->pss += pss;
	if (locked)
		mss->pss_locked += pss;
	if (dirty || page_test(head, PG_dirty)) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else if (private) {
		mss->private_clean += size;
	} else {
		mss->shared_clean += size;
	}
}

/*
 * One leaf mapping p (nr pages: a PMD maps the whole huge page).  A page
 * with a single reference is mapped exactly once: all private.  Otherwise
 * each subpage is shared between the mappings that map it.
 */
static void smaps_account(struct mem_size_stats *mss, struct page *p, uint64_t nr, bool young,
			  bool dirty, bool locked)
{
	struct page *head = compound_head(p);
	uint64_t size = nr * PAGE_SIZE;

	if (page_anon(head)) {
		mss->anonymous += size;
		if (!page_test(head, PG_swapbacked) && !dirty && !page_test(head, PG_dirty))
			mss->lazyfree += size;
	}
	mss->resident += size;
	if (young || page_test(head, PG_referenced))
		mss->referenced += size;
	if (page_count(head) == 1) {
		smaps_page_accumulate(mss, head, size, size << PSS_SHIFT, dirty, locked, true);
		return;
	}
	for (uint64_t i = 0; i < nr; i++) {
		int mapcount = subpage_mapcount(p + i);
		uint64_t pss = PAGE_SIZE << PSS_SHIFT;

		if (mapcount >= 2)
			pss /= (uint64_t)mapcount;
		smaps_page_accumulate(mss, head, PAGE_SIZE, pss, dirty, locked, mapcount < 2);
	}
}

/* A shmem object's pages out on swap where v maps nothing (Linux's
 * shmem_swap_usage, and smaps_pte_hole for private writable mappings):
 * Swap, without SwapPss. */
static void smaps_shmem_swap(struct vm_area_struct *v, struct mem_size_stats *mss)
{
	struct mm_struct *mm = v->vm_mm;
	struct address_space *m = v->vm_file;
	for (uint64_t a = v->vm_start; a < v->vm_end; a += PAGE_SIZE) {
		struct pmap_entry e;
		if (!shmem_page_swapped(m, linear_page_index(v, a)))
			continue;
		spin_lock(&mm->ptl);
		int kind = pmap_lookup(&mm->pmap, a, &e);
		spin_unlock(&mm->ptl);
		if (kind == PMAP_EMPTY)
			mss->swap += PAGE_SIZE;
	}
}

static void smaps_walk(struct vm_area_struct *v, struct mem_size_stats *mss)
{
	struct mm_struct *mm = v->vm_mm;
	struct mm_sys *s = mm->sys;
	bool locked = v->vm_flags & VM_LOCKED;
	struct pmap_iter it;
	struct pmap_entry e;

	spin_lock(&mm->ptl);
	pmap_iter_init(&it, &mm->pmap, v->vm_start, v->vm_end);
	while (pmap_iter_next(&it, &e)) {
		struct page *p = leaf_page(s, &e);
		bool huge = e.flags & PMAP_HUGE;

		if (is_swap_entry(&e))
			smaps_swap_entry(s, mss, &e);
		if (!p)
			continue;
		if (huge && page_anon(p))
			mss->anonymous_thp += PMD_SIZE;
		else if (huge && page_test(p, PG_swapbacked))
			mss->shmem_thp += PMD_SIZE;
		else if (huge)
			mss->file_thp += PMD_SIZE;
		smaps_account(mss, p, huge ? HPAGE_PMD_NR : 1, e.flags & PMAP_ACCESSED,
			      e.flags & PMAP_DIRTY, locked);
	}
	spin_unlock(&mm->ptl);
}

/* Linux's two-letter names of the VMA flags, in bit order (show_smap_vma_flags). */
static const struct {
	uint64_t flag;
	char name[3];
} vmflag_names[] = {
	{ VM_READ, "rd" },	   { VM_WRITE, "wr" },	      { VM_EXEC, "ex" },
	{ VM_SHARED, "sh" },	   { VM_MAYREAD, "mr" },      { VM_MAYWRITE, "mw" },
	{ VM_MAYEXEC, "me" },	   { VM_MAYSHARE, "ms" },     { VM_GROWSDOWN, "gd" },
	{ VM_PFNMAP, "pf" },	   { VM_UFFD_WP, "uw" },      { VM_LOCKED, "lo" },
	{ VM_IO, "io" },	   { VM_SEQ_READ, "sr" },     { VM_RAND_READ, "rr" },
	{ VM_DONTCOPY, "dc" },	   { VM_DONTEXPAND, "de" },   { VM_LOCKONFAULT, "lf" },
	{ VM_ACCOUNT, "ac" },	   { VM_NORESERVE, "nr" },    { VM_DONTDUMP, "dd" },
	{ VM_SOFTDIRTY, "sd" },	   { VM_MIXEDMAP, "mm" },     { VM_HUGEPAGE, "hg" },
	{ VM_NOHUGEPAGE, "nh" },   { VM_MERGEABLE, "mg" },
};

void vma_flags_names(uint64_t flags, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(vmflag_names) / sizeof(vmflag_names[0]); i++) {
		if (!(flags & vmflag_names[i].flag) || at + 4 > len)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "",
				       vmflag_names[i].name);
	}
}

/*
 * THPeligible: would a huge page be allowed somewhere in v (Linux's
 * thp_vma_allowable_order for smaps)?  Anonymous private memory only (no
 * file THP, shmem THP off by default), by the THP mode and the VMA's
 * hugepage/nohugepage advice, and v must hold an aligned 2 MiB range.
 */
bool vma_thp_eligible(const struct vm_area_struct *v)
{
	if (v->vm_end - v->vm_start < PMD_SIZE)
		return false;
	return thp_vma_allowed(v, v->vm_end - PMD_SIZE);
}

void vma_smaps(struct vm_area_struct *v, struct mmsim_smaps *sm)
{
	struct mem_size_stats mss;
	uint64_t *kb = sm->kb;

	memset(sm, 0, sizeof(*sm));
	memset(&mss, 0, sizeof(mss));
	sm->start = v->vm_start;
	sm->end = v->vm_end;
	vma_perms(v, sm->perms);
	sm->pgoff = v->vm_file ? v->vm_pgoff << PAGE_SHIFT : 0;
	smaps_walk(v, &mss);
	if (v->vm_file && !mapping_is_file(v->vm_file))
		smaps_shmem_swap(v, &mss);
	kb[MMSIM_SMAPS_Size] = (v->vm_end - v->vm_start) >> 10;
	kb[MMSIM_SMAPS_KernelPageSize] = PAGE_SIZE >> 10;
	kb[MMSIM_SMAPS_MMUPageSize] = PAGE_SIZE >> 10;
	kb[MMSIM_SMAPS_Rss] = mss.resident >> 10;
	kb[MMSIM_SMAPS_Pss] = mss.pss >> (PSS_SHIFT + 10);
	kb[MMSIM_SMAPS_Pss_Dirty] = mss.pss_dirty >> (PSS_SHIFT + 10);
	kb[MMSIM_SMAPS_Shared_Clean] = mss.shared_clean >> 10;
	kb[MMSIM_SMAPS_Shared_Dirty] = mss.shared_dirty >> 10;
	kb[MMSIM_SMAPS_Private_Clean] = mss.private_clean >> 10;
	kb[MMSIM_SMAPS_Private_Dirty] = mss.private_dirty >> 10;
	kb[MMSIM_SMAPS_Referenced] = mss.referenced >> 10;
	kb[MMSIM_SMAPS_Anonymous] = mss.anonymous >> 10;
	kb[MMSIM_SMAPS_LazyFree] = mss.lazyfree >> 10;
	kb[MMSIM_SMAPS_AnonHugePages] = mss.anonymous_thp >> 10;
	kb[MMSIM_SMAPS_ShmemPmdMapped] = mss.shmem_thp >> 10;
	kb[MMSIM_SMAPS_FilePmdMapped] = mss.file_thp >> 10;
	kb[MMSIM_SMAPS_Swap] = mss.swap >> 10;
	kb[MMSIM_SMAPS_SwapPss] = mss.swap_pss >> (PSS_SHIFT + 10);
	kb[MMSIM_SMAPS_Locked] = mss.pss_locked >> (PSS_SHIFT + 10);
	sm->thp_eligible = vma_thp_eligible(v);
	vma_flags_names(v->vm_flags, sm->vmflags, sizeof(sm->vmflags));
}
