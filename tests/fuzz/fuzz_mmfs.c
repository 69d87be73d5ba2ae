/*
 * fuzz_mmfs.c - mmfs's superblock, inode table and block-map reader
 * (mmfs_mount, mmfs_fsck) against damaged metadata, on its own: the cache
 * set underneath is registered once and stays sound.
 *
 * An input is the filesystem's metadata, compactly:
 *   byte 0      flags: FIX_CSUMS recomputes the superblock's and every
 *               given inode's checksum after the damage; WRITE writes a
 *               block to the first file and syncs after a mount
 *   byte 1      n: inode slots given (slots 0..n-1; the rest are free)
 *   56 bytes    the superblock
 *   n * 256     the inodes
 *   then        words of indirect blocks, as records: block (1 byte: data
 *               block 33 + b % 16), first word (2 bytes, % 512), count (1
 *               byte), the words (8 bytes each); words 0-507 are block
 *               numbers, 508-511 the tail (magic, owner, level, first
 *               file block, checksum: FIX_CSUMS recomputes the checksum
 *               of a block whose tail has the magic)
 * Whatever an input does not give is zero.  The fs is written to the
 * backing image, mounted, fsck'ed, its files read, unmounted; the whole
 * image is rewritten before each run, so runs do not depend on each other.
 * All must end in a result or a clear error, never a crash, a hang or a
 * sanitizer report.
 *
 * Entries:
 *  - libFuzzer (clang, -DMMSIM_FUZZ=ON): LLVMFuzzerTestOneInput; seeds in
 *    tests/fuzz/corpus/fuzz_mmfs (tests/fuzz/README).
 *  - test_mmfs_garbage SEED ROUNDS: the real fs's metadata, damaged at
 *    random (half the time with checksums fixed), TAP output;
 *    test_mmfs_garbage --seeds DIR writes the seed corpus.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

#define FIX_CSUMS 1u
#define WRITE 2u

#define IMG_BYTES (FZ_MMFS_BLOCKS * 4096u)

static struct fz_mmfs m;
static int backing_fd = -1;
static FILE *devnull;
static uint8_t *img;		/* the fs as the harness writes it */

static void setup(void)
{
	devnull = fopen("/dev/null", "w");
	img = aligned_alloc(4096, IMG_BYTES);
	if (!devnull || !img || fz_mmfs_setup(&m, devnull))
		abort();
	backing_fd = open(m.backing_path, O_RDWR);
	if (backing_fd < 0)
		abort();
}

/* Lays the input over a zeroed image (the format above). */
static uint8_t decode(const uint8_t *data, size_t size)
{
	uint8_t flags = size ? data[0] : 0;
	unsigned n = size > 1 ? data[1] : 0;
	size_t at = 2, len;
	struct fz_mmfs_dinode *itable = (struct fz_mmfs_dinode *)(img + 4096);

	memset(img, 0, IMG_BYTES);
	len = size > at ? size - at : 0;
	memcpy(img, data + at, len < sizeof(struct fz_mmfs_dsb) ? len : sizeof(struct fz_mmfs_dsb));
	at += sizeof(struct fz_mmfs_dsb);
	for (unsigned i = 0; i < n && at < size; i++, at += 256) {
		len = size - at < 256 ? size - at : 256;
		memcpy(&itable[i], data + at, len);
		if (flags & FIX_CSUMS)
			fz_fix_dinode(&itable[i]);
	}
	while (at + 4 <= size) {
		unsigned blk = FZ_MMFS_DATA_START + data[at] % 16u;
		unsigned word = (unsigned)(data[at + 1] | data[at + 2] << 8) % 512u;
		unsigned count = data[at + 3];

		at += 4;
		for (; count && at + 8 <= size && word < 512; count--, word++, at += 8)
			memcpy(img + (size_t)blk * 4096 + word * 8, data + at, 8);
	}
	if (flags & FIX_CSUMS) {
		fz_fix_mmfs_sb((struct fz_mmfs_dsb *)img);
		for (unsigned b = FZ_MMFS_DATA_START; b < FZ_MMFS_BLOCKS; b++)
			fz_fix_ind(img + (size_t)b * 4096, b);
	}
	return flags;
}

static int read_one(void *arg, struct mmfs_inode *ino)
{
	static uint8_t buf[8192];
	uint64_t size = mmfs_size(ino);

	mmfs_pread(ino, buf, sizeof(buf), 0);
	if (size > sizeof(buf))
		mmfs_pread(ino, buf, sizeof(buf), size - sizeof(buf));
	if (!*(struct mmfs_inode **)arg)
		*(struct mmfs_inode **)arg = ino;
	return 0;
}

/* Whether the fs mounted. */
static bool mount_and_check(uint8_t flags)
{
	static uint8_t block[4096];
	struct mmfs_inode *first = NULL;
	struct mmfs *fs;
	char why[256];

	if (pwrite(backing_fd, img, IMG_BYTES, FZ_MMFS_DATA_OFFSET) != (ssize_t)IMG_BYTES)
		abort();
	if (mmfs_mount(m.dc, &fs, why, sizeof(why)))
		return false;
	mmfs_fsck(fs, devnull);
	mmfs_for_each(fs, read_one, &first);
	if ((flags & WRITE) && first) {
		memset(block, 0x5a, sizeof(block));
		mmfs_pwrite(first, block, sizeof(block), 4096 * (uint64_t)(flags >> 4));
		mmfs_sync_all(fs);
	}
	mmfs_unmount(fs);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!img)
		setup();
	mount_and_check(decode(data, size));
	return 0;
}

#ifndef MMSIM_LIBFUZZER
#include "tap.h"

/* ---- the real fs as an input (seeds, and the CI driver's starting point) ---------- */

static size_t put(uint8_t *out, size_t at, const void *p, size_t len)
{
	memcpy(out + at, p, len);
	return at + len;
}

/* Records for the indirect block b of level L (its numbers and its tail)
 * and those below it. */
static size_t encode_ind(const uint8_t *fs, uint64_t b, unsigned level, uint8_t *out, size_t at)
{
	const uint64_t *w;

	if (b < FZ_MMFS_DATA_START || b >= FZ_MMFS_BLOCKS)
		return at;
	w = (const uint64_t *)(fs + b * 4096);
	for (unsigned i = 0; i < 512; i++) {
		uint8_t rec[4] = { (uint8_t)(b - FZ_MMFS_DATA_START), (uint8_t)i, (uint8_t)(i >> 8), 1 };

		if (!w[i])
			continue;
		at = put(out, at, rec, 4);
		at = put(out, at, &w[i], 8);
		if (level > 1 && i < FZ_MMFS_PTRS)
			at = encode_ind(fs, w[i], level - 1, out, at);
	}
	return at;
}

/* The fs on the backing image now, as an input; its length. */
static size_t encode_real(uint8_t *out, uint8_t flags)
{
	uint8_t *fs = malloc(IMG_BYTES);
	const struct fz_mmfs_dinode *itable = (const struct fz_mmfs_dinode *)(fs + 4096);
	unsigned n = 0;
	size_t at;

	if (!fs || pread(backing_fd, fs, IMG_BYTES, FZ_MMFS_DATA_OFFSET) != (ssize_t)IMG_BYTES)
		abort();
	for (unsigned i = 0; i < FZ_MMFS_NR_INODES; i++)
		if (itable[i].magic)
			n = i + 1;
	out[0] = flags;
	out[1] = (uint8_t)n;
	at = put(out, 2, fs, sizeof(struct fz_mmfs_dsb));
	at = put(out, at, itable, n * 256u);
	for (unsigned i = 0; i < n; i++)
		for (unsigned l = 0; l < 3; l++)
			at = encode_ind(fs, itable[i].ind[l], l + 1, out, at);
	free(fs);
	return at;
}

int main(int argc, char **argv)
{
	static uint8_t real[1 << 16], in[1 << 16];
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 300;
	size_t n;
	unsigned mounted = 0;

	setup();
	n = encode_real(real, 0);
	if (argc > 2 && !strcmp(argv[1], "--seeds")) {
		/* The fs as made; asked to write after mounting; one inode. */
		int r = fz_write_seed(argv[2], "real", real, n);

		real[0] = WRITE | 1u << 4;
		r = r ?: fz_write_seed(argv[2], "real-write", real, n);
		real[0] = FIX_CSUMS;
		real[1] = 1;
		r = r ?: fz_write_seed(argv[2], "one-inode", real, 2 + 56 + 256);
		fz_mmfs_teardown(&m);
		return r ? 1 : 0;
	}
	ok(n > 2 + 56 + 3 * 256, "the real fs as an input (%zu bytes, %u inodes)", n, real[1]);
	LLVMFuzzerTestOneInput(real, n);
	{
		struct mmfs *fs;
		char why[256];

		ok(!mmfs_mount(m.dc, &fs, why, sizeof(why)), "the real fs, rewritten, mounts");
		ok(!mmfs_fsck(fs, devnull), "... and is clean");
		mmfs_unmount(fs);
	}
	for (unsigned i = 0; i < rounds; i++) {
		unsigned flips = 1 + (unsigned)(fz_rng(&seed) % 4);

		memcpy(in, real, n);
		in[0] = (uint8_t)(i % 2 ? FIX_CSUMS : 0) | (uint8_t)(i % 3 ? 0 : WRITE);
		for (unsigned f = 0; f < flips; f++) {
			size_t at = 2 + fz_rng(&seed) % (n - 2);

			in[at] ^= (uint8_t)(1u << (fz_rng(&seed) % 8));
		}
		mounted += mount_and_check(decode(in, n));
	}
	ok(1, "%u damaged filesystems mounted, checked and unmounted without a crash", rounds);
	ok(rounds < 20 || (mounted && mounted < rounds), "... some mounted (%u), some refused",
	   mounted);
	fz_mmfs_teardown(&m);
	free(img);
	return done_testing();
}
#endif
