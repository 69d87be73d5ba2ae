/*
 * bcache_harness.h - what the cache-set tests share: a temp directory,
 * image files, a formatted and registered set (cache + one backing
 * device), a PRNG, and sector stamps that say which write put them there.
 * Header-only (static), like tap.h.
 */
#ifndef MMSIM_TEST_BCACHE_HARNESS_H
#define MMSIM_TEST_BCACHE_HARNESS_H

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bcache/bcache.h"

static char bh_dir[PATH_MAX - 64];

/* A fresh directory under $TMPDIR (tmpfs is fastest), removed by bh_cleanup. */
static inline void bh_setup(const char *name)
{
	const char *t = getenv("TMPDIR");

	snprintf(bh_dir, sizeof(bh_dir), "%s/%s-XXXXXX", t ? t : "/tmp", name);
	if (!mkdtemp(bh_dir)) {
		perror("mkdtemp");
		exit(2);
	}
}

static inline void bh_path(char *out, const char *file)
{
	snprintf(out, PATH_MAX, "%s/%s", bh_dir, file);
}

static inline void bh_cleanup(void)
{
	char p[PATH_MAX];
	static const char *const files[] = { "cache.img", "backing.img", NULL };

	for (int i = 0; files[i]; i++) {
		bh_path(p, files[i]);
		unlink(p);
	}
	rmdir(bh_dir);
}

static inline struct blk_dev *bh_open(const char *file, uint64_t bytes)
{
	struct blk_open_opts o;
	struct blk_dev *d = NULL;
	char p[PATH_MAX];
	int r;

	bh_path(p, file);
	blk_open_opts_default(&o);
	if (bytes) {
		o.flags |= BLK_OPEN_CREATE;
		o.nr_sectors = bytes / 512;
	}
	r = blk_open(p, &o, &d);
	if (r) {
		printf("# blk_open(%s) = %d\n", p, r);
		exit(2);
	}
	return d;
}

/* Truncates/creates both images and formats them. */
static inline int bh_format(struct blk_dev **cache, struct blk_dev **backing,
			    uint64_t cache_bytes, uint64_t backing_bytes,
			    const struct bch_format_opts *fo)
{
	char p[PATH_MAX], why[256];
	int r;

	bh_path(p, "cache.img");
	unlink(p);
	bh_path(p, "backing.img");
	unlink(p);
	*cache = bh_open("cache.img", cache_bytes);
	*backing = bh_open("backing.img", backing_bytes);
	r = bch_format(*cache, *backing, fo, why, sizeof(why));
	if (r)
		printf("# bch_format: %s\n", why);
	return r;
}

static inline int bh_register(struct blk_dev *cache, struct blk_dev *backing,
			      struct cache_set **c, struct journal_read_stats *st)
{
	struct bch_open_opts o;
	char why[256];
	int r;

	bch_open_opts_default(&o);
	o.no_writeback_thread = true;
	r = bch_cache_set_open(cache, &backing, 1, &o, c, st, why, sizeof(why));
	if (r)
		printf("# bch_cache_set_open: %s\n", why);
	return r;
}

static inline uint64_t bh_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A sector written by write `ver` at device sector `sec`: every word says so. */
static inline void bh_stamp(void *buf, uint64_t sec, uint64_t nsec, uint64_t ver)
{
	uint64_t *w = buf;

	for (uint64_t s = 0; s < nsec; s++)
		for (unsigned i = 0; i < 64; i++)
			w[s * 64 + i] = ver ? (ver << 24) ^ ((sec + s) << 1) ^ 1 : 0;
}

/* The version a sector holds: 0 never written, -1 not a whole stamp. */
static inline int64_t bh_version(const void *buf, uint64_t sec)
{
	const uint64_t *w = buf;
	uint64_t ver;

	for (unsigned i = 1; i < 64; i++)
		if (w[i] != w[0])
			return -1;
	if (!w[0])
		return 0;
	ver = w[0] >> 24;
	if (((ver << 24) ^ (sec << 1) ^ 1) != w[0])
		return -1;
	return (int64_t)ver;
}

static inline void *bh_buf(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		abort();
	memset(p, 0, len);
	return p;
}

#endif
