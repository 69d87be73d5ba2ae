/*
 * mmfs.c - a small filesystem on a cached device: a superblock, a flat
 * table of inodes (the name lives in the inode), ext2-style block maps.
 *
 * On-disk layout (4 KiB blocks; integers little-endian, as ondisk.h):
 *   block 0          superblock: magic, version, geometry, bch_crc64 of it
 *   blocks 1..32     inode table: 512 inodes of 256 bytes, 16 per block;
 *                    slot N is inode N; a free slot is all zeros
 *   blocks 33..      data and indirect blocks, found only through inodes
 * An inode holds the name (NUL-terminated, up to 63 bytes), the size, 12
 * direct block numbers and a single, double and triple indirect block, and
 * a bch_crc64 of itself.  An indirect block holds 508 u64 block numbers
 * (0 = hole), then a 32-byte tail: a magic, the inode, the level (1: its
 * numbers name data blocks) and the first file block it maps, and a
 * crc64 of the block seeded with the block's own number (as bcache seeds a
 * btree set's with its node's pointer).  So a damaged pointer or hole is
 * caught, and so is a pointer that leads to someone else's indirect block
 * or a block written at the wrong place: a flipped pointer that names a
 * free block in range would otherwise read wrong data with nothing on disk
 * to say so.  Version 1 (512 numbers, no tail) is refused, not misread.
 * There is no free-space map on disk: mount walks every block map and
 * rebuilds it, checking that every block number is in range and used once;
 * a bad indirect block, like a bad inode, makes mount refuse and fsck
 * report it.
 *
 * Crash safety (fs.h states the contract): everything is in memory after
 * mount; the disk is written only by a sync, in this order:
 *   1. a snapshot of the metadata is taken under fs->lock (so a writer
 *      racing the sync cannot slip a pointer to unwritten data into it);
 *   2. fresh indirect blocks (nothing durable points at them) are written;
 *   3. flush: file data written before the sync and those blocks durable;
 *   4. the inode table blocks and the changed existing indirect blocks are
 *      written in place (each 4 KiB write is atomic through the cache set);
 *   5. flush; then the blocks the snapshot no longer names are released.
 * A crash inside 4 leaves some of those blocks new and some old; each one
 * alone is consistent (it names only durable blocks and blocks still
 * reserved), so mount accepts blocks mapped past the size (they are freed
 * and released after the next sync).  An inode table block holds sixteen
 * inodes: it is always written from fs->disk, the image of each inode as
 * of its last sync, so syncing one inode never publishes another's
 * unsynced pointers.
 *
 * Freed blocks wait on fs->pend, tagged with their inode and a sequence
 * number, until a sync of that inode that snapshotted after the free is
 * durable: only then may the allocator hand them out again.
 *
 * Locking: fs->sync_lock serialises syncs (outermost), fs->lock covers all
 * in-memory metadata.  File data I/O runs under neither.  A failed metadata
 * write or flush makes the fs refuse further syncs (fs->error): what is on
 * disk is then whatever the last good sync left.
 */
#include "fs.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bcache.h"

#define MMFS_MAGIC 0x3153464d4d5f4d4dull	/* "MM_MMFS1" */
#define MMFS_VERSION 2u			/* 1: indirect blocks without a tail */
#define MMFS_INODE_MAGIC 0x4e4d4d49u		/* "IMMN" */
#define MMFS_INODE_SIZE 256u
#define MMFS_INODES_PER_BLOCK (MMFS_BLOCK_SIZE / MMFS_INODE_SIZE)
#define MMFS_NR_INODES 512u
#define MMFS_ITABLE_START 1u
#define MMFS_NDIRECT 12u
#define MMFS_IND_MAGIC 0x444e4d4du		/* "MMND" */
#define MMFS_IND_TAIL 32u
#define MMFS_PTRS ((MMFS_BLOCK_SIZE - MMFS_IND_TAIL) / 8u)	/* 508 */
#define MMFS_LEVELS 3u
#define MMFS_SECTORS_PER_BLOCK (MMFS_BLOCK_SIZE / BLK_SECTOR_SIZE)
#define MMFS_MIN_DATA_BLOCKS 16u

/* Blocks one pointer of a level-L indirect block covers: 508^(L-1). */
#define SPAN(level)							\
	((level) <= 1 ? 1ull : (level) == 2 ? (uint64_t)MMFS_PTRS :		\
	 (level) == 3 ? (uint64_t)MMFS_PTRS * MMFS_PTRS :			\
	 (uint64_t)MMFS_PTRS * MMFS_PTRS * MMFS_PTRS)
#define MMFS_MAX_BLOCKS \
	(MMFS_NDIRECT + SPAN(2) + SPAN(3) + SPAN(4))
#define MMFS_MAX_BYTES (MMFS_MAX_BLOCKS << MMFS_BLOCK_SHIFT)

struct mmfs_dsb {
	uint64_t magic;
	uint32_t version;
	uint32_t block_size;
	uint64_t nr_blocks;
	uint64_t itable_start;
	uint32_t itable_blocks;
	uint32_t nr_inodes;
	uint32_t inode_size;
	uint32_t pad;
	uint64_t csum;		/* bch_crc64 of the struct with csum 0 */
};

struct mmfs_dinode {
	uint32_t magic;		/* MMFS_INODE_MAGIC; 0 in a free slot */
	uint32_t ino;		/* its slot */
	uint64_t size;
	char name[MMFS_NAME_MAX + 1];
	uint64_t direct[MMFS_NDIRECT];
	uint64_t ind[MMFS_LEVELS];	/* single, double, triple */
	uint8_t pad[48];
	uint64_t csum;		/* bch_crc64 of the bytes before it */
};
/* The end of an indirect block: whose block it is, where, and its check. */
struct mmfs_dind_tail {
	uint32_t magic;		/* MMFS_IND_MAGIC */
	uint32_t ino;		/* the inode whose block map it is part of */
	uint32_t level;		/* 1: its numbers are data blocks; 2, 3: indirect */
	uint32_t pad;
	uint64_t base;		/* the first file block it maps */
	uint64_t csum;		/* ind_csum(): the bytes before it and the block's number */
};
_Static_assert(sizeof(struct mmfs_dinode) == MMFS_INODE_SIZE, "dinode size");
_Static_assert(sizeof(struct mmfs_dsb) <= MMFS_BLOCK_SIZE, "sb size");
_Static_assert(sizeof(struct mmfs_dind_tail) == MMFS_IND_TAIL &&
	       MMFS_PTRS * 8u + MMFS_IND_TAIL == MMFS_BLOCK_SIZE, "indirect block size");

/* An indirect block in memory.  ptr and tail first: the struct is 4 KiB
 * aligned and they are the block as read; the tail is only meaningful
 * while mount checks it (a sync writes a fresh one, ind_seal()). */
struct mmfs_node {
	uint64_t ptr[MMFS_PTRS];
	struct mmfs_dind_tail tail;
	struct mmfs_node **child;	/* level >= 2: the loaded children */
	uint64_t pblk;
	bool dirty;			/* changed since its last write */
	bool fresh;			/* never written: nothing durable names it */
};

struct mmfs_inode {
	struct mmfs *fs;
	unsigned ino;
	bool used;
	bool dirty;			/* metadata changed since the last snapshot */
	char name[MMFS_NAME_MAX + 1];
	uint64_t size;			/* atomic loads outside fs->lock */
	uint64_t direct[MMFS_NDIRECT];
	struct mmfs_node *ind[MMFS_LEVELS];
	uint64_t goal;			/* where the next data block is sought */
};

struct mmfs_pending {
	uint64_t pblk;
	uint64_t seq;
	unsigned ino;
};

struct mmfs {
	struct cached_dev *dc;
	pthread_mutex_t lock;
	pthread_mutex_t sync_lock;
	uint64_t nr_blocks, data_start;
	unsigned nr_inodes, itable_blocks;
	struct mmfs_inode *inodes;
	struct mmfs_dinode *disk;	/* the inode table as last synced */
	uint64_t *used;			/* bit per block: in use or pending */
	uint64_t nfree;
	struct mmfs_pending *pend;
	size_t npend, pcap;
	uint64_t free_seq;
	uint64_t data_goal;
	int error;			/* a sync failed: refuse more */
};

#define ALL_INODES UINT32_MAX

/* ---- small helpers ------------------------------------------------------------- */

static void *block_alloc(size_t nblocks)
{
	void *p;

	if (posix_memalign(&p, MMFS_BLOCK_SIZE, nblocks * MMFS_BLOCK_SIZE))
		return NULL;
	memset(p, 0, nblocks * MMFS_BLOCK_SIZE);
	return p;
}

/* A dead disk answers -ENODEV; the fs contract says -EIO. */
static int io_err(int r)
{
	return r == -ENODEV ? -EIO : r;
}

static int dev_read(struct cached_dev *dc, uint64_t pblk, void *buf, size_t nblocks)
{
	return io_err(bch_cached_read(dc, pblk * MMFS_SECTORS_PER_BLOCK, buf,
				      nblocks * MMFS_BLOCK_SIZE));
}

static int dev_write(struct cached_dev *dc, uint64_t pblk, const void *buf, size_t nblocks)
{
	return io_err(bch_cached_write(dc, pblk * MMFS_SECTORS_PER_BLOCK, buf,
				       nblocks * MMFS_BLOCK_SIZE, 0));
}

static int dev_flush(struct cached_dev *dc)
{
	return io_err(bch_cached_flush(dc));
}

static uint64_t sb_csum(const struct mmfs_dsb *sb)
{
	struct mmfs_dsb c = *sb;

	c.csum = 0;
	return bch_crc64(&c, sizeof(c));
}

static uint64_t dinode_csum(const struct mmfs_dinode *d)
{
	return bch_crc64(d, offsetof(struct mmfs_dinode, csum));
}

/* An indirect block's checksum: seeded with where it lives, so a block
 * that is whole but not the one written at pblk (a misdirected or lost
 * write, a stale copy) fails too. */
static uint64_t ind_csum(const void *block, uint64_t pblk)
{
	return crc64_be(pblk, block, MMFS_BLOCK_SIZE - 8) ^ ~0ull;
}

/* Fills in the tail of an indirect block image about to be written. */
static void ind_seal(void *block, uint64_t pblk, unsigned ino, unsigned level, uint64_t base)
{
	struct mmfs_dind_tail *t = (void *)((uint8_t *)block + MMFS_PTRS * 8u);

	memset(t, 0, sizeof(*t));
	t->magic = MMFS_IND_MAGIC;
	t->ino = ino;
	t->level = level;
	t->base = base;
	t->csum = ind_csum(block, pblk);
}

/* The first file block the tree of a level-L indirect block in an inode maps. */
static uint64_t tree_base(unsigned level)
{
	uint64_t base = MMFS_NDIRECT;

	for (unsigned l = 1; l < level; l++)
		base += SPAN(l + 1);
	return base;
}

static uint64_t size_blocks(uint64_t size)
{
	return (size + MMFS_BLOCK_SIZE - 1) >> MMFS_BLOCK_SHIFT;
}

static uint64_t load_size(const struct mmfs_inode *ino)
{
	return __atomic_load_n(&ino->size, __ATOMIC_ACQUIRE);
}

static void store_size(struct mmfs_inode *ino, uint64_t size)
{
	__atomic_store_n(&ino->size, size, __ATOMIC_RELEASE);
}

/* ---- the free map ---------------------------------------------------------------- */

static bool test_used(const uint64_t *map, uint64_t b)
{
	return map[b >> 6] & (1ull << (b & 63));
}

static void set_used(uint64_t *map, uint64_t b)
{
	map[b >> 6] |= 1ull << (b & 63);
}

static void clear_used(uint64_t *map, uint64_t b)
{
	map[b >> 6] &= ~(1ull << (b & 63));
}

/* A map with the superblock, the inode table and the tail bits used. */
static uint64_t *used_map_new(uint64_t nr_blocks, uint64_t data_start)
{
	uint64_t nwords = (nr_blocks + 63) / 64;
	uint64_t *map = calloc(nwords, sizeof(*map));

	if (!map)
		return NULL;
	for (uint64_t b = 0; b < data_start; b++)
		set_used(map, b);
	for (uint64_t b = nr_blocks; b < nwords * 64; b++)
		set_used(map, b);
	return map;
}

/* First free block in [from, to), or 0 (block 0 is never free). */
static uint64_t find_free_up(const struct mmfs *fs, uint64_t from, uint64_t to)
{
	uint64_t b = from;

	while (b < to) {
		uint64_t w = fs->used[b >> 6] | ((1ull << (b & 63)) - 1);

		if (w != ~0ull) {
			b = (b & ~63ull) + (uint64_t)__builtin_ctzll(~w);
			return b < to ? b : 0;
		}
		b = (b | 63) + 1;
	}
	return 0;
}

/* Last free block in [from, to), or 0. */
static uint64_t find_free_down(const struct mmfs *fs, uint64_t from, uint64_t to)
{
	uint64_t b = to;

	while (b > from) {
		uint64_t top = b - 1;
		uint64_t keep = (top & 63) == 63 ? ~0ull : (2ull << (top & 63)) - 1;
		uint64_t w = ~fs->used[top >> 6] & keep;

		if (w) {
			b = (top & ~63ull) + 63 - (uint64_t)__builtin_clzll(w);
			return b >= from ? b : 0;
		}
		b = top & ~63ull;
	}
	return 0;
}

/*
 * A free block: data from goal upwards (then wrapping), so a file written
 * in order is laid out in order; indirect blocks from the end of the
 * device downwards, out of the data's way.  0 when full.
 */
static uint64_t alloc_block(struct mmfs *fs, uint64_t goal, bool meta)
{
	uint64_t b;

	if (!fs->nfree)
		return 0;
	if (meta) {
		b = find_free_down(fs, fs->data_start, fs->nr_blocks);
	} else {
		if (goal < fs->data_start || goal >= fs->nr_blocks)
			goal = fs->data_goal;
		b = find_free_up(fs, goal, fs->nr_blocks);
		if (!b)
			b = find_free_up(fs, fs->data_start, goal);
		if (b)
			fs->data_goal = b + 1 < fs->nr_blocks ? b + 1 : fs->data_start;
	}
	if (b) {
		set_used(fs->used, b);
		fs->nfree--;
	}
	return b;
}

/*
 * A block the in-memory metadata of ino stopped naming: it stays used until
 * a sync of ino snapshotted after now is durable.  Without memory for the
 * record it simply stays used until the next mount (a leak, never reuse).
 */
static void free_block(struct mmfs *fs, struct mmfs_inode *ino, uint64_t b)
{
	if (fs->npend == fs->pcap) {
		size_t cap = fs->pcap ? 2 * fs->pcap : 64;
		struct mmfs_pending *p = realloc(fs->pend, cap * sizeof(*p));

		if (!p)
			return;
		fs->pend = p;
		fs->pcap = cap;
	}
	fs->pend[fs->npend++] = (struct mmfs_pending){
		.pblk = b, .seq = ++fs->free_seq, .ino = ino->ino };
	ino->dirty = true;
}

/* The sync snapshotted at seq is durable: its inodes' frees are final. */
static void release_pending(struct mmfs *fs, unsigned ino, uint64_t seq)
{
	size_t k = 0;

	for (size_t i = 0; i < fs->npend; i++) {
		struct mmfs_pending *p = &fs->pend[i];

		if (p->seq <= seq && (ino == ALL_INODES || p->ino == ino)) {
			clear_used(fs->used, p->pblk);
			fs->nfree++;
		} else {
			fs->pend[k++] = *p;
		}
	}
	fs->npend = k;
}

/* ---- indirect blocks in memory ------------------------------------------------------- */

static struct mmfs_node *node_alloc(unsigned level)
{
	struct mmfs_node *n;

	if (posix_memalign((void **)&n, MMFS_BLOCK_SIZE, sizeof(*n)))
		return NULL;
	memset(n, 0, sizeof(*n));
	if (level >= 2) {
		n->child = calloc(MMFS_PTRS, sizeof(*n->child));
		if (!n->child) {
			free(n);
			return NULL;
		}
	}
	return n;
}

static void node_free(struct mmfs_node *n)
{
	if (!n)
		return;
	free(n->child);
	free(n);
}

/* A new empty indirect block, on disk too (allocated, not yet written). */
static int node_new(struct mmfs *fs, unsigned level, struct mmfs_node **out)
{
	struct mmfs_node *n = node_alloc(level);

	if (!n)
		return -ENOMEM;
	n->pblk = alloc_block(fs, 0, true);
	if (!n->pblk) {
		node_free(n);
		return -ENOSPC;
	}
	n->dirty = n->fresh = true;
	*out = n;
	return 0;
}

/* Frees a whole subtree (memory, and its blocks through fs->pend). */
static void subtree_free(struct mmfs *fs, struct mmfs_inode *ino, struct mmfs_node *n,
			 unsigned level)
{
	for (unsigned i = 0; i < MMFS_PTRS; i++) {
		if (!n->ptr[i])
			continue;
		if (level == 1)
			free_block(fs, ino, n->ptr[i]);
		else
			subtree_free(fs, ino, n->child[i], level - 1);
	}
	free_block(fs, ino, n->pblk);
	node_free(n);
}

/* Memory only (unmount, failed mount). */
static void subtree_drop(struct mmfs_node *n, unsigned level)
{
	if (!n)
		return;
	if (level >= 2)
		for (unsigned i = 0; i < MMFS_PTRS; i++)
			subtree_drop(n->child[i], level - 1);
	node_free(n);
}

/* ---- block maps ------------------------------------------------------------------- */

/* Which tree lblk is in (0 direct, else the level) and its index there. */
static unsigned lblk_level(uint64_t *lblk)
{
	if (*lblk < MMFS_NDIRECT)
		return 0;
	*lblk -= MMFS_NDIRECT;
	for (unsigned level = 1; level <= MMFS_LEVELS; level++) {
		if (*lblk < SPAN(level + 1))
			return level;
		*lblk -= SPAN(level + 1);
	}
	return MMFS_LEVELS + 1;
}

/* Where a file block's pointer lives: *slot, and the node to dirty (NULL:
 * the inode).  With create, missing indirect blocks are made. */
struct map_slot {
	uint64_t *slot;
	struct mmfs_node *leaf;
};

static int map_find_slot(struct mmfs_inode *ino, uint64_t lblk, bool create,
			 struct map_slot *ms)
{
	struct mmfs *fs = ino->fs;
	unsigned level = lblk_level(&lblk);
	struct mmfs_node **np, *n;
	int r;

	ms->slot = NULL;
	ms->leaf = NULL;
	if (level > MMFS_LEVELS)
		return -EFBIG;
	if (!level) {
		ms->slot = &ino->direct[lblk];
		return 0;
	}
	np = &ino->ind[level - 1];
	if (!*np) {
		if (!create)
			return 0;
		if ((r = node_new(fs, level, np)))
			return r;
		ino->dirty = true;
	}
	for (n = *np; level > 1; level--) {
		uint64_t idx = lblk / SPAN(level);

		lblk %= SPAN(level);
		if (!n->child[idx]) {
			if (!create)
				return 0;
			if ((r = node_new(fs, level - 1, &n->child[idx])))
				return r;
			n->ptr[idx] = n->child[idx]->pblk;
			n->dirty = true;
			ino->dirty = true;
		}
		n = n->child[idx];
	}
	ms->slot = &n->ptr[lblk];
	ms->leaf = n;
	return 0;
}

static uint64_t map_lookup(struct mmfs_inode *ino, uint64_t lblk)
{
	struct map_slot ms;

	if (map_find_slot(ino, lblk, false, &ms) || !ms.slot)
		return 0;
	return *ms.slot;
}

/* The goal for a new data block of lblk: right after its predecessor. */
static uint64_t data_goal(struct mmfs_inode *ino, uint64_t lblk)
{
	uint64_t prev = lblk ? map_lookup(ino, lblk - 1) : 0;

	return prev ? prev + 1 : ino->goal;
}

/* bmap under fs->lock; *fresh tells the caller the block was just made. */
static int map_block(struct mmfs_inode *ino, uint64_t lblk, bool create, uint64_t *pblk,
		     bool *fresh)
{
	struct mmfs *fs = ino->fs;
	struct map_slot ms;
	uint64_t b;
	int r;

	*pblk = 0;
	if (fresh)
		*fresh = false;
	if (lblk >= MMFS_MAX_BLOCKS)
		return -EFBIG;
	if (create && fs->error)
		return fs->error;
	r = map_find_slot(ino, lblk, create, &ms);
	if (r || !ms.slot)
		return r;
	if (*ms.slot || !create) {
		*pblk = *ms.slot;
		return 0;
	}
	b = alloc_block(fs, data_goal(ino, lblk), false);
	if (!b)
		return -ENOSPC;
	*ms.slot = b;
	if (ms.leaf)
		ms.leaf->dirty = true;
	ino->dirty = true;
	ino->goal = b + 1;
	*pblk = b;
	if (fresh)
		*fresh = true;
	return 0;
}

/* Drops every pointer of a level-L node at or past file block keep. */
static void node_trim(struct mmfs *fs, struct mmfs_inode *ino, struct mmfs_node *n,
		      unsigned level, uint64_t base, uint64_t keep)
{
	uint64_t span = SPAN(level);
	unsigned first = keep > base ? (unsigned)((keep - base) / span) : 0;

	for (unsigned i = first; i < MMFS_PTRS; i++) {
		uint64_t start = base + i * span;

		if (!n->ptr[i])
			continue;
		if (start < keep) {
			/* straddles the new end: only part of it goes */
			node_trim(fs, ino, n->child[i], level - 1, start, keep);
			continue;
		}
		if (level == 1)
			free_block(fs, ino, n->ptr[i]);
		else
			subtree_free(fs, ino, n->child[i], level - 1);
		n->ptr[i] = 0;
		if (n->child)
			n->child[i] = NULL;
		n->dirty = true;
	}
}

/* Frees every block of ino at or past file block keep, and the indirect
 * blocks left covering nothing kept. */
static void map_truncate(struct mmfs_inode *ino, uint64_t keep)
{
	struct mmfs *fs = ino->fs;
	uint64_t base = MMFS_NDIRECT;

	for (uint64_t i = keep; i < MMFS_NDIRECT; i++) {
		if (ino->direct[i]) {
			free_block(fs, ino, ino->direct[i]);
			ino->direct[i] = 0;
		}
	}
	for (unsigned level = 1; level <= MMFS_LEVELS; level++) {
		struct mmfs_node *n = ino->ind[level - 1];
		uint64_t span = SPAN(level + 1);

		if (n && keep <= base) {
			subtree_free(fs, ino, n, level);
			ino->ind[level - 1] = NULL;
		} else if (n && keep < base + span) {
			node_trim(fs, ino, n, level, base, keep);
		}
		base += span;
	}
}

/* ---- inode images ----------------------------------------------------------------- */

static void dinode_encode(const struct mmfs_inode *ino, struct mmfs_dinode *d)
{
	memset(d, 0, sizeof(*d));
	d->magic = MMFS_INODE_MAGIC;
	d->ino = ino->ino;
	d->size = ino->size;
	memcpy(d->name, ino->name, sizeof(d->name));
	memcpy(d->direct, ino->direct, sizeof(d->direct));
	for (unsigned l = 0; l < MMFS_LEVELS; l++)
		d->ind[l] = ino->ind[l] ? ino->ind[l]->pblk : 0;
	d->csum = dinode_csum(d);
}

/* ---- sync ----------------------------------------------------------------------- */

/* The blocks one sync writes, copied under fs->lock. */
struct snapshot {
	uint64_t *pblk;
	bool *fresh;
	uint8_t *bufs;			/* n blocks */
	size_t n, cap;
	bool *itable_dirty;		/* per inode table block */
	uint64_t seq;			/* fs->free_seq at the snapshot */
};

static size_t node_count_dirty(const struct mmfs_node *n, unsigned level)
{
	size_t c = n->dirty;

	if (level >= 2)
		for (unsigned i = 0; i < MMFS_PTRS; i++)
			if (n->child[i])
				c += node_count_dirty(n->child[i], level - 1);
	return c;
}

/* n: a level-L indirect block of inode ino mapping from file block base. */
static void node_snapshot(struct snapshot *s, struct mmfs_node *n, unsigned ino,
			  unsigned level, uint64_t base)
{
	if (n->dirty) {
		uint8_t *b = s->bufs + s->n * MMFS_BLOCK_SIZE;

		memcpy(b, n->ptr, sizeof(n->ptr));
		ind_seal(b, n->pblk, ino, level, base);
		s->pblk[s->n] = n->pblk;
		s->fresh[s->n] = n->fresh;
		s->n++;
		n->dirty = n->fresh = false;
	}
	if (level >= 2)
		for (unsigned i = 0; i < MMFS_PTRS; i++)
			if (n->child[i])
				node_snapshot(s, n->child[i], ino, level - 1,
					      base + i * SPAN(level));
}

static size_t inode_count_dirty(const struct mmfs_inode *ino)
{
	size_t c = 0;

	if (!ino->used || !ino->dirty)
		return 0;
	for (unsigned l = 0; l < MMFS_LEVELS; l++)
		if (ino->ind[l])
			c += node_count_dirty(ino->ind[l], l + 1);
	return c;
}

static void inode_snapshot(struct mmfs *fs, struct snapshot *s, struct mmfs_inode *ino)
{
	if (!ino->used || !ino->dirty)
		return;
	for (unsigned l = 0; l < MMFS_LEVELS; l++)
		if (ino->ind[l])
			node_snapshot(s, ino->ind[l], ino->ino, l + 1, tree_base(l + 1));
	dinode_encode(ino, &fs->disk[ino->ino]);
	s->itable_dirty[ino->ino / MMFS_INODES_PER_BLOCK] = true;
	ino->dirty = false;
}

static void snapshot_free(struct snapshot *s)
{
	free(s->pblk);
	free(s->fresh);
	free(s->bufs);
	free(s->itable_dirty);
}

/* Takes the snapshot of one inode (or all) under fs->lock. */
static int snapshot_take(struct mmfs *fs, unsigned which, struct snapshot *s)
{
	unsigned lo = which == ALL_INODES ? 0 : which;
	unsigned hi = which == ALL_INODES ? fs->nr_inodes : which + 1;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&fs->lock);
	for (unsigned i = lo; i < hi; i++)
		n += inode_count_dirty(&fs->inodes[i]);
	s->pblk = calloc(n + 1, sizeof(*s->pblk));
	s->fresh = calloc(n + 1, sizeof(*s->fresh));
	s->bufs = n ? block_alloc(n) : NULL;
	s->itable_dirty = calloc(fs->itable_blocks, sizeof(*s->itable_dirty));
	if (!s->pblk || !s->fresh || (n && !s->bufs) || !s->itable_dirty) {
		pthread_mutex_unlock(&fs->lock);
		snapshot_free(s);
		return -ENOMEM;
	}
	for (unsigned i = lo; i < hi; i++)
		inode_snapshot(fs, s, &fs->inodes[i]);
	s->seq = fs->free_seq;
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

static int snapshot_write_nodes(struct mmfs *fs, const struct snapshot *s, bool fresh)
{
	for (size_t i = 0; i < s->n; i++) {
		int r;

		if (s->fresh[i] != fresh)
			continue;
		r = dev_write(fs->dc, s->pblk[i], s->bufs + i * MMFS_BLOCK_SIZE, 1);
		if (r)
			return r;
	}
	return 0;
}

/* Inode table blocks, copied from fs->disk (the synced images) under the
 * lock; sync_lock keeps fs->disk from changing meanwhile anyway. */
static int snapshot_write_itable(struct mmfs *fs, const struct snapshot *s)
{
	void *buf = block_alloc(1);
	int r = buf ? 0 : -ENOMEM;

	for (unsigned b = 0; !r && b < fs->itable_blocks; b++) {
		if (!s->itable_dirty[b])
			continue;
		pthread_mutex_lock(&fs->lock);
		memcpy(buf, &fs->disk[b * MMFS_INODES_PER_BLOCK], MMFS_BLOCK_SIZE);
		pthread_mutex_unlock(&fs->lock);
		r = dev_write(fs->dc, MMFS_ITABLE_START + b, buf, 1);
	}
	free(buf);
	return r;
}

/* The ordered write of module comment steps 1-5.  sync_lock held. */
static int sync_locked(struct mmfs *fs, unsigned which)
{
	struct snapshot s;
	int r;

	if ((r = fs->error))
		return r;
	if ((r = snapshot_take(fs, which, &s)))
		return r;
	r = snapshot_write_nodes(fs, &s, true);
	if (!r)
		r = dev_flush(fs->dc);
	if (!r)
		r = snapshot_write_nodes(fs, &s, false);
	if (!r)
		r = snapshot_write_itable(fs, &s);
	if (!r)
		r = dev_flush(fs->dc);
	pthread_mutex_lock(&fs->lock);
	if (r)
		fs->error = r;	/* fs->disk and the node flags ran ahead of the disk */
	else
		release_pending(fs, which, s.seq);
	pthread_mutex_unlock(&fs->lock);
	snapshot_free(&s);
	return r;
}

int mmfs_sync_inode(struct mmfs_inode *ino)
{
	struct mmfs *fs = ino->fs;
	int r;

	pthread_mutex_lock(&fs->sync_lock);
	r = sync_locked(fs, ino->ino);
	pthread_mutex_unlock(&fs->sync_lock);
	return r;
}

int mmfs_sync_all(struct mmfs *fs)
{
	int r;

	pthread_mutex_lock(&fs->sync_lock);
	r = sync_locked(fs, ALL_INODES);
	pthread_mutex_unlock(&fs->sync_lock);
	return r;
}

/* ---- format -------------------------------------------------------------------- */

static void geometry(uint64_t nr_blocks, struct mmfs_dsb *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = MMFS_MAGIC;
	sb->version = MMFS_VERSION;
	sb->block_size = MMFS_BLOCK_SIZE;
	sb->nr_blocks = nr_blocks;
	sb->itable_start = MMFS_ITABLE_START;
	sb->itable_blocks = MMFS_NR_INODES / MMFS_INODES_PER_BLOCK;
	sb->nr_inodes = MMFS_NR_INODES;
	sb->inode_size = MMFS_INODE_SIZE;
	sb->csum = sb_csum(sb);
}

int mmfs_format(struct cached_dev *dc)
{
	uint64_t nr_blocks = dc->sectors / MMFS_SECTORS_PER_BLOCK;
	struct mmfs_dsb sb;
	uint8_t *buf;
	int r;

	geometry(nr_blocks, &sb);
	if (nr_blocks < sb.itable_start + sb.itable_blocks + MMFS_MIN_DATA_BLOCKS)
		return -ENOSPC;
	buf = block_alloc(sb.itable_blocks);
	if (!buf)
		return -ENOMEM;
	/* An empty table first, durable before a superblock names it. */
	r = dev_write(dc, sb.itable_start, buf, sb.itable_blocks);
	if (!r)
		r = dev_flush(dc);
	if (!r) {
		memset(buf, 0, MMFS_BLOCK_SIZE);
		memcpy(buf, &sb, sizeof(sb));
		r = dev_write(dc, 0, buf, 1);
	}
	if (!r)
		r = dev_flush(dc);
	free(buf);
	return r;
}

/* ---- checking what is on disk (mount and fsck) ------------------------------------ */

struct check {
	struct cached_dev *dc;
	uint64_t nr_blocks, data_start;
	unsigned nr_inodes, itable_blocks;
	uint64_t *used;
	struct mmfs_dinode *itable;
	FILE *out;		/* fsck: every problem; NULL: stop at the first */
	long problems;
	char *why;
	size_t whylen;
	bool build;		/* mount: keep the indirect blocks in memory */
	uint64_t *scratch[MMFS_LEVELS];	/* fsck's read buffers, one per level */
	int ioerr;
};

static void problem(struct check *ck, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct check *ck, const char *fmt, ...)
{
	va_list ap;

	if (!ck->problems++ && ck->why && ck->whylen) {
		va_start(ap, fmt);
		vsnprintf(ck->why, ck->whylen, fmt, ap);
		va_end(ap);
	}
	if (ck->out) {
		fprintf(ck->out, "mmfs: ");
		va_start(ap, fmt);
		vfprintf(ck->out, fmt, ap);
		va_end(ap);
		fprintf(ck->out, "\n");
	}
}

/* Stop walking: mount wants the first problem only. */
static bool check_done(const struct check *ck)
{
	return ck->ioerr || (ck->problems && !ck->out);
}

static int check_sb(struct check *ck, const struct mmfs_dsb *sb)
{
	uint64_t dev_blocks = ck->dc->sectors / MMFS_SECTORS_PER_BLOCK;

	if (sb->magic != MMFS_MAGIC)
		problem(ck, "superblock: bad magic %#" PRIx64 " (not an mmfs)", sb->magic);
	else if (sb->csum != sb_csum(sb))
		problem(ck, "superblock: bad checksum");
	else if (sb->version == 1)
		problem(ck, "superblock: mmfs version 1 (indirect blocks without checksums), "
			"which this mmfs no longer reads: make the filesystem again (version %u)",
			MMFS_VERSION);
	else if (sb->version != MMFS_VERSION)
		problem(ck, "superblock: version %u, this mmfs knows %u", sb->version,
			MMFS_VERSION);
	else if (sb->block_size != MMFS_BLOCK_SIZE || sb->inode_size != MMFS_INODE_SIZE)
		problem(ck, "superblock: block size %u / inode size %u not %u / %u",
			sb->block_size, sb->inode_size, MMFS_BLOCK_SIZE, MMFS_INODE_SIZE);
	else if (sb->itable_start != MMFS_ITABLE_START || !sb->nr_inodes ||
		 sb->nr_inodes > 65536 ||
		 (uint64_t)sb->itable_blocks * MMFS_INODES_PER_BLOCK != sb->nr_inodes)
		problem(ck, "superblock: inode table of %u inodes in %u blocks at %" PRIu64
			" is not valid", sb->nr_inodes, sb->itable_blocks, sb->itable_start);
	else if (sb->nr_blocks > dev_blocks ||
		 sb->nr_blocks < sb->itable_start + sb->itable_blocks + MMFS_MIN_DATA_BLOCKS)
		problem(ck, "superblock: %" PRIu64 " blocks, the device has %" PRIu64,
			sb->nr_blocks, dev_blocks);
	if (ck->problems)
		return -EUCLEAN;
	ck->nr_blocks = sb->nr_blocks;
	ck->nr_inodes = sb->nr_inodes;
	ck->itable_blocks = sb->itable_blocks;
	ck->data_start = sb->itable_start + sb->itable_blocks;
	return 0;
}

/* Reads and checks the superblock, then reads the inode table. */
static int check_read_head(struct check *ck)
{
	struct mmfs_dsb sb;
	void *buf = block_alloc(1);
	int r;

	if (!buf)
		return -ENOMEM;
	r = dev_read(ck->dc, 0, buf, 1);
	if (r) {
		free(buf);
		return r;
	}
	memcpy(&sb, buf, sizeof(sb));
	free(buf);
	if ((r = check_sb(ck, &sb)))
		return r;
	ck->used = used_map_new(ck->nr_blocks, ck->data_start);
	ck->itable = block_alloc(ck->itable_blocks);
	if (!ck->used || !ck->itable)
		return -ENOMEM;
	return dev_read(ck->dc, MMFS_ITABLE_START, ck->itable, ck->itable_blocks);
}

/* Takes block b for inode ino: in range and not used before. */
static bool check_claim(struct check *ck, unsigned ino, const char *what, uint64_t lblk,
			uint64_t b)
{
	if (b < ck->data_start || b >= ck->nr_blocks) {
		problem(ck, "inode %u: %s for file block %" PRIu64 " is block %" PRIu64
			", outside the data area [%" PRIu64 ", %" PRIu64 ")",
			ino, what, lblk, b, ck->data_start, ck->nr_blocks);
		return false;
	}
	if (test_used(ck->used, b)) {
		problem(ck, "inode %u: %s for file block %" PRIu64 " is block %" PRIu64
			", already in use (used twice)", ino, what, lblk, b);
		return false;
	}
	set_used(ck->used, b);
	return true;
}

static bool dinode_is_zero(const struct mmfs_dinode *d)
{
	const uint8_t *p = (const uint8_t *)d;

	for (size_t i = 0; i < sizeof(*d); i++)
		if (p[i])
			return false;
	return true;
}

/* An inode's own fields (not its block map). */
static bool check_dinode(struct check *ck, unsigned i, const struct mmfs_dinode *d)
{
	size_t len = strnlen(d->name, sizeof(d->name));

	if (d->magic != MMFS_INODE_MAGIC) {
		problem(ck, "inode %u: bad magic %#x in a slot that is not empty", i, d->magic);
		return false;
	}
	if (d->csum != dinode_csum(d)) {
		problem(ck, "inode %u: bad checksum", i);
		return false;
	}
	if (d->ino != i || !len || len > MMFS_NAME_MAX || d->size > MMFS_MAX_BYTES) {
		problem(ck, "inode %u: bad fields (number %u, name length %zu, size %" PRIu64 ")",
			i, d->ino, len, d->size);
		return false;
	}
	for (unsigned j = 0; j < i; j++) {
		const struct mmfs_dinode *o = &ck->itable[j];

		if (o->magic == MMFS_INODE_MAGIC && !strncmp(o->name, d->name, sizeof(d->name))) {
			problem(ck, "inodes %u and %u: both called \"%s\"", j, i, d->name);
			return false;
		}
	}
	return true;
}

/*
 * Is the indirect block just read at pblk the level-L block of inode ino
 * that maps from file block base, whole?  Each check says what it was
 * (fsck's words), the checksum first: a tail that fails it is not read.
 */
static bool check_ind_tail(struct check *ck, unsigned ino, unsigned level, uint64_t pblk,
			   uint64_t base, const void *block)
{
	const struct mmfs_dind_tail *t = (const void *)((const uint8_t *)block +
							 MMFS_PTRS * 8u);

	if (t->magic != MMFS_IND_MAGIC) {
		problem(ck, "inode %u: indirect block %" PRIu64 " (level %u, file block %" PRIu64
			"): bad magic %#x (not an indirect block, or damaged)", ino, pblk, level,
			base, t->magic);
		return false;
	}
	if (t->csum != ind_csum(block, pblk)) {
		problem(ck, "inode %u: indirect block %" PRIu64 " (level %u, file block %" PRIu64
			"): bad checksum (damaged, or not the block written there)", ino, pblk,
			level, base);
		return false;
	}
	if (t->ino != ino || t->level != level || t->base != base) {
		problem(ck, "inode %u: indirect block %" PRIu64 " (level %u, file block %" PRIu64
			") belongs to inode %u, level %u, file block %" PRIu64 " (a wrong pointer)",
			ino, pblk, level, base, t->ino, t->level, t->base);
		return false;
	}
	return true;
}

/*
 * Walks the indirect block pblk (level L, first file block base), already
 * claimed.  With ck->build, *out gets it in memory.  A block that fails
 * its tail's checks is not walked: none of its numbers can be trusted.
 */
static int check_node(struct check *ck, unsigned ino, unsigned level, uint64_t pblk,
		      uint64_t base, struct mmfs_node **out)
{
	struct mmfs_node *n = NULL;
	uint64_t *ptr;
	int r;

	if (ck->build) {
		n = node_alloc(level);
		if (!n)
			return -ENOMEM;
		n->pblk = pblk;
		*out = n;
		ptr = n->ptr;
	} else {
		ptr = ck->scratch[level - 1];
	}
	r = dev_read(ck->dc, pblk, ptr, 1);
	if (r) {
		ck->ioerr = r;
		return r;
	}
	if (!check_ind_tail(ck, ino, level, pblk, base, ptr)) {
		memset(ptr, 0, MMFS_PTRS * 8u);	/* fsck goes on without it */
		return 0;
	}
	for (unsigned i = 0; i < MMFS_PTRS && !check_done(ck); i++) {
		uint64_t start = base + i * SPAN(level);

		if (!ptr[i])
			continue;
		if (!check_claim(ck, ino, level == 1 ? "pointer" : "indirect block", start,
				 ptr[i])) {
			ptr[i] = 0;	/* fsck goes on without it */
			continue;
		}
		if (level > 1 &&
		    (r = check_node(ck, ino, level - 1, ptr[i], start, n ? &n->child[i] : NULL)))
			return r;
	}
	return 0;
}

/* Walks one inode's block map; with ck->build fills ino. */
static int check_map(struct check *ck, unsigned i, const struct mmfs_dinode *d,
		     struct mmfs_inode *ino)
{
	uint64_t base = MMFS_NDIRECT;
	int r;

	for (unsigned j = 0; j < MMFS_NDIRECT && !check_done(ck); j++)
		if (d->direct[j] && check_claim(ck, i, "pointer", j, d->direct[j]) && ino)
			ino->direct[j] = d->direct[j];
	for (unsigned l = 1; l <= MMFS_LEVELS && !check_done(ck); l++) {
		uint64_t b = d->ind[l - 1];

		if (b && check_claim(ck, i, "indirect block", base, b) &&
		    (r = check_node(ck, i, l, b, base, ino ? &ino->ind[l - 1] : NULL)))
			return r;
		base += SPAN(l + 1);
	}
	return 0;
}

static void check_free(struct check *ck)
{
	free(ck->used);
	free(ck->itable);
	for (unsigned l = 0; l < MMFS_LEVELS; l++)
		free(ck->scratch[l]);
}

long mmfs_fsck(struct mmfs *fs, FILE *out)
{
	struct check ck = { .dc = fs->dc, .out = out };
	long ret;
	int r;

	pthread_mutex_lock(&fs->sync_lock);	/* no sync half done */
	r = check_read_head(&ck);
	for (unsigned l = 0; !r && l < MMFS_LEVELS; l++)
		if (!(ck.scratch[l] = block_alloc(1)))
			r = -ENOMEM;
	for (unsigned i = 0; !r && i < ck.nr_inodes; i++) {
		const struct mmfs_dinode *d = &ck.itable[i];

		if (dinode_is_zero(d) || !check_dinode(&ck, i, d))
			continue;
		r = check_map(&ck, i, d, NULL);
	}
	pthread_mutex_unlock(&fs->sync_lock);
	ret = r == -EUCLEAN ? ck.problems : r ? r : ck.problems;
	if (ret > 0 && out)
		fprintf(out, "mmfs: fsck: %ld problem%s\n", ret, ret == 1 ? "" : "s");
	check_free(&ck);
	return ret;
}

/* ---- mount / unmount ------------------------------------------------------------- */

static void fs_free(struct mmfs *fs)
{
	if (!fs)
		return;
	for (unsigned i = 0; fs->inodes && i < fs->nr_inodes; i++)
		for (unsigned l = 0; l < MMFS_LEVELS; l++)
			subtree_drop(fs->inodes[i].ind[l], l + 1);
	free(fs->inodes);
	free(fs->disk);
	free(fs->used);
	free(fs->pend);
	pthread_mutex_destroy(&fs->lock);
	pthread_mutex_destroy(&fs->sync_lock);
	free(fs);
}

/* One inode into memory; blocks mapped past the size (a crash in the
 * middle of a sync that shrank the file) are freed as a truncate would. */
static int mount_inode(struct check *ck, struct mmfs *fs, unsigned i)
{
	const struct mmfs_dinode *d = &ck->itable[i];
	struct mmfs_inode *ino = &fs->inodes[i];
	int r;

	ino->fs = fs;
	ino->ino = i;
	if (dinode_is_zero(d) || !check_dinode(ck, i, d))
		return 0;
	ino->used = true;
	ino->size = d->size;
	memcpy(ino->name, d->name, sizeof(ino->name));
	if ((r = check_map(ck, i, d, ino)))
		return r;
	if (!check_done(ck))
		map_truncate(ino, size_blocks(ino->size));
	return 0;
}

static int mount_check(struct check *ck, struct mmfs *fs)
{
	int r = check_read_head(ck);

	if (r)
		return r;
	fs->nr_blocks = ck->nr_blocks;
	fs->data_start = ck->data_start;
	fs->nr_inodes = ck->nr_inodes;
	fs->itable_blocks = ck->itable_blocks;
	fs->inodes = calloc(fs->nr_inodes, sizeof(*fs->inodes));
	if (!fs->inodes)
		return -ENOMEM;
	for (unsigned i = 0; i < fs->nr_inodes; i++) {
		fs->inodes[i].fs = fs;
		fs->inodes[i].ino = i;
	}
	for (unsigned i = 0; i < fs->nr_inodes && !check_done(ck); i++)
		if ((r = mount_inode(ck, fs, i)))
			return r;
	if (ck->ioerr)
		return ck->ioerr;
	return ck->problems ? -EUCLEAN : 0;
}

int mmfs_mount(struct cached_dev *dc, struct mmfs **out, char *why, size_t whylen)
{
	struct mmfs *fs = calloc(1, sizeof(*fs));
	struct check ck = { .dc = dc, .why = why, .whylen = whylen, .build = true };
	int r;

	if (why && whylen)
		why[0] = 0;
	if (!fs)
		return -ENOMEM;
	fs->dc = dc;
	pthread_mutex_init(&fs->lock, NULL);
	pthread_mutex_init(&fs->sync_lock, NULL);
	r = mount_check(&ck, fs);
	if (!r) {
		/* The walk's map is the free map; the table read is fs->disk. */
		fs->used = ck.used;
		fs->disk = ck.itable;
		ck.used = NULL;
		ck.itable = NULL;
		for (uint64_t b = fs->data_start; b < fs->nr_blocks; b++)
			fs->nfree += !test_used(fs->used, b);
		fs->data_goal = fs->data_start;
	} else if (r != -EUCLEAN && why && whylen && !why[0]) {
		snprintf(why, whylen, "reading the filesystem: %s", strerror(-r));
	}
	check_free(&ck);
	if (r) {
		fs_free(fs);
		return r;
	}
	*out = fs;
	return 0;
}

/* After a power loss nothing may be written: the crash must stay as it was. */
static bool disk_dead(struct mmfs *fs)
{
	struct cache_set *c = fs->dc->set;

	return fs->error || bch_error(c) || blk_fault_power_is_off(c->cache->bdev) ||
	       blk_fault_power_is_off(fs->dc->bdev);
}

int mmfs_unmount(struct mmfs *fs)
{
	int r = 0;

	if (!fs)
		return 0;
	if (!disk_dead(fs))
		r = mmfs_sync_all(fs);
	fs_free(fs);
	return r;
}

/* ---- files ------------------------------------------------------------------------ */

static struct mmfs_inode *lookup_locked(struct mmfs *fs, const char *name)
{
	for (unsigned i = 0; i < fs->nr_inodes; i++) {
		struct mmfs_inode *ino = &fs->inodes[i];

		if (ino->used && !strcmp(ino->name, name))
			return ino;
	}
	return NULL;
}

int mmfs_create(struct mmfs *fs, const char *name, uint64_t size, struct mmfs_inode **out)
{
	size_t len = name ? strnlen(name, MMFS_NAME_MAX + 1) : 0;
	struct mmfs_inode *ino = NULL;

	if (!len)
		return -EINVAL;
	if (len > MMFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (size > MMFS_MAX_BYTES)
		return -EFBIG;
	pthread_mutex_lock(&fs->lock);
	if (lookup_locked(fs, name)) {
		pthread_mutex_unlock(&fs->lock);
		return -EEXIST;
	}
	for (unsigned i = 0; i < fs->nr_inodes && !ino; i++)
		if (!fs->inodes[i].used)
			ino = &fs->inodes[i];
	if (ino) {
		memset(ino->name, 0, sizeof(ino->name));
		memcpy(ino->name, name, len);
		store_size(ino, size);
		ino->goal = 0;
		ino->used = ino->dirty = true;
	}
	pthread_mutex_unlock(&fs->lock);
	if (!ino)
		return -ENOSPC;
	if (out)
		*out = ino;
	return 0;
}

struct mmfs_inode *mmfs_lookup(struct mmfs *fs, const char *name)
{
	struct mmfs_inode *ino;

	if (!name)
		return NULL;
	pthread_mutex_lock(&fs->lock);
	ino = lookup_locked(fs, name);
	pthread_mutex_unlock(&fs->lock);
	return ino;
}

int mmfs_for_each(struct mmfs *fs, int (*fn)(void *arg, struct mmfs_inode *ino), void *arg)
{
	for (unsigned i = 0; i < fs->nr_inodes; i++) {
		struct mmfs_inode *ino = &fs->inodes[i];
		bool used;
		int r;

		pthread_mutex_lock(&fs->lock);
		used = ino->used;
		pthread_mutex_unlock(&fs->lock);
		if (used && (r = fn(arg, ino)))
			return r;
	}
	return 0;
}

const char *mmfs_name(const struct mmfs_inode *ino)
{
	return ino->name;
}

unsigned mmfs_ino(const struct mmfs_inode *ino)
{
	return ino->ino;
}

struct mmfs *mmfs_of(const struct mmfs_inode *ino)
{
	return ino->fs;
}

uint64_t mmfs_size(const struct mmfs_inode *ino)
{
	return load_size(ino);
}

int mmfs_set_size(struct mmfs_inode *ino, uint64_t size)
{
	struct mmfs *fs = ino->fs;

	if (size > MMFS_MAX_BYTES)
		return -EFBIG;
	pthread_mutex_lock(&fs->lock);
	if (size < ino->size)
		map_truncate(ino, size_blocks(size));
	if (size != ino->size) {
		store_size(ino, size);
		ino->dirty = true;
	}
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

int mmfs_bmap(struct mmfs_inode *ino, uint64_t lblk, bool create, uint64_t *pblk)
{
	struct mmfs *fs = ino->fs;
	int r;

	pthread_mutex_lock(&fs->lock);
	r = map_block(ino, lblk, create, pblk, NULL);
	pthread_mutex_unlock(&fs->lock);
	return r;
}

int mmfs_read_block(struct mmfs *fs, uint64_t pblk, void *buf)
{
	if (!pblk || pblk >= fs->nr_blocks)
		return -EINVAL;
	return dev_read(fs->dc, pblk, buf, 1);
}

int mmfs_write_block(struct mmfs *fs, uint64_t pblk, const void *buf)
{
	/* The superblock and the inode table are written by syncs only. */
	if (pblk < fs->data_start || pblk >= fs->nr_blocks)
		return -EINVAL;
	return dev_write(fs->dc, pblk, buf, 1);
}

ssize_t mmfs_pread(struct mmfs_inode *ino, void *buf, size_t len, uint64_t off)
{
	struct mmfs *fs = ino->fs;
	uint64_t size = load_size(ino), end;
	uint8_t *tmp = NULL;
	size_t done = 0;
	int r = 0;

	if (off >= size || !len)
		return 0;
	end = len > size - off ? size : off + len;
	while (!r && off + done < end) {
		uint64_t pos = off + done, lblk = pos >> MMFS_BLOCK_SHIFT, pblk;
		size_t in = pos & (MMFS_BLOCK_SIZE - 1);
		size_t n = MMFS_BLOCK_SIZE - in;

		if (n > end - pos)
			n = (size_t)(end - pos);
		pthread_mutex_lock(&fs->lock);
		r = map_block(ino, lblk, false, &pblk, NULL);
		pthread_mutex_unlock(&fs->lock);
		if (r)
			break;
		if (!pblk) {
			memset((uint8_t *)buf + done, 0, n);
		} else if (n == MMFS_BLOCK_SIZE) {
			r = dev_read(fs->dc, pblk, (uint8_t *)buf + done, 1);
		} else {
			if (!tmp && !(tmp = block_alloc(1))) {
				r = -ENOMEM;
				break;
			}
			r = dev_read(fs->dc, pblk, tmp, 1);
			if (!r)
				memcpy((uint8_t *)buf + done, tmp + in, n);
		}
		if (!r)
			done += n;
	}
	free(tmp);
	return done ? (ssize_t)done : r;
}

/* One block's part of a pwrite: whole blocks straight, parts merged. */
static int pwrite_block(struct mmfs_inode *ino, const uint8_t *src, uint64_t pos, size_t n,
			uint8_t **tmp)
{
	struct mmfs *fs = ino->fs;
	size_t in = pos & (MMFS_BLOCK_SIZE - 1);
	uint64_t pblk;
	bool fresh;
	int r;

	pthread_mutex_lock(&fs->lock);
	r = map_block(ino, pos >> MMFS_BLOCK_SHIFT, true, &pblk, &fresh);
	pthread_mutex_unlock(&fs->lock);
	if (r)
		return r;
	if (n == MMFS_BLOCK_SIZE)
		return dev_write(fs->dc, pblk, src, 1);
	if (!*tmp && !(*tmp = block_alloc(1)))
		return -ENOMEM;
	/* A fresh block holds whatever its last owner left: zeros instead. */
	if (fresh)
		memset(*tmp, 0, MMFS_BLOCK_SIZE);
	else if ((r = dev_read(fs->dc, pblk, *tmp, 1)))
		return r;
	memcpy(*tmp + in, src, n);
	return dev_write(fs->dc, pblk, *tmp, 1);
}

ssize_t mmfs_pwrite(struct mmfs_inode *ino, const void *buf, size_t len, uint64_t off)
{
	struct mmfs *fs = ino->fs;
	uint8_t *tmp = NULL;
	size_t done = 0;
	int r = 0;

	if (!len)
		return 0;
	if (off >= MMFS_MAX_BYTES || len > MMFS_MAX_BYTES - off)
		return -EFBIG;
	while (done < len) {
		uint64_t pos = off + done;
		size_t n = MMFS_BLOCK_SIZE - (pos & (MMFS_BLOCK_SIZE - 1));

		if (n > len - done)
			n = len - done;
		r = pwrite_block(ino, (const uint8_t *)buf + done, pos, n, &tmp);
		if (r)
			break;
		done += n;
	}
	free(tmp);
	if (done) {
		pthread_mutex_lock(&fs->lock);
		if (off + done > ino->size) {
			store_size(ino, off + done);
			ino->dirty = true;
		}
		pthread_mutex_unlock(&fs->lock);
	}
	return done ? (ssize_t)done : r;
}
