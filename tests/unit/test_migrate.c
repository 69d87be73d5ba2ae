/*
 * test_migrate.c - the migration core (src/mm/migrate.c, with rmap.c's
 * try_to_migrate / remove_migration_ptes): migrate_pages() called directly
 * on pages isolated from their LRU, each of its failure paths, and what a
 * migrated page carries over.
 *
 * Machines: 2 nodes, 2 CPUs (CPU c on node c), 64 MiB per node.  Tasks run
 * on CPU 0, so their pages start on node 0 and are migrated to node 1.
 * Before every isolation or free-page count, the per-CPU LRU add batches
 * are drained so they hold no page references.  Tests 2 and 3 run
 * migrate_pages() on a second host thread while the main thread only
 * holds or releases the page lock / writeback bit (one thread drives the
 * machine at a time); tests 10-12 use a threaded machine (cfg.threaded),
 * with the main thread acting as CPU 0 and the task's thread as CPU 1.
 *
 * Reference counts of an anonymous page: one per mapping, one for its
 * isolation; a shared-memory page also has its page-cache (slot) one.
 *
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

/* A node's anonymous pages on the evictable lists (either LRU). */
static uint64_t anon_lru(struct mm_sys *s, unsigned nid)
{
	return lru_size(s, nid, LRU_INACTIVE_ANON) + lru_size(s, nid, LRU_ACTIVE_ANON);
}

static struct mmsim *m;	/* THP never, not threaded */

/* ---- helpers -------------------------------------------------------------- */

static struct mmsim *machine(enum mmsim_thp thp, bool threaded)
{
	struct mmsim_config cfg;
	struct mmsim *mach = NULL;
	test_config(&cfg);
	cfg.thp = thp;
	cfg.threaded = threaded;
	if (mmsim_create(&cfg, &mach))
		return NULL;
	return mach;
}

static uint64_t map(struct mmsim_task *t, uint64_t len, int flags)
{
	return (uint64_t)mmsim_sys_mmap(t, 0, len, RW, flags, -1, 0);
}


static unsigned nid(struct mmsim *mach, const struct page *p)
{
	return page_to_nid(&mach->mm, p);
}

static unsigned pfn_nid(struct mmsim *mach, uint64_t pfn)
{
	return hw_pfn_node(mach->hw, pfn);
}

static uint64_t nfree(struct mmsim *mach, unsigned n)
{
	return node_free_pages(&mach->mm, n);
}

static struct mmsim_counters tc(struct mmsim_task *t)
{
	struct mmsim_counters c;
	mmsim_counters_task(t, &c);
	return c;
}

static uint8_t pat(uint64_t page, uint64_t j, unsigned seed)
{
	return (uint8_t)(seed * 13 + page * 31 + j * 7 + (j >> 8));
}

/* Writes a pattern (different in every page) over npages pages. */
static int write_pattern(struct mmsim_task *t, uint64_t addr, uint64_t npages, unsigned seed)
{
	static uint8_t buf[P];
	uint64_t fa;
	for (uint64_t i = 0; i < npages; i++) {
		for (uint64_t j = 0; j < P; j++)
			buf[j] = pat(i, j, seed);
		int sig = mmsim_store(t, addr + i * P, buf, P, &fa);
		if (sig)
			return sig;
	}
	return 0;
}

/* How many of the npages pages do not read back the pattern. */
static unsigned bad_pages(struct mmsim_task *t, uint64_t addr, uint64_t npages, unsigned seed)
{
	static uint8_t buf[P];
	uint64_t fa;
	unsigned bad = 0;
	for (uint64_t i = 0; i < npages; i++) {
		if (mmsim_load(t, addr + i * P, buf, P, &fa)) {
			bad++;
			continue;
		}
		for (uint64_t j = 0; j < P; j++) {
			if (buf[j] != pat(i, j, seed)) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

static unsigned list_len(const struct list_head *l)
{
	unsigned n = 0;
	for (const struct list_head *e = l->next; e != l; e = e->next)
		n++;
	return n;
}

static struct page *list_nth(const struct list_head *l, unsigned n)
{
	const struct list_head *e = l->next;
	while (n-- && e != l)
		e = e->next;
	return e == l ? NULL : list_entry(e, struct page, lru);
}

/* Drains the LRU batches and isolates p onto l: 0 or -EBUSY. */
static int isolate(struct mmsim *mach, struct page *p, struct list_head *l)
{
	lru_add_drain_all(&mach->mm);
	return isolate_page_for_migration(&mach->mm, p, l);
}

/* priv for alloc_migration_target: node n, any node allowed. */
static struct migration_target_control target[2] = {
	{ .nid = 0, .nmask = UINT64_MAX },
	{ .nid = 1, .nmask = UINT64_MAX },
};
#define NODE(n) ((unsigned long)&target[(n)])

/* A get_new that counts its calls and can fail the fail_at-th one. */
static unsigned new_calls, new_fail_at;

static void reset_new(unsigned fail_at)
{
	__atomic_store_n(&new_calls, 0, __ATOMIC_SEQ_CST);
	new_fail_at = fail_at;
}

static unsigned calls(void)
{
	return __atomic_load_n(&new_calls, __ATOMIC_SEQ_CST);
}

static struct page *counting_new(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
				 unsigned long priv)
{
	unsigned n = __atomic_add_fetch(&new_calls, 1, __ATOMIC_SEQ_CST);
	if (new_fail_at && n == new_fail_at)
		return NULL;
	return alloc_migration_target(s, cpu, src, priv);
}

static struct page *no_new(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
			   unsigned long priv)
{
	(void)s;
	(void)cpu;
	(void)src;
	(void)priv;
	__atomic_add_fetch(&new_calls, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* migrate_pages() on another host thread. */
struct mig_job {
	struct mmsim *mach;
	struct hw_cpu *cpu;
	struct list_head *list;
	new_page_fn get_new;
	unsigned long node;
	enum migrate_mode mode;
	int ret;
	unsigned nr;
	int done;
	pthread_t th;
};

static void *mig_main(void *arg)
{
	struct mig_job *j = arg;
	j->ret = migrate_pages(&j->mach->mm, j->cpu, j->list, j->get_new, NODE(j->node), j->mode,
			       &j->nr);
	__atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int mig_start(struct mig_job *j, struct mmsim *mach, struct hw_cpu *cpu,
		     struct list_head *list, unsigned long node, enum migrate_mode mode)
{
	memset(j, 0, sizeof *j);
	j->mach = mach;
	j->cpu = cpu;
	j->list = list;
	j->get_new = counting_new;
	j->node = node;
	j->mode = mode;
	j->ret = 12345;
	return pthread_create(&j->th, NULL, mig_main, j);
}

static bool job_done(struct mig_job *j)
{
	return __atomic_load_n(&j->done, __ATOMIC_SEQ_CST);
}

/* ---- 1. success ------------------------------------------------------------ */

static void test_success(void)
{
	enum { N = 100 };
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, N * P, PRIV);
	static struct page *old[N];
	static struct pmap_entry e0[N];
	static uintptr_t mapping0[N];
	static uint64_t index0[N];
	struct list_head list;

	printf("# 1. success: %d anonymous pages 0 -> 1\n", N);
	is(write_pattern(t, a, N, 1), 0, "write %d pages", N);
	lru_add_drain_all(s);
	unsigned on0 = 0, fresh = 0;
	for (unsigned i = 0; i < N; i++) {
		e0[i] = pte(t, a + i * P);
		old[i] = pfn_to_page(s, e0[i].pfn);
		mapping0[i] = old[i]->mapping;
		index0[i] = old[i]->index;
		on0 += e0[i].kind == PMAP_PAGE && nid(m, old[i]) == 0;
		fresh += page_count(old[i]) == 1 && mapcount(old[i]) == 1 && page_test(old[i], PG_lru) &&
			 page_test(old[i], PG_anon_exclusive) && page_anon(old[i]);
	}
	is(on0, N, "all on node 0");
	is(fresh, N, "each: refcount 1, mapcount 1, on the LRU, anon, exclusive");
	ok((e0[0].prot & PMAP_W) && (e0[0].flags & PMAP_DIRTY), "PTEs writable and dirty");

	uint64_t f0 = nfree(m, 0), f1 = nfree(m, 1);
	uint64_t anon0 = s->node[0].nr_anon, anon1 = s->node[1].nr_anon;
	uint64_t lru0 = anon_lru(s, 0);
	uint64_t lru1 = anon_lru(s, 1);
	struct mmsim_counters k0 = cpu->cnt, c0 = tc(t);

	list_init(&list);
	unsigned iso = 0;
	for (unsigned i = 0; i < N; i++)
		iso += isolate_page_for_migration(s, old[i], &list) == 0;
	is(iso, N, "isolated %d pages", N);
	is(list_len(&list), N, "all on the list");
	ok(page_count(old[7]) == 2 && !page_test(old[7], PG_lru), "isolated: +1 ref, off the LRU");
	is(anon_lru(s, 0), lru0 - N, "node 0 anon LRU shrank");
	is(isolate_page_for_migration(s, old[7], &list), -EBUSY, "isolating twice: -EBUSY");

	unsigned nr = 999;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "migrate_pages: 0 (nothing failed)");
	is(nr, N, "nr_succeeded %d", N);
	ok(list_empty(&list), "the list is empty");
	is(nfree(m, 0), f0 + N, "node 0 got the %d old frames back", N);
	is(nfree(m, 1), f1 - N, "node 1 gave %d frames", N);
	is(s->node[0].nr_anon, anon0 - N, "nr_anon: node 0 -%d", N);
	is(s->node[1].nr_anon, anon1 + N, "nr_anon: node 1 +%d", N);
	is(anon_lru(s, 1), lru1 + N, "node 1 anon LRU grew by %d", N);
	is(anon_lru(s, 0), lru0 - N, "node 0 LRU did not get them back");
	is(cpu->cnt.pgmigrate_success - k0.pgmigrate_success, N, "pgmigrate_success +%d", N);
	is(cpu->cnt.pgmigrate_fail - k0.pgmigrate_fail, 0, "pgmigrate_fail +0");
	is(cpu->cnt.migrate_batches - k0.migrate_batches, 1, "one migration batch");
	is(tc(t).tlb_flushes - c0.tlb_flushes, 1, "one TLB flush of the task for %d pages", N);
	is(cpu->cnt.tlb_flushes - k0.tlb_flushes, 1, "the CPU issued one flush");
	is(cpu->cnt.pages_copied - k0.pages_copied, N, "%d frames copied", N);

	unsigned moved = 0, prot = 0, refs = 0, lru = 0, rmap = 0, locked = 0;
	for (unsigned i = 0; i < N; i++) {
		struct pmap_entry e = pte(t, a + i * P);
		if (e.kind != PMAP_PAGE)
			continue;
		struct page *np = pfn_to_page(s, e.pfn);
		moved += e.pfn != e0[i].pfn && nid(m, np) == 1;
		prot += e.prot == e0[i].prot &&
			(e.flags & (PMAP_DIRTY | PMAP_HUGE)) == (e0[i].flags & (PMAP_DIRTY | PMAP_HUGE));
		refs += page_count(np) == 1 && mapcount(np) == 1;
		lru += page_test(np, PG_lru) && !page_test(np, PG_unevictable);
		rmap += np->mapping == mapping0[i] && np->index == index0[i];
		locked += page_test(np, PG_locked) || page_test(old[i], PG_locked);
	}
	is(moved, N, "every PTE maps a new frame on node 1");
	is(prot, N, "same protection (write bit) and dirty bit");
	is(refs, N, "new pages: refcount 1, mapcount 1");
	is(lru, N, "new pages on an (evictable) LRU");
	is(rmap, N, "new pages: same anon_vma and index");
	is(locked, 0, "no page left locked");
	is(bad_pages(t, a, N, 1), 0, "data intact through the task");

	c0 = tc(t);
	uint64_t fa;
	is(mmsim_fill(t, a + 5 * P + 100, 0x5a, 1, &fa), 0, "store to a migrated page");
	is(tc(t).faults - c0.faults, 0, "... takes no fault: the restored PTE is writable");
	mmsim_task_exit(t);
}

/* More than MIGRATE_BATCH_PAGES pages: one flush per batch. */
static void test_two_batches(void)
{
	enum { N = MIGRATE_BATCH_PAGES + 88 };
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, N * P, PRIV);
	struct list_head list;

	printf("# 1b. %d pages: two batches\n", N);
	write_pattern(t, a, N, 2);
	lru_add_drain_all(s);
	list_init(&list);
	unsigned iso = 0;
	for (unsigned i = 0; i < N; i++)
		iso += isolate_page_for_migration(s, page_at(t, a + i * P), &list) == 0;
	is(iso, N, "isolated %d", N);
	uint64_t f0 = nfree(m, 0), f1 = nfree(m, 1);
	struct mmsim_counters k0 = cpu->cnt, c0 = tc(t);
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "migrate_pages: 0");
	is(nr, N, "all migrated");
	is(cpu->cnt.migrate_batches - k0.migrate_batches, 2, "two batches (%d + 88)",
	   MIGRATE_BATCH_PAGES);
	is(tc(t).tlb_flushes - c0.tlb_flushes, 2, "two TLB flushes");
	ok(nfree(m, 0) == f0 + N && nfree(m, 1) == f1 - N, "free counts moved by %d", N);
	unsigned on1 = 0;
	for (unsigned i = 0; i < N; i++) {
		struct page *p = page_at(t, a + i * P);
		on1 += p && nid(m, p) == 1;
	}
	is(on1, N, "all on node 1");
	is(bad_pages(t, a, N, 2), 0, "data intact");
	mmsim_task_exit(t);
}

/* A shared page that was only read: clean PTE, clean page, slot moved. */
static void test_shared_clean(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, 2 * P, SHARED);
	uint64_t fa;
	uint8_t b = 0xee;
	struct list_head list;

	printf("# 1c. a shared page that was only read\n");
	is(mmsim_load(t, a + P, &b, 1, &fa), 0, "read a shared page");
	struct pmap_entry e0 = pte(t, a + P);
	struct page *p = page_at(t, a + P);
	struct vm_area_struct *vma = vma_lookup(t->mm, a);
	struct address_space *o = vma ? vma->vm_file : NULL;
	ok(p && o && find_page_peek(o, 1) == p, "the object's slot 1 holds it");
	ok((e0.prot & PMAP_W) && !(e0.flags & PMAP_DIRTY), "PTE writable (shared) and clean");
	uint64_t sh0 = s->node[0].nr_shmem, sh1 = s->node[1].nr_shmem;
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	is(page_count(p), 3, "refcount 3: slot, mapping, isolation");
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0,
	   "migrate_pages: 0");
	struct pmap_entry e = pte(t, a + P);
	struct page *np = page_at(t, a + P);
	ok(np && np != p && nid(m, np) == 1, "now on node 1");
	ok(o && find_page_peek(o, 1) == np, "the slot holds the new page");
	ok(e.prot == e0.prot && !(e.flags & PMAP_DIRTY), "PTE still writable and still clean");
	ok(np && !page_test(np, PG_dirty), "the new page is not dirty");
	ok(np && page_count(np) == 2 && mapcount(np) == 1, "new page: refcount 2 (slot, map), mapcount 1");
	ok(np && np->mapping == (uintptr_t)o && np->index == 1, "new page: mapping and index");
	ok(s->node[0].nr_shmem == sh0 - 1 && s->node[1].nr_shmem == sh1 + 1, "nr_shmem moved");
	is(mmsim_fill(t, a + P + 9, 0x42, 1, &fa), 0, "write it");
	b = 0;
	mmsim_load(t, a + P + 9, &b, 1, &fa);
	is(b, 0x42, "reads back");
	ok(pte(t, a + P).flags & PMAP_DIRTY, "now dirty");
	mmsim_task_exit(t);
}

/* ---- 2. a busy page -------------------------------------------------------- */

static void test_busy(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, 2 * P, PRIV);
	struct list_head list;
	struct mig_job j;

	printf("# 2. a locked page: SYNC waits from the 4th pass, ASYNC gives up\n");
	write_pattern(t, a, 2, 3);
	struct page *p = page_at(t, a);
	uint64_t pfn0 = pte(t, a).pfn;
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	ok(trylock_page(p), "the test locks the page");

	reset_new(0);
	is(mig_start(&j, m, cpu, &list, 1, MIGRATE_SYNC), 0, "migrate_pages(SYNC) on a thread");
	ok(wait_for_sleeper(p), "the migration thread sleeps on the page lock");
	is(calls(), 4, "... in its 4th pass (3 trylock passes skipped it)");
	usleep(20000);
	ok(!job_done(&j), "still waiting 20 ms later");
	struct pmap_entry e = pte(t, a);
	ok(e.kind == PMAP_PAGE && e.pfn == pfn0, "the page is still mapped meanwhile");
	unlock_page(p);
	pthread_join(j.th, NULL);
	is(j.ret, 0, "after unlock_page: migrated (0)");
	is(j.nr, 1, "nr_succeeded 1");
	ok(list_empty(&list), "list empty");
	struct page *np = page_at(t, a);
	ok(np && np != p && nid(m, np) == 1, "on node 1");
	ok(np && !page_locked(np), "new page unlocked");
	is(bad_pages(t, a, 2, 3), 0, "data intact");

	/* ASYNC: never sleeps, so a locked page is given up. */
	p = page_at(t, a + P);
	pfn0 = pte(t, a + P).pfn;
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate page 2");
	ok(trylock_page(p), "lock it");
	uint64_t f1 = nfree(m, 1);
	struct mmsim_counters k0 = cpu->cnt;
	reset_new(0);
	unsigned nr = 99;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_ASYNC, &nr), 1,
	   "migrate_pages(ASYNC): 1 not migrated");
	is(nr, 0, "nr_succeeded 0");
	is(calls(), MIGRATE_PASSES, "tried in each of the %d passes", MIGRATE_PASSES);
	is(list_len(&list), 1, "the page is still on the list");
	ok(list_nth(&list, 0) == p, "... it is our page");
	e = pte(t, a + P);
	ok(e.kind == PMAP_PAGE && e.pfn == pfn0 && (e.prot & PMAP_W), "still mapped, writable, old frame");
	is(page_count(p), 2, "refcount 2 (mapping, isolation)");
	is(mapcount(p), 1, "mapcount 1");
	ok(page_locked(p), "still locked by us");
	is(nfree(m, 1), f1, "no destination leaked on node 1");
	is(cpu->cnt.pgmigrate_fail - k0.pgmigrate_fail, 1, "pgmigrate_fail +1");
	unlock_page(p);
	putback_movable_pages(s, &list);
	ok(list_empty(&list), "putback_movable_pages empties the list");
	ok(page_test(p, PG_lru) && page_count(p) == 1, "back on its LRU, isolation ref dropped");
	ok(nid(m, p) == 0, "still on node 0");
	is(bad_pages(t, a, 2, 3), 0, "data intact");
	mmsim_task_exit(t);
}

/* ---- 3. writeback ---------------------------------------------------------- */

static void test_writeback(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, P, PRIV);
	struct list_head list;
	struct mig_job j;

	printf("# 3. a page under writeback\n");
	write_pattern(t, a, 1, 4);
	struct page *p = page_at(t, a);
	uint64_t pfn0 = pte(t, a).pfn;
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	set_page_writeback(p);
	uint64_t f1 = nfree(m, 1);

	static const enum migrate_mode modes[] = { MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT };
	static const char *const names[] = { "ASYNC", "SYNC_LIGHT" };
	for (int k = 0; k < 2; k++) {
		struct mmsim_counters k0 = cpu->cnt;
		reset_new(0);
		is(migrate_pages(s, cpu, &list, counting_new, NODE(1), modes[k], NULL), 1,
		   "%s: 1 not migrated", names[k]);
		is(calls(), 1, "%s: -EBUSY is permanent: tried once, not retried", names[k]);
		is(list_len(&list), 1, "%s: page back on the list", names[k]);
		struct pmap_entry e = pte(t, a);
		ok(e.kind == PMAP_PAGE && e.pfn == pfn0, "%s: still mapped to the old frame", names[k]);
		ok(!page_locked(p) && page_test(p, PG_writeback), "%s: unlocked, still under writeback",
		   names[k]);
		is(page_count(p), 2, "%s: refcount 2", names[k]);
		is(nfree(m, 1), f1, "%s: no destination leaked", names[k]);
		is(cpu->cnt.pgmigrate_fail - k0.pgmigrate_fail, 1, "%s: pgmigrate_fail +1", names[k]);
	}

	reset_new(0);
	is(mig_start(&j, m, cpu, &list, 1, MIGRATE_SYNC), 0, "SYNC on a thread");
	ok(wait_for_sleeper(p), "it sleeps waiting for writeback");
	is(calls(), 4, "... in the 4th pass");
	ok(page_locked(p), "holding the page lock");
	struct pmap_entry e = pte(t, a);
	ok(e.kind == PMAP_PAGE && e.pfn == pfn0, "the page is still mapped");
	usleep(20000);
	ok(!job_done(&j), "still waiting 20 ms later");
	end_page_writeback(s, p);
	pthread_join(j.th, NULL);
	is(j.ret, 0, "after end_page_writeback: migrated");
	ok(list_empty(&list), "list empty");
	struct page *np = page_at(t, a);
	ok(np && nid(m, np) == 1, "on node 1");
	ok(np && !page_test(np, PG_writeback), "new page not under writeback");
	is(bad_pages(t, a, 1, 4), 0, "data intact");
	mmsim_task_exit(t);
}

/* ---- 4. -ENOMEM ------------------------------------------------------------ */

static void test_enomem(void)
{
	enum { N = 5 };
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, (N + 1) * P, PRIV);
	struct list_head list;
	struct page *pg[N];
	uint64_t pfn0[N];

	printf("# 4. no destination page\n");
	write_pattern(t, a, N + 1, 5);
	struct page *p = page_at(t, a + N * P);
	uint64_t pfn = pte(t, a + N * P).pfn;
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	uint64_t f0 = nfree(m, 0), f1 = nfree(m, 1);
	reset_new(0);
	unsigned nr = 99;
	is(migrate_pages(s, cpu, &list, no_new, NODE(1), MIGRATE_SYNC, &nr), -ENOMEM,
	   "get_new returns NULL: -ENOMEM");
	is(nr, 0, "nr_succeeded 0");
	is(calls(), 1, "migration stopped at once (no retry)");
	ok(list_len(&list) == 1 && list_nth(&list, 0) == p, "the page is on the list");
	struct pmap_entry e = pte(t, a + N * P);
	ok(e.kind == PMAP_PAGE && e.pfn == pfn && (e.prot & PMAP_W), "mapped as before");
	ok(page_count(p) == 2 && mapcount(p) == 1 && !page_locked(p), "untouched: refs 2, map 1, unlocked");
	ok(nfree(m, 0) == f0 && nfree(m, 1) == f1, "free counts unchanged");
	putback_movable_pages(s, &list);

	/* The 3rd allocation fails: pages 0 and 1 were unmapped already. */
	list_init(&list);
	for (unsigned i = 0; i < N; i++) {
		pg[i] = page_at(t, a + i * P);
		pfn0[i] = pte(t, a + i * P).pfn;
		isolate(m, pg[i], &list);
	}
	is(list_len(&list), N, "%d pages queued", N);
	f0 = nfree(m, 0);
	f1 = nfree(m, 1);
	reset_new(3);
	nr = 99;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, &nr), -ENOMEM,
	   "3rd get_new fails: -ENOMEM");
	is(nr, 2, "the first 2 migrated");
	is(calls(), 3, "no allocation after the failure");
	for (unsigned i = 0; i < 2; i++) {
		e = pte(t, a + i * P);
		ok(e.kind == PMAP_PAGE && e.pfn != pfn0[i] && pfn_nid(m, e.pfn) == 1,
		   "page %u: moved to node 1", i);
	}
	is(list_len(&list), 3, "3 pages left on the list");
	unsigned intact = 0, order = 0;
	for (unsigned i = 2; i < N; i++) {
		e = pte(t, a + i * P);
		intact += e.kind == PMAP_PAGE && e.pfn == pfn0[i] && (e.prot & PMAP_W) &&
			  page_count(pg[i]) == 2 && mapcount(pg[i]) == 1 && !page_locked(pg[i]) &&
			  !page_test(pg[i], PG_lru);
		order += list_nth(&list, i - 2) == pg[i];
	}
	is(intact, 3, "pages 2-4: PTEs intact, refs 2, mapcount 1, unlocked, isolated");
	is(order, 3, "... on the list in their order");
	ok(nfree(m, 0) == f0 + 2 && nfree(m, 1) == f1 - 2, "exactly 2 frames moved, none leaked");
	putback_movable_pages(s, &list);
	unsigned back = 0;
	for (unsigned i = 2; i < N; i++)
		back += page_test(pg[i], PG_lru) && page_count(pg[i]) == 1;
	is(back, 3, "put back on their LRU");
	is(bad_pages(t, a, N + 1, 5), 0, "data of all pages intact");
	mmsim_task_exit(t);
}

/* ---- 5. an extra reference ------------------------------------------------- */

static void test_refcount_anon(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, P, PRIV);
	struct list_head list;

	printf("# 5. an extra reference on an anonymous page\n");
	write_pattern(t, a, 1, 6);
	struct page *p = page_at(t, a);
	struct pmap_entry e0 = pte(t, a);
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	get_page(p);
	is(page_count(p), 3, "refcount 3 (mapping, isolation, ours)");
	uint64_t anon0 = s->node[0].nr_anon, anon1 = s->node[1].nr_anon;
	uint64_t f0 = nfree(m, 0), f1 = nfree(m, 1);
	struct mmsim_counters k0 = cpu->cnt, c0 = tc(t);
	reset_new(0);
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, NULL), 1,
	   "migrate_pages: 1 not migrated");
	is(calls(), MIGRATE_PASSES, "tried (unmapped) in all %d passes", MIGRATE_PASSES);
	is(tc(t).tlb_flushes - c0.tlb_flushes, MIGRATE_PASSES, "each pass unmapped and flushed");
	is(cpu->cnt.pgmigrate_fail - k0.pgmigrate_fail, 1, "pgmigrate_fail +1");
	struct pmap_entry e = pte(t, a);
	is(e.kind, PMAP_PAGE, "the migration entry was turned back into a mapping");
	is(e.pfn, e0.pfn, "... of the old page");
	is(e.prot, e0.prot, "... same protection (write bit)");
	is(e.flags & PMAP_DIRTY, e0.flags & PMAP_DIRTY, "... same dirty bit");
	ok(page_count(p) == 3 && mapcount(p) == 1, "refcount 3, mapcount 1 again");
	ok(!page_locked(p), "unlocked");
	ok(list_len(&list) == 1 && list_nth(&list, 0) == p, "on the list");
	ok(s->node[0].nr_anon == anon0 && s->node[1].nr_anon == anon1, "nr_anon unchanged");
	ok(nfree(m, 0) == f0 && nfree(m, 1) == f1, "no frame leaked");
	ok(page_test(p, PG_anon_exclusive), "still anon_exclusive");
	is(bad_pages(t, a, 1, 6), 0, "data intact");
	c0 = tc(t);
	uint64_t fa;
	mmsim_fill(t, a + 1, pat(0, 1, 6), 1, &fa);
	is(tc(t).faults - c0.faults, 0, "a store needs no fault (still writable)");

	put_page(s, p);
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "the reference dropped: migrated");
	is(nr, 1, "nr_succeeded 1");
	struct page *np = page_at(t, a);
	ok(np && np != p && nid(m, np) == 1, "on node 1");
	ok(nfree(m, 0) == f0 + 1 && nfree(m, 1) == f1 - 1, "one frame moved");
	is(bad_pages(t, a, 1, 6), 0, "data intact");
	mmsim_task_exit(t);
}

static void test_refcount_shared(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, P, SHARED);
	struct list_head list;

	printf("# 5b. an extra reference on a shared anonymous page\n");
	write_pattern(t, a, 1, 7);
	struct page *p = page_at(t, a);
	struct pmap_entry e0 = pte(t, a);
	struct vm_area_struct *vma = vma_lookup(t->mm, a);
	struct address_space *o = vma ? vma->vm_file : NULL;
	ok(o && find_page_peek(o, 0) == p, "slot 0 holds the page");
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	get_page(p);
	is(page_count(p), 4, "refcount 4 (slot, mapping, isolation, ours)");
	uint64_t sh0 = s->node[0].nr_shmem, sh1 = s->node[1].nr_shmem;
	uint64_t f0 = nfree(m, 0), f1 = nfree(m, 1);
	reset_new(0);
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, NULL), 1,
	   "migrate_pages: 1 not migrated");
	is(calls(), MIGRATE_PASSES, "the slot switch failed in all %d passes", MIGRATE_PASSES);
	ok(o && find_page_peek(o, 0) == p, "the slot still holds the old page");
	ok(p->mapping == (uintptr_t)o && p->index == 0, "old page keeps mapping and index");
	struct pmap_entry e = pte(t, a);
	ok(e.kind == PMAP_PAGE && e.pfn == e0.pfn && e.prot == e0.prot, "mapped to the old page again");
	is(page_count(p), 4, "refcount 4 (the freeze did not stick)");
	is(mapcount(p), 1, "mapcount 1");
	ok(s->node[0].nr_shmem == sh0 && s->node[1].nr_shmem == sh1, "nr_shmem unchanged");
	ok(nfree(m, 0) == f0 && nfree(m, 1) == f1, "no frame leaked");
	is(bad_pages(t, a, 1, 7), 0, "data intact");

	put_page(s, p);
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0,
	   "reference dropped: migrated");
	struct page *np = page_at(t, a);
	ok(np && np != p && nid(m, np) == 1, "on node 1");
	ok(o && find_page_peek(o, 0) == np, "the slot holds the new page");
	ok(np && page_count(np) == 2 && mapcount(np) == 1, "new page: refcount 2, mapcount 1");
	ok(s->node[0].nr_shmem == sh0 - 1 && s->node[1].nr_shmem == sh1 + 1, "nr_shmem moved");
	ok(nfree(m, 0) == f0 + 1 && nfree(m, 1) == f1 - 1, "one frame moved");
	is(bad_pages(t, a, 1, 7), 0, "data intact");
	mmsim_task_exit(t);
	is(s->node[1].nr_shmem, sh1, "freed at exit");
}

/* ---- 6. freed under us ----------------------------------------------------- */

static void test_freed(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, P, PRIV);
	struct list_head list;

	printf("# 6. the page is unmapped while isolated\n");
	write_pattern(t, a, 1, 8);
	struct page *p = page_at(t, a);
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	uint64_t anon0 = s->node[0].nr_anon;
	is(mmsim_sys_munmap(t, a, P), 0, "munmap it");
	lru_add_drain_all(s);
	ok(page_count(p) == 1 && mapcount(p) == 0, "only the isolation holds it");
	is(s->node[0].nr_anon, anon0 - 1, "nr_anon dropped at unmap");
	uint64_t f0 = nfree(m, 0), f1 = nfree(m, 1);
	struct mmsim_counters k0 = cpu->cnt;
	reset_new(0);
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "migrate_pages: 0");
	is(nr, 1, "counted as migrated");
	is(calls(), 0, "no destination allocated");
	ok(list_empty(&list), "list empty");
	is(nfree(m, 0), f0 + 1, "the page is freed");
	is(nfree(m, 1), f1, "node 1 balances");
	is(cpu->cnt.pgmigrate_success - k0.pgmigrate_success, 1, "pgmigrate_success +1");

	/* A shared page whose object goes away (its only VMA unmapped). */
	a = map(t, P, SHARED);
	write_pattern(t, a, 1, 8);
	p = page_at(t, a);
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate a shared page");
	uint64_t sh0 = s->node[0].nr_shmem;
	is(mmsim_sys_munmap(t, a, P), 0, "munmap its only mapping");
	lru_add_drain_all(s);
	ok(page_count(p) == 1 && mapcount(p) == 0 && !p->mapping, "only the isolation holds it");
	is(s->node[0].nr_shmem, sh0 - 1, "nr_shmem dropped with the object");
	f0 = nfree(m, 0);
	f1 = nfree(m, 1);
	reset_new(0);
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, &nr), 0, "migrate_pages: 0");
	ok(nr == 1 && calls() == 0, "counted migrated, no destination allocated");
	ok(nfree(m, 0) == f0 + 1 && nfree(m, 1) == f1, "freed; node 1 balances");
	is(s->node[1].nr_shmem + s->node[0].nr_shmem, sh0 - 1, "nr_shmem unchanged");
	mmsim_task_exit(t);
}

/* ---- 7. flags -------------------------------------------------------------- */

static void test_flags(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, P, PRIV);
	uint64_t l = (uint64_t)mmsim_sys_mmap(t, 0, 2 * P, PROT_READ | PROT_WRITE | PROT_EXEC,
					      PRIV | MAP_LOCKED, -1, 0);
	struct list_head list;

	printf("# 7. flags carried over\n");
	write_pattern(t, a, 1, 9);
	write_pattern(t, l, 2, 10);
	lru_add_drain_all(s);

	/* Plain page: dirty (from the PTE), referenced, active, uptodate,
	 * swapbacked, anon_exclusive. */
	struct page *p = page_at(t, a);
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	page_set(p, PG_referenced);
	page_set(p, PG_active);
	ok(page_test(p, PG_uptodate) && page_test(p, PG_anon_exclusive) && page_test(p, PG_swapbacked),
	   "uptodate, anon_exclusive, swapbacked");
	ok(!page_test(p, PG_dirty), "PG_dirty not set yet (only the PTE is dirty)");
	uint64_t act1 = lru_size(s, 1, LRU_ACTIVE_ANON);
	uint64_t anon0 = s->node[0].nr_anon, anon1 = s->node[1].nr_anon;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0, "migrated");
	struct page *np = page_at(t, a);
	ok(np && nid(m, np) == 1, "on node 1");
	if (np) {
		ok(page_test(np, PG_dirty), "dirty");
		ok(page_test(np, PG_referenced), "referenced");
		/* Classic: PG_active; MGLRU: the youngest generation. */
		ok(lru_classic(s) ? page_test(np, PG_active)
				  : (int)((np->flags & LRU_GEN_MASK) >> LRU_GEN_SHIFT) - 1 ==
					    (int)(s->node[1].lruvec.lrugen.max_seq % MAX_NR_GENS),
		   "active");
		ok(page_test(np, PG_uptodate), "uptodate");
		ok(page_test(np, PG_swapbacked), "swapbacked");
		ok(page_test(np, PG_anon_exclusive), "anon_exclusive");
		ok(!page_test(np, PG_unevictable) && !page_test(np, PG_mlocked), "not unevictable/mlocked");
		ok(page_test(np, PG_lru), "on an LRU");
	}
	is(lru_size(s, 1, LRU_ACTIVE_ANON), act1 + 1, "on node 1's active anon list");
	is(s->node[0].nr_anon, anon0 - 1, "nr_anon node 0 -1");
	is(s->node[1].nr_anon, anon1 + 1, "nr_anon node 1 +1");

	/* mlocked page: first a failed attempt (extra ref), then success. */
	p = page_at(t, l);
	ok(p && page_test(p, PG_mlocked) && page_test(p, PG_unevictable) && page_test(p, PG_lru),
	   "MAP_LOCKED page: mlocked, on the unevictable LRU");
	uint64_t ml0 = s->node[0].nr_mlock, ml1 = s->node[1].nr_mlock;
	uint64_t unev0 = s->node[0].nr_lru[LRU_UNEVICTABLE], unev1 = s->node[1].nr_lru[LRU_UNEVICTABLE];
	is(ml0, 2, "node 0 nr_mlock 2");
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate the mlocked page");
	get_page(p);
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 1,
	   "with an extra reference: not migrated");
	ok(page_test(p, PG_mlocked), "still mlocked after the failure");
	is(s->node[0].nr_mlock, ml0, "nr_mlock node 0 unchanged");
	is(s->node[1].nr_mlock, ml1, "nr_mlock node 1 unchanged");
	put_page(s, p);
	anon0 = s->node[0].nr_anon;
	anon1 = s->node[1].nr_anon;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0,
	   "mlocked page migrated");
	np = page_at(t, l);
	ok(np && np != p && nid(m, np) == 1, "on node 1");
	if (np) {
		ok(page_test(np, PG_mlocked), "new page mlocked");
		ok(page_test(np, PG_unevictable) && page_test(np, PG_lru), "on the unevictable LRU");
		ok(!page_test(np, PG_active), "not active");
	}
	is(s->node[0].nr_mlock, ml0 - 1, "nr_mlock node 0 -1");
	is(s->node[1].nr_mlock, ml1 + 1, "nr_mlock node 1 +1");
	is(s->node[0].nr_lru[LRU_UNEVICTABLE], unev0 - 1, "unevictable LRU node 0 -1");
	is(s->node[1].nr_lru[LRU_UNEVICTABLE], unev1 + 1, "unevictable LRU node 1 +1");
	is(s->node[0].nr_anon, anon0 - 1, "nr_anon node 0 -1");
	is(s->node[1].nr_anon, anon1 + 1, "nr_anon node 1 +1");
	struct pmap_entry e = pte(t, l);
	ok(e.prot == (PMAP_R | PMAP_W | PMAP_X), "PTE keeps rwx");
	is(bad_pages(t, a, 1, 9), 0, "data intact (plain)");
	is(bad_pages(t, l, 2, 10), 0, "data intact (mlocked)");
	mmsim_task_exit(t);
	is(s->node[1].nr_mlock, ml1, "nr_mlock node 1 back at exit");
	is(s->node[0].nr_mlock, ml0 - 2, "nr_mlock node 0 back at exit");
}

/* ---- 7b. LRU lists after mlock of a populated page --------------------------- */

/* Migration puts the new page on its LRU before remove_migration_ptes()
 * mlocks it, as Linux does: mlock of a page already on an LRU must move
 * it to the unevictable list and count it there. */
static void test_mlock_on_lru(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	uint64_t a = map(t, P, PRIV);

	printf("# 7b. mlock and munlock of a page on an LRU\n");
	write_pattern(t, a, 1, 11);
	lru_add_drain_all(s);
	uint64_t in0 = anon_lru(s, 0), un0 = s->node[0].nr_lru[LRU_UNEVICTABLE];
	is(mmsim_sys_mlock(t, a, P), 0, "mlock");
	is(anon_lru(s, 0), in0 - 1, "anon LRU -1");
	is(s->node[0].nr_lru[LRU_UNEVICTABLE], un0 + 1, "unevictable +1");
	is(mmsim_sys_munlock(t, a, P), 0, "munlock");
	is(anon_lru(s, 0), in0, "anon LRU back");
	is(s->node[0].nr_lru[LRU_UNEVICTABLE], un0, "unevictable back");
	mmsim_task_exit(t);
}

/* ---- 8. fork --------------------------------------------------------------- */

static void test_fork(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *par = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(par);
	uint64_t a = map(par, P, PRIV);
	struct list_head list;
	struct mmsim_task *ch = NULL;
	uint64_t fa;

	printf("# 8. a page shared by parent and child after fork\n");
	write_pattern(par, a, 1, 11);
	is(mmsim_fork(par, "child", &ch), 0, "fork");
	if (!ch) {
		mmsim_task_exit(par);
		return;
	}
	struct page *p = page_at(par, a);
	struct pmap_entry ep = pte(par, a), ec = pte(ch, a);
	ok(p && page_at(ch, a) == p, "both map the same page");
	ok(!(ep.prot & PMAP_W) && !(ec.prot & PMAP_W), "both read-only (COW)");
	lru_add_drain_all(s);
	ok(mapcount(p) == 2 && page_count(p) == 2, "mapcount 2, refcount 2");
	ok(!page_test(p, PG_anon_exclusive), "not exclusive");
	list_init(&list);
	is(isolate(m, p, &list), 0, "isolate");
	uint64_t anon0 = s->node[0].nr_anon, anon1 = s->node[1].nr_anon;
	struct mmsim_counters cp = tc(par), cc = tc(ch);
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0, "migrated");
	struct page *np = page_at(par, a);
	ok(np && np != p && nid(m, np) == 1, "parent maps a page on node 1");
	ok(page_at(ch, a) == np, "child maps the same new page");
	ok(np && mapcount(np) == 2 && page_count(np) == 2, "new page: mapcount 2, refcount 2");
	ok(np && !page_test(np, PG_anon_exclusive), "new page not exclusive");
	ok(!(pte(par, a).prot & PMAP_W) && !(pte(ch, a).prot & PMAP_W), "both still read-only");
	is(tc(par).tlb_flushes - cp.tlb_flushes, 1, "parent: one flush");
	is(tc(ch).tlb_flushes - cc.tlb_flushes, 1, "child: one flush");
	ok(s->node[0].nr_anon == anon0 - 1 && s->node[1].nr_anon == anon1 + 1,
	   "nr_anon moved once (counts pages, not mappings)");
	is(bad_pages(par, a, 1, 11), 0, "parent reads the data");
	is(bad_pages(ch, a, 1, 11), 0, "child reads the data");

	cc = tc(ch);
	is(mmsim_fill(ch, a + 100, 0x77, 1, &fa), 0, "child writes");
	is(tc(ch).faults_cow - cc.faults_cow, 1, "... copy-on-write");
	ok(page_at(ch, a) != np, "child has its own copy now");
	uint8_t b = 0;
	mmsim_load(ch, a + 100, &b, 1, &fa);
	is(b, 0x77, "child sees its write");
	is(bad_pages(par, a, 1, 11), 0, "parent does not");
	ok(np && mapcount(np) == 1, "migrated page: mapcount 1");
	cp = tc(par);
	is(mmsim_fill(par, a + 200, pat(0, 200, 11), 1, &fa), 0, "parent writes");
	is(tc(par).faults_reuse - cp.faults_reuse, 1, "... reuses the migrated page");
	ok(page_at(par, a) == np, "still the migrated page");
	mmsim_task_exit(ch);
	mmsim_task_exit(par);
}

/* ---- 9. THP ---------------------------------------------------------------- */

static void test_thp(void)
{
	struct mmsim *mt = machine(MMSIM_THP_ALWAYS, false);
	printf("# 9. a transparent huge page\n");
	if (!mt) {
		ok(0, "THP machine");
		return;
	}
	struct mm_sys *s = &mt->mm;
	struct mmsim_task *t = task_on(mt, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, 2 * PMD_SIZE, PRIV);
	uint64_t h = (a + PMD_SIZE - 1) & PMD_MASK;
	struct list_head list;

	is(write_pattern(t, h, HPAGE_PMD_NR, 12), 0, "write 2 MiB");
	struct pmap_entry e0 = pte(t, h);
	ok(e0.kind == PMAP_PAGE && (e0.flags & PMAP_HUGE), "mapped by one PMD");
	struct page *p = page_at(t, h);
	ok(p && p->order == MAX_ORDER && page_test(p, PG_head), "an order-9 compound page");
	lru_add_drain_all(s);
	ok(page_count(p) == 1 && mapcount(p) == 1, "refcount 1, mapcount 1");
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate the head");
	uint64_t f0 = nfree(mt, 0), f1 = nfree(mt, 1);
	uint64_t anon0 = s->node[0].nr_anon, anon1 = s->node[1].nr_anon;
	struct mmsim_counters k0 = cpu->cnt;
	reset_new(0);
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, &nr), 0, "migrated");
	is(nr, 1, "counts once");
	is(calls(), 1, "one destination allocation");
	is(cpu->cnt.pgmigrate_success - k0.pgmigrate_success, 1, "pgmigrate_success +1");
	is(cpu->cnt.pages_copied - k0.pages_copied, HPAGE_PMD_NR, "512 frames copied");
	struct pmap_entry e = pte(t, h);
	ok(e.kind == PMAP_PAGE && (e.flags & PMAP_HUGE), "still one PMD");
	ok(e.pfn != e0.pfn && pfn_nid(mt, e.pfn) == 1 && !(e.pfn & (HPAGE_PMD_NR - 1)),
	   "it maps an aligned 2 MiB frame on node 1");
	ok(e.prot == e0.prot && (e.flags & PMAP_DIRTY), "same protection, dirty");
	struct page *np = pfn_to_page(s, e.pfn);
	ok(np->order == MAX_ORDER && page_test(np, PG_head), "destination is order 9");
	ok(page_count(np) == 1 && mapcount(np) == 1 && page_test(np, PG_lru), "refcount 1, mapcount 1, LRU");
	is(nfree(mt, 0), f0 + HPAGE_PMD_NR, "node 0 got 512 frames back");
	is(nfree(mt, 1), f1 - HPAGE_PMD_NR, "node 1 gave 512");
	ok(s->node[0].nr_anon == anon0 - 1 && s->node[1].nr_anon == anon1 + 1, "nr_anon moved");
	is(bad_pages(t, h, HPAGE_PMD_NR, 12), 0, "all 512 subpages intact");

	/* A huge page mapped by PTEs with a hole (a partial munmap): Linux
	 * 6.12 splits such a partially mapped page and moves its 4 KiB
	 * pages one by one; the unmapped subpage is freed. */
	is(mmsim_sys_munmap(t, h + PMD_SIZE - P, P), 0, "munmap its last 4 KiB (splits the PMD)");
	e0 = pte(t, h);
	ok(e0.kind == PMAP_PAGE && !(e0.flags & PMAP_HUGE), "now mapped by PTEs");
	p = page_at(t, h);
	lru_add_drain_all(s);
	ok(p == np && page_count(p) == 511 && mapcount(p) == 511, "511 mappings of the same compound page");
	ok(page_test(p, PG_partially_mapped), "marked partially mapped");
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate");
	f0 = nfree(mt, 0);
	f1 = nfree(mt, 1);
	reset_new(0);
	nr = 0;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(0), MIGRATE_SYNC, &nr), 0,
	   "migrated back to node 0 (0: every piece moved)");
	ok(list_empty(&list), "nothing left on the list");
	/* The unmapped piece, held by its isolation alone, is found freed
	 * and counts as moved, as in Linux. */
	is(nr, HPAGE_PMD_NR, "511 pages migrated and the unmapped piece freed: 512 done");
	is(calls(), HPAGE_PMD_NR - 1, "511 order-0 destinations");
	unsigned right = 0;
	for (unsigned i = 0; i < HPAGE_PMD_NR - 1; i++) {
		struct pmap_entry ei = pte(t, h + i * P);
		struct page *q = ei.kind == PMAP_PAGE ? pfn_to_page(s, ei.pfn) : NULL;
		right += q && !(ei.flags & PMAP_HUGE) && q->order == 0 && nid(mt, q) == 0 &&
			 page_count(q) == 1 && mapcount(q) == 1 && (ei.prot & PMAP_W) &&
			 q->index == p->index + i;
	}
	is(right, 511, "each PTE maps its own order-0 page on node 0, writable, right index");
	is(nfree(mt, 1), f1 + HPAGE_PMD_NR, "node 1 got all 512 frames back");
	is(nfree(mt, 0), f0 - (HPAGE_PMD_NR - 1), "node 0 gave 511");
	is(bad_pages(t, h, HPAGE_PMD_NR - 1, 12), 0, "511 subpages intact");
	mmsim_task_exit(t);

	/* Parent and child both map the huge page by a PMD. */
	struct mmsim_task *par = task_on(mt, 0), *ch = NULL;
	cpu = task_enter(par);
	a = map(par, 2 * PMD_SIZE, PRIV);
	h = (a + PMD_SIZE - 1) & PMD_MASK;
	write_pattern(par, h, HPAGE_PMD_NR, 14);
	is(mmsim_fork(par, "child", &ch), 0, "fork with a huge page");
	p = page_at(par, h);
	ok(p && page_at(ch, h) == p && (pte(ch, h).flags & PMAP_HUGE), "both map it by a PMD");
	lru_add_drain_all(s);
	ok(p && mapcount(p) == 2 && page_count(p) == 2, "mapcount 2, refcount 2");
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate");
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0,
	   "migrated");
	np = page_at(par, h);
	ok(np && np != p && nid(mt, np) == 1 && page_at(ch, h) == np, "both map the new huge page");
	ok((pte(par, h).flags & PMAP_HUGE) && (pte(ch, h).flags & PMAP_HUGE), "both by a PMD");
	ok(!(pte(par, h).prot & PMAP_W) && !(pte(ch, h).prot & PMAP_W), "both read-only (COW)");
	ok(np && mapcount(np) == 2 && page_count(np) == 2, "mapcount 2, refcount 2");
	is(bad_pages(ch, h, HPAGE_PMD_NR, 14), 0, "child reads all 512 subpages");
	uint64_t fa;
	is(mmsim_fill(ch, h + 3 * P, 0x99, 1, &fa), 0, "child writes");
	is(bad_pages(par, h, HPAGE_PMD_NR, 14), 0, "parent unaffected");
	mmsim_task_exit(ch);
	mmsim_task_exit(par);
	mmsim_destroy(mt);
}

/*
 * A partial munmap of a huge page whose PMD is a migration entry: the
 * entry must be split into 512 PTE migration entries (it used to be left
 * alone by split_huge_pmd(), and zap_vma_range() looped on it forever).
 */
static void test_thp_split_migration_entry(void)
{
	struct mmsim *mt = machine(MMSIM_THP_ALWAYS, false);
	printf("# 9c. munmap part of a huge page while it is being migrated\n");
	if (!mt) {
		ok(0, "THP machine");
		return;
	}
	struct mm_sys *s = &mt->mm;
	struct mmsim_task *t = task_on(mt, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, 2 * PMD_SIZE, PRIV);
	uint64_t h = (a + PMD_SIZE - 1) & PMD_MASK;
	struct list_head list;
	struct tlb_batch b;

	write_pattern(t, h, HPAGE_PMD_NR, 15);
	struct page *p = page_at(t, h);
	uint64_t pfn = page_to_pfn(s, p);
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate");
	ok(trylock_page(p), "lock");
	tlb_batch_init(&b);
	try_to_migrate(s, cpu, p, &b, NULL);
	tlb_batch_flush(&b, cpu);
	struct pmap_entry e = pte(t, h);
	ok(is_migration_entry(&e) && (e.flags & PMAP_HUGE), "a PMD migration entry");
	ok(mapcount(p) == 0 && page_count(p) == 1, "unmapped: mapcount 0, only the isolation ref");
	uint64_t pt0 = t->mm->pmap.nr_tables;
	is(mmsim_sys_munmap(t, h + PMD_SIZE - P, P), 0, "munmap the last 4 KiB: returns");
	is(t->mm->pmap.nr_tables, pt0 + 1, "a PTE table was made for the split");
	unsigned right = 0;
	for (unsigned i = 0; i < HPAGE_PMD_NR - 1; i++) {
		e = pte(t, h + i * P);
		right += is_migration_entry(&e) && !(e.flags & PMAP_HUGE) &&
			 migration_entry_pfn(&e) == pfn + i && (e.swp & SWP_MIG_WRITE) &&
			 (e.swp & SWP_MIG_DIRTY);
	}
	is(right, 511, "511 PTE migration entries, one per subpage, writable and dirty");
	is(pte(t, h + PMD_SIZE - P).kind, PMAP_EMPTY, "the last one is gone");
	ok(mapcount(p) == 0 && page_count(p) == 1, "still no mapping counted");
	remove_migration_ptes(s, p, p, NULL);
	unlock_page(p);
	right = 0;
	for (unsigned i = 0; i < HPAGE_PMD_NR - 1; i++) {
		e = pte(t, h + i * P);
		right += e.kind == PMAP_PAGE && !(e.flags & PMAP_HUGE) && e.pfn == pfn + i &&
			 (e.prot & PMAP_W) && (e.flags & PMAP_DIRTY);
	}
	is(right, 511, "restored: 511 PTEs map the subpages, writable and dirty");
	ok(mapcount(p) == 511 && page_count(p) == 512, "mapcount 511, refcount 511 + isolation");
	putback_movable_pages(s, &list);
	is(bad_pages(t, h, HPAGE_PMD_NR - 1, 15), 0, "data intact");
	is(pte(t, h + PMD_SIZE - P).kind, PMAP_EMPTY, "the unmapped page stays unmapped");

	/* The whole migration after the split: PTE-mapped, to node 1. */
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate again");
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0,
	   "migrated");
	struct page *np = page_at(t, h);
	ok(np && nid(mt, np) == 1 && mapcount(np) == 511, "on node 1, 511 mappings");
	is(bad_pages(t, h, HPAGE_PMD_NR - 1, 15), 0, "data intact");
	mmsim_task_exit(t);
	mmsim_destroy(mt);
}

/*
 * munmap between a migration's unmap and its batched TLB flush:
 * try_to_migrate() replaced the PTE by a migration entry and deferred the
 * flush to the end of the batch.  munmap then clears the migration entry;
 * it must not return while a CPU can still reach the page through the TLB
 * entry of the mapping the migration entry replaced (Linux calls
 * flush_tlb_batched_pending() in zap_pte_range() for this).
 */
static void test_munmap_before_batch_flush(void)
{
	struct mmsim *mt = machine(MMSIM_THP_NEVER, false);
	printf("# 9d. munmap between the unmap and the batch flush of a migration\n");
	if (!mt) {
		ok(0, "machine");
		return;
	}
	struct mm_sys *s = &mt->mm;
	struct mmsim_task *t = task_on(mt, 0);
	struct hw_cpu *cpu = task_enter(t);
	uint64_t a = map(t, 2 * P, PRIV);
	struct list_head list;
	struct tlb_batch bt;
	uint64_t fa;
	uint8_t b = 0;

	write_pattern(t, a, 1, 16);
	write_pattern(t, a + P, 1, 17);
	is(mmsim_load(t, a, &b, 1, &fa), 0, "the CPU's TLB caches the page");
	struct page *p = page_at(t, a);
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate");
	ok(trylock_page(p), "lock");
	tlb_batch_init(&bt);
	try_to_migrate(s, cpu, p, &bt, NULL);
	struct pmap_entry e = pte(t, a);
	ok(is_migration_entry(&e), "migration entry installed, flush still pending");
	is(bt.nr, 1, "the batch holds the address space");
	struct mmsim_counters c0 = tc(t);
	is(mmsim_sys_munmap(t, a, P), 0, "munmap the page");
	is(pte(t, a).kind, PMAP_EMPTY, "the migration entry is gone");
	int sig = mmsim_load(t, a, &b, 1, &fa);
	is(sig, SIGSEGV, "a load after munmap faults: no stale TLB entry");
	ok(tc(t).tlb_flushes > c0.tlb_flushes, "munmap flushed the pending translation");
	tlb_batch_flush(&bt, cpu);
	is(mmsim_load(t, a, &b, 1, &fa), SIGSEGV, "after the batch flush: SIGSEGV");
	remove_migration_ptes(s, p, p, NULL);
	unlock_page(p);
	ok(mapcount(p) == 0 && page_count(p) == 1, "nothing restored: only the isolation holds it");
	uint64_t f0 = nfree(mt, 0);
	putback_movable_pages(s, &list);
	is(nfree(mt, 0), f0 + 1, "putting it back frees it");
	is(bad_pages(t, a + P, 1, 17), 0, "the other page is intact");
	mmsim_task_exit(t);
	mmsim_destroy(mt);
}

/* ---- 10. a fault on a migration entry --------------------------------------- */

struct reader {
	struct mmsim_task *t;
	uint64_t addr;
	uint8_t buf[64];
	int ret;
	int done;
	pthread_t th;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t fa;
	r->ret = mmsim_load(r->t, r->addr, r->buf, sizeof r->buf, &fa);
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_migration_entry_fault(void)
{
	struct mmsim *mt = machine(MMSIM_THP_NEVER, true);
	printf("# 10. a fault on a migration entry (threaded machine)\n");
	if (!mt || !mmsim_config_of(mt)->threaded) {
		ok(0, "threaded machine");
		if (mt)
			mmsim_destroy(mt);
		return;
	}
	struct mm_sys *s = &mt->mm;
	struct hw_cpu *cpu0 = &mt->hw->cpu[0];	/* this thread's CPU */
	struct mmsim_task *t = task_on(mt, 1);	/* the reader's */
	uint64_t a = map(t, P, PRIV);
	struct list_head list;
	struct reader r;

	write_pattern(t, a, 1, 13);
	struct pmap_entry e0 = pte(t, a);
	struct page *p = page_at(t, a);
	list_init(&list);
	is(isolate(mt, p, &list), 0, "isolate (holds the page while unmapped)");
	ok(trylock_page(p), "lock the page");
	struct tlb_batch b;
	tlb_batch_init(&b);
	try_to_migrate(s, cpu0, p, &b, NULL);
	tlb_batch_flush(&b, cpu0);
	is(b.flushes, 1, "one flush");
	struct pmap_entry e = pte(t, a);
	ok(is_migration_entry(&e), "the PTE is a migration entry");
	is(migration_entry_pfn(&e), e0.pfn, "... naming the page");
	ok((e.swp & SWP_MIG_WRITE) && (e.swp & SWP_MIG_DIRTY), "... writable and dirty");
	ok(mapcount(p) == 0 && page_count(p) == 1, "mapcount 0, only the isolation ref");

	memset(&r, 0, sizeof r);
	r.t = t;
	r.addr = a;
	r.ret = 12345;
	is(pthread_create(&r.th, NULL, reader_main, &r), 0, "a thread loads from the page");
	ok(wait_for_sleeper(p), "the reader sleeps on the page lock (migration_entry_wait)");
	is(page_count(p), 1, "... without a reference (it would fail the migration's count check)");
	usleep(20000);
	ok(!__atomic_load_n(&r.done, __ATOMIC_SEQ_CST), "still blocked 20 ms later");
	remove_migration_ptes(s, p, p, NULL);
	e = pte(t, a);
	ok(e.kind == PMAP_PAGE && e.pfn == e0.pfn && e.prot == e0.prot, "mapping restored");
	unlock_page(p);
	pthread_join(r.th, NULL);
	is(r.ret, 0, "the load completed");
	unsigned bad = 0;
	for (unsigned j = 0; j < sizeof r.buf; j++)
		bad += r.buf[j] != pat(0, j, 13);
	is(bad, 0, "with the right data");
	ok(tc(t).faults >= 1, "it went through a fault");
	ok(page_count(p) == 2 && mapcount(p) == 1, "refcount 2 (map, isolation), mapcount 1");
	putback_movable_pages(s, &list);
	ok(page_count(p) == 1 && page_test(p, PG_lru), "put back");
	is(bad_pages(t, a, 1, 13), 0, "data intact");
	mmsim_task_exit(t);
	mmsim_destroy(mt);
}

/* ---- 11. accesses racing with migrate_pages (threaded) ---------------------- */

enum { RACE_PAGES = 8 };

struct racer {
	struct mmsim_task *t;
	uint64_t addr;
	int stop;
	unsigned errors, sigs;
	uint64_t rounds, last[RACE_PAGES];
	pthread_t th;
};

/* Stores a fresh value into each page and reads it back, until told to stop. */
static void *racer_main(void *arg)
{
	struct racer *r = arg;
	uint64_t fa;
	for (uint64_t v = 1; !__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST); v++) {
		for (unsigned k = 0; k < RACE_PAGES; k++) {
			uint64_t w = v * RACE_PAGES + k, got = 0;
			uint64_t off = (v % 64) * 64;
			if (mmsim_store(r->t, r->addr + k * P + off, &w, sizeof w, &fa) ||
			    mmsim_load(r->t, r->addr + k * P + off, &got, sizeof got, &fa)) {
				r->sigs++;
				continue;
			}
			if (got != w)
				r->errors++;
			r->last[k] = w;
		}
		__atomic_add_fetch(&r->rounds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_race(void)
{
	struct mmsim *mt = machine(MMSIM_THP_NEVER, true);
	printf("# 11. stores and loads racing with migrate_pages (threaded machine)\n");
	if (!mt || !mmsim_config_of(mt)->threaded) {
		ok(0, "threaded machine");
		if (mt)
			mmsim_destroy(mt);
		return;
	}
	struct mm_sys *s = &mt->mm;
	struct hw_cpu *cpu0 = &mt->hw->cpu[0];
	struct mmsim_task *t = task_on(mt, 1);
	uint64_t a = map(t, RACE_PAGES * P, PRIV);
	struct racer r;
	uint64_t fa;

	mmsim_fill(t, a, 0, RACE_PAGES * P, &fa);
	lru_add_drain_all(s);
	uint64_t f0 = nfree(mt, 0), f1 = nfree(mt, 1);
	memset(&r, 0, sizeof r);
	r.t = t;
	r.addr = a;
	is(pthread_create(&r.th, NULL, racer_main, &r), 0, "racer thread on CPU 1");
	unsigned moved = 0, not_moved = 0, enomem = 0, rounds = 0;
	/* Let the racer get going, then migrate until both sides have done
	 * at least 300 rounds. */
	for (int i = 0; i < 10000 && !__atomic_load_n(&r.rounds, __ATOMIC_RELAXED); i++)
		usleep(1000);
	for (unsigned round = 0;
	     round < 300 || (__atomic_load_n(&r.rounds, __ATOMIC_RELAXED) < 300 && round < 200000);
	     round++) {
		struct list_head list;
		unsigned to = (round + 1) & 1;	/* node 1, node 0, node 1 ... */
		list_init(&list);
		lru_add_drain_all(s);
		for (unsigned k = 0; k < RACE_PAGES; k++) {
			struct page *p = page_at(t, a + k * P);
			if (p && nid(mt, p) != to)
				isolate_page_for_migration(s, p, &list);
		}
		unsigned nr = 0;
		int ret = migrate_pages(s, cpu0, &list, alloc_migration_target, NODE(to),
					round & 1 ? MIGRATE_SYNC_LIGHT : MIGRATE_SYNC, &nr);
		moved += nr;
		if (ret > 0)
			not_moved += (unsigned)ret;
		else if (ret < 0)
			enomem++;
		putback_movable_pages(s, &list);
		rounds++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(r.th, NULL);
	printf("# %u rounds: %u pages migrated, %u given up; racer rounds %llu\n", rounds, moved,
	       not_moved, (unsigned long long)r.rounds);
	ok(moved > 0, "pages were migrated (%u)", moved);
	is(enomem, 0, "no -ENOMEM");
	is(r.sigs, 0, "the racer never got a signal");
	is(r.errors, 0, "every load read what the store before it wrote");
	ok(r.rounds > 0, "the racer ran (%llu rounds)", (unsigned long long)r.rounds);
	unsigned lost = 0, state = 0;
	for (unsigned k = 0; k < RACE_PAGES; k++) {
		uint64_t got = 0, off = ((r.last[k] / RACE_PAGES) % 64) * 64;
		mmsim_load(t, a + k * P + off, &got, sizeof got, &fa);
		lost += got != r.last[k];
		struct page *p = page_at(t, a + k * P);
		state += p && page_count(p) == 1 && mapcount(p) == 1 && page_test(p, PG_lru) &&
			 !page_locked(p);
	}
	is(lost, 0, "no store was lost");
	is(state, RACE_PAGES, "every page: refcount 1, mapcount 1, on the LRU, unlocked");
	lru_add_drain_all(s);
	is(nfree(mt, 0) + nfree(mt, 1), f0 + f1, "no frame leaked");
	mmsim_task_exit(t);
	mmsim_destroy(mt);
}

/* ---- 12. fork while a page is being moved (threaded) ------------------------ */

/* get_new whose 2nd call waits until the test opens the gate. */
static unsigned gate_calls;
static int gate_open, gate_waiting;

static struct page *gate_new(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
			     unsigned long priv)
{
	if (__atomic_add_fetch(&gate_calls, 1, __ATOMIC_SEQ_CST) == 2) {
		__atomic_store_n(&gate_waiting, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&gate_open, __ATOMIC_SEQ_CST))
			usleep(200);
	}
	return alloc_migration_target(s, cpu, src, priv);
}

struct forker {
	struct mmsim_task *par, *child;
	int ret;
	pthread_t th;
};

static void *fork_main(void *arg)
{
	struct forker *f = arg;
	f->ret = mmsim_fork(f->par, "child", &f->child);
	return NULL;
}

static bool wait_flag(const int *flag)
{
	for (int i = 0; i < 10000 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

/* Has someone else started waiting for the spinlock l (which we hold)? */
static bool spin_contended(spinlock_t *l)
{
	for (int i = 0; i < 10000; i++) {
		if (__atomic_load_n(&l->waiting, __ATOMIC_SEQ_CST))
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * The window: migrate_page_move() has copied the source's flags, among
 * them PG_anon_exclusive, to the new page, but has not yet turned the
 * migration entries into mappings of it.  A fork then copies the parent's
 * migration entry (read-only, for COW) and clears PG_anon_exclusive - on
 * the source page, which the entry names.  The new page ends up mapped by
 * parent and child with PG_anon_exclusive set.
 *
 * The test holds the parent's page-table lock so that the fork stops just
 * before copy_page_range(), and the anon_vma lock so that the migration
 * stops at the start of remove_migration_ptes(); a get_new that waits
 * orders the rest.
 */
static void test_fork_during_move(void)
{
	struct mmsim *mt = machine(MMSIM_THP_NEVER, true);
	printf("# 12. fork between the flag copy and remove_migration_ptes (threaded machine)\n");
	if (!mt || !mmsim_config_of(mt)->threaded) {
		ok(0, "threaded machine");
		if (mt)
			mmsim_destroy(mt);
		return;
	}
	struct hw_cpu *cpu0 = &mt->hw->cpu[0];	/* the migration thread's CPU */
	struct mmsim_task *par = task_on(mt, 1), *other = task_on(mt, 0);
	uint64_t a = map(par, P, PRIV), o = map(other, P, PRIV);
	struct list_head list;
	struct mig_job j;
	struct forker f;

	write_pattern(par, a, 1, 18);
	write_pattern(other, o, 1, 19);
	struct page *x = page_at(par, a), *y = page_at(other, o);
	ok(x && page_test(x, PG_anon_exclusive), "the parent's page is exclusive");
	list_init(&list);
	is(isolate(mt, x, &list), 0, "isolate the parent's page");
	is(isolate(mt, y, &list), 0, "and another task's page behind it");
	struct anon_vma *av = page_anon_vma(x);
	int avref = __atomic_load_n(&av->refcount, __ATOMIC_SEQ_CST);

	__atomic_store_n(&gate_calls, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&gate_open, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&gate_waiting, 0, __ATOMIC_SEQ_CST);
	memset(&j, 0, sizeof j);
	j.mach = mt;
	j.cpu = cpu0;
	j.list = &list;
	j.get_new = gate_new;
	j.node = 0;
	j.mode = MIGRATE_SYNC;
	is(pthread_create(&j.th, NULL, mig_main, &j), 0, "migrate_pages on a thread");
	ok(wait_flag(&gate_waiting), "it unmapped the parent's page and waits for its 2nd page");
	struct pmap_entry e = pte(par, a);
	ok(is_migration_entry(&e) && (e.swp & SWP_MIG_WRITE), "the parent's PTE: a writable migration entry");

	spin_lock(&par->mm->ptl);
	memset(&f, 0, sizeof f);
	f.par = par;
	f.ret = 12345;
	is(pthread_create(&f.th, NULL, fork_main, &f), 0, "the parent forks on its CPU's thread");
	bool forking = spin_contended(&par->mm->ptl);
	ok(forking, "the fork waits for the page-table lock (in copy_page_range)");
	is(__atomic_load_n(&av->refcount, __ATOMIC_SEQ_CST), avref + 2,
	   "... after linking the child to the anon_vma");
	if (!forking) {
		spin_unlock(&par->mm->ptl);
		__atomic_store_n(&gate_open, 1, __ATOMIC_SEQ_CST);
		pthread_join(f.th, NULL);
		pthread_join(j.th, NULL);
		goto out;
	}
	spin_lock(&av->root->lock);
	__atomic_store_n(&gate_open, 1, __ATOMIC_SEQ_CST);
	bool copied = false;
	for (int i = 0; i < 10000 && !copied; i++) {
		copied = !page_test(x, PG_anon_exclusive);
		if (!copied)
			usleep(1000);
	}
	ok(copied, "the migration copied the flags (the source lost anon_exclusive)");
	usleep(20000);
	ok(!job_done(&j), "and waits for the anon_vma lock (remove_migration_ptes)");
	spin_unlock(&par->mm->ptl);
	pthread_join(f.th, NULL);
	is(f.ret, 0, "the fork completed");
	e = f.child ? pte(f.child, a) : (struct pmap_entry){ 0 };
	ok(is_migration_entry(&e) && !(e.swp & SWP_MIG_WRITE),
	   "the child got a read-only copy of the migration entry");
	e = pte(par, a);
	ok(is_migration_entry(&e) && !(e.swp & SWP_MIG_WRITE), "the parent's entry became read-only");
	spin_unlock(&av->root->lock);
	pthread_join(j.th, NULL);
	is(j.ret, 0, "both pages migrated");
	struct page *np = page_at(par, a);
	ok(np && np != x && f.child && page_at(f.child, a) == np, "parent and child map the new page");
	ok(np && mapcount(np) == 2, "mapcount 2");
	ok(!(pte(par, a).prot & PMAP_W) && f.child && !(pte(f.child, a).prot & PMAP_W),
	   "both read-only (COW)");
	ok(np && !page_test(np, PG_anon_exclusive), "the new page is not exclusive");
	uint64_t fa;
	is(mmsim_fill(par, a + 8, 0x5c, 1, &fa), 0, "parent writes");
	is(bad_pages(f.child, a, 1, 18), 0, "the child does not see the parent's write (COW)");
	is(bad_pages(f.child, a, 1, 18), 0, "the child reads the data");
	if (f.child)
		mmsim_task_exit(f.child);
out:
	mmsim_task_exit(other);
	mmsim_task_exit(par);
	mmsim_destroy(mt);
}

int main(void)
{
	m = machine(MMSIM_THP_NEVER, false);
	if (!m) {
		ok(0, "machine");
		return done_testing();
	}
	test_success();
	test_two_batches();
	test_shared_clean();
	test_busy();
	test_writeback();
	test_enomem();
	test_refcount_anon();
	test_refcount_shared();
	test_freed();
	test_flags();
	test_mlock_on_lru();
	test_fork();
	mmsim_destroy(m);
	test_thp();
	test_thp_split_migration_entry();
	test_munmap_before_batch_flush();
	test_migration_entry_fault();
	test_race();
	test_fork_during_move();
	return done_testing();
}
