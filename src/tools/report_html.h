/*
 * report_html.h - what `mmsim report`'s two pages share (report_html.c):
 * the line chart with real axes, the choice of samples to plot, the page's
 * head, and small HTML helpers.  report_compare.c draws several runs of
 * one trace on the same charts with them.
 */
#ifndef MMSIM_TOOLS_REPORT_HTML_H
#define MMSIM_TOOLS_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "replay.h"

/* Simulated cycles in a simulated millisecond (the cost model's clock). */
#define CYCLES_PER_MS ((double)MMSIM_CPU_MHZ * 1000)
/* At most this many samples are plotted (every k-th, and the last). */
#define REPORT_MAX_POINTS 1000
/* Series one chart can hold (nodes, or runs compared). */
#define REPORT_MAX_SERIES MMSIM_MAX_NODES

struct series {
	const char *name;	/* legend */
	const char *csv;	/* column of the CSV download */
	double *y;
};

/* One axis: 0 to top in steps of step, labelled in units of scale. */
struct axis {
	double top, step, scale;
	const char *scale_name;	/* "", " (thousands)", " (millions)" */
	int decimals;		/* of the labels */
};

struct plot {
	const double *x;	/* the plotted samples' accesses */
	size_t n;
	struct axis xa;
	const struct replay_samples *sm;	/* its events */
	bool mark_scans;	/* each scan drawn (not too many of them) */
};

void axis_make(struct axis *a, double max, bool integer, bool fit);
/* A line chart of the series (at most REPORT_MAX_SERIES) over p's points
 * with p's events; those zero throughout are named, not drawn. */
void chart(FILE *f, const struct plot *p, const char *id, const char *title, const char *ytitle,
	   bool integer, const struct series *s, unsigned ns);
/* Which of n samples to plot: their indexes into idx (room for n), the
 * stride into *stride; returns how many. */
size_t plot_points(size_t n, size_t *idx, size_t *stride);
/* The page's <head> with its style, and its <h1>. */
void page_head(FILE *f, const char *title);
void html_escape(FILE *f, const char *s);
/* The CSV downloads' base name: the page's file name without .html. */
void csv_name(char *buf, size_t len, const char *out);
/* The nodes below the top memory tiers of a machine (none: one tier). */
uint64_t lower_tier_nodes(const struct mmsim_config *c);

/* One run of a comparison: its label ("A"...), what was added to the
 * common options (NULL for the first run) and its samples. */
struct compare_run {
	char label[4];
	const char *extra;
	struct replay_opts o;
	struct replay_samples sm;
};

/* The comparison page (report_compare.c): 0 or -errno. */
int write_compare_page(FILE *f, const char *trace, const char *out,
		       const struct compare_run *runs, unsigned nruns, int argc, char **argv);

#endif
