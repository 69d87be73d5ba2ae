/*
 * report_html.c - `mmsim report`: one HTML page of plots of a trace replay.
 *
 * The replay (replay.c, with every option of `mmsim replay`) is sampled
 * every --sample accesses; the page plots, against accesses replayed:
 * resident pages per node, TLB flushes and IPIs, NUMA hinting faults and
 * pages migrated, faults and TLB misses, and simulated CPU time.  Each plot
 * has real axes (1-2-5 ticks, gridlines, titles with units), marks the
 * replay's events (the move to another CPU, each NUMA scan) and leaves out,
 * by name, the series that are zero throughout.  The page also says what
 * machine and options the run had, and carries the plotted data as a CSV
 * download (a data: link, so it works from a file).
 *
 * Plots are inline SVG that scale to the page's width: the page is one
 * file with no script and nothing fetched.  At most REPORT_MAX_POINTS
 * samples are plotted (every k-th, and the last), so a long trace gives a
 * page of bounded size; --series has every sample.  A replay has no disk,
 * so the page says there is no journal activity to show rather than
 * drawing an empty plot.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "report_html.h"
#include "util.h"

/* NUMA scans are marked one by one up to this many; more are a rate. */
#define REPORT_MAX_MARKS 200

/* The drawing's units (the SVG's viewBox): it is scaled to the page. */
#define W 880.0
#define H 300.0
#define ML 80.0		/* margins: left (tick labels, axis title), right (legend), */
#define MR 220.0	/* top (the move's label), bottom (tick labels, axis title) */
#define MT 26.0
#define MB 46.0
#define ROW 15.0	/* a legend line */

/*
 * Eight colours told apart also by the colour-blind (Okabe and Ito's, with
 * black and brown for the yellow and grey that vanish on white); past
 * eight, dashes tell the series apart, which also survives a grey print.
 */
#define NCOLOURS 8
static const char *const palette[NCOLOURS] = { "#0072b2", "#d55e00", "#009e73", "#e69f00",
					       "#cc79a7", "#56b4e9", "#000000", "#8c6d31" };
static const char *const dashes[] = { "", "7 3", "2 2", "9 3 2 3" };

/*
 * Ticks at 1, 2 or 5 times a power of ten, about five of them from 0 to
 * at least max (to max exactly with fit: the run's last access ends the
 * x axis, not the next round number); counts never get fractional steps.
 * Labels are in thousands or millions past 10^4, so they stay short.
 */
void axis_make(struct axis *a, double max, bool integer, bool fit)
{
	double raw, mag, f;

	if (!(max > 0))
		max = integer ? 1 : 1e-3;
	raw = max / 5;
	for (mag = 1; mag * 10 <= raw; mag *= 10)	/* the power of ten at or below raw */
		;
	while (mag > raw)
		mag /= 10;
	f = raw / mag;
	a->step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	if (integer && a->step < 1)
		a->step = 1;
	/* The first step at or past max (a hair's tolerance for rounding). */
	f = (double)(uint64_t)(max / a->step);
	a->top = (f * a->step < max * (1 - 1e-9) ? f + 1 : f) * a->step;
	if (a->top <= 0)
		a->top = a->step;
	if (fit)
		a->top = max;
	if (a->top >= 1e6) {
		a->scale = 1e6;
		a->scale_name = " (millions)";
	} else if (a->top >= 1e4) {
		a->scale = 1e3;
		a->scale_name = " (thousands)";
	} else {
		a->scale = 1;
		a->scale_name = "";
	}
	a->decimals = 0;
	for (double s = a->step / a->scale; s < 1 - 1e-9 && a->decimals < 9; s *= 10)
		a->decimals++;
}

void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* Series k's stroke: colour and dash pattern, unique for the first 32. */
static void stroke(FILE *f, unsigned k)
{
	unsigned d = (k + k / NCOLOURS) % (sizeof(dashes) / sizeof(dashes[0]));

	fprintf(f, " stroke=\"%s\"", palette[k % NCOLOURS]);
	if (*dashes[d])
		fprintf(f, " stroke-dasharray=\"%s\"", dashes[d]);
}

static void x_axis(FILE *f, const struct plot *p, double pw, double y0)
{
	const struct axis *a = &p->xa;

	fputs("<g class=\"axis x\">\n", f);
	for (double v = 0; v <= a->top * (1 + 1e-9); v += a->step) {
		double x = ML + pw * v / a->top;

		fprintf(f, "<g class=\"tick\"><line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			   "y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text></g>\n",
			x, MT, x, y0, x, y0, x, y0 + 4, x, y0 + 16, a->decimals, v / a->scale);
	}
	fprintf(f, "<line class=\"domain\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		ML, y0, ML + pw, y0);
	fprintf(f, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
		   "accesses replayed%s</text>\n</g>\n", ML + pw / 2, y0 + 36, a->scale_name);
}

static void y_axis(FILE *f, const struct axis *a, const char *title, double pw, double y0,
		   double ph)
{
	fputs("<g class=\"axis y\">\n", f);
	for (double v = 0; v <= a->top * (1 + 1e-9); v += a->step) {
		double y = y0 - ph * v / a->top;

		fprintf(f, "<g class=\"tick\"><line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			   "y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text></g>\n",
			ML, y, ML + pw, y, ML - 4, y, ML, y, ML - 6, y + 4, a->decimals, v / a->scale);
	}
	fprintf(f, "<line class=\"domain\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		ML, MT, ML, y0);
	fprintf(f, "<text class=\"axis-title\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
		   "text-anchor=\"middle\">%s%s</text>\n</g>\n", 16.0, MT + ph / 2, title,
		a->scale_name);
}

/* The move and the NUMA scans: vertical lines behind the series. */
static void events(FILE *f, const struct plot *p, double pw, double y0)
{
	const struct replay_samples *sm = p->sm;

	fputs("<g class=\"events\">\n", f);
	for (size_t i = 0; i < sm->nev; i++) {
		const struct replay_event *e = &sm->ev[i];
		double x = ML + pw * (double)e->accesses / p->xa.top;

		if (e->kind == REPLAY_EV_NUMA_SCAN && !p->mark_scans)
			continue;
		fprintf(f, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			e->kind == REPLAY_EV_MOVE ? "move" : "scan", x, MT, x, y0);
		if (e->kind == REPLAY_EV_MOVE)
			fprintf(f, "<text class=\"move\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
				   "CPU %d \xe2\x86\x92 %d</text>\n", x, MT - 6, e->from, e->to);
	}
	fputs("</g>\n", f);
}

/* A legend line: a stroke sample, then its text. */
static void legend_row(FILE *f, double y, const char *cls, int k, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void legend_row(FILE *f, double y, const char *cls, int k, const char *fmt, ...)
{
	double x = W - MR + 12;
	va_list ap;

	fprintf(f, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", cls, x,
		y - 4, x + 22, y - 4);
	if (k >= 0)
		stroke(f, (unsigned)k);
	fprintf(f, "/><text x=\"%.1f\" y=\"%.1f\">", x + 28, y);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputs("</text>\n", f);
}

/*
 * One line chart: the series that are not zero throughout, over the
 * plotted samples, with the events; the others are named below it.  No
 * series left: a sentence instead of an empty plot.
 */
void chart(FILE *f, const struct plot *p, const char *id, const char *title, const char *ytitle,
	   bool integer, const struct series *s, unsigned ns)
{
	const struct replay_samples *sm = p->sm;
	unsigned shown = 0, hidden = 0, rows, k;
	bool moved = false;
	double ymax = 0, h, ph, pw = W - ML - MR, y0;
	struct axis ya;
	bool on[REPORT_MAX_SERIES];

	for (k = 0; k < ns; k++) {
		on[k] = false;
		for (size_t i = 0; i < p->n; i++) {
			if (s[k].y[i] != 0)
				on[k] = true;
			if (s[k].y[i] > ymax)
				ymax = s[k].y[i];
		}
		shown += on[k];
	}
	fprintf(f, "<h2 id=\"%s\">%s</h2>\n", id, title);
	if (!shown) {
		fputs("<p class=\"empty\">None in this run: ", f);
		for (k = 0; k < ns; k++)
			fprintf(f, "%s%s", k ? ", " : "", s[k].name);
		fputs(" stayed at zero.</p>\n", f);
		return;
	}
	for (size_t i = 0; i < sm->nev; i++)
		moved |= sm->ev[i].kind == REPLAY_EV_MOVE;
	rows = shown + moved + !!sm->nscans;
	/* Taller than the legend, so it never runs past the plot. */
	h = MT + 8 + ROW * rows + MB;
	if (h < H)
		h = H;
	ph = h - MT - MB;
	y0 = MT + ph;
	axis_make(&ya, ymax, integer, false);
	fprintf(f, "<svg class=\"chart\" id=\"%s-svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
		   "preserveAspectRatio=\"xMidYMin meet\" role=\"img\" aria-labelledby=\"%s-t\" "
		   "font-family=\"sans-serif\" font-size=\"11\">\n<title id=\"%s-t\">%s</title>\n",
		id, W, h, id, id, title);
	x_axis(f, p, pw, y0);
	y_axis(f, &ya, ytitle, pw, y0, ph);
	events(f, p, pw, y0);
	fputs("<g class=\"series\" fill=\"none\" stroke-width=\"1.6\" "
	      "stroke-linejoin=\"round\">\n", f);
	for (k = 0; k < ns; k++) {
		if (!on[k])
			continue;
		fprintf(f, "<path data-name=\"%s\"", s[k].name);
		stroke(f, k);
		fputs(" d=\"", f);
		for (size_t i = 0; i < p->n; i++)
			fprintf(f, "%c%.1f,%.1f", i ? 'L' : 'M', ML + pw * p->x[i] / p->xa.top,
				y0 - ph * s[k].y[i] / ya.top);
		fputs("\"/>\n", f);
	}
	fputs("</g>\n<g class=\"legend\">\n", f);
	rows = 0;
	for (k = 0; k < ns; k++)
		if (on[k])
			legend_row(f, MT + 12 + ROW * rows++, "key", (int)k, "%s (%.6g)", s[k].name,
				   p->n ? s[k].y[p->n - 1] : 0.0);
	for (size_t i = 0; i < sm->nev; i++)
		if (sm->ev[i].kind == REPLAY_EV_MOVE)
			legend_row(f, MT + 12 + ROW * rows++, "move", -1, "move at %" PRIu64,
				   sm->ev[i].accesses);
	if (sm->nscans)
		legend_row(f, MT + 12 + ROW * rows++, "scan", -1, "%" PRIu64 " NUMA scan%s%s",
			   sm->nscans, sm->nscans == 1 ? "" : "s", p->mark_scans ? "" : ", unmarked");
	fputs("</g>\n</svg>\n", f);
	for (k = 0; k < ns; k++) {
		if (on[k])
			continue;
		fprintf(f, "%s%s", hidden++ ? ", " : "<p class=\"hidden\">Zero throughout, not drawn: ",
			s[k].name);
	}
	if (hidden)
		fputs(".</p>\n", f);
}

/* The plots of counters (cumulative), after the pages-per-node one. */
struct counter_chart {
	const char *id, *title, *ytitle;
	double div;		/* the plotted value is the counter / div */
	unsigned n;
	struct {
		const char *name, *csv;
		size_t off;	/* in struct mmsim_counters */
	} s[3];
};

#define CTR(field) #field, offsetof(struct mmsim_counters, field)

static const struct counter_chart counter_charts[] = {
	{ "tlb", "TLB flushes and IPIs (cumulative)", "flushes and IPIs", 1, 3,
	  { { "TLB flushes", CTR(tlb_flushes) }, { "IPIs sent", CTR(ipis_sent) },
	    { "full flushes", CTR(tlb_flush_full) } } },
	{ "numa", "NUMA balancing (cumulative)", "hinting faults and pages", 1, 3,
	  { { "hinting faults", CTR(numa_hint_faults) }, { "local", CTR(numa_hint_faults_local) },
	    { "pages migrated", CTR(pgmigrate_success) } } },
	{ "faults", "Faults and TLB misses (cumulative)", "faults and misses", 1, 2,
	  { { "faults", CTR(faults) }, { "TLB misses", CTR(tlb_misses) } } },
	/* The data cache's misses, by whether the frame's node is the
	 * accessing CPU's: what placement is about. */
	{ "memory", "Memory accesses: cache misses by the node that served them (cumulative)",
	  "accesses", 1, 2,
	  { { "local node", CTR(mem_local) }, { "other nodes", CTR(mem_remote) } } },
	/* Every CPU's clock, summed: the program's time on the CPUs it ran on. */
	{ "time", "Simulated CPU time (cumulative)", "ms simulated", CYCLES_PER_MS, 1,
	  { { "CPU time", CTR(cycles) } } },
};

#define NCHARTS (sizeof(counter_charts) / sizeof(counter_charts[0]))

static uint64_t counter_at(const struct replay_sample *v, size_t off)
{
	return *(const uint64_t *)((const char *)&v->c + off);
}

/* "0-1,3" for a node mask. */
static void node_list(FILE *f, uint64_t mask)
{
	bool first = true;

	for (unsigned a = 0; a < 64; a++) {
		unsigned b = a;

		if (!(mask >> a & 1))
			continue;
		while (b < 63 && (mask >> (b + 1) & 1))
			b++;
		fprintf(f, b > a ? "%s%u-%u" : "%s%u", first ? "" : ",", a, b);
		first = false;
		a = b;
	}
}

uint64_t lower_tier_nodes(const struct mmsim_config *c)
{
	uint64_t mask = 0;
	unsigned top = 0;

	/* Linux's top tiers: up to the slowest one with a CPU (node n has
	 * one when n < cpus, CPU c sitting on node c mod nodes). */
	for (unsigned n = 0; n < c->nodes && n < MMSIM_MAX_NODES; n++) {
		unsigned a = c->adistance[n] ? c->adistance[n] : MMSIM_ADISTANCE_DRAM;

		if (n < c->cpus && a / 128 > top)
			top = a / 128;
	}
	for (unsigned n = 0; n < c->nodes && n < MMSIM_MAX_NODES; n++) {
		unsigned a = c->adistance[n] ? c->adistance[n] : MMSIM_ADISTANCE_DRAM;

		if (a / 128 > top)
			mask |= 1ULL << n;
	}
	return mask;
}

/* The machine and the replay's options: what the plots are of. */
static void run_table(FILE *f, const struct replay_opts *o, const struct replay_samples *sm,
		      int argc, char **argv)
{
	const struct mmsim_config *c = &o->cfg;
	static const char *const thp[] = { "never", "always", "madvise" };
	bool slit = false;

	for (unsigned a = 0; a < c->nodes; a++)
		for (unsigned b = 0; b < c->nodes; b++)
			slit |= c->distance[a][b] != 0;
	fputs("<h2 id=\"run\">The run</h2>\n<table class=\"run\">\n<tr><th>Command</th><td><code>mmsim",
	      f);
	for (int i = 0; i < argc; i++) {
		bool plain = *argv[i] && !argv[i][strspn(argv[i], "abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,:/+%@")];

		fputs(plain ? " " : " '", f);
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", f);
			else
				html_escape(f, (char[2]){ *p, 0 });
		}
		if (!plain)
			fputc('\'', f);
	}
	fprintf(f, "</code></td></tr>\n<tr><th>Machine</th><td>%u node%s, %u CPU%s (CPU <i>c</i> on "
		   "node <i>c</i> mod %u), %" PRIu64 " MiB per node; node distances %s</td></tr>\n",
		c->nodes, c->nodes == 1 ? "" : "s", c->cpus, c->cpus == 1 ? "" : "s", c->nodes,
		c->mem_per_node >> 20, slit ? "from a SLIT" : "10 local, 20 remote (Linux's default)");
	fprintf(f, "<tr><th>TLBs</th><td>4 KiB: %u sets &times; %u ways; 2 MiB: %u &times; %u; "
		   "flushes %s, ranges over %u pages flushed whole</td></tr>\n",
		c->tlb4k_sets, c->tlb4k_ways, c->tlb2m_sets, c->tlb2m_ways,
		c->flush_policy == MMSIM_FLUSH_PER_VMA ? "per VMA (per_vma)" : "gathered (gather)",
		c->flush_ceiling);
	fprintf(f, "<tr><th>Transparent huge pages</th><td>%s</td></tr>\n",
		(unsigned)c->thp < 3 ? thp[c->thp] : "?");
	fprintf(f, "<tr><th>Program</th><td>starts on CPU %d", o->cpu);
	if (o->move_at)
		fprintf(f, "; moves to CPU %d after %" PRIu64 " accesses", o->move_to, o->move_at);
	fputs("; memory policy ", f);
	if (o->policy < 0) {
		fputs("none (local first touch)", f);
	} else {
		fputs(replay_policy_name(o->policy), f);
		if (o->policy_nodes) {
			fputc(':', f);
			node_list(f, o->policy_nodes);
		}
	}
	fputs("</td></tr>\n<tr><th>NUMA balancing</th><td>", f);
	if (o->numa_scan)
		fprintf(f, "a scan of the whole address space every %" PRIu64 " accesses (%" PRIu64
			   " run)%s", o->numa_scan, sm->nscans,
			c->numa_balancing & MMSIM_NUMA_BALANCING_NORMAL ? "; " : "");
	if (c->numa_balancing & MMSIM_NUMA_BALANCING_NORMAL)
		fputs("automatic (--balancing: the periodic scanner on the simulated clock)", f);
	else if (!o->numa_scan)
		fputs("off (no --numa-scan or --balancing)", f);
	fputs("</td></tr>\n<tr><th>Memory tiering</th><td>", f);
	if (o->tiering) {
		fputs("nodes ", f);
		node_list(f, lower_tier_nodes(c));
		fputs(" (no CPU) are a lower tier (dax/kmem's abstract distance); reclaim demotes "
		      "to them, NUMA balancing's tiering mode promotes hot pages back", f);
	} else {
		fputs("off (one tier: no --tiering)", f);
	}
	fprintf(f, "</td></tr>\n<tr><th>Trace</th><td>instruction fetches %s",
		o->instr ? "replayed as loads" : "counted, not replayed");
	if (o->limit)
		fprintf(f, "; stops after %" PRIu64 " accesses", o->limit);
	fputs("</td></tr>\n</table>\n", f);
}

/* The plotted data as a data: URI, so the download works from a file. */
static void csv_link(FILE *f, const char *file, const double *x, size_t n, size_t *idx,
		     const struct replay_samples *sm)
{
	fprintf(f, "<p class=\"download\"><a download=\"%s.csv\" href=\"data:text/csv;charset=utf-8,"
		   "accesses", file);
	for (unsigned k = 0; k < sm->nodes; k++)
		fprintf(f, ",node%u_pages", k);
	for (size_t c = 0; c < NCHARTS; c++)
		for (unsigned k = 0; k < counter_charts[c].n; k++)
			fprintf(f, ",%s", counter_charts[c].s[k].csv);
	for (size_t i = 0; i < n; i++) {
		const struct replay_sample *v = &sm->v[idx[i]];

		fprintf(f, "%%0A%.0f", x[i]);
		for (unsigned k = 0; k < sm->nodes; k++)
			fprintf(f, ",%" PRIu64, v->pages[k]);
		for (size_t c = 0; c < NCHARTS; c++)
			for (unsigned k = 0; k < counter_charts[c].n; k++)
				fprintf(f, ",%" PRIu64, counter_at(v, counter_charts[c].s[k].off));
	}
	fprintf(f, "%%0A\">Download the plotted data (CSV)</a>: %zu rows (accesses, resident pages "
		   "per node, the counters plotted)", n);
	if (sm->nev) {
		fprintf(f, "; <a download=\"%s-events.csv\" href=\"data:text/csv;charset=utf-8,"
			   "accesses,event,from_cpu,to_cpu", file);
		for (size_t i = 0; i < sm->nev; i++) {
			const struct replay_event *e = &sm->ev[i];

			if (e->kind == REPLAY_EV_MOVE)
				fprintf(f, "%%0A%" PRIu64 ",move,%d,%d", e->accesses, e->from, e->to);
			else
				fprintf(f, "%%0A%" PRIu64 ",numa_scan,,", e->accesses);
		}
		fprintf(f, "%%0A\">the events (CSV)</a>: %zu%s", sm->nev,
			sm->nev == REPLAY_MAX_EVENTS ? ", the first ones" : "");
	}
	fputs(".</p>\n", f);
}

/* The CSV's file name: the page's without its directory and .html. */
void csv_name(char *buf, size_t len, const char *out)
{
	const char *base = strrchr(out, '/');
	size_t n;

	base = base ? base + 1 : out;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".html"))
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, base);
	for (char *p = buf; *p; p++)		/* it goes in an attribute */
		if (*p == '"' || *p == '<' || *p == '>' || *p == '&' || *p == '\'')
			*p = '_';
	if (!*buf)
		snprintf(buf, len, "mmsim-report");
}

size_t plot_points(size_t n, size_t *idx, size_t *stride)
{
	size_t np = 0;

	*stride = 1;
	/* Every stride-th sample and the last: at most REPORT_MAX_POINTS + 1. */
	if (n > REPORT_MAX_POINTS)
		*stride = (n - 1 + REPORT_MAX_POINTS - 2) / (REPORT_MAX_POINTS - 1);
	for (size_t i = 0; i < n; i += *stride)
		idx[np++] = i;
	if (n && idx[np - 1] != n - 1)
		idx[np++] = n - 1;
	return np;
}

void page_head(FILE *f, const char *title)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>%s</title>\n<style>\n"
		   "body{font-family:sans-serif;margin:2em auto;max-width:72em;padding:0 1em}\n"
		   "svg.chart{display:block;width:100%%;height:auto;margin-bottom:.5em}\n"
		   ".chart .grid{stroke:#e4e4e4}\n"
		   ".chart .tick line:not(.grid),.chart .domain{stroke:#444}\n"
		   ".chart .axis-title{font-size:12px}\n"
		   ".chart line.move{stroke:#333;stroke-width:1.5}\n"
		   ".chart line.scan{stroke:#999;stroke-dasharray:1 3}\n"
		   ".chart .legend line{stroke-width:2}\n"
		   "table.run{border-collapse:collapse}\n"
		   "table.run th{text-align:left;padding:.2em 1em .2em 0;vertical-align:top}\n"
		   "table.run td{padding:.2em 1em .2em 0;vertical-align:top}\n"
		   "p.hidden,p.empty{color:#555;font-size:90%%}\n"
		   "@media print{p.download{display:none}}\n"
		   "</style>\n</head><body>\n<h1>%s</h1>\n", title, title);
}

static int write_page(FILE *f, const char *trace, const char *out,
		      const struct replay_opts *o, const struct replay_samples *sm,
		      int argc, char **argv)
{
	size_t n = sm->n, np = 0, stride = 1;
	unsigned ns = sm->nodes > 3 ? sm->nodes : 3;
	double *buf;
	size_t *idx;
	struct series s[MMSIM_MAX_NODES];
	char names[MMSIM_MAX_NODES][16], csvname[256];
	struct plot p = { .sm = sm };

	buf = calloc((ns + 1) * (n ? n : 1), sizeof(double));
	idx = calloc(n ? n : 1, sizeof(*idx));
	if (!buf || !idx) {
		free(buf);
		free(idx);
		return -ENOMEM;
	}
	np = plot_points(n, idx, &stride);
	p.x = buf;
	p.n = np;
	for (size_t i = 0; i < np; i++)
		buf[i] = (double)sm->v[idx[i]].accesses;
	axis_make(&p.xa, np ? p.x[np - 1] : 0, true, true);
	p.mark_scans = sm->nscans <= REPORT_MAX_MARKS && sm->nscans <= sm->nev;
	for (unsigned k = 0; k < ns; k++)
		s[k].y = buf + (k + 1) * (n ? n : 1);

	page_head(f, "mmsim report");
	fputs("<p>Trace <code>", f);
	html_escape(f, trace);	/* a path is not markup */
	fprintf(f, "</code>: %" PRIu64 " accesses replayed, sampled every %" PRIu64
		   " (%zu samples), on %u nodes.", n ? sm->v[n - 1].accesses : 0, sm->every, n,
		sm->nodes);
	if (np < n)
		fprintf(f, " Plotted: every %zu%s sample and the last (%zu points); "
			   "<code>--series</code> writes them all.", stride,
			stride % 10 == 1 && stride % 100 != 11 ? "st" :
			stride % 10 == 2 && stride % 100 != 12 ? "nd" :
			stride % 10 == 3 && stride % 100 != 13 ? "rd" : "th", np);
	fputs(" Marked on every plot: the move to another CPU (a solid line) and each NUMA "
	      "balancing scan (dotted).</p>\n", f);
	run_table(f, o, sm, argc, argv);
	csv_name(csvname, sizeof(csvname), out);
	csv_link(f, csvname, p.x, np, idx, sm);

	for (unsigned k = 0; k < sm->nodes; k++) {
		snprintf(names[k], sizeof(names[k]), "node %u", k);
		s[k].name = names[k];
		for (size_t i = 0; i < np; i++)
			s[k].y[i] = (double)sm->v[idx[i]].pages[k];
	}
	chart(f, &p, "pages", "Resident pages per node", "resident pages (4 KiB)", true, s,
	      sm->nodes);
	uint64_t lower = lower_tier_nodes(&o->cfg);
	if (lower) {
		s[0].name = "top tier";
		s[1].name = "lower tiers";
		for (size_t i = 0; i < np; i++) {
			s[0].y[i] = s[1].y[i] = 0;
			for (unsigned k = 0; k < sm->nodes; k++)
				s[lower >> k & 1].y[i] += (double)sm->v[idx[i]].pages[k];
		}
		chart(f, &p, "tiers", "Resident pages per memory tier", "resident pages (4 KiB)",
		      true, s, 2);
	}

	for (size_t c = 0; c < NCHARTS; c++) {
		const struct counter_chart *ch = &counter_charts[c];

		for (unsigned k = 0; k < ch->n; k++) {
			s[k].name = ch->s[k].name;
			for (size_t i = 0; i < np; i++)
				s[k].y[i] = (double)counter_at(&sm->v[idx[i]], ch->s[k].off) / ch->div;
		}
		chart(f, &p, ch->id, ch->title, ch->ytitle, ch->div == 1, s, ch->n);
	}

	fputs("<h2 id=\"journal\">Journal activity</h2>\n<p>None: a trace replay uses anonymous "
	      "memory only, with no disk (the journal's figures are in <code>mmsim bench "
	      "journal</code>).</p>\n</body></html>\n", f);
	free(buf);
	free(idx);
	/* A page outgrows stdio's buffer: a write already failed, and the last
	 * flush meets the same error again (ENOSPC, EFBIG), not just "EIO". */
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Where the page goes.  A regular file, or a new one, gets the page by
 * rename from a temporary file beside it: a failed write leaves what was
 * there as it was, and the only file ever removed is that temporary one.
 * Anything else (a device, a pipe, a dangling symlink) is written in
 * place and never removed: `-o /dev/full` must not delete /dev/full.
 */
int page_open(struct page_out *po, const char *out)
{
	struct stat st, lst;
	bool exists = stat(out, &st) == 0;
	mode_t mode;
	int fd, err;

	memset(po, 0, sizeof(*po));
	if ((exists && !S_ISREG(st.st_mode)) || (!exists && lstat(out, &lst) == 0)) {
		po->f = fopen(out, "w");
		return po->f ? 0 : -errno;
	}
	if (exists && access(out, W_OK))	/* as fopen would have refused */
		return -errno;
	po->dest = exists ? realpath(out, NULL) : strdup(out);
	if (!po->dest)
		return -errno;
	const char *slash = strrchr(po->dest, '/');
	int dirlen = slash ? (int)(slash - po->dest) + 1 : 0;

	if (asprintf(&po->tmp, "%.*s.%s.XXXXXX", dirlen, po->dest,
		     po->dest + dirlen) < 0) {
		po->tmp = NULL;
		err = -ENOMEM;
		goto fail;
	}
	fd = mkstemp(po->tmp);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	/* The mode the file has, or fopen's 0666 less the umask. */
	if (exists) {
		mode = st.st_mode & 07777;
	} else {
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	}
	if (fchmod(fd, mode) || !(po->f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		unlink(po->tmp);
		goto fail;
	}
	return 0;
fail:
	free(po->tmp);
	free(po->dest);
	return err;
}

/* Closes, and on success puts the page in place; on failure removes only
 * the temporary file.  0 or -errno. */
int page_close(struct page_out *po, int err)
{
	if (fflush(po->f) && !err)
		err = -errno;
	if (po->tmp && !err && fsync(fileno(po->f)))
		err = -errno;
	if (fclose(po->f) && !err)
		err = -errno;
	if (po->tmp && !err && rename(po->tmp, po->dest))
		err = -errno;
	if (po->tmp && err)
		unlink(po->tmp);
	free(po->tmp);
	free(po->dest);
	return err;
}

static void report_usage(void)
{
	puts("usage: mmsim report [-o FILE.html] [--sample N] [--compare OPTIONS]...\n"
	     "                    [replay options] TRACE\n"
	     "\n"
	     "Replays TRACE as `mmsim replay` does (same options) and writes one HTML\n"
	     "page (default mmsim-report.html) plotting, every N accesses (default\n"
	     "10000): resident pages per node (and per memory tier), TLB flushes and\n"
	     "IPIs, NUMA balancing, faults and TLB misses, memory accesses served by\n"
	     "the local and other nodes, simulated CPU time; with the CPU move and NUMA\n"
	     "scans marked, the machine and options listed, and the plotted data as\n"
	     "a CSV download.  At most 1000 samples are plotted (every k-th).\n"
	     "\n"
	     "--compare OPTIONS (up to 7 times): replay again with the replay options\n"
	     "OPTIONS (one argument, split at spaces) added to the others, e.g.\n"
	     "--compare '--policy interleave:0-1' --compare --balancing; the page then\n"
	     "draws every run on the same charts: simulated time, the share of memory\n"
	     "accesses served remotely, pages migrated, hinting faults, TLB flushes,\n"
	     "IPIs and the resident pages of each node.");
}

#define MAX_COMPARE 7

/* The options of run k of a comparison: the command's (base, before
 * their checks), then the words of extra; 0, or 2 after a message. */
static int compare_opts(const struct replay_opts *base, const char *extra, struct replay_opts *o)
{
	static const struct option opts[] = { REPLAY_LONG_OPTIONS, { 0 } };
	char *copy = strdup(extra), *words[64], *save = NULL;
	int n = 1, c, rc = 0;

	if (!copy)
		return 2;
	words[0] = "--compare";
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == 63) {
			fprintf(stderr, "mmsim report: --compare '%s': too many words\n", extra);
			free(copy);
			return 2;
		}
		words[n++] = w;
	}
	words[n] = NULL;
	*o = *base;
	optind = 0;	/* a fresh scan of a new argument vector (GNU getopt) */
	while (!rc && (c = getopt_long(n, words, ":", opts, NULL)) != -1) {
		if (c == ':' || c == '?') {
			fprintf(stderr, "mmsim report: --compare '%s': %s %s\n", extra,
				c == ':' ? "a value is missing after" : "unrecognized option",
				words[optind - 1]);
			rc = 2;
		} else if (c == 'j' || c == 'T' || c == 'R') {
			fprintf(stderr, "mmsim report: --compare '%s': output options (--json, "
					"--trace, --series) belong to the command\n", extra);
			rc = 2;
		} else {
			rc = replay_opt(o, c, optarg);
		}
	}
	if (!rc && optind < n) {
		fprintf(stderr, "mmsim report: --compare '%s': '%s' is not an option\n", extra,
			words[optind]);
		rc = 2;
	}
	free(copy);
	return rc ? rc : replay_opts_check(o);
}

/* -o/--output, --sample and --compare are ours, the others replay's: 0,
 * 1 after --help, 2 on a usage error. */
static int report_args(int argc, char **argv, struct replay_opts *o, const char **out,
		       uint64_t *every, const char **trace, const char **compare,
		       unsigned *ncompare)
{
	static const struct option opts[] = {
		REPLAY_LONG_OPTIONS,
		{ "output", required_argument, NULL, 'o' },
		{ "sample", required_argument, NULL, 'S' },
		{ "compare", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	replay_opts_init(o);
	optind = 1;
	/* ':' first: the messages are ours, as they were before getopt. */
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			report_usage();
			return 1;
		case 'o':
			*out = optarg;
			break;
		case 'S':
			if (parse_u64(optarg, every) || !*every) {
				fprintf(stderr, "mmsim report: bad value '%s' for --sample\n", optarg);
				return 2;
			}
			break;
		case 'K':
			if (*ncompare == MAX_COMPARE) {
				fprintf(stderr, "mmsim report: at most %d --compare\n", MAX_COMPARE);
				return 2;
			}
			compare[(*ncompare)++] = optarg;
			break;
		case ':':
			fprintf(stderr, "mmsim report: %s needs a value\n", argv[optind - 1]);
			return 2;
		case '?':
			fprintf(stderr, "mmsim report: unrecognized option '%s'\n", argv[optind - 1]);
			replay_usage(stderr);
			return 2;
		default:
			if (replay_opt(o, c, optarg))
				return 2;
			break;
		}
	}
	return 0;
}

/* Writes the page: out's old content stays if anything fails. */
static int report_write(const char *out, const char *trace, const struct replay_opts *o,
			const struct replay_samples *sm, const struct compare_run *runs,
			unsigned nruns, int argc, char **argv)
{
	struct page_out po;
	int err = page_open(&po, out);

	if (err) {
		fprintf(stderr, "mmsim report: %s: %s\n", out, strerror(-err));
		return 1;
	}
	err = runs ? write_compare_page(po.f, trace, out, runs, nruns, argc, argv)
		   : write_page(po.f, trace, out, o, sm, argc, argv);
	err = page_close(&po, err);
	if (err) {
		fprintf(stderr, "mmsim report: writing %s: %s\n", out, strerror(-err));
		return 1;
	}
	return 0;
}

/* Replays trace once per run (A, then each --compare) and draws them. */
static int report_compare(const struct replay_opts *base, const struct replay_opts *a,
			  const char *trace, const char *out, uint64_t every,
			  const char **compare, unsigned ncompare, int argc, char **argv)
{
	unsigned nruns = ncompare + 1;
	struct compare_run *runs = calloc(nruns, sizeof(*runs));
	int rc = 0;

	if (!runs)
		return 1;
	if (!strcmp(trace, "-")) {
		fprintf(stderr, "mmsim report: --compare replays the trace several times: give a "
				"file, not standard input\n");
		free(runs);
		return 2;
	}
	for (unsigned r = 0; r < nruns && !rc; r++) {
		snprintf(runs[r].label, sizeof runs[r].label, "%c", 'A' + r);
		runs[r].extra = r ? compare[r - 1] : NULL;
		runs[r].sm.every = every;
		if (r)
			rc = compare_opts(base, compare[r - 1], &runs[r].o);
		else
			runs[r].o = *a;
		if (!rc && replay_run(&runs[r].o, trace, "report", &runs[r].sm, false))
			rc = 1;
	}
	if (!rc)
		rc = report_write(out, trace, NULL, NULL, runs, nruns, argc, argv);
	if (!rc)
		printf("report: %s (%u runs compared, %zu samples each)\n", out, nruns,
		       runs[0].sm.n);
	if (!rc && a->series)
		rc = replay_series_write(a->series, &runs[0].sm, "report");
	for (unsigned r = 0; r < nruns; r++) {
		free(runs[r].sm.v);
		free(runs[r].sm.ev);
	}
	free(runs);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct replay_samples sm = { .every = 10000 };
	const char *out = "mmsim-report.html", *trace = NULL, *compare[MAX_COMPARE];
	unsigned ncompare = 0;
	struct replay_opts o, base;
	int rc = report_args(argc, argv, &o, &out, &sm.every, &trace, compare, &ncompare);

	if (rc == 0 && ncompare) {
		/* The compared runs start from the options before their checks
		 * filled in defaults (--move-to follows their --cpu). */
		base = o;
		rc = replay_opts_finish(&o, argc, argv, &trace);
		if (!rc)
			return report_compare(&base, &o, trace, out, sm.every, compare, ncompare,
					      argc, argv);
	} else if (rc == 0) {
		rc = replay_opts_finish(&o, argc, argv, &trace);
	}
	if (rc)
		return rc == 1 ? 0 : rc;
	rc = replay_run(&o, trace, "report", &sm, false);
	if (!rc)
		rc = report_write(out, trace, &o, &sm, NULL, 0, argc, argv);
	if (!rc)
		printf("report: %s (%zu samples)\n", out, sm.n);
	if (!rc && o.series)
		rc = replay_series_write(o.series, &sm, "report");
	free(sm.v);
	free(sm.ev);
	return rc;
}
