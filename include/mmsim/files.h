/*
 * mmsim/files.h - files: the machine's disks, the filesystem on them, the
 * file system calls, power loss and reboot.
 *
 * A machine's files live in mmfs on a bcache cache set made of two disk
 * images (cache.img, backing.img) in a directory.  Without a call to
 * mmsim_disks_attach() the first file system call makes fresh images in a
 * temporary directory that mmsim_destroy() removes.  File pages live in
 * the page cache and reach the disk through writepage: on fsync, msync
 * (MS_SYNC), when the writeback thread runs, or at a clean shutdown.
 *
 * Every call returns the Linux value or -errno.
 */
#ifndef MMSIM_FILES_H
#define MMSIM_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mmsim;
struct mmsim_task;

/* Open flags: Linux's values. */
#define MMSIM_O_RDONLY 00
#define MMSIM_O_WRONLY 01
#define MMSIM_O_RDWR 02
#define MMSIM_O_ACCMODE 03
#define MMSIM_O_CREAT 0100
#define MMSIM_O_EXCL 0200
#define MMSIM_O_TRUNC 01000

/*
 * Uses the disk images in dir (created and formatted if absent, else
 * registered: their journal replayed, *replayed (may be NULL) gets the
 * number of keys).  dir NULL: a temporary directory, removed at destroy.
 * -EBUSY if the machine has disks already; why (may be NULL) gets the
 * reason of a failure.
 */
int mmsim_disks_attach(struct mmsim *m, const char *dir, uint64_t *replayed, char *why,
		       unsigned whylen);
/* The names of the files on the machine's disks (attaching default disks
 * if none): calls fn for each; stops at a non-zero return. */
int mmsim_files_list(struct mmsim *m, int (*fn)(void *arg, const char *name, uint64_t size),
		     void *arg);

/* Checks the machine's disks as they are now (the cache set's btree and
 * journal, mmfs's inodes and block maps), printing problems to out (may be
 * NULL).  The number of problems, or -errno. */
long mmsim_disks_fsck(struct mmsim *m, FILE *out);

long mmsim_sys_open(struct mmsim_task *t, const char *name, int flags, unsigned mode);
long mmsim_sys_close(struct mmsim_task *t, int fd);
long mmsim_sys_pread(struct mmsim_task *t, int fd, void *buf, uint64_t len, uint64_t off);
long mmsim_sys_pwrite(struct mmsim_task *t, int fd, const void *buf, uint64_t len,
		      uint64_t off);
long mmsim_sys_ftruncate(struct mmsim_task *t, int fd, uint64_t len);
long mmsim_sys_fsync(struct mmsim_task *t, int fd);

/*
 * Power loss now: every disk write not covered by a completed flush is
 * lost (torn: the last may land in part, cut at a sector boundary chosen
 * from seed).  Memory keeps running, but every disk access fails with
 * -EIO until mmsim_reboot().
 */
int mmsim_crash(struct mmsim *m, bool torn, uint64_t seed);
/* Arms a power loss at the cache disk's `requests`-th request from now, in
 * the middle of whatever is running then (every disk access fails with
 * -EIO from there on); mmsim_crash() afterwards completes it. */
int mmsim_crash_after(struct mmsim *m, uint64_t requests, bool torn, uint64_t seed);
/*
 * Restarts the machine from its disks: every task exits, the page cache
 * is dropped (written first when there was no crash: a clean shutdown),
 * the cache set is registered again - *replayed (may be NULL) gets the
 * number of journal keys replayed - and the filesystem mounted.  The
 * machine has no task afterwards.
 */
int mmsim_reboot(struct mmsim *m, uint64_t *replayed, char *why, unsigned whylen);

/*
 * The writeback thread (off by default, so that runs are repeatable):
 * every interval_ms it writes the dirty pages of every file.  Runs on no
 * simulated CPU.  mmsim_writeback_run() is one such pass, synchronously:
 * the number of pages written, or -errno.
 */
int mmsim_writeback_start(struct mmsim *m, unsigned interval_ms);
void mmsim_writeback_stop(struct mmsim *m);
long mmsim_writeback_run(struct mmsim *m);

#ifdef __cplusplus
}
#endif
#endif
