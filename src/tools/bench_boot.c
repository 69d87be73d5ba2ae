/*
 * bench_boot.c - `mmsim bench boot`: what a machine costs to start.
 *
 *  - boot.ms_small: a 2-node x 256 MiB machine (the scenarios' default)
 *    created and destroyed, the median of many rounds.
 *  - boot.ms_huge, boot.rss_mib_huge: a 64-node x 16 GiB (1 TiB) machine
 *    created and destroyed (the best of a few rounds), and how much the
 *    host's resident memory grew while it existed (statm, after creation).
 *  - boot.scenarios_per_s: `mmsim run FILE` as whole processes (this very
 *    binary) over the anonymous-memory scenarios of tests/scenarios
 *    (foundation, mprotect, migrate, thp: no files, swap or cgroups),
 *    per second of the children's CPU time (user + system), so per core.
 * The baseline, in the same run: the host starting /bin/true the same way
 *    (boot.host_spawns_per_s); boot.scenarios_ratio compares the two, and
 *    boot.small_ratio the small boot with one such process start.
 * --quick: fewer rounds, and every 8th scenario.  --scenarios DIR names
 * the tests/scenarios directory (default: the source tree's).
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mmsim/mmsim.h>

#include "util.h"

extern char **environ;

/* The scenario directories with anonymous memory only. */
static const char *const anon_dirs[] = { "foundation", "mprotect", "migrate", "thp" };

static int fail(const char *what)
{
	fprintf(stderr, "mmsim bench boot: %s\n", what);
	return 1;
}

/* The host's resident memory of this process, in KiB (statm). */
static uint64_t resident_kib(void)
{
	unsigned long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
}

static double create_destroy_ms(unsigned nodes, uint64_t mem_per_node, uint64_t *rss_kib)
{
	struct mmsim_config cfg;
	struct mmsim *m;
	mmsim_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.mem_per_node = mem_per_node;
	uint64_t r0 = rss_kib ? resident_kib() : 0;
	double t0 = now_seconds();
	if (mmsim_create(&cfg, &m))
		return -1;
	uint64_t r1 = rss_kib ? resident_kib() : 0;
	mmsim_destroy(m);
	double dt = now_seconds() - t0;
	if (rss_kib)
		*rss_kib = r1 > r0 ? r1 - r0 : 0;
	return dt * 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* CPU seconds (user + system) of the children waited for so far. */
static double children_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Runs argv with standard output and error on /dev/null; its exit status,
 * or -1 if it could not run or was killed. */
static int run_quiet(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;
	if (posix_spawn_file_actions_init(&fa))
		return -1;
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .mms files of the anonymous-memory directories, sorted per
 * directory; every `step`th one.  NULL if a directory cannot be read. */
static char **scenario_files(const char *root, unsigned step, size_t *n)
{
	char **files = NULL;
	size_t cap = 0, total = 0;
	*n = 0;
	for (size_t d = 0; d < sizeof anon_dirs / sizeof anon_dirs[0]; d++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s", root, anon_dirs[d]);
		DIR *dp = opendir(dir);
		if (!dp) {
			fprintf(stderr, "mmsim bench boot: %s: %s (--scenarios DIR)\n", dir,
				strerror(errno));
			for (size_t i = 0; i < *n; i++)
				free(files[i]);
			free(files);
			return NULL;
		}
		size_t first = *n;
		struct dirent *de;
		while ((de = readdir(dp))) {
			size_t len = strlen(de->d_name);
			if (len < 5 || strcmp(de->d_name + len - 4, ".mms"))
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 256;
				files = xrealloc(files, cap * sizeof *files);
			}
			size_t sz = strlen(dir) + len + 2;
			files[*n] = xcalloc(1, sz);
			snprintf(files[*n], sz, "%s/%s", dir, de->d_name);
			(*n)++;
		}
		closedir(dp);
		qsort(files + first, *n - first, sizeof *files, cmp_str);
	}
	/* Keep every step-th (all of them when step is 1). */
	for (size_t i = 0; i < *n; i++) {
		if (i % step == 0)
			files[total++] = files[i];
		else
			free(files[i]);
	}
	*n = total;
	return files;
}

int bench_boot(struct report *r, const struct bench_opts *o)
{
	/* The small machine: the median of many rounds. */
	unsigned rounds = o->quick ? 50 : 500;
	double *ms = xcalloc(rounds, sizeof *ms);
	create_destroy_ms(2, 256ULL << 20, NULL);	/* warm the host's allocator */
	for (unsigned i = 0; i < rounds; i++)
		if ((ms[i] = create_destroy_ms(2, 256ULL << 20, NULL)) < 0) {
			free(ms);
			return fail("cannot create a 2 x 256 MiB machine");
		}
	qsort(ms, rounds, sizeof *ms, cmp_double);
	double small = ms[rounds / 2];
	free(ms);

	/* The huge machine: the best of a few rounds, and the largest growth
	 * of the resident memory seen. */
	double huge = 0;
	uint64_t rss = 0;
	for (unsigned i = 0; i < (o->quick ? 1u : 3u); i++) {
		uint64_t kib;
		double t = create_destroy_ms(64, 16ULL << 30, &kib);
		if (t < 0)
			return fail("cannot create a 64 x 16 GiB machine");
		huge = !huge || t < huge ? t : huge;
		rss = kib > rss ? kib : rss;
	}
	put(r, "boot.ms_small", small, "ms");
	put(r, "boot.ms_huge", huge, "ms");
	put(r, "boot.rss_mib_huge", (double)rss / 1024, "MiB");

	/* Whole processes: this binary running each scenario, and the host
	 * starting /bin/true as many times. */
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return fail("cannot find the mmsim binary (/proc/self/exe)");
	exe[len] = 0;
	size_t n;
	char **files = scenario_files(o->scenarios, o->quick ? 8 : 1, &n);
	if (!files || !n) {
		free(files);
		return fail("no scenarios to run");
	}
	int bad = 0;
	double c0 = children_cpu(), w0 = now_seconds();
	for (size_t i = 0; i < n; i++) {
		char *argv[] = { exe, "run", files[i], NULL };
		if (run_quiet(argv) != 0 && !bad++)
			fprintf(stderr, "mmsim bench boot: `mmsim run %s` failed\n", files[i]);
	}
	double cpu = children_cpu() - c0, wall = now_seconds() - w0;
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (bad)
		return fail("a scenario failed");
	double c1 = children_cpu();
	unsigned spawns = 0;
	for (; spawns < n || children_cpu() - c1 < 0.2; spawns++) {
		char *argv[] = { "/bin/true", NULL };
		if (run_quiet(argv) != 0)
			return fail("cannot run /bin/true");
	}
	double host = spawns / (children_cpu() - c1);
	double per_s = (double)n / cpu;

	put(r, "boot.scenarios", (double)n, "processes");
	put(r, "boot.scenarios_per_s", per_s, "runs/s per core");
	put(r, "boot.scenarios_wall_per_s", (double)n / wall, "runs/s");
	put(r, "boot.host_spawns_per_s", host, "processes/s per core");
	put(r, "boot.scenarios_ratio", per_s / host, "x host process starts/s (higher is better)");
	put(r, "boot.small_ratio", 1e3 / host / small,
	    "x host process start time (higher is better)");
	return 0;
}
