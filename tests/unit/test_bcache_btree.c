/*
 * test_bcache_btree.c - src/bcache/btree.c and alloc.c on a cache set built
 * by hand on a temporary image (no super.c): small buckets so nodes split
 * early, the real journal (journal.c) for root changes and prio writes.
 *
 *  - basics: empty map, inserts, trimming, a key across leaves, deletions;
 *  - a long random run (several inodes, data from bch_alloc_sectors, so the
 *    cache fills, GC runs and clean buckets are evicted) checked against a
 *    per-sector model in which an evicted sector reads as a hole; depth
 *    >= 3; compare-and-replace inserts, successful and raced;
 *  - flush_all, close, open from the root key: the same keys; then a full
 *    restart (journal read, prios, btree, GC, replay) and again;
 *  - journal pins: keys journalled and inserted, the set torn down without
 *    writing the btree, reopened: replay brings them back; flush_pins
 *    writes the pinning leaves;
 *  - the debug check (bch_btree_check): a tree passes; a leaf whose
 *    journal pin another party dropped (the journal moved last_seq past
 *    it) is found, and passes again once the leaf is written;
 *  - a stale pointer (its bucket freed, gen bumped) is invisible and an
 *    insert with one only trims;
 *  - prio_set chains written and read back; a corrupt one is refused;
 *  - GC: frees buckets nobody references (gen + 1), never live ones;
 *  - a cache full of dirty data: ENOSPC for data, the btree's reserve
 *    still serves splits, room again once the data is deleted;
 *  - four writer threads (journal, pins, GC and readers alongside);
 *  - a corrupt node (flipped bytes in its first set) fails open with a
 *    message; so does a damaged later set, unless it is the last one and
 *    the journal still holds keys for the node (a torn write: the earlier
 *    state, then replay); a salvage read keeps what precedes a damaged
 *    set, and a stale set behind it is never resurrected.
 *
 * MMSIM_BTREE_STEPS scales the random run (default 60000); MMSIM_BTREE_ONLY
 * runs one group (basic, stale, gc, prio, corrupt, torn, replay, pincheck, full,
 * threads, random).
 */
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bcache/bcache.h"
#include "bcache/btree.h"
#include "bcache/extents.h"

static char tmpdir[256];

/* ---- a cache set by hand ------------------------------------------------------- */

struct tset {
	struct cache_set *c;
	struct blk_dev *dev;
	struct cache_sb sb;
	char path[PATH_MAX];
	char *logbuf;
	size_t loglen;
	FILE *log;
};

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void *abuf(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n))
		abort();
	memset(p, 0, n);
	return p;
}

static int dev_open(struct tset *t, bool create)
{
	struct blk_open_opts o;

	blk_open_opts_default(&o);
	o.nr_sectors = t->sb.nbuckets * t->sb.bucket_size;
	o.lbs = t->sb.block_size * 512u < 4096 ? t->sb.block_size * 512u : 4096;
	o.flags = create ? BLK_OPEN_CREATE : 0;
	return blk_open(t->path, &o, &t->dev);
}

static int set_alloc(struct tset *t)
{
	struct cache_set *c = calloc(1, sizeof(*c));
	struct cache *ca = calloc(1, sizeof(*ca));

	if (!c || !ca)
		abort();
	c->set_magic = t->sb.set_magic;
	memcpy(c->set_uuid, t->sb.set_uuid, 16);
	pthread_mutex_init(&c->meta_lock, NULL);
	pthread_rwlock_init(&c->btree_lock, NULL);
	pthread_mutex_init(&c->alloc_lock, NULL);
	ca->set = c;
	ca->bdev = t->dev;
	ca->sb = t->sb;
	ca->nbuckets = t->sb.nbuckets;
	ca->bucket_sectors = t->sb.bucket_size;
	ca->block_sectors = t->sb.block_size;
	c->cache = ca;
	c->flush_pins = bch_btree_flush_pins;
	c->replay_key = bch_btree_replay_key;
	c->journal_delay_ms = 5;
	t->logbuf = NULL;
	t->loglen = 0;
	t->log = open_memstream(&t->logbuf, &t->loglen);
	c->log = t->log;
	t->c = c;
	return 0;
}

static void set_free(struct tset *t)
{
	struct cache_set *c = t->c;

	if (c->journal)
		bch_journal_exit(c);
	bch_btree_close(c);
	bch_alloc_exit(c);
	pthread_mutex_destroy(&c->meta_lock);
	pthread_rwlock_destroy(&c->btree_lock);
	pthread_mutex_destroy(&c->alloc_lock);
	free(c->cache);
	free(c);
	t->c = NULL;
	fclose(t->log);
	free(t->logbuf);
	t->log = NULL;
	t->logbuf = NULL;
	blk_close(t->dev);
	t->dev = NULL;
}

static bool log_has(struct tset *t, const char *s)
{
	fflush(t->log);
	return t->logbuf && strstr(t->logbuf, s);
}

/* Formats: superblock in memory only (nothing here reads it from disk). */
static int tset_format(struct tset *t, const char *name, unsigned bucket, unsigned block,
		       uint64_t nbuckets, unsigned njournal)
{
	struct cache_sb *sb = &t->sb;
	int r;

	snprintf(t->path, sizeof(t->path), "%s/%s", tmpdir, name);
	unlink(t->path);
	memset(sb, 0, sizeof(*sb));
	memcpy(sb->magic, bcache_magic, 16);
	sb->version = BCACHE_SB_VERSION_CDEV_WITH_UUID;
	for (int i = 0; i < 16; i++)
		sb->set_uuid[i] = (uint8_t)rnd();
	sb->nbuckets = nbuckets;
	sb->bucket_size = (uint16_t)bucket;
	sb->block_size = (uint16_t)block;
	sb->nr_in_set = 1;
	sb->first_bucket = (uint16_t)(23 / bucket + 1);
	sb->njournal_buckets = (uint16_t)njournal;
	for (unsigned i = 0; i < njournal; i++)
		sb->d[i] = sb->first_bucket + i;
	if ((r = dev_open(t, true)))
		return r;
	set_alloc(t);
	if ((r = bch_alloc_init(t->c)) || (r = bch_journal_init(t->c)) ||
	    (r = bch_journal_start_empty(t->c)) || (r = bch_prio_write(t->c)) ||
	    (r = bch_btree_create(t->c)) || (r = bch_journal_meta(t->c)))
		return r;
	return 0;
}

/* tset_open reads damaged btree sets as fsck does (c->read_salvage). */
static bool open_salvage;

/* Registers from the image, as super.c does. */
static int tset_open(struct tset *t)
{
	struct journal_replay *list = NULL;
	struct journal_read_stats st;
	struct cache_set *c;
	int r;

	if ((r = dev_open(t, false)))
		return r;
	set_alloc(t);
	c = t->c;
	if ((r = bch_alloc_init(c)) || (r = bch_journal_init(c)) ||
	    (r = bch_journal_read(c, &list, &st)))
		return r;
	if (!list)
		return -ENOENT;
	r = bch_journal_start(c, list);
	c->replay_pending = list;
	c->read_salvage = open_salvage;
	if (!r)
		r = bch_prio_read(c, c->prio_bucket);
	if (!r)
		r = bch_btree_open(c);
	if (!r) {
		r = bch_gc(c);
		if (!r)
			r = bch_journal_replay(c, list);
	}
	c->replay_pending = NULL;
	bch_journal_free_list(list);
	if (!r)
		r = bch_gc(c);
	return r;
}

/* Clean stop (btree and journal written) or a crash (nothing more written). */
static int tset_stop(struct tset *t, bool clean)
{
	int r = 0;

	if (clean) {
		r = bch_btree_flush_all(t->c);
		if (!r)
			r = bch_journal_meta(t->c);
	}
	set_free(t);
	return r;
}

/* ---- contents ------------------------------------------------------------------ */

struct keys {
	struct bkey_slot *k;
	size_t nr, cap;
};

static int keys_add(void *arg, const struct bkey *k)
{
	struct keys *ks = arg;

	if (ks->nr == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 1024;
		ks->k = realloc(ks->k, ks->cap * sizeof(*ks->k));
		if (!ks->k)
			abort();
	}
	bkey_slot_set(&ks->k[ks->nr++], k);
	return 0;
}

/* Every leaf key, stale or not (map_keys). */
static void dump_keys(struct cache_set *c, struct keys *ks)
{
	ks->nr = 0;
	bch_btree_map_keys(c, keys_add, ks);
}

/* Live extents of inode in [start, end) (map_extents). */
static void dump_extents(struct cache_set *c, unsigned inode, uint64_t start, uint64_t end,
			 struct keys *ks)
{
	ks->nr = 0;
	bch_btree_map_extents(c, inode, start, end, keys_add, ks);
}

static bool keys_equal(const struct keys *a, const struct keys *b)
{
	return a->nr == b->nr && !memcmp(a->k, b->k, a->nr * sizeof(*a->k));
}

static struct bkey_slot mkkey(unsigned inode, uint64_t start, unsigned size, uint64_t ptr,
			      bool dirty)
{
	struct bkey_slot s;

	memset(&s, 0, sizeof(s));
	bch_key_init(&s.key, inode, start + size, size);
	if (ptr != UINT64_MAX) {
		SET_KEY_PTRS(&s.key, 1);
		s.key.ptr[0] = ptr;
	}
	SET_KEY_DIRTY(&s.key, dirty);
	return s;
}

/* Writes [start, start+size) of inode with fresh cache sectors: the keys. */
static int write_range(struct cache_set *c, unsigned inode, uint64_t start, unsigned size,
		       bool dirty, uint64_t pin_seq, struct keys *out)
{
	uint64_t words[64 * 3];
	unsigned u64s = 0, done = 0;

	if (out)
		out->nr = 0;
	while (done < size) {
		uint64_t ptr;
		int got = bch_alloc_sectors(c, size - done, &ptr);
		struct bkey_slot k;

		if (got < 0)
			return got;
		k = mkkey(inode, start + done, (unsigned)got, ptr, dirty);
		memcpy(words + u64s, &k, 3 * 8);
		u64s += 3;
		if (out)
			keys_add(out, &k.key);
		done += (unsigned)got;
		if (u64s == 64 * 3)
			return -E2BIG;
	}
	return bch_btree_insert(c, words, u64s, pin_seq);
}

/* ---- the per-sector model -------------------------------------------------------- */

#define NINODE 4
#define NSECT 40000u

struct mcell {
	uint64_t off;
	uint8_t gen;
	uint8_t dirty;
	uint8_t has;
};

static struct mcell model[NINODE][NSECT];
static struct mcell got_cells[NSECT];

static void model_set(const struct bkey *k)
{
	for (uint64_t s = KEY_START(k); s < KEY_OFFSET(k); s++) {
		struct mcell *m = &model[KEY_INODE(k)][s];

		m->has = KEY_PTRS(k) != 0;
		if (m->has) {
			m->off = PTR_OFFSET(k, 0) + (s - KEY_START(k));
			m->gen = (uint8_t)PTR_GEN(k, 0);
			m->dirty = (uint8_t)KEY_DIRTY(k);
		}
	}
}

/* Does the btree (map_extents) show exactly the model, evicted sectors as holes? */
static bool model_check(struct cache_set *c, const char **what)
{
	static struct keys ks;
	struct cache *ca = c->cache;

	for (unsigned in = 0; in < NINODE; in++) {
		uint64_t prev_end = 0;

		dump_extents(c, in, 0, NSECT, &ks);
		memset(got_cells, 0, sizeof(got_cells));
		for (size_t i = 0; i < ks.nr; i++) {
			const struct bkey *k = &ks.k[i].key;

			if (KEY_INODE(k) != in || KEY_START(k) < prev_end || KEY_OFFSET(k) > NSECT ||
			    KEY_PTRS(k) != 1) {
				*what = "map_extents: bad order or key";
				return false;
			}
			prev_end = KEY_OFFSET(k);
			for (uint64_t s = KEY_START(k); s < KEY_OFFSET(k); s++) {
				got_cells[s].has = 1;
				got_cells[s].off = PTR_OFFSET(k, 0) + (s - KEY_START(k));
				got_cells[s].gen = (uint8_t)PTR_GEN(k, 0);
				got_cells[s].dirty = (uint8_t)KEY_DIRTY(k);
			}
		}
		for (unsigned s = 0; s < NSECT; s++) {
			const struct mcell *m = &model[in][s], *g = &got_cells[s];
			bool live = m->has &&
				    ca->buckets[m->off / ca->bucket_sectors].gen == m->gen;

			if (live != !!g->has ||
			    (live && (g->off != m->off || g->gen != m->gen || g->dirty != m->dirty))) {
				printf("# inode %u sector %u: model has=%u live=%d off=%llu dirty=%u, "
				       "btree has=%u off=%llu dirty=%u\n", in, s, m->has, live,
				       (unsigned long long)m->off, m->dirty, g->has,
				       (unsigned long long)g->off, g->dirty);
				*what = "sector differs from the model";
				return false;
			}
		}
	}
	return true;
}

/* A "writeback pass": every dirty extent marked clean by compare-and-replace. */
static unsigned clean_all(struct cache_set *c)
{
	static struct keys ks;
	unsigned n = 0;

	dump_keys(c, &ks);
	for (size_t i = 0; i < ks.nr; i++) {
		struct bkey_slot k = ks.k[i];

		if (!KEY_DIRTY(&k.key) || bch_ptr_stale(c, &k.key, 0))
			continue;
		SET_KEY_DIRTY(&k.key, 0);
		if (bch_btree_insert_replace(c, &k.key, &ks.k[i].key) == 1) {
			model_set(&k.key);
			n++;
		}
	}
	return n;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_basic(void)
{
	struct tset t = { 0 };
	struct keys ks = { 0 }, w = { 0 };
	struct bch_btree_stats st;
	int r;

	r = tset_format(&t, "basic.img", 16, 8, 256, 8);
	is(r, 0, "basic: format a set of 256 buckets of 16 sectors");
	if (r)
		return;
	dump_extents(t.c, 1, 0, 1000, &ks);
	is(ks.nr, 0, "empty tree: no extents");
	is(write_range(t.c, 1, 100, 40, true, 0, &w), 0, "write [100,140) of inode 1");
	dump_extents(t.c, 1, 0, 1000, &ks);
	ok(ks.nr >= 1 && KEY_START(&ks.k[0].key) == 100 &&
	   KEY_OFFSET(&ks.k[ks.nr - 1].key) == 140 && KEY_DIRTY(&ks.k[0].key),
	   "map_extents finds it, dirty");
	dump_extents(t.c, 1, 110, 120, &ks);
	ok(ks.nr >= 1 && KEY_START(&ks.k[0].key) == 110 &&
	   KEY_OFFSET(&ks.k[ks.nr - 1].key) == 120 &&
	   PTR_OFFSET(&ks.k[0].key, 0) == PTR_OFFSET(&w.k[0].key, 0) + 10,
	   "map_extents trims to [110,120) and advances the pointer");
	{
		struct bkey_slot d = mkkey(1, 120, 8, UINT64_MAX, false);

		is(bch_btree_insert(t.c, d.w, 2, 0), 0, "delete [120,128)");
	}
	dump_extents(t.c, 1, 120, 128, &ks);
	is(ks.nr, 0, "the hole is there");
	dump_extents(t.c, 1, 0, 1000, &ks);
	ok(ks.nr >= 2 && KEY_START(&ks.k[0].key) == 100 &&
	   KEY_OFFSET(&ks.k[ks.nr - 1].key) == 140, "and the rest around it");
	dump_extents(t.c, 0, 0, 1000, &ks);
	is(ks.nr, 0, "inode 0 untouched");
	{
		struct bkey_slot bad = mkkey(1, 0, 8, bch_make_ptr(0, 16 * 2, 0), false);

		is(bch_btree_insert(t.c, bad.w, 3, 0), -EINVAL,
		   "a key pointing into a journal bucket: EINVAL");
	}
	bch_btree_get_stats(t.c, &st);
	ok(st.depth == 1 && st.dirty_nodes == 1, "one dirty root leaf");
	is(bch_btree_flush_all(t.c), 0, "flush_all");
	bch_btree_get_stats(t.c, &st);
	ok(st.dirty_nodes == 0 && st.bset_appends + st.compactions >= 1, "nothing dirty after it");
	is(tset_stop(&t, true), 0, "clean stop");
	free(ks.k);
	free(w.k);
}

/* The big one: random writes, deletions, replaces, GC; model after every few. */
static void test_random(struct tset *t, unsigned steps, bool reset_model)
{
	struct cache_set *c = t->c;
	struct keys ks = { 0 }, w = { 0 };
	unsigned bad = 0, writes = 0, dels = 0, repl_ok = 0, repl_race = 0, repl_fail = 0;
	unsigned gcs = 0, flushes = 0, cleaned = 0;
	const char *what = "";
	struct bch_btree_stats st;
	struct bch_alloc_stats ast;
	int r = 0;

	if (reset_model)
		memset(model, 0, sizeof(model));
	for (unsigned step = 0; step < steps && !bad; step++) {
		unsigned op = (unsigned)(rnd() % 10000), inode = (unsigned)(rnd() % NINODE);

		if (op < 8600) {
			unsigned size = 1 + (unsigned)(rnd() % 4);
			uint64_t start = rnd() % (NSECT - size);
			bool dirty = rnd() % 5 == 0;

			r = write_range(c, inode, start, size, dirty, 0, &w);
			if (r) {
				printf("# step %u: write: %d\n", step, r);
				bad++;
				break;
			}
			for (size_t i = 0; i < w.nr; i++)
				model_set(&w.k[i].key);
			writes++;
		} else if (op < 9200) {
			unsigned size = 1 + (unsigned)(rnd() % 300);
			uint64_t start = rnd() % (NSECT - size);
			struct bkey_slot d = mkkey(inode, start, size, UINT64_MAX, false);

			r = bch_btree_insert(c, d.w, 2, 0);
			if (r) {
				printf("# step %u: delete: %d\n", step, r);
				bad++;
				break;
			}
			model_set(&d.key);
			dels++;
		} else if (op < 9900) {
			/* Compare-and-replace on whatever is at a random spot. */
			uint64_t at = rnd() % NSECT;

			dump_extents(c, inode, at, at + 64 < NSECT ? at + 64 : NSECT, &ks);
			if (!ks.nr)
				continue;
			{
				struct bkey_slot e = ks.k[0], k = ks.k[0];
				bool race = rnd() % 3 == 0;

				SET_KEY_DIRTY(&k.key, !KEY_DIRTY(&k.key));
				if (race)	/* expect something that is not there */
					e.key.ptr[0] = bch_make_ptr(0, PTR_OFFSET(&e.key, 0) + 1,
								    (uint8_t)PTR_GEN(&e.key, 0));
				r = bch_btree_insert_replace(c, &k.key, &e.key);
				if (r == (race ? 0 : 1)) {
					if (race) {
						repl_race++;
					} else {
						repl_ok++;
						model_set(&k.key);
					}
				} else {
					printf("# step %u: replace (race %d) returned %d\n", step,
					       race, r);
					repl_fail++;
				}
			}
		} else if (op < 9930) {
			r = bch_btree_flush_all(c);
			flushes++;
			if (r) {
				bad++;
				break;
			}
		} else if (op < 9935) {
			r = bch_gc(c);
			gcs++;
			if (r) {
				bad++;
				break;
			}
		} else {
			cleaned += clean_all(c);
		}
		if (step % 2000 == 1999 && !model_check(c, &what)) {
			printf("# step %u: %s\n", step, what);
			bad++;
		}
	}
	if (!bad && !model_check(c, &what)) {
		printf("# at the end: %s\n", what);
		bad++;
	}
	bch_btree_get_stats(c, &st);
	bch_alloc_get_stats(c, &ast);
	printf("# %u writes, %u deletions, %u/%u replaces, %u cleaned, %u gc, %u flushes\n",
	       writes, dels, repl_ok, repl_race, cleaned, gcs, flushes);
	printf("# tree: depth %u, %llu nodes, %llu leaves, %llu keys; %llu splits, %llu "
	       "appends, %llu compactions\n", st.depth, (unsigned long long)st.nodes,
	       (unsigned long long)st.leaves, (unsigned long long)st.keys,
	       (unsigned long long)st.splits, (unsigned long long)st.bset_appends,
	       (unsigned long long)st.compactions);
	printf("# alloc: %llu prio writes, %llu gc runs, %llu evicted, %llu freed by gc\n",
	       (unsigned long long)ast.prio_writes, (unsigned long long)ast.gc_runs,
	       (unsigned long long)ast.evicted, (unsigned long long)ast.gc_freed);
	ok(!bad, "random run: %u steps match the per-sector model", steps);
	ok(!repl_fail && repl_ok > 10 && repl_race > 5,
	   "compare-and-replace: %u done, %u races refused", repl_ok, repl_race);
	ok(st.depth >= 3, "the tree grew to depth %u (>= 3)", st.depth);
	ok(ast.evicted > 0 && ast.gc_runs > 0 && ast.prio_writes > 1,
	   "the cache filled: buckets evicted, GC and prio writes ran");
	free(ks.k);
	free(w.k);
}

/* flush_all, close, open from the root: the same keys. */
static void test_reopen(struct tset *t)
{
	struct keys before = { 0 }, after = { 0 };
	struct bch_btree_stats st1, st2;
	const char *what = "";
	int r;

	is(bch_btree_flush_all(t->c), 0, "reopen: flush_all");
	dump_keys(t->c, &before);
	bch_btree_get_stats(t->c, &st1);
	bch_btree_close(t->c);
	r = bch_btree_open(t->c);
	is(r, 0, "bch_btree_open from the root key");
	if (r)
		return;
	dump_keys(t->c, &after);
	bch_btree_get_stats(t->c, &st2);
	ok(keys_equal(&before, &after) && st1.depth == st2.depth && st1.nodes == st2.nodes,
	   "reopened tree: same %zu keys, depth %u, %llu nodes", after.nr, st2.depth,
	   (unsigned long long)st2.nodes);

	/*
	 * A full restart: journal, prios, btree, GC.  Gens bumped in memory
	 * and not yet in a prio_set would come back as they were on disk (the
	 * buckets were not reused: that needs a durable gen), making evicted
	 * extents live again; the model cannot tell, so write the gens first.
	 */
	is(bch_prio_write(t->c), 0, "prio write");
	is(tset_stop(t, true), 0, "clean stop");
	r = tset_open(t);
	is(r, 0, "restart: journal read, prios, btree, replay, GC");
	if (r)
		goto out;
	dump_keys(t->c, &after);
	ok(keys_equal(&before, &after), "restarted tree: the same keys");
	ok(model_check(t->c, &what), "restarted tree matches the model (%s)", what);
	/* Keep going on the restarted set: the allocator works from prio_read + GC. */
	test_random(t, 8000, false);
out:
	free(before.k);
	free(after.k);
}

/* Keys journalled, inserted, never written: a crash, then replay. */
static void test_replay(void)
{
	struct tset t = { 0 };
	struct bch_btree_stats st;
	unsigned n = 0;
	int r;

	r = tset_format(&t, "replay.img", 8, 1, 4096, 32);
	is(r, 0, "replay: format");
	if (r)
		return;
	memset(model, 0, sizeof(model));
	for (unsigned i = 0; i < 3000 && !r; i++) {
		unsigned inode = (unsigned)(rnd() % NINODE), size = 1 + (unsigned)(rnd() % 8);
		uint64_t start = rnd() % (NSECT - size), seq, ptr;
		int got = bch_alloc_sectors(t.c, size, &ptr);
		struct bkey_slot k;

		if (got < 0) {
			r = got;
			break;
		}
		k = mkkey(inode, start, (unsigned)got, ptr, true);
		r = bch_journal_add(t.c, k.w, 3, 0, &seq);
		if (!r)
			r = bch_btree_insert(t.c, k.w, 3, seq);
		if (!r)
			bch_journal_pin_drop(t.c, seq);
		model_set(&k.key);
		n++;
	}
	is(r, 0, "%u writes journalled and inserted", n);
	bch_btree_get_stats(t.c, &st);
	ok(st.dirty_nodes > 0, "dirty leaves (%llu) hold journal pins",
	   (unsigned long long)st.dirty_nodes);
	is(bch_journal_flush(t.c), 0, "journal flushed");
	is(tset_stop(&t, false), 0, "crash: torn down without writing the btree");
	r = tset_open(&t);
	is(r, 0, "reopen replays the journal");
	if (r) {
		set_free(&t);
		return;
	}
	{
		const char *what = "";

		ok(model_check(t.c, &what), "replayed tree matches the model (%s)", what);
	}
	/* flush_pins(newest) writes every pinning leaf. */
	{
		struct journal_stats js;

		bch_journal_get_stats(t.c, &js);
		is(bch_btree_flush_pins(t.c, js.seq), 0, "flush_pins up to the open entry");
		bch_btree_get_stats(t.c, &st);
		is(st.dirty_nodes, 0, "no dirty node left");
	}
	is(tset_stop(&t, true), 0, "clean stop");
	r = tset_open(&t);
	is(r, 0, "reopen after the clean stop");
	if (!r) {
		const char *what = "";

		ok(model_check(t.c, &what), "still the model (%s)", what);
		tset_stop(&t, true);
	}
}

/*
 * A pin dropped by someone other than its holder: the journal's last_seq
 * moves past an entry whose keys a dirty leaf has not written.  The debug
 * check must see it (in the debug build bch_btree_close would stop on it).
 */
static void test_pin_check(void)
{
	struct tset t = { 0 };
	struct journal_stats js;
	uint64_t held;
	unsigned drops = 0;
	int r;

	r = tset_format(&t, "pincheck.img", 8, 1, 4096, 32);
	is(r, 0, "pin check: format");
	if (r)
		return;
	for (unsigned i = 0; i < 300 && !r; i++) {
		uint64_t seq, ptr;
		int got = bch_alloc_sectors(t.c, 4, &ptr);
		struct bkey_slot k;

		if (got < 0) {
			r = got;
			break;
		}
		k = mkkey(i % NINODE, (i * 37) % (NSECT - 8), (unsigned)got, ptr, true);
		r = bch_journal_add(t.c, k.w, 3, 0, &seq);
		if (!r)
			r = bch_btree_insert(t.c, k.w, 3, seq);
		if (!r)
			bch_journal_pin_drop(t.c, seq);
	}
	is(r, 0, "pin check: 300 writes journalled and inserted");
	is(bch_journal_flush(t.c), 0, "pin check: journal flushed (no write in flight)");
	is(bch_btree_check(t.c), 0, "pin check: the tree passes");
	bch_journal_get_stats(t.c, &js);
	held = js.last_seq;
	ok(held < js.seq, "pin check: leaves pin seq %llu (open %llu)", (unsigned long long)held,
	   (unsigned long long)js.seq);
	while (js.last_seq == held && drops < 1000) {
		bch_journal_pin_drop(t.c, held);
		drops++;
		bch_journal_get_stats(t.c, &js);
	}
	ok(js.last_seq > held, "pin check: %u foreign drops moved last_seq past %llu", drops,
	   (unsigned long long)held);
	ok(bch_btree_check(t.c) > 0, "pin check: a leaf pinning an entry older than last_seq is "
	   "found");
	bch_journal_get_stats(t.c, &js);
	is(bch_btree_flush_pins(t.c, js.seq), 0, "pin check: the pinning leaves written");
	is(bch_btree_check(t.c), 0, "pin check: the tree passes again");
	is(tset_stop(&t, true), 0, "pin check: clean stop");
}

/* A freed bucket's pointers go stale: invisible, and an insert with one only trims. */
static void test_stale(void)
{
	struct tset t = { 0 };
	struct keys w = { 0 }, ks = { 0 };
	uint64_t b;
	int r;

	r = tset_format(&t, "stale.img", 16, 8, 256, 8);
	is(r, 0, "stale: format");
	if (r)
		return;
	write_range(t.c, 2, 0, 16, false, 0, &w);
	write_range(t.c, 2, 100, 8, false, 0, NULL);
	dump_extents(t.c, 2, 0, 200, &ks);
	is(ks.nr, 2 + (w.nr > 1), "two extents");
	b = PTR_OFFSET(&w.k[0].key, 0) / 16;
	ok(!bch_ptr_stale(t.c, &w.k[0].key, 0), "pointer fresh");
	bch_bucket_free(t.c, b);
	ok(bch_ptr_stale(t.c, &w.k[0].key, 0), "after bch_bucket_free its gen moved: stale");
	dump_extents(t.c, 2, 0, 200, &ks);
	ok(ks.nr == w.nr && KEY_START(&ks.k[ks.nr - 1].key) == 100 &&
	   (ks.nr == 1 || KEY_START(&ks.k[0].key) >= KEY_OFFSET(&w.k[0].key)),
	   "map_extents skips the stale extent");
	{
		/* Re-inserting the stale key over the live one at 100 deletes that range. */
		struct bkey_slot k = w.k[0];

		SET_KEY_OFFSET(&k.key, 108);
		SET_KEY_SIZE(&k.key, 8);
		is(bch_btree_insert(t.c, k.w, 3, 0), 0, "insert of a stale key");
		dump_extents(t.c, 2, 0, 200, &ks);
		is(ks.nr, 0, "it only trimmed: nothing visible");
	}
	{
		struct bkey_slot k = w.k[0];

		SET_KEY_DIRTY(&k.key, 1);
		is(bch_btree_insert_replace(t.c, &k.key, &w.k[0].key), 0,
		   "replace against a stale extent: raced");
	}
	tset_stop(&t, true);
	free(w.k);
	free(ks.k);
}

/* prio_sets: chains of several buckets, read back; corruption refused. */
static void test_prio(void)
{
	struct tset t = { 0 };
	struct cache *ca;
	uint8_t *gens;
	uint16_t *prios;
	struct bch_alloc_stats ast;
	uint64_t head;
	bool same = true;
	uint8_t *buf;
	int r;

	r = tset_format(&t, "prio.img", 8, 1, 4000, 8);
	is(r, 0, "prio: format 4000 buckets of 4 KiB");
	if (r)
		return;
	ca = t.c->cache;
	bch_alloc_get_stats(t.c, &ast);
	is(ast.prio_buckets, 3, "a chain of three prio buckets (1352 per bucket)");
	gens = malloc(ca->nbuckets);
	prios = malloc(ca->nbuckets * 2);
	for (uint64_t b = 0; b < ca->nbuckets; b++) {
		if (ca->buckets[b].mark == BUCKET_FREE)
			ca->buckets[b].gen = (uint8_t)rnd();
		ca->buckets[b].prio = (uint16_t)rnd();
		gens[b] = ca->buckets[b].gen;
		prios[b] = ca->buckets[b].prio;
	}
	is(bch_prio_write(t.c), 0, "prio write");
	head = t.c->prio_bucket;
	for (uint64_t b = 0; b < ca->nbuckets; b++)
		ca->buckets[b].gen = ca->buckets[b].prio = 0;
	is(bch_prio_read(t.c, head), 0, "prio read of the chain");
	for (uint64_t b = 0; b < ca->nbuckets; b++) {
		if (ca->buckets[b].mark == BUCKET_PRIO)
			continue;	/* the new chain's own prio changed */
		if (ca->buckets[b].gen != gens[b] || ca->buckets[b].prio != prios[b] ||
		    ca->buckets[b].disk_gen != gens[b])
			same = false;
	}
	ok(same, "every gen, disk_gen and prio read back");

	/* Flip a byte in the second bucket of the chain. */
	buf = abuf(4096);
	{
		uint64_t second;

		blk_rw(t.dev, BLK_OP_READ, 0, head * 8, buf, 4096);
		second = ((struct prio_set *)buf)->next_bucket;
		blk_rw(t.dev, BLK_OP_READ, 0, second * 8, buf, 4096);
		buf[2000] ^= 0x40;
		blk_rw(t.dev, BLK_OP_WRITE, 0, second * 8, buf, 4096);
	}
	is(bch_prio_read(t.c, head), -EINVAL, "a flipped byte: EINVAL");
	ok(log_has(&t, "bad checksum"), "with a message saying so");
	is(bch_prio_read(t.c, 1), -EINVAL, "a chain starting in the superblock area: EINVAL");
	is(bch_prio_read(t.c, t.sb.d[0]), -EINVAL, "a chain starting in the journal: EINVAL");
	is(bch_prio_read(t.c, 3999 + 5), -EINVAL, "a chain past the device: EINVAL");
	free(buf);
	free(gens);
	free(prios);
	tset_stop(&t, false);
}

struct gc_check {
	struct cache_set *c;
	unsigned bad_data, bad_node;
};

static int gc_check_key(void *arg, const struct bkey *k)
{
	struct gc_check *g = arg;
	struct cache *ca = g->c->cache;

	if (KEY_PTRS(k) && !bch_ptr_stale(g->c, k, 0) &&
	    ca->buckets[PTR_OFFSET(k, 0) / ca->bucket_sectors].mark != BUCKET_DATA)
		g->bad_data++;
	return 0;
}

static int gc_check_node(void *arg, const struct bkey *k, unsigned level)
{
	struct gc_check *g = arg;
	struct cache *ca = g->c->cache;
	const struct bucket *b = &ca->buckets[PTR_OFFSET(k, 0) / ca->bucket_sectors];

	if (b->mark != BUCKET_BTREE || b->gen != PTR_GEN(k, 0))
		g->bad_node++;
	return 0;
}

/* GC frees what nobody references, and nothing else. */
static void test_gc(void)
{
	struct tset t = { 0 };
	struct keys w = { 0 };
	struct gc_check g = { 0 };
	struct bch_alloc_stats a1, a2;
	uint64_t ptr = 0, b;
	uint8_t gen;
	int got = 0, r;

	r = tset_format(&t, "gc.img", 16, 8, 256, 8);
	is(r, 0, "gc: format");
	if (r)
		return;
	g.c = t.c;
	for (unsigned i = 0; i < 50; i++)
		write_range(t.c, 3, rnd() % 5000, 8, rnd() & 1, 0, NULL);
	/* A whole bucket of our own: the first grant that starts a bucket and fills it. */
	for (int i = 0; i < 100; i++) {
		got = bch_alloc_sectors(t.c, 16, &ptr);
		if (got == 16 && ((ptr >> 8) & ((1ull << 43) - 1)) % 16 == 0)
			break;
		if (got > 0) {
			struct bkey_slot k = mkkey(5, 10000 + (uint64_t)i * 16, (unsigned)got, ptr, false);

			bch_btree_insert(t.c, k.w, 3, 0);
		}
	}
	is(got, 16, "a whole data bucket");
	{
		struct bkey_slot k = mkkey(4, 0, 16, ptr, false);

		is(bch_btree_insert(t.c, k.w, 3, 0), 0, "a key filling it");
		b = PTR_OFFSET(&k.key, 0) / 16;
		gen = (uint8_t)PTR_GEN(&k.key, 0);
	}
	is(bch_gc(t.c), 0, "gc");
	ok(t.c->cache->buckets[b].mark == BUCKET_DATA && t.c->cache->buckets[b].gen == gen &&
	   t.c->cache->buckets[b].sectors_used == 16, "a referenced bucket stays DATA, same gen, "
	   "16 live sectors");
	{
		struct bkey_slot d = mkkey(4, 0, 16, UINT64_MAX, false);

		is(bch_btree_insert(t.c, d.w, 2, 0), 0, "its key deleted");
	}
	bch_alloc_get_stats(t.c, &a1);
	is(bch_gc(t.c), 0, "gc again");
	bch_alloc_get_stats(t.c, &a2);
	ok(t.c->cache->buckets[b].mark == BUCKET_FREE &&
	   t.c->cache->buckets[b].gen == (uint8_t)(gen + 1) && a2.gc_freed > a1.gc_freed,
	   "now unreferenced: freed, gen + 1");
	pthread_rwlock_rdlock(&t.c->btree_lock);
	bch_btree_walk_locked(t.c, gc_check_node, gc_check_key, &g);
	pthread_rwlock_unlock(&t.c->btree_lock);
	ok(!g.bad_data && !g.bad_node, "every live key's bucket is DATA, every node's BTREE "
	   "with its gen (%u, %u wrong)", g.bad_data, g.bad_node);
	ok(t.c->cache->buckets[t.c->prio_bucket].mark == BUCKET_PRIO, "the prio chain is PRIO");
	for (unsigned i = 0; i < t.c->cache->sb.njournal_buckets; i++)
		if (t.c->cache->buckets[t.c->cache->sb.d[i]].mark != BUCKET_JOURNAL)
			g.bad_node++;
	ok(!g.bad_node, "journal buckets stay JOURNAL");
	tset_stop(&t, true);
	free(w.k);
}

/* Flips bytes of a node's first set: open fails with a reason. */
static void test_corrupt(void)
{
	struct tset t = { 0 };
	uint8_t *buf = abuf(8192);
	uint64_t root_off;
	int r;

	r = tset_format(&t, "corrupt.img", 16, 8, 256, 8);
	is(r, 0, "corrupt: format");
	if (r)
		goto out;
	for (unsigned i = 0; i < 20; i++)
		write_range(t.c, 1, i * 20, 8, false, 0, NULL);
	is(tset_stop(&t, true), 0, "clean stop");
	is(tset_open(&t), 0, "opens while intact");
	root_off = PTR_OFFSET(&t.c->root_key.key, 0);
	tset_stop(&t, false);

	dev_open(&t, false);
	blk_rw(t.dev, BLK_OP_READ, 0, root_off, buf, 8192);
	buf[17] ^= 0xff;	/* the first set's seq (the set may have no key) */
	blk_rw(t.dev, BLK_OP_WRITE, 0, root_off, buf, 8192);
	blk_close(t.dev);
	r = tset_open(&t);
	is(r, -EIO, "a flipped byte in the root's first set: EIO");
	ok(log_has(&t, "bad checksum"), "and the log says bad checksum");
	set_free(&t);

	/* Garbage everywhere in the node. */
	dev_open(&t, false);
	for (unsigned i = 0; i < 8192; i++)
		buf[i] = (uint8_t)rnd();
	blk_rw(t.dev, BLK_OP_WRITE, 0, root_off, buf, 8192);
	blk_close(t.dev);
	r = tset_open(&t);
	is(r, -EIO, "random bytes for the root: EIO");
	ok(log_has(&t, "bad magic"), "and the log says bad magic");
	set_free(&t);
out:
	free(buf);
}

/* Sector offsets of the sets of the node at root_off, read into buf. */
static unsigned find_sets(struct tset *t, uint64_t root_off, uint8_t *buf, unsigned *sets_at,
			  unsigned max)
{
	unsigned nsets = 0;

	blk_rw(t->dev, BLK_OP_READ, 0, root_off, buf, 8192);
	for (unsigned off = 0; off < 8192 && nsets < max;) {
		struct bset *i = (struct bset *)(buf + off);

		if (i->magic != bch_bset_magic(&t->sb) ||
		    (nsets && i->seq != ((struct bset *)buf)->seq))
			break;
		sets_at[nsets++] = off;
		off += (unsigned)((bset_bytes(i) + 511) / 512 * 512);
	}
	return nsets;
}

/* Flips one byte of the node at root_off: set `set` (from the end: 1 is
 * the last), byte `at` of it.  0, or -1 when the node has too few sets. */
static int damage_set(struct tset *t, uint64_t root_off, unsigned from_end, unsigned at)
{
	uint8_t *buf = abuf(8192);
	unsigned sets_at[16], nsets;
	int r = -1;

	dev_open(t, false);
	nsets = find_sets(t, root_off, buf, sets_at, 16);
	if (nsets > from_end) {
		buf[sets_at[nsets - from_end] + at] ^= 0x5a;
		blk_rw(t->dev, BLK_OP_WRITE, 0, root_off, buf, 8192);
		r = 0;
	}
	blk_close(t->dev);
	t->dev = NULL;
	free(buf);
	return r;
}

/*
 * Damaged and torn sets: a root leaf in 16-sector buckets of 1-sector
 * blocks, so flushes append small sets.  Only the node's last set can be
 * torn, and only while the journal still holds keys for the node; any
 * other bad set is damage: open fails (EIO, saying so), and a salvage read
 * (fsck's) keeps the sets before it, never what comes after.
 */
static void test_torn(void)
{
	struct tset t = { 0 };
	struct keys a = { 0 }, ks = { 0 }, w = { 0 }, before = { 0 };
	uint64_t root_off;
	int r;

	r = tset_format(&t, "torn.img", 16, 1, 512, 8);
	is(r, 0, "torn: format, 1-sector blocks");
	if (r)
		goto out;
	write_range(t.c, 1, 0, 4, false, 0, NULL);
	is(bch_btree_flush_all(t.c), 0, "set A written");
	dump_keys(t.c, &a);
	root_off = PTR_OFFSET(&t.c->root_key.key, 0);
	write_range(t.c, 1, 100, 4, false, 0, NULL);
	is(bch_btree_flush_all(t.c), 0, "set B appended");
	write_range(t.c, 1, 200, 4, false, 0, NULL);
	is(bch_btree_flush_all(t.c), 0, "set C appended");
	ok(PTR_OFFSET(&t.c->root_key.key, 0) == root_off, "same bucket: appended, not moved");
	is(tset_stop(&t, true), 0, "clean stop");

	/* Damage the middle set (B): C, intact, follows it, so B is no torn write. */
	is(damage_set(&t, root_off, 2, 40), 0, "three sets; the middle one damaged");
	r = tset_open(&t);
	is(r, -EIO, "open with a damaged middle set: EIO");
	ok(log_has(&t, "follows it: damage, not a torn write"), "logged as damage");
	ok(strstr(t.c->read_why, "set at sector") != NULL, "the reason is kept for the caller (%s)",
	   t.c->read_why);
	set_free(&t);
	/* Salvage (fsck): A kept, counted; after a compaction neither B nor C is back. */
	open_salvage = true;
	r = tset_open(&t);
	open_salvage = false;
	is(r, 0, "salvage read with a damaged middle set");
	if (r)
		goto out_free;
	{
		struct bch_btree_stats st;

		bch_btree_get_stats(t.c, &st);
		is(st.corrupt_sets, 1, "one damaged set counted");
	}
	dump_keys(t.c, &ks);
	ok(keys_equal(&a, &ks), "contents: the sets before the damaged one");
	write_range(t.c, 1, 300, 4, false, 0, &w);
	is(bch_btree_flush_all(t.c), 0, "write D");
	ok(PTR_OFFSET(&t.c->root_key.key, 0) != root_off,
	   "after a bad set the node is compacted to a new bucket, not appended to");
	is(tset_stop(&t, true), 0, "clean stop");
	is(tset_open(&t), 0, "reopen");
	dump_extents(t.c, 1, 0, 1000, &ks);
	ok(ks.nr == 2 && KEY_START(&ks.k[0].key) == 0 && KEY_START(&ks.k[1].key) == 300,
	   "A and D, and neither B nor C");

	/* The last set damaged after a clean stop: the journal holds none of
	 * its keys, so no power cut tore it. */
	write_range(t.c, 2, 0, 4, false, 0, NULL);
	bch_btree_flush_all(t.c);
	dump_keys(t.c, &before);
	write_range(t.c, 2, 50, 4, false, 0, NULL);
	bch_btree_flush_all(t.c);
	root_off = PTR_OFFSET(&t.c->root_key.key, 0);
	is(tset_stop(&t, true), 0, "clean stop after two more sets");
	is(damage_set(&t, root_off, 1, 33), 0, "the last set's first key damaged");
	r = tset_open(&t);
	is(r, -EIO, "open with a damaged last set the journal does not cover: EIO");
	ok(log_has(&t, "no journal entry still to replay holds a key"), "logged as damage");
	set_free(&t);
	open_salvage = true;
	r = tset_open(&t);
	open_salvage = false;
	is(r, 0, "salvage read");
	if (r)
		goto out_free;
	dump_keys(t.c, &ks);
	ok(keys_equal(&before, &ks), "salvage: the state before the last set");
	tset_stop(&t, false);

	/* A torn last set: its keys are in durable journal entries that still
	 * pin them (power cut before any entry moved last_seq past them).  A
	 * tear leaves the set's first sector new (or it would not carry the
	 * node's seq): the set spans two sectors and the second is torn. */
	r = tset_open(&t);
	is(r, -EIO, "still refused: salvage wrote nothing");
	set_free(&t);
	r = tset_format(&t, "torn2.img", 16, 1, 512, 8);
	is(r, 0, "torn: a fresh set");
	if (r)
		goto out;
	write_range(t.c, 3, 0, 4, false, 0, NULL);
	is(bch_btree_flush_all(t.c), 0, "set A written");
	is(bch_journal_meta(t.c), 0, "and unpinned");
	dump_keys(t.c, &before);
	{
		unsigned added = 0;

		r = 0;
		for (unsigned n = 0; n < 30 && !r; n++) {
			struct bkey_slot k;
			uint64_t ptr, seq = 0;
			int got = bch_alloc_sectors(t.c, 4, &ptr);

			if (got <= 0)
				break;
			k = mkkey(3, 40 + 8 * n, (unsigned)got, ptr, true);
			r = bch_journal_add(t.c, k.w, 3, JOURNAL_FLUSH, &seq);
			if (!r) {
				r = bch_btree_insert(t.c, k.w, 3, seq);
				bch_journal_pin_drop(t.c, seq);
				keys_add(&before, &k.key);
				added++;
			}
		}
		is(added, 30, "30 keys journalled (durable) and inserted");
		is(bch_btree_flush_all(t.c), 0, "set B appended (the journal still pins it)");
		root_off = PTR_OFFSET(&t.c->root_key.key, 0);
	}
	is(tset_stop(&t, false), 0, "power cut: no entry moved last_seq");
	is(damage_set(&t, root_off, 1, 600), 0, "the last set torn (its second sector)");
	r = tset_open(&t);
	is(r, 0, "open with a torn last set the journal covers");
	if (r)
		goto out_free;
	ok(log_has(&t, "a torn write"), "logged as a torn write");
	dump_keys(t.c, &ks);
	ok(keys_equal(&before, &ks), "contents: set A and the replayed key");
	tset_stop(&t, true);
	goto out;
out_free:
	set_free(&t);
out:
	free(a.k);
	free(ks.k);
	free(w.k);
	free(before.k);
}

/*
 * A cache full of dirty data: data allocation fails with ENOSPC, but the
 * btree still has its reserve (deletions split leaves and are written);
 * once the data is deleted, GC and a prio write make room again.
 */
static void test_full(void)
{
	struct tset t = { 0 };
	struct bch_alloc_stats ast;
	struct bch_btree_stats st1, st2;
	unsigned writes = 0;
	int r;

	r = tset_format(&t, "full.img", 16, 8, 256, 8);
	is(r, 0, "full: format 256 buckets of 16 sectors");
	if (r)
		return;
	for (;;) {
		r = write_range(t.c, 7, (uint64_t)writes * 8, 8, true, 0, NULL);
		if (r)
			break;
		writes++;
	}
	bch_alloc_get_stats(t.c, &ast);
	is(r, -ENOSPC, "after %u dirty writes of 8 sectors: ENOSPC", writes);
	ok(!bch_error(t.c), "not a set error");
	ok(ast.free >= ast.reserve_btree, "the btree reserve (%u) is left (%llu free)",
	   ast.reserve_btree, (unsigned long long)ast.free);
	r = 0;
	bch_btree_get_stats(t.c, &st1);
	for (unsigned i = 0; i < writes && !r; i++) {
		struct bkey_slot d = mkkey(7, (uint64_t)i * 8 + 2, 4, UINT64_MAX, false);

		r = bch_btree_insert(t.c, d.w, 2, 0);	/* punch holes: twice the keys */
	}
	bch_btree_get_stats(t.c, &st2);
	is(r, 0, "deletions still insert");
	ok(st2.splits > st1.splits, "and split leaves (%llu splits) with the reserve",
	   (unsigned long long)(st2.splits - st1.splits));
	if (r) {
		fflush(t.log);
		printf("# log: %s\n", t.logbuf ? t.logbuf : "");
	}
	is(bch_btree_flush_all(t.c), 0, "and flush");
	{
		struct bkey_slot d = mkkey(7, 0, (unsigned)(writes * 8), UINT64_MAX, false);

		is(bch_btree_insert(t.c, d.w, 2, 0), 0, "delete everything");
	}
	is(write_range(t.c, 7, 0, 8, true, 0, NULL), 0, "room again (GC, prio write)");
	tset_stop(&t, true);
}

/* ---- threads -------------------------------------------------------------------- */

/* Each writer's range: the 4 fit in the cache, with room to spare. */
#define THREAD_SECT 6000u

struct writer {
	struct cache_set *c;
	unsigned inode, n;
	int err;
	uint64_t seed;
};

static int stop_readers;

/* Like request.c: data sectors, journal entry (pinned), btree insert, unpin. */
static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	uint64_t s = w->seed;

	for (unsigned i = 0; i < w->n && !w->err; i++) {
		uint64_t words[16 * 3], seq;
		unsigned u64s = 0, size, done = 0;
		uint64_t start;
		struct bkey_slot ks[16];
		unsigned nk = 0;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		size = 1 + (unsigned)(s % 16);
		start = (s >> 8) % (THREAD_SECT - size);
		if ((s >> 40) % 10 == 0) {		/* a deletion */
			ks[0] = mkkey(w->inode, start, size, UINT64_MAX, false);
			memcpy(words, ks[0].w, 16);
			u64s = 2;
			nk = 1;
		} else {
			while (done < size) {
				uint64_t ptr;
				int got = bch_alloc_sectors(w->c, size - done, &ptr);

				if (got < 0) {
					w->err = got;
					break;
				}
				ks[nk] = mkkey(w->inode, start + done, (unsigned)got, ptr,
					       (s >> 50) % 8 == 0);
				memcpy(words + u64s, ks[nk].w, 24);
				u64s += 3;
				nk++;
				done += (unsigned)got;
			}
			if (w->err)
				break;
		}
		w->err = bch_journal_add(w->c, words, u64s, 0, &seq);
		if (!w->err)
			w->err = bch_btree_insert(w->c, words, u64s, seq);
		if (!w->err)
			bch_journal_pin_drop(w->c, seq);
		for (unsigned k = 0; k < nk; k++)
			model_set(&ks[k].key);
	}
	return NULL;
}

static void *gc_thread(void *arg)
{
	struct cache_set *c = arg;
	struct keys ks = { 0 };
	unsigned n = 0;

	while (!__atomic_load_n(&stop_readers, __ATOMIC_ACQUIRE)) {
		if (n++ % 8 == 0 && bch_gc(c))
			break;
		/* Readers see sorted extents of one inode. */
		dump_extents(c, n % NINODE, 0, NSECT, &ks);
		for (size_t i = 1; i < ks.nr; i++)
			if (KEY_START(&ks.k[i].key) < KEY_OFFSET(&ks.k[i - 1].key))
				abort();
		usleep(1000);
	}
	free(ks.k);
	return NULL;
}

/*
 * Four writers (one inode each, so each owns its part of the model), a
 * thread running GC and reading, the journal thread writing leaves when
 * its ring fills.  Then the model, a crash (no btree write) and replay.
 */
static void test_threads(void)
{
	struct tset t = { 0 };
	struct writer w[NINODE];
	pthread_t th[NINODE], gct;
	const char *what = "";
	struct journal_stats js;
	bool errs = false;
	int r;

	r = tset_format(&t, "threads.img", 8, 1, 8192, 16);
	is(r, 0, "threads: format 8192 buckets of 8 sectors, 16 journal buckets");
	if (r)
		return;
	memset(model, 0, sizeof(model));
	stop_readers = 0;
	pthread_create(&gct, NULL, gc_thread, t.c);
	for (unsigned i = 0; i < NINODE; i++) {
		w[i] = (struct writer){ .c = t.c, .inode = i, .n = 6000, .seed = 1000 + i };
		pthread_create(&th[i], NULL, writer_thread, &w[i]);
	}
	for (unsigned i = 0; i < NINODE; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err) {
			printf("# writer %u: %d\n", i, w[i].err);
			errs = true;
		}
	}
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELEASE);
	pthread_join(gct, NULL);
	ok(!errs, "4 writers x 6000 journalled writes, with GC and readers alongside");
	ok(model_check(t.c, &what), "the tree matches the model (%s)", what);
	bch_journal_get_stats(t.c, &js);
	ok(js.flush_pins_calls > 0, "the journal filled and had leaves written (%llu calls)",
	   (unsigned long long)js.flush_pins_calls);
	is(bch_journal_flush(t.c), 0, "journal flushed");
	{
		/* Every pin the btree took is dropped once its leaves are written. */
		struct keys ks = { 0 };
		struct journal_stats j2;

		bch_btree_flush_all(t.c);
		bch_journal_meta(t.c);
		bch_journal_get_stats(t.c, &j2);
		ok(j2.last_seq == j2.seq, "after flush_all no pin is left (last_seq %llu, seq %llu)",
		   (unsigned long long)j2.last_seq, (unsigned long long)j2.seq);
		/* More writes, left pinned in dirty leaves for the crash below. */
		for (unsigned i = 0; i < NINODE; i++) {
			w[i].n = 300;
			w[i].seed += 77;
			writer_thread(&w[i]);
		}
		free(ks.k);
	}
	is(bch_prio_write(t.c), 0, "prio write");
	is(bch_journal_meta(t.c), 0, "and a journal entry pointing at it");
	is(tset_stop(&t, false), 0, "crash");
	r = tset_open(&t);
	is(r, 0, "reopen and replay");
	if (!r) {
		ok(model_check(t.c, &what), "the replayed tree matches the model (%s)", what);
		tset_stop(&t, true);
	}
}

/* MMSIM_BTREE_ONLY=name runs one group of tests. */
static bool want(const char *name)
{
	const char *only = getenv("MMSIM_BTREE_ONLY");

	return !only || !strcmp(only, name);
}

int main(void)
{
	const char *env = getenv("MMSIM_BTREE_STEPS");
	unsigned steps = env ? (unsigned)strtoul(env, NULL, 0) : 60000;
	struct tset big = { 0 };
	int r;

	snprintf(tmpdir, sizeof(tmpdir), "%s/mmsim-btree-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	if (want("basic"))
		test_basic();
	if (want("stale"))
		test_stale();
	if (want("gc"))
		test_gc();
	if (want("prio"))
		test_prio();
	if (want("corrupt"))
		test_corrupt();
	if (want("torn"))
		test_torn();
	if (want("replay"))
		test_replay();
	if (want("pincheck"))
		test_pin_check();
	if (want("full"))
		test_full();
	if (want("threads"))
		test_threads();
	if (!want("random"))
		goto done;

	/*
	 * 4 KiB nodes (8-sector buckets, 1-sector blocks); 8192 buckets, so
	 * the 4 x 40000 sectors written do not fit and clean data is evicted.
	 */
	r = tset_format(&big, "big.img", 8, 1, 8192, 32);
	is(r, 0, "big: format 8192 buckets of 8 sectors");
	if (!r) {
		test_random(&big, steps, true);
		test_reopen(&big);
		tset_stop(&big, true);
	}

done:
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			printf("# could not remove %s\n", tmpdir);
	}
	return done_testing();
}
