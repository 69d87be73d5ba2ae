/*
 * test_mprotect_threads.c - stores racing mprotect(2) on a threaded
 * machine: every store either lands or faults exactly as the protection
 * in force says, and a store that landed is never lost.
 *
 * Machine: cfg.threaded, 2 nodes, 5 CPUs.  One process: its main task on
 * CPU 0 (this host thread) toggles protections; threads of the process on
 * CPUs 1..3, each driven by its own host thread, keep storing.  Writer i
 * owns pages [i*PER, (i+1)*PER) of the mapping and is the only one to write
 * them, so the bytes it reads back must be its own last stores.
 *
 * The toggler changes the protection of a random run of pages (so VMAs
 * split and merge all the time) to none, r or rw.  Around each call it
 * bumps `gen`: odd while a call is in flight, even when every protection is
 * settled, and it updates prot_of[] (the protection in force per page) only
 * while gen is odd.  A writer reads gen before and after one store; if
 * both reads are the same even value, no mprotect overlapped the store, and
 * its outcome must match prot_of[page]:
 *   - rw: the store lands (and reading the byte back gives it);
 *   - r or none: SIGSEGV.  A store landing here would mean a CPU wrote
 *     through a TLB entry mprotect had to flush before it returned.
 * Otherwise either outcome is allowed, but a store that landed must read
 * back (when the page is readable) as what was stored, and at the end every
 * page holds its writer's last landed store.
 *
 * Meanwhile a fourth thread of the process, on CPU 4, keeps moving random
 * runs of pages between the nodes with move_pages(2), so protections also
 * change under pages being migrated (a writable migration entry must come
 * back read-only if mprotect took write away meanwhile).
 *
 * Variants: 4 KiB pages, and THP (cfg.thp = always, a 2 MiB-aligned
 * mapping of two huge pages) where the runs split huge mappings.
 * MMSIM_STRESS_SECONDS sets the length of each (default 1).
 *
 * Then a targeted race (split_race): mprotect(PROT_READ|PROT_WRITE)
 * looking at the PTEs of a partially mapped huge page while move_pages on
 * another CPU splits it (split_huge_page_to_list).  mprotect asks
 * page_anon(compound_head()) of each present entry under the ptl only:
 * the split must unmap the folio before it rewrites each subpage's
 * mapping and flags, and the writers' faults that meet the migration
 * entries must wait for the pieces and be woken (mm.h's locking notes).  Round after round a fresh huge page is made,
 * one page of it unmapped, and the split raced by mprotect calls that
 * make its entries writable again (can_change_entry_writable).  Under
 * ThreadSanitizer (label concurrency) a mapping written unordered is a
 * reported race; here the rounds check that every split happened, that
 * data survived and that the entries end writable as Linux leaves them.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define NCPUS 5
#define NWRITERS 3		/* CPUs 1..3 */
#define MIGRATOR_CPU 4
#define MAXPAGES 1024

enum prot_state { ST_NONE, ST_R, ST_RW };

struct run {
	const char *name;
	struct mmsim *m;
	struct mmsim_task *main;
	uint64_t base;
	unsigned npages, per;
	uint64_t gen;			/* odd: an mprotect is in flight */
	uint8_t prot_of[MAXPAGES];	/* changed only while gen is odd */
	int stop;
	double seconds;
};

struct writer {
	struct run *r;
	struct mmsim_task *t;
	pthread_t th;
	unsigned idx;
	uint8_t last[MAXPAGES];	/* the last value that landed, per own page */
	uint64_t landed, faulted, checked, bad_landed, bad_fault, bad_read;
};

static uint64_t gen_load(struct run *r)
{
	return __atomic_load_n(&r->gen, __ATOMIC_SEQ_CST);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct run *r = w->r;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (w->idx + 1);
	uint8_t v = 1;
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned pg = w->idx * r->per + (unsigned)(xorshift(&seed) % r->per);
		uint64_t va = r->base + (uint64_t)pg * PAGE_SIZE;	/* byte 0 of the page */
		uint64_t fa;
		v = (uint8_t)(v % 255 + 1);
		uint64_t g1 = gen_load(r);
		uint8_t want = __atomic_load_n(&r->prot_of[pg], __ATOMIC_ACQUIRE);
		int sig = mmsim_fill(w->t, va, v, 1, &fa);
		uint64_t g2 = gen_load(r);
		bool settled = g1 == g2 && !(g1 & 1);
		if (!sig) {
			w->landed++;
			w->last[pg] = v;
			if (settled && want != ST_RW)
				w->bad_landed++;
		} else {
			w->faulted++;
			if (settled && want == ST_RW)
				w->bad_fault++;
		}
		if (settled)
			w->checked++;
		/* Read it back: a readable page holds the last store that landed. */
		uint8_t b = 0;
		if (!mmsim_load(w->t, va, &b, 1, &fa) && w->last[pg] && b != w->last[pg])
			w->bad_read++;
	}
	return NULL;
}

static void *migrator_main(void *arg)
{
	struct writer *w = arg;	/* only r, t and counters are used */
	struct run *r = w->r;
	uint64_t seed = 7, pages[64];
	int nodes[64], status[64];
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned first = (unsigned)(xorshift(&seed) % (r->npages - 64));
		int to = (int)(xorshift(&seed) % 2);
		for (unsigned i = 0; i < 64; i++) {
			pages[i] = r->base + (uint64_t)(first + i) * PAGE_SIZE;
			nodes[i] = to;
		}
		long ret = mmsim_sys_move_pages(w->t, 0, 64, pages, nodes, status,
						MMSIM_MPOL_MF_MOVE);
		if (ret < 0)
			w->bad_fault++;	/* the call itself must not fail */
		else
			w->landed++;
	}
	return NULL;
}

static void toggle_loop(struct run *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	uint64_t seed = 42;
	double t0 = now();
	unsigned calls = 0, errors = 0;
	while (now() - t0 < r->seconds) {
		unsigned first = (unsigned)(xorshift(&seed) % r->npages);
		unsigned n = 1 + (unsigned)(xorshift(&seed) % (r->npages - first));
		if (xorshift(&seed) % 4 == 0)
			n = n > 8 ? 8 : n;	/* short runs split more */
		unsigned st = (unsigned)(xorshift(&seed) % 3);
		__atomic_add_fetch(&r->gen, 1, __ATOMIC_SEQ_CST);	/* odd */
		for (unsigned i = first; i < first + n; i++)
			__atomic_store_n(&r->prot_of[i], (uint8_t)st, __ATOMIC_RELEASE);
		long ret = mmsim_sys_mprotect(r->main, r->base + (uint64_t)first * PAGE_SIZE,
					      (uint64_t)n * PAGE_SIZE, prots[st]);
		__atomic_add_fetch(&r->gen, 1, __ATOMIC_SEQ_CST);	/* even */
		errors += ret != 0;
		calls++;
		/* Leave the writers a settled moment to check against. */
		for (double t1 = now(); now() - t1 < 20e-6;)
			;
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	is(errors, 0, "%s: %u mprotect calls, none failed", r->name, calls);
}

static void run_variant(const char *name, bool thp)
{
	struct run *r = calloc(1, sizeof *r);
	struct writer *w = calloc(NWRITERS, sizeof *w);
	struct mmsim_config cfg;
	if (!r || !w) {
		ok(0, "%s: memory", name);
		free(r);
		free(w);
		return;
	}
	test_config(&cfg);
	cfg.threaded = true;
	cfg.cpus = NCPUS;
	cfg.thp = thp ? MMSIM_THP_ALWAYS : MMSIM_THP_NEVER;
	r->name = name;
	const char *s = getenv("MMSIM_STRESS_SECONDS");
	r->seconds = s ? atof(s) : 1.0;
	if (mmsim_create(&cfg, &r->m)) {
		ok(0, "%s: machine", name);
		free(r);
		free(w);
		return;
	}
	r->main = task_on(r->m, 0);
	r->npages = thp ? 1024 : 96;
	r->per = r->npages / NWRITERS;
	long a = mmsim_sys_mmap(r->main, 0, (uint64_t)r->npages * PAGE_SIZE,
				PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(a > 0, "%s: mmap %u pages", name, r->npages);
	r->base = (uint64_t)a;
	for (unsigned i = 0; i < r->npages; i++)
		r->prot_of[i] = ST_RW;
	/* Populate first (huge pages in the THP variant). */
	uint64_t fa;
	is(mmsim_fill(r->main, r->base, 0, (uint64_t)r->npages * PAGE_SIZE, &fa), 0,
	   "%s: populated", name);
	if (thp) {
		struct pmap_entry e;
		pmap_lookup(&r->main->mm->pmap, r->base, &e);
		ok(e.flags & PMAP_HUGE, "%s: backed by huge pages", name);
	}
	for (unsigned i = 0; i < NWRITERS; i++) {
		w[i].r = r;
		w[i].idx = i;
		is(mmsim_thread_create(r->main, "writer", 1 + (int)i, &w[i].t), 0,
		   "%s: writer on CPU %u", name, i + 1);
	}
	struct writer mig = { .r = r };
	is(mmsim_thread_create(r->main, "migrator", MIGRATOR_CPU, &mig.t), 0,
	   "%s: migrator on CPU %d", name, MIGRATOR_CPU);
	for (unsigned i = 0; i < NWRITERS; i++)
		pthread_create(&w[i].th, NULL, writer_main, &w[i]);
	pthread_create(&mig.th, NULL, migrator_main, &mig);
	toggle_loop(r);
	pthread_join(mig.th, NULL);
	is(mig.bad_fault, 0, "%s: %llu move_pages calls, none failed", name,
	   (unsigned long long)mig.landed);
	uint64_t landed = 0, faulted = 0, checked = 0;
	for (unsigned i = 0; i < NWRITERS; i++) {
		pthread_join(w[i].th, NULL);
		landed += w[i].landed;
		faulted += w[i].faulted;
		checked += w[i].checked;
		is(w[i].bad_landed, 0, "%s: writer %u: no store landed on a settled r/none page", name, i);
		is(w[i].bad_fault, 0, "%s: writer %u: no store faulted on a settled rw page", name, i);
		is(w[i].bad_read, 0, "%s: writer %u: every read-back saw the last landed store", name, i);
	}
	ok(landed > 100 && faulted > 100 && checked > 100,
	   "%s: %llu stores landed, %llu faulted, %llu checked against a settled protection",
	   name, (unsigned long long)landed, (unsigned long long)faulted,
	   (unsigned long long)checked);

	/* Quiet now: every page holds its writer's last landed store. */
	is(mmsim_sys_mprotect(r->main, r->base, (uint64_t)r->npages * PAGE_SIZE, PROT_READ), 0,
	   "%s: all readable", name);
	unsigned wrong = 0;
	for (unsigned i = 0; i < NWRITERS; i++)
		for (unsigned k = 0; k < r->per; k++) {
			unsigned pg = i * r->per + k;
			uint8_t b = 0;
			mmsim_load(r->main, r->base + (uint64_t)pg * PAGE_SIZE, &b, 1, &fa);
			wrong += w[i].last[pg] && b != w[i].last[pg];
		}
	is(wrong, 0, "%s: no landed store lost", name);
	is(mmsim_task_vmas(r->main, r->base, r->base + (uint64_t)r->npages * PAGE_SIZE, NULL, 0), 1,
	   "%s: one VMA again after making it all r", name);
	for (unsigned i = 0; i < NWRITERS; i++)
		mmsim_task_exit(w[i].t);
	mmsim_task_exit(mig.t);
	mmsim_task_exit(r->main);
	mmsim_destroy(r->m);
	free(w);
	free(r);
}

struct split_race {
	struct mmsim_task *t;		/* a thread of main, on CPU 1 */
	uint64_t base;			/* this round's huge page */
	unsigned round;			/* the round to move: set by main */
	unsigned done;			/* the last round moved */
	int stop;
	unsigned bad;			/* move_pages failed, or a page not moved */
};

#define SPLIT_PAGES (HPAGE_PMD_NR - 1)	/* the last page is unmapped */

static void *split_mover(void *arg)
{
	struct split_race *sr = arg;
	uint64_t pages[SPLIT_PAGES];
	int nodes[SPLIT_PAGES], status[SPLIT_PAGES];
	unsigned seen = 0;
	for (;;) {
		unsigned r;
		while ((r = __atomic_load_n(&sr->round, __ATOMIC_ACQUIRE)) == seen &&
		       !__atomic_load_n(&sr->stop, __ATOMIC_ACQUIRE))
			;
		if (r == seen)
			return NULL;
		seen = r;
		for (unsigned i = 0; i < SPLIT_PAGES; i++) {
			pages[i] = sr->base + (uint64_t)i * PAGE_SIZE;
			nodes[i] = 1;
		}
		long ret = mmsim_sys_move_pages(sr->t, 0, SPLIT_PAGES, pages, nodes, status,
						MMSIM_MPOL_MF_MOVE);
		/* Linux 6.12 counts the split huge page as one page not
		 * migrated even when all its pieces move: 0 or 1. */
		if (ret != 0 && ret != 1)
			sr->bad++;
		/* Every page ends on node 1.  The second page finds the
		 * folio the first one queued already isolated: -EBUSY, as
		 * Linux's add_page_for_migration says, and the queue is
		 * moved then (the pages after it are on node 1 already). */
		for (unsigned i = 0; i < SPLIT_PAGES; i++)
			sr->bad += status[i] != 1 && !(i == 1 && status[i] == -EBUSY);
		__atomic_store_n(&sr->done, seen, __ATOMIC_RELEASE);
	}
}

static void split_race(void)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	test_config(&cfg);
	cfg.threaded = true;
	cfg.cpus = 2;
	cfg.thp = MMSIM_THP_ALWAYS;
	const char *env = getenv("MMSIM_STRESS_SECONDS");
	double seconds = env ? atof(env) : 1.0;
	if (mmsim_create(&cfg, &m)) {
		ok(0, "split_race: machine");
		return;
	}
	struct mmsim_task *main_t = task_on(m, 0);
	struct split_race sr = { 0 };
	is(mmsim_thread_create(main_t, "mover", 1, &sr.t), 0, "split_race: mover on CPU 1");
	pthread_t th;
	pthread_create(&th, NULL, split_mover, &sr);
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	uint64_t splits0 = vs.ev[MMSIM_VM_thp_split_page];
	unsigned rounds = 0, huge = 0, overlapped = 0, errors = 0, lost = 0, not_writable = 0;
	uint64_t fa;
	double t0 = now();
	while (now() - t0 < seconds || rounds < 20) {
		long a = mmsim_sys_mmap(main_t, 0, 2 * PMD_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a <= 0) {
			errors++;
			break;
		}
		uint64_t base = ((uint64_t)a + PMD_SIZE - 1) & PMD_MASK;
		uint8_t v = (uint8_t)(rounds % 255 + 1);	/* never zero: no zero-page remap */
		errors += mmsim_fill(main_t, base, v, PMD_SIZE, &fa) != 0;
		struct pmap_entry e;
		pmap_lookup(&main_t->mm->pmap, base, &e);
		huge += !!(e.flags & PMAP_HUGE);
		/* Partially mapped: the split comes with the move. */
		errors += mmsim_sys_munmap(main_t, base + PMD_SIZE - PAGE_SIZE, PAGE_SIZE) != 0;
		uint64_t len = (uint64_t)SPLIT_PAGES * PAGE_SIZE;
		errors += mmsim_sys_mprotect(main_t, base, len, PROT_READ) != 0;
		sr.base = base;
		rounds++;
		__atomic_store_n(&sr.round, rounds, __ATOMIC_RELEASE);
		/* Make the entries writable, again and again, while the split
		 * runs: each call asks every entry's page whether it is an
		 * exclusive anonymous page. */
		unsigned calls = 0;
		while (__atomic_load_n(&sr.done, __ATOMIC_ACQUIRE) != rounds) {
			errors += mmsim_sys_mprotect(main_t, base, len,
						     calls & 1 ? PROT_READ : PROT_READ | PROT_WRITE) != 0;
			calls++;
		}
		overlapped += calls > 0;
		/* Quiet: rw now leaves every entry writable (exclusive
		 * anonymous pages, Linux's can_change_pte_writable), and
		 * every byte is still this round's. */
		errors += mmsim_sys_mprotect(main_t, base, len, PROT_READ) != 0;
		errors += mmsim_sys_mprotect(main_t, base, len, PROT_READ | PROT_WRITE) != 0;
		for (unsigned i = 0; i < SPLIT_PAGES; i++) {
			uint64_t va = base + (uint64_t)i * PAGE_SIZE;
			uint8_t b = 0;
			if (mmsim_load(main_t, va + (i * 67) % PAGE_SIZE, &b, 1, &fa) || b != v)
				lost++;
			pmap_lookup(&main_t->mm->pmap, va, &e);
			not_writable += e.kind != PMAP_PAGE || !(e.prot & PMAP_W);
		}
		errors += mmsim_sys_munmap(main_t, (uint64_t)a, 2 * PMD_SIZE) != 0;
	}
	__atomic_store_n(&sr.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	mmsim_vmstat(m, &vs);
	is(errors, 0, "split_race: %u rounds, no mmap/fill/munmap/mprotect failed", rounds);
	is(huge, rounds, "split_race: every round faulted a huge page");
	is(vs.ev[MMSIM_VM_thp_split_page] - splits0, rounds,
	   "split_race: move_pages split every one (thp_split_page)");
	is(sr.bad, 0, "split_race: every move_pages succeeded with each page on node 1");
	ok(overlapped * 2 >= rounds, "split_race: %u of %u rounds had mprotect calls during the move",
	   overlapped, rounds);
	is(lost, 0, "split_race: every byte survived the split and the move");
	is(not_writable, 0, "split_race: rw left every exclusive anonymous entry writable");
	mmsim_task_exit(sr.t);
	mmsim_task_exit(main_t);
	mmsim_destroy(m);
}

int main(void)
{
	run_variant("4k", false);
	run_variant("thp", true);
	split_race();
	return done_testing();
}
