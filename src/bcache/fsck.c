/*
 * fsck.c - checks a cache device without writing to it.
 *
 * The checks run in the order registration would read things, and a
 * failure that makes the rest meaningless (no superblock, no journal)
 * stops there:
 *   superblock -> journal chain (newest entry, last_seq, gaps, bad
 *   entries) -> prio_sets (gens) -> btree nodes (read and verified by
 *   bch_btree_open: checksums, node key ranges) -> every leaf key: valid,
 *   ordered and non-overlapping, pointer inside one data bucket of the
 *   device, generation not ahead of its bucket's -> keys of the journal
 *   entries still to replay: valid.
 * A stale pointer (gen behind its bucket's) is not a problem: bcache
 * leaves them for GC, and readers ignore them.  A torn newest journal
 * entry is not one either: it was never acknowledged.
 */
#include "btree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

struct fsck {
	struct cache_set *c;
	FILE *out;
	long problems;
	struct bkey_padded prev;
	bool have_prev;
	uint64_t keys, dirty, stale;
};

static void problem(struct fsck *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	f->problems++;
	if (f->problems > 100)
		return;		/* enough to act on; the count says the rest */
	fputs("fsck: ", f->out);
	va_start(ap, fmt);
	vfprintf(f->out, fmt, ap);
	va_end(ap);
	fputc('\n', f->out);
}

/* Why a leaf key is invalid on this device, or NULL. */
static const char *key_invalid(struct cache_set *c, const struct bkey *k)
{
	struct cache *ca = c->cache;

	if (KEY_SIZE(k) == 0)
		return "zero size";
	if (KEY_SIZE(k) > KEY_OFFSET(k))
		return "extent starts before sector 0";
	if (KEY_CSUM(k) || KEY_HEADER_SIZE(k) || KEY_PINNED(k))
		return "unknown bits set";
	for (unsigned i = 0; i < KEY_PTRS(k); i++) {
		uint64_t off = PTR_OFFSET(k, i), b = off / ca->bucket_sectors;

		if (PTR_DEV(k, i) != 0)
			return "pointer to a device not in the set";
		if (b < ca->sb.first_bucket || b >= ca->nbuckets)
			return "pointer outside the device's buckets";
		if (off % ca->bucket_sectors + KEY_SIZE(k) > ca->bucket_sectors)
			return "extent crosses a bucket boundary";
		if (ca->buckets[b].mark == BUCKET_JOURNAL || ca->buckets[b].mark == BUCKET_SB)
			return "pointer into a journal or superblock bucket";
	}
	return NULL;
}

static void print_key(FILE *out, const struct bkey *k)
{
	fprintf(out, "%" PRIu64 ":%" PRIu64 "+%" PRIu64, KEY_INODE(k), KEY_START(k), KEY_SIZE(k));
}

static int check_leaf_key(void *arg, const struct bkey *k)
{
	struct fsck *f = arg;
	struct cache *ca = f->c->cache;
	const char *why = key_invalid(f->c, k);

	f->keys++;
	f->dirty += KEY_DIRTY(k);
	if (why) {
		problem(f, "btree key %" PRIu64 ":%" PRIu64 "+%" PRIu64 ": %s", KEY_INODE(k),
			KEY_START(k), KEY_SIZE(k), why);
		return 0;
	}
	for (unsigned i = 0; i < KEY_PTRS(k); i++) {
		uint8_t bgen = ca->buckets[PTR_OFFSET(k, i) / ca->bucket_sectors].gen;
		int8_t ahead = (int8_t)(uint8_t)(PTR_GEN(k, i) - bgen);

		if (ahead > 0)
			problem(f, "btree key %" PRIu64 ":%" PRIu64 ": pointer gen %" PRIu64
				" ahead of its bucket's %u", KEY_INODE(k), KEY_START(k),
				PTR_GEN(k, i), bgen);
		else if (ahead < 0)
			f->stale++;
	}
	if (f->have_prev && (KEY_INODE(&f->prev.key) > KEY_INODE(k) ||
			     (KEY_INODE(&f->prev.key) == KEY_INODE(k) &&
			      KEY_OFFSET(&f->prev.key) > KEY_START(k)))) {
		problem(f, "btree keys out of order or overlapping:");
		if (f->problems <= 100) {
			fputs("      ", f->out);
			print_key(f->out, &f->prev.key);
			fputs(" then ", f->out);
			print_key(f->out, k);
			fputc('\n', f->out);
		}
	}
	memcpy(&f->prev, k, bkey_u64s(k) * 8);
	f->have_prev = true;
	return 0;
}

static void check_journal_keys(struct fsck *f, const struct journal_replay *list)
{
	for (const struct journal_replay *e = list; e; e = e->next) {
		const uint64_t *p = e->j.d, *end = e->j.d + e->j.keys;

		while (p < end) {
			const struct bkey *k = (const struct bkey *)p;
			const char *why;

			if (p + 2 > end || p + bkey_u64s(k) > end) {
				problem(f, "journal entry %" PRIu64 ": truncated key",
					(uint64_t)e->j.seq);
				break;
			}
			why = key_invalid(f->c, k);	/* deletions: size checks only */
			if (why)
				problem(f, "journal entry %" PRIu64 ": key %" PRIu64 ":%" PRIu64
					": %s", (uint64_t)e->j.seq, KEY_INODE(k), KEY_OFFSET(k), why);
			p += bkey_u64s(k);
		}
	}
}

static void check_journal(struct fsck *f, const struct journal_read_stats *st)
{
	fprintf(f->out, "journal: entries %" PRIu64 " (seq %" PRIu64 "..%" PRIu64 "), "
		"buckets read %" PRIu64 "\n", st->entries, st->last_seq, st->newest_seq,
		st->buckets_read);
	if (st->missing)
		problem(f, "journal: %" PRIu64 " entries missing between last_seq %" PRIu64
			" and %" PRIu64, st->missing, st->last_seq, st->newest_seq);
	if (st->damaged)
		problem(f, "journal: %" PRIu64 " damaged entr%s, newer ones after %s (not torn "
			"writes; see above)", st->damaged, st->damaged == 1 ? "y" : "ies",
			st->damaged == 1 ? "it" : "them");
	if (st->restored)
		problem(f, "journal: %" PRIu64 " entr%s with a damaged magic, version or seq (whole: "
			"%s checksum passes with them put back; replayed as written, not torn "
			"writes; see above)", st->restored, st->restored == 1 ? "y" : "ies",
			st->restored == 1 ? "its" : "each one's");
	if (st->torn)
		fprintf(f->out, "journal: the write after the newest entry is torn (normal after "
			"a crash: it was never acknowledged)\n");
	if (st->bad > st->damaged + st->torn)
		fprintf(f->out, "journal: %" PRIu64 " unreadable entr%s outside the entries replay "
			"needs skipped\n", st->bad - st->damaged - st->torn,
			st->bad - st->damaged - st->torn == 1 ? "y" : "ies");
}

long bch_fsck(struct blk_dev *cache, FILE *out)
{
	struct fsck f = { .out = out };
	struct journal_read_stats st = { 0 };
	struct journal_replay *list = NULL;
	char why[256];
	int r;

	r = bch_cache_set_peek(cache, &f.c, why, sizeof(why));
	if (r) {
		fprintf(out, "fsck: superblock: %s\n", why);
		return r == -EIO ? r : 1;
	}
	f.c->log = out;
	r = bch_journal_read(f.c, &list, &st);
	if (r)
		problem(&f, "journal: cannot be read: %s", strerror(-r));
	else if (!list)
		problem(&f, "journal: no valid entry (never formatted, or wiped)");
	else
		check_journal(&f, &st);
	if (list && !(r = bch_journal_start(f.c, list))) {
		/* Damaged btree sets are counted and what precedes them kept,
		 * so the rest of the tree is still checked. */
		f.c->read_salvage = true;
		f.c->replay_pending = list;
		if ((r = bch_prio_read(f.c, f.c->prio_bucket))) {
			problem(&f, "prios: %s", strerror(-r));
		} else if ((r = bch_btree_open(f.c))) {
			problem(&f, "btree: cannot be read: %s",
				f.c->read_why[0] ? f.c->read_why : strerror(-r));
		} else {
			struct bch_btree_stats bs;

			bch_btree_get_stats(f.c, &bs);
			if (bs.corrupt_sets)
				problem(&f, "btree: %" PRIu64 " damaged node set%s (not torn writes: "
					"the keys after them are lost; see above)", bs.corrupt_sets,
					bs.corrupt_sets == 1 ? "" : "s");
			bch_btree_map_keys(f.c, check_leaf_key, &f);
		}
		f.c->replay_pending = NULL;
		check_journal_keys(&f, list);
	} else if (list) {
		problem(&f, "journal: newest entry unusable: %s", strerror(-r));
	}
	fprintf(out, "btree: %" PRIu64 " keys, %" PRIu64 " dirty, %" PRIu64 " stale pointers\n",
		f.keys, f.dirty, f.stale);
	fprintf(out, "%s: %ld problem%s\n", f.problems ? "NOT CLEAN" : "clean", f.problems,
		f.problems == 1 ? "" : "s");
	bch_journal_free_list(list);
	bch_cache_set_peek_free(f.c);
	return f.problems;
}
