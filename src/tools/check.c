/*
 * check.c - `mmsim check DIR...`: every X.mms below the directories that
 * has an X.out beside it (what Linux printed, from oracle/) is run and its
 * output compared line by line, `stats` lines aside.
 */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"
#include "util.h"

struct names {
	char **v;
	size_t n, cap;
};

static void names_add(struct names *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
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
		w->seen = xrealloc(w->seen, w->capseen * sizeof *w->seen);
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
	want = xrealloc(want, olen + 1);
	want[olen] = 0;
	char *got = NULL, *errs = NULL;
	size_t glen = 0, elen = 0;
	FILE *out = open_memstream(&got, &glen), *err = open_memstream(&errs, &elen);
	struct scenario *s = scenario_parse(path, text, len, err);
	int ret = s ? scenario_run(s, out, err, 0) : 2;
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

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'h')
			return 2;
		puts("usage: mmsim check DIR...\n\n"
		     "Runs every X.mms below each DIR that has an X.out beside it (the output\n"
		     "real Linux gave) and compares, line by line, ignoring `stats` lines.\n"
		     "Prints ok/FAIL per scenario and a closing 'N passed, M failed' line;\n"
		     "exits 1 if any failed.");
		return 0;
	}
	if (optind == argc) {
		fputs("usage: mmsim check DIR...\n", stderr);
		return 2;
	}
	struct names l = { 0 };
	struct walk w = { .out = &l };
	for (int i = optind; i < argc; i++) {
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
