/*
 * test_tlb.c - per-CPU TLBs, the MMU's access path and TLB shootdown
 * (src/hw/tlb.c, pmap_hw_walk in src/hw/pmap.c).
 *
 * Two hand-built address spaces (pmaps) over a real machine's page
 * allocator; no task runs, so an access the MMU cannot resolve faults into
 * kernel_fault() with no current task and gets SIGSEGV.  Counters are
 * compared as deltas around each step.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

static struct mmsim *m;
static struct mm_sys *s;
static struct hw_cpu *cpu0, *cpu1;
static struct pmap pm, pm2;
static struct mmsim_counters pmcnt, pm2cnt;

#define VA_A 0x10000000ULL	/* 256 MiB */
#define VA_RO 0x10001000ULL
#define VA_NONE 0x10002000ULL
#define VA_X 0x10003000ULL
#define VA_C 0x20000000ULL	/* 40 pages from 512 MiB */
#define NC 40
#define VA_H 0x40000000ULL	/* a 2 MiB page at 1 GiB */

static struct mmsim_counters c0, c1, p0;

static void snap(void)
{
	hw_cpu_counters(cpu0, &c0);
	hw_cpu_counters(cpu1, &c1);
	p0 = pmcnt;
}

/* A CPU's counters: its own plus the IPI work senders charged it. */
#define D0(f) ((long long)(cpu0->cnt.f + cpu0->irq_cnt.f - c0.f))
#define D1(f) ((long long)(cpu1->cnt.f + cpu1->irq_cnt.f - c1.f))
#define DP(f) ((long long)(pmcnt.f - p0.f))

static uint64_t new_frame(void)
{
	struct page *p = alloc_pages_node(s, NULL, 0, 0, GFP_ZERO);
	return page_to_pfn(s, p);
}

static void map4k(struct pmap *p, uint64_t va, uint64_t pfn, unsigned prot, unsigned flags)
{
	struct pmap_entry e = leaf(pfn, prot, flags);
	pmap_set(p, va, &e, NULL);
}

static uint8_t *xlate(struct hw_cpu *cpu, uint64_t va, unsigned acc, int *sig)
{
	*sig = 0;
	return hw_translate(cpu, va, acc, sig);
}

static void test_switch(void)
{
	snap();
	hw_switch_mm(cpu0, &pm);
	is(D0(tlb_flush_full), 1, "first switch to a new ASID flushes it once (tlb_gen 1)");
	is(pm.cpumask, 1, "cpumask: CPU 0");
	is(cpu0->asid, pm.asid, "CPU caches the ASID");
	snap();
	hw_switch_mm(cpu0, &pm);
	is(D0(tlb_flush_full), 0, "switching to the current pmap does nothing");
	ok(pm.asid != pm2.asid, "two pmaps, two ASIDs");
}

static void test_hits_and_dirty(uint64_t pa)
{
	int sig;
	struct pmap_entry e;
	uint8_t *want = hw_frame(m->hw, pa);

	map4k(&pm, VA_A, pa, PMAP_R | PMAP_W, 0);
	snap();
	uint8_t *h = xlate(cpu0, VA_A + 5, HW_ACC_READ, &sig);
	ok(h == want + 5, "read translates to the frame's byte 5");
	is(D0(tlb_misses), 1, "first read: one miss");
	is(D0(walks), 1, "... one walk");
	is(D0(tlb_hits), 0, "... no hit");
	is(D0(faults), 0, "... no fault");
	pmap_lookup(&pm, VA_A, &e);
	is(e.flags & (PMAP_ACCESSED | PMAP_DIRTY), PMAP_ACCESSED, "walk set A, not D");

	snap();
	h = xlate(cpu0, VA_A + 100, HW_ACC_READ, &sig);
	ok(h == want + 100, "second read: same frame");
	is(D0(tlb_hits), 1, "second read hits");
	is(D0(walks), 0, "... without a walk");

	/* First store to a clean page: the cached entry lacks W, walk again. */
	snap();
	h = xlate(cpu0, VA_A + 8, HW_ACC_WRITE, &sig);
	ok(h == want + 8, "store translates");
	is(D0(tlb_hits), 0, "first store to a clean page does not hit");
	is(D0(tlb_misses), 1, "... misses");
	is(D0(walks), 1, "... walks again");
	pmap_lookup(&pm, VA_A, &e);
	is(e.flags & (PMAP_ACCESSED | PMAP_DIRTY), PMAP_ACCESSED | PMAP_DIRTY, "walk set D");

	snap();
	xlate(cpu0, VA_A + 9, HW_ACC_WRITE, &sig);
	xlate(cpu0, VA_A + 10, HW_ACC_READ, &sig);
	is(D0(tlb_hits), 2, "then store and load both hit");
	is(D0(walks), 0, "... no walk");

	/* A page already dirty in the page table: the first store hits after a
	 * read filled the TLB with W. */
	uint64_t pb = new_frame();
	map4k(&pm, VA_A + 0x100000, pb, PMAP_R | PMAP_W, PMAP_DIRTY | PMAP_ACCESSED);
	xlate(cpu0, VA_A + 0x100000, HW_ACC_READ, &sig);
	snap();
	xlate(cpu0, VA_A + 0x100000, HW_ACC_WRITE, &sig);
	is(D0(tlb_hits), 1, "store to a page already dirty hits the entry a read filled");

	/* Faults: no task, so SIGSEGV. */
	map4k(&pm, VA_RO, pb, PMAP_R, 0);
	map4k(&pm, VA_NONE, pb, 0, 0);
	map4k(&pm, VA_X, pb, PMAP_R | PMAP_X, 0);
	snap();
	ok(xlate(cpu0, VA_RO, HW_ACC_WRITE, &sig) == NULL && sig == SIGSEGV,
	   "store to a read-only leaf: SIGSEGV");
	is(D0(faults), 1, "... one fault");
	pmap_lookup(&pm, VA_RO, &e);
	is(e.flags & PMAP_DIRTY, 0, "... and D not set");
	ok(xlate(cpu0, VA_RO, HW_ACC_READ, &sig) != NULL, "read of it is fine");
	ok(xlate(cpu0, VA_RO, HW_ACC_EXEC, &sig) == NULL && sig == SIGSEGV,
	   "exec of a non-X leaf: SIGSEGV");
	ok(xlate(cpu0, VA_X, HW_ACC_EXEC, &sig) == hw_frame(m->hw, pb), "exec of an RX leaf");
	ok(xlate(cpu0, VA_NONE, HW_ACC_READ, &sig) == NULL && sig == SIGSEGV,
	   "read of a PROT_NONE leaf: SIGSEGV");
	pmap_lookup(&pm, VA_NONE, &e);
	is(e.flags & PMAP_ACCESSED, 0, "PROT_NONE leaf: A not set");
	ok(xlate(cpu0, 0x30000000, HW_ACC_READ, &sig) == NULL && sig == SIGSEGV,
	   "unmapped address: SIGSEGV");
	ok(xlate(cpu0, TASK_SIZE, HW_ACC_READ, &sig) == NULL && sig == SIGSEGV,
	   "kernel address: SIGSEGV");
	is(D0(faults), 5, "five faults in all");
}

static void fill_c(struct hw_cpu *cpu)
{
	int sig;
	for (unsigned i = 0; i < NC; i++)
		xlate(cpu, VA_C + i * PAGE_SIZE, HW_ACC_READ, &sig);
}

/* How many of pages [first, first + n) of C hit in cpu's TLB now. */
static unsigned hits_c(struct hw_cpu *cpu, unsigned first, unsigned n)
{
	int sig;
	unsigned h = 0;
	for (unsigned i = first; i < first + n; i++) {
		uint64_t before = cpu->cnt.tlb_hits;
		xlate(cpu, VA_C + i * PAGE_SIZE, HW_ACC_READ, &sig);
		h += cpu->cnt.tlb_hits != before;
	}
	return h;
}

static void test_flush_ranges(uint64_t pa)
{
	int sig;
	for (unsigned i = 0; i < NC; i++)
		map4k(&pm, VA_C + i * PAGE_SIZE, pa, PMAP_R, 0);
	fill_c(cpu0);
	is(hits_c(cpu0, 0, NC), NC, "40 pages cached");

	snap();
	hw_flush_range(cpu0, &pm, VA_C, VA_C + PAGE_SIZE, PAGE_SHIFT);
	is(D0(tlb_invlpg), 1, "1-page flush: one invlpg");
	is(D0(tlb_flush_full), 0, "... no full flush");
	is(D0(tlb_flushes), 1, "... one flush request");
	is(D0(ipis_sent), 0, "... no IPI (no other CPU runs pm)");
	is(DP(tlb_invlpg), 1, "pmap counters: one invlpg");
	is(DP(tlb_flushes), 1, "pmap counters: one flush");
	is(hits_c(cpu0, 0, 1), 0, "the flushed page misses");
	is(hits_c(cpu0, 1, NC - 1), NC - 1, "the 39 others still hit");

	fill_c(cpu0);
	snap();
	hw_flush_range(cpu0, &pm, VA_C, VA_C + 33 * PAGE_SIZE, PAGE_SHIFT);
	is(D0(tlb_invlpg), 33, "33-page flush: 33 invlpg");
	is(D0(tlb_flush_full), 0, "... no full flush");
	is(DP(tlb_invlpg), 33, "pmap counters: 33 invlpg");
	is(hits_c(cpu0, 0, 33), 0, "the 33 pages miss");
	is(hits_c(cpu0, 33, NC - 33), NC - 33, "the 7 others still hit");

	fill_c(cpu0);
	xlate(cpu0, VA_A, HW_ACC_READ, &sig);
	snap();
	hw_flush_range(cpu0, &pm, VA_C, VA_C + 34 * PAGE_SIZE, PAGE_SHIFT);
	is(D0(tlb_invlpg), 0, "34-page flush: no invlpg");
	is(D0(tlb_flush_full), 1, "... one full flush");
	is(DP(tlb_flush_full), 1, "pmap counters: one full flush");
	is(DP(tlb_invlpg), 0, "pmap counters: no invlpg");
	is(hits_c(cpu0, 34, NC - 34), 0, "a full flush drops pages outside the range too");
	snap();
	xlate(cpu0, VA_A, HW_ACC_READ, &sig);
	is(D0(tlb_misses), 1, "... and every other entry of pm");

	/* Partial pages round to whole entries: [C + 1, C + 4097) meets 2. */
	fill_c(cpu0);
	snap();
	hw_flush_range(cpu0, &pm, VA_C + 1, VA_C + PAGE_SIZE + 1, PAGE_SHIFT);
	is(D0(tlb_invlpg), 2, "an unaligned 4 KiB range touches 2 pages: 2 invlpg");
	is(hits_c(cpu0, 0, 2), 0, "both miss");
	is(DP(tlb_invlpg), 2, "pmap counters agree: 2 invlpg");
	/* [C + 1, C + 33 pages + 1) meets 34 pages: more than the ceiling. */
	fill_c(cpu0);
	snap();
	hw_flush_range(cpu0, &pm, VA_C + 1, VA_C + 33 * PAGE_SIZE + 1, PAGE_SHIFT);
	is(D0(tlb_flush_full), 1, "an unaligned range meeting 34 pages: full flush");
	is(D0(tlb_invlpg), 0, "... no invlpg");

	snap();
	hw_flush_range(cpu0, &pm, VA_C, VA_C, PAGE_SHIFT);
	is(D0(tlb_flushes) + D0(tlb_invlpg) + D0(tlb_flush_full), 0, "an empty range is no flush");
}

static void test_huge(uint64_t hpfn)
{
	int sig;
	struct pmap_entry e;
	memset(&e, 0, sizeof e);
	e.kind = PMAP_PAGE;
	e.pfn = hpfn;
	e.prot = PMAP_R | PMAP_W;
	e.flags = PMAP_HUGE | PMAP_DIRTY | PMAP_ACCESSED;
	is(pmap_set(&pm, VA_H, &e, NULL), 0, "2 MiB leaf at 1 GiB");

	snap();
	uint8_t *h = xlate(cpu0, VA_H + 0x123456, HW_ACC_WRITE, &sig);
	ok(h == hw_frame(m->hw, hpfn) + 0x123456, "translates into the huge frame");
	is(D0(walks), 1, "one walk");
	snap();
	h = xlate(cpu0, VA_H + 0x1ff000, HW_ACC_READ, &sig);
	ok(h == hw_frame(m->hw, hpfn) + 0x1ff000, "another 4K of the huge page");
	is(D0(tlb_hits), 1, "hits the 2 MiB TLB entry");
	is(D0(walks), 0, "no walk");

	snap();
	hw_flush_range(cpu0, &pm, VA_H, VA_H + PMD_SIZE, PMD_SHIFT);
	is(D0(tlb_invlpg), 1, "2 MiB flush at PMD stride: one invalidation");
	is(D0(tlb_flush_full), 0, "... not a full flush");
	is(DP(tlb_invlpg), 1, "pmap counters: one invlpg");
	snap();
	xlate(cpu0, VA_H + 0x1000, HW_ACC_READ, &sig);
	is(D0(tlb_misses), 1, "the huge entry is gone");

	snap();
	hw_flush_range(cpu0, &pm, VA_H, VA_H + 16 * PMD_SIZE, PMD_SHIFT);
	is(D0(tlb_invlpg), 16, "16 huge entries at PMD stride: 16 invalidations");
	snap();
	hw_flush_range(cpu0, &pm, VA_H, VA_H + PMD_SIZE, PAGE_SHIFT);
	is(D0(tlb_flush_full), 1, "the same 2 MiB at 4 KiB stride is 512 entries: full flush");

	e.kind = PMAP_EMPTY;
	pmap_set(&pm, VA_H, &e, NULL);
}

static void test_ipis(void)
{
	int sig;
	hw_switch_mm(cpu1, &pm);
	is(pm.cpumask, 3, "cpumask: CPUs 0 and 1");
	xlate(cpu1, VA_A, HW_ACC_READ, &sig);

	snap();
	hw_flush_range(cpu0, &pm, VA_A, VA_A + PAGE_SIZE, PAGE_SHIFT);
	is(D0(ipis_sent), 1, "flush with both CPUs on pm: one IPI sent");
	is(D1(ipis_received), 1, "CPU 1 received it");
	is(D0(ipis_received), 0, "CPU 0 sent no IPI to itself");
	is(D1(tlb_invlpg), 1, "CPU 1 invalidated the page");
	is(D0(tlb_invlpg), 1, "CPU 0 invalidated it locally");
	is(DP(ipis_sent), 1, "pmap counters: one IPI");
	is(D1(tlb_flushes), 0, "the request is counted on the sender only");
	snap();
	xlate(cpu1, VA_A, HW_ACC_READ, &sig);
	is(D1(tlb_misses), 1, "CPU 1's entry is gone");

	hw_switch_mm(cpu1, &pm2);
	is(pm.cpumask, 1, "CPU 1 left pm");
	is(pm2.cpumask, 2, "CPU 1 runs pm2");
	snap();
	hw_flush_range(cpu0, &pm, VA_A, VA_A + PAGE_SIZE, PAGE_SHIFT);
	is(D0(ipis_sent), 0, "CPU 1 no longer runs pm: no IPI");
	is(D1(ipis_received) + D1(tlb_invlpg), 0, "CPU 1 untouched");

	/* The caller need not run pm itself. */
	hw_switch_mm(cpu0, &pm2);
	hw_switch_mm(cpu1, &pm);
	snap();
	hw_flush_range(cpu0, &pm, VA_A, VA_A + PAGE_SIZE, PAGE_SHIFT);
	is(D0(ipis_sent), 1, "CPU 0 on pm2 flushing pm: IPI to CPU 1");
	is(D0(tlb_invlpg), 0, "CPU 0 does not invalidate locally");
	is(D1(tlb_invlpg), 1, "CPU 1 does");

	hw_switch_mm(cpu1, &pm2);
	is(pm.cpumask, 0, "nobody runs pm");
	uint64_t gen = pm.tlb_gen;
	snap();
	hw_flush_range(cpu0, &pm, VA_A, VA_A + PAGE_SIZE, PAGE_SHIFT);
	is(D0(ipis_sent) + D0(tlb_invlpg) + D1(tlb_invlpg), 0, "nobody runs pm: no IPI, no invlpg");
	is(pm.tlb_gen, gen + 1, "but the generation moves on");

	/* hw_flush_mm: both CPUs on pm. */
	hw_switch_mm(cpu0, &pm);
	hw_switch_mm(cpu1, &pm);
	snap();
	hw_flush_mm(cpu0, &pm);
	is(D0(tlb_flush_full), 1, "hw_flush_mm: one full flush, started by CPU 0");
	ok(D1(tlb_flush_full) == 0 && D1(ipis_received) == 1,
	   "... CPU 1 flushes on the IPI (counted there as an IPI, not as a flush it started)");
	is(D0(ipis_sent), 1, "... one IPI");
	is(DP(tlb_flush_full), 1, "pmap counters: one full flush");
}

static void test_tlb_gen(uint64_t pa, uint64_t pa2)
{
	int sig;
	/* Both CPUs on pm; CPU 1 caches VA_A -> pa. */
	map4k(&pm, VA_A, pa, PMAP_R | PMAP_W, PMAP_ACCESSED);
	hw_flush_range(cpu0, &pm, VA_A, VA_A + PAGE_SIZE, PAGE_SHIFT);
	ok(xlate(cpu1, VA_A, HW_ACC_READ, &sig) == hw_frame(m->hw, pa), "CPU 1 reads frame pa");

	/* Without a flush in between, switching away and back keeps the
	 * entry: the TLB is tagged by ASID. */
	hw_switch_mm(cpu1, &pm2);
	snap();
	hw_switch_mm(cpu1, &pm);
	is(D1(tlb_flush_full), 0, "away and back with no flush: no flush at switch");
	snap();
	ok(xlate(cpu1, VA_A, HW_ACC_READ, &sig) == hw_frame(m->hw, pa), "still frame pa");
	is(D1(tlb_hits), 1, "the entry survived the switches");

	/* CPU 1 leaves; VA_A is remapped to pa2 and flushed while CPU 1 is
	 * away: no IPI reaches it, its entry is stale... */
	hw_switch_mm(cpu1, &pm2);
	map4k(&pm, VA_A, pa2, PMAP_R | PMAP_W, PMAP_ACCESSED);
	snap();
	hw_flush_range(cpu0, &pm, VA_A, VA_A + PAGE_SIZE, PAGE_SHIFT);
	is(D0(ipis_sent), 0, "no IPI to the CPU that left");
	ok(pm.seen_gen[1] != pm.tlb_gen, "CPU 1 has not seen the new generation");
	/* ... until it switches back. */
	snap();
	hw_switch_mm(cpu1, &pm);
	is(D1(tlb_flush_full), 1, "switching back to a pmap that moved on flushes its ASID");
	is(pm.seen_gen[1], pm.tlb_gen, "CPU 1 caught up");
	snap();
	uint8_t *h = xlate(cpu1, VA_A, HW_ACC_READ, &sig);
	ok(h == hw_frame(m->hw, pa2), "CPU 1 now reads frame pa2, not the stale pa");
	is(D1(tlb_misses), 1, "... after a miss");

	/* ASIDs keep address spaces apart on one CPU. */
	uint64_t pb = new_frame();
	map4k(&pm2, VA_A, pb, PMAP_R, 0);
	hw_switch_mm(cpu1, &pm2);
	ok(xlate(cpu1, VA_A, HW_ACC_READ, &sig) == hw_frame(m->hw, pb), "pm2's VA_A is its own");
	hw_switch_mm(cpu1, &pm);
	ok(xlate(cpu1, VA_A, HW_ACC_READ, &sig) == hw_frame(m->hw, pa2), "pm's VA_A is pa2");
	struct pmap_entry e;
	memset(&e, 0, sizeof e);
	pmap_set(&pm2, VA_A, &e, NULL);
	free_pages(s, pfn_to_page(s, pb), 0);
}

/*
 * The accessed bit of a PMD entry pointing to a PTE table (x86's non-leaf
 * A): a new table has it; once cleared, a TLB hit leaves it clear (no
 * walk), the next miss through the table sets it again; a miss in another
 * table leaves this one's alone.
 */
#define VA_P 0x60000000ULL	/* its own PTE table, at 1.5 GiB */

static void test_pmd_young(uint64_t pa)
{
	int sig;
	map4k(&pm, VA_P, pa, PMAP_R | PMAP_W, 0);
	map4k(&pm, VA_P + PAGE_SIZE, pa, PMAP_R | PMAP_W, 0);
	map4k(&pm, VA_P + PMD_SIZE, pa, PMAP_R | PMAP_W, 0);
	ok(pmap_pmd_young(&pm, VA_P), "a new PTE table's PMD entry is young");
	ok(pmap_pmd_test_and_clear_young(&pm, VA_P), "test-and-clear: it was young");
	ok(!pmap_pmd_young(&pm, VA_P), "... and now is old");
	ok(!pmap_pmd_test_and_clear_young(&pm, VA_P), "a second test-and-clear: old");
	ok(!pmap_pmd_young(&pm, VA_P + 0x1000000), "no table there: not young");
	ok(!pmap_pmd_young(&pm, VA_H), "a huge leaf is no table: not young");

	snap();
	xlate(cpu0, VA_P, HW_ACC_READ, &sig);
	is(D0(walks), 1, "a TLB miss walks");
	ok(pmap_pmd_young(&pm, VA_P), "... through the PMD entry, setting its A");
	ok(pmap_pmd_test_and_clear_young(&pm, VA_P), "cleared again (no flush)");
	snap();
	xlate(cpu0, VA_P + 8, HW_ACC_READ, &sig);
	is(D0(tlb_hits), 1, "the same page hits the TLB");
	ok(!pmap_pmd_young(&pm, VA_P), "... no walk: the PMD entry stays old");
	pmap_pmd_test_and_clear_young(&pm, VA_P + PMD_SIZE);
	xlate(cpu0, VA_P + PMD_SIZE, HW_ACC_READ, &sig);
	ok(pmap_pmd_young(&pm, VA_P + PMD_SIZE) && !pmap_pmd_young(&pm, VA_P),
	   "a miss in the next table sets that one's bit only");
	snap();
	xlate(cpu0, VA_P + PAGE_SIZE, HW_ACC_WRITE, &sig);
	is(D0(tlb_misses), 1, "a miss on the table's second page");
	ok(pmap_pmd_young(&pm, VA_P), "... sets it");
	hw_flush_mm(cpu0, &pm);
}

static void clear_all(struct pmap *p)
{
	struct pmap_iter it;
	struct pmap_entry e;
	pmap_iter_init(&it, p, 0, TASK_SIZE);
	while (pmap_iter_next(&it, &e))
		pmap_iter_clear(&it, NULL);
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
	cpu0 = &m->hw->cpu[0];
	cpu1 = &m->hw->cpu[1];
	is(m->hw->cfg.flush_ceiling, 33, "default flush ceiling 33");
	pmap_init(&pm, m->hw, 0, &s->pt_ops, s, &pmcnt);
	pmap_init(&pm2, m->hw, 0, &s->pt_ops, s, &pm2cnt);

	uint64_t pa = new_frame(), pa2 = new_frame();
	struct page *huge = alloc_pages_node(s, NULL, 0, MAX_ORDER, 0);

	test_switch();
	test_hits_and_dirty(pa);
	test_flush_ranges(pa);
	test_huge(page_to_pfn(s, huge));
	test_ipis();
	test_tlb_gen(pa, pa2);
	test_pmd_young(pa);

	hw_switch_mm(cpu0, NULL);
	hw_switch_mm(cpu1, NULL);
	clear_all(&pm);
	clear_all(&pm2);
	pmap_destroy(&pm);
	pmap_destroy(&pm2);
	mmsim_destroy(m);
	return done_testing();
}
