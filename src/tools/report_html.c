/*
 * report_html.c - `mmsim report`: one HTML page of plots of a trace replay.
 *
 * The replay (replay.c, with every option of `mmsim replay`) is sampled
 * every --sample accesses; the page plots, against accesses replayed:
 * resident pages per node, TLB flushes and IPIs, NUMA hinting faults and
 * pages migrated, and faults.  Plots are inline SVG: the page is one file
 * with no script and nothing fetched.  A replay has no disk, so the page
 * says there is no journal activity to show rather than drawing an empty
 * plot.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "util.h"

#define W 640.0
#define H 240.0
#define ML 70.0		/* margins: left (labels), right, top, bottom */
#define MR 150.0
#define MT 28.0
#define MB 34.0
#define MAX_SERIES 8

static const char *const palette[MAX_SERIES] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
						 "#9467bd", "#8c564b", "#e377c2", "#7f7f7f" };

struct series {
	const char *name;
	double *y;
};

/* One line chart of up to MAX_SERIES series over x. */
static void svg_chart(FILE *f, const char *title, const double *x, size_t n,
		      const struct series *s, unsigned ns)
{
	double xmax = n ? x[n - 1] : 0, ymax = 0;

	for (unsigned k = 0; k < ns; k++)
		for (size_t i = 0; i < n; i++)
			if (s[k].y[i] > ymax)
				ymax = s[k].y[i];
	if (xmax <= 0)
		xmax = 1;
	if (ymax <= 0)
		ymax = 1;
	fprintf(f, "<h2>%s</h2>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
		   "role=\"img\" aria-label=\"%s\">\n", title, W, H, W, H, title);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
		   "stroke=\"#999\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" font-size=\"11\">%.6g</text>\n",
		ML - 4, MT + 4, ymax);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" font-size=\"11\">0</text>\n",
		ML - 4, H - MB);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" font-size=\"11\">%.6g "
		   "accesses</text>\n", W - MR, H - MB + 16, xmax);
	for (unsigned k = 0; k < ns; k++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			palette[k % MAX_SERIES]);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%.1f,%.1f ", ML + (W - ML - MR) * x[i] / xmax,
				H - MB - (H - MT - MB) * s[k].y[i] / ymax);
		fprintf(f, "\"/>\n<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" fill=\"%s\">%s "
			   "(%.6g)</text>\n", W - MR + 8, MT + 14 + 16.0 * k, palette[k % MAX_SERIES],
			s[k].name, n ? s[k].y[n - 1] : 0.0);
	}
	fputs("</svg>\n", f);
}

/* The plots of counters (cumulative), after the pages-per-node one. */
struct counter_chart {
	const char *title;
	unsigned n;
	struct {
		const char *name;
		size_t off;		/* in struct mmsim_counters */
	} s[3];
};

#define CTR(field) offsetof(struct mmsim_counters, field)

static const struct counter_chart counter_charts[] = {
	{ "TLB flushes and IPIs (cumulative)", 3,
	  { { "TLB flushes", CTR(tlb_flushes) }, { "IPIs sent", CTR(ipis_sent) },
	    { "full flushes", CTR(tlb_flush_full) } } },
	{ "NUMA balancing (cumulative)", 3,
	  { { "hinting faults", CTR(numa_hint_faults) }, { "local", CTR(numa_hint_faults_local) },
	    { "pages migrated", CTR(pgmigrate_success) } } },
	{ "Faults and TLB misses (cumulative)", 2,
	  { { "faults", CTR(faults) }, { "TLB misses", CTR(tlb_misses) } } },
};

static int write_page(FILE *f, const char *trace, const struct replay_samples *sm)
{
	size_t n = sm->n;
	unsigned nodes = sm->nodes < MAX_SERIES ? sm->nodes : MAX_SERIES;
	double *buf = calloc((MAX_SERIES + 1) * (n ? n : 1), sizeof(double));
	double *x = buf;
	struct series s[MAX_SERIES];
	char names[MAX_SERIES][24];

	if (!buf)
		return -ENOMEM;
	for (unsigned k = 0; k < MAX_SERIES; k++)
		s[k].y = buf + (k + 1) * (n ? n : 1);
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>mmsim report</title>\n"
	      "<style>body{font-family:sans-serif;margin:2em;max-width:50em}"
	      "svg{display:block;margin-bottom:1em}</style>\n</head><body>\n", f);
	fprintf(f, "<h1>mmsim report</h1>\n<p>Trace <code>");
	for (const char *p = trace; *p; p++)	/* escaped: a path is not markup */
		fputs(*p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '&' ? "&amp;" :
		      (char[2]){ *p, 0 }, f);
	fprintf(f, "</code>: %" PRIu64 " accesses replayed, sampled every %" PRIu64
		   " (%zu samples), on %u nodes.</p>\n",
		n ? sm->v[n - 1].accesses : 0, sm->every, n, sm->nodes);
	for (size_t i = 0; i < n; i++)
		x[i] = (double)sm->v[i].accesses;

	for (unsigned k = 0; k < nodes; k++) {
		snprintf(names[k], sizeof(names[k]), "node %u", k);
		s[k].name = names[k];
		for (size_t i = 0; i < n; i++)
			s[k].y[i] = (double)sm->v[i].pages[k];
	}
	svg_chart(f, "Resident pages per node", x, n, s, nodes);

	for (size_t c = 0; c < sizeof(counter_charts) / sizeof(counter_charts[0]); c++) {
		const struct counter_chart *ch = &counter_charts[c];

		for (unsigned k = 0; k < ch->n; k++) {
			s[k].name = ch->s[k].name;
			for (size_t i = 0; i < n; i++)
				s[k].y[i] = (double)*(const uint64_t *)((const char *)&sm->v[i].c +
									ch->s[k].off);
		}
		svg_chart(f, ch->title, x, n, s, ch->n);
	}

	fputs("<h2>Journal activity</h2>\n<p>None: a trace replay uses anonymous memory only, "
	      "with no disk (the journal's figures are in <code>mmsim bench journal</code>).</p>\n"
	      "</body></html>\n", f);
	free(buf);
	return ferror(f) ? -EIO : 0;
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
	puts("usage: mmsim report [-o FILE.html] [--sample N] [replay options] TRACE\n"
	     "\n"
	     "Replays TRACE as `mmsim replay` does (same options) and writes one HTML\n"
	     "page (default mmsim-report.html) plotting, every N accesses (default\n"
	     "10000): resident pages per node, TLB flushes and IPIs, NUMA balancing,\n"
	     "faults and TLB misses.");
}

/* -o/--output and --sample are ours, the others replay's: 0, 1 after
 * --help, 2 on a usage error. */
static int report_args(int argc, char **argv, struct replay_opts *o, const char **out,
		       uint64_t *every, const char **trace)
{
	static const struct option opts[] = {
		REPLAY_LONG_OPTIONS,
		{ "output", required_argument, NULL, 'o' },
		{ "sample", required_argument, NULL, 'S' },
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
	return replay_opts_finish(o, argc, argv, trace);
}

int cmd_report(int argc, char **argv)
{
	struct replay_samples sm = { .every = 10000 };
	const char *out = "mmsim-report.html", *trace = NULL;
	struct replay_opts o;
	struct page_out po;
	int rc = report_args(argc, argv, &o, &out, &sm.every, &trace);

	if (rc)
		return rc == 1 ? 0 : rc;
	rc = replay_run(&o, trace, "report", &sm, false);
	if (rc) {
		free(sm.v);
		return rc;
	}
	int err = page_open(&po, out);

	if (err) {
		fprintf(stderr, "mmsim report: %s: %s\n", out, strerror(-err));
		free(sm.v);
		return 1;
	}
	err = page_close(&po, write_page(po.f, trace, &sm));
	if (err) {
		fprintf(stderr, "mmsim report: writing %s: %s\n", out, strerror(-err));
		free(sm.v);
		return 1;
	}
	printf("report: %s (%zu samples)\n", out, sm.n);
	rc = o.series ? replay_series_write(o.series, &sm, "report") : 0;
	free(sm.v);
	return rc;
}
