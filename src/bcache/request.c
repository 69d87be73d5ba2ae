/*
 * request.c - I/O to a cached device: reads served from the cache where the
 * btree has the extent and from the backing device elsewhere; writes in the
 * device's cache mode; flush.
 *
 * Write paths (what is durable when, and why it is crash-safe)
 *  - writeback: data goes to freshly allocated cache sectors; once those
 *    writes completed, dirty keys pointing at them are journalled and
 *    inserted.  The journal write is PREFLUSH|FUA, so a key reaches the
 *    disk only with its data.  BCH_WRITE_FUA waits for that journal write.
 *  - writethrough: the backing device and the cache are written in
 *    parallel; the key is clean.  Acknowledged when both completed.
 *  - writearound / none: the backing device only; the range is deleted from
 *    the cache (a journalled key without pointers) so no stale copy remains.
 *  Requests must be aligned to the cache's block size: the cache stores
 *  whole blocks and a partial one would need a read-modify-write.
 *
 * Reads: the btree is walked for the range; holes come from the backing
 * device.  A cached extent's bucket could be invalidated and reused while
 * it is read, so its pointer is checked again after the read (bcache's
 * ptr_stale race) and the read retried if it went stale.  Read misses are
 * not promoted into the cache (see docs/design.md).
 *
 * Backing-device writes of writethrough/writearound and of the writeback
 * thread exclude each other with dc->io_lock, so writeback can never put
 * an older copy over a newer direct write.
 */
#include "bcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A set of requests in flight together, waited for as one. */
struct io_batch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned pending;
	int err;
};

static void batch_init(struct io_batch *b)
{
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->pending = 0;
	b->err = 0;
}

static void batch_end_io(struct blk_req *req)
{
	struct io_batch *b = req->private;

	pthread_mutex_lock(&b->lock);
	if (req->result && !b->err)
		b->err = req->result;
	if (!--b->pending)
		pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void batch_submit(struct io_batch *b, struct blk_dev *dev, struct blk_req *req)
{
	int r;

	req->end_io = batch_end_io;
	req->private = b;
	pthread_mutex_lock(&b->lock);
	b->pending++;
	pthread_mutex_unlock(&b->lock);
	r = blk_submit(dev, req);
	if (r) {
		req->result = r;
		batch_end_io(req);
	}
}

static int batch_wait(struct io_batch *b)
{
	pthread_mutex_lock(&b->lock);
	while (b->pending)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	return b->err;
}

static void req_fill(struct blk_req *req, enum blk_op op, unsigned flags,
		     uint64_t sector, void *buf, size_t len)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->flags = flags;
	req->sector = sector;
	req->buf = buf;
	req->len = len;
}

static int check_range(struct cached_dev *dc, uint64_t sector, size_t len)
{
	uint64_t blk = dc->set->cache->block_sectors;

	if (!len || len % (blk * BLK_SECTOR_SIZE) || sector % blk)
		return -EINVAL;
	if (sector > dc->sectors || len / BLK_SECTOR_SIZE > dc->sectors - sector)
		return -ENXIO;
	return bch_error(dc->set);
}

/* O_DIRECT wants 512-byte aligned memory: copy through one when needed. */
static void *bounce_get(const void *buf, size_t len, bool copy_in)
{
	void *p;

	if (!((uintptr_t)buf % BLK_SECTOR_SIZE))
		return (void *)buf;
	if (posix_memalign(&p, 4096, len))
		return NULL;
	if (copy_in)
		memcpy(p, buf, len);
	return p;
}

static void bounce_put(void *bounce, void *buf, size_t len, bool copy_out)
{
	if (bounce == buf)
		return;
	if (copy_out)
		memcpy(buf, bounce, len);
	free(bounce);
}

/* ---- writes ------------------------------------------------------------------ */

#define WRITE_MAX_EXTENTS 32u	/* extents one journalled chunk may take */

/* Keys that will never be inserted let go of their buckets' holds. */
static void keys_abandon(struct cache_set *c, const uint64_t *keys, unsigned u64s)
{
	for (const uint64_t *p = keys; p < keys + u64s; p += bkey_u64s((const struct bkey *)p))
		bch_alloc_sectors_put(c, (const struct bkey *)p);
}

/*
 * One pin is held from the journal entry until the btree has the keys.
 * A FUA insert asks for the entry's write and inserts while it is in
 * flight (the keys are visible before they are durable, like any
 * unflushed write's), then waits.
 */

int bch_insert_keys(struct cache_set *c, const uint64_t *keys, unsigned u64s, bool fua)
{
	uint64_t seq;
	int r = bch_journal_add(c, keys, u64s, fua ? JOURNAL_WRITE : 0, &seq);

	if (r) {
		keys_abandon(c, keys, u64s);
		return r;
	}
	r = bch_btree_insert(c, keys, u64s, seq);
	if (!r && fua)
		r = bch_journal_wait(c, seq);
	bch_journal_pin_drop(c, seq);
	return r;
}

/*
 * Writes up to WRITE_MAX_EXTENTS cache extents of a chunk starting at
 * `sector`, and builds their keys.  Returns the sectors covered or -errno.
 */
static long write_cache_chunk(struct cached_dev *dc, uint64_t sector, const uint8_t *buf,
			      uint64_t sectors, bool dirty, uint64_t *keys, unsigned *u64s)
{
	struct cache_set *c = dc->set;
	struct blk_req reqs[WRITE_MAX_EXTENTS];
	struct io_batch b;
	uint64_t done = 0;
	unsigned n = 0;
	int r = 0;

	batch_init(&b);
	*u64s = 0;
	while (done < sectors && n < WRITE_MAX_EXTENTS) {
		uint64_t want = sectors - done, ptr;
		struct bkey *k = (struct bkey *)(keys + *u64s);
		int got;

		if (want > BCH_KEY_SIZE_MAX)
			want = BCH_KEY_SIZE_MAX & ~(uint64_t)(c->cache->block_sectors - 1);
		got = bch_alloc_sectors(c, (unsigned)want, &ptr);
		if (got < 0) {
			r = got;
			break;
		}
		bch_key_init(k, dc->inode, sector + done + (unsigned)got, (unsigned)got);
		SET_KEY_PTRS(k, 1);
		SET_KEY_DIRTY(k, dirty);
		k->ptr[0] = ptr;
		*u64s += bkey_u64s(k);
		req_fill(&reqs[n], BLK_OP_WRITE, 0, PTR_OFFSET(k, 0),
			 (void *)(buf + done * BLK_SECTOR_SIZE), (size_t)got * BLK_SECTOR_SIZE);
		batch_submit(&b, c->cache->bdev, &reqs[n++]);
		done += (unsigned)got;
	}
	r = batch_wait(&b) ?: r;
	if (r)
		keys_abandon(c, keys, *u64s);
	return r ? r : (long)done;
}

static int write_around_dirty(struct cached_dev *dc, uint64_t sector, const void *buf,
			      size_t len);

static int write_cached(struct cached_dev *dc, uint64_t sector, const uint8_t *buf,
			uint64_t sectors, bool dirty, bool fua)
{
	uint64_t keys[WRITE_MAX_EXTENTS * 3];
	unsigned u64s;

	while (sectors) {
		long done = write_cache_chunk(dc, sector, buf, sectors, dirty, keys, &u64s);
		int r;

		/* No bucket left for dirty data: the rest goes around the
		 * cache, as bcache's should_writeback() cutoff sends writes
		 * when the cache is full of dirty data. */
		if (done == -ENOSPC && dirty)
			return write_around_dirty(dc, sector, buf, sectors * BLK_SECTOR_SIZE);
		if (done < 0)
			return (int)done;
		r = bch_insert_keys(dc->set, keys, u64s, fua && (uint64_t)done == sectors);
		if (r)
			return r;
		sector += (uint64_t)done;
		buf += (uint64_t)done * BLK_SECTOR_SIZE;
		sectors -= (uint64_t)done;
	}
	return 0;
}

/* Deletes [sector, sector+sectors) from the cache: keys without pointers. */
static int invalidate_range(struct cached_dev *dc, uint64_t sector, uint64_t sectors)
{
	while (sectors) {
		unsigned n = sectors > BCH_KEY_SIZE_MAX ? BCH_KEY_SIZE_MAX : (unsigned)sectors;
		struct bkey k;
		int r;

		bch_key_init(&k, dc->inode, sector + n, n);
		r = bch_insert_keys(dc->set, (const uint64_t *)&k, 2, false);
		if (r)
			return r;
		sector += n;
		sectors -= n;
	}
	return 0;
}

static int write_backing(struct cached_dev *dc, uint64_t sector, const void *buf,
			 size_t len, bool fua)
{
	return blk_rw(dc->bdev, BLK_OP_WRITE, fua ? BLK_FUA : 0, dc->data_offset + sector,
		      (void *)buf, len);
}

static int write_through(struct cached_dev *dc, uint64_t sector, const void *buf,
			 size_t len, bool fua)
{
	int r, r2;

	pthread_mutex_lock(&dc->io_lock);
	r = write_backing(dc, sector, buf, len, fua);
	pthread_mutex_unlock(&dc->io_lock);
	if (dc->mode != BCH_MODE_WRITETHROUGH)
		r2 = invalidate_range(dc, sector, len / BLK_SECTOR_SIZE);
	else
		r2 = write_cached(dc, sector, buf, len / BLK_SECTOR_SIZE, false, false);
	return r ? r : r2;
}

/*
 * A writeback-mode write that found the cache full: straight to the
 * backing device, then the range dropped from the cache.  The backing
 * write is FUA: the cache may hold an older dirty copy, and the key that
 * drops it must never be durable before the data that replaces it (a
 * crash would then read what the backing device held before both).
 */
static int write_around_dirty(struct cached_dev *dc, uint64_t sector, const void *buf,
			      size_t len)
{
	pthread_mutex_lock(&dc->io_lock);
	int r = write_backing(dc, sector, buf, len, true);
	pthread_mutex_unlock(&dc->io_lock);
	if (!r)
		__atomic_add_fetch(&dc->written_around, 1, __ATOMIC_RELAXED);
	return r ? r : invalidate_range(dc, sector, len / BLK_SECTOR_SIZE);
}

int bch_cached_write(struct cached_dev *dc, uint64_t sector, const void *buf,
		     size_t len, unsigned flags)
{
	bool fua = flags & BCH_WRITE_FUA;
	void *b;
	int r = check_range(dc, sector, len);

	if (r)
		return r;
	b = bounce_get(buf, len, true);
	if (!b)
		return -ENOMEM;
	if (dc->mode == BCH_MODE_WRITEBACK)
		r = write_cached(dc, sector, b, len / BLK_SECTOR_SIZE, true, fua);
	else
		r = write_through(dc, sector, b, len, fua);
	bounce_put(b, (void *)buf, len, false);
	return r;
}

int bch_cached_flush(struct cached_dev *dc)
{
	int r = bch_journal_flush(dc->set);

	if (!r && dc->mode != BCH_MODE_WRITEBACK)
		r = blk_rw(dc->bdev, BLK_OP_FLUSH, 0, 0, NULL, 0);
	return r;
}

/* ---- reads ---------------------------------------------------------------------- */

/* The extents the btree returned for one read, copied out of its lock. */
struct read_plan {
	struct cached_dev *dc;
	uint64_t start, end;
	unsigned n, cap;
	struct bkey_padded *keys;
	int err;
};

static int plan_add(void *arg, const struct bkey *k)
{
	struct read_plan *p = arg;

	if (!KEY_PTRS(k))
		return 0;
	if (p->n == p->cap) {
		unsigned cap = p->cap ? p->cap * 2 : 16;
		struct bkey_padded *nk = realloc(p->keys, cap * sizeof(*nk));

		if (!nk) {
			p->err = -ENOMEM;
			return 1;
		}
		p->keys = nk;
		p->cap = cap;
	}
	memset(&p->keys[p->n], 0, sizeof(p->keys[p->n]));
	memcpy(&p->keys[p->n], k, bkey_u64s(k) * 8);
	p->n++;
	return 0;
}

static void read_submit(struct io_batch *b, struct blk_dev *dev, struct blk_req *req,
			uint64_t dev_sector, uint8_t *buf, uint64_t sectors)
{
	req_fill(req, BLK_OP_READ, 0, dev_sector, buf, sectors * BLK_SECTOR_SIZE);
	batch_submit(b, dev, req);
}

/* One pass: cached extents from the cache, the holes from the backing device. */
static int read_pass(struct read_plan *p, uint8_t *buf, bool *stale)
{
	struct cache_set *c = p->dc->set;
	struct blk_req *reqs = calloc(2 * p->n + 1, sizeof(*reqs));
	struct io_batch b;
	uint64_t at = p->start;
	unsigned nr = 0;
	int r;

	if (!reqs)
		return -ENOMEM;
	batch_init(&b);
	for (unsigned i = 0; i < p->n; i++) {
		const struct bkey *k = &p->keys[i].key;
		uint64_t ks = KEY_START(k), ke = KEY_OFFSET(k);

		if (ks > at)
			read_submit(&b, p->dc->bdev, &reqs[nr++], p->dc->data_offset + at,
				    buf + (at - p->start) * BLK_SECTOR_SIZE, ks - at);
		read_submit(&b, c->cache->bdev, &reqs[nr++], PTR_OFFSET(k, 0),
			    buf + (ks - p->start) * BLK_SECTOR_SIZE, ke - ks);
		at = ke;
	}
	if (at < p->end)
		read_submit(&b, p->dc->bdev, &reqs[nr++], p->dc->data_offset + at,
			    buf + (at - p->start) * BLK_SECTOR_SIZE, p->end - at);
	r = batch_wait(&b);
	free(reqs);
	*stale = false;
	for (unsigned i = 0; !r && i < p->n; i++)
		if (bch_ptr_stale(c, &p->keys[i].key, 0))
			*stale = true;
	return r;
}

int bch_cached_read(struct cached_dev *dc, uint64_t sector, void *buf, size_t len)
{
	struct read_plan p = { .dc = dc, .start = sector, .end = sector + len / BLK_SECTOR_SIZE };
	bool stale = true;
	void *b;
	int r = check_range(dc, sector, len);

	if (r)
		return r;
	b = bounce_get(buf, len, false);
	if (!b)
		return -ENOMEM;
	for (int tries = 0; !r && stale; tries++) {
		if (tries == 100) {
			r = -EAGAIN;	/* the cache churns faster than we read */
			break;
		}
		p.n = 0;
		r = bch_btree_map_extents(dc->set, dc->inode, p.start, p.end, plan_add, &p);
		if (r > 0 || p.err)
			r = p.err ? p.err : -EIO;
		if (!r)
			r = read_pass(&p, b, &stale);
	}
	free(p.keys);
	bounce_put(b, buf, len, r == 0);
	return r;
}
