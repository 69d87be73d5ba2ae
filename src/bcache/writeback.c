/*
 * writeback.c - the writeback thread: copies dirty extents from the cache to
 * their backing device, then marks them clean in the btree.
 *
 * One pass: collect up to WB_BATCH dirty keys (in key order, so the backing
 * device sees mostly sequential writes), and for each read its data from
 * the cache, check the pointer is still current (the bucket may have been
 * reused meanwhile: then the key is gone and there is nothing to do),
 * write it to the backing device under dc->io_lock.  Then flush every
 * backing device written, and only then mark the keys clean with a
 * compare-and-replace insert: a key overwritten meanwhile stays as the
 * newer write left it.  Marking clean before the backing flush would let a
 * crash lose data that only the cache held.
 *
 * The clean marks are not journalled (as in bcache): a crash before their
 * node is written leaves the keys dirty, and they are written back again.
 *
 * The thread runs a pass, and sleeps WB_PERIOD_MS when a pass found nothing
 * dirty.  bch_writeback_pass() is also called directly by tests and by
 * `mmsim bench` with the thread off.
 */
#include "bcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WB_BATCH 64u
#define WB_PERIOD_MS 100u

struct writeback_state {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

struct wb_batch {
	unsigned n;
	struct bkey_padded keys[WB_BATCH];
};

static int collect_dirty(void *arg, const struct bkey *k)
{
	struct wb_batch *b = arg;

	if (!KEY_DIRTY(k) || !KEY_PTRS(k))
		return 0;
	memset(&b->keys[b->n], 0, sizeof(b->keys[b->n]));
	memcpy(&b->keys[b->n], k, bkey_u64s(k) * 8);
	return ++b->n == WB_BATCH;
}

/* Copies one extent; 1 if written, 0 if it went stale or has no device. */
static int write_back_one(struct cache_set *c, const struct bkey *k, bool *written)
{
	struct cached_dev *dc = KEY_INODE(k) < BCH_MAX_BDEVS ? c->bdev[KEY_INODE(k)] : NULL;
	size_t len = KEY_SIZE(k) * BLK_SECTOR_SIZE;
	void *buf;
	int r;

	if (!dc || KEY_OFFSET(k) > dc->sectors)
		return 0;	/* not attached now: the data stays dirty */
	if (posix_memalign(&buf, 4096, len))
		return -ENOMEM;
	r = blk_rw(c->cache->bdev, BLK_OP_READ, 0, PTR_OFFSET(k, 0), buf, len);
	if (!r && bch_ptr_stale(c, k, 0)) {
		free(buf);
		return 0;
	}
	if (!r) {
		pthread_mutex_lock(&dc->io_lock);
		r = blk_rw(dc->bdev, BLK_OP_WRITE, 0, dc->data_offset + KEY_START(k), buf, len);
		pthread_mutex_unlock(&dc->io_lock);
	}
	free(buf);
	if (r)
		return r;
	written[dc->inode] = true;
	return 1;
}

long bch_writeback_pass(struct cache_set *c)
{
	struct wb_batch *b = malloc(sizeof(*b));
	bool written[BCH_MAX_BDEVS] = { false };
	bool copied[WB_BATCH] = { false };
	long n = 0;
	int r;

	if (!b)
		return -ENOMEM;
	b->n = 0;
	r = bch_btree_map_keys(c, collect_dirty, b);
	if (r < 0)
		goto out;
	r = 0;
	for (unsigned i = 0; i < b->n && !r; i++) {
		int one = write_back_one(c, &b->keys[i].key, written);

		if (one < 0)
			r = one;
		copied[i] = one > 0;
	}
	for (unsigned d = 0; d < BCH_MAX_BDEVS && !r; d++)
		if (written[d])
			r = blk_rw(c->bdev[d]->bdev, BLK_OP_FLUSH, 0, 0, NULL, 0);
	for (unsigned i = 0; i < b->n && !r; i++) {
		struct bkey_padded clean = b->keys[i];

		if (!copied[i])
			continue;
		SET_KEY_DIRTY(&clean.key, 0);
		r = bch_btree_insert_replace(c, &clean.key, &b->keys[i].key);
		if (r > 0)
			n++;
		r = r < 0 ? r : 0;
	}
out:
	free(b);
	return r ? r : n;
}

static void *writeback_thread(void *arg)
{
	struct cache_set *c = arg;
	struct writeback_state *wb = c->wb;

	pthread_mutex_lock(&wb->lock);
	while (!wb->stop) {
		long n;
		struct timespec ts;

		pthread_mutex_unlock(&wb->lock);
		n = bch_error(c) ? 0 : bch_writeback_pass(c);
		if (n < 0 && c->log)
			fprintf(c->log, "bcache: writeback: %s\n", strerror((int)-n));
		pthread_mutex_lock(&wb->lock);
		if (n > 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += WB_PERIOD_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (!wb->stop)
			pthread_cond_timedwait(&wb->cond, &wb->lock, &ts);
	}
	pthread_mutex_unlock(&wb->lock);
	return NULL;
}

int bch_writeback_start(struct cache_set *c)
{
	struct writeback_state *wb = calloc(1, sizeof(*wb));
	pthread_condattr_t ca;
	int r;

	if (!wb)
		return -ENOMEM;
	pthread_mutex_init(&wb->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wb->cond, &ca);
	pthread_condattr_destroy(&ca);
	c->wb = wb;
	r = pthread_create(&wb->thread, NULL, writeback_thread, c);
	if (r) {
		c->wb = NULL;
		pthread_cond_destroy(&wb->cond);
		pthread_mutex_destroy(&wb->lock);
		free(wb);
		return -r;
	}
	return 0;
}

void bch_writeback_stop(struct cache_set *c)
{
	struct writeback_state *wb = c->wb;

	if (!wb)
		return;
	pthread_mutex_lock(&wb->lock);
	wb->stop = true;
	pthread_cond_broadcast(&wb->cond);
	pthread_mutex_unlock(&wb->lock);
	pthread_join(wb->thread, NULL);
	pthread_cond_destroy(&wb->cond);
	pthread_mutex_destroy(&wb->lock);
	free(wb);
	c->wb = NULL;
}
