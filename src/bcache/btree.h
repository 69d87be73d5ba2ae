/*
 * btree.h - what alloc.c and btree.c (and their unit tests) share beyond
 * bcache.h: GC's walk of the tree, the thread-local note that this thread
 * holds btree_lock for writing (the allocator must not run GC then: GC
 * takes btree_lock), the release of the allocator's hold on a data bucket
 * once a key pointing into it is in the btree, and counters for tests.
 * Private to src/bcache.
 */
#ifndef MMSIM_BCACHE_BTREE_H
#define MMSIM_BCACHE_BTREE_H

#include <stdbool.h>
#include <stdint.h>

#include "bcache.h"

/* ---- btree.c ------------------------------------------------------------------ */

/* Non-zero while this thread holds c->btree_lock for writing. */
extern __thread unsigned bch_btree_write_locked;

/*
 * Walks the whole tree with btree_lock already held (read or write):
 * node_fn for every node's pointer key (root first, parents before
 * children), key_fn for every leaf key (raw: stale pointers included).
 * Either may be NULL; a non-zero return stops the walk and is returned.
 */
typedef int (*bch_node_fn)(void *arg, const struct bkey *node_key, unsigned level);
int bch_btree_walk_locked(struct cache_set *c, bch_node_fn node_fn, bch_extent_fn key_fn,
			  void *arg);

struct bch_btree_stats {
	unsigned depth;			/* levels: 1 = a root leaf */
	uint64_t nodes, leaves, keys;
	uint64_t dirty_nodes;
	uint64_t node_writes, bset_appends, compactions, splits;
	uint64_t corrupt_sets;		/* damaged sets skipped (read_salvage) */
};
void bch_btree_get_stats(struct cache_set *c, struct bch_btree_stats *st);

/* ---- alloc.c ------------------------------------------------------------------ */

/*
 * The btree calls this for every key it inserts (under btree_lock).  With
 * release (bch_btree_insert), each pointer that bch_alloc_sectors handed
 * out releases one hold on its bucket, so GC and eviction may consider the
 * bucket again; a dirty key also makes its buckets unevictable until GC
 * has counted them again.
 */
void bch_alloc_key_inserted(struct cache_set *c, const struct bkey *k, bool release);

struct bch_alloc_stats {
	uint64_t free, free_inc;	/* ready / waiting for a prio write */
	uint64_t prio_writes, gc_runs, evicted, gc_freed;
	unsigned prio_buckets;		/* per prio_set chain */
	unsigned reserve_btree;		/* buckets data cannot take */
};
void bch_alloc_get_stats(struct cache_set *c, struct bch_alloc_stats *st);

#endif
