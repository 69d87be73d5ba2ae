/*
 * bcache.h - a bcache cache set: one cache device (the SSD role) in front
 * of backing devices (the HDD role), each a host file reached through
 * src/block.  The on-disk format is bcache's (ondisk.h).
 *
 * Modules (one file each; each owns its state and touches others' only
 * through the functions declared here):
 *   super.c     superblocks: format, read, validate, write; the cache set's
 *               life (register = read journal, open btree, replay; stop);
 *               the uuid bucket.
 *   alloc.c     buckets: generations, priorities, the free list, the
 *               allocator of btree/data/journal-reserve buckets, prio_set
 *               writes and reads, garbage collection (marks live buckets).
 *   btree.c     the btree: nodes of sorted bsets, written whole or appended
 *               to their bucket, read and checked, split, replaced, and the
 *               journal pins of dirty nodes.
 *   extents.c   extent keys: validity, overlap trimming, staleness.
 *   journal.c   the journal: jset entries, two write buffers, pins, reclaim,
 *               reading on start (probe, bisect, read backwards), replay.
 *   request.c   I/O to a cached device: read (hit/miss), writethrough and
 *               writeback writes, flush.
 *   writeback.c the writeback thread: dirty extents to the backing device.
 *   fsck.c      consistency checks (btree order, keys, gens, journal).
 *
 * The set has exactly one cache device (nr_in_set = 1, as every bcache set
 * in practice) and up to BCH_MAX_BDEVS backing devices; a backing device's
 * keys carry its index in the uuid bucket as KEY_INODE.
 *
 * Durability rules (what makes a crash at any request boundary safe)
 *  - Data before keys: a key is journalled only after the data it points
 *    at has completed; every journal write is PREFLUSH|FUA and every btree
 *    node write PREFLUSH, so the key is durable only with its data, by
 *    whichever path it reaches the disk first.
 *  - Pins: a key's journal entry stays pinned until every btree node that
 *    received the key has been written (the write completed).  last_seq
 *    advances only over unpinned entries, and a journal bucket is reused
 *    or discarded only after an entry carrying the new last_seq is durable.
 *  - Generations: a bucket is reused only after its incremented generation
 *    is durable in a prio_set that the journal points at; a pointer whose
 *    gen differs from its bucket's is stale and ignored.
 *  - A btree node is replaced (compaction, split, new root) by writing the
 *    new nodes, then the parent (or, for the root, a journal entry carrying
 *    btree_root, waited for); the old bucket is freed after that.
 *
 * Lock order (outermost first):
 *   c->btree_lock (rw)  >  c->alloc_lock  >  journal lock  >  c->meta_lock
 * Block-layer completions (end_io) take only the journal lock or the
 * allocator's, never btree_lock, and never wait for I/O.
 */
#ifndef MMSIM_BCACHE_H
#define MMSIM_BCACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ondisk.h"
#include "block.h"
#include "trace.h"

#define BCH_MAX_BDEVS 16u

struct cache_set;
struct journal;
struct btree_state;
struct alloc_state;
struct writeback_state;

/* What a bucket holds (in memory only; GC recomputes it). */
enum bucket_mark {
	BUCKET_FREE = 0,
	BUCKET_SB,		/* below first_bucket */
	BUCKET_JOURNAL,		/* one of sb.d[] */
	BUCKET_PRIO,
	BUCKET_UUID,
	BUCKET_BTREE,
	BUCKET_DATA,
};

struct bucket {
	uint16_t prio;
	uint8_t gen;		/* in memory; may be ahead of disk_gen */
	uint8_t disk_gen;	/* as of the last durable prio_set */
	uint8_t mark;		/* enum bucket_mark */
	uint8_t open;		/* being filled (data), not to be freed */
	uint32_t sectors_used;	/* live sectors, as GC counted them */
};

/* The cache device. */
struct cache {
	struct cache_set *set;
	struct blk_dev *bdev;
	struct cache_sb sb;
	uint64_t nbuckets;
	unsigned bucket_sectors;
	unsigned block_sectors;
	struct bucket *buckets;		/* nbuckets entries (alloc.c) */
};

/* A backing device attached to the set. */
struct cached_dev {
	struct cache_set *set;
	struct blk_dev *bdev;
	struct cache_sb sb;
	unsigned inode;			/* index in the uuid bucket = KEY_INODE */
	uint64_t data_offset;		/* sectors */
	uint64_t sectors;		/* usable size after data_offset */
	enum bch_cache_mode mode;
	/* Serialises writes to the backing device between the write path
	 * (writethrough/writearound) and the writeback thread. */
	pthread_mutex_t io_lock;
	/* Writeback-mode writes sent around a full cache (each FUA). */
	uint64_t written_around;
};

struct cache_set {
	uint8_t set_uuid[16];
	uint64_t set_magic;
	struct cache *cache;
	struct cached_dev *bdev[BCH_MAX_BDEVS];

	/*
	 * What every jset records besides keys: the btree root, the uuid
	 * bucket and the first prio bucket.  Written under meta_lock by
	 * btree.c (root), super.c (uuid) and alloc.c (prio); copied by the
	 * journal into each entry it opens.  A change is durable once a
	 * journal entry opened after it is (bch_journal_meta()).
	 */
	pthread_mutex_t meta_lock;
	struct bkey_padded root_key;
	unsigned root_level;
	struct bkey_padded uuid_key;
	uint64_t prio_bucket;

	pthread_rwlock_t btree_lock;
	pthread_mutex_t alloc_lock;

	struct journal *journal;
	struct btree_state *btree;
	struct alloc_state *alloc;
	struct writeback_state *wb;

	/*
	 * The journal's calls into the btree, so the journal can be tested
	 * alone: set to bch_btree_flush_pins / bch_btree_replay_key by
	 * bch_cache_set_open().
	 */
	int (*flush_pins)(struct cache_set *c, uint64_t seq);
	int (*replay_key)(struct cache_set *c, const struct bkey *k, uint64_t seq);

	/* While registering: the journal entries not yet replayed, whose keys
	 * GC must count as live (their buckets are not free). */
	struct journal_replay *replay_pending;
	unsigned journal_delay_ms;	/* 0: JOURNAL_DELAY_MS_DEFAULT */

	/* fsck reads: a damaged btree set is counted (bch_btree_get_stats) and
	 * the sets before it kept, instead of failing the read. */
	bool read_salvage;
	/* Why bch_btree_open failed, when it knows more than an errno. */
	char read_why[256];

	/* First I/O error on the cache: every later operation fails with it. */
	int error;
	FILE *log;			/* notices (recovery gaps, ...); NULL: none */
};

/* c->error is read and set from any thread, end_io included. */
static inline int bch_error(struct cache_set *c)
{
	return __atomic_load_n(&c->error, __ATOMIC_ACQUIRE);
}

/* Records the first error; later ones do not replace it. */
static inline void bch_set_error(struct cache_set *c, int err)
{
	int zero = 0;

	if (err)
		__atomic_compare_exchange_n(&c->error, &zero, err, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Writes a reason into why (if any room) and returns err: the error paths
 * of every function taking (why, whylen), here and in src/fs. */
int why_fail(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A notice on c->log (when set): "bcache: WHO: message". */
void bch_log(struct cache_set *c, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- super.c ---------------------------------------------------------------- */

struct bch_format_opts {
	unsigned block_sectors;		/* default 8 (4 KiB) */
	unsigned bucket_sectors;	/* default 1024 (512 KiB) */
	unsigned njournal_buckets;	/* default: nbuckets/64 in [8, 256] */
	bool discard;
	const char *label;
	uint64_t seed;			/* uuids (0: from getrandom) */
};
void bch_format_opts_default(struct bch_format_opts *o);

/* Reads and validates the superblock of an open device: 0, or -EINVAL with
 * a reason in why (at least 128 bytes), -EIO on a read error. */
int bch_sb_read(struct blk_dev *dev, struct cache_sb *sb, char *why, size_t whylen);
/* Validation alone, on a superblock image (the fuzz target's entry). */
int bch_sb_validate(const struct cache_sb *sb, uint64_t dev_sectors, char *why, size_t whylen);
int bch_sb_write(struct blk_dev *dev, struct cache_sb *sb);

/* ---- journal.c -------------------------------------------------------------- */

#define JOURNAL_DELAY_MS_DEFAULT 100u

/* bch_journal_add flags */
#define JOURNAL_FLUSH 1u		/* wait until the entry is durable */
#define JOURNAL_RESERVE 2u		/* may use the reserved bucket (meta) */
#define JOURNAL_WRITE 4u		/* ask for the write, wait later with
					 * bch_journal_wait (needs pin_seq) */

struct journal_read_stats {
	uint64_t buckets_read;		/* in all */
	uint64_t buckets_read_search;	/* to find the newest */
	uint64_t entries;		/* kept (seq >= last_seq) */
	uint64_t newest_seq, last_seq;
	uint64_t missing;		/* sequence numbers not found */
	uint64_t bad;			/* entries failing checks, skipped: */
	uint64_t torn;			/*  the write after the newest entry */
	uint64_t damaged;		/*  followed by a newer entry: damage */
	uint64_t restored;		/* kept: whole, with a damaged magic, seq or version */
	uint64_t keys_replayed;		/* bch_cache_set_open: keys replayed */
};

/* One entry read back from disk, kept for replay. */
struct journal_replay {
	struct journal_replay *next;	/* oldest first */
	unsigned bucket_idx;		/* index in sb.d[] it was read from */
	unsigned offset;		/* its first sector within that bucket */
	struct jset j;			/* followed by its keys */
};

int bch_journal_init(struct cache_set *c);
void bch_journal_exit(struct cache_set *c);
/* Reads the journal of c->cache into *list (oldest first). */
int bch_journal_read(struct cache_set *c, struct journal_replay **list,
		     struct journal_read_stats *st);
void bch_journal_free_list(struct journal_replay *list);
/* Takes the newest entry's root/uuid/prio into c, and the ring position;
 * pins every read entry once (replay drops those pins). */
int bch_journal_start(struct cache_set *c, struct journal_replay *list);
/* Calls c->replay_key for every key of every entry in order. */
int bch_journal_replay(struct cache_set *c, struct journal_replay *list);
/* A fresh journal, at format time: first entry seq 1. */
int bch_journal_start_empty(struct cache_set *c);
/* Format: zeros over the ring (allocating a host file's blocks), then
 * bch_journal_start_empty(). */
int bch_journal_format(struct cache_set *c);

/*
 * Adds u64s words of keys to the open entry and takes a pin on it for the
 * caller, returned in *pin_seq (drop it after inserting the keys into the
 * btree).  With JOURNAL_FLUSH, returns once the entry is durable.  Waits
 * (writing btree nodes through c->flush_pins) while the journal is full.
 * -E2BIG if the keys would not fit even in an empty entry.  On an error
 * no pin is held and *pin_seq is 0; a NULL pin_seq takes no pin.
 */
int bch_journal_add(struct cache_set *c, const uint64_t *keys, unsigned u64s,
		    unsigned flags, uint64_t *pin_seq);
/*
 * Waits until entry seq, added with JOURNAL_WRITE, is durable.  Inserting
 * the keys into the btree between the add and the wait overlaps that work
 * with the journal write, as bcache's write path does; the pin is dropped
 * after both.  0 or the journal's error.
 */
int bch_journal_wait(struct cache_set *c, uint64_t seq);
/* Writes an entry carrying the current root/uuid/prio, and waits. */
int bch_journal_meta(struct cache_set *c);
/*
 * Asks for the open entry (it will carry the current root/uuid/prio) to be
 * written, and returns: for a new btree root, which the journal thread's
 * flush_pins may make and must not wait for (only it could make the room).
 */
int bch_journal_meta_nowait(struct cache_set *c);
/* Writes the open entry if it has keys, and waits for it to be durable. */
int bch_journal_flush(struct cache_set *c);
void bch_journal_pin_add(struct cache_set *c, uint64_t seq);
void bch_journal_pin_drop(struct cache_set *c, uint64_t seq);
/* Largest key list one entry can carry, in u64 words. */
unsigned bch_journal_max_u64s(struct cache_set *c);

/*
 * The journal's pins: a ring of counts for the seqs [first, end), first
 * being last_seq (the oldest entry anything still holds) and end - 1 the
 * open entry, which pins itself until its write completes.  Invariants:
 * first <= open < end, end - first <= cap, and the count at first is
 * non-zero unless first is the open entry (last_seq moves past every
 * entry nobody holds).  bch_journal_pins_check() counts the violations in
 * p (each printed to stderr); the debug build runs it at every pin change
 * and stops on one.
 */
struct journal_pins {
	uint32_t *count;
	size_t cap, head;		/* count[head] is seq first's */
	uint64_t first, end;
};
unsigned bch_journal_pins_check(const struct journal_pins *p, uint64_t open_seq);

/* Counters since bch_journal_init (for benchmarks and tests). */
struct journal_stats {
	uint64_t writes;		/* jsets written */
	uint64_t keys_u64s;		/* key words journalled */
	uint64_t flush_waits;		/* bch_journal_add calls that waited */
	uint64_t full_waits;		/* times writers waited for space */
	uint64_t discards;		/* journal buckets discarded */
	uint64_t flush_pins_calls;	/* c->flush_pins calls (ring full) */
	uint64_t flush_pins_seq;	/* the seq the last call was given */
	/* State now: */
	uint64_t seq;			/* the open entry */
	uint64_t last_seq;		/* the oldest entry still pinned */
	uint64_t written_seq;		/* the newest entry durable */
	uint64_t durable_last_seq;	/* the last_seq that entry records */
	unsigned cur_idx, last_idx;	/* ring: bucket written, oldest needed */
	unsigned free_buckets;		/* ready to be written */
};
void bch_journal_get_stats(struct cache_set *c, struct journal_stats *st);

/*
 * Debug-build checks (MMSIM_DEBUG_VM, as src/mm/mmdebug.h for mm):
 * BCH_BUG_ON(cond) reports the broken invariant and aborts; without the
 * option the condition is only parsed.  It must have no side effects.
 */
void bch_bug(const char *file, int line, const char *cond) __attribute__((noreturn, cold));
#ifdef MMSIM_DEBUG_VM
#define BCH_DEBUG_ENABLED 1
#define BCH_BUG_ON(cond)                                                         \
	do {                                                                     \
		if (__builtin_expect(!!(cond), 0))                               \
			bch_bug(__FILE__, __LINE__, #cond);                      \
	} while (0)
#else
#define BCH_DEBUG_ENABLED 0
#define BCH_BUG_ON(cond)                                                         \
	do {                                                                     \
		if (0 && (cond)) {                                               \
		}                                                                \
	} while (0)
#endif

/* ---- alloc.c ---------------------------------------------------------------- */

enum alloc_reserve {
	RESERVE_BTREE,		/* btree nodes, prio and uuid buckets */
	RESERVE_NONE,		/* data */
};

int bch_alloc_init(struct cache_set *c);
void bch_alloc_exit(struct cache_set *c);
/* Reads the prio_set chain starting at bucket (gens and prios). */
int bch_prio_read(struct cache_set *c, uint64_t bucket);
/* Writes every gen and prio to new prio buckets; sets c->prio_bucket; the
 * caller makes it durable with bch_journal_meta(). */
int bch_prio_write(struct cache_set *c);
/* A whole bucket for btree/prio/uuid use, marked `mark`; its gen is the
 * pointer gen to use.  -ENOSPC when none is free even after GC. */
int64_t bch_bucket_alloc(struct cache_set *c, enum alloc_reserve r, enum bucket_mark mark);
void bch_bucket_free(struct cache_set *c, uint64_t bucket);
/*
 * Space for a data extent of up to `sectors` (block-aligned): sets *ptr to
 * a pointer (dev 0, offset, gen) and returns the sectors granted (>= one
 * block, <= sectors), or -errno.  The bucket is held (GC and eviction leave
 * it alone) until bch_btree_insert() inserts a key with that pointer.
 */
int bch_alloc_sectors(struct cache_set *c, unsigned sectors, uint64_t *ptr);
/* The data write for k's pointers (from bch_alloc_sectors) failed or its
 * key will never be inserted: the holds go, and GC reclaims the space. */
void bch_alloc_sectors_put(struct cache_set *c, const struct bkey *k);
/* Recomputes marks and live sectors from the btree, and refills the free
 * list with buckets nobody references (their gens incremented; the first
 * GC after bch_prio_read frees them as they are: nothing was written since,
 * so nothing on disk points at them).  Counts c->replay_pending as live. */
int bch_gc(struct cache_set *c);
/* A pointer is stale when its gen is not its bucket's. */
bool bch_ptr_stale(struct cache_set *c, const struct bkey *k, unsigned i);

/* ---- btree.c ---------------------------------------------------------------- */

/* Creates an empty root leaf (at format time) and sets c->root_key. */
int bch_btree_create(struct cache_set *c);
/* Reads the tree from c->root_key (after bch_journal_start). */
int bch_btree_open(struct cache_set *c);
void bch_btree_close(struct cache_set *c);
/* Inserts extent keys (u64s words) in order; pin_seq: the journal entry
 * they came from (0: none). */
int bch_btree_insert(struct cache_set *c, const uint64_t *keys, unsigned u64s,
		     uint64_t pin_seq);
int bch_btree_replay_key(struct cache_set *c, const struct bkey *k, uint64_t seq);
/* Inserts k only if the extent range it covers is still exactly `expect`
 * (same pointers): writeback marking a key clean.  1 done, 0 raced. */
int bch_btree_insert_replace(struct cache_set *c, const struct bkey *k,
			     const struct bkey *expect);
/* Calls fn for every extent of inode overlapping [start, end), in order
 * (trimmed copies; stale pointers already skipped).  fn returns non-zero
 * to stop (that value is returned). */
typedef int (*bch_extent_fn)(void *arg, const struct bkey *k);
int bch_btree_map_extents(struct cache_set *c, unsigned inode, uint64_t start,
			  uint64_t end, bch_extent_fn fn, void *arg);
/* Every leaf key (all inodes), in order; for GC, writeback and fsck. */
int bch_btree_map_keys(struct cache_set *c, bch_extent_fn fn, void *arg);
/* Writes every dirty node pinning an entry <= seq, and waits. */
int bch_btree_flush_pins(struct cache_set *c, uint64_t seq);
int bch_btree_flush_all(struct cache_set *c);
/*
 * Checks the whole tree against what btree.c promises: in every node the
 * keys are in order (a leaf's extents sorted and not overlapping, an
 * interior node's positions strictly increasing, the last its own), and
 * every node's journal pin is one the journal still counts (seq in
 * [last_seq, open]): a node pinning an entry older than last_seq could
 * see the journal bucket holding its unwritten keys reused.  Takes
 * btree_lock for reading.  Returns the violations, each printed to
 * stderr.  bch_btree_close runs it in the debug build and stops on one.
 */
unsigned bch_btree_check(struct cache_set *c);

/* ---- cache set life (super.c) ------------------------------------------------- */

/*
 * Formats an open cache device and (optionally) an open backing device:
 * superblocks, an empty journal, prio buckets, the uuid bucket, an empty
 * root; everything flushed.  why gets a reason on failure.
 */
int bch_format(struct blk_dev *cache, struct blk_dev *backing,
	       const struct bch_format_opts *o, char *why, size_t whylen);

struct bch_open_opts {
	unsigned journal_delay_ms;	/* 0: JOURNAL_DELAY_MS_DEFAULT */
	bool no_writeback_thread;	/* tests drive writeback themselves */
	FILE *log;			/* recovery notices; NULL: none */
};
void bch_open_opts_default(struct bch_open_opts *o);

/*
 * Registers a cache set from an open cache device and its backing devices
 * (the caller keeps owning the blk_devs and closes them after
 * bch_cache_set_stop): reads the superblocks, the journal, the prios, the
 * btree, replays the journal, starts the journal and writeback.  st (may
 * be NULL) gets what the journal read found.
 */
int bch_cache_set_open(struct blk_dev *cache, struct blk_dev *const *backing,
		       unsigned nbacking, const struct bch_open_opts *o,
		       struct cache_set **out, struct journal_read_stats *st,
		       char *why, size_t whylen);
/* Clean stop: writeback paused, btree and journal flushed, all freed.
 * After a simulated power loss it frees without writing.  Returns the
 * first error seen. */
int bch_cache_set_stop(struct cache_set *c);

/*
 * For the tools: reads and validates the cache superblock and builds a set
 * that has done no I/O beyond that (allocator and journal initialised, not
 * started).  bch_cache_set_peek_free() releases it without writing.
 */
int bch_cache_set_peek(struct blk_dev *cache, struct cache_set **out,
		       char *why, size_t whylen);
void bch_cache_set_peek_free(struct cache_set *c);

/* ---- fsck.c --------------------------------------------------------------------- */

/*
 * Checks a cache device without writing to it: superblock, journal chain
 * (checksums, gaps, last_seq), prios, every btree node (checksums, key
 * validity, ordering inside and across nodes, pointer generations), and
 * the keys of the journal entries still to replay.  Prints each problem
 * and a summary to out.  Returns the number of problems, or -errno when
 * the device cannot be read at all.
 */
long bch_fsck(struct blk_dev *cache, FILE *out);

/* ---- request.c ---------------------------------------------------------------- */

#define BCH_WRITE_FUA 1u		/* durable (journal flushed) on return */

int bch_cached_write(struct cached_dev *dc, uint64_t sector, const void *buf,
		     size_t len, unsigned flags);
int bch_cached_read(struct cached_dev *dc, uint64_t sector, void *buf, size_t len);
/*
 * Journals u64s words of keys and inserts them into the btree, holding a
 * pin between the two.  With fua, returns once their journal entry is
 * durable: the insert overlaps the journal write (JOURNAL_WRITE).  The
 * data the keys point at must have completed.
 */
int bch_insert_keys(struct cache_set *c, const uint64_t *keys, unsigned u64s, bool fua);
/* Everything acknowledged before is durable on return (fsync). */
int bch_cached_flush(struct cached_dev *dc);

/* ---- writeback.c -------------------------------------------------------------- */

int bch_writeback_start(struct cache_set *c);
void bch_writeback_stop(struct cache_set *c);
/* One synchronous pass: every dirty extent copied, flushed, marked clean.
 * Returns the number of extents written back, or -errno. */
long bch_writeback_pass(struct cache_set *c);

#endif
