/*
 * alloc.c - buckets of the cache device: generations, priorities, the free
 * lists, the allocator, prio_set writes and reads, and garbage collection.
 *
 * What it owns
 *  - c->cache->buckets (struct bucket: gen, disk_gen, prio, mark, open,
 *    sectors_used) and, privately, per bucket: where it is queued, holds
 *    for data writes in flight, dirty sectors as GC counted them, and
 *    flags (part of a prio chain; handed out and not yet seen in use;
 *    counted by a GC with nothing in flight).
 *  - Two FIFOs.  `free`: buckets that may be written now, because their
 *    generation is durable and nothing on disk or in memory points at them
 *    with it.  `inc` (to invalidate): buckets whose gen was incremented in
 *    memory (bch_bucket_free, GC, eviction) but not yet written in a
 *    prio_set the journal points at.  A crash before that would bring the
 *    old gen back, and with it any old pointer into the bucket, so a bucket
 *    moves from inc to free only after a prio write and a journal entry
 *    carrying the new prio_bucket (bch_journal_meta) are both durable.
 *  - The prio chain: ceil(nbuckets / prios_per_bucket) buckets of
 *    struct prio_set, chained by next_bucket, c->prio_bucket the first.
 *    Written copy-on-write into buckets taken from `free`; the previous
 *    chain is kept (marked PRIO) until a journal entry points at the new
 *    one, then goes straight back to `free` (nothing points into a prio
 *    bucket, so its gen need not change).
 *  - The open data bucket that bch_alloc_sectors fills block by block.
 *
 * Reserves: the prio chain's length is always kept in `free` for the next
 * prio write (without it, inc could never drain); RESERVE_BTREE may take
 * every bucket above that; data (RESERVE_NONE) leaves reserve_btree more
 * for node splits and compactions.  When `free` runs short the allocator
 * (1) waits for a prio write in progress, (2) if inc is empty, evicts clean
 * data buckets (gen++: the cached copies become stale, reads go to the
 * backing device), (3) writes prios + journal entry to drain inc, and (4)
 * on the data path only, runs GC.
 *
 * GC (bch_gc) walks the whole tree under btree_lock (read): node buckets
 * are BTREE, buckets with live (non-stale) pointers DATA with their live
 * and dirty sectors; the keys of journal entries not yet replayed
 * (c->replay_pending) count as live too.  Every other bucket that is not
 * superblock, journal, prio, uuid, queued, open, held by a write in flight
 * or freshly handed out is unreferenced: gen++ and onto inc.  The first GC
 * after bch_prio_read is different: nothing was written since the prios
 * and the btree were read, so an unreferenced bucket is unreferenced on
 * disk too and goes straight to `free` without a gen change (this is what
 * gives replay buckets to split nodes with, and the prio write its chain).
 *
 * Data writes in flight: bch_alloc_sectors takes a hold on the bucket it
 * grants from, released when bch_btree_insert inserts a key pointing
 * there (bch_alloc_key_inserted).  GC and eviction leave held buckets
 * alone: their keys are not in the btree yet.  Eviction also needs a GC
 * to have counted the bucket with no hold outstanding and found no dirty
 * sector in it (dirty data lives only in the cache until written back);
 * a dirty key inserted since (by any path) cancels that count.
 *
 * Locking: alloc_lock covers everything above.  It is dropped around I/O
 * (prio writes and reads) and around bch_journal_meta, with prio_busy
 * keeping prio writes one at a time; allocators that need `free` to grow
 * wait for it.  GC takes btree_lock (read) before alloc_lock, as the lock
 * order says, so the allocator runs GC only when this thread does not
 * hold btree_lock (bch_btree_write_locked) and after dropping alloc_lock.
 * Gens are read without the lock by bch_ptr_stale (readers check a
 * pointer again after reading its data): stores and loads are atomic.
 */
#include "btree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "extents.h"

#define PRIO_DATA 32768u		/* bcache's INITIAL_PRIO */
#define PRIO_META 65535u		/* btree, prio, uuid buckets */

enum { WHERE_NONE, WHERE_FREE, WHERE_INC };

struct bucket_aux {
	uint32_t holds;			/* data writes granted, key not inserted */
	uint32_t dirty_sectors;		/* as the last GC counted them */
	uint8_t where;
	uint8_t is_prio;		/* in the current or a superseded chain */
	uint8_t fresh;			/* handed out whole, not yet seen in use */
	uint8_t counted;		/* GC counted it with nothing in flight */
};

struct fifo {
	uint64_t *d;
	size_t size, head, nr;
};

struct alloc_state {
	struct bucket_aux *aux;
	struct fifo free, inc;
	unsigned prio_nr;		/* buckets per chain */
	uint64_t *prio_cur;		/* the chain c->prio_bucket heads */
	uint64_t *prio_old;		/* superseded chains, not yet freeable */
	size_t prio_old_nr;
	uint64_t prio_seq;
	bool prio_busy;
	pthread_cond_t prio_done;
	int64_t data_bucket;		/* -1: none open */
	unsigned data_used;		/* sectors of it granted */
	bool startup;			/* no GC since bch_prio_read */
	uint64_t evict_cursor;
	unsigned reserve_btree;
	uint64_t prio_writes, gc_runs, evicted, gc_freed;
};

/* ---- small helpers --------------------------------------------------------------- */

static void fifo_push(struct fifo *f, uint64_t v)
{
	f->d[(f->head + f->nr) % f->size] = v;
	f->nr++;
}

static uint64_t fifo_pop(struct fifo *f)
{
	uint64_t v = f->d[f->head];

	f->head = (f->head + 1) % f->size;
	f->nr--;
	return v;
}

static uint8_t gen_load(const struct bucket *b)
{
	return __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
}

static void gen_bump(struct bucket *b)
{
	__atomic_store_n(&b->gen, (uint8_t)(b->gen + 1), __ATOMIC_RELEASE);
}

/* Puts b on `free` or `inc`, the list `where` names. */
static void bucket_queue(struct alloc_state *a, uint64_t b, int where)
{
	a->aux[b].where = (uint8_t)where;
	fifo_push(where == WHERE_FREE ? &a->free : &a->inc, b);
}

/* The bucket at the head of f, no longer on any list. */
static uint64_t bucket_dequeue(struct alloc_state *a, struct fifo *f)
{
	uint64_t b = fifo_pop(f);

	a->aux[b].where = WHERE_NONE;
	return b;
}

/*
 * A bucket that nothing in use points into any more, emptied and queued
 * (alloc_lock held).  To inc with gen++, so that every pointer into it is
 * stale from now on and it may be written once that gen is durable; to
 * free with its gen as it is, when no pointer on disk can carry that gen
 * (a prio bucket, or one nothing was written to since the prios were
 * read).  It leaves the state every bucket on a list has, so the next
 * owner starts from nothing: not open, not part of a prio chain, no
 * sectors used, not fresh, not counted by GC.  Holds stay: they belong to
 * writes in flight, which bch_alloc_sectors_put releases.
 */
static void bucket_set_free(struct cache_set *c, uint64_t b, int where)
{
	struct alloc_state *a = c->alloc;
	struct bucket *bk = &c->cache->buckets[b];
	struct bucket_aux *x = &a->aux[b];

	if (where == WHERE_INC)
		gen_bump(bk);
	bk->mark = BUCKET_FREE;
	bk->open = 0;
	bk->sectors_used = 0;
	x->is_prio = 0;
	x->fresh = 0;
	x->counted = 0;
	x->dirty_sectors = 0;
	bucket_queue(a, b, where);
}

static bool bucket_is_journal(const struct cache *ca, uint64_t b)
{
	for (unsigned j = 0; j < ca->sb.njournal_buckets && j < BCH_SB_JOURNAL_BUCKETS; j++)
		if (ca->sb.d[j] == b)
			return true;
	return false;
}

static size_t bucket_bytes(const struct cache *ca)
{
	return (size_t)ca->bucket_sectors * BLK_SECTOR_SIZE;
}

/* ---- init / exit ------------------------------------------------------------------ */

int bch_alloc_init(struct cache_set *c)
{
	struct cache *ca = c->cache;
	uint64_t nb = ca->nbuckets, avail = 0;
	struct alloc_state *a;
	size_t ppb;

	if (!ca->bucket_sectors || !ca->block_sectors || ca->bucket_sectors % ca->block_sectors ||
	    nb <= ca->sb.first_bucket || bucket_bytes(ca) <= sizeof(struct prio_set))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	ppb = prios_per_bucket(bucket_bytes(ca));
	a->prio_nr = (unsigned)((nb + ppb - 1) / ppb);
	a->aux = calloc(nb, sizeof(*a->aux));
	a->free.d = calloc(nb, sizeof(uint64_t));
	a->inc.d = calloc(nb, sizeof(uint64_t));
	a->prio_cur = calloc(a->prio_nr, sizeof(uint64_t));
	a->prio_old = calloc(nb, sizeof(uint64_t));
	ca->buckets = calloc(nb, sizeof(*ca->buckets));
	if (!a->aux || !a->free.d || !a->inc.d || !a->prio_cur || !a->prio_old || !ca->buckets) {
		free(a->aux);
		free(a->free.d);
		free(a->inc.d);
		free(a->prio_cur);
		free(a->prio_old);
		free(ca->buckets);
		ca->buckets = NULL;
		free(a);
		return -ENOMEM;
	}
	a->free.size = a->inc.size = nb;
	pthread_cond_init(&a->prio_done, NULL);
	a->data_bucket = -1;

	/* A fresh device: every bucket past the superblock and journal is free
	 * at gen 0.  bch_prio_read replaces this with what the disk says. */
	for (uint64_t b = 0; b < nb; b++) {
		struct bucket *bk = &ca->buckets[b];

		if (b < ca->sb.first_bucket) {
			bk->mark = BUCKET_SB;
		} else if (bucket_is_journal(ca, b)) {
			bk->mark = BUCKET_JOURNAL;
		} else {
			bk->mark = BUCKET_FREE;	/* the rest is calloc's zero */
			bucket_queue(a, b, WHERE_FREE);
			avail++;
		}
	}
	a->reserve_btree = (unsigned)(avail / 16);
	if (a->reserve_btree < 4)
		a->reserve_btree = 4;
	if (a->reserve_btree > 32)
		a->reserve_btree = 32;
	c->alloc = a;
	return 0;
}

void bch_alloc_exit(struct cache_set *c)
{
	struct alloc_state *a = c->alloc;

	if (!a)
		return;
	pthread_cond_destroy(&a->prio_done);
	free(a->aux);
	free(a->free.d);
	free(a->inc.d);
	free(a->prio_cur);
	free(a->prio_old);
	free(a);
	free(c->cache->buckets);
	c->cache->buckets = NULL;
	c->alloc = NULL;
}

void bch_alloc_get_stats(struct cache_set *c, struct bch_alloc_stats *st)
{
	struct alloc_state *a = c->alloc;

	memset(st, 0, sizeof(*st));
	if (!a)
		return;
	pthread_mutex_lock(&c->alloc_lock);
	st->free = a->free.nr;
	st->free_inc = a->inc.nr;
	st->prio_writes = a->prio_writes;
	st->gc_runs = a->gc_runs;
	st->evicted = a->evicted;
	st->gc_freed = a->gc_freed;
	st->prio_buckets = a->prio_nr;
	st->reserve_btree = a->reserve_btree;
	pthread_mutex_unlock(&c->alloc_lock);
}

/* ---- prio_set writes ----------------------------------------------------------------- */

/*
 * The steps of a prio write.  The new chain goes into buckets taken from
 * `free` (which always keeps the chain's length for this), never over the
 * chain the journal points at, which is kept until a newer entry points
 * at the new one.
 */

/* Takes the new chain's buckets from `free` and marks them PRIO. */
static void prio_chain_take(struct cache_set *c, uint64_t *newb)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;

	for (unsigned i = 0; i < a->prio_nr; i++) {
		uint64_t b = bucket_dequeue(a, &a->free);

		newb[i] = b;
		a->aux[b].is_prio = 1;
		ca->buckets[b].mark = BUCKET_PRIO;
		ca->buckets[b].prio = PRIO_META;
		ca->buckets[b].sectors_used = ca->bucket_sectors;
	}
}

/*
 * Fills buf with the chain's prio_sets: the gens as of now, the inc
 * buckets' incremented ones included (alloc_lock held).
 */
static void prio_chain_fill(struct cache_set *c, const uint64_t *newb, uint8_t *buf)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;
	size_t bytes = bucket_bytes(ca), ppb = prios_per_bucket(bytes);
	unsigned n = a->prio_nr;
	uint64_t nb = ca->nbuckets;

	for (unsigned i = 0; i < n; i++) {
		struct prio_set *p = (struct prio_set *)(buf + i * bytes);

		p->magic = bch_pset_magic(&ca->sb);
		p->seq = ++a->prio_seq;
		p->version = BCACHE_PSET_VERSION;
		p->next_bucket = i + 1 < n ? newb[i + 1] : 0;
		for (size_t j = 0; j < ppb && i * ppb + j < nb; j++) {
			const struct bucket *bk = &ca->buckets[i * ppb + j];

			p->data[j].prio = bk->prio;
			p->data[j].gen = bk->gen;
		}
		p->csum = bch_crc64(&p->magic, bytes - 8);
	}
}

/*
 * Writes the chain and, once it is on disk, makes c->prio_bucket point at
 * it (*published); with commit, also writes the journal entry that carries
 * it.  alloc_lock is not held: this is the I/O.  A failed write puts the
 * set in error (bch_set_error) and publishes nothing.
 */
static int prio_chain_write(struct cache_set *c, const uint64_t *newb, uint8_t *buf,
			    bool commit, bool *published)
{
	struct cache *ca = c->cache;
	size_t bytes = bucket_bytes(ca);
	int r = 0;

	*published = false;
	for (unsigned i = 0; i < c->alloc->prio_nr && !r; i++)
		r = blk_rw(ca->bdev, BLK_OP_WRITE, 0, newb[i] * ca->bucket_sectors,
			   buf + i * bytes, bytes);
	if (r) {
		bch_log(c, "alloc", "writing prios: %s", strerror(-r));
		bch_set_error(c, r);
		return r;
	}
	pthread_mutex_lock(&c->meta_lock);
	c->prio_bucket = newb[0];
	pthread_mutex_unlock(&c->meta_lock);
	*published = true;
	return commit ? bch_journal_meta(c) : 0;
}

/*
 * After the write, alloc_lock held.  A chain never pointed at goes back to
 * `free` as it was; a published one becomes current, and the one it
 * replaces is kept until a journal entry points past it.
 */
static void prio_chain_settle(struct cache_set *c, const uint64_t *newb, bool published)
{
	struct alloc_state *a = c->alloc;

	for (unsigned i = 0; i < a->prio_nr; i++) {
		if (!published) {
			bucket_set_free(c, newb[i], WHERE_FREE);
			continue;
		}
		if (a->prio_cur[i])
			a->prio_old[a->prio_old_nr++] = a->prio_cur[i];
		a->prio_cur[i] = newb[i];
	}
	if (published)
		a->prio_writes++;
}

/*
 * A journal entry points at the new chain: the superseded chains go
 * straight to `free` (nothing points into a prio bucket, so their gen need
 * not change), the n_inc buckets that were in inc when the gens were
 * copied (their new gens are durable now) move to `free`, and buf's gens
 * are the buckets' gens on disk.  alloc_lock held.
 */
static void prio_chain_committed(struct cache_set *c, const uint8_t *buf, size_t n_inc)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;
	size_t bytes = bucket_bytes(ca), ppb = prios_per_bucket(bytes);
	uint64_t nb = ca->nbuckets;

	for (size_t i = 0; i < a->prio_old_nr; i++)
		bucket_set_free(c, a->prio_old[i], WHERE_FREE);
	a->prio_old_nr = 0;
	for (size_t i = 0; i < n_inc; i++)
		bucket_queue(a, bucket_dequeue(a, &a->inc), WHERE_FREE);
	for (unsigned i = 0; i < a->prio_nr; i++) {
		const struct prio_set *p = (const struct prio_set *)(buf + i * bytes);

		for (size_t j = 0; j < ppb && i * ppb + j < nb; j++)
			ca->buckets[i * ppb + j].disk_gen = p->data[j].gen;
	}
}

/*
 * Writes a new prio chain (alloc_lock held on entry and exit, dropped for
 * the I/O).  With commit, also writes a journal entry pointing at it and
 * then frees what that made safe: the superseded chains, and the buckets
 * that were in inc when the gens were copied.
 */
static int prio_cycle(struct cache_set *c, bool commit)
{
	struct alloc_state *a = c->alloc;
	size_t bytes = bucket_bytes(c->cache), n_inc;
	unsigned n = a->prio_nr;
	uint64_t *newb = NULL;
	uint8_t *buf = NULL;
	bool published;
	int r;

	while (a->prio_busy)
		pthread_cond_wait(&a->prio_done, &c->alloc_lock);
	if (bch_error(c))
		return bch_error(c);
	if (a->free.nr < n)
		return -ENOSPC;
	newb = calloc(n, sizeof(*newb));
	buf = blk_buf_alloc(n * bytes);
	if (!newb || !buf) {
		free(newb);
		free(buf);
		return -ENOMEM;
	}
	a->prio_busy = true;
	n_inc = a->inc.nr;
	prio_chain_take(c, newb);
	prio_chain_fill(c, newb, buf);
	pthread_mutex_unlock(&c->alloc_lock);

	r = prio_chain_write(c, newb, buf, commit, &published);

	pthread_mutex_lock(&c->alloc_lock);
	prio_chain_settle(c, newb, published);
	if (commit && !r)
		prio_chain_committed(c, buf, n_inc);
	a->prio_busy = false;
	pthread_cond_broadcast(&a->prio_done);
	free(newb);
	free(buf);
	return r;
}

int bch_prio_write(struct cache_set *c)
{
	int r;

	if (!c->alloc)
		return -EINVAL;
	pthread_mutex_lock(&c->alloc_lock);
	r = prio_cycle(c, false);
	pthread_mutex_unlock(&c->alloc_lock);
	return r;
}

/* ---- prio_set reads ------------------------------------------------------------------ */

int bch_prio_read(struct cache_set *c, uint64_t bucket)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;
	size_t bytes = bucket_bytes(ca), ppb = prios_per_bucket(bytes);
	uint64_t nb = ca->nbuckets, b = bucket;
	struct prio_set *p;
	int r = 0;

	if (!a)
		return -EINVAL;
	p = blk_buf_alloc(bytes);
	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&c->alloc_lock);
	while (a->prio_busy)
		pthread_cond_wait(&a->prio_done, &c->alloc_lock);
	/* Nothing is known free until GC has looked at the btree. */
	a->free.nr = a->free.head = 0;
	a->inc.nr = a->inc.head = 0;
	a->prio_old_nr = 0;
	a->data_bucket = -1;
	memset(a->aux, 0, nb * sizeof(*a->aux));
	memset(a->prio_cur, 0, a->prio_nr * sizeof(*a->prio_cur));
	for (uint64_t i = 0; i < nb; i++) {
		struct bucket *bk = &ca->buckets[i];

		bk->open = 0;
		bk->sectors_used = 0;
		if (bk->mark != BUCKET_SB && bk->mark != BUCKET_JOURNAL)
			bk->mark = BUCKET_FREE;
	}
	for (unsigned link = 0; link < a->prio_nr; link++) {
		if (b < ca->sb.first_bucket || b >= nb || bucket_is_journal(ca, b)) {
			bch_log(c, "alloc", "prio chain link %u of %u: bucket %" PRIu64
			      " is not a data bucket of the device", link, a->prio_nr, b);
			r = -EINVAL;
			break;
		}
		r = blk_rw(ca->bdev, BLK_OP_READ, 0, b * ca->bucket_sectors, p, bytes);
		if (r) {
			bch_log(c, "alloc", "reading prio bucket %" PRIu64 ": %s", b, strerror(-r));
			r = -EIO;
			break;
		}
		if (p->magic != bch_pset_magic(&ca->sb)) {
			bch_log(c, "alloc", "prio bucket %" PRIu64 " (link %u of %u): bad magic", b, link,
			      a->prio_nr);
			r = -EINVAL;
			break;
		}
		if (p->csum != bch_crc64(&p->magic, bytes - 8)) {
			bch_log(c, "alloc", "prio bucket %" PRIu64 " (link %u of %u): bad checksum", b, link,
			      a->prio_nr);
			r = -EINVAL;
			break;
		}
		for (size_t j = 0; j < ppb && link * ppb + j < nb; j++) {
			struct bucket *bk = &ca->buckets[link * ppb + j];

			__atomic_store_n(&bk->gen, p->data[j].gen, __ATOMIC_RELEASE);
			bk->disk_gen = p->data[j].gen;
			bk->prio = p->data[j].prio;
		}
		a->prio_cur[link] = b;
		a->aux[b].is_prio = 1;
		ca->buckets[b].mark = BUCKET_PRIO;
		ca->buckets[b].sectors_used = ca->bucket_sectors;
		if (p->seq > a->prio_seq)
			a->prio_seq = p->seq;
		b = p->next_bucket;
	}
	a->startup = !r;
	pthread_mutex_unlock(&c->alloc_lock);
	free(p);
	return r;
}

/* ---- taking buckets --------------------------------------------------------------------- */

/* Clean, counted, idle data buckets go to inc (their cached copies become stale). */
static size_t evict(struct cache_set *c)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;
	uint64_t nb = ca->nbuckets;
	size_t want = nb / 32 < 8 ? 8 : nb / 32, got = 0;

	for (uint64_t scanned = 0; scanned < nb && got < want; scanned++) {
		uint64_t b = a->evict_cursor;
		struct bucket *bk = &ca->buckets[b];
		struct bucket_aux *x = &a->aux[b];

		a->evict_cursor = (b + 1) % nb;
		if (bk->mark != BUCKET_DATA || x->where != WHERE_NONE || bk->open || x->holds ||
		    !x->counted || x->dirty_sectors || x->fresh || x->is_prio)
			continue;
		bucket_set_free(c, b, WHERE_INC);
		got++;
	}
	a->evicted += got;
	return got;
}

/*
 * Makes `free` grow, alloc_lock held (dropped while waiting or writing).
 * 1: something changed, look again; 0: nothing more can be done; -errno.
 */
static int refill(struct cache_set *c, bool may_gc, bool *gc_done)
{
	struct alloc_state *a = c->alloc;
	int r;

	if (a->prio_busy) {
		while (a->prio_busy)
			pthread_cond_wait(&a->prio_done, &c->alloc_lock);
		return 1;
	}
	if (!a->inc.nr)
		evict(c);
	if (a->inc.nr) {
		r = prio_cycle(c, true);
		return r ? r : 1;
	}
	if (may_gc && !*gc_done) {
		*gc_done = true;
		pthread_mutex_unlock(&c->alloc_lock);
		r = bch_gc(c);
		pthread_mutex_lock(&c->alloc_lock);
		return r ? r : 1;
	}
	return 0;
}

/* A bucket from `free`, leaving `keep` there; alloc_lock held. */
static int64_t take(struct cache_set *c, size_t keep)
{
	struct alloc_state *a = c->alloc;
	bool gc_done = false, may_gc = !bch_btree_write_locked;

	for (;;) {
		int r;

		if (bch_error(c))
			return bch_error(c);
		if (a->free.nr > keep)
			return (int64_t)bucket_dequeue(a, &a->free);
		r = refill(c, may_gc, &gc_done);
		if (r < 0)
			return r;
		if (!r)
			return -ENOSPC;
	}
}

static size_t keep_for(struct alloc_state *a, enum alloc_reserve r)
{
	return r == RESERVE_BTREE ? a->prio_nr : a->prio_nr + a->reserve_btree;
}

int64_t bch_bucket_alloc(struct cache_set *c, enum alloc_reserve r, enum bucket_mark mark)
{
	struct alloc_state *a = c->alloc;
	int64_t b;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&c->alloc_lock);
	b = take(c, keep_for(a, r));
	if (b >= 0) {
		struct bucket *bk = &c->cache->buckets[b];

		bk->mark = (uint8_t)mark;
		bk->prio = mark == BUCKET_DATA ? PRIO_DATA : PRIO_META;
		bk->sectors_used = mark == BUCKET_DATA ? 0 : c->cache->bucket_sectors;
		bk->open = 0;
		a->aux[b].fresh = 1;
		a->aux[b].counted = 0;
		a->aux[b].dirty_sectors = 0;
	}
	pthread_mutex_unlock(&c->alloc_lock);
	return b;
}

void bch_bucket_free(struct cache_set *c, uint64_t bucket)
{
	struct alloc_state *a = c->alloc;
	struct bucket *bk;

	if (!a || bucket >= c->cache->nbuckets)
		return;
	pthread_mutex_lock(&c->alloc_lock);
	bk = &c->cache->buckets[bucket];
	if (a->aux[bucket].where != WHERE_NONE || a->aux[bucket].is_prio ||
	    bk->mark == BUCKET_SB || bk->mark == BUCKET_JOURNAL) {
		bch_log(c, "alloc", "freeing bucket %" PRIu64 " that is not in use (mark %u): ignored",
		      bucket, bk->mark);
	} else {
		bucket_set_free(c, bucket, WHERE_INC);
		if (a->data_bucket == (int64_t)bucket)
			a->data_bucket = -1;
	}
	pthread_mutex_unlock(&c->alloc_lock);
}

int bch_alloc_sectors(struct cache_set *c, unsigned sectors, uint64_t *ptr)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;
	int r = 0;

	if (!a)
		return -EINVAL;
	if (!sectors || sectors % ca->block_sectors)
		return -EINVAL;
	pthread_mutex_lock(&c->alloc_lock);
	for (;;) {
		size_t keep = keep_for(a, RESERVE_NONE);
		int64_t b;

		if (a->data_bucket >= 0 && a->data_used < ca->bucket_sectors) {
			uint64_t db = (uint64_t)a->data_bucket;
			struct bucket *bk = &ca->buckets[db];
			unsigned room = ca->bucket_sectors - a->data_used;
			unsigned got = sectors < room ? sectors : room;

			*ptr = bch_make_ptr(0, db * ca->bucket_sectors + a->data_used, bk->gen);
			a->data_used += got;
			bk->sectors_used += got;
			a->aux[db].holds++;
			a->aux[db].counted = 0;
			if (a->data_used == ca->bucket_sectors) {
				bk->open = 0;
				a->data_bucket = -1;
			}
			r = (int)got;
			break;
		}
		/* Low on free buckets: drain inc now, before anyone is stuck. */
		if (a->free.nr <= keep + a->reserve_btree && a->inc.nr && !a->prio_busy) {
			r = prio_cycle(c, true);
			if (r && r != -ENOSPC)
				break;
			r = 0;
		}
		b = take(c, keep);
		if (b < 0) {
			r = (int)b;
			break;
		}
		if (a->data_bucket >= 0) {
			/* Another thread opened one while the lock was dropped. */
			bucket_queue(a, (uint64_t)b, WHERE_FREE);
			continue;
		}
		ca->buckets[b].mark = BUCKET_DATA;
		ca->buckets[b].prio = PRIO_DATA;
		ca->buckets[b].sectors_used = 0;
		ca->buckets[b].open = 1;
		a->aux[b].fresh = 0;
		a->aux[b].counted = 0;
		a->aux[b].dirty_sectors = 0;
		a->data_bucket = b;
		a->data_used = 0;
	}
	pthread_mutex_unlock(&c->alloc_lock);
	return r;
}

/* For each current pointer of k: one hold released, and (dirty data GC
 * has not counted) not evictable until GC has counted it. */
static void key_buckets_update(struct cache_set *c, const struct bkey *k, bool release,
			       bool uncount)
{
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;

	pthread_mutex_lock(&c->alloc_lock);
	for (unsigned i = 0; i < KEY_PTRS(k); i++) {
		uint64_t b = PTR_OFFSET(k, i) / ca->bucket_sectors;

		if (b >= ca->nbuckets || ca->buckets[b].gen != PTR_GEN(k, i))
			continue;
		if (release && a->aux[b].holds)
			a->aux[b].holds--;
		if (uncount)
			a->aux[b].counted = 0;
	}
	pthread_mutex_unlock(&c->alloc_lock);
}

void bch_alloc_key_inserted(struct cache_set *c, const struct bkey *k, bool release)
{
	if (!c->alloc || !KEY_PTRS(k) || (!release && !KEY_DIRTY(k)))
		return;
	key_buckets_update(c, k, release, KEY_DIRTY(k));
}

void bch_alloc_sectors_put(struct cache_set *c, const struct bkey *k)
{
	if (c->alloc && KEY_PTRS(k))
		key_buckets_update(c, k, true, false);
}

bool bch_ptr_stale(struct cache_set *c, const struct bkey *k, unsigned i)
{
	struct cache *ca = c->cache;
	uint64_t b = PTR_OFFSET(k, i) / ca->bucket_sectors;

	if (!ca->buckets || b >= ca->nbuckets)
		return true;
	return gen_load(&ca->buckets[b]) != PTR_GEN(k, i);
}

/* ---- garbage collection ----------------------------------------------------------------- */

struct gc {
	struct cache_set *c;
	uint32_t *live, *dirty;
	uint8_t *node;
	uint64_t uuid_b;		/* the uuid table's bucket */
};

static int gc_node(void *arg, const struct bkey *k, unsigned level)
{
	struct gc *g = arg;
	uint64_t b = PTR_OFFSET(k, 0) / g->c->cache->bucket_sectors;

	if (b < g->c->cache->nbuckets)
		g->node[b] = 1;
	return 0;
}

static int gc_key(void *arg, const struct bkey *k)
{
	struct gc *g = arg;
	struct cache *ca = g->c->cache;

	for (unsigned i = 0; i < KEY_PTRS(k); i++) {
		uint64_t b = PTR_OFFSET(k, i) / ca->bucket_sectors;

		if (b >= ca->nbuckets || gen_load(&ca->buckets[b]) != PTR_GEN(k, i))
			continue;
		g->live[b] += (uint32_t)KEY_SIZE(k);
		if (KEY_DIRTY(k))
			g->dirty[b] += (uint32_t)KEY_SIZE(k);
	}
	return 0;
}

/* The keys of journal entries read but not replayed yet. */
static void gc_replay_pending(struct gc *g)
{
	for (const struct journal_replay *e = g->c->replay_pending; e; e = e->next) {
		const uint64_t *p = e->j.d, *end = e->j.d + e->j.keys;

		while (p + 2 <= end && p + bkey_u64s((const struct bkey *)p) <= end) {
			gc_key(g, (const struct bkey *)p);
			p += bkey_u64s((const struct bkey *)p);
		}
	}
}

/* The bucket of the uuid table, UINT64_MAX while there is none. */
static uint64_t gc_uuid_bucket(struct cache_set *c)
{
	uint64_t b = UINT64_MAX;

	pthread_mutex_lock(&c->meta_lock);
	if (KEY_PTRS(&c->uuid_key.key))
		b = PTR_OFFSET(&c->uuid_key.key, 0) / c->cache->bucket_sectors;
	pthread_mutex_unlock(&c->meta_lock);
	return b;
}

/*
 * Marks bucket b by what the walk found pointing into it, and frees it if
 * nothing does and nothing is in flight there (alloc_lock held).
 */
static void gc_mark_bucket(struct gc *g, uint64_t b)
{
	struct cache_set *c = g->c;
	struct alloc_state *a = c->alloc;
	struct cache *ca = c->cache;
	struct bucket *bk = &ca->buckets[b];
	struct bucket_aux *x = &a->aux[b];

	if (bk->mark == BUCKET_SB || bk->mark == BUCKET_JOURNAL)
		return;
	if (x->is_prio) {
		bk->mark = BUCKET_PRIO;
	} else if (b == g->uuid_b) {
		bk->mark = BUCKET_UUID;
		x->fresh = 0;
	} else if (g->node[b]) {
		bk->mark = BUCKET_BTREE;
		bk->sectors_used = ca->bucket_sectors;
		x->fresh = 0;
	} else if (g->live[b]) {
		bk->mark = BUCKET_DATA;
		bk->sectors_used = g->live[b] < ca->bucket_sectors ? g->live[b] :
								     ca->bucket_sectors;
		x->dirty_sectors = g->dirty[b];
		x->fresh = 0;
		x->counted = !x->holds && !bk->open;
	} else if (x->where != WHERE_NONE) {
		bk->mark = BUCKET_FREE;
	} else if (bk->open || x->holds || x->fresh) {
		/* In flight: its keys are not in the btree yet. */
	} else {
		/* Unreferenced.  After bch_prio_read nothing was written, so it
		 * is unreferenced on disk too and keeps its gen. */
		bucket_set_free(c, b, a->startup ? WHERE_FREE : WHERE_INC);
		a->gc_freed++;
	}
}

/* Every bucket marked from the walk's counts, under alloc_lock. */
static void gc_mark_buckets(struct gc *g)
{
	struct cache_set *c = g->c;
	struct alloc_state *a = c->alloc;

	pthread_mutex_lock(&c->alloc_lock);
	for (uint64_t b = 0; b < c->cache->nbuckets; b++)
		gc_mark_bucket(g, b);
	a->startup = false;
	a->gc_runs++;
	pthread_mutex_unlock(&c->alloc_lock);
}

int bch_gc(struct cache_set *c)
{
	uint64_t nb = c->cache->nbuckets;
	struct gc g = { .c = c };
	int r;

	if (!c->alloc || !c->btree)
		return -EINVAL;
	if (bch_btree_write_locked)
		return -EDEADLK;	/* a caller bug: GC needs btree_lock */
	g.live = calloc(nb, sizeof(*g.live));
	g.dirty = calloc(nb, sizeof(*g.dirty));
	g.node = calloc(nb, 1);
	if (!g.live || !g.dirty || !g.node) {
		r = -ENOMEM;
		goto out;
	}
	/* The walk, the pending keys and the marking see one tree. */
	pthread_rwlock_rdlock(&c->btree_lock);
	r = bch_btree_walk_locked(c, gc_node, gc_key, &g);
	if (!r) {
		gc_replay_pending(&g);
		g.uuid_b = gc_uuid_bucket(c);
		gc_mark_buckets(&g);
	}
	pthread_rwlock_unlock(&c->btree_lock);
out:
	free(g.live);
	free(g.dirty);
	free(g.node);
	return r;
}
