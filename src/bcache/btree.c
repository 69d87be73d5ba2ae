/*
 * btree.c - the btree that indexes cached extents: nodes in buckets,
 * appended bsets, splits, compaction, replacement of roots, and the
 * journal pins of dirty leaves.
 *
 * What it owns
 *  - The whole tree, in memory (simulator scale): struct btree per node,
 *    each with its live keys (a sorted struct bkey_array), for interior
 *    nodes its children, and its pointer key: position = the largest key
 *    the node may hold (inode, offset), one pointer to its bucket, size =
 *    the node size in sectors (bcache's convention).  A node holds the keys
 *    in (previous sibling's position, its own position]; the root's
 *    position is the largest key (inode 2^20-1, offset 2^63-1).
 *  - On disk a node is a run of bsets in its bucket, each starting on a
 *    block boundary, the first at offset 0: magic = set magic ^ bset xor,
 *    seq = the node's random seq, version 1, sorted keys, csum seeded with
 *    the node's pointer.  Applied in order with extent-insert semantics
 *    (interior nodes: a key replaces the one at the same position) they
 *    give the node's contents, as Linux's driver merges them (newer sets
 *    win where keys overlap, keys without pointers delete).
 *  - Writing a dirty node appends one bset: the node's delta, the changes
 *    since the last write, kept as a keep-deletions extent array (so it is
 *    sorted and non-overlapping, and applying it gives the current keys).
 *    When the delta does not fit behind what is written, after
 *    BTREE_MAX_BSETS sets, or when a read found a torn set, the node is
 *    compacted instead: written whole (its stale keys dropped) to a new
 *    bucket with a new seq, and its pointer replaced in the parent.  The
 *    struct btree stays the same object; only its bucket changes.
 *  - Splits: a node whose keys exceed 2/3 of what one bset of a node can
 *    carry is cut in two at the middle (by words); the left half goes to a
 *    new struct and bucket, the right half stays in this struct with a new
 *    bucket; both are written whole, then the parent (which gains a key and
 *    has one replaced) is written, splitting in turn if it is full.  A root
 *    split writes a new root one level up.  Memory and buckets are taken
 *    before anything changes, so a split that cannot get them (-ENOSPC:
 *    the btree reserve is gone) leaves the node as it was; it still fits
 *    its bucket (the last third is slack), and an insert that could make
 *    it not fit is refused with -ENOSPC instead.
 *  - Every bset write is PREFLUSH: a leaf may carry keys whose journal
 *    entry is not written yet, and a set that survives a power cut must
 *    not name data that did not (data completes before its key is
 *    inserted, so the flush covers it; with nothing volatile outstanding
 *    the block layer skips it).
 *  - Replacement order (what makes a crash safe): new nodes are written
 *    and completed first; then the parent, synchronously (interior nodes
 *    are written as soon as they change, as bcache does), or for a new
 *    root, c->root_key/root_level under meta_lock and a journal entry
 *    asked for (bch_journal_meta_nowait: not waited for, see set_root);
 *    then the old bucket is freed (bch_bucket_free: its gen changes, and
 *    the allocator reuses it only after that gen is durable, in a prio
 *    write and a journal entry that carries the new root too).  A dirty
 *    leaf's journal pin is dropped only after all of that.
 *  - Pins: a leaf receiving keys from journal entry seq holds one pin, on
 *    the oldest such entry (bch_journal_pin_add; a newer entry cannot be
 *    reclaimed before an older one, so the oldest is enough).  The pin is
 *    dropped once the node's write (and for a compaction, its parent's or
 *    the root's) completed; last_seq only moves past it then, and the
 *    journal entry that moves it is written with PREFLUSH, which makes the
 *    node write durable first.
 *  - Reads (bch_btree_open): bsets are applied while magic, seq, version,
 *    size and checksum hold; the first that fails ends the node (a torn
 *    last set is normal after a crash: its keys are still in the journal).
 *    A bad first set, or a key that is invalid, out of order or outside
 *    the node's range, is an error (-EIO, with the reason on c->log),
 *    never a crash.  A node whose reading stopped at a bad set, or whose
 *    bucket holds a set header of its seq past where reading stopped, is
 *    compacted at its next write rather than appended to, so a stale
 *    later set can never follow a new one.
 *  - Pointers whose gen is not their bucket's are stale (the bucket was
 *    reused): inserts drop them (a key left without pointers deletes),
 *    bch_btree_map_extents skips them, whole writes drop keys with nothing
 *    else.
 *
 * Locking: c->btree_lock, read for the map functions and GC's walk, write
 * for everything that changes the tree or writes nodes.  Node I/O is
 * synchronous under the write lock.  Inside it the order is alloc_lock
 * (bch_bucket_alloc/free), then the journal (pins, meta), then meta_lock
 * (root key).  bch_btree_write_locked tells the allocator this thread
 * holds the write lock (so it never runs GC, which takes btree_lock).
 * A new root's journal entry is never waited for: flush_pins runs on the
 * journal thread, and with a full ring that thread is the only one that
 * could make room for it.  The allocator's prio writes (for a split or a
 * compaction) still wait for bch_journal_meta under the write lock: that
 * relies on the journal keeping room for meta entries, since the journal
 * thread's flush_pins needs this lock.
 *
 * Limits: nodes never merge (a leaf emptied by deletions stays); the tree
 * is in memory whole; node writes are synchronous, one at a time, under
 * the write lock (readers wait for them); an I/O error writing a node
 * fails the set (bch_set_error).  Inserts cost a memmove of the leaf's
 * key array (about 220k random 8-sector inserts a second with 256 KiB
 * nodes of ~6000 keys).
 */
#include "btree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "extents.h"

#define BTREE_MAX_BSETS 16u		/* then a node is compacted */
#define BTREE_MAX_DEPTH 16u		/* more levels than any real tree has */
#define MAX_KEY_INODE ((uint64_t)BCH_KEY_INODE_MAX)
#define MAX_KEY_OFFSET (~0ull >> 1)
#define LINUX_BTREE_MAX_SECTORS 512u	/* 256 KiB: BTREE_MAX_PAGES */

__thread unsigned bch_btree_write_locked;

struct btree {
	struct bkey_slot key;		/* position = node max; ptr = bucket */
	unsigned level;
	uint64_t seq;			/* bset seq of this node incarnation */
	unsigned written;		/* sectors of the bucket written */
	unsigned nsets;
	bool dirty;			/* delta not written yet */
	bool need_full;			/* next write: compaction */
	uint64_t pin_seq;		/* oldest journal entry held; 0: none */
	struct bkey_array keys;
	struct bkey_array delta;
	struct btree **child;		/* interior: child[i] for keys.k[i] */
	size_t child_cap;
	struct btree *parent;
};

struct btree_state {
	struct btree *root;
	unsigned node_sectors;
	size_t max_u64s;		/* keys one whole bset can carry */
	size_t split_u64s;
	uint64_t rng;
	struct bch_btree_stats st;
};

/* ---- helpers ------------------------------------------------------------------- */

static void wlock(struct cache_set *c)
{
	pthread_rwlock_wrlock(&c->btree_lock);
	bch_btree_write_locked++;
}

static void wunlock(struct cache_set *c)
{
	bch_btree_write_locked--;
	pthread_rwlock_unlock(&c->btree_lock);
}

static uint64_t next_rand(struct btree_state *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t node_bucket(struct cache_set *c, const struct btree *b)
{
	return PTR_OFFSET(&b->key.key, 0) / c->cache->bucket_sectors;
}

static unsigned block_bytes(struct cache_set *c)
{
	return c->cache->block_sectors * BLK_SECTOR_SIZE;
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static struct btree *node_new(unsigned level)
{
	struct btree *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->level = level;
	bkey_array_init(&b->keys);
	bkey_array_init(&b->delta);
	return b;
}

static void node_free_tree(struct btree *b)
{
	if (!b)
		return;
	if (b->level)
		for (size_t i = 0; i < b->keys.nr; i++)
			node_free_tree(b->child[i]);
	bkey_array_free(&b->keys);
	bkey_array_free(&b->delta);
	free(b->child);
	free(b);
}

static int child_reserve(struct btree *b, size_t n)
{
	struct btree **nc;
	size_t cap;

	if (n <= b->child_cap)
		return 0;
	cap = b->child_cap ? b->child_cap * 2 : 16;
	while (cap < n)
		cap *= 2;
	nc = realloc(b->child, cap * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	b->child = nc;
	b->child_cap = cap;
	return 0;
}

/* Sets b's pointer key: position (inode, offset), pointer to bucket at its gen. */
static void node_set_key(struct cache_set *c, struct btree *b, uint64_t inode, uint64_t offset,
			 uint64_t bucket)
{
	struct bkey *k = &b->key.key;

	memset(&b->key, 0, sizeof(b->key));
	bch_key_init(k, (unsigned)inode, offset, c->btree->node_sectors);
	SET_KEY_PTRS(k, 1);
	k->ptr[0] = bch_make_ptr(0, bucket * c->cache->bucket_sectors,
				 c->cache->buckets[bucket].gen);
}

/* Index of the child at exactly position (inode, offset), or SIZE_MAX. */
static size_t child_index(const struct btree *p, const struct btree *b)
{
	size_t i = bkey_array_first_after(&p->keys, KEY_INODE(&b->key.key),
					  KEY_OFFSET(&b->key.key));

	if (!i || p->child[i - 1] != b)
		return SIZE_MAX;
	return i - 1;
}

/* Interior: puts k (with child) at its position, replacing one at the same spot. */
static int interior_set(struct btree *p, const struct bkey *k, struct btree *child)
{
	size_t i = bkey_array_first_after(&p->keys, KEY_INODE(k), KEY_OFFSET(k));
	int r;

	if (i && !bkey_cmp(&p->keys.k[i - 1].key, k)) {
		bkey_array_set(&p->keys, i - 1, k);
		p->child[i - 1] = child;
		return 0;
	}
	if ((r = child_reserve(p, p->keys.nr + 1)) || (r = bkey_array_insert_at(&p->keys, i, k)))
		return r;
	memmove(&p->child[i + 1], &p->child[i], (p->keys.nr - 1 - i) * sizeof(*p->child));
	p->child[i] = child;
	return 0;
}

/* Interior delta: the newest key per position. */
static int delta_set_ptr(struct bkey_array *d, const struct bkey *k)
{
	size_t i = bkey_array_first_after(d, KEY_INODE(k), KEY_OFFSET(k));

	if (i && !bkey_cmp(&d->k[i - 1].key, k)) {
		bkey_array_set(d, i - 1, k);
		return 0;
	}
	return bkey_array_insert_at(d, i, k);
}

static void pin_drop(struct cache_set *c, struct btree *b)
{
	if (b->pin_seq) {
		bch_journal_pin_drop(c, b->pin_seq);
		b->pin_seq = 0;
	}
}

static void pin_take(struct cache_set *c, struct btree *b, uint64_t seq)
{
	if (!seq || (b->pin_seq && b->pin_seq <= seq))
		return;
	bch_journal_pin_add(c, seq);
	if (b->pin_seq)
		bch_journal_pin_drop(c, b->pin_seq);
	b->pin_seq = seq;
}

/* Drops stale pointers from k; a key left with none becomes a deletion. */
static void drop_stale_ptrs(struct cache_set *c, struct bkey *k)
{
	unsigned n = 0;

	for (unsigned i = 0; i < KEY_PTRS(k); i++)
		if (!bch_ptr_stale(c, k, i))
			k->ptr[n++] = k->ptr[i];
	SET_KEY_PTRS(k, n);
}

/* ---- writing nodes ----------------------------------------------------------------- */

static int node_io_error(struct cache_set *c, struct btree *b, int r)
{
	bch_log(c, "btree", "writing node in bucket %" PRIu64 " (level %u): %s", node_bucket(c, b), b->level,
	     strerror(-r));
	bch_set_error(c, r);
	return r;
}

/* Writes keys as one bset at sector `at` of b's bucket. */
static int write_bset(struct cache_set *c, struct btree *b, const struct bkey_array *keys,
		      unsigned at)
{
	struct cache *ca = c->cache;
	size_t bytes = round_up(sizeof(struct bset) + keys->u64s * 8, block_bytes(c));
	struct bset *i;
	uint64_t *p;
	int r;

	BCH_BUG_ON(bkey_array_disorder(keys, !b->level));
	if ((uint64_t)at * BLK_SECTOR_SIZE + bytes >
	    (uint64_t)c->btree->node_sectors * BLK_SECTOR_SIZE) {
		bch_log(c, "btree", "%zu bytes of keys do not fit in the node at sector %u", bytes, at);
		return -ENOSPC;
	}
	i = blk_buf_alloc(bytes);
	if (!i)
		return -ENOMEM;
	i->magic = bch_bset_magic(&ca->sb);
	i->seq = b->seq;
	i->version = BCACHE_BSET_VERSION;
	i->keys = (uint32_t)keys->u64s;
	p = i->d;
	for (size_t n = 0; n < keys->nr; n++) {
		unsigned u = bkey_u64s(&keys->k[n].key);

		memcpy(p, keys->k[n].w, u * 8);
		p += u;
	}
	i->csum = bch_bset_csum(i, b->key.key.ptr[0]);
	/* PREFLUSH: the set may carry keys whose journal entry is not yet
	 * written; their data completed before they were inserted, and must
	 * be durable before any set naming it can be. */
	r = blk_rw(ca->bdev, BLK_OP_WRITE, BLK_PREFLUSH, PTR_OFFSET(&b->key.key, 0) + at, i,
		   bytes);
	free(i);
	if (r)
		return node_io_error(c, b, r);
	b->written = at + (unsigned)(bytes / BLK_SECTOR_SIZE);
	b->nsets = at ? b->nsets + 1 : 1;
	c->btree->st.node_writes++;
	TRACE("bcache_btree_write", "bucket %llu block %u keys %zu",
	      (unsigned long long)node_bucket(c, b), at / c->cache->block_sectors, keys->u64s);
	return 0;
}

/* Leaves: keys whose every pointer is stale are gone; drop them for good. */
static void drop_stale_keys(struct cache_set *c, struct btree *b)
{
	size_t n = 0;

	if (b->level)
		return;
	for (size_t i = 0; i < b->keys.nr; i++) {
		struct bkey *k = &b->keys.k[i].key;
		bool live = false;

		for (unsigned p = 0; p < KEY_PTRS(k) && !live; p++)
			live = !bch_ptr_stale(c, k, p);
		if (live)
			b->keys.k[n++] = b->keys.k[i];
		else
			b->keys.u64s -= bkey_u64s(k);
	}
	b->keys.nr = n;
}

/* A bucket for a node (RESERVE_BTREE), or -ENOSPC with a note in the log. */
static int64_t node_bucket_alloc(struct cache_set *c)
{
	int64_t nb = bch_bucket_alloc(c, RESERVE_BTREE, BUCKET_BTREE);

	if (nb < 0)
		bch_log(c, "btree", "no bucket for a btree node: %s", strerror((int)-nb));
	return nb;
}

/*
 * Gives b the bucket nb and a new seq and writes it whole there.  Its old
 * bucket is returned in *old (UINT64_MAX: none) for the caller to free once
 * the pointer to the new one is durable.  On failure b is as it was and nb
 * is freed.
 */
static int write_whole_to(struct cache_set *c, struct btree *b, uint64_t nb, uint64_t *old)
{
	struct bkey_slot old_key = b->key;
	uint64_t old_seq = b->seq;
	int r;

	*old = KEY_PTRS(&b->key.key) ? node_bucket(c, b) : UINT64_MAX;
	drop_stale_keys(c, b);
	node_set_key(c, b, KEY_INODE(&b->key.key), KEY_OFFSET(&b->key.key), nb);
	b->seq = next_rand(c->btree);
	r = write_bset(c, b, &b->keys, 0);
	if (r) {
		/* Nothing points at the new bucket: the node keeps its old one. */
		bch_bucket_free(c, nb);
		b->key = old_key;
		b->seq = old_seq;
		*old = UINT64_MAX;
		return r;
	}
	bkey_array_clear(&b->delta);
	b->dirty = false;
	b->need_full = false;
	return 0;
}

static int write_whole_new(struct cache_set *c, struct btree *b, uint64_t *old)
{
	int64_t nb = node_bucket_alloc(c);

	*old = UINT64_MAX;
	if (nb < 0)
		return (int)nb;
	return write_whole_to(c, b, (uint64_t)nb, old);
}

/*
 * Makes b the root: root key under meta_lock, then asks for a journal entry
 * (every entry's header carries the root, copied when it is submitted).
 * It does not wait for that entry.  What a durable root guards is the old
 * root's bucket, and that is guarded already: the caller frees it into
 * `inc`, and the allocator reuses a bucket from there only after a prio
 * write and a journal entry submitted after it are durable; that entry,
 * submitted after this root key was set, carries it.  Until then the
 * newest durable entry names the old root, whose bucket is intact, with a
 * last_seq no later than the pins of the keys written into the new one
 * (a pin is dropped only after this, and an entry recording the later
 * last_seq is filled after the drop, so it carries the new root too).
 * Not waiting is what lets the journal thread's flush_pins compact the
 * root of a full ring (Linux's reclaim, btree_flush_write, never replaces
 * a node at all; an early bcache set_root did not wait either).
 */
static int set_root(struct cache_set *c, struct btree *b, bool journal)
{
	c->btree->root = b;
	b->parent = NULL;
	pthread_mutex_lock(&c->meta_lock);
	memset(&c->root_key, 0, sizeof(c->root_key));
	memcpy(&c->root_key, &b->key.key, bkey_u64s(&b->key.key) * 8);
	c->root_level = b->level;
	pthread_mutex_unlock(&c->meta_lock);
	return journal ? bch_journal_meta_nowait(c) : 0;
}

static int write_node(struct cache_set *c, struct btree *b);
static int split_node(struct cache_set *c, struct btree *b);

/*
 * b's pointer key changed (new bucket): put it in the parent and write the
 * parent, or make it the root.  Then free the old bucket.
 */
static int publish(struct cache_set *c, struct btree *b, uint64_t old)
{
	struct btree *p = b->parent;
	int r;

	if (!p) {
		r = set_root(c, b, true);
	} else {
		size_t i = child_index(p, b);

		if (i == SIZE_MAX)
			return -EIO;	/* cannot happen: the tree is inconsistent */
		bkey_array_set(&p->keys, i, &b->key.key);
		r = delta_set_ptr(&p->delta, &b->key.key);
		if (!r) {
			p->dirty = true;
			r = write_node(c, p);
		}
	}
	if (!r && old != UINT64_MAX)
		bch_bucket_free(c, old);
	return r;
}

static int compact_node(struct cache_set *c, struct btree *b)
{
	uint64_t old;
	int r = write_whole_new(c, b, &old);

	if (r)
		return r;
	c->btree->st.compactions++;
	r = publish(c, b, old);
	if (!r)
		pin_drop(c, b);
	return r;
}

/* Writes a dirty node: its delta appended, or the whole node elsewhere. */
static int write_node(struct cache_set *c, struct btree *b)
{
	struct btree_state *s = c->btree;
	size_t delta_bytes;
	int r;

	if (!b->dirty)
		return 0;
	if (b->keys.u64s > s->split_u64s) {
		r = split_node(c, b);
		if (r != -ENOSPC)
			return r;
		/* No bucket to split into: write it as it is (it still fits). */
	}
	delta_bytes = round_up(sizeof(struct bset) + b->delta.u64s * 8, block_bytes(c));
	if (b->need_full || b->nsets >= BTREE_MAX_BSETS ||
	    (uint64_t)b->written * BLK_SECTOR_SIZE + delta_bytes >
		    (uint64_t)s->node_sectors * BLK_SECTOR_SIZE)
		return compact_node(c, b);
	r = write_bset(c, b, &b->delta, b->written);
	if (r)
		return r;
	s->st.bset_appends++;
	bkey_array_clear(&b->delta);
	b->dirty = false;
	pin_drop(c, b);
	return 0;
}

/* Where b splits: its first m keys (about half its u64s, at least one) go left. */
static size_t split_point(const struct btree *b)
{
	size_t m = 0, acc = 0, nr = b->keys.nr;

	while (m < nr - 1 && acc + bkey_u64s(&b->keys.k[m].key) <= b->keys.u64s / 2)
		acc += bkey_u64s(&b->keys.k[m++].key);
	return m ? m : 1;
}

/*
 * Reserves, before the tree changes, all the memory a split of b at m needs:
 * left's keys and children, and room in the parent (or the new root) for
 * two pointers.  Returns false if any allocation failed.
 */
static bool split_reserve(struct btree *b, struct btree *left, struct btree *newroot, size_t m)
{
	struct btree *p = b->parent;

	if (!left || (!p && (!newroot || child_reserve(newroot, 2))))
		return false;
	if (bkey_array_reserve(&left->keys, m) || (b->level && child_reserve(left, m)))
		return false;
	return !p || (!child_reserve(p, p->keys.nr + 1) &&
		      !bkey_array_reserve(&p->keys, p->keys.nr + 1) &&
		      !bkey_array_reserve(&p->delta, p->delta.nr + 2));
}

/*
 * Moves b's first m keys (with their children) to left, whose position
 * becomes the last of them; left has no pointer until it is written.
 */
static void split_move_left(struct cache_set *c, struct btree *b, struct btree *left, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		bkey_array_insert_at(&left->keys, i, &b->keys.k[i].key);
		if (b->level) {
			left->child[i] = b->child[i];
			left->child[i]->parent = left;
		}
	}
	if (b->level)
		memmove(b->child, b->child + m, (b->keys.nr - m) * sizeof(*b->child));
	bkey_array_remove(&b->keys, 0, m);
	memset(&left->key, 0, sizeof(left->key));
	bch_key_init(&left->key.key, (unsigned)KEY_INODE(&left->keys.k[m - 1].key),
		     KEY_OFFSET(&left->keys.k[m - 1].key), c->btree->node_sectors);
	left->dirty = b->dirty = true;
}

/* The split root's two halves get a new root, written to bucket nb and made the root. */
static int split_grow_root(struct cache_set *c, struct btree *newroot, struct btree *left,
			   struct btree *b, uint64_t nb)
{
	uint64_t unused;
	int r;

	interior_set(newroot, &left->key.key, left);
	interior_set(newroot, &b->key.key, b);
	b->parent = newroot;
	memset(&newroot->key, 0, sizeof(newroot->key));
	bch_key_init(&newroot->key.key, (unsigned)MAX_KEY_INODE, MAX_KEY_OFFSET,
		     c->btree->node_sectors);
	newroot->dirty = true;
	r = write_whole_to(c, newroot, nb, &unused);
	return r ? r : set_root(c, newroot, true);
}

/* The parent p points at both halves (its delta records both) and is written. */
static int split_update_parent(struct cache_set *c, struct btree *p, struct btree *left,
			       struct btree *b)
{
	int r;

	if ((r = interior_set(p, &left->key.key, left)) || (r = interior_set(p, &b->key.key, b)) ||
	    (r = delta_set_ptr(&p->delta, &left->key.key)) ||
	    (r = delta_set_ptr(&p->delta, &b->key.key))) {
		bch_set_error(c, r);
		return r;
	}
	p->dirty = true;
	return write_node(c, p);
}

/*
 * Splits b in two: the left half moves to a new node, the right half stays
 * in b; both written whole to new buckets; the parent gets both pointers
 * (a new root if b was the root) and is written.  Everything that can fail
 * without an I/O error (memory, buckets) is taken before the tree changes.
 */
static int split_node(struct cache_set *c, struct btree *b)
{
	struct btree *left, *p = b->parent, *newroot = NULL;
	uint64_t old_b, old_l;
	int64_t nb_left = -1, nb_right = -1, nb_root = -1;
	size_t m;
	int r;

	if (b->keys.nr < 2)
		return -EIO;
	/* A parent that is full (it could not split for want of a bucket). */
	if (p && p->keys.u64s + BKEY_SLOT_U64S > c->btree->max_u64s) {
		bch_log(c, "btree", "node in bucket %" PRIu64 " is full and could not split", node_bucket(c, p));
		return -ENOSPC;
	}
	m = split_point(b);
	left = node_new(b->level);
	if (!p)
		newroot = node_new(b->level + 1);
	if (!split_reserve(b, left, newroot, m)) {
		r = -ENOMEM;
		goto undo;
	}
	if ((nb_left = node_bucket_alloc(c)) < 0 || (nb_right = node_bucket_alloc(c)) < 0 ||
	    (!p && (nb_root = node_bucket_alloc(c)) < 0)) {
		r = (int)(nb_left < 0 ? nb_left : nb_right < 0 ? nb_right : nb_root);
		goto undo;
	}
	split_move_left(c, b, left, m);
	left->parent = p ? p : newroot;

	r = write_whole_to(c, left, (uint64_t)nb_left, &old_l);
	if (!r)
		r = write_whole_to(c, b, (uint64_t)nb_right, &old_b);
	else
		bch_bucket_free(c, (uint64_t)nb_right);
	if (r) {
		/* An I/O error (the set is failed now): stop here. */
		if (newroot)
			bch_bucket_free(c, (uint64_t)nb_root);
		bch_set_error(c, r);
		return r;
	}
	c->btree->st.splits++;
	if (newroot) {
		r = split_grow_root(c, newroot, left, b, (uint64_t)nb_root);
		if (r) {
			bch_set_error(c, r);
			return r;
		}
	} else if ((r = split_update_parent(c, p, left, b))) {
		return r;
	}
	bch_bucket_free(c, old_b);
	pin_drop(c, b);
	return 0;
undo:
	if (nb_left >= 0)
		bch_bucket_free(c, (uint64_t)nb_left);
	if (nb_right >= 0)
		bch_bucket_free(c, (uint64_t)nb_right);
	node_free_tree(newroot);
	node_free_tree(left);
	return r;
}

/* ---- reading nodes ------------------------------------------------------------------ */

struct read_ctx {
	struct cache_set *c;
	void *buf;
	char why[160];
};

static int read_fail(struct read_ctx *rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int read_fail(struct read_ctx *rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rc->why, sizeof(rc->why), fmt, ap);
	va_end(ap);
	return -EIO;
}

/*
 * A damaged set that a power cut cannot explain: an error, or when reading
 * for fsck (c->read_salvage), counted and logged, the sets before it kept
 * (the node is compacted at its next write, never appended to).
 */
static int read_corrupt(struct read_ctx *rc, struct btree *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int read_corrupt(struct read_ctx *rc, struct btree *b, const char *fmt, ...)
{
	struct cache_set *c = rc->c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rc->why, sizeof(rc->why), fmt, ap);
	va_end(ap);
	if (!c->read_salvage)
		return -EIO;
	c->btree->st.corrupt_sets++;
	b->need_full = true;
	bch_log(c, "btree", "node in bucket %" PRIu64 " (level %u): %s; kept the %u set%s before it",
		node_bucket(c, b), b->level, rc->why, b->nsets, b->nsets == 1 ? "" : "s");
	rc->why[0] = 0;
	return 0;
}

/*
 * Does a journal entry still to be replayed (c->replay_pending) hold a key
 * inside the node's range (lo, hi]?  Only then can its last set be torn.
 */
static bool journal_covers(struct cache_set *c, const struct bkey *lo, const struct bkey *hi)
{
	for (const struct journal_replay *e = c->replay_pending; e; e = e->next) {
		const uint64_t *p = e->j.d, *end = e->j.d + e->j.keys;

		while (end - p >= 2 && bkey_u64s((const struct bkey *)p) <= (size_t)(end - p)) {
			const struct bkey *k = (const struct bkey *)p;

			if (bch_pos_cmp(KEY_INODE(k), KEY_START(k), KEY_INODE(hi), KEY_OFFSET(hi)) < 0 &&
			    (!lo || bch_pos_cmp(KEY_INODE(k), KEY_OFFSET(k), KEY_INODE(lo),
						KEY_OFFSET(lo)) > 0))
				return true;
			p += bkey_u64s(k);
		}
	}
	return false;
}

/* Is every sector of the extent k inside some key still to be replayed? */
static bool journal_covers_extent(struct cache_set *c, const struct bkey *k)
{
	uint64_t pos = KEY_START(k), end = KEY_OFFSET(k);
	bool moved = true;

	while (pos < end && moved) {
		moved = false;
		for (const struct journal_replay *e = c->replay_pending; e && pos < end;
		     e = e->next) {
			const uint64_t *p = e->j.d, *jend = e->j.d + e->j.keys;

			while (jend - p >= 2 && bkey_u64s((const struct bkey *)p) <= (size_t)(jend - p)) {
				const struct bkey *j = (const struct bkey *)p;

				if (KEY_INODE(j) == KEY_INODE(k) && KEY_START(j) <= pos &&
				    pos < KEY_OFFSET(j)) {
					pos = KEY_OFFSET(j);
					moved = true;
				}
				p += bkey_u64s(j);
			}
		}
	}
	return pos >= end;
}

/* Does the node already hold an extent with k's first pointer (a clean
 * mark from writeback, which is not journalled, re-states such a key)? */
static bool node_has_ptr(const struct btree *b, const struct bkey *k)
{
	if (!KEY_PTRS(k))
		return false;
	for (size_t n = 0; n < b->keys.nr; n++) {
		const struct bkey *o = &b->keys.k[n].key;

		if (KEY_PTRS(o) && o->ptr[0] == k->ptr[0] &&
		    KEY_INODE(o) == KEY_INODE(k) && KEY_START(o) <= KEY_START(k) &&
		    KEY_OFFSET(k) <= KEY_OFFSET(o))
			return true;
	}
	return false;
}

/*
 * A leaf's bad last set i (magic, seq, version and size good): could a
 * power cut have torn it?  A torn set's first sector is new (a sector is
 * written whole, and an old one would not carry the node's seq), so the
 * keys there are what the write carried: the node's changes since its last
 * write, every one inserted from a journal entry the node still pins (or a
 * writeback clean mark of a key it already holds).  A key there that no
 * entry still to replay explains was written before: the set was whole
 * once, and this is damage.  NULL if torn is possible, else why not.
 */
static const char *torn_set_impossible(struct cache_set *c, const struct btree *b,
				       const struct bset *i)
{
	size_t words = (BLK_SECTOR_SIZE - sizeof(*i)) / 8;
	const uint64_t *p = i->d, *end = i->d + (i->keys < words ? i->keys : words);

	while (end - p >= 2 && bkey_u64s((const struct bkey *)p) <= (size_t)(end - p)) {
		const struct bkey *k = (const struct bkey *)p;
		const char *why = NULL;

		if (!bch_extent_valid(c->cache, k, true, &why))
			return "its first sector holds an invalid key";
		if (!journal_covers_extent(c, k) && !node_has_ptr(b, k))
			return "its first sector holds a key no journal entry still to replay "
			       "holds";
		p += bkey_u64s(k);
	}
	return NULL;
}

/*
 * Where reading stopped on a header that is not the node's (magic or seq
 * differ): a set that was never written, or a whole set whose magic or
 * seq was damaged.  The latter still passes its checksum with the node's
 * magic and seq put back.
 */
static bool set_header_damaged(const struct btree *b, const struct bset *i, uint64_t magic,
			       size_t room, uint64_t ptr0)
{
	struct bset h = *i;
	uint64_t crc;

	if (i->version != BCACHE_BSET_VERSION || (size_t)i->keys * 8 > room - sizeof(*i))
		return false;
	h.magic = magic;
	h.seq = b->seq;
	crc = crc64_be(ptr0, (const uint8_t *)&h + 8, sizeof(h) - 8);
	crc = crc64_be(crc, i->d, (size_t)i->keys * 8) ^ ~0ull;
	return crc == i->csum;
}

/* Is k inside (lo, hi]?  Leaves: the whole extent; interior: its position. */
static bool key_in_range(const struct bkey *k, unsigned level, const struct bkey *lo,
			 const struct bkey *hi)
{
	if (bch_pos_cmp(KEY_INODE(k), KEY_OFFSET(k), KEY_INODE(hi), KEY_OFFSET(hi)) > 0)
		return false;
	if (level)
		return !lo || bch_pos_cmp(KEY_INODE(k), KEY_OFFSET(k), KEY_INODE(lo),
					  KEY_OFFSET(lo)) > 0;
	return !lo || bch_pos_cmp(KEY_INODE(k), KEY_START(k), KEY_INODE(lo), KEY_OFFSET(lo)) >= 0;
}

/* Why the set i at byte off of b (magic and seq good) cannot be read, or NULL. */
static const char *bset_unreadable(const struct btree *b, const struct bset *i, size_t off,
				   size_t node_bytes)
{
	if (i->version != BCACHE_BSET_VERSION)
		return "bad version";
	if ((size_t)i->keys * 8 > node_bytes - off - sizeof(*i))
		return "larger than the node";
	if (i->csum != bch_bset_csum(i, b->key.key.ptr[0]))
		return "bad checksum";
	return NULL;
}

/*
 * Checks and applies the keys of the good set i, at sector `sector' of b:
 * each valid, inside the node's range (lo, b's key], in order within the
 * set.  Interior nodes take pointers, leaves extents (later sets win).
 */
static int apply_bset(struct read_ctx *rc, struct btree *b, const struct bkey *lo,
		      const struct bset *i, size_t sector)
{
	struct cache *ca = rc->c->cache;
	const uint64_t *p = i->d, *end = i->d + i->keys;
	const struct bkey *prev = NULL;

	while (p < end) {
		const struct bkey *k = (const struct bkey *)p;
		const char *why = NULL;

		if (p + 2 > end || p + bkey_u64s(k) > end)
			return read_fail(rc, "bset at sector %zu: truncated key", sector);
		if (b->level ? !bch_btree_ptr_valid(ca, k, &why) : !bch_extent_valid(ca, k, true, &why))
			return read_fail(rc, "bset at sector %zu: bad key %" PRIu64 ":%" PRIu64 ": %s",
					 sector, KEY_INODE(k), KEY_OFFSET(k), why);
		if (!key_in_range(k, b->level, lo, &b->key.key))
			return read_fail(rc, "key %" PRIu64 ":%" PRIu64 " outside the node's range",
					 KEY_INODE(k), KEY_OFFSET(k));
		if (prev && (b->level ? bkey_cmp(prev, k) >= 0 :
			     bch_pos_cmp(KEY_INODE(prev), KEY_OFFSET(prev), KEY_INODE(k),
					 KEY_START(k)) > 0))
			return read_fail(rc, "bset at sector %zu: keys out of order", sector);
		if (b->level ? interior_set(b, k, NULL) != 0 : bch_extent_insert(&b->keys, k, false) != 0)
			return -ENOMEM;
		prev = k;
		p += bkey_u64s(k);
	}
	return 0;
}

/* The byte offset of the first set of b's seq at or after `from', or 0. */
static size_t next_set_of_node(struct read_ctx *rc, const struct btree *b, uint64_t magic,
			       size_t from, size_t node_bytes)
{
	for (size_t o = from; o + sizeof(struct bset) <= node_bytes; o += block_bytes(rc->c)) {
		const struct bset *i = (const struct bset *)((const uint8_t *)rc->buf + o);

		if (i->magic == magic && i->seq == b->seq)
			return o;
	}
	return 0;
}

/* read_corrupt's answer, with a salvaged set (0) told apart as 1. */
static int salvaged(int r)
{
	return r ? r : 1;
}

/*
 * Reading b stopped at byte off, on a set that is not the node's or is
 * unreadable (`bad' says why, NULL for the former).  A power cut explains
 * only the node's last write: a set of this seq further on was written
 * after the one that failed, so that one was complete once (a later
 * PREFLUSH write made it durable): damage.  A bad last set is a torn write
 * only while the journal still holds keys for the node: a node keeps its
 * journal pin until its write completes, and the entry that moves last_seq
 * past that pin is written after it.  Returns 0 for a clean end or a torn
 * write (the node then needs a whole rewrite), 1 for damage salvaged for
 * fsck (reading ends there), or -EIO.
 */
static int judge_stop(struct read_ctx *rc, struct btree *b, const struct bkey *lo, size_t off,
		      const char *bad, size_t node_bytes)
{
	struct cache_set *c = rc->c;
	uint64_t magic = bch_bset_magic(&c->cache->sb);
	const struct bset *i = (const struct bset *)((const uint8_t *)rc->buf + off);
	size_t later = next_set_of_node(rc, b, magic, off + block_bytes(c), node_bytes);
	const char *why;

	if (later)
		return salvaged(read_corrupt(rc, b, "set at sector %u %s, but a set at sector %zu follows it: "
				    "damage, not a torn write", b->written,
				    bad ? bad : "unreadable", later / BLK_SECTOR_SIZE));
	if (!bad && off + sizeof(struct bset) <= node_bytes &&
	    set_header_damaged(b, i, magic, node_bytes - off, b->key.key.ptr[0]))
		return salvaged(read_corrupt(rc, b, "set at sector %u: its magic or seq is damaged (the set "
				    "passes its checksum with the node's): damage, not a torn write",
				    b->written));
	if (!bad)
		return 0;
	if (strcmp(bad, "bad checksum"))
		return salvaged(read_corrupt(rc, b, "set at sector %u: %s (a torn set's header is whole): "
				    "damage, not a torn write", b->written, bad));
	if (!journal_covers(c, lo, &b->key.key))
		return salvaged(read_corrupt(rc, b, "set at sector %u: %s, and no journal entry still to "
				    "replay holds a key for the node: damage, not a torn write",
				    b->written, bad));
	if (!b->level && (why = torn_set_impossible(c, b, i)))
		return salvaged(read_corrupt(rc, b, "set at sector %u: %s, and %s: damage, not a torn write",
				    b->written, bad, why));
	b->need_full = true;
	bch_log(c, "btree", "node in bucket %" PRIu64 ": set at sector %u: %s: a torn write "
		"(the journal holds the node's newest keys); kept what precedes",
		node_bucket(c, b), b->written, bad);
	return 0;
}

/* Applies the bsets of the node b (key and level set) from rc->buf. */
static int parse_node(struct read_ctx *rc, struct btree *b, const struct bkey *lo)
{
	struct cache_set *c = rc->c;
	size_t node_bytes = (size_t)c->btree->node_sectors * BLK_SECTOR_SIZE, off = 0;
	uint64_t magic = bch_bset_magic(&c->cache->sb);
	const struct bset *first = rc->buf;
	const char *bad = NULL;		/* why the set where reading stopped failed */
	int r;

	if (first->magic != magic)
		return read_fail(rc, "bad magic (not a btree node, or never written)");
	b->seq = first->seq;
	while (off + sizeof(struct bset) <= node_bytes) {
		const struct bset *i = (const struct bset *)((const uint8_t *)rc->buf + off);

		if (i->magic != magic || i->seq != b->seq)
			break;		/* the end of what this node wrote */
		bad = bset_unreadable(b, i, off, node_bytes);
		if (bad && !off)
			return read_fail(rc, "first bset: %s", bad);
		if (bad)
			break;
		if ((r = apply_bset(rc, b, lo, i, off / BLK_SECTOR_SIZE)))
			return r;
		b->nsets++;
		off += round_up(bset_bytes(i), block_bytes(c));
	}
	b->written = (unsigned)(off / BLK_SECTOR_SIZE);
	if ((r = judge_stop(rc, b, lo, off, bad, node_bytes)))
		return r < 0 ? r : 0;
	if (b->level) {
		if (!b->keys.nr)
			return read_fail(rc, "interior node without keys");
		if (bkey_cmp(&b->keys.k[b->keys.nr - 1].key, &b->key.key))
			return read_fail(rc, "interior node's last key is not its own position");
	}
	return 0;
}

static int read_node(struct read_ctx *rc, const struct bkey *key, unsigned level,
		     const struct bkey *lo, struct btree *parent, struct btree **out)
{
	struct cache_set *c = rc->c;
	struct btree *b;
	const char *why = NULL;
	int r;

	*out = NULL;
	if (!bch_btree_ptr_valid(c->cache, key, &why)) {
		bch_log(c, "btree", "bad node pointer %" PRIu64 ":%" PRIu64 " (level %u): %s", KEY_INODE(key),
		     KEY_OFFSET(key), level, why);
		return -EIO;
	}
	if (level >= BTREE_MAX_DEPTH) {
		bch_log(c, "btree", "tree deeper than %u levels", BTREE_MAX_DEPTH);
		return -EIO;
	}
	b = node_new(level);
	if (!b)
		return -ENOMEM;
	bkey_slot_set(&b->key, key);
	b->parent = parent;
	r = blk_rw(c->cache->bdev, BLK_OP_READ, 0, PTR_OFFSET(key, 0), rc->buf,
		   (size_t)c->btree->node_sectors * BLK_SECTOR_SIZE);
	if (r) {
		bch_log(c, "btree", "reading node in bucket %" PRIu64 ": %s", node_bucket(c, b), strerror(-r));
		node_free_tree(b);
		return r;
	}
	rc->why[0] = 0;
	r = parse_node(rc, b, lo);
	if (r) {
		bch_log(c, "btree", "node in bucket %" PRIu64 " (level %u, keys up to %" PRIu64 ":%" PRIu64
		     "): %s", node_bucket(c, b), level, KEY_INODE(key), KEY_OFFSET(key),
		     rc->why[0] ? rc->why : strerror(-r));
		if (rc->why[0])
			snprintf(c->read_why, sizeof(c->read_why), "node in bucket %" PRIu64
				 " (level %u): %s", node_bucket(c, b), level, rc->why);
		node_free_tree(b);
		return r;
	}
	if (level) {
		for (size_t i = 0; i < b->keys.nr; i++) {
			const struct bkey *clo = i ? &b->keys.k[i - 1].key : lo;

			r = read_node(rc, &b->keys.k[i].key, level - 1, clo, b, &b->child[i]);
			if (r) {
				/* Children not read yet are NULL: free what was. */
				for (size_t j = i; j < b->keys.nr; j++)
					b->child[j] = NULL;
				node_free_tree(b);
				return r;
			}
		}
	}
	*out = b;
	return 0;
}

/* ---- state ----------------------------------------------------------------------------- */

static int state_init(struct cache_set *c)
{
	struct btree_state *s;
	unsigned bs = c->cache->bucket_sectors, ns = bs;
	uint64_t seed = 0;

	if (c->btree)
		return -EBUSY;
	if (!c->cache->buckets)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* Linux's node size: the bucket, or for buckets past 256 KiB a
	 * quarter of it, at least 256 KiB. */
	if (bs > LINUX_BTREE_MAX_SECTORS) {
		ns = bs / 4 > LINUX_BTREE_MAX_SECTORS ? bs / 4 : LINUX_BTREE_MAX_SECTORS;
	}
	s->node_sectors = ns;
	s->max_u64s = ((size_t)ns * BLK_SECTOR_SIZE - sizeof(struct bset)) / 8;
	s->split_u64s = s->max_u64s * 2 / 3;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)s;
	s->rng = seed;
	c->btree = s;
	return 0;
}

int bch_btree_create(struct cache_set *c)
{
	struct btree *root;
	uint64_t old;
	int r = state_init(c);

	if (r)
		return r;
	root = node_new(0);
	if (!root) {
		r = -ENOMEM;
		goto fail;
	}
	bch_key_init(&root->key.key, (unsigned)MAX_KEY_INODE, MAX_KEY_OFFSET,
		     c->btree->node_sectors);
	root->dirty = true;
	wlock(c);
	r = write_whole_new(c, root, &old);
	if (!r)
		set_root(c, root, false);
	wunlock(c);
	if (r) {
		node_free_tree(root);
		goto fail;
	}
	return 0;
fail:
	free(c->btree);
	c->btree = NULL;
	return r;
}

int bch_btree_open(struct cache_set *c)
{
	struct bkey_slot rk;
	struct read_ctx rc = { .c = c };
	struct btree *root;
	unsigned level;
	int r = state_init(c);

	if (r)
		return r;
	pthread_mutex_lock(&c->meta_lock);
	bkey_slot_set(&rk, &c->root_key.key);
	level = c->root_level;
	pthread_mutex_unlock(&c->meta_lock);
	if (KEY_INODE(&rk.key) != MAX_KEY_INODE || KEY_OFFSET(&rk.key) != MAX_KEY_OFFSET) {
		bch_log(c, "btree", "root key %" PRIu64 ":%" PRIu64 " is not the largest key",
		     KEY_INODE(&rk.key), KEY_OFFSET(&rk.key));
		r = -EIO;
		goto fail;
	}
	rc.buf = blk_buf_alloc((size_t)c->btree->node_sectors * BLK_SECTOR_SIZE);
	if (!rc.buf) {
		r = -ENOMEM;
		goto fail;
	}
	wlock(c);
	r = read_node(&rc, &rk.key, level, NULL, NULL, &root);
	if (!r)
		c->btree->root = root;
	wunlock(c);
	free(rc.buf);
	if (r)
		goto fail;
	return 0;
fail:
	free(c->btree);
	c->btree = NULL;
	return r;
}

void bch_btree_close(struct cache_set *c)
{
	struct btree_state *s;

	if (!c->btree)
		return;
	BCH_BUG_ON(bch_btree_check(c));
	wlock(c);
	s = c->btree;
	c->btree = NULL;
	wunlock(c);
	node_free_tree(s->root);
	free(s);
}

/* ---- debug checks ------------------------------------------------------------------------ */

struct check_ctx {
	struct cache_set *c;
	bool journal;			/* pins checked against [last_seq, open] */
	uint64_t last_seq, open_seq;
	unsigned bad;
};

static void check_report(struct check_ctx *x, const struct btree *b, const char *what,
			 uint64_t n)
{
	fprintf(stderr, "mmsim: bcache debug: node in bucket %" PRIu64 " (level %u): %s %" PRIu64
		"\n", node_bucket(x->c, b), b->level, what, n);
	x->bad++;
}

/* b and its subtree, b's range being (lo, b's key]. */
static void check_node(struct check_ctx *x, const struct btree *b, const struct bkey *lo)
{
	size_t i = bkey_array_disorder(&b->keys, !b->level);

	if (i)
		check_report(x, b, "keys out of order at index", i);
	for (i = 0; i < b->keys.nr; i++)
		if (!key_in_range(&b->keys.k[i].key, b->level, lo, &b->key.key))
			check_report(x, b, "key outside the node's range at index", i);
	if (b->level && (!b->keys.nr || bkey_cmp(&b->keys.k[b->keys.nr - 1].key, &b->key.key)))
		check_report(x, b, "interior node's last key is not its position: keys", b->keys.nr);
	if (x->journal && b->pin_seq && (b->pin_seq < x->last_seq || b->pin_seq > x->open_seq))
		check_report(x, b, "pins a journal entry the journal does not count: seq",
			     b->pin_seq);
	if (b->pin_seq && !b->dirty)
		check_report(x, b, "clean but pins journal entry", b->pin_seq);
	for (i = 0; b->level && i < b->keys.nr; i++)
		if (b->child[i])
			check_node(x, b->child[i], i ? &b->keys.k[i - 1].key : lo);
}

unsigned bch_btree_check(struct cache_set *c)
{
	struct check_ctx x = { .c = c };
	struct journal_stats js;

	if (c->journal) {
		bch_journal_get_stats(c, &js);
		x.journal = true;
		x.last_seq = js.last_seq;
		x.open_seq = js.seq;
	}
	pthread_rwlock_rdlock(&c->btree_lock);
	if (c->btree && c->btree->root)
		check_node(&x, c->btree->root, NULL);
	pthread_rwlock_unlock(&c->btree_lock);
	return x.bad;
}

/* ---- insert ---------------------------------------------------------------------------- */

/* The leaf whose range holds position (inode, offset + 1). */
static struct btree *find_leaf(struct btree *b, uint64_t inode, uint64_t offset)
{
	while (b->level) {
		size_t i = bkey_array_first_after(&b->keys, inode, offset);

		if (i >= b->keys.nr)
			return NULL;
		b = b->child[i];
	}
	return b;
}

/* Inserts one extent (already checked) into the leaves it spans. */
static int insert_one(struct cache_set *c, const struct bkey *in, uint64_t pin_seq)
{
	struct btree_state *s = c->btree;
	struct bkey_slot cur;
	bool had_ptrs = KEY_PTRS(in) != 0;

	bkey_slot_set(&cur, in);
	drop_stale_ptrs(c, &cur.key);
	if (had_ptrs && !KEY_PTRS(&cur.key))
		SET_KEY_DIRTY(&cur.key, 0);	/* all stale: only the trimming is left */
	while (KEY_SIZE(&cur.key)) {
		struct btree *leaf = find_leaf(s->root, KEY_INODE(&cur.key), KEY_START(&cur.key));
		const struct bkey *hi;
		struct bkey_slot piece = cur;
		int r;

		if (!leaf)
			return -EIO;
		hi = &leaf->key.key;
		if (KEY_INODE(hi) == KEY_INODE(&cur.key) && KEY_OFFSET(hi) < KEY_OFFSET(&cur.key))
			bch_cut_back(&piece.key, KEY_OFFSET(hi));
		/* At most two more keys: never more than one bset can carry. */
		if (leaf->keys.u64s + 2 * BKEY_SLOT_U64S > s->max_u64s) {
			r = split_node(c, leaf);
			if (r)
				return r;
			continue;	/* look the leaf up again */
		}
		if (bkey_array_reserve(&leaf->keys, leaf->keys.nr + 2) ||
		    bkey_array_reserve(&leaf->delta, leaf->delta.nr + 2))
			return -ENOMEM;
		bch_extent_insert(&leaf->keys, &piece.key, false);
		bch_extent_insert(&leaf->delta, &piece.key, true);
		leaf->dirty = true;
		pin_take(c, leaf, pin_seq);
		if (leaf->keys.u64s > s->split_u64s) {
			/* Without a bucket the leaf stays as it is, still writable;
			 * the next insert tries again. */
			r = split_node(c, leaf);
			if (r && r != -ENOSPC)
				return r;
		}
		if (KEY_OFFSET(&piece.key) == KEY_OFFSET(&cur.key))
			break;
		bch_cut_front(&cur.key, KEY_OFFSET(&piece.key));
	}
	return 0;
}

static int check_key(struct cache_set *c, const struct bkey *k)
{
	const char *why = NULL;

	if (!bch_extent_valid(c->cache, k, true, &why) || KEY_OFFSET(k) > MAX_KEY_OFFSET) {
		bch_log(c, "btree", "insert of a bad key %" PRIu64 ":%" PRIu64 "+%" PRIu64 ": %s",
		     KEY_INODE(k), KEY_OFFSET(k), KEY_SIZE(k), why ? why : "offset too large");
		return -EINVAL;
	}
	return 0;
}

int bch_btree_insert(struct cache_set *c, const uint64_t *keys, unsigned u64s,
		     uint64_t pin_seq)
{
	const uint64_t *p, *end = keys + u64s;
	int r = 0;

	if (!c->btree)
		return -EINVAL;
	for (p = keys; p < end; p += bkey_u64s((const struct bkey *)p))
		if (p + 2 > end || p + bkey_u64s((const struct bkey *)p) > end ||
		    check_key(c, (const struct bkey *)p))
			return -EINVAL;
	wlock(c);
	r = bch_error(c);
	for (p = keys; p < end && !r; p += bkey_u64s((const struct bkey *)p)) {
		r = insert_one(c, (const struct bkey *)p, pin_seq);
		bch_alloc_key_inserted(c, (const struct bkey *)p, true);
	}
	wunlock(c);
	return r;
}

int bch_btree_replay_key(struct cache_set *c, const struct bkey *k, uint64_t seq)
{
	int r;

	if (!c->btree)
		return -EINVAL;
	if (check_key(c, k))
		return 0;	/* logged; a bad key must not stop the set */
	wlock(c);
	r = bch_error(c);
	if (!r)
		r = insert_one(c, k, seq);
	bch_alloc_key_inserted(c, k, false);
	wunlock(c);
	return r;
}

/* ---- reading the tree --------------------------------------------------------------------- */

/* Calls fn for the leaf keys overlapping [start, end) of inode; raw keys. */
static int for_each_overlap(struct btree *b, uint64_t inode, uint64_t start, uint64_t end,
			    int (*fn)(void *, const struct bkey *), void *arg)
{
	size_t i = bkey_array_first_after(&b->keys, inode, start);
	int r;

	for (; i < b->keys.nr; i++) {
		const struct bkey *k = &b->keys.k[i].key;

		if (b->level) {
			r = for_each_overlap(b->child[i], inode, start, end, fn, arg);
			if (r)
				return r;
			/* This child held everything up to its key. */
			if (bch_pos_cmp(KEY_INODE(k), KEY_OFFSET(k), inode, end) >= 0)
				return 0;
			continue;
		}
		if (KEY_INODE(k) != inode || KEY_START(k) >= end)
			return 0;
		r = fn(arg, k);
		if (r)
			return r;
	}
	return 0;
}

struct map_ctx {
	struct cache_set *c;
	uint64_t start, end;
	bch_extent_fn fn;
	void *arg;
};

static int map_one(void *arg, const struct bkey *k)
{
	struct map_ctx *m = arg;
	struct bkey_slot t;

	bkey_slot_set(&t, k);
	drop_stale_ptrs(m->c, &t.key);
	if (!KEY_PTRS(&t.key))
		return 0;
	if (KEY_START(&t.key) < m->start)
		bch_cut_front(&t.key, m->start);
	if (KEY_OFFSET(&t.key) > m->end)
		bch_cut_back(&t.key, m->end);
	return m->fn(m->arg, &t.key);
}

int bch_btree_map_extents(struct cache_set *c, unsigned inode, uint64_t start, uint64_t end,
			  bch_extent_fn fn, void *arg)
{
	struct map_ctx m = { .c = c, .start = start, .end = end, .fn = fn, .arg = arg };
	int r;

	if (!c->btree)
		return -EINVAL;
	if (start >= end)
		return 0;
	pthread_rwlock_rdlock(&c->btree_lock);
	r = for_each_overlap(c->btree->root, inode, start, end, map_one, &m);
	pthread_rwlock_unlock(&c->btree_lock);
	return r;
}

static int walk(struct btree *b, bch_node_fn node_fn, bch_extent_fn key_fn, void *arg)
{
	int r;

	if (node_fn && (r = node_fn(arg, &b->key.key, b->level)))
		return r;
	for (size_t i = 0; i < b->keys.nr; i++) {
		if (b->level)
			r = walk(b->child[i], node_fn, key_fn, arg);
		else
			r = key_fn ? key_fn(arg, &b->keys.k[i].key) : 0;
		if (r)
			return r;
	}
	return 0;
}

int bch_btree_walk_locked(struct cache_set *c, bch_node_fn node_fn, bch_extent_fn key_fn,
			  void *arg)
{
	if (!c->btree || !c->btree->root)
		return -EINVAL;
	return walk(c->btree->root, node_fn, key_fn, arg);
}

int bch_btree_map_keys(struct cache_set *c, bch_extent_fn fn, void *arg)
{
	int r;

	if (!c->btree)
		return -EINVAL;
	pthread_rwlock_rdlock(&c->btree_lock);
	r = walk(c->btree->root, NULL, fn, arg);
	pthread_rwlock_unlock(&c->btree_lock);
	return r;
}

/* ---- insert_replace ------------------------------------------------------------------------ */

struct replace_ctx {
	struct cache_set *c;
	const struct bkey *expect;
	uint64_t at;			/* covered up to here */
	bool bad;
};

/* Is k (a piece of the range) the same data as `expect` at the same place? */
static int replace_check(void *arg, const struct bkey *k)
{
	struct replace_ctx *x = arg;
	const struct bkey *e = x->expect;

	if (KEY_START(k) > x->at || KEY_PTRS(k) != KEY_PTRS(e))
		goto bad;
	for (unsigned i = 0; i < KEY_PTRS(k); i++)
		if (PTR_DEV(k, i) != PTR_DEV(e, i) || PTR_GEN(k, i) != PTR_GEN(e, i) ||
		    PTR_OFFSET(k, i) + KEY_START(e) != PTR_OFFSET(e, i) + KEY_START(k) ||
		    bch_ptr_stale(x->c, k, i))
			goto bad;
	x->at = KEY_OFFSET(k);
	return 0;
bad:
	x->bad = true;
	return 1;
}

int bch_btree_insert_replace(struct cache_set *c, const struct bkey *k,
			     const struct bkey *expect)
{
	struct replace_ctx x = { .c = c, .expect = expect, .at = KEY_START(k) };
	int r;

	if (!c->btree)
		return -EINVAL;
	if (check_key(c, k) || KEY_INODE(k) != KEY_INODE(expect) ||
	    KEY_START(k) < KEY_START(expect) || KEY_OFFSET(k) > KEY_OFFSET(expect))
		return -EINVAL;
	wlock(c);
	r = bch_error(c);
	if (!r) {
		for_each_overlap(c->btree->root, KEY_INODE(k), KEY_START(k), KEY_OFFSET(k),
				 replace_check, &x);
		if (!x.bad && x.at >= KEY_OFFSET(k)) {
			r = insert_one(c, k, 0);
			bch_alloc_key_inserted(c, k, false);
			if (!r)
				r = 1;
		}
	}
	wunlock(c);
	return r;
}

/* ---- flushing ------------------------------------------------------------------------------- */

struct node_list {
	struct btree **v;
	size_t nr, cap;
};

static int collect_dirty(struct btree *b, uint64_t seq, bool all, struct node_list *l)
{
	if (b->dirty && (all || (b->pin_seq && b->pin_seq <= seq))) {
		if (l->nr == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			struct btree **v = realloc(l->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			l->v = v;
			l->cap = cap;
		}
		l->v[l->nr++] = b;
	}
	if (b->level)
		for (size_t i = 0; i < b->keys.nr; i++) {
			int r = collect_dirty(b->child[i], seq, all, l);

			if (r)
				return r;
		}
	return 0;
}

static int flush(struct cache_set *c, uint64_t seq, bool all)
{
	struct node_list l = { 0 };
	int r;

	wlock(c);
	r = c->btree ? bch_error(c) : -EINVAL;
	if (!r)
		r = collect_dirty(c->btree->root, seq, all, &l);
	/*
	 * Leaves only (interior nodes are written as they change).  Splits
	 * while writing replace nodes with new ones, never free a listed one:
	 * the right half keeps its struct and the left half is written.
	 */
	for (size_t i = 0; i < l.nr && !r; i++)
		r = write_node(c, l.v[i]);
	wunlock(c);
	free(l.v);
	return r;
}

int bch_btree_flush_pins(struct cache_set *c, uint64_t seq)
{
	return flush(c, seq, false);
}

int bch_btree_flush_all(struct cache_set *c)
{
	return flush(c, 0, true);
}

/* ---- stats ------------------------------------------------------------------------------------ */

static void count_nodes(const struct btree *b, struct bch_btree_stats *st)
{
	st->nodes++;
	st->dirty_nodes += b->dirty;
	if (!b->level) {
		st->leaves++;
		st->keys += b->keys.nr;
		return;
	}
	for (size_t i = 0; i < b->keys.nr; i++)
		count_nodes(b->child[i], st);
}

void bch_btree_get_stats(struct cache_set *c, struct bch_btree_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!c->btree)
		return;
	pthread_rwlock_rdlock(&c->btree_lock);
	*st = c->btree->st;
	st->nodes = st->leaves = st->keys = st->dirty_nodes = 0;
	st->depth = c->btree->root->level + 1;
	count_nodes(c->btree->root, st);
	pthread_rwlock_unlock(&c->btree_lock);
}
