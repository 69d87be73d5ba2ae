/*
 * block.h - block devices on host files: asynchronous read, write, flush,
 * FUA and discard requests, and a fault-injection layer that fails chosen
 * requests and simulates power loss (for the crash tests of src/bcache).
 *
 * What it owns
 *  - A device (struct blk_dev) is one regular host file, a disk image,
 *    held exclusively against other processes (flock; a second process
 *    opening it gets -EBUSY), opened O_DIRECT when the host file system
 *    supports it (statx
 *    DIOALIGN, then a probe read) and buffered otherwise; blk_get_info()
 *    says which mode is in use and why.  Its size is counted in 512-byte
 *    sectors; it has a logical block size (4096 by default, a power of two
 *    in [512, 65536]).
 *  - An engine completes the requests: io_uring (liburing) with one
 *    completion-reaping thread, or a pool of threads doing preadv/pwritev2/
 *    fdatasync/fallocate.  AUTO takes io_uring when io_uring_queue_init()
 *    works and MMSIM_BLK_ENGINE is not "threads".
 *
 * Requests (struct blk_req, owned by the caller; the layer allocates
 * nothing per request)
 *  - READ / WRITE: `sector` and the data (buf+len, or iov+iovcnt) must be
 *    aligned to the logical block size; every buffer address and segment
 *    length to 512 bytes (what O_DIRECT needs; enforced in buffered mode
 *    too, so code tested there also runs direct).
 *  - BLK_FUA on a WRITE: the write is durable when it completes.
 *  - BLK_PREFLUSH on a WRITE, or a FLUSH request: every write that
 *    completed before submission is durable when this request completes
 *    (Linux's REQ_PREFLUSH; a write completing meanwhile is not covered).
 *    A PREFLUSH is skipped when every write completed so far is already
 *    durable (FUA, or covered by a completed flush): nothing to flush.
 *  - DISCARD: the range reads back as zeros afterwards (fallocate
 *    PUNCH_HOLE|KEEP_SIZE; where the host refuses, the layer writes zeros
 *    itself).  Like a write, it is durable only once flushed.
 *  - blk_submit() returns 0 when the request was accepted: then end_io runs
 *    exactly once, on an engine thread (blk_submit_inline(): on the
 *    caller's), with req->result = 0 or -errno.
 *    Otherwise it returns -errno and end_io never runs: -EINVAL for a
 *    malformed request, -ENXIO past the end of the device, -ENODEV after a
 *    simulated power loss.
 *  - No ordering between requests in flight together (as on a real disk):
 *    wait for a completion before issuing what must follow it.
 *
 * Fault injection (blk_fault_attach(), deterministic given its seed and the
 * order of requests)
 *  - Fail the Nth write, or any request a predicate picks, with -EIO: the
 *    request does nothing and completes with -EIO.
 *  - Power loss: the layer keeps, for every write (and discard) not yet
 *    durable, the previous content of its sectors, read just before the
 *    write is issued.  At power loss it undoes those writes newest first;
 *    each one independently survives whole, is dropped, or is torn (its
 *    first k sectors new, the rest old, 0 < k < its length), by the seeded
 *    random generator.  Sectors that a later durable write covers are never
 *    rolled back, and neither are the writes a PREFLUSH write's flush
 *    covered when any of that write's own sectors survive (the disk wrote
 *    them only after the flush: the power may cut a PREFLUSH write whose
 *    flush completed).  So each sector ends with its content as of the last
 *    durable write, or one of the non-durable writes after it, as a real
 *    disk with a volatile cache would leave it.  Then the device refuses
 *    all I/O (-ENODEV) until it is closed and reopened.
 *  - Requests that complete after power was cut report -EIO.
 *  - Writes to overlapping sectors must not be in flight together under the
 *    fault layer (their pre-images would be undefined; no real disk orders
 *    them either): the second is rejected with -EBUSY.
 *
 * Locking: blk_submit() may be called from any thread, including from an
 * end_io callback.  end_io runs on an engine thread and must not sleep on
 * I/O: blk_submit_wait() there returns -EDEADLK.  blk_close() and
 * blk_fault_power_loss() wait for every request in flight; neither may be
 * called from end_io.  The fault layer has one mutex, taken on its
 * submission and completion hooks only when attached.
 */
#ifndef MMSIM_BLOCK_H
#define MMSIM_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BLK_SECTOR_SHIFT 9
#define BLK_SECTOR_SIZE 512u
#define BLK_DEFAULT_LBS 4096u
/* Largest device: 2^48 bytes (256 TiB); more is refused with -EFBIG. */
#define BLK_MAX_BYTES (1ULL << 48)

struct blk_dev;
struct blk_req;
struct blk_frec;

enum blk_op {
	BLK_OP_READ,
	BLK_OP_WRITE,
	BLK_OP_FLUSH,
	BLK_OP_DISCARD,
};

/* req->flags */
#define BLK_FUA 1u		/* WRITE: durable at completion */
#define BLK_PREFLUSH 2u		/* WRITE: flush before writing */

typedef void (*blk_end_io_fn)(struct blk_req *req);

struct blk_req {
	/* Set by the caller. */
	enum blk_op op;
	unsigned flags;
	uint64_t sector;		/* first 512-byte sector */
	void *buf;			/* one buffer of len bytes, or ... */
	size_t len;			/* ... (DISCARD: just len) */
	const struct iovec *iov;	/* ... iovcnt segments (buf unused) */
	int iovcnt;
	blk_end_io_fn end_io;
	void *private;
	/* Set before end_io runs. */
	int result;			/* 0 or -errno */
	/* Private to the block layer. */
	struct blk_dev *dev;
	struct blk_req *next;		/* thread engine's queue */
	struct iovec one;		/* iov for buf+len */
	size_t bytes;			/* total length */
	int inject;			/* fault layer: complete with this */
	int phase;			/* PREFLUSH done: now the write */
	uint64_t flush_snap;		/* fault layer: completions covered */
	struct blk_frec *frec;		/* fault layer: pre-image record */
	uint64_t flush_cover;		/* a flush runs: volatile_done+1 then */
};

enum blk_engine {
	BLK_ENGINE_AUTO,		/* io_uring, else threads */
	BLK_ENGINE_URING,		/* io_uring or fail (-ENOSYS...) */
	BLK_ENGINE_THREADS,
};

/* blk_open_opts.flags */
#define BLK_OPEN_CREATE 1u	/* create / extend the image to nr_sectors */
#define BLK_OPEN_BUFFERED 2u	/* never O_DIRECT */

struct blk_open_opts {
	uint64_t nr_sectors;	/* 0: the file's size */
	unsigned lbs;		/* logical block size; 0: 4096 */
	unsigned flags;
	enum blk_engine engine;
	unsigned queue_depth;	/* io_uring entries; 0: 128 */
	unsigned nthreads;	/* thread engine workers; 0: 4 */
};

struct blk_info {
	uint64_t nr_sectors;
	unsigned lbs;
	bool direct;			/* O_DIRECT in use */
	const char *direct_note;	/* why not, when !direct */
	enum blk_engine engine;		/* URING or THREADS */
};

void blk_open_opts_default(struct blk_open_opts *o);

/*
 * Opens (with BLK_OPEN_CREATE: creates or extends) the image at path.
 * nr_sectors 0 takes the file's size; a file larger than nr_sectors is
 * used up to nr_sectors.  The image is locked (flock) against other
 * processes until the last device of this process on it closes; the same
 * process may open it again.  Errors: the open/stat/ftruncate -errno,
 * -EBUSY (another process has the image open), -EINVAL (not a regular
 * file, empty, size or lbs not valid), -EFBIG (size above BLK_MAX_BYTES),
 * -ENOSYS (io_uring asked for and unavailable).
 */
int blk_open(const char *path, const struct blk_open_opts *opts, struct blk_dev **out);
/* Waits for requests in flight, completes a pending power loss, closes. */
void blk_close(struct blk_dev *dev);
void blk_get_info(const struct blk_dev *dev, struct blk_info *info);
const char *blk_engine_name(enum blk_engine e);

int blk_submit(struct blk_dev *dev, struct blk_req *req);
/*
 * As blk_submit(), but the request runs on the calling thread with plain
 * syscalls, and end_io runs there before this returns.  For a submitter
 * that would only wait for the request (a journal write its writer waits
 * for): no engine thread is woken, twice.  Called from end_io it is
 * blk_submit() (an engine thread must not block on I/O).
 */
int blk_submit_inline(struct blk_dev *dev, struct blk_req *req);
/* Submits and waits: req->result (or the -errno blk_submit refused with).
 * Uses req->end_io and req->private itself. */
int blk_submit_wait(struct blk_dev *dev, struct blk_req *req);
/*
 * A zeroed buffer of len bytes aligned to 4096, which suits O_DIRECT on
 * any device this layer opens (logical blocks of 512 or 4096 bytes); NULL
 * when out of memory.  Free it with free().
 */
void *blk_buf_alloc(size_t len);
/* One synchronous request on one buffer (len 0 for FLUSH). */
int blk_rw(struct blk_dev *dev, enum blk_op op, unsigned flags, uint64_t sector,
	   void *buf, size_t len);
/* Waits until no request is in flight (not from end_io). */
void blk_drain(struct blk_dev *dev);
/* PREFLUSHes skipped because no completed write was volatile. */
uint64_t blk_preflush_elided(const struct blk_dev *dev);

/* ---- fault injection -------------------------------------------------------- */

/* Return true to fail the request with -EIO; nr counts requests from 1
 * since the layer was attached.  Called (under the layer's lock: no I/O
 * here) for every request not already failed by fail_nth_write. */
typedef bool (*blk_fail_fn)(void *arg, const struct blk_req *req, uint64_t nr);

struct blk_fault_opts {
	uint64_t seed;
	uint64_t fail_nth_write;	/* fail the Nth write (from 1); 0 none */
	blk_fail_fn fail;		/* or NULL */
	void *fail_arg;
	uint64_t power_cut_at;		/* power lost when request nr N is
					 * submitted (it is refused); 0 never */
	unsigned survive_pct;		/* % of non-durable writes kept */
	unsigned tear_pct;		/* % of the others torn, not dropped */
};

struct blk_fault_report {
	uint64_t kept, dropped, torn;	/* non-durable writes at power loss */
	uint64_t sectors_restored;
};

/* Attaches the fault layer to dev (no request in flight: else -EBUSY). */
int blk_fault_attach(struct blk_dev *dev, const struct blk_fault_opts *o);
/*
 * Cuts the power now (if not already cut by power_cut_at), waits for the
 * requests in flight, rolls the image back as described above and leaves
 * the device refusing I/O.  Fills rep if non-NULL.  0, -EINVAL (no fault
 * layer), or the -errno of restoring the image (then it is not trusted).
 */
int blk_fault_power_loss(struct blk_dev *dev, struct blk_fault_report *rep);
bool blk_fault_power_is_off(struct blk_dev *dev);
/*
 * Changes what the next power loss does to the writes not yet durable: its
 * random generator's seed and the survive/tear shares (as in
 * blk_fault_opts); with cut_after > 0 the power also goes when the
 * cut_after-th request from now is submitted.  The records kept so far
 * stay, so a layer attached long before can lose power in a way chosen
 * late.  0, or -EINVAL (no fault layer, or a share above 100).
 */
int blk_fault_set_loss(struct blk_dev *dev, uint64_t seed, unsigned survive_pct,
		       unsigned tear_pct, uint64_t cut_after);
/* Writes not yet durable (for tests). */
uint64_t blk_fault_nondurable(struct blk_dev *dev);

#endif
