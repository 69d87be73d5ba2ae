/*
 * util.h - what every mmsim tool needs: the page size, sizes and numbers
 * from the command line or a scenario (one grammar), the monotonic clock,
 * whole files read into memory, allocation that exits when memory runs
 * out, and JSON strings.
 */
#ifndef MMSIM_TOOLS_UTIL_H
#define MMSIM_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The simulated machine's (and x86-64's) base page. */
#define PAGE 4096ULL

/* FNV-1a 64: the scenario's name hash and `read`'s checksum of bytes. */
#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* The suffix sets callers accept (case-insensitive, one letter at most). */
#define SIZE_SUFFIX_SCENARIO	"kmgp"	/* p: 4 KiB pages */
#define SIZE_SUFFIX_MEM		"kmg"
#define SIZE_SUFFIX_DISK	"kmgt"

/*
 * A whole string as a number: decimal, or hex after 0x/0X (no sign, no
 * white space, no octal), then at most one suffix letter from suffixes
 * (k, m, g, t: KiB to TiB; p: pages) in either case.  0, or -1 if it is
 * malformed or overflows 64 bits.
 */
int parse_size(const char *str, const char *suffixes, uint64_t *out);

/* parse_size() with no suffix: a count. */
static inline int parse_u64(const char *str, uint64_t *out)
{
	return parse_size(str, "", out);
}

/* CLOCK_MONOTONIC in seconds. */
double now_seconds(void);

/*
 * Reads a whole file of at most 64 MiB (a scenario, an expected output);
 * "/dev/stdin" reads standard input.  NULL with a message on err.
 */
char *read_whole_file(const char *path, size_t *len, FILE *err);

/*
 * `--trace FILE` of run and replay: opens FILE and starts the trace (NULL
 * after a message naming cmd); then stops it and closes FILE (0, or 1
 * after a message if the file could not be written).
 */
FILE *trace_file_start(const char *path, const char *cmd);
int trace_file_stop(FILE *f, const char *path, const char *cmd);

/* calloc/realloc that never return NULL: "mmsim: out of memory", exit 1. */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);

/* str as a JSON string, quotes included: ", \ and control bytes escaped. */
void json_string(FILE *f, const char *str);

#endif
