/*
 * radix_tree.c - an RCU radix tree (see radix_tree.h for the invariants).
 *
 * liburcu provides the read-side critical sections and the deferred frees
 * (call_rcu); the pointers themselves are published and read with C11-style
 * atomics, which is what liburcu's rcu_assign_pointer / rcu_dereference
 * amount to on x86 and what ThreadSanitizer understands.
 */
#include "radix_tree.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include <urcu-bp.h>

/*
 * ThreadSanitizer cannot see the ordering liburcu provides (it is not
 * built with TSan): tell it.  A reader's unlock "releases" a token that
 * the end of a grace period "acquires", and handing a node to call_rcu()
 * releases the node to its callback.  These annotate synchronisation
 * that exists; they hide nothing.
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define tsan_release(p) __tsan_release(p)
#define tsan_acquire(p) __tsan_acquire(p)
#else
#define tsan_release(p) ((void)(p))
#define tsan_acquire(p) ((void)(p))
#endif

static int grace_token;

#define RADIX_BITS 6
#define RADIX_SLOTS (1u << RADIX_BITS)
#define RADIX_MASK (RADIX_SLOTS - 1)

struct radix_tree_node {
	unsigned shift;
	unsigned count;		/* non-empty slots (owner's lock) */
	/* Bit i of tags[t]: slot i's item has tag t (shift 0), or its
	 * subtree holds one that has (owner's lock; readers never look). */
	uint64_t tags[RADIX_TREE_MAX_TAGS];
	struct rcu_head rcu;
	void *slots[RADIX_SLOTS];
};

void radix_tree_init(struct radix_tree_root *r)
{
	r->rnode = NULL;
}

void radix_tree_read_lock(void)
{
	urcu_bp_read_lock();
}

void radix_tree_read_unlock(void)
{
	tsan_release(&grace_token);
	urcu_bp_read_unlock();
}

static void *load(void *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void publish(void **p, void *v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Does a node of this shift cover index? */
static bool covers(unsigned shift, uint64_t index)
{
	return shift + RADIX_BITS >= 64 || (index >> (shift + RADIX_BITS)) == 0;
}

void *radix_tree_lookup(const struct radix_tree_root *r, uint64_t index)
{
	struct radix_tree_node *n = load((void *const *)&r->rnode);
	if (!n || !covers(n->shift, index))
		return NULL;
	for (;;) {
		void *p = load(&n->slots[(index >> n->shift) & RADIX_MASK]);
		if (!n->shift || !p)
			return p;
		n = p;
	}
}

static struct radix_tree_node *node_alloc(unsigned shift)
{
	struct radix_tree_node *n = calloc(1, sizeof *n);
	if (n)
		n->shift = shift;
	return n;
}

static void node_free_rcu(struct rcu_head *h)
{
	struct radix_tree_node *n = caa_container_of(h, struct radix_tree_node, rcu);
	tsan_acquire(n);
	tsan_acquire(&grace_token);	/* every earlier reader is done */
	free(n);
}

/* Makes the root cover index, adding levels on top. */
static int grow(struct radix_tree_root *r, uint64_t index)
{
	struct radix_tree_node *root = r->rnode;
	if (!root) {
		unsigned shift = 0;
		while (!covers(shift, index))
			shift += RADIX_BITS;
		if (!(root = node_alloc(shift)))
			return -ENOMEM;
		publish((void **)&r->rnode, root);
		return 0;
	}
	while (!covers(root->shift, index)) {
		struct radix_tree_node *top = node_alloc(root->shift + RADIX_BITS);
		if (!top)
			return -ENOMEM;
		top->slots[0] = root;	/* not yet visible: a plain store */
		top->count = 1;
		for (unsigned t = 0; t < RADIX_TREE_MAX_TAGS; t++)
			top->tags[t] = root->tags[t] ? 1 : 0;
		publish((void **)&r->rnode, top);
		root = top;
	}
	return 0;
}

int radix_tree_insert(struct radix_tree_root *r, uint64_t index, void *item)
{
	int err = grow(r, index);
	if (err)
		return err;
	struct radix_tree_node *n = r->rnode;
	while (n->shift) {
		void **slot = &n->slots[(index >> n->shift) & RADIX_MASK];
		if (!*slot) {
			struct radix_tree_node *child = node_alloc(n->shift - RADIX_BITS);
			if (!child)
				return -ENOMEM;
			publish(slot, child);
			n->count++;
		}
		n = *slot;
	}
	void **slot = &n->slots[index & RADIX_MASK];
	if (*slot)
		return -EEXIST;
	publish(slot, item);
	n->count++;
	return 0;
}

/* The leaf slot of index, or NULL if its path does not exist. */
static void **leaf_slot(struct radix_tree_root *r, uint64_t index)
{
	struct radix_tree_node *n = r->rnode;
	if (!n || !covers(n->shift, index))
		return NULL;
	while (n->shift) {
		n = n->slots[(index >> n->shift) & RADIX_MASK];
		if (!n)
			return NULL;
	}
	return &n->slots[index & RADIX_MASK];
}

void *radix_tree_replace(struct radix_tree_root *r, uint64_t index, void *item)
{
	void **slot = leaf_slot(r, index);
	void *old = slot ? *slot : NULL;
	if (old)
		publish(slot, item);
	return old;
}

/* Clears tag t of index along a path (root first, leaf last), upwards
 * as long as the node below is left without that tag. */
static void clear_tag_path(struct radix_tree_node **path, unsigned depth, uint64_t index,
			   unsigned t)
{
	while (depth--) {
		struct radix_tree_node *n = path[depth];
		n->tags[t] &= ~(1ULL << ((index >> n->shift) & RADIX_MASK));
		if (n->tags[t])
			return;
	}
}

/* The nodes from the root down to index's leaf; 0 if the path is absent. */
static unsigned node_path(struct radix_tree_root *r, uint64_t index,
			  struct radix_tree_node **path)
{
	unsigned depth = 0;
	struct radix_tree_node *n = r->rnode;
	if (!n || !covers(n->shift, index))
		return 0;
	for (;;) {
		path[depth++] = n;
		if (!n->shift)
			return n->slots[index & RADIX_MASK] ? depth : 0;
		n = n->slots[(index >> n->shift) & RADIX_MASK];
		if (!n)
			return 0;
	}
}

#define MAX_DEPTH (64 / RADIX_BITS + 2)

void *radix_tree_tag_set(struct radix_tree_root *r, uint64_t index, unsigned tag)
{
	struct radix_tree_node *path[MAX_DEPTH];
	unsigned depth = node_path(r, index, path);
	if (!depth)
		return NULL;
	for (unsigned i = 0; i < depth; i++)
		path[i]->tags[tag] |= 1ULL << ((index >> path[i]->shift) & RADIX_MASK);
	return path[depth - 1]->slots[index & RADIX_MASK];
}

void *radix_tree_tag_clear(struct radix_tree_root *r, uint64_t index, unsigned tag)
{
	struct radix_tree_node *path[MAX_DEPTH];
	unsigned depth = node_path(r, index, path);
	if (!depth)
		return NULL;
	clear_tag_path(path, depth, index, tag);
	return path[depth - 1]->slots[index & RADIX_MASK];
}

bool radix_tree_tag_get(const struct radix_tree_root *r, uint64_t index, unsigned tag)
{
	struct radix_tree_node *path[MAX_DEPTH];
	unsigned depth = node_path((struct radix_tree_root *)r, index, path);
	return depth && (path[depth - 1]->tags[tag] & (1ULL << (index & RADIX_MASK)));
}

bool radix_tree_tagged(const struct radix_tree_root *r, unsigned tag)
{
	return r->rnode && r->rnode->tags[tag];
}

static void walk_tagged(const struct radix_tree_node *n, uint64_t base, uint64_t start,
			unsigned tag, void (*fn)(void *, uint64_t, void *), void *arg)
{
	for (uint64_t bits = n->tags[tag]; bits; bits &= bits - 1) {
		unsigned i = (unsigned)__builtin_ctzll(bits);
		uint64_t idx = base | ((uint64_t)i << n->shift);
		uint64_t last = n->shift + RADIX_BITS >= 64 ? UINT64_MAX
							    : idx + (1ULL << n->shift) - 1;
		if (last < start || !n->slots[i])
			continue;
		if (n->shift)
			walk_tagged(n->slots[i], idx, start, tag, fn, arg);
		else
			fn(arg, idx, n->slots[i]);
	}
}

void radix_tree_for_each_tagged(const struct radix_tree_root *r, uint64_t start, unsigned tag,
				void (*fn)(void *arg, uint64_t index, void *item), void *arg)
{
	if (r->rnode)
		walk_tagged(r->rnode, 0, start, tag, fn, arg);
}

void *radix_tree_delete(struct radix_tree_root *r, uint64_t index)
{
	struct radix_tree_node *path[MAX_DEPTH];
	unsigned depth = 0;
	struct radix_tree_node *n = r->rnode;
	if (!n || !covers(n->shift, index))
		return NULL;
	for (;;) {
		path[depth++] = n;
		if (!n->shift)
			break;
		n = n->slots[(index >> n->shift) & RADIX_MASK];
		if (!n)
			return NULL;
	}
	void **slot = &n->slots[index & RADIX_MASK];
	void *old = *slot;
	if (!old)
		return NULL;
	for (unsigned t = 0; t < RADIX_TREE_MAX_TAGS; t++)
		clear_tag_path(path, depth, index, t);
	publish(slot, NULL);
	/* Unlink nodes that became empty, bottom up; readers that already
	 * hold them see empty slots until the grace period ends. */
	while (depth && !--path[depth - 1]->count) {
		struct radix_tree_node *dead = path[--depth];
		if (depth)
			publish(&path[depth - 1]->slots[(index >> path[depth - 1]->shift) & RADIX_MASK],
				NULL);
		else
			publish((void **)&r->rnode, NULL);
		tsan_release(dead);
		urcu_bp_call_rcu(&dead->rcu, node_free_rcu);
	}
	return old;
}

static void walk(const struct radix_tree_node *n, uint64_t base,
		 void (*fn)(void *, uint64_t, void *), void *arg)
{
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		void *p = n->slots[i];
		if (!p)
			continue;
		uint64_t idx = base | ((uint64_t)i << n->shift);
		if (n->shift)
			walk(p, idx, fn, arg);
		else
			fn(arg, idx, p);
	}
}

void radix_tree_for_each(const struct radix_tree_root *r,
			 void (*fn)(void *arg, uint64_t index, void *item), void *arg)
{
	if (r->rnode)
		walk(r->rnode, 0, fn, arg);
}

static void *next_from(const struct radix_tree_node *n, uint64_t base, uint64_t start,
		       uint64_t *index)
{
	unsigned first = 0;
	if (start > base) {
		uint64_t off = (start - base) >> n->shift;
		if (off >= RADIX_SLOTS)
			return NULL;
		first = (unsigned)off;
	}
	for (unsigned i = first; i < RADIX_SLOTS; i++) {
		void *p = n->slots[i];
		if (!p)
			continue;
		uint64_t idx = base | ((uint64_t)i << n->shift);
		if (!n->shift) {
			*index = idx;
			return p;
		}
		/* Only the first child can start below start; it returns NULL
		 * when nothing in it is at or above start. */
		void *item = next_from(p, idx, start, index);
		if (item)
			return item;
	}
	return NULL;
}

void *radix_tree_next(const struct radix_tree_root *r, uint64_t start, uint64_t *index)
{
	return r->rnode ? next_from(r->rnode, 0, start, index) : NULL;
}

static void destroy(struct radix_tree_node *n)
{
	if (n->shift)
		for (unsigned i = 0; i < RADIX_SLOTS; i++)
			if (n->slots[i])
				destroy(n->slots[i]);
	free(n);
}

void radix_tree_destroy(struct radix_tree_root *r)
{
	if (r->rnode)
		destroy(r->rnode);
	r->rnode = NULL;
}
