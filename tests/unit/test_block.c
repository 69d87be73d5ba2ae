/*
 * test_block.c - the block layer (src/block): opening images, request
 * validation, read/write/iovec round trips, flush/FUA/PREFLUSH durability,
 * discard, completion context, many requests from several threads, and the
 * fault layer (EIO injection, power loss with and without torn writes).
 * Every test runs on both engines (io_uring is skipped with a note where the
 * host has none).
 *
 * The power-loss campaign checks each sector after a crash against a model:
 * per block, the content as of its last durable write ("stable") and the
 * writes since ("cands"); a sector must read back whole (no mixture) as one
 * of them.  Sector content is a word repeated: (write id << 20) | sector,
 * or 0 (never written, or discarded).
 *
 * MMSIM_BLOCK_SEEDS sets the seeds per engine and mode (default 50; four
 * combinations, so 200 crash states per run by default), MMSIM_BLOCK_SEED
 * the first one (default 1): other runs then walk other crash states.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "tap.h"

#define LBS 4096u
#define SPB (LBS / BLK_SECTOR_SIZE)
#define WPS (BLK_SECTOR_SIZE / 8)	/* words per sector */

static char tmpdir[256];	/* short: paths under it fit PATH_MAX */
static const enum blk_engine engines[] = { BLK_ENGINE_URING, BLK_ENGINE_THREADS };
static bool have_uring;

/* ---- helpers ---------------------------------------------------------------- */

static void path_of(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);
}

static void make_image(const char *path, uint64_t bytes)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)bytes) || close(fd)) {
		perror(path);
		exit(2);
	}
}

static void *abuf(size_t n)
{
	void *p;
	if (posix_memalign(&p, LBS, n))
		abort();
	memset(p, 0, n);
	return p;
}

static struct blk_dev *open_dev(const char *path, enum blk_engine e, unsigned flags)
{
	struct blk_open_opts o;
	blk_open_opts_default(&o);
	o.engine = e;
	o.flags = flags;
	struct blk_dev *d = NULL;
	int err = blk_open(path, &o, &d);
	if (err)
		printf("# blk_open(%s, %s) = %d\n", path, blk_engine_name(e), err);
	return d;
}

static uint64_t word_of(uint64_t wid, uint64_t sector)
{
	return wid ? (wid << 20) | sector : 0;
}

/* Fills nsect sectors from `sector` with write wid's pattern. */
static void fill(void *buf, uint64_t wid, uint64_t sector, uint64_t nsect)
{
	uint64_t *w = buf;
	for (uint64_t s = 0; s < nsect; s++)
		for (unsigned i = 0; i < WPS; i++)
			w[s * WPS + i] = word_of(wid, sector + s);
}

/* The write id a sector holds, or -1 if it is not one whole pattern. */
static int64_t sector_wid(const void *buf, uint64_t sector)
{
	const uint64_t *w = buf;
	for (unsigned i = 1; i < WPS; i++)
		if (w[i] != w[0])
			return -1;
	if (!w[0])
		return 0;
	if ((w[0] & 0xfffff) != (sector & 0xfffff))
		return -1;
	return (int64_t)(w[0] >> 20);
}

/* Completion counting for a batch of asynchronous requests. */
struct batch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;
};

static void batch_init(struct batch *b)
{
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->pending = 0;
}

static void batch_end_io(struct blk_req *req)
{
	struct batch *b = req->private;
	pthread_mutex_lock(&b->lock);
	if (--b->pending == 0)
		pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static int batch_submit(struct blk_dev *d, struct batch *b, struct blk_req *r)
{
	r->end_io = batch_end_io;
	r->private = b;
	pthread_mutex_lock(&b->lock);
	b->pending++;
	pthread_mutex_unlock(&b->lock);
	int err = blk_submit(d, r);
	if (err) {
		pthread_mutex_lock(&b->lock);
		b->pending--;
		pthread_mutex_unlock(&b->lock);
	}
	return err;
}

static void batch_wait(struct batch *b)
{
	pthread_mutex_lock(&b->lock);
	while (b->pending)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

static void batch_destroy(struct batch *b)
{
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
}

/* ---- opening ------------------------------------------------------------------ */

static int try_open(const char *path, uint64_t nr_sectors, unsigned lbs, unsigned flags)
{
	struct blk_open_opts o;
	blk_open_opts_default(&o);
	o.nr_sectors = nr_sectors;
	o.lbs = lbs;
	o.flags = flags;
	o.engine = BLK_ENGINE_THREADS;
	struct blk_dev *d = NULL;
	int err = blk_open(path, &o, &d);
	blk_close(d);
	return err;
}

static void test_open_errors(void)
{
	char p[PATH_MAX], odd[PATH_MAX], empty[PATH_MAX];
	path_of(p, "missing/none.img");
	is(try_open(p, 0, 0, 0), -ENOENT, "open: missing image -> ENOENT");
	is(try_open(tmpdir, 0, 0, 0), -EISDIR, "open: a directory -> EISDIR");
	path_of(odd, "odd.img");
	make_image(odd, 5000);
	is(try_open(odd, 0, 0, 0), -EINVAL, "open: size not a multiple of the block size");
	is(try_open(odd, 9, 0, 0), -EINVAL, "open: nr_sectors not a multiple of the block");
	is(try_open(odd, 8, 512, 0), 0, "open: 8 sectors of a bigger file, lbs 512");
	is(try_open(odd, 1ULL << 50, 0, BLK_OPEN_CREATE), -EFBIG, "open: absurd size -> EFBIG");
	is(try_open(odd, 64, 0, 0), -EINVAL, "open: image smaller than asked, no CREATE");
	is(try_open(odd, 8, 1000, 0), -EINVAL, "open: lbs not a power of two");
	is(try_open(odd, 8, 256, 0), -EINVAL, "open: lbs below a sector");
	path_of(empty, "empty.img");
	make_image(empty, 0);
	is(try_open(empty, 0, 0, 0), -EINVAL, "open: empty image");
	is(try_open(empty, 64, 0, BLK_OPEN_CREATE), 0, "open: CREATE extends to nr_sectors");
	struct stat st;
	is(stat(empty, &st) ? -1 : st.st_size, 64 * 512, "open: CREATE extended the file");
	is(try_open("/dev/null", 8, 0, 0), -EINVAL, "open: not a regular file");
	unlink(odd);
	unlink(empty);
}

static void test_info(void)
{
	char p[PATH_MAX];
	path_of(p, "info.img");
	make_image(p, 1 << 20);
	for (size_t i = 0; i < 2; i++) {
		struct blk_dev *d = open_dev(p, engines[i], 0);
		if (!d) {
			ok(engines[i] == BLK_ENGINE_URING, "info: %s opens", blk_engine_name(engines[i]));
			continue;
		}
		struct blk_info in;
		blk_get_info(d, &in);
		if (engines[i] == BLK_ENGINE_URING)
			have_uring = true;
		is(in.nr_sectors, 2048, "info: size in sectors");
		is(in.lbs, LBS, "info: default logical block size");
		is(in.engine, engines[i], "info: engine %s", blk_engine_name(engines[i]));
		printf("# %s engine, %s%s\n", blk_engine_name(in.engine),
		       in.direct ? "O_DIRECT" : "buffered: ", in.direct ? "" : in.direct_note);
		blk_close(d);
		d = open_dev(p, engines[i], BLK_OPEN_BUFFERED);
		blk_get_info(d, &in);
		ok(!in.direct && in.direct_note, "info: BLK_OPEN_BUFFERED is buffered (%s)",
		   in.direct_note);
		blk_close(d);
	}
	if (!have_uring)
		printf("# io_uring unavailable here: its tests are skipped\n");
	setenv("MMSIM_BLK_ENGINE", "threads", 1);
	struct blk_dev *d = open_dev(p, BLK_ENGINE_AUTO, 0);
	struct blk_info in;
	blk_get_info(d, &in);
	is(in.engine, BLK_ENGINE_THREADS, "info: MMSIM_BLK_ENGINE=threads forces threads");
	blk_close(d);
	unsetenv("MMSIM_BLK_ENGINE");
	unlink(p);
}

/* tmpfs may refuse O_DIRECT (before Linux 6.6): whichever mode, I/O works. */
static int64_t read_wid(struct blk_dev *d, uint64_t block, unsigned sector_in_block);
static int wr(struct blk_dev *d, unsigned flags, uint64_t block, uint64_t wid);

static void test_tmpfs(void)
{
	char p[PATH_MAX] = "/dev/shm/mmsim-block-XXXXXX";
	int fd = mkstemp(p);
	if (fd < 0) {
		printf("# no /dev/shm: tmpfs test skipped\n");
		return;
	}
	close(fd);
	make_image(p, 4 * LBS);
	struct blk_dev *d = open_dev(p, BLK_ENGINE_AUTO, 0);
	struct blk_info in;
	blk_get_info(d, &in);
	printf("# /dev/shm: %s\n", in.direct ? "O_DIRECT" : in.direct_note);
	is(wr(d, BLK_FUA, 2, 9), 0, "tmpfs: write");
	is(read_wid(d, 2, 7), 9, "tmpfs: read back (%s)", in.direct ? "direct" : "buffered");
	blk_close(d);
	unlink(p);
}

static bool engine_ok(enum blk_engine e)
{
	return e != BLK_ENGINE_URING || have_uring;
}

/* ---- requests ----------------------------------------------------------------- */

static void test_bad_requests(enum blk_engine e)
{
	char p[PATH_MAX];
	path_of(p, "bad.img");
	make_image(p, 16 * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	char *buf = abuf(2 * LBS);
	const char *en = blk_engine_name(e);
	is(blk_rw(d, BLK_OP_READ, 0, 1, buf, LBS), -EINVAL, "%s: sector not block-aligned", en);
	is(blk_rw(d, BLK_OP_WRITE, 0, 0, buf, 512), -EINVAL, "%s: length below a block", en);
	is(blk_rw(d, BLK_OP_WRITE, 0, 0, buf, 0), -EINVAL, "%s: zero length", en);
	is(blk_rw(d, BLK_OP_WRITE, 0, 0, buf + 8, LBS), -EINVAL, "%s: unaligned buffer", en);
	is(blk_rw(d, BLK_OP_WRITE, 0, 0, NULL, LBS), -EINVAL, "%s: no buffer", en);
	is(blk_rw(d, BLK_OP_READ, 0, 15 * SPB, buf, 2 * LBS), -ENXIO, "%s: past the end", en);
	is(blk_rw(d, BLK_OP_READ, 0, 16 * SPB, buf, LBS), -ENXIO, "%s: at the end", en);
	is(blk_rw(d, BLK_OP_READ, 0, UINT64_MAX - 7, buf, LBS), -ENXIO, "%s: sector overflow", en);
	is(blk_rw(d, BLK_OP_READ, BLK_FUA, 0, buf, LBS), -EINVAL, "%s: FUA on a read", en);
	is(blk_rw(d, BLK_OP_WRITE, 0x80, 0, buf, LBS), -EINVAL, "%s: unknown flag", en);
	is(blk_rw(d, BLK_OP_FLUSH, 0, 0, buf, LBS), -EINVAL, "%s: flush with data", en);
	is(blk_rw(d, BLK_OP_FLUSH, BLK_FUA, 0, NULL, 0), -EINVAL, "%s: flush with FUA", en);
	is(blk_rw(d, (enum blk_op)99, 0, 0, buf, LBS), -EINVAL, "%s: unknown op", en);
	is(blk_rw(d, BLK_OP_DISCARD, 0, 0, NULL, 100), -EINVAL, "%s: discard not whole blocks", en);
	is(blk_rw(d, BLK_OP_DISCARD, 0, 8 * SPB, NULL, 9 * LBS), -ENXIO, "%s: discard past end", en);
	struct iovec iov[2] = { { buf, 1000 }, { buf + 1024, 3096 } };
	struct blk_req r = { .op = BLK_OP_WRITE, .iov = iov, .iovcnt = 2 };
	is(blk_submit_wait(d, &r), -EINVAL, "%s: iovec segment not whole sectors", en);
	struct blk_req r2 = { .op = BLK_OP_WRITE, .buf = buf, .len = LBS };
	is(blk_submit(d, &r2), -EINVAL, "%s: no end_io", en);
	is(blk_rw(d, BLK_OP_FLUSH, 0, 0, NULL, 0), 0, "%s: a good flush still works", en);
	free(buf);
	blk_close(d);
	unlink(p);
}

#define NBLK 64

static void test_round_trip(enum blk_engine e, unsigned flags)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	const char *mode = (flags & BLK_OPEN_BUFFERED) ? "buffered" : "default";
	path_of(p, "rt.img");
	make_image(p, NBLK * LBS);
	struct blk_dev *d = open_dev(p, e, flags);
	char *w = abuf(NBLK * LBS), *rd = abuf(NBLK * LBS);
	struct blk_req reqs[NBLK];
	struct batch b;
	batch_init(&b);
	int bad = 0;
	/* All blocks at once, asynchronously, some FUA. */
	for (unsigned i = 0; i < NBLK; i++) {
		fill(w + i * LBS, 100 + i, i * SPB, SPB);
		reqs[i] = (struct blk_req){ .op = BLK_OP_WRITE, .flags = i % 5 ? 0 : BLK_FUA,
					    .sector = i * SPB, .buf = w + i * LBS, .len = LBS };
		bad += batch_submit(d, &b, &reqs[i]) != 0;
	}
	batch_wait(&b);
	for (unsigned i = 0; i < NBLK; i++)
		bad += reqs[i].result != 0;
	is(bad, 0, "%s/%s: %d async writes succeed", en, mode, NBLK);
	is(blk_rw(d, BLK_OP_READ, 0, 0, rd, NBLK * LBS), 0, "%s/%s: one big read", en, mode);
	ok(!memcmp(w, rd, NBLK * LBS), "%s/%s: read back what was written", en, mode);

	/* A scattered write and read: 1024 + 2048 + 1024 bytes. */
	char *seg = abuf(3 * LBS);
	fill(seg, 7, 8 * SPB, 8);
	struct iovec wi[3] = { { seg, 1024 }, { seg + LBS, 2048 }, { seg + 2 * LBS, 1024 } };
	memcpy(seg + LBS, seg + 1024, 2048);
	memcpy(seg + 2 * LBS, seg + 3072, 1024);
	struct blk_req r = { .op = BLK_OP_WRITE, .sector = 8 * SPB, .iov = wi, .iovcnt = 3 };
	is(blk_submit_wait(d, &r), 0, "%s/%s: iovec write", en, mode);
	memset(rd, 0, LBS);
	struct iovec ri[2] = { { rd, 512 }, { rd + 512, 3584 } };
	r = (struct blk_req){ .op = BLK_OP_READ, .sector = 8 * SPB, .iov = ri, .iovcnt = 2 };
	is(blk_submit_wait(d, &r), 0, "%s/%s: iovec read", en, mode);
	bool same = true;
	for (unsigned s = 0; s < SPB; s++)
		same = same && sector_wid(rd + s * 512, 8 * SPB + s) == 7;
	ok(same, "%s/%s: iovec data lands in order", en, mode);

	/* Discard reads back as zeros; neighbours untouched. */
	is(blk_rw(d, BLK_OP_DISCARD, 0, 16 * SPB, NULL, 4 * LBS), 0, "%s/%s: discard", en, mode);
	is(blk_rw(d, BLK_OP_READ, 0, 15 * SPB, rd, 6 * LBS), 0, "%s/%s: read around it", en, mode);
	char *zero = abuf(4 * LBS);
	ok(!memcmp(rd + LBS, zero, 4 * LBS) && !memcmp(rd, w + 15 * LBS, LBS) &&
	   !memcmp(rd + 5 * LBS, w + 20 * LBS, LBS),
	   "%s/%s: discarded range reads zeros, neighbours kept", en, mode);
	is(blk_rw(d, BLK_OP_WRITE, BLK_PREFLUSH | BLK_FUA, 0, w, LBS), 0,
	   "%s/%s: PREFLUSH|FUA write", en, mode);
	is(blk_rw(d, BLK_OP_FLUSH, 0, 0, NULL, 0), 0, "%s/%s: flush", en, mode);
	batch_destroy(&b);
	free(w);
	free(rd);
	free(seg);
	free(zero);
	blk_close(d);
	unlink(p);
}

/* end_io runs in completion context: waiting there is refused. */
static void deadlock_end_io(struct blk_req *req)
{
	char *buf = req->buf;
	int *got = (int *)(buf + LBS);
	*got = blk_rw(req->dev, BLK_OP_READ, 0, 0, buf, LBS);
	batch_end_io(req);
}

struct chain {
	struct batch *b;
	int left;
	int failures;
};

/* Each completion submits the next write from the engine's thread. */
static void chain_end_io(struct blk_req *req)
{
	struct chain *c = (struct chain *)((char *)req->buf + LBS);
	c->failures += req->result != 0;
	if (--c->left > 0) {
		req->sector = (req->sector + SPB) % (NBLK * SPB);
		if (!blk_submit(req->dev, req))
			return;
		c->failures++;
	}
	batch_end_io(req);
}

static void test_completion_context(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "ctx.img");
	make_image(p, NBLK * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	char *buf = abuf(2 * LBS);
	struct batch b;
	batch_init(&b);
	struct blk_req r = { .op = BLK_OP_READ, .buf = buf, .len = LBS };
	*(int *)(buf + LBS) = 1;
	b.pending = 1;
	r.end_io = deadlock_end_io;
	r.private = &b;
	is(blk_submit(d, &r), 0, "%s: submit a read", en);
	batch_wait(&b);
	is(*(int *)(buf + LBS), -EDEADLK, "%s: blk_submit_wait in end_io -> EDEADLK", en);

	/* 300 writes, each submitted by the previous one's end_io. */
	struct chain *c = (struct chain *)(buf + LBS);
	c->b = &b;
	c->left = 300;
	c->failures = 0;
	r = (struct blk_req){ .op = BLK_OP_WRITE, .buf = buf, .len = LBS,
			      .end_io = chain_end_io, .private = &b };
	b.pending = 1;
	is(blk_submit(d, &r), 0, "%s: start a chain", en);
	batch_wait(&b);
	ok(c->left == 0 && c->failures == 0, "%s: 300 writes chained from end_io", en);
	batch_destroy(&b);
	free(buf);
	blk_close(d);
	unlink(p);
}

/* ---- many requests, several submitting threads ------------------------------ */

#define NTHR 4
#define PER_THR 8		/* blocks owned by each thread */
#define ROUNDS 200

struct worker {
	struct blk_dev *dev;
	int id;
	int bad;
};

static void *submitter(void *arg)
{
	struct worker *wk = arg;
	char *buf = abuf(PER_THR * LBS), *rd = abuf(PER_THR * LBS);
	struct blk_req reqs[PER_THR];
	struct batch b;
	batch_init(&b);
	uint64_t first = (uint64_t)wk->id * PER_THR * SPB;
	for (int round = 1; round <= ROUNDS; round++) {
		for (int i = 0; i < PER_THR; i++) {
			uint64_t s = first + (uint64_t)i * SPB;
			fill(buf + i * LBS, (uint64_t)round, s, SPB);
			reqs[i] = (struct blk_req){ .op = BLK_OP_WRITE, .sector = s,
						    .buf = buf + i * LBS, .len = LBS,
						    .flags = round % 7 ? 0 : BLK_FUA };
			wk->bad += batch_submit(wk->dev, &b, &reqs[i]) != 0;
		}
		batch_wait(&b);
		for (int i = 0; i < PER_THR; i++) {
			wk->bad += reqs[i].result != 0;
			reqs[i] = (struct blk_req){ .op = BLK_OP_READ,
						    .sector = first + (uint64_t)i * SPB,
						    .buf = rd + i * LBS, .len = LBS };
			wk->bad += batch_submit(wk->dev, &b, &reqs[i]) != 0;
		}
		if (round % 50 == 0)
			wk->bad += blk_rw(wk->dev, BLK_OP_FLUSH, 0, 0, NULL, 0) != 0;
		batch_wait(&b);
		wk->bad += memcmp(buf, rd, PER_THR * LBS) != 0;
	}
	batch_destroy(&b);
	free(buf);
	free(rd);
	return NULL;
}

static void test_threads(enum blk_engine e)
{
	char p[PATH_MAX];
	path_of(p, "thr.img");
	make_image(p, NTHR * PER_THR * LBS);
	struct blk_open_opts o;
	blk_open_opts_default(&o);
	o.engine = e;
	o.queue_depth = 8;	/* fewer slots than requests: the pending FIFO */
	struct blk_dev *d = NULL;
	is(blk_open(p, &o, &d), 0, "%s: open with queue depth 8", blk_engine_name(e));
	pthread_t th[NTHR];
	struct worker wk[NTHR];
	for (int i = 0; i < NTHR; i++) {
		wk[i] = (struct worker){ .dev = d, .id = i };
		pthread_create(&th[i], NULL, submitter, &wk[i]);
	}
	int bad = 0;
	for (int i = 0; i < NTHR; i++) {
		pthread_join(th[i], NULL);
		bad += wk[i].bad;
	}
	is(bad, 0, "%s: %d threads x %d rounds of write/read/verify", blk_engine_name(e),
	   NTHR, ROUNDS);
	blk_close(d);
	unlink(p);
}

/* ---- fault injection: EIO ------------------------------------------------------ */

static bool fail_read_of_block3(void *arg, const struct blk_req *req, uint64_t nr)
{
	(void)nr;
	++*(int *)arg;
	return req->op == BLK_OP_READ && req->sector == 3 * SPB;
}

static void test_eio(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "eio.img");
	make_image(p, 16 * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	int calls = 0;
	struct blk_fault_opts fo = { .seed = 1, .fail_nth_write = 3,
				     .fail = fail_read_of_block3, .fail_arg = &calls };
	is(blk_fault_attach(d, &fo), 0, "%s: attach the fault layer", en);
	is(blk_fault_attach(d, &fo), -EBUSY, "%s: attach twice -> EBUSY", en);
	char *buf = abuf(LBS);
	int res[5];
	for (int i = 0; i < 5; i++) {
		fill(buf, 10 + (uint64_t)i, (uint64_t)i * SPB, SPB);
		res[i] = blk_rw(d, BLK_OP_WRITE, 0, (uint64_t)i * SPB, buf, LBS);
	}
	ok(!res[0] && !res[1] && res[2] == -EIO && !res[3] && !res[4],
	   "%s: the 3rd write (only) fails with EIO", en);
	is(blk_rw(d, BLK_OP_READ, 0, 2 * SPB, buf, LBS), 0, "%s: read the failed block", en);
	is(sector_wid(buf, 2 * SPB), 0, "%s: a failed write changed nothing", en);
	is(blk_rw(d, BLK_OP_READ, 0, 3 * SPB, buf, LBS), -EIO, "%s: predicate fails a read", en);
	is(blk_rw(d, BLK_OP_READ, 0, 4 * SPB, buf, LBS), 0, "%s: other reads work", en);
	is(sector_wid(buf, 4 * SPB), 14, "%s: ... and see their write", en);
	is(calls, 7, "%s: the predicate saw every request the Nth-write rule let by", en);
	free(buf);
	blk_close(d);
	unlink(p);
}

/* Holds the thread engine's only worker inside an end_io. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool in, open;
};

static void gate_end_io(struct blk_req *req)
{
	struct gate *g = req->private;
	pthread_mutex_lock(&g->lock);
	g->in = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

struct done_flag {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void flag_end_io(struct blk_req *req)
{
	struct done_flag *f = req->private;
	pthread_mutex_lock(&f->lock);
	f->done = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void noop_end_io(struct blk_req *req)
{
	(void)req;
}

/* Overlapping writes in flight together are refused under the fault layer. */
static void test_overlap_busy(void)
{
	char p[PATH_MAX];
	path_of(p, "busy.img");
	make_image(p, 16 * LBS);
	struct blk_open_opts o;
	blk_open_opts_default(&o);
	o.engine = BLK_ENGINE_THREADS;
	o.nthreads = 1;
	struct blk_dev *d = NULL;
	blk_open(p, &o, &d);
	struct blk_fault_opts fo = { .seed = 2 };
	blk_fault_attach(d, &fo);
	char *buf = abuf(2 * LBS);
	struct gate g = { .in = false, .open = false };
	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	struct blk_req hold = { .op = BLK_OP_READ, .buf = buf, .len = LBS,
				.end_io = gate_end_io, .private = &g };
	blk_submit(d, &hold);
	pthread_mutex_lock(&g.lock);
	while (!g.in)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	struct blk_req a = { .op = BLK_OP_WRITE, .sector = 0, .buf = buf, .len = 2 * LBS,
			     .end_io = noop_end_io };
	struct blk_req b = a, c = a;
	b.sector = SPB;
	c.sector = 2 * SPB;
	is(blk_submit(d, &a), 0, "busy: first write queued");
	is(blk_submit(d, &b), -EBUSY, "busy: overlapping write in flight -> EBUSY");
	is(blk_submit(d, &c), 0, "busy: adjacent write accepted");
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	blk_drain(d);
	is(blk_fault_nondurable(d), 2, "busy: two writes not yet durable");
	blk_close(d);
	pthread_mutex_destroy(&g.lock);
	pthread_cond_destroy(&g.cond);
	free(buf);
	unlink(p);
}

/* ---- fault injection: power loss, directed -------------------------------------- */

static int64_t read_wid(struct blk_dev *d, uint64_t block, unsigned sector_in_block)
{
	char *buf = abuf(LBS);
	int64_t w = -2;
	if (!blk_rw(d, BLK_OP_READ, 0, block * SPB, buf, LBS))
		w = sector_wid(buf + sector_in_block * 512, block * SPB + sector_in_block);
	free(buf);
	return w;
}

static int wr(struct blk_dev *d, unsigned flags, uint64_t block, uint64_t wid)
{
	char *buf = abuf(LBS);
	fill(buf, wid, block * SPB, SPB);
	int err = blk_rw(d, BLK_OP_WRITE, flags, block * SPB, buf, LBS);
	free(buf);
	return err;
}

static void test_durability(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "dur.img");
	make_image(p, 16 * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	struct blk_fault_opts fo = { .seed = 3, .survive_pct = 0 };
	blk_fault_attach(d, &fo);
	int err = wr(d, 0, 0, 1);
	is(blk_fault_nondurable(d), 1, "%s: a plain write is not durable", en);
	err |= blk_rw(d, BLK_OP_FLUSH, 0, 0, NULL, 0);
	is(blk_fault_nondurable(d), 0, "%s: ... until a flush completes", en);
	err |= wr(d, BLK_FUA, 1, 3);		/* FUA: kept */
	err |= wr(d, 0, 3, 5);			/* overwritten by a FUA write */
	err |= wr(d, BLK_FUA, 3, 6);
	err |= wr(d, 0, 4, 7);			/* covered by the PREFLUSH below */
	err |= wr(d, BLK_PREFLUSH, 5, 8);	/* itself lost */
	err |= wr(d, 0, 0, 2);			/* lost: block 0 back to 1 */
	err |= wr(d, 0, 2, 4);			/* lost: zeros */
	err |= blk_rw(d, BLK_OP_DISCARD, 0, 4 * SPB, NULL, LBS);	/* lost */
	is(err, 0, "%s: the writes succeed", en);
	is(blk_fault_nondurable(d), 4, "%s: 4 writes/discards not durable", en);
	struct blk_fault_report rep;
	is(blk_fault_power_loss(d, &rep), 0, "%s: power loss", en);
	is(rep.dropped, 4, "%s: every non-durable write dropped", en);
	ok(blk_fault_power_is_off(d), "%s: power is off", en);
	char *buf = abuf(LBS);
	is(blk_rw(d, BLK_OP_READ, 0, 0, buf, LBS), -ENODEV, "%s: a dead device refuses I/O", en);
	free(buf);
	blk_close(d);
	d = open_dev(p, e, 0);
	is(read_wid(d, 0, 0), 1, "%s: flushed write survives, later one undone", en);
	is(read_wid(d, 1, 7), 3, "%s: FUA write survives", en);
	is(read_wid(d, 2, 3), 0, "%s: unflushed write undone", en);
	is(read_wid(d, 3, 0), 6, "%s: a later FUA write is not rolled back", en);
	is(read_wid(d, 4, 5), 7, "%s: PREFLUSH made the earlier write durable", en);
	is(read_wid(d, 5, 0), 0, "%s: ... but not its own data", en);
	blk_close(d);
	unlink(p);
}

/*
 * The power goes while a PREFLUSH write waits behind a held request: it
 * completes with -EIO, but the engine did flush and write.  When any of
 * its sectors survive (torn: its new prefix), the write its flush covered
 * must survive whole; when it is dropped, nothing binds that write.
 */
static void test_preflush_cut_in_flight(unsigned tear_pct, uint64_t seed)
{
	char p[PATH_MAX];
	path_of(p, "cutflush.img");
	make_image(p, 8 * LBS);
	struct blk_open_opts o;
	blk_open_opts_default(&o);
	o.engine = BLK_ENGINE_THREADS;
	o.nthreads = 1;		/* the held read stalls everything behind it */
	struct blk_dev *d = NULL;
	blk_open(p, &o, &d);
	struct blk_fault_opts fo = { .seed = seed, .survive_pct = 0, .tear_pct = tear_pct };
	blk_fault_attach(d, &fo);
	int err = wr(d, 0, 0, 1);		/* D: completed, not durable */
	char *rbuf = abuf(LBS), *jbuf = abuf(LBS);
	struct gate g = { .in = false, .open = false };
	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	struct blk_req hold = { .op = BLK_OP_READ, .sector = 4 * SPB, .buf = rbuf, .len = LBS,
				.end_io = gate_end_io, .private = &g };
	err |= blk_submit(d, &hold);
	pthread_mutex_lock(&g.lock);
	while (!g.in)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	struct done_flag jd = { .done = false };
	pthread_mutex_init(&jd.lock, NULL);
	pthread_cond_init(&jd.cond, NULL);
	fill(jbuf, 2, 2 * SPB, SPB);
	struct blk_req j = { .op = BLK_OP_WRITE, .flags = BLK_PREFLUSH | BLK_FUA,
			     .sector = 2 * SPB, .buf = jbuf, .len = LBS,
			     .end_io = flag_end_io, .private = &jd };
	err |= blk_submit(d, &j);		/* J: queued behind the held read */
	blk_fault_set_loss(d, seed, 0, tear_pct, 1);
	is(blk_rw(d, BLK_OP_READ, 0, 5 * SPB, rbuf, LBS), -ENODEV,
	   "cut in flight (tear %u%%): the next request cuts the power", tear_pct);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	pthread_mutex_lock(&jd.lock);
	while (!jd.done)
		pthread_cond_wait(&jd.cond, &jd.lock);
	pthread_mutex_unlock(&jd.lock);
	is(j.result, -EIO, "cut in flight (tear %u%%): the PREFLUSH write is not acked",
	   tear_pct);
	struct blk_fault_report rep;
	is(blk_fault_power_loss(d, &rep), 0, "cut in flight (tear %u%%): power loss", tear_pct);
	blk_close(d);
	d = open_dev(p, BLK_ENGINE_THREADS, 0);
	int64_t jw = read_wid(d, 2, 0), dw[SPB];
	bool d_whole = true, d_gone = true;
	for (unsigned s = 0; s < SPB; s++) {
		dw[s] = read_wid(d, 0, s);
		d_whole &= dw[s] == 1;
		d_gone &= dw[s] == 0;
	}
	is(err, 0, "cut in flight (tear %u%%): requests submitted", tear_pct);
	if (tear_pct) {
		is(jw, 2, "torn PREFLUSH write: its first sector survived");
		ok(d_whole, "... so the write its flush covered survived whole");
		is(rep.torn, 1, "... and was not torn itself (1 tear: J's)");
	} else {
		is(jw, 0, "dropped PREFLUSH write: gone");
		ok(d_gone, "... and the unflushed write before it may go too (dropped)");
	}
	blk_close(d);
	pthread_mutex_destroy(&g.lock);
	pthread_cond_destroy(&g.cond);
	pthread_mutex_destroy(&jd.lock);
	pthread_cond_destroy(&jd.cond);
	free(rbuf);
	free(jbuf);
	unlink(p);
}

/* ---- blk_submit_inline ------------------------------------------------------------ */

static bool fail_all_writes(void *arg, const struct blk_req *req, uint64_t nr)
{
	(void)nr;
	return req->op == BLK_OP_WRITE && __atomic_load_n((bool *)arg, __ATOMIC_ACQUIRE);
}

struct inline_probe {
	pthread_t thread;
	int calls;
	struct blk_dev *dev;		/* for the nested submit */
	struct blk_req *nested;
	int nested_ret;
	struct done_flag *nested_done;
};

static void probe_end_io(struct blk_req *req)
{
	struct inline_probe *pr = req->private;
	pr->thread = pthread_self();
	pr->calls++;
	if (pr->nested)		/* from end_io: must not run on this thread */
		pr->nested_ret = blk_submit_inline(pr->dev, pr->nested);
}

/* Inline requests run and complete on the caller's thread, through the
 * fault layer like any other; from an end_io they are queued instead. */
static void test_inline(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "inline.img");
	make_image(p, 8 * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	char *w = abuf(LBS), *rd = abuf(LBS);
	struct inline_probe pr = { .calls = 0 };
	fill(w, 41, 2 * SPB, SPB);
	struct blk_req req = { .op = BLK_OP_WRITE, .flags = BLK_PREFLUSH | BLK_FUA,
			       .sector = 2 * SPB, .buf = w, .len = LBS,
			       .end_io = probe_end_io, .private = &pr };
	is(blk_submit_inline(d, &req), 0, "%s: inline PREFLUSH|FUA write accepted", en);
	ok(pr.calls == 1 && pthread_equal(pr.thread, pthread_self()),
	   "%s: ... its end_io ran once, on this thread, before the call returned", en);
	is(req.result, 0, "%s: ... and it succeeded", en);
	is(blk_rw(d, BLK_OP_READ, 0, 2 * SPB, rd, LBS), 0, "%s: read it back", en);
	ok(!memcmp(w, rd, LBS), "%s: ... the data is there", en);
	struct blk_req bad = req;
	bad.sector = 1;		/* not block aligned */
	is(blk_submit_inline(d, &bad), -EINVAL, "%s: a malformed inline request is refused", en);
	is(pr.calls, 1, "%s: ... and its end_io never runs", en);

	/* The fault layer sees it: a predicate fails writes. */
	bool armed = true;
	struct blk_fault_opts fo = { .seed = 9, .fail = fail_all_writes, .fail_arg = &armed };
	blk_close(d);
	d = open_dev(p, e, 0);
	blk_fault_attach(d, &fo);
	pr.calls = 0;
	is(blk_submit_inline(d, &req), 0, "%s: inline write under the fault layer", en);
	is(req.result, -EIO, "%s: ... failed by its predicate with EIO", en);

	/* From end_io: queued, completed on an engine thread. */
	__atomic_store_n(&armed, false, __ATOMIC_RELEASE);
	struct done_flag nd = { .done = false };
	pthread_mutex_init(&nd.lock, NULL);
	pthread_cond_init(&nd.cond, NULL);
	struct blk_req nested = { .op = BLK_OP_READ, .sector = 2 * SPB, .buf = rd, .len = LBS,
				  .end_io = flag_end_io, .private = &nd };
	memset(rd, 0, LBS);
	pr = (struct inline_probe){ .dev = d, .nested = &nested, .nested_ret = 1 };
	struct blk_req outer = { .op = BLK_OP_READ, .sector = 0, .buf = w, .len = LBS,
				 .end_io = probe_end_io, .private = &pr };
	is(blk_submit(d, &outer), 0, "%s: an async read whose end_io submits inline", en);
	pthread_mutex_lock(&nd.lock);
	while (!nd.done)
		pthread_cond_wait(&nd.cond, &nd.lock);
	pthread_mutex_unlock(&nd.lock);
	blk_drain(d);		/* the outer end_io has returned too */
	is(pr.nested_ret, 0, "%s: ... the nested inline submit is accepted", en);
	ok(nested.result == 0 && sector_wid(rd, 2 * SPB) == 41,
	   "%s: ... and completes with the data", en);
	blk_close(d);
	pthread_mutex_destroy(&nd.lock);
	pthread_cond_destroy(&nd.cond);
	free(w);
	free(rd);
	unlink(p);
}

/* A PREFLUSH with no volatile completion outstanding is skipped, and
 * skipping it loses nothing: the fault model agrees everything is durable. */
static void test_preflush_elision(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "elide.img");
	make_image(p, 16 * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	struct blk_fault_opts fo = { .seed = 5, .survive_pct = 0 };
	blk_fault_attach(d, &fo);
	uint64_t e0 = blk_preflush_elided(d);
	int err = wr(d, BLK_PREFLUSH | BLK_FUA, 0, 1);
	is(blk_preflush_elided(d) - e0, 1, "%s: nothing written yet: PREFLUSH skipped", en);
	err |= wr(d, 0, 1, 2);
	err |= wr(d, BLK_PREFLUSH | BLK_FUA, 2, 3);
	is(blk_preflush_elided(d) - e0, 1, "%s: after a plain write the PREFLUSH runs", en);
	err |= wr(d, BLK_PREFLUSH | BLK_FUA, 3, 4);
	is(blk_preflush_elided(d) - e0, 2, "%s: ... and covers it: the next one is skipped", en);
	err |= blk_rw(d, BLK_OP_DISCARD, 0, 4 * SPB, NULL, LBS);
	err |= blk_rw(d, BLK_OP_FLUSH, 0, 0, NULL, 0);
	err |= wr(d, BLK_PREFLUSH | BLK_FUA, 5, 5);
	is(blk_preflush_elided(d) - e0, 3, "%s: a FLUSH covers a discard too", en);
	is(err, 0, "%s: the writes succeed", en);
	is(blk_fault_nondurable(d), 0, "%s: the fault model agrees: all durable", en);
	is(blk_fault_power_loss(d, NULL), 0, "%s: power loss", en);
	blk_close(d);
	d = open_dev(p, e, 0);
	is(read_wid(d, 1, 0), 2, "%s: the plain write survived", en);
	is(read_wid(d, 3, 0), 4, "%s: the write after a skipped PREFLUSH survived", en);
	blk_close(d);
	unlink(p);
}

/* Tears: first k sectors new, the rest old, 0 < k < 8; several k seen. */
static void test_torn(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "torn.img");
	unsigned seen = 0;
	int bad = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		make_image(p, 4 * LBS);
		struct blk_dev *d = open_dev(p, e, 0);
		struct blk_fault_opts fo = { .seed = seed, .survive_pct = 0, .tear_pct = 100 };
		blk_fault_attach(d, &fo);
		bad += wr(d, BLK_FUA, 1, 1) != 0;
		bad += wr(d, 0, 1, 2) != 0;
		struct blk_fault_report rep;
		bad += blk_fault_power_loss(d, &rep) != 0 || rep.torn != 1;
		blk_close(d);
		d = open_dev(p, e, 0);
		char *buf = abuf(LBS);
		bad += blk_rw(d, BLK_OP_READ, 0, SPB, buf, LBS) != 0;
		unsigned k = 0;
		while (k < SPB && sector_wid(buf + k * 512, SPB + k) == 2)
			k++;
		for (unsigned s = k; s < SPB; s++)
			bad += sector_wid(buf + s * 512, SPB + s) != 1;
		bad += k == 0 || k == SPB;
		seen |= 1u << k;
		free(buf);
		blk_close(d);
	}
	is(bad, 0, "%s: 40 torn writes: new prefix, old suffix, at a sector boundary", en);
	ok(__builtin_popcount(seen) >= 4, "%s: tears at several boundaries (mask %#x)", en, seen);
	unlink(p);
}

/* power_cut_at: the Nth request is refused; closing rolls back. */
static void test_power_cut_at(enum blk_engine e)
{
	char p[PATH_MAX];
	const char *en = blk_engine_name(e);
	path_of(p, "cut.img");
	make_image(p, 8 * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	struct blk_fault_opts fo = { .seed = 5, .power_cut_at = 4 };
	blk_fault_attach(d, &fo);
	is(wr(d, 0, 0, 1), 0, "%s: request 1", en);
	is(blk_rw(d, BLK_OP_FLUSH, 0, 0, NULL, 0), 0, "%s: request 2 (flush)", en);
	is(wr(d, 0, 1, 2), 0, "%s: request 3", en);
	is(wr(d, 0, 2, 3), -ENODEV, "%s: request 4 meets the power cut", en);
	ok(blk_fault_power_is_off(d), "%s: power is off", en);
	blk_close(d);		/* rolls back request 3 */
	d = open_dev(p, e, 0);
	is(read_wid(d, 0, 0), 1, "%s: flushed write kept", en);
	is(read_wid(d, 1, 0), 0, "%s: unflushed write rolled back at close", en);
	is(read_wid(d, 2, 0), 0, "%s: refused write never happened", en);
	blk_close(d);
	unlink(p);
}

/* ---- fault injection: the random campaign ------------------------------------- */

#define CBLK 32
#define MAXC 64

struct model {
	uint64_t stable[CBLK];
	uint64_t cand[CBLK][MAXC];	/* write ids since stable */
	uint64_t cbatch[CBLK][MAXC];	/* the batch each was issued in */
	unsigned ncand[CBLK];
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Writes issued in batches before `batch` are now durable. */
static void model_flush(struct model *m, uint64_t batch)
{
	for (unsigned b = 0; b < CBLK; b++) {
		unsigned keep = 0;
		for (unsigned i = 0; i < m->ncand[b]; i++) {
			if (m->cbatch[b][i] < batch) {
				m->stable[b] = m->cand[b][i];
				continue;
			}
			m->cand[b][keep] = m->cand[b][i];
			m->cbatch[b][keep++] = m->cbatch[b][i];
		}
		m->ncand[b] = keep;
	}
}

static void model_add(struct model *m, unsigned blk, uint64_t wid, uint64_t batch)
{
	if (m->ncand[blk] == MAXC) {
		fprintf(stderr, "model full\n");
		abort();
	}
	m->cand[blk][m->ncand[blk]] = wid;
	m->cbatch[blk][m->ncand[blk]++] = batch;
}

static bool model_allows(const struct model *m, unsigned blk, int64_t wid)
{
	if (wid < 0)
		return false;
	if ((uint64_t)wid == m->stable[blk])
		return true;
	for (unsigned i = 0; i < m->ncand[blk]; i++)
		if (m->cand[blk][i] == (uint64_t)wid)
			return true;
	return false;
}

struct op {
	struct blk_req req;
	unsigned blk, nblk;
	uint64_t wid;
	bool accepted;
};

/* One random batch of non-overlapping writes/discards.  false: power off. */
static bool run_batch(struct blk_dev *d, struct model *m, uint64_t *rng, uint64_t batch,
		      uint64_t *wid, char *bufs)
{
	struct op ops[4];
	unsigned n = 0, want = 1 + rng_next(rng) % 4;
	bool alive = true;
	struct batch b;
	batch_init(&b);
	for (unsigned i = 0; i < want && alive; i++) {
		struct op *o = &ops[n];
		o->blk = rng_next(rng) % (CBLK - 1);
		o->nblk = 1 + rng_next(rng) % 2;
		bool clash = false;
		for (unsigned j = 0; j < n; j++)
			clash |= o->blk < ops[j].blk + ops[j].nblk && ops[j].blk < o->blk + o->nblk;
		if (clash)
			continue;
		unsigned r = rng_next(rng) % 100;
		bool discard = r < 12;
		o->wid = discard ? 0 : (*wid)++;
		char *buf = bufs + n * 2 * LBS;
		fill(buf, o->wid, o->blk * SPB, o->nblk * SPB);
		o->req = (struct blk_req){
			.op = discard ? BLK_OP_DISCARD : BLK_OP_WRITE,
			.flags = discard ? 0 : r < 30 ? BLK_FUA : r < 40 ? BLK_PREFLUSH : 0,
			.sector = o->blk * SPB, .buf = discard ? NULL : buf, .len = o->nblk * LBS };
		int err = batch_submit(d, &b, &o->req);
		o->accepted = !err;
		if (err == -ENODEV)
			alive = false;
		else if (err)
			printf("# unexpected submit error %d\n", err);
		if (o->accepted)
			for (unsigned k = 0; k < o->nblk; k++)
				model_add(m, o->blk + k, o->wid, batch);
		n++;
	}
	batch_wait(&b);
	batch_destroy(&b);
	for (unsigned i = 0; i < n; i++)
		if (ops[i].accepted && !ops[i].req.result && (ops[i].req.flags & BLK_PREFLUSH))
			model_flush(m, batch);
	for (unsigned i = 0; i < n; i++) {
		struct op *o = &ops[i];
		if (!o->accepted || o->req.result || !(o->req.flags & BLK_FUA))
			continue;
		for (unsigned k = 0; k < o->nblk; k++) {
			m->stable[o->blk + k] = o->wid;
			m->ncand[o->blk + k] = 0;
		}
	}
	return alive;
}

/* One crash state: random I/O, power loss, reopen, check every sector. */
static int run_seed(enum blk_engine e, uint64_t seed, bool cut, struct blk_fault_report *tot)
{
	char p[PATH_MAX];
	path_of(p, "camp.img");
	make_image(p, CBLK * LBS);
	struct blk_dev *d = open_dev(p, e, 0);
	uint64_t rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	struct blk_fault_opts fo = { .seed = seed, .survive_pct = (unsigned)(seed % 3) * 40,
				     .tear_pct = 50 };
	if (cut)
		fo.power_cut_at = 1 + rng_next(&rng) % 60;
	blk_fault_attach(d, &fo);
	static struct model m;
	memset(&m, 0, sizeof m);
	char *bufs = abuf(8 * LBS);
	uint64_t wid = 1;
	for (uint64_t batch = 0; batch < 25; batch++) {
		if (rng_next(&rng) % 8 == 0) {
			int err = blk_rw(d, BLK_OP_FLUSH, 0, 0, NULL, 0);
			if (err == -ENODEV)
				break;
			if (!err)
				model_flush(&m, batch + 1);
			continue;
		}
		if (!run_batch(d, &m, &rng, batch, &wid, bufs))
			break;
	}
	struct blk_fault_report rep = { 0 };
	int bad = blk_fault_power_loss(d, &rep) != 0;
	tot->kept += rep.kept;
	tot->dropped += rep.dropped;
	tot->torn += rep.torn;
	blk_close(d);
	d = open_dev(p, e, 0);
	char *img = abuf(CBLK * LBS);
	bad += blk_rw(d, BLK_OP_READ, 0, 0, img, CBLK * LBS) != 0;
	for (unsigned s = 0; s < CBLK * SPB && !bad; s++) {
		int64_t w = sector_wid(img + (size_t)s * 512, s);
		if (!model_allows(&m, s / SPB, w)) {
			printf("# seed %llu: sector %u holds %lld (stable %llu, %u cands)\n",
			       (unsigned long long)seed, s, (long long)w,
			       (unsigned long long)m.stable[s / SPB], m.ncand[s / SPB]);
			bad++;
		}
	}
	blk_close(d);
	free(img);
	free(bufs);
	unlink(p);
	return bad;
}

static void test_campaign(enum blk_engine e)
{
	const char *env = getenv("MMSIM_BLOCK_SEEDS");
	const char *env0 = getenv("MMSIM_BLOCK_SEED");
	uint64_t nseeds = env ? strtoull(env, NULL, 0) : 50;
	uint64_t seed0 = env0 ? strtoull(env0, NULL, 0) : 1;
	for (int cut = 0; cut < 2; cut++) {
		struct blk_fault_report tot = { 0 };
		int bad = 0;
		for (uint64_t seed = seed0; seed < seed0 + nseeds; seed++)
			bad += run_seed(e, seed, cut, &tot) != 0;
		is(bad, 0, "%s: %llu crash states, seeds %llu..%llu (%s): every sector old or new, "
		   "flushed exact", blk_engine_name(e), (unsigned long long)nseeds,
		   (unsigned long long)seed0, (unsigned long long)(seed0 + nseeds - 1),
		   cut ? "power cut at a random request" : "power loss at the end");
		printf("# writes at power loss: %llu kept, %llu dropped, %llu torn\n",
		       (unsigned long long)tot.kept, (unsigned long long)tot.dropped,
		       (unsigned long long)tot.torn);
		ok(nseeds < 20 || (tot.kept && tot.dropped && tot.torn),
		   "%s: the campaign kept, dropped and tore writes", blk_engine_name(e));
	}
}

/* ---- main -------------------------------------------------------------------- */

int main(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/mmsim-block-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_open_errors();
	test_info();
	test_tmpfs();
	for (size_t i = 0; i < 2; i++) {
		enum blk_engine e = engines[i];
		if (!engine_ok(e))
			continue;
		test_bad_requests(e);
		test_round_trip(e, 0);
		test_round_trip(e, BLK_OPEN_BUFFERED);
		test_completion_context(e);
		test_threads(e);
		test_eio(e);
		test_durability(e);
		test_preflush_elision(e);
		test_inline(e);
		test_torn(e);
		test_power_cut_at(e);
		test_campaign(e);
	}
	test_overlap_busy();
	test_preflush_cut_in_flight(100, 11);
	test_preflush_cut_in_flight(0, 12);
	if (rmdir(tmpdir))
		perror(tmpdir);
	return done_testing();
}
