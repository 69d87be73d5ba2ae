/*
 * ondisk.h - bcache's on-disk format: the superblock at sector 8, bkeys,
 * jsets (journal entries), bsets (btree node key sets), prio_sets (bucket
 * generations and priorities) and uuid entries, with their checksums.
 *
 * Every structure here is laid out exactly as the Linux bcache driver and
 * bcache-tools read it (little-endian host assumed, as x86 and arm64 are;
 * the static asserts below pin every offset that matters).  Nothing in
 * this header allocates or does I/O: it is the vocabulary the rest of
 * src/bcache speaks.
 *
 * Units: sector = 512 bytes.  Bucket and block sizes are in sectors;
 * pointer offsets are device sectors; the journal bucket list d[] holds
 * bucket numbers.
 *
 * Checksums: CRC-64 ECMA-182 (polynomial 0x42F0E1EBA9EA3693, MSB first).
 * bch_crc64() is bcache's form: initial value ~0, result xor ~0.  Btree
 * node bsets seed the same CRC with the node's first pointer instead.
 */
#ifndef MMSIM_BCACHE_ONDISK_H
#define MMSIM_BCACHE_ONDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- checksums ---------------------------------------------------------- */

/* Continues an MSB-first CRC-64 ECMA-182 from crc (no inversion). */
uint64_t crc64_be(uint64_t crc, const void *p, size_t len);
/* bcache's checksum: crc64_be(~0, p, len) ^ ~0. */
uint64_t bch_crc64(const void *p, size_t len);

/* ---- superblock --------------------------------------------------------- */

#define BCH_SB_SECTOR 8u
#define BCH_SB_BYTES 4096u		/* read and written as one 4 KiB block */
#define BCH_SB_LABEL_SIZE 32u
#define BCH_SB_JOURNAL_BUCKETS 256u
#define BCH_MAX_CACHES_PER_SET 8u
#define BCH_BDEV_DATA_START_DEFAULT 16u	/* sectors */

#define BCACHE_SB_VERSION_CDEV 0u
#define BCACHE_SB_VERSION_BDEV 1u
#define BCACHE_SB_VERSION_CDEV_WITH_UUID 3u
#define BCACHE_SB_VERSION_BDEV_WITH_OFFSET 4u
#define BCACHE_SB_MAX_VERSION 4u	/* the feature-bit versions 5, 6: no */

extern const uint8_t bcache_magic[16];

struct cache_sb {
	uint64_t csum;
	uint64_t offset;		/* sector this copy was written at */
	uint64_t version;
	uint8_t magic[16];
	uint8_t uuid[16];
	union {
		uint8_t set_uuid[16];
		uint64_t set_magic;	/* the first 8 bytes of set_uuid */
	};
	uint8_t label[BCH_SB_LABEL_SIZE];
	uint64_t flags;
	uint64_t seq;
	uint64_t feature_compat;
	uint64_t feature_incompat;
	uint64_t feature_ro_compat;
	uint64_t pad[5];
	union {
		struct {		/* cache device */
			uint64_t nbuckets;
			uint16_t block_size;	/* sectors */
			uint16_t bucket_size;	/* sectors */
			uint16_t nr_in_set;
			uint16_t nr_this_dev;
		};
		struct {		/* backing device */
			uint64_t data_offset;	/* sectors */
		};
	};
	uint32_t last_mount;		/* seconds since the epoch */
	uint16_t first_bucket;
	union {
		uint16_t njournal_buckets;
		uint16_t keys;		/* the checksum covers d[0..keys) */
	};
	uint64_t d[BCH_SB_JOURNAL_BUCKETS];
	uint16_t obso_bucket_size_hi;
};

_Static_assert(offsetof(struct cache_sb, set_uuid) == 56, "sb layout");
_Static_assert(offsetof(struct cache_sb, flags) == 104, "sb layout");
_Static_assert(offsetof(struct cache_sb, nbuckets) == 184, "sb layout");
_Static_assert(offsetof(struct cache_sb, block_size) == 192, "sb layout");
_Static_assert(offsetof(struct cache_sb, last_mount) == 200, "sb layout");
_Static_assert(offsetof(struct cache_sb, first_bucket) == 204, "sb layout");
_Static_assert(offsetof(struct cache_sb, d) == 208, "sb layout");
_Static_assert(sizeof(struct cache_sb) <= BCH_SB_BYTES, "sb fits its block");

/* Superblock flags: cache devices. */
#define BCH_CACHE_SYNC (1ull << 0)
#define BCH_CACHE_DISCARD (1ull << 1)
/* Backing devices: cache mode in bits 0..3, state in bits 61..62. */
enum bch_cache_mode {
	BCH_MODE_WRITETHROUGH = 0,
	BCH_MODE_WRITEBACK = 1,
	BCH_MODE_WRITEAROUND = 2,
	BCH_MODE_NONE = 3,
};
enum bch_bdev_state {
	BCH_BDEV_STATE_NONE = 0,
	BCH_BDEV_STATE_CLEAN = 1,
	BCH_BDEV_STATE_DIRTY = 2,
	BCH_BDEV_STATE_STALE = 3,
};
#define BCH_BDEV_MODE(sb) ((unsigned)((sb)->flags & 0xf))
#define BCH_BDEV_STATE(sb) ((unsigned)(((sb)->flags >> 61) & 3))

static inline bool bch_sb_is_bdev(const struct cache_sb *sb)
{
	return sb->version == BCACHE_SB_VERSION_BDEV ||
	       sb->version == BCACHE_SB_VERSION_BDEV_WITH_OFFSET;
}

/* The superblock's checksum: from offset up to d[keys]. */
uint64_t bch_sb_csum(const struct cache_sb *sb);

/* ---- bkeys -------------------------------------------------------------- */

/*
 * A key is two words and KEY_PTRS pointers:
 *   high: ptrs[60..62] header_size[58..59] csum[56..57] pinned[55]
 *         dirty[36] size[20..35] inode[0..19]
 *   low:  the extent's end offset (sectors)
 *   ptr:  dev[51..62] offset[8..50] gen[0..7]
 * The extent covers [offset - size, offset) of the backing inode.
 */
struct bkey {
	uint64_t high;
	uint64_t low;
	uint64_t ptr[];
};

#define BKEY_PAD 8u			/* a padded key: 8 words */
struct bkey_padded {
	union {
		struct bkey key;
		uint64_t pad[BKEY_PAD];
	};
};

#define BCH_KEY_FIELD(name, shift, bits)					\
static inline uint64_t name(const struct bkey *k)			\
{									\
	return (k->high >> (shift)) & ((1ull << (bits)) - 1);		\
}									\
static inline void SET_##name(struct bkey *k, uint64_t v)		\
{									\
	uint64_t m = ((1ull << (bits)) - 1) << (shift);			\
	k->high = (k->high & ~m) | ((v << (shift)) & m);		\
}
BCH_KEY_FIELD(KEY_PTRS, 60, 3)
BCH_KEY_FIELD(KEY_HEADER_SIZE, 58, 2)
BCH_KEY_FIELD(KEY_CSUM, 56, 2)
BCH_KEY_FIELD(KEY_PINNED, 55, 1)
BCH_KEY_FIELD(KEY_DIRTY, 36, 1)
BCH_KEY_FIELD(KEY_SIZE, 20, 16)
BCH_KEY_FIELD(KEY_INODE, 0, 20)
#undef BCH_KEY_FIELD

#define BCH_KEY_SIZE_MAX ((1u << 16) - 1)
#define BCH_KEY_INODE_MAX ((1u << 20) - 1)
#define BCH_KEY_MAX_PTRS 7u

static inline uint64_t KEY_OFFSET(const struct bkey *k) { return k->low; }
static inline void SET_KEY_OFFSET(struct bkey *k, uint64_t v) { k->low = v; }
static inline uint64_t KEY_START(const struct bkey *k)
{
	return KEY_OFFSET(k) - KEY_SIZE(k);
}

#define BCH_PTR_FIELD(name, shift, bits)					\
static inline uint64_t name(const struct bkey *k, unsigned i)		\
{									\
	return (k->ptr[i] >> (shift)) & ((1ull << (bits)) - 1);		\
}
BCH_PTR_FIELD(PTR_DEV, 51, 12)
BCH_PTR_FIELD(PTR_OFFSET, 8, 43)
BCH_PTR_FIELD(PTR_GEN, 0, 8)
#undef BCH_PTR_FIELD

static inline uint64_t bch_make_ptr(unsigned dev, uint64_t offset, uint8_t gen)
{
	return ((uint64_t)dev << 51) | ((offset & ((1ull << 43) - 1)) << 8) | gen;
}

/* Words a key takes (bcache's bkey_u64s, without the csum words). */
static inline unsigned bkey_u64s(const struct bkey *k)
{
	return 2 + (unsigned)KEY_PTRS(k);
}
static inline struct bkey *bkey_next(const struct bkey *k)
{
	return (struct bkey *)((uint64_t *)k + bkey_u64s(k));
}

static inline void bch_key_init(struct bkey *k, unsigned inode, uint64_t end,
				unsigned size)
{
	k->high = 0;
	SET_KEY_INODE(k, inode);
	SET_KEY_SIZE(k, size);
	k->low = end;
}

/* Orders keys by (inode, end offset), as bcache's bkey_cmp. */
static inline int bkey_cmp(const struct bkey *l, const struct bkey *r)
{
	if (KEY_INODE(l) != KEY_INODE(r))
		return KEY_INODE(l) < KEY_INODE(r) ? -1 : 1;
	if (KEY_OFFSET(l) != KEY_OFFSET(r))
		return KEY_OFFSET(l) < KEY_OFFSET(r) ? -1 : 1;
	return 0;
}

/* ---- jset: a journal entry ---------------------------------------------- */

#define BCH_JSET_MAGIC_XOR 0x245235c1a3625032ull
#define BCH_PSET_MAGIC_XOR 0x6750e15f87337f91ull
#define BCH_BSET_MAGIC_XOR 0x90135c78b99e07f5ull
#define BCACHE_JSET_VERSION 1u
#define BCACHE_BSET_VERSION 1u
#define BCACHE_PSET_VERSION 1u	/* not checked by the driver; ours */

struct jset {
	uint64_t csum;
	uint64_t magic;
	uint64_t seq;
	uint32_t version;
	uint32_t keys;			/* u64 words of keys after the header */
	uint64_t last_seq;
	struct bkey_padded uuid_bucket;
	struct bkey_padded btree_root;
	uint16_t btree_level;
	uint16_t pad[3];
	uint64_t prio_bucket[BCH_MAX_CACHES_PER_SET];
	uint64_t d[];			/* the keys */
};
_Static_assert(offsetof(struct jset, last_seq) == 32, "jset layout");
_Static_assert(offsetof(struct jset, btree_root) == 104, "jset layout");
_Static_assert(offsetof(struct jset, prio_bucket) == 176, "jset layout");
_Static_assert(sizeof(struct jset) == 240, "jset layout");

static inline size_t jset_bytes(const struct jset *j)
{
	return sizeof(*j) + (size_t)j->keys * 8;
}
/* Checksum of a jset: everything after csum up to the last key. */
uint64_t bch_jset_csum(const struct jset *j);

/* ---- bset: one sorted key set of a btree node ---------------------------- */

struct bset {
	uint64_t csum;
	uint64_t magic;
	uint64_t seq;			/* the node's random sequence */
	uint32_t version;
	uint32_t keys;			/* u64 words */
	uint64_t d[];
};
_Static_assert(sizeof(struct bset) == 32, "bset layout");

static inline size_t bset_bytes(const struct bset *i)
{
	return sizeof(*i) + (size_t)i->keys * 8;
}
/* A bset's checksum, seeded with the node's first pointer word. */
uint64_t bch_bset_csum(const struct bset *i, uint64_t node_ptr0);

/* ---- prio_set: generations and priorities of buckets ---------------------- */

struct bucket_disk {
	uint16_t prio;
	uint8_t gen;
} __attribute__((packed));
_Static_assert(sizeof(struct bucket_disk) == 3, "bucket_disk is packed");

struct prio_set {
	uint64_t csum;			/* over the whole bucket after csum */
	uint64_t magic;
	uint64_t seq;
	uint32_t version;
	uint32_t pad;
	uint64_t next_bucket;		/* chain; 0 ends it */
	struct bucket_disk data[];
};
_Static_assert(sizeof(struct prio_set) == 40, "prio_set layout");

static inline size_t prios_per_bucket(size_t bucket_bytes)
{
	return (bucket_bytes - sizeof(struct prio_set)) / sizeof(struct bucket_disk);
}

/* ---- uuid entries: the backing devices a cache set caches ----------------- */

struct uuid_entry {
	union {
		struct {
			uint8_t uuid[16];
			uint8_t label[32];
			uint32_t first_reg;
			uint32_t last_reg;
			uint32_t invalidated;
			uint32_t flags;
			uint64_t sectors;	/* flash-only volumes */
		};
		uint8_t pad[128];
	};
};
_Static_assert(sizeof(struct uuid_entry) == 128, "uuid_entry layout");

static inline uint64_t bch_jset_magic(const struct cache_sb *sb)
{
	return sb->set_magic ^ BCH_JSET_MAGIC_XOR;
}
static inline uint64_t bch_pset_magic(const struct cache_sb *sb)
{
	return sb->set_magic ^ BCH_PSET_MAGIC_XOR;
}
static inline uint64_t bch_bset_magic(const struct cache_sb *sb)
{
	return sb->set_magic ^ BCH_BSET_MAGIC_XOR;
}

#endif
