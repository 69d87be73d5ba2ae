/*
 * test_fs.c - mmfs and the machine's disks: names, sizes, I/O with holes
 * and sparse offsets, allocation, truncation and when freed blocks come
 * back, remount, the disks' directory, fsck, and corrupt images.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "bcache_harness.h"
#include "fs/fs.h"
#include "tap.h"

#define BLK 4096u
/* On-disk offsets the corruption tests poke at (mmfs.c's layout). */
#define DINODE_DIRECT 80u
#define DINODE_IND 176u
/* mmfs.c's indirect block (version 2): 508 numbers, then the tail. */
#define IND_TAIL (BLK - 32u)
#define IND_MAGIC 0x444e4d4du

static void prefer_tmpfs(void)
{
	struct stat st;

	if (!getenv("TMPDIR") && !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) &&
	    !access("/dev/shm", W_OK))
		setenv("TMPDIR", "/dev/shm", 1);
}

static void fill(void *buf, size_t len, unsigned seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 12));
}

static bool all_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static int count_fn(void *arg, struct mmfs_inode *ino)
{
	unsigned *n = arg;

	(*n)++;
	return 0;
}

static struct mmfs_disks *open_temp(uint64_t backing)
{
	struct mmfs_disks_opts o;
	struct mmfs_disks *d = NULL;
	char why[256];
	int r;

	mmfs_disks_opts_default(&o);
	if (backing)
		o.backing_bytes = backing;
	r = mmfs_disks_open(&o, &d, NULL, why, sizeof(why));
	if (r)
		printf("# mmfs_disks_open: %d %s\n", r, why);
	return d;
}

static void test_names(struct mmfs *fs)
{
	struct mmfs_inode *a = NULL, *b = NULL;
	char name[80];
	unsigned n = 0;

	is(mmfs_create(fs, "a", 0, &a), 0, "create a");
	ok(a && mmfs_lookup(fs, "a") == a, "lookup finds a");
	ok(!mmfs_lookup(fs, "nope"), "lookup of a missing name: NULL");
	is(mmfs_create(fs, "a", 0, &b), -EEXIST, "create a again: EEXIST");
	memset(name, 'x', 64);
	name[64] = 0;
	is(mmfs_create(fs, name, 0, &b), -ENAMETOOLONG, "64-byte name: ENAMETOOLONG");
	name[63] = 0;
	is(mmfs_create(fs, name, 0, &b), 0, "63-byte name fits");
	ok(b && !strcmp(mmfs_name(b), name), "its name kept");
	is(mmfs_create(fs, "", 0, &b), -EINVAL, "empty name: EINVAL");
	is(mmfs_create(fs, "huge", UINT64_MAX / 2, &b), -EFBIG, "size past the largest file: EFBIG");
	is(mmfs_create(fs, "big", 700ull << 20, &b), 0, "a 700 MiB sparse file");
	is(mmfs_size(b), 700ull << 20, "its size");
	is(mmfs_for_each(fs, count_fn, &n), 0, "for_each");
	is(n, 3, "for_each saw 3 files");
	ok(mmfs_of(a) == fs && mmfs_ino(a) < mmfs_ino(b), "inode numbers in creation order");
}

static void test_io(struct mmfs *fs)
{
	struct mmfs_inode *f;
	size_t len = 64 * 1024;
	uint8_t *w = bh_buf(len), *r = bh_buf(len), *shadow = bh_buf(len);
	uint64_t p;

	is(mmfs_create(fs, "io", 0, &f), 0, "create io");
	fill(w, len, 1);
	is(mmfs_pwrite(f, w, 3 * BLK, 0), 3 * BLK, "write 3 blocks");
	memcpy(shadow, w, 3 * BLK);
	fill(w, len, 2);
	is(mmfs_pwrite(f, w + 1, 10000, 5000), 10000, "unaligned write across blocks");
	memcpy(shadow + 5000, w + 1, 10000);
	is(mmfs_size(f), 15000, "size extended by the write");
	is(mmfs_pread(f, r, len, 0), 15000, "read stops at the size");
	ok(!memcmp(r, shadow, 15000), "read back what was written");
	is(mmfs_pread(f, r, 100, 14950), 50, "read across the end: short");
	/* a hole */
	fill(w, len, 3);
	is(mmfs_pwrite(f, w, BLK, 20 * BLK), BLK, "write block 20");
	is(mmfs_bmap(f, 10, false, &p), 0, "bmap of a hole");
	is(p, 0, "a hole maps to 0");
	is(mmfs_pread(f, r, BLK, 10 * BLK), BLK, "read a hole");
	ok(all_zero(r, BLK), "a hole reads as zeros");
	is(mmfs_pread(f, r, BLK, 20 * BLK), BLK, "read block 20");
	ok(!memcmp(r, w, BLK), "block 20 intact");
	/* sparse, far out: single, double and triple indirect blocks */
	fill(w, len, 4);
	is(mmfs_pwrite(f, w, BLK, 300ull << 20), BLK, "write at 300 MiB");
	fill(w + BLK, BLK, 5);
	is(mmfs_pwrite(f, w + BLK, BLK, 1500ull << 20), BLK, "write at 1.5 GiB");
	is(mmfs_size(f), (1500ull << 20) + BLK, "size 1.5 GiB + 4 KiB");
	is(mmfs_pread(f, r, 2 * BLK, 300ull << 20), 2 * BLK, "read at 300 MiB");
	ok(!memcmp(r, w, BLK) && all_zero(r + BLK, BLK), "data, then a hole");
	is(mmfs_pread(f, r, BLK, 1500ull << 20), BLK, "read at 1.5 GiB");
	ok(!memcmp(r, w + BLK, BLK), "data at 1.5 GiB");
	is(mmfs_bmap(f, (700ull << 20) / BLK, false, &p), 0, "bmap at 700 MiB");
	is(p, 0, "still a hole");
	is(mmfs_bmap(f, UINT64_MAX / BLK, false, &p), -EFBIG, "bmap past the largest file");
	is(mmfs_pwrite(f, w, BLK, UINT64_MAX - BLK), -EFBIG, "pwrite past the largest file");
	free(w);
	free(r);
	free(shadow);
}

static void test_contiguous(struct mmfs *fs)
{
	struct mmfs_inode *f;
	uint8_t *w = bh_buf(BLK);
	uint64_t first = 0, p = 0;
	bool contig = true;

	is(mmfs_create(fs, "seq", 0, &f), 0, "create seq");
	for (unsigned i = 0; i < 64; i++) {
		fill(w, BLK, i);
		if (mmfs_pwrite(f, w, BLK, (uint64_t)i * BLK) != BLK)
			contig = false;
	}
	mmfs_bmap(f, 0, false, &first);
	for (unsigned i = 1; i < 64; i++) {
		mmfs_bmap(f, i, false, &p);
		if (p != first + i)
			contig = false;
	}
	ok(first && contig, "64 blocks written in order are contiguous (from %" PRIu64 ")", first);
	free(w);
}

/* On a small device: freed blocks come back only after the sync. */
static void test_free_after_sync(void)
{
	struct mmfs_disks *d = open_temp(4u << 20);
	struct mmfs *fs = d ? mmfs_disks_fs(d) : NULL;
	struct mmfs_inode *a, *b;
	uint64_t n = 0, m = 0, p;
	char name[32];
	int r = 0;

	ok(d != NULL, "small disks");
	if (!d)
		return;
	is(mmfs_create(fs, "a", 0, &a), 0, "create a");
	is(mmfs_create(fs, "b", 0, &b), 0, "create b");
	while (!(r = mmfs_bmap(a, n, true, &p)))
		n++;
	is(r, -ENOSPC, "a fills the device: ENOSPC");
	ok(n > 900, "a got %" PRIu64 " blocks", n);
	is(mmfs_pwrite(b, &n, sizeof(n), 0), -ENOSPC, "pwrite on a full device: ENOSPC");
	is(mmfs_set_size(a, BLK * n), 0, "a's size covers them");
	is(mmfs_sync_inode(a), 0, "sync a");
	is(mmfs_set_size(a, 0), 0, "truncate a to 0");
	is(mmfs_bmap(b, 0, true, &p), -ENOSPC, "freed blocks not reusable before the sync");
	is(mmfs_sync_inode(a), 0, "sync a");
	while (!(r = mmfs_bmap(b, m, true, &p)))
		m++;
	ok(m >= n, "after the sync b gets them all (%" PRIu64 " >= %" PRIu64 ")", m, n);
	is(mmfs_set_size(b, BLK * m), 0, "b's size");
	is(mmfs_sync_all(fs), 0, "sync all");
	is(mmfs_fsck(fs, stdout), 0, "fsck clean on a full device");
	for (n = 0; !(r = mmfs_create(fs, (snprintf(name, sizeof(name), "n%" PRIu64, n), name),
				      0, &a)); n++)
		;
	is(r, -ENOSPC, "out of inodes: ENOSPC");
	is(n, 510, "after 510 more files (512 inodes)");
	is(mmfs_disks_close(d), 0, "close");
}

static void test_set_size(struct mmfs *fs)
{
	struct mmfs_inode *f;
	uint8_t *w = bh_buf(8 * BLK), *r = bh_buf(8 * BLK);
	uint64_t p;

	is(mmfs_create(fs, "trunc", 0, &f), 0, "create trunc");
	fill(w, 8 * BLK, 9);
	is(mmfs_pwrite(f, w, 8 * BLK, 600 * BLK), 8 * BLK, "8 blocks in the double indirect range");
	is(mmfs_set_size(f, 602 * BLK), 0, "shrink to keep 2 of them");
	is(mmfs_bmap(f, 603, false, &p), 0, "bmap of a cut block");
	is(p, 0, "cut blocks unmapped");
	is(mmfs_set_size(f, 700 * BLK), 0, "grow again");
	is(mmfs_pread(f, r, 8 * BLK, 600 * BLK), 8 * BLK, "read the range");
	ok(!memcmp(r, w, 2 * BLK) && all_zero(r + 2 * BLK, 6 * BLK),
	   "kept blocks intact, the grown part zeros");
	is(mmfs_set_size(f, 0), 0, "truncate to 0");
	is(mmfs_size(f), 0, "size 0");
	is(mmfs_set_size(f, UINT64_MAX), -EFBIG, "set_size past the largest file");
	free(w);
	free(r);
}

struct snapshot {
	char name[16];
	uint64_t size;
	uint8_t data[BLK];
};

static void test_remount(struct mmfs_disks *d)
{
	struct mmfs *fs = mmfs_disks_fs(d);
	struct mmfs_inode *f = mmfs_lookup(fs, "io"), *g;
	uint8_t *w = bh_buf(BLK), *r = bh_buf(BLK);
	uint64_t size = f ? mmfs_size(f) : 0, replayed = 0;
	char why[256];
	unsigned n = 0;

	is(mmfs_sync_all(fs), 0, "sync all");
	is(mmfs_create(fs, "late", 0, &g), 0, "a file never synced");
	fill(w, BLK, 77);
	is(mmfs_pwrite(g, w, BLK, 5 * BLK), BLK, "written, not synced");
	is(mmfs_disks_reboot(d, &replayed, why, sizeof(why)), 0, "clean reboot %s", why);
	fs = mmfs_disks_fs(d);
	f = mmfs_lookup(fs, "io");
	g = mmfs_lookup(fs, "late");
	ok(f && g, "files there after the reboot");
	if (!f || !g)
		goto out;
	is(mmfs_size(f), size, "io's size kept");
	is(mmfs_pread(f, r, BLK, 1500ull << 20), BLK, "read at 1.5 GiB");
	fill(w, BLK, 5);
	ok(!memcmp(r, w, BLK), "data at 1.5 GiB kept");
	is(mmfs_pread(g, r, BLK, 5 * BLK), BLK, "read late");
	fill(w, BLK, 77);
	ok(!memcmp(r, w, BLK), "unsynced data kept by the clean shutdown");
	mmfs_for_each(fs, count_fn, &n);
	is(n, 7, "all 7 files listed");
	is(mmfs_fsck(fs, stdout), 0, "fsck clean after the reboot");
out:
	free(w);
	free(r);
}

static void test_dirs(void)
{
	struct mmfs_disks_opts o;
	struct mmfs_disks *d = NULL;
	struct mmfs_inode *f;
	char dir[PATH_MAX + 16], tmp[PATH_MAX - 64], why[256], p[PATH_MAX + 48];
	uint64_t replayed = 99;
	const char *t = getenv("TMPDIR");

	snprintf(tmp, sizeof(tmp), "%s/mmsim-fs-dir-XXXXXX", t ? t : "/tmp");
	ok(mkdtemp(tmp) != NULL, "a directory for the images");
	snprintf(dir, sizeof(dir), "%s/machine", tmp);
	mmfs_disks_opts_default(&o);
	o.dir = dir;
	is(mmfs_disks_open(&o, &d, &replayed, why, sizeof(why)), 0, "open in a new dir %s", why);
	is(replayed, 0, "a new machine replays nothing");
	if (!d)
		return;
	ok(!strcmp(mmfs_disks_dir(d), dir), "its dir");
	is(mmfs_create(mmfs_disks_fs(d), "kept", 123, &f), 0, "create a file");
	is(mmfs_disks_close(d), 0, "close");
	snprintf(p, sizeof(p), "%s/cache.img", dir);
	ok(!access(p, F_OK), "the images stay in a given dir");
	d = NULL;
	is(mmfs_disks_open(&o, &d, &replayed, why, sizeof(why)), 0, "open again %s", why);
	printf("# replayed %" PRIu64 " keys\n", replayed);
	f = d ? mmfs_lookup(mmfs_disks_fs(d), "kept") : NULL;
	ok(f && mmfs_size(f) == 123, "the file is there");
	is(d ? mmfs_disks_fsck(d, stdout) : -1, 0, "both fscks clean");
	is(mmfs_disks_close(d), 0, "close");
	unlink(p);
	snprintf(p, sizeof(p), "%s/backing.img", dir);
	unlink(p);
	rmdir(dir);
	rmdir(tmp);

	d = open_temp(0);
	ok(d != NULL, "temporary disks");
	if (!d)
		return;
	snprintf(tmp, sizeof(tmp), "%s", mmfs_disks_dir(d));
	ok(!access(tmp, F_OK), "the temporary dir exists");
	is(mmfs_disks_close(d), 0, "close");
	ok(access(tmp, F_OK) && errno == ENOENT, "the temporary dir is gone");
}

/* ---- corrupt images (a cache set of our own: raw access to every block) ---- */

static struct blk_dev *cdev, *bdev;
static struct cache_set *cset;

static int raw(bool write, uint64_t blk, void *buf)
{
	struct cached_dev *dc = cset->bdev[0];

	return write ? bch_cached_write(dc, blk * 8, buf, BLK, 0) :
		       bch_cached_read(dc, blk * 8, buf, BLK);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Seals an indirect block as mmfs does: magic, owner, level, first file
 * block, and a crc64 of the rest seeded with the block's number. */
static void seal_ind(uint8_t *b, uint64_t pblk, uint32_t ino, uint32_t level, uint64_t base)
{
	uint32_t h[4] = { IND_MAGIC, ino, level, 0 };

	memcpy(b + IND_TAIL, h, sizeof(h));
	put64(b + IND_TAIL + 16, base);
	put64(b + IND_TAIL + 24, crc64_be(pblk, b, BLK - 8) ^ ~0ull);
}

/*
 * The damage: pointers written into the single indirect block, resealed
 * (the walk's own checks must see them); a hole flipped to a free block
 * in range, not resealed (only the checksum can see it); the block resealed
 * as another inode's; the inode pointed at a copy of it elsewhere (whole,
 * but not the block written there); a version 1 superblock.
 */
enum damage { BAD_POINTER, DUP_BLOCK, LOOP, BAD_MAGIC, IND_FLIP, IND_OWNER, IND_MOVED,
	      OLD_VERSION };

/* A file with direct and single indirect blocks, synced; then damage. */
static void corrupt_case(enum damage how, const char *what, const char *reason)
{
	struct mmfs *fs = NULL;
	struct mmfs_inode *f;
	uint8_t *buf = bh_buf(BLK), *w = bh_buf(20 * BLK);
	uint64_t ind;
	char why[256] = "";
	long n;

	if (mmfs_format(cset->bdev[0]) || mmfs_mount(cset->bdev[0], &fs, why, sizeof(why))) {
		ok(0, "%s: format and mount: %s", what, why);
		return;
	}
	mmfs_create(fs, "victim", 0, &f);
	fill(w, 20 * BLK, 3);
	mmfs_pwrite(f, w, 20 * BLK, 0);
	is(mmfs_sync_inode(f), 0, "%s: file synced", what);
	is(mmfs_fsck(fs, stdout), 0, "%s: fsck clean before", what);
	raw(false, 1, buf);			/* inode 0 is the first of block 1 */
	ind = get64(buf + DINODE_IND);
	if (how == BAD_MAGIC || how == OLD_VERSION) {
		raw(false, 0, buf);
		if (how == BAD_MAGIC) {
			buf[0] ^= 0xff;
		} else {
			buf[8] = 1;		/* version, then the checksum at 48 */
			put64(buf + 48, 0);
			put64(buf + 48, bch_crc64(buf, 56));
		}
		raw(true, 0, buf);
	} else if (how == IND_MOVED) {
		uint64_t copy = ind - 1;	/* free: indirect blocks go top down */

		raw(false, ind, buf);
		raw(true, copy, buf);
		raw(false, 1, buf);
		put64(buf + DINODE_IND, copy);
		put64(buf + 248, bch_crc64(buf, 248));
		raw(true, 1, buf);
	} else {
		uint64_t d0 = get64(buf + DINODE_DIRECT);

		raw(false, ind, buf);
		if (how == IND_FLIP) {
			buf[8 * 100] = 0x40;	/* a hole: now block 64, free */
		} else if (how == IND_OWNER) {
			seal_ind(buf, ind, 5, 1, 12);
		} else {
			put64(buf + 8 * 3, how == BAD_POINTER ? 1ull << 40 :
			      how == DUP_BLOCK ? d0 : ind);
			seal_ind(buf, ind, 0, 1, 12);
		}
		raw(true, ind, buf);
	}
	n = mmfs_fsck(fs, stdout);
	ok(n > 0, "%s: fsck finds it (%ld)", what, n);
	mmfs_unmount(fs);
	fs = NULL;
	is(mmfs_mount(cset->bdev[0], &fs, why, sizeof(why)), -EUCLEAN, "%s: mount refuses", what);
	ok(strstr(why, reason) != NULL, "%s: why says so: %s", what, why);
	if (fs)
		mmfs_unmount(fs);
	free(buf);
	free(w);
}

/* Random damage to the metadata: mount never crashes, and when it takes
 * the image, fsck agrees it is clean. */
static void garbage(unsigned rounds)
{
	uint64_t rng = 12345;
	uint8_t *buf = bh_buf(BLK), *w = bh_buf(40 * BLK);
	unsigned taken = 0, refused = 0, disagree = 0;

	for (unsigned i = 0; i < rounds; i++) {
		struct mmfs *fs = NULL;
		struct mmfs_inode *f;
		char why[256];
		uint64_t blk, ind;

		mmfs_format(cset->bdev[0]);
		if (mmfs_mount(cset->bdev[0], &fs, why, sizeof(why)))
			break;
		mmfs_create(fs, "a", 0, &f);
		fill(w, 40 * BLK, i);
		mmfs_pwrite(f, w, 40 * BLK, 0);
		mmfs_pwrite(f, w, BLK, 3000 * BLK);
		mmfs_unmount(fs);
		fs = NULL;
		raw(false, 1, buf);
		ind = get64(buf + DINODE_IND + 8 * (bh_rand(&rng) % 2));
		blk = bh_rand(&rng) % 3 == 0 ? bh_rand(&rng) % 2 : ind ? ind : 1;
		raw(false, blk, buf);
		for (unsigned k = 1 + bh_rand(&rng) % 4; k--;)
			buf[bh_rand(&rng) % (blk == 0 ? 64 : blk == 1 ? 512 : BLK)] ^=
				(uint8_t)(1u << (bh_rand(&rng) % 8));
		raw(true, blk, buf);
		if (!mmfs_mount(cset->bdev[0], &fs, why, sizeof(why))) {
			taken++;
			if (mmfs_fsck(fs, NULL))
				disagree++;
			mmfs_unmount(fs);
		} else {
			refused++;
		}
	}
	ok(taken + refused == rounds && !disagree,
	   "%u damaged images: %u refused, %u taken, fsck agreed", rounds, refused, taken);
	free(buf);
	free(w);
}

static void test_corrupt(void)
{
	struct bch_format_opts fo;

	bh_setup("mmsim-fs-corrupt");
	bch_format_opts_default(&fo);
	fo.seed = 7;
	if (bh_format(&cdev, &bdev, 64u << 20, 32u << 20, &fo) ||
	    bh_register(cdev, bdev, &cset, NULL)) {
		ok(0, "a cache set for the corruption tests");
		return;
	}
	corrupt_case(BAD_POINTER, "pointer out of range", "outside the data area");
	corrupt_case(DUP_BLOCK, "block used twice", "used twice");
	corrupt_case(LOOP, "indirect block naming itself", "used twice");
	corrupt_case(BAD_MAGIC, "bad superblock magic", "magic");
	corrupt_case(IND_FLIP, "a hole in an indirect block names a free block", "bad checksum");
	corrupt_case(IND_OWNER, "another inode's indirect block", "belongs to inode 5");
	corrupt_case(IND_MOVED, "a copy of the indirect block elsewhere", "bad checksum");
	corrupt_case(OLD_VERSION, "a version 1 filesystem", "version 1");
	garbage(60);
	bch_cache_set_stop(cset);
	blk_close(cdev);
	blk_close(bdev);
	bh_cleanup();
}

int main(void)
{
	struct mmfs_disks *d;

	prefer_tmpfs();
	d = open_temp(0);
	ok(d != NULL, "disks made");
	if (!d)
		return done_testing();
	test_names(mmfs_disks_fs(d));
	test_io(mmfs_disks_fs(d));
	test_contiguous(mmfs_disks_fs(d));
	test_set_size(mmfs_disks_fs(d));
	is(mmfs_sync_all(mmfs_disks_fs(d)), 0, "sync_all");
	is(mmfs_fsck(mmfs_disks_fs(d), stdout), 0, "fsck clean after sync_all");
	test_remount(d);
	is(mmfs_disks_close(d), 0, "disks closed");
	test_free_after_sync();
	test_dirs();
	test_corrupt();
	return done_testing();
}
