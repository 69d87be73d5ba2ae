/*
 * test_swap_stress.c - reclaim and swap racing faults, migration and
 * munmap on a threaded machine: every byte read back is checked.
 *
 * The model is test_migrate_stress.c.  One process: its main task on CPU 0
 * is this (the main) host thread, which reclaims (and moves, unmaps...);
 * threads of the process made with mmsim_thread_create() run on CPUs 1..3,
 * each driven by its own host thread, and keep storing and loading.  Every
 * variant has a swap area.  Three variants:
 *
 *   pageout   2 nodes of 64 MiB, 64 pages MAP_PRIVATE|MAP_ANONYMOUS,
 *             writers on CPUs 1, 2, 3.  The main thread, round after
 *             round: MADV_PAGEOUT of the range (every 4th round all of
 *             it, else a random part; the pages go to swap, or stay in
 *             the swap cache unmapped, and come back on the writers'
 *             faults); every 3rd round first move_pages of every page to
 *             the other node; every 5th MADV_WILLNEED of the range (the
 *             swapped pages read into the swap cache).
 *   pressure  2 nodes of 16 MiB (32 MiB in all), a 40 MiB private
 *             anonymous region, writers on CPUs 1, 2, 3: their faults find
 *             no free page and reclaim (try_to_free_pages), swapping out
 *             each other's pages (and the main thread's).  The main thread:
 *             MADV_PAGEOUT of a random window of the region, and a scratch
 *             region of its own (256 pages, only it touches them) that it
 *             checks, fills with the next generation's pattern, sometimes
 *             pages out and checks again, and every 4th round unmaps and
 *             maps anew (the new one must read as zeros); every 3rd round
 *             it forks a child that checks the scratch region and exits
 *             (address spaces come and go while reclaim walks them).
 *   shared    2 nodes of 16 MiB, 64 pages MAP_SHARED|MAP_ANONYMOUS (shared
 *             memory goes to swap through the swap cache, its object
 *             keeping swap values); the process forks (before any thread
 *             starts) and a thread of the child on CPU 3 reads the pages
 *             through the child's mapping; writers on CPUs 1, 2.  The main
 *             thread: MADV_PAGEOUT of the range (pageout leaves alone what
 *             another process maps, so every other round it first drops
 *             part of the child's mapping with MADV_DONTNEED, as the
 *             child: the object keeps the pages); every 3rd round
 *             MADV_PAGEOUT of the child's mapping, as the child; and it
 *             walks a balloon, a 40 MiB shared anonymous region of its own
 *             made after the fork, 32 pages a round, checking in each page
 *             the value it left there on its last lap and storing a new
 *             one: its faults reclaim, so the shared pages of both
 *             processes are unmapped and swapped by rmap too, and read
 *             back from the swap area.
 *   memcg     pressure's rounds on 2 nodes of 64 MiB (room for everything),
 *             the process in a memory cgroup whose memory.max is a third of
 *             the region: the writers' charges reclaim the cgroup's own
 *             pages (memcg reclaim) and swap them; memory.current stays
 *             within the limit, and every charge is gone at the end.
 *   (pageout and shared pause up to 0.1 ms every 8th round, so that the
 *   writers fault a fair share of the pages back in between.)
 *
 * Memory layout, threads and checks are stress.h's, shared with
 * test_migrate_stress.c: every page is 256 chunks of 16 bytes; chunk k
 * belongs to slot k % 4, writer i owns slot i (slots without a writer must
 * stay zero).  A chunk holds {tag(slot, page), k, seq}, seq being its
 * writer's store counter, published (atomically) before the store.  A
 * writer stores a fresh value into one of its own chunks and loads it
 * straight back (must be exactly what it stored), and loads another own
 * chunk (must equal its shadow copy); now and then it loads a whole page:
 * its own chunks must equal its shadows, every other chunk must be zero or
 * a value its writer could have written (right tag and index, 0 < seq <=
 * published counter) and never older than what this checker saw there
 * before (a lost store, a stale frame or a stale swap slot).  The child's
 * reader does the whole-page check on every visit.
 *
 * Host data races: each page has a host rwlock; stores and loads of one's
 * own chunks take it shared (disjoint bytes), whole-page loads take it
 * exclusive.  The main thread never takes these locks: whatever orders
 * reclaim's and migration's copies (and swap I/O) against the CPUs'
 * accesses is mmsim's own protocol, which is what runs under test.  The
 * scratch region is touched by the main thread only.
 *
 * The main thread checks every system call's result: madvise 0; munmap 0;
 * mmap an address; move_pages >= 0 with each status the node asked,
 * -ENOENT (swapped out: no page mapped), -EBUSY (a page being isolated or
 * in an LRU batch) or, when the call returned n > 0, untouched; the query
 * form 0 with each status a node or -ENOENT.  It counts the pages the
 * queries saw gone and then back (swapped out, faulted in).
 *
 * At the end of each variant (threads stopped): every chunk is checked
 * once more (by the main task, and by the child for shared memory; the
 * scratch region and the balloon too), then mmsim_debug_check() must find
 * nothing (slot counts against swap entries, the swap cache against
 * SWAP_HAS_CACHE, mapcounts...).  pressure then unmaps the region's upper
 * half and the scratch region (swapoff needs room for all it reads back)
 * and checks that munmap freed their swap slots and swap-cache pages, as
 * Linux's does; shared unmaps the balloon.  Then the pages left go to swap
 * once more (pageout, a checked read of every page, pageout again), the
 * audit runs, swapoff must return 0, every chunk is checked again and the
 * audit run again, and once every task has exited every frame is free.
 * Counters: pages were swapped out (pswpout) and faulted back in
 * (faults_swap; pswpin under memory pressure).
 *
 * A variant runs at least MMSIM_STRESS_SECONDS (default 1 s) and until
 * enough was seen, but never longer than 5 x that + 30 s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "stress.h"
#include "tap.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define NCPUS 4
#define SCRATCH_PAGES 256
#define PAGEOUT_WINDOW 512	/* pressure: pages one MADV_PAGEOUT covers */
#define BALLOON_STEP 32		/* shared: balloon pages the main thread touches a round */

enum variant { V_PAGEOUT, V_PRESSURE, V_SHARED, V_MEMCG };

/* memcg runs pressure's rounds, its pressure coming from a cgroup's
 * memory.max instead of the machine's size. */
static bool pressure_like(enum variant v)
{
	return v == V_PRESSURE || v == V_MEMCG;
}

/* ---- the main thread ---------------------------------------------------------- */

struct mstats {
	unsigned long rounds, warm_rounds;
	unsigned long pageouts, child_pageouts, dontneeds, willneeds, queries;
	unsigned long move_calls, moved, enoent, ebusy, partial_calls, untouched;
	unsigned long gone, returned;	/* pages a query saw absent, then present again */
	unsigned long scratch_checks, scratch_fills, scratch_pageouts, scratch_remaps;
	unsigned long forks;		/* pressure: children forked, checked, exited */
	struct stress_notes notes;
};

static uint64_t ev(struct mmsim *m, enum mmsim_vmstat_event e)
{
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);	/* atomic counters: fine while the CPUs run */
	return vs.ev[e];
}

/* The scratch region (pressure): word i of page p in generation g. */
static uint64_t scratch_word(unsigned gen, unsigned p, unsigned i)
{
	return 0x5c00000000000000ULL | ((uint64_t)gen << 32) | ((uint64_t)p << 16) | i;
}

struct scratch {
	uint64_t base;
	unsigned gen;			/* 0: fresh, must read as zeros */
	uint8_t buf[PAGE_SIZE];
};

/* Loads every scratch page, as task t, and compares it with generation
 * s->gen. */
static void scratch_check_as(struct mmsim_task *t, struct mstats *st, struct scratch *s,
			     const char *when)
{
	for (unsigned p = 0; p < SCRATCH_PAGES; p++) {
		uint64_t fa = 0;
		int sig = mmsim_load(t, s->base + (uint64_t)p * PAGE_SIZE, s->buf, PAGE_SIZE, &fa);
		if (sig) {
			mnote(st, "scratch page %u (%s): load got signal %d at %#llx", p, when, sig,
			      (unsigned long long)fa);
			continue;
		}
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
			uint64_t got, want = s->gen ? scratch_word(s->gen, p, i) : 0;
			memcpy(&got, s->buf + (size_t)i * 8, 8);
			if (got != want) {
				mnote(st, "scratch page %u word %u (%s): %#llx, want %#llx (generation %u)",
				      p, i, when, (unsigned long long)got, (unsigned long long)want,
				      s->gen);
				break;
			}
		}
	}
	st->scratch_checks++;
}

static void scratch_check(struct stress *r, struct mstats *st, struct scratch *s, const char *when)
{
	scratch_check_as(r->main, st, s, when);
}

static void scratch_fill(struct stress *r, struct mstats *st, struct scratch *s)
{
	s->gen++;
	for (unsigned p = 0; p < SCRATCH_PAGES; p++) {
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
			uint64_t v = scratch_word(s->gen, p, i);
			memcpy(s->buf + (size_t)i * 8, &v, 8);
		}
		uint64_t fa = 0;
		int sig = mmsim_store(r->main, s->base + (uint64_t)p * PAGE_SIZE, s->buf, PAGE_SIZE, &fa);
		if (sig)
			mnote(st, "scratch page %u: store of generation %u got signal %d at %#llx", p,
			      s->gen, sig, (unsigned long long)fa);
	}
	st->scratch_fills++;
}

static uint64_t scratch_map(struct stress *r, struct mstats *st)
{
	long a = mmsim_sys_mmap(r->main, 0, SCRATCH_PAGES * PAGE_SIZE, RW,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a < 0) {
		mnote(st, "mmap of the scratch region: %ld", a);
		return 0;
	}
	return (uint64_t)a;
}

/*
 * The balloon (shared): a shared anonymous region larger than the machine
 * that the main thread walks BALLOON_STEP pages a round, checking the
 * value it left in each page on its last lap and storing a new one: its
 * faults reclaim (shared memory of both processes, the swap cache) and
 * read pages back from the swap area.
 */
struct balloon {
	uint64_t base;
	unsigned npages, cursor;
	uint64_t *want;			/* [npages]: value at both ends of the page, 0: never stored */
	unsigned long touched, laps;
};

static void balloon_check(struct stress *r, struct mstats *st, struct balloon *b, unsigned i,
			  const char *when)
{
	uint64_t got[4], fa = 0, w = b->want[i];
	uint64_t a = b->base + (uint64_t)i * PAGE_SIZE;
	int sig = mmsim_load(r->main, a, got, 16, &fa);
	if (!sig)
		sig = mmsim_load(r->main, a + PAGE_SIZE - 16, got + 2, 16, &fa);
	if (sig) {
		mnote(st, "balloon page %u (%s): load got signal %d at %#llx", i, when, sig,
		      (unsigned long long)fa);
		return;
	}
	uint64_t w2 = w ? ~w : 0;
	if (got[0] != w || got[1] != w2 || got[2] != w || got[3] != w2)
		mnote(st, "balloon page %u (%s): %#llx %#llx .. %#llx %#llx, want %#llx %#llx", i, when,
		      (unsigned long long)got[0], (unsigned long long)got[1],
		      (unsigned long long)got[2], (unsigned long long)got[3], (unsigned long long)w,
		      (unsigned long long)w2);
}

static void balloon_step(struct stress *r, struct mstats *st, struct balloon *b, unsigned long round)
{
	for (unsigned j = 0; j < BALLOON_STEP; j++) {
		unsigned i = b->cursor;
		if (++b->cursor == b->npages) {
			b->cursor = 0;
			b->laps++;
		}
		balloon_check(r, st, b, i, "its last lap's value");
		uint64_t v = 0xba11000000000000ULL | ((uint64_t)round << 16) | (i & 0xffff);
		uint64_t val[2] = { v, ~v }, fa = 0;
		uint64_t a = b->base + (uint64_t)i * PAGE_SIZE;
		int sig = mmsim_store(r->main, a, val, 16, &fa);
		if (!sig)
			sig = mmsim_store(r->main, a + PAGE_SIZE - 16, val, 16, &fa);
		if (sig) {
			mnote(st, "balloon page %u: store got signal %d at %#llx", i, sig,
			      (unsigned long long)fa);
			b->want[i] = 0xdead;	/* unknown now: the next check says so */
			continue;
		}
		b->want[i] = v;
		b->touched++;
	}
}

static void advise(struct mstats *st, struct mmsim_task *t, uint64_t a, uint64_t len,
		       int advice, const char *what, unsigned long round)
{
	long ret = mmsim_sys_madvise(t, a, len, advice);
	if (ret != 0)
		mnote(st, "round %lu: madvise(%#llx, %llu pages, %s) = %ld", round,
		      (unsigned long long)a, (unsigned long long)(len / PAGE_SIZE), what, ret);
}

/* move_pages of every page to node target (pageout variant). */
static void move_round(struct stress *r, struct mstats *st, unsigned long round, int target,
		       uint64_t *addrs, int *nodes, int *status)
{
	unsigned n = r->npages;
	for (unsigned p = 0; p < n; p++) {
		nodes[p] = target;
		status[p] = SENTINEL;
	}
	int flags = round % 2 ? MMSIM_MPOL_MF_MOVE : MMSIM_MPOL_MF_MOVE_ALL;
	long ret = mmsim_sys_move_pages(r->main, 0, n, addrs, nodes, status, flags);
	st->move_calls++;
	if (ret < 0) {
		mnote(st, "round %lu: move_pages(%u pages -> node %d) = %ld", round, n, target, ret);
		return;
	}
	unsigned long untouched = 0;
	for (unsigned p = 0; p < n; p++) {
		int s = status[p];
		if (s == target)
			st->moved++;
		else if (s == -ENOENT)
			st->enoent++;	/* swapped out (or not faulted in yet) */
		else if (s == -EBUSY)
			st->ebusy++;	/* isolated, or in an LRU batch */
		else if (s == SENTINEL && ret > 0)
			untouched++;
		else
			mnote(st, "round %lu: move_pages(-> node %d) = %ld: page %u status %d%s",
			      round, target, ret, p, s, s == SENTINEL ? " (left untouched)" : "");
	}
	if (ret > 0) {
		st->partial_calls++;
		st->untouched += untouched;
		if (untouched < (unsigned long)ret)
			mnote(st, "round %lu: move_pages returned %ld but left only %lu statuses untouched",
			      round, ret, untouched);
	}
}

/* Where is every page?  Counts pages gone (swapped out) and back again. */
static void query_round(struct stress *r, struct mstats *st, unsigned long round, bool warm,
			uint64_t *addrs, int *status, uint8_t *absent)
{
	unsigned n = r->npages;
	for (unsigned p = 0; p < n; p++)
		status[p] = SENTINEL;
	long q = mmsim_sys_move_pages(r->main, 0, n, addrs, NULL, status, 0);
	st->queries++;
	if (q != 0) {
		mnote(st, "round %lu: query = %ld", round, q);
		return;
	}
	for (unsigned p = 0; p < n; p++) {
		int s = status[p];
		if (s == 0 || s == 1) {
			if (absent[p]) {
				st->returned++;
				absent[p] = 0;
			}
		} else if (s == -ENOENT) {
			if (warm && !absent[p]) {
				st->gone++;
				absent[p] = 1;
			}
		} else {
			mnote(st, "round %lu: query of page %u: status %d", round, p, s);
		}
	}
}

static bool enough_seen(struct stress *r, struct mstats *st, uint64_t out0, uint64_t in0)
{
	for (unsigned i = 0; i < r->nthreads; i++)
		if (!iters_of(&r->w[i]))
			return false;
	if (st->warm_rounds < 6 || ev(r->m, MMSIM_VM_pswpout) == out0 || !st->returned)
		return false;
	switch (r->v) {
	case V_PAGEOUT:
		return st->moved > 0;
	case V_PRESSURE:
	case V_MEMCG:
		return st->scratch_remaps >= 2 && ev(r->m, MMSIM_VM_pswpin) > in0;
	case V_SHARED:
		return st->dontneeds > 0 && ev(r->m, MMSIM_VM_pswpin) > in0;
	}
	return true;
}

static void main_loop(struct stress *r, double secs, struct mstats *st, struct scratch *sc,
		      struct balloon *bl)
{
	unsigned n = r->npages;
	uint64_t *addrs = calloc(n, sizeof *addrs);
	int *nodes = calloc(n, sizeof *nodes), *status = calloc(n, sizeof *status);
	uint8_t *absent = calloc(n, 1);
	uint64_t rng = 0x243f6a8885a308d3ULL;
	uint64_t len = (uint64_t)n * PAGE_SIZE;
	uint64_t out0 = ev(r->m, MMSIM_VM_pswpout), in0 = ev(r->m, MMSIM_VM_pswpin);
	double t0 = now(), hard = secs * 5 + 30;

	for (unsigned p = 0; p < n; p++)
		addrs[p] = page_addr(r, p);

	for (unsigned long round = 1;; round++) {
		double el = now() - t0;
		if ((el >= secs && enough_seen(r, st, out0, in0)) || el >= hard)
			break;
		bool warm = all_warm(r);
		st->rounds++;
		st->warm_rounds += warm;

		switch (r->v) {
		case V_PAGEOUT: {
			/* Moves first: the writers have faulted pages back
			 * since the last round's pageout. */
			if (round % 3 == 1)
				move_round(r, st, round, (int)((round / 3) & 1), addrs, nodes, status);
			/* The whole range every 4th round, else a random part. */
			uint64_t first = round % 4 ? xorshift(&rng) % n : 0;
			uint64_t cnt = round % 4 ? 1 + xorshift(&rng) % (n - first) : n;
			advise(st, r->main, page_addr(r, (unsigned)first), cnt * PAGE_SIZE, MADV_PAGEOUT,
			       "MADV_PAGEOUT", round);
			st->pageouts++;
			if (round % 5 == 2) {
				advise(st, r->main, r->base, len, MADV_WILLNEED, "MADV_WILLNEED", round);
				st->willneeds++;
			}
			break;
		}
		case V_PRESSURE:
		case V_MEMCG: {
			uint64_t first = xorshift(&rng) % (n - PAGEOUT_WINDOW + 1);
			advise(st, r->main, page_addr(r, (unsigned)first),
			       PAGEOUT_WINDOW * PAGE_SIZE, MADV_PAGEOUT, "MADV_PAGEOUT", round);
			st->pageouts++;
			/* The scratch region: what it held since the last round
			 * (its pages may have gone to swap meanwhile). */
			if (!sc->base)
				break;
			scratch_check(r, st, sc, "since the last round");
			if (round % 4 == 0) {
				long u = mmsim_sys_munmap(r->main, sc->base, SCRATCH_PAGES * PAGE_SIZE);
				if (u)
					mnote(st, "round %lu: munmap of the scratch region = %ld", round, u);
				sc->base = scratch_map(r, st);
				sc->gen = 0;
				st->scratch_remaps++;
				if (!sc->base)
					break;
				scratch_check(r, st, sc, "mapped anew");
			}
			scratch_fill(r, st, sc);
			/* Every 3rd round a child: its address space joins the
			 * machine's list while reclaim (kswapd's MGLRU aging
			 * among it) walks that list, reads the scratch region
			 * through copy-on-write, and goes again. */
			if (round % 3 == 0) {
				struct mmsim_task *child = NULL;
				int f = mmsim_fork(r->main, "child", &child);
				if (f) {
					mnote(st, "round %lu: fork = %d", round, f);
				} else {
					scratch_check_as(child, st, sc, "in a forked child");
					mmsim_task_exit(child);
					st->forks++;
				}
			}
			if (round % 2) {
				advise(st, r->main, sc->base, SCRATCH_PAGES * PAGE_SIZE, MADV_PAGEOUT,
				       "MADV_PAGEOUT of the scratch region", round);
				st->scratch_pageouts++;
				scratch_check(r, st, sc, "after its pageout");
			}
			break;
		}
		case V_SHARED:
			if (round % 2 == 0) {
				/* The child's mapping goes from part of the range: those
				 * pages are mapped by the main process alone, and
				 * pageout takes them. */
				uint64_t first = xorshift(&rng) % n;
				uint64_t cnt = 1 + xorshift(&rng) % (n - first);
				advise(st, r->child, page_addr(r, (unsigned)first), cnt * PAGE_SIZE,
				       MADV_DONTNEED, "MADV_DONTNEED, as the child", round);
				st->dontneeds++;
			}
			advise(st, r->main, r->base, len, MADV_PAGEOUT, "MADV_PAGEOUT", round);
			st->pageouts++;
			if (round % 3 == 0) {
				advise(st, r->child, r->base, len, MADV_PAGEOUT,
				       "MADV_PAGEOUT, as the child", round);
				st->child_pageouts++;
			}
			if (bl->base)
				balloon_step(r, st, bl, round);
			break;
		}
		query_round(r, st, round, warm, addrs, status, absent);
		/* pageout, shared: a pause of up to 100 us now and then, so the
		 * writers fault a fair share of the pages back in between. */
		if (!pressure_like(r->v) && round % 8 == 0) {
			struct timespec ts = { 0, (long)(xorshift(&rng) % 100000) };
			nanosleep(&ts, NULL);
		}
	}
	free(addrs);
	free(nodes);
	free(status);
	free(absent);
}

/* ---- one variant ------------------------------------------------------------- */

/*
 * Quiescent: pages [0, upto) hold every writer's last stores, seen by the
 * main task (and the child, for shared memory); slots without a writer
 * are zero.
 */
static void final_check(struct stress *r, unsigned upto, bool child_too, const char *when)
{
	struct stress_final f;
	stress_final_check(r, upto, child_too, &f);
	is(f.sigs, 0, "%s: %s: final loads of %u pages: no signal", r->name, when, upto);
	is(f.wrong, 0, "%s: %s: every chunk holds its writer's last store", r->name, when);
	if (child_too && r->child)
		is(f.cwrong, 0, "%s: %s: ... and the child reads the same", r->name, when);
	if (f.first[0])
		printf("#   first: %s\n", f.first);
}

/* Slots some page or entry holds: those in the CPUs' slots caches (held,
 * named by nobody) aside. */
static uint64_t slots_in_use(struct mmsim *m)
{
	uint64_t held = 0;
	for (unsigned cpu = 0; cpu < MMSIM_MAX_CPUS; cpu++) {
		unsigned nr, n_ret;
		swap_slots_cache_count(&m->mm, cpu, &nr, &n_ret);
		held += nr + n_ret;
	}
	return swap_total_slots(&m->mm) - swap_free_slots(&m->mm) - held;
}

/*
 * Before swapoff (threads stopped): pages [0, upto) go to swap once more,
 * so that swapoff has them to bring back.  A pageout (for shared memory
 * the child's mapping dropped first: pageout leaves what two processes
 * map); every page read back by the main task and checked (mapped again,
 * clean, from the swap cache or the area); a second pageout, which frees
 * the clean private pages (their data now only in the swap area) and
 * writes the shared ones to the swap cache again (their object keeping
 * swap values).
 */
static void pageout_before_swapoff(struct stress *r, unsigned upto)
{
	struct mstats st;
	uint64_t len = (uint64_t)upto * PAGE_SIZE;
	memset(&st, 0, sizeof st);
	if (r->child)
		advise(&st, r->child, r->base, len, MADV_DONTNEED, "MADV_DONTNEED, as the child", 0);
	advise(&st, r->main, r->base, len, MADV_PAGEOUT, "MADV_PAGEOUT", 0);
	final_check(r, upto, false, "after a pageout");
	advise(&st, r->main, r->base, len, MADV_PAGEOUT, "MADV_PAGEOUT", 0);
	is(st.notes.bad, 0, "%s: before swapoff: %u pages paged out again", r->name, upto);
	if (st.notes.bad)
		printf("#   first: %s\n", st.notes.first_bad);
	printf("# %s: before swapoff: %llu swap slots in use\n", r->name,
	       (unsigned long long)slots_in_use(r->m));
}

static void run_variant(enum variant v, double secs)
{
	static const char *names[] = { "pageout", "pressure", "shared", "memcg" };
	struct stress *r = calloc(1, sizeof *r);
	struct scratch *sc = calloc(1, sizeof *sc);
	struct balloon *bl = calloc(1, sizeof *bl);
	struct mmsim_config cfg;
	struct mstats st;
	double t0 = now();
	unsigned nodes = 2;
	uint64_t mem = v == V_PAGEOUT || v == V_MEMCG ? 64ULL << 20 : 16ULL << 20;
	uint64_t swap = v == V_PAGEOUT ? 16ULL << 20 : 96ULL << 20;

	memset(&st, 0, sizeof st);
	r->v = v;
	r->name = names[v];
	r->tag_bits = 14;
	r->stale = "lost store, stale frame or stale slot";
	r->ncpus = NCPUS;
	printf("# %s: %.1f s\n", r->name, secs);
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = NCPUS;
	cfg.mem_per_node = mem;
	cfg.threaded = true;
	cfg.thp = MMSIM_THP_NEVER;
	char cerr[200] = "";
	is(mmsim_config_check(&cfg, cerr, sizeof cerr), 0, "%s: configuration valid %s", r->name, cerr);
	int err = mmsim_create(&cfg, &r->m);
	is(err, 0, "%s: threaded machine, %u nodes of %llu MiB, %d CPUs", r->name, nodes,
	   (unsigned long long)(mem >> 20), NCPUS);
	if (err) {
		free(r);
		free(sc);
		free(bl);
		return;
	}
	uint64_t free0 = free_frames(r->m, nodes);
	is(mmsim_swapon(r->m, swap, NULL), 0, "%s: swapon %llu MiB", r->name,
	   (unsigned long long)(swap >> 20));
	r->main = task_on(r->m, 0);
	ok(r->main != NULL, "%s: process, main task on CPU 0", r->name);
	if (!r->main)
		goto out_machine;

	/* pressure: 1.25 x the machine's memory. */
	r->npages = v == V_PRESSURE ? (unsigned)(nodes * mem * 5 / 4 / PAGE_SIZE)
		    : v == V_MEMCG ? (10u << 20) / PAGE_SIZE : 64;
	struct mmsim_cgroup *cg = NULL;
	if (v == V_MEMCG) {
		char lim[32];
		snprintf(lim, sizeof lim, "%u", r->npages / 3 * (unsigned)PAGE_SIZE);
		is(mmsim_cgroup_create(r->m, "stress", NULL, &cg), 0, "%s: a cgroup", r->name);
		is(mmsim_cgroup_write(cg, "memory.max", lim), 0, "%s: memory.max %s", r->name, lim);
		is(mmsim_cgroup_attach(cg, r->main), 0, "%s: the process joins it", r->name);
	}
	r->nwriters = v == V_SHARED ? 2 : 3;
	uint64_t len = (uint64_t)r->npages * PAGE_SIZE;
	r->base = (uint64_t)mmsim_sys_mmap(r->main, 0, len, RW,
					   (v == V_SHARED ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS,
					   -1, 0);
	ok((int64_t)r->base > 0, "%s: mmap %u pages (%llu MiB) at %#llx", r->name, r->npages,
	   (unsigned long long)(len >> 20), (unsigned long long)r->base);
	if ((int64_t)r->base <= 0)
		goto out_tasks;
	if (pressure_like(v)) {
		sc->base = scratch_map(r, &st);
		ok(sc->base != 0, "%s: mmap of the scratch region (%u pages)", r->name, SCRATCH_PAGES);
	}

	stress_locks_init(r);

	if (v == V_SHARED) {
		err = mmsim_fork(r->main, "child", &r->child);
		is(err, 0, "%s: fork", r->name);
		if (err)
			goto out_tasks;
		/* After the fork: the balloon is the main process's alone. */
		bl->npages = (unsigned)(nodes * mem * 5 / 4 / PAGE_SIZE);
		bl->want = calloc(bl->npages, sizeof *bl->want);
		long a = mmsim_sys_mmap(r->main, 0, (uint64_t)bl->npages * PAGE_SIZE, RW,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ok(a > 0, "%s: mmap of a shared balloon of %u pages (%llu MiB) = %#lx", r->name,
		   bl->npages, (unsigned long long)((uint64_t)bl->npages * PAGE_SIZE >> 20), a);
		bl->base = a > 0 ? (uint64_t)a : 0;
	}
	err = stress_tasks_create(r);
	if (err)
		goto out_tasks;

	struct mmsim_vmstat vs0, vs1;
	mmsim_vmstat(r->m, &vs0);
	uint64_t fswap0 = machine_counter(r->m, "faults_swap"), sigbus0 = machine_counter(r->m, "sigbus");
	double tr = now();
	stress_start(r);
	main_loop(r, secs, &st, sc, bl);
	stress_stop(r);
	double trun = now() - tr;
	mmsim_vmstat(r->m, &vs1);
	uint64_t fswap = machine_counter(r->m, "faults_swap") - fswap0;
	uint64_t sigbus = machine_counter(r->m, "sigbus") - sigbus0;
#define D(e) ((unsigned long long)(vs1.ev[MMSIM_VM_##e] - vs0.ev[MMSIM_VM_##e]))
	printf("# %s: %.2f s of threads: %lu rounds (%lu after the first pass): %lu pageouts "
	       "(%lu as the child), %lu dontneed, %lu willneed, %lu queries\n",
	       r->name, trun, st.rounds, st.warm_rounds, st.pageouts, st.child_pageouts,
	       st.dontneeds, st.willneeds, st.queries);
	if (v == V_PAGEOUT)
		printf("# %s: %lu move_pages: statuses at the node asked %lu, -ENOENT %lu, -EBUSY %lu; "
		       "%lu calls returned pages not migrated (%lu left untouched)\n",
		       r->name, st.move_calls, st.moved, st.enoent, st.ebusy, st.partial_calls,
		       st.untouched);
	if (pressure_like(v))
		printf("# %s: scratch region: %lu checks, %lu generations, %lu pageouts, %lu munmap+mmap\n",
		       r->name, st.scratch_checks, st.scratch_fills, st.scratch_pageouts,
		       st.scratch_remaps);
	if (v == V_SHARED)
		printf("# %s: balloon: %lu pages touched (%lu laps)\n", r->name, bl->touched, bl->laps);
	printf("# %s: queries saw %lu pages gone, %lu back\n", r->name, st.gone, st.returned);
	printf("# %s: pswpout +%llu, pswpin +%llu, pgmajfault +%llu, faults_swap +%llu, "
	       "pgmigrate_success +%llu, pgactivate +%llu, sigbus +%llu\n",
	       r->name, D(pswpout), D(pswpin), D(pgmajfault), (unsigned long long)fswap,
	       D(pgmigrate_success), D(pgactivate), (unsigned long long)sigbus);

	is(st.notes.bad, 0, "%s: every system call's result was one accepted", r->name);
	if (st.notes.bad)
		printf("#   first of %lu: %s\n", st.notes.bad, st.notes.first_bad);
	ok(st.warm_rounds > 0, "%s: %lu rounds after every writer's first pass", r->name,
	   st.warm_rounds);
	ok(D(pswpout) > 0, "%s: pages written to swap (pswpout +%llu)", r->name, D(pswpout));
	ok(st.returned > 0, "%s: pages the queries saw gone came back (%lu)", r->name, st.returned);
	if (v != V_SHARED)
		ok(fswap > 0, "%s: faults mapped pages from swap (faults_swap +%llu)", r->name,
		   (unsigned long long)fswap);
	if (v == V_PAGEOUT)
		ok(st.moved > 0 && D(pgmigrate_success) > 0,
		   "%s: pages moved (%lu statuses at the node asked, pgmigrate_success +%llu)",
		   r->name, st.moved, D(pgmigrate_success));
	if (v != V_PAGEOUT)
		ok(D(pswpin) > 0, "%s: pages read back from the swap area (pswpin +%llu)", r->name,
		   D(pswpin));
	if (pressure_like(v)) {
		ok(st.scratch_remaps > 0, "%s: the scratch region was unmapped and mapped anew (%lu)",
		   r->name, st.scratch_remaps);
		ok(st.forks > 0, "%s: children forked, checked and gone (%lu)", r->name, st.forks);
	}
	stress_report(r);
#undef D

	/* Threads stopped: every chunk once more, the audit, swapoff. */
	final_check(r, r->npages, true, "after the run");
	if (pressure_like(v) && sc->base) {
		unsigned long b0 = st.notes.bad;
		scratch_check(r, &st, sc, "after the run");
		is(st.notes.bad - b0, 0, "%s: the scratch region holds generation %u", r->name,
		   sc->gen);
	}
	if (v == V_SHARED && bl->base) {
		unsigned long b0 = st.notes.bad;
		for (unsigned i = 0; i < bl->npages; i++)
			balloon_check(r, &st, bl, i, "after the run");
		is(st.notes.bad - b0, 0, "%s: every balloon page holds its last value", r->name);
	}
	is(mmsim_debug_check(r->m), 0, "%s: debug audit clean (swap counts, swap cache, mapcounts)",
	   r->name);
	if (cg) {
		char buf[64];
		mmsim_cgroup_read(cg, "memory.current", buf, sizeof buf);
		uint64_t cur = strtoull(buf, NULL, 10);
		ok(cur <= (uint64_t)(r->npages / 3) * PAGE_SIZE, "%s: memory.current %llu within memory.max",
		   r->name, (unsigned long long)cur);
		mmsim_cgroup_read(cg, "memory.events", buf, sizeof buf);
		ok(strstr(buf, "oom 0") != NULL, "%s: no memcg OOM", r->name);
	}
	unsigned keep = r->npages;
	if (v == V_SHARED && bl->base) {
		/* The balloon's object goes with its pages and swap values. */
		is(mmsim_sys_munmap(r->main, bl->base, (uint64_t)bl->npages * PAGE_SIZE), 0,
		   "%s: munmap of the balloon", r->name);
		is(mmsim_debug_check(r->m), 0, "%s: debug audit clean after munmap", r->name);
	}
	if (pressure_like(v)) {
		/* swapoff needs memory for everything it reads back. */
		keep = r->npages / 2;
		is(mmsim_sys_munmap(r->main, page_addr(r, keep), (uint64_t)(r->npages - keep) * PAGE_SIZE),
		   0, "%s: munmap of the region's upper half (swapoff needs room)", r->name);
		if (sc->base)
			is(mmsim_sys_munmap(r->main, sc->base, SCRATCH_PAGES * PAGE_SIZE), 0,
			   "%s: munmap of the scratch region", r->name);
		is(mmsim_debug_check(r->m), 0, "%s: debug audit clean after munmap", r->name);
		/* Linux 6.12's munmap frees what it unmaps: a swap entry with
		 * its slot (and the slot's swap-cache page, unmapped), a
		 * mapped swap-cache page with its slot (zap_pte_range ->
		 * free_pages_and_swap_cache -> free_swap_cache).  The threads
		 * are stopped, so no page lock is held: every slot left names
		 * a page of the lower half, at most one each. */
		lru_add_drain_all(&r->m->mm);
		uint64_t inuse = slots_in_use(r->m), cached = 0;
		for (unsigned n = 0; n < nodes; n++)
			cached += __atomic_load_n(&r->m->mm.node[n].nr_swapcache, __ATOMIC_RELAXED);
		ok(inuse <= keep, "%s: after munmap, swap slots in use %llu <= the %u pages still mapped",
		   r->name, (unsigned long long)inuse, keep);
		ok(cached <= keep, "%s: after munmap, swap-cache pages %llu <= the %u pages still mapped",
		   r->name, (unsigned long long)cached, keep);
		printf("# %s: after munmap: %llu frames free of %llu, %llu swap slots in use, %llu pages in the swap cache\n",
		       r->name, (unsigned long long)free_frames(r->m, nodes), (unsigned long long)free0,
		       (unsigned long long)inuse, (unsigned long long)cached);
	}
	pageout_before_swapoff(r, keep);
	is(mmsim_debug_check(r->m), 0, "%s: debug audit clean with the pages in swap", r->name);
	/* swapoff brings everything back: swap entries in page tables
	 * (unuse_mm), and for shared memory the swap values in its object
	 * (Linux's try_to_unuse calls shmem_unuse first). */
	/* Room in the cgroup for everything swapoff brings back. */
	if (cg)
		is(mmsim_cgroup_write(cg, "memory.max", "max"), 0, "%s: memory.max max", r->name);
	uint64_t in0 = ev(r->m, MMSIM_VM_pswpin);
	int soff = mmsim_swapoff(r->m);
	is(soff, 0, "%s: swapoff", r->name);
	printf("# %s: swapoff read %llu pages; %llu swap slots in use after it\n", r->name,
	       (unsigned long long)(ev(r->m, MMSIM_VM_pswpin) - in0),
	       (unsigned long long)(r->m->mm.swap ? slots_in_use(r->m) : 0));
	final_check(r, keep, true, "after swapoff");
	is(mmsim_debug_check(r->m), 0, "%s: debug audit clean after swapoff", r->name);

out_tasks:
	stress_tasks_exit(r);
	if (!__atomic_load_n(&r->m->mm.swap, __ATOMIC_ACQUIRE))
		is(free_frames(r->m, nodes), free0, "%s: every frame freed once every task exited",
		   r->name);
	if (cg) {
		char buf[64];
		mmsim_cgroup_read(cg, "memory.current", buf, sizeof buf);
		is(strtoull(buf, NULL, 10), 0, "%s: every charge gone with the tasks", r->name);
		mmsim_cgroup_read(cg, "memory.swap.current", buf, sizeof buf);
		is(strtoull(buf, NULL, 10), 0, "%s: every swap charge too", r->name);
	}
out_machine:
	stress_destroy(r);
	printf("# %s: %.2f s in all\n", r->name, now() - t0);
	free(r);
	free(sc);
	free(bl->want);
	free(bl);
}

int main(void)
{
	double secs = stress_seconds();
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_variant(V_PAGEOUT, secs);
	run_variant(V_PRESSURE, secs);
	run_variant(V_SHARED, secs);
	run_variant(V_MEMCG, secs);
	return done_testing();
}
