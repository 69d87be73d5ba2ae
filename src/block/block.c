/*
 * block.c - opening images, validating and submitting requests, completion,
 * and the synchronous I/O both engines share.  See block.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block_int.h"

/* One read or write is at most 1 GiB: io_uring reports bytes in an int. */
#define BLK_MAX_REQ_BYTES (1ULL << 30)
/* Zeros written per call where the host cannot punch holes. */
#define ZERO_CHUNK (64u * 1024)

__thread bool blk_in_completion;

static const char *const engine_names[] = {
	[BLK_ENGINE_AUTO] = "auto",
	[BLK_ENGINE_URING] = "io_uring",
	[BLK_ENGINE_THREADS] = "threads",
};

const char *blk_engine_name(enum blk_engine e)
{
	return (unsigned)e <= BLK_ENGINE_THREADS ? engine_names[e] : "?";
}

void blk_open_opts_default(struct blk_open_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lbs = BLK_DEFAULT_LBS;
	o->engine = BLK_ENGINE_AUTO;
}

/* ---- image locks ---------------------------------------------------------------- */

/*
 * A device holds its image exclusively against other processes, as bcache
 * opens its block devices exclusively: two simulators on one image would
 * each replay and append to one journal and lose each other's writes.
 * flock() on the image, taken before anything reads or extends it; a
 * second process gets -EBUSY.  Within one process an image may be open
 * more than once (fsck through a handle of its own while the set runs, a
 * test reopening an image): the lock is the process's, taken by its first
 * device on the image (st_dev, st_ino) and held on a descriptor of its
 * own until the last one closes.  flock, not fcntl: a POSIX lock would go
 * with the first close() of any descriptor of the file (try_direct()
 * closes one, the fault layer opens and closes its own).
 */
struct blk_lock {
	struct blk_lock *next;
	dev_t dev;
	ino_t ino;
	int fd;				/* holds the flock */
	unsigned users;
};

static pthread_mutex_t locks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct blk_lock *locks;

static int image_lock(struct blk_dev *dev)
{
	struct blk_lock *l;
	struct stat st;
	int err = 0;

	if (fstat(dev->fd, &st))
		return -errno;
	pthread_mutex_lock(&locks_lock);
	for (l = locks; l; l = l->next)
		if (l->dev == st.st_dev && l->ino == st.st_ino)
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			err = -ENOMEM;
			goto out;
		}
		l->dev = st.st_dev;
		l->ino = st.st_ino;
		/* A descriptor of the same open file: the lock outlives dev->fd. */
		l->fd = fcntl(dev->fd, F_DUPFD_CLOEXEC, 0);
		if (l->fd < 0 || flock(l->fd, LOCK_EX | LOCK_NB)) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			if (l->fd >= 0)
				close(l->fd);
			free(l);
			goto out;
		}
		l->next = locks;
		locks = l;
	}
	l->users++;
	dev->lock = l;
out:
	pthread_mutex_unlock(&locks_lock);
	return err;
}

static void image_unlock(struct blk_dev *dev)
{
	struct blk_lock **pp, *l = dev->lock;

	if (!l)
		return;
	dev->lock = NULL;
	pthread_mutex_lock(&locks_lock);
	if (--l->users) {
		l = NULL;
	} else {
		for (pp = &locks; *pp != l; pp = &(*pp)->next)
			;
		*pp = l->next;
	}
	pthread_mutex_unlock(&locks_lock);
	if (l) {
		close(l->fd);		/* releases the flock */
		free(l);
	}
}

/* ---- opening ------------------------------------------------------------------ */

static bool lbs_valid(unsigned lbs)
{
	return lbs >= BLK_SECTOR_SIZE && lbs <= 65536 && !(lbs & (lbs - 1));
}

/* The device size in bytes from the options and the file, or -errno. */
static int64_t pick_size(int fd, const struct blk_open_opts *o, unsigned lbs)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;			/* images are regular files */
	uint64_t want = o->nr_sectors << BLK_SECTOR_SHIFT;
	if (!o->nr_sectors)
		want = (uint64_t)st.st_size;	/* the image's own size */
	if (!want || want % lbs)
		return -EINVAL;
	if (want > BLK_MAX_BYTES)
		return -EFBIG;
	if ((uint64_t)st.st_size < want) {
		if (!(o->flags & BLK_OPEN_CREATE))
			return -EINVAL;		/* image smaller than asked */
		if (ftruncate(fd, (off_t)want))
			return -errno;
	}
	return (int64_t)want;
}

/*
 * Reopens dev->fd with O_DIRECT when the file system takes direct I/O at
 * 512-byte alignment (what requests guarantee); otherwise keeps the buffered
 * descriptor and says why in dev->direct_note.
 */
static void try_direct(struct blk_dev *dev)
{
	struct statx stx;
	if (!statx(dev->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) &&
	    (stx.stx_mask & STATX_DIOALIGN)) {
		if (!stx.stx_dio_offset_align) {
			dev->direct_note = "file system has no direct I/O";
			return;
		}
		if (stx.stx_dio_offset_align > BLK_SECTOR_SIZE ||
		    stx.stx_dio_mem_align > BLK_SECTOR_SIZE) {
			dev->direct_note = "direct I/O needs more than 512-byte alignment";
			return;
		}
	}
	int fd = open(dev->path, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (fd < 0) {
		dev->direct_note = "open(O_DIRECT) refused";
		return;
	}
	/* Some file systems accept the flag and refuse the I/O: probe. */
	void *buf;
	if (posix_memalign(&buf, dev->lbs, dev->lbs)) {
		close(fd);
		dev->direct_note = "out of memory probing O_DIRECT";
		return;
	}
	ssize_t n = pread(fd, buf, dev->lbs, 0);
	free(buf);
	if (n != (ssize_t)dev->lbs) {
		close(fd);
		dev->direct_note = "O_DIRECT read probe failed";
		return;
	}
	close(dev->fd);
	dev->fd = fd;
	dev->direct = true;
	dev->direct_note = NULL;
}

static bool env_is(const char *name, const char *val)
{
	const char *v = getenv(name);
	return v && !strcmp(v, val);
}

static int start_engine(struct blk_dev *dev, const struct blk_open_opts *o)
{
	enum blk_engine e = o->engine;
	if (e == BLK_ENGINE_AUTO && env_is("MMSIM_BLK_ENGINE", "threads"))
		e = BLK_ENGINE_THREADS;
	if (e != BLK_ENGINE_THREADS) {
		int err = blk_uring_ops.start(dev, o);
		if (!err) {
			dev->ops = &blk_uring_ops;
			dev->engine = BLK_ENGINE_URING;
			return 0;
		}
		if (e == BLK_ENGINE_URING)
			return err;
	}
	int err = blk_threads_ops.start(dev, o);
	if (err)
		return err;
	dev->ops = &blk_threads_ops;
	dev->engine = BLK_ENGINE_THREADS;
	return 0;
}

static void free_dev(struct blk_dev *dev)
{
	image_unlock(dev);
	if (dev->fd >= 0)
		close(dev->fd);
	pthread_mutex_destroy(&dev->drain_lock);
	pthread_cond_destroy(&dev->drain_cond);
	free(dev->path);
	free(dev);
}

int blk_open(const char *path, const struct blk_open_opts *opts, struct blk_dev **out)
{
	struct blk_open_opts def;
	if (!opts) {
		blk_open_opts_default(&def);
		opts = &def;
	}
	*out = NULL;
	unsigned lbs = opts->lbs ? opts->lbs : BLK_DEFAULT_LBS;
	if (!path || !lbs_valid(lbs))
		return -EINVAL;
	if (opts->nr_sectors > (BLK_MAX_BYTES >> BLK_SECTOR_SHIFT))
		return -EFBIG;		/* before creating anything that big */

	struct blk_dev *dev = calloc(1, sizeof *dev);
	if (!dev)
		return -ENOMEM;
	pthread_mutex_init(&dev->drain_lock, NULL);
	pthread_cond_init(&dev->drain_cond, NULL);
	dev->lbs = lbs;
	dev->direct_note = "buffered I/O asked for";
	dev->path = strdup(path);
	int flags = O_RDWR | O_CLOEXEC | ((opts->flags & BLK_OPEN_CREATE) ? O_CREAT : 0);
	dev->fd = dev->path ? open(path, flags, 0644) : -1;
	int err = !dev->path ? -ENOMEM : dev->fd < 0 ? -errno : 0;
	if (!err)
		err = image_lock(dev);
	if (!err) {
		int64_t size = pick_size(dev->fd, opts, lbs);
		if (size < 0)
			err = (int)size;
		else
			dev->nr_sectors = (uint64_t)size >> BLK_SECTOR_SHIFT;
	}
	if (!err && !(opts->flags & BLK_OPEN_BUFFERED) && !env_is("MMSIM_BLK_DIRECT", "0"))
		try_direct(dev);
	if (!err)
		err = start_engine(dev, opts);
	if (err) {
		free_dev(dev);
		return err;
	}
	*out = dev;
	return 0;
}

void blk_close(struct blk_dev *dev)
{
	if (!dev)
		return;
	blk_drain(dev);
	blk_fault_close(dev);
	dev->ops->stop(dev);
	free_dev(dev);
}

void blk_get_info(const struct blk_dev *dev, struct blk_info *info)
{
	info->nr_sectors = dev->nr_sectors;
	info->lbs = dev->lbs;
	info->direct = dev->direct;
	info->direct_note = dev->direct_note;
	info->engine = dev->engine;
}

/* ---- submission ------------------------------------------------------------- */

/* Total length of a READ/WRITE's data, or 0 when it is malformed. */
static size_t data_bytes(const struct blk_req *req)
{
	if (!req->iov) {
		if (!req->buf || (uintptr_t)req->buf % BLK_SECTOR_SIZE)
			return 0;
		return req->len;
	}
	if (req->iovcnt <= 0 || req->iovcnt > IOV_MAX || req->buf)
		return 0;
	size_t total = 0;
	for (int i = 0; i < req->iovcnt; i++) {
		const struct iovec *v = &req->iov[i];
		if (!v->iov_base || !v->iov_len || (uintptr_t)v->iov_base % BLK_SECTOR_SIZE ||
		    v->iov_len % BLK_SECTOR_SIZE || v->iov_len > BLK_MAX_REQ_BYTES)
			return 0;
		total += v->iov_len;
		if (total > BLK_MAX_REQ_BYTES)
			return 0;
	}
	return total;
}

/* 0, -EINVAL (malformed) or -ENXIO (past the end); sets req->bytes. */
static int validate(const struct blk_dev *dev, struct blk_req *req)
{
	unsigned spb = dev->lbs >> BLK_SECTOR_SHIFT;
	size_t bytes = 0;
	switch (req->op) {
	case BLK_OP_READ:
		if (req->flags)
			return -EINVAL;
		/* fall through */
	case BLK_OP_WRITE:
		if (req->flags & ~(BLK_FUA | BLK_PREFLUSH))
			return -EINVAL;
		bytes = data_bytes(req);
		if (!bytes || bytes > BLK_MAX_REQ_BYTES)
			return -EINVAL;
		break;
	case BLK_OP_FLUSH:
		if (req->flags || req->len || req->iov)
			return -EINVAL;
		req->bytes = 0;
		return 0;
	case BLK_OP_DISCARD:
		if (req->flags || req->iov || !req->len)
			return -EINVAL;
		bytes = req->len;
		break;
	default:
		return -EINVAL;
	}
	if (bytes % dev->lbs || req->sector % spb)
		return -EINVAL;
	uint64_t nsect = bytes >> BLK_SECTOR_SHIFT;
	if (req->sector > dev->nr_sectors || nsect > dev->nr_sectors - req->sector)
		return -ENXIO;
	req->bytes = bytes;
	return 0;
}

static void inflight_put(struct blk_dev *dev)
{
	if (__atomic_sub_fetch(&dev->inflight, 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_load_n(&dev->draining, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&dev->drain_lock);
		pthread_cond_broadcast(&dev->drain_cond);
		pthread_mutex_unlock(&dev->drain_lock);
	}
}

/*
 * A flush covers the volatile completions counted when it starts.  A
 * PREFLUSH with none outstanding is marked done (phase 1) before it runs.
 */
static void preflush_prepare(struct blk_dev *dev, struct blk_req *req)
{
	uint64_t vol = __atomic_load_n(&dev->volatile_done, __ATOMIC_ACQUIRE);

	if (req->op == BLK_OP_WRITE &&
	    vol == __atomic_load_n(&dev->flushed_through, __ATOMIC_ACQUIRE)) {
		req->phase = 1;
		__atomic_add_fetch(&dev->preflush_elided, 1, __ATOMIC_RELAXED);
		return;
	}
	req->flush_cover = vol + 1;
}

/* Keeps the flush-elision counters as requests succeed. */
static void preflush_account(struct blk_dev *dev, const struct blk_req *req)
{
	uint64_t cover = req->flush_cover - 1, cur;

	if ((req->op == BLK_OP_WRITE && !(req->flags & BLK_FUA)) || req->op == BLK_OP_DISCARD)
		__atomic_add_fetch(&dev->volatile_done, 1, __ATOMIC_ACQ_REL);
	if (!req->flush_cover)
		return;
	cur = __atomic_load_n(&dev->flushed_through, __ATOMIC_ACQUIRE);
	while (cur < cover && !__atomic_compare_exchange_n(&dev->flushed_through, &cur, cover,
							   false, __ATOMIC_ACQ_REL,
							   __ATOMIC_ACQUIRE))
		;
}

uint64_t blk_preflush_elided(const struct blk_dev *dev)
{
	return __atomic_load_n(&dev->preflush_elided, __ATOMIC_RELAXED);
}

/* What every submission does before the request runs.  0 or -errno
 * (refused: end_io will not run). */
static int submit_begin(struct blk_dev *dev, struct blk_req *req)
{
	if (!dev || !req || !req->end_io)
		return -EINVAL;
	int err = validate(dev, req);
	if (err)
		return err;
	req->dev = dev;
	req->result = 0;
	req->inject = 0;
	req->phase = 0;
	req->frec = NULL;
	req->flush_snap = 0;
	req->flush_cover = 0;
	req->next = NULL;
	if (req->op == BLK_OP_FLUSH || (req->op == BLK_OP_WRITE && (req->flags & BLK_PREFLUSH)))
		preflush_prepare(dev, req);
	if (!req->iov && req->op != BLK_OP_DISCARD) {
		req->one.iov_base = req->buf;
		req->one.iov_len = req->len;
	}
	/* Counted before the fault layer looks, so that a power loss racing
	 * with us waits for this request once the layer has let it through. */
	__atomic_add_fetch(&dev->inflight, 1, __ATOMIC_SEQ_CST);
	if (dev->fault && (err = blk_fault_submit(dev, req))) {
		inflight_put(dev);
		return err;
	}
	return 0;
}

int blk_submit(struct blk_dev *dev, struct blk_req *req)
{
	int err = submit_begin(dev, req);

	if (!err)
		dev->ops->submit(dev, req);
	return err;
}

int blk_submit_inline(struct blk_dev *dev, struct blk_req *req)
{
	if (blk_in_completion)
		return blk_submit(dev, req);	/* never stall an engine thread */
	int err = submit_begin(dev, req);

	if (!err)
		blk_run_sync(dev, req);
	return err;
}

void blk_run_sync(struct blk_dev *dev, struct blk_req *req)
{
	int res = req->inject;

	if (res) {
		blk_complete(req, res);
		return;
	}
	switch (req->op) {
	case BLK_OP_FLUSH:
		res = fdatasync(dev->fd) ? -errno : 0;
		break;
	case BLK_OP_DISCARD:
		res = blk_do_discard(dev, req->sector << BLK_SECTOR_SHIFT, req->bytes);
		break;
	case BLK_OP_WRITE:
		if ((req->flags & BLK_PREFLUSH) && !req->phase) {
			res = fdatasync(dev->fd) ? -errno : 0;
			req->phase = 1;
		}
		/* fall through */
	case BLK_OP_READ:
		if (!res)
			res = blk_do_rw(dev, req, 0);
		break;
	}
	blk_complete(req, res);
}

void blk_complete(struct blk_req *req, int res)
{
	struct blk_dev *dev = req->dev;
	if (dev->fault)
		res = blk_fault_complete(dev, req, res);
	if (!res)
		preflush_account(dev, req);
	req->result = res;
	req->end_io(req);	/* may free or resubmit req: not touched after */
	inflight_put(dev);
}

void blk_drain(struct blk_dev *dev)
{
	pthread_mutex_lock(&dev->drain_lock);
	__atomic_add_fetch(&dev->draining, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&dev->inflight, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&dev->drain_cond, &dev->drain_lock);
	__atomic_sub_fetch(&dev->draining, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&dev->drain_lock);
}

/* ---- synchronous helpers ---------------------------------------------------- */

struct sync_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void sync_end_io(struct blk_req *req)
{
	struct sync_wait *w = req->private;
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);	/* under the lock: w dies after */
	pthread_mutex_unlock(&w->lock);
}

int blk_submit_wait(struct blk_dev *dev, struct blk_req *req)
{
	if (blk_in_completion)
		return -EDEADLK;	/* we would wait for our own thread */
	struct sync_wait w = { .done = false };
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	req->end_io = sync_end_io;
	req->private = &w;
	int err = blk_submit(dev, req);
	if (!err) {
		pthread_mutex_lock(&w.lock);
		while (!w.done)
			pthread_cond_wait(&w.cond, &w.lock);
		pthread_mutex_unlock(&w.lock);
		err = req->result;
	}
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return err;
}

void *blk_buf_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

int blk_rw(struct blk_dev *dev, enum blk_op op, unsigned flags, uint64_t sector,
	   void *buf, size_t len)
{
	struct blk_req req;
	memset(&req, 0, sizeof req);
	req.op = op;
	req.flags = flags;
	req.sector = sector;
	req.buf = op == BLK_OP_DISCARD ? NULL : buf;
	req.len = len;
	return blk_submit_wait(dev, &req);
}

/* ---- synchronous I/O for the engines ---------------------------------------- */

/* One pwritev2 with RWF_DSYNC, or write + fdatasync where the host lacks it. */
static ssize_t write_fua(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ssize_t n = pwritev2(fd, iov, cnt, off, RWF_DSYNC);
	if (n >= 0 || (errno != EOPNOTSUPP && errno != EINVAL))
		return n;
	n = pwritev(fd, iov, cnt, off);
	if (n > 0 && fdatasync(fd))
		return -1;
	return n;
}

static ssize_t rw_once(struct blk_dev *dev, const struct blk_req *req,
		       const struct iovec *iov, int cnt, off_t off)
{
	if (req->op == BLK_OP_READ)
		return preadv(dev->fd, iov, cnt, off);
	if (req->flags & BLK_FUA)
		return write_fua(dev->fd, iov, cnt, off);
	return pwritev(dev->fd, iov, cnt, off);
}

/*
 * Reads or writes what is left of req after its first `done` bytes: the
 * whole request in one call when done is 0, segment by segment after a
 * short transfer.  0 or -errno (-EIO when the file ended under us).
 */
int blk_do_rw(struct blk_dev *dev, struct blk_req *req, size_t done)
{
	const struct iovec *iov = req->iov ? req->iov : &req->one;
	int cnt = req->iov ? req->iovcnt : 1;
	off_t base = (off_t)(req->sector << BLK_SECTOR_SHIFT);
	if (!done) {
		ssize_t n = rw_once(dev, req, iov, cnt, base);
		if (n < 0)
			return -errno;
		done = (size_t)n;
	}
	size_t seg_start = 0;
	for (int i = 0; i < cnt && done < req->bytes; i++) {
		size_t seg_end = seg_start + iov[i].iov_len;
		while (done < seg_end) {
			size_t in = done - seg_start;
			struct iovec part = {
				.iov_base = (char *)iov[i].iov_base + in,
				.iov_len = iov[i].iov_len - in,
			};
			ssize_t n = rw_once(dev, req, &part, 1, base + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n == 0)
				return -EIO;
			done += (size_t)n;
		}
		seg_start = seg_end;
	}
	return 0;
}

int blk_pio_full(int fd, void *buf, size_t len, off_t off, bool write)
{
	char *p = buf;
	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, off) : pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int blk_do_discard_zeroes(struct blk_dev *dev, uint64_t off, uint64_t len)
{
	void *zero;
	if (posix_memalign(&zero, BLK_SECTOR_SIZE, ZERO_CHUNK))
		return -ENOMEM;
	memset(zero, 0, ZERO_CHUNK);
	int err = 0;
	while (len && !err) {
		size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
		err = blk_pio_full(dev->fd, zero, n, (off_t)off, true);
		off += n;
		len -= n;
	}
	free(zero);
	return err;
}

/*
 * Punches a hole (reads back as zeros, size kept); where the host file
 * system cannot, remembers it and writes zeros from then on.
 */
int blk_do_discard(struct blk_dev *dev, uint64_t off, uint64_t len)
{
	if (!__atomic_load_n(&dev->no_punch, __ATOMIC_RELAXED)) {
		if (!fallocate(dev->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       (off_t)off, (off_t)len))
			return 0;
		if (errno != EOPNOTSUPP)
			return -errno;
		__atomic_store_n(&dev->no_punch, true, __ATOMIC_RELAXED);
	}
	return blk_do_discard_zeroes(dev, off, len);
}
