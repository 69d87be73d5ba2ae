/*
 * bench.c - benchmarks.  Each one measures the host doing the same work in
 * the same run (host first-touch faults, host loads) and prints the ratio,
 * so figures from different machines can be compared.  Ratios are "higher
 * is better for mmsim".
 */
#include "bench.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <mmsim/mmsim.h>

#define PAGE 4096ULL

struct metric {
	const char *name;
	double value;
	const char *unit;
};

struct report {
	struct metric m[32];
	int n;
};

static void put(struct report *r, const char *name, double v, const char *unit)
{
	if (r->n < 32)
		r->m[r->n++] = (struct metric){ name, v, unit };
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_report(const struct report *r, bool json)
{
	if (json) {
		printf("{");
		for (int i = 0; i < r->n; i++)
			printf("%s\n  \"%s\": {\"value\": %.6g, \"unit\": \"%s\"}", i ? "," : "",
			       r->m[i].name, r->m[i].value, r->m[i].unit);
		printf("\n}\n");
		return;
	}
	for (int i = 0; i < r->n; i++)
		printf("%s = %.6g%s%s\n", r->m[i].name, r->m[i].value, *r->m[i].unit ? " " : "",
		       r->m[i].unit);
}

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
	double t0 = now();
	for (uint64_t i = 0; i < pages; i++)
		((volatile uint8_t *)p)[i * PAGE] = 1;
	double dt = now() - t0;
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
	double t0 = now();
	for (uint64_t i = 0; i < pages; i++)
		if (mmsim_store(t, (uint64_t)a + i * PAGE, &one, 1, NULL)) {
			fputs("mmsim bench: unexpected fault\n", stderr);
			exit(1);
		}
	double dt = now() - t0;
	mmsim_destroy(m);
	return (double)pages / dt;
}

static void bench_fault(struct report *r, uint64_t pages)
{
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
	put(r, "fault.ratio", sim / host, "");
}

/* ---- access: simulated loads ---------------------------------------------------------- */

static double loads_per_s(struct mmsim_task *t, uint64_t base, uint64_t pages, uint64_t n,
			  uint64_t stride_pages, uint64_t *sink)
{
	uint8_t v = 0;
	uint64_t sum = 0, page = 0;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		mmsim_load8(t, base + page * PAGE + (i & 63) * 64, &v);
		sum += v;
		page += stride_pages;
		if (page >= pages)
			page -= pages;
	}
	double dt = now() - t0;
	*sink += sum;
	return (double)n / dt;
}

static void bench_access(struct report *r, uint64_t n)
{
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

	uint8_t *h = malloc(hot * PAGE);
	memset(h, 1, hot * PAGE);
	uint64_t hs = 0;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++)
		hs += ((volatile uint8_t *)h)[(i % hot) * PAGE + (i & 63) * 64];
	double host = (double)n / (now() - t0);
	free(h);

	put(r, "access.hit_per_s", hit, "loads/s");
	put(r, "access.miss_per_s", miss, "loads/s");
	put(r, "access.host_per_s", host, "loads/s");
	put(r, "access.hit_ratio", hit / host, "");
	put(r, "access.tlb_misses", (double)(c1.tlb_misses - c0.tlb_misses), "");
	put(r, "access.sink", (double)((sink + hs) & 1), "");
	mmsim_destroy(m);
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pages", required_argument, NULL, 'p' },
		{ "loads", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false;
	uint64_t pages = 256 * 1024, loads = 200 * 1000 * 1000;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jp:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			pages = strtoull(optarg, NULL, 0);
			if (pages < 1 || pages > (1ULL << 22)) {
				fputs("mmsim bench: --pages must be 1..4194304\n", stderr);
				return 2;
			}
			break;
		case 'l':
			loads = strtoull(optarg, NULL, 0);
			if (loads < 1000 || loads > (1ULL << 40)) {
				fputs("mmsim bench: --loads must be at least 1000\n", stderr);
				return 2;
			}
			break;
		case 'h':
			puts("usage: mmsim bench [--json] [--pages N] [--loads N] NAME...\n\n"
			     "benchmarks:\n"
			     "  fault    first-touch anonymous faults/s, beside the host kernel's\n"
			     "           (--pages, default 262144 = 1 GiB)\n"
			     "  access   simulated loads/s hitting and missing the TLB, beside host\n"
			     "           loads (--loads, default 200000000)\n"
			     "  all      every benchmark above\n"
			     "Each prints `name.metric = value unit` lines (JSON with --json).");
			return 0;
		default:
			return 2;
		}
	}
	if (optind == argc) {
		fputs("usage: mmsim bench [--json] NAME... (see --help)\n", stderr);
		return 2;
	}
	struct report r = { 0 };
	for (int i = optind; i < argc; i++) {
		bool all = !strcmp(argv[i], "all");
		if (all || !strcmp(argv[i], "fault"))
			bench_fault(&r, pages);
		if (all || !strcmp(argv[i], "access"))
			bench_access(&r, loads);
		if (!all && strcmp(argv[i], "fault") && strcmp(argv[i], "access")) {
			fprintf(stderr, "mmsim bench: unknown benchmark '%s' (see --help)\n",
				argv[i]);
			return 2;
		}
	}
	print_report(&r, json);
	return 0;
}
