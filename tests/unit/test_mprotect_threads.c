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

int main(void)
{
	run_variant("4k", false);
	run_variant("thp", true);
	return done_testing();
}
