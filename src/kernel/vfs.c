/*
 * vfs.c - the kernel's side of files: the machine's disks, the in-memory
 * inodes (one page cache per file), open files and file descriptors, the
 * file system calls, the writeback thread, power loss and reboot.
 *
 * What it owns: struct vfs (one per machine, created on first use), its
 * list of inodes - each an mmfs_inode and the address_space that caches
 * it, kept until reboot or destroy - and each task's descriptor table.
 * It reaches the page cache through src/mm (pagecache_get_page,
 * filemap_fsync_range, truncate_inode_pages) and the disk through src/fs;
 * it never touches a page table.
 *
 * With MMSIM_FILES_TMPFS there are no disks: files are tmpfs files, each
 * an inode with a name and a shared-memory object (shmem_file_create),
 * as Linux's tmpfs, which the reference runs scenarios on.  Their pages
 * are never written back (fsync and msync have nothing to do) and the
 * files last as long as the machine.
 *
 * Locking: vfs->lock guards the disks pointer, the inode list and the
 * crashed flag; it is never held across I/O or page-cache work.  A file's
 * size changes under inode->size_lock (write past the end, truncate).
 */
#include "kernel.h"
#include "fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vfs_inode {
	struct vfs_inode *next;
	struct mmfs_inode *fi;		/* NULL for a tmpfs file */
	char *name;			/* a tmpfs file's (mmfs knows its own) */
	struct address_space *mapping;	/* host = fi; the list holds a reference */
	pthread_mutex_t size_lock;
};

struct file {
	struct vfs_inode *inode;
	int flags;
	uint64_t id;		/* unique per open (VMAs of two opens never merge) */
	/* Where the last read ended (Linux's f_ra.prev_pos: -1 at open);
	 * relaxed atomics, as two threads may read through one open. */
	uint64_t prev_pos;
};

static uint64_t next_file_id = 1;

struct vfs {
	pthread_mutex_t lock;
	struct mmfs_disks *disks;
	bool crashed;
	struct vfs_inode *inodes;
	/* the writeback thread */
	pthread_mutex_t wb_lock;
	pthread_cond_t wb_cond;
	pthread_t wb_thread;
	bool wb_running, wb_stop;
	unsigned wb_interval_ms;
};

static void background_writeback(void *arg, uint64_t target);

static struct vfs *vfs_of(struct mmsim *m)
{
	pthread_mutex_lock(&m->lock);
	if (!m->vfs) {
		struct vfs *v = calloc(1, sizeof *v);
		if (v) {
			pthread_mutex_init(&v->lock, NULL);
			pthread_mutex_init(&v->wb_lock, NULL);
			pthread_cond_init(&v->wb_cond, NULL);
			m->vfs = v;
			m->mm.flusher_arg = m;
			__atomic_store_n(&m->mm.flusher, background_writeback, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return m->vfs;
}

static bool files_tmpfs(const struct mmsim *m)
{
	return m->hw->cfg.files == MMSIM_FILES_TMPFS;
}

static void set_why(char *why, unsigned whylen, const char *msg)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
}

static int attach_locked(struct vfs *v, const char *dir, uint64_t *replayed, char *why,
			 unsigned whylen)
{
	struct mmfs_disks_opts o;
	char buf[256] = "";
	uint64_t r = 0;
	mmfs_disks_opts_default(&o);
	o.dir = dir;
	o.deterministic = true;
	int err = mmfs_disks_open(&o, &v->disks, &r, buf, sizeof buf);
	if (err) {
		v->disks = NULL;
		set_why(why, whylen, buf[0] ? buf : strerror(-err));
		return err;
	}
	if (replayed)
		*replayed = r;
	return 0;
}

int mmsim_disks_attach(struct mmsim *m, const char *dir, uint64_t *replayed, char *why,
		       unsigned whylen)
{
	if (files_tmpfs(m)) {
		set_why(why, whylen, "files are tmpfs files on this machine: it has no disks");
		return -ENODEV;
	}
	struct vfs *v = vfs_of(m);
	if (!v)
		return -ENOMEM;
	pthread_mutex_lock(&v->lock);
	int err = v->disks ? -EBUSY : attach_locked(v, dir, replayed, why, whylen);
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* The filesystem, attaching default disks the first time; NULL with *err
 * (-ENODEV when files are tmpfs files: there are no disks). */
static struct mmfs *vfs_fs(struct mmsim *m, int *err)
{
	struct vfs *v = vfs_of(m);
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	if (files_tmpfs(m)) {
		*err = -ENODEV;
		return NULL;
	}
	pthread_mutex_lock(&v->lock);
	*err = v->disks ? 0 : attach_locked(v, NULL, NULL, NULL, 0);
	if (!*err && v->crashed)
		*err = -EIO;
	struct mmfs *fs = *err ? NULL : mmfs_disks_fs(v->disks);
	pthread_mutex_unlock(&v->lock);
	return fs;
}

/* -EIO between a crash and the reboot, else 0. */
static int vfs_dead(struct mmsim *m)
{
	struct vfs *v = m->vfs;
	pthread_mutex_lock(&v->lock);
	int err = v->crashed ? -EIO : 0;
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* The in-memory inode of fi, created on first use. */
static struct vfs_inode *inode_get(struct mmsim *m, struct mmfs_inode *fi, int *err)
{
	struct vfs *v = m->vfs;
	pthread_mutex_lock(&v->lock);
	struct vfs_inode *in;
	for (in = v->inodes; in; in = in->next)
		if (in->fi == fi)
			break;
	if (!in) {
		in = calloc(1, sizeof *in);
		if (in)
			in->mapping = mapping_create(&m->mm, &mmfs_aops, fi, mmfs_size(fi));
		if (!in || !in->mapping) {
			free(in);
			pthread_mutex_unlock(&v->lock);
			*err = -ENOMEM;
			return NULL;
		}
		in->fi = fi;
		in->mapping->ino = mmfs_ino(fi);
		in->mapping->dev_major = 254;	/* the cached device, as Linux's bcache0 */
		pthread_mutex_init(&in->size_lock, NULL);
		in->next = v->inodes;
		v->inodes = in;
	}
	pthread_mutex_unlock(&v->lock);
	return in;
}

/* The tmpfs file called name, created with O_CREAT; NULL with *err. */
static struct vfs_inode *tmpfs_lookup(struct mmsim *m, const char *name, int flags, int *err)
{
	struct vfs *v = vfs_of(m);
	struct vfs_inode *in;

	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!*name || strlen(name) > MMFS_NAME_MAX) {
		*err = *name ? -ENAMETOOLONG : -ENOENT;
		return NULL;
	}
	pthread_mutex_lock(&v->lock);
	for (in = v->inodes; in; in = in->next)
		if (!strcmp(in->name, name))
			break;
	*err = 0;
	if (in && (flags & MMSIM_O_CREAT) && (flags & MMSIM_O_EXCL))
		*err = -EEXIST;
	else if (!in && !(flags & MMSIM_O_CREAT))
		*err = -ENOENT;
	else if (!in && (in = calloc(1, sizeof *in))) {
		in->name = strdup(name);
		in->mapping = in->name ? shmem_file_create(&m->mm, in, 0) : NULL;
		if (in->mapping) {
			pthread_mutex_init(&in->size_lock, NULL);
			in->next = v->inodes;
			v->inodes = in;
		} else {
			free(in->name);
			free(in);
			in = NULL;
		}
	}
	if (!in && !*err)
		*err = -ENOMEM;
	pthread_mutex_unlock(&v->lock);
	return *err ? NULL : in;
}

/* A file's size on its filesystem (a tmpfs file has only the page cache's). */
static int inode_set_size(struct vfs_inode *in, uint64_t size)
{
	return in->fi ? mmfs_set_size(in->fi, size) : 0;
}

const char *vfs_mapping_name(struct mmsim *m, const struct address_space *mp)
{
	struct vfs *v = m->vfs;
	const char *name = NULL;

	if (!v)
		return NULL;
	pthread_mutex_lock(&v->lock);
	for (struct vfs_inode *in = v->inodes; in && !name; in = in->next)
		if (in->mapping == mp)
			name = in->fi ? mmfs_name(in->fi) : in->name;
	pthread_mutex_unlock(&v->lock);
	return name;
}

/* ---- descriptors ---------------------------------------------------------------- */

static struct file *fd_file(struct mmsim_task *t, int fd)
{
	if (fd < 0 || fd >= MMSIM_NR_FDS)
		return NULL;
	return t->files[fd];
}

void task_close_files(struct mmsim_task *t)
{
	for (int fd = 0; fd < MMSIM_NR_FDS; fd++) {
		free(t->files[fd]);
		t->files[fd] = NULL;
	}
}

int task_dup_files(struct mmsim_task *dst, const struct mmsim_task *src)
{
	for (int fd = 0; fd < MMSIM_NR_FDS; fd++) {
		if (!src->files[fd])
			continue;
		dst->files[fd] = malloc(sizeof *dst->files[fd]);
		if (!dst->files[fd]) {
			task_close_files(dst);
			return -ENOMEM;
		}
		*dst->files[fd] = *src->files[fd];
	}
	return 0;
}

struct address_space *file_mapping(struct mmsim_task *t, int fd, int *acc_mode,
				   uint64_t *file_id)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return NULL;
	*acc_mode = f->flags & MMSIM_O_ACCMODE;
	*file_id = f->id;
	return f->inode->mapping;
}

/* ---- sizes ---------------------------------------------------------------------- */

static void mapping_set_size(struct address_space *m, uint64_t size)
{
	__atomic_store_n(&m->i_size, size, __ATOMIC_RELAXED);
	__atomic_store_n(&m->nr_pages, (size + PAGE_SIZE - 1) >> PAGE_SHIFT, __ATOMIC_RELAXED);
}

/* Zeroes the cached bytes of page idx from `from` on (the tail a truncate
 * cuts off must not come back if the file grows again). */
static void zero_page_tail(struct mmsim *m, struct address_space *mp, uint64_t idx, unsigned from)
{
	struct page *p = find_get_page(&m->mm, mp, idx);
	if (!p)
		return;
	lock_page(p);
	if (p->mapping == (uintptr_t)mp)
		memset(hw_frame(m->hw, page_to_pfn(&m->mm, p)) + from, 0, PAGE_SIZE - from);
	unlock_page(p);
	put_page(&m->mm, p);
}

static int inode_truncate(struct mmsim_task *t, struct vfs_inode *in, uint64_t size)
{
	struct mmsim *m = t->m;
	struct address_space *mp = in->mapping;
	pthread_mutex_lock(&in->size_lock);
	uint64_t old = mp->i_size;
	int err = inode_set_size(in, size);
	if (!err)
		mapping_set_size(mp, size);
	if (!err && size < old) {
		truncate_inode_pages(&m->mm, task_enter(t), mp, (size + PAGE_SIZE - 1) >> PAGE_SHIFT);
		if (size & ~PAGE_MASK)
			zero_page_tail(m, mp, size >> PAGE_SHIFT, size & ~PAGE_MASK);
	}
	pthread_mutex_unlock(&in->size_lock);
	return err;
}

/* ---- system calls ----------------------------------------------------------------- */

long mmsim_sys_open(struct mmsim_task *t, const char *name, int flags, unsigned mode)
{
	(void)mode;	/* one user, files are 0666 */
	int err;
	struct vfs_inode *in;
	if ((flags & MMSIM_O_ACCMODE) == MMSIM_O_ACCMODE)
		return -EINVAL;
	int fd = 0;
	while (fd < MMSIM_NR_FDS && t->files[fd])
		fd++;
	if (fd == MMSIM_NR_FDS)
		return -EMFILE;
	if (files_tmpfs(t->m)) {
		if (!(in = tmpfs_lookup(t->m, name, flags, &err)))
			return err;
	} else {
		struct mmfs *fs = vfs_fs(t->m, &err);
		if (!fs)
			return err;
		struct mmfs_inode *fi = mmfs_lookup(fs, name);
		if (fi && (flags & MMSIM_O_CREAT) && (flags & MMSIM_O_EXCL))
			return -EEXIST;
		if (!fi) {
			if (!(flags & MMSIM_O_CREAT))
				return -ENOENT;
			if ((err = mmfs_create(fs, name, 0, &fi)))
				return err;
		}
		if (!(in = inode_get(t->m, fi, &err)))
			return err;
	}
	if ((flags & MMSIM_O_TRUNC) && (flags & MMSIM_O_ACCMODE) != MMSIM_O_RDONLY &&
	    (err = inode_truncate(t, in, 0)))
		return err;
	struct file *f = malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	f->inode = in;
	f->flags = flags;
	f->prev_pos = UINT64_MAX;
	f->id = __atomic_fetch_add(&next_file_id, 1, __ATOMIC_RELAXED);
	t->files[fd] = f;
	return fd;
}

long mmsim_sys_close(struct mmsim_task *t, int fd)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return -EBADF;
	free(f);
	t->files[fd] = NULL;
	return 0;
}

long mmsim_sys_ftruncate(struct mmsim_task *t, int fd, uint64_t len)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return -EBADF;
	if ((f->flags & MMSIM_O_ACCMODE) == MMSIM_O_RDONLY)
		return -EINVAL;
	if ((int64_t)len < 0)
		return -EINVAL;
	int err = vfs_dead(t->m);
	return err ? err : inode_truncate(t, f->inode, len);
}

/* Copies between buf and the cached page idx, through the page cache. */
static int copy_page_io(struct mmsim_task *t, struct hw_cpu *cpu, struct address_space *mp,
			uint64_t idx, unsigned off, void *buf, unsigned n, bool write, bool accessed)
{
	struct mmsim *m = t->m;
	int err = 0;
	struct page *p;
	/* No free page: reclaim (direct), as the allocator's slow path
	 * would, until reclaim gets nowhere MAX_RECLAIM_RETRIES times. */
	for (unsigned stuck = 0;;) {
		p = pagecache_get_page(&m->mm, cpu, mp, idx, cpu->node, mm_mems_allowed(t->mm), write,
				       &err, NULL);
		if (p || err != -ENOMEM || stuck == MAX_RECLAIM_RETRIES)
			break;
		if (try_to_free_pages(&m->mm, cpu, cpu->node, mm_mems_allowed(t->mm)))
			stuck = 0;
		else
			stuck++;
	}
	if (!p)
		return err;
	uint8_t *data = hw_frame(m->hw, page_to_pfn(&m->mm, p)) + off;
	if (write) {
		lock_page(p);
		memcpy(data, buf, n);
		set_page_dirty(p);
		unlock_page(p);
	} else {
		memcpy(buf, data, n);
	}
	if (accessed)
		mark_page_accessed(&m->mm, p);
	put_page(&m->mm, p);
	/* Between pages, with nothing held. */
	if (write)
		balance_dirty_pages_ratelimited(&m->mm);
	kswapd_run_pending(&m->mm, cpu);
	return 0;
}

/*
 * Does a read's copy from the page at pos mark it accessed?  A file's
 * read (Linux's filemap_read) marks every page it copies from, except a
 * first page that is the one the previous read through this open ended
 * in: reading a page in small steps counts one access.  A tmpfs file's
 * (shmem_file_read_iter) marks a page only when the copy starts at its
 * beginning.  A write marks nothing.
 */
static bool read_marks_accessed(struct file *f, const struct address_space *mp, uint64_t pos,
				bool first)
{
	if (!mapping_is_file(mp))
		return (pos & ~PAGE_MASK) == 0;
	uint64_t prev = __atomic_load_n(&f->prev_pos, __ATOMIC_RELAXED);
	return !first || prev == UINT64_MAX || prev == 0 ||
	       (prev - 1) >> PAGE_SHIFT != pos >> PAGE_SHIFT;
}

long mmsim_sys_pread(struct mmsim_task *t, int fd, void *buf, uint64_t len, uint64_t off)
{
	struct file *f = fd_file(t, fd);
	if (!f || (f->flags & MMSIM_O_ACCMODE) == MMSIM_O_WRONLY)
		return -EBADF;
	if ((int64_t)off < 0)
		return -EINVAL;
	struct hw_cpu *cpu = task_enter(t);
	struct address_space *mp = f->inode->mapping;
	uint64_t size = __atomic_load_n(&mp->i_size, __ATOMIC_RELAXED), done = 0;
	if (off >= size)
		return 0;
	if (len > size - off)
		len = size - off;
	while (done < len) {
		uint64_t pos = off + done;
		unsigned in_page = (unsigned)(pos & ~PAGE_MASK);
		unsigned n = (unsigned)(len - done < PAGE_SIZE - in_page ? len - done
									  : PAGE_SIZE - in_page);
		int err = copy_page_io(t, cpu, mp, pos >> PAGE_SHIFT, in_page, (uint8_t *)buf + done,
				       n, false, read_marks_accessed(f, mp, pos, done == 0));
		if (err) {
			if (done)
				__atomic_store_n(&f->prev_pos, off + done, __ATOMIC_RELAXED);
			return done ? (long)done : (err == -EFAULT ? 0 : err);
		}
		done += n;
	}
	__atomic_store_n(&f->prev_pos, off + done, __ATOMIC_RELAXED);
	return (long)done;
}

long mmsim_sys_pwrite(struct mmsim_task *t, int fd, const void *buf, uint64_t len, uint64_t off)
{
	struct file *f = fd_file(t, fd);
	if (!f || (f->flags & MMSIM_O_ACCMODE) == MMSIM_O_RDONLY)
		return -EBADF;
	if ((int64_t)off < 0 || off + len < off)
		return -EINVAL;
	int err = vfs_dead(t->m);
	if (err)
		return err;
	struct hw_cpu *cpu = task_enter(t);
	struct vfs_inode *in = f->inode;
	struct address_space *mp = in->mapping;
	if (!len)
		return 0;
	/* Grow the file first, so that the pages written are inside it. */
	pthread_mutex_lock(&in->size_lock);
	if (off + len > mp->i_size && !(err = inode_set_size(in, off + len)))
		mapping_set_size(mp, off + len);
	pthread_mutex_unlock(&in->size_lock);
	if (err)
		return err;
	uint64_t done = 0;
	while (done < len) {
		uint64_t pos = off + done;
		unsigned in_page = (unsigned)(pos & ~PAGE_MASK);
		unsigned n = (unsigned)(len - done < PAGE_SIZE - in_page ? len - done
									  : PAGE_SIZE - in_page);
		err = copy_page_io(t, cpu, mp, pos >> PAGE_SHIFT, in_page,
				   (uint8_t *)(uintptr_t)buf + done, n, true, false);
		if (err)
			return done ? (long)done : err;
		done += n;
	}
	return (long)done;
}

long mmsim_sys_fsync(struct mmsim_task *t, int fd)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return -EBADF;
	int err = vfs_dead(t->m);
	if (err)
		return err;
	return filemap_fsync_range(&t->m->mm, task_enter(t), f->inode->mapping, 0, UINT64_MAX);
}

long mmsim_sys_msync(struct mmsim_task *t, uint64_t addr, uint64_t len, int flags)
{
	return do_msync(t->mm, task_enter(t), addr, len, flags);
}

struct list_ctx {
	int (*fn)(void *arg, const char *name, uint64_t size);
	void *arg;
};

static int list_one(void *arg, struct mmfs_inode *fi)
{
	struct list_ctx *c = arg;
	return c->fn(c->arg, mmfs_name(fi), mmfs_size(fi));
}

int mmsim_files_list(struct mmsim *m, int (*fn)(void *arg, const char *name, uint64_t size),
		     void *arg)
{
	int err;
	if (files_tmpfs(m)) {
		struct vfs *v = vfs_of(m);
		if (!v)
			return -ENOMEM;
		err = 0;
		pthread_mutex_lock(&v->lock);
		for (struct vfs_inode *in = v->inodes; in && !err; in = in->next)
			err = fn(arg, in->name, __atomic_load_n(&in->mapping->i_size,
								 __ATOMIC_RELAXED));
		pthread_mutex_unlock(&v->lock);
		return err;
	}
	struct mmfs *fs = vfs_fs(m, &err);
	if (!fs)
		return err;
	struct list_ctx c = { fn, arg };
	return mmfs_for_each(fs, list_one, &c);
}

long mmsim_disks_fsck(struct mmsim *m, FILE *out)
{
	int err;
	if (!vfs_fs(m, &err))
		return err;
	return mmfs_disks_fsck(m->vfs->disks, out);
}

/* ---- writeback -------------------------------------------------------------------- */

/* The inodes, each with a mapping reference, for work outside vfs->lock. */
static struct address_space **snapshot_mappings(struct vfs *v, unsigned *n)
{
	pthread_mutex_lock(&v->lock);
	unsigned cnt = 0;
	for (struct vfs_inode *in = v->inodes; in; in = in->next)
		cnt++;
	struct address_space **a = calloc(cnt ? cnt : 1, sizeof *a);
	*n = 0;
	if (a)
		for (struct vfs_inode *in = v->inodes; in; in = in->next) {
			mapping_get(in->mapping);
			a[(*n)++] = in->mapping;
		}
	pthread_mutex_unlock(&v->lock);
	return a;
}

/*
 * The flusher's background work (Linux's wb_writeback of background
 * writeback): the files' dirty pages are written, 1024 pages at a time
 * (MAX_WRITEBACK_PAGES), file by file in the file system's inode order,
 * until the machine has no more than target dirty.  Data only: the
 * metadata waits for an fsync or the writeback thread, as a journalling
 * file system's commit does.  It runs on no CPU, as kernel threads do.
 */
static void background_writeback(void *arg, uint64_t target)
{
	struct mmsim *m = arg;
	struct vfs *v = m->vfs;
	pthread_mutex_lock(&v->lock);
	bool live = v->disks && !v->crashed;
	pthread_mutex_unlock(&v->lock);
	if (!live)
		return;
	unsigned n;
	struct address_space **a = snapshot_mappings(v, &n);
	if (!a)
		return;
	const uint64_t *dirty = &m->mm.nr_file_dirty;
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = __atomic_load_n(&a[i]->nr_pages, __ATOMIC_RELAXED);
		for (uint64_t from = 0; from < end && __atomic_load_n(&a[i]->nr_dirty, __ATOMIC_RELAXED) &&
					__atomic_load_n(dirty, __ATOMIC_RELAXED) > target;
		     from += 1024)
			filemap_write_and_wait_range(&m->mm, NULL, a[i], from, from + 1024);
		mapping_put(&m->mm, a[i]);
	}
	free(a);
}

/*
 * Every file's dirty pages, then one metadata sync for the whole
 * filesystem (not one per file: each is two flushes).  The count is the
 * pages found dirty when each file's turn came.
 */
long mmsim_writeback_run(struct mmsim *m)
{
	struct vfs *v = vfs_of(m);
	if (!v)
		return -ENOMEM;
	pthread_mutex_lock(&v->lock);
	struct mmfs *fs = v->disks && !v->crashed ? mmfs_disks_fs(v->disks) : NULL;
	int err = v->crashed ? -EIO : 0;
	pthread_mutex_unlock(&v->lock);
	if (!fs)
		return err;		/* no disks: nothing to write */
	unsigned n;
	struct address_space **a = snapshot_mappings(v, &n);
	if (!a)
		return -ENOMEM;
	long written = 0;
	for (unsigned i = 0; i < n; i++) {
		written += (long)__atomic_load_n(&a[i]->nr_dirty, __ATOMIC_RELAXED);
		int e = filemap_write_and_wait_range(&m->mm, NULL, a[i], 0, UINT64_MAX);
		if (e && !err)
			err = e;
		mapping_put(&m->mm, a[i]);
	}
	free(a);
	int e = mmfs_sync_all(fs);
	if (e && !err)
		err = e;
	return err ? err : written;
}

static void *writeback_thread(void *arg)
{
	struct mmsim *m = arg;
	struct vfs *v = m->vfs;
	pthread_mutex_lock(&v->wb_lock);
	while (!v->wb_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)v->wb_interval_ms * 1000000ull;
		ts.tv_sec += (time_t)(ns / 1000000000ull);
		ts.tv_nsec = (long)(ns % 1000000000ull);
		pthread_cond_timedwait(&v->wb_cond, &v->wb_lock, &ts);
		if (v->wb_stop)
			break;
		pthread_mutex_unlock(&v->wb_lock);
		mmsim_writeback_run(m);
		pthread_mutex_lock(&v->wb_lock);
	}
	pthread_mutex_unlock(&v->wb_lock);
	return NULL;
}

int mmsim_writeback_start(struct mmsim *m, unsigned interval_ms)
{
	struct vfs *v = vfs_of(m);
	if (!v)
		return -ENOMEM;
	if (!interval_ms)
		return -EINVAL;
	pthread_mutex_lock(&v->wb_lock);
	int err = 0;
	if (v->wb_running) {
		err = -EBUSY;
	} else {
		v->wb_interval_ms = interval_ms;
		v->wb_stop = false;
		err = -pthread_create(&v->wb_thread, NULL, writeback_thread, m);
		v->wb_running = !err;
	}
	pthread_mutex_unlock(&v->wb_lock);
	return err;
}

void mmsim_writeback_stop(struct mmsim *m)
{
	struct vfs *v = m->vfs;
	if (!v)
		return;
	pthread_mutex_lock(&v->wb_lock);
	bool running = v->wb_running;
	v->wb_stop = true;
	pthread_cond_broadcast(&v->wb_cond);
	pthread_mutex_unlock(&v->wb_lock);
	if (running)
		pthread_join(v->wb_thread, NULL);
	v->wb_running = false;
}

/* ---- crash, reboot, shutdown ---------------------------------------------------- */

int mmsim_crash(struct mmsim *m, bool torn, uint64_t seed)
{
	int err;
	if (!vfs_fs(m, &err))
		return err;
	struct vfs *v = m->vfs;
	pthread_mutex_lock(&v->lock);
	err = mmfs_disks_crash(v->disks, torn, seed);
	if (!err)
		v->crashed = true;
	pthread_mutex_unlock(&v->lock);
	return err;
}

int mmsim_crash_after(struct mmsim *m, uint64_t requests, bool torn, uint64_t seed)
{
	int err;
	if (!vfs_fs(m, &err))
		return err;
	struct vfs *v = m->vfs;
	pthread_mutex_lock(&v->lock);
	err = mmfs_disks_crash_after(v->disks, requests, torn, seed);
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* Every task gone, every inode dropped: written first unless crashed. */
static int vfs_drop_all(struct mmsim *m)
{
	struct vfs *v = m->vfs;
	int err = 0;
	mmsim_writeback_stop(m);
	while (m->ntasks)
		mmsim_task_exit(m->tasks[m->ntasks - 1]);
	lru_add_drain_all(&m->mm);
	if (!vfs_dead(m)) {
		long w = mmsim_writeback_run(m);
		if (w < 0)
			err = (int)w;
	}
	pthread_mutex_lock(&v->lock);
	struct vfs_inode *in = v->inodes;
	v->inodes = NULL;
	pthread_mutex_unlock(&v->lock);
	while (in) {
		struct vfs_inode *next = in->next;
		mapping_put(&m->mm, in->mapping);
		pthread_mutex_destroy(&in->size_lock);
		free(in->name);
		free(in);
		in = next;
	}
	lru_add_drain_all(&m->mm);
	return err;
}

int mmsim_reboot(struct mmsim *m, uint64_t *replayed, char *why, unsigned whylen)
{
	struct vfs *v = vfs_of(m);
	if (!v)
		return -ENOMEM;
	if (files_tmpfs(m)) {
		set_why(why, whylen, "files are tmpfs files on this machine: it has no disks");
		return -ENODEV;
	}
	/* A machine that never used a file gets its disks now: it reboots
	 * from empty ones. */
	pthread_mutex_lock(&v->lock);
	int err = v->disks ? 0 : attach_locked(v, NULL, NULL, why, whylen);
	pthread_mutex_unlock(&v->lock);
	if (err)
		return err;
	err = vfs_drop_all(m);
	char buf[256] = "";
	uint64_t r = 0;
	int e = mmfs_disks_reboot(v->disks, &r, buf, sizeof buf);
	pthread_mutex_lock(&v->lock);
	v->crashed = false;
	pthread_mutex_unlock(&v->lock);
	if (e) {
		set_why(why, whylen, buf[0] ? buf : strerror(-e));
		return e;
	}
	if (err)
		set_why(why, whylen, "writing the page cache before the restart failed");
	if (replayed)
		*replayed = r;
	return err;
}

void vfs_destroy(struct mmsim *m)
{
	struct vfs *v = m->vfs;
	if (!v)
		return;
	vfs_drop_all(m);
	if (v->disks)
		mmfs_disks_close(v->disks);
	pthread_mutex_destroy(&v->lock);
	pthread_mutex_destroy(&v->wb_lock);
	pthread_cond_destroy(&v->wb_cond);
	free(v);
	m->vfs = NULL;
	m->mm.flusher = NULL;
}
