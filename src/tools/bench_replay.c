/*
 * bench_replay.c - `mmsim bench replay`: how fast `mmsim replay` replays a
 * lackey trace (issue 19: at least 10 M accesses/s on one core with NUMA
 * balancing off, 5 M/s with it on).
 *
 *  - The trace: synthetic, from a fixed-seed PRNG, so every run replays
 *    the same lines: a streaming pass over a 32 MiB heap, a hot set in
 *    it, a hot stack and random accesses over the whole heap; loads,
 *    stores and modifies of 1 to 16 bytes, and an instruction fetch every
 *    other access (counted by replay, not replayed), in the text lackey
 *    writes.  --loads / 20 data accesses (10 M by default, 1 M with
 *    --quick).  It is written to an in-memory file (memfd) that replay
 *    reads by its /proc/self/fd name, as it would a trace on disk.
 *  - replay.accesses_per_s: replay_run() of the trace, the cost model on
 *    (TLB, data cache, node latencies), the program moving from CPU 0
 *    (node 0) to CPU 1 (node 1) half-way, so its pages end up remote;
 *    replay.accesses_per_s_balancing: the same with automatic NUMA
 *    balancing on, its scan delay and periods shortened so that the
 *    scanner runs many times within the run's simulated time and moves
 *    the pages after the program.  Each is the whole replay_run(): the
 *    machine's creation, the reading and parsing of the trace, the
 *    accesses, the final census of the pages.
 *  - The baseline, in the same run: the host doing the same accesses
 *    (same offsets, sizes and kinds, from memory) on a plain buffer
 *    already faulted in; the ratios are mmsim / host, higher is better.
 *  - replay.parse_ms: reading and parsing the trace alone
 *    (trace_parse_line over every line), and its share of the replay's
 *    time, so a reader knows where the time goes.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmsim/mmsim.h>

#include "replay.h"
#include "util.h"

/* Where the synthetic program's memory lies, in lackey's addresses: a
 * brk heap, Valgrind's client stack, and the code fetched from. */
#define HEAP_BASE 0x04000000ULL
#define HEAP_BYTES (32ULL << 20)
#define STACK_TOP 0x7ff001000ULL
#define STACK_BYTES (1ULL << 20)
#define CODE_BASE 0x00401000ULL
#define CODE_BYTES (256ULL << 10)
#define HOT_BYTES (512ULL << 10)	/* the heap's hot set, at its middle */
#define HOT_STACK (16ULL << 10)		/* the stack's live top */
#define BUF_BYTES (HEAP_BYTES + STACK_BYTES)	/* heap then stack, as offsets */
#define SEED 0x6d6d73696d2d3139ULL

/* One data access of the trace: an offset into the heap-then-stack
 * buffer, so the host can do the same access on its own memory. */
struct gen_access {
	uint32_t off;
	uint8_t size;
	char kind;		/* 'L', 'S' or 'M' */
};

/* Where the host's loads go, so that none is optimised away. */
static volatile uint64_t host_sink;

static int fail(const char *what)
{
	fprintf(stderr, "mmsim bench replay: %s\n", what);
	return 1;
}

/* splitmix64: a fixed seed gives the same trace on every machine. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The accesses: 40% streaming (8 bytes, the next word of the heap), 25%
 * the heap's hot set, 20% the stack's top, 15% anywhere in the heap;
 * 60% loads, 25% stores, 15% modifies; aligned to their size, so none
 * crosses a page. */
static struct gen_access *gen_trace(uint64_t n)
{
	static const uint8_t sizes[] = { 1, 2, 4, 8, 8, 8, 8, 16 };
	struct gen_access *v = xcalloc(n, sizeof *v);
	uint64_t s = SEED, stream = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = next_rand(&s), where = r % 100, off;
		unsigned size = sizes[(r >> 8) % sizeof sizes], kind = (unsigned)(r >> 16) % 20;
		uint64_t pick = r >> 24;

		if (where < 40) {
			size = 8;
			off = stream;
			stream = (stream + 8) % HEAP_BYTES;
		} else if (where < 65) {
			off = (HEAP_BYTES - HOT_BYTES) / 2 + pick % HOT_BYTES;
		} else if (where < 85) {
			off = HEAP_BYTES + STACK_BYTES - HOT_STACK + pick % HOT_STACK;
		} else {
			off = pick % HEAP_BYTES;
		}
		v[i].off = (uint32_t)(off & ~(uint64_t)(size - 1));
		v[i].size = (uint8_t)size;
		v[i].kind = kind < 12 ? 'L' : kind < 17 ? 'S' : 'M';
	}
	return v;
}

/* The lackey address of a buffer offset. */
static uint64_t trace_addr(uint32_t off)
{
	if (off < HEAP_BYTES)
		return HEAP_BASE + off;
	return STACK_TOP - STACK_BYTES + (off - HEAP_BYTES);
}

/* One lackey line at p, as Valgrind prints it (" L %08lx,%lu" and
 * "I  %08lx,%lu"); its length. */
static size_t format_line(char *p, char kind, uint64_t addr, unsigned size)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t n = 0, len = 0;
	char dec[8];
	size_t nd = 0;

	p[len++] = kind == 'I' ? 'I' : ' ';
	p[len++] = kind == 'I' ? ' ' : kind;
	p[len++] = ' ';
	do {
		digits[n++] = hex[addr & 15];
		addr >>= 4;
	} while (addr);
	for (; n < 8; n++)
		digits[n] = '0';
	while (n)
		p[len++] = digits[--n];
	p[len++] = ',';
	do {
		dec[nd++] = (char)('0' + size % 10);
		size /= 10;
	} while (size);
	while (nd)
		p[len++] = dec[--nd];
	p[len++] = '\n';
	return len;
}

/* The trace as lackey's text, an instruction fetch before every other
 * access, into a memfd: its descriptor, or -1. */
static int write_trace(const struct gen_access *v, uint64_t n, uint64_t *lines)
{
	int fd = memfd_create("mmsim-bench-replay.trace", 0);
	size_t cap = 1 << 20, len = 0;
	char *buf = xcalloc(1, cap);
	uint64_t s = SEED ^ 1;
	int err = fd < 0;

	*lines = 0;
	for (uint64_t i = 0; i < n && !err; i++) {
		if (i % 2 == 0) {
			uint64_t r = next_rand(&s);
			unsigned size = 1 + (unsigned)(r >> 32) % 7;	/* x86: 1..7 bytes */

			len += format_line(buf + len, 'I', CODE_BASE + r % CODE_BYTES, size);
			++*lines;
		}
		len += format_line(buf + len, v[i].kind, trace_addr(v[i].off), v[i].size);
		++*lines;
		if (len > cap - 128 || i == n - 1) {
			err = write(fd, buf, len) != (ssize_t)len;
			len = 0;
		}
	}
	free(buf);
	if (err && fd >= 0)
		close(fd);
	return err ? -1 : fd;
}

/* The host's side: the same accesses on a buffer faulted in beforehand.
 * A load reads into tmp, a store writes it, a modify does both. */
static double host_accesses_per_s(uint8_t *buf, const struct gen_access *v, uint64_t n,
				  uint64_t *sink)
{
	uint8_t tmp[16] = { 1 };
	uint64_t sum = 0;
	double t0 = now_seconds();

	for (uint64_t i = 0; i < n; i++) {
		uint8_t *p = buf + v[i].off;

		if (v[i].kind != 'S') {
			memcpy(tmp, p, v[i].size);
			sum += tmp[0];
		}
		if (v[i].kind != 'L') {
			tmp[0]++;
			memcpy(p, tmp, v[i].size);
		}
	}
	double dt = now_seconds() - t0;
	*sink += sum;
	return (double)n / dt;
}

/* Reading and parsing the trace alone, as replay reads it: seconds. */
static double parse_seconds(const char *path, uint64_t *accesses)
{
	FILE *f = fopen(path, "r");
	struct line_reader lr;
	struct trace_access a;
	char *line;
	size_t len;

	if (!f)
		return -1;
	if (line_reader_init(&lr, f)) {
		fclose(f);
		return -1;
	}
	*accesses = 0;
	double t0 = now_seconds();
	while (read_line(&lr, &line, &len) > 0)
		if (trace_parse_line(line, &a) > 0 && a.kind != 'I')
			++*accesses;
	double dt = now_seconds() - t0;
	line_reader_free(&lr);
	fclose(f);
	return dt;
}

struct replay_result {
	double seconds;
	struct mmsim_counters c;	/* at the end of the run */
	uint64_t pages[2];		/* resident pages on nodes 0 and 1 */
};

/*
 * One replay of path: the program starts on CPU 0 and moves to CPU 1
 * after half of the n accesses; with balancing, NUMA balancing scans
 * every few simulated ms.  0, or 1 if the replay failed.
 */
static int timed_replay(const char *path, uint64_t n, bool balancing, struct replay_result *res)
{
	struct replay_opts o;
	struct replay_samples sm = { .every = 0 };	/* the start and the end only */

	replay_opts_init(&o);
	o.cfg.nodes = 2;
	o.cfg.cpus = 2;
	o.cpu = 0;
	o.move_to = 1;
	o.move_at = n / 2;
	if (balancing) {
		o.cfg.numa_balancing = MMSIM_NUMA_BALANCING_NORMAL;
		o.cfg.numa_balancing_scan_delay_ms = 1;
		o.cfg.numa_balancing_scan_period_min_ms = 1;
		o.cfg.numa_balancing_scan_size_mb = 8;
	}
	double t0 = now_seconds();
	int rc = replay_run(&o, path, "bench replay", &sm, false);
	res->seconds = now_seconds() - t0;
	if (!rc && sm.n) {
		const struct replay_sample *end = &sm.v[sm.n - 1];
		res->c = end->c;
		res->pages[0] = end->pages[0];
		res->pages[1] = end->pages[1];
	}
	free(sm.v);
	free(sm.ev);
	return rc || !sm.n;
}

/* The best (shortest) of rounds replays. */
static int best_replay(const char *path, uint64_t n, bool balancing, unsigned rounds,
		       struct replay_result *best)
{
	for (unsigned i = 0; i < rounds; i++) {
		struct replay_result r;

		if (timed_replay(path, n, balancing, &r))
			return 1;
		if (!i || r.seconds < best->seconds)
			*best = r;
	}
	return 0;
}

static void put_run(struct report *r, const char *sfx, uint64_t n, double host,
		    const struct replay_result *x)
{
	double rate = (double)n / x->seconds;

	putf(r, rate, "accesses/s", "replay.accesses_per_s%s", sfx);
	putf(r, rate / host, "x host accesses/s (higher is better)", "replay.ratio%s", sfx);
	putf(r, (double)x->c.cycles / MMSIM_CPU_MHZ / 1000, "simulated ms", "replay.sim_ms%s", sfx);
	putf(r, (double)x->pages[1], "pages", "replay.pages_node1%s", sfx);
}

int bench_replay(struct report *r, const struct bench_opts *o)
{
	uint64_t n = o->loads / 20 < 10000 ? 10000 : o->loads / 20, lines, parsed;
	unsigned rounds = o->quick ? 1 : 3;
	struct gen_access *v = gen_trace(n);
	int fd = write_trace(v, n, &lines);
	char path[64];

	if (fd < 0) {
		free(v);
		return fail("cannot write the trace to a memfd");
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	struct replay_result off = { 0 }, on = { 0 };
	int err = best_replay(path, n, false, rounds, &off) ||
		  best_replay(path, n, true, rounds, &on);
	double parse = err ? 0 : parse_seconds(path, &parsed);
	close(fd);
	if (err) {
		free(v);
		return fail("the replay failed");
	}
	if (parse < 0 || parsed != n) {
		free(v);
		return fail("cannot read the trace back");
	}

	uint8_t *buf = malloc(BUF_BYTES);
	if (!buf) {
		free(v);
		return fail("out of memory for the host's buffer");
	}
	memset(buf, 1, BUF_BYTES);
	uint64_t sink = 0;
	double host = 0;
	for (int i = 0; i < 3; i++) {
		double h = host_accesses_per_s(buf, v, n, &sink);
		host = h > host ? h : host;
	}
	host_sink = sink;
	free(buf);
	free(v);

	put(r, "replay.accesses", (double)n, "accesses");
	put(r, "replay.lines", (double)lines, "lines");
	put(r, "replay.host_accesses_per_s", host, "accesses/s");
	put_run(r, "", n, host, &off);
	put_run(r, "_balancing", n, host, &on);
	put(r, "replay.numa_pte_updates_balancing", (double)on.c.numa_pte_updates, "");
	put(r, "replay.numa_hint_faults_balancing", (double)on.c.numa_hint_faults, "");
	put(r, "replay.numa_pages_migrated_balancing", (double)on.c.numa_pages_migrated, "pages");
	put(r, "replay.parse_ms", parse * 1e3, "ms");
	put(r, "replay.parse_share", 100 * parse / off.seconds, "% of the replay's time");
	return 0;
}
