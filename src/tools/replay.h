/*
 * replay.h - `mmsim replay TRACE`: a real program's memory accesses,
 * recorded by Valgrind's lackey tool (`valgrind --tool=lackey
 * --trace-mem=yes`), replayed on a simulated machine.
 *
 * The trace reader is separate from the replay so that the fuzz driver and
 * the tests can feed it lines directly.
 */
#ifndef MMSIM_TOOLS_REPLAY_H
#define MMSIM_TOOLS_REPLAY_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mmsim/counters.h>
#include <mmsim/machine.h>

/* One record of a lackey trace. */
struct trace_access {
	char kind;		/* 'I' instruction fetch, 'L' load, 'S' store, 'M' modify */
	uint64_t addr;
	unsigned size;		/* bytes, 1..TRACE_MAX_SIZE */
};

#define TRACE_MAX_SIZE 4096u

/*
 * Parses one line (without its newline).  1: *a holds an access; 0: a line
 * that carries none (blank, or Valgrind's own "==pid==" and "--pid--"
 * lines); -1: not a lackey line (a malformed record, a size of 0 or above
 * TRACE_MAX_SIZE, an address that wraps).
 */
int trace_parse_line(const char *line, struct trace_access *a);

/*
 * The trace's lines, read a block at a time (a replay reads millions of
 * them; a character at a time was a third of its time).  A record is at
 * most 25 bytes and Valgrind's own lines are short: a line longer than
 * LINE_MAX_BYTES is not a trace, and reading it whole (a stream with no
 * newline) would grow memory without bound.  buf holds READ_BLOCK bytes
 * past the longest line, so a line is always whole in it.
 */
#define LINE_MAX_BYTES 65536
#define READ_BLOCK (256u << 10)

struct line_reader {
	FILE *f;
	char *buf;		/* LINE_MAX_BYTES + 1 + READ_BLOCK + 1 bytes */
	size_t start, end;	/* the bytes read and not yet returned */
	bool eof;
};

/* 0, or -ENOMEM. */
int line_reader_init(struct line_reader *lr, FILE *f);
void line_reader_free(struct line_reader *lr);
/* The next line, without its newline, NUL-terminated in place in the
 * reader's buffer (valid until the next call): 1, 0 at the end (or a read
 * error: ferror tells), -1 when it is longer than LINE_MAX_BYTES. */
int read_line(struct line_reader *lr, char **line, size_t *len);

/* The state of a replay every `every` accesses (and at its end). */
struct replay_sample {
	uint64_t accesses;
	uint64_t pages[MMSIM_MAX_NODES];	/* resident pages per node */
	struct mmsim_counters c;		/* the machine's, so far */
};

/* What the replay did to the program, at a point of the run: the page of
 * `mmsim report` marks these on its plots. */
enum replay_event_kind { REPLAY_EV_MOVE, REPLAY_EV_NUMA_SCAN };

struct replay_event {
	uint64_t accesses;		/* before access accesses + 1 */
	enum replay_event_kind kind;
	int from, to;			/* a move: the CPUs */
};

/* Events kept one by one; past this only counted (a scan every few
 * accesses of a long trace is a rate, not marks to draw). */
#define REPLAY_MAX_EVENTS 1024

struct replay_samples {
	uint64_t every;			/* 0: none taken */
	struct replay_sample *v;
	size_t n, cap;
	unsigned nodes;
	int lost;			/* samples memory refused */
	struct replay_event *ev;	/* the first REPLAY_MAX_EVENTS, in order */
	size_t nev;
	uint64_t nscans;		/* NUMA scans run, kept or not */
};

/* An output file written whole or not at all (report_html.c): a regular
 * file (or a new one) is written beside its place and renamed over it at
 * page_close; anything else (a device, a pipe) is written in place.
 * page_open: 0 or -errno.  page_close: 0, or -errno with the old file
 * left as it was; err (a write error already met) is passed through. */
struct page_out {
	FILE *f;
	char *tmp;		/* NULL: written in place */
	char *dest;		/* rename target (symlinks resolved) */
};
int page_open(struct page_out *po, const char *out);
int page_close(struct page_out *po, int err);

/* The samples as CSV (`--series FILE`): a header line, then one line per
 * sample, accesses first, then each node's resident pages, then every
 * machine counter in `stats` order.  0, or 1 after a message. */
int replay_series_write(const char *path, const struct replay_samples *sm, const char *cmd);

/* What `mmsim replay` (and `mmsim report`) options set. */
struct replay_opts {
	struct mmsim_config cfg;
	int cpu, move_to;
	uint64_t move_at, numa_scan, limit;
	bool instr, json;
	bool tiering;		/* --tiering: CPU-less nodes a lower tier */
	bool unpinned;		/* --unpinned: may run on any CPU (NUMA placement moves it) */
	const char *trace_out;	/* --trace FILE: trace events go there */
	const char *series;	/* --series FILE: the samples as CSV */
	int policy;		/* --policy: a set_mempolicy mode, -1 none */
	uint64_t policy_nodes;	/* its nodes */
};

/* replay's long options (but --help), for getopt_long tables. */
#define REPLAY_LONG_OPTIONS \
	{ "json", no_argument, NULL, 'j' }, { "nodes", required_argument, NULL, 'n' }, \
	{ "cpus", required_argument, NULL, 'c' }, { "mem", required_argument, NULL, 'm' }, \
	{ "cpu", required_argument, NULL, 'C' }, { "move-at", required_argument, NULL, 'a' }, \
	{ "move-to", required_argument, NULL, 't' }, \
	{ "numa-scan", required_argument, NULL, 's' }, \
	{ "balancing", no_argument, NULL, 'b' }, { "tiering", no_argument, NULL, 'g' }, \
	{ "unpinned", no_argument, NULL, 'U' }, \
	{ "scan-delay", required_argument, NULL, 'D' }, \
	{ "scan-period", required_argument, NULL, 'E' }, \
	{ "scan-size", required_argument, NULL, 'Z' }, \
	{ "cache", required_argument, NULL, 'K' + 256 }, \
	{ "instr", no_argument, NULL, 'i' }, { "flush", required_argument, NULL, 'f' }, \
	{ "limit", required_argument, NULL, 'l' }, { "trace", required_argument, NULL, 'T' }, \
	{ "policy", required_argument, NULL, 'P' }, { "series", required_argument, NULL, 'R' }

void replay_usage(FILE *f);
/* --policy's MODE as the option spells it ("bind"), or NULL. */
const char *replay_policy_name(int mode);
void replay_opts_init(struct replay_opts *o);
/* One option of REPLAY_LONG_OPTIONS (getopt_long's value and optarg): 0,
 * or 2 after a message. */
int replay_opt(struct replay_opts *o, int c, const char *arg);
/* After the options: the trace (the one argument left at optind) and the
 * machine checked; 0, or 2 after a message. */
int replay_opts_finish(struct replay_opts *o, int argc, char **argv, const char **trace);
/* The options' checks alone (the machine, the CPUs, the policy's nodes),
 * --tiering's machine set up: 0, or 2 after a message. */
int replay_opts_check(struct replay_opts *o);

/*
 * Replays trace (`-`: standard input) as `mmsim <cmd>`: 0, or 1 on failure.
 * With samples (`mmsim report`), the replay also records them, and prints
 * its counters only with print.
 */
int replay_run(const struct replay_opts *o, const char *trace, const char *cmd,
	       struct replay_samples *samples, bool print);
int cmd_replay(int argc, char **argv);
/* `mmsim report ...`: an HTML page of plots of one replay (report_html.c). */
int cmd_report(int argc, char **argv);

#endif
