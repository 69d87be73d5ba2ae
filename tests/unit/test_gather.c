/*
 * test_gather.c - mmu_gather (src/mm/mmu_gather.c) and the munmap path
 * that uses it (src/mm/mmap.c, memory.c): one flush per gather, pages
 * freed only after the flush, early flushes when the batch fills or the
 * page size changes, no flush when nothing changed.
 *
 * Node free-page counts are exact: before measuring, the per-CPU LRU add
 * batches are drained so they hold no page references.
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
static struct mmu_gather tlb;	/* 8 KiB of arrays: keep it off the stack */

static struct mmsim *machine(enum mmsim_flush_policy pol)
{
	struct mmsim_config cfg;
	struct mmsim *mm_ = NULL;
	test_config(&cfg);
	cfg.flush_policy = pol;
	if (mmsim_create(&cfg, &mm_))
		return NULL;
	return mm_;
}

static uint64_t nfree(struct mmsim *mach, unsigned nid)
{
	return node_free_pages(&mach->mm, nid);
}

static void test_zap_then_flush(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct mm_struct *mm = t->mm;
	/* Far from the vDSO's mappings, whose page tables stay. */
	uint64_t X = (uint64_t)mmsim_sys_mmap(t, 0x20000000ULL, 8 * P, RW, PRIV | MAP_FIXED, -1, 0);
	uint64_t fa;
	mmsim_fill(t, X, 0x77, 8 * P, &fa);
	lru_add_drain_all(&m->mm);

	struct pmap_entry e;
	pmap_lookup(&mm->pmap, X + 3 * P, &e);
	uint64_t pfn3 = e.pfn;
	uint64_t f0 = nfree(m, 0);
	struct mmsim_counters c0 = mm->cnt, k0 = cpu->cnt;

	tlb_gather_mmu(&tlb, mm, cpu);
	zap_vma_range(&tlb, vma_lookup(mm, X), X, X + 8 * P);
	is(tlb.nr_pages, 8, "zap queued 8 pages");
	ok(tlb.start == X && tlb.end == X + 8 * P, "envelope is the 8 pages");
	ok(tlb.cleared_ptes && !tlb.cleared_pmds, "PTE level cleared");
	is(pmap_lookup(&mm->pmap, X + 3 * P, &e), PMAP_EMPTY, "entries are already unhooked");
	is(nfree(m, 0), f0, "but no page is freed before the flush");
	is(mm->cnt.tlb_flushes, c0.tlb_flushes, "no flush yet");
	ok(page_test(pfn_to_page(&m->mm, pfn3), PG_lru) && pfn_to_page(&m->mm, pfn3)->refcount == 1,
	   "page 3 still allocated, held by the gather only");
	/* The stale TLB entry still reaches the page: it must not be freed
	 * yet (unhook, invalidate, free). */
	int sig = 0;
	uint64_t hits = cpu->cnt.tlb_hits;
	uint8_t *h = hw_translate(cpu, X + 3 * P, HW_ACC_READ, &sig);
	ok(h == hw_frame(m->hw, pfn3) && cpu->cnt.tlb_hits == hits + 1,
	   "the CPU's stale TLB entry still maps the old frame");

	tlb_finish_mmu(&tlb);
	is(tlb.flushes, 1, "tlb_finish_mmu: one flush");
	is(nfree(m, 0), f0 + 8, "the 8 pages are freed after it");
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, 1, "mm counts one flush");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 8, "8 invlpg (8 pages <= 33)");
	is(mm->cnt.tlb_flush_full - c0.tlb_flush_full, 0, "no full flush");
	is(cpu->cnt.tlb_invlpg - k0.tlb_invlpg, 8, "the CPU did the 8 invlpg");

	/* munmap now: no page left, but the page tables go. */
	f0 = nfree(m, 0);
	c0 = mm->cnt;
	is(mmsim_sys_munmap(t, X, 8 * P), 0, "munmap the zapped range");
	is(nfree(m, 0), f0 + 3, "PTE, PMD and PUD tables freed (no VMA left)");
	is(mm->cnt.pt_free - c0.pt_free, 3, "pt_free 3");
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, 1, "freed tables need one flush");
	is(mm->pmap.nr_tables, 4, "only the PGD and the vDSO's tables are left");
	mmsim_task_exit(t);
}

static void test_munmap_counts(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct mm_struct *mm = t->mm;
	uint64_t fa;

	lru_add_drain_all(&m->mm);
	uint64_t f0 = nfree(m, 0);
	/* Away from the vDSO, whose page tables would serve it too. */
	uint64_t X = (uint64_t)mmsim_sys_mmap(t, 0x20000000ULL, 8 * P, RW, PRIV | MAP_FIXED, -1, 0);
	mmsim_fill(t, X, 1, 8 * P, &fa);
	is(nfree(m, 0), f0 - 8 - 3, "8 pages and 3 page tables allocated");
	lru_add_drain_all(&m->mm);
	struct mmsim_counters c0 = mm->cnt;
	is(mmsim_sys_munmap(t, X, 8 * P), 0, "munmap");
	is(nfree(m, 0), f0, "all 11 frames back");
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, 1, "one flush for the munmap");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 8, "8 invlpg");
	is(m->mm.node[0].nr_anon, 0, "no anonymous page accounted on node 0");

	/* Linux 6.12's free_pages_and_swap_cache() drains this CPU's LRU
	 * batch first (lru_add_drain(); the call went away only in 6.14), so
	 * pages faulted on this CPU and unmapped at once are freed by munmap
	 * itself. */
	X = (uint64_t)mmsim_sys_mmap(t, 0x20000000ULL, 8 * P, RW, PRIV | MAP_FIXED, -1, 0);
	mmsim_fill(t, X, 1, 8 * P, &fa);
	is(mmsim_sys_munmap(t, X, 8 * P), 0, "munmap without a manual drain");
	is(nfree(m, 0), f0, "all frames back: the local LRU batch was drained");
	lru_add_drain_all(&m->mm);
	is(nfree(m, 0), f0, "after a drain all frames are back");
	mmsim_task_exit(t);
}

/* D | C | B | A with alternating prot so they stay four VMAs; unmapping C
 * and B leaves D and A, which keep the page tables. */
static void test_multi_vma(struct mmsim *mach, unsigned want_flushes, const char *what)
{
	struct mmsim_task *t = task_on(mach, 0);
	struct mm_struct *mm = t->mm;
	uint64_t fa;
	long A = mmsim_sys_mmap(t, 0, P, RW, PRIV, -1, 0);
	long B = mmsim_sys_mmap(t, 0, 3 * P, RW | PROT_EXEC, PRIV, -1, 0);
	long C = mmsim_sys_mmap(t, 0, 3 * P, RW, PRIV, -1, 0);
	long D = mmsim_sys_mmap(t, 0, P, RW | PROT_EXEC, PRIV, -1, 0);
	ok(B == A - 3 * (long)P && C == B - 3 * (long)P && D == C - (long)P,
	   "%s: four adjacent VMAs", what);
	is(mmsim_task_vmas(t, (uint64_t)D, (uint64_t)A + P, NULL, 0), 4, "%s: 4 VMAs", what);
	mmsim_fill(t, (uint64_t)D, 3, 8 * P, &fa);
	lru_add_drain_all(&mach->mm);
	uint64_t f0 = nfree(mach, 0);
	struct mmsim_counters c0 = mm->cnt;
	uint64_t t0 = mm->pmap.nr_tables;

	is(mmsim_sys_munmap(t, (uint64_t)C, 6 * P), 0, "%s: munmap C and B", what);
	is(mmsim_task_vmas(t, (uint64_t)D, (uint64_t)A + P, NULL, 0), 2, "%s: D and A left", what);
	is(nfree(mach, 0), f0 + 6, "%s: 6 pages freed, no page table", what);
	is(mm->pmap.nr_tables, t0, "%s: tables kept (D and A share them)", what);
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, want_flushes, "%s: %u flush(es)", what,
	   want_flushes);
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 6, "%s: 6 invlpg", what);
	ok(mmsim_load(t, (uint64_t)D, &fa, 1, NULL) == 0 && mmsim_load(t, (uint64_t)A, &fa, 1, NULL) == 0,
	   "%s: D and A still mapped", what);
	mmsim_task_exit(t);
}

static void test_batch_overflow(void)
{
	static struct page *pg[600];
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct mm_struct *mm = t->mm;
	const uint64_t base = 0x100000000ULL;

	for (unsigned i = 0; i < 600; i++)
		pg[i] = alloc_pages_node(&m->mm, NULL, 1, 0, GFP_THISNODE);
	uint64_t f1 = nfree(m, 1);
	struct mmsim_counters c0 = mm->cnt;

	tlb_gather_mmu(&tlb, mm, cpu);
	unsigned flushes_at_511 = 99, queued_at_511 = 0;
	uint64_t free_at_511 = 0, free_at_512 = 0;
	for (unsigned i = 0; i < 600; i++) {
		tlb_track_entry(&tlb, base + i * P, P);
		tlb_remove_page(&tlb, pg[i]);
		if (i == 510) {
			flushes_at_511 = tlb.flushes;
			queued_at_511 = tlb.nr_pages;
			free_at_511 = nfree(m, 1);
		}
		if (i == 511)
			free_at_512 = nfree(m, 1);
	}
	is(flushes_at_511, 0, "511 pages queued: no flush yet");
	is(queued_at_511, 511, "511 pages in the batch");
	is(free_at_511, f1, "none freed");
	is(free_at_512, f1 + 512, "the 512th page filled the batch: flushed and freed 512");
	is(tlb.flushes, 1, "600 queued: one early flush so far");
	is(tlb.nr_pages, 88, "88 pages wait for the final flush");
	is(nfree(m, 1), f1 + 512, "... still allocated");
	tlb_finish_mmu(&tlb);
	is(tlb.flushes, 2, "tlb_finish_mmu: two flushes in all");
	is(nfree(m, 1), f1 + 600, "all 600 freed");
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, 2, "mm counts 2 flushes");
	is(mm->cnt.tlb_flush_full - c0.tlb_flush_full, 2, "512 and 88 pages: both full flushes");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 0, "no invlpg");
	mmsim_task_exit(t);
}

static void test_nothing_tracked(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct mm_struct *mm = t->mm;
	struct mmsim_counters c0 = mm->cnt, k0 = cpu->cnt;
	uint64_t gen = mm->pmap.tlb_gen;

	tlb_gather_mmu(&tlb, mm, cpu);
	tlb_finish_mmu(&tlb);
	is(tlb.flushes, 0, "empty gather: no flush");
	is(mm->cnt.tlb_flushes, c0.tlb_flushes, "mm tlb_flushes unchanged");
	is(cpu->cnt.tlb_flushes, k0.tlb_flushes, "CPU tlb_flushes unchanged");
	is(mm->pmap.tlb_gen, gen, "tlb_gen unchanged");

	/* Pages queued without any entry tracked: freed, still no flush. */
	struct page *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = alloc_pages_node(&m->mm, NULL, 1, 0, GFP_THISNODE);
	uint64_t f1 = nfree(m, 1);
	tlb_gather_mmu(&tlb, mm, cpu);
	for (int i = 0; i < 3; i++)
		tlb_remove_page(&tlb, p[i]);
	tlb_finish_mmu(&tlb);
	is(tlb.flushes, 0, "no entry changed: no flush");
	is(nfree(m, 1), f1 + 3, "the queued pages are freed anyway");
	is(mm->cnt.tlb_flushes, c0.tlb_flushes, "mm tlb_flushes unchanged");

	/* munmap of a range with no pages mapped and no page tables: the
	 * VMA goes, nothing is flushed. */
	uint64_t X = (uint64_t)mmsim_sys_mmap(t, 0, 4 * P, RW, PRIV, -1, 0);
	c0 = mm->cnt;
	is(mmsim_sys_munmap(t, X, 4 * P), 0, "munmap of a never-touched mapping");
	is(mm->cnt.tlb_flushes, c0.tlb_flushes, "... no flush");
	is(mm->cnt.tlb_invlpg + mm->cnt.tlb_flush_full, c0.tlb_invlpg + c0.tlb_flush_full,
	   "... no invalidation");
	mmsim_task_exit(t);
}

static void test_page_size_change(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct mm_struct *mm = t->mm;
	const uint64_t X = 0x10000000ULL, H = 0x40000000ULL;
	struct mmsim_counters c0 = mm->cnt, k0 = cpu->cnt;
	uint64_t gen = mm->pmap.tlb_gen;

	struct page *p = alloc_pages_node(&m->mm, NULL, 1, 0, GFP_THISNODE);
	uint64_t f1 = nfree(m, 1);
	tlb_gather_mmu(&tlb, mm, cpu);
	tlb_track_entry(&tlb, X, P);
	tlb_remove_page(&tlb, p);
	tlb_track_entry(&tlb, X + P, P);
	is(tlb.flushes, 0, "two 4 KiB entries: no flush");
	tlb_track_entry(&tlb, H, PMD_SIZE);
	is(tlb.flushes, 1, "a 2 MiB entry after 4 KiB ones: flushed early, once");
	is(nfree(m, 1), f1 + 1, "the early flush freed the page queued before it");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 2, "early flush: the two 4 KiB entries");
	ok(tlb.start == H && tlb.end == H + PMD_SIZE, "envelope restarted at the 2 MiB entry");
	tlb_track_entry(&tlb, H + PMD_SIZE, PMD_SIZE);
	is(tlb.flushes, 1, "another 2 MiB entry: no flush");
	tlb_finish_mmu(&tlb);
	is(tlb.flushes, 2, "finish: two flushes in all");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 4, "final flush: 2 entries at 2 MiB stride");
	is(mm->cnt.tlb_flush_full - c0.tlb_flush_full, 0, "no full flush");
	is(mm->cnt.tlb_flushes - c0.tlb_flushes, 2, "mm counts 2 flushes");
	is(cpu->cnt.tlb_invlpg - k0.tlb_invlpg, 4, "CPU did 4 invalidations");
	is(mm->pmap.tlb_gen, gen + 2, "tlb_gen moved twice");

	/* And the other way round. */
	c0 = mm->cnt;
	tlb_gather_mmu(&tlb, mm, cpu);
	tlb_track_entry(&tlb, H, PMD_SIZE);
	tlb_track_entry(&tlb, X, P);
	is(tlb.flushes, 1, "4 KiB after 2 MiB: one early flush");
	tlb_finish_mmu(&tlb);
	is(tlb.flushes, 2, "two in all");
	is(mm->cnt.tlb_invlpg - c0.tlb_invlpg, 2, "one invalidation each");
	mmsim_task_exit(t);
}

int main(void)
{
	m = machine(MMSIM_FLUSH_GATHER);
	if (!m) {
		ok(0, "machine");
		return done_testing();
	}
	is(GATHER_BATCH, 512, "GATHER_BATCH is 512");
	test_zap_then_flush();
	test_munmap_counts();
	test_multi_vma(m, 1, "gather");
	test_batch_overflow();
	test_nothing_tracked();
	test_page_size_change();
	mmsim_destroy(m);

	struct mmsim *pv = machine(MMSIM_FLUSH_PER_VMA);
	if (pv) {
		test_multi_vma(pv, 2, "per_vma");
		mmsim_destroy(pv);
	}
	return done_testing();
}
