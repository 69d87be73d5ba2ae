/*
 * extents.h - extent keys (private to src/bcache): validity checks, cutting
 * a key's front or back, and a sorted in-memory key array with bcache's
 * extent-insert semantics (a new key trims, splits or removes the extents
 * it overlaps).  Pure functions: no I/O, no locks, no cache-set state
 * except the device geometry the validity checks read.
 */
#ifndef MMSIM_BCACHE_EXTENTS_H
#define MMSIM_BCACHE_EXTENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ondisk.h"

struct cache;

/* One key with room for the most pointers a key can have. */
#define BKEY_SLOT_U64S (2u + BCH_KEY_MAX_PTRS)
struct bkey_slot {
	union {
		struct bkey key;
		uint64_t w[BKEY_SLOT_U64S];
	};
};

/*
 * A sorted array of keys (by bkey_cmp: inode, then end offset).  Leaf
 * arrays hold non-overlapping extents of size > 0; interior arrays hold one
 * pointer key per child.  u64s is the sum of bkey_u64s() over the keys:
 * what they take in a bset.
 */
struct bkey_array {
	struct bkey_slot *k;
	size_t nr, cap;
	size_t u64s;
};

void bkey_array_init(struct bkey_array *a);
void bkey_array_free(struct bkey_array *a);
void bkey_array_clear(struct bkey_array *a);
/* Room for at least n keys: 0 or -ENOMEM (nothing changed). */
int bkey_array_reserve(struct bkey_array *a, size_t n);
/* Replaces a's contents with a copy of src. */
int bkey_array_copy(struct bkey_array *dst, const struct bkey_array *src);
/* Inserts k at index i (the caller keeps the order), or appends (i = nr). */
int bkey_array_insert_at(struct bkey_array *a, size_t i, const struct bkey *k);
/* Removes n keys from index i. */
void bkey_array_remove(struct bkey_array *a, size_t i, size_t n);
/* Overwrites key i with k (same position: the caller keeps the order). */
void bkey_array_set(struct bkey_array *a, size_t i, const struct bkey *k);
/* Index of the first key whose (inode, end offset) is after (inode, offset). */
size_t bkey_array_first_after(const struct bkey_array *a, uint64_t inode, uint64_t offset);
/*
 * Where a's order breaks: the index of the first key not after its
 * predecessor by bkey_cmp, or (extents) starting before its predecessor
 * ends; 0 if a is in order.  The debug build's node checks use it.
 */
size_t bkey_array_disorder(const struct bkey_array *a, bool extents);

/* Copies a key (bkey_u64s words) and zeroes the rest of the slot. */
void bkey_slot_set(struct bkey_slot *s, const struct bkey *k);

/* Orders two positions (inode, offset). */
static inline int bch_pos_cmp(uint64_t li, uint64_t lo, uint64_t ri, uint64_t ro)
{
	if (li != ri)
		return li < ri ? -1 : 1;
	if (lo != ro)
		return lo < ro ? -1 : 1;
	return 0;
}

/*
 * Cuts k to start at `start` (KEY_START(k) <= start <= KEY_OFFSET(k)):
 * every pointer advances by the sectors dropped, the size shrinks.
 */
void bch_cut_front(struct bkey *k, uint64_t start);
/* Cuts k to end at `end` (KEY_START(k) <= end <= KEY_OFFSET(k)). */
void bch_cut_back(struct bkey *k, uint64_t end);

/*
 * Is k a valid leaf key?  Size > 0 and not before sector 0, no csum or
 * header bits, and (with ca) every pointer on device 0, inside one data
 * bucket of the device (not in the superblock area or a journal bucket).
 * A key without pointers is a deletion: valid when allow_delete.
 * why (may be NULL) gets the reason.
 */
bool bch_extent_valid(const struct cache *ca, const struct bkey *k, bool allow_delete,
		      const char **why);
/*
 * Is k a valid btree node pointer key?  One pointer to the start of a
 * bucket (not superblock or journal), size in (0, bucket size].
 */
bool bch_btree_ptr_valid(const struct cache *ca, const struct bkey *k, const char **why);

/*
 * Extent insert: k (size > 0) takes over [KEY_START(k), KEY_OFFSET(k)) of
 * its inode in the sorted, non-overlapping array a.  Extents it overlaps
 * are trimmed at the front or back, split in two, or removed.  k is then
 * added, unless it has no pointers (a deletion) and !keep_deletions.
 * 0, -EINVAL (size 0), or -ENOMEM (a unchanged).
 */
int bch_extent_insert(struct bkey_array *a, const struct bkey *k, bool keep_deletions);

/*
 * Checks a is sorted and its extents do not overlap and have size > 0:
 * true, or false with the index of the first bad key in *bad.
 */
bool bch_extents_sorted(const struct bkey_array *a, size_t *bad);

#endif
