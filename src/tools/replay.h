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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The state of a replay every `every` accesses (and at its end). */
struct replay_sample {
	uint64_t accesses;
	uint64_t pages[MMSIM_MAX_NODES];	/* resident pages per node */
	struct mmsim_counters c;		/* the machine's, so far */
};

struct replay_samples {
	uint64_t every;			/* 0: none taken */
	struct replay_sample *v;
	size_t n, cap;
	unsigned nodes;
	int lost;			/* samples memory refused */
};

/*
 * `mmsim replay ...` (argv[0] is "replay"): 0, 1 on failure, 2 usage.
 * With samples (`mmsim report`), the replay also records them, and prints
 * its counters only with print.
 */
int replay_main(int argc, char **argv, const char *cmd, struct replay_samples *samples,
		bool print);
int cmd_replay(int argc, char **argv);
/* `mmsim report ...`: an HTML page of plots of one replay (report_html.c). */
int cmd_report(int argc, char **argv);

#endif
