/*
 * fault.c - the fault-injection layer: requests failed with -EIO on demand,
 * and power loss that rolls back every write a real disk could have lost.
 *
 * Model (block.h has the contract).  Every WRITE or DISCARD gets a record
 * (struct blk_frec) with the previous content of its sectors, read just
 * before it is issued.  Records sit in submission order; a record is
 *   INFLIGHT  issued, not completed;
 *   DONE      completed, not yet durable: power loss may undo it;
 *   DURABLE   written with FUA, or completed before a completed flush was
 *             submitted.  Its pre-image is freed; it stays only to stop
 *             older records from rolling back the sectors it covers.
 * Completions are numbered (f->completions); a flush remembers the number
 * at submission (req->flush_snap), and at its completion makes durable the
 * DONE records numbered up to it: REQ_PREFLUSH's guarantee, no more.
 * Durable records at the head of the list protect nothing and are freed.
 *
 * A PREFLUSH write that the power cut before it completed still bounds the
 * outcome: a disk writes its data only after the flush before it, so if
 * any of its sectors survive the loss (kept, or the new prefix of a tear),
 * every write its flush covered survives too (rec->preflushed).  Without
 * that rule a journal entry could outlive the data its keys point at.
 *
 * Overlapping writes are never in flight together (the later is refused),
 * so for any one sector submission order is completion order, and rolling
 * records back newest first leaves every sector at the content it had after
 * some prefix of its writes: old or new, never a mixture within a sector.
 *
 * Locking: f->lock covers everything here; the pre-image read happens under
 * it, which serialises writes while the layer is attached (it is a test
 * tool).  The fail predicate runs under it too and must not do I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block_int.h"

enum frec_state { FR_INFLIGHT, FR_DONE, FR_DURABLE };

struct blk_frec {
	struct blk_frec *prev, *next;
	uint64_t sector;
	uint64_t nsect;
	uint64_t cseq;		/* completion number, once DONE */
	uint64_t flush_snap;	/* if preflushed: the completions it covered */
	bool preflushed;	/* a PREFLUSH write the engine carried out */
	enum frec_state state;
	char *old;		/* pre-image, nsect sectors; NULL once durable */
};

struct range {
	uint64_t start, end;	/* sectors [start, end) */
};

struct blk_fault {
	pthread_mutex_t lock;
	struct blk_fault_opts o;
	uint64_t rng;
	uint64_t nreq, nwrites;		/* requests / WRITEs seen, from 1 */
	uint64_t completions;		/* write completions numbered so far */
	unsigned inflight_writes;
	bool power_off;
	bool rolled_back;
	int restore_err;
	struct blk_fault_report rep;
	struct blk_frec *head, *tail;	/* submission order */
	int fd_restore;			/* buffered: tears need 512-byte writes */
};

static uint64_t rnd(struct blk_fault *f)
{
	/* splitmix64: tiny, and every seed gives a good sequence */
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void unlink_rec(struct blk_fault *f, struct blk_frec *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		f->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		f->tail = r->prev;
	free(r->old);
	free(r);
}

static void make_durable(struct blk_frec *r)
{
	r->state = FR_DURABLE;
	free(r->old);
	r->old = NULL;
}

static bool overlaps_inflight(const struct blk_fault *f, uint64_t s, uint64_t n)
{
	if (!f->inflight_writes)
		return false;
	for (const struct blk_frec *r = f->head; r; r = r->next)
		if (r->state == FR_INFLIGHT && r->sector < s + n && s < r->sector + r->nsect)
			return true;
	return false;
}

/* Records req's pre-image.  f->lock held.  0 or -errno (request refused). */
static int record_write(struct blk_dev *dev, struct blk_fault *f, struct blk_req *req)
{
	uint64_t nsect = req->bytes >> BLK_SECTOR_SHIFT;
	if (overlaps_inflight(f, req->sector, nsect))
		return -EBUSY;
	struct blk_frec *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	if (posix_memalign((void **)&r->old, dev->lbs, req->bytes)) {
		free(r);
		return -ENOMEM;
	}
	int err = blk_pio_full(dev->fd, r->old, req->bytes,
			       (off_t)(req->sector << BLK_SECTOR_SHIFT), false);
	if (err) {
		free(r->old);
		free(r);
		return err;
	}
	r->sector = req->sector;
	r->nsect = nsect;
	r->state = FR_INFLIGHT;
	r->prev = f->tail;
	if (f->tail)
		f->tail->next = r;
	else
		f->head = r;
	f->tail = r;
	f->inflight_writes++;
	req->frec = r;
	return 0;
}

int blk_fault_submit(struct blk_dev *dev, struct blk_req *req)
{
	struct blk_fault *f = dev->fault;
	int err = 0;
	pthread_mutex_lock(&f->lock);
	uint64_t nr = ++f->nreq;
	if (!f->power_off && f->o.power_cut_at && nr >= f->o.power_cut_at)
		f->power_off = true;
	if (f->power_off) {
		err = -ENODEV;
		goto out;
	}
	bool nth = req->op == BLK_OP_WRITE && ++f->nwrites == f->o.fail_nth_write;
	if (nth || (f->o.fail && f->o.fail(f->o.fail_arg, req, nr))) {
		req->inject = -EIO;	/* the engine does nothing, reports EIO */
		goto out;
	}
	if (req->op == BLK_OP_FLUSH || (req->flags & BLK_PREFLUSH))
		req->flush_snap = f->completions;
	if (req->op == BLK_OP_WRITE || req->op == BLK_OP_DISCARD)
		err = record_write(dev, f, req);
out:
	pthread_mutex_unlock(&f->lock);
	return err;
}

/* A flush that was submitted after completion number snap has completed. */
static void flush_done(struct blk_fault *f, uint64_t snap)
{
	for (struct blk_frec *r = f->head; r; r = r->next)
		if (r->state == FR_DONE && r->cseq <= snap)
			make_durable(r);
	while (f->head && f->head->state == FR_DURABLE)
		unlink_rec(f, f->head);
}

int blk_fault_complete(struct blk_dev *dev, struct blk_req *req, int res)
{
	struct blk_fault *f = dev->fault;
	if (req->inject)
		return req->inject;
	pthread_mutex_lock(&f->lock);
	struct blk_frec *r = req->frec;
	if (r) {
		/* Even a failed write may have reached the image: undoable. */
		f->inflight_writes--;
		r->state = FR_DONE;
		r->cseq = ++f->completions;
		if (!res && (req->flags & BLK_PREFLUSH)) {
			r->preflushed = true;
			r->flush_snap = req->flush_snap;
		}
		if (!res && (req->flags & BLK_FUA) && !f->power_off)
			make_durable(r);
	}
	bool flushed = req->op == BLK_OP_FLUSH || (req->flags & BLK_PREFLUSH);
	if (!res && flushed && !f->power_off)
		flush_done(f, req->flush_snap);
	if (f->power_off)
		res = -EIO;	/* finished after the power went: not acked */
	pthread_mutex_unlock(&f->lock);
	return res;
}

/* ---- power loss --------------------------------------------------------------- */

static bool protected_sector(const struct range *p, size_t np, uint64_t s)
{
	for (size_t i = 0; i < np; i++)
		if (s >= p[i].start && s < p[i].end)
			return true;
	return false;
}

/* Writes back r's pre-image for sectors [from, nsect) outside p. */
static int restore(struct blk_fault *f, const struct blk_frec *r, uint64_t from,
		   const struct range *p, size_t np)
{
	uint64_t i = from;
	while (i < r->nsect) {
		if (protected_sector(p, np, r->sector + i)) {
			i++;
			continue;
		}
		uint64_t j = i + 1;
		while (j < r->nsect && !protected_sector(p, np, r->sector + j))
			j++;
		int err = blk_pio_full(f->fd_restore, r->old + (i << BLK_SECTOR_SHIFT),
				       (j - i) << BLK_SECTOR_SHIFT,
				       (off_t)((r->sector + i) << BLK_SECTOR_SHIFT), true);
		if (err)
			return err;
		f->rep.sectors_restored += j - i;
		i = j;
	}
	return 0;
}

/* Decides the fate of r (not durable) and rolls back what is lost; *some
 * tells whether any of its sectors kept the new content. */
static int undo_one(struct blk_fault *f, const struct blk_frec *r,
		    const struct range *p, size_t np, bool *some)
{
	*some = true;
	if (rnd(f) % 100 < f->o.survive_pct) {
		f->rep.kept++;
		return 0;
	}
	if (r->nsect > 1 && rnd(f) % 100 < f->o.tear_pct) {
		f->rep.torn++;
		return restore(f, r, 1 + rnd(f) % (r->nsect - 1), p, np);
	}
	*some = false;
	f->rep.dropped++;
	return restore(f, r, 0, p, np);
}

/* Everything has completed and the power is off: roll back.  f->lock held. */
static void roll_back(struct blk_fault *f)
{
	struct range *p = NULL;
	size_t np = 0, cap = 0;
	int err = 0;
	uint64_t covered = 0;	/* completions a surviving PREFLUSH flushed */
	for (struct blk_frec *r = f->tail; r && !err; r = r->prev) {
		/* Newest first: a PREFLUSH write is decided before every
		 * write its flush could cover. */
		if (r->state != FR_DURABLE && r->cseq > covered) {
			bool some;
			err = undo_one(f, r, p, np, &some);
			if (some && r->preflushed && r->flush_snap > covered)
				covered = r->flush_snap;
			continue;
		}
		if (np == cap) {
			cap = cap ? 2 * cap : 16;
			struct range *q = realloc(p, cap * sizeof *p);
			if (!q) {
				err = -ENOMEM;
				break;
			}
			p = q;
		}
		p[np++] = (struct range){ r->sector, r->sector + r->nsect };
	}
	free(p);
	if (!err && fdatasync(f->fd_restore))
		err = -errno;
	while (f->head)
		unlink_rec(f, f->head);
	f->restore_err = err;
	f->rolled_back = true;
}

int blk_fault_power_loss(struct blk_dev *dev, struct blk_fault_report *rep)
{
	struct blk_fault *f = dev->fault;
	if (!f)
		return -EINVAL;
	if (blk_in_completion)
		return -EDEADLK;	/* the drain would wait for ourselves */
	pthread_mutex_lock(&f->lock);
	f->power_off = true;
	pthread_mutex_unlock(&f->lock);
	blk_drain(dev);
	pthread_mutex_lock(&f->lock);
	if (!f->rolled_back)
		roll_back(f);
	if (rep)
		*rep = f->rep;
	int err = f->restore_err;
	pthread_mutex_unlock(&f->lock);
	return err;
}

bool blk_fault_power_is_off(struct blk_dev *dev)
{
	struct blk_fault *f = dev->fault;
	if (!f)
		return false;
	pthread_mutex_lock(&f->lock);
	bool off = f->power_off;
	pthread_mutex_unlock(&f->lock);
	return off;
}

int blk_fault_set_loss(struct blk_dev *dev, uint64_t seed, unsigned survive_pct,
		       unsigned tear_pct, uint64_t cut_after)
{
	struct blk_fault *f = dev ? dev->fault : NULL;
	if (!f || survive_pct > 100 || tear_pct > 100)
		return -EINVAL;
	pthread_mutex_lock(&f->lock);
	f->o.seed = seed;
	f->o.survive_pct = survive_pct;
	f->o.tear_pct = tear_pct;
	f->rng = seed;
	if (cut_after)
		f->o.power_cut_at = f->nreq + cut_after;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

uint64_t blk_fault_nondurable(struct blk_dev *dev)
{
	struct blk_fault *f = dev->fault;
	uint64_t n = 0;
	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	for (struct blk_frec *r = f->head; r; r = r->next)
		n += r->state != FR_DURABLE;
	pthread_mutex_unlock(&f->lock);
	return n;
}

int blk_fault_attach(struct blk_dev *dev, const struct blk_fault_opts *o)
{
	if (!dev || !o || o->survive_pct > 100 || o->tear_pct > 100)
		return -EINVAL;
	if (dev->fault || __atomic_load_n(&dev->inflight, __ATOMIC_SEQ_CST))
		return -EBUSY;
	struct blk_fault *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	f->fd_restore = open(dev->path, O_RDWR | O_CLOEXEC);
	if (f->fd_restore < 0) {
		int err = -errno;
		free(f);
		return err;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->o = *o;
	f->rng = o->seed;
	dev->fault = f;
	return 0;
}

/* blk_close(): nothing in flight.  Finishes a power loss cut by
 * power_cut_at, then frees the layer. */
void blk_fault_close(struct blk_dev *dev)
{
	struct blk_fault *f = dev->fault;
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	if (f->power_off && !f->rolled_back)
		roll_back(f);
	while (f->head)
		unlink_rec(f, f->head);
	pthread_mutex_unlock(&f->lock);
	close(f->fd_restore);
	pthread_mutex_destroy(&f->lock);
	free(f);
	dev->fault = NULL;
}
