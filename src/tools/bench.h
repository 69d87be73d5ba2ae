/*
 * bench.h - `mmsim bench NAME`: benchmarks that measure their own host
 * baseline in the same run and print `name.metric = value unit` lines.
 * bench.c has the memory-management benchmarks and the command;
 * bench_bcache.c the journal and recovery benchmarks.  The report (a growing
 * list of named metrics) is also what `mmsim replay` prints.
 */
#ifndef MMSIM_TOOLS_BENCH_H
#define MMSIM_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct metric {
	char name[64];
	double value;
	const char *unit;		/* a string literal */
};

/* Grows as metrics are put; `lost` counts those memory refused. */
struct report {
	struct metric *m;
	int n, cap;
	int lost;
};

void put(struct report *r, const char *name, double v, const char *unit);
/* put() with a name made from a format. */
void putf(struct report *r, double v, const char *unit, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* `name = value unit` lines, or one JSON object (also `mmsim replay`'s). */
void report_print(const struct report *r, bool json);

/* What `mmsim bench` options set. */
struct bench_opts {
	uint64_t pages;		/* --pages: fault, migrate, mprotect */
	uint64_t loads;		/* --loads: access; replay (loads / 20 accesses) */
	const char *dir;	/* --dir: journal, recovery */
	const char *scenarios;	/* --scenarios: boot (tests/scenarios) */
	double seconds;		/* --seconds: journal */
	bool json;
	bool quick;		/* --quick: small sizes, all by default */
};

/* Flush-waiting key inserts/s with 1, 4, 16 writers, beside RocksDB's
 * sync puts (mmsim-bench-rocksdb, when built) in the same directory. */
int bench_journal(struct report *r, const struct bench_opts *o);
/* Read + replay time of a full journal and the buckets read to find the
 * newest entry, on rings of several sizes. */
int bench_recovery(struct report *r, const struct bench_opts *o);
/* bench_boot.c: a small and a huge machine created and destroyed, and
 * `mmsim run` of the anonymous-memory scenarios as whole processes. */
int bench_boot(struct report *r, const struct bench_opts *o);
/* bench_reclaim.c: pageout of clean file pages, swap-out and swap-in. */
int bench_reclaim(struct report *r, const struct bench_opts *o);
/* bench_replay.c: a synthetic lackey trace replayed, NUMA balancing off
 * and on, beside the host doing the same accesses. */
int bench_replay(struct report *r, const struct bench_opts *o);

int cmd_bench(int argc, char **argv);

#endif
