/*
 * engine_uring.c - the io_uring engine (liburing): submitters prepare SQEs
 * under sq_lock; one reaper thread waits for CQEs and runs completions.
 *
 * Invariants
 *  - At most `cap` requests are in the ring (cap = SQ size, CQ twice as
 *    big), so a free SQE always exists after a submit and the CQ never
 *    overflows.  Requests beyond cap wait on the pending FIFO; the reaper
 *    moves them into the ring as completions free slots.  Nobody ever
 *    blocks for ring space, so an end_io on the reaper may submit freely.
 *  - user_data is the request; 0 is the reaper's stop marker.
 *  - A PREFLUSH write goes in twice: an fsync (phase 0), then the write.
 *  - Rare paths run synchronously on the reaper: the rest of a short
 *    transfer, zero-filling a discard the host cannot punch, a FUA write
 *    the kernel refuses RWF_DSYNC for.
 *
 * Locking: sq_lock covers the SQ, ring_inflight and the pending FIFO.  The
 * CQ is touched only by the reaper.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>

#include "block_int.h"

#define DEFAULT_QD 128
#define MAX_QD 4096
#define PHASE_ZERO_FILL 2

struct uring_engine {
	struct io_uring ring;
	pthread_mutex_t sq_lock;
	unsigned cap;
	unsigned ring_inflight;
	struct blk_req *pend_head, *pend_tail;
	pthread_t reaper;
};

/* Prepares req's next step in an SQE and submits it.  sq_lock held. */
static void push(struct blk_dev *dev, struct uring_engine *e, struct blk_req *req)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);
	const struct iovec *iov = req->iov ? req->iov : &req->one;
	int cnt = req->iov ? req->iovcnt : 1;
	uint64_t off = req->sector << BLK_SECTOR_SHIFT;

	if (req->inject || req->phase == PHASE_ZERO_FILL) {
		io_uring_prep_nop(sqe);
	} else if (req->op == BLK_OP_FLUSH ||
		   (req->op == BLK_OP_WRITE && (req->flags & BLK_PREFLUSH) && !req->phase)) {
		io_uring_prep_fsync(sqe, dev->fd, IORING_FSYNC_DATASYNC);
	} else if (req->op == BLK_OP_READ) {
		io_uring_prep_readv(sqe, dev->fd, iov, (unsigned)cnt, off);
	} else if (req->op == BLK_OP_WRITE) {
		io_uring_prep_writev2(sqe, dev->fd, iov, (unsigned)cnt, off,
				      (req->flags & BLK_FUA) ? RWF_DSYNC : 0);
	} else {
		io_uring_prep_fallocate(sqe, dev->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					off, req->bytes);
	}
	io_uring_sqe_set_data(sqe, req);
	e->ring_inflight++;
	/* Without SQPOLL the kernel consumes the SQE here (or fails it into
	 * a CQE), so the SQ is empty again afterwards.  Transient refusals
	 * (memory) are retried: the SQE must not be stranded in the SQ. */
	int r;
	do
		r = io_uring_submit(&e->ring);
	while (r == -EAGAIN || r == -EINTR || r == -EBUSY);
}

static void uring_submit(struct blk_dev *dev, struct blk_req *req)
{
	struct uring_engine *e = dev->eng;
	if (req->op == BLK_OP_DISCARD && __atomic_load_n(&dev->no_punch, __ATOMIC_RELAXED))
		req->phase = PHASE_ZERO_FILL;
	req->next = NULL;
	pthread_mutex_lock(&e->sq_lock);
	if (e->ring_inflight < e->cap && !e->pend_head) {
		push(dev, e, req);
	} else {
		if (e->pend_tail)
			e->pend_tail->next = req;
		else
			e->pend_head = req;
		e->pend_tail = req;
	}
	pthread_mutex_unlock(&e->sq_lock);
}

/* One CQE's worth of progress: completes req or sends its next phase. */
static void handle(struct blk_dev *dev, struct blk_req *req, int res)
{
	if (req->inject) {
		blk_complete(req, req->inject);
		return;
	}
	if (req->phase == PHASE_ZERO_FILL) {
		blk_complete(req, blk_do_discard_zeroes(dev, req->sector << BLK_SECTOR_SHIFT,
							req->bytes));
		return;
	}
	switch (req->op) {
	case BLK_OP_FLUSH:
		break;
	case BLK_OP_DISCARD:
		if (res == -EOPNOTSUPP) {
			__atomic_store_n(&dev->no_punch, true, __ATOMIC_RELAXED);
			res = blk_do_discard_zeroes(dev, req->sector << BLK_SECTOR_SHIFT,
						    req->bytes);
		}
		break;
	case BLK_OP_WRITE:
		if ((req->flags & BLK_PREFLUSH) && !req->phase) {
			if (res < 0)
				break;
			req->phase = 1;		/* flushed: now write */
			uring_submit(dev, req);
			return;
		}
		if ((res == -EOPNOTSUPP || res == -EINVAL) && (req->flags & BLK_FUA)) {
			res = blk_do_rw(dev, req, 0);	/* no RWF_DSYNC here */
			break;
		}
		/* fall through */
	case BLK_OP_READ:
		if (res >= 0)
			res = (size_t)res == req->bytes ? 0 : blk_do_rw(dev, req, (size_t)res);
		break;
	}
	blk_complete(req, res < 0 ? res : 0);
}

static void *reaper(void *arg)
{
	struct blk_dev *dev = arg;
	struct uring_engine *e = dev->eng;
	blk_in_completion = true;
	for (;;) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&e->ring, &cqe);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			/* A broken ring cannot complete anything: say so loudly. */
			fprintf(stderr, "mmsim block: io_uring_wait_cqe: %d\n", r);
			abort();
		}
		struct blk_req *req = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&e->ring, cqe);
		if (!req)
			break;
		pthread_mutex_lock(&e->sq_lock);
		e->ring_inflight--;
		while (e->pend_head && e->ring_inflight < e->cap) {
			struct blk_req *p = e->pend_head;
			e->pend_head = p->next;
			if (!e->pend_head)
				e->pend_tail = NULL;
			push(dev, e, p);
		}
		pthread_mutex_unlock(&e->sq_lock);
		handle(dev, req, res);
	}
	return NULL;
}

static bool ops_supported(struct io_uring *ring)
{
	static const int need[] = { IORING_OP_NOP, IORING_OP_READV, IORING_OP_WRITEV,
				    IORING_OP_FSYNC, IORING_OP_FALLOCATE };
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	if (!p)
		return false;
	bool ok = true;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		ok = ok && io_uring_opcode_supported(p, need[i]);
	io_uring_free_probe(p);
	return ok;
}

static int uring_start(struct blk_dev *dev, const struct blk_open_opts *o)
{
	unsigned qd = o->queue_depth ? o->queue_depth : DEFAULT_QD;
	if (qd > MAX_QD)
		qd = MAX_QD;
	struct uring_engine *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 2 * qd };
	int err = io_uring_queue_init_params(qd, &e->ring, &p);
	if (err) {
		free(e);
		return err;
	}
	if (!ops_supported(&e->ring)) {
		io_uring_queue_exit(&e->ring);
		free(e);
		return -ENOSYS;
	}
	e->cap = p.sq_entries;	/* the kernel may round qd up */
	pthread_mutex_init(&e->sq_lock, NULL);
	dev->eng = e;
	err = pthread_create(&e->reaper, NULL, reaper, dev);
	if (err) {
		pthread_mutex_destroy(&e->sq_lock);
		io_uring_queue_exit(&e->ring);
		free(e);
		dev->eng = NULL;
		return -err;
	}
	return 0;
}

static void uring_stop(struct blk_dev *dev)
{
	struct uring_engine *e = dev->eng;
	pthread_mutex_lock(&e->sq_lock);
	struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data(sqe, NULL);
	io_uring_submit(&e->ring);
	pthread_mutex_unlock(&e->sq_lock);
	pthread_join(e->reaper, NULL);
	pthread_mutex_destroy(&e->sq_lock);
	io_uring_queue_exit(&e->ring);
	free(e);
	dev->eng = NULL;
}

const struct blk_engine_ops blk_uring_ops = {
	.start = uring_start,
	.submit = uring_submit,
	.stop = uring_stop,
};
