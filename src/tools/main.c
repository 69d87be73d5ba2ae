/*
 * main.c - the mmsim command line: run, check, bench, replay, report, sweep,
 * bcache.
 *
 * Exit status: 0 ok, 1 failure, 2 usage error.
 */
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
#include "check.h"
#include "replay.h"
#include "scenario.h"
#include "sweep.h"
#include "util.h"

/* The tour: what `mmsim run` shows when given no file.  It is
 * docs/tour.mms, made a string `tour` by the build (CMakeLists.txt). */
#include "tour.h"

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
	      "  sweep expand|merge  a parameter sweep: its command lines, their JSON as CSV\n"
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
		{ "trace", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
		{ "summary", no_argument, NULL, 's' }, { 0 }
	};
	unsigned flags = 0;
	const char *disk = NULL, *trace = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jd:h", opts, NULL)) != -1) {
		if (c == 'j') {
			flags |= SCENARIO_JSON;
		} else if (c == 's') {
			flags |= SCENARIO_SUMMARY;
		} else if (c == 'd') {
			disk = optarg;
		} else if (c == 'T') {
			trace = optarg;
		} else if (c == 'h') {
			puts("usage: mmsim run [--json] [--summary] [--disk DIR] [--trace FILE] [FILE.mms]\n\n"
			     "Runs a scenario (the language: docs/scenarios.md) and prints one line per\n"
			     "command that reports a result.  Without FILE, runs the built-in tour.\n"
			     "FILE '-' reads standard input.  A malformed scenario is reported as\n"
			     "FILE:LINE: message with exit status 2, before anything runs.\n\n"
			     "Files are tmpfs files, as on the reference Linux, unless the scenario\n"
			     "needs disks (--disk, or a crash or reboot): then they live on disk images\n"
			     "(cache.img, backing.img: a bcache cache set holding mmfs) in a temporary\n"
			     "directory removed at exit.  --disk DIR keeps them in DIR (created if\n"
			     "needed): a later run with the same DIR starts from them, replaying their\n"
			     "journal, and may name their files without `file`.\n\n"
			     "--trace FILE writes the run's trace events to FILE in Linux's text\n"
			     "format (docs/trace.md).\n\n"
			     "--json prints each result line as one JSON object on a line of its own,\n"
			     "the line's text and its fields typed (docs/json.md).  --summary prints\n"
			     "the status array of move_pages and nodes as counts, `pages=N N<node>=K\n"
			     "ERRNO=K unset=K`, instead of one entry per page: mmsim's own form, not\n"
			     "the contract's, which the default keeps.");
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
	FILE *tf = trace ? trace_file_start(trace, "run") : NULL;
	if (trace && !tf) {
		scenario_free(s);
		return 1;
	}
	int ret = scenario_run(s, stdout, stderr, flags);
	if (tf && trace_file_stop(tf, trace, "run"))
		ret = 1;
	scenario_free(s);
	return ret;
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

/* Each takes its own argv (argv[0] the command's name): 0, 1 failure, 2 usage. */
static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run }, { "check", cmd_check }, { "bench", cmd_bench },
	{ "bcache", cmd_bcache }, { "replay", cmd_replay }, { "report", cmd_report },
	{ "sweep", cmd_sweep },
};

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
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(c, commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "mmsim: unknown command '%s' (see mmsim --help)\n", c);
	return 2;
}

int main(int argc, char **argv)
{
	return finish_stdout(run_command(argc, argv));
}
