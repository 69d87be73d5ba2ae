/*
 * test_file_crash.c - crash states of a whole machine with files.
 *
 * Each state: a fresh machine with fresh disks; a few files created and
 * fsync'ed, mapped shared; a seeded random run of stores through the
 * mappings, pwrite()s, fsyncs, msync(MS_SYNC)s of ranges, writeback
 * passes and page migrations between nodes; then power loss (half the
 * states with a torn write) and a reboot.  In a third of the states the
 * power loss is armed at a random disk request before the run, so it
 * strikes inside an fsync, a writeback or a read; the calls fail with EIO
 * from there on and the run stops at the first failure.  Then:
 *   - both fscks (mmfs and the cache set) are clean;
 *   - every file still exists with its size;
 *   - every 4 KiB block holds exactly one version written to it (the
 *     stamps say which): the one made durable by the last fsync/msync
 *     covering it, or a newer one - never an older one, a mix, or
 *     another block's bytes.
 * MMSIM_FILE_CRASH_STATES sets the number of states (default 120),
 * MMSIM_FILE_CRASH_SEED the first seed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "harness.h"
#include "tap.h"

#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

#define NFILES 3
#define NBLOCKS 16
#define BLK 4096u
#define MAXLATER 64

struct block_model {
	uint32_t durable;		/* the version a crash cannot take back */
	uint32_t nlater;
	uint32_t later[MAXLATER];	/* versions written after it */
};

struct state {
	uint64_t rng;
	struct mmsim *m;
	struct mmsim_task *t;
	int fd[NFILES];
	uint64_t map[NFILES];
	struct block_model b[NFILES][NBLOCKS];
	uint32_t next_ver;
	unsigned ops[8];
};

static void stamp(uint64_t *w, unsigned f, unsigned blk, uint32_t ver)
{
	for (unsigned i = 0; i < BLK / 8; i++)
		w[i] = ver ? ((uint64_t)f << 56) ^ ((uint64_t)blk << 40) ^ ((uint64_t)ver << 8) ^ i ^ 1
			   : 0;
}

/* The version a block holds, or -1 when it is not one whole stamp. */
static int64_t version_of(const uint64_t *w, unsigned f, unsigned blk)
{
	uint64_t want[BLK / 8];
	bool zero = true;
	for (unsigned i = 0; i < BLK / 8 && zero; i++)
		zero = !w[i];
	if (zero)
		return 0;
	uint32_t ver = (uint32_t)((w[0] ^ ((uint64_t)f << 56) ^ ((uint64_t)blk << 40) ^ 1) >> 8);
	stamp(want, f, blk, ver);
	return memcmp(w, want, BLK) ? -1 : (int64_t)ver;
}

static void note_write(struct block_model *b, uint32_t ver)
{
	if (b->nlater == MAXLATER) {
		memmove(b->later, b->later + 1, (MAXLATER - 1) * sizeof b->later[0]);
		b->nlater--;
	}
	b->later[b->nlater++] = ver;
}

/* Everything written to these blocks so far is durable now. */
static void note_sync(struct state *st, unsigned f, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++) {
		struct block_model *b = &st->b[f][i];
		if (b->nlater)
			b->durable = b->later[b->nlater - 1];
		b->nlater = 0;
	}
}

static bool setup(struct state *st)
{
	struct mmsim_config cfg;
	test_config(&cfg);
	if (mmsim_create(&cfg, &st->m))
		return false;
	st->t = task_on(st->m, 0);
	char why[256];
	if (!st->t || mmsim_disks_attach(st->m, NULL, NULL, why, sizeof why))
		return false;
	for (unsigned f = 0; f < NFILES; f++) {
		char name[16];
		snprintf(name, sizeof name, "f%u", f);
		long fd = mmsim_sys_open(st->t, name, MMSIM_O_RDWR | MMSIM_O_CREAT, 0666);
		if (fd < 0 || mmsim_sys_ftruncate(st->t, (int)fd, NBLOCKS * BLK) ||
		    mmsim_sys_fsync(st->t, (int)fd))
			return false;
		long a = mmsim_sys_mmap(st->t, 0, NBLOCKS * BLK, PROT_READ | PROT_WRITE, MAP_SHARED,
					(int)fd, 0);
		if (a < 0)
			return false;
		st->fd[f] = (int)fd;
		st->map[f] = (uint64_t)a;
	}
	return true;
}

static uint64_t rnd(struct state *st, uint64_t n)
{
	return xorshift(&st->rng) % n;
}

/* One random operation; false when a call failed that must not. */
static bool step(struct state *st)
{
	static uint64_t buf[BLK / 8];
	unsigned f = (unsigned)rnd(st, NFILES), blk = (unsigned)rnd(st, NBLOCKS);
	unsigned op = (unsigned)rnd(st, 100);
	uint64_t fa;
	if (op < 35) {				/* a store through the mapping */
		uint32_t v = ++st->next_ver;
		stamp(buf, f, blk, v);
		note_write(&st->b[f][blk], v);
		st->ops[0]++;
		return mmsim_store(st->t, st->map[f] + blk * BLK, buf, BLK, &fa) == 0;
	}
	if (op < 60) {				/* pwrite */
		uint32_t v = ++st->next_ver;
		stamp(buf, f, blk, v);
		note_write(&st->b[f][blk], v);
		st->ops[1]++;
		return mmsim_sys_pwrite(st->t, st->fd[f], buf, BLK, (uint64_t)blk * BLK) == BLK;
	}
	if (op < 70) {				/* fsync */
		st->ops[2]++;
		if (mmsim_sys_fsync(st->t, st->fd[f]))
			return false;
		note_sync(st, f, 0, NBLOCKS);
		return true;
	}
	if (op < 80) {				/* msync(MS_SYNC) of a range */
		unsigned n = 1 + (unsigned)rnd(st, NBLOCKS - blk);
		st->ops[3]++;
		if (mmsim_sys_msync(st->t, st->map[f] + blk * BLK, (uint64_t)n * BLK, MS_SYNC))
			return false;
		note_sync(st, f, blk, blk + n);
		return true;
	}
	if (op < 90) {				/* background writeback */
		st->ops[4]++;
		return mmsim_writeback_run(st->m) >= 0;
	}
	/* migrate a few pages of the file to a node */
	uint64_t pages[4];
	int nodes[4], status[4];
	unsigned n = 1 + (unsigned)rnd(st, 4);
	for (unsigned i = 0; i < n; i++) {
		pages[i] = st->map[f] + ((blk + i) % NBLOCKS) * BLK;
		nodes[i] = (int)rnd(st, 2);
	}
	st->ops[5]++;
	return mmsim_sys_move_pages(st->t, 0, n, pages, nodes, status, MMSIM_MPOL_MF_MOVE) >= 0;
}

/* After the reboot: sizes, stamps; returns the number of bad blocks. */
static unsigned check(struct state *st, uint64_t seed)
{
	static uint64_t buf[BLK / 8];
	unsigned bad = 0;
	struct mmsim_task *t = task_on(st->m, 0);
	if (!t) {
		diag("seed %" PRIu64 ": no task after the reboot", seed);
		return 1;
	}
	for (unsigned f = 0; f < NFILES; f++) {
		char name[16];
		snprintf(name, sizeof name, "f%u", f);
		long fd = mmsim_sys_open(t, name, MMSIM_O_RDONLY, 0);
		if (fd < 0) {
			diag("seed %" PRIu64 ": %s is gone (%ld)", seed, name, fd);
			bad++;
			continue;
		}
		for (unsigned blk = 0; blk < NBLOCKS; blk++) {
			const struct block_model *b = &st->b[f][blk];
			long r = mmsim_sys_pread(t, (int)fd, buf, BLK, (uint64_t)blk * BLK);
			int64_t v = r == BLK ? version_of(buf, f, blk) : -2;
			bool fine = v == (int64_t)b->durable;
			for (unsigned i = 0; i < b->nlater && !fine; i++)
				fine = v == (int64_t)b->later[i];
			if (!fine) {
				diag("seed %" PRIu64 ": %s block %u holds %" PRId64 " (read %ld), durable %u,"
				     " %u later", seed, name, blk, v, r, b->durable, b->nlater);
				bad++;
			}
		}
		mmsim_sys_close(t, (int)fd);
	}
	return bad;
}

int main(void)
{
	const char *e = getenv("MMSIM_FILE_CRASH_STATES");
	const char *es = getenv("MMSIM_FILE_CRASH_SEED");
	unsigned states = e ? (unsigned)strtoul(e, NULL, 0) : 120;
	uint64_t seed0 = es ? strtoull(es, NULL, 0) : 1;
	unsigned failed_setup = 0, failed_ops = 0, bad_fsck = 0, bad_reboot = 0, bad_data = 0;
	unsigned cut_inside = 0;
	uint64_t total_ops[8] = { 0 }, replayed_total = 0;

	for (unsigned i = 0; i < states; i++) {
		uint64_t seed = seed0 + i;
		struct state *st = calloc(1, sizeof *st);
		if (st)
			st->rng = seed * 0x9e3779b97f4a7c15ull | 1;
		if (!st || !setup(st)) {
			failed_setup++;
			if (st && st->m)
				mmsim_destroy(st->m);
			free(st);
			continue;
		}
		unsigned nops = 5 + (unsigned)rnd(st, 80);
		bool torn = i & 1, armed = i % 3 == 2;
		if (armed && mmsim_crash_after(st->m, 1 + rnd(st, 40), torn, seed)) {
			diag("seed %" PRIu64 ": cannot arm the power cut", seed);
			failed_setup++;
		}
		for (unsigned k = 0; k < nops; k++)
			if (!step(st)) {
				if (!armed) {
					diag("seed %" PRIu64 ": op %u failed", seed, k);
					failed_ops++;
				} else {
					cut_inside++;
				}
				break;
			}
		for (unsigned k = 0; k < 8; k++)
			total_ops[k] += st->ops[k];
		uint64_t replayed = 0;
		char why[256] = "";
		if (mmsim_crash(st->m, torn, seed) ||
		    mmsim_reboot(st->m, &replayed, why, sizeof why)) {
			diag("seed %" PRIu64 ": crash/reboot failed: %s", seed, why);
			bad_reboot++;
		} else {
			replayed_total += replayed;
			long problems = mmsim_disks_fsck(st->m, NULL);
			if (problems) {
				diag("seed %" PRIu64 ": fsck found %ld problems", seed, problems);
				bad_fsck++;
			}
			bad_data += check(st, seed) ? 1 : 0;
		}
		mmsim_destroy(st->m);
		free(st);
	}
	diag("%u states: %" PRIu64 " stores, %" PRIu64 " pwrites, %" PRIu64 " fsyncs, %" PRIu64
	     " msyncs, %" PRIu64 " writeback passes, %" PRIu64 " migrations; %" PRIu64
	     " keys replayed", states, total_ops[0], total_ops[1], total_ops[2], total_ops[3],
	     total_ops[4], total_ops[5], replayed_total);
	diag("%u power cuts struck inside an operation", cut_inside);
	ok(states < 6 || cut_inside > 0, "some power cuts struck inside an operation");
	is(failed_setup, 0, "every state set up");
	is(failed_ops, 0, "every operation before the crash succeeded");
	is(bad_reboot, 0, "every crash and reboot succeeded");
	is(bad_fsck, 0, "fsck clean after every crash");
	is(bad_data, 0, "every block holds its durable version or a newer one, whole");
	return done_testing();
}
