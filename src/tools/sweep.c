/*
 * sweep.c - `mmsim sweep expand SPEC` and `mmsim sweep merge FILE...`.
 *
 * A run is one deterministic process, so a sweep needs no scheduler of
 * its own: expand writes the runs as shell command lines, one per line,
 * for whatever runs them (GNU parallel on local cores or over ssh, a Slurm
 * job array, plain sh), and merge joins what they printed, JSON objects
 * one per line, into one CSV table.  The spec (docs/sweep.md):
 *
 *	# comment
 *	param NAME VALUE...
 *	command TEMPLATE
 *
 * TEMPLATE is the rest of its line, with {NAME} replaced by a value of
 * parameter NAME, {mmsim} by this mmsim's path and {run} by the run's
 * number (1, 2, ...).  The first parameter varies slowest.
 */
#include "sweep.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symtab.h"
#include "util.h"

#define SWEEP_MAX_RUNS 1000000	/* more is a mistake in the spec, not a sweep */
#define SWEEP_MAX_PARAMS 64

struct param {
	char *name;
	char **val;
	int n;
	int line;
	bool used;
};

struct spec {
	struct param p[SWEEP_MAX_PARAMS];
	int n;
	char *command;
	int command_line;
};

static void spec_free(struct spec *s)
{
	for (int i = 0; i < s->n; i++) {
		for (int k = 0; k < s->p[i].n; k++)
			free(s->p[i].val[k]);
		free(s->p[i].val);
		free(s->p[i].name);
	}
	free(s->command);
}

static bool name_ok(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static struct param *param_find(struct spec *s, const char *name, size_t n)
{
	for (int i = 0; i < s->n; i++)
		if (strlen(s->p[i].name) == n && !memcmp(s->p[i].name, name, n))
			return &s->p[i];
	return NULL;
}

/* A usage error in the spec: "SPEC:LINE: message". */
__attribute__((format(printf, 3, 4)))
static int spec_err(const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* Every {NAME} of the template names a parameter (or is {mmsim} or
 * {run}), and every parameter is used: a parameter that changes nothing
 * would only repeat runs. */
static int spec_check_template(struct spec *s, const char *path)
{
	for (const char *p = s->command; (p = strchr(p, '{'));) {
		const char *e = strchr(p, '}');

		if (!e)
			return spec_err(path, s->command_line, "'{' without '}' in the command");
		size_t n = (size_t)(e - p - 1);
		struct param *q = param_find(s, p + 1, n);

		if (q)
			q->used = true;
		else if (!(n == 5 && !memcmp(p + 1, "mmsim", 5)) && !(n == 3 && !memcmp(p + 1, "run", 3)))
			return spec_err(path, s->command_line, "unknown parameter {%.*s} in the command",
					(int)n, p + 1);
		p = e + 1;
	}
	for (int i = 0; i < s->n; i++)
		if (!s->p[i].used)
			return spec_err(path, s->p[i].line, "parameter %s is not used in the command",
					s->p[i].name);
	return 0;
}

/* 0, or 1 (the file) or 2 (the spec) after a message. */
static int spec_parse(struct spec *s, const char *path)
{
	size_t len;
	char *text = read_whole_file(path, &len, stderr);
	int rc = 0, line = 0;

	if (!text)
		return 1;
	if (memchr(text, 0, len)) {
		free(text);
		return spec_err(path, 1, "not a text file (a NUL byte)");
	}
	for (char *l = text, *next; l && !rc; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = 0;
		line++;
		char *hash = strchr(l, '#');

		/* A comment runs to the end of the line, but not in the command:
		 * a shell command may hold '#'. */
		while (*l == ' ' || *l == '\t')
			l++;
		if (!strncmp(l, "command", 7) && (l[7] == ' ' || l[7] == '\t')) {
			char *c = l + 8, *e = c + strlen(c);

			while (*c == ' ' || *c == '\t')
				c++;
			while (e > c && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
				*--e = 0;
			if (s->command)
				rc = spec_err(path, line, "a second command (the first: line %d)",
					      s->command_line);
			else if (!*c)
				rc = spec_err(path, line, "an empty command");
			if (!rc) {
				s->command = strdup(c);
				s->command_line = line;
			}
			continue;
		}
		if (hash)
			*hash = 0;
		char *save, *w = strtok_r(l, " \t\r", &save);

		if (!w)
			continue;
		if (strcmp(w, "param")) {
			rc = spec_err(path, line, "unknown directive '%s' (param, command)", w);
			break;
		}
		char *name = strtok_r(NULL, " \t\r", &save);

		if (!name || !name_ok(name, strlen(name))) {
			rc = spec_err(path, line, "param: a name of letters, digits and '_' expected");
		} else if (param_find(s, name, strlen(name)) || !strcmp(name, "mmsim") ||
			   !strcmp(name, "run")) {
			rc = spec_err(path, line, "parameter %s defined twice (or reserved)", name);
		} else if (s->n == SWEEP_MAX_PARAMS) {
			rc = spec_err(path, line, "more than %d parameters", SWEEP_MAX_PARAMS);
		} else {
			struct param *p = &s->p[s->n++];

			p->name = strdup(name);
			p->line = line;
			for (char *v; (v = strtok_r(NULL, " \t\r", &save));) {
				p->val = xrealloc(p->val, (size_t)(p->n + 1) * sizeof *p->val);
				p->val[p->n++] = strdup(v);
			}
			if (!p->n)
				rc = spec_err(path, line, "parameter %s has no values", name);
		}
	}
	free(text);
	if (!rc && !s->command) {
		fprintf(stderr, "%s: no command line\n", path);
		rc = 2;
	}
	if (!rc)
		rc = spec_check_template(s, path);
	return rc;
}

/* v as one shell word: as it is when it needs no quoting, else in single
 * quotes ('\'' for a quote inside). */
static void shell_word(FILE *f, const char *v)
{
	if (*v && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./:=,+@%-") == strlen(v)) {
		fputs(v, f);
		return;
	}
	fputc('\'', f);
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", f);
		else
			fputc(*v, f);
	}
	fputc('\'', f);
}

static int sweep_expand(const char *path)
{
	struct spec s = { 0 };
	int rc = spec_parse(&s, path);
	char self[PATH_MAX];
	ssize_t k;

	if (rc) {
		spec_free(&s);
		return rc;
	}
	k = readlink("/proc/self/exe", self, sizeof self - 1);
	snprintf(self + (k > 0 ? k : 0), sizeof self - (size_t)(k > 0 ? k : 0), "%s",
		 k > 0 ? "" : "mmsim");
	uint64_t runs = 1;

	for (int i = 0; i < s.n; i++) {
		runs *= (uint64_t)s.p[i].n;
		if (runs > SWEEP_MAX_RUNS) {
			spec_free(&s);
			return spec_err(path, s.p[i].line, "more than %d runs", SWEEP_MAX_RUNS);
		}
	}
	int *idx = xcalloc((size_t)s.n + 1, sizeof *idx);

	for (uint64_t run = 1; run <= runs; run++) {
		for (const char *p = s.command; *p;) {
			const char *b = strchr(p, '{');

			if (!b) {
				fputs(p, stdout);
				break;
			}
			fwrite(p, 1, (size_t)(b - p), stdout);
			const char *e = strchr(b, '}');
			size_t n = (size_t)(e - b - 1);
			struct param *q = param_find(&s, b + 1, n);

			if (q)
				shell_word(stdout, q->val[idx[q - s.p]]);
			else if (n == 3)
				printf("%llu", (unsigned long long)run);
			else
				shell_word(stdout, self);
			p = e + 1;
		}
		putchar('\n');
		/* The next combination: the last parameter varies fastest. */
		for (int i = s.n - 1; i >= 0; i--) {
			if (++idx[i] < s.p[i].n)
				break;
			idx[i] = 0;
		}
	}
	free(idx);
	spec_free(&s);
	return 0;
}

/* ---- merge: JSON lines into CSV -------------------------------------------------- */

/* One row: the cells it has, by column. */
struct cell {
	int col;
	char *val;
};

struct row {
	struct cell *c;
	int n, cap;
	bool scratch;	/* an array's elements, only checked: no columns */
};

struct merge {
	struct symtab cols;
	struct row *rows;
	size_t nrows, cap;
	/* The line being parsed, for messages. */
	const char *path;
	long line;
	const char *why;
};

static void row_put(struct merge *m, struct row *r, const char *key, char *val)
{
	int col = r->scratch ? 0 : sym_find(&m->cols, key);

	if (r->scratch) {
		free(val);
		return;
	}
	if (col < 0)
		col = sym_add(&m->cols, key);
	/* A key twice in one object: the last one counts, as in most
	 * JSON readers. */
	for (int i = 0; i < r->n; i++) {
		if (r->c[i].col == col) {
			free(r->c[i].val);
			r->c[i].val = val;
			return;
		}
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->c = xrealloc(r->c, (size_t)r->cap * sizeof *r->c);
	}
	r->c[r->n++] = (struct cell){ col, val };
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A growing string. */
struct str {
	char *s;
	size_t n, cap;
};

static void str_putn(struct str *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

/* A JSON string at p (its opening quote) decoded into b (UTF-8); the
 * position after it, or NULL. */
static const char *parse_string(const char *p, struct str *b)
{
	str_putn(b, "", 0);
	for (p++; *p != '"'; p++) {
		char c = *p;

		if ((unsigned char)c < 0x20)
			return NULL;	/* the end of the line, or a raw control byte */
		if (c != '\\') {
			str_putn(b, p, 1);
			continue;
		}
		c = *++p;
		const char *plain = strchr("\"\\/bfnrt", c);

		if (!c)
			return NULL;
		if (plain && c != 'u') {
			static const char out[] = "\"\\/\b\f\n\r\t";

			str_putn(b, &out[plain - "\"\\/bfnrt"], 1);
			continue;
		}
		if (c != 'u')
			return NULL;
		unsigned u = 0;

		for (int i = 1; i <= 4; i++) {
			char h = p[i];

			u <<= 4;
			if (h >= '0' && h <= '9')
				u |= (unsigned)(h - '0');
			else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
				u |= (unsigned)((h | 0x20) - 'a' + 10);
			else
				return NULL;
		}
		p += 4;
		/* UTF-8 of the code unit; surrogates pass as they are (a CSV
		 * cell, not a validator). */
		char enc[3];

		if (u < 0x80) {
			enc[0] = (char)u;
			str_putn(b, enc, 1);
		} else if (u < 0x800) {
			enc[0] = (char)(0xc0 | (u >> 6));
			enc[1] = (char)(0x80 | (u & 0x3f));
			str_putn(b, enc, 2);
		} else {
			enc[0] = (char)(0xe0 | (u >> 12));
			enc[1] = (char)(0x80 | ((u >> 6) & 0x3f));
			enc[2] = (char)(0x80 | (u & 0x3f));
			str_putn(b, enc, 3);
		}
	}
	return p + 1;
}

/* A number, true, false or null at p: its end, or NULL. */
static const char *parse_scalar(const char *p)
{
	static const char *const words[] = { "true", "false", "null" };

	for (int i = 0; i < 3; i++)
		if (!strncmp(p, words[i], strlen(words[i])))
			return p + strlen(words[i]);
	const char *q = p;

	if (*q == '-')
		q++;
	if (*q < '0' || *q > '9')
		return NULL;
	while ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
	       *q == '-')
		q++;
	return q;
}

/*
 * The value at p, under key (the path of the object keys above it, joined
 * by '.'): an object adds its members (recursively), an array is one cell
 * holding its JSON text, a string its text, anything else as written
 * (null: an empty cell).  Its end, or NULL with m->why.
 */
static const char *parse_value(struct merge *m, struct row *r, const char *p, struct str *key,
			       int depth)
{
	p = skip_ws(p);
	if (depth > 64) {
		m->why = "nested too deep";
		return NULL;
	}
	if (*p == '{') {
		size_t base = key->n;

		p = skip_ws(p + 1);
		if (*p == '}')
			return p + 1;
		for (;;) {
			struct str k = { 0 };

			if (*p != '"' || !(p = parse_string(p, &k))) {
				free(k.s);
				m->why = "a member name expected";
				return NULL;
			}
			p = skip_ws(p);
			if (*p != ':') {
				free(k.s);
				m->why = "':' expected";
				return NULL;
			}
			key->n = base;
			if (base)
				str_putn(key, ".", 1);
			str_putn(key, k.s, k.n);
			free(k.s);
			if (!(p = parse_value(m, r, p + 1, key, depth + 1)))
				return NULL;
			key->n = base;
			key->s[base] = 0;
			p = skip_ws(p);
			if (*p == '}')
				return p + 1;
			if (*p != ',') {
				m->why = "',' or '}' expected";
				return NULL;
			}
			p = skip_ws(p + 1);
		}
	}
	if (!key->n) {
		m->why = "not a JSON object";
		return NULL;
	}
	if (*p == '[') {
		/* The array's text, checked by parsing its elements into a
		 * throwaway row. */
		const char *start = p;
		struct row tmp = { .scratch = true };
		struct str k = { 0 };

		str_putn(&k, "x", 1);
		p = skip_ws(p + 1);
		if (*p != ']') {
			for (;;) {
				if (!(p = parse_value(m, &tmp, p, &k, depth + 1)))
					break;
				p = skip_ws(p);
				if (*p == ']')
					break;
				if (*p != ',') {
					m->why = "',' or ']' expected";
					p = NULL;
					break;
				}
				p++;
			}
		}
		free(k.s);
		if (!p)
			return NULL;
		p++;
		row_put(m, r, key->s, strndup(start, (size_t)(p - start)));
		return p;
	}
	if (*p == '"') {
		struct str v = { 0 };

		if (!(p = parse_string(p, &v))) {
			free(v.s);
			m->why = "a bad string";
			return NULL;
		}
		row_put(m, r, key->s, v.s ? v.s : strdup(""));
		return p;
	}
	const char *e = parse_scalar(p);

	if (!e) {
		m->why = "a value expected";
		return NULL;
	}
	row_put(m, r, key->s, !strncmp(p, "null", 4) ? strdup("") : strndup(p, (size_t)(e - p)));
	return e;
}

/* Every line of f: 0, or 1 after a message. */
static int merge_file(struct merge *m, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	m->line = 0;
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		m->line++;
		if (memchr(line, 0, (size_t)n)) {
			fprintf(stderr, "mmsim sweep merge: %s:%ld: a NUL byte\n", m->path, m->line);
			rc = 1;
			break;
		}
		const char *p = skip_ws(line);

		if (!*p)
			continue;
		struct row r = { 0 };
		struct str key = { 0 };

		str_putn(&key, "", 0);
		m->why = NULL;
		p = *p == '{' ? parse_value(m, &r, p, &key, 0) : NULL;
		if (p && *skip_ws(p))
			m->why = "more after the object";
		free(key.s);
		if (!p || m->why) {
			fprintf(stderr, "mmsim sweep merge: %s:%ld: %s\n", m->path, m->line,
				m->why ? m->why : "not a JSON object");
			for (int i = 0; i < r.n; i++)
				free(r.c[i].val);
			free(r.c);
			rc = 1;
			break;
		}
		if (m->nrows == m->cap) {
			m->cap = m->cap ? 2 * m->cap : 64;
			m->rows = xrealloc(m->rows, m->cap * sizeof *m->rows);
		}
		m->rows[m->nrows++] = r;
	}
	free(line);
	if (!rc && ferror(f)) {
		fprintf(stderr, "mmsim sweep merge: %s: %s\n", m->path, strerror(errno));
		rc = 1;
	}
	return rc;
}

/* A CSV cell (RFC 4180): quoted when it holds a comma, a quote, a line
 * break or blanks at its ends. */
static void csv_cell(FILE *f, const char *v)
{
	size_t n = strlen(v);

	if (!strpbrk(v, ",\"\r\n") && !(n && (v[0] == ' ' || v[n - 1] == ' '))) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static int sweep_merge(int argc, char **argv)
{
	struct merge m = { 0 };
	int rc = 0;

	for (int i = 0; i < argc && !rc; i++) {
		bool in = !strcmp(argv[i], "-");
		FILE *f = in ? stdin : fopen(argv[i], "r");

		m.path = in ? "(standard input)" : argv[i];
		if (!f) {
			fprintf(stderr, "mmsim sweep merge: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
			break;
		}
		rc = merge_file(&m, f);
		if (!in)
			fclose(f);
	}
	if (!rc) {
		const char **cells = xcalloc((size_t)m.cols.n + 1, sizeof *cells);

		/* The header: every key met, in the order first met. */
		for (int c = 0; c < m.cols.n; c++) {
			fputs(c ? "," : "", stdout);
			csv_cell(stdout, m.cols.v[c]);
		}
		putchar('\n');
		for (size_t i = 0; i < m.nrows; i++) {
			for (int c = 0; c < m.cols.n; c++)
				cells[c] = "";
			for (int k = 0; k < m.rows[i].n; k++)
				cells[m.rows[i].c[k].col] = m.rows[i].c[k].val;
			for (int c = 0; c < m.cols.n; c++) {
				fputs(c ? "," : "", stdout);
				csv_cell(stdout, cells[c]);
			}
			putchar('\n');
		}
		free(cells);
	}
	for (size_t i = 0; i < m.nrows; i++) {
		for (int k = 0; k < m.rows[i].n; k++)
			free(m.rows[i].c[k].val);
		free(m.rows[i].c);
	}
	free(m.rows);
	sym_free(&m.cols);
	return rc;
}

static void sweep_usage(FILE *f)
{
	fputs("usage: mmsim sweep expand SPEC\n"
	      "       mmsim sweep merge FILE...\n"
	      "\n"
	      "A parameter sweep, run by a batch engine rather than by mmsim.  expand\n"
	      "prints one shell command line per combination of SPEC's parameters (the\n"
	      "first varies slowest); merge reads the JSON lines the runs printed (FILE\n"
	      "'-': standard input) and prints them as one CSV table: one row per line,\n"
	      "one column per key (nested keys joined by '.', arrays as their JSON text),\n"
	      "the columns in the order first met.  SPEC:\n"
	      "\n"
	      "  # a comment\n"
	      "  param flush gather per_vma\n"
	      "  param nodes 2 4\n"
	      "  command {mmsim} replay --json --flush {flush} --nodes {nodes} app.trace\n"
	      "\n"
	      "{NAME} is a value of parameter NAME (shell-quoted), {mmsim} this mmsim,\n"
	      "{run} the run's number from 1.  For example, on the local cores:\n"
	      "\n"
	      "  mmsim sweep expand SPEC | parallel -k > runs.jsonl\n"
	      "  mmsim sweep merge runs.jsonl > table.csv\n"
	      "\n"
	      "(docs/sweep.md: many machines with --sshloginfile, a Slurm job array.)\n",
	      f);
}

int cmd_sweep(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help"))) {
		sweep_usage(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "expand"))
		return sweep_expand(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "merge"))
		return sweep_merge(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "expand") && strcmp(argv[1], "merge"))
		fprintf(stderr, "mmsim sweep: unknown subcommand '%s' (expand, merge)\n", argv[1]);
	sweep_usage(stderr);
	return 2;
}
