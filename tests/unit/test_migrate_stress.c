/*
 * test_migrate_stress.c - move_pages(2) and migrate_pages(2) racing with
 * loads and stores on a threaded machine, after Linux's
 * tools/testing/selftests/mm/migration.c.
 *
 * Machine: cfg.threaded, 2 nodes, 4 CPUs (CPU c on node c % 2), 64 MiB per
 * node.  One process: its main task on CPU 0 is this (the main) host
 * thread, which only migrates; threads of the process made with
 * mmsim_thread_create() run on CPUs 1..3, each driven by its own host
 * thread, and keep storing and loading.  Three variants:
 *
 *   private  64 pages MAP_PRIVATE|MAP_ANONYMOUS, writers on CPUs 1, 2, 3.
 *   shared   64 pages MAP_SHARED|MAP_ANONYMOUS; the process forks (before
 *            any thread starts) and a thread of the child on CPU 3 reads
 *            the pages through the child's mapping, so pages are mapped by
 *            two processes; writers on CPUs 1, 2.  Moves use
 *            MPOL_MF_MOVE_ALL, and some rounds name the child's pid.
 *   thp      cfg.thp = always, a 4 MiB private mapping placed 2 MiB-aligned
 *            (two huge pages), populated by the writers' first stores;
 *            move_pages names one address inside each huge page (a random
 *            subpage) and the page must move whole.
 *
 * Memory layout, threads and checks (stress.h, shared with
 * test_swap_stress.c): every page is 256 chunks of 16 bytes; chunk k
 * belongs to slot k % 4, and writer i owns slot i (slots without a writer
 * must stay zero).  A chunk holds {tag(slot, page), k, seq}, seq being its
 * writer's store counter, published (atomically) before the store.  A
 * writer:
 *   - stores a fresh value into one of its own chunks and loads it straight
 *     back (must be exactly what it stored), and loads another own chunk
 *     (must equal its shadow copy: the last value it stored there);
 *   - now and then loads a whole page: its own chunks must equal its
 *     shadows; every other chunk must be zero or a value its writer could
 *     have written: right tag and index, 0 < seq <= the writer's published
 *     counter, and never older than what this checker saw there before
 *     (stores to a chunk are in seq order, so an older value is a lost
 *     store or a stale frame).
 * The child's reader does the whole-page check on every visit.
 *
 * Simulated memory is plain host memory: two CPUs' accesses to the same
 * bytes with no ordering would be a host data race (ThreadSanitizer would
 * rightly report the test, not mmsim).  So each page has a host rwlock:
 * stores and loads of one's own chunks take it shared (they touch disjoint
 * bytes), whole-page loads take it exclusive.  The migrating thread never
 * takes these locks: whatever orders its copies against the CPUs' accesses
 * is mmsim's own protocol, which is what runs under test.
 *
 * The main thread, round after round until MMSIM_STRESS_SECONDS (default
 * 1 s per variant) have passed and enough was seen: move_pages every page
 * (every huge page) to one node, then the other; every 5th round
 * migrate_pages from={other} to={target} instead; every 7th a mixed round
 * (alternate units to alternate nodes), page order shuffled each round.
 * After every round the query form (nodes == NULL) reads back where every
 * page is.
 *
 * Status values accepted from the moving form:
 *   - the requested node: always;
 *   - the caller's initial value (untouched): only when the call returned
 *     n > 0, "pages not migrated", as Linux does for a batch that failed,
 *     and then at least n entries must be untouched.  Migration is best
 *     effort, so pages left behind are asked again in later rounds, but, as
 *     in the selftest (MAX_RETRIES), no page may stay put through 100
 *     attempts in a row to move it: in Linux (since 5.17) a thread that
 *     waits on a migration entry holds no page reference, so busy pages
 *     do move;
 *   - -ENOENT: while the writers have not all finished their first pass
 *     (the page may not be faulted in yet), and in rounds naming the
 *     child's pid for pages the child's reader had not touched before the
 *     call (not mapped in the child);
 *   - -EBUSY: while the writers have not all finished their first pass:
 *     a page just faulted in can still sit in its CPU's LRU add batch (or
 *     be added to it after lru_cache_disable() drained), so it cannot be
 *     isolated.
 * Nothing else (-EFAULT, -EACCES, ...) ever.  The query form must return
 * 0 and give nodes, or -ENOENT for pages not faulted in during the first
 * pass.  Once the first pass is over every page exists and only this
 * thread moves pages, so a page reported at the requested node must be
 * found there by the query, and after a round that returned 0 every page
 * must be where it was asked to go.
 *
 * Counters (read only when the threads are idle): pgmigrate_success grows,
 * by at least the moves the queries observed (a unit seen on one node,
 * then on the other) and at most those plus one per unit first seen
 * after it was possibly moved; for THP that means a huge page counts once,
 * so it moved whole.  pgmigrate_fail stays 0 if no call reported a page
 * not migrated.  Once the threads have stopped: every chunk holds its
 * writer's last store (read by the main task, and by the child for shared
 * memory), the huge pages are still mapped by 2 MiB entries, and once
 * every task has exited every frame is free again.
 *
 * A variant runs at least MMSIM_STRESS_SECONDS and until enough was seen
 * (rounds after the first pass, every unit moved back and forth, every
 * thread ran), but never longer than 5 x that + 30 s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "stress.h"
#include "tap.h"

#define NCPUS 4
/* Linux's selftest gives up after this many move_pages calls in a row that
 * failed to move its page ("Migration is best effort; try again"). */
#define MAX_RETRIES 100

enum variant { V_PRIVATE, V_SHARED, V_THP };

/* ---- the migrating thread -------------------------------------------------- */

struct mstats {
	unsigned long rounds, move_calls, migrate_calls, query_calls, strict_rounds;
	unsigned long child_rounds, mixed_rounds;
	unsigned long reported;		/* statuses == requested node */
	unsigned long moves_seen;	/* a unit seen on one node, then on the other */
	unsigned long maybe_moved;	/* a unit first seen after a round that could move it */
	unsigned long partial_calls;	/* calls that returned n > 0 */
	unsigned long not_migrated;	/* sum of those n (move_pages and migrate_pages) */
	unsigned long max_stuck;	/* most rounds in a row a unit was asked to move and did not */
	unsigned long enoent, ebusy;	/* accepted transient statuses */
	unsigned long full_at[2];	/* rounds after which every unit was on node 0 / 1 */
	unsigned long flips_max;	/* most node changes of one unit */
	struct stress_notes notes;
};

static void migrate_loop(struct stress *r, unsigned unit_pages, double secs, struct mstats *st)
{
	unsigned n = r->npages, nu = n / unit_pages;
	uint64_t *qaddr = calloc(n, sizeof *qaddr), *maddr = calloc(nu, sizeof *maddr);
	int *qstatus = calloc(n, sizeof *qstatus), *status = calloc(nu, sizeof *status);
	int *nodes = calloc(nu, sizeof *nodes), *expect = calloc(nu, sizeof *expect);
	unsigned *perm = calloc(nu, sizeof *perm);
	uint8_t *touched = calloc(nu, 1), *at_node = calloc(nu, 1);
	int *known = calloc(nu, sizeof *known);
	unsigned long *flips = calloc(nu, sizeof *flips);
	bool *possible = calloc(nu, sizeof *possible), *asked = calloc(nu, sizeof *asked);
	unsigned long *stuck = calloc(nu, sizeof *stuck);
	uint64_t rng = 0x243f6a8885a308d3ULL;
	int self = mmsim_task_pid(r->main);
	double t0 = now(), hard = secs * 5 + 30;

	for (unsigned p = 0; p < n; p++)
		qaddr[p] = page_addr(r, p);
	for (unsigned u = 0; u < nu; u++)
		known[u] = -1;

	for (unsigned long round = 1;; round++) {
		double el = now() - t0;
		bool enough = st->strict_rounds >= 6 && st->full_at[0] && st->full_at[1] &&
			      st->flips_max >= 2;
		for (unsigned i = 0; i < r->nthreads; i++)
			enough = enough && iters_of(&r->w[i]) > 0;
		if ((el >= secs && enough) || el >= hard)
			break;

		int target = (int)(round & 1);
		bool strict = all_warm(r);
		bool migrate = round % 5 == 0;
		bool mixed = !migrate && round % 7 == 3;
		int pid = 0;
		if (r->v == V_SHARED && strict && !migrate && round % 3 == 2)
			pid = mmsim_task_pid(r->child);
		else if (round % 4 == 1)
			pid = self;
		for (unsigned u = 0; u < nu; u++)
			expect[u] = mixed ? target ^ (int)(u & 1) : target;
		st->rounds++;
		st->strict_rounds += strict;
		st->mixed_rounds += mixed;
		st->child_rounds += pid && pid != self;

		long ret;
		if (migrate) {
			uint64_t from = 1ULL << (1 - target), to = 1ULL << target;
			ret = mmsim_sys_migrate_pages(r->main, round % 2 ? 0 : self, 8, &from, &to);
			st->migrate_calls++;
			if (ret < 0)
				mnote(st, "round %lu: migrate_pages(%d -> %d) = %ld", round, 1 - target,
				      target, ret);
			else if (ret > 0) {
				st->partial_calls++;
				st->not_migrated += (unsigned long)ret;
			}
			/* Which units did the call cover?  All of them, if no page
			 * could appear meanwhile (first pass over). */
			for (unsigned u = 0; u < nu; u++) {
				possible[u] = true;
				asked[u] = known[u] == 1 - target;
			}
		} else {
			for (unsigned u = 0; u < nu; u++)
				perm[u] = u;
			for (unsigned u = nu; u > 1; u--) {
				unsigned v = (unsigned)(xorshift(&rng) % u), tmp = perm[u - 1];
				perm[u - 1] = perm[v];
				perm[v] = tmp;
			}
			for (unsigned i = 0; i < nu; i++) {
				unsigned u = perm[i];
				touched[i] = 1;
				uint64_t sub = unit_pages > 1 ? xorshift(&rng) % unit_pages : 0;
				maddr[i] = page_addr(r, u * unit_pages) + sub * PAGE_SIZE +
					   xorshift(&rng) % PAGE_SIZE;
				nodes[i] = expect[u];
				status[i] = SENTINEL;
				if (pid && pid != self) {
					/* Child's mapping: only the pages its reader touched. */
					for (unsigned q = 0; q < unit_pages; q++)
						touched[i] &= __atomic_load_n(
							&r->child_touched[u * unit_pages + q],
							__ATOMIC_SEQ_CST);
				}
			}
			for (unsigned i = 0; i < nu; i++)
				asked[perm[i]] = known[perm[i]] >= 0 && known[perm[i]] != nodes[i] && touched[i];
			int flags = r->v == V_SHARED || round % 6 == 0 ? MMSIM_MPOL_MF_MOVE_ALL
								       : MMSIM_MPOL_MF_MOVE;
			ret = mmsim_sys_move_pages(r->main, pid, nu, maddr, nodes, status, flags);
			st->move_calls++;
			unsigned long untouched = 0;
			if (ret < 0)
				mnote(st, "round %lu: move_pages(pid %d, %u pages -> node %d%s) = %ld",
				      round, pid, nu, target, mixed ? " mixed" : "", ret);
			for (unsigned i = 0; i < nu && ret >= 0; i++) {
				unsigned u = perm[i];
				int s = status[i];
				possible[u] = true;
				if (s == nodes[i]) {
					st->reported++;
				} else if (s == SENTINEL && ret > 0) {
					untouched++;
				} else if (s == -ENOENT && (!strict || (pid && pid != self && !touched[i]))) {
					st->enoent++;
					possible[u] = false;
				} else if (s == -EBUSY && !strict) {
					st->ebusy++;
					possible[u] = false;
				} else {
					mnote(st, "round %lu: move_pages(pid %d%s%s) = %ld: page %u (unit %u) status %d, asked %d%s",
					      round, pid, mixed ? ", mixed" : "",
					      strict ? "" : ", first pass", ret, i, u, s, nodes[i],
					      s == SENTINEL ? " (left untouched)" : "");
				}
			}
			if (ret > 0) {
				st->partial_calls++;
				st->not_migrated += (unsigned long)ret;
				if (untouched < (unsigned long)ret)
					mnote(st, "round %lu: move_pages returned %ld but left only %lu statuses untouched",
					      round, ret, untouched);
			}
		}

		/* Where is everything now? */
		for (unsigned p = 0; p < n; p++)
			qstatus[p] = SENTINEL;
		long q = mmsim_sys_move_pages(r->main, 0, n, qaddr, NULL, qstatus, 0);
		st->query_calls++;
		if (q != 0)
			mnote(st, "round %lu: query = %ld", round, q);
		bool all_there = q == 0;
		for (unsigned u = 0; u < nu; u++) {
			int node = -1;
			for (unsigned i = 0; i < unit_pages; i++) {
				unsigned p = u * unit_pages + i;
				int s = qstatus[p];
				if (s == 0 || s == 1) {
					if (node < 0)
						node = s;
					else if (s != node)
						mnote(st, "round %lu: unit %u is on both nodes (page %u on %d, before on %d): not moved whole",
						      round, u, p, s, node);
				} else if (s == -ENOENT && !strict) {
					/* first pass: not faulted in yet */
				} else {
					mnote(st, "round %lu: query of page %u: status %d%s", round, p, s,
					      strict ? "" : " (first pass)");
				}
			}
			at_node[u] = (uint8_t)(node < 0 ? 2 : node);
			if (node != expect[u])
				all_there = false;
		}
		/* What the moving call promised. */
		if (!migrate && ret >= 0) {
			for (unsigned i = 0; i < nu; i++)
				if (status[i] == nodes[i] && at_node[perm[i]] != nodes[i])
					mnote(st, "round %lu: unit %u reported on node %d, the query finds it on %d",
					      round, perm[i], nodes[i], at_node[perm[i]]);
		}
		if (migrate && ret == 0 && strict) {
			for (unsigned u = 0; u < nu; u++)
				if (at_node[u] != target)
					mnote(st, "round %lu: migrate_pages(%d -> %d) returned 0, unit %u is on %d",
					      round, 1 - target, target, u, at_node[u]);
		}
		if (!migrate && ret == 0 && strict && (pid == 0 || pid == self) && !all_there)
			mnote(st, "round %lu: move_pages returned 0 but not every unit is where asked", round);
		if (all_there && !mixed)
			st->full_at[target]++;
		for (unsigned u = 0; u < nu; u++) {
			int node = at_node[u] == 2 ? -1 : at_node[u];
			if (asked[u]) {
				/* Asked to change nodes: did it? */
				stuck[u] = node == expect[u] ? 0 : stuck[u] + 1;
				if (stuck[u] > st->max_stuck)
					st->max_stuck = stuck[u];
			}
			if (node < 0)
				continue;
			if (known[u] >= 0 && known[u] != node) {
				st->moves_seen++;
				flips[u]++;
				if (flips[u] > st->flips_max)
					st->flips_max = flips[u];
			} else if (known[u] < 0 && possible[u]) {
				st->maybe_moved++;
			}
			known[u] = node;
		}
	}
	free(qaddr);
	free(maddr);
	free(qstatus);
	free(status);
	free(nodes);
	free(expect);
	free(perm);
	free(touched);
	free(at_node);
	free(known);
	free(flips);
	free(possible);
	free(asked);
	free(stuck);
}

/* ---- one variant ------------------------------------------------------------- */

/* A 2 MiB-aligned private anonymous region of len bytes. */
static uint64_t map_aligned(struct mmsim_task *t, uint64_t len)
{
	long a = mmsim_sys_mmap(t, 0, len, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a < 0 || !((uint64_t)a & (PMD_SIZE - 1)))
		return (uint64_t)a;
	mmsim_sys_munmap(t, (uint64_t)a, len);
	a = mmsim_sys_mmap(t, 0, len + PMD_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a < 0)
		return (uint64_t)a;
	uint64_t start = ((uint64_t)a + PMD_SIZE - 1) & PMD_MASK;
	if (start > (uint64_t)a)
		mmsim_sys_munmap(t, (uint64_t)a, start - (uint64_t)a);
	if ((uint64_t)a + len + PMD_SIZE > start + len)
		mmsim_sys_munmap(t, start + len, (uint64_t)a + len + PMD_SIZE - (start + len));
	return start;
}

static void run_variant(enum variant v, double secs)
{
	static const char *names[] = { "private anonymous", "shared anonymous, two processes",
				       "transparent huge pages" };
	struct stress *r = calloc(1, sizeof *r);
	struct mmsim_config cfg;
	struct mstats st;
	double t0 = now();

	memset(&st, 0, sizeof st);
	r->v = v;
	r->name = names[v];
	r->tag_bits = 12;
	r->stale = "lost store or stale frame";
	r->ncpus = NCPUS;
	printf("# %s: %.1f s\n", r->name, secs);
	mmsim_config_default(&cfg);
	cfg.nodes = 2;
	cfg.cpus = NCPUS;
	cfg.mem_per_node = 64ULL << 20;
	cfg.threaded = true;
	cfg.thp = v == V_THP ? MMSIM_THP_ALWAYS : MMSIM_THP_NEVER;
	int err = mmsim_create(&cfg, &r->m);
	is(err, 0, "%s: threaded machine, 2 nodes, %d CPUs", r->name, NCPUS);
	if (err) {
		free(r);
		return;
	}
	uint64_t free0 = free_frames(r->m, 2);
	r->main = task_on(r->m, 0);
	ok(r->main != NULL, "%s: process, main task on CPU 0", r->name);
	if (!r->main)
		goto out_machine;

	unsigned unit_pages = v == V_THP ? (unsigned)HPAGE_PMD_NR : 1;
	r->npages = v == V_THP ? 2 * HPAGE_PMD_NR : 64;
	unsigned nunits = r->npages / unit_pages;
	r->nwriters = v == V_SHARED ? 2 : 3;
	uint64_t len = (uint64_t)r->npages * PAGE_SIZE;
	if (v == V_THP)
		r->base = map_aligned(r->main, len);
	else
		r->base = (uint64_t)mmsim_sys_mmap(r->main, 0, len, RW,
						   (v == V_SHARED ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS,
						   -1, 0);
	ok((int64_t)r->base > 0 && (v != V_THP || !(r->base & (PMD_SIZE - 1))),
	   "%s: mmap %u pages at %#llx%s", r->name, r->npages, (unsigned long long)r->base,
	   v == V_THP ? " (2 MiB aligned)" : "");
	if ((int64_t)r->base <= 0)
		goto out_tasks;

	stress_locks_init(r);
	r->child_touched = calloc(r->npages, 1);

	if (v == V_SHARED) {
		err = mmsim_fork(r->main, "child", &r->child);
		is(err, 0, "%s: fork", r->name);
		if (err)
			goto out_tasks;
	}
	err = stress_tasks_create(r);
	if (err)
		goto out_tasks;

	struct mmsim_counters c0, c1;
	mmsim_counters_machine(r->m, &c0);
	double tr = now();
	stress_start(r);
	migrate_loop(r, unit_pages, secs, &st);
	stress_stop(r);
	double trun = now() - tr;
	mmsim_counters_machine(r->m, &c1);

	printf("# %s: %.2f s of threads: %lu rounds (%lu after the first pass, %lu mixed, %lu on the child's pid), "
	       "%lu move_pages, %lu migrate_pages, %lu queries\n",
	       r->name, trun, st.rounds, st.strict_rounds, st.mixed_rounds, st.child_rounds,
	       st.move_calls, st.migrate_calls, st.query_calls);
	printf("# %s: statuses at the node asked %lu; accepted -ENOENT %lu, -EBUSY %lu; "
	       "%lu calls returned pages not migrated (%lu pages in all); most attempts in a row a unit stayed: %lu\n",
	       r->name, st.reported, st.enoent, st.ebusy, st.partial_calls, st.not_migrated,
	       st.max_stuck);
	printf("# %s: moves seen by the queries %lu (+%lu possible), most flips of one unit %lu, "
	       "rounds ending all on node 0: %lu, node 1: %lu\n",
	       r->name, st.moves_seen, st.maybe_moved, st.flips_max, st.full_at[0], st.full_at[1]);
	uint64_t succ = c1.pgmigrate_success - c0.pgmigrate_success;
	uint64_t fail = c1.pgmigrate_fail - c0.pgmigrate_fail;
	printf("# %s: counters: pgmigrate_success +%llu, pgmigrate_fail +%llu, migrate_batches +%llu, "
	       "faults +%llu, ipis_sent +%llu, tlb_flushes +%llu, pages_copied +%llu\n",
	       r->name, (unsigned long long)succ, (unsigned long long)fail,
	       (unsigned long long)(c1.migrate_batches - c0.migrate_batches),
	       (unsigned long long)(c1.faults - c0.faults),
	       (unsigned long long)(c1.ipis_sent - c0.ipis_sent),
	       (unsigned long long)(c1.tlb_flushes - c0.tlb_flushes),
	       (unsigned long long)(c1.pages_copied - c0.pages_copied));

	is(st.notes.bad, 0, "%s: every move_pages / migrate_pages / query result was one accepted",
	   r->name);
	if (st.notes.bad)
		printf("#   first: %s\n", st.notes.first_bad);
	ok(st.reported > 0 && st.moves_seen > 0, "%s: pages moved (%lu statuses at the node asked, %lu moves seen)",
	   r->name, st.reported, st.moves_seen);
	ok(st.full_at[0] > 0 && st.full_at[1] > 0 && st.flips_max >= 2,
	   "%s: pages alternate nodes (all on 0 after %lu rounds, all on 1 after %lu; a unit flipped %lu times)",
	   r->name, st.full_at[0], st.full_at[1], st.flips_max);
	ok(st.max_stuck < MAX_RETRIES,
	   "%s: no page stayed put through %d attempts in a row to move it (at most %lu; migration.c's MAX_RETRIES)",
	   r->name, MAX_RETRIES, st.max_stuck);
	ok(st.strict_rounds > 0, "%s: %lu rounds after every writer's first pass", r->name, st.strict_rounds);
	ok(succ > 0, "%s: pgmigrate_success grew (+%llu)", r->name, (unsigned long long)succ);
	ok(succ >= st.moves_seen && succ <= st.moves_seen + st.maybe_moved,
	   "%s: pgmigrate_success +%llu within the moves seen [%lu, %lu]%s", r->name,
	   (unsigned long long)succ, st.moves_seen, st.moves_seen + st.maybe_moved,
	   v == V_THP ? " (each huge page counted once: moved whole)" : "");
	ok(st.not_migrated || fail == 0, "%s: pgmigrate_fail +%llu (no call reported a page not migrated: %s)",
	   r->name, (unsigned long long)fail, st.not_migrated ? "no" : "yes");
	ok(c1.migrate_batches > c0.migrate_batches, "%s: migration batches ran", r->name);
	stress_report(r);

	/* Quiescent: every page holds every writer's last stores, seen by the
	 * main task (and the child, for shared memory); slots without a
	 * writer are zero. */
	{
		struct stress_final f;
		stress_final_check(r, r->npages, true, &f);
		is(f.sigs, 0, "%s: final loads: no signal", r->name);
		is(f.wrong, 0, "%s: after the run every chunk holds its writer's last store", r->name);
		if (v == V_SHARED)
			is(f.cwrong, 0, "%s: ... and the child reads the same", r->name);
	}
	if (v == V_THP) {
		unsigned huge = 0;
		for (unsigned u = 0; u < nunits; u++) {
			struct pmap_entry e;
			huge += pmap_lookup(&r->main->mm->pmap, page_addr(r, u * unit_pages), &e) ==
					PMAP_PAGE && (e.flags & PMAP_HUGE);
		}
		is(huge, nunits, "%s: both regions still mapped by 2 MiB entries", r->name);
	}

out_tasks:
	stress_tasks_exit(r);
	is(free_frames(r->m, 2), free0, "%s: every frame freed once every task exited", r->name);
out_machine:
	stress_destroy(r);
	printf("# %s: %.2f s in all\n", r->name, now() - t0);
	free(r);
}

int main(void)
{
	double secs = stress_seconds();
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_variant(V_PRIVATE, secs);
	run_variant(V_SHARED, secs);
	run_variant(V_THP, secs);
	return done_testing();
}
