/*
 * test_radix_tree.c - the page cache's RCU radix tree: operations against a
 * reference array, growth, deletion freeing nodes, and lockless readers
 * racing a writer that replaces, inserts and deletes (run under TSan by the
 * concurrency label).
 */
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "mm/radix_tree.h"

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Items are fake pointers that encode their index and a generation. */
static void *item(uint64_t index, unsigned gen)
{
	return (void *)(uintptr_t)((index << 8) | (gen & 0xff) | 1);
}

static uint64_t item_index(void *p)
{
	return (uint64_t)(uintptr_t)p >> 8;
}

static void test_basic(void)
{
	struct radix_tree_root r;
	radix_tree_init(&r);
	ok(!radix_tree_lookup(&r, 0) && !radix_tree_lookup(&r, 12345), "empty tree: nothing");
	is(radix_tree_insert(&r, 5, item(5, 0)), 0, "insert 5");
	ok(radix_tree_lookup(&r, 5) == item(5, 0), "lookup 5");
	ok(!radix_tree_lookup(&r, 4) && !radix_tree_lookup(&r, 69), "neighbours empty");
	is(radix_tree_insert(&r, 5, item(5, 1)), -EEXIST, "insert over an item: EEXIST");
	is(radix_tree_insert(&r, 1ULL << 40, item(1ULL << 40, 0)), 0, "insert far away (grows)");
	ok(radix_tree_lookup(&r, 5) == item(5, 0), "5 still found after growth");
	ok(radix_tree_lookup(&r, 1ULL << 40) == item(1ULL << 40, 0), "the far one found");
	is(radix_tree_insert(&r, UINT64_MAX, item(7, 7)), 0, "insert at the top index");
	ok(radix_tree_lookup(&r, UINT64_MAX) == item(7, 7), "top index found");
	uint64_t at = 0;
	ok(radix_tree_next(&r, 6, &at) == item(1ULL << 40, 0) && at == 1ULL << 40,
	   "next from 6: the far one");
	ok(radix_tree_next(&r, (1ULL << 40) + 1, &at) == item(7, 7) && at == UINT64_MAX,
	   "next past it: the top index");
	ok(radix_tree_replace(&r, 5, item(5, 2)) == item(5, 0), "replace returns the old item");
	ok(radix_tree_lookup(&r, 5) == item(5, 2), "and the new one is there");
	ok(!radix_tree_replace(&r, 6, item(6, 0)) && !radix_tree_lookup(&r, 6),
	   "replace of an empty slot does nothing");
	ok(radix_tree_delete(&r, 5) == item(5, 2), "delete returns the item");
	ok(!radix_tree_lookup(&r, 5), "gone");
	ok(!radix_tree_delete(&r, 5), "deleting again: NULL");
	ok(radix_tree_delete(&r, 1ULL << 40) && radix_tree_delete(&r, UINT64_MAX), "delete the rest");
	ok(!r.rnode, "an emptied tree has no node left");
	radix_tree_destroy(&r);
}

struct visit {
	uint64_t n, last, sum;
	int ordered;
};

static void count_item(void *arg, uint64_t index, void *it)
{
	struct visit *v = arg;
	if (v->n && index <= v->last)
		v->ordered = 0;
	if (item_index(it) != index)
		v->ordered = 0;
	v->last = index;
	v->n++;
	v->sum += index;
}

/* Random inserts, replaces and deletes against a plain array. */
static void test_random(void)
{
	enum { N = 20000 };
	static void *ref[N];
	struct radix_tree_root r;
	radix_tree_init(&r);
	unsigned seed = 12345, bad = 0;
	for (unsigned step = 0; step < 200000; step++) {
		seed = seed * 1103515245 + 12345;
		uint64_t idx = (seed >> 8) % N;
		unsigned op = (seed >> 4) & 3, gen = step;
		if (op == 0 || op == 1) {
			int err = radix_tree_insert(&r, idx, item(idx, gen));
			if (ref[idx] ? err != -EEXIST : err != 0)
				bad++;
			if (!ref[idx])
				ref[idx] = item(idx, gen);
		} else if (op == 2) {
			void *old = radix_tree_replace(&r, idx, item(idx, gen));
			if (old != ref[idx])
				bad++;
			if (ref[idx])
				ref[idx] = item(idx, gen);
		} else {
			if (radix_tree_delete(&r, idx) != ref[idx])
				bad++;
			ref[idx] = NULL;
		}
		seed = seed * 1103515245 + 12345;
		uint64_t q = (seed >> 8) % N;
		if (radix_tree_lookup(&r, q) != ref[q])
			bad++;
	}
	is(bad, 0, "200000 random operations agree with a reference array");
	unsigned mism = 0;
	uint64_t n = 0, sum = 0;
	for (uint64_t i = 0; i < N; i++) {
		mism += radix_tree_lookup(&r, i) != ref[i];
		if (ref[i]) {
			n++;
			sum += i;
		}
	}
	is(mism, 0, "every index agrees at the end");
	struct visit v = { 0, 0, 0, 1 };
	radix_tree_for_each(&r, count_item, &v);
	ok(v.n == n && v.sum == sum && v.ordered, "for_each visits each item once, in order");
	/* next from every start agrees with a scan of the reference array,
	 * and from the end of one item walks to the following one. */
	unsigned next_bad = 0;
	for (uint64_t start = 0; start <= N; start++) {
		uint64_t want = start, got = ~0ULL;
		while (want < N && !ref[want])
			want++;
		void *p = radix_tree_next(&r, start, &got);
		if (want == N ? p != NULL : p != ref[want] || got != want)
			next_bad++;
	}
	is(next_bad, 0, "next from each start finds the lowest item at or above it");
	uint64_t walked = 0, at = 0, idx;
	for (void *p; (p = radix_tree_next(&r, at, &idx)); at = idx + 1)
		walked++;
	is(walked, n, "next walks every item once");
	ok(radix_tree_next(&r, UINT64_MAX, &idx) == NULL, "nothing at the top of the index space");
	for (uint64_t i = 0; i < N; i++)
		radix_tree_delete(&r, i);
	ok(!r.rnode, "deleting everything frees every node");
	radix_tree_destroy(&r);
}

/* Lockless readers while a writer replaces, deletes and re-inserts. */
#define RACE_SLOTS 4096

struct race {
	struct radix_tree_root r;
	pthread_mutex_t lock;
	int stop;
	uint64_t lookups, wrong;
};

static void *reader(void *arg)
{
	struct race *x = arg;
	unsigned seed = (unsigned)(uintptr_t)&seed;
	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		seed = seed * 1103515245 + 12345;
		uint64_t idx = (seed >> 8) % RACE_SLOTS;
		radix_tree_read_lock();
		void *p = radix_tree_lookup(&x->r, idx);
		radix_tree_read_unlock();
		if (p && item_index(p) != idx)
			__atomic_add_fetch(&x->wrong, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&x->lookups, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_readers(void)
{
	struct race x;
	pthread_t th[2];
	radix_tree_init(&x.r);
	pthread_mutex_init(&x.lock, NULL);
	x.stop = 0;
	x.lookups = x.wrong = 0;
	for (uint64_t i = 0; i < RACE_SLOTS; i += 2)
		radix_tree_insert(&x.r, i, item(i, 0));
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, reader, &x);
	/* On a loaded host the writer could finish before a reader is
	 * scheduled: start racing only once they run. */
	while (__atomic_load_n(&x.lookups, __ATOMIC_RELAXED) < 1000)
		sched_yield();
	unsigned seed = 99;
	for (unsigned step = 0; step < 300000; step++) {
		seed = seed * 1103515245 + 12345;
		uint64_t idx = (seed >> 8) % RACE_SLOTS;
		pthread_mutex_lock(&x.lock);
		if (!radix_tree_replace(&x.r, idx, item(idx, step)))
			radix_tree_insert(&x.r, idx, item(idx, step));
		else if (step % 3 == 0)
			radix_tree_delete(&x.r, idx);
		pthread_mutex_unlock(&x.lock);
	}
	__atomic_store_n(&x.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ok(x.lookups > 0, "readers ran (%llu lookups)", (unsigned long long)x.lookups);
	is(x.wrong, 0, "no reader ever saw an item in the wrong slot");
	radix_tree_destroy(&x.r);
	pthread_mutex_destroy(&x.lock);
}

/* Tags: random tagging against a model, tagged walks from any start,
 * tags surviving replace and leaving with delete, growth keeping them. */
struct tag_visit {
	uint64_t n, bad, last;
	const unsigned char *model;
	uint64_t start;
};

static void count_tagged(void *arg, uint64_t index, void *it)
{
	struct tag_visit *v = arg;
	if ((v->n && index <= v->last) || index < v->start || !v->model[index] ||
	    it != item(index, 0))
		v->bad++;
	v->last = index;
	v->n++;
}

static void test_tags(void)
{
	enum { N = 5000 };
	static unsigned char tagged[2][N];
	struct radix_tree_root r;
	uint64_t s = 99;
	radix_tree_init(&r);
	ok(!radix_tree_tagged(&r, 0), "empty tree: untagged");
	ok(!radix_tree_tag_set(&r, 7, 0), "tagging an empty slot does nothing");
	for (uint64_t i = 0; i < N; i += 3)
		radix_tree_insert(&r, i, item(i, 0));
	unsigned bad = 0;
	for (unsigned k = 0; k < 20000; k++) {
		uint64_t i = (xorshift(&s) % (N / 3)) * 3;
		unsigned t = (unsigned)(xorshift(&s) & 1);
		bool set = xorshift(&s) & 1;
		void *got = set ? radix_tree_tag_set(&r, i, t) : radix_tree_tag_clear(&r, i, t);
		bad += got != item(i, 0);
		tagged[t][i] = set;
	}
	is(bad, 0, "tag_set/tag_clear return the item");
	bad = 0;
	for (uint64_t i = 0; i < N; i += 3)
		for (unsigned t = 0; t < 2; t++)
			bad += radix_tree_tag_get(&r, i, t) != tagged[t][i];
	is(bad, 0, "tag_get agrees with the model everywhere");
	for (unsigned t = 0; t < 2; t++) {
		for (uint64_t start = 0; start < N; start += 997) {
			struct tag_visit v = { 0, 0, 0, tagged[t], start };
			uint64_t want = 0;
			for (uint64_t i = start; i < N; i++)
				want += tagged[t][i];
			radix_tree_for_each_tagged(&r, start, t, count_tagged, &v);
			ok(!v.bad && v.n == want, "tag %u from %llu: %llu items in order (want %llu)", t,
			   (unsigned long long)start, (unsigned long long)v.n, (unsigned long long)want);
		}
	}
	/* replace keeps tags; delete drops them and untagged subtrees clear */
	radix_tree_tag_set(&r, 300, 1);
	radix_tree_replace(&r, 300, item(300, 0));
	ok(radix_tree_tag_get(&r, 300, 1), "replace keeps the tag");
	for (uint64_t i = 0; i < N; i += 3) {
		radix_tree_tag_clear(&r, i, 0);
		if (i != 300)
			radix_tree_tag_clear(&r, i, 1);
	}
	ok(!radix_tree_tagged(&r, 0) && radix_tree_tagged(&r, 1), "clearing propagates to the root");
	radix_tree_delete(&r, 300);
	ok(!radix_tree_tagged(&r, 1), "deleting the last tagged item clears the tag");
	radix_tree_tag_set(&r, 3, 0);
	radix_tree_insert(&r, 1ULL << 40, item(1ULL << 40, 0));
	ok(radix_tree_tag_get(&r, 3, 0) && radix_tree_tagged(&r, 0), "growing keeps tags");
	radix_tree_destroy(&r);
}

int main(void)
{
	test_basic();
	test_tags();
	test_random();
	test_readers();
	return done_testing();
}
