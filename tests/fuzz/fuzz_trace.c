/*
 * fuzz_trace.c - the lackey trace reader and `mmsim replay` against bad
 * input.
 *
 *  - Round trips: a record printed as lackey prints it parses back to
 *    exactly its kind, address and size (addresses and sizes at their
 *    limits too).
 *  - Random lines (mutated records, byte soup): the parser answers -1, 0
 *    or 1, and an access it accepts has a size in 1..TRACE_MAX_SIZE and
 *    does not wrap.
 *  - Whole traces (mutated, spliced, truncated, with garbage) replayed on a
 *    small machine with NUMA balancing and a move: exit 0 or 1, never a
 *    crash, a hang or a sanitizer report.
 *
 * Two entries: libFuzzer (clang, -DMMSIM_FUZZ=ON: the input is a trace),
 * and the CI driver (test_trace_garbage SEED ROUNDS, TAP output).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/replay.h"

static char trace_path[64];

/* Replays buf[0..len) as a trace file, quietly; cmd_replay's status. */
static int replay_bytes(const uint8_t *buf, size_t len)
{
	char *argv[] = { "replay",   "--mem",    "8m", "--limit", "3000", "--numa-scan",
			 "97",	     "--move-at", "500", "--instr", trace_path, NULL };
	int fd = open(trace_path, O_WRONLY | O_CREAT | O_TRUNC, 0600), out, rc;

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror(trace_path);
		exit(2);
	}
	close(fd);
	/*
	 * Only the report goes to /dev/null: stderr stays, so a sanitizer
	 * report, an abort's message or libFuzzer's own crash notice from
	 * inside the replay reaches the log (replay's one-line errors on bad
	 * input go there too).
	 */
	fflush(stdout);
	out = dup(1);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	close(fd);
	rc = cmd_replay(11, argv);
	fflush(stdout);
	dup2(out, 1);
	close(out);
	return rc;
}

static void setup(void)
{
	snprintf(trace_path, sizeof(trace_path), "/tmp/mmsim-trace-%d", (int)getpid());
}

#ifdef MMSIM_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!trace_path[0])
		setup();
	if (size > 1 << 16)
		return 0;
	if (replay_bytes(data, size) > 1)
		abort();	/* the arguments are fixed: never a usage error */
	return 0;
}
#else

#include "tap.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char kinds[] = "ILSM";

/* A record as lackey prints it (lower-case hex, at least 8 digits). */
static int print_record(char *out, size_t cap, char kind, uint64_t addr, unsigned size)
{
	if (kind == 'I')
		return snprintf(out, cap, "I  %08" PRIx64 ",%u", addr, size);
	return snprintf(out, cap, " %c %08" PRIx64 ",%u", kind, addr, size);
}

static uint64_t some_addr(void)
{
	switch (rnd() % 6) {
	case 0:
		return rnd();				/* anywhere, wraps too */
	case 1:
		return 0x7ffffffff000ull - rnd() % 8192;	/* the top of user space */
	case 2:
		return rnd() % 0x20000;			/* around mmap_min_addr */
	default:
		return 0x10000000 + rnd() % (64u << 20);	/* a heap */
	}
}

static unsigned some_size(void)
{
	static const unsigned s[] = { 0, 1, 2, 4, 8, 16, 32, 64, 4095, 4096, 4097, 99999 };
	return rnd() % 2 ? s[rnd() % 12] : (unsigned)(1 + rnd() % 5000);
}

/* Round trips of records within the limits. */
static int round_trips(unsigned n)
{
	char line[80];
	int bad = 0;

	for (unsigned i = 0; i < n; i++) {
		char kind = kinds[rnd() % 4];
		unsigned size = 1 + (unsigned)(rnd() % TRACE_MAX_SIZE);
		uint64_t addr = rnd() >> (rnd() % 64);
		struct trace_access a = { 0 };

		if (addr + size - 1 < addr)
			addr = 0;
		if (kind == 'I')
			snprintf(line, sizeof(line), "I  %" PRIx64 ",%u", addr, size);
		else
			snprintf(line, sizeof(line), " %c %" PRIx64 ",%u", kind, addr, size);
		if (trace_parse_line(line, &a) != 1 || a.kind != kind || a.addr != addr ||
		    a.size != size) {
			if (bad++ < 3)
				printf("# round trip failed: '%s'\n", line);
		}
	}
	return bad;
}

/* Random lines: only -1, 0 or 1, and accepted accesses within limits. */
static int random_lines(unsigned n)
{
	char line[96];
	int bad = 0;

	for (unsigned i = 0; i < n; i++) {
		struct trace_access a = { 0 };
		size_t len;
		int k;

		print_record(line, sizeof(line), kinds[rnd() % 4], some_addr(), some_size());
		len = strlen(line);
		for (unsigned m = (unsigned)(rnd() % 4); m; m--) {
			size_t at = rnd() % (len + 1);

			switch (rnd() % 3) {
			case 0:		/* a byte changed (never NUL: lines are strings) */
				if (at < len)
					line[at] = (char)(1 + rnd() % 255);
				break;
			case 1:		/* cut */
				line[at] = 0;
				len = at;
				break;
			default:	/* a byte added */
				if (len + 2 < sizeof(line)) {
					memmove(line + at + 1, line + at, len - at + 1);
					line[at] = (char)(1 + rnd() % 255);
					len++;
				}
			}
		}
		k = trace_parse_line(line, &a);
		if (k < -1 || k > 1 ||
		    (k == 1 && (!a.size || a.size > TRACE_MAX_SIZE || a.addr + a.size - 1 < a.addr)))
			bad++;
	}
	return bad;
}

/* Whole traces: exit status 0 or 1 only. */
static int whole_traces(unsigned n, unsigned *failed_cleanly)
{
	static uint8_t buf[1 << 16];
	int bad = 0;

	for (unsigned i = 0; i < n; i++) {
		size_t len = 0;
		unsigned records = 1 + (unsigned)(rnd() % 600);

		if (rnd() % 4 == 0)
			len += (size_t)snprintf((char *)buf, 64, "==77== Lackey\n");
		for (unsigned r = 0; r < records && len + 100 < sizeof(buf); r++) {
			uint64_t addr = rnd() % 500 ? 0x10000000 + rnd() % (32u << 20) : some_addr();
			unsigned size = rnd() % 500 ? 1u << (rnd() % 6) : some_size();

			len += (size_t)print_record((char *)buf + len, 100, kinds[rnd() % 4], addr,
						    size);
			buf[len++] = '\n';
		}
		for (unsigned m = (unsigned)(rnd() % 4 == 0); m && len; m--)
			buf[rnd() % len] = (uint8_t)rnd();	/* NULs included */
		if (rnd() % 5 == 0)
			len = rnd() % (len + 1);		/* truncated */
		int rc = replay_bytes(buf, len);

		if (rc != 0 && rc != 1) {
			if (bad++ < 3)
				printf("# trace %u: exit %d\n", i, rc);
		}
		*failed_cleanly += rc == 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 300, failed = 0;

	setup();
	rng = seed;
	is(round_trips(rounds * 20), 0, "%u records round-trip through the parser", rounds * 20);
	is(random_lines(rounds * 50), 0, "%u mutated lines: -1, 0 or 1, accesses within limits",
	   rounds * 50);
	is(whole_traces(rounds, &failed), 0, "%u mutated traces replayed: exit 0 or 1", rounds);
	ok(failed > 0 && failed < rounds, "... some failed cleanly (%u), some replayed", failed);
	unlink(trace_path);
	return done_testing();
}
#endif
