/*
 * engine_threads.c - the fallback engine: a FIFO of requests served by a
 * few worker threads with plain syscalls (preadv, pwritev2, fdatasync,
 * fallocate).  Used when io_uring is unavailable or not wanted.
 *
 * Locking: the queue (head/tail/stop) is under `lock`; a worker runs the
 * request and its completion without it.  Workers are completion context
 * (blk_in_completion) for their whole life.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "block_int.h"

#define DEFAULT_THREADS 4
#define MAX_THREADS 64

struct thr_engine {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct blk_req *head, *tail;
	bool stop;
	unsigned n;
	pthread_t th[];
};

static void *worker(void *arg)
{
	struct blk_dev *dev = arg;
	struct thr_engine *e = dev->eng;
	blk_in_completion = true;
	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (!e->head && !e->stop)
			pthread_cond_wait(&e->cond, &e->lock);
		struct blk_req *req = e->head;
		if (!req)
			break;		/* stopping, queue empty */
		e->head = req->next;
		if (!e->head)
			e->tail = NULL;
		pthread_mutex_unlock(&e->lock);
		blk_run_sync(dev, req);
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static void thr_submit(struct blk_dev *dev, struct blk_req *req)
{
	struct thr_engine *e = dev->eng;
	req->next = NULL;
	pthread_mutex_lock(&e->lock);
	if (e->tail)
		e->tail->next = req;
	else
		e->head = req;
	e->tail = req;
	/* Broadcast, not signal: glibc releases without the fix for its
	 * bug 25847 (Debian 12's 2.36 among them) can lose a signal to a
	 * condvar with several waiters, which would leave a request queued
	 * with every worker asleep.  Workers that find the queue empty go
	 * back to sleep. */
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static void thr_stop(struct blk_dev *dev)
{
	struct thr_engine *e = dev->eng;
	pthread_mutex_lock(&e->lock);
	e->stop = true;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	for (unsigned i = 0; i < e->n; i++)
		pthread_join(e->th[i], NULL);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	free(e);
	dev->eng = NULL;
}

static int thr_start(struct blk_dev *dev, const struct blk_open_opts *o)
{
	unsigned n = o->nthreads ? o->nthreads : DEFAULT_THREADS;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	struct thr_engine *e = calloc(1, sizeof *e + n * sizeof(pthread_t));
	if (!e)
		return -ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	dev->eng = e;
	for (unsigned i = 0; i < n; i++) {
		int err = pthread_create(&e->th[i], NULL, worker, dev);
		if (err) {
			thr_stop(dev);	/* joins the e->n already started */
			return -err;
		}
		e->n++;
	}
	return 0;
}

const struct blk_engine_ops blk_threads_ops = {
	.start = thr_start,
	.submit = thr_submit,
	.stop = thr_stop,
};
