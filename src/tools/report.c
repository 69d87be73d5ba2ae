/*
 * report.c - the metrics `mmsim bench` and `mmsim replay` print: a list that
 * grows as metrics are put, printed as `name = value unit` lines or as one
 * JSON object.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "util.h"

/* The next free metric, or NULL (counted in r->lost). */
static struct metric *report_slot(struct report *r)
{
	if (r->n == r->cap) {
		int cap = r->cap ? 2 * r->cap : 64;
		struct metric *m = realloc(r->m, (size_t)cap * sizeof(*m));
		if (!m) {
			r->lost++;
			return NULL;
		}
		r->m = m;
		r->cap = cap;
	}
	return &r->m[r->n++];
}

void put(struct report *r, const char *name, double v, const char *unit)
{
	struct metric *m = report_slot(r);
	if (!m)
		return;
	snprintf(m->name, sizeof m->name, "%s", name);
	m->value = v;
	m->unit = unit;
}

void putf(struct report *r, double v, const char *unit, const char *fmt, ...)
{
	struct metric *m = report_slot(r);
	if (!m)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->name, sizeof m->name, fmt, ap);
	va_end(ap);
	m->value = v;
	m->unit = unit;
}

/* Whole numbers (counters) exactly; others to 6 significant digits. */
static void print_value(double v)
{
	if (v == (double)(int64_t)v && v < 9007199254740992.0 && v > -9007199254740992.0)
		printf("%" PRId64, (int64_t)v);
	else
		printf("%.6g", v);
}

void report_print(const struct report *r, bool json)
{
	if (json) {
		printf("{");
		for (int i = 0; i < r->n; i++) {
			printf("%s\n  ", i ? "," : "");
			json_string(stdout, r->m[i].name);
			printf(": {\"value\": ");
			print_value(r->m[i].value);
			printf(", \"unit\": ");
			json_string(stdout, r->m[i].unit);
			putchar('}');
		}
		printf("\n}\n");
		return;
	}
	for (int i = 0; i < r->n; i++) {
		printf("%s = ", r->m[i].name);
		print_value(r->m[i].value);
		printf("%s%s\n", *r->m[i].unit ? " " : "", r->m[i].unit);
	}
}
