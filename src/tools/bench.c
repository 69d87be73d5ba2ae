/*
 * bench.c - benchmarks.  Each one measures the host doing the same work in
 * the same run (host first-touch faults, host loads) and prints the ratio,
 * so figures from different machines can be compared.  Ratios are "higher
 * is better for mmsim".
 */
#include "bench.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <time.h>

#include <mmsim/mmsim.h>

#include "util.h"

static struct mmsim *bench_machine(unsigned nodes, uint64_t mem_per_node)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.mem_per_node = mem_per_node;
	if (mmsim_create(&cfg, &m)) {
		fputs("mmsim bench: cannot create the machine\n", stderr);
		exit(1);
	}
	return m;
}

static struct mmsim_task *bench_task(struct mmsim *m)
{
	struct mmsim_task_attr a;
	struct mmsim_task *t;
	mmsim_task_attr_default(&a);
	if (mmsim_task_create(m, &a, &t)) {
		fputs("mmsim bench: cannot create a task\n", stderr);
		exit(1);
	}
	return t;
}

/* ---- fault: first-touch anonymous faults ------------------------------------------ */

static double host_faults_per_s(uint64_t pages)
{
	uint8_t *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	double t0 = now_seconds();
	for (uint64_t i = 0; i < pages; i++)
		((volatile uint8_t *)p)[i * PAGE] = 1;
	double dt = now_seconds() - t0;
	munmap(p, pages * PAGE);
	return (double)pages / dt;
}

static double sim_faults_per_s(uint64_t pages)
{
	struct mmsim *m = bench_machine(1, (pages * PAGE + (64ULL << 20)) & ~((2ULL << 20) - 1));
	struct mmsim_task *t = bench_task(m);
	long a = mmsim_sys_mmap(t, 0, pages * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a < 0) {
		fputs("mmsim bench: mmap failed\n", stderr);
		exit(1);
	}
	uint8_t one = 1;
	double t0 = now_seconds();
	for (uint64_t i = 0; i < pages; i++)
		if (mmsim_store(t, (uint64_t)a + i * PAGE, &one, 1, NULL)) {
			fputs("mmsim bench: unexpected fault\n", stderr);
			exit(1);
		}
	double dt = now_seconds() - t0;
	mmsim_destroy(m);
	return (double)pages / dt;
}

static int bench_fault(struct report *r, const struct bench_opts *o)
{
	uint64_t pages = o->pages;
	/* Best of three: the host's own page allocator warms up too. */
	double sim = 0, host = 0;
	for (int i = 0; i < 3; i++) {
		double h = host_faults_per_s(pages), s = sim_faults_per_s(pages);
		host = h > host ? h : host;
		sim = s > sim ? s : sim;
	}
	put(r, "fault.pages", (double)pages, "pages");
	put(r, "fault.sim_per_s", sim, "faults/s");
	put(r, "fault.host_per_s", host, "faults/s");
	put(r, "fault.ratio", sim / host, "x host faults/s (higher is better)");
	return 0;
}

/* ---- access: simulated loads ---------------------------------------------------------- */

/* The loads' sums go where the compiler cannot see through, so that no
 * load is optimised away (nothing to report). */
volatile uint64_t bench_load_sink;

static double loads_per_s(struct mmsim_task *t, uint64_t base, uint64_t pages, uint64_t n,
			  uint64_t stride_pages, uint64_t *sink)
{
	uint8_t v = 0;
	uint64_t sum = 0, page = 0;
	double t0 = now_seconds();
	for (uint64_t i = 0; i < n; i++) {
		mmsim_load8(t, base + page * PAGE + (i & 63) * 64, &v);
		sum += v;
		page += stride_pages;
		if (page >= pages)
			page -= pages;
	}
	double dt = now_seconds() - t0;
	*sink += sum;
	return (double)n / dt;
}

/* loads_per_s() on the host's own memory: the same addresses in a buffer. */
static double host_loads_per_s(const uint8_t *buf, uint64_t pages, uint64_t n,
			       uint64_t stride_pages, uint64_t *sink)
{
	uint64_t sum = 0, page = 0;
	double t0 = now_seconds();
	for (uint64_t i = 0; i < n; i++) {
		sum += ((const volatile uint8_t *)buf)[page * PAGE + (i & 63) * 64];
		page += stride_pages;
		if (page >= pages)
			page -= pages;
	}
	double dt = now_seconds() - t0;
	*sink += sum;
	return (double)n / dt;
}

static int bench_access(struct report *r, const struct bench_opts *o)
{
	uint64_t n = o->loads;
	struct mmsim *m = bench_machine(1, 512ULL << 20);
	struct mmsim_task *t = bench_task(m);
	const uint64_t hot = 16, cold = 64 * 1024;	/* 64 KiB vs 256 MiB */
	long a = mmsim_sys_mmap(t, 0, cold * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a < 0) {
		fputs("mmsim bench: mmap failed\n", stderr);
		exit(1);
	}
	uint64_t sink = 0;
	struct mmsim_counters c0, c1;
	loads_per_s(t, (uint64_t)a, hot, 1000, 1, &sink);	/* warm the TLB */
	mmsim_counters_machine(m, &c0);
	double hit = loads_per_s(t, (uint64_t)a, hot, n, 1, &sink);
	/* A stride of 17 pages over 64 Ki pages defeats a 1536-entry TLB. */
	double miss = loads_per_s(t, (uint64_t)a, cold, n / 4, 17, &sink);
	mmsim_counters_machine(m, &c1);

	/* The host's loads, with the same two patterns: the hot one on
	 * written memory, the cold one on a mapping never written, as the
	 * simulated frames are (populate hands out zero frames without
	 * writing them), so both read the host's zero page. */
	uint8_t *h = malloc(hot * PAGE);
	uint8_t *hc = mmap(NULL, cold * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!h || hc == MAP_FAILED) {
		fputs("mmsim bench: cannot map the host's buffers\n", stderr);
		exit(1);
	}
	memset(h, 1, hot * PAGE);
	uint64_t hs = 0;
	host_loads_per_s(h, hot, 1000, 1, &hs);
	double host = host_loads_per_s(h, hot, n, 1, &hs);
	double host_miss = host_loads_per_s(hc, cold, n / 4, 17, &hs);
	free(h);
	munmap(hc, cold * PAGE);

	put(r, "access.hit_per_s", hit, "loads/s");
	put(r, "access.miss_per_s", miss, "loads/s");
	put(r, "access.host_per_s", host, "loads/s");
	put(r, "access.host_miss_per_s", host_miss, "loads/s");
	put(r, "access.hit_ratio", hit / host, "x host loads/s (higher is better)");
	put(r, "access.miss_ratio", miss / host_miss, "x host loads/s (higher is better)");
	put(r, "access.tlb_misses", (double)(c1.tlb_misses - c0.tlb_misses), "");
	bench_load_sink = sink + hs;
	mmsim_destroy(m);
	return 0;
}

/* ---- migrate: move_pages between nodes ------------------------------------------- */

/* The host's side of the comparison: two buffers faulted in once. */
struct host_copy {
	uint8_t *a, *b;
	uint64_t bytes;
};

static void host_copy_init(struct host_copy *h, uint64_t bytes)
{
	h->bytes = bytes;
	h->a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	h->b = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->a == MAP_FAILED || h->b == MAP_FAILED) {
		fputs("mmsim bench: cannot map the memcpy buffers\n", stderr);
		exit(1);
	}
	memset(h->a, 1, bytes);
	memset(h->b, 2, bytes);
}

/* One pass of memcpy over the same bytes, page by page as migration
 * copies them; GB/s. */
static double host_copy_gbps(struct host_copy *h)
{
	double t0 = now_seconds();
	for (uint64_t off = 0; off < h->bytes; off += PAGE)
		memcpy(h->b + off, h->a + off, PAGE);
	return (double)h->bytes / (now_seconds() - t0) / 1e9;
}

static void host_copy_free(struct host_copy *h)
{
	munmap(h->a, h->bytes);
	munmap(h->b, h->bytes);
}

struct migrate_run {
	double seconds;
	uint64_t batches, flushes, ipis;
};

/* One move_pages call moving every page of pages[] to node `to`. */
static struct migrate_run timed_move(struct mmsim *m, struct mmsim_task *t, uint64_t *pages,
				     int *nodes, int *status, uint64_t n, int to)
{
	struct mmsim_counters c0, c1;
	struct migrate_run r;
	for (uint64_t i = 0; i < n; i++)
		nodes[i] = to;
	mmsim_counters_machine(m, &c0);
	double t0 = now_seconds();
	long ret = mmsim_sys_move_pages(t, 0, n, pages, nodes, status, MMSIM_MPOL_MF_MOVE);
	r.seconds = now_seconds() - t0;
	mmsim_counters_machine(m, &c1);
	if (ret != 0 || status[0] != to || status[n - 1] != to) {
		fprintf(stderr, "mmsim bench: move_pages returned %ld\n", ret);
		exit(1);
	}
	r.batches = c1.migrate_batches - c0.migrate_batches;
	r.flushes = c1.tlb_flushes - c0.tlb_flushes;
	r.ipis = c1.ipis_sent - c0.ipis_sent;
	return r;
}

/*
 * A machine from cfg (its memory sized for `bytes` more), a task with
 * `bytes` of populated private memory, and a thread of it on CPU 1 that has
 * touched the memory, so CPU 1 runs the address space and every flush
 * needs an IPI, as in a two-threaded program.  Returns the mapping.
 */
static uint64_t populated_machine(struct mmsim_config *cfg, uint64_t bytes, struct mmsim **m,
				  struct mmsim_task **t)
{
	struct mmsim_task *peer;
	cfg->mem_per_node = (bytes + (64ULL << 20) + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	if (mmsim_create(cfg, m)) {
		fputs("mmsim bench: cannot create the machine\n", stderr);
		exit(1);
	}
	*t = bench_task(*m);
	long a = mmsim_sys_mmap(*t, 0, bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a < 0 || mmsim_thread_create(*t, "peer", 1, &peer)) {
		fputs("mmsim bench: cannot set up the address space\n", stderr);
		exit(1);
	}
	uint8_t v;
	mmsim_load8(peer, (uint64_t)a, &v);
	return (uint64_t)a;
}

#define MIGRATE_ROUNDS 4

/*
 * Moves `bytes` of populated memory node 0 -> 1 and back in pages of
 * `page_size` (4 KiB, or 2 MiB with THP), timing each 0 -> 1 move, with a
 * host memcpy pass of the same bytes between rounds: this host's memory
 * bandwidth drifts a lot, so the two are measured side by side and the
 * best of each kept.  A first round trip is not timed: it makes the host
 * back both nodes' frames (a host first touch would be timed otherwise).
 * A thread of the process runs on CPU 1 (populated_machine()).
 */
static struct migrate_run bench_move(uint64_t bytes, uint64_t page_size, struct host_copy *h,
				     double *host_gbps, uint64_t *pages_out)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	struct mmsim_task *t;
	mmsim_config_default(&cfg);
	cfg.thp = page_size > PAGE ? MMSIM_THP_ALWAYS : MMSIM_THP_NEVER;
	uint64_t a = populated_machine(&cfg, bytes, &m, &t);
	uint64_t n = bytes / page_size;
	uint64_t *pages = malloc(n * sizeof *pages);
	int *nodes = malloc(n * sizeof *nodes), *status = malloc(n * sizeof *status);
	if (!pages || !nodes || !status) {
		fputs("mmsim bench: out of memory\n", stderr);
		exit(1);
	}
	for (uint64_t i = 0; i < n; i++)
		pages[i] = a + i * page_size;
	timed_move(m, t, pages, nodes, status, n, 1);
	timed_move(m, t, pages, nodes, status, n, 0);
	struct migrate_run best = { 0 };
	for (int i = 0; i < MIGRATE_ROUNDS; i++) {
		double g = host_copy_gbps(h);
		*host_gbps = g > *host_gbps ? g : *host_gbps;
		struct migrate_run r = timed_move(m, t, pages, nodes, status, n, 1);
		timed_move(m, t, pages, nodes, status, n, 0);
		if (!best.seconds || r.seconds < best.seconds)
			best = r;
	}
	free(pages);
	free(nodes);
	free(status);
	mmsim_destroy(m);
	*pages_out = n;
	return best;
}

static int bench_migrate(struct report *r, const struct bench_opts *o)
{
	uint64_t pages = o->pages;
	uint64_t bytes = pages * PAGE, n4 = 0, n2 = 0;
	uint64_t bytes2m = bytes & ~((2ULL << 20) - 1);
	double host_gbps = 0;
	struct host_copy h;
	host_copy_init(&h, bytes);
	struct migrate_run s4 = bench_move(bytes, PAGE, &h, &host_gbps, &n4);
	struct migrate_run s2 = { 0 };
	if (bytes2m)
		s2 = bench_move(bytes2m, 2ULL << 20, &h, &host_gbps, &n2);
	host_copy_free(&h);
	double gb4 = (double)bytes / s4.seconds / 1e9;
	put(r, "migrate.pages", (double)n4, "pages");
	put(r, "migrate.pages_per_s_4k", (double)n4 / s4.seconds, "pages/s");
	put(r, "migrate.gbps_4k", gb4, "GB/s");
	put(r, "migrate.memcpy_gbps", host_gbps, "GB/s");
	put(r, "migrate.ratio_4k", gb4 / host_gbps, "x host memcpy (higher is better)");
	put(r, "migrate.batches_4k", (double)s4.batches, "");
	put(r, "migrate.flushes_per_batch", (double)s4.flushes / (double)s4.batches, "");
	put(r, "migrate.ipis_per_batch", (double)s4.ipis / (double)s4.batches, "");
	if (bytes2m) {
		double gb2 = (double)bytes2m / s2.seconds / 1e9;
		put(r, "migrate.pages_per_s_2m", (double)n2 / s2.seconds, "pages/s");
		put(r, "migrate.gbps_2m", gb2, "GB/s");
		put(r, "migrate.ratio_2m", gb2 / host_gbps, "x host memcpy (higher is better)");
		put(r, "migrate.ipis_per_batch_2m", (double)s2.ipis / (double)s2.batches, "");
	}
	return 0;
}

/* ---- mprotect: toggling the protection of a populated range ---------------------- */

#define MPROTECT_CALLS 16	/* r, rw, r, rw, ...: every call changes every page */

/*
 * Where VMA i of k over `pages` pages begins, in pages: whole pages, so
 * any pages >= k splits (len / k is not page aligned unless k divides
 * pages, and madvise refused the unaligned pieces).
 */
static uint64_t split_at(uint64_t pages, unsigned k, unsigned i)
{
	return pages * i / k;
}

/* Splits [a, a + len) into k VMAs: alternating madvise hints keep them apart. */
static void host_split(uint8_t *a, uint64_t pages, unsigned k)
{
	madvise(a, pages * PAGE, MADV_NOHUGEPAGE);
	for (unsigned i = 0; i < k; i++)
		madvise(a + split_at(pages, k, i) * PAGE,
			(split_at(pages, k, i + 1) - split_at(pages, k, i)) * PAGE,
			i % 2 ? MADV_SEQUENTIAL : MADV_RANDOM);
}

/* ns per page of the host kernel's mprotect on a populated range of k VMAs. */
static double host_mprotect_ns(uint64_t pages, unsigned k)
{
	uint64_t len = pages * PAGE;
	uint8_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 0;
	host_split(a, pages, k);
	for (uint64_t i = 0; i < pages; i++)
		a[i * PAGE] = 1;
	double best = 0;
	for (int round = 0; round < 3 && best >= 0; round++) {
		double t0 = now_seconds();
		for (int c = 0; c < MPROTECT_CALLS && best >= 0; c++)
			if (mprotect(a, len, c % 2 ? PROT_READ | PROT_WRITE : PROT_READ))
				best = -1;
		double dt = now_seconds() - t0;
		if (best >= 0)
			best = !best || dt < best ? dt : best;
	}
	munmap(a, len);
	if (best < 0)
		return 0;
	return best * 1e9 / (double)(pages * MPROTECT_CALLS);
}

struct mprotect_run {
	double ns_per_page;
	double flushes, invlpg, full, ipis, cycles;	/* per call */
};

/*
 * The same on mmsim, under one flush policy, with a thread of the process
 * on CPU 1 (populated_machine()), so each flush costs an IPI.
 */
static struct mprotect_run sim_mprotect(uint64_t pages, unsigned k, enum mmsim_flush_policy pol)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	struct mmsim_task *t;
	uint64_t len = pages * PAGE;
	mmsim_config_default(&cfg);
	cfg.flush_policy = pol;
	uint64_t a = populated_machine(&cfg, len, &m, &t);
	for (unsigned i = 0; i < k; i++)
		mmsim_sys_madvise(t, a + split_at(pages, k, i) * PAGE,
				  (split_at(pages, k, i + 1) - split_at(pages, k, i)) * PAGE,
				  i % 2 ? MADV_SEQUENTIAL : MADV_RANDOM);
	struct mprotect_run best = { 0 };
	for (int round = 0; round < 3; round++) {
		struct mmsim_counters c0, c1;
		mmsim_counters_machine(m, &c0);
		double t0 = now_seconds();
		for (int c = 0; c < MPROTECT_CALLS; c++)
			if (mmsim_sys_mprotect(t, a, len,
					       c % 2 ? PROT_READ | PROT_WRITE : PROT_READ)) {
				fputs("mmsim bench: mprotect failed\n", stderr);
				exit(1);
			}
		double dt = now_seconds() - t0;
		mmsim_counters_machine(m, &c1);
		struct mprotect_run r = {
			dt * 1e9 / (double)(pages * MPROTECT_CALLS),
			(double)(c1.tlb_flushes - c0.tlb_flushes) / MPROTECT_CALLS,
			(double)(c1.tlb_invlpg - c0.tlb_invlpg) / MPROTECT_CALLS,
			(double)(c1.tlb_flush_full - c0.tlb_flush_full) / MPROTECT_CALLS,
			(double)(c1.ipis_sent - c0.ipis_sent) / MPROTECT_CALLS,
			(double)(c1.cycles - c0.cycles) / MPROTECT_CALLS,
		};
		if (!best.ns_per_page || r.ns_per_page < best.ns_per_page)
			best = r;
	}
	if (mmsim_task_vmas(t, a, a + len, NULL, 0) != (int)k) {
		fputs("mmsim bench: the range did not stay in its VMAs\n", stderr);
		exit(1);
	}
	mmsim_destroy(m);
	return best;
}

static void put_mprotect(struct report *r, unsigned k, const char *pol,
			 const struct mprotect_run *s)
{
	putf(r, s->ns_per_page, "ns", "mprotect.k%u.%s.ns_per_page", k, pol);
	putf(r, s->flushes, "", "mprotect.k%u.%s.flushes_per_call", k, pol);
	putf(r, s->invlpg, "", "mprotect.k%u.%s.invlpg_per_call", k, pol);
	putf(r, s->full, "", "mprotect.k%u.%s.full_flushes_per_call", k, pol);
	putf(r, s->ipis, "", "mprotect.k%u.%s.ipis_per_call", k, pol);
	putf(r, s->cycles, "cycles", "mprotect.k%u.%s.sim_cycles_per_call", k, pol);
}

/* K = 1, 16, 256 VMAs over `pages` pages, both flush policies, and the host. */
static int bench_mprotect(struct report *r, const struct bench_opts *o)
{
	uint64_t pages = o->pages;
	static const unsigned ks[] = { 1, 16, 256 };
	struct mprotect_run sg = { 0 }, sv = { 0 };
	double shost = 0;
	unsigned sk = 0;
	put(r, "mprotect.pages", (double)pages, "pages");
	for (unsigned i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		unsigned k = ks[i];
		if (pages < k)
			continue;
		struct mprotect_run g = sim_mprotect(pages, k, MMSIM_FLUSH_GATHER);
		struct mprotect_run v = sim_mprotect(pages, k, MMSIM_FLUSH_PER_VMA);
		double host = host_mprotect_ns(pages, k);
		put_mprotect(r, k, "gather", &g);
		put_mprotect(r, k, "per_vma", &v);
		putf(r, host, "ns", "mprotect.k%u.host_ns_per_page", k);
		putf(r, host / g.ns_per_page, "x host mprotect speed (higher is better)",
		     "mprotect.k%u.ratio", k);
		if (k <= 16) {		/* the summary: 16 VMAs, or fewer if pages are */
			sg = g;
			sv = v;
			shost = host;
			sk = k;
		}
	}
	/* The contract's names (docs/bench.md), for the summary run. */
	put(r, "mprotect.vmas", sk, "VMAs");
	put(r, "mprotect.ns_per_page", sg.ns_per_page, "ns");
	put(r, "mprotect.host_ns_per_page", shost, "ns");
	put(r, "mprotect.ratio", shost / sg.ns_per_page, "x host mprotect speed (higher is better)");
	put(r, "mprotect.flushes_per_call", sg.flushes, "");
	put(r, "mprotect.flushes_per_call_per_vma", sv.flushes, "");
	put(r, "mprotect.ipis_per_call", sg.ipis, "");
	return 0;
}

/* ---- the command --------------------------------------------------------------------- */

static const struct bench {
	const char *name;
	int (*run)(struct report *r, const struct bench_opts *o);
	const char *help;	/* lines after the first indented by 11 */
} benches[] = {
	{ "boot", bench_boot,
	  "a 2 x 256 MiB and a 64 x 16 GiB machine created and\n"
	  "           destroyed (ms, host resident MiB), and `mmsim run` of the\n"
	  "           anonymous-memory scenarios in --scenarios DIR as whole\n"
	  "           processes per CPU second, beside the host starting /bin/true" },
	{ "fault", bench_fault,
	  "first-touch anonymous faults/s, beside the host kernel's\n"
	  "           (--pages, default 262144 = 1 GiB)" },
	{ "access", bench_access,
	  "simulated loads/s hitting and missing the TLB, beside host\n"
	  "           loads of the same patterns (--loads, default 200000000)" },
	{ "migrate", bench_migrate,
	  "move_pages of --pages populated pages node 0 -> 1, in 4 KiB\n"
	  "           and in 2 MiB pages: GB/s beside the host's memcpy GB/s,\n"
	  "           TLB flushes and IPIs per migration batch" },
	{ "mprotect", bench_mprotect,
	  "toggle r/rw over --pages populated pages split into\n"
	  "           1, 16 and 256 VMAs: ns/page beside the host kernel's\n"
	  "           mprotect, TLB invalidations, full flushes and IPIs per\n"
	  "           call, for flush=gather and flush=per_vma" },
	{ "reclaim", bench_reclaim,
	  "MADV_PAGEOUT of --pages clean tmpfs pages (pages/s), swap-out\n"
	  "           and swap-in of --pages anonymous pages in MB/s beside the\n"
	  "           host writing and reading the same image in --dir,\n"
	  "           simulated cycles per page" },
	{ "replay", bench_replay,
	  "a synthetic lackey trace of --loads / 20 accesses replayed\n"
	  "           (the program moving from node 0 to node 1 half-way), NUMA\n"
	  "           balancing off and on: accesses/s beside the host doing\n"
	  "           the same accesses, and the time parsing alone takes" },
	{ "journal", bench_journal,
	  "fsync'ed (flush-waiting) bcache key inserts/s with 1, 4\n"
	  "           and 16 writers on a cache image in --dir (default\n"
	  "           $TMPDIR or /var/tmp) for --seconds each, keys per\n"
	  "           journal write (group commit), beside RocksDB sync puts\n"
	  "           (mmsim-bench-rocksdb, if built) in the same directory" },
	{ "recovery", bench_recovery,
	  "fill journal rings of 8, 64, 256 buckets, cut the power,\n"
	  "           register again: time, entries replayed, buckets read to\n"
	  "           find the newest entry beside the 2*log2(n)+8 bound" },
};

#define NBENCH (sizeof benches / sizeof benches[0])

static void bench_usage(void)
{
	fputs("usage: mmsim bench [--json] [--quick] [--pages N] [--loads N] [--dir DIR]\n"
	      "                   [--seconds S] [--scenarios DIR] NAME...\n\n"
	      "--quick: small sizes (--pages 32768 --loads 20000000 --seconds 0.5,\n"
	      "fewer boot rounds and every 8th scenario; options after it still\n"
	      "apply), every benchmark when none is named;\n"
	      "about a minute in all.  A benchmark that fails does not stop the\n"
	      "others: what they measured is printed, and the exit status is 1.\n\n"
	      "benchmarks:\n", stdout);
	for (size_t i = 0; i < NBENCH; i++)
		printf("  %-8s %s\n", benches[i].name, benches[i].help);
	puts("  all      every benchmark above\n"
	     "Each prints `name.metric = value unit` lines (JSON with --json).");
}

/* One option into o: 0, or 2 after a message. */
static int bench_opt(struct bench_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'j':
		o->json = true;
		break;
	case 'q':
		o->quick = true;
		o->pages = 32 * 1024;
		o->loads = 20 * 1000 * 1000;
		o->seconds = 0.5;
		break;
	case 'p':
		if (parse_u64(arg, &o->pages) || o->pages < 1 || o->pages > (1ULL << 22)) {
			fputs("mmsim bench: --pages must be 1..4194304\n", stderr);
			return 2;
		}
		break;
	case 'l':
		if (parse_u64(arg, &o->loads) || o->loads < 1000 || o->loads > (1ULL << 40)) {
			fputs("mmsim bench: --loads must be at least 1000\n", stderr);
			return 2;
		}
		break;
	case 'd':
		o->dir = arg;
		break;
	case 'S':
		o->scenarios = arg;
		break;
	case 's': {
		char *end;
		o->seconds = strtod(arg, &end);
		if (*end || !(o->seconds >= 0.1 && o->seconds <= 3600)) {
			fputs("mmsim bench: --seconds must be 0.1..3600\n", stderr);
			return 2;
		}
		break;
	}
	default:
		return 2;
	}
	return 0;
}

/* 0 with o set and the names at argv[optind...], 1 after --help, 2 usage. */
static int bench_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "pages", required_argument, NULL, 'p' },
		{ "loads", required_argument, NULL, 'l' },
		{ "dir", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "scenarios", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jqp:l:h", opts, NULL)) != -1) {
		if (c == 'h') {
			bench_usage();
			return 1;
		}
		if (bench_opt(o, c, optarg))
			return 2;
	}
	if (optind == argc && !o->quick) {
		fputs("usage: mmsim bench [--json] NAME... (see --help)\n", stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {	/* all known before any runs */
		size_t k = 0;
		while (k < NBENCH && strcmp(argv[i], benches[k].name))
			k++;
		if (k == NBENCH && strcmp(argv[i], "all")) {
			fprintf(stderr, "mmsim bench: unknown benchmark '%s' (see --help)\n",
				argv[i]);
			return 2;
		}
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = {
		.pages = 256 * 1024,
		.loads = 200 * 1000 * 1000,
		.dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp",
		.seconds = 2.0,
		.scenarios = MMSIM_SCENARIO_DIR,
	};
	struct report r = { 0 };
	int rc = bench_args(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	/* The runs chosen, in order: --quick alone means all of them. */
	bool chosen[NBENCH] = { false };
	size_t total = 0, done = 0;
	for (size_t k = 0; k < NBENCH; k++) {
		for (int i = optind; i < argc; i++)
			chosen[k] |= !strcmp(argv[i], "all") || !strcmp(argv[i], benches[k].name);
		chosen[k] |= optind == argc;
		total += chosen[k];
	}
	/* A progress line on a terminal only (never in a pipe or a log). */
	bool progress = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
	int failed = 0;
	for (size_t k = 0; k < NBENCH; k++) {
		if (!chosen[k])
			continue;
		if (progress)
			fprintf(stderr, "\rmmsim bench: %s (%zu of %zu)...\033[K", benches[k].name,
				++done, total);
		if (benches[k].run(&r, &o)) {
			fprintf(stderr, "%smmsim bench: %s failed; going on with the others\n",
				progress ? "\n" : "", benches[k].name);
			failed++;
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	if (r.lost)
		fprintf(stderr, "mmsim bench: out of memory: %d metrics lost\n", r.lost);
	/* What was measured is printed even when something failed. */
	report_print(&r, o.json);
	free(r.m);
	return failed || r.lost ? 1 : 0;
}
