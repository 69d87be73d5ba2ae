/*
 * garbage.c - feeds the scenario parser and runner malformed input: random
 * bytes, token soup, and real scenarios with lines dropped, duplicated,
 * swapped and tokens exchanged.  Every input must end in "parsed and ran"
 * (0) or a usage error (NULL with a FILE:LINE: message), never a crash, a
 * hang or a sanitizer report.  TAP output; argv[1] = seed, argv[2] = rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tools/scenario.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const seeds[] = {
	"machine nodes=2 cpus=2\na = mmap 16p rw\nwrite a 8p 0x11\nread a 16p\nnodes a*16\n"
	"vmas a 16p\nmunmap a+4p 4p\nfork c\nuse c\nwrite a 1p 2\nuse main\nread a 4p\n",
	"task t uid=1000 mems=1 cpu=1\nuse t\nb = mmap 4p rw shared populate\nmlock b 4p\n"
	"madvise b 2p dontneed\nh = hole 2p\nwrite h 1p\nmove_pages b*4 pid=main\nstats\n",
	"machine thp=always\nx = mmap 4m rw\nwrite x 1\nmunmap x+1m 1p\nnodes x*3\n"
	"madvise x 2m hugepage\nmunlock x 4m\nmprotect x 1p r\nmigrate_pages from=0 to=1\n",
	"machine flush=per_vma\nthread t cpu=1\nuse t\na = mmap 4p rw\nwrite a 4p\nfork k\nuse k\n"
	"thread u\nuse u\nmunmap a 1p\nexit\nuse k\nexit\nuse t\nexit\nuse main\nnodes a*4\n",
};

static const char *const tokens[] = {
	"machine", "task", "fork", "use", "file", "=", "mmap", "hole", "munmap", "mprotect",
	"write", "read", "move_pages", "nodes", "migrate_pages", "vmas", "mlock", "munlock",
	"msync", "fsync", "madvise", "crash", "reboot", "stats", "thread", "exit", "a", "b",
	"a+1p", "b*3",
	"4p", "1", "0", "0x10", "rw", "r", "none", "shared", "private", "populate", "locked",
	"to=1", "to=0,1", "pid=main", "pid=0", "flags=move_all", "from=0", "to=", "uid=5",
	"mems=1", "cpu=1", "dontneed", "hugepage", "#", "\t", ",", "*", "+", "-1", "2m",
	"99999999999999999999", "nodes=3", "thp=always",
};

static int try_text(const char *text, size_t len)
{
	FILE *devnull = fopen("/dev/null", "w");
	struct scenario *s = scenario_parse("garbage", text, len, devnull);
	int ret = 2;
	if (s) {
		ret = scenario_run(s, devnull, devnull, 0);
		scenario_free(s);
	}
	fclose(devnull);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 3000;
	if (argc > 1)
		rng = strtoull(argv[1], NULL, 0) | 1;
	char buf[4096];
	unsigned bad = 0, parsed = 0;

	for (unsigned r = 0; r < rounds; r++) {
		size_t n = 0;
		switch (r % 3) {
		case 0: /* random bytes, NULs included */
			n = next() % 512;
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)next();
			break;
		case 1: /* token soup */
			while (n < 1000) {
				const char *t = tokens[next() % (sizeof tokens / sizeof *tokens)];
				size_t k = strlen(t);
				memcpy(buf + n, t, k);
				n += k;
				buf[n++] = next() % 5 ? ' ' : '\n';
				if (next() % 40 == 0)
					break;
			}
			break;
		default: { /* a real scenario, mutated line by line */
			const char *src = seeds[next() % (sizeof seeds / sizeof *seeds)];
			const char *lines[64];
			size_t lens[64], nl = 0;
			for (const char *p = src; *p && nl < 64;) {
				const char *e = strchr(p, '\n');
				lines[nl] = p;
				lens[nl++] = (size_t)(e - p);
				p = e + 1;
			}
			for (unsigned k = 0; k < 1 + next() % 4; k++) {
				size_t i = next() % nl, j = next() % nl;
				const char *tl = lines[i];
				size_t tn = lens[i];
				lines[i] = lines[j];
				lens[i] = lens[j];
				lines[j] = tl;
				lens[j] = tn;
				if (next() % 3 == 0 && nl > 1)
					lens[next() % nl] = 0;	/* drop a line */
			}
			for (size_t i = 0; i < nl && n + lens[i] + 2 < sizeof buf; i++) {
				memcpy(buf + n, lines[i], lens[i]);
				n += lens[i];
				buf[n++] = '\n';
			}
			break;
		}
		}
		int ret = try_text(buf, n);
		if (ret == 0)
			parsed++;
		if (ret != 0 && ret != 2)
			bad++;
	}
	is(bad, 0, "%u inputs: each parsed and ran, or was a usage error", rounds);
	ok(parsed > 0, "some mutated scenarios still parsed and ran (%u)", parsed);
	/* Specific malformed inputs and the message they must give. */
	is(try_text("a = mmap 4p rw\nwrite b 1p\n", 26), 2, "an unbound name is a usage error");
	is(try_text("nodes a\n", 8), 2, "nodes before any mmap is a usage error");
	is(try_text("a = mmap 4p rw\nmachine nodes=2\n", 31), 2, "machine after a command");
	is(try_text("machine mem=3m\n", 15), 2, "a machine too small to boot is a usage error");
	is(try_text("machine nodes=65\n", 17), 2, "65 nodes is a usage error");
	is(try_text("task t\ntask t\n", 14), 2, "a task defined twice");
	is(try_text("a = mmap 4p rw\0\n", 16), 2, "a NUL byte");
	is(try_text("a = mmap 4p rwx\nwrite a 4p 256\n", 31), 2, "a byte above 255");
	is(try_text("", 0), 0, "an empty scenario runs");
	return done_testing();
}
