/*
 * harness.h - helpers the unit tests share: a small default machine, a
 * task on a given CPU, a decoded page-table leaf, a clock and a PRNG.
 * Header-only (static inline), like tap.h.
 */
#ifndef MMSIM_TEST_HARNESS_H
#define MMSIM_TEST_HARNESS_H

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mmsim/mmsim.h>

#include "hw/hw.h"

/* The tests' machine: the defaults with 64 MiB per node. */
static inline void test_config(struct mmsim_config *cfg)
{
	mmsim_config_default(cfg);
	cfg->mem_per_node = 64ULL << 20;
}

/* A new task (fresh address space, default credentials) on CPU cpu. */
static inline struct mmsim_task *task_on(struct mmsim *mach, int cpu)
{
	struct mmsim_task_attr a;
	struct mmsim_task *t = NULL;
	mmsim_task_attr_default(&a);
	a.cpu = cpu;
	if (mmsim_task_create(mach, &a, &t))
		return NULL;
	return t;
}

/* A present leaf for pmap_set(). */
static inline struct pmap_entry leaf(uint64_t pfn, unsigned prot, unsigned flags)
{
	struct pmap_entry e;
	memset(&e, 0, sizeof e);
	e.kind = PMAP_PAGE;
	e.pfn = pfn;
	e.prot = (uint8_t)prot;
	e.flags = (uint8_t)flags;
	return e;
}

/* The machine's counter called name (mmsim/counters.h), ~0 if none is. */
static inline uint64_t machine_counter(struct mmsim *m, const char *name)
{
	struct mmsim_counters c;
	mmsim_counters_machine(m, &c);
	for (unsigned i = 0; mmsim_counter_name(i); i++)
		if (!strcmp(mmsim_counter_name(i), name))
			return mmsim_counter_value(&c, i);
	return ~0ULL;
}

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: a fast, reproducible PRNG for stress tests. */
static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* With the kernel's view (tests that include kernel/kernel.h): the leaf
 * mapping addr in t's page tables, and the page (head of a huge page)
 * mapped there, or NULL. */
#ifdef MMSIM_KERNEL_H
static inline struct pmap_entry pte(struct mmsim_task *t, uint64_t addr)
{
	struct pmap_entry e;
	pmap_lookup(&t->mm->pmap, addr, &e);
	return e;
}

static inline struct page *page_at(struct mmsim_task *t, uint64_t addr)
{
	struct pmap_entry e = pte(t, addr);
	if (e.kind != PMAP_PAGE)
		return NULL;
	return compound_head(pfn_to_page(t->mm->sys, e.pfn));
}

/* Unmaps t's vDSO (Linux lets a process do so), for tests that want
 * nothing mapped above their first mapping. */
static inline void drop_vdso(struct mmsim_task *t)
{
	uint64_t len = (VVAR_PAGES + VDSO_PAGES) * PAGE_SIZE;
	mmsim_sys_munmap(t, t->mm->mmap_base - len, len);
}

/* Every mapping of p's page, or of its whole huge page (folio_mapcount). */
static inline int mapcount(const struct page *p)
{
	return folio_mapcount(compound_head(p));
}

/* Waits (up to 10 s) until a thread sleeps on one of p's bits. */
static inline bool wait_for_sleeper(struct page *p)
{
	for (int i = 0; i < 10000; i++) {
		if (page_test(p, PG_waiters))
			return true;
		usleep(1000);
	}
	return false;
}
#endif

#endif
