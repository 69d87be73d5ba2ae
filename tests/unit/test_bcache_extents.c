/*
 * test_bcache_extents.c - src/bcache/extents.c: cutting keys, validity of
 * leaf keys and node pointers, and extent insert, first on hand-picked
 * cases (front/back trims, a split, covered extents removed, touching
 * extents left alone, other inodes untouched, deletions), then on long
 * random runs checked after every insert against a per-sector model
 * (sector -> pointers, gens, dirty) and against the delta rule btree.c
 * relies on: a keep-deletions array of the changes since a snapshot,
 * applied in sorted order to the snapshot, gives the current array.
 * bkey_array_disorder (the debug build's node check) finds a key out of
 * order or an overlap, and finds none in any array the runs build.
 */
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcache/bcache.h"
#include "bcache/extents.h"

static struct bkey_slot mk(unsigned inode, uint64_t start, unsigned size, unsigned nptrs,
			   uint64_t ptr_off, unsigned gen, bool dirty)
{
	struct bkey_slot s;

	memset(&s, 0, sizeof(s));
	bch_key_init(&s.key, inode, start + size, size);
	SET_KEY_PTRS(&s.key, nptrs);
	SET_KEY_DIRTY(&s.key, dirty);
	for (unsigned i = 0; i < nptrs; i++)
		s.key.ptr[i] = bch_make_ptr(0, ptr_off + i * 100000, (uint8_t)(gen + i));
	return s;
}

static bool key_is(const struct bkey_array *a, size_t i, unsigned inode, uint64_t start,
		   uint64_t end, uint64_t ptr_off)
{
	const struct bkey *k;

	if (i >= a->nr)
		return false;
	k = &a->k[i].key;
	return KEY_INODE(k) == inode && KEY_START(k) == start && KEY_OFFSET(k) == end &&
	       (!KEY_PTRS(k) || PTR_OFFSET(k, 0) == ptr_off);
}

static void ins(struct bkey_array *a, struct bkey_slot s)
{
	int r = bch_extent_insert(a, &s.key, false);

	if (r)
		printf("# insert failed: %d\n", r);
}

/* ---- hand-picked cases --------------------------------------------------------- */

static void test_cut(void)
{
	struct bkey_slot s = mk(3, 100, 50, 2, 1000, 7, true);

	bch_cut_front(&s.key, 110);
	ok(KEY_START(&s.key) == 110 && KEY_OFFSET(&s.key) == 150 && KEY_SIZE(&s.key) == 40,
	   "cut_front: range [110,150)");
	ok(PTR_OFFSET(&s.key, 0) == 1010 && PTR_OFFSET(&s.key, 1) == 101010,
	   "cut_front: every pointer advanced by 10");
	ok(PTR_GEN(&s.key, 0) == 7 && PTR_GEN(&s.key, 1) == 8 && PTR_DEV(&s.key, 1) == 0 &&
	   KEY_DIRTY(&s.key) && KEY_INODE(&s.key) == 3, "cut_front keeps gens, dev, dirty, inode");
	bch_cut_back(&s.key, 130);
	ok(KEY_START(&s.key) == 110 && KEY_OFFSET(&s.key) == 130 && PTR_OFFSET(&s.key, 0) == 1010,
	   "cut_back: [110,130), pointer unchanged");
}

static void test_edges(void)
{
	struct bkey_array a;
	struct bkey_slot z = mk(1, 10, 0, 1, 5000, 0, false);

	bkey_array_init(&a);
	ins(&a, mk(1, 100, 100, 1, 10000, 1, false));
	ok(a.nr == 1 && key_is(&a, 0, 1, 100, 200, 10000) && a.u64s == 3, "insert into empty");

	/* Middle insert: split in two. */
	ins(&a, mk(1, 120, 30, 1, 20000, 2, true));
	ok(a.nr == 3 && key_is(&a, 0, 1, 100, 120, 10000) && key_is(&a, 1, 1, 120, 150, 20000) &&
	   key_is(&a, 2, 1, 150, 200, 10050), "middle insert splits; back half's pointer +50");
	is(a.u64s, 9, "u64s counts three one-pointer keys");

	/* Covering the front of one and the back of another. */
	ins(&a, mk(1, 110, 50, 1, 30000, 3, false));
	ok(a.nr == 3 && key_is(&a, 0, 1, 100, 110, 10000) && key_is(&a, 1, 1, 110, 160, 30000) &&
	   key_is(&a, 2, 1, 160, 200, 10060), "insert over a boundary: middle key removed, "
	   "neighbours trimmed");

	/* Touching extents are not trimmed. */
	ins(&a, mk(1, 200, 10, 1, 40000, 4, false));
	ins(&a, mk(1, 90, 10, 1, 50000, 5, false));
	ok(a.nr == 5 && key_is(&a, 0, 1, 90, 100, 50000) && key_is(&a, 1, 1, 100, 110, 10000) &&
	   key_is(&a, 4, 1, 200, 210, 40000), "touching extents on both sides: untouched");

	/* Other inodes are untouched. */
	ins(&a, mk(0, 100, 100, 1, 60000, 6, false));
	ins(&a, mk(2, 0, 500, 1, 70000, 7, false));
	ok(a.nr == 7 && key_is(&a, 0, 0, 100, 200, 60000) && key_is(&a, 6, 2, 0, 500, 70000),
	   "same offsets in other inodes: separate");

	/* A key covering several exactly: all removed. */
	ins(&a, mk(1, 90, 120, 1, 80000, 8, false));
	ok(a.nr == 3 && key_is(&a, 1, 1, 90, 210, 80000), "covering insert removes everything");

	/* Deletion trims and is not kept... */
	ins(&a, mk(1, 100, 10, 0, 0, 0, false));
	ok(a.nr == 4 && key_is(&a, 1, 1, 90, 100, 80000) && key_is(&a, 2, 1, 110, 210, 80020),
	   "deletion punches a hole and is not kept");
	/* ...unless asked. */
	{
		struct bkey_slot d = mk(1, 150, 100, 0, 0, 0, false);
		is(bch_extent_insert(&a, &d.key, true), 0, "deletion with keep_deletions");
	}
	ok(a.nr == 5 && key_is(&a, 2, 1, 110, 150, 80020) && key_is(&a, 3, 1, 150, 250, 0) &&
	   !KEY_PTRS(&a.k[3].key), "kept deletion sits in the array");
	is(bch_extent_insert(&a, &z.key, false), -EINVAL, "size 0: EINVAL");
	ok(bch_extents_sorted(&a, NULL), "array is sorted and non-overlapping");

	/* Exact replace of one extent. */
	ins(&a, mk(1, 110, 40, 1, 90000, 9, false));
	ok(a.nr == 5 && key_is(&a, 2, 1, 110, 150, 90000), "exact overwrite replaces");
	/* Sector 0 and the largest key. */
	ins(&a, mk(1, 0, 1, 1, 123, 0, false));
	ok(key_is(&a, 1, 1, 0, 1, 123), "extent at sector 0");
	bkey_array_free(&a);
}

static void test_valid(void)
{
	struct cache ca;
	struct bkey_slot s;
	const char *why = NULL;

	memset(&ca, 0, sizeof(ca));
	ca.nbuckets = 100;
	ca.bucket_sectors = 16;
	ca.block_sectors = 8;
	ca.sb.first_bucket = 1;
	ca.sb.njournal_buckets = 2;
	ca.sb.d[0] = 1;
	ca.sb.d[1] = 2;

	s = mk(0, 0, 8, 1, 48, 0, true);
	ok(bch_extent_valid(&ca, &s.key, false, &why), "a key in bucket 3 is valid");
	s = mk(0, 0, 8, 1, 16, 0, true);
	ok(!bch_extent_valid(&ca, &s.key, false, &why), "into a journal bucket: invalid (%s)", why);
	s = mk(0, 0, 8, 1, 8, 0, true);
	ok(!bch_extent_valid(&ca, &s.key, false, &why), "below first_bucket: invalid (%s)", why);
	s = mk(0, 0, 8, 1, 60, 0, true);
	ok(!bch_extent_valid(&ca, &s.key, false, &why), "crossing a bucket end: invalid (%s)", why);
	s = mk(0, 0, 8, 1, 1600, 0, true);
	ok(!bch_extent_valid(&ca, &s.key, false, &why), "past the device: invalid (%s)", why);
	s = mk(0, 0, 8, 1, 48, 0, true);
	s.key.ptr[0] |= 1ull << 51;
	ok(!bch_extent_valid(&ca, &s.key, false, &why), "device 1: invalid (%s)", why);
	s = mk(0, 0, 8, 0, 0, 0, false);
	ok(!bch_extent_valid(&ca, &s.key, false, &why) && bch_extent_valid(&ca, &s.key, true, &why),
	   "no pointers: a deletion, valid only where allowed");
	s = mk(0, 0, 8, 1, 48, 0, false);
	SET_KEY_SIZE(&s.key, 0);
	ok(!bch_extent_valid(&ca, &s.key, true, &why), "size 0: invalid (%s)", why);
	s = mk(0, 0, 8, 1, 48, 0, false);
	SET_KEY_OFFSET(&s.key, 4);
	ok(!bch_extent_valid(&ca, &s.key, true, &why), "starts before 0: invalid (%s)", why);
	s = mk(0, 0, 8, 1, 48, 0, false);
	SET_KEY_CSUM(&s.key, 1);
	ok(!bch_extent_valid(&ca, &s.key, true, &why), "csum bits: invalid (%s)", why);

	s = mk(0, 0, 16, 1, 48, 0, false);
	ok(bch_btree_ptr_valid(&ca, &s.key, &why), "node pointer to bucket 3: valid");
	s = mk(0, 0, 16, 1, 50, 0, false);
	ok(!bch_btree_ptr_valid(&ca, &s.key, &why), "node pointer inside a bucket (%s)", why);
	s = mk(0, 0, 16, 2, 48, 0, false);
	ok(!bch_btree_ptr_valid(&ca, &s.key, &why), "node pointer with two pointers (%s)", why);
	s = mk(0, 0, 32, 1, 48, 0, false);
	ok(!bch_btree_ptr_valid(&ca, &s.key, &why), "node bigger than a bucket (%s)", why);
	s = mk(0, 0, 16, 1, 32, 0, false);
	ok(!bch_btree_ptr_valid(&ca, &s.key, &why), "node in a journal bucket (%s)", why);
}

/* ---- random runs against a per-sector model --------------------------------------- */

#define NINODE 3
#define NSECT 3000

struct cell {
	uint8_t nptrs;		/* 0: nothing cached (or deleted) */
	uint8_t dirty;
	uint8_t gen[3];
	uint64_t off[3];	/* device sector of this sector */
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Does the array, expanded sector by sector, equal the model? */
static bool matches(const struct bkey_array *a, struct cell (*model)[NSECT], const char **what)
{
	static struct cell got[NINODE][NSECT];

	memset(got, 0, sizeof(got));
	if (!bch_extents_sorted(a, NULL)) {
		*what = "not sorted / overlapping / bad u64s";
		return false;
	}
	for (size_t i = 0; i < a->nr; i++) {
		const struct bkey *k = &a->k[i].key;

		if (!KEY_PTRS(k) || KEY_INODE(k) >= NINODE || KEY_OFFSET(k) > NSECT) {
			*what = "unexpected key";
			return false;
		}
		for (uint64_t s = KEY_START(k); s < KEY_OFFSET(k); s++) {
			struct cell *c = &got[KEY_INODE(k)][s];

			c->nptrs = (uint8_t)KEY_PTRS(k);
			c->dirty = (uint8_t)KEY_DIRTY(k);
			for (unsigned p = 0; p < KEY_PTRS(k); p++) {
				c->gen[p] = (uint8_t)PTR_GEN(k, p);
				c->off[p] = PTR_OFFSET(k, p) + (s - KEY_START(k));
			}
		}
	}
	for (unsigned in = 0; in < NINODE; in++)
		for (unsigned s = 0; s < NSECT; s++) {
			const struct cell *g = &got[in][s], *m = &model[in][s];

			if (g->nptrs != m->nptrs ||
			    (m->nptrs && (g->dirty != m->dirty ||
					  memcmp(g->gen, m->gen, m->nptrs) ||
					  memcmp(g->off, m->off, m->nptrs * 8)))) {
				*what = "sector contents differ from the model";
				return false;
			}
		}
	return true;
}

/* Applies a keep-deletions delta to a snapshot: must give the current array. */
static bool delta_rebuilds(const struct bkey_array *snap, const struct bkey_array *delta,
			   const struct bkey_array *cur)
{
	struct bkey_array t;
	bool same;

	bkey_array_init(&t);
	if (bkey_array_copy(&t, snap))
		return false;
	if (!bch_extents_sorted(delta, NULL))
		return false;
	for (size_t i = 0; i < delta->nr; i++)
		if (bch_extent_insert(&t, &delta->k[i].key, false))
			return false;
	same = t.nr == cur->nr && t.u64s == cur->u64s &&
	       !memcmp(t.k, cur->k, t.nr * sizeof(*t.k));
	bkey_array_free(&t);
	return same;
}

static void random_run(uint64_t seed, unsigned steps, unsigned maxsize)
{
	static struct cell model[NINODE][NSECT];
	struct bkey_array a, snap, delta;
	unsigned bad_model = 0, bad_delta = 0, bad_order = 0, snaps = 0;
	const char *what = "";

	rng_state = seed;
	memset(model, 0, sizeof(model));
	bkey_array_init(&a);
	bkey_array_init(&snap);
	bkey_array_init(&delta);
	for (unsigned step = 0; step < steps; step++) {
		unsigned inode = (unsigned)(rnd() % NINODE);
		unsigned size = 1 + (unsigned)(rnd() % maxsize);
		uint64_t start = rnd() % (NSECT - size + 1);
		unsigned nptrs = (unsigned)(rnd() % 8 == 0 ? 0 : 1 + rnd() % 3);
		uint64_t off = 1000 + rnd() % 1000000;
		unsigned gen = (unsigned)(rnd() & 0xff);
		bool dirty = rnd() & 1;
		struct bkey_slot s = mk(inode, start, size, nptrs, off, gen, dirty);

		if (bch_extent_insert(&a, &s.key, false) || bch_extent_insert(&delta, &s.key, true)) {
			bad_model++;
			break;
		}
		for (unsigned x = 0; x < size; x++) {
			struct cell *c = &model[inode][start + x];

			c->nptrs = (uint8_t)nptrs;
			c->dirty = dirty;
			for (unsigned p = 0; p < nptrs; p++) {
				c->gen[p] = (uint8_t)(gen + p);
				c->off[p] = off + p * 100000 + x;
			}
		}
		if ((bkey_array_disorder(&a, true) || bkey_array_disorder(&delta, true)) &&
		    !bad_order++)
			printf("# seed %llu step %u: array out of order\n",
			       (unsigned long long)seed, step);
		if ((step % 7 == 0 || step < 200) && !matches(&a, model, &what) && !bad_model++)
			printf("# seed %llu step %u: %s\n", (unsigned long long)seed, step, what);
		if (rnd() % 23 == 0) {
			if (!delta_rebuilds(&snap, &delta, &a) && !bad_delta++)
				printf("# seed %llu step %u: delta does not rebuild\n",
				       (unsigned long long)seed, step);
			bkey_array_copy(&snap, &a);
			bkey_array_clear(&delta);
			snaps++;
		}
	}
	if (!matches(&a, model, &what) && !bad_model++)
		printf("# seed %llu at the end: %s\n", (unsigned long long)seed, what);
	ok(!bad_model, "seed %llu: %u random inserts (size <= %u) match the sector model",
	   (unsigned long long)seed, steps, maxsize);
	ok(!bad_order, "seed %llu: the array and the delta stay in order (bkey_array_disorder)",
	   (unsigned long long)seed);
	ok(!bad_delta && snaps > 10, "seed %llu: %u deltas rebuild the array from the snapshot",
	   (unsigned long long)seed, snaps);
	bkey_array_free(&a);
	bkey_array_free(&snap);
	bkey_array_free(&delta);
}

/* The debug check finds each kind of disorder, and the index where it is. */
static void test_disorder(void)
{
	struct bkey_array a;
	struct bkey_slot k[4] = { mk(1, 0, 8, 1, 100, 0, false), mk(1, 8, 8, 1, 200, 0, false),
				  mk(1, 20, 4, 1, 300, 0, false), mk(2, 0, 8, 1, 400, 0, false) };

	bkey_array_init(&a);
	for (unsigned i = 0; i < 4; i++)
		bkey_array_insert_at(&a, i, &k[i].key);
	is(bkey_array_disorder(&a, true), 0, "disorder: four touching or apart extents in order");
	bkey_array_set(&a, 1, &k[2].key);
	bkey_array_set(&a, 2, &k[1].key);
	is(bkey_array_disorder(&a, true), 2, "two keys swapped: found at index 2");
	is(bkey_array_disorder(&a, false), 2, "and as node pointers too");
	bkey_array_set(&a, 1, &k[1].key);
	bkey_array_set(&a, 2, &k[2].key);
	{
		struct bkey_slot wide = mk(1, 4, 12, 1, 500, 0, false);	/* [4, 16) */

		bkey_array_set(&a, 1, &wide.key);
	}
	is(bkey_array_disorder(&a, true), 1, "an extent starting inside its predecessor: index 1");
	is(bkey_array_disorder(&a, false), 0, "which node pointers may (positions still increase)");
	bkey_array_set(&a, 1, &k[0].key);
	is(bkey_array_disorder(&a, false), 1, "two keys at one position: index 1");
	bkey_array_free(&a);
}

int main(void)
{
	test_disorder();
	test_cut();
	test_edges();
	test_valid();
	random_run(1, 20000, 40);
	random_run(2, 20000, 300);
	random_run(3, 5000, 3000);
	random_run(4, 30000, 8);
	for (uint64_t seed = 10; seed < 16; seed++)
		random_run(seed, 4000, 1 + (unsigned)(seed * 37 % 500));
	return done_testing();
}
