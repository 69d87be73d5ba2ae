/*
 * util.c - the tools' shared helpers (util.h): the one size and number
 * grammar, the clock, whole-file reads, allocation, JSON strings.
 */
#include "util.h"

#include <mmsim/trace.h>

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Far above any real scenario (70,000 mappings take ~2 MB): reading
 * /dev/zero must end with an error, not with the host out of memory. */
#define MAX_FILE_BYTES (64u << 20)

static int suffix_shift(char c, unsigned *shift)
{
	switch (tolower((unsigned char)c)) {
	case 'k': *shift = 10; return 0;
	case 'm': *shift = 20; return 0;
	case 'g': *shift = 30; return 0;
	case 't': *shift = 40; return 0;
	case 'p': *shift = 12; return 0;	/* PAGE */
	}
	return -1;
}

/* Digits only, from str to end: decimal, or hex after 0x. */
static int parse_digits(const char *str, const char *end, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (end - str >= 2 && str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		base = 16;
		str += 2;
	}
	if (str == end)
		return -1;
	for (; str < end; str++) {
		unsigned char c = (unsigned char)*str;
		unsigned d;

		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_size(const char *str, const char *suffixes, uint64_t *out)
{
	size_t n = strlen(str);
	unsigned shift = 0;
	uint64_t v;

	if (!n)
		return -1;
	if (strchr(suffixes, tolower((unsigned char)str[n - 1])) &&
	    !suffix_shift(str[n - 1], &shift))
		n--;
	if (parse_digits(str, str + n, &v) < 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fputs("mmsim: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fputs("mmsim: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

/* The file's content so far is dropped on an error. */
static char *read_fail(FILE *f, char *buf)
{
	fclose(f);
	free(buf);
	return NULL;
}

char *read_whole_file(const char *path, size_t *len, FILE *err)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *buf;

	if (!f) {
		fprintf(err, "mmsim: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = xcalloc(1, cap);
	for (;;) {
		n += fread(buf + n, 1, cap - n, f);
		if (n > MAX_FILE_BYTES) {
			fprintf(err, "mmsim: %s: larger than %u MiB: not a scenario\n", path,
				MAX_FILE_BYTES >> 20);
			return read_fail(f, buf);
		}
		if (n < cap) {
			if (ferror(f)) {
				fprintf(err, "mmsim: %s: read error\n", path);
				return read_fail(f, buf);
			}
			break;
		}
		cap *= 2;
		buf = xrealloc(buf, cap);
	}
	fclose(f);
	*len = n;
	return buf;
}

void json_string(FILE *f, const char *str)
{
	fputc('"', f);
	for (; *str; str++) {
		unsigned char c = (unsigned char)*str;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

FILE *trace_file_start(const char *path, const char *cmd)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f) {
		fprintf(stderr, "mmsim %s: %s: %s\n", cmd, path, strerror(errno));
		return NULL;
	}
	if ((err = mmsim_trace_start(f))) {
		fprintf(stderr, "mmsim %s: cannot start a trace: %s\n", cmd, strerror(-err));
		fclose(f);
		return NULL;
	}
	return f;
}

int trace_file_stop(FILE *f, const char *path, const char *cmd)
{
	bool bad;

	mmsim_trace_stop();
	bad = ferror(f) != 0;
	if (fclose(f) || bad) {
		fprintf(stderr, "mmsim %s: writing %s failed\n", cmd, path);
		return 1;
	}
	return 0;
}
