/*
 * scenario_json.c - `mmsim run --json`: each result line of a scenario as
 * one JSON object (JSON Lines), its fields typed.
 *
 * The objects are made from the result text itself, not from the values
 * behind it: the text is the contract with Linux (docs/scenarios.md), so
 * a JSON line can never say something its text line does not.  Every
 * object carries that text as "result"; the typed fields follow the
 * grammar of each verb's result (docs/json.md has every shape).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_impl.h"
#include "util.h"

/* An object being written: the separator before its next member. */
struct jobj {
	FILE *f;
	bool first;
};

/* s[0..n) as a JSON string. */
static void jstrn(FILE *f, const char *s, size_t n)
{
	char *tmp = xcalloc(1, n + 1);

	memcpy(tmp, s, n);
	json_string(f, tmp);
	free(tmp);
}

static void jkeyn(struct jobj *o, const char *k, size_t n)
{
	fputs(o->first ? "" : ", ", o->f);
	o->first = false;
	jstrn(o->f, k, n);
	fputs(": ", o->f);
}

static void jkey(struct jobj *o, const char *k)
{
	jkeyn(o, k, strlen(k));
}

/* s[0..n) as a whole decimal integer (an optional '-', digits); false if not. */
static bool int_of(const char *s, size_t n, long long *v)
{
	char buf[32];
	char *end;

	if (!n || n >= sizeof buf || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return !*end && !errno && end != buf && !(buf[0] == '-' && end == buf + 1);
}

/* A token as a number if it is a whole decimal one, else a string. */
static void jvalue(FILE *f, const char *s, size_t n)
{
	long long v;

	if (int_of(s, n, &v))
		fprintf(f, "%lld", v);
	else
		jstrn(f, s, n);
}

/* One entry of a status array: a node number, an errno name, or null for
 * `?` (an entry the system call did not write). */
static void jstatus_entry(FILE *f, const char *s, size_t n)
{
	if (n == 1 && s[0] == '?')
		fputs("null", f);
	else
		jvalue(f, s, n);
}

/* `[a,b,...]` (s[0..n), brackets included) as an array of entries. */
static void jstatus(FILE *f, const char *s, size_t n)
{
	const char *end = s + n - 1;

	fputc('[', f);
	for (const char *p = s + 1; p < end;) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		size_t len = q ? (size_t)(q - p) : (size_t)(end - p);

		if (p != s + 1)
			fputs(", ", f);
		jstatus_entry(f, p, len);
		p += len + (q ? 1 : 0);
	}
	fputc(']', f);
}

/* A node list as the contract prints it ("0-1,3", "none") as an array of
 * node numbers ([0, 1, 3], []). */
static void jnodelist(FILE *f, const char *s, size_t n)
{
	bool first = true;

	fputc('[', f);
	if (!(n == 4 && !memcmp(s, "none", 4))) {
		const char *e = s + n;

		for (const char *p = s; p < e;) {
			char *q;
			long lo = strtol(p, &q, 10), hi = lo;

			if (q < e && *q == '-')
				hi = strtol(q + 1, &q, 10);
			for (long k = lo; k <= hi; k++) {
				fprintf(f, "%s%ld", first ? "" : ", ", k);
				first = false;
			}
			p = q < e && *q == ',' ? q + 1 : e;
		}
	}
	fputc(']', f);
}

/* An offset as `vmas`, `numa_maps` and `smaps` print it ("4p", "-4p",
 * "100": pages or bytes) in bytes. */
static long long offset_bytes(const char *s, size_t n)
{
	bool neg = n && s[0] == '-';
	bool pages = n && s[n - 1] == 'p';
	long long v = strtoll(s + neg, NULL, 10) * (pages ? (long long)PAGE : 1);

	return neg ? -v : v;
}

/* The next blank-separated token of [*p, e): its start, and *n its length. */
static const char *token(const char **p, const char *e, size_t *n)
{
	const char *s = *p;

	while (s < e && *s == ' ')
		s++;
	const char *t = s;
	while (t < e && *t != ' ')
		t++;
	*n = (size_t)(t - s);
	*p = t;
	return *n ? s : NULL;
}

/* `name=value` tokens of [p, e) as members of o: status arrays as arrays,
 * node lists as arrays, hashes and modes as strings, numbers as numbers,
 * a token without '=' as name: true. */
/* distance's nodeN=D,D,...: {"distance": {"node0": [10, 20], ...}}. */
static void jdistance(struct jobj *o, const char *p, const char *e)
{
	struct jobj d = { o->f, true };
	size_t n;

	jkey(o, "distance");
	fputc('{', o->f);
	for (const char *t; (t = token(&p, e, &n));) {
		const char *eq = memchr(t, '=', n);

		if (!eq)
			continue;
		jkeyn(&d, t, (size_t)(eq - t));
		fputc('[', o->f);
		for (const char *v = eq + 1; v < t + n; v++)
			fputs(*v == ',' ? ", " : (char[2]){ *v, 0 }, o->f);
		fputc(']', o->f);
	}
	fputc('}', o->f);
}

static void jfields(struct jobj *o, const char *p, const char *e)
{
	size_t n;

	for (const char *t; (t = token(&p, e, &n));) {
		const char *eq = memchr(t, '=', n);

		if (!eq || eq == t) {
			jkeyn(o, t, n);
			fputs("true", o->f);
			continue;
		}
		const char *v = eq + 1;
		size_t vn = n - (size_t)(v - t), kn = (size_t)(eq - t);

		jkeyn(o, t, kn);
		if (vn >= 2 && v[0] == '[' && v[vn - 1] == ']')
			jstatus(o->f, v, vn);
		else if (kn == 5 && !memcmp(t, "nodes", 5))
			jnodelist(o->f, v, vn);
		else if ((kn == 3 && !memcmp(t, "fnv", 3)) || (kn == 4 && !memcmp(t, "mode", 4)))
			jstrn(o->f, v, vn);	/* hex digits, or a mode name */
		else
			jvalue(o->f, v, vn);
	}
}

/*
 * A status summary (`mmsim run --summary`): `pages=N [N<node>=K]...
 * [ERRNO=K]... [unset=K]` as {"pages": N, "nodes": {"<node>": K},
 * "errno": {"ERRNO": K}, "unset": K}.
 */
static void jsummary(struct jobj *o, const char *p, const char *e)
{
	struct jobj nodes = { o->f, true }, errs = { o->f, true };
	long long pages = 0, unset = 0;
	size_t n;

	jkey(o, "summary");
	fputs("{\"nodes\": {", o->f);
	for (const char *t, *q = p; (t = token(&q, e, &n));) {
		const char *eq = memchr(t, '=', n);

		if (eq && t[0] == 'N' && t[1] >= '0' && t[1] <= '9') {
			jkeyn(&nodes, t + 1, (size_t)(eq - t - 1));
			jvalue(o->f, eq + 1, n - (size_t)(eq + 1 - t));
		}
	}
	fputs("}, \"errno\": {", o->f);
	for (const char *t, *q = p; (t = token(&q, e, &n));) {
		const char *eq = memchr(t, '=', n);
		long long v = 0;

		if (!eq)
			continue;
		int_of(eq + 1, n - (size_t)(eq + 1 - t), &v);
		if (t[0] == 'E') {
			jkeyn(&errs, t, (size_t)(eq - t));
			fprintf(o->f, "%lld", v);
		} else if (!strncmp(t, "pages=", 6)) {
			pages = v;
		} else if (!strncmp(t, "unset=", 6)) {
			unset = v;
		}
	}
	fprintf(o->f, "}, \"pages\": %lld, \"unset\": %lld}", pages, unset);
}

/* The status part of move_pages or nodes: the array or its summary. */
static void jstatus_part(struct jobj *o, const char *p, const char *e)
{
	while (p < e && *p == ' ')
		p++;
	if (p < e && *p == '[') {
		jkey(o, "status");
		jstatus(o->f, p, (size_t)(e - p));
	} else if (p < e && !strncmp(p, "status=", 7)) {
		jkey(o, "status");
		jstatus(o->f, p + 7, (size_t)(e - p - 7));
	} else {
		jsummary(o, p, e);
	}
}

/* `vmas`: `[0p,4p) rw-p [4p,8p) r--p` (or `[]`). */
static void jvmas(struct jobj *o, const char *p, const char *e)
{
	bool first = true;
	size_t n, pn;

	jkey(o, "vmas");
	fputc('[', o->f);
	for (const char *t; (t = token(&p, e, &n)) && n > 2;) {
		const char *comma = memchr(t, ',', n);
		const char *perms = token(&p, e, &pn);

		if (!comma || !perms)
			break;
		fprintf(o->f, "%s{\"start\": %lld, \"end\": %lld, \"perms\": ", first ? "" : ", ",
			offset_bytes(t + 1, (size_t)(comma - t - 1)),
			offset_bytes(comma + 1, (size_t)(t + n - comma - 2)));
		jstrn(o->f, perms, pn);
		fputc('}', o->f);
		first = false;
	}
	fputc(']', o->f);
}

/*
 * One `numa_maps` entry: `[START] POLICY fields...`, the N<node>=pages
 * fields nested as "nodes": {"<node>": pages}.
 */
static void jnuma_entry(FILE *f, const char *p, const char *e)
{
	struct jobj o = { f, true }, nodes = { f, true };
	size_t n;
	const char *t = token(&p, e, &n);

	fputc('{', f);
	if (t && n >= 2) {
		jkey(&o, "start");
		fprintf(f, "%lld", offset_bytes(t + 1, n - 2));
	}
	if ((t = token(&p, e, &n))) {
		jkey(&o, "policy");
		jstrn(f, t, n);
	}
	/* The per-node page counts first, then the other fields. */
	jkey(&o, "nodes");
	fputc('{', f);
	for (const char *q = p; (t = token(&q, e, &n));) {
		const char *eq = memchr(t, '=', n);

		if (eq && t[0] == 'N' && t[1] >= '0' && t[1] <= '9') {
			jkeyn(&nodes, t + 1, (size_t)(eq - t - 1));
			jvalue(f, eq + 1, n - (size_t)(eq + 1 - t));
		}
	}
	fputc('}', f);
	for (const char *q = p; (t = token(&q, e, &n));) {
		const char *eq = memchr(t, '=', n);

		if (eq && t[0] == 'N' && t[1] >= '0' && t[1] <= '9')
			continue;
		if (!eq) {
			jkeyn(&o, t, n);
			fputs("true", f);
		} else {
			jkeyn(&o, t, (size_t)(eq - t));
			jvalue(f, eq + 1, n - (size_t)(eq + 1 - t));
		}
	}
	fputc('}', f);
}

/* One `smaps` entry: `[START,END) Name=kB... THPeligible=0|1 VmFlags=a,b`. */
static void jsmaps_entry(FILE *f, const char *p, const char *e)
{
	struct jobj o = { f, true };
	size_t n;
	const char *t = token(&p, e, &n);
	const char *comma = t ? memchr(t, ',', n) : NULL;

	fputc('{', f);
	if (comma && n >= 4) {
		fprintf(f, "\"start\": %lld, \"end\": %lld",
			offset_bytes(t + 1, (size_t)(comma - t - 1)),
			offset_bytes(comma + 1, (size_t)(t + n - comma - 2)));
		o.first = false;
	}
	while ((t = token(&p, e, &n))) {
		const char *eq = memchr(t, '=', n);

		if (!eq)
			continue;
		jkeyn(&o, t, (size_t)(eq - t));
		if (eq - t == 7 && !memcmp(t, "VmFlags", 7)) {
			/* Two-letter flags, comma-separated: an array of them. */
			const char *v = eq + 1, *ve = t + n;

			fputc('[', f);
			for (const char *q = v; q < ve;) {
				const char *c = memchr(q, ',', (size_t)(ve - q));
				size_t len = c ? (size_t)(c - q) : (size_t)(ve - q);

				fputs(q == v ? "" : ", ", f);
				jstrn(f, q, len);
				q += len + (c ? 1 : 0);
			}
			fputc(']', f);
		} else {
			jvalue(f, eq + 1, n - (size_t)(eq + 1 - t));
		}
	}
	fputc('}', f);
}

/* `numa_maps` and `smaps`: entries joined by ` | `, or `none`. */
static void jviews(struct jobj *o, const char *verb, const char *p, const char *e, bool smaps)
{
	jkey(o, verb);
	fputc('[', o->f);
	if (strcmp(p, "none")) {
		for (const char *q = p; q < e;) {
			const char *bar = strstr(q, " | ");
			const char *qe = bar ? bar : e;

			fputs(q == p ? "" : ", ", o->f);
			if (smaps)
				jsmaps_entry(o->f, q, qe);
			else
				jnuma_entry(o->f, q, qe);
			q = bar ? bar + 3 : e;
		}
	}
	fputc(']', o->f);
}

/* Is token t one of stats' per-node (N<n>.) or per-CPU (C<c>.) fields? */
static bool stats_nested(const char *t, char prefix)
{
	return t[0] == prefix && t[1] >= '0' && t[1] <= '9';
}

/* The fields X<n>.name=value of one prefix as "key": {"<n>": {"name": value}}. */
static void jstats_nested(struct jobj *s, const char *p, const char *e, char prefix,
			  const char *key)
{
	struct jobj outer = { s->f, true }, inner = { s->f, true };
	long cur = -1;
	size_t n;

	jkey(s, key);
	fputc('{', s->f);
	for (const char *q = p, *t; (t = token(&q, e, &n));) {
		const char *eq = memchr(t, '=', n);
		char *dot;

		if (!eq || !stats_nested(t, prefix))
			continue;
		long nd = strtol(t + 1, &dot, 10);

		if (*dot != '.' || dot > eq)
			continue;
		if (nd != cur) {
			char k[24];

			if (cur >= 0)
				fputc('}', s->f);
			snprintf(k, sizeof k, "%ld", nd);
			jkey(&outer, k);
			fputc('{', s->f);
			inner.first = true;
			cur = nd;
		}
		jkeyn(&inner, dot + 1, (size_t)(eq - dot - 1));
		jvalue(s->f, eq + 1, n - (size_t)(eq + 1 - t));
	}
	if (cur >= 0)
		fputc('}', s->f);
	fputc('}', s->f);
}

/*
 * `stats`: the machine's counters as numbers, each node's figures (the
 * N<node>.name=value fields) nested as "nodes": {"<node>": {"name": value}}
 * and each CPU's (C<cpu>.name=value) as "cpus": {"<cpu>": {...}}.
 */
static void jstats(struct jobj *o, const char *p, const char *e)
{
	struct jobj s = { o->f, true };
	size_t n;

	jkey(o, "stats");
	fputc('{', o->f);
	for (const char *q = p, *t; (t = token(&q, e, &n));) {
		const char *eq = memchr(t, '=', n);

		if (!eq || stats_nested(t, 'N') || stats_nested(t, 'C'))
			continue;
		jkeyn(&s, t, (size_t)(eq - t));
		jvalue(o->f, eq + 1, n - (size_t)(eq + 1 - t));
	}
	jstats_nested(&s, p, e, 'N', "nodes");
	jstats_nested(&s, p, e, 'C', "cpus");
	fputc('}', o->f);
}

void scenario_json_result(FILE *f, const char *name, int line, const char *verb,
			  const char *res)
{
	struct jobj o = { f, true };
	const char *e = res + strlen(res);
	long long v;
	size_t n;

	fputc('{', f);
	jkey(&o, "scenario");
	json_string(f, name);
	jkey(&o, "line");
	fprintf(f, "%d", line);
	jkey(&o, "verb");
	json_string(f, verb);
	jkey(&o, "result");
	json_string(f, res);

	if (!strcmp(res, "killed")) {
		jkey(&o, "killed");
		fputs("true", f);
	} else if (!strncmp(res, "-1 E", 4) && !strchr(res + 3, ' ')) {
		jkey(&o, "ret");
		fputs("-1", f);
		jkey(&o, "errno");
		json_string(f, res + 3);
	} else if (!strncmp(res, "SIGSEGV +", 9) || !strncmp(res, "SIGBUS +", 8)) {
		const char *sp = strchr(res, ' ');

		jkey(&o, "signal");
		jstrn(f, res, (size_t)(sp - res));
		jkey(&o, "page");
		fprintf(f, "%lld", strtoll(sp + 2, NULL, 10));
	} else if (!strcmp(verb, "nodes")) {
		jstatus_part(&o, res, e);
	} else if (!strcmp(verb, "move_pages")) {
		const char *p = res, *t = token(&p, e, &n);

		if (t && int_of(t, n, &v)) {
			jkey(&o, "ret");
			fprintf(f, "%lld", v);
		}
		jstatus_part(&o, p, e);
	} else if (!strcmp(verb, "vmas")) {
		jvmas(&o, res, e);
	} else if (!strcmp(verb, "numa_maps") || !strcmp(verb, "smaps")) {
		jviews(&o, verb, res, e, verb[0] == 's');
	} else if (!strcmp(verb, "vmstat")) {
		struct jobj vs = { f, true };

		jkey(&o, "vmstat");
		fputc('{', f);
		if (strcmp(res, "none"))
			jfields(&vs, res, e);
		fputc('}', f);
	} else if (!strcmp(verb, "stats")) {
		jstats(&o, res, e);
	} else if (!strcmp(verb, "distance")) {
		jdistance(&o, res, e);
	} else {
		/* `ok`, a return value, then name=value fields. */
		const char *p = res, *t = token(&p, e, &n);

		if (t && n == 2 && !memcmp(t, "ok", 2)) {
			jkey(&o, "ok");
			fputs("true", f);
		} else if (t && int_of(t, n, &v)) {
			jkey(&o, "ret");
			fprintf(f, "%lld", v);
		} else {
			p = res;
		}
		jfields(&o, p, e);
	}
	fputs("}\n", f);
}
