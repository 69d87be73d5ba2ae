/*
 * test_hw_threads.c - the threaded-mode access protocol of src/hw (hw.h,
 * "Threaded mode"): simulated CPUs driven by their own host threads while
 * another thread remaps pages under them and shoots down their TLBs.
 *
 * An hw machine (no kernel) with 4 CPUs and one pmap maps NPAGES shared
 * pages.  Threads 0..2 each drive their CPU and write, then verify, their
 * own 16-byte chunks of those pages (chunk k belongs to thread k % 4, so
 * the threads share cache lines), each access one hw_access_begin ...
 * hw_access_end bracket.  Thread 3 is the flusher: between remaps it does
 * the same on CPU 3 with its own chunks.  A remap, under map_lock, is the
 * page-level protocol a migration uses:
 *
 *   clear the leaf; hw_flush_range(); copy old frame -> new frame;
 *   poison the old frame; set the new leaf (or leave the slot empty and
 *   let the fault handler map the new frame when someone touches it)
 *
 * Other steps write-protect a page (a write fault restores it), clear A/D
 * bits behind the MMU (exercising its compare-and-swap), and remap every
 * page under a single full flush.  Poisoned frames sit in a FIFO
 * quarantine and must still be all poison when reused.  So an access
 * through a translation a completed flush removed shows up as poison read
 * by a CPU, as a store lost from the page (the shadow check), or as a
 * store into a retired frame (the quarantine check).  The fault handler
 * also checks that its CPU's TLB lock is free (the MMU dropped it) and
 * that no slot holds an entry nobody wrote (an MMU that ORs A/D into a
 * cleared slot makes one).
 *
 * MMSIM_STRESS_SECONDS sets how long the threads run (default 2).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/hw.h"
#include "harness.h"
#include "tap.h"

#define NCPUS 4
#define FLUSHER (NCPUS - 1)
#define NPAGES 8
#define CHUNK 16
#define NCHUNKS (PAGE_SIZE / CHUNK)
#define OWN (NCHUNKS / NCPUS)		/* chunks each thread owns per page */
#define VA0 0x10000000ULL
#define TABLE_PFN0 1			/* page-table frames: a bump allocator */
#define DATA_PFN0 64			/* data frames: [DATA_PFN0, + NFRAMES) */
#define NFRAMES 48
#define POISON 0xa5

struct chunk {
	uint32_t w[4];
};

struct worker {
	unsigned id;			/* CPU, and owner of chunks k % NCPUS == id */
	pthread_t th;
	struct hw_cpu *cpu;
	uint64_t rng, seq;
	struct chunk shadow[NPAGES][OWN];	/* what each own chunk must hold */
	unsigned long accesses, faults, bad, poison, sigs;
	char first_bad[200];
};

static struct hw_machine *hw;
static struct pmap pm;
static struct mmsim_counters pmcnt;
static struct worker workers[NCPUS];
static int stop;
static uint64_t next_table = TABLE_PFN0;

/* map_lock serialises remaps and the fault handler: the page-table lock. */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t cur_pfn[NPAGES];
static uint64_t quarantine[NFRAMES];	/* retired frames, poisoned, FIFO */
static unsigned q_head, q_len;

/* Flusher's tallies (thread 3 only). */
static unsigned long remaps, lazy_remaps, batches, wrprotects, cleans, flushes;
static unsigned long stale_stores;	/* retired frames found not all poison */
static char first_stale[200];
static unsigned long lock_held_faults;	/* fault handler entered holding its TLB lock */
static unsigned long bogus_entries;	/* non-empty slots the test never wrote */

static int pt_alloc(void *arg, struct pmap *owner, unsigned node, uint64_t *out)
{
	uint64_t pfn = __atomic_fetch_add(&next_table, 1, __ATOMIC_RELAXED);
	if (pfn >= DATA_PFN0)
		return -ENOMEM;
	memset(hw_frame(hw, pfn), 0, PAGE_SIZE);
	*out = pfn;
	return 0;
}

static void pt_free(void *arg, uint64_t pfn)
{
}

static const struct pmap_ops ops = { pt_alloc, pt_free };

static uint64_t page_va(unsigned p)
{
	return VA0 + (uint64_t)p * PAGE_SIZE;
}

static bool all_poison(const uint8_t *b, size_t *at)
{
	for (size_t i = 0; i < PAGE_SIZE; i++) {
		if (b[i] != POISON) {
			*at = i;
			return false;
		}
	}
	return true;
}

/* ---- the kernel's part: the fault handler ---------------------------------------- */

/* Maps the page's current frame into an empty slot, or makes a
 * write-protected page writable again; anything else was fixed already. */
static int fault(struct hw_cpu *cpu, uint64_t va, unsigned access)
{
	/* The MMU must have dropped our TLB lock; a flusher may hold it for a
	 * moment, so try for a while before calling it a bug. */
	double deadline = now() + 5;
	while (!hw_tlb_trylock(cpu)) {
		if (now() > deadline) {
			__atomic_fetch_add(&lock_held_faults, 1, __ATOMIC_RELAXED);
			return SIGBUS;
		}
		sched_yield();
	}
	hw_tlb_unlock(cpu);

	if (va < VA0 || va >= page_va(NPAGES))
		return SIGSEGV;
	unsigned p = (unsigned)((va - VA0) >> PAGE_SHIFT);
	struct pmap_entry e, ne;
	pthread_mutex_lock(&map_lock);
	int kind = pmap_lookup(&pm, page_va(p), &e);
	if (kind == PMAP_SWAP) {
		/* Only an MMU that ORs A/D into a cleared slot makes one. */
		__atomic_fetch_add(&bogus_entries, 1, __ATOMIC_RELAXED);
		kind = PMAP_EMPTY;
	}
	if (kind == PMAP_EMPTY) {
		ne = leaf(cur_pfn[p], PMAP_R | PMAP_W, 0);
		pmap_set(&pm, page_va(p), &ne, NULL);
	} else if (kind == PMAP_PAGE && (access & HW_ACC_WRITE) && !(e.prot & PMAP_W)) {
		/* An upgrade needs no flush: a read-only TLB entry never
		 * satisfies a store, which walks again. */
		ne = leaf(e.pfn, PMAP_R | PMAP_W, e.flags);
		pmap_set(&pm, page_va(p), &ne, NULL);
	}
	pthread_mutex_unlock(&map_lock);
	workers[cpu->id].faults++;	/* only cpu's own thread faults on cpu */
	return 0;
}

/* ---- the CPUs' part: accesses ------------------------------------------------------ */

static uint64_t chunk_va(unsigned id, unsigned p, unsigned j)
{
	return page_va(p) + (uint64_t)(j * NCPUS + id) * CHUNK;
}

static void note_bad(struct worker *w, const char *what, unsigned p, unsigned j,
		     const struct chunk *got)
{
	const struct chunk *want = &w->shadow[p][j];
	if (w->bad++ == 0)
		snprintf(w->first_bad, sizeof w->first_bad,
			 "%s: page %u chunk %u: got %08x %08x %08x %08x want %08x %08x %08x %08x",
			 what, p, j, got->w[0], got->w[1], got->w[2], got->w[3], want->w[0],
			 want->w[1], want->w[2], want->w[3]);
}

static bool is_poison(const struct chunk *c)
{
	const uint8_t *b = (const uint8_t *)c;
	for (unsigned i = 0; i < CHUNK; i++)
		if (b[i] != POISON)
			return false;
	return true;
}

/* One store of a fresh value into own chunk j of page p. */
static void store_chunk(struct worker *w, unsigned p, unsigned j)
{
	struct chunk v;
	int sig = 0;
	w->seq++;
	v.w[0] = 0xc0de0000u | (w->id << 8) | p;
	v.w[1] = j;
	v.w[2] = (uint32_t)w->seq;
	v.w[3] = (uint32_t)(w->seq >> 32) ^ 0x5eed0000u;

	hw_access_begin(w->cpu);
	uint8_t *h = hw_translate(w->cpu, chunk_va(w->id, p, j), HW_ACC_WRITE, &sig);
	if (h)
		memcpy(h, &v, CHUNK);
	hw_access_end(w->cpu);
	w->accesses++;
	if (!h) {
		w->sigs++;
		return;
	}
	w->shadow[p][j] = v;
}

/* One load of own chunk j of page p, checked against the shadow. */
static void load_chunk(struct worker *w, unsigned p, unsigned j)
{
	struct chunk got;
	int sig = 0;
	hw_access_begin(w->cpu);
	const uint8_t *h = hw_translate(w->cpu, chunk_va(w->id, p, j), HW_ACC_READ, &sig);
	if (h)
		memcpy(&got, h, CHUNK);
	hw_access_end(w->cpu);
	w->accesses++;
	if (!h) {
		w->sigs++;
		return;
	}
	if (memcmp(&got, &w->shadow[p][j], CHUNK)) {
		if (is_poison(&got))
			w->poison++;
		note_bad(w, is_poison(&got) ? "poison" : "stale", p, j, &got);
	}
}

/* One access reading every own chunk of page p (a page-sized load). */
static void load_page(struct worker *w, unsigned p)
{
	struct chunk got[OWN];
	int sig = 0;
	hw_access_begin(w->cpu);
	const uint8_t *h = hw_translate(w->cpu, page_va(p), HW_ACC_READ, &sig);
	if (h)
		for (unsigned j = 0; j < OWN; j++)
			memcpy(&got[j], h + (j * NCPUS + w->id) * CHUNK, CHUNK);
	hw_access_end(w->cpu);
	w->accesses++;
	if (!h) {
		w->sigs++;
		return;
	}
	for (unsigned j = 0; j < OWN; j++) {
		if (memcmp(&got[j], &w->shadow[p][j], CHUNK)) {
			if (is_poison(&got[j]))
				w->poison++;
			note_bad(w, is_poison(&got[j]) ? "poison (page load)" : "stale (page load)",
				 p, j, &got[j]);
		}
	}
}

static void access_step(struct worker *w)
{
	uint64_t r = xorshift(&w->rng);
	unsigned p = (unsigned)(r % NPAGES), j = (unsigned)((r >> 8) % OWN);
	store_chunk(w, p, j);
	load_chunk(w, p, j);
	if (!((r >> 20) & 7))
		load_page(w, (unsigned)((r >> 24) % NPAGES));
}

/* ---- the flusher's part: remaps ------------------------------------------------------ */

static uint64_t take_frame(void)
{
	uint64_t pfn = quarantine[q_head];
	size_t at;
	q_head = (q_head + 1) % NFRAMES;
	q_len--;
	if (!all_poison(hw_frame(hw, pfn), &at) && stale_stores++ == 0)
		snprintf(first_stale, sizeof first_stale,
			 "frame %llu byte %zu is %#x after it was retired",
			 (unsigned long long)pfn, at, hw_frame(hw, pfn)[at]);
	return pfn;
}

static void retire_frame(uint64_t pfn)
{
	memset(hw_frame(hw, pfn), POISON, PAGE_SIZE);
	quarantine[(q_head + q_len) % NFRAMES] = pfn;
	q_len++;
}

/* Moves page p to a new frame, its slot already cleared and flushed. */
static void move_cleared(unsigned p, bool lazy)
{
	uint64_t old = cur_pfn[p], new = take_frame();
	memcpy(hw_frame(hw, new), hw_frame(hw, old), PAGE_SIZE);
	retire_frame(old);
	cur_pfn[p] = new;
	if (!lazy) {
		struct pmap_entry e = leaf(new, PMAP_R | PMAP_W, 0);
		pmap_set(&pm, page_va(p), &e, NULL);
	}
}

static void clear_slot(unsigned p)
{
	struct pmap_entry e;
	memset(&e, 0, sizeof e);
	pmap_set(&pm, page_va(p), &e, NULL);
}

static void remap_step(struct worker *w)
{
	struct hw_cpu *self = w->cpu;
	uint64_t r = xorshift(&w->rng);
	unsigned p = (unsigned)(r % NPAGES), mode = (unsigned)((r >> 8) % 16);
	struct pmap_entry e;

	pthread_mutex_lock(&map_lock);
	if (mode < 8) {				/* migrate one page */
		bool lazy = mode >= 5;
		clear_slot(p);
		hw_flush_range(self, &pm, page_va(p), page_va(p) + PAGE_SIZE, PAGE_SHIFT);
		flushes++;
		move_cleared(p, lazy);
		remaps++;
		lazy_remaps += lazy;
	} else if (mode < 10) {			/* migrate them all, one flush */
		for (unsigned q = 0; q < NPAGES; q++)
			clear_slot(q);
		if (mode == 8)
			hw_flush_mm(self, &pm);
		else
			hw_flush_range(self, &pm, page_va(0), page_va(NPAGES), PAGE_SHIFT);
		flushes++;
		for (unsigned q = 0; q < NPAGES; q++)
			move_cleared(q, false);
		remaps += NPAGES;
		batches++;
	} else if (mode < 13) {			/* write-protect */
		if (pmap_lookup(&pm, page_va(p), &e) == PMAP_PAGE) {
			e = leaf(e.pfn, PMAP_R, e.flags & ~PMAP_DIRTY);
			pmap_set(&pm, page_va(p), &e, NULL);
			hw_flush_range(self, &pm, page_va(p), page_va(p) + PAGE_SIZE, PAGE_SHIFT);
			flushes++;
			wrprotects++;
		}
	} else {				/* clear A and D behind the MMU */
		if (pmap_lookup(&pm, page_va(p), &e) == PMAP_PAGE) {
			e = leaf(e.pfn, e.prot, 0);
			pmap_set(&pm, page_va(p), &e, NULL);
			hw_flush_range(self, &pm, page_va(p), page_va(p) + PAGE_SIZE, PAGE_SHIFT);
			flushes++;
			cleans++;
		}
	}
	pthread_mutex_unlock(&map_lock);
}

static void *cpu_thread(void *arg)
{
	struct worker *w = arg;
	hw_switch_mm(w->cpu, &pm);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (w->id == FLUSHER)
			remap_step(w);
		for (unsigned i = 0; i < (w->id == FLUSHER ? 4u : 64u); i++)
			access_step(w);
	}
	return NULL;
}

/* ---- the test ----------------------------------------------------------------------- */

static double stress_seconds(void)
{
	const char *s = getenv("MMSIM_STRESS_SECONDS");
	double d = s ? strtod(s, NULL) : 2.0;
	return d > 0 ? d : 2.0;
}

static int setup(void)
{
	struct mmsim_config cfg;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.cpus = NCPUS;
	cfg.mem_per_node = 8ULL << 20;
	cfg.threaded = true;
	int err = hw_machine_create(&cfg, &hw);
	if (err)
		return err;
	hw->fault = fault;
	if ((err = pmap_init(&pm, hw, 0, &ops, NULL, &pmcnt)))
		return err;
	for (unsigned p = 0; p < NPAGES; p++) {
		cur_pfn[p] = DATA_PFN0 + p;
		memset(hw_frame(hw, cur_pfn[p]), 0, PAGE_SIZE);	/* the shadows start 0 */
		struct pmap_entry e = leaf(cur_pfn[p], PMAP_R | PMAP_W, 0);
		if ((err = pmap_set(&pm, page_va(p), &e, NULL)))
			return err;
	}
	for (uint64_t pfn = DATA_PFN0 + NPAGES; pfn < DATA_PFN0 + NFRAMES; pfn++)
		retire_frame(pfn);
	return 0;
}

int main(void)
{
	double secs = stress_seconds();
	is(setup(), 0, "threaded hw machine, %d CPUs, %d pages mapped", NCPUS, NPAGES);
	if (!hw)
		return done_testing();

	for (unsigned i = 0; i < NCPUS; i++) {
		struct worker *w = &workers[i];
		w->id = i;
		w->cpu = &hw->cpu[i];
		w->rng = 0x9e3779b97f4a7c15ULL * (i + 1);
	}
	for (unsigned i = 0; i < NCPUS; i++)
		pthread_create(&workers[i].th, NULL, cpu_thread, &workers[i]);
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < NCPUS; i++)
		pthread_join(workers[i].th, NULL);

	printf("# %.1f s: %lu remaps (%lu lazy, %lu in %lu batches), %lu write-protects, "
	       "%lu A/D clears, %lu flushes\n", secs, remaps, lazy_remaps, batches * NPAGES,
	       batches, wrprotects, cleans, flushes);
	unsigned long faults = 0, poison = 0;
	for (unsigned i = 0; i < NCPUS; i++) {
		struct worker *w = &workers[i];
		struct mmsim_counters c;
		hw_cpu_counters(w->cpu, &c);
		printf("# CPU %u: %lu accesses, %lu faults, %llu IPIs taken, %llu walks\n", i,
		       w->accesses, w->faults, (unsigned long long)c.ipis_received,
		       (unsigned long long)c.walks);
		is(w->bad, 0, "CPU %u: every load saw exactly what was stored", i);
		if (w->bad)
			printf("#   first: %s\n", w->first_bad);
		is(w->sigs, 0, "CPU %u: no access failed", i);
		faults += w->faults;
		poison += w->poison;
	}
	is(poison, 0, "no load read a retired (poisoned) frame");
	is(stale_stores, 0, "no store reached a retired frame after its flush");
	if (stale_stores)
		printf("#   first: %s\n", first_stale);
	is(lock_held_faults, 0, "the fault handler never ran with its CPU's TLB lock held");
	is(bogus_entries, 0, "the MMU never fabricated an entry in a cleared slot");

	/* Quiescent now: the frames must hold every thread's last stores. */
	unsigned long wrong = 0;
	for (unsigned p = 0; p < NPAGES; p++)
		for (unsigned i = 0; i < NCPUS; i++)
			for (unsigned j = 0; j < OWN; j++)
				wrong += !!memcmp(hw_frame(hw, cur_pfn[p]) + (j * NCPUS + i) * CHUNK,
						  &workers[i].shadow[p][j], CHUNK);
	is(wrong, 0, "after the run every page holds every thread's last stores");
	for (unsigned k = 0; k < q_len; k++) {
		size_t at;
		if (!all_poison(hw_frame(hw, quarantine[(q_head + k) % NFRAMES]), &at))
			stale_stores++;
	}
	is(stale_stores, 0, "retired frames are still all poison");

	ok(remaps > 0 && lazy_remaps > 0 && batches > 0 && wrprotects > 0 && cleans > 0,
	   "the flusher made progress in every kind of step");
	ok(faults > 0, "CPUs took faults (%lu) on cleared and write-protected pages", faults);
	unsigned long accesses = 0;
	for (unsigned i = 0; i < FLUSHER; i++)
		accesses += workers[i].accesses > 0;
	is(accesses, FLUSHER, "every CPU thread made progress");
	is(pm.cpumask, (1u << NCPUS) - 1, "every CPU runs the pmap");
	is(pmcnt.tlb_flushes, flushes, "the pmap counted every flush (atomic adds)");

	for (unsigned i = 0; i < NCPUS; i++)
		hw_leave_mm(&hw->cpu[i], &pm);
	is(pm.cpumask, 0, "hw_leave_mm: no CPU runs the pmap");
	for (unsigned p = 0; p < NPAGES; p++)
		clear_slot(p);
	pmap_destroy(&pm);
	hw_machine_destroy(hw);
	return done_testing();
}
