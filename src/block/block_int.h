/*
 * block_int.h - what block.c, the two engines and the fault layer share.
 *
 * Request life: blk_submit() validates, lets the fault layer see it
 * (fault_submit), counts it in flight and hands it to the engine; the engine
 * runs it and calls blk_complete() with the syscall's result, which lets the
 * fault layer see it again (fault_complete), sets req->result, runs end_io
 * and then (never touching req again) drops the in-flight count.
 * blk_submit_inline() does the same but runs it itself (blk_run_sync).
 *
 * An engine runs a request in up to two phases: a PREFLUSH write first
 * flushes (phase 0), then writes (phase 1).  req->inject != 0 means: do no
 * I/O, complete with that result.
 */
#ifndef MMSIM_BLOCK_INT_H
#define MMSIM_BLOCK_INT_H

#include <pthread.h>

#include "block.h"

struct blk_fault;
struct blk_lock;

struct blk_engine_ops {
	int (*start)(struct blk_dev *dev, const struct blk_open_opts *o);
	void (*submit)(struct blk_dev *dev, struct blk_req *req);
	void (*stop)(struct blk_dev *dev);	/* nothing in flight */
};

struct blk_dev {
	int fd;
	char *path;
	struct blk_lock *lock;		/* the image's lock (block.c) */
	uint64_t nr_sectors;
	unsigned lbs;
	bool direct;
	const char *direct_note;
	enum blk_engine engine;
	const struct blk_engine_ops *ops;
	void *eng;			/* the engine's state */
	bool no_punch;			/* host refused PUNCH_HOLE: write zeros */

	/* In flight: accepted by blk_submit(), end_io not yet returned. */
	long inflight;			/* atomic */
	int draining;			/* atomic: someone waits in blk_drain */
	pthread_mutex_t drain_lock;
	pthread_cond_t drain_cond;

	struct blk_fault *fault;	/* NULL unless attached */

	/*
	 * Flush elision: volatile_done counts successful non-FUA writes and
	 * discards (completions that left data in a volatile cache);
	 * flushed_through is the largest such count a completed flush
	 * covered.  When they are equal, a PREFLUSH has nothing to flush and
	 * is skipped (journal writes that follow only FUA writes pay one
	 * host sync, not two).  Both atomic.
	 */
	uint64_t volatile_done;
	uint64_t flushed_through;
	uint64_t preflush_elided;	/* atomic, for tests */
};

/* Set on engine threads while they run completions. */
extern __thread bool blk_in_completion;

void blk_complete(struct blk_req *req, int res);
/* Runs every phase of req with plain syscalls on this thread, then
 * blk_complete(): the thread engine's workers and blk_submit_inline(). */
void blk_run_sync(struct blk_dev *dev, struct blk_req *req);

/* Synchronous pieces both engines use (results 0 or -errno). */
int blk_do_rw(struct blk_dev *dev, struct blk_req *req, size_t done);
int blk_do_discard(struct blk_dev *dev, uint64_t off, uint64_t len);
int blk_do_discard_zeroes(struct blk_dev *dev, uint64_t off, uint64_t len);
/* pread/pwrite of exactly len bytes, retrying short transfers and EINTR:
 * 0, -errno, or -EIO when the file ends first. */
int blk_pio_full(int fd, void *buf, size_t len, off_t off, bool write);

extern const struct blk_engine_ops blk_uring_ops;
extern const struct blk_engine_ops blk_threads_ops;

/* Fault layer hooks (fault.c); no-ops unless dev->fault. */
int blk_fault_submit(struct blk_dev *dev, struct blk_req *req);
int blk_fault_complete(struct blk_dev *dev, struct blk_req *req, int res);
void blk_fault_close(struct blk_dev *dev);

#endif
