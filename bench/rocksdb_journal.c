/*
 * rocksdb_journal.c - RocksDB baseline for `mmsim bench journal`.
 *
 * Measures fsync'ed key inserts per second into RocksDB with W concurrent
 * writer threads.  Every put uses a sync write (set_sync(1)), so it returns
 * only once its WAL record is on disk; RocksDB batches the writers waiting
 * at the same time into one WAL write and one fsync (group commit), so the
 * rate should grow with W.  Each insert is a 16-byte key and an 8-byte
 * value, the size of a bcache extent key plus one pointer.
 *
 * Output, one line per writer count:
 *   rocksdb writers=W inserts=COUNT seconds=SECS inserts_per_sec=RATE
 *
 * Exit status: 0 ok, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rocksdb/c.h>

#define PROG		"mmsim-bench-rocksdb"
#define KEY_LEN		16
#define VAL_LEN		8
#define MAX_WRITERS	1024
#define MAX_RUNS	64

struct config {
	const char *dir;		/* --dir, or NULL for a mkdtemp one */
	int writers[MAX_RUNS];
	int nruns;
	double seconds;
	unsigned long long ops;		/* 0: run for 'seconds' instead */
};

/* State shared by the writer threads of one run. */
struct shared {
	rocksdb_t *db;
	rocksdb_writeoptions_t *wopts;
	unsigned long long ops;
	atomic_ullong claimed;
	atomic_bool stop;
	pthread_mutex_t lock;		/* protects go, err */
	pthread_cond_t cond;
	bool go;
	char *err;			/* first put error, from RocksDB */
};

struct writer {
	struct shared *sh;
	pthread_t tid;
	uint64_t id;
	uint64_t count;
};

static void usage(void)
{
	fputs("usage: " PROG " [--dir DIR] [--writers LIST] [--seconds S] [--ops N]\n\n"
	      "Fsync'ed RocksDB inserts (16-byte key, 8-byte value, sync WAL\n"
	      "write each) per second with W concurrent writers, for each W in\n"
	      "LIST: the baseline for `mmsim bench journal`.\n\n"
	      "  --dir DIR       where to put the databases (default: a fresh\n"
	      "                  directory under $TMPDIR or /var/tmp, removed at exit)\n"
	      "  --writers LIST  comma-separated writer counts (default 1,4,16)\n"
	      "  --seconds S     wall time per writer count (default 2.0)\n"
	      "  --ops N         N inserts in total per writer count instead\n\n"
	      "Prints one line per W:\n"
	      "  rocksdb writers=W inserts=COUNT seconds=SECS inserts_per_sec=RATE\n"
	      "Exit status: 0 ok, 1 failure, 2 usage error.\n", stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

/* ---- command line ---- */

static int parse_writers(struct config *cfg, const char *list)
{
	const char *p = list;
	char *end;

	cfg->nruns = 0;
	for (;;) {
		errno = 0;
		long w = strtol(p, &end, 10);

		if (end == p || errno || w < 1 || w > MAX_WRITERS ||
		    (*end != ',' && *end != '\0') || cfg->nruns == MAX_RUNS) {
			fprintf(stderr, PROG ": bad --writers '%s': want up to %d "
				"comma-separated counts 1..%d\n", list, MAX_RUNS,
				MAX_WRITERS);
			return -1;
		}
		cfg->writers[cfg->nruns++] = (int)w;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

static int parse_seconds(struct config *cfg, const char *s)
{
	char *end;

	errno = 0;
	cfg->seconds = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(cfg->seconds) ||
	    cfg->seconds <= 0 || cfg->seconds > 86400) {
		fprintf(stderr, PROG ": bad --seconds '%s': want 0 < S <= 86400\n", s);
		return -1;
	}
	return 0;
}

static int parse_ops(struct config *cfg, const char *s)
{
	char *end;

	errno = 0;
	cfg->ops = strtoull(s, &end, 10);
	if (end == s || *end || errno || cfg->ops == 0 || s[0] == '-') {
		fprintf(stderr, PROG ": bad --ops '%s': want a positive count\n", s);
		return -1;
	}
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "writers", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "d:w:s:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg->dir = optarg;
			break;
		case 'w':
			bad |= parse_writers(cfg, optarg);
			break;
		case 's':
			bad |= parse_seconds(cfg, optarg);
			break;
		case 'n':
			bad |= parse_ops(cfg, optarg);
			break;
		case 'h':
			usage();
			return 0;
		default:
			fputs("usage: " PROG " [--dir DIR] [--writers LIST] "
			      "[--seconds S] [--ops N] (see --help)\n", stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return 2;
	}
	return bad ? 2 : -1;
}

/* ---- directories ---- */

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	if (remove(path)) {
		fprintf(stderr, PROG ": remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

/*
 * Sets *top to the directory to work in.  *created tells whether it was
 * made here (and must be removed at exit).
 */
static int make_top_dir(const struct config *cfg, char *top, size_t len,
			bool *created)
{
	const char *tmp = getenv("TMPDIR");

	*created = false;
	if (cfg->dir) {
		if (snprintf(top, len, "%s", cfg->dir) >= (int)len) {
			fprintf(stderr, PROG ": --dir too long\n");
			return -1;
		}
		if (mkdir(top, 0700) == 0)
			*created = true;
		else if (errno != EEXIST) {
			fprintf(stderr, PROG ": mkdir %s: %s\n", top, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!tmp || !*tmp)
		tmp = "/var/tmp";
	if (snprintf(top, len, "%s/" PROG ".XXXXXX", tmp) >= (int)len) {
		fprintf(stderr, PROG ": TMPDIR too long\n");
		return -1;
	}
	if (!mkdtemp(top)) {
		fprintf(stderr, PROG ": mkdtemp %s: %s\n", top, strerror(errno));
		return -1;
	}
	*created = true;
	return 0;
}

/* ---- RocksDB ---- */

static rocksdb_t *open_db(const char *path)
{
	rocksdb_options_t *opts = rocksdb_options_create();
	char *err = NULL;
	rocksdb_t *db;

	rocksdb_options_set_create_if_missing(opts, 1);
	rocksdb_options_set_error_if_exists(opts, 1);
	rocksdb_options_set_compression(opts, rocksdb_no_compression);
	db = rocksdb_open(opts, path, &err);
	rocksdb_options_destroy(opts);
	if (err) {
		fprintf(stderr, PROG ": rocksdb open %s: %s\n", path, err);
		rocksdb_free(err);
		return NULL;
	}
	return db;
}

/* ---- writer threads ---- */

static void set_error(struct shared *sh, char *err)
{
	pthread_mutex_lock(&sh->lock);
	if (!sh->err)
		sh->err = err;
	else
		rocksdb_free(err);
	pthread_mutex_unlock(&sh->lock);
	atomic_store(&sh->stop, true);
}

static void wait_go(struct shared *sh)
{
	pthread_mutex_lock(&sh->lock);
	while (!sh->go)
		pthread_cond_wait(&sh->cond, &sh->lock);
	pthread_mutex_unlock(&sh->lock);
}

static void open_gate(struct shared *sh)
{
	pthread_mutex_lock(&sh->lock);
	sh->go = true;
	pthread_cond_broadcast(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
}

/* May this writer do one more insert? */
static bool claim(struct shared *sh)
{
	if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
		return false;
	if (!sh->ops)
		return true;
	return atomic_fetch_add(&sh->claimed, 1) < sh->ops;
}

static int insert(struct writer *w)
{
	unsigned char key[KEY_LEN], val[VAL_LEN];
	char *err = NULL;

	put_be64(key, w->id);
	put_be64(key + 8, w->count);
	put_be64(val, w->id << 48 | w->count);	/* stand-in for a pointer */
	rocksdb_put(w->sh->db, w->sh->wopts, (const char *)key, sizeof(key),
		    (const char *)val, sizeof(val), &err);
	if (err) {
		set_error(w->sh, err);
		return -1;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	wait_go(w->sh);
	while (claim(w->sh) && insert(w) == 0)
		w->count++;
	return NULL;
}

/* Sleeps until 'seconds' after t0, or until a writer fails. */
static void wait_deadline(struct shared *sh, double t0, double seconds)
{
	double left;

	while (!atomic_load(&sh->stop) && (left = t0 + seconds - now()) > 0) {
		if (left > 0.01)
			left = 0.01;
		nanosleep(&(struct timespec){ .tv_nsec = (long)(left * 1e9) }, NULL);
	}
	atomic_store(&sh->stop, true);
}

static int start_writers(struct shared *sh, struct writer *w, int n, int *started)
{
	int rc;

	for (*started = 0; *started < n; (*started)++) {
		w[*started] = (struct writer){ .sh = sh, .id = *started };
		rc = pthread_create(&w[*started].tid, NULL, writer_main, &w[*started]);
		if (rc) {
			fprintf(stderr, PROG ": pthread_create: %s\n", strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* Runs n writers on db; sets *count and *secs.  Returns 0 or -1. */
static int run_writers(const struct config *cfg, rocksdb_t *db, int n,
		       uint64_t *count, double *secs)
{
	struct shared sh = { .db = db, .ops = cfg->ops };
	struct writer *w = calloc(n, sizeof(*w));
	int started, rc;
	double t0;

	if (!w) {
		fputs(PROG ": out of memory\n", stderr);
		return -1;
	}
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.cond, NULL);
	sh.wopts = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(sh.wopts, 1);

	rc = start_writers(&sh, w, n, &started);
	if (rc)
		atomic_store(&sh.stop, true);
	t0 = now();
	open_gate(&sh);
	if (!rc && !cfg->ops)
		wait_deadline(&sh, t0, cfg->seconds);
	*count = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		*count += w[i].count;
	}
	*secs = now() - t0;

	if (sh.err) {
		fprintf(stderr, PROG ": rocksdb put: %s\n", sh.err);
		rocksdb_free(sh.err);
		rc = -1;
	}
	rocksdb_writeoptions_destroy(sh.wopts);
	pthread_cond_destroy(&sh.cond);
	pthread_mutex_destroy(&sh.lock);
	free(w);
	return rc;
}

/* One measurement: a fresh DB in a new subdirectory of top, n writers. */
static int run_one(const struct config *cfg, const char *top, int n)
{
	char path[4096];
	uint64_t count = 0;
	double secs = 0;
	rocksdb_t *db;
	int rc;

	if (snprintf(path, sizeof(path), "%s/db-w%d.XXXXXX", top, n) >=
	    (int)sizeof(path)) {
		fprintf(stderr, PROG ": directory name too long: %s\n", top);
		return -1;
	}
	if (!mkdtemp(path)) {
		fprintf(stderr, PROG ": mkdtemp %s: %s\n", path, strerror(errno));
		return -1;
	}
	db = open_db(path);
	rc = db ? run_writers(cfg, db, n, &count, &secs) : -1;
	if (db)
		rocksdb_close(db);
	if (rm_tree(path))
		rc = -1;
	if (rc)
		return -1;
	printf("rocksdb writers=%d inserts=%llu seconds=%.3f inserts_per_sec=%.0f\n",
	       n, (unsigned long long)count, secs, secs > 0 ? count / secs : 0.0);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.writers = { 1, 4, 16 }, .nruns = 3, .seconds = 2.0,
	};
	char top[4096];
	bool created;
	int rc = parse_args(&cfg, argc, argv);

	if (rc >= 0)
		return rc;
	if (make_top_dir(&cfg, top, sizeof(top), &created))
		return 1;
	rc = 0;
	for (int i = 0; i < cfg.nruns && !rc; i++)
		rc = run_one(&cfg, top, cfg.writers[i]);
	if (created && rm_tree(top))
		rc = -1;
	return rc ? 1 : 0;
}
