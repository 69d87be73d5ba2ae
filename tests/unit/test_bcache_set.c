/*
 * test_bcache_set.c - a whole cache set through its public calls: format
 * and the superblocks (including every corruption the validator names),
 * registering, writes and reads in writeback, writethrough and writearound
 * modes against a model, clean stop and register again, the writeback
 * pass, a cache that fills up (clean data evicted, dirty data kept), and
 * fsck on clean and damaged images, and a full journal whose unsticking
 * must replace the root.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "bcache/btree.h"
#include "bcache_harness.h"
#include "tap.h"

#define CACHE_BYTES (8u << 20)		/* 256 buckets of 32 KiB */
#define BACKING_BYTES (16u << 20)
#define BLOCK 4096u

static struct bch_format_opts fopts(void)
{
	struct bch_format_opts o;

	bch_format_opts_default(&o);
	o.bucket_sectors = 64;
	o.seed = 7;
	o.label = "test";
	return o;
}

/* ---- superblocks -------------------------------------------------------------- */

static void test_superblock(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct cache_sb sb, bad;
	char why[256];

	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format");
	ok(!bch_sb_read(cache, &sb, why, sizeof(why)), "cache superblock reads back");
	is(sb.version, BCACHE_SB_VERSION_CDEV_WITH_UUID, "cache sb version");
	is(sb.nbuckets, CACHE_BYTES / 512 / 64, "nbuckets");
	is(sb.bucket_size, 64, "bucket size");
	is(sb.block_size, 8, "block size");
	ok(sb.first_bucket * 64 >= 16, "first bucket after the superblock");
	ok(sb.keys >= 2 && sb.d[0] == sb.first_bucket, "journal buckets listed");
	ok(sb.flags & BCH_CACHE_SYNC, "CACHE_SYNC set");
	ok(!strcmp((char *)sb.label, "test"), "label");

	bad = sb;
	bad.magic[3] ^= 1;
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL && strstr(why, "magic"),
	   "bad magic: %s", why);
	bad = sb;
	bad.csum ^= 1;
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL && strstr(why, "checksum"),
	   "bad checksum: %s", why);
	bad = sb;
	bad.version = 6;
	bad.csum = bch_sb_csum(&bad);
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL && strstr(why, "version"),
	   "unsupported version: %s", why);
	bad = sb;
	bad.keys = 300;
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL, "too many journal buckets: %s",
	   why);
	ok(bch_sb_validate(&sb, CACHE_BYTES / 512 / 2, why, sizeof(why)) == -EINVAL &&
	   strstr(why, "truncated"), "device smaller than nbuckets: %s", why);
	bad = sb;
	bad.d[1] = bad.d[0];
	bad.csum = bch_sb_csum(&bad);
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL && strstr(why, "twice"),
	   "journal bucket listed twice: %s", why);
	bad = sb;
	bad.d[0] = bad.nbuckets;
	bad.csum = bch_sb_csum(&bad);
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL, "journal bucket outside: %s",
	   why);
	bad = sb;
	bad.bucket_size = 48;
	bad.csum = bch_sb_csum(&bad);
	ok(bch_sb_validate(&bad, 0, why, sizeof(why)) == -EINVAL, "bucket size not 2^n: %s",
	   why);

	ok(!bch_sb_read(backing, &sb, why, sizeof(why)) && bch_sb_is_bdev(&sb),
	   "backing superblock reads back");
	is(BCH_BDEV_MODE(&sb), BCH_MODE_WRITEBACK, "backing in writeback mode");
	blk_close(cache);
	blk_close(backing);
}

static void test_format_refusals(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	char why[256];

	cache = bh_open("cache.img", 128 * 32 * 1024 - 4096);	/* one bucket short */
	backing = bh_open("backing.img", BACKING_BYTES);
	o.bucket_sectors = 64;
	ok(bch_format(cache, backing, &o, why, sizeof(why)) == -ENOSPC, "too small: %s", why);
	o.bucket_sectors = 96;
	ok(bch_format(cache, backing, &o, why, sizeof(why)) == -EINVAL, "bucket 96: %s", why);
	o.bucket_sectors = 64;
	o.block_sectors = 128;
	ok(bch_format(cache, backing, &o, why, sizeof(why)) == -EINVAL, "block > bucket: %s",
	   why);
	blk_close(cache);
	blk_close(backing);
}

/* ---- I/O against a model ---------------------------------------------------------- */

struct model {
	uint64_t sectors;
	uint64_t *ver;		/* per sector: the version written last */
	uint64_t next;
};

static int model_write(struct cached_dev *dc, struct model *m, uint64_t sec, uint64_t n,
		       unsigned flags)
{
	void *buf = bh_buf(n * 512);
	uint64_t v = ++m->next;
	int r;

	bh_stamp(buf, sec, n, v);
	r = bch_cached_write(dc, sec, buf, n * 512, flags);
	if (!r)
		for (uint64_t i = 0; i < n; i++)
			m->ver[sec + i] = v;
	free(buf);
	return r;
}

/* 0 when every sector of [sec, sec+n) holds what the model says. */
static long model_check(struct cached_dev *dc, struct model *m, uint64_t sec, uint64_t n)
{
	void *buf = bh_buf(n * 512);
	long bad = 0;
	int r = bch_cached_read(dc, sec, buf, n * 512);

	if (r) {
		free(buf);
		return r;
	}
	for (uint64_t i = 0; i < n; i++)
		if (bh_version((char *)buf + i * 512, sec + i) != (int64_t)m->ver[sec + i]) {
			if (!bad)
				printf("# sector %llu: version %lld, want %llu\n",
				       (unsigned long long)(sec + i),
				       (long long)bh_version((char *)buf + i * 512, sec + i),
				       (unsigned long long)m->ver[sec + i]);
			bad++;
		}
	free(buf);
	return bad;
}

static void random_writes(struct cached_dev *dc, struct model *m, uint64_t *rng,
			  unsigned nops, uint64_t region, int *err)
{
	for (unsigned i = 0; i < nops && !*err; i++) {
		uint64_t blocks = 1 + bh_rand(rng) % 8;
		uint64_t sec = (bh_rand(rng) % (region / 8 - blocks)) * 8;

		*err = model_write(dc, m, sec, blocks * 8, bh_rand(rng) % 8 ? 0 : BCH_WRITE_FUA);
	}
}

static void test_io_modes(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct model m = { .sectors = 8192 };
	uint64_t rng = 1;
	void *raw;
	long wb;
	int err = 0;

	m.ver = calloc(m.sectors, sizeof(*m.ver));
	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format");
	ok(!bh_register(cache, backing, &c, NULL), "register a fresh set");
	ok(c->bdev[0] && c->bdev[0]->mode == BCH_MODE_WRITEBACK, "backing attached, writeback");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "fresh device reads zeros");
	raw = bh_buf(BLOCK);
	is(bch_cached_write(c->bdev[0], 3, raw, BLOCK, 0), -EINVAL, "unaligned write refused");
	is(bch_cached_write(c->bdev[0], c->bdev[0]->sectors, raw, BLOCK, 0), -ENXIO,
	   "write past the end refused");

	random_writes(c->bdev[0], &m, &rng, 400, m.sectors, &err);
	is(err, 0, "400 writeback writes");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "reads match the model");

	wb = bch_writeback_pass(c);
	ok(wb > 0, "writeback pass wrote %ld extents back", wb);
	while (wb > 0)
		wb = bch_writeback_pass(c);
	is(wb, 0, "then nothing is dirty");
	err = 0;
	for (uint64_t s = 0; s < m.sectors && !err; s += 8) {
		blk_rw(backing, BLK_OP_READ, 0, BCH_BDEV_DATA_START_DEFAULT + s, raw, BLOCK);
		for (unsigned i = 0; i < 8; i++)
			if (bh_version((char *)raw + i * 512, s + i) != (int64_t)m.ver[s + i])
				err = 1;
	}
	is(err, 0, "the backing device holds every written sector");

	c->bdev[0]->mode = BCH_MODE_WRITETHROUGH;
	random_writes(c->bdev[0], &m, &rng, 100, m.sectors, &err);
	is(err, 0, "100 writethrough writes");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "reads match the model");
	c->bdev[0]->mode = BCH_MODE_WRITEAROUND;
	random_writes(c->bdev[0], &m, &rng, 100, m.sectors, &err);
	is(err, 0, "100 writearound writes");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "reads match the model");
	c->bdev[0]->mode = BCH_MODE_WRITEBACK;
	random_writes(c->bdev[0], &m, &rng, 200, m.sectors, &err);
	is(err, 0, "200 more writeback writes");

	is(bch_cache_set_stop(c), 0, "clean stop");
	is(bch_fsck(cache, stdout), 0, "fsck: clean after a clean stop");
	ok(!bh_register(cache, backing, &c, NULL), "register again");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "everything reads back");
	is(bch_cache_set_stop(c), 0, "clean stop");
	blk_close(cache);
	blk_close(backing);
	free(raw);
	free(m.ver);
}

/* Writes many times the cache's size: clean data must make room. */
static void test_cache_full(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct model m = { .sectors = 16384 };	/* 8 MiB: as big as the cache */
	uint64_t rng = 2;
	int err = 0;

	m.ver = calloc(m.sectors, sizeof(*m.ver));
	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format");
	ok(!bh_register(cache, backing, &c, NULL), "register");
	for (int round = 0; round < 6 && !err; round++) {
		random_writes(c->bdev[0], &m, &rng, 300, m.sectors, &err);
		while (!err && bch_writeback_pass(c) > 0)
			;
	}
	is(err, 0, "writes of 6x the cache size, with writeback passes between");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "reads match the model");
	is(bch_cache_set_stop(c), 0, "clean stop");
	blk_close(cache);
	blk_close(backing);
	free(m.ver);
}

/* Dirty writes of twice the cache's size with no writeback at all: when
 * no bucket is left for dirty data, writes go around the cache (FUA to the
 * backing device, the range dropped from the cache) instead of failing;
 * everything reads back, before and after a restart. */
static void test_cache_full_of_dirty(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct model m = { .sectors = 16384 };	/* 8 MiB: as big as the cache */
	uint64_t rng = 3;
	int err = 0;

	m.ver = calloc(m.sectors, sizeof(*m.ver));
	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format");
	ok(!bh_register(cache, backing, &c, NULL), "register");
	for (int round = 0; round < 4 && !err; round++)
		random_writes(c->bdev[0], &m, &rng, 300, m.sectors, &err);
	is(err, 0, "writes of 4x the cache size, never written back: none failed");
	ok(c->bdev[0]->written_around > 0, "some went around the full cache (%llu)",
	   (unsigned long long)c->bdev[0]->written_around);
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "reads match the model");
	is(bch_cached_flush(c->bdev[0]), 0, "flush");
	is(bch_cache_set_stop(c), 0, "clean stop");
	ok(!bh_register(cache, backing, &c, NULL), "register again");
	is(model_check(c->bdev[0], &m, 0, m.sectors), 0, "after the restart too");
	is(bch_cache_set_stop(c), 0, "clean stop");
	blk_close(cache);
	blk_close(backing);
	free(m.ver);
}

/* Fails the cache's data writes (flag-less, one block) while armed. */
static bool fail_data_writes(void *arg, const struct blk_req *req, uint64_t nr)
{
	(void)nr;
	return req->op == BLK_OP_WRITE && !req->flags && req->len == BLOCK &&
	       __atomic_load_n((bool *)arg, __ATOMIC_ACQUIRE);
}

/* Data writes to the cache that fail give their space back: after writes
 * of twice the cache's size all failed, new writes still land in the
 * cache (none goes around it for want of a bucket). */
static void test_failed_writes_release_space(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	bool armed = false;
	struct blk_fault_opts fo = { .seed = 4, .fail = fail_data_writes, .fail_arg = &armed };
	char *buf = bh_buf(BLOCK);
	unsigned n = 2 * CACHE_BYTES / BLOCK, wrong = 0;

	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format");
	ok(!bh_register(cache, backing, &c, NULL), "register");
	blk_drain(cache);
	is(blk_fault_attach(cache, &fo), 0, "fault layer on the cache");
	__atomic_store_n(&armed, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++) {
		bh_stamp(buf, (uint64_t)i * 8 % 16384, 8, 1);
		wrong += bch_cached_write(c->bdev[0], (uint64_t)i * 8 % 16384, buf, BLOCK, 0) !=
			 -EIO;
	}
	is(wrong, 0, "%u writes of a block, each failed by the cache with EIO", n);
	is(c->bdev[0]->written_around, 0, "none went around: the failures gave space back");
	__atomic_store_n(&armed, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < 256; i++) {
		bh_stamp(buf, (uint64_t)i * 8, 8, 2);
		wrong += bch_cached_write(c->bdev[0], (uint64_t)i * 8, buf, BLOCK, 0) != 0;
	}
	is(wrong, 0, "then 256 writes succeed");
	is(c->bdev[0]->written_around, 0, "... in the cache");
	wrong = 0;
	for (unsigned i = 0; i < 256; i++) {
		wrong += bch_cached_read(c->bdev[0], (uint64_t)i * 8, buf, BLOCK) != 0 ||
			 bh_version(buf, (uint64_t)i * 8) != 2;
	}
	is(wrong, 0, "... and read back");
	is(bch_cache_set_stop(c), 0, "clean stop");
	blk_close(cache);
	blk_close(backing);
	free(buf);
}

/* ---- fsck on damage -------------------------------------------------------------------- */

static void test_fsck_damage(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct cache_sb sb;
	struct model m = { .sectors = 4096 };
	uint64_t rng = 3;
	char why[256];
	void *junk = bh_buf(BLOCK);
	int err = 0;

	m.ver = calloc(m.sectors, sizeof(*m.ver));
	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format");
	ok(!bh_register(cache, backing, &c, NULL), "register");
	random_writes(c->bdev[0], &m, &rng, 50, m.sectors, &err);
	bch_cache_set_stop(c);
	bch_sb_read(cache, &sb, why, sizeof(why));

	/* Garbage over every journal bucket: no entry left to find. */
	memset(junk, 0xa5, BLOCK);
	for (unsigned j = 0; j < sb.keys; j++)
		for (unsigned s = 0; s < sb.bucket_size; s += 8)
			blk_rw(cache, BLK_OP_WRITE, 0, sb.d[j] * sb.bucket_size + s, junk, BLOCK);
	ok(bch_fsck(cache, stdout) > 0, "fsck: journal wiped -> problems");
	ok(bh_register(cache, backing, &c, NULL) != 0, "register refuses a wiped journal");

	/* A bad superblock checksum. */
	blk_rw(cache, BLK_OP_READ, 0, BCH_SB_SECTOR, junk, BLOCK);
	((uint8_t *)junk)[80] ^= 0xff;	/* in the label: under the checksum */
	blk_rw(cache, BLK_OP_WRITE, 0, BCH_SB_SECTOR, junk, BLOCK);
	ok(bch_fsck(cache, stdout) > 0, "fsck: corrupt superblock -> problem");
	ok(bh_register(cache, backing, &c, NULL) != 0, "register refuses it");
	blk_close(cache);
	blk_close(backing);
	free(junk);
	free(m.ver);
}

/* ---- a full journal that must replace the root to make room ------------------------ */

/*
 * The journal thread makes room in a full ring by writing the nodes that
 * pin its oldest bucket (flush_pins).  When that write replaces the root
 * (a compaction into a new bucket), the new root goes into a journal entry.
 * It used to wait for that entry; with the ring full and the reserve used
 * up, only the journal thread itself could have made room for it, and it
 * and every writer waited forever (fuzz_mmfs, tests/fuzz/README.md).  The
 * setup is exact: 8 KiB buckets hold two 4 KiB journal blocks and a node
 * of two blocks, so the root leaf, written whole at format and appended to
 * once, is compacted at its next write; ordinary entries fill the ring up
 * to its reserve bucket, and a meta entry takes the reserve's one usable
 * block.  A watchdog turns a hang into a clean failure.
 */
#define FULL_WRITERS 2
#define FULL_WRITES 40

struct full_writer {
	struct cached_dev *dc;
	uint64_t first;
	void *buf;
	int err;
};

static void *full_writer_run(void *arg)
{
	struct full_writer *w = arg;

	for (unsigned i = 0; i < FULL_WRITES && !w->err; i++)
		w->err = bch_cached_write(w->dc, w->first + i * 8, w->buf, BLOCK, 0);
	return NULL;
}

static void full_watchdog(int sig)
{
	static const char msg[] = "not ok - deadlock: the journal thread waits for a "
				  "journal write only it can make room for\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(1);
}

static void test_full_journal_new_root(void)
{
	struct bch_format_opts o = fopts();
	struct blk_dev *cache, *backing;
	struct full_writer w[FULL_WRITERS];
	pthread_t t[FULL_WRITERS];
	struct journal_stats js;
	struct bch_btree_stats bs0, bs;
	struct cache_set *c;
	struct cached_dev *dc;
	unsigned in_bucket = 0, prev_idx, n;
	void *raw = bh_buf(BLOCK);
	int err = 0;

	o.bucket_sectors = 16;
	o.njournal_buckets = 6;
	ok(!bh_format(&cache, &backing, CACHE_BYTES, BACKING_BYTES, &o), "format: 8 KiB buckets");
	ok(!bh_register(cache, backing, &c, NULL), "register");
	dc = c->bdev[0];
	dc->mode = BCH_MODE_WRITEAROUND;	/* each write journals an invalidation */

	/* The root's one append: its bucket is full after it. */
	is(bch_cached_write(dc, 0, raw, BLOCK, 0), 0, "a write dirties the root leaf");
	is(bch_btree_flush_all(c), 0, "flush: appended to the root");
	bch_btree_get_stats(c, &bs0);
	is(bs0.depth, 1u, "the root is a leaf");
	/* The root pins the next entry and cannot be appended to again. */
	is(bch_cached_write(dc, 8, raw, BLOCK, 0), 0, "another write: the root pins its entry");
	is(bch_journal_flush(c), 0, "that entry written");

	/* Ordinary one-block entries up to the reserve bucket: one free
	 * bucket left, the current one full. */
	bch_journal_get_stats(c, &js);
	prev_idx = js.cur_idx;
	for (n = 0; n < 64 && !err; n++) {
		if (js.free_buckets == 1 && in_bucket == 2)
			break;
		err = bch_journal_add(c, NULL, 0, JOURNAL_FLUSH, NULL);
		bch_journal_get_stats(c, &js);
		in_bucket = js.cur_idx == prev_idx ? in_bucket + 1 : 1;
		prev_idx = js.cur_idx;
	}
	ok(!err && js.free_buckets == 1 && in_bucket == 2,
	   "ring full up to its reserve bucket (%u entries, %u free)", n, js.free_buckets);
	is(bch_journal_meta(c), 0, "a meta entry takes the reserve's usable block");
	bch_journal_get_stats(c, &js);
	is(js.free_buckets, 0u, "no free bucket left");
	is(js.flush_pins_calls, 0ull, "no flush_pins yet");

	signal(SIGALRM, full_watchdog);
	alarm(30);
	for (int i = 0; i < FULL_WRITERS; i++) {
		w[i] = (struct full_writer){ .dc = dc, .first = 64 + i * 8 * FULL_WRITES,
					     .buf = raw };
		pthread_create(&t[i], NULL, full_writer_run, &w[i]);
	}
	for (int i = 0; i < FULL_WRITERS; i++) {
		pthread_join(t[i], NULL);
		err |= w[i].err;
	}
	alarm(0);
	is(err, 0, "%d writers x %d writes went through the full journal", FULL_WRITERS,
	   FULL_WRITES);
	bch_journal_get_stats(c, &js);
	bch_btree_get_stats(c, &bs);
	ok(js.flush_pins_calls > 0, "the journal thread flushed pins (%llu calls)",
	   (unsigned long long)js.flush_pins_calls);
	ok(bs.compactions > bs0.compactions, "and replaced the root doing so (%llu compactions)",
	   (unsigned long long)(bs.compactions - bs0.compactions));
	is(bch_cache_set_stop(c), 0, "clean stop");
	is(bch_fsck(cache, stdout), 0, "fsck: clean");
	ok(!bh_register(cache, backing, &c, NULL), "register again");
	is(bch_cache_set_stop(c), 0, "clean stop");
	blk_close(cache);
	blk_close(backing);
	free(raw);
}

int main(void)
{
	bh_setup("mmsim-bcache-set");
	test_superblock();
	test_format_refusals();
	test_io_modes();
	test_cache_full();
	test_cache_full_of_dirty();
	test_failed_writes_release_space();
	test_fsck_damage();
	test_full_journal_new_root();
	bh_cleanup();
	done_testing();
}
