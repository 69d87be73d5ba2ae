/*
 * test_bcache_journal.c - bcache's journal (src/bcache/journal.c) alone, on
 * a cache set made here: a temp image with a hand-filled superblock in
 * memory, and stand-ins for the btree's two hooks.  The stand-in "btree"
 * is a list of records, one per key list added, each holding the pin its
 * add returned until the test (or c->flush_pins) lets it go; a record that
 * still holds its pin is exactly a key the btree has not yet written, so
 * it must come back after a crash.
 *
 * Covered: round trip through read/start/replay; the bucket search on
 * rings of every size 1..20 (and 64, 255) with the newest entry at every
 * position, within 2*log2(n)+8 reads; replay when the needed entries wrap
 * around the ring's end; reclaim after recovery; the full ring (flush_pins,
 * the reserve for meta entries); -E2BIG; the delayed write; 8 writers at
 * once, and group commit of 8 threads' adds (by construction, not by
 * timing: how many adds share a write under load is chance); power loss at random requests (MMSIM_JOURNAL_CRASH_STATES,
 * default 200, each a crash, a recovery, more work and a second crash);
 * corrupted journal buckets (seeded); a damaged entry with newer ones after
 * it read past, counted as damage and its seq missing, a damaged newest
 * entry counted as the torn write; an entry whose magic or seq alone is
 * damaged (it passes its checksum with them put back) kept as written and
 * counted, the newest one too, first in its bucket or not.  The pin
 * ring's debug check (bch_journal_pins_check) passes on good rings and
 * finds each kind of broken one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bcache/bcache.h"
#include "tap.h"

#define BLOCK_SECTORS 8u
#define FIRST_BUCKET 2u

static char tmpdir[256];
static uint64_t rng_state = 0x5eed;

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	return rnd_next(&rng_state);
}

static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- a cache set on a temp image ------------------------------------------------ */

struct geom {
	unsigned nj;			/* journal buckets */
	unsigned bucket_sectors;
	unsigned nbuckets;
	bool discard;
};

struct rec {				/* one key list added */
	uint64_t seq;
	unsigned n;
	uint64_t *w;
	bool held;			/* its pin is still held */
	bool acked;			/* known durable */
	bool maybe;			/* its add failed: in or out, seq unknown */
};

struct tc {
	struct cache_set c;		/* first: the hooks cast back */
	struct cache ca;
	struct geom g;
	char path[PATH_MAX];
	pthread_mutex_t lock;		/* everything below */
	struct rec *recs;
	size_t nrecs, caprecs;
	bool release;			/* flush_pins drops held pins <= seq */
	unsigned flush_calls;
	uint64_t flush_seq;
	bool replay_pin;		/* replay_key records and pins each key */
	uint64_t *rw;			/* replayed key words */
	size_t nrw, caprw;
	uint64_t *rseq;			/* the seq of each replayed word */
	size_t replayed_keys;
	bool replay_order_bad;
	uint64_t replay_last_seq;
};

static void rec_push(struct tc *t, uint64_t seq, const uint64_t *w, unsigned n,
		     bool held, bool acked)
{
	pthread_mutex_lock(&t->lock);
	if (t->nrecs == t->caprecs) {
		t->caprecs = t->caprecs ? t->caprecs * 2 : 256;
		t->recs = realloc(t->recs, t->caprecs * sizeof(*t->recs));
		if (!t->recs)
			abort();
	}
	struct rec *r = &t->recs[t->nrecs++];
	r->seq = seq;
	r->n = n;
	r->w = malloc((n ? n : 1) * sizeof(uint64_t));
	if (!r->w)
		abort();
	memcpy(r->w, w, n * sizeof(uint64_t));
	r->held = held;
	r->acked = acked;
	r->maybe = false;
	pthread_mutex_unlock(&t->lock);
}

static void recs_clear(struct tc *t)
{
	for (size_t i = 0; i < t->nrecs; i++)
		free(t->recs[i].w);
	t->nrecs = 0;
}

/* Lets go of held pins <= seq (all of them for UINT64_MAX). */
static unsigned release_upto(struct tc *t, uint64_t seq)
{
	uint64_t *drop = NULL;
	size_t n = 0;

	pthread_mutex_lock(&t->lock);
	drop = malloc((t->nrecs + 1) * sizeof(*drop));
	for (size_t i = 0; i < t->nrecs; i++)
		if (t->recs[i].held && t->recs[i].seq <= seq) {
			t->recs[i].held = false;
			drop[n++] = t->recs[i].seq;
		}
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < n; i++)
		bch_journal_pin_drop(&t->c, drop[i]);
	free(drop);
	return (unsigned)n;
}

static int test_flush_pins(struct cache_set *c, uint64_t seq)
{
	struct tc *t = (struct tc *)c;
	bool release;

	pthread_mutex_lock(&t->lock);
	t->flush_calls++;
	t->flush_seq = seq;
	release = t->release;
	pthread_mutex_unlock(&t->lock);
	if (release)
		release_upto(t, seq);
	return 0;
}

static int test_replay_key(struct cache_set *c, const struct bkey *k, uint64_t seq)
{
	struct tc *t = (struct tc *)c;
	unsigned n = bkey_u64s(k);
	bool pin;

	pthread_mutex_lock(&t->lock);
	if (t->nrw + n > t->caprw) {
		t->caprw = (t->caprw + n) * 2;
		t->rw = realloc(t->rw, t->caprw * sizeof(*t->rw));
		t->rseq = realloc(t->rseq, t->caprw * sizeof(*t->rseq));
		if (!t->rw || !t->rseq)
			abort();
	}
	memcpy(t->rw + t->nrw, k, n * sizeof(uint64_t));
	for (unsigned i = 0; i < n; i++)
		t->rseq[t->nrw + i] = seq;
	t->nrw += n;
	t->replayed_keys++;
	if (seq < t->replay_last_seq)
		t->replay_order_bad = true;
	t->replay_last_seq = seq;
	pin = t->replay_pin;
	pthread_mutex_unlock(&t->lock);
	if (pin) {
		bch_journal_pin_add(c, seq);
		rec_push(t, seq, (const uint64_t *)k, n, true, true);
	}
	return 0;
}

static void fill_sb(struct tc *t, uint64_t set_magic)
{
	struct cache_sb *sb = &t->ca.sb;

	memset(sb, 0, sizeof(*sb));
	memcpy(sb->magic, bcache_magic, sizeof(sb->magic));
	sb->version = BCACHE_SB_VERSION_CDEV_WITH_UUID;
	sb->set_magic = set_magic;
	sb->nbuckets = t->g.nbuckets;
	sb->block_size = BLOCK_SECTORS;
	sb->bucket_size = (uint16_t)t->g.bucket_sectors;
	sb->nr_in_set = 1;
	sb->first_bucket = FIRST_BUCKET;
	sb->njournal_buckets = (uint16_t)t->g.nj;
	for (unsigned i = 0; i < t->g.nj; i++)
		sb->d[i] = FIRST_BUCKET + i;
	if (t->g.discard)
		sb->flags |= BCH_CACHE_DISCARD;
}

static int tc_open_dev(struct tc *t, bool create)
{
	struct blk_open_opts o;

	blk_open_opts_default(&o);
	if (create) {
		o.flags = BLK_OPEN_CREATE;
		o.nr_sectors = (uint64_t)t->g.nbuckets * t->g.bucket_sectors;
	}
	t->ca.bdev = NULL;
	int err = blk_open(t->path, &o, &t->ca.bdev);
	if (err)
		printf("# blk_open(%s) = %d\n", t->path, err);
	return err;
}

static void tc_new(struct tc *t, const char *name, const struct geom *g)
{
	memset(t, 0, sizeof(*t));
	t->g = *g;
	snprintf(t->path, sizeof(t->path), "%s/%s", tmpdir, name);
	unlink(t->path);
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->c.meta_lock, NULL);
	pthread_mutex_init(&t->c.alloc_lock, NULL);
	pthread_rwlock_init(&t->c.btree_lock, NULL);
	t->c.cache = &t->ca;
	t->ca.set = &t->c;
	t->ca.nbuckets = g->nbuckets;
	t->ca.bucket_sectors = g->bucket_sectors;
	t->ca.block_sectors = BLOCK_SECTORS;
	t->c.flush_pins = test_flush_pins;
	t->c.replay_key = test_replay_key;
	fill_sb(t, rnd() | 1);
	t->c.set_magic = t->ca.sb.set_magic;
	if (tc_open_dev(t, true))
		exit(2);
}

/* A fresh journal on the open device. */
static int tc_fresh(struct tc *t)
{
	int err = bch_journal_init(&t->c);
	return err ? err : bch_journal_start_empty(&t->c);
}

static void tc_close(struct tc *t)
{
	bch_journal_exit(&t->c);
	if (t->ca.bdev)
		blk_close(t->ca.bdev);
	t->ca.bdev = NULL;
	t->c.error = 0;
}

static void replayed_clear(struct tc *t)
{
	t->nrw = 0;
	t->replayed_keys = 0;
	t->replay_order_bad = false;
	t->replay_last_seq = 0;
}

/*
 * Reopens the device and recovers: init, read, start, replay.  *list is
 * the entries read (the caller frees it).  Replayed keys land in t->rw.
 */
static int tc_recover(struct tc *t, struct journal_read_stats *st,
		      struct journal_replay **list, bool pin)
{
	int err;

	*list = NULL;
	if (!t->ca.bdev && (err = tc_open_dev(t, false)))
		return err;
	if ((err = bch_journal_init(&t->c)))
		return err;
	if ((err = bch_journal_read(&t->c, list, st)))
		return err;
	if ((err = bch_journal_start(&t->c, *list)))
		return err;
	replayed_clear(t);
	t->replay_pin = pin;
	err = bch_journal_replay(&t->c, *list);
	t->replay_pin = false;
	return err;
}

static void tc_free(struct tc *t)
{
	recs_clear(t);
	free(t->recs);
	free(t->rw);
	free(t->rseq);
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->c.meta_lock);
	pthread_mutex_destroy(&t->c.alloc_lock);
	pthread_rwlock_destroy(&t->c.btree_lock);
	unlink(t->path);
}

/* n keys for inode, offsets from *ctr on, 0..2 pointers each: words. */
static unsigned make_keys(uint64_t *w, unsigned nkeys, unsigned inode, uint64_t *ctr)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nkeys; i++) {
		struct bkey *k = (struct bkey *)(w + n);
		uint64_t c = ++*ctr;

		bch_key_init(k, inode, c * 8, 8);
		SET_KEY_PTRS(k, c % 3);
		for (unsigned p = 0; p < KEY_PTRS(k); p++)
			k->ptr[p] = bch_make_ptr(0, c * 16 + p, (uint8_t)c);
		n += bkey_u64s(k);
	}
	return n;
}

/* Plain 2-word keys filling exactly `words` (even). */
static unsigned make_plain_keys(uint64_t *w, unsigned words, unsigned inode, uint64_t *ctr)
{
	for (unsigned i = 0; i + 1 < words; i += 2)
		bch_key_init((struct bkey *)(w + i), inode, ++*ctr * 8, 8);
	return words & ~1u;
}

/* Adds and records: held keeps the pin, else it is dropped at once. */
static int tc_add(struct tc *t, const uint64_t *w, unsigned n, unsigned flags,
		  bool held, uint64_t *seqp)
{
	uint64_t seq = 0;
	bool waits = flags & (JOURNAL_FLUSH | JOURNAL_WRITE);
	int err = bch_journal_add(&t->c, w, n, flags, &seq);

	if (!err && (flags & JOURNAL_WRITE) && (err = bch_journal_wait(&t->c, seq)))
		bch_journal_pin_drop(&t->c, seq);
	if (seqp)
		*seqp = err ? 0 : seq;
	if (err && waits) {
		/* The keys may have gone into an entry the power cut caught. */
		rec_push(t, 0, w, n, false, false);
		pthread_mutex_lock(&t->lock);
		t->recs[t->nrecs - 1].maybe = true;
		pthread_mutex_unlock(&t->lock);
	}
	if (err)
		return err;
	rec_push(t, seq, w, n, held, waits);
	if (!held)
		bch_journal_pin_drop(&t->c, seq);
	return 0;
}

/* Marks every record up to the newest durable entry as acknowledged. */
static void mark_acked(struct tc *t)
{
	struct journal_stats js;

	bch_journal_get_stats(&t->c, &js);
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nrecs; i++)
		if (t->recs[i].seq <= js.written_seq)
			t->recs[i].acked = true;
	pthread_mutex_unlock(&t->lock);
}

static uint64_t min_held_seq(struct tc *t)
{
	uint64_t m = UINT64_MAX;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nrecs; i++)
		if (t->recs[i].held && t->recs[i].seq < m)
			m = t->recs[i].seq;
	pthread_mutex_unlock(&t->lock);
	return m;
}

/* ---- checking what was read ------------------------------------------------------ */

static const struct journal_replay *list_find(const struct journal_replay *l, uint64_t seq)
{
	for (; l; l = l->next)
		if (l->j.seq == seq)
			return l;
	return NULL;
}

/* rec's words appear whole, at a key boundary, in entry e. */
static bool entry_has(const struct journal_replay *e, const struct rec *r)
{
	const uint64_t *d = e->j.d;
	unsigned i = 0;

	if (!r->n)
		return true;
	while (i + r->n <= e->j.keys) {
		if (!memcmp(d + i, r->w, r->n * sizeof(uint64_t)))
			return true;
		unsigned ku = bkey_u64s((const struct bkey *)(d + i));
		if (ku > e->j.keys - i)
			return false;
		i += ku;
	}
	return false;
}

/*
 * The list against the records: strictly increasing seqs; each entry's
 * words are exactly those of the records of its seq (each found whole);
 * every record still held and acknowledged is there.  why: the first
 * problem (NULL: none).
 */
static const char *check_list(struct tc *t, const struct journal_replay *list,
			      char *buf, size_t blen)
{
	uint64_t prev = 0;

	for (const struct journal_replay *e = list; e; e = e->next) {
		uint64_t words = 0;
		bool known = false;

		if (e->j.seq <= prev)
			return "seqs not increasing";
		prev = e->j.seq;
		for (size_t i = 0; i < t->nrecs; i++) {
			const struct rec *r = &t->recs[i];
			if (r->maybe && entry_has(e, r)) {
				known = true;
				words += r->n;
				continue;
			}
			if (r->maybe || r->seq != e->j.seq)
				continue;
			known = true;
			words += r->n;
			if (!entry_has(e, r)) {
				snprintf(buf, blen, "entry %llu lacks a key list added to it",
					 (unsigned long long)e->j.seq);
				return buf;
			}
		}
		if (e->j.keys && !known) {
			snprintf(buf, blen, "entry %llu was never written",
				 (unsigned long long)e->j.seq);
			return buf;
		}
		if (words != e->j.keys) {
			snprintf(buf, blen, "entry %llu has %u words, %llu were added",
				 (unsigned long long)e->j.seq, e->j.keys,
				 (unsigned long long)words);
			return buf;
		}
	}
	for (size_t i = 0; i < t->nrecs; i++) {
		const struct rec *r = &t->recs[i];
		if (r->held && r->acked && !list_find(list, r->seq)) {
			snprintf(buf, blen, "acknowledged entry %llu (still pinned) lost",
				 (unsigned long long)r->seq);
			return buf;
		}
	}
	return NULL;
}

/* Replay gave exactly the list's keys, in order, with their seqs. */
static bool replay_matches(struct tc *t, const struct journal_replay *list)
{
	size_t at = 0;

	for (const struct journal_replay *e = list; e; e = e->next) {
		if (at + e->j.keys > t->nrw ||
		    (e->j.keys && memcmp(t->rw + at, e->j.d, e->j.keys * sizeof(uint64_t))))
			return false;
		for (unsigned i = 0; i < e->j.keys; i++)
			if (t->rseq[at + i] != e->j.seq)
				return false;
		at += e->j.keys;
	}
	return at == t->nrw && !t->replay_order_bad;
}

/* ---- 1. round trip ----------------------------------------------------------------- */

static void set_meta(struct tc *t)
{
	pthread_mutex_lock(&t->c.meta_lock);
	bch_key_init(&t->c.root_key.key, 0, 0, 0);
	SET_KEY_PTRS(&t->c.root_key.key, 1);
	t->c.root_key.key.ptr[0] = bch_make_ptr(0, 4096, 7);
	t->c.root_level = 2;
	bch_key_init(&t->c.uuid_key.key, 0, 0, 0);
	SET_KEY_PTRS(&t->c.uuid_key.key, 1);
	t->c.uuid_key.key.ptr[0] = bch_make_ptr(0, 8192, 3);
	t->c.prio_bucket = 77;
	pthread_mutex_unlock(&t->c.meta_lock);
}

static void test_roundtrip(void)
{
	struct geom g = { 16, 16, 64, false };
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list;
	uint64_t w[64], ctr = 0, seq = 0, first_seq = 0;
	char why[160];
	int errs = 0;

	tc_new(&t, "roundtrip", &g);
	set_meta(&t);
	is(tc_fresh(&t), 0, "roundtrip: fresh journal");
	for (int i = 0; i < 24; i++) {
		unsigned n = make_keys(w, 1 + rndn(6), 1, &ctr);
		errs += tc_add(&t, w, n, i % 3 == 2 ? 0 : JOURNAL_FLUSH, true, &seq) != 0;
		if (i == 0)
			first_seq = seq;
	}
	is(bch_journal_flush(&t.c), 0, "roundtrip: flush");
	is(errs, 0, "roundtrip: 24 adds, two in three with JOURNAL_FLUSH");
	is(first_seq, 1, "roundtrip: the first entry is seq 1");
	mark_acked(&t);
	tc_close(&t);
	memset(&t.c.root_key, 0, sizeof(t.c.root_key));
	t.c.root_level = 0;
	t.c.prio_bucket = 0;

	is(tc_recover(&t, &st, &list, false), 0, "roundtrip: recover");
	is(st.newest_seq, seq, "roundtrip: newest entry found");
	is(st.last_seq, 1, "roundtrip: every entry still needed");
	is(st.missing, 0, "roundtrip: none missing");
	ok(!check_list(&t, list, why, sizeof(why)), "roundtrip: entries hold what was added (%s)",
	   check_list(&t, list, why, sizeof(why)) ?: "ok");
	ok(replay_matches(&t, list), "roundtrip: replay gives every key in order with its seq");
	is(t.replayed_keys, (size_t)ctr, "roundtrip: %llu keys replayed", (unsigned long long)ctr);
	ok(PTR_OFFSET(&t.c.root_key.key, 0) == 4096 && t.c.root_level == 2 &&
	   PTR_OFFSET(&t.c.uuid_key.key, 0) == 8192 && t.c.prio_bucket == 77,
	   "roundtrip: root, uuid and prio pointers come back from the newest entry");
	bch_journal_free_list(list);

	is(bch_journal_start(&t.c, NULL), -EINVAL, "roundtrip: a second start is refused");
	tc_close(&t);
	tc_free(&t);
}

/* Dropping pins moves last_seq; a meta entry records it; older entries go. */
static void test_last_seq(void)
{
	struct geom g = { 16, 16, 64, false };
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list;
	uint64_t w[64], ctr = 0, seqs[20];
	char why[160];

	tc_new(&t, "lastseq", &g);
	tc_fresh(&t);
	for (int i = 0; i < 20; i++) {
		unsigned n = make_keys(w, 2, 1, &ctr);
		tc_add(&t, w, n, JOURNAL_FLUSH, true, &seqs[i]);
	}
	/* Let go of the first 12 key lists. */
	pthread_mutex_lock(&t.lock);
	for (int i = 0; i < 12; i++)
		t.recs[i].held = false;
	pthread_mutex_unlock(&t.lock);
	for (int i = 0; i < 12; i++)
		bch_journal_pin_drop(&t.c, seqs[i]);
	struct journal_stats js;
	bch_journal_get_stats(&t.c, &js);
	is(js.last_seq, seqs[12], "last_seq: the oldest pinned entry");
	is(bch_journal_meta(&t.c), 0, "last_seq: meta entry written");
	tc_close(&t);
	is(tc_recover(&t, &st, &list, false), 0, "last_seq: recover");
	is(st.last_seq, seqs[12], "last_seq: recorded by the newest entry");
	is(st.entries, st.newest_seq - seqs[12] + 1, "last_seq: entries from it on");
	ok(list && list->j.seq == seqs[12], "last_seq: replay starts there");
	ok(!check_list(&t, list, why, sizeof(why)), "last_seq: content (%s)",
	   check_list(&t, list, why, sizeof(why)) ?: "ok");
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/* A bucket lost in the middle of the needed entries: counted and logged. */
static void test_gap(void)
{
	struct geom g = { 8, 16, 12, false };
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list;
	uint64_t w[1024], ctr = 0;
	char *log = NULL;
	size_t loglen = 0;

	tc_new(&t, "gap", &g);
	tc_fresh(&t);
	unsigned words = bch_journal_max_u64s(&t.c);
	for (int i = 0; i < 5; i++) {
		make_plain_keys(w, words, 1, &ctr);
		tc_add(&t, w, words, JOURNAL_FLUSH, true, NULL);	/* one a bucket */
	}
	bch_journal_exit(&t.c);
	uint8_t *zero;
	if (posix_memalign((void **)&zero, 4096, 16 * 512))
		abort();
	memset(zero, 0, 16 * 512);
	blk_rw(t.ca.bdev, BLK_OP_WRITE, BLK_FUA, (FIRST_BUCKET + 2) * 16, zero, 16 * 512);
	free(zero);
	t.c.log = open_memstream(&log, &loglen);
	is(bch_journal_read(&t.c, &list, &st), 0, "gap: read");
	fclose(t.c.log);
	t.c.log = NULL;
	ok(st.newest_seq == 5 && st.last_seq == 1 && st.entries == 4 && st.missing == 1,
	   "gap: entry 3 counted missing (newest %llu, last %llu, %llu entries, %llu missing)",
	   (unsigned long long)st.newest_seq, (unsigned long long)st.last_seq,
	   (unsigned long long)st.entries, (unsigned long long)st.missing);
	ok(log && strstr(log, "journal: entries 3-3 missing"), "gap: noticed in c->log");
	free(log);
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/* Flips byte `at` of the entry with seq `seq` (from list). */
static bool damage_entry_at(struct tc *t, const struct journal_replay *list, uint64_t seq,
			    size_t at, uint8_t x)
{
	const struct journal_replay *e = list_find(list, seq);
	uint8_t *buf;
	uint64_t sector;

	if (!e)
		return false;
	sector = (FIRST_BUCKET + e->bucket_idx) * (uint64_t)t->g.bucket_sectors + e->offset;
	if (posix_memalign((void **)&buf, 4096, BLOCK_SECTORS * 512))
		abort();
	blk_rw(t->ca.bdev, BLK_OP_READ, 0, sector, buf, BLOCK_SECTORS * 512);
	buf[at] ^= x;
	blk_rw(t->ca.bdev, BLK_OP_WRITE, BLK_FUA, sector, buf, BLOCK_SECTORS * 512);
	free(buf);
	return true;
}

/* Flips a byte of the key words of the entry with seq `seq` (from list). */
static bool damage_entry(struct tc *t, const struct journal_replay *list, uint64_t seq)
{
	return damage_entry_at(t, list, seq, sizeof(struct jset) + 4, 0x10);
}

/*
 * A damaged entry with newer ones after it in its bucket is damage, not a
 * torn write: reading goes on past it (the newest entry is still found, so
 * nothing older is replayed over what it holds) and its seq is missing;
 * a damaged newest entry is the torn write a power cut leaves.
 */
static void test_damage(void)
{
	struct geom g = { 8, 64, 16, false };
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list = NULL;
	uint64_t w[8], ctr = 0, newest = 0;
	char *log = NULL;
	size_t loglen = 0;

	tc_new(&t, "damage", &g);
	tc_fresh(&t);
	for (int i = 0; i < 5; i++) {
		make_plain_keys(w, 6, 1, &ctr);
		tc_add(&t, w, 6, JOURNAL_FLUSH, true, &newest);	/* one a block, pins held */
	}
	bch_journal_exit(&t.c);
	is(bch_journal_read(&t.c, &list, &st), 0, "damage: read intact");
	ok(st.newest_seq == newest && !st.bad, "damage: newest %llu, nothing bad",
	   (unsigned long long)st.newest_seq);
	ok(damage_entry(&t, list, newest - 2), "damage: an entry two before the newest flipped");
	bch_journal_free_list(list);
	t.c.log = open_memstream(&log, &loglen);
	is(bch_journal_read(&t.c, &list, &st), 0, "damage: read");
	fclose(t.c.log);
	t.c.log = NULL;
	ok(st.newest_seq == newest && st.missing == 1 && st.damaged == 1 && !st.torn,
	   "damage: newest still %llu, 1 missing, 1 damaged (newest %llu, %llu missing, %llu "
	   "damaged, %llu torn)", (unsigned long long)newest, (unsigned long long)st.newest_seq,
	   (unsigned long long)st.missing, (unsigned long long)st.damaged,
	   (unsigned long long)st.torn);
	ok(log && strstr(log, "damage, not a torn write"), "damage: said so in c->log");
	free(log);
	log = NULL;
	ok(list_find(list, newest) && list_find(list, newest - 1) && !list_find(list, newest - 2),
	   "damage: the entries after the damaged one are read");

	/* The newest damaged too: that one is the torn write. */
	ok(damage_entry(&t, list, newest), "damage: the newest flipped");
	bch_journal_free_list(list);
	is(bch_journal_read(&t.c, &list, &st), 0, "damage: read again");
	ok(st.newest_seq == newest - 1 && st.torn == 1 && st.damaged == 1,
	   "damage: newest %llu torn, the other still damage (newest %llu, %llu torn, %llu damaged)",
	   (unsigned long long)newest, (unsigned long long)st.newest_seq,
	   (unsigned long long)st.torn, (unsigned long long)st.damaged);
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/*
 * An entry whose magic or seq alone is damaged passes its checksum with
 * them put back (the set's magic; the seq after the entry before it, or
 * before the one after it, or after the newest): it was whole, so no power
 * cut tore it.  It is kept as written (its keys replayed) and counted as
 * restored; the newest one too, in its bucket after the entry before it,
 * or first in the bucket after the newest's (per 1: an entry a bucket).
 * Damage elsewhere in the newest entry's header still reads as the torn
 * write: nothing tells them apart.
 */
static void test_damage_header(unsigned per)
{
	struct geom g = { 8, per * BLOCK_SECTORS, 16 + 8 * per, false };
	static const struct { size_t at; const char *what; bool restored; } cases[] = {
		{ offsetof(struct jset, magic), "magic", true },
		{ offsetof(struct jset, seq), "seq", true },
		{ offsetof(struct jset, seq) + 3, "seq's 4th byte", true },
		{ offsetof(struct jset, version), "version", true },
		{ offsetof(struct jset, last_seq), "last_seq", false },
	};
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list = NULL;
	uint64_t w[8], ctr = 0, newest = 0;
	char *log = NULL;
	size_t loglen = 0;

	tc_new(&t, "damage-header", &g);
	tc_fresh(&t);
	for (int i = 0; i < 5; i++) {
		make_plain_keys(w, 6, 1, &ctr);
		tc_add(&t, w, 6, JOURNAL_FLUSH, true, &newest);	/* one a block, pins held */
	}
	bch_journal_exit(&t.c);
	is(bch_journal_read(&t.c, &list, &st), 0, "header %u: read intact", per);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]) * 2; k++) {
		uint64_t seq = k & 1 ? newest - 2 : newest;
		const char *what = cases[k / 2].what;
		bool restored = cases[k / 2].restored || seq != newest;
		const struct journal_replay *e;
		struct journal_replay *l2 = NULL;

		if (k & 1 && !cases[k / 2].restored)
			continue;	/* a needed entry: a gap, refused, as test_damage */
		ok(damage_entry_at(&t, list, seq, cases[k / 2].at, 0x04),
		   "header %u: entry %llu's %s flipped", per, (unsigned long long)seq, what);
		t.c.log = open_memstream(&log, &loglen);
		is(bch_journal_read(&t.c, &l2, &st), 0, "header %u: read", per);
		fclose(t.c.log);
		t.c.log = NULL;
		e = list_find(l2, seq);
		if (restored) {
			ok(st.newest_seq == newest && st.restored == 1 && !st.torn && !st.missing &&
			   !st.bad && e && !memcmp(&e->j, &list_find(list, seq)->j,
						  jset_bytes(&list_find(list, seq)->j)),
			   "header %u: %s of %llu put back: newest %llu, restored %llu, torn %llu, "
			   "missing %llu, bad %llu; the entry as written", per, what,
			   (unsigned long long)seq, (unsigned long long)st.newest_seq,
			   (unsigned long long)st.restored, (unsigned long long)st.torn,
			   (unsigned long long)st.missing, (unsigned long long)st.bad);
			ok(log && strstr(log, "put back: damage, not a torn write"),
			   "header %u: said so in c->log", per);
		} else {
			ok(st.newest_seq == newest - 1 && st.torn == 1 && !st.restored && !e,
			   "header %u: %s of the newest: read as the torn write (newest %llu, torn "
			   "%llu, restored %llu)", per, what, (unsigned long long)st.newest_seq,
			   (unsigned long long)st.torn, (unsigned long long)st.restored);
		}
		free(log);
		log = NULL;
		bch_journal_free_list(l2);
		damage_entry_at(&t, list, seq, cases[k / 2].at, 0x04);	/* undone */
	}
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/* ---- 2. the bucket search ----------------------------------------------------------- */

static unsigned ceil_log2(unsigned n)
{
	unsigned l = 0;
	while ((1u << l) < n)
		l++;
	return l;
}

/* Waits until the journal thread has discarded every reclaimed bucket. */
static void wait_discards(struct tc *t)
{
	struct journal_stats js;

	for (int i = 0; i < 5000; i++) {
		bch_journal_get_stats(&t->c, &js);
		if (js.free_buckets == (js.last_idx + t->g.nj - js.cur_idx - 1) % t->g.nj)
			return;
		sleep_ms(1);
	}
}

/*
 * A ring of n buckets; entries of `per` per bucket (1: each fills its
 * bucket), pins dropped at once so the ring wraps.  After every entry the
 * journal is read back: the newest entry must be found where it was
 * written, within the read budget once the ring is full.
 */
static void test_search_ring(unsigned n, unsigned per, bool discard)
{
	struct geom g = { n, 16, n + FIRST_BUCKET + 1, discard };
	struct tc t;
	char name[64];
	uint64_t w[1024], ctr = 0;
	unsigned bound = 2 * ceil_log2(n) + 8, worst = 0, lost = 0, over = 0, errs = 0;

	snprintf(name, sizeof(name), "search-%u-%u-%d", n, per, discard);
	tc_new(&t, name, &g);
	tc_fresh(&t);
	unsigned max = bch_journal_max_u64s(&t.c);
	unsigned words = per == 1 ? max : 2;
	unsigned total = n == 1 ? per : 2 * n * per + 1;

	make_plain_keys(w, words, 1, &ctr);
	for (unsigned i = 1; i <= total; i++) {
		struct journal_read_stats st;
		struct journal_replay *list = NULL, *e;
		uint64_t seq;

		int err = tc_add(&t, w, words, JOURNAL_FLUSH, false, &seq);
		/* Reading the ring is registration's job, when no journal
		 * thread runs: let the discards in flight finish first. */
		if (discard)
			wait_discards(&t);
		if (!err)
			err = bch_journal_read(&t.c, &list, &st);
		if (err || seq != i) {
			printf("# search n=%u: entry %u: err %d seq %llu\n", n, i, err,
			       (unsigned long long)seq);
			errs++;
			break;
		}
		for (e = list; e && e->next; e = e->next)
			;
		if (st.newest_seq != i || !e || e->bucket_idx != (i - 1) / per % n) {
			if (!lost++)
				printf("# search n=%u: entry %u: newest %llu in bucket %d\n", n, i,
				       (unsigned long long)st.newest_seq, e ? (int)e->bucket_idx : -1);
		}
		if (i > n * per) {
			if (st.buckets_read_search > bound)
				over++;
			if (st.buckets_read_search > worst)
				worst = (unsigned)st.buckets_read_search;
		}
		bch_journal_free_list(list);
	}
	if (n == 1) {
		uint64_t seq;
		is(bch_journal_add(&t.c, w, words, JOURNAL_FLUSH, &seq), -ENOSPC,
		   "search n=1: a single-bucket ring, once full, says ENOSPC");
	}
	ok(!errs && !lost, "search n=%u, %u per bucket%s: newest found at every position (%u entries)",
	   n, per, discard ? ", discard" : "", total);
	if (!discard)
		ok(!over, "search n=%u: at most %u bucket reads to find the newest (worst %u)",
		   n, bound, worst);
	tc_close(&t);
	tc_free(&t);
}

/* ---- 3 + 4. replay across the ring's end, reclaim after recovery ----------------- */

struct adder {
	struct tc *t;
	unsigned count;			/* key lists to add */
	unsigned words;
	unsigned flags;
	unsigned done;			/* atomic: added so far */
	int err;
	uint64_t ctr;
	unsigned inode;
};

static void *adder_main(void *arg)
{
	struct adder *a = arg;
	uint64_t *w = malloc(4096 * sizeof(uint64_t));

	for (unsigned i = 0; i < a->count && !a->err; i++) {
		unsigned n = a->words ? make_plain_keys(w, a->words, a->inode, &a->ctr)
				      : make_keys(w, 1 + (unsigned)(a->ctr % 4), a->inode, &a->ctr);
		a->err = tc_add(a->t, w, n, a->flags, true, NULL);
		if (!a->err)
			__atomic_add_fetch(&a->done, 1, __ATOMIC_SEQ_CST);
	}
	free(w);
	return NULL;
}

static unsigned flush_calls(struct tc *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned n = t->flush_calls;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* Waits (up to 5 s) until flush_pins has been called more than `after` times. */
static bool wait_flush_call(struct tc *t, unsigned after)
{
	for (int i = 0; i < 500; i++) {
		if (flush_calls(t) > after)
			return true;
		sleep_ms(10);
	}
	return false;
}

static void set_release(struct tc *t, bool on)
{
	pthread_mutex_lock(&t->lock);
	t->release = on;
	pthread_mutex_unlock(&t->lock);
}

/*
 * Ring of 8: entries pinned from bucket `start` on for 7 buckets, so for
 * start >= 2 the needed range wraps around the ring's end.  Recover and
 * replay; then, still holding the recovered pins, write until the ring is
 * full (nothing needed may be overwritten: read it back there), then let
 * the pins go and write two more laps; recover again.
 */
static void test_wrap(unsigned start, unsigned *bad_wrap, unsigned *bad_reclaim)
{
	struct geom g = { 8, 16, 12, false };
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list;
	struct journal_stats js;
	char name[64], why[160];
	uint64_t w[1024], ctr = 0, first_held = 0;
	const char *p;

	snprintf(name, sizeof(name), "wrap-%u", start);
	tc_new(&t, name, &g);
	tc_fresh(&t);
	unsigned words = bch_journal_max_u64s(&t.c);
	for (unsigned i = 0; i < 8 + start; i++) {
		make_plain_keys(w, words, 1, &ctr);
		tc_add(&t, w, words, JOURNAL_FLUSH, false, NULL);
	}
	for (unsigned i = 0; i < 7; i++) {
		uint64_t seq;
		make_plain_keys(w, words, 2, &ctr);
		tc_add(&t, w, words, JOURNAL_FLUSH, true, &seq);
		if (!i)
			first_held = seq;
	}
	bch_journal_get_stats(&t.c, &js);
	bool wrapped = js.cur_idx < start;
	tc_close(&t);

	recs_clear(&t);
	/* The records come back through replay_key (pinned again). */
	int err = tc_recover(&t, &st, &list, true);
	if (err || st.entries != 7 || st.missing || st.last_seq != first_held ||
	    st.newest_seq != first_held + 6 || !replay_matches(&t, list) ||
	    (start >= 2 && !wrapped)) {
		printf("# wrap start %u: err %d entries %llu missing %llu last %llu newest %llu\n",
		       start, err, (unsigned long long)st.entries,
		       (unsigned long long)st.missing, (unsigned long long)st.last_seq,
		       (unsigned long long)st.newest_seq);
		(*bad_wrap)++;
	}
	bch_journal_free_list(list);

	/* Reclaim after recovery: a writer fills the ring and blocks. */
	struct adder a = { .t = &t, .count = 20, .words = words, .flags = JOURNAL_FLUSH,
			   .inode = 3, .ctr = 1u << 20 };
	pthread_t th;
	unsigned calls = flush_calls(&t);
	pthread_create(&th, NULL, adder_main, &a);
	bool blocked = wait_flush_call(&t, calls);
	is(bch_journal_meta(&t.c), 0, "wrap %u: meta entry while the ring is full", start);
	err = bch_journal_read(&t.c, &list, &st);
	pthread_mutex_lock(&t.lock);
	p = err ? "read failed" : st.missing ? "entries missing" : check_list(&t, list, why, sizeof(why));
	pthread_mutex_unlock(&t.lock);
	if (!blocked || p || st.last_seq != first_held) {
		printf("# wrap %u: ring full after recovery: blocked %d, %s, last %llu\n", start,
		       blocked, p ? p : "ok", (unsigned long long)st.last_seq);
		(*bad_reclaim)++;
	}
	bch_journal_free_list(list);

	set_release(&t, true);
	pthread_join(th, NULL);
	if (a.err || a.done != a.count) {
		printf("# wrap %u: writer err %d done %u\n", start, a.err, a.done);
		(*bad_reclaim)++;
	}
	set_release(&t, false);
	uint64_t need = min_held_seq(&t);
	tc_close(&t);
	err = tc_recover(&t, &st, &list, false);
	p = err ? "recover failed" : st.missing ? "missing" : check_list(&t, list, why, sizeof(why));
	if (p || st.last_seq > need || !replay_matches(&t, list)) {
		printf("# wrap %u: second recovery: %s (last %llu, need %llu)\n", start,
		       p ? p : "replay", (unsigned long long)st.last_seq, (unsigned long long)need);
		(*bad_reclaim)++;
	}
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/* ---- 5. the full ring -------------------------------------------------------------- */

static void test_full(void)
{
	struct geom g = { 4, 32, 8, false };	/* 4 blocks a bucket */
	struct tc t;
	struct journal_read_stats st;
	struct journal_replay *list;
	char why[160];
	uint64_t w[1024], ctr = 1u << 24, seq;

	tc_new(&t, "full", &g);
	tc_fresh(&t);
	unsigned words = bch_journal_max_u64s(&t.c);	/* a whole bucket */
	struct adder a = { .t = &t, .count = 10, .words = words, .flags = JOURNAL_FLUSH,
			   .inode = 5 };
	pthread_t th;
	pthread_create(&th, NULL, adder_main, &a);
	ok(wait_flush_call(&t, 0), "full: flush_pins called once the ring is full");
	unsigned d0 = __atomic_load_n(&a.done, __ATOMIC_SEQ_CST);
	sleep_ms(60);
	unsigned d1 = __atomic_load_n(&a.done, __ATOMIC_SEQ_CST);
	ok(d0 == d1 && d1 == 3, "full: the writer waits after 3 bucket-sized entries (%u)", d1);
	pthread_mutex_lock(&t.lock);
	uint64_t fseq = t.flush_seq;
	pthread_mutex_unlock(&t.lock);
	ok(fseq >= 1 && fseq <= 3, "full: flush_pins asked for the oldest bucket's entries (seq %llu)",
	   (unsigned long long)fseq);
	is(bch_journal_meta(&t.c), 0, "full: bch_journal_meta proceeds on the reserve");
	unsigned n = make_keys(w, 1, 6, &ctr);
	is(tc_add(&t, w, n, JOURNAL_FLUSH | JOURNAL_RESERVE, true, &seq), 0,
	   "full: a JOURNAL_RESERVE add proceeds too");
	is(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 3, "full: the ordinary writer still waits");
	set_release(&t, true);
	pthread_join(th, NULL);
	ok(!a.err && a.done == a.count, "full: released pins let the writer finish (%u, err %d)",
	   a.done, a.err);
	struct journal_stats js;
	bch_journal_get_stats(&t.c, &js);
	ok(js.full_waits > 0 && js.flush_pins_calls > 0, "full: counted (%llu waits, %llu calls)",
	   (unsigned long long)js.full_waits, (unsigned long long)js.flush_pins_calls);
	set_release(&t, false);
	tc_close(&t);
	is(tc_recover(&t, &st, &list, false), 0, "full: recover");
	ok(!st.missing && !check_list(&t, list, why, sizeof(why)), "full: pinned entries intact (%s)",
	   check_list(&t, list, why, sizeof(why)) ?: "ok");
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/* ---- 6. E2BIG, 7. delay ------------------------------------------------------------ */

static void test_e2big(void)
{
	struct geom g = { 4, 16, 8, false };
	struct tc t;
	uint64_t *w = calloc(4096, sizeof(uint64_t)), ctr = 0, seq = 99;

	tc_new(&t, "e2big", &g);
	tc_fresh(&t);
	unsigned max = bch_journal_max_u64s(&t.c);
	is(max, (16 * 512 - sizeof(struct jset)) / 8, "e2big: an entry is at most a bucket (%u words)", max);
	make_plain_keys(w, 4096, 1, &ctr);
	is(bch_journal_add(&t.c, w, max + 1, JOURNAL_FLUSH, &seq), -E2BIG,
	   "e2big: one word more than an empty entry holds");
	is(seq, 0, "e2big: no pin taken");
	is(bch_journal_add(&t.c, w, UINT32_MAX, 0, &seq), -E2BIG, "e2big: a huge list");
	is(bch_journal_add(&t.c, w, max & ~1u, JOURNAL_FLUSH, NULL), 0, "e2big: a full entry fits");
	tc_close(&t);
	tc_free(&t);
	free(w);
}

static void test_delay(void)
{
	struct geom g = { 4, 16, 8, false };
	struct tc t;
	uint64_t w[8], ctr = 0, seq;
	struct journal_stats js;

	tc_new(&t, "delay", &g);
	t.c.journal_delay_ms = 50;
	tc_fresh(&t);
	make_keys(w, 1, 1, &ctr);
	uint64_t t0 = now_ms();
	is(tc_add(&t, w, 2, 0, true, &seq), 0, "delay: add without flush");
	do {
		sleep_ms(5);
		bch_journal_get_stats(&t.c, &js);
	} while (js.written_seq < seq && now_ms() - t0 < 5000);
	ok(js.written_seq >= seq, "delay: written by the timer (after %llu ms, delay 50)",
	   (unsigned long long)(now_ms() - t0));
	is(js.writes, 1, "delay: one write");
	tc_close(&t);
	tc_free(&t);
}

/*
 * JOURNAL_WRITE: the add returns with a pin at once and asks for the write
 * (no timer here: the delay is an hour); bch_journal_wait then returns once
 * the entry is durable.  Without pin_seq the flag makes no sense: EINVAL.
 */
static void test_write_then_wait(void)
{
	struct geom g = { 4, 16, 8, false };
	struct tc t;
	uint64_t w[8], ctr = 0, seq = 0;
	struct journal_stats js;

	tc_new(&t, "write-wait", &g);
	t.c.journal_delay_ms = 3600 * 1000;
	tc_fresh(&t);
	make_keys(w, 1, 1, &ctr);
	is(bch_journal_add(&t.c, w, 2, JOURNAL_WRITE, NULL), -EINVAL,
	   "write-wait: JOURNAL_WRITE without pin_seq -> EINVAL");
	is(bch_journal_add(&t.c, w, 2, JOURNAL_WRITE, &seq), 0, "write-wait: add returns");
	ok(seq > 0, "write-wait: with a pin on its entry (seq %llu)", (unsigned long long)seq);
	uint64_t t0 = now_ms();
	do {
		bch_journal_get_stats(&t.c, &js);
		if (js.written_seq < seq)
			sleep_ms(1);
	} while (js.written_seq < seq && now_ms() - t0 < 5000);
	ok(js.written_seq >= seq, "write-wait: the entry is written without a timer or a waiter");
	is(bch_journal_wait(&t.c, seq), 0, "write-wait: wait returns 0 once durable");
	bch_journal_pin_drop(&t.c, seq);
	is(bch_journal_wait(&t.c, seq), 0, "write-wait: and again, pin or not");
	tc_close(&t);
	tc_free(&t);
}

static bool fail_writes(void *arg, const struct blk_req *req, uint64_t nr)
{
	(void)nr;
	return req->op == BLK_OP_WRITE && __atomic_load_n((bool *)arg, __ATOMIC_ACQUIRE);
}

/* A journal write fails while writers wait on it, with and without the
 * lock: every one of them returns the error; none is left asleep. */
static void test_write_error_wakes(void)
{
	struct geom g = { 8, 64, 16, false };
	struct tc t;
	struct adder a[6];
	pthread_t th[6];
	bool armed = false;
	int wrong = 0;

	tc_new(&t, "write-error", &g);
	t.c.journal_delay_ms = 3600 * 1000;
	tc_fresh(&t);
	struct blk_fault_opts fo = { .seed = 1, .fail = fail_writes, .fail_arg = &armed };
	is(blk_fault_attach(t.ca.bdev, &fo), 0, "write-error: fault layer attached");
	__atomic_store_n(&armed, true, __ATOMIC_RELEASE);
	for (int i = 0; i < 6; i++) {
		a[i] = (struct adder){ .t = &t, .count = 5,
				       .flags = i % 2 ? JOURNAL_WRITE : JOURNAL_FLUSH,
				       .inode = 300 + i };
		pthread_create(&th[i], NULL, adder_main, &a[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		wrong += a[i].err != -EIO || a[i].done != 0;
	}
	is(wrong, 0, "write-error: all 6 writers returned EIO, none acknowledged");
	is(bch_journal_flush(&t.c), -EIO, "write-error: a later flush fails at once");
	tc_close(&t);
	tc_free(&t);
}

/* ---- 8. many writers ---------------------------------------------------------------- */

#define NTHREADS 8
#define PER_THREAD 50

static void test_threads(void)
{
	struct geom g = { 64, 128, 80, false };
	struct tc t;
	struct adder a[NTHREADS];
	pthread_t th[NTHREADS];
	struct journal_read_stats st;
	struct journal_replay *list;
	struct journal_stats js;
	char why[160];
	int errs = 0;

	tc_new(&t, "threads", &g);
	tc_fresh(&t);
	for (int i = 0; i < NTHREADS; i++) {
		a[i] = (struct adder){ .t = &t, .count = PER_THREAD,
				       .flags = i % 2 ? JOURNAL_WRITE : JOURNAL_FLUSH,
				       .inode = 100 + i };
		pthread_create(&th[i], NULL, adder_main, &a[i]);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		errs += a[i].err != 0 || a[i].done != PER_THREAD;
	}
	is(errs, 0, "threads: %d writers x %d adds, JOURNAL_FLUSH or JOURNAL_WRITE then wait",
	   NTHREADS, PER_THREAD);
	bch_journal_get_stats(&t.c, &js);
	/* How many adds share a write depends on how the threads happen to
	 * run (400 writes when each runs alone): only the bound is
	 * guaranteed.  test_group_commit() checks the sharing itself. */
	ok(js.writes >= 1 && js.writes <= NTHREADS * PER_THREAD,
	   "threads: %llu writes for %d adds (at most one each)",
	   (unsigned long long)js.writes, NTHREADS * PER_THREAD);
	uint64_t maxseq = 0;
	for (size_t i = 0; i < t.nrecs; i++)
		if (t.recs[i].seq > maxseq)
			maxseq = t.recs[i].seq;
	ok(js.written_seq >= maxseq, "threads: every acknowledged entry durable");
	tc_close(&t);
	is(tc_recover(&t, &st, &list, false), 0, "threads: recover");
	const char *p = check_list(&t, list, why, sizeof(why));
	ok(!p && !st.missing && list && list->j.seq == 1, "threads: every key back (%s)", p ?: "ok");
	ok(replay_matches(&t, list), "threads: replayed in order");
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/*
 * Group commit, whatever the scheduling: 8 threads add keys without asking
 * for a write (the delay is an hour, so no timer writes either), then one
 * flush writes them.  Entries are only written when full or flushed, so
 * the keys of all 400 adds share a handful of writes, and come back.
 */
static void test_group_commit(void)
{
	struct geom g = { 64, 128, 80, false };
	struct tc t;
	struct adder a[NTHREADS];
	pthread_t th[NTHREADS];
	struct journal_read_stats st;
	struct journal_replay *list;
	struct journal_stats js;
	char why[160];
	int errs = 0;

	tc_new(&t, "group", &g);
	t.c.journal_delay_ms = 3600 * 1000;
	tc_fresh(&t);
	for (int i = 0; i < NTHREADS; i++) {
		a[i] = (struct adder){ .t = &t, .count = PER_THREAD, .flags = 0,
				       .inode = 200 + i };
		pthread_create(&th[i], NULL, adder_main, &a[i]);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		errs += a[i].err != 0 || a[i].done != PER_THREAD;
	}
	is(errs, 0, "group commit: %d writers x %d adds, no write asked", NTHREADS, PER_THREAD);
	is(bch_journal_flush(&t.c), 0, "group commit: one flush");
	bch_journal_get_stats(&t.c, &js);
	/* The adds hold 4,680 words of keys and an entry up to 32 KiB
	 * (JOURNAL_MAX_SECTORS): 2 writes, as each entry is written only
	 * once full or flushed.  4 leaves room for entries half that size. */
	ok(js.writes >= 1 && js.writes <= 4, "group commit: %llu writes for %d adds",
	   (unsigned long long)js.writes, NTHREADS * PER_THREAD);
	tc_close(&t);
	is(tc_recover(&t, &st, &list, false), 0, "group commit: recover");
	const char *p = check_list(&t, list, why, sizeof(why));
	ok(!p && !st.missing, "group commit: every key back (%s)", p ?: "ok");
	bch_journal_free_list(list);
	tc_close(&t);
	tc_free(&t);
}

/* ---- 9. power loss ---------------------------------------------------------------------- */

struct crash_tally {
	unsigned states, read_err, lost, missing, bad_content, replay_bad, errors_seen;
	unsigned kept, dropped, torn;
};

/* Random work until an error (the power went) or `ops` operations. */
static void crash_work(struct tc *t, unsigned ops, uint64_t *ctr, unsigned inode)
{
	uint64_t w[64];

	for (unsigned i = 0; i < ops; i++) {
		unsigned r = rndn(100), n;
		int err = 0;

		if (r < 60) {
			n = make_keys(w, 1 + rndn(4), inode, ctr);
			unsigned f = rndn(10);

			err = tc_add(t, w, n, f < 3 ? JOURNAL_FLUSH : f < 6 ? JOURNAL_WRITE : 0,
				     true, NULL);
		} else if (r < 65) {
			n = make_plain_keys(w, 2 * (1 + rndn(32)), inode, ctr);
			err = tc_add(t, w, n, JOURNAL_FLUSH, true, NULL);
		} else if (r < 72) {
			err = bch_journal_meta(&t->c);
		} else if (r < 77) {
			err = bch_journal_flush(&t->c);
		} else {
			/* The btree writes some nodes: the oldest pins go. */
			uint64_t m = min_held_seq(t);
			if (m != UINT64_MAX)
				release_upto(t, m + rndn(3));
		}
		if (err)
			return;
		mark_acked(t);
	}
}


static void crash_attach(struct tc *t, uint64_t seed)
{
	struct blk_fault_opts fo = {
		.seed = seed,
		.power_cut_at = 1 + rndn(48),
		.survive_pct = rndn(101),
		.tear_pct = rndn(101),
	};
	blk_drain(t->ca.bdev);	/* a synchronous read's tail may still count */
	int err = blk_fault_attach(t->ca.bdev, &fo);
	if (err) {
		printf("# blk_fault_attach: %d\n", err);
		exit(2);
	}
}

/* Cuts the power, recovers, checks; with `pin`, the replay pins again. */
static bool crash_check(struct tc *t, struct crash_tally *ct, bool pin)
{
	struct blk_fault_report rep;
	struct journal_read_stats st;
	struct journal_replay *list = NULL;
	char why[160];
	bool good = true;

	if (bch_error(&t->c))
		ct->errors_seen++;
	bch_journal_exit(&t->c);
	blk_fault_power_loss(t->ca.bdev, &rep);
	ct->kept += (unsigned)rep.kept;
	ct->dropped += (unsigned)rep.dropped;
	ct->torn += (unsigned)rep.torn;
	tc_close(t);
	ct->states++;

	int err = tc_open_dev(t, false);
	if (!err)
		err = bch_journal_init(&t->c);
	if (!err)
		err = bch_journal_read(&t->c, &list, &st);
	if (err) {
		ct->read_err++;
		bch_journal_free_list(list);
		return false;
	}
	const char *p = check_list(t, list, why, sizeof(why));
	if (p) {
		if (strstr(p, "lost"))
			ct->lost++;
		else
			ct->bad_content++;
		if (ct->lost + ct->bad_content <= 3)
			printf("# crash state %u: %s\n", ct->states, p);
		good = false;
	}
	if (st.missing) {
		ct->missing++;
		good = false;
	}
	/* The records become what was read: each entry replayed, pinned. */
	recs_clear(t);
	err = bch_journal_start(&t->c, list);
	replayed_clear(t);
	t->replay_pin = pin;
	if (!err)
		err = bch_journal_replay(&t->c, list);
	t->replay_pin = false;
	if (err || !replay_matches(t, list)) {
		ct->replay_bad++;
		good = false;
	}
	bch_journal_free_list(list);
	return good;
}

static void test_crash(void)
{
	const char *env = getenv("MMSIM_JOURNAL_CRASH_STATES");
	unsigned states = env && atoi(env) > 0 ? (unsigned)atoi(env) : 200;
	struct crash_tally ct = { 0 };
	struct geom g = { 8, 16, 12, false };
	struct tc t;

	for (unsigned s = 0; ct.states < states; s++) {
		uint64_t ctr = 0;

		rng_state = 0xc4a5 + s;
		g.discard = s & 1;
		tc_new(&t, "crash", &g);
		t.c.journal_delay_ms = 1 + rndn(5);
		set_release(&t, true);
		crash_attach(&t, s + 1);
		tc_fresh(&t);
		crash_work(&t, 40 + rndn(40), &ctr, 1);
		if (crash_check(&t, &ct, true) && ct.states < states) {
			/* Go on from the recovered state, and crash again. */
			set_release(&t, true);
			wait_discards(&t);
			crash_attach(&t, s + 1000003);
			crash_work(&t, 30 + rndn(30), &ctr, 2);
			crash_check(&t, &ct, false);
		}
		bch_journal_exit(&t.c);
		tc_close(&t);
		tc_free(&t);
	}
	printf("# %u crash states: writes at the cut kept %u, dropped %u, torn %u; %u saw the error\n",
	       ct.states, ct.kept, ct.dropped, ct.torn, ct.errors_seen);
	is(ct.read_err, 0, "crash: the journal reads back after every power loss");
	is(ct.lost, 0, "crash: no acknowledged, still pinned key list lost");
	is(ct.bad_content, 0, "crash: no entry holding anything but what was added");
	is(ct.missing, 0, "crash: no sequence number missing");
	is(ct.replay_bad, 0, "crash: start and replay go through");
	ok(ct.torn + ct.dropped > 0, "crash: some writes were lost or torn at the cut");
}

/* ---- 10. garbage ----------------------------------------------------------------------- */

static void put_jset(uint8_t *at, size_t room, uint64_t magic, bool good_csum)
{
	struct jset *j = (struct jset *)at;
	size_t maxk = (room - sizeof(*j)) / 8;

	memset(j, 0, sizeof(*j));
	j->magic = magic;
	j->version = BCACHE_JSET_VERSION;
	j->seq = rndn(4) ? 1 + rndn(200) : rnd();
	j->last_seq = rndn(3) ? j->seq - rndn((unsigned)(j->seq < 50 ? j->seq : 50)) : rnd();
	j->keys = rndn(4) ? rndn((unsigned)maxk + 1) : (uint32_t)rnd();
	if (j->keys <= maxk)
		for (uint32_t i = 0; i < j->keys; i++)
			j->d[i] = rndn(2) ? rnd() : (uint64_t)rndn(8) << 60;
	if (good_csum && j->keys <= maxk)
		j->csum = bch_jset_csum(j);
	else
		j->csum = rnd();
}

static void test_garbage(void)
{
	struct geom g = { 8, 16, 12, false };
	struct tc t;
	uint64_t w[1024], ctr = 0;
	unsigned iters = 400, errs = 0, crashes_avoided = 0, bad = 0, accepted_fake = 0;
	char why[160];

	rng_state = 0x6a7ba6e;
	tc_new(&t, "garbage", &g);
	tc_fresh(&t);
	for (int i = 0; i < 30; i++) {	/* wrap the ring, keep the newest pinned */
		unsigned n = i % 3 ? make_keys(w, 1 + rndn(8), 1, &ctr)
				   : make_plain_keys(w, 2 * (1 + rndn(400)), 1, &ctr);
		tc_add(&t, w, n, JOURNAL_FLUSH, i >= 20, NULL);
	}
	bch_journal_exit(&t.c);

	size_t bucket_bytes = (size_t)g.bucket_sectors * 512;
	size_t area = (size_t)g.nj * bucket_bytes;
	uint64_t start = (uint64_t)FIRST_BUCKET * g.bucket_sectors;
	uint8_t *pristine, *img;
	if (posix_memalign((void **)&pristine, 4096, area) ||
	    posix_memalign((void **)&img, 4096, area))
		abort();
	blk_rw(t.ca.bdev, BLK_OP_READ, 0, start, pristine, area);
	uint64_t magic = bch_jset_magic(&t.ca.sb);

	for (unsigned it = 0; it < iters; it++) {
		struct journal_read_stats st;
		struct journal_replay *list = NULL;
		bool fake = false;

		memcpy(img, pristine, area);
		unsigned kind = it % 6, reps = 1 + rndn(6);
		for (unsigned r = 0; r < reps; r++) {
			size_t off = rndn((unsigned)area);
			size_t blk = off / (BLOCK_SECTORS * 512) * (BLOCK_SECTORS * 512);
			size_t b = off / bucket_bytes * bucket_bytes;
			switch (kind) {
			case 0:		/* bit flips */
				img[off] ^= (uint8_t)(1u << rndn(8));
				break;
			case 1:		/* a block of noise */
				for (size_t i = 0; i < BLOCK_SECTORS * 512; i++)
					img[blk + i] = (uint8_t)rnd();
				break;
			case 2:		/* a forged header, bad checksum */
				put_jset(img + blk, b + bucket_bytes - blk, magic, false);
				break;
			case 3:		/* a forged entry that passes every check */
				put_jset(img + blk, b + bucket_bytes - blk, magic, true);
				fake = true;
				break;
			case 4:		/* one bucket over another */
				memcpy(img + b, pristine + rndn(g.nj) * bucket_bytes, bucket_bytes);
				break;
			default:	/* a zeroed bucket */
				memset(img + b, 0, bucket_bytes);
				break;
			}
		}
		blk_rw(t.ca.bdev, BLK_OP_WRITE, 0, start, img, area);
		int err = bch_journal_read(&t.c, &list, &st);
		if (err && err != -EINVAL && err != -EIO)
			errs++;
		if (!err && !fake && check_list(&t, list, why, sizeof(why)) &&
		    !strstr(check_list(&t, list, why, sizeof(why)), "lost"))
			bad++;
		if (!err && list) {
			/* Start and replay whatever was accepted: never a crash. */
			if (!bch_journal_init(&t.c)) {
				replayed_clear(&t);
				if (!bch_journal_start(&t.c, list)) {
					int rr = bch_journal_replay(&t.c, list);
					if (rr && rr != -EINVAL)
						errs++;
					accepted_fake += fake && !rr;
				}
				bch_journal_exit(&t.c);
			}
		}
		crashes_avoided++;
		bch_journal_free_list(list);
	}
	blk_rw(t.ca.bdev, BLK_OP_WRITE, 0, start, pristine, area);
	is(crashes_avoided, iters, "garbage: %u corrupted rings read without a crash", iters);
	is(errs, 0, "garbage: only EINVAL or EIO as errors");
	is(bad, 0, "garbage: what is accepted is what was written (when nothing was forged)");
	printf("# garbage: %u forged lists replayed whole\n", accepted_fake);
	free(pristine);
	free(img);
	tc_close(&t);
	tc_free(&t);
}

/* ---- main ------------------------------------------------------------------------------ */

/* The pin ring's invariants, checked on rings built by hand. */
static void test_pins_check(void)
{
	uint32_t count[4] = { 2, 0, 1, 1 };
	struct journal_pins p = { .count = count, .cap = 4, .head = 1, .first = 10, .end = 13 };

	/* Seqs 10, 11, 12 in slots 1, 2, 3: counts 0, 1, 1. */
	is(bch_journal_pins_check(&p, 12), 1, "pins: last_seq held by nobody is found");
	count[1] = 3;
	is(bch_journal_pins_check(&p, 12), 0, "pins: a good ring passes");
	is(bch_journal_pins_check(&p, 13), 1, "pins: an open entry past the ring is found");
	is(bch_journal_pins_check(&p, 9), 1, "pins: an open entry before last_seq is found");
	p.end = 15;
	is(bch_journal_pins_check(&p, 12), 1, "pins: more seqs than slots is found");
	p.end = 13;
	count[1] = 0;
	p.first = 12;
	p.end = 13;
	p.head = 1;
	is(bch_journal_pins_check(&p, 12), 0, "pins: last_seq = the open entry may be unheld");
}

int main(void)
{
	const char *tdir = getenv("TMPDIR");

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/mmsim-journal-XXXXXX", tdir && *tdir ? tdir : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}

	test_pins_check();
	test_roundtrip();
	test_last_seq();
	test_gap();
	test_damage();
	test_damage_header(8);
	test_damage_header(1);

	for (unsigned n = 1; n <= 20; n++)
		test_search_ring(n, 1, false);
	test_search_ring(64, 1, false);
	test_search_ring(255, 1, false);
	test_search_ring(7, 2, false);
	test_search_ring(16, 2, false);
	test_search_ring(13, 2, true);

	unsigned bad_wrap = 0, bad_reclaim = 0;
	for (unsigned s = 0; s < 8; s++)
		test_wrap(s, &bad_wrap, &bad_reclaim);
	is(bad_wrap, 0, "wrap: replay of entries across the ring's end, 8 rotations");
	is(bad_reclaim, 0, "wrap: reclaim after recovery overwrites nothing still needed");

	test_full();
	test_e2big();
	test_delay();
	test_write_then_wait();
	test_write_error_wakes();
	test_threads();
	test_group_commit();
	test_crash();
	test_garbage();

	if (rmdir(tmpdir))
		perror(tmpdir);
	return done_testing();
}
