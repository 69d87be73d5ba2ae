/*
 * fs.h - mmfs, the small filesystem on the cached block device, and the
 * machine's disks it lives on.
 *
 * Modules:
 *   disks.c  the machine's two disk images (cache.img, backing.img) in a
 *            directory: created and formatted when absent, registered
 *            (journal replayed) when present; power loss; reboot.
 *   mmfs.c   the filesystem: superblock, a flat table of inodes, per-file
 *            block maps, block allocation, fsync of metadata, fsck.
 *   mmfs_aops.c  mmfs's address_space operations: how the page cache reads,
 *            writes and migrates a file's pages (through buffer heads).
 *
 * The filesystem is a client of the cache set like any other: it reads and
 * writes 4 KiB blocks of the cached device (bch_cached_read/write) and asks
 * for durability with bch_cached_flush.  It never touches the page cache:
 * src/mm asks it for block mappings (mmfs_bmap) and moves data between
 * page frames and blocks (mmfs_read_block/mmfs_write_block).
 *
 * Crash safety (what a reboot may find)
 *  - A 4 KiB block write through the cache set is atomic: after a crash a
 *    block reads back as its old or its new content, never a mix.
 *  - Ordered metadata: a block map or size that names a block is written
 *    only after that block's data is durable (mmfs_sync_inode: flush, then
 *    the metadata blocks, then flush).  So after a crash a file block reads
 *    back as data written to it or as zeros, never another file's bytes.
 *  - A freed block is reused only after the metadata that freed it is
 *    durable.  The free-space map is never written: mount rebuilds it from
 *    the block maps, so a crash cannot leak or double-allocate a block.
 *
 * Locking: each mmfs has one mutex (fs->lock) for its metadata; every
 * function may be called from any thread.  Block reads and writes of file
 * data run outside it.  Callers must not hold mm spinlocks across a call
 * (they sleep on I/O).
 */
#ifndef MMSIM_FS_H
#define MMSIM_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MMFS_BLOCK_SHIFT 12
#define MMFS_BLOCK_SIZE (1u << MMFS_BLOCK_SHIFT)
#define MMFS_NAME_MAX 63		/* bytes in a file name, without the NUL */

struct mmfs;
struct mmfs_inode;
struct mmfs_disks;

/* ---- disks.c: the machine's disk images ------------------------------------------ */

struct mmfs_disks_opts {
	const char *dir;	/* NULL: a fresh temporary directory, removed by close */
	uint64_t cache_bytes;	/* size of a new cache.img (default 64 MiB) */
	uint64_t backing_bytes;	/* size of a new backing.img (default 256 MiB) */
	FILE *log;		/* recovery notices; NULL: none */
	/* Repeatable runs: no timer-driven journal writes and no bcache
	 * writeback thread, so what a crash keeps depends only on the
	 * calls made (scenarios print the keys replayed). */
	bool deterministic;
};
void mmfs_disks_opts_default(struct mmfs_disks_opts *o);

/*
 * Opens the disks in o->dir: if the images do not exist they are created,
 * the cache set formatted (writeback mode) and an empty mmfs made on the
 * cached device; otherwise the set is registered (its journal replayed:
 * *replayed gets the number of keys replayed) and the mmfs mounted.
 * why gets a reason on failure (-errno returned).
 */
int mmfs_disks_open(const struct mmfs_disks_opts *o, struct mmfs_disks **out,
		    uint64_t *replayed, char *why, size_t whylen);
struct mmfs *mmfs_disks_fs(struct mmfs_disks *d);
/* The registered cache set (tests and diagnostics). */
struct cache_set *mmfs_disks_set(struct mmfs_disks *d);
const char *mmfs_disks_dir(const struct mmfs_disks *d);

/*
 * Power loss now: every write not covered by a completed flush is dropped
 * (torn: the last of them may land in part, cut at a sector boundary chosen
 * from seed).  Afterwards every I/O of the fs fails with -EIO until
 * mmfs_disks_reboot.  Inodes handed out before are dead after a reboot.
 */
int mmfs_disks_crash(struct mmfs_disks *d, bool torn, uint64_t seed);
/*
 * Arms a power loss at the nreq-th request (nreq >= 1) the cache device
 * gets from now, so a crash can fall inside an operation (a sync's
 * ordered writes).  From then every I/O fails; then call mmfs_disks_crash
 * (which finishes the power loss with torn and seed) and mmfs_disks_reboot.
 */
int mmfs_disks_crash_after(struct mmfs_disks *d, uint64_t nreq, bool torn, uint64_t seed);
/*
 * Restarts from the images: without a crash first, a clean shutdown (the
 * fs synced, the set stopped cleanly); after one, everything in memory is
 * dropped unwritten.  Then registers the set again (replay; *replayed gets
 * the keys replayed) and mounts the fs.  Old mmfs_inode pointers are gone.
 */
int mmfs_disks_reboot(struct mmfs_disks *d, uint64_t *replayed, char *why, size_t whylen);
/* Both fscks on the images as they are now: bch_fsck of the cache device,
 * then mmfs_fsck (reading through the registered set).  out may be NULL.
 * The number of problems, or -errno. */
long mmfs_disks_fsck(struct mmfs_disks *d, FILE *out);
/* Clean shutdown (unless crashed) and free; removes a temporary directory. */
int mmfs_disks_close(struct mmfs_disks *d);

/* ---- mmfs.c: the filesystem ------------------------------------------------------ */

/* Makes an empty filesystem on the cached device (all of it). */
struct cached_dev;
int mmfs_format(struct cached_dev *dc);
/* Mounts the fs on dc: reads the superblock and inodes, checks them,
 * rebuilds the free map.  -EUCLEAN (with why) on a corrupt fs. */
int mmfs_mount(struct cached_dev *dc, struct mmfs **out, char *why, size_t whylen);
/* Writes back all metadata and flushes (unless the disk is dead), frees. */
int mmfs_unmount(struct mmfs *fs);

/* A new empty file of `size` bytes (sparse): -EEXIST, -ENAMETOOLONG,
 * -EINVAL (empty name), -ENOSPC (no free inode), -EFBIG (size too big). */
int mmfs_create(struct mmfs *fs, const char *name, uint64_t size, struct mmfs_inode **out);
/* The file called name, or NULL. */
struct mmfs_inode *mmfs_lookup(struct mmfs *fs, const char *name);
/* Calls fn for every file (in inode order); stops at a non-zero return. */
int mmfs_for_each(struct mmfs *fs, int (*fn)(void *arg, struct mmfs_inode *ino), void *arg);
const char *mmfs_name(const struct mmfs_inode *ino);
unsigned mmfs_ino(const struct mmfs_inode *ino);
struct mmfs *mmfs_of(const struct mmfs_inode *ino);
uint64_t mmfs_size(const struct mmfs_inode *ino);
/* Changes the size (ftruncate): blocks wholly past the new end are freed;
 * the tail of a kept last block past the end reads as zeros afterwards
 * only if the caller zeroes it (the page cache does). */
int mmfs_set_size(struct mmfs_inode *ino, uint64_t size);

/*
 * Block mapping (bmap / get_block): file block lblk -> device block.
 * With create false a hole gives *pblk = 0 (block 0 is never data).  With
 * create true a hole gets a newly allocated block (-ENOSPC when full):
 * its content is undefined until the caller writes it, and the mapping is
 * durable only after mmfs_sync_inode.  -EFBIG past the largest file.
 */
int mmfs_bmap(struct mmfs_inode *ino, uint64_t lblk, bool create, uint64_t *pblk);
/* One 4 KiB block of the device, synchronously.  -EIO after a crash. */
int mmfs_read_block(struct mmfs *fs, uint64_t pblk, void *buf);
int mmfs_write_block(struct mmfs *fs, uint64_t pblk, const void *buf);
/*
 * fsync's metadata half: every block written so far is made durable
 * (flush), then the inode's size and block map, then flush again.  After
 * it returns 0 every byte the caller wrote to the file's blocks before the
 * call survives a crash.
 */
int mmfs_sync_inode(struct mmfs_inode *ino);
/* Every dirty inode synced (sync(2)). */
int mmfs_sync_all(struct mmfs *fs);

/* Whole-range I/O without a page cache (tools, tests): holes read as zeros,
 * writes allocate; reads stop at the size, writes past it extend it. */
ssize_t mmfs_pread(struct mmfs_inode *ino, void *buf, size_t len, uint64_t off);
ssize_t mmfs_pwrite(struct mmfs_inode *ino, const void *buf, size_t len, uint64_t off);

/* Checks the fs as on disk (superblock, inodes, block maps: in range, no
 * block used twice).  Prints problems to out; returns their number, or
 * -errno when it cannot read. */
long mmfs_fsck(struct mmfs *fs, FILE *out);

/* ---- mmfs_aops.c: the page cache's view of an mmfs file ------------------------------ */

/* readpage / writepage / migratepage / releasepage of mmfs files; a
 * mapping using them has an mmfs_inode as host. */
struct address_space_operations;
extern const struct address_space_operations mmfs_aops;

#endif
