/*
 * stress.h - the machinery the threaded stress tests share
 * (test_migrate_stress.c, test_swap_stress.c): one process on a threaded
 * machine whose threads keep storing and loading while the main host
 * thread changes the memory under them, every byte read back checked.
 * Header-only (static inline), like harness.h and tap.h.
 *
 * It owns:
 *   - the memory layout: every page is NCHUNKS chunks of CHUNK bytes;
 *     chunk k belongs to slot k % SLOTS, and writer i owns slot i (slots
 *     without a writer must stay zero).  A chunk holds {tag(slot, page), k,
 *     seq}, seq being its writer's store counter, published (atomically)
 *     before the store;
 *   - the threads: writers (threads of the process made with
 *     mmsim_thread_create(), writer i on CPU 1 + i) and, when the process
 *     has forked, the child's reader (a thread of the child on the last
 *     CPU), each driven by its own host thread.  A writer first stores
 *     once into every page, then stores fresh values into its own chunks
 *     and loads them straight back, loads another own chunk (must equal
 *     its shadow copy, the last value it stored there), and now and then
 *     loads a whole page; the reader loads whole pages only;
 *   - the checks: a whole page's own chunks must equal the shadows, every
 *     other chunk must be zero or a value its writer could have written
 *     (right tag and index, 0 < seq <= the writer's published counter) and
 *     never older than what this checker saw there before; once the
 *     threads have stopped, every chunk must hold its writer's last store
 *     (stress_final_check);
 *   - the host rwlock of each page: simulated memory is plain host memory,
 *     so stores and loads of one's own chunks take it shared (disjoint
 *     bytes) and whole-page loads exclusive, or ThreadSanitizer would
 *     rightly report the test.  The main thread never takes these locks:
 *     whatever orders its work against the CPUs' accesses is mmsim's own
 *     protocol, which is what runs under test;
 *   - the threads' start, stop and report (TAP lines per thread), the
 *     tasks' exit and the machine's end.
 * The tests own the machine, the region, what the main thread does and
 * the rest of their TAP lines; struct stress says what differs between
 * them (variant, writers, the tag's page bits, CPUs, whether the reader
 * records the pages it read).
 */
#ifndef MMSIM_TEST_STRESS_H
#define MMSIM_TEST_STRESS_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define CHUNK 16
#define SLOTS 4
#define NCHUNKS ((unsigned)(PAGE_SIZE / CHUNK))	/* 256 */
#define OWN (NCHUNKS / SLOTS)			/* chunks each slot owns per page */
#define MAX_WRITERS 3
#define SENTINEL 0x5e5e5e	/* status value the caller writes: no node, no errno */
#define RW (PROT_READ | PROT_WRITE)

struct chunk {
	uint32_t tag, idx;
	uint64_t seq;
};

/* Wrong results: how many, and the first one's words. */
struct stress_notes {
	unsigned long bad;
	char first_bad[256];
};

struct stress;

struct worker {
	struct stress *r;
	unsigned slot;			/* writer: owns chunks k % SLOTS == slot */
	bool reader;			/* the child's reader: never stores */
	struct mmsim_task *t;
	pthread_t th;
	uint64_t rng;
	uint64_t seq;			/* own store counter */
	uint64_t issued;		/* seq published before each store (atomic) */
	struct chunk *shadow;		/* [npages][OWN]: last value stored */
	uint64_t *seen;			/* [npages][NCHUNKS]: newest seq seen in others' chunks */
	unsigned long iters, stores, loads, page_checks;
	unsigned long sigs;
	struct stress_notes notes;
};

/* One variant's run.  The test sets what it says it sets. */
struct stress {
	int v;				/* test: its variant (seeds the writers' PRNGs) */
	const char *name;		/* test: the variant's name, in every line */
	unsigned tag_bits;		/* test: bits of the page number in a tag */
	const char *stale;		/* test: what a value older than one seen means */
	int ncpus;			/* test: the machine's CPUs (the reader on the last) */
	struct mmsim *m;		/* test */
	struct mmsim_task *main, *child;	/* test: the child if it forked */
	uint64_t base;			/* test: the region the threads work on */
	unsigned npages;		/* test: its pages */
	unsigned nwriters;		/* test: 1..MAX_WRITERS */
	uint8_t *child_touched;		/* test: NULL, or per page, set by the reader (atomic) */
	pthread_rwlock_t *locks;	/* one per page */
	struct worker w[MAX_WRITERS + 1];	/* writers, then the reader (if a child) */
	unsigned nthreads;
	int stop;
	unsigned warmed;		/* writers done with their first pass (atomic) */
};

/* ---- helpers -------------------------------------------------------------- */

static inline double stress_seconds(void)
{
	const char *s = getenv("MMSIM_STRESS_SECONDS");
	double d = s ? strtod(s, NULL) : 1.0;
	return d > 0 ? d : 1.0;
}

static inline uint32_t tag_of(const struct stress *r, unsigned slot, unsigned page)
{
	return 0xc0de0000u | (slot << r->tag_bits) | (page & ((1u << r->tag_bits) - 1));
}

static inline uint64_t page_addr(const struct stress *r, unsigned p)
{
	return r->base + (uint64_t)p * PAGE_SIZE;
}

static inline uint64_t chunk_addr(const struct stress *r, unsigned p, unsigned k)
{
	return page_addr(r, p) + (uint64_t)k * CHUNK;
}

static inline bool all_zero(const struct chunk *c)
{
	return !c->tag && !c->idx && !c->seq;
}

/* Counts a wrong result, keeps the first's words; echo: prints the first 8. */
static inline void stress_vnote(struct stress_notes *n, bool echo, const char *fmt, va_list ap)
{
	if (n->bad++ == 0) {
		va_list aq;
		va_copy(aq, ap);
		vsnprintf(n->first_bad, sizeof n->first_bad, fmt, aq);
		va_end(aq);
	}
	/* Later ones too, a few, so a failing run says enough. */
	if (echo && n->bad <= 8) {
		printf("#   main: ");
		vprintf(fmt, ap);
		printf("\n");
	}
}

/* A thread's wrong result (kept for its report). */
static inline void note(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void note(struct worker *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stress_vnote(&w->notes, false, fmt, ap);
	va_end(ap);
}

/* The main thread's wrong result (printed at once, the first few). */
static inline void stress_mnote(struct stress_notes *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void stress_mnote(struct stress_notes *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stress_vnote(n, true, fmt, ap);
	va_end(ap);
}

/* mnote(st, fmt, ...): st points to the test's main-thread statistics,
 * a struct with a member struct stress_notes notes. */
#define mnote(st, ...) stress_mnote(&(st)->notes, __VA_ARGS__)

/*
 * Checks chunk k of page p as the checker w read it: zero, or a value
 * slot k % SLOTS's writer could have written, no older than the last seen.
 */
static inline void check_other(struct worker *w, unsigned p, unsigned k, const struct chunk *c)
{
	struct stress *r = w->r;
	unsigned s = k % SLOTS;
	uint64_t *seen = &w->seen[(size_t)p * NCHUNKS + k];

	if (all_zero(c)) {
		if (*seen)
			note(w, "page %u chunk %u (slot %u) went back to zero after seq %llu", p, k, s,
			     (unsigned long long)*seen);
		return;
	}
	if (s >= r->nwriters) {
		note(w, "page %u chunk %u: slot %u has no writer but holds %08x %08x %016llx", p, k,
		     s, c->tag, c->idx, (unsigned long long)c->seq);
		return;
	}
	uint64_t issued = __atomic_load_n(&r->w[s].issued, __ATOMIC_ACQUIRE);
	if (c->tag != tag_of(r, s, p) || c->idx != k || !c->seq || c->seq > issued) {
		note(w, "page %u chunk %u: %08x %08x %016llx is no value writer %u wrote (issued %llu)",
		     p, k, c->tag, c->idx, (unsigned long long)c->seq, s,
		     (unsigned long long)issued);
		return;
	}
	if (c->seq < *seen) {
		note(w, "page %u chunk %u: seq %llu older than %llu seen before (%s)",
		     p, k, (unsigned long long)c->seq, (unsigned long long)*seen, r->stale);
		return;
	}
	*seen = c->seq;
}

/* Whole-page check of page p; buf holds what was loaded. */
static inline void check_page(struct worker *w, unsigned p, const uint8_t *buf)
{
	for (unsigned k = 0; k < NCHUNKS; k++) {
		struct chunk c;
		memcpy(&c, buf + (size_t)k * CHUNK, CHUNK);
		if (!w->reader && k % SLOTS == w->slot) {
			const struct chunk *want = &w->shadow[(size_t)p * OWN + k / SLOTS];
			if (memcmp(&c, want, CHUNK))
				note(w, "page %u own chunk %u: got %08x %08x %llu, want %08x %08x %llu (page load)",
				     p, k, c.tag, c.idx, (unsigned long long)c.seq, want->tag, want->idx,
				     (unsigned long long)want->seq);
		} else {
			check_other(w, p, k, &c);
		}
	}
	w->page_checks++;
}

/* ---- writers and the reader ------------------------------------------------ */

/* Stores a fresh value into own chunk j of page p and loads it back. */
static inline void store_own(struct worker *w, unsigned p, unsigned j)
{
	struct stress *r = w->r;
	unsigned k = j * SLOTS + w->slot;
	uint64_t fa = 0;
	struct chunk c = { tag_of(r, w->slot, p), k, ++w->seq }, got;

	__atomic_store_n(&w->issued, w->seq, __ATOMIC_RELEASE);
	int sig = mmsim_store(w->t, chunk_addr(r, p, k), &c, CHUNK, &fa);
	w->stores++;
	if (sig) {
		w->sigs++;
		note(w, "store to page %u chunk %u: signal %d at %#llx", p, k, sig,
		     (unsigned long long)fa);
		/* Nothing or all of 16 bytes in one page: the shadow stays. */
		return;
	}
	w->shadow[(size_t)p * OWN + j] = c;
	sig = mmsim_load(w->t, chunk_addr(r, p, k), &got, CHUNK, &fa);
	w->loads++;
	if (sig) {
		w->sigs++;
		note(w, "load of page %u chunk %u: signal %d", p, k, sig);
		return;
	}
	if (memcmp(&got, &c, CHUNK))
		note(w, "page %u chunk %u read back %08x %08x %llu right after storing %llu", p, k,
		     got.tag, got.idx, (unsigned long long)got.seq, (unsigned long long)c.seq);
}

/* Loads own chunk j of page p and compares it with its shadow. */
static inline void load_own(struct worker *w, unsigned p, unsigned j)
{
	struct stress *r = w->r;
	unsigned k = j * SLOTS + w->slot;
	uint64_t fa = 0;
	struct chunk got;
	const struct chunk *want = &w->shadow[(size_t)p * OWN + j];

	int sig = mmsim_load(w->t, chunk_addr(r, p, k), &got, CHUNK, &fa);
	w->loads++;
	if (sig) {
		w->sigs++;
		note(w, "load of page %u chunk %u: signal %d", p, k, sig);
		return;
	}
	if (memcmp(&got, want, CHUNK))
		note(w, "page %u own chunk %u: got %08x %08x %llu, want %08x %08x %llu", p, k,
		     got.tag, got.idx, (unsigned long long)got.seq, want->tag, want->idx,
		     (unsigned long long)want->seq);
}

struct each_ctx {
	uint8_t *buf;
	uint64_t off;
};

static inline void copy_each(void *arg, const uint8_t *bytes, uint64_t n)
{
	struct each_ctx *c = arg;
	memcpy(c->buf + c->off, bytes, n);
	c->off += n;
}

/* Loads all of page p (exclusive page lock held). */
static inline bool load_page(struct worker *w, unsigned p, uint8_t *buf, bool each)
{
	uint64_t fa = 0;
	int sig;
	if (each) {
		struct each_ctx c = { buf, 0 };
		sig = mmsim_load_each(w->t, page_addr(w->r, p), PAGE_SIZE, copy_each, &c, &fa);
	} else {
		sig = mmsim_load(w->t, page_addr(w->r, p), buf, PAGE_SIZE, &fa);
	}
	w->loads++;
	if (sig) {
		w->sigs++;
		note(w, "whole-page load of page %u: signal %d at %#llx", p, sig,
		     (unsigned long long)fa);
		return false;
	}
	return true;
}

static inline void writer_step(struct worker *w)
{
	struct stress *r = w->r;
	uint64_t x = xorshift(&w->rng);
	unsigned p = (unsigned)(x % r->npages);
	unsigned op = (unsigned)((x >> 16) % 32);
	static _Thread_local uint8_t buf[PAGE_SIZE];

	if (op < 29) {
		unsigned n = 1 + (unsigned)((x >> 24) % 3);
		pthread_rwlock_rdlock(&r->locks[p]);
		for (unsigned i = 0; i < n; i++)
			store_own(w, p, (unsigned)((x >> (30 + 6 * i)) % OWN));
		load_own(w, p, (unsigned)((x >> 50) % OWN));
		pthread_rwlock_unlock(&r->locks[p]);
	} else {
		pthread_rwlock_wrlock(&r->locks[p]);
		bool ok = load_page(w, p, buf, op == 31);
		pthread_rwlock_unlock(&r->locks[p]);
		if (ok)
			check_page(w, p, buf);
	}
}

static inline void *writer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *r = w->r;
	/* First pass: the first touch of every page is a store (so no zero
	 * page is mapped, and THP regions fault in whole).  All writers
	 * start at page 0: concurrent first faults on the same page. */
	for (unsigned p = 0; p < r->npages && !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); p++) {
		pthread_rwlock_rdlock(&r->locks[p]);
		store_own(w, p, 0);
		pthread_rwlock_unlock(&r->locks[p]);
	}
	__atomic_add_fetch(&r->warmed, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		writer_step(w);
		__atomic_store_n(&w->iters, w->iters + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static inline void *reader_main(void *arg)
{
	struct worker *w = arg;
	struct stress *r = w->r;
	static _Thread_local uint8_t buf[PAGE_SIZE];
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		uint64_t x = xorshift(&w->rng);
		unsigned p = (unsigned)(x % r->npages);
		pthread_rwlock_wrlock(&r->locks[p]);
		bool ok = load_page(w, p, buf, (x >> 32) & 1);
		pthread_rwlock_unlock(&r->locks[p]);
		if (ok) {
			if (r->child_touched)
				__atomic_store_n(&r->child_touched[p], 1, __ATOMIC_SEQ_CST);
			check_page(w, p, buf);
		}
		__atomic_store_n(&w->iters, w->iters + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* ---- for the main thread ------------------------------------------------------ */

static inline bool all_warm(struct stress *r)
{
	return __atomic_load_n(&r->warmed, __ATOMIC_SEQ_CST) == r->nwriters;
}

static inline unsigned long iters_of(struct worker *w)
{
	return __atomic_load_n(&w->iters, __ATOMIC_RELAXED);
}

/* Free frames of nodes 0..nodes-1, the CPUs' LRU batches drained first. */
static inline uint64_t free_frames(struct mmsim *m, unsigned nodes)
{
	uint64_t f = 0;
	lru_add_drain_all(&m->mm);
	for (unsigned n = 0; n < nodes; n++)
		f += node_free_pages(&m->mm, n);
	return f;
}

/* ---- one variant's threads ------------------------------------------------------ */

/* The page locks, for r->npages pages. */
static inline void stress_locks_init(struct stress *r)
{
	pthread_rwlockattr_t la;
	r->locks = calloc(r->npages, sizeof *r->locks);
	pthread_rwlockattr_init(&la);
	pthread_rwlockattr_setkind_np(&la, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (unsigned p = 0; p < r->npages; p++)
		pthread_rwlock_init(&r->locks[p], &la);
	pthread_rwlockattr_destroy(&la);
}

/*
 * The writers' tasks (threads of r->main on CPUs 1..nwriters) and, if the
 * process forked, the reader's (a thread of r->child on the last CPU);
 * one TAP line.  Returns 0 or the first error.
 */
static inline int stress_tasks_create(struct stress *r)
{
	int err = 0;
	for (unsigned i = 0; i < r->nwriters; i++) {
		struct worker *w = &r->w[i];
		w->r = r;
		w->slot = i;
		w->rng = 0x9e3779b97f4a7c15ULL * (i + 1) + (uint64_t)r->v;
		w->shadow = calloc((size_t)r->npages * OWN, sizeof *w->shadow);
		w->seen = calloc((size_t)r->npages * NCHUNKS, sizeof *w->seen);
		err = mmsim_thread_create(r->main, "writer", 1 + (int)i, &w->t);
		if (err)
			break;
	}
	r->nthreads = r->nwriters;
	if (!err && r->child) {
		struct worker *w = &r->w[r->nwriters];
		w->r = r;
		w->reader = true;
		w->slot = SLOTS;
		w->rng = 0xdeadbeefcafef00dULL;
		w->seen = calloc((size_t)r->npages * NCHUNKS, sizeof *w->seen);
		err = mmsim_thread_create(r->child, "reader", r->ncpus - 1, &w->t);
		r->nthreads++;
	}
	char reader[64] = "";
	if (r->child)
		snprintf(reader, sizeof reader, ", the child's reader thread on CPU %d", r->ncpus - 1);
	is(err, 0, "%s: %u writer threads on CPUs 1..%u%s", r->name, r->nwriters, r->nwriters,
	   reader);
	return err;
}

/* A host thread for each task: they run until stress_stop(). */
static inline void stress_start(struct stress *r)
{
	for (unsigned i = 0; i < r->nthreads; i++)
		pthread_create(&r->w[i].th, NULL, r->w[i].reader ? reader_main : writer_main, &r->w[i]);
}

static inline void stress_stop(struct stress *r)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < r->nthreads; i++)
		pthread_join(r->w[i].th, NULL);
}

/* What each thread did, and its TAP lines: it ran, no wrong byte, no signal. */
static inline void stress_report(struct stress *r)
{
	for (unsigned i = 0; i < r->nthreads; i++) {
		struct worker *w = &r->w[i];
		printf("# %s: %s %u (CPU %d): %lu iterations, %lu stores, %lu loads, %lu page checks\n",
		       r->name, w->reader ? "reader" : "writer", i, w->reader ? r->ncpus - 1 : 1 + (int)i,
		       w->iters, w->stores, w->loads, w->page_checks);
		ok(w->iters > 0, "%s: %s %u ran (%lu iterations)", r->name,
		   w->reader ? "the child's reader" : "writer", i, w->iters);
		is(w->notes.bad, 0, "%s: %s %u: no byte ever wrong", r->name,
		   w->reader ? "the child's reader" : "writer", i);
		if (w->notes.bad)
			printf("#   first of %lu: %s\n", w->notes.bad, w->notes.first_bad);
		is(w->sigs, 0, "%s: %s %u: no access got a signal", r->name,
		   w->reader ? "the child's reader" : "writer", i);
	}
}

/* What stress_final_check() found. */
struct stress_final {
	unsigned long sigs;		/* page loads that got a signal */
	unsigned long wrong, cwrong;	/* chunks wrong as the main task, the child read them */
	char first[200];		/* the first wrong chunk, or "" */
};

/*
 * Quiescent (threads stopped): pages [0, upto) hold every writer's last
 * stores, seen by the main task (and the child, if child_too and it
 * forked); slots without a writer are zero.
 */
static inline void stress_final_check(struct stress *r, unsigned upto, bool child_too,
				      struct stress_final *f)
{
	static uint8_t buf[PAGE_SIZE];
	memset(f, 0, sizeof *f);
	for (unsigned p = 0; p < upto; p++) {
		uint64_t fa;
		for (int who = 0; who < (child_too && r->child ? 2 : 1); who++) {
			struct mmsim_task *t = who ? r->child : r->main;
			if (mmsim_load(t, page_addr(r, p), buf, PAGE_SIZE, &fa)) {
				f->sigs++;
				continue;
			}
			for (unsigned k = 0; k < NCHUNKS; k++) {
				unsigned s = k % SLOTS;
				struct chunk c, z;
				memset(&z, 0, sizeof z);
				memcpy(&c, buf + (size_t)k * CHUNK, CHUNK);
				const struct chunk *want =
					s < r->nwriters ? &r->w[s].shadow[(size_t)p * OWN + k / SLOTS] : &z;
				if (memcmp(&c, want, CHUNK)) {
					if (!f->first[0])
						snprintf(f->first, sizeof f->first,
							 "%s: page %u chunk %u: %08x %08x %llu, want %08x %08x %llu",
							 who ? "child" : "main", p, k, c.tag, c.idx,
							 (unsigned long long)c.seq, want->tag, want->idx,
							 (unsigned long long)want->seq);
					if (who)
						f->cwrong++;
					else
						f->wrong++;
				}
			}
		}
	}
}

/* Every task exits (the threads', the child, the main task). */
static inline void stress_tasks_exit(struct stress *r)
{
	for (unsigned i = 0; i < MAX_WRITERS + 1; i++) {
		if (r->w[i].t)
			mmsim_task_exit(r->w[i].t);
		free(r->w[i].shadow);
		free(r->w[i].seen);
	}
	if (r->child)
		mmsim_task_exit(r->child);
	if (r->main)
		mmsim_task_exit(r->main);
}

/* The machine's end, then the page locks' (and child_touched). */
static inline void stress_destroy(struct stress *r)
{
	mmsim_destroy(r->m);
	if (r->locks)
		for (unsigned p = 0; p < r->npages; p++)
			pthread_rwlock_destroy(&r->locks[p]);
	free(r->locks);
	free(r->child_touched);
}

#endif
