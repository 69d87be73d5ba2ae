/*
 * main.c - the mmsim command line: run, check, bench, replay, report, bcache.
 *
 * Exit status: 0 ok, 1 failure, 2 usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mmsim/mmsim.h>

#include "bcache_cmd.h"
#include "bench.h"
#include "replay.h"
#include "scenario.h"

/* The tour: what `mmsim run` shows when given no file. */
static const char tour[] =
	"# mmsim tour: a NUMA machine with two nodes; pages go where the CPU is.\n"
	"machine nodes=2 cpus=2 mem=256m\n"
	"a = mmap 16p rw                # private anonymous memory, not touched yet\n"
	"nodes a*4                      # never touched: ENOENT\n"
	"write a 8p 0x11                # first touch: zeroed pages on node 0\n"
	"read a+8p 8p                   # reads map the shared zero page\n"
	"nodes a*16                     # 8 pages on node 0, 8 on the zero page\n"
	"vmas a 16p\n"
	"task remote cpu=1              # a process on CPU 1, which sits on node 1\n"
	"use remote\n"
	"b = mmap 4p rw\n"
	"write b 4p\n"
	"nodes b*4                      # its pages are on node 1\n"
	"use main\n"
	"fork child                     # copy-on-write copy of main\n"
	"use child\n"
	"write a 1p 0x22                # the child's write copies one page\n"
	"read a 8p\n"
	"use main\n"
	"read a 8p                      # main still sees its own bytes\n"
	"munmap a+4p 4p                 # a hole in the middle splits the VMA\n"
	"vmas a 16p\n"
	"write a+4p 1p                  # SIGSEGV in the hole\n"
	"stats\n";

static void usage_main(FILE *f)
{
	fputs("usage: mmsim COMMAND [ARGS]\n"
	      "\n"
	      "Linux memory management on a simulated NUMA machine.\n"
	      "\n"
	      "commands:\n"
	      "  run [FILE.mms]   run a scenario (the built-in tour without FILE)\n"
	      "  check DIR        run every X.mms with an X.out beside it and compare\n"
	      "  bench NAME       run a benchmark: fault, access (list: mmsim bench --help)\n"
	      "  replay TRACE     replay a Valgrind lackey memory trace on the machine\n"
	      "  report TRACE     an HTML page of plots of a trace replay\n"
	      "  bcache CMD IMAGE bcache cache sets: format, show, dump-journal, fsck\n"
	      "  help             this text\n"
	      "\n"
	      "Every command takes --help.  Exit status: 0 ok, 1 failure, 2 usage error.\n",
	      f);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "disk", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	bool json = false;
	const char *disk = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jd:h", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'd') {
			disk = optarg;
		} else if (c == 'h') {
			puts("usage: mmsim run [--json] [--disk DIR] [FILE.mms]\n\n"
			     "Runs a scenario (the language: docs/scenarios.md) and prints one line per\n"
			     "command that reports a result.  Without FILE, runs the built-in tour.\n"
			     "FILE '-' reads standard input.  A malformed scenario is reported as\n"
			     "FILE:LINE: message with exit status 2, before anything runs.\n\n"
			     "Files live on disk images (cache.img, backing.img: a bcache cache set\n"
			     "holding mmfs) in a temporary directory removed at exit.  --disk DIR keeps\n"
			     "them in DIR (created if needed): a later run with the same DIR starts from\n"
			     "them, replaying their journal, and may name their files without `file`.");
			return 0;
		} else {
			return 2;
		}
	}
	if (argc - optind > 1) {
		fputs("mmsim run: one scenario file at most\n", stderr);
		return 2;
	}
	const char *name = optind < argc ? argv[optind] : "tour";
	char *text;
	size_t len;
	if (optind == argc) {
		len = sizeof tour - 1;
		text = strdup(tour);
	} else if (!strcmp(name, "-")) {
		text = read_whole_file("/dev/stdin", &len, stderr);
	} else {
		text = read_whole_file(name, &len, stderr);
	}
	if (!text)
		return 1;
	if (disk && mkdir(disk, 0777) && errno != EEXIST) {
		fprintf(stderr, "mmsim run: cannot create %s: %s\n", disk, strerror(errno));
		free(text);
		return 1;
	}
	struct scenario *s = scenario_parse_disk(name, text, len, stderr, disk);
	free(text);
	if (!s)
		return 2;
	int ret = scenario_run(s, stdout, stderr, json);
	scenario_free(s);
	return ret;
}

/* ---- check ---------------------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static void names_add(struct names *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		char **p = realloc(l->v, l->cap * sizeof *p);
		if (!p) {
			fputs("mmsim: out of memory\n", stderr);
			exit(1);
		}
		l->v = p;
	}
	l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories walked so far, by identity: a symlink back up the tree
 * (or a second path to one) would otherwise be walked again, and a few
 * such links make the walk exponential. */
struct walk {
	struct names *out;
	struct { dev_t dev; ino_t ino; } *seen;
	size_t nseen, capseen;
	int errors;		/* directories that could not be read */
};

static bool walk_seen(struct walk *w, const struct stat *st)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return true;
	if (w->nseen == w->capseen) {
		w->capseen = w->capseen ? w->capseen * 2 : 32;
		void *p = realloc(w->seen, w->capseen * sizeof *w->seen);
		if (!p) {
			fputs("mmsim: out of memory\n", stderr);
			exit(1);
		}
		w->seen = p;
	}
	w->seen[w->nseen].dev = st->st_dev;
	w->seen[w->nseen].ino = st->st_ino;
	w->nseen++;
	return false;
}

/* Every X.mms below dir (recursively) that has an X.out beside it.  A
 * directory that cannot be read is reported and counted: its scenarios
 * would otherwise pass unnoticed by not running. */
static void find_scenarios(const char *dir, struct walk *w, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat dst;
	if (!d) {
		fprintf(stderr, "mmsim check: %s: %s\n", dir, strerror(errno));
		w->errors++;
		return;
	}
	if (fstat(dirfd(d), &dst)) {
		fprintf(stderr, "mmsim check: %s: %s\n", dir, strerror(errno));
		w->errors++;
		closedir(d);
		return;
	}
	if (walk_seen(w, &dst)) {
		closedir(d);
		return;
	}
	if (depth > 16) {
		fprintf(stderr, "mmsim check: %s: more than 16 directories deep: not searched\n",
			dir);
		w->errors++;
		closedir(d);
		return;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno) {
				fprintf(stderr, "mmsim check: %s: %s\n", dir, strerror(errno));
				w->errors++;
			}
			break;
		}
		if (e->d_name[0] == '.')
			continue;
		char *path;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			continue;
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			find_scenarios(path, w, depth + 1);
			free(path);
			continue;
		}
		size_t n = strlen(path);
		if (n > 4 && !strcmp(path + n - 4, ".mms")) {
			char *o = strdup(path);
			if (o) {
				strcpy(o + n - 4, ".out");
				if (access(o, R_OK) == 0) {
					names_add(w->out, path);
					path = NULL;
				}
				free(o);
			}
		}
		free(path);
	}
	closedir(d);
}

/* Drops "N: stats = ..." lines: Linux prints none. */
static void drop_stats_lines(char *buf)
{
	char *w = buf;
	for (char *p = buf; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		char *colon = strstr(p, ": stats = ");
		bool stats = colon && colon < p + n;
		if (!stats) {
			memmove(w, p, n);
			w += n;
		}
		p += n;
	}
	*w = 0;
}

static void show_diff(const char *name, const char *want, const char *got)
{
	int shown = 0, line = 1;
	const char *a = want, *b = got;
	printf("FAIL %s\n", name);
	while ((*a || *b) && shown < 8) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t na = ea ? (size_t)(ea - a) : strlen(a), nb = eb ? (size_t)(eb - b) : strlen(b);
		if (na != nb || memcmp(a, b, na)) {
			/* Long status arrays are cut: the first 160 bytes tell. */
			printf("  line %d:\n    linux: %.*s%s\n    mmsim: %.*s%s\n", line,
			       (int)(na > 160 ? 160 : na), a, na > 160 ? "..." : "",
			       (int)(nb > 160 ? 160 : nb), b, nb > 160 ? "..." : "");
			shown++;
		}
		a += na + (ea ? 1 : 0);
		b += nb + (eb ? 1 : 0);
		line++;
	}
}

static int check_one(const char *path)
{
	size_t len, olen;
	char *text = read_whole_file(path, &len, stderr);
	if (!text)
		return 1;
	char *opath = strdup(path);
	strcpy(opath + strlen(opath) - 4, ".out");
	char *want = read_whole_file(opath, &olen, stderr);
	free(opath);
	if (!want) {
		free(text);
		return 1;
	}
	want = realloc(want, olen + 1);
	want[olen] = 0;
	char *got = NULL, *errs = NULL;
	size_t glen = 0, elen = 0;
	FILE *out = open_memstream(&got, &glen), *err = open_memstream(&errs, &elen);
	struct scenario *s = scenario_parse(path, text, len, err);
	int ret = s ? scenario_run(s, out, err, false) : 2;
	scenario_free(s);
	fclose(out);
	fclose(err);
	drop_stats_lines(got);
	int fail = ret != 0 || strcmp(want, got) != 0;
	if (ret) {
		printf("FAIL %s\n  %s", path, errs);
	} else if (fail) {
		show_diff(path, want, got);
	} else {
		printf("ok   %s\n", path);
	}
	free(text);
	free(want);
	free(got);
	free(errs);
	return fail;
}

static int cmd_check(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: mmsim check DIR...\n\n"
		     "Runs every X.mms below each DIR that has an X.out beside it (the output\n"
		     "real Linux gave) and compares, line by line, ignoring `stats` lines.\n"
		     "Prints ok/FAIL per scenario and a closing 'N passed, M failed' line;\n"
		     "exits 1 if any failed.");
		return 0;
	}
	if (argc < 2) {
		fputs("usage: mmsim check DIR...\n", stderr);
		return 2;
	}
	struct names l = { 0 };
	struct walk w = { .out = &l };
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "mmsim check: %s: not a directory\n", argv[i]);
			free(w.seen);
			return 2;
		}
		find_scenarios(argv[i], &w, 0);
	}
	free(w.seen);
	if (l.n)	/* qsort's array may not be NULL, even for no elements */
		qsort(l.v, l.n, sizeof *l.v, cmp_str);
	int failed = 0;
	for (size_t i = 0; i < l.n; i++) {
		failed += check_one(l.v[i]);
		free(l.v[i]);
	}
	free(l.v);
	printf("check: %zu passed, %d failed\n", l.n - (size_t)failed, failed);
	if (w.errors) {
		fprintf(stderr, "mmsim check: %d director%s not searched (see above)\n", w.errors,
			w.errors == 1 ? "y" : "ies");
		return 1;
	}
	if (!l.n) {
		fputs("mmsim check: no scenario with an .out file found\n", stderr);
		return 1;
	}
	return failed ? 1 : 0;
}

/*
 * Output that never reached standard output is a failure: `mmsim ... >
 * /dev/full` must not exit 0 (as coreutils' close_stdout).  Buffered
 * output is flushed here, so this is where a write error shows.
 */
static int finish_stdout(int rc)
{
	int err = fflush(stdout) ? errno : 0;

	if (!err && !ferror(stdout))
		return rc;
	fprintf(stderr, "mmsim: writing standard output: %s\n",
		err ? strerror(err) : "write error");
	return rc ? rc : 1;
}

static int run_command(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "help") || !strcmp(c, "--help") || !strcmp(c, "-h")) {
		usage_main(stdout);
		return 0;
	}
	if (!strcmp(c, "--version")) {
		puts("mmsim " MMSIM_VERSION);
		return 0;
	}
	if (!strcmp(c, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(c, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(c, "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(c, "bcache"))
		return cmd_bcache(argc - 1, argv + 1);
	if (!strcmp(c, "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(c, "report"))
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "mmsim: unknown command '%s' (see mmsim --help)\n", c);
	return 2;
}

int main(int argc, char **argv)
{
	return finish_stdout(run_command(argc, argv));
}
