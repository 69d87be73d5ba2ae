/*
 * fuzz_bcache.c - the cache set's on-disk readers against damaged images:
 * the superblock, jsets in the journal buckets, btree node bsets, prio_sets
 * and the uuid bucket.
 *
 * A template image (a small formatted set with some writes in it, so the
 * journal has entries and the root node has keys) is made once.  Each input
 * picks a region (byte 0), an offset in it (bytes 1-2) and bytes to put
 * there (the rest, or with byte 0's top bit, the rest xored in); with bit
 * 6 of byte 0, the checksums of the region's structures are recomputed
 * after the damage (else almost every mutation stops at a checksum).  The
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

#include "fuzz_common.h"

#define T_BUCKET FZ_BUCKET
#define T_BYTES FZ_BYTES

/* Byte 0 of an input: the region (low six bits, modulo R_NR), whether to
 * fix the checksums after the damage, whether to xor. */
#define FIX_CSUMS 0x40u
#define XOR 0x80u

enum region { R_SB, R_JOURNAL, R_ROOT, R_PRIO, R_UUID, R_NR };

static uint8_t *template_img;
static uint64_t region_off[R_NR], region_len[R_NR];
static uint64_t jset_magic, bset_magic, pset_magic, root_ptr0;
static char img_path[256];
static FILE *devnull;

/* The template (a crashed set with 200 keys), kept in memory. */
static int make_template(void)
{
	struct journal_replay *list = NULL;
	struct cache_set *c;
	struct blk_dev *d;
	char why[256];
	int fd, r;

	snprintf(img_path, sizeof(img_path), "%s/mmsim-fuzz-bcache-%d.img", fz_tmpdir(),
		 (int)getpid());
	if (fz_make_bcache(img_path, 200, 8))
		return -1;
	d = fz_open_img(img_path, T_BYTES, false);
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
	jset_magic = bch_jset_magic(&c->cache->sb);
	bset_magic = bch_bset_magic(&c->cache->sb);
	pset_magic = bch_pset_magic(&c->cache->sb);
	root_ptr0 = c->root_key.key.ptr[0];
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

/* Checksums of the damaged region recomputed, as if the damage were written
 * by a writer that knew the format: what the checks behind them see. */
static void fix_csums(uint8_t *img, unsigned reg)
{
	uint8_t *p = img + region_off[reg];
	size_t block = 8 * 512;		/* the template's block size (bch_format's default) */

	switch (reg) {
	case R_SB:
		fz_fix_sb(p);
		break;
	case R_JOURNAL:
		for (uint64_t b = 0; b < region_len[reg]; b += T_BUCKET * 512)
			fz_fix_jsets(p + b, T_BUCKET * 512, block, jset_magic);
		break;
	case R_ROOT:
		fz_fix_bsets(p, region_len[reg], block, bset_magic, root_ptr0);
		break;
	case R_PRIO:
		fz_fix_prio(p, region_len[reg], pset_magic);
		break;
	}
}

static void damage_and_check(const uint8_t *data, size_t size)
{
	unsigned reg = (data[0] & 0x3f) % R_NR;
	bool xor = data[0] & XOR;
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
	if (data[0] & FIX_CSUMS)
		fix_csums(img, reg);
	fd = open(img_path, O_WRONLY);
	if (fd < 0 || pwrite(fd, img, T_BYTES, 0) != (ssize_t)T_BYTES)
		abort();
	close(fd);
	free(img);

	d = fz_open_img(img_path, T_BYTES, false);
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
		size_t n = 4 + fz_rng(&seed) % (i % 4 == 0 ? 590 : 12);

		for (size_t k = 0; k < n; k++)
			in[k] = (uint8_t)fz_rng(&seed);
		/* Small xors are the likeliest real damage: favour them. */
		if (i % 2)
			in[0] |= XOR;
		/* A third with checksums fixed: damage behind them. */
		in[0] = (uint8_t)((in[0] & ~FIX_CSUMS) | (i % 3 == 0 ? FIX_CSUMS : 0));
		LLVMFuzzerTestOneInput(in, n);
	}
	ok(1, "%u damaged images checked and registered without a crash", rounds);
	unlink(img_path);
	free(template_img);
	done_testing();
}
#endif
