/*
 * extents.c - extent keys: validity, cutting, and the sorted key array
 * that btree nodes keep in memory, with bcache's extent-insert rule.
 *
 * What it owns
 *  - struct bkey_array: keys in fixed-size slots (room for 7 pointers),
 *    sorted by (inode, end offset), with the running total of the words
 *    they would take in a bset (so btree.c can tell when a node is full
 *    without walking it).
 *  - The extent-insert rule (bcache's bch_extent_insert_fixup, done on a
 *    plain sorted array): in a leaf, extents never overlap, so the ones a
 *    new key overlaps form one contiguous run of the array; only the first
 *    can stick out in front of the new key and only the last behind it.
 *    The run is replaced by [front remnant] [new key] [back remnant].
 *    A remnant cut at its front keeps its end (its position) and advances
 *    its pointers by the sectors dropped, so each remaining sector still
 *    points at the same cache sector; a remnant cut at its back keeps its
 *    pointers and gets a smaller end.  One key covering the new one on
 *    both sides yields both remnants (a split).
 *  - Validity of leaf keys and of btree node pointer keys.
 *
 * Invariants (of every leaf array built only through bch_extent_insert):
 * sorted, non-overlapping, every size > 0, u64s exact.  Deletions (keys
 * without pointers) are kept only when asked (btree.c's per-node list of
 * changes since the last write needs them; a node's live keys never do).
 *
 * No locks: callers own the arrays they pass.  Nothing here does I/O.
 */
#include "extents.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bcache.h"

/* ---- the array ------------------------------------------------------------------ */

void bkey_array_init(struct bkey_array *a)
{
	memset(a, 0, sizeof(*a));
}

void bkey_array_free(struct bkey_array *a)
{
	free(a->k);
	bkey_array_init(a);
}

void bkey_array_clear(struct bkey_array *a)
{
	a->nr = 0;
	a->u64s = 0;
}

int bkey_array_reserve(struct bkey_array *a, size_t n)
{
	struct bkey_slot *k;
	size_t cap;

	if (n <= a->cap)
		return 0;
	cap = a->cap ? a->cap : 16;
	while (cap < n)
		cap *= 2;
	k = realloc(a->k, cap * sizeof(*k));
	if (!k)
		return -ENOMEM;
	a->k = k;
	a->cap = cap;
	return 0;
}

int bkey_array_copy(struct bkey_array *dst, const struct bkey_array *src)
{
	if (bkey_array_reserve(dst, src->nr))
		return -ENOMEM;
	if (src->nr)
		memcpy(dst->k, src->k, src->nr * sizeof(*src->k));
	dst->nr = src->nr;
	dst->u64s = src->u64s;
	return 0;
}

void bkey_slot_set(struct bkey_slot *s, const struct bkey *k)
{
	unsigned n = bkey_u64s(k);

	memcpy(s->w, k, n * 8);
	memset(s->w + n, 0, (BKEY_SLOT_U64S - n) * 8);
}

int bkey_array_insert_at(struct bkey_array *a, size_t i, const struct bkey *k)
{
	if (bkey_array_reserve(a, a->nr + 1))
		return -ENOMEM;
	memmove(&a->k[i + 1], &a->k[i], (a->nr - i) * sizeof(*a->k));
	bkey_slot_set(&a->k[i], k);
	a->nr++;
	a->u64s += bkey_u64s(k);
	return 0;
}

void bkey_array_remove(struct bkey_array *a, size_t i, size_t n)
{
	for (size_t j = i; j < i + n; j++)
		a->u64s -= bkey_u64s(&a->k[j].key);
	memmove(&a->k[i], &a->k[i + n], (a->nr - i - n) * sizeof(*a->k));
	a->nr -= n;
}

void bkey_array_set(struct bkey_array *a, size_t i, const struct bkey *k)
{
	a->u64s -= bkey_u64s(&a->k[i].key);
	bkey_slot_set(&a->k[i], k);
	a->u64s += bkey_u64s(k);
}

size_t bkey_array_first_after(const struct bkey_array *a, uint64_t inode, uint64_t offset)
{
	size_t lo = 0, hi = a->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bkey *k = &a->k[mid].key;

		if (bch_pos_cmp(KEY_INODE(k), KEY_OFFSET(k), inode, offset) > 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

size_t bkey_array_disorder(const struct bkey_array *a, bool extents)
{
	for (size_t i = 1; i < a->nr; i++) {
		const struct bkey *prev = &a->k[i - 1].key, *k = &a->k[i].key;

		if (bkey_cmp(prev, k) >= 0)
			return i;
		if (extents && bch_pos_cmp(KEY_INODE(prev), KEY_OFFSET(prev), KEY_INODE(k),
					   KEY_START(k)) > 0)
			return i;
	}
	return 0;
}

/* ---- cutting ---------------------------------------------------------------------- */

void bch_cut_front(struct bkey *k, uint64_t start)
{
	uint64_t drop = start - KEY_START(k);

	for (unsigned i = 0; i < KEY_PTRS(k); i++)
		k->ptr[i] = bch_make_ptr((unsigned)PTR_DEV(k, i), PTR_OFFSET(k, i) + drop,
					 (uint8_t)PTR_GEN(k, i));
	SET_KEY_SIZE(k, KEY_SIZE(k) - drop);
}

void bch_cut_back(struct bkey *k, uint64_t end)
{
	SET_KEY_SIZE(k, KEY_SIZE(k) - (KEY_OFFSET(k) - end));
	SET_KEY_OFFSET(k, end);
}

/* ---- validity ----------------------------------------------------------------------- */

static bool fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return false;
}

/* Is bucket b one the device keeps for itself (superblock, journal)? */
static bool bucket_reserved(const struct cache *ca, uint64_t b)
{
	if (b < ca->sb.first_bucket)
		return true;
	for (unsigned j = 0; j < ca->sb.njournal_buckets && j < BCH_SB_JOURNAL_BUCKETS; j++)
		if (ca->sb.d[j] == b)
			return true;
	return false;
}

bool bch_extent_valid(const struct cache *ca, const struct bkey *k, bool allow_delete,
		      const char **why)
{
	if (KEY_SIZE(k) == 0)
		return fail(why, "zero size");
	if (KEY_SIZE(k) > KEY_OFFSET(k))
		return fail(why, "extent starts before sector 0");
	if (KEY_CSUM(k) || KEY_HEADER_SIZE(k) || KEY_PINNED(k))
		return fail(why, "unknown bits set");
	if (!KEY_PTRS(k))
		return allow_delete ? true : fail(why, "no pointers");
	if (!ca)
		return true;
	for (unsigned i = 0; i < KEY_PTRS(k); i++) {
		uint64_t off = PTR_OFFSET(k, i), b = off / ca->bucket_sectors;

		if (PTR_DEV(k, i) != 0)
			return fail(why, "pointer to a device not in the set");
		if (b >= ca->nbuckets)
			return fail(why, "pointer past the end of the device");
		if (off % ca->bucket_sectors + KEY_SIZE(k) > ca->bucket_sectors)
			return fail(why, "extent crosses a bucket boundary");
		if (bucket_reserved(ca, b))
			return fail(why, "pointer into the superblock area or a journal bucket");
	}
	return true;
}

bool bch_btree_ptr_valid(const struct cache *ca, const struct bkey *k, const char **why)
{
	uint64_t off, b;

	if (KEY_PTRS(k) != 1)
		return fail(why, "node pointer without exactly one pointer");
	if (KEY_CSUM(k) || KEY_HEADER_SIZE(k) || KEY_PINNED(k) || KEY_DIRTY(k))
		return fail(why, "unknown bits set on a node pointer");
	if (KEY_SIZE(k) == 0 || KEY_SIZE(k) > ca->bucket_sectors)
		return fail(why, "node pointer with a bad node size");
	if (PTR_DEV(k, 0) != 0)
		return fail(why, "node pointer to a device not in the set");
	off = PTR_OFFSET(k, 0);
	b = off / ca->bucket_sectors;
	if (off % ca->bucket_sectors)
		return fail(why, "node pointer not at a bucket start");
	if (b >= ca->nbuckets)
		return fail(why, "node pointer past the end of the device");
	if (bucket_reserved(ca, b))
		return fail(why, "node pointer into the superblock area or a journal bucket");
	return true;
}

/* ---- extent insert ------------------------------------------------------------------- */

int bch_extent_insert(struct bkey_array *a, const struct bkey *k, bool keep_deletions)
{
	uint64_t inode = KEY_INODE(k), start = KEY_START(k), end = KEY_OFFSET(k);
	struct bkey_slot add[3];
	size_t i, j, nadd = 0, removed_u64s = 0;

	if (!KEY_SIZE(k))
		return -EINVAL;
	if (bkey_array_reserve(a, a->nr + 2))
		return -ENOMEM;

	/* The first extent ending after start: the first that can overlap. */
	i = bkey_array_first_after(a, inode, start);
	for (j = i; j < a->nr; j++) {
		const struct bkey *e = &a->k[j].key;

		if (KEY_INODE(e) != inode || KEY_START(e) >= end)
			break;
		removed_u64s += bkey_u64s(e);
		if (KEY_START(e) < start) {		/* sticks out in front */
			bkey_slot_set(&add[nadd], e);
			bch_cut_back(&add[nadd].key, start);
			nadd++;
		}
		if (KEY_OFFSET(e) > end) {		/* sticks out behind */
			/* Only the last overlapping extent can: stash it at [2]. */
			bkey_slot_set(&add[2], e);
			bch_cut_front(&add[2].key, end);
		}
	}
	if (KEY_PTRS(k) || keep_deletions)
		bkey_slot_set(&add[nadd++], k);
	if (j > i && KEY_OFFSET(&a->k[j - 1].key) > end) {
		if (nadd < 2)
			add[nadd] = add[2];
		nadd++;
	}

	/* Replace the run [i, j) with the nadd new keys. */
	memmove(&a->k[i + nadd], &a->k[j], (a->nr - j) * sizeof(*a->k));
	memcpy(&a->k[i], add, nadd * sizeof(*add));
	a->nr = a->nr - (j - i) + nadd;
	a->u64s -= removed_u64s;
	for (size_t n = 0; n < nadd; n++)
		a->u64s += bkey_u64s(&add[n].key);
	return 0;
}

bool bch_extents_sorted(const struct bkey_array *a, size_t *bad)
{
	size_t u64s = 0;

	for (size_t i = 0; i < a->nr; i++) {
		const struct bkey *k = &a->k[i].key;

		u64s += bkey_u64s(k);
		if (!KEY_SIZE(k) || KEY_SIZE(k) > KEY_OFFSET(k))
			goto bad;
		if (i) {
			const struct bkey *p = &a->k[i - 1].key;

			if (KEY_INODE(p) > KEY_INODE(k) ||
			    (KEY_INODE(p) == KEY_INODE(k) && KEY_OFFSET(p) > KEY_START(k)))
				goto bad;
		}
		continue;
bad:
		if (bad)
			*bad = i;
		return false;
	}
	if (u64s != a->u64s) {
		if (bad)
			*bad = a->nr;
		return false;
	}
	return true;
}
