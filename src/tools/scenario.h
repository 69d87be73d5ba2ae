/*
 * scenario.h - the scenario language of docs/scenarios.md: parse a whole
 * file (scenario_parse.c), then run it on a fresh simulated machine
 * (scenario_run.c).
 */
#ifndef MMSIM_TOOLS_SCENARIO_H
#define MMSIM_TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stdio.h>

struct scenario;

/*
 * Parses text (len bytes; NUL bytes are a usage error).  On a usage error
 * returns NULL and writes "NAME:LINE: message" to err.
 */
struct scenario *scenario_parse(const char *name, const char *text, size_t len, FILE *err);
/* The same for a run on the disks kept in disk_dir (mmsim run --disk):
 * files of earlier runs may be named without a `file` line. */
struct scenario *scenario_parse_disk(const char *name, const char *text, size_t len, FILE *err,
				     const char *disk_dir);
void scenario_free(struct scenario *s);

/* scenario_run's flags: neither changes what runs, only what it prints. */
#define SCENARIO_JSON		1u	/* each result line as a JSON object (docs/json.md) */
#define SCENARIO_SUMMARY	2u	/* status arrays as counts per node and errno */

/*
 * Runs a parsed scenario, writing one result line per command that prints
 * (as flags say).  Returns 0, or 1 when the simulator itself failed (a
 * message on err; a failed `crash` too).
 */
int scenario_run(struct scenario *s, FILE *out, FILE *err, unsigned flags);

#endif
