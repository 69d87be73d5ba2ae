/*
 * radix_tree.h - the page cache's index: a radix tree of pointers keyed by
 * page offset, read without locks under RCU (liburcu, bulletproof flavour),
 * as Linux's radix tree / xarray is.
 *
 * Invariants
 *  - Each node has 64 slots and a shift (a multiple of 6): slot i of a node
 *    covers indices with bits [shift, shift + 6) equal to i.  Nodes of
 *    shift 0 hold items; the others hold child nodes.  The root node covers
 *    [0, 64 << shift).
 *  - Tags (RADIX_TREE_MAX_TAGS of them: the page cache's dirty and
 *    writeback) mark items; a node's tag bit for a slot is set exactly
 *    when the item there, or some item below, has the tag, so a tagged
 *    walk skips whole untagged subtrees.  Tags live under the owner's
 *    lock; lockless readers never look at them.  Deleting an item clears
 *    its tags; replacing it keeps them.
 *  - Every pointer a reader can follow (the root, a slot) is published with
 *    a release store after what it points to is complete, and read with an
 *    acquire load; a node unlinked from the tree is freed only after an RCU
 *    grace period, so a reader inside rcu_read_lock() never touches freed
 *    memory.  The tree never shrinks its height.
 *
 * Locking: lookups need only rcu_read_lock() (radix_tree_read_lock()).
 * Insert, replace and delete must be serialised by the owner's lock (the
 * shared object's page lock, like Linux's i_pages lock); readers may run
 * concurrently with them and see either the old or the new pointer.
 */
#ifndef MMSIM_RADIX_TREE_H
#define MMSIM_RADIX_TREE_H

#include <stdbool.h>
#include <stdint.h>

#define RADIX_TREE_MAX_TAGS 2

struct radix_tree_node;

struct radix_tree_root {
	struct radix_tree_node *rnode;	/* NULL when empty */
};

void radix_tree_init(struct radix_tree_root *r);

/* Readers: brackets around lockless lookups (liburcu's read-side lock). */
void radix_tree_read_lock(void);
void radix_tree_read_unlock(void);

/* The item at index, or NULL.  Under radix_tree_read_lock() or the
 * owner's lock. */
void *radix_tree_lookup(const struct radix_tree_root *r, uint64_t index);

/* Owner's lock held.  0, -EEXIST (slot taken), -ENOMEM; item non-NULL. */
int radix_tree_insert(struct radix_tree_root *r, uint64_t index, void *item);

/* Owner's lock held.  Puts item (non-NULL) in the existing slot index in
 * one atomic store; returns what was there (NULL: nothing, unchanged). */
void *radix_tree_replace(struct radix_tree_root *r, uint64_t index, void *item);

/* Owner's lock held.  Empties slot index (nodes left empty are freed after
 * a grace period); returns what was there. */
void *radix_tree_delete(struct radix_tree_root *r, uint64_t index);

/* Owner's lock held.  Calls fn on every item, lowest index first. */
void radix_tree_for_each(const struct radix_tree_root *r,
			 void (*fn)(void *arg, uint64_t index, void *item), void *arg);

/* Owner's lock held.  The item with the lowest index at or above start, its
 * index in *index; NULL when there is none.  A loop that empties part of a
 * tree one item at a time, dropping the lock between, uses it. */
void *radix_tree_next(const struct radix_tree_root *r, uint64_t start, uint64_t *index);

/* Owner's lock held.  Set or clear tag on the item at index (which must
 * exist); return the item, or NULL when the slot is empty. */
void *radix_tree_tag_set(struct radix_tree_root *r, uint64_t index, unsigned tag);
void *radix_tree_tag_clear(struct radix_tree_root *r, uint64_t index, unsigned tag);
bool radix_tree_tag_get(const struct radix_tree_root *r, uint64_t index, unsigned tag);
/* Does any item have tag? */
bool radix_tree_tagged(const struct radix_tree_root *r, unsigned tag);
/* Owner's lock held.  Calls fn on every item with tag whose index is at
 * least start, lowest first. */
void radix_tree_for_each_tagged(const struct radix_tree_root *r, uint64_t start, unsigned tag,
				void (*fn)(void *arg, uint64_t index, void *item), void *arg);

/* No reader may remain: frees every node now (the items are the owner's). */
void radix_tree_destroy(struct radix_tree_root *r);

#endif
