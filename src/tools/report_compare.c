/*
 * report_compare.c - `mmsim report --compare OPTIONS ... TRACE`: one trace
 * replayed under several sets of options (placement policies, balancing,
 * tiering, machine shapes) and drawn on the same charts, so that two
 * policies can be told apart at a glance on a real program's accesses.
 *
 * Run A has the command line's own options; each --compare adds a run with
 * those options and the compared ones on top.  The page has a table of
 * what each run was and what came of it (simulated time, the share of
 * memory accesses served remotely, pages migrated, flushes, where the
 * pages ended up), then one chart per measure with a line per run, the
 * resident pages of each node, and the plotted data as CSV.  All runs are
 * sampled at the same accesses; a run that stopped early (--limit) ends
 * its lines there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"

/* A measure every run is drawn for: the value of sample v. */
struct measure {
	const char *id, *title, *ytitle;
	bool integer;
	double (*at)(const struct replay_sample *v);
};

static double sim_ms(const struct replay_sample *v)
{
	return (double)v->c.cycles / CYCLES_PER_MS;
}

static double remote_pct(const struct replay_sample *v)
{
	uint64_t all = v->c.mem_local + v->c.mem_remote;
	return all ? 100.0 * (double)v->c.mem_remote / (double)all : 0;
}

static double migrated(const struct replay_sample *v)
{
	return (double)v->c.pgmigrate_success;
}

static double hint_faults(const struct replay_sample *v)
{
	return (double)v->c.numa_hint_faults;
}

static double tlb_flushes(const struct replay_sample *v)
{
	return (double)v->c.tlb_flushes;
}

static double ipis(const struct replay_sample *v)
{
	return (double)v->c.ipis_sent;
}

static const struct measure measures[] = {
	{ "time", "Simulated CPU time (cumulative)", "ms simulated", false, sim_ms },
	{ "remote", "Memory accesses served by another node (cumulative share)",
	  "% of cache misses", false, remote_pct },
	{ "migrated", "Pages migrated (cumulative)", "pages", true, migrated },
	{ "hinting", "NUMA hinting faults (cumulative)", "faults", true, hint_faults },
	{ "tlb", "TLB flushes (cumulative)", "flushes", true, tlb_flushes },
	{ "ipis", "TLB shootdown IPIs sent (cumulative)", "IPIs", true, ipis },
};

#define NMEASURES (sizeof(measures) / sizeof(measures[0]))

/* The options of a run, as the page shows them. */
static void run_options(FILE *f, const struct compare_run *r, int argc, char **argv)
{
	static const char *const ours[] = { "--compare", "--sample", "--output", "-o" };

	fputs("<code>", f);
	if (!r->extra) {
		/* The command's replay options: not the page's own, not the
		 * trace (the last argument). */
		bool any = false;
		for (int i = 1; i < argc - 1; i++) {
			bool skip = false;
			for (size_t k = 0; k < sizeof ours / sizeof ours[0]; k++) {
				size_t len = strlen(ours[k]);
				if (!strncmp(argv[i], ours[k], len) &&
				    (!argv[i][len] || argv[i][len] == '=')) {
					skip = true;
					i += !argv[i][len];	/* its value follows */
				}
			}
			if (skip)
				continue;
			html_escape(f, argv[i]);
			fputc(' ', f);
			any = true;
		}
		if (!any)
			fputs("(defaults)", f);
	} else {
		fputs("A + ", f);
		html_escape(f, r->extra);
	}
	fputs("</code>", f);
}

static void runs_table(FILE *f, const struct compare_run *runs, unsigned nruns, int argc,
		       char **argv)
{
	fputs("<h2 id=\"runs\">The runs</h2>\n<table class=\"run\">\n<tr><th>Run</th><th>Options"
	      "</th><th>ms simulated</th><th>remote accesses</th><th>pages migrated</th>"
	      "<th>hinting faults</th><th>TLB flushes</th><th>IPIs</th><th>resident pages per "
	      "node at the end</th></tr>\n", f);
	for (unsigned r = 0; r < nruns; r++) {
		const struct replay_samples *sm = &runs[r].sm;
		const struct replay_sample *v = sm->n ? &sm->v[sm->n - 1] : NULL;

		fprintf(f, "<tr><th>%s</th><td>", runs[r].label);
		run_options(f, &runs[r], argc, argv);
		if (!v) {
			fputs("</td><td colspan=\"7\">no sample</td></tr>\n", f);
			continue;
		}
		fprintf(f, "</td><td>%.3f</td><td>%.1f%%</td><td>%" PRIu64 "</td><td>%" PRIu64
			   "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>", sim_ms(v),
			remote_pct(v), v->c.pgmigrate_success, v->c.numa_hint_faults,
			v->c.tlb_flushes, v->c.ipis_sent);
		for (unsigned k = 0; k < sm->nodes; k++)
			fprintf(f, "%snode %u: %" PRIu64, k ? ", " : "", k, v->pages[k]);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The CSV download: accesses, then each run's measures and pages. */
static void compare_csv(FILE *f, const char *file, const struct compare_run *runs,
			unsigned nruns, const double *x, const size_t *idx, size_t np)
{
	fprintf(f, "<p class=\"download\"><a download=\"%s.csv\" href=\"data:text/csv;charset=utf-8,"
		   "accesses", file);
	for (unsigned r = 0; r < nruns; r++) {
		for (size_t m = 0; m < NMEASURES; m++)
			fprintf(f, ",%s_%s", runs[r].label, measures[m].id);
		for (unsigned k = 0; k < runs[r].sm.nodes; k++)
			fprintf(f, ",%s_node%u_pages", runs[r].label, k);
	}
	for (size_t i = 0; i < np; i++) {
		fprintf(f, "%%0A%.0f", x[i]);
		for (unsigned r = 0; r < nruns; r++) {
			const struct replay_samples *sm = &runs[r].sm;
			const struct replay_sample *v = idx[i] < sm->n ? &sm->v[idx[i]] : NULL;

			for (size_t m = 0; m < NMEASURES; m++) {
				if (v)
					fprintf(f, ",%.6g", measures[m].at(v));
				else
					fputc(',', f);
			}
			for (unsigned k = 0; k < sm->nodes; k++) {
				if (v)
					fprintf(f, ",%" PRIu64, v->pages[k]);
				else
					fputc(',', f);
			}
		}
	}
	fprintf(f, "%%0A\">Download the plotted data (CSV)</a>: %zu rows, a column per run and "
		   "measure.</p>\n", np);
}

/* Run r's value at plotted point i, or where it stopped (a shorter run
 * keeps its last value, and the legend says it stopped). */
static const struct replay_sample *sample_at(const struct compare_run *r, size_t i)
{
	return i < r->sm.n ? &r->sm.v[i] : &r->sm.v[r->sm.n - 1];
}

int write_compare_page(FILE *f, const char *trace, const char *out,
		       const struct compare_run *runs, unsigned nruns, int argc, char **argv)
{
	size_t n = 0, stride, np;
	unsigned nodes = 0;
	char csvname[256];
	struct series s[REPORT_MAX_SERIES];
	char names[REPORT_MAX_SERIES][48];

	for (unsigned r = 0; r < nruns; r++) {
		if (runs[r].sm.n > n)
			n = runs[r].sm.n;
		if (runs[r].sm.nodes > nodes)
			nodes = runs[r].sm.nodes;
		if (!runs[r].sm.n)
			return -EINVAL;	/* replay_run always samples its end */
	}
	const struct replay_samples *longest = &runs[0].sm;
	for (unsigned r = 1; r < nruns; r++)
		if (runs[r].sm.n > longest->n)
			longest = &runs[r].sm;
	double *buf = calloc((size_t)(nruns + 1) * n, sizeof(double));
	size_t *idx = calloc(n, sizeof(*idx));
	if (!buf || !idx) {
		free(buf);
		free(idx);
		return -ENOMEM;
	}
	np = plot_points(n, idx, &stride);
	/* The moves are the options' and the same for every run that asks
	 * for one; NUMA scans differ by run and are not marked here. */
	struct replay_samples marks = { .ev = runs[0].sm.ev, .nev = 0 };
	for (size_t i = 0; i < runs[0].sm.nev; i++)
		if (runs[0].sm.ev[i].kind == REPLAY_EV_MOVE)
			marks.ev = &runs[0].sm.ev[i], marks.nev = 1;
	struct plot p = { .x = buf, .n = np, .sm = &marks };
	for (size_t i = 0; i < np; i++)
		buf[i] = (double)longest->v[idx[i]].accesses;
	axis_make(&p.xa, np ? buf[np - 1] : 0, true, true);
	for (unsigned r = 0; r < nruns; r++) {
		s[r].y = buf + (size_t)(r + 1) * n;
		snprintf(names[r], sizeof names[r], "%s%s", runs[r].label,
			 runs[r].sm.n < n ? " (stopped early)" : "");
		s[r].name = names[r];
	}

	page_head(f, "mmsim report: runs compared");
	fputs("<p>Trace <code>", f);
	html_escape(f, trace);
	fprintf(f, "</code> replayed %u times, sampled every %" PRIu64 " accesses (%zu points "
		   "plotted). Run A has the command's own options; each other run adds its "
		   "<code>--compare</code> options to them.", nruns, runs[0].sm.every, np);
	if (marks.nev)
		fputs(" The solid line marks the program's move to another CPU.", f);
	fputs("</p>\n", f);
	runs_table(f, runs, nruns, argc, argv);
	csv_name(csvname, sizeof csvname, out);
	compare_csv(f, csvname, runs, nruns, buf, idx, np);

	for (size_t m = 0; m < NMEASURES; m++) {
		for (unsigned r = 0; r < nruns; r++)
			for (size_t i = 0; i < np; i++)
				s[r].y[i] = measures[m].at(sample_at(&runs[r], idx[i]));
		chart(f, &p, measures[m].id, measures[m].title, measures[m].ytitle,
		      measures[m].integer, s, nruns);
	}
	for (unsigned k = 0; k < nodes; k++) {
		char id[32], title[64];

		for (unsigned r = 0; r < nruns; r++)
			for (size_t i = 0; i < np; i++)
				s[r].y[i] = k < runs[r].sm.nodes ?
						    (double)sample_at(&runs[r], idx[i])->pages[k] : 0;
		snprintf(id, sizeof id, "node%u", k);
		snprintf(title, sizeof title, "Resident pages on node %u", k);
		chart(f, &p, id, title, "resident pages (4 KiB)", true, s, nruns);
	}
	fputs("</body></html>\n", f);
	free(buf);
	free(idx);
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
