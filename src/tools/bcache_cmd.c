/*
 * bcache_cmd.c - `mmsim bcache format|show|dump-journal|fsck`: the cache
 * set's tools, on image files.
 *
 * show and dump-journal print what is on disk without judging more than
 * they must to parse it; fsck judges (src/bcache/fsck.c) and its exit
 * status says whether the image is clean.  None of them writes to the
 * image except format.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bcache.h"
#include "bcache_cmd.h"
#include "util.h"

static void print_uuid(FILE *f, const uint8_t u[16])
{
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02x%s", u[i], (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

static int open_image(const char *path, bool create, uint64_t bytes, struct blk_dev **dev)
{
	struct blk_open_opts o;
	int r;

	blk_open_opts_default(&o);
	if (create) {
		o.flags |= BLK_OPEN_CREATE;
		o.nr_sectors = bytes / BLK_SECTOR_SIZE;
	}
	r = blk_open(path, &o, dev);
	if (r)
		fprintf(stderr, "mmsim bcache: %s: %s\n", path, strerror(-r));
	return r;
}

/* ---- format ------------------------------------------------------------------ */

static const char format_usage[] =
	"usage: mmsim bcache format [OPTIONS] CACHE.img [BACKING.img]\n"
	"\n"
	"Formats a cache device (and a backing device attached to it, in\n"
	"writeback mode) in bcache's on-disk format.\n"
	"\n"
	"  --size SIZE           create or extend CACHE.img to SIZE (e.g. 64m)\n"
	"  --backing-size SIZE   create or extend BACKING.img to SIZE\n"
	"  --block SIZE          block size (default 4k)\n"
	"  --bucket SIZE         bucket size (default 512k)\n"
	"  --journal-buckets N   journal ring length (default nbuckets/64, 8..256)\n"
	"  --discard             discard freed buckets\n"
	"  --label TEXT          label (32 bytes at most)\n"
	"  --seed N              derive the uuids from N (reproducible images)\n";

static int format_parse(int argc, char **argv, struct bch_format_opts *fo,
			uint64_t *size, uint64_t *bsize)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "backing-size", required_argument, NULL, 'S' },
		{ "block", required_argument, NULL, 'b' },
		{ "bucket", required_argument, NULL, 'B' },
		{ "journal-buckets", required_argument, NULL, 'j' },
		{ "discard", no_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t v;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(format_usage, stdout);
			return 0;
		}
		if (ch == 'd') {
			fo->discard = true;
			continue;
		}
		if (ch == 'l') {
			if (strlen(optarg) > BCH_SB_LABEL_SIZE)
				goto bad;
			fo->label = optarg;
			continue;
		}
		if (ch == '?' || parse_size(optarg, SIZE_SUFFIX_DISK, &v))
			goto bad;
		switch (ch) {
		case 's': *size = v; break;
		case 'S': *bsize = v; break;
		case 'b':
			if (v % BLK_SECTOR_SIZE || v / BLK_SECTOR_SIZE > 65535)
				goto bad;
			fo->block_sectors = (unsigned)(v / BLK_SECTOR_SIZE);
			break;
		case 'B':
			if (v % BLK_SECTOR_SIZE || v / BLK_SECTOR_SIZE > 65536)
				goto bad;
			fo->bucket_sectors = (unsigned)(v / BLK_SECTOR_SIZE);
			break;
		case 'j': if (v > 65535) goto bad; fo->njournal_buckets = (unsigned)v; break;
		case 'r': fo->seed = v; break;
		}
	}
	if (optind >= argc || argc - optind > 2)
		goto bad;
	return 1;
bad:
	fputs(format_usage, stderr);
	return -1;
}

/*
 * An image as format found it, so that a failed format can undo what it
 * did to the file (not to its content): remove it if format created it,
 * truncate it back if format extended it.
 */
struct image_state {
	const char *path;
	bool existed;
	off_t size;		/* when it existed */
	bool known;		/* st says which file the open left there */
	struct stat st;
};

/* open_image() remembering what was there before, and what is after
 * (even when it failed: it may have created the file first). */
static int image_open(struct image_state *is, const char *path, uint64_t bytes,
		      struct blk_dev **dev)
{
	struct stat st;
	int r;

	is->path = path;
	is->existed = stat(path, &st) == 0;
	is->size = is->existed ? st.st_size : 0;
	r = open_image(path, bytes != 0, bytes, dev);
	is->known = stat(path, &is->st) == 0;
	return r;
}

static void image_undo(const struct image_state *is)
{
	struct stat st;

	/* Only the very file opened: never one put there since. */
	if (!is->known || stat(is->path, &st) || st.st_dev != is->st.st_dev ||
	    st.st_ino != is->st.st_ino)
		return;
	if (!is->existed)
		unlink(is->path);
	else if (S_ISREG(st.st_mode) && st.st_size > is->size && truncate(is->path, is->size))
		fprintf(stderr, "mmsim bcache format: %s: cannot truncate it back to %lld bytes: "
			"%s\n", is->path, (long long)is->size, strerror(errno));
}

static int cmd_format(int argc, char **argv)
{
	struct bch_format_opts fo;
	struct blk_dev *cache = NULL, *backing = NULL;
	struct image_state ci = { 0 }, bi = { 0 };
	const char *bpath;
	struct stat st;
	uint64_t size = 0, bsize = 0;
	char why[256];
	int r;

	bch_format_opts_default(&fo);
	r = format_parse(argc, argv, &fo, &size, &bsize);
	if (r <= 0)
		return r ? 2 : 0;
	bpath = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (image_open(&ci, argv[optind], size, &cache)) {
		r = 1;
		goto out;
	}
	/* One file cannot be both devices (by any path): the backing
	 * superblock written over the cache's left only a backing device. */
	if (bpath && ci.known && !stat(bpath, &st) && st.st_dev == ci.st.st_dev &&
	    st.st_ino == ci.st.st_ino) {
		fprintf(stderr, "mmsim bcache format: %s and %s are the same file: the cache "
			"and the backing device must be two\n", ci.path, bpath);
		r = 1;
		goto out;
	}
	if (bpath && image_open(&bi, bpath, bsize, &backing)) {
		r = 1;
		goto out;
	}
	r = bch_format(cache, backing, &fo, why, sizeof(why));
	if (r)
		fprintf(stderr, "mmsim bcache format: %s\n", why);
out:
	if (backing)
		blk_close(backing);
	if (cache)
		blk_close(cache);
	if (r) {
		if (bi.path)
			image_undo(&bi);
		image_undo(&ci);
	}
	return r ? 1 : 0;
}

/* ---- show ---------------------------------------------------------------------- */

static void show_sb(const struct cache_sb *sb)
{
	printf("sb.magic\t\tok\n");
	printf("sb.first_sector\t\t%" PRIu64 "\n", (uint64_t)sb->offset);
	printf("sb.csum\t\t\t%016" PRIx64 " [match]\n", (uint64_t)sb->csum);
	printf("sb.version\t\t%" PRIu64 " [%s]\n", (uint64_t)sb->version,
	       bch_sb_is_bdev(sb) ? "backing device" : "cache device");
	printf("dev.label\t\t%.*s\n", (int)BCH_SB_LABEL_SIZE, (const char *)sb->label);
	printf("dev.uuid\t\t");
	print_uuid(stdout, sb->uuid);
	printf("\ncset.uuid\t\t");
	print_uuid(stdout, sb->set_uuid);
	printf("\nsb.seq\t\t\t%" PRIu64 "\n", (uint64_t)sb->seq);
	if (bch_sb_is_bdev(sb)) {
		static const char *const modes[] = { "writethrough", "writeback",
						     "writearound", "none" };
		static const char *const states[] = { "none", "clean", "dirty", "stale" };
		printf("dev.data.first_sector\t%" PRIu64 "\n",
		       sb->version == BCACHE_SB_VERSION_BDEV_WITH_OFFSET ?
		       (uint64_t)sb->data_offset : (uint64_t)BCH_BDEV_DATA_START_DEFAULT);
		printf("dev.data.cache_mode\t%u [%s]\n", BCH_BDEV_MODE(sb),
		       BCH_BDEV_MODE(sb) < 4 ? modes[BCH_BDEV_MODE(sb)] : "?");
		printf("dev.data.cache_state\t%u [%s]\n", BCH_BDEV_STATE(sb),
		       states[BCH_BDEV_STATE(sb)]);
		return;
	}
	printf("dev.sectors_per_block\t%u\n", sb->block_size);
	printf("dev.sectors_per_bucket\t%u\n", sb->bucket_size);
	printf("dev.cache.first_sector\t%" PRIu64 "\n",
	       (uint64_t)sb->first_bucket * sb->bucket_size);
	printf("dev.cache.cache_sectors\t%" PRIu64 "\n",
	       ((uint64_t)sb->nbuckets - sb->first_bucket) * sb->bucket_size);
	printf("dev.cache.total_sectors\t%" PRIu64 "\n", (uint64_t)sb->nbuckets * sb->bucket_size);
	printf("dev.cache.nbuckets\t%" PRIu64 "\n", (uint64_t)sb->nbuckets);
	printf("dev.cache.sync\t\t%d\n", !!(sb->flags & BCH_CACHE_SYNC));
	printf("dev.cache.discard\t%d\n", !!(sb->flags & BCH_CACHE_DISCARD));
	printf("dev.cache.pos\t\t%u\n", sb->nr_this_dev);
	printf("cset.journal_buckets\t%u [", sb->njournal_buckets);
	for (unsigned i = 0; i < sb->njournal_buckets; i++)
		printf("%s%" PRIu64, i ? " " : "", (uint64_t)sb->d[i]);
	printf("]\n");
}

/* The one IMAGE argument of show, dump-journal and fsck, opened: -1 to go
 * on with *dev (argv[1]), else the exit status (--help 0, usage 2, 1). */
static int open_image_arg(int argc, char **argv, const char *usage, struct blk_dev **dev)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	int c;

	optind = 1;
	opterr = 0;	/* the usage says it all */
	c = getopt_long(argc, argv, "", opts, NULL);
	opterr = 1;
	if (c == 'h' && argc == 2) {
		fputs(usage, stdout);
		return 0;
	}
	if (c != -1 || argc != 2 || argv[1][0] == '-') {
		fputs(usage, stderr);
		return 2;
	}
	return open_image(argv[1], false, 0, dev) ? 1 : -1;
}

static int cmd_show(int argc, char **argv)
{
	static const char usage[] =
		"usage: mmsim bcache show IMAGE\n\n"
		"Prints the bcache superblock of IMAGE (cache or backing device);\n"
		"exit status 1 if it is missing or corrupt.\n";
	struct blk_dev *dev;
	struct cache_sb sb;
	char why[256];
	int r = open_image_arg(argc, argv, usage, &dev);

	if (r >= 0)
		return r;
	r = bch_sb_read(dev, &sb, why, sizeof(why));
	blk_close(dev);
	if (r) {
		fprintf(stderr, "mmsim bcache show: %s: %s\n", argv[1], why);
		return 1;
	}
	show_sb(&sb);
	return 0;
}

/* ---- dump-journal ------------------------------------------------------------- */

static void print_key(const struct bkey *k)
{
	printf("    %" PRIu64 ":%" PRIu64 " len %" PRIu64 "%s", KEY_INODE(k), KEY_START(k),
	       KEY_SIZE(k), KEY_DIRTY(k) ? " dirty" : "");
	for (unsigned i = 0; i < KEY_PTRS(k); i++)
		printf(" ptr %" PRIu64 ":%" PRIu64 " gen %" PRIu64, PTR_DEV(k, i),
		       PTR_OFFSET(k, i), PTR_GEN(k, i));
	if (!KEY_PTRS(k))
		printf(" (deleted)");
	printf("\n");
}

static void print_entry(const struct journal_replay *e)
{
	const struct jset *j = &e->j;
	const uint64_t *p = j->d, *end = j->d + j->keys;

	printf("seq %" PRIu64 " last_seq %" PRIu64 " bucket %u keys %u root level %u",
	       (uint64_t)j->seq, (uint64_t)j->last_seq, e->bucket_idx, j->keys, j->btree_level);
	if (KEY_PTRS(&j->btree_root.key))
		printf(" at %" PRIu64 " gen %" PRIu64, PTR_OFFSET(&j->btree_root.key, 0),
		       PTR_GEN(&j->btree_root.key, 0));
	printf(" prio %" PRIu64 "\n", (uint64_t)j->prio_bucket[0]);
	while (p + 2 <= end) {
		const struct bkey *k = (const struct bkey *)p;

		if (p + bkey_u64s(k) > end) {
			printf("    (truncated key)\n");
			break;
		}
		print_key(k);
		p += bkey_u64s(k);
	}
}

static int cmd_dump_journal(int argc, char **argv)
{
	static const char usage[] =
		"usage: mmsim bcache dump-journal IMAGE\n\n"
		"Reads the journal of a cache device as registration would (probe,\n"
		"binary search, read backwards) and prints every entry still needed\n"
		"(seq >= last_seq) with its keys, then what the search cost.\n";
	struct journal_read_stats st = { 0 };
	struct journal_replay *list = NULL;
	struct cache_set *c;
	struct blk_dev *dev;
	char why[256];
	int r = open_image_arg(argc, argv, usage, &dev);

	if (r >= 0)
		return r;
	r = bch_cache_set_peek(dev, &c, why, sizeof(why));
	if (r) {
		fprintf(stderr, "mmsim bcache dump-journal: %s: %s\n", argv[1], why);
		blk_close(dev);
		return 1;
	}
	c->log = stdout;
	r = bch_journal_read(c, &list, &st);
	if (r)
		fprintf(stderr, "mmsim bcache dump-journal: reading the journal: %s\n",
			strerror(-r));
	for (struct journal_replay *e = list; e; e = e->next)
		print_entry(e);
	printf("entries %" PRIu64 " last_seq %" PRIu64 " newest %" PRIu64 " missing %" PRIu64
	       " bad %" PRIu64 " buckets read %" PRIu64 " (search %" PRIu64 ")\n",
	       st.entries, st.last_seq, st.newest_seq, st.missing, st.bad, st.buckets_read,
	       st.buckets_read_search);
	bch_journal_free_list(list);
	bch_cache_set_peek_free(c);
	blk_close(dev);
	return r ? 1 : 0;
}

/* ---- fsck -------------------------------------------------------------------------- */

static int cmd_fsck(int argc, char **argv)
{
	static const char usage[] =
		"usage: mmsim bcache fsck IMAGE\n\n"
		"Checks a cache device without writing to it: superblock, journal\n"
		"chain, prios, btree nodes, keys and pointer generations.  Exit\n"
		"status 0 if clean, 1 if anything is wrong (each problem printed).\n";
	struct blk_dev *dev;
	long n;
	int r = open_image_arg(argc, argv, usage, &dev);

	if (r >= 0)
		return r;
	n = bch_fsck(dev, stdout);
	blk_close(dev);
	if (n < 0) {
		fprintf(stderr, "mmsim bcache fsck: %s: %s\n", argv[1], strerror((int)-n));
		return 1;
	}
	return n ? 1 : 0;
}

static const char bcache_usage[] =
	"usage: mmsim bcache COMMAND [OPTIONS] IMAGE...\n"
	"\n"
	"bcache cache sets on image files, in bcache's on-disk format.\n"
	"\n"
	"  format CACHE [BACKING]   make a cache set (see format --help)\n"
	"  show IMAGE               print a superblock\n"
	"  dump-journal IMAGE       print the journal entries still needed\n"
	"  fsck IMAGE               check a cache device; exit 1 if not clean\n";

int cmd_bcache(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		fputs(bcache_usage, stderr);
		return 2;
	}
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(bcache_usage, stdout);
		return 0;
	}
	if (!strcmp(sub, "format"))
		return cmd_format(argc - 1, argv + 1);
	if (!strcmp(sub, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(sub, "dump-journal"))
		return cmd_dump_journal(argc - 1, argv + 1);
	if (!strcmp(sub, "fsck"))
		return cmd_fsck(argc - 1, argv + 1);
	fprintf(stderr, "mmsim bcache: unknown command '%s' (see mmsim bcache --help)\n", sub);
	return 2;
}
