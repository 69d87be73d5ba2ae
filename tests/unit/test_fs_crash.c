/*
 * test_fs_crash.c - crash states of mmfs on the machine's disks.
 *
 * One pair of disk images lives through every state.  Each state runs a
 * seeded random workload on a few files (whole-block pwrites of stamped
 * blocks at offsets from a few KiB to hundreds of MiB, so direct, single
 * and double indirect blocks are all in play; mmfs_sync_inode,
 * mmfs_sync_all, block-aligned set_size shrinks and grows), then loses
 * power: at the end of the workload, or at a random request of the cache
 * device armed beforehand (so inside a sync's ordered writes too), torn
 * or not.  Then:
 *   - bch_fsck of the crashed cache image is clean;
 *   - reboot (journal replay, mount) succeeds and mmfs_fsck is clean;
 *   - every file's size is its size at its last sync or one it had since;
 *   - every block holds exactly what it held at its file's last sync, or,
 *     if it was written or truncated since, a version written to that very
 *     block since, or zeros after a truncate: never a torn block, another
 *     block's or another file's data (the stamps say who wrote each block).
 * What the reboot found becomes the new durable state.  Every eighth
 * state is a clean reboot instead, after which nothing may be lost.
 *
 * MMSIM_FS_CRASH_STATES sets the number of states (default 1000),
 * MMSIM_FS_CRASH_SEED the first seed, MMSIM_FS_CRASH_WRITEBACK=1 runs the
 * cache set's writeback thread and journal timer meanwhile (see main()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "bcache_harness.h"
#include "fs/fs.h"
#include "tap.h"

#define NFILES 3u
#define NSLOTS 96u
#define NSIZES 16u
#define BLK 4096u

struct slot_model {
	uint64_t durable;	/* version at the last sync (0: zeros) */
	uint64_t acked;		/* newest version written and acknowledged */
	bool changed;		/* written or truncated since the sync */
	bool zero_ok;		/* truncated since the sync */
};

struct file_model {
	struct mmfs_inode *ino;
	struct slot_model s[NSLOTS];
	uint64_t size, durable_size;
	uint64_t later_sizes[NSIZES];
	unsigned nlater;
	bool sizes_overflow;
	uint64_t mark;		/* first version written after the last sync */
};

static struct file_model files[NFILES];
static uint64_t next_ver = 1;
static struct mmfs_disks *disks;

/* Diagnostics of a bad block: the cache set's extents over it. */
static int print_extent(void *arg, const struct bkey *k)
{
	struct cache_set *c = arg;
	uint64_t b = KEY_PTRS(k) ? PTR_OFFSET(k, 0) / c->cache->sb.bucket_size : 0;
	printf("#     extent [%llu,%llu) %s ptrs %u offset %llu gen %u (bucket %llu gen %u)\n",
	       (unsigned long long)KEY_START(k), (unsigned long long)KEY_OFFSET(k),
	       KEY_DIRTY(k) ? "dirty" : "clean", (unsigned)KEY_PTRS(k),
	       KEY_PTRS(k) ? (unsigned long long)PTR_OFFSET(k, 0) : 0ull,
	       KEY_PTRS(k) ? (unsigned)PTR_GEN(k, 0) : 0u, (unsigned long long)b,
	       KEY_PTRS(k) ? (unsigned)c->cache->buckets[b].gen : 0u);
	return 0;
}

static void show_extents(uint64_t pblk)
{
	struct cache_set *c = mmfs_disks_set(disks);
	if (c)
		bch_btree_map_extents(c, 0, pblk * 8, pblk * 8 + 8, print_extent, c);
}
static uint8_t *blockbuf;

/* File blocks the workload uses: direct and single indirect (0..47), the
 * single/double boundary (510..533), and far out (~270 MiB onwards). */
static uint64_t slot_lblk(unsigned s)
{
	if (s < 48)
		return s;
	if (s < 72)
		return 510 + (s - 48);
	return 70000 + (uint64_t)(s - 72) * 700;
}

static uint64_t stamp_word(uint64_t ver, unsigned f, unsigned s)
{
	return (ver << 20) | ((uint64_t)f << 12) | s;
}

static void stamp(void *buf, uint64_t ver, unsigned f, unsigned s)
{
	uint64_t *w = buf, x = stamp_word(ver, f, s);

	for (unsigned i = 0; i < BLK / 8; i++)
		w[i] = x;
}

/* The version a block holds (0: zeros); -1 if not a whole stamp of (f, s). */
static int64_t block_version(const void *buf, unsigned f, unsigned s)
{
	const uint64_t *w = buf;

	for (unsigned i = 1; i < BLK / 8; i++)
		if (w[i] != w[0])
			return -1;
	if (!w[0])
		return 0;
	if ((w[0] & 0xfffff) != (((uint64_t)f << 12) | s))
		return -1;
	return (int64_t)(w[0] >> 20);
}

/* What a bad block holds: its distinct words (runs of equal ones). */
static void show_block(const void *buf)
{
	const uint64_t *w = buf;

	for (unsigned i = 0, j; i < BLK / 8; i = j) {
		for (j = i + 1; j < BLK / 8 && w[j] == w[i]; j++)
			;
		printf("#   words %u..%u: version %" PRIu64 " file %u block slot %u\n", i,
		       j - 1, w[i] >> 20, (unsigned)(w[i] >> 12) & 0xff,
		       (unsigned)w[i] & 0xfff);
	}
}

static void note_size(struct file_model *fm, uint64_t size)
{
	if (fm->nlater == NSIZES)
		fm->sizes_overflow = true;
	else
		fm->later_sizes[fm->nlater++] = size;
}

static void model_synced(struct file_model *fm)
{
	for (unsigned s = 0; s < NSLOTS; s++) {
		struct slot_model *m = &fm->s[s];

		m->durable = m->acked;
		m->changed = m->zero_ok = false;
	}
	fm->durable_size = fm->size;
	fm->nlater = 0;
	fm->sizes_overflow = false;
	fm->mark = next_ver;
}

static int op_write(uint64_t *rng)
{
	unsigned f = (unsigned)(bh_rand(rng) % NFILES), s = (unsigned)(bh_rand(rng) % NSLOTS);
	struct file_model *fm = &files[f];
	uint64_t end = (slot_lblk(s) + 1) * BLK, v = next_ver++;
	uint64_t newsize = end > fm->size ? end : fm->size;
	ssize_t n;

	stamp(blockbuf, v, f, s);
	fm->s[s].changed = true;
	note_size(fm, newsize);
	n = mmfs_pwrite(fm->ino, blockbuf, BLK, slot_lblk(s) * BLK);
	if (n != BLK)
		return n < 0 ? (int)n : -EIO;
	fm->s[s].acked = v;
	fm->size = newsize;
	return 0;
}

static int op_set_size(uint64_t *rng)
{
	unsigned f = (unsigned)(bh_rand(rng) % NFILES);
	struct file_model *fm = &files[f];
	unsigned pick = (unsigned)(bh_rand(rng) % (NSLOTS + 2));
	uint64_t size = pick < NSLOTS ? slot_lblk(pick) * BLK :
			pick == NSLOTS ? 0 : (slot_lblk(NSLOTS - 1) + 1) * BLK;
	int r;

	for (unsigned s = 0; s < NSLOTS; s++) {
		struct slot_model *m = &fm->s[s];

		if (slot_lblk(s) * BLK >= size && (m->acked || m->durable)) {
			m->changed = m->zero_ok = true;
			m->acked = 0;
		}
	}
	note_size(fm, size);
	r = mmfs_set_size(fm->ino, size);
	if (!r)
		fm->size = size;
	return r;
}

static int op_sync(uint64_t *rng, bool all)
{
	unsigned f = (unsigned)(bh_rand(rng) % NFILES);
	int r = all ? mmfs_sync_all(mmfs_disks_fs(disks)) : mmfs_sync_inode(files[f].ino);

	if (r)
		return r;
	for (unsigned i = 0; i < NFILES; i++)
		if (all || i == f)
			model_synced(&files[i]);
	return 0;
}

static int workload(uint64_t *rng)
{
	unsigned nops = 5 + (unsigned)(bh_rand(rng) % 40);
	int r = 0;

	for (unsigned i = 0; i < nops && !r; i++) {
		unsigned what = (unsigned)(bh_rand(rng) % 100);

		if (what < 68)
			r = op_write(rng);
		else if (what < 83)
			r = op_sync(rng, false);
		else if (what < 88)
			r = op_sync(rng, true);
		else
			r = op_set_size(rng);
	}
	return r;
}

static bool size_ok(const struct file_model *fm, uint64_t size)
{
	if (size == fm->durable_size || fm->sizes_overflow)
		return true;
	for (unsigned i = 0; i < fm->nlater; i++)
		if (fm->later_sizes[i] == size)
			return true;
	return false;
}

static bool version_ok(const struct file_model *fm, const struct slot_model *m, int64_t v)
{
	if (v < 0)
		return false;
	if ((uint64_t)v == m->durable)
		return true;
	if (!m->changed)
		return false;
	return v ? (uint64_t)v >= fm->mark : m->zero_ok;
}

/* Checks one file after a reboot and makes what it found durable. */
static int verify_file(uint64_t seed, unsigned f, bool exact)
{
	struct file_model *fm = &files[f];
	char name[16];
	uint64_t size;
	int bad = 0;

	snprintf(name, sizeof(name), "f%u", f);
	fm->ino = mmfs_lookup(mmfs_disks_fs(disks), name);
	if (!fm->ino) {
		printf("# seed %" PRIu64 ": %s lost\n", seed, name);
		return 1;
	}
	size = mmfs_size(fm->ino);
	if (exact ? size != fm->size : !size_ok(fm, size)) {
		printf("# seed %" PRIu64 ": %s: size %" PRIu64 ", synced %" PRIu64
		       ", now %" PRIu64 "\n", seed, name, size, fm->durable_size, fm->size);
		bad++;
	}
	for (unsigned s = 0; s < NSLOTS; s++) {
		struct slot_model *m = &fm->s[s];
		uint64_t off = slot_lblk(s) * BLK;
		int64_t v = 0;

		if (off < size) {
			ssize_t n = mmfs_pread(fm->ino, blockbuf, BLK, off);

			v = n == BLK ? block_version(blockbuf, f, s) : -2;
			if (v == -1) {
				uint64_t pb = 0;

				mmfs_bmap(fm->ino, slot_lblk(s), false, &pb);
				printf("#   at device block %" PRIu64 "\n", pb);
				show_block(blockbuf);
				show_extents(pb);
			}
		}
		if (exact ? v != (int64_t)m->acked : !version_ok(fm, m, v)) {
			printf("# seed %" PRIu64 ": %s block %" PRIu64 " holds version %" PRId64
			       ", synced %" PRIu64 ", newest %" PRIu64 "%s\n", seed, name,
			       slot_lblk(s), v, m->durable, m->acked,
			       m->changed ? " (changed since)" : "");
			bad++;
		}
		m->acked = v > 0 ? (uint64_t)v : 0;
	}
	fm->size = size;
	model_synced(fm);
	return bad;
}

static FILE *fsck_log;

static void fsck_log_show(void)
{
	char line[512];

	rewind(fsck_log);
	while (fgets(line, sizeof(line), fsck_log))
		printf("#   %s", line);
}

static long fsck_crashed_cache(void)
{
	char p[PATH_MAX];
	struct blk_open_opts o;
	struct blk_dev *dev;
	long n;

	snprintf(p, sizeof(p), "%s/cache.img", mmfs_disks_dir(disks));
	blk_open_opts_default(&o);
	if (blk_open(p, &o, &dev))
		return -1;
	n = bch_fsck(dev, fsck_log);	/* shown only when not clean */
	blk_close(dev);
	return n;
}

static int one_state(uint64_t seed, uint64_t *stats)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 7, replayed = 0;
	bool clean = seed % 8 == 0, armed = !clean && bh_rand(&rng) % 2;
	bool torn = bh_rand(&rng) % 2;
	char why[256];
	int bad = 0, r;
	long problems;

	if (armed)
		mmfs_disks_crash_after(disks, 1 + bh_rand(&rng) % 40, torn, seed);
	r = workload(&rng);
	stats[r ? 0 : 1]++;
	if (!clean) {
		if ((r = mmfs_disks_crash(disks, torn, seed))) {
			printf("# seed %" PRIu64 ": crash: %d\n", seed, r);
			return 1;
		}
		fsck_log = tmpfile();
		problems = fsck_log ? fsck_crashed_cache() : -1;
		if (problems && fsck_log)
			fsck_log_show();
		if (fsck_log)
			fclose(fsck_log);
		if (problems) {
			printf("# seed %" PRIu64 ": bch_fsck of the crashed cache: %ld\n", seed,
			       problems);
			bad++;
		}
	}
	if ((r = mmfs_disks_reboot(disks, &replayed, why, sizeof(why)))) {
		printf("# seed %" PRIu64 ": reboot: %d %s\n", seed, r, why);
		exit(1);	/* nothing left to go on with */
	}
	stats[2] += replayed;
	problems = mmfs_fsck(mmfs_disks_fs(disks), stdout);
	if (problems) {
		printf("# seed %" PRIu64 ": mmfs_fsck after reboot: %ld\n", seed, problems);
		bad++;
	}
	for (unsigned f = 0; f < NFILES; f++)
		bad += verify_file(seed, f, clean);
	if (bad)
		printf("# seed %" PRIu64 ": %s%s\n", seed, clean ? "clean reboot" :
		       armed ? "cut armed" : "crash after the workload", torn ? ", torn" : "");
	return bad;
}

static void prefer_tmpfs(void)
{
	struct stat st;

	if (!getenv("TMPDIR") && !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) &&
	    !access("/dev/shm", W_OK))
		setenv("TMPDIR", "/dev/shm", 1);
}

int main(void)
{
	const char *e = getenv("MMSIM_FS_CRASH_STATES");
	const char *s0 = getenv("MMSIM_FS_CRASH_SEED");
	uint64_t states = e ? strtoull(e, NULL, 0) : 1000, first = s0 ? strtoull(s0, NULL, 0) : 1;
	uint64_t failed = 0, stats[3] = { 0 };
	struct mmfs_disks_opts o;
	char why[256];
	int r;

	prefer_tmpfs();
	bh_setup("mmsim-fs-crash");
	blockbuf = bh_buf(BLK);
	mmfs_disks_opts_default(&o);
	o.dir = bh_dir;
	o.cache_bytes = 64u << 20;
	o.backing_bytes = 64u << 20;
	/*
	 * Repeatable by default.  With MMSIM_FS_CRASH_WRITEBACK=1 the cache
	 * set's writeback thread and journal timer run too, so an armed cut
	 * can fall while a journal write is in flight behind the thread's
	 * requests (CTest runs that as unit.test_fs_crash_writeback).
	 */
	o.deterministic = !getenv("MMSIM_FS_CRASH_WRITEBACK") ||
			  strcmp(getenv("MMSIM_FS_CRASH_WRITEBACK"), "1");
	r = mmfs_disks_open(&o, &disks, NULL, why, sizeof(why));
	is(r, 0, "disks made in %s%s%s", bh_dir, r ? ": " : "", r ? why : "");
	if (r)
		return done_testing();
	for (unsigned f = 0; f < NFILES; f++) {
		char name[16];

		snprintf(name, sizeof(name), "f%u", f);
		r = mmfs_create(mmfs_disks_fs(disks), name, 0, &files[f].ino);
		if (r)
			break;
	}
	is(r, 0, "files created");
	is(mmfs_sync_all(mmfs_disks_fs(disks)), 0, "files synced");
	for (unsigned f = 0; f < NFILES; f++)
		model_synced(&files[f]);

	for (uint64_t i = 0; i < states; i++) {
		int bad = one_state(first + i, stats);

		if (bad && failed++ < 5)
			printf("# state seed %" PRIu64 " failed\n", first + i);
	}
	is(failed, 0, "%" PRIu64 " crash states (%" PRIu64 " cut inside the workload, %" PRIu64
	   " after it, %" PRIu64 " journal keys replayed)", states, stats[0], stats[1],
	   stats[2]);
	is(mmfs_fsck(mmfs_disks_fs(disks), stdout), 0, "fsck clean at the end");
	is(mmfs_disks_close(disks), 0, "disks closed");
	bh_cleanup();
	free(blockbuf);
	return done_testing();
}
