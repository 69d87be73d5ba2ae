/*
 * journal.c - bcache's journal.  Every key bound for the btree is first
 * appended to a journal entry (a jset); entries are written, PREFLUSH|FUA,
 * to a ring of journal buckets on the cache device.  A btree node may then
 * stay dirty in memory: after a crash, the entries still needed are read
 * back and their keys replayed.
 *
 * What it owns
 *  - The ring: the njournal_buckets buckets listed in sb.d[].  Entries are
 *    written block-aligned, one after another, in the current bucket;
 *    one that does not fit in what is left moves to the next bucket.  For
 *    each bucket we remember the newest seq written to it (bucket_seq).
 *    Walking forward from last_idx the ring is cut in three arcs:
 *      [last_idx, cur_idx]        buckets that may hold needed entries;
 *      (cur_idx, discard_idx)     free buckets, ready to be written;
 *      [discard_idx, last_idx)    reclaimed, waiting for their discard.
 *  - Two write buffers: the open entry, which takes keys, and the one
 *    being written.  Only one write is in flight at a time: the block
 *    layer orders nothing, and entries must reach the disk in seq order
 *    for "last_seq" and the ring order to mean anything.
 *  - Pins: reference counts indexed by seq, from the oldest entry still
 *    referenced up to the open entry.  last_seq (the oldest seq with a
 *    count, pins.first) is what each entry records as "replay from here".
 *  - The journal thread: delayed writes, discards, and, when the ring is
 *    full, c->flush_pins() so the btree writes the nodes pinning the
 *    oldest bucket.  It is the one place that calls back into the btree,
 *    and it holds no journal lock while doing so.
 *
 * Invariants (what makes a crash at any request boundary safe)
 *  - The open entry holds a pin on itself until its write completes, so
 *    no entry ever records a last_seq beyond an entry not yet on disk.
 *  - A bucket is reused or discarded only once every entry in it is older
 *    than the last_seq recorded by an entry whose write has completed
 *    (durable_last_seq).  A last_seq only in memory frees nothing: a crash
 *    would leave the newest durable entry asking for entries since
 *    overwritten ("journal entries missing").
 *  - Ordinary adds never take the last free bucket.  bch_journal_meta()
 *    and JOURNAL_RESERVE adds may, but not its last block; that block is
 *    for an entry whose write frees a bucket (it records a last_seq past
 *    every entry of the oldest bucket).  So when the ring is full the
 *    btree can still write nodes and journal a new root, and the entry
 *    that gives space back can always be written.  (Only a whole bucket
 *    of meta entries written while nothing gets unpinned exhausts this.)
 *  - Buckets are filled in ring order.  So, walking forward from the bucket
 *    after the newest one, each bucket's newest seq only grows (buckets
 *    discarded or never written, reading as nothing, come first): reading
 *    on start can bisect.  Discards are made durable one bucket at a time
 *    (discard, then flush) so that a power loss cannot bring back an old
 *    bucket between two discarded ones and break that order.
 *
 * Waiting for a write (fsync'ed adds, bch_journal_flush/meta) happens
 * without j->lock: the waiter sleeps on a futex word (j->wake) bumped when
 * an entry becomes durable or the journal fails, and reads written_seq and
 * the error atomically.  Fifteen waiters woken by one write then leave
 * without queueing on j->lock one after another (a one-bucket ring, whose
 * waiters must also see that it cannot wrap, waits under the lock).  The
 * waiter whose ask starts a write runs it itself, once j->lock is dropped
 * (blk_submit_inline), as a group commit's leader; other writes (the
 * timer's, a full entry's, one queued behind a write in flight) go to the
 * block engine.
 *
 * Locking: j->lock covers everything above.  It nests inside btree_lock
 * and alloc_lock and outside c->meta_lock (taken to copy the root, uuid
 * and prio pointers into an entry).  The write's end_io runs on a block
 * engine thread or on the leader's: it takes j->lock, records the
 * completion, reclaims in memory and may submit the next write, but never
 * waits.  Discards and
 * c->flush_pins() run on the journal thread with j->lock dropped.
 * A caller must not add to the journal while it holds a pin that the
 * journal may be waiting for (the full ring would wait on itself).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu/futex.h>

#include "bcache.h"

#define JOURNAL_MAX_SECTORS 64u		/* 32 KiB: our largest entry */
#define JOURNAL_RETRY_NS 10000000ull	/* full ring: flush_pins again after */
#define JOURNAL_GOLDEN 2654435769ull	/* 2^32 / phi: the probe's stride */
#define JOURNAL_NO_DEADLINE UINT64_MAX
#define JOURNAL_LINGER_NS 1000000ull	/* group commit: wait for returners */

struct journal_buf {
	struct jset *data;		/* max_sectors, aligned for O_DIRECT */
	bool need_write;		/* full, flush asked for, or delay over */
	bool reserve;			/* may take the reserved bucket */
	uint64_t opened_ns;		/* first key in (for the delay) */
	uint64_t last_seq;		/* what it recorded when written */
	unsigned flushers;		/* adds that wait for this entry */
};

struct journal {
	struct cache_set *c;
	pthread_mutex_t lock;
	pthread_cond_t wait;		/* adders, flush waiters, exit */
	pthread_cond_t kick;		/* the journal thread (monotonic) */
	pthread_t thread;
	bool thread_on, stopping, started;

	/* Geometry, fixed at init. */
	unsigned nr;			/* journal buckets */
	unsigned bucket_sectors, block_sectors, max_sectors;
	uint64_t magic;
	uint64_t delay_ns;
	bool discard;

	/* Write buffers. */
	struct journal_buf buf[2];
	unsigned open;			/* buf[open] takes keys */
	unsigned flight;		/* buf[flight] is written when in_flight */
	bool in_flight;
	bool inline_ok;			/* this submitter will run the write */
	bool inline_pending;		/* ... and has one to run */
	struct blk_req req;
	uint64_t seq;			/* the open entry's */
	uint64_t written_seq;		/* newest entry known durable (atomic:
					 * flush waiters read it unlocked) */
	uint64_t durable_last_seq;	/* the last_seq that entry records */
	int error;			/* written under lock, read atomically */

	/* Flush waiters asleep without j->lock (see the top). */
	int32_t wake;			/* futex word, bumped at every event */
	unsigned sleepers;		/* waiters between announcing and leaving */

	struct journal_pins pins;	/* first is last_seq */
	uint64_t replay_first;		/* oldest seq bch_journal_start pinned */

	/* The ring of buckets. */
	uint64_t *bucket_seq;		/* newest seq written to each */
	unsigned cur_idx, last_idx, discard_idx;
	unsigned sectors_free;		/* left in bucket cur_idx */

	/*
	 * Group commit.  When a write completes, its flush waiters usually
	 * come straight back with their next key (a commit loop).  If the
	 * open entry was only asked to be written (not full, not meta), it
	 * waits up to JOURNAL_LINGER_NS for `returning` of them, so they
	 * share its write instead of forming a second cohort that
	 * alternates with the first: keys per write grow from W/2 to W.
	 */
	unsigned returning;
	uint64_t linger_until;
	bool linger_kicked;		/* the thread knows the deadline */

	unsigned space_waiters;		/* adds waiting for room */
	unsigned want_u64s;		/* the largest of them */

	struct journal_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sectors an entry of u64s key words takes on disk: padded to blocks. */
static unsigned jset_sectors(unsigned block_sectors, uint64_t u64s)
{
	uint64_t bytes = sizeof(struct jset) + u64s * 8;
	uint64_t s = (bytes + BLK_SECTOR_SIZE - 1) >> BLK_SECTOR_SHIFT;

	return (unsigned)((s + block_sectors - 1) / block_sectors * block_sectors);
}

static unsigned entry_sectors(const struct journal *j, uint64_t u64s)
{
	return jset_sectors(j->block_sectors, u64s);
}

static unsigned max_u64s(const struct journal *j)
{
	return (unsigned)(((size_t)j->max_sectors * BLK_SECTOR_SIZE - sizeof(struct jset)) / 8);
}

/* ---- errors ---------------------------------------------------------------------- */

/* The first error is kept, in j and in c; every waiter is woken to see it. */
static void journal_wake_flushers(struct journal *j);

static void journal_set_error(struct journal *j, int err)
{
	if (!j->error)
		__atomic_store_n(&j->error, err, __ATOMIC_RELEASE);
	bch_set_error(j->c, err);
	pthread_cond_broadcast(&j->wait);
	pthread_cond_signal(&j->kick);
	journal_wake_flushers(j);
}

static int journal_err(struct journal *j)
{
	int err = __atomic_load_n(&j->error, __ATOMIC_ACQUIRE);

	return err ? err : bch_error(j->c);
}

/* ---- flush waiters --------------------------------------------------------------- */

/*
 * The waker bumps the word and then looks for sleepers; a sleeper
 * announces itself and then reads the word and the condition.  With all
 * four sequentially consistent, either the waker sees the sleeper, or the
 * sleeper sees the new state: no wakeup is lost.
 */
static void journal_wake_flushers(struct journal *j)
{
	__atomic_add_fetch(&j->wake, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&j->sleepers, __ATOMIC_SEQ_CST))
		futex_async(&j->wake, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/* ---- pins ------------------------------------------------------------------------- */

static uint32_t *pin_slot(struct journal *j, uint64_t seq)
{
	return &j->pins.count[(j->pins.head + (size_t)(seq - j->pins.first)) % j->pins.cap];
}

static bool pin_valid(const struct journal *j, uint64_t seq)
{
	return seq >= j->pins.first && seq < j->pins.end;
}

/* A slot for seq pins.end, with count.  0 or -ENOMEM. */
static int pin_push(struct journal *j, uint32_t count)
{
	size_t used = (size_t)(j->pins.end - j->pins.first);

	if (used == j->pins.cap) {
		size_t cap = j->pins.cap * 2;
		uint32_t *p = calloc(cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		for (size_t i = 0; i < used; i++)
			p[i] = j->pins.count[(j->pins.head + i) % j->pins.cap];
		free(j->pins.count);
		j->pins.count = p;
		j->pins.cap = cap;
		j->pins.head = 0;
	}
	j->pins.end++;
	*pin_slot(j, j->pins.end - 1) = count;
	return 0;
}

/* last_seq moves past entries nobody references (never past the open one). */
static void pin_pop(struct journal *j)
{
	uint64_t old = j->pins.first;

	while (j->pins.first < j->seq && *pin_slot(j, j->pins.first) == 0) {
		j->pins.head = (j->pins.head + 1) % j->pins.cap;
		j->pins.first++;
	}
	if (j->pins.first != old && (j->space_waiters || j->buf[j->open].need_write)) {
		pthread_cond_signal(&j->kick);
		pthread_cond_broadcast(&j->wait);
	}
}

static void pin_put(struct journal *j, uint64_t seq)
{
	if (!pin_valid(j, seq) || !*pin_slot(j, seq)) {
		bch_log(j->c, "journal", "pin dropped that was not held: seq %" PRIu64, seq);
		return;
	}
	if (--*pin_slot(j, seq) == 0 && seq == j->pins.first)
		pin_pop(j);
	BCH_BUG_ON(bch_journal_pins_check(&j->pins, j->seq));
}

unsigned bch_journal_pins_check(const struct journal_pins *p, uint64_t open_seq)
{
	unsigned bad = 0;

	if (!p->cap || p->end < p->first || p->end - p->first > p->cap || p->head >= p->cap) {
		fprintf(stderr, "mmsim: bcache debug: pin ring [%" PRIu64 ", %" PRIu64 ") does not "
			"fit its %zu slots (head %zu)\n", p->first, p->end, p->cap, p->head);
		return 1;
	}
	if (open_seq < p->first || open_seq >= p->end) {
		fprintf(stderr, "mmsim: bcache debug: open entry %" PRIu64 " outside the pins "
			"[%" PRIu64 ", %" PRIu64 ")\n", open_seq, p->first, p->end);
		bad++;
	}
	if (p->first < open_seq && p->end > p->first && p->count[p->head] == 0) {
		fprintf(stderr, "mmsim: bcache debug: last_seq %" PRIu64 " is held by nobody "
			"(it should have moved on)\n", p->first);
		bad++;
	}
	return bad;
}

/* ---- the ring ---------------------------------------------------------------------- */

static unsigned free_buckets(const struct journal *j)
{
	return (j->discard_idx + j->nr - j->cur_idx - 1) % j->nr;
}

/*
 * Writing an entry now (to the next bucket when `next`) frees the oldest
 * bucket once it completes: everything there is older than last_seq, and
 * that bucket is not the one the entry goes to.
 */
static bool reclaim_due(const struct journal *j, bool next)
{
	return j->bucket_seq[j->last_idx] < j->pins.first &&
	       (next || j->last_idx != j->cur_idx);
}

/*
 * May an entry of `sectors` be placed now?  An ordinary entry must leave a
 * free bucket; a reserve entry must leave room for one more block, so that
 * the entry which gives space back can always be written; that one (see
 * reclaim_due) only has to fit.  A single-bucket ring has no reserve.
 */
static bool entry_fits(const struct journal *j, unsigned sectors, bool reserve)
{
	bool next = sectors > j->sectors_free;
	unsigned f = free_buckets(j);

	if (sectors > j->max_sectors || (next && !f))
		return false;
	if (j->nr == 1 || reclaim_due(j, next))
		return true;

	unsigned f_after = f - next;
	unsigned left = (next ? j->bucket_sectors : j->sectors_free) - sectors;

	return f_after >= 1 || (reserve && left >= j->block_sectors);
}

/* In memory: buckets whose entries are all older than a durable last_seq. */
static void journal_reclaim(struct journal *j)
{
	while (j->last_idx != j->cur_idx &&
	       j->bucket_seq[j->last_idx] < j->durable_last_seq)
		j->last_idx = (j->last_idx + 1) % j->nr;
	if (!j->discard)
		j->discard_idx = j->last_idx;
}

/* Where the next entry of `sectors` goes; moves to the next bucket if needed. */
static uint64_t journal_place(struct journal *j, unsigned sectors)
{
	if (sectors > j->sectors_free) {
		j->cur_idx = (j->cur_idx + 1) % j->nr;
		j->sectors_free = j->bucket_sectors;
	}
	uint64_t sector = j->c->cache->sb.d[j->cur_idx] * j->bucket_sectors +
			  (j->bucket_sectors - j->sectors_free);
	j->sectors_free -= sectors;
	return sector;
}

/* ---- writing ------------------------------------------------------------------------ */

static void journal_try_write(struct journal *j);

static void journal_fill_header(struct journal *j, struct journal_buf *w)
{
	struct cache_set *c = j->c;
	struct jset *jd = w->data;

	jd->magic = j->magic;
	jd->version = BCACHE_JSET_VERSION;
	jd->last_seq = j->pins.first;
	w->last_seq = jd->last_seq;
	memset(jd->pad, 0, sizeof(jd->pad));
	memset(jd->prio_bucket, 0, sizeof(jd->prio_bucket));
	pthread_mutex_lock(&c->meta_lock);
	jd->uuid_bucket = c->uuid_key;
	jd->btree_root = c->root_key;
	jd->btree_level = (uint16_t)c->root_level;
	jd->prio_bucket[0] = c->prio_bucket;
	pthread_mutex_unlock(&c->meta_lock);
	jd->csum = bch_jset_csum(jd);
}

/* The other buffer becomes the open entry, seq + 1, pinned by itself. */
static int journal_open_next(struct journal *j)
{
	j->flight = j->open;
	j->open ^= 1;
	j->seq++;

	struct journal_buf *w = &j->buf[j->open];
	w->data->seq = j->seq;
	w->data->keys = 0;
	w->need_write = false;
	w->reserve = false;
	w->flushers = 0;
	if (pin_push(j, 1))
		return -ENOMEM;
	BCH_BUG_ON(bch_journal_pins_check(&j->pins, j->seq));
	return 0;
}

/* The in-flight write finished (or never started) with err. */
static void journal_write_done(struct journal *j, int err)
{
	struct journal_buf *w = &j->buf[j->flight];
	uint64_t seq = w->data->seq;

	j->in_flight = false;
	j->returning = w->flushers;
	j->linger_until = now_ns() + JOURNAL_LINGER_NS;
	j->linger_kicked = false;
	if (err) {
		journal_set_error(j, err);
	} else {
		__atomic_store_n(&j->written_seq, seq, __ATOMIC_SEQ_CST);
		journal_wake_flushers(j);
		j->durable_last_seq = w->last_seq;
		journal_reclaim(j);
	}
	pin_put(j, seq);
	pthread_cond_broadcast(&j->wait);
	if (j->discard_idx != j->last_idx || j->space_waiters)
		pthread_cond_signal(&j->kick);
	journal_try_write(j);
}

static void journal_endio(struct blk_req *req)
{
	struct journal *j = req->private;

	pthread_mutex_lock(&j->lock);
	journal_write_done(j, req->result);
	pthread_mutex_unlock(&j->lock);	/* j may be freed from here on */
}

/* Linux's bcache:bcache_journal_full: the set's uuid, as %pU prints it. */
static TRACE_HELPER void trace_journal_full(const struct cache_set *c)
{
	const uint8_t *u = c->set_uuid;

	trace_emit("bcache_journal_full",
		   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		   u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		   u[15]);
}

/* Writes buf[open], which needs writing and fits.  j->lock held. */
static void journal_submit(struct journal *j)
{
	struct journal_buf *w = &j->buf[j->open];
	struct jset *jd = w->data;
	unsigned sectors = entry_sectors(j, jd->keys);
	size_t bytes = (size_t)sectors << BLK_SECTOR_SHIFT;
	uint64_t sector = journal_place(j, sectors);

	j->bucket_seq[j->cur_idx] = jd->seq;
	journal_fill_header(j, w);
	memset((char *)jd + jset_bytes(jd), 0, bytes - jset_bytes(jd));

	memset(&j->req, 0, sizeof(j->req));
	j->req.op = BLK_OP_WRITE;
	j->req.flags = BLK_PREFLUSH | BLK_FUA;
	j->req.sector = sector;
	j->req.buf = jd;
	j->req.len = bytes;
	j->req.end_io = journal_endio;
	j->req.private = j;
	j->in_flight = true;
	j->st.writes++;
	/* Linux's bcache:bcache_journal_write: the cache device, the entry's
	 * first sector, its keys (the device is the cache's, 254:0). */
	TRACE("bcache_journal_write", "254,0  %llu keys %u", (unsigned long long)sector, jd->keys);

	int err = journal_open_next(j);
	if (!err && j->inline_ok) {
		j->inline_pending = true;	/* run once j->lock is dropped */
		return;
	}
	if (!err)
		err = blk_submit(j->c->cache->bdev, &j->req);
	if (err)
		journal_write_done(j, err);
}

/*
 * Runs the write journal_submit() left to this thread (j->lock not held;
 * the write is in flight, so nothing else touches j->req).  A writer that
 * would only wait for it does the I/O itself, as a group commit leader
 * does: no engine thread to wake, and none to wake us.
 */
static void journal_write_inline(struct journal *j)
{
	int err = blk_submit_inline(j->c->cache->bdev, &j->req);

	if (err) {
		pthread_mutex_lock(&j->lock);
		journal_write_done(j, err);
		pthread_mutex_unlock(&j->lock);
	}
}

/* The open entry waits for the last write's flushers to join it. */
static bool journal_lingers(struct journal *j)
{
	const struct journal_buf *w = &j->buf[j->open];

	if (!j->returning || w->reserve || max_u64s(j) - w->data->keys < BKEY_PAD ||
	    j->stopping)
		return false;
	if (now_ns() < j->linger_until)
		return true;
	j->returning = 0;
	return false;
}

/* Writes the open entry if it asks to be and may be.  j->lock held. */
static void journal_try_write(struct journal *j)
{
	struct journal_buf *w = &j->buf[j->open];

	if (!j->started || j->in_flight || !w->need_write || j->error)
		return;
	if (journal_lingers(j)) {
		if (!j->linger_kicked)		/* the thread ends the linger */
			pthread_cond_signal(&j->kick);
		j->linger_kicked = true;
		return;
	}
	if (!entry_fits(j, entry_sectors(j, w->data->keys), w->reserve)) {
		pthread_cond_signal(&j->kick);	/* full: the thread makes room */
		return;
	}
	journal_submit(j);
}

/* A single-bucket ring cannot wrap: its waiters would wait forever. */
static bool journal_dead_end(const struct journal *j, uint64_t u64s)
{
	return j->nr == 1 && !j->in_flight &&
	       entry_sectors(j, u64s) > j->sectors_free;
}

/*
 * Asks for entry seq to be written if it is the open one.  j->lock held.
 * True if the write started and is this caller's to run, with
 * journal_write_inline() once it has dropped j->lock: callers ask only
 * for entries they are about to wait for.
 */
static bool journal_ask_write(struct journal *j, uint64_t seq)
{
	bool mine;

	if (seq != j->seq)
		return false;
	j->buf[j->open].need_write = true;
	j->inline_ok = true;
	journal_try_write(j);
	j->inline_ok = false;
	mine = j->inline_pending;
	j->inline_pending = false;
	return mine;
}

/* Waits, j->lock held, until entry seq is durable or cannot become so. */
static int journal_wait_seq_locked(struct journal *j, uint64_t seq)
{
	while (j->written_seq < seq) {
		int err = journal_err(j);

		if (err)
			return err;
		if (seq == j->seq && journal_dead_end(j, j->buf[j->open].data->keys))
			return -ENOSPC;
		pthread_cond_wait(&j->wait, &j->lock);
	}
	return 0;
}

static int journal_wait_durable(struct journal *j, uint64_t seq);

/* Asks for entry seq with j->lock held, drops it, and runs the write if it
 * is this caller's. */
static void journal_ask_unlock(struct journal *j, uint64_t seq)
{
	bool mine = journal_ask_write(j, seq);

	pthread_mutex_unlock(&j->lock);
	if (mine)
		journal_write_inline(j);
}

/* journal_ask_unlock(), then waits until entry seq is durable. */
static int journal_write_unlock_wait(struct journal *j, uint64_t seq)
{
	journal_ask_unlock(j, seq);
	return journal_wait_durable(j, seq);
}

/* Waits, without j->lock, until entry seq (asked for) is durable. */
static int journal_wait_durable(struct journal *j, uint64_t seq)
{
	int err = 0;

	if (j->nr == 1) {	/* must also notice it can never be written */
		pthread_mutex_lock(&j->lock);
		err = journal_wait_seq_locked(j, seq);
		pthread_mutex_unlock(&j->lock);
		return err;
	}
	__atomic_add_fetch(&j->sleepers, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		int32_t word = __atomic_load_n(&j->wake, __ATOMIC_SEQ_CST);

		if (__atomic_load_n(&j->written_seq, __ATOMIC_SEQ_CST) >= seq)
			break;
		if ((err = journal_err(j)))
			break;
		futex_async(&j->wake, FUTEX_WAIT, word, NULL, NULL, 0);
	}
	__atomic_sub_fetch(&j->sleepers, 1, __ATOMIC_SEQ_CST);
	return err;
}

/* Waits until u64s more words fit in the open entry.  j->lock held. */
static int journal_wait_room(struct journal *j, unsigned u64s, bool reserve)
{
	bool waited = false;

	for (;;) {
		struct journal_buf *w = &j->buf[j->open];
		unsigned sectors = entry_sectors(j, (uint64_t)w->data->keys + u64s);
		int err = journal_err(j);

		if (err)
			return err;
		if (sectors <= j->max_sectors && entry_fits(j, sectors, reserve))
			return 0;
		if (w->data->keys) {
			w->need_write = true;	/* make room: write what is there */
			journal_try_write(j);
		} else if (j->nr == 1 && !j->in_flight) {
			return -ENOSPC;
		}
		if (!waited) {
			j->st.full_waits++;
			if (trace_enabled())
				trace_journal_full(j->c);
		}
		waited = true;
		j->space_waiters++;
		if (u64s > j->want_u64s)
			j->want_u64s = u64s;
		pthread_cond_signal(&j->kick);
		pthread_cond_wait(&j->wait, &j->lock);
		if (!--j->space_waiters)
			j->want_u64s = 0;
	}
}

/* Adds keys to the open entry (room checked) and pins it: its seq. */
static uint64_t journal_append(struct journal *j, const uint64_t *keys,
			       unsigned u64s, unsigned flags)
{
	struct journal_buf *w = &j->buf[j->open];
	struct jset *jd = w->data;
	uint64_t seq = j->seq;

	if (u64s) {
		if (!jd->keys) {
			w->opened_ns = now_ns();
			/* Arm the delay, unless a flush is about to write the
			 * entry anyway (a wakeup saved per fsync'ed insert). */
			if (!(flags & JOURNAL_FLUSH))
				pthread_cond_signal(&j->kick);
		}
		memcpy(jd->d + jd->keys, keys, (size_t)u64s * 8);
		jd->keys += u64s;
	}
	if (flags & JOURNAL_RESERVE)
		w->reserve = true;
	(*pin_slot(j, seq))++;
	j->st.keys_u64s += u64s;
	if (max_u64s(j) - jd->keys < BKEY_PAD) {
		w->need_write = true;		/* full */
		journal_try_write(j);
	}
	return seq;
}

int bch_journal_add(struct cache_set *c, const uint64_t *keys, unsigned u64s,
		    unsigned flags, uint64_t *pin_seq)
{
	struct journal *j = c->journal;
	uint64_t seq;
	int err;

	if (pin_seq)
		*pin_seq = 0;
	if (!j || (u64s && !keys))
		return -EINVAL;
	if (u64s > max_u64s(j))
		return -E2BIG;
	if ((flags & JOURNAL_WRITE) && !pin_seq)
		return -EINVAL;
	pthread_mutex_lock(&j->lock);
	err = j->started ? journal_wait_room(j, u64s, flags & JOURNAL_RESERVE) : -EINVAL;
	if (err) {
		pthread_mutex_unlock(&j->lock);
		return err;
	}
	seq = journal_append(j, keys, u64s, flags);
	if (!(flags & (JOURNAL_FLUSH | JOURNAL_WRITE))) {
		if (pin_seq)
			*pin_seq = seq;
		else
			pin_put(j, seq);
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	j->buf[j->open].flushers++;
	if (j->returning)
		j->returning--;
	j->st.flush_waits++;
	if (!(flags & JOURNAL_FLUSH)) {
		journal_ask_unlock(j, seq);
		*pin_seq = seq;
		return 0;
	}
	/* Our own pin keeps seq's slot while we wait unlocked. */
	err = journal_write_unlock_wait(j, seq);
	if (!err && pin_seq) {
		*pin_seq = seq;
		return 0;
	}
	bch_journal_pin_drop(c, seq);
	return err;
}

int bch_journal_wait(struct cache_set *c, uint64_t seq)
{
	return c->journal ? journal_wait_durable(c->journal, seq) : -EINVAL;
}

/* c's journal with j->lock held, if it is started and healthy; else NULL
 * (unlocked) with the error in *err. */
static struct journal *journal_lock_usable(struct cache_set *c, int *err)
{
	struct journal *j = c->journal;

	*err = -EINVAL;
	if (!j)
		return NULL;
	pthread_mutex_lock(&j->lock);
	*err = j->started ? journal_err(j) : -EINVAL;
	if (*err) {
		pthread_mutex_unlock(&j->lock);
		return NULL;
	}
	return j;
}

int bch_journal_meta(struct cache_set *c)
{
	int err;
	struct journal *j = journal_lock_usable(c, &err);

	if (!j)
		return err;
	j->buf[j->open].reserve = true;
	return journal_write_unlock_wait(j, j->seq);
}

/*
 * Like bch_journal_meta() without the wait, and without the reserve: nobody
 * waits for this entry, so it is written when it fits as an ordinary one
 * (at the latest once the pins that fill the ring are dropped, which is
 * what the caller goes on to do).  The journal thread calls this from
 * flush_pins with a full ring: waiting there would wait for a write only
 * the thread itself can make room for.
 */
int bch_journal_meta_nowait(struct cache_set *c)
{
	int err;
	struct journal *j = journal_lock_usable(c, &err);

	if (!j)
		return err;
	j->buf[j->open].need_write = true;
	journal_try_write(j);
	pthread_mutex_unlock(&j->lock);
	return 0;
}

int bch_journal_flush(struct cache_set *c)
{
	int err;
	struct journal *j = journal_lock_usable(c, &err);

	if (!j)
		return err;
	return journal_write_unlock_wait(j, j->buf[j->open].data->keys ? j->seq : j->seq - 1);
}

void bch_journal_pin_add(struct cache_set *c, uint64_t seq)
{
	struct journal *j = c->journal;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	if (pin_valid(j, seq))
		(*pin_slot(j, seq))++;
	else
		bch_log(c, "journal", "pin taken on seq %" PRIu64 ", not tracked (last_seq %" PRIu64 ")",
		     seq, j->pins.first);
	pthread_mutex_unlock(&j->lock);
}

void bch_journal_pin_drop(struct cache_set *c, uint64_t seq)
{
	struct journal *j = c->journal;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	pin_put(j, seq);
	pthread_mutex_unlock(&j->lock);
}

unsigned bch_journal_max_u64s(struct cache_set *c)
{
	return c->journal ? max_u64s(c->journal) : 0;
}

void bch_journal_get_stats(struct cache_set *c, struct journal_stats *st)
{
	struct journal *j = c->journal;

	memset(st, 0, sizeof(*st));
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	*st = j->st;
	st->seq = j->seq;
	st->last_seq = j->pins.first;
	st->written_seq = j->written_seq;
	st->durable_last_seq = j->durable_last_seq;
	st->cur_idx = j->cur_idx;
	st->last_idx = j->last_idx;
	st->free_buckets = free_buckets(j);
	pthread_mutex_unlock(&j->lock);
}

/* ---- the journal thread ---------------------------------------------------------------- */

/* Discards the oldest reclaimed bucket, durably.  Drops j->lock. */
static bool journal_discard_one(struct journal *j)
{
	if (!j->discard || j->error || j->discard_idx == j->last_idx)
		return false;

	unsigned idx = j->discard_idx;
	struct blk_dev *dev = j->c->cache->bdev;
	uint64_t sector = j->c->cache->sb.d[idx] * j->bucket_sectors;

	pthread_mutex_unlock(&j->lock);
	int err = blk_rw(dev, BLK_OP_DISCARD, 0, sector, NULL,
			 (size_t)j->bucket_sectors << BLK_SECTOR_SHIFT);
	if (!err)
		err = blk_rw(dev, BLK_OP_FLUSH, 0, 0, NULL, 0);
	pthread_mutex_lock(&j->lock);
	if (err) {
		journal_set_error(j, err);
		return false;
	}
	j->discard_idx = (idx + 1) % j->nr;
	j->st.discards++;
	pthread_cond_broadcast(&j->wait);
	journal_try_write(j);
	return true;
}

/* Writes an open entry whose delay is over; returns the next deadline. */
static uint64_t journal_check_delay(struct journal *j)
{
	struct journal_buf *w = &j->buf[j->open];

	if (w->need_write && !j->in_flight && journal_lingers(j))
		return j->linger_until;
	if (w->need_write && !j->in_flight) {
		journal_try_write(j);	/* a linger just ended */
		return JOURNAL_NO_DEADLINE;
	}
	if (!w->data->keys || w->need_write)
		return JOURNAL_NO_DEADLINE;
	uint64_t due = w->opened_ns + j->delay_ns;
	if (now_ns() < due)
		return due;
	w->need_write = true;
	journal_try_write(j);
	return JOURNAL_NO_DEADLINE;
}

/* Somebody waits for room or for a write, and nothing in flight will help. */
static bool journal_stuck(const struct journal *j)
{
	const struct journal_buf *w = &j->buf[j->open];

	if (j->error || j->in_flight || (w->need_write && j->returning))
		return false;
	if (w->need_write)
		return true;
	return j->space_waiters &&
	       !entry_fits(j, entry_sectors(j, (uint64_t)w->data->keys + j->want_u64s), false);
}

/* Asks the btree to write the nodes pinning the oldest bucket. */
static bool journal_flush_pins(struct journal *j)
{
	int (*fn)(struct cache_set *, uint64_t) = j->c->flush_pins;
	uint64_t target = j->bucket_seq[j->last_idx];
	uint64_t before = j->pins.first;

	if (!fn)
		return false;
	if (!target || target >= j->seq)
		target = j->seq - 1;
	j->st.flush_pins_calls++;
	j->st.flush_pins_seq = target;
	pthread_mutex_unlock(&j->lock);
	int err = fn(j->c, target);
	pthread_mutex_lock(&j->lock);
	if (err < 0) {
		bch_log(j->c, "journal", "flush_pins(%" PRIu64 ") failed: %d", target, err);
		pthread_cond_broadcast(&j->wait);	/* they see c->error, if set */
	}
	return j->pins.first != before;
}

/* The ring is full: write an entry that frees buckets, or unpin some. */
static bool journal_unstick(struct journal *j)
{
	struct journal_buf *w = &j->buf[j->open];
	bool next = entry_sectors(j, w->data->keys) > j->sectors_free;

	journal_try_write(j);
	if (j->in_flight)
		return true;
	if (reclaim_due(j, next) && (!next || free_buckets(j))) {
		w->need_write = true;	/* carries the new last_seq */
		journal_try_write(j);
		if (j->in_flight)
			return true;
	}
	return journal_flush_pins(j);
}

static void journal_sleep(struct journal *j, uint64_t deadline)
{
	if (deadline == JOURNAL_NO_DEADLINE) {
		pthread_cond_wait(&j->kick, &j->lock);
		return;
	}
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000ull),
		.tv_nsec = (long)(deadline % 1000000000ull),
	};
	pthread_cond_timedwait(&j->kick, &j->lock, &ts);
}

static void *journal_thread(void *arg)
{
	struct journal *j = arg;

	pthread_mutex_lock(&j->lock);
	while (!j->stopping) {
		if (journal_discard_one(j))
			continue;
		uint64_t deadline = journal_check_delay(j);
		if (journal_stuck(j)) {
			if (journal_unstick(j))
				continue;
			uint64_t retry = now_ns() + JOURNAL_RETRY_NS;
			if (retry < deadline)
				deadline = retry;
		}
		if (!j->stopping)
			journal_sleep(j, deadline);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* ---- life ------------------------------------------------------------------------------ */

/* The journal buckets must be distinct whole buckets inside the device. */
static int journal_check_geometry(struct cache_set *c)
{
	const struct cache *ca = c->cache;
	struct blk_info info;
	unsigned nr = ca->sb.njournal_buckets;

	if (!ca->bdev || !nr || nr > BCH_SB_JOURNAL_BUCKETS || !ca->block_sectors ||
	    !ca->bucket_sectors || ca->bucket_sectors % ca->block_sectors)
		return -EINVAL;
	blk_get_info(ca->bdev, &info);
	if (((size_t)ca->block_sectors << BLK_SECTOR_SHIFT) % info.lbs)
		return -EINVAL;
	for (unsigned i = 0; i < nr; i++) {
		uint64_t b = ca->sb.d[i];

		if (b >= info.nr_sectors / ca->bucket_sectors)
			return -EINVAL;
		for (unsigned k = 0; k < i; k++)
			if (ca->sb.d[k] == b)
				return -EINVAL;
	}
	return 0;
}

/* Buffers for O_DIRECT: aligned to the device's block, at least 4 KiB. */
static void *journal_buf_alloc(struct blk_dev *dev, size_t bytes)
{
	struct blk_info info;
	void *p;

	blk_get_info(dev, &info);
	if (posix_memalign(&p, info.lbs > 4096 ? info.lbs : 4096, bytes))
		return NULL;
	return p;
}

static int journal_alloc(struct journal *j)
{
	size_t bytes = (size_t)j->max_sectors << BLK_SECTOR_SHIFT;

	for (int i = 0; i < 2; i++) {
		void *p = journal_buf_alloc(j->c->cache->bdev, bytes);

		if (!p)
			return -ENOMEM;
		memset(p, 0, bytes);
		j->buf[i].data = p;
	}
	j->bucket_seq = calloc(j->nr, sizeof(*j->bucket_seq));
	j->pins.cap = (size_t)j->nr * (j->bucket_sectors / j->block_sectors) + 8;
	j->pins.count = calloc(j->pins.cap, sizeof(*j->pins.count));
	return j->bucket_seq && j->pins.count ? 0 : -ENOMEM;
}

static void journal_free(struct journal *j)
{
	free(j->buf[0].data);
	free(j->buf[1].data);
	free(j->bucket_seq);
	free(j->pins.count);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->wait);
	pthread_cond_destroy(&j->kick);
	free(j);
}

int bch_journal_init(struct cache_set *c)
{
	struct cache *ca = c->cache;
	struct journal *j;
	pthread_condattr_t ca_mono;
	int err = journal_check_geometry(c);

	if (err)
		return err;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->c = c;
	j->nr = ca->sb.njournal_buckets;
	j->bucket_sectors = ca->bucket_sectors;
	j->block_sectors = ca->block_sectors;
	j->max_sectors = JOURNAL_MAX_SECTORS < ca->bucket_sectors ?
			 JOURNAL_MAX_SECTORS : ca->bucket_sectors;
	j->max_sectors -= j->max_sectors % ca->block_sectors;
	if (j->max_sectors < ca->block_sectors)
		j->max_sectors = ca->block_sectors;
	j->magic = bch_jset_magic(&ca->sb);
	j->discard = ca->sb.flags & BCH_CACHE_DISCARD;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->wait, NULL);
	pthread_condattr_init(&ca_mono);
	pthread_condattr_setclock(&ca_mono, CLOCK_MONOTONIC);
	pthread_cond_init(&j->kick, &ca_mono);
	pthread_condattr_destroy(&ca_mono);
	err = journal_alloc(j);
	if (err) {
		journal_free(j);
		return err;
	}
	c->journal = j;
	return 0;
}

void bch_journal_exit(struct cache_set *c)
{
	struct journal *j = c->journal;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->stopping = true;
	pthread_cond_signal(&j->kick);
	pthread_mutex_unlock(&j->lock);
	if (j->thread_on)
		pthread_join(j->thread, NULL);
	pthread_mutex_lock(&j->lock);
	while (j->in_flight)
		pthread_cond_wait(&j->wait, &j->lock);
	pthread_mutex_unlock(&j->lock);
	c->journal = NULL;
	journal_free(j);
}

/* Both write buffers empty; the open one is entry seq. */
static void journal_reset_open(struct journal *j, uint64_t seq)
{
	struct journal_buf *w = &j->buf[j->open];

	j->seq = seq;
	w->data->seq = seq;
	w->data->keys = 0;
	w->need_write = false;
	w->reserve = false;
	j->buf[j->open ^ 1].data->keys = 0;
}

static int journal_go(struct journal *j)
{
	unsigned ms = j->c->journal_delay_ms ? j->c->journal_delay_ms : JOURNAL_DELAY_MS_DEFAULT;
	int err;

	j->delay_ns = (uint64_t)ms * 1000000ull;
	j->started = true;
	err = pthread_create(&j->thread, NULL, journal_thread, j);
	if (err) {
		j->started = false;
		return -err;
	}
	j->thread_on = true;
	return 0;
}

/*
 * Writes zeros over every journal bucket, then flushes.  On a host file
 * this allocates the ring's blocks once, at format: otherwise each journal
 * write into a fresh part of a sparse image makes the host filesystem
 * allocate, and its fsync write that metadata too (a block device has
 * nothing to allocate).  It also leaves no entry of an earlier set behind.
 */
static int journal_zero_ring(struct journal *j)
{
	struct cache *ca = j->c->cache;
	size_t bytes = (size_t)j->bucket_sectors << BLK_SECTOR_SHIFT;
	void *zero;
	int err = 0;

	if (posix_memalign(&zero, 4096, bytes))
		return -ENOMEM;
	memset(zero, 0, bytes);
	for (unsigned i = 0; i < j->nr && !err; i++)
		err = blk_rw(ca->bdev, BLK_OP_WRITE, 0, ca->sb.d[i] * j->bucket_sectors, zero,
			     bytes);
	free(zero);
	return err ? err : blk_rw(ca->bdev, BLK_OP_FLUSH, 0, 0, NULL, 0);
}

int bch_journal_format(struct cache_set *c)
{
	int err;

	if (!c->journal || c->journal->started)
		return -EINVAL;
	err = journal_zero_ring(c->journal);
	return err ? err : bch_journal_start_empty(c);
}

int bch_journal_start_empty(struct cache_set *c)
{
	struct journal *j = c->journal;

	if (!j || j->started)
		return -EINVAL;
	memset(j->bucket_seq, 0, j->nr * sizeof(*j->bucket_seq));
	j->cur_idx = j->last_idx = j->discard_idx = 0;
	j->sectors_free = j->bucket_sectors;
	j->pins.head = 0;
	j->pins.first = j->pins.end = 1;
	j->replay_first = 1;
	journal_reset_open(j, 1);
	j->written_seq = j->durable_last_seq = 0;
	if (pin_push(j, 1))
		return -ENOMEM;
	return journal_go(j);
}

/* ---- start after reading ------------------------------------------------------------- */

static const struct journal_replay *list_newest(const struct journal_replay *list)
{
	const struct journal_replay *n = list;

	for (const struct journal_replay *e = list; e; e = e->next)
		if (e->j.seq > n->j.seq)
			n = e;
	return n;
}

/* The ring position after the newest entry; the oldest bucket still needed. */
static int journal_start_ring(struct journal *j, const struct journal_replay *list,
			      const struct journal_replay *newest, uint64_t last_seq)
{
	unsigned end = newest->offset + entry_sectors(j, newest->j.keys);
	unsigned back = 0;

	memset(j->bucket_seq, 0, j->nr * sizeof(*j->bucket_seq));
	for (const struct journal_replay *e = list; e; e = e->next) {
		if (e->bucket_idx >= j->nr)
			return -EINVAL;
		if (e->j.seq < last_seq)
			continue;
		if (e->j.seq > j->bucket_seq[e->bucket_idx])
			j->bucket_seq[e->bucket_idx] = e->j.seq;
		unsigned d = (newest->bucket_idx + j->nr - e->bucket_idx) % j->nr;
		if (d > back)
			back = d;
	}
	if (end > j->bucket_sectors)
		return -EINVAL;
	j->cur_idx = newest->bucket_idx;
	j->sectors_free = j->bucket_sectors - end;
	j->last_idx = (newest->bucket_idx + j->nr - back) % j->nr;
	/*
	 * With discard, the free buckets still hold old entries: discard them
	 * first, in ring order, so that discarded buckets stay a run at the
	 * start of the ring order (a crash must not leave an empty bucket
	 * between old entries and new ones: the search would miss the newest).
	 */
	j->discard_idx = j->discard ? (j->cur_idx + 1) % j->nr : j->last_idx;
	return 0;
}

/* One pin per read entry in [last_seq, newest], then the open entry's. */
static int journal_start_pins(struct journal *j, const struct journal_replay *list,
			      uint64_t last_seq, uint64_t newest)
{
	j->pins.head = 0;
	j->pins.first = j->pins.end = last_seq;
	for (uint64_t s = last_seq; s <= newest + 1; s++)
		if (pin_push(j, s == newest + 1))
			return -ENOMEM;
	for (const struct journal_replay *e = list; e; e = e->next)
		if (e->j.seq >= last_seq)
			(*pin_slot(j, e->j.seq))++;
	pin_pop(j);
	return 0;
}

int bch_journal_start(struct cache_set *c, struct journal_replay *list)
{
	struct journal *j = c->journal;

	if (!j || j->started)
		return -EINVAL;
	if (!list)
		return bch_journal_start_empty(c);

	const struct journal_replay *newest = list_newest(list);
	uint64_t s = newest->j.seq, l = newest->j.last_seq;
	uint64_t cap = (uint64_t)j->nr * (j->bucket_sectors / j->block_sectors);
	int err;

	if (!l || l > s || s == UINT64_MAX || s - l >= cap)
		return -EINVAL;
	err = journal_start_ring(j, list, newest, l);
	if (!err) {
		journal_reset_open(j, s + 1);
		err = journal_start_pins(j, list, l, s);
	}
	if (err)
		return err;
	j->replay_first = l;
	j->written_seq = s;
	j->durable_last_seq = l;

	pthread_mutex_lock(&c->meta_lock);
	c->root_key = newest->j.btree_root;
	c->root_level = newest->j.btree_level;
	c->uuid_key = newest->j.uuid_bucket;
	c->prio_bucket = newest->j.prio_bucket[0];
	pthread_mutex_unlock(&c->meta_lock);
	return journal_go(j);
}

/* ---- replay ---------------------------------------------------------------------------- */

static int journal_replay_entry(struct cache_set *c, const struct journal_replay *e)
{
	const uint64_t *k = e->j.d, *end = e->j.d + e->j.keys;

	while (k < end) {
		const struct bkey *key = (const struct bkey *)k;

		if (end - k < 2 || bkey_u64s(key) > (size_t)(end - k)) {
			bch_log(c, "journal", "entry %" PRIu64 ": truncated key at word %zu", e->j.seq,
			     (size_t)(k - e->j.d));
			return -EINVAL;
		}
		int err = c->replay_key(c, key, e->j.seq);
		if (err)
			return err;
		k += bkey_u64s(key);
	}
	return 0;
}

int bch_journal_replay(struct cache_set *c, struct journal_replay *list)
{
	struct journal *j = c->journal;

	if (!c->replay_key)
		return -EINVAL;
	for (const struct journal_replay *e = list; e; e = e->next) {
		int err = journal_replay_entry(c, e);

		if (err)
			return err;
		if (j && j->started) {
			pthread_mutex_lock(&j->lock);
			if (e->j.seq >= j->replay_first)
				pin_put(j, e->j.seq);
			pthread_mutex_unlock(&j->lock);
		}
	}
	return 0;
}

/* ---- reading on start ------------------------------------------------------------------ */

struct jread {
	struct cache_set *c;
	struct journal_read_stats *st;
	unsigned nr, bucket_sectors, block_sectors;
	uint64_t magic;
	uint8_t *buf;			/* one bucket */
	bool *done;			/* bucket read */
	uint64_t *max_seq;		/* newest valid seq in it; 0: none */
	struct journal_replay **e;	/* entries kept */
	size_t ne, cap;
	uint64_t keep_from;		/* drop entries older */
	bool searching;
	struct jread_bad *bad;		/* entries that failed their checks */
	size_t nbad, badcap;
};

/* An entry that failed its checks, where, and what came before and after
 * it in its bucket (next 0: nothing newer: the end of the bucket). */
struct jread_bad {
	unsigned idx, off;
	uint64_t prev, next;
	uint64_t seq;			/* its header's, when that looked right */
	const char *why;
};

static int jread_keep(struct jread *r, const struct jset *js, unsigned idx, unsigned off)
{
	if (js->seq < r->keep_from)
		return 0;
	if (r->ne == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct journal_replay **p = realloc(r->e, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->e = p;
		r->cap = cap;
	}
	struct journal_replay *e = malloc(sizeof(*e) + (size_t)js->keys * 8);
	if (!e)
		return -ENOMEM;
	memcpy(&e->j, js, jset_bytes(js));
	e->next = NULL;
	e->bucket_idx = idx;
	e->offset = off;
	r->e[r->ne++] = e;
	return 0;
}

/* Why the entry at off (left bytes to the bucket's end) is not a valid
 * jset, or NULL.  hdr: its header looks like one (magic, version, size). */
static const char *jread_check(const struct jread *r, const struct jset *js, size_t left,
			       bool *hdr)
{
	*hdr = false;
	if (js->magic != r->magic)
		return "bad magic";
	if (js->version != BCACHE_JSET_VERSION)
		return "bad version";
	if (js->keys > (left - sizeof(*js)) / 8)
		return "larger than the bucket";
	*hdr = true;
	if (js->csum != bch_jset_csum(js))
		return "bad checksum";
	if (js->last_seq > js->seq)
		return "last_seq after its own seq";
	return NULL;
}

/*
 * After an entry at off failed: the first block after it that starts a
 * valid entry newer than prev, or 0.  Entries go into a bucket in seq
 * order from its start, so such an entry was written after the failed
 * one: a power cut tears only the last write, and this one was not.
 * (What lies beyond the newest entry of a bucket is older: an earlier lap.)
 */
static unsigned jread_next_valid(const struct jread *r, unsigned off, uint64_t prev,
				 uint64_t *seq)
{
	for (off += r->block_sectors; off + r->block_sectors <= r->bucket_sectors;
	     off += r->block_sectors) {
		const struct jset *js = (const void *)(r->buf + ((size_t)off << BLK_SECTOR_SHIFT));
		size_t left = (size_t)(r->bucket_sectors - off) << BLK_SECTOR_SHIFT;
		bool hdr;

		if (js->magic == r->magic && js->seq > prev && !jread_check(r, js, left, &hdr)) {
			*seq = js->seq;
			return off;
		}
	}
	return 0;
}

/*
 * The entry js (left bytes to the bucket's end) failed its checks: was it
 * whole, with only its magic, seq or version damaged?  Those are what a
 * reader knows without the entry (the set's magic, the format's version,
 * the seq its place implies: one of cand, above prev), and the checksum
 * covers them.  Put back, it passes only if every other byte is as
 * written: the entry was whole on disk, so no power cut tore it (a tear
 * leaves sectors of the old contents, which no header makes pass), and
 * its content is known.  Then js is left put right and the seq is
 * returned; else js is left as read and 0.  The same check as the btree
 * reader's for a set's header (set_header_damaged).  Registration then
 * replays it rather than refuse: the checksum vouches for all of it.
 */
static uint64_t jread_restore(const struct jread *r, struct jset *js, size_t left,
			      uint64_t prev, const uint64_t *cand, unsigned ncand)
{
	uint64_t magic = js->magic, seq = js->seq;
	uint32_t version = js->version;

	if (js->keys > (left - sizeof(*js)) / 8)
		return 0;
	for (unsigned i = 0; i < ncand; i++) {
		if (cand[i] <= prev)
			continue;
		js->magic = r->magic;
		js->version = BCACHE_JSET_VERSION;
		js->seq = cand[i];
		if (js->csum == bch_jset_csum(js) && js->last_seq <= js->seq)
			return js->seq;
	}
	js->magic = magic;
	js->version = version;
	js->seq = seq;
	return 0;
}

static void jread_log_restored(const struct jread *r, unsigned idx, unsigned off,
			       uint64_t prev, const char *why, uint64_t seq)
{
	r->st->restored++;
	bch_log(r->c, "journal", "bucket %u sector %u (after seq %" PRIu64 "): %s; it passes its "
		"checksum with the magic, version and seq %" PRIu64 " put back: damage, not a torn "
		"write; replayed as written", idx, off, prev, why, seq);
}

static int jread_note_bad(struct jread *r, unsigned idx, unsigned off, uint64_t prev,
			  uint64_t next, uint64_t seq, const char *why)
{
	if (r->nbad == r->badcap) {
		size_t cap = r->badcap ? r->badcap * 2 : 8;
		struct jread_bad *p = realloc(r->bad, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->bad = p;
		r->badcap = cap;
	}
	r->bad[r->nbad++] = (struct jread_bad){ idx, off, prev, next, seq, why };
	r->st->bad++;
	return 0;
}

/*
 * The entries of the bucket in r->buf, from its start: each must have the
 * magic and version, fit in the rest of the bucket, pass its checksum and
 * have a seq above the previous one.  One that does not, but passes with
 * its magic, version and seq put back (jread_restore: the seq after the
 * previous entry's, its own, or the one before the next valid entry's),
 * is kept as put right, and counted.  Any other ends the bucket, unless a
 * valid newer entry follows it: then it is skipped (and noted), and
 * reading goes on there, so that damage in the middle of the journal
 * never hides the entries after it.  Returns the number of valid entries,
 * or -ENOMEM.
 */
static int jread_parse(struct jread *r, unsigned idx)
{
	unsigned off = 0;
	uint64_t prev = 0;
	int found = 0, err;

	while (off + r->block_sectors <= r->bucket_sectors) {
		const struct jset *js = (const void *)(r->buf + ((size_t)off << BLK_SECTOR_SHIFT));
		size_t left = (size_t)(r->bucket_sectors - off) << BLK_SECTOR_SHIFT;
		bool hdr;
		const char *why = jread_check(r, js, left, &hdr);

		if (why) {
			uint64_t next_seq = 0;
			unsigned next = jread_next_valid(r, off, prev, &next_seq);
			uint64_t cand[3] = { prev + 1, js->seq, next_seq - 1 };

			if (jread_restore(r, (struct jset *)js, left, prev, cand, next ? 3 : 2)) {
				jread_log_restored(r, idx, off, prev, why, js->seq);
			} else {
				/* Zeros or an older lap past the end are no entry:
				 * noted only when the header was one, or newer follow. */
				if ((hdr || next) &&
				    (err = jread_note_bad(r, idx, off, prev, next_seq,
							  hdr ? js->seq : 0, why)))
					return err;
				if (!next)
					break;
				off = next;
				continue;
			}
		}
		if (js->seq <= prev)
			break;
		err = jread_keep(r, js, idx, off);
		if (err)
			return err;
		prev = js->seq;
		found++;
		off += jset_sectors(r->block_sectors, js->keys);
	}
	r->max_seq[idx] = prev;
	return found;
}

/* Reads and parses bucket idx once; > 0 if it holds entries. */
static int jread_bucket(struct jread *r, unsigned idx)
{
	if (r->done[idx])
		return r->max_seq[idx] != 0;
	r->done[idx] = true;
	r->st->buckets_read++;
	if (r->searching)
		r->st->buckets_read_search++;
	uint64_t sector = r->c->cache->sb.d[idx] * r->bucket_sectors;
	if (blk_rw(r->c->cache->bdev, BLK_OP_READ, 0, sector, r->buf,
		   (size_t)r->bucket_sectors << BLK_SECTOR_SHIFT))
		return -EIO;
	return jread_parse(r, idx);
}

/* Any bucket with entries: golden-ratio probe, then the rest in order. */
static int jread_find_any(struct jread *r, unsigned *found)
{
	for (uint64_t i = 0; i < r->nr; i++) {
		unsigned b = (unsigned)(i * JOURNAL_GOLDEN % r->nr);
		if (r->done[b])
			break;
		int ret = jread_bucket(r, b);
		if (ret)
			return ret < 0 ? ret : (*found = b, 1);
	}
	for (unsigned b = 0; b < r->nr; b++) {
		if (r->done[b])
			continue;
		int ret = jread_bucket(r, b);
		if (ret)
			return ret < 0 ? ret : (*found = b, 1);
	}
	return 0;
}

/*
 * The bucket with the newest entries.  Seen from bucket l (which has
 * entries), the buckets written after it come first, then those written
 * before it (or holding nothing): a bucket's newest seq is above l's
 * exactly for offsets 1..k, and we bisect for k over the whole ring, so
 * the newest may lie before l in index order (the ring's wrap).
 */
static int jread_bisect(struct jread *r, unsigned l, unsigned *newest)
{
	uint64_t s = r->max_seq[l];
	unsigned lo = 0, hi = r->nr;

	while (hi - lo > 1) {
		unsigned m = lo + (hi - lo) / 2;
		unsigned b = (l + m) % r->nr;
		int ret = jread_bucket(r, b);

		if (ret < 0)
			return ret;
		if (r->max_seq[b] > s)
			lo = m;
		else
			hi = m;
	}
	*newest = (l + lo) % r->nr;
	return 0;
}

static int cmp_seq(const void *a, const void *b);

/* Every seq in [last_seq, newest] read? */
static bool jread_complete(struct jread *r, uint64_t last_seq, uint64_t newest)
{
	uint64_t expect = last_seq;

	qsort(r->e, r->ne, sizeof(*r->e), cmp_seq);
	for (size_t i = 0; i < r->ne && expect <= newest; i++)
		if (r->e[i]->j.seq == expect)
			expect++;
	return expect > newest;
}

/*
 * Buckets before the newest, until one has nothing from last_seq on.  An
 * empty bucket while entries are still missing is damage, not the end:
 * keep going (around the ring at most) for what lies beyond it.
 */
static int jread_backwards(struct jread *r, unsigned newest_idx, uint64_t last_seq,
			   uint64_t newest)
{
	unsigned b = newest_idx;

	for (unsigned i = 1; i < r->nr; i++) {
		b = (b + r->nr - 1) % r->nr;
		int ret = jread_bucket(r, b);
		if (ret < 0)
			return ret;
		if (r->max_seq[b] < last_seq &&
		    (r->max_seq[b] || jread_complete(r, last_seq, newest)))
			break;
	}
	return 0;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct journal_replay *x = *(struct journal_replay *const *)a;
	const struct journal_replay *y = *(struct journal_replay *const *)b;

	if (x->j.seq != y->j.seq)
		return x->j.seq < y->j.seq ? -1 : 1;
	return x->bucket_idx < y->bucket_idx ? -1 : x->bucket_idx > y->bucket_idx;
}

/* The newest entry among those read (the bisect's bucket holds it). */
static const struct journal_replay *jread_newest(const struct jread *r)
{
	const struct journal_replay *n = NULL;

	for (size_t i = 0; i < r->ne; i++)
		if (!n || r->e[i]->j.seq > n->j.seq)
			n = r->e[i];
	return n;
}

/* Sorted, one per seq, from last_seq on, linked; gaps counted and logged. */
static struct journal_replay *jread_list(struct jread *r, uint64_t last_seq)
{
	struct journal_replay *head = NULL, **tail = &head;
	uint64_t expect = last_seq;

	qsort(r->e, r->ne, sizeof(*r->e), cmp_seq);
	for (size_t i = 0; i < r->ne; i++) {
		struct journal_replay *e = r->e[i];

		if (e->j.seq < last_seq || (head && e->j.seq < expect)) {
			free(e);
			continue;
		}
		if (e->j.seq > expect) {
			r->st->missing += e->j.seq - expect;
			bch_log(r->c, "journal", "entries %" PRIu64 "-%" PRIu64 " missing", expect,
			     e->j.seq - 1);
		}
		expect = e->j.seq + 1;
		r->st->entries++;
		*tail = e;
		tail = &e->next;
	}
	r->ne = 0;
	return head;
}

/*
 * Says what each skipped entry was, by its place.  One that a newer entry
 * follows in its bucket was complete once: damage.  Newer means above the
 * entry before it, or with none before it (the bucket's first), above its
 * own header's seq or still needed: a torn first entry of a reused bucket
 * is followed by the previous lap's entries, all older.  The entry right
 * after the newest one is the write the power cut tore, never
 * acknowledged.  Anything else lies outside what replay needs (an older
 * lap, or a torn entry whose seq was written again after the crash: were
 * it needed, its seq would be missing).
 */
static void jread_classify(struct jread *r, const struct journal_replay *n, uint64_t last)
{
	unsigned end = n->offset + jset_sectors(r->block_sectors, n->j.keys);

	for (size_t i = 0; i < r->nbad; i++) {
		const struct jread_bad *b = &r->bad[i];
		const char *what;

		if (b->next && (b->prev || b->next >= last || (b->seq && b->next > b->seq))) {
			r->st->damaged++;
			what = b->next >= last ? "damage, not a torn write: newer entries still "
						 "needed follow it" :
						 "damage, not a torn write: a newer entry follows it "
						 "(replay needs neither)";
		} else if (!b->next && ((b->idx == n->bucket_idx && b->off == end) ||
					(b->idx == (n->bucket_idx + 1) % r->nr && !b->off))) {
			r->st->torn++;
			what = "the write after the newest entry, torn by a power cut (never "
			       "acknowledged)";
		} else {
			what = "outside the entries replay needs";
		}
		bch_log(r->c, "journal", "bucket %u sector %u (after seq %" PRIu64 "): %s; skipped: %s",
			b->idx, b->off, b->prev, b->why, what);
	}
}

/*
 * The one place jread_parse cannot know a damaged seq: the first entry of
 * a bucket (with one entry a bucket, every entry; else the newest write of
 * all, when it did not fit in its bucket), when no newer entry follows it
 * there (what follows may be an older lap's).  Buckets are filled in ring
 * order, so its seq can only follow the newest one of the bucket before
 * it: once that one is read, read the bucket again and put that back.
 */
static int jread_restore_firsts(struct jread *r)
{
	size_t bytes = (size_t)r->bucket_sectors << BLK_SECTOR_SHIFT;

	for (size_t i = 0; i < r->nbad && r->nr > 1;) {
		const struct jread_bad *b = &r->bad[i];
		unsigned idx = b->idx, before = (idx + r->nr - 1) % r->nr;
		uint64_t cand = r->max_seq[before] + 1;
		int err;

		if (b->off || !r->done[before] || !r->max_seq[before]) {
			i++;
			continue;
		}
		r->st->buckets_read++;
		if (blk_rw(r->c->cache->bdev, BLK_OP_READ, 0,
			   r->c->cache->sb.d[idx] * r->bucket_sectors, r->buf, bytes))
			return -EIO;
		if (!jread_restore(r, (struct jset *)r->buf, bytes, cand - 1, &cand, 1)) {
			i++;
			continue;
		}
		if ((err = jread_keep(r, (const struct jset *)r->buf, idx, 0)))
			return err;
		jread_log_restored(r, idx, 0, 0, b->why, cand);
		r->bad[i] = r->bad[--r->nbad];
		r->st->bad--;
		if (r->max_seq[idx] < cand)
			r->max_seq[idx] = cand;
	}
	return 0;
}

static int jread_search(struct jread *r, struct journal_replay **list)
{
	unsigned l, newest_idx;
	int ret = jread_find_any(r, &l);

	if (ret <= 0)
		return ret;			/* no journal at all, or -EIO */
	ret = jread_bisect(r, l, &newest_idx);
	if (ret)
		return ret;
	r->searching = false;

	const struct journal_replay *n = jread_newest(r);
	uint64_t s = n->j.seq, last = n->j.last_seq;
	uint64_t cap = (uint64_t)r->nr * (r->bucket_sectors / r->block_sectors);

	if (s - last >= cap) {
		bch_log(r->c, "journal", "entry %" PRIu64 " asks for entries from %" PRIu64
		     ": more than the ring holds", s, last);
		return -EINVAL;
	}
	r->keep_from = last;
	ret = jread_backwards(r, n->bucket_idx, last, s);
	if (!ret)
		ret = jread_restore_firsts(r);
	if (ret)
		return ret;
	/* A restored entry may be the newest (its last_seq is then at or
	 * after n's: every bucket it needs is read already). */
	n = jread_newest(r);
	if (n->j.seq != s) {
		s = n->j.seq;
		last = n->j.last_seq;
		if (s - last >= cap || last < r->keep_from) {
			bch_log(r->c, "journal", "restored entry %" PRIu64 " asks for entries from %"
				PRIu64 ": not what the entries before it asked", s, last);
			return -EINVAL;
		}
		r->keep_from = last;
	}
	r->st->newest_seq = s;
	r->st->last_seq = last;
	jread_classify(r, n, last);
	*list = jread_list(r, last);
	return 0;
}

int bch_journal_read(struct cache_set *c, struct journal_replay **list,
		     struct journal_read_stats *st)
{
	struct journal_read_stats local;
	struct cache *ca = c->cache;
	struct jread r = {
		.c = c,
		.st = st ? st : &local,
		.nr = ca->sb.njournal_buckets,
		.bucket_sectors = ca->bucket_sectors,
		.block_sectors = ca->block_sectors,
		.magic = bch_jset_magic(&ca->sb),
		.searching = true,
	};
	int err = journal_check_geometry(c);

	*list = NULL;
	memset(r.st, 0, sizeof(*r.st));
	if (err)
		return err;
	r.done = calloc(r.nr, sizeof(*r.done));
	r.max_seq = calloc(r.nr, sizeof(*r.max_seq));
	r.buf = journal_buf_alloc(ca->bdev, (size_t)r.bucket_sectors << BLK_SECTOR_SHIFT);
	err = r.done && r.max_seq && r.buf ? jread_search(&r, list) : -ENOMEM;
	for (size_t i = 0; i < r.ne; i++)
		free(r.e[i]);
	free(r.e);
	free(r.bad);
	free(r.done);
	free(r.max_seq);
	free(r.buf);
	if (err) {
		bch_journal_free_list(*list);
		*list = NULL;
	}
	return err;
}

void bch_journal_free_list(struct journal_replay *list)
{
	while (list) {
		struct journal_replay *next = list->next;

		free(list);
		list = next;
	}
}
