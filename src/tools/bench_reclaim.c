/*
 * bench_reclaim.c - `mmsim bench reclaim`: what reclaim and swap cost.
 *
 *  - Clean file pages: a tmpfs file read (clean pages in its page cache),
 *    mapped shared and touched, then MADV_PAGEOUT over the mapping, which
 *    unmaps every page through rmap and drops it: pages freed per second.
 *  - Swap-out: anonymous pages written, MADV_PAGEOUT writes each to the
 *    swap image; swap-in: mapped again from the swap cache, freed by a
 *    second pageout (clean), then read back page by page, each fault
 *    reading its slot.
 *    Both in MB/s beside the host writing and reading the same image file
 *    sequentially, 4 KiB at a time as mmsim does, in the same run (the
 *    ratios are mmsim / host: higher is better for mmsim).
 *  - Simulated cycles per page reclaimed (the swap-out run's).
 *  - Under a memory cgroup limit: anonymous pages written by a task whose
 *    cgroup's memory.max is a quarter of them, so its own charges reclaim
 *    and swap the rest (memcg reclaim): MB/s written.
 * The image lives in --dir (default $TMPDIR or /var/tmp) and is removed.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmsim/mmsim.h>

#include "util.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static int fail(const char *what)
{
	fprintf(stderr, "mmsim bench reclaim: %s\n", what);
	return 1;
}

/* A machine big enough for `pages` pages twice over, and a task on it. */
static struct mmsim *reclaim_machine(uint64_t pages, struct mmsim_task **t)
{
	struct mmsim_config cfg;
	struct mmsim *m = NULL;
	mmsim_config_default(&cfg);
	cfg.nodes = 1;
	cfg.cpus = 1;
	cfg.files = MMSIM_FILES_TMPFS;
	cfg.mem_per_node = ((2 * pages * PAGE) + (64ULL << 20)) & ~((2ULL << 20) - 1);
	struct mmsim_task_attr a;
	mmsim_task_attr_default(&a);
	if (mmsim_create(&cfg, &m) || mmsim_task_create(m, &a, t)) {
		mmsim_destroy(m);
		return NULL;
	}
	return m;
}

static uint64_t machine_cycles(struct mmsim *m)
{
	struct mmsim_counters c;
	mmsim_counters_machine(m, &c);
	return c.cycles;
}

/* Clean page-cache pages dropped by MADV_PAGEOUT, per second. */
static int file_pages_per_s(uint64_t pages, double *rate)
{
	struct mmsim_task *t;
	struct mmsim *m = reclaim_machine(pages, &t);
	if (!m)
		return fail("cannot create the machine");
	int err = 1;
	long fd = mmsim_sys_open(t, "bench", MMSIM_O_RDWR | MMSIM_O_CREAT, 0644);
	uint8_t *buf = malloc(1 << 20);
	if (fd >= 0 && buf && !mmsim_sys_ftruncate(t, (int)fd, pages * PAGE)) {
		long a = mmsim_sys_mmap(t, 0, pages * PAGE, PROT_READ, MAP_SHARED, (int)fd, 0);
		for (uint64_t off = 0; a >= 0 && off < pages * PAGE; off += 1 << 20)
			mmsim_sys_pread(t, (int)fd, buf, 1 << 20, off);	/* clean pages */
		uint8_t b;
		for (uint64_t i = 0; a >= 0 && i < pages; i++)
			mmsim_load8(t, (uint64_t)a + i * PAGE, &b);		/* mapped */
		double t0 = now_seconds();
		if (a >= 0 && !mmsim_sys_madvise(t, (uint64_t)a, pages * PAGE, MADV_PAGEOUT)) {
			*rate = (double)pages / (now_seconds() - t0);
			err = 0;
		}
	}
	free(buf);
	mmsim_destroy(m);
	return err ? fail("the file run failed") : 0;
}

struct swap_run {
	double out_mbps, in_mbps, cycles_per_page;
};

static int swap_rates(uint64_t pages, const char *image, struct swap_run *sr)
{
	struct mmsim_task *t;
	struct mmsim *m = reclaim_machine(pages, &t);
	if (!m)
		return fail("cannot create the machine");
	/* Room to spare: a swap area more than half full frees slots on
	 * swap-in (vm_swap_full), which would change what is measured. */
	int err = mmsim_swapon(m, 4 * (pages + 1) * PAGE, image);
	long a = err ? -1 : mmsim_sys_mmap(t, 0, pages * PAGE, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (uint64_t i = 0; a >= 0 && i < pages; i++)
		mmsim_fill(t, (uint64_t)a + i * PAGE, (int)(i & 0xff) | 1, PAGE, NULL);
	double mb = (double)(pages * PAGE) / 1e6;
	uint64_t c0 = machine_cycles(m);
	double t0 = now_seconds();
	if (a >= 0 && !mmsim_sys_madvise(t, (uint64_t)a, pages * PAGE, MADV_PAGEOUT)) {
		double dt = now_seconds() - t0;
		sr->out_mbps = mb / dt;
		sr->cycles_per_page = (double)(machine_cycles(m) - c0) / (double)pages;
		/* Clean in the swap cache now: mapped again (minor faults), a
		 * second pageout frees them; the next reads come from the image. */
		uint8_t b;
		for (uint64_t i = 0; i < pages; i++)
			mmsim_load8(t, (uint64_t)a + i * PAGE, &b);
		mmsim_sys_madvise(t, (uint64_t)a, pages * PAGE, MADV_PAGEOUT);
		t0 = now_seconds();
		for (uint64_t i = 0; i < pages; i++)
			mmsim_load8(t, (uint64_t)a + i * PAGE, &b);
		sr->in_mbps = mb / (now_seconds() - t0);
		struct mmsim_vmstat vs;
		mmsim_vmstat(m, &vs);
		if (vs.ev[MMSIM_VM_pswpout] < pages || vs.ev[MMSIM_VM_pswpin] < pages)
			a = -1;	/* not what was measured */
	}
	mmsim_destroy(m);
	return a < 0 ? fail("the swap run failed (or did not swap every page)") : 0;
}

/* Pages written under memory.max = a quarter of them: MB/s. */
static int memcg_rate(uint64_t pages, const char *image, double *mbps)
{
	struct mmsim_task *t;
	struct mmsim *m = reclaim_machine(pages, &t);
	struct mmsim_cgroup *cg = NULL;
	char lim[32];
	if (!m)
		return fail("cannot create the machine");
	snprintf(lim, sizeof lim, "%llu", (unsigned long long)(pages / 4 * PAGE));
	int err = mmsim_swapon(m, 4 * (pages + 1) * PAGE, image) ||
		  mmsim_cgroup_create(m, "bench", NULL, &cg) ||
		  mmsim_cgroup_write(cg, "memory.max", lim) || mmsim_cgroup_attach(cg, t);
	long a = err ? -1 : mmsim_sys_mmap(t, 0, pages * PAGE, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0 = now_seconds();
	for (uint64_t i = 0; a >= 0 && i < pages; i++)
		if (mmsim_fill(t, (uint64_t)a + i * PAGE, (int)(i & 0xff) | 1, PAGE, NULL))
			a = -1;
	*mbps = (double)(pages * PAGE) / 1e6 / (now_seconds() - t0);
	struct mmsim_vmstat vs;
	mmsim_vmstat(m, &vs);
	if (vs.ev[MMSIM_VM_pswpout] < pages / 2)
		a = -1;	/* the limit did not reclaim */
	mmsim_destroy(m);
	return a < 0 ? fail("the memcg run failed") : 0;
}

/* The host writing, then reading, the image sequentially 4 KiB at a time,
 * buffered as the swap area's I/O is; the image made afresh first, so the
 * host fills a new sparse file as the swap-out did. */
static int host_rates(const char *image, uint64_t pages, double *w_mbps, double *r_mbps)
{
	static uint8_t page[PAGE] __attribute__((aligned(PAGE)));
	unlink(image);
	int fd = open(image, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fail("cannot open the image for the host baseline");
	memset(page, 0xa5, sizeof page);
	double mb = (double)(pages * PAGE) / 1e6, t0 = now_seconds();
	int err = 0;
	for (uint64_t i = 1; i <= pages && !err; i++)
		err = pwrite(fd, page, PAGE, (off_t)(i * PAGE)) != (ssize_t)PAGE;
	*w_mbps = mb / (now_seconds() - t0);
	t0 = now_seconds();
	for (uint64_t i = 1; i <= pages && !err; i++)
		err = pread(fd, page, PAGE, (off_t)(i * PAGE)) != (ssize_t)PAGE;
	*r_mbps = mb / (now_seconds() - t0);
	close(fd);
	return err ? fail("host I/O on the image failed") : 0;
}

int bench_reclaim(struct report *r, const struct bench_opts *o)
{
	uint64_t pages = o->pages;
	char image[4096];
	snprintf(image, sizeof image, "%s/mmsim-bench-swap-%d.img", o->dir, (int)getpid());
	double file_rate = 0, hw = 0, hr = 0, memcg = 0;
	struct swap_run sr = { 0 };
	int err = file_pages_per_s(pages, &file_rate) || swap_rates(pages, image, &sr) ||
		  host_rates(image, pages, &hw, &hr) || memcg_rate(pages, image, &memcg);
	unlink(image);
	if (err)
		return 1;
	put(r, "reclaim.pages", (double)pages, "pages");
	put(r, "reclaim.file_pages_per_s", file_rate, "pages/s");
	put(r, "reclaim.swapout_mbps", sr.out_mbps, "MB/s");
	put(r, "reclaim.host_write_mbps", hw, "MB/s");
	put(r, "reclaim.swapout_ratio", sr.out_mbps / hw, "x host write (higher is better)");
	put(r, "reclaim.swapin_mbps", sr.in_mbps, "MB/s");
	put(r, "reclaim.host_read_mbps", hr, "MB/s");
	put(r, "reclaim.swapin_ratio", sr.in_mbps / hr, "x host read (higher is better)");
	put(r, "reclaim.cycles_per_page", sr.cycles_per_page, "simulated cycles");
	put(r, "reclaim.memcg_write_mbps", memcg, "MB/s");
	put(r, "reclaim.memcg_ratio", memcg / hw, "x host write (higher is better)");
	return 0;
}
