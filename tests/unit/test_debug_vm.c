/*
 * test_debug_vm.c - the debug build's checks (src/mm/mmdebug.h) find what
 * they promise to: each kind of invariant is broken on purpose in a live
 * machine, the audit must report it, and must be clean again once the
 * damage is undone.  (test_thp_refcount does the same for the reference
 * counts and mapcounts.)  The checks are compiled in every build; only
 * their automatic calls are the debug build's.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE

static struct mmsim *m;

static void test_vmas(struct mmsim_task *t)
{
	printf("# VMAs: sorted, not overlapping, total_vm their sum, anon_vma chained\n");
	struct mm_struct *mm = t->mm;
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t b = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(b < a, "two VMAs");
	is(debug_vm_check_vmas(mm), 0, "clean");
	int i = vma_index(mm, b);
	struct vm_area_struct *lo = mm->vmas.v[i], *hi = mm->vmas.v[i + 1];
	mm->vmas.v[i] = hi;
	mm->vmas.v[i + 1] = lo;
	ok(debug_vm_check_vmas(mm) > 0, "two VMAs out of order");
	mm->vmas.v[i] = lo;
	mm->vmas.v[i + 1] = hi;
	lo->vm_end += P;
	ok(debug_vm_check_vmas(mm) > 0, "overlapping VMAs");
	lo->vm_end -= P;
	mm->total_vm++;
	ok(debug_vm_check_vmas(mm) > 0, "total_vm off by one");
	mm->total_vm--;
	struct anon_vma *fake = (struct anon_vma *)&mm->vmas;
	lo->anon_vma = fake;
	ok(debug_vm_check_vmas(mm) > 0, "an anon_vma without its chain");
	lo->anon_vma = NULL;
	is(debug_vm_check_vmas(mm), 0, "clean again");
}

static void test_lists(struct mmsim_task *t)
{
	printf("# LRU lists and buddy free lists\n");
	uint64_t a = (uint64_t)mmsim_sys_mmap(t, 0, 8 * P, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t fa;
	mmsim_fill(t, a, 1, 8 * P, &fa);
	lru_add_drain_all(&m->mm);
	is(mmsim_debug_check(m), 0, "clean");

	struct page *p = page_at(t, a);
	ok(page_test(p, PG_lru) && !page_test(p, PG_active), "a page on the inactive anon list");
	page_set(p, PG_active);
	ok(mmsim_debug_check(m) > 0, "PG_active on a page of the inactive list");
	page_clear(p, PG_active);
	page_clear(p, PG_lru);
	ok(mmsim_debug_check(m) > 0, "a page on a list without PG_lru");
	page_set(p, PG_lru);
	struct pglist_data *nd = &m->mm.node[page_to_nid(&m->mm, p)];
	nd->nr_lru[LRU_INACTIVE_ANON]++;
	ok(mmsim_debug_check(m) > 0, "an LRU count off by one");
	nd->nr_lru[LRU_INACTIVE_ANON]--;
	if (!lru_classic(&m->mm)) {
		int gen = (int)((p->flags & LRU_GEN_MASK) >> LRU_GEN_SHIFT) - 1;
		nd->lruvec.lrugen.nr_pages[gen][0]++;
		ok(mmsim_debug_check(m) > 0, "a generation's count off by one");
		nd->lruvec.lrugen.nr_pages[gen][0]--;
		nd->lruvec.lrugen.min_seq[0] = nd->lruvec.lrugen.max_seq;
		ok(mmsim_debug_check(m) > 0, "one generation only");
		nd->lruvec.lrugen.min_seq[0] = nd->lruvec.lrugen.max_seq - 2;
	}
	is(mmsim_debug_check(m), 0, "clean again");

	struct pglist_data *n1 = &m->mm.node[1];
	/* Node 1 is untouched: one page taken and given back puts its first
	 * block on the free list. */
	struct page *one = alloc_pages_node(&m->mm, NULL, 1, 0, GFP_THISNODE);
	ok(one != NULL, "a page of node 1");
	if (one)
		free_pages(&m->mm, one, 0);
	struct page *blk = NULL;
	for (unsigned o = NR_ORDERS; o-- > 0 && !blk;)
		if (!list_empty(&n1->free_area[o].list))
			blk = list_entry(n1->free_area[o].list.next, struct page, lru);
	ok(blk && page_test(blk, PG_buddy), "a free block on node 1");
	uint64_t order = blk->private;
	blk->private = order ? order - 1 : order + 1;
	ok(mmsim_debug_check(m) > 0, "a free block of the wrong order on its list");
	blk->private = order;
	page_clear(blk, PG_buddy);
	ok(mmsim_debug_check(m) > 0, "a listed free block without PG_buddy");
	page_set(blk, PG_buddy);
	n1->nr_free--;
	ok(mmsim_debug_check(m) > 0, "nr_free off by one");
	n1->nr_free++;
	is(mmsim_debug_check(m), 0, "clean again");

	/* The untouched part: its first struct page must be as boot left
	 * it, and it must start on a block of the node. */
	struct page *first = pfn_to_page(&m->mm, n1->untouched_pfn);
	ok(n1->untouched_pfn < n1->start_pfn + n1->nr_pages, "node 1 has an untouched part");
	page_set(first, PG_reserved);
	ok(mmsim_debug_check(m) > 0, "a written struct page in the untouched part");
	page_clear(first, PG_reserved);
	n1->untouched_pfn += 1;
	ok(mmsim_debug_check(m) > 0, "an untouched part that does not start on a block");
	n1->untouched_pfn -= 1;
	n1->free_area[MAX_ORDER].nr_free--;
	ok(mmsim_debug_check(m) > 0, "an order-9 count that misses an untouched block");
	n1->free_area[MAX_ORDER].nr_free++;
	is(mmsim_debug_check(m), 0, "clean again");
}

int main(void)
{
	struct mmsim_config cfg;
	test_config(&cfg);
	if (mmsim_create(&cfg, &m)) {
		printf("Bail out! no machine\n");
		return 1;
	}
	struct mmsim_task *t = task_on(m, 0);
	test_vmas(t);
	test_lists(t);
	mmsim_task_exit(t);
	mmsim_destroy(m);
	return done_testing();
}
