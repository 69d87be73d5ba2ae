/*
 * swap.c - the machine's swap device: a host image file driven through
 * the block layer, in Linux's swap format (mkswap's version-1 header in
 * its first page, slot n at byte n * 4096), and swapon/swapoff.
 *
 * src/mm owns the swap area's slots and swap cache (swapfile.c); this file
 * only moves pages to and from the image, so the core never sees a device.
 * An image nobody named is an unlinked temporary file: the host pays only
 * for the slots written (the file is sparse).
 */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"

struct swap_dev {
	struct blk_dev *dev;
};

static void swap_io_done(struct blk_req *r)
{
	(void)r;
}

/* One page, on the calling thread (the faulting or reclaiming CPU waits
 * for it anyway; an engine round trip would double its cost).  Never
 * called from a block completion. */
static int swap_dev_io(void *arg, uint64_t slot, void *buf, enum blk_op op)
{
	struct swap_dev *d = arg;
	struct blk_req r;
	memset(&r, 0, sizeof r);
	r.op = op;
	r.sector = slot << (PAGE_SHIFT - BLK_SECTOR_SHIFT);
	r.buf = buf;
	r.len = PAGE_SIZE;
	r.end_io = swap_io_done;
	int err = blk_submit_inline(d->dev, &r);
	return err ? err : r.result;
}

static int swap_dev_read(void *arg, uint64_t slot, void *buf)
{
	return swap_dev_io(arg, slot, buf, BLK_OP_READ);
}

static int swap_dev_write(void *arg, uint64_t slot, const void *buf)
{
	return swap_dev_io(arg, slot, (void *)buf, BLK_OP_WRITE);
}

static void swap_dev_release(void *arg)
{
	struct swap_dev *d = arg;
	blk_close(d->dev);
	free(d);
}

static const struct swap_ops swap_dev_ops = {
	.read = swap_dev_read,
	.write = swap_dev_write,
	.release = swap_dev_release,
};

/* mkswap's header: the last slot's number, and the magic at the page's end. */
static int write_swap_header(struct swap_dev *d, uint64_t slots)
{
	uint8_t *h = blk_buf_alloc(PAGE_SIZE);
	if (!h)
		return -ENOMEM;
	uint32_t version = 1, last_page = (uint32_t)(slots - 1);
	memcpy(h + 1024, &version, 4);
	memcpy(h + 1028, &last_page, 4);
	/* nr_badpages 0; a fixed UUID and no label keep images identical. */
	memcpy(h + 1036, "mmsim-swap-uuid!", 16);
	memcpy(h + PAGE_SIZE - 10, "SWAPSPACE2", 10);
	int err = swap_dev_write(d, 0, h);
	free(h);
	return err;
}

/* A temporary image: created, opened, unlinked (gone when closed). */
static int open_temp_image(uint64_t bytes, struct blk_dev **dev)
{
	const char *t = getenv("TMPDIR");
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/mmsim-swap-XXXXXX", t && *t ? t : "/var/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	close(fd);
	struct blk_open_opts o = { .nr_sectors = bytes >> BLK_SECTOR_SHIFT,
				   .flags = BLK_OPEN_CREATE | BLK_OPEN_BUFFERED };
	int err = blk_open(path, &o, dev);
	unlink(path);
	return err;
}

int mmsim_swapon(struct mmsim *m, uint64_t bytes, const char *path)
{
	uint64_t slots = bytes >> PAGE_SHIFT;
	if (m->mm.swap)
		return -EBUSY;
	if (slots < 2 || slots > SWAP_MAX_SLOTS)
		return -EINVAL;
	struct swap_dev *d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	int err;
	if (path) {
		struct blk_open_opts o = { .nr_sectors = slots << (PAGE_SHIFT - BLK_SECTOR_SHIFT),
					   .flags = BLK_OPEN_CREATE | BLK_OPEN_BUFFERED };
		err = blk_open(path, &o, &d->dev);
	} else {
		err = open_temp_image(slots << PAGE_SHIFT, &d->dev);
	}
	if (err) {
		free(d);
		return err;
	}
	if ((err = write_swap_header(d, slots)) ||
	    (err = swap_on(&m->mm, slots, &swap_dev_ops, d))) {
		swap_dev_release(d);
		return err;
	}
	return 0;
}

int mmsim_swapoff(struct mmsim *m)
{
	if (!m->mm.swap)
		return -EINVAL;
	/* The kernel's work, on CPU 0: every address space's swap entries. */
	struct hw_cpu *cpu = &m->hw->cpu[0];
	pthread_mutex_lock(&m->lock);
	struct mm_struct **mms = calloc((size_t)m->ntasks + 1, sizeof *mms);
	if (!mms) {
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	unsigned n = 0;
	for (int i = 0; i < m->ntasks; i++) {
		struct mm_struct *mm = m->tasks[i]->mm;
		bool seen = false;
		for (unsigned k = 0; k < n && !seen; k++)
			seen = mms[k] == mm;	/* threads share one */
		if (!seen && mm) {
			/* Held as a user (Linux's mmget): a process exiting
			 * meanwhile leaves its mm to us. */
			__atomic_add_fetch(&mm->users, 1, __ATOMIC_RELAXED);
			mms[n++] = mm;
		}
	}
	/* Not under the machine's lock: bringing pages back may charge a
	 * memcg at its limit, and its OOM kill takes that lock. */
	pthread_mutex_unlock(&m->lock);
	int err = swap_off(&m->mm, cpu, mms, n);
	for (unsigned k = 0; k < n; k++)
		if (__atomic_sub_fetch(&mms[k]->users, 1, __ATOMIC_ACQ_REL) == 0)
			mm_destroy(mms[k], cpu);
	free(mms);
	return err;
}

void swap_teardown(struct mmsim *m)
{
	swap_destroy(&m->mm);
}
