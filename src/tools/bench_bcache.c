/*
 * bench_bcache.c - `mmsim bench journal` and `mmsim bench recovery`.
 *
 * journal: W writer threads each insert one extent key at a time and wait
 * until its journal entry is durable (bch_insert_keys with fua: an
 * fsync'ed insert, as a FUA write to a cached device makes),
 * for 1, 4 and 16 writers, on a cache image in a host directory.  Group
 * commit shows as keys per journal write growing with W.  The baseline is
 * the same workload on RocksDB with sync=true (mmsim-bench-rocksdb, built
 * beside mmsim when librocksdb-dev is installed), run in the same
 * directory in the same run; the ratio is mmsim / RocksDB.
 *
 * recovery: fills a journal ring until it is full (the first time the
 * journal has to ask the btree to write nodes), cuts the power, and times
 * registering the set again (journal read + replay), reporting the
 * buckets read to find the newest entry beside the 2*log2(n)+8 bound.
 */
#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bcache.h"
#include "util.h"

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A cache image formatted and registered; with the fault layer attached
 * when asked (recovery cuts the power; the journal run must not pay for
 * the layer's pre-image reads). */
struct bench_set {
	char path[PATH_MAX];
	struct blk_dev *dev;
	struct cache_set *c;
};

static int set_make(struct bench_set *s, const char *dir, uint64_t bytes,
		    unsigned bucket_sectors, unsigned njournal, bool fault_layer)
{
	struct bch_format_opts fo;
	struct bch_open_opts oo;
	struct blk_open_opts bo;
	struct blk_fault_opts fault = { .seed = 1, .survive_pct = 0 };
	char why[256];
	int r;

	snprintf(s->path, sizeof(s->path), "%s/cache.img", dir);
	blk_open_opts_default(&bo);
	bo.flags |= BLK_OPEN_CREATE;
	bo.nr_sectors = bytes / BLK_SECTOR_SIZE;
	if ((r = blk_open(s->path, &bo, &s->dev)))
		return r;
	bch_format_opts_default(&fo);
	fo.bucket_sectors = bucket_sectors;
	fo.njournal_buckets = njournal;
	fo.seed = 42;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	r = bch_format(s->dev, NULL, &fo, why, sizeof(why));
	if (!r)
		blk_drain(s->dev);	/* the last journal end_io may still run */
	if (!r && fault_layer && (r = blk_fault_attach(s->dev, &fault)))
		snprintf(why, sizeof(why), "fault layer: %s", strerror(-r));
	if (!r)
		r = bch_cache_set_open(s->dev, NULL, 0, &oo, &s->c, NULL, why, sizeof(why));
	if (r) {
		fprintf(stderr, "mmsim bench: cache set: %s\n", why);
		blk_close(s->dev);
	}
	return r;
}

static void set_free(struct bench_set *s)
{
	bch_cache_set_stop(s->c);
	blk_close(s->dev);
	unlink(s->path);
}

/* One extent key of one block, on real allocated cache space. */
static int insert_one(struct cache_set *c, unsigned writer, uint64_t i, bool fua)
{
	uint64_t words[3];
	struct bkey *k = (struct bkey *)words;
	unsigned blk = c->cache->block_sectors;
	int got = bch_alloc_sectors(c, blk, &words[2]);

	if (got < 0)
		return got;
	bch_key_init(k, 0, ((uint64_t)writer << 32) + (i + 1) * blk, (unsigned)got);
	SET_KEY_PTRS(k, 1);
	SET_KEY_DIRTY(k, 1);
	return bch_insert_keys(c, words, 3, fua);
}

/* ---- journal ------------------------------------------------------------------ */

struct jwriter {
	pthread_t t;
	struct cache_set *c;
	unsigned id;
	double deadline;
	uint64_t done;
	int err;
	pthread_barrier_t *start;
};

static void *jwriter_run(void *arg)
{
	struct jwriter *w = arg;

	pthread_barrier_wait(w->start);
	while (!w->err && now_seconds() < w->deadline) {
		w->err = insert_one(w->c, w->id, w->done, true);
		w->done += !w->err;
	}
	return NULL;
}

static int journal_run(struct report *r, const char *dir, unsigned nw, double seconds,
		       double *rate)
{
	struct jwriter w[16];
	struct journal_stats js0, js1;
	pthread_barrier_t start;
	struct bench_set s;
	uint64_t total = 0, elided;
	double t0, t1;
	int err = 0;

	if (set_make(&s, dir, 512ull << 20, 1024, 128, false))
		return -1;
	pthread_barrier_init(&start, NULL, nw + 1);
	for (unsigned i = 0; i < nw; i++) {
		w[i] = (struct jwriter){ .c = s.c, .id = i, .start = &start };
		w[i].deadline = 0;
	}
	t0 = now_seconds();
	for (unsigned i = 0; i < nw; i++) {
		w[i].deadline = t0 + seconds;
		pthread_create(&w[i].t, NULL, jwriter_run, &w[i]);
	}
	bch_journal_get_stats(s.c, &js0);
	pthread_barrier_wait(&start);
	t0 = now_seconds();
	for (unsigned i = 0; i < nw; i++) {
		pthread_join(w[i].t, NULL);
		total += w[i].done;
		err = err ? err : w[i].err;
	}
	t1 = now_seconds();
	bch_journal_get_stats(s.c, &js1);
	elided = blk_preflush_elided(s.dev);
	pthread_barrier_destroy(&start);
	set_free(&s);
	if (err) {
		fprintf(stderr, "mmsim bench journal: insert: %s\n", strerror(-err));
		return -1;
	}
	*rate = (double)total / (t1 - t0);
	putf(r, *rate, "inserts/s", "journal.w%u.inserts_per_sec", nw);
	if (js1.writes > js0.writes) {
		putf(r, (double)total / (double)(js1.writes - js0.writes), "",
		     "journal.w%u.keys_per_write", nw);
		putf(r, (double)elided / (double)js1.writes, "",
		     "journal.w%u.preflush_skipped_per_write", nw);
	}
	return 0;
}

/* Runs mmsim-bench-rocksdb from beside this binary; rates[i] for writers[i]. */
static int rocksdb_run(const char *dir, double seconds, const unsigned *writers,
		       unsigned n, double *rates)
{
	char exe[PATH_MAX], cmd[2 * PATH_MAX + 128], line[256];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 32);
	unsigned found = 0;
	FILE *p;
	char *slash;

	if (len <= 0)
		return -1;
	exe[len] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	strcpy(slash + 1, "mmsim-bench-rocksdb");
	if (access(exe, X_OK))
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' --dir '%s' --seconds %.3f --writers 1,4,16", exe, dir,
		 seconds);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		unsigned w;
		double rate;
		const char *at = strstr(line, "inserts_per_sec=");

		if (sscanf(line, "rocksdb writers=%u", &w) != 1 || !at ||
		    sscanf(at, "inserts_per_sec=%lf", &rate) != 1)
			continue;
		for (unsigned i = 0; i < n; i++)
			if (writers[i] == w) {
				rates[i] = rate;
				found++;
			}
	}
	return pclose(p) == 0 && found == n ? 0 : -1;
}

int bench_journal(struct report *r, const struct bench_opts *o)
{
	const char *dir = o->dir;
	double seconds = o->seconds;
	static const unsigned writers[] = { 1, 4, 16 };
	double mm[3] = { 0 }, rk[3] = { 0 };
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s/mmsim-bench-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "mmsim bench journal: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < 3; i++)
		if (journal_run(r, tmp, writers[i], seconds, &mm[i])) {
			rm_tree(tmp);
			return -1;
		}
	/* The contract's names (docs/bench.md), beside the per-writer-count ones. */
	for (unsigned i = 0; i < 3; i++)
		putf(r, mm[i], "inserts/s", "journal.per_s_%u", writers[i]);
	if (rocksdb_run(tmp, seconds, writers, 3, rk)) {
		put(r, "journal.rocksdb_missing", 1, "(mmsim-bench-rocksdb not built or failed)");
	} else {
		for (unsigned i = 0; i < 3; i++) {
			putf(r, rk[i], "inserts/s", "journal.w%u.rocksdb_inserts_per_sec", writers[i]);
			putf(r, mm[i] / rk[i], "x RocksDB (higher is better)", "journal.w%u.ratio",
			     writers[i]);
		}
		put(r, "journal.rocksdb_per_s_16", rk[2], "inserts/s");
		put(r, "journal.ratio_16", mm[2] / rk[2], "x RocksDB (higher is better)");
	}
	rm_tree(tmp);
	return 0;
}

/* ---- recovery ------------------------------------------------------------------- */

/*
 * The journal calls flush_pins when it is full: at that moment every
 * bucket of the ring holds entries still needed, and the power goes off
 * (on the journal thread, which may wait for I/O).
 */
static _Atomic int journal_was_full;
static struct blk_dev *recovery_dev;

static int cut_power_when_full(struct cache_set *c, uint64_t seq)
{
	if (!journal_was_full) {
		journal_was_full = 1;
		blk_fault_power_loss(recovery_dev, NULL);
	}
	bch_set_error(c, -EIO);		/* the waiting writer gives up */
	return -EIO;
}

static unsigned ceil_log2(unsigned n)
{
	unsigned l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/* What the summary lines (docs/bench.md's names) take from a run. */
struct recovery_result {
	unsigned nbuckets;
	uint64_t buckets_read, search_reads, keys_replayed;
	double seconds;
};

static int recovery_run(struct report *r, const char *dir, unsigned n,
			struct recovery_result *res)
{
	struct journal_read_stats st = { 0 };
	struct bch_open_opts oo;
	struct blk_open_opts bo;
	struct bench_set s;
	struct cache_set *c2;
	uint64_t i = 0;
	double t0, t1;
	char why[256];
	int err = 0;

	if (set_make(&s, dir, (uint64_t)(4 * n + 256) * 64 * 1024, 128, n, true))
		return -1;
	journal_was_full = 0;
	recovery_dev = s.dev;
	s.c->flush_pins = cut_power_when_full;
	/* Rewriting 1024 blocks over and over: the cache never fills up. */
	for (; !journal_was_full && !err && i < 50u * 1000 * 1000; i++)
		err = insert_one(s.c, 0, i % 1024, false);
	if (journal_was_full)
		err = 0;		/* the writes the power cut failed */
	blk_fault_power_loss(s.dev, NULL);
	bch_cache_set_stop(s.c);
	blk_close(s.dev);
	if (err) {
		fprintf(stderr, "mmsim bench recovery: filling: %s\n", strerror(-err));
		unlink(s.path);
		return -1;
	}
	blk_open_opts_default(&bo);
	if ((err = blk_open(s.path, &bo, &s.dev)))
		return -1;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	t0 = now_seconds();
	err = bch_cache_set_open(s.dev, NULL, 0, &oo, &c2, &st, why, sizeof(why));
	t1 = now_seconds();
	if (err) {
		fprintf(stderr, "mmsim bench recovery: %s\n", why);
	} else {
		putf(r, (t1 - t0) * 1e3, "ms", "recovery.n%u.register_ms", n);
		putf(r, (double)st.entries, "entries", "recovery.n%u.entries_replayed", n);
		putf(r, (double)i, "keys", "recovery.n%u.keys_written", n);
		putf(r, (double)st.buckets_read, "buckets", "recovery.n%u.buckets_read", n);
		putf(r, (double)st.buckets_read_search, "buckets", "recovery.n%u.search_reads", n);
		putf(r, 2 * ceil_log2(n) + 8, "buckets", "recovery.n%u.search_bound", n);
		*res = (struct recovery_result){ .nbuckets = n, .buckets_read = st.buckets_read,
						 .search_reads = st.buckets_read_search,
						 .keys_replayed = st.keys_replayed,
						 .seconds = t1 - t0 };
		bch_cache_set_stop(c2);
	}
	blk_close(s.dev);
	unlink(s.path);
	return err ? -1 : 0;
}

int bench_recovery(struct report *r, const struct bench_opts *o)
{
	const char *dir = o->dir;
	static const unsigned sizes[] = { 8, 64, 256 };
	struct recovery_result res = { 0 };
	char tmp[PATH_MAX];
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s/mmsim-bench-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "mmsim bench recovery: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < 3 && !err; i++)
		err = recovery_run(r, tmp, sizes[i], &res);
	rm_tree(tmp);
	if (err)
		return err;
	/* The largest ring under docs/bench.md's names. */
	put(r, "recovery.nbuckets", res.nbuckets, "buckets");
	put(r, "recovery.buckets_read", (double)res.buckets_read, "buckets");
	put(r, "recovery.search_reads", (double)res.search_reads, "buckets");
	put(r, "recovery.keys_per_s", (double)res.keys_replayed / res.seconds, "keys/s");
	put(r, "recovery.ms", res.seconds * 1e3, "ms");
	return 0;
}
