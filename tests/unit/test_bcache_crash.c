/*
 * test_bcache_crash.c - crash states of a whole cache set.
 *
 * Each state: format a small set (cache 256 buckets of 8 KiB, 8 journal
 * buckets, so nodes split and the journal fills and wraps often), register
 * it with the fault layer on both devices, run a seeded random workload of
 * writes (some FUA), flushes and writeback passes, cut the power at a
 * random request of one device (with a random share of the unflushed
 * writes surviving, and of the others torn at a sector boundary), then:
 *   - fsck of the crashed cache is clean;
 *   - registering again succeeds (journal read + replay);
 *   - every sector holds its durable version or one written after it:
 *     exactly the durable one when nothing was written after, and never a
 *     torn or foreign sector (the sector stamps say which write put them);
 *   - after a clean stop, fsck is clean again.
 * A write is durable once a flush that began after it was acknowledged
 * completed, or at once with BCH_WRITE_FUA.
 *
 * MMSIM_BCACHE_CRASH_STATES sets the number of states (default 1000);
 * MMSIM_BCACHE_CRASH_SEED the first seed.
 */
#include <errno.h>
#include <inttypes.h>

#include "bcache/btree.h"
#include "bcache_harness.h"
#include "tap.h"

#define REGION_SECTORS 2048u		/* 1 MiB of the backing device */
#define MAX_VERS 256u

struct sector_model {
	uint64_t durable;		/* version a crash cannot take back */
	uint32_t nlater;		/* versions written (or tried) after it */
	uint64_t later[8];		/* the newest of them; older are dropped */
	bool overflow;			/* more than fit: accept any newer */
};

struct state {
	uint64_t seed, rng;
	struct sector_model s[REGION_SECTORS];
	uint64_t acked[REGION_SECTORS];	/* newest acknowledged version */
	uint64_t next;
	struct blk_dev *cache, *backing;
	struct cache_set *c;
};

static void note_write(struct state *st, uint64_t sec, uint64_t n, uint64_t v)
{
	for (uint64_t i = sec; i < sec + n; i++) {
		struct sector_model *m = &st->s[i];

		if (m->nlater == 8) {
			memmove(m->later, m->later + 1, 7 * sizeof(m->later[0]));
			m->nlater = 7;
			m->overflow = true;
		}
		m->later[m->nlater++] = v;
	}
}

/* Every version acknowledged in the range becomes the durable one. */
static void make_durable(struct state *st, uint64_t sec, uint64_t n)
{
	for (uint64_t i = sec; i < sec + n; i++) {
		struct sector_model *m = &st->s[i];
		uint64_t a = st->acked[i];
		uint32_t k = 0;

		if (a <= m->durable)
			continue;
		m->durable = a;
		for (uint32_t j = 0; j < m->nlater; j++)
			if (m->later[j] > a)
				m->later[k++] = m->later[j];
		m->nlater = k;
	}
}

static bool sector_ok(const struct sector_model *m, int64_t v)
{
	if (v < 0)
		return false;
	if ((uint64_t)v == m->durable)
		return true;
	for (uint32_t j = 0; j < m->nlater; j++)
		if (m->later[j] == (uint64_t)v)
			return true;
	return m->overflow && (uint64_t)v > m->durable;
}

static int do_write(struct state *st)
{
	uint64_t blocks = 1 + bh_rand(&st->rng) % 6;
	uint64_t sec = (bh_rand(&st->rng) % (REGION_SECTORS / 8 - blocks + 1)) * 8;
	bool fua = bh_rand(&st->rng) % 5 == 0;
	uint64_t v = ++st->next, n = blocks * 8;
	void *buf = bh_buf(n * 512);
	int r;

	bh_stamp(buf, sec, n, v);
	note_write(st, sec, n, v);
	r = bch_cached_write(st->c->bdev[0], sec, buf, n * 512, fua ? BCH_WRITE_FUA : 0);
	free(buf);
	if (r)
		return r;
	for (uint64_t i = sec; i < sec + n; i++)
		st->acked[i] = v;
	if (fua)
		make_durable(st, sec, n);
	return 0;
}

static int workload(struct state *st)
{
	unsigned nops = 20 + (unsigned)(bh_rand(&st->rng) % 120);
	int r = 0;

	for (unsigned i = 0; i < nops && !r; i++) {
		unsigned what = (unsigned)(bh_rand(&st->rng) % 100);

		if (what < 80) {
			r = do_write(st);
		} else if (what < 93) {
			r = bch_cached_flush(st->c->bdev[0]);
			if (!r)
				make_durable(st, 0, REGION_SECTORS);
		} else {
			long n = bch_writeback_pass(st->c);

			r = n < 0 ? (int)n : 0;
		}
	}
	return r;
}

/* Power is cut at a random request of the cache (mostly) or the backing
 * device; the other one loses power when the workload stops. */
static int attach_faults(struct state *st)
{
	struct blk_fault_opts fc = { .seed = st->seed }, fb = { .seed = st->seed + 1 };

	fc.survive_pct = fb.survive_pct = (unsigned)(bh_rand(&st->rng) % 3) * 40;
	fc.tear_pct = fb.tear_pct = bh_rand(&st->rng) % 2 ? 50 : 0;
	if (bh_rand(&st->rng) % 4)
		fc.power_cut_at = 5 + bh_rand(&st->rng) % 400;
	else
		fb.power_cut_at = 1 + bh_rand(&st->rng) % 12;
	if (blk_fault_attach(st->backing, &fb))
		return -1;
	return blk_fault_attach(st->cache, &fc);
}

static struct blk_dev *reopen(struct blk_dev *d, const char *file)
{
	blk_close(d);
	return bh_open(file, 0);
}

/* One crash state; returns 0 when everything checked out. */
static int one_state(uint64_t seed, uint64_t *cut_early)
{
	static struct state st;
	struct bch_format_opts fo;
	struct bch_open_opts oo;
	char why[256];
	void *buf = bh_buf(REGION_SECTORS * 512);
	long problems;
	int r, bad = 0;

	memset(&st, 0, sizeof(st));
	st.seed = seed;
	st.rng = seed * 0x9e3779b97f4a7c15ull + 1;
	bch_format_opts_default(&fo);
	fo.bucket_sectors = 16;
	fo.njournal_buckets = 8;
	fo.seed = seed;
	if (bh_format(&st.cache, &st.backing, 256 * 8192, 4u << 20, &fo))
		return 1;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	if (bch_cache_set_open(st.cache, &st.backing, 1, &oo, &st.c, NULL, why, sizeof(why))) {
		printf("# seed %" PRIu64 ": register: %s\n", seed, why);
		return 1;
	}
	/* The fault layer attaches with nothing in flight (a journal write
	 * started by registering may still be). */
	blk_drain(st.cache);
	blk_drain(st.backing);
	if ((r = attach_faults(&st))) {
		printf("# seed %" PRIu64 ": blk_fault_attach: %d\n", seed, r);
		return 1;
	}
	r = workload(&st);
	if (!r)
		(*cut_early)++;		/* the workload ended before the cut */
	blk_fault_power_loss(st.cache, NULL);
	blk_fault_power_loss(st.backing, NULL);
	bch_cache_set_stop(st.c);
	st.cache = reopen(st.cache, "cache.img");
	st.backing = reopen(st.backing, "backing.img");

	problems = bch_fsck(st.cache, stdout);
	if (problems) {
		printf("# seed %" PRIu64 ": fsck after the crash: %ld problems\n", seed, problems);
		bad++;
	}
	if (bch_cache_set_open(st.cache, &st.backing, 1, &oo, &st.c, NULL, why, sizeof(why))) {
		printf("# seed %" PRIu64 ": register after the crash: %s\n", seed, why);
		return 1;
	}
	r = bch_cached_read(st.c->bdev[0], 0, buf, REGION_SECTORS * 512);
	if (r) {
		printf("# seed %" PRIu64 ": read: %d\n", seed, r);
		bad++;
	}
	for (unsigned i = 0; !r && i < REGION_SECTORS; i++) {
		int64_t v = bh_version((char *)buf + i * 512, i);

		if (!sector_ok(&st.s[i], v)) {
			printf("# seed %" PRIu64 ": sector %u holds version %" PRId64
			       ", durable %" PRIu64 " (%u later)\n", seed, i, v,
			       st.s[i].durable, st.s[i].nlater);
			bad++;
			break;
		}
	}
	if (bch_cache_set_stop(st.c)) {
		printf("# seed %" PRIu64 ": stop after recovery failed\n", seed);
		bad++;
	}
	if (bch_fsck(st.cache, stdout)) {
		printf("# seed %" PRIu64 ": fsck after recovery and stop not clean\n", seed);
		bad++;
	}
	blk_close(st.cache);
	blk_close(st.backing);
	free(buf);
	return bad;
}

/*
 * A leaf written while it holds the key of an unflushed write: version 1
 * of a range is made durable (FUA) and leaves the journal (its leaf
 * written, last_seq moved past it), version 2 is written without FUA (its
 * data completed, its key in memory and in an unwritten journal entry),
 * the leaf gets a set appended, and the power goes.  Whatever survives,
 * the range must read back as version 1 or 2: if the appended set
 * survives, the data its key names must have too (node writes carry
 * PREFLUSH).  Seeds choose the fates: half of the unflushed writes
 * survive, so some seeds keep the set and lose the data.
 */
static int leaf_over_unflushed_data(uint64_t seed, unsigned *leaf_kept)
{
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct bch_format_opts fo;
	struct bch_open_opts oo;
	struct blk_fault_opts fc = { .seed = seed, .survive_pct = 50 };
	struct blk_fault_report rep;
	struct bch_btree_stats b0, b1;
	char why[256];
	void *buf = bh_buf(8 * 512);
	int bad = 0;

	bch_format_opts_default(&fo);
	fo.bucket_sectors = 128;	/* nodes room for several appended sets */
	fo.njournal_buckets = 8;
	fo.seed = seed;
	if (bh_format(&cache, &backing, 256 * 65536, 4u << 20, &fo))
		return 1;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	oo.journal_delay_ms = 3600 * 1000;	/* only what the test asks is written */
	if (bch_cache_set_open(cache, &backing, 1, &oo, &c, NULL, why, sizeof(why))) {
		printf("# leaf seed %" PRIu64 ": register: %s\n", seed, why);
		return 1;
	}
	blk_drain(cache);
	if (blk_fault_attach(cache, &fc))
		return 1;
	bh_stamp(buf, 0, 8, 1);
	bad += bch_cached_write(c->bdev[0], 0, buf, 8 * 512, BCH_WRITE_FUA) != 0;
	/* Its key leaves the journal: in the leaf, and last_seq past it. */
	bad += bch_btree_flush_all(c) != 0;
	bad += bch_journal_meta(c) != 0;
	bh_stamp(buf, 0, 8, 2);
	bad += bch_cached_write(c->bdev[0], 0, buf, 8 * 512, 0) != 0;
	bch_btree_get_stats(c, &b0);
	bad += bch_btree_flush_all(c) != 0;
	bch_btree_get_stats(c, &b1);
	bad += b1.bset_appends != b0.bset_appends + 1;	/* the case in question */
	blk_fault_power_loss(cache, &rep);
	*leaf_kept += rep.kept > 0;
	bch_cache_set_stop(c);
	cache = reopen(cache, "cache.img");
	backing = reopen(backing, "backing.img");
	if (bch_cache_set_open(cache, &backing, 1, &oo, &c, NULL, why, sizeof(why))) {
		printf("# leaf seed %" PRIu64 ": register after the crash: %s\n", seed, why);
		bad++;
	} else {
		bad += bch_cached_read(c->bdev[0], 0, buf, 8 * 512) != 0;
		for (unsigned i = 0; i < 8; i++) {
			int64_t v = bh_version((char *)buf + i * 512, i);

			if (v != 1 && v != 2) {
				printf("# leaf seed %" PRIu64 ": sector %u holds version %" PRId64
				       " (kept %" PRIu64 ", dropped %" PRIu64 ")\n", seed, i, v,
				       rep.kept, rep.dropped);
				bad++;
				break;
			}
		}
		bch_cache_set_stop(c);
	}
	blk_close(cache);
	blk_close(backing);
	free(buf);
	return bad;
}

int main(void)
{
	const char *e = getenv("MMSIM_BCACHE_CRASH_STATES");
	const char *s0 = getenv("MMSIM_BCACHE_CRASH_SEED");
	uint64_t states = e ? strtoull(e, NULL, 0) : 1000, first = s0 ? strtoull(s0, NULL, 0) : 1;
	uint64_t failed = 0, cut_early = 0;

	bh_setup("mmsim-bcache-crash");
	unsigned leaf_bad = 0, leaf_kept = 0;

	for (uint64_t seed = 1; seed <= 24; seed++)
		leaf_bad += leaf_over_unflushed_data(seed, &leaf_kept) != 0;
	is(leaf_bad, 0, "a leaf written over unflushed data: 24 power cuts (%u kept something)",
	   leaf_kept);
	for (uint64_t i = 0; i < states; i++) {
		int bad = one_state(first + i, &cut_early);

		if (bad && failed++ < 5)
			printf("# state seed %" PRIu64 " failed\n", first + i);
	}
	is(failed, 0, "%" PRIu64 " crash states (%" PRIu64 " cut after the workload ended)",
	   states, cut_early);
	bh_cleanup();
	done_testing();
}
