/*
 * fuzz_bcache.c - the cache set's on-disk readers against damaged images:
 * the superblock, jsets in the journal buckets, btree node bsets, prio_sets
 * and the uuid bucket.
 *
 * A template image (a small formatted set with some writes in it, so the
 * journal has entries and the root node has keys) is made once.  Each input
 * picks a region (byte 0), an offset in it (bytes 1-2) and bytes to put
 * there (the rest, or with byte 0's top bit, the rest xored in); the
 * damaged image is then checked by bch_fsck and registered.  Both must end
 * in a result or a clear error, never a crash, a hang or a sanitizer
 * report.
 *
 * Two entries:
 *  - libFuzzer (clang, -DMMSIM_FUZZ=ON): LLVMFuzzerTestOneInput;
 *      ninja -C build-fuzz fuzz_bcache && ./build-fuzz/tests/fuzz_bcache
 *  - the CI driver (test_bcache_garbage SEED ROUNDS): random damage of each
 *    region, deterministic given the seed, TAP output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bcache/bcache.h"

#define T_BUCKET 16u			/* sectors */
#define T_BYTES (256u * T_BUCKET * 512u)

enum region { R_SB, R_JOURNAL, R_ROOT, R_PRIO, R_UUID, R_NR };

static uint8_t *template_img;
static uint64_t region_off[R_NR], region_len[R_NR];
static char img_path[256];
static FILE *devnull;

static struct blk_dev *open_img(bool create)
{
	struct blk_open_opts o;
	struct blk_dev *d = NULL;

	blk_open_opts_default(&o);
	o.flags = BLK_OPEN_BUFFERED | (create ? BLK_OPEN_CREATE : 0);
	o.nr_sectors = T_BYTES / 512;
	o.engine = BLK_ENGINE_THREADS;
	if (blk_open(img_path, &o, &d))
		return NULL;
	return d;
}

static int write_some(struct cache_set *c)
{
	uint64_t words[3], seq;
	struct bkey *k = (struct bkey *)words;
	int r = 0;

	for (unsigned i = 0; i < 200 && !r; i++) {
		int got = bch_alloc_sectors(c, 8, &words[2]);

		if (got < 0)
			return got;
		bch_key_init(k, 0, (uint64_t)(i * 37 % 500 + 1) * 8, (unsigned)got);
		SET_KEY_PTRS(k, 1);
		SET_KEY_DIRTY(k, 1);
		r = bch_journal_add(c, words, 3, i % 10 ? 0 : JOURNAL_FLUSH, &seq);
		if (!r) {
			r = bch_btree_insert(c, words, 3, seq);
			bch_journal_pin_drop(c, seq);
		}
		if (i == 120 && !r)
			r = bch_btree_flush_all(c);	/* some keys only in the journal */
	}
	return r ? r : bch_journal_flush(c);
}

/* Formats the template, writes keys, crashes it (no clean stop), keeps it. */
static int make_template(void)
{
	struct bch_format_opts fo;
	struct bch_open_opts oo;
	struct blk_fault_opts fault = { .seed = 1, .survive_pct = 100 };
	struct journal_replay *list = NULL;
	struct cache_set *c;
	struct blk_dev *d;
	char why[256];
	int fd, r;

	snprintf(img_path, sizeof(img_path), "%s/mmsim-fuzz-bcache-%d.img",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	unlink(img_path);
	d = open_img(true);
	if (!d)
		return -1;
	bch_format_opts_default(&fo);
	fo.bucket_sectors = T_BUCKET;
	fo.njournal_buckets = 8;
	fo.seed = 3;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	r = bch_format(d, NULL, &fo, why, sizeof(why));
	if (!r)
		r = bch_cache_set_open(d, NULL, 0, &oo, &c, NULL, why, sizeof(why));
	if (r) {
		fprintf(stderr, "fuzz_bcache: template: %s\n", why);
		blk_close(d);
		return -1;
	}
	r = write_some(c);
	blk_drain(d);
	if (!r)
		r = blk_fault_attach(d, &fault);
	blk_fault_power_loss(d, NULL);
	bch_cache_set_stop(c);
	blk_close(d);
	if (r)
		return -1;

	d = open_img(false);
	if (!d || bch_cache_set_peek(d, &c, why, sizeof(why)))
		return -1;
	r = bch_journal_read(c, &list, NULL) ?: bch_journal_start(c, list);
	region_off[R_SB] = BCH_SB_SECTOR * 512;
	region_len[R_SB] = BCH_SB_BYTES;
	region_off[R_JOURNAL] = c->cache->sb.d[0] * T_BUCKET * 512;
	region_len[R_JOURNAL] = (uint64_t)c->cache->sb.keys * T_BUCKET * 512;
	region_off[R_ROOT] = PTR_OFFSET(&c->root_key.key, 0) * 512;
	region_off[R_PRIO] = c->prio_bucket * T_BUCKET * 512;
	region_off[R_UUID] = PTR_OFFSET(&c->uuid_key.key, 0) * 512;
	region_len[R_ROOT] = region_len[R_PRIO] = region_len[R_UUID] = T_BUCKET * 512;
	bch_journal_free_list(list);
	bch_cache_set_peek_free(c);
	blk_close(d);
	if (r)
		return -1;

	template_img = malloc(T_BYTES);
	fd = open(img_path, O_RDONLY);
	r = fd >= 0 && pread(fd, template_img, T_BYTES, 0) == (ssize_t)T_BYTES ? 0 : -1;
	if (fd >= 0)
		close(fd);
	return r;
}

static void damage_and_check(const uint8_t *data, size_t size)
{
	unsigned reg = data[0] % R_NR;
	bool xor = data[0] & 0x80;
	uint64_t off = region_off[reg] + ((uint64_t)data[1] << 8 | data[2]) % region_len[reg];
	struct bch_open_opts oo;
	struct cache_set *c;
	struct blk_dev *d;
	uint8_t *img = malloc(T_BYTES);
	char why[256];
	int fd;

	memcpy(img, template_img, T_BYTES);
	for (size_t i = 3; i < size && off + (i - 3) < region_off[reg] + region_len[reg]; i++)
		img[off + i - 3] = xor ? img[off + i - 3] ^ data[i] : data[i];
	fd = open(img_path, O_WRONLY);
	if (fd < 0 || pwrite(fd, img, T_BYTES, 0) != (ssize_t)T_BYTES)
		abort();
	close(fd);
	free(img);

	d = open_img(false);
	if (!d)
		abort();
	bch_fsck(d, devnull);
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	oo.log = devnull;
	if (!bch_cache_set_open(d, NULL, 0, &oo, &c, NULL, why, sizeof(why)))
		bch_cache_set_stop(c);
	blk_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (make_template())
			abort();
	}
	if (size >= 4)
		damage_and_check(data, size);
	return 0;
}

#ifndef MMSIM_LIBFUZZER
#include "tap.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 500;
	uint8_t in[600];

	ok(LLVMFuzzerTestOneInput((const uint8_t *)"", 0) == 0 && template_img,
	   "template image made");
	if (!template_img)
		done_testing();
	for (unsigned i = 0; i < rounds; i++) {
		size_t n = 4 + rng_next(&seed) % (i % 4 == 0 ? 590 : 12);

		for (size_t k = 0; k < n; k++)
			in[k] = (uint8_t)rng_next(&seed);
		/* Small xors are the likeliest real damage: favour them. */
		if (i % 2)
			in[0] |= 0x80;
		LLVMFuzzerTestOneInput(in, n);
	}
	ok(1, "%u damaged images checked and registered without a crash", rounds);
	unlink(img_path);
	free(template_img);
	done_testing();
}
#endif
