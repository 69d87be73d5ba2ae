/*
 * mmsim/counters.h - event counters, per CPU and per address space.
 *
 * The counters are plain 64-bit totals.  A CPU's counters are written only
 * by that CPU's thread (or under the machine's big lock when no threads are
 * used), except the work its TLB-shootdown IPIs cost, which the sending
 * thread records apart under the CPU's TLB lock; the functions below add
 * the two.  Readers that run concurrently with a threaded machine's CPUs
 * get values that may be a few events stale (a race ThreadSanitizer
 * reports: read them once the CPU threads are idle).
 */
#ifndef MMSIM_COUNTERS_H
#define MMSIM_COUNTERS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro: name, what it counts.  Order is the order `stats` prints. */
#define MMSIM_COUNTERS(X)                                               \
	X(loads, "bytes read by simulated loads")                       \
	X(stores, "bytes written by simulated stores")                  \
	X(tlb_hits, "accesses that hit a TLB")                          \
	X(tlb_misses, "accesses that missed every TLB")                 \
	X(walks, "page-table walks")                                    \
	X(faults, "page faults (the MMU's, and get_user_pages')")       \
	X(faults_anon, "faults that mapped a new zeroed anonymous page") \
	X(faults_zero, "read faults that mapped the zero page")         \
	X(faults_cow, "copy-on-write faults that copied a page")        \
	X(faults_reuse, "write faults that reused the page")            \
	X(faults_shared, "faults on shared memory")                     \
	X(faults_swap, "faults that mapped a page from swap (swap-in)") \
	X(sigsegv, "bad accesses (SIGSEGV)")                            \
	X(sigbus, "bad accesses (SIGBUS)")                              \
	X(tlb_invlpg, "single TLB entry invalidations")                 \
	X(tlb_flush_full, "flushes started that were full")             \
	X(tlb_flushes, "TLB flushes started (shootdowns, ASID switches)") \
	X(ipis_sent, "TLB shootdown IPIs sent")                         \
	X(ipis_received, "TLB shootdown IPIs received")                 \
	X(pages_zeroed, "frames cleared (clear_page)")                  \
	X(pages_copied, "frames copied")                                \
	X(pages_freed, "frames freed (machine-wide only)")              \
	X(pt_alloc, "page-table pages allocated (machine, address space)") \
	X(pt_free, "page-table pages freed (machine, address space)")   \
	X(pgmigrate_success, "pages (huge pages once) migrated")        \
	X(pgmigrate_fail, "pages migration gave up on")                 \
	X(migrate_batches, "migration batches (one TLB flush each)")   \
	X(numa_pte_updates, "pages made inaccessible for NUMA hinting") \
	X(numa_hint_faults, "NUMA hinting faults")                      \
	X(numa_hint_faults_local, "NUMA hinting faults on the local node") \
	X(numa_pages_migrated, "pages moved by NUMA hinting faults")    \
	X(uffd_wp_faults, "writes to userfaultfd-write-protected pages") \
	X(cache_hits, "64-byte lines found in the CPU's cache")          \
	X(cache_misses, "64-byte lines missed, read from memory")       \
	X(mem_local, "cache misses served by the CPU's own node")      \
	X(mem_remote, "cache misses served by another node")           \
	X(mem_local_cycles, "cycles of the local misses")              \
	X(mem_remote_cycles, "cycles of the remote misses")            \
	X(cycles, "simulated cycles")

struct mmsim_counters {
#define MMSIM_COUNTER_FIELD(name, doc) uint64_t name;
	MMSIM_COUNTERS(MMSIM_COUNTER_FIELD)
#undef MMSIM_COUNTER_FIELD
};

struct mmsim;
struct mmsim_task;

/* Sum over every CPU of the machine. */
void mmsim_counters_machine(const struct mmsim *m, struct mmsim_counters *out);

/* One CPU's counters; -EINVAL for a bad CPU number. */
int mmsim_counters_cpu(const struct mmsim *m, unsigned cpu, struct mmsim_counters *out);

/* Events charged to one address space (the task's mm). */
void mmsim_counters_task(const struct mmsim_task *t, struct mmsim_counters *out);

/* Name of counter i (0-based, in MMSIM_COUNTERS order), NULL past the end. */
const char *mmsim_counter_name(unsigned i);
uint64_t mmsim_counter_value(const struct mmsim_counters *c, unsigned i);

#ifdef __cplusplus
}
#endif
#endif
