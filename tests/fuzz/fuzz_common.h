/*
 * fuzz_common.h - what the fuzz targets and their seed generator share:
 * the template images they damage (a crashed cache set; an mmfs on a
 * cached device), and checksum fix-ups.
 *
 * The fix-ups exist because almost every random change to an on-disk
 * structure is caught by its checksum first: an input that asks for them
 * gets its checksums recomputed after the damage, so the code behind the
 * checksum (header checks, key validation, ordering, block maps) sees
 * damaged structures a checksum would not catch - a bug, or a crafted
 * image.
 *
 * The mmfs layout below is a copy of the private one in src/fs/mmfs.c
 * (struct mmfs_dsb, struct mmfs_dinode, struct mmfs_dind_tail: version 2,
 * whose indirect blocks end in a checksummed tail): the harness must write images
 * without the filesystem's help.  The static asserts keep the sizes in
 * step; a layout change there must be copied here.
 */
#ifndef MMSIM_FUZZ_COMMON_H
#define MMSIM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bcache/bcache.h"
#include "fs/fs.h"

/* ---- the cache-set template -------------------------------------------------------- */

#define FZ_BUCKET 16u			/* sectors: 8 KiB buckets and btree nodes */
#define FZ_BYTES (256u * FZ_BUCKET * 512u)

/* A directory for images: /dev/shm when there is one (a flush there is
 * free; the images are fsynced on every journal write), else TMPDIR. */
const char *fz_tmpdir(void);
/* xorshift64: the CI drivers' reproducible damage. */
uint64_t fz_rng(uint64_t *s);
/* Writes len bytes of p as DIR/NAME (a seed for the corpus): 0 or -1. */
int fz_write_seed(const char *dir, const char *name, const uint8_t *p, size_t len);
struct blk_dev *fz_open_img(const char *path, uint64_t bytes, bool create);
/*
 * Formats a cache set at path (FZ_BYTES), adds nkeys dirty keys of
 * sectors each (flushing the btree once part way, so some keys are only
 * in the journal), and cuts the power: the image a crash leaves.  With
 * nkeys large enough the root splits (a two-level tree).
 */
int fz_make_bcache(const char *path, unsigned nkeys, unsigned sectors);

/* Recompute checksums of structures that still look like ones. */
void fz_fix_sb(uint8_t *sb_block);
void fz_fix_jsets(uint8_t *buf, size_t len, size_t block_bytes, uint64_t magic);
void fz_fix_bsets(uint8_t *node, size_t node_bytes, size_t block_bytes, uint64_t magic,
		  uint64_t ptr0);
void fz_fix_prio(uint8_t *bucket, size_t bytes, uint64_t magic);

/* ---- mmfs -------------------------------------------------------------------------- */

#define FZ_MMFS_MAGIC 0x3153464d4d5f4d4dull
#define FZ_MMFS_INODE_MAGIC 0x4e4d4d49u
#define FZ_MMFS_IND_MAGIC 0x444e4d4du
#define FZ_MMFS_NDIRECT 12u
#define FZ_MMFS_PTRS 508u		/* block numbers in an indirect block, then the tail */
#define FZ_MMFS_NR_INODES 512u
#define FZ_MMFS_ITABLE_BLOCKS 32u
#define FZ_MMFS_DATA_START 33u		/* the superblock and the inode table before */
/* The smallest mmfs format allows: 16 data blocks; inputs address them
 * with one byte.  The backing device: its 8 KiB header, then the fs. */
#define FZ_MMFS_BLOCKS (FZ_MMFS_DATA_START + 16u)
#define FZ_MMFS_DATA_OFFSET 8192u
#define FZ_MMFS_BACKING_BYTES (FZ_MMFS_DATA_OFFSET + FZ_MMFS_BLOCKS * 4096u)

struct fz_mmfs_dsb {
	uint64_t magic;
	uint32_t version;
	uint32_t block_size;
	uint64_t nr_blocks;
	uint64_t itable_start;
	uint32_t itable_blocks;
	uint32_t nr_inodes;
	uint32_t inode_size;
	uint32_t pad;
	uint64_t csum;
};
_Static_assert(sizeof(struct fz_mmfs_dsb) == 56, "the superblock of src/fs/mmfs.c");

struct fz_mmfs_dinode {
	uint32_t magic;
	uint32_t ino;
	uint64_t size;
	char name[MMFS_NAME_MAX + 1];
	uint64_t direct[FZ_MMFS_NDIRECT];
	uint64_t ind[3];
	uint8_t pad[48];
	uint64_t csum;
};
_Static_assert(sizeof(struct fz_mmfs_dinode) == 256, "the inode of src/fs/mmfs.c");

/* An indirect block's end: owner, level, first file block, checksum. */
struct fz_mmfs_ind_tail {
	uint32_t magic;
	uint32_t ino;
	uint32_t level;
	uint32_t pad;
	uint64_t base;
	uint64_t csum;
};
_Static_assert(FZ_MMFS_PTRS * 8 + sizeof(struct fz_mmfs_ind_tail) == 4096,
	       "the indirect block of src/fs/mmfs.c");

void fz_fix_mmfs_sb(struct fz_mmfs_dsb *sb);
void fz_fix_dinode(struct fz_mmfs_dinode *d);
/* The indirect block at fs block pblk, if its tail has the magic: its
 * checksum only (a wrong owner, level or first block stays wrong). */
void fz_fix_ind(uint8_t *block, uint64_t pblk);

/* A registered cache set caching one backing device that holds an mmfs. */
struct fz_mmfs {
	char cache_path[256], backing_path[256];
	struct blk_dev *cache, *backing;
	struct cache_set *c;
	struct cached_dev *dc;
};
/*
 * Makes the images, formats the set and mmfs, and writes three files
 * whose block maps use direct, single, double and triple indirect blocks.
 * The backing device is in writearound mode: every write goes to
 * backing_path, so the harness can rewrite the fs there between runs.
 */
int fz_mmfs_setup(struct fz_mmfs *m, FILE *log);
void fz_mmfs_teardown(struct fz_mmfs *m);

#endif
