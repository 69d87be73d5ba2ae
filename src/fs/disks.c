/*
 * disks.c - the machine's two disk images, cache.img and backing.img, in
 * one directory: a bcache cache set in writeback mode with mmfs on its one
 * cached device.
 *
 * Life: open (create + format, or register: journal replay) -> mount;
 * the images stay locked against other processes while open (src/block);
 * crash (power loss on both devices) or clean shutdown -> reboot (close
 * the devices, open them again, register, mount) -> close.
 *
 * The fault layer is attached to both devices whenever they are open, so
 * a power loss is possible at any moment; it keeps a pre-image of every
 * write that is not yet durable (the cost of being able to crash).  It
 * can only be attached with no request in flight, so the cache set is
 * registered without its writeback thread, the devices drained, the layer
 * attached, and only then writeback started.
 */
#include "fs.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bcache.h"

#define DISKS_DEFAULT_CACHE (64ull << 20)
#define DISKS_DEFAULT_BACKING (256ull << 20)
/* Deterministic runs: the journal writes only when asked to or full. */
#define DISKS_NO_JOURNAL_TIMER_MS (24u * 3600u * 1000u)

struct mmfs_disks {
	char dir[PATH_MAX - 32];
	bool tmpdir;			/* made by open: removed by close */
	bool made;			/* this open created the images */
	FILE *log;
	bool deterministic;		/* no writeback thread, no journal timer */
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct mmfs *fs;
	bool crashed;
};

void mmfs_disks_opts_default(struct mmfs_disks_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cache_bytes = DISKS_DEFAULT_CACHE;
	o->backing_bytes = DISKS_DEFAULT_BACKING;
}


static void image_path(const struct mmfs_disks *d, const char *file, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", d->dir, file);
}

static bool image_exists(const struct mmfs_disks *d, const char *file)
{
	char p[PATH_MAX];

	image_path(d, file, p);
	return access(p, F_OK) == 0;
}

static int image_open(struct mmfs_disks *d, const char *file, uint64_t create_bytes,
		      struct blk_dev **out)
{
	struct blk_open_opts o;
	char p[PATH_MAX];

	image_path(d, file, p);
	blk_open_opts_default(&o);
	if (create_bytes) {
		o.flags |= BLK_OPEN_CREATE;
		o.nr_sectors = create_bytes >> BLK_SECTOR_SHIFT;
	}
	return blk_open(p, &o, out);
}

/* Opening both images failed with r: the reason, in why. */
static int images_open_fail(struct mmfs_disks *d, int r, const char *doing, char *why,
			    size_t whylen)
{
	if (r == -EBUSY)
		return why_fail(why, whylen, r, "the images in %s are in use by another process "
				"(each is locked while open)", d->dir);
	return why_fail(why, whylen, r, "%s the images in %s: %s", doing, d->dir, strerror(-r));
}

static void devices_close(struct mmfs_disks *d)
{
	if (d->cache)
		blk_close(d->cache);
	if (d->backing)
		blk_close(d->backing);
	d->cache = d->backing = NULL;
}

/* The directory: the one given (made if missing), or a fresh temporary. */
static int dir_setup(struct mmfs_disks *d, const char *dir, char *why, size_t whylen)
{
	const char *t = getenv("TMPDIR");

	if (dir) {
		if (strlen(dir) >= sizeof(d->dir))
			return why_fail(why, whylen, -ENAMETOOLONG, "%s: path too long", dir);
		strcpy(d->dir, dir);
		if (mkdir(dir, 0755) && errno != EEXIST)
			return why_fail(why, whylen, -errno, "mkdir %s: %s", dir, strerror(errno));
		return 0;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/mmsim-disks-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(d->dir))
		return why_fail(why, whylen, -errno, "mkdtemp %s: %s", d->dir, strerror(errno));
	d->tmpdir = true;
	return 0;
}

/*
 * The backing device's requests fail once the cache has lost power: one
 * power supply.  Without it a cut armed on the cache alone would let the
 * writeback thread copy, after the cut, data it read from the cache
 * before.  Runs under the backing layer's lock; takes only the cache's.
 */
static bool backing_fail_after_cache(void *arg, const struct blk_req *req, uint64_t nr)
{
	return blk_fault_power_is_off(arg);
}

/* One device gets a fault layer, with nothing in flight: the journal may
 * still start a write between the drain and the attach, so try again. */
static int fault_attach(struct blk_dev *dev, struct blk_dev *power_from)
{
	struct blk_fault_opts fo = { .seed = 1 };
	int r = -EBUSY;

	if (power_from) {
		fo.fail = backing_fail_after_cache;
		fo.fail_arg = power_from;
	}

	for (int tries = 0; r == -EBUSY && tries < 1000; tries++) {
		if (tries)
			usleep(1000);
		blk_drain(dev);
		r = blk_fault_attach(dev, &fo);
	}
	return r;
}

static int faults_attach(struct mmfs_disks *d)
{
	int r = fault_attach(d->cache, NULL);

	return r ? r : fault_attach(d->backing, d->cache);
}

/* Registers the set on the open devices (journal replay), then faults and
 * writeback, then mounts. */
static int set_start(struct mmfs_disks *d, bool format_fs, uint64_t *replayed,
		     char *why, size_t whylen)
{
	struct journal_read_stats st = { 0 };
	struct bch_open_opts oo;
	int r;

	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;	/* started after the faults attach */
	oo.log = d->log;
	if (d->deterministic)
		oo.journal_delay_ms = DISKS_NO_JOURNAL_TIMER_MS;
	r = bch_cache_set_open(d->cache, &d->backing, 1, &oo, &d->c, &st, why, whylen);
	if (r)
		return r;
	if (replayed)
		*replayed = st.keys_replayed;
	if (d->log && st.keys_replayed)
		fprintf(d->log, "mmfs: %s: journal replayed %" PRIu64 " keys\n", d->dir,
			st.keys_replayed);
	if ((r = faults_attach(d)))
		return why_fail(why, whylen, r, "attaching the fault layer: %s", strerror(-r));
	if (!d->deterministic && (r = bch_writeback_start(d->c)))
		return why_fail(why, whylen, r, "starting writeback: %s", strerror(-r));
	if (format_fs && (r = mmfs_format(d->c->bdev[0])))
		return why_fail(why, whylen, r, "making the filesystem: %s", strerror(-r));
	return mmfs_mount(d->c->bdev[0], &d->fs, why, whylen);
}

static int images_create(struct mmfs_disks *d, const struct mmfs_disks_opts *o,
			 char *why, size_t whylen)
{
	uint64_t cb = o->cache_bytes ? o->cache_bytes : DISKS_DEFAULT_CACHE;
	uint64_t bb = o->backing_bytes ? o->backing_bytes : DISKS_DEFAULT_BACKING;
	struct bch_format_opts fo;
	int r;

	if ((r = image_open(d, "cache.img", cb, &d->cache)) ||
	    (r = image_open(d, "backing.img", bb, &d->backing)))
		return images_open_fail(d, r, "creating", why, whylen);
	d->made = true;		/* both locked: ours to remove if this fails */
	bch_format_opts_default(&fo);
	return bch_format(d->cache, d->backing, &fo, why, whylen);
}

static void images_remove(struct mmfs_disks *d)
{
	char p[PATH_MAX];

	image_path(d, "cache.img", p);
	unlink(p);
	image_path(d, "backing.img", p);
	unlink(p);
}

/* Everything in memory goes; nothing is written when the disks are dead. */
static int stop_all(struct mmfs_disks *d)
{
	int r = 0, r2;

	if (d->fs) {
		r = mmfs_unmount(d->fs);
		d->fs = NULL;
	}
	if (d->c) {
		r2 = bch_cache_set_stop(d->c);
		d->c = NULL;
		if (!r)
			r = r2;
	}
	devices_close(d);
	return d->crashed ? 0 : r;
}

int mmfs_disks_open(const struct mmfs_disks_opts *o, struct mmfs_disks **out,
		    uint64_t *replayed, char *why, size_t whylen)
{
	struct mmfs_disks_opts def;
	struct mmfs_disks *d;
	bool have_cache, have_backing, fresh;
	int r;

	if (!o) {
		mmfs_disks_opts_default(&def);
		o = &def;
	}
	if (replayed)
		*replayed = 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return why_fail(why, whylen, -ENOMEM, "out of memory");
	d->log = o->log;
	d->deterministic = o->deterministic;
	if ((r = dir_setup(d, o->dir, why, whylen))) {
		free(d);
		return r;
	}
	/* Looking at the images and making or locking them is one step
	 * under the directory's lock: a second process starting on the same
	 * directory waits until the first holds both images, then finds them
	 * in use, rather than meeting one image just made and not yet
	 * locked, and the other missing. */
	int dir_fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0)
		flock(dir_fd, LOCK_EX);
	have_cache = image_exists(d, "cache.img");
	have_backing = image_exists(d, "backing.img");
	fresh = !have_cache && !have_backing;
	if (have_cache != have_backing) {
		/* Another process may be making them: it holds the one made. */
		struct blk_dev *one = NULL;

		r = image_open(d, have_cache ? "cache.img" : "backing.img", 0, &one);
		blk_close(one);
		if (r == -EBUSY)
			images_open_fail(d, r, "opening", why, whylen);
		else
			r = why_fail(why, whylen, -ENOENT, "%s: %s without %s", d->dir,
				     have_cache ? "cache.img" : "backing.img",
				     have_cache ? "backing.img" : "cache.img");
	} else if (fresh) {
		r = images_create(d, o, why, whylen);
	} else if ((r = image_open(d, "cache.img", 0, &d->cache)) ||
		   (r = image_open(d, "backing.img", 0, &d->backing))) {
		images_open_fail(d, r, "opening", why, whylen);
	}
	if (dir_fd >= 0)
		close(dir_fd);		/* releases the directory's lock */
	if (!r)
		r = set_start(d, fresh, fresh ? NULL : replayed, why, whylen);
	if (r) {
		d->crashed = true;	/* write nothing more */
		stop_all(d);
		if (d->made)
			images_remove(d);	/* no half-made machine left behind (never
						 * another process's: it holds the locks) */
		if (d->tmpdir)
			rmdir(d->dir);
		free(d);
		return r;
	}
	*out = d;
	return 0;
}

struct mmfs *mmfs_disks_fs(struct mmfs_disks *d)
{
	return d->fs;
}

struct cache_set *mmfs_disks_set(struct mmfs_disks *d)
{
	return d->c;
}

const char *mmfs_disks_dir(const struct mmfs_disks *d)
{
	return d->dir;
}

int mmfs_disks_crash_after(struct mmfs_disks *d, uint64_t nreq, bool torn, uint64_t seed)
{
	if (!d->cache || d->crashed || !nreq)
		return -EINVAL;
	return blk_fault_set_loss(d->cache, seed, 0, torn ? 50 : 0, nreq);
}

int mmfs_disks_crash(struct mmfs_disks *d, bool torn, uint64_t seed)
{
	int r, r2;

	if (!d->cache || d->crashed)
		return -EINVAL;
	/*
	 * Both devices lose power at one instant: the writeback thread is
	 * stopped first, or it could copy to the backing device, after the
	 * cache died, data it read from the cache before.  Not durable means
	 * lost: none survives; torn ones land in part on the cache, whose
	 * journal and checksums are built for that.  The backing device is a
	 * 4 KiB-sector disk: a sector is written whole or not at all.
	 */
	if (d->c)
		bch_writeback_stop(d->c);
	r = blk_fault_set_loss(d->cache, seed, 0, torn ? 50 : 0, 0);
	r2 = blk_fault_set_loss(d->backing, seed ^ 0x5bd1e995u, 0, 0, 0);
	d->crashed = true;
	if (!r)
		r = r2;
	r2 = blk_fault_power_loss(d->cache, NULL);
	if (!r)
		r = r2;
	r2 = blk_fault_power_loss(d->backing, NULL);
	return r ? r : r2;
}

int mmfs_disks_reboot(struct mmfs_disks *d, uint64_t *replayed, char *why, size_t whylen)
{
	int r = stop_all(d);

	if (replayed)
		*replayed = 0;
	d->crashed = false;
	if (r)
		return why_fail(why, whylen, r, "clean shutdown failed: %s", strerror(-r));
	if ((r = image_open(d, "cache.img", 0, &d->cache)) ||
	    (r = image_open(d, "backing.img", 0, &d->backing)))
		return images_open_fail(d, r, "opening", why, whylen);
	r = set_start(d, false, replayed, why, whylen);
	if (r) {
		d->crashed = true;
		stop_all(d);
		d->crashed = false;
	}
	return r;
}

/* bch_fsck through a handle of its own: the set's may be dead (crash). */
static long fsck_cache_image(struct mmfs_disks *d, FILE *out)
{
	struct blk_dev *dev;
	long n;
	int r = image_open(d, "cache.img", 0, &dev);

	if (r)
		return r;
	n = bch_fsck(dev, out);
	blk_close(dev);
	return n;
}

long mmfs_disks_fsck(struct mmfs_disks *d, FILE *out)
{
	FILE *sink = out;
	long n, m = 0;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		return -errno;
	n = fsck_cache_image(d, sink);
	if (n >= 0 && d->fs && !d->crashed) {
		m = mmfs_fsck(d->fs, out);
		n = m < 0 ? m : n + m;
	}
	if (sink != out)
		fclose(sink);
	return n;
}

int mmfs_disks_close(struct mmfs_disks *d)
{
	int r;

	if (!d)
		return 0;
	r = stop_all(d);
	if (d->tmpdir) {
		images_remove(d);
		if (rmdir(d->dir) && !r)
			r = -errno;
	}
	free(d);
	return r;
}
