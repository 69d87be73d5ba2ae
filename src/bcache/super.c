/*
 * super.c - superblocks and the life of a cache set: format, register
 * (open), stop; the uuid bucket that maps backing devices to inodes.
 *
 * What it owns
 *  - The superblock at sector 8 of every device, in bcache's layout: read,
 *    validated field by field (a corrupt or foreign image gets a reason, not
 *    a crash), written with its checksum.
 *  - Format: superblocks, the journal ring (sb.d[]), a first prio_set, the
 *    uuid bucket, an empty root node and a first journal entry pointing at
 *    them; CACHE_SYNC is set, so the image is a complete, consistent set.
 *  - Register: journal read -> root, uuid and prio locations -> prios ->
 *    uuids -> btree -> replay -> GC -> journal and writeback running.
 *    Replay happens before anything else writes, so the ring state the
 *    journal restarts from covers every entry that is still needed.
 *
 * Format is the only writer of superblocks: the set never rewrites them
 * while running (bcache rewrites them only to attach or change modes).
 */
#include "bcache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define BCH_MIN_BUCKETS 128u		/* what the Linux driver insists on */

int why_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

void bch_log(struct cache_set *c, const char *who, const char *fmt, ...)
{
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	fprintf(c->log, "bcache: %s: ", who);
	vfprintf(c->log, fmt, ap);
	fputc('\n', c->log);
	va_end(ap);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* ---- superblock ------------------------------------------------------------- */

static int sb_validate_cache(const struct cache_sb *sb, uint64_t dev_sectors,
			     char *why, size_t whylen)
{
	uint64_t data_start;

	if (!is_pow2(sb->block_size) || sb->block_size > 128)
		return why_fail(why, whylen, -EINVAL, "bad block size %u", sb->block_size);
	if (!is_pow2(sb->bucket_size) || sb->bucket_size < sb->block_size)
		return why_fail(why, whylen, -EINVAL, "bad bucket size %u", sb->bucket_size);
	if (sb->nbuckets < BCH_MIN_BUCKETS || sb->nbuckets > (1ull << 40))
		return why_fail(why, whylen, -EINVAL, "bad nbuckets %" PRIu64 " (need >= %u)",
				(uint64_t)sb->nbuckets, BCH_MIN_BUCKETS);
	if (dev_sectors && sb->nbuckets * sb->bucket_size > dev_sectors)
		return why_fail(why, whylen, -EINVAL,
				"%" PRIu64 " buckets of %u sectors exceed the device (%" PRIu64
				" sectors): truncated image?", (uint64_t)sb->nbuckets,
				sb->bucket_size, dev_sectors);
	if (sb->nr_in_set != 1 || sb->nr_this_dev != 0)
		return why_fail(why, whylen, -EINVAL,
				"cache sets of %u devices (this one %u) are not supported",
				sb->nr_in_set, sb->nr_this_dev);
	data_start = (BCH_SB_SECTOR * BLK_SECTOR_SIZE + BCH_SB_BYTES + BLK_SECTOR_SIZE - 1) / BLK_SECTOR_SIZE;
	if ((uint64_t)sb->first_bucket * sb->bucket_size < data_start ||
	    sb->first_bucket >= sb->nbuckets)
		return why_fail(why, whylen, -EINVAL, "bad first_bucket %u", sb->first_bucket);
	if (sb->keys < 2 || sb->keys > BCH_SB_JOURNAL_BUCKETS)
		return why_fail(why, whylen, -EINVAL, "bad number of journal buckets %u",
				sb->keys);
	for (unsigned i = 0; i < sb->keys; i++) {
		if (sb->d[i] < sb->first_bucket || sb->d[i] >= sb->nbuckets)
			return why_fail(why, whylen, -EINVAL,
					"journal bucket %u (%" PRIu64 ") outside the device",
					i, (uint64_t)sb->d[i]);
		for (unsigned k = 0; k < i; k++)
			if (sb->d[k] == sb->d[i])
				return why_fail(why, whylen, -EINVAL,
						"journal bucket %" PRIu64 " listed twice",
						(uint64_t)sb->d[i]);
	}
	return 0;
}

int bch_sb_validate(const struct cache_sb *sb, uint64_t dev_sectors, char *why, size_t whylen)
{
	if (memcmp(sb->magic, bcache_magic, sizeof(bcache_magic)))
		return why_fail(why, whylen, -EINVAL, "not a bcache superblock (bad magic)");
	if (sb->offset != BCH_SB_SECTOR)
		return why_fail(why, whylen, -EINVAL, "superblock claims sector %" PRIu64
				", not %u", (uint64_t)sb->offset, BCH_SB_SECTOR);
	if (sb->version > BCACHE_SB_MAX_VERSION || sb->version == 2)
		return why_fail(why, whylen, -EINVAL, "unsupported superblock version %" PRIu64,
				(uint64_t)sb->version);
	if (sb->keys > BCH_SB_JOURNAL_BUCKETS)
		return why_fail(why, whylen, -EINVAL, "too many journal buckets (%u)", sb->keys);
	if (sb->csum != bch_sb_csum(sb))
		return why_fail(why, whylen, -EINVAL, "bad superblock checksum");
	if (bch_sb_is_bdev(sb)) {
		if (sb->version == BCACHE_SB_VERSION_BDEV_WITH_OFFSET &&
		    (sb->data_offset < BCH_BDEV_DATA_START_DEFAULT ||
		     (dev_sectors && sb->data_offset >= dev_sectors)))
			return why_fail(why, whylen, -EINVAL, "bad data offset %" PRIu64,
					(uint64_t)sb->data_offset);
		if (dev_sectors && dev_sectors <= BCH_BDEV_DATA_START_DEFAULT)
			return why_fail(why, whylen, -EINVAL, "backing device too small");
		return 0;
	}
	return sb_validate_cache(sb, dev_sectors, why, whylen);
}

int bch_sb_read(struct blk_dev *dev, struct cache_sb *sb, char *why, size_t whylen)
{
	struct blk_info info;
	void *buf;
	int r;

	blk_get_info(dev, &info);
	if (info.nr_sectors < BCH_SB_SECTOR + BCH_SB_BYTES / BLK_SECTOR_SIZE)
		return why_fail(why, whylen, -EINVAL, "device too small for a superblock");
	buf = blk_buf_alloc(BCH_SB_BYTES);
	if (!buf)
		return why_fail(why, whylen, -ENOMEM, "out of memory");
	r = blk_rw(dev, BLK_OP_READ, 0, BCH_SB_SECTOR, buf, BCH_SB_BYTES);
	if (r) {
		free(buf);
		return why_fail(why, whylen, r, "reading the superblock: %s", strerror(-r));
	}
	memcpy(sb, buf, sizeof(*sb));
	free(buf);
	return bch_sb_validate(sb, info.nr_sectors, why, whylen);
}

int bch_sb_write(struct blk_dev *dev, struct cache_sb *sb)
{
	void *buf = blk_buf_alloc(BCH_SB_BYTES);
	int r;

	if (!buf)
		return -ENOMEM;
	sb->offset = BCH_SB_SECTOR;
	memcpy(sb->magic, bcache_magic, sizeof(bcache_magic));
	sb->csum = bch_sb_csum(sb);
	memcpy(buf, sb, sizeof(*sb));
	r = blk_rw(dev, BLK_OP_WRITE, BLK_FUA, BCH_SB_SECTOR, buf, BCH_SB_BYTES);
	free(buf);
	return r;
}

/* ---- format ----------------------------------------------------------------- */

void bch_format_opts_default(struct bch_format_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->block_sectors = 8;
	o->bucket_sectors = 1024;
}

/* A splitmix64 stream for uuids, so a seeded format is reproducible. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void make_uuid(uint8_t uuid[16], uint64_t *rng)
{
	uint64_t a = splitmix64(rng), b = splitmix64(rng);

	memcpy(uuid, &a, 8);
	memcpy(uuid + 8, &b, 8);
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);	/* version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
}

static void sb_set_label(struct cache_sb *sb, const char *label)
{
	if (label)	/* not NUL-terminated when it fills the field, as in bcache */
		memcpy(sb->label, label, strnlen(label, BCH_SB_LABEL_SIZE));
}

static int format_cache_sb(struct blk_dev *dev, struct cache_sb *sb,
			   const struct bch_format_opts *o, uint64_t *rng,
			   char *why, size_t whylen)
{
	struct blk_info info;
	uint64_t nbuckets;
	unsigned nj;

	blk_get_info(dev, &info);
	if (!is_pow2(o->block_sectors) || o->block_sectors * BLK_SECTOR_SIZE < info.lbs ||
	    o->block_sectors > 128)
		return why_fail(why, whylen, -EINVAL,
				"block size %u sectors: must be a power of two, at least the "
				"device's logical block (%u bytes), at most 64 KiB",
				o->block_sectors, info.lbs);
	if (!is_pow2(o->bucket_sectors) || o->bucket_sectors < o->block_sectors ||
	    o->bucket_sectors > 65536)
		return why_fail(why, whylen, -EINVAL,
				"bucket size %u sectors: must be a power of two, at least the "
				"block size, at most 32 MiB", o->bucket_sectors);
	nbuckets = info.nr_sectors / o->bucket_sectors;
	if (nbuckets < BCH_MIN_BUCKETS)
		return why_fail(why, whylen, -ENOSPC,
				"cache device too small: %" PRIu64 " buckets of %u sectors, "
				"need %u", nbuckets, o->bucket_sectors, BCH_MIN_BUCKETS);
	nj = o->njournal_buckets;
	if (!nj) {
		nj = (unsigned)(nbuckets / 64);
		nj = nj < 8 ? 8 : nj > BCH_SB_JOURNAL_BUCKETS ? BCH_SB_JOURNAL_BUCKETS : nj;
	}
	if (nj < 2 || nj > BCH_SB_JOURNAL_BUCKETS || nj > nbuckets / 4)
		return why_fail(why, whylen, -EINVAL,
				"%u journal buckets: need 2..%u and at most a quarter of the "
				"%" PRIu64 " buckets", nj, BCH_SB_JOURNAL_BUCKETS, nbuckets);

	memset(sb, 0, sizeof(*sb));
	sb->version = BCACHE_SB_VERSION_CDEV_WITH_UUID;
	make_uuid(sb->uuid, rng);
	make_uuid(sb->set_uuid, rng);
	sb_set_label(sb, o->label);
	sb->flags = BCH_CACHE_SYNC | (o->discard ? BCH_CACHE_DISCARD : 0);
	sb->seq = 1;
	sb->nbuckets = nbuckets;
	sb->block_size = (uint16_t)o->block_sectors;
	sb->bucket_size = (uint16_t)o->bucket_sectors;
	sb->nr_in_set = 1;
	sb->nr_this_dev = 0;
	sb->last_mount = (uint32_t)time(NULL);
	sb->first_bucket = (uint16_t)(23 / o->bucket_sectors + 1);
	sb->keys = (uint16_t)nj;
	for (unsigned i = 0; i < nj; i++)
		sb->d[i] = sb->first_bucket + i;
	return 0;
}

static int format_backing_sb(struct blk_dev *dev, struct cache_sb *sb,
			     const struct cache_sb *csb, const struct bch_format_opts *o,
			     uint64_t *rng, char *why, size_t whylen)
{
	struct blk_info info;

	blk_get_info(dev, &info);
	if (info.nr_sectors <= BCH_BDEV_DATA_START_DEFAULT + 8)
		return why_fail(why, whylen, -ENOSPC, "backing device too small");
	memset(sb, 0, sizeof(*sb));
	sb->version = BCACHE_SB_VERSION_BDEV;
	make_uuid(sb->uuid, rng);
	memcpy(sb->set_uuid, csb->set_uuid, 16);	/* attached to the set */
	sb_set_label(sb, o->label);
	sb->flags = BCH_MODE_WRITEBACK | ((uint64_t)BCH_BDEV_STATE_CLEAN << 61);
	sb->seq = 1;
	sb->block_size = csb->block_size;
	sb->bucket_size = csb->bucket_size;
	sb->last_mount = csb->last_mount;
	return 0;
}

/* Writes the uuid bucket (entry 0: the backing device, if any). */
static int write_uuids(struct cache_set *c)
{
	struct cache *ca = c->cache;
	size_t bytes = (size_t)ca->bucket_sectors * BLK_SECTOR_SIZE;
	struct uuid_entry *u;
	struct bkey *k = &c->uuid_key.key;
	int64_t b;
	int r;

	b = bch_bucket_alloc(c, RESERVE_BTREE, BUCKET_UUID);
	if (b < 0)
		return (int)b;
	u = blk_buf_alloc(bytes);
	if (!u)
		return -ENOMEM;
	for (unsigned i = 0; i < BCH_MAX_BDEVS && i < bytes / sizeof(*u); i++) {
		struct cached_dev *dc = c->bdev[i];

		if (!dc)
			continue;
		memcpy(u[i].uuid, dc->sb.uuid, 16);
		memcpy(u[i].label, dc->sb.label, sizeof(u[i].label));
		u[i].first_reg = u[i].last_reg = dc->sb.last_mount;
	}
	r = blk_rw(ca->bdev, BLK_OP_WRITE, 0, (uint64_t)b * ca->bucket_sectors, u, bytes);
	free(u);
	if (r)
		return r;
	pthread_mutex_lock(&c->meta_lock);
	memset(&c->uuid_key, 0, sizeof(c->uuid_key));
	SET_KEY_PTRS(k, 1);
	SET_KEY_SIZE(k, ca->bucket_sectors);
	k->ptr[0] = bch_make_ptr(0, (uint64_t)b * ca->bucket_sectors, ca->buckets[b].gen);
	pthread_mutex_unlock(&c->meta_lock);
	return 0;
}

void bch_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "mmsim: BCH_BUG_ON(%s) failed at %s:%d\n", cond, file, line);
	abort();
}

/* ---- cache set allocation ------------------------------------------------------ */

static struct cache_set *cache_set_alloc(struct blk_dev *dev, const struct cache_sb *sb)
{
	struct cache_set *c = calloc(1, sizeof(*c));
	struct cache *ca = calloc(1, sizeof(*ca));

	if (!c || !ca) {
		free(c);
		free(ca);
		return NULL;
	}
	memcpy(c->set_uuid, sb->set_uuid, 16);
	c->set_magic = sb->set_magic;
	pthread_mutex_init(&c->meta_lock, NULL);
	pthread_rwlock_init(&c->btree_lock, NULL);
	pthread_mutex_init(&c->alloc_lock, NULL);
	ca->set = c;
	ca->bdev = dev;
	ca->sb = *sb;
	ca->nbuckets = sb->nbuckets;
	ca->bucket_sectors = sb->bucket_size;
	ca->block_sectors = sb->block_size;
	c->cache = ca;
	c->flush_pins = bch_btree_flush_pins;
	c->replay_key = bch_btree_replay_key;
	return c;
}

static struct cached_dev *cached_dev_add(struct cache_set *c, struct blk_dev *dev,
					 const struct cache_sb *sb, unsigned inode)
{
	struct cached_dev *dc = calloc(1, sizeof(*dc));
	struct blk_info info;

	if (!dc)
		return NULL;
	blk_get_info(dev, &info);
	dc->set = c;
	dc->bdev = dev;
	dc->sb = *sb;
	dc->inode = inode;
	dc->data_offset = sb->version == BCACHE_SB_VERSION_BDEV_WITH_OFFSET ?
			  sb->data_offset : BCH_BDEV_DATA_START_DEFAULT;
	dc->sectors = info.nr_sectors - dc->data_offset;
	pthread_mutex_init(&dc->io_lock, NULL);
	dc->mode = (enum bch_cache_mode)BCH_BDEV_MODE(sb);
	if (dc->mode > BCH_MODE_NONE)
		dc->mode = BCH_MODE_WRITETHROUGH;
	c->bdev[inode] = dc;
	return dc;
}

/* Tears down whatever cache_set_open/format built, without writing. */
static void cache_set_free(struct cache_set *c)
{
	if (c->wb)
		bch_writeback_stop(c);
	/* With the journal still there, node pins are checked too. */
	BCH_BUG_ON(c->btree && bch_btree_check(c));
	if (c->journal)
		bch_journal_exit(c);
	if (c->btree)
		bch_btree_close(c);
	if (c->alloc)
		bch_alloc_exit(c);
	for (unsigned i = 0; i < BCH_MAX_BDEVS; i++) {
		if (!c->bdev[i])
			continue;
		pthread_mutex_destroy(&c->bdev[i]->io_lock);
		free(c->bdev[i]);
	}
	pthread_mutex_destroy(&c->meta_lock);
	pthread_rwlock_destroy(&c->btree_lock);
	pthread_mutex_destroy(&c->alloc_lock);
	free(c->cache);
	free(c);
}

/* ---- format ------------------------------------------------------------------- */

/* Zeroes the superblock block, so an interrupted format leaves no valid set. */
static int sb_erase(struct blk_dev *dev)
{
	void *buf = blk_buf_alloc(BCH_SB_BYTES);
	int r;

	if (!buf)
		return -ENOMEM;
	r = blk_rw(dev, BLK_OP_WRITE, BLK_FUA, BCH_SB_SECTOR, buf, BCH_SB_BYTES);
	free(buf);
	return r;
}

static int format_set_contents(struct cache_set *c, char *why, size_t whylen)
{
	int r;

	if ((r = bch_alloc_init(c)) || (r = bch_journal_init(c)) ||
	    (r = bch_journal_format(c)))
		return why_fail(why, whylen, r, "setting up the journal and allocator: %s",
				strerror(-r));
	if ((r = bch_prio_write(c)))
		return why_fail(why, whylen, r, "writing prios: %s", strerror(-r));
	if ((r = write_uuids(c)))
		return why_fail(why, whylen, r, "writing the uuid bucket: %s", strerror(-r));
	if ((r = bch_btree_create(c)))
		return why_fail(why, whylen, r, "writing the root node: %s", strerror(-r));
	if ((r = bch_journal_meta(c)))
		return why_fail(why, whylen, r, "writing the first journal entry: %s",
				strerror(-r));
	return 0;
}

int bch_format(struct blk_dev *cache, struct blk_dev *backing,
	       const struct bch_format_opts *o, char *why, size_t whylen)
{
	struct bch_format_opts def;
	struct cache_sb csb, bsb;
	struct cache_set *c;
	uint64_t rng;
	int r;

	if (!o) {
		bch_format_opts_default(&def);
		o = &def;
	}
	rng = o->seed;
	if (!rng && getrandom(&rng, sizeof(rng), 0) != sizeof(rng))
		rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&rng;
	if ((r = format_cache_sb(cache, &csb, o, &rng, why, whylen)))
		return r;
	if (backing && (r = format_backing_sb(backing, &bsb, &csb, o, &rng, why, whylen)))
		return r;
	if ((r = sb_erase(cache)) || (backing && (r = sb_erase(backing))))
		return why_fail(why, whylen, r, "erasing old superblocks: %s", strerror(-r));

	c = cache_set_alloc(cache, &csb);
	if (!c || (backing && !cached_dev_add(c, backing, &bsb, 0))) {
		if (c)
			cache_set_free(c);
		return why_fail(why, whylen, -ENOMEM, "out of memory");
	}
	r = format_set_contents(c, why, whylen);
	cache_set_free(c);
	if (r)
		return r;
	/* Superblocks last: until they are written, nothing claims the set. */
	if (backing && (r = bch_sb_write(backing, &bsb)))
		return why_fail(why, whylen, r, "writing the backing superblock: %s",
				strerror(-r));
	if ((r = bch_sb_write(cache, &csb)))
		return why_fail(why, whylen, r, "writing the cache superblock: %s",
				strerror(-r));
	return 0;
}

/* ---- register ----------------------------------------------------------------- */

void bch_open_opts_default(struct bch_open_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->journal_delay_ms = JOURNAL_DELAY_MS_DEFAULT;
}

static int read_uuid_bucket(struct cache_set *c, struct uuid_entry **out, size_t *n)
{
	struct cache *ca = c->cache;
	const struct bkey *k = &c->uuid_key.key;
	size_t bytes = (size_t)ca->bucket_sectors * BLK_SECTOR_SIZE;
	uint64_t off;
	void *buf;
	int r;

	if (KEY_PTRS(k) != 1 || KEY_SIZE(k) == 0 || KEY_SIZE(k) > ca->bucket_sectors)
		return -EINVAL;
	off = PTR_OFFSET(k, 0);
	if (off % ca->bucket_sectors || off / ca->bucket_sectors < ca->sb.first_bucket ||
	    off / ca->bucket_sectors >= ca->nbuckets)
		return -EINVAL;
	buf = blk_buf_alloc(bytes);
	if (!buf)
		return -ENOMEM;
	r = blk_rw(ca->bdev, BLK_OP_READ, 0, off, buf, bytes);
	if (r) {
		free(buf);
		return r;
	}
	ca->buckets[off / ca->bucket_sectors].mark = BUCKET_UUID;
	*out = buf;
	*n = bytes / sizeof(struct uuid_entry);
	return 0;
}

static int attach_backing(struct cache_set *c, struct blk_dev *const *backing,
			  unsigned nbacking, char *why, size_t whylen)
{
	static const uint8_t zero[16];
	struct uuid_entry *u = NULL;
	size_t nu = 0;
	int r;

	if (nbacking > BCH_MAX_BDEVS)
		return why_fail(why, whylen, -EINVAL, "at most %u backing devices",
				BCH_MAX_BDEVS);
	if (!nbacking)
		return 0;
	r = read_uuid_bucket(c, &u, &nu);
	if (r)
		return why_fail(why, whylen, r, "bad uuid bucket pointer in the journal");
	for (unsigned i = 0; i < nbacking; i++) {
		struct cache_sb sb;
		unsigned inode;

		r = bch_sb_read(backing[i], &sb, why, whylen);
		if (!r && !bch_sb_is_bdev(&sb))
			r = why_fail(why, whylen, -EINVAL, "a cache device given as backing");
		if (!r && memcmp(sb.set_uuid, c->set_uuid, 16))
			r = why_fail(why, whylen, -EINVAL,
				     "backing device %u belongs to another cache set", i);
		for (inode = 0; !r && inode < nu && inode < BCH_MAX_BDEVS; inode++)
			if (memcmp(u[inode].uuid, zero, 16) &&
			    !memcmp(u[inode].uuid, sb.uuid, 16))
				break;
		if (!r && (inode >= nu || inode >= BCH_MAX_BDEVS))
			r = why_fail(why, whylen, -EINVAL,
				     "backing device %u is not in the set's uuid bucket", i);
		if (!r && c->bdev[inode])
			r = why_fail(why, whylen, -EINVAL, "backing device %u given twice", i);
		if (!r && !cached_dev_add(c, backing[i], &sb, inode))
			r = why_fail(why, whylen, -ENOMEM, "out of memory");
		if (r)
			break;
	}
	free(u);
	return r;
}

/* Keys in the entries read for replay (what bch_journal_replay replays). */
static uint64_t count_replay_keys(const struct journal_replay *list)
{
	uint64_t n = 0;

	for (const struct journal_replay *e = list; e; e = e->next) {
		const uint64_t *k = e->j.d, *end = e->j.d + e->j.keys;

		while (end - k >= 2 && bkey_u64s((const struct bkey *)k) <= (size_t)(end - k)) {
			n++;
			k += bkey_u64s((const struct bkey *)k);
		}
	}
	return n;
}

static int open_set_contents(struct cache_set *c, struct blk_dev *const *backing,
			     unsigned nbacking, struct journal_read_stats *st,
			     char *why, size_t whylen)
{
	struct journal_replay *list = NULL;
	int r;

	if ((r = bch_alloc_init(c)) || (r = bch_journal_init(c)))
		return why_fail(why, whylen, r, "setting up: %s", strerror(-r));
	r = bch_journal_read(c, &list, st);
	if (r)
		return why_fail(why, whylen, r, "reading the journal: %s", strerror(-r));
	if (!list)
		return why_fail(why, whylen, -EINVAL,
				"no journal entries: not a formatted cache set");
	/*
	 * A power cut never makes a hole in the entries replay needs (one
	 * write in flight at a time): a gap is damage, and replaying around
	 * it would put older keys over what the lost entries held.
	 */
	if (st->missing) {
		bch_journal_free_list(list);
		return why_fail(why, whylen, -EIO, "journal: %" PRIu64 " entr%s between last_seq %"
				PRIu64 " and the newest, %" PRIu64 ", missing or damaged (%" PRIu64
				" unreadable with newer ones after them): refusing to replay around "
				"them", st->missing, st->missing == 1 ? "y" : "ies", st->last_seq,
				st->newest_seq, st->damaged);
	}
	r = bch_journal_start(c, list);
	/* The btree read asks whether the journal still holds a node's keys
	 * (a bad last set is a torn write only then). */
	c->replay_pending = list;
	if (!r && (r = bch_prio_read(c, c->prio_bucket)))
		why_fail(why, whylen, r, "reading prios: %s", strerror(-r));
	else if (!r && !(r = attach_backing(c, backing, nbacking, why, whylen)) &&
		 (r = bch_btree_open(c)))
		why_fail(why, whylen, r, "reading the btree: %s",
			 c->read_why[0] ? c->read_why : strerror(-r));
	if (!r) {
		r = bch_gc(c);
		if (!r && (r = bch_journal_replay(c, list)))
			why_fail(why, whylen, r, "replaying the journal: %s", strerror(-r));
		else if (!r)
			st->keys_replayed = count_replay_keys(list);
	}
	c->replay_pending = NULL;
	bch_journal_free_list(list);
	if (!r && (r = bch_gc(c)))
		why_fail(why, whylen, r, "garbage collection: %s", strerror(-r));
	return r;
}

int bch_cache_set_open(struct blk_dev *cache, struct blk_dev *const *backing,
		       unsigned nbacking, const struct bch_open_opts *o,
		       struct cache_set **out, struct journal_read_stats *st,
		       char *why, size_t whylen)
{
	struct bch_open_opts def;
	struct journal_read_stats st_local;
	struct cache_set *c;
	struct cache_sb sb;
	int r;

	if (!o) {
		bch_open_opts_default(&def);
		o = &def;
	}
	r = bch_sb_read(cache, &sb, why, whylen);
	if (r)
		return r;
	if (bch_sb_is_bdev(&sb))
		return why_fail(why, whylen, -EINVAL, "a backing device given as the cache");
	if (!(sb.flags & BCH_CACHE_SYNC))
		return why_fail(why, whylen, -EINVAL,
				"cache without CACHE_SYNC: never registered, nothing to open");
	c = cache_set_alloc(cache, &sb);
	if (!c)
		return why_fail(why, whylen, -ENOMEM, "out of memory");
	c->log = o->log;
	c->journal_delay_ms = o->journal_delay_ms ? o->journal_delay_ms :
						    JOURNAL_DELAY_MS_DEFAULT;
	r = open_set_contents(c, backing, nbacking, st ? st : &st_local, why, whylen);
	if (!r && !o->no_writeback_thread && (r = bch_writeback_start(c)))
		why_fail(why, whylen, r, "starting writeback: %s", strerror(-r));
	if (r) {
		cache_set_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int bch_cache_set_stop(struct cache_set *c)
{
	int r = 0;

	if (c->wb)
		bch_writeback_stop(c);
	if (!bch_error(c)) {
		/*
		 * The open entry first: then every node set written below
		 * carries keys a durable entry holds (or writeback's clean
		 * marks), and a cut that tears one reads as a torn write.
		 */
		r = bch_journal_flush(c);
		if (!r)
			r = bch_btree_flush_all(c);
		if (!r)
			r = bch_journal_meta(c);	/* carries the advanced last_seq */
	}
	if (!r)
		r = bch_error(c);
	cache_set_free(c);
	return r;
}

/* ---- peeking (tools) ------------------------------------------------------------ */

int bch_cache_set_peek(struct blk_dev *cache, struct cache_set **out,
		       char *why, size_t whylen)
{
	struct cache_set *c;
	struct cache_sb sb;
	int r;

	r = bch_sb_read(cache, &sb, why, whylen);
	if (r)
		return r;
	if (bch_sb_is_bdev(&sb))
		return why_fail(why, whylen, -EINVAL, "a backing device, not a cache");
	c = cache_set_alloc(cache, &sb);
	if (!c)
		return why_fail(why, whylen, -ENOMEM, "out of memory");
	if ((r = bch_alloc_init(c)) || (r = bch_journal_init(c))) {
		cache_set_free(c);
		return why_fail(why, whylen, r, "setting up: %s", strerror(-r));
	}
	*out = c;
	return 0;
}

void bch_cache_set_peek_free(struct cache_set *c)
{
	cache_set_free(c);
}
