/*
 * test_filemap.c - file pages in the mm core (src/mm/filemap.c, buffer.c,
 * the file paths of memory.c, migrate.c and rmap.c's page_mkclean) over a
 * FAKE filesystem: an in-memory "disk" of 1 KiB blocks reached through
 * buffer heads (block_read_full_page / block_write_full_page with this
 * file's own struct buffer_ops), so a page has a ring of four buffers.
 *
 * Machine: 2 nodes, 2 CPUs (CPU c on node c), 64 MiB per node, not
 * threaded.  Tasks run on CPU 0, so page-cache pages start on node 0 and
 * migrations move them to node 1.  Files are address_spaces made with
 * mapping_create() and mapped with do_mmap(); the real filesystem (mmfs)
 * is not used here.
 *
 * Reference counts of a cached file page: one for its slot, one per
 * mapping, one for its buffers (PG_private), one per isolation.  The LRU
 * add batches are drained before every count is read.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define BS 1024u			/* the fake disk's block size */
#define BPP ((unsigned)(P / BS))	/* buffers per page */
#define DISK_BLOCKS 2048u
#define FILE_BLOCKS 512u		/* files of up to 128 pages */
#define GARBAGE 0xAA			/* disk bytes past the end of a file */

static struct mmsim *m;
static struct mem_cgroup memcg;	/* test_migrate_clean's; freed with the machine */

/* ---- the fake filesystem ------------------------------------------------------ */

struct fakefs {
	uint8_t disk[DISK_BLOCKS][BS];	/* block 0 is never data (a hole) */
	uint64_t map[FILE_BLOCKS];	/* file block -> disk block, 0: hole */
	uint64_t next_free;
	unsigned seed;
	unsigned reads, writes, fsyncs, releases, get_blocks;	/* block I/O counts */
	int read_err, write_err;	/* injected block_io errors */
	bool refuse_release;
	/* Runs at the start of readpage (the page locked, not uptodate). */
	void (*read_hook)(struct fakefs *fs, struct address_space *mp, struct page *p);
	void *hook_arg;
};

/* The byte at offset off of a file made with seed. */
static uint8_t fbyte(unsigned seed, uint64_t off)
{
	return (uint8_t)(seed * 29 + off * 7 + (off >> 10) * 3 + (off >> 12) * 11 + 1);
}

static int fs_get_block(void *host, uint64_t block, bool create, uint64_t *blocknr)
{
	struct fakefs *fs = host;
	fs->get_blocks++;
	if (block >= FILE_BLOCKS)
		return -EFBIG;
	if (!fs->map[block] && create) {
		if (fs->next_free >= DISK_BLOCKS)
			return -ENOSPC;
		fs->map[block] = fs->next_free++;
	}
	*blocknr = fs->map[block];
	return 0;
}

static int fs_block_io(void *host, uint64_t blocknr, void *buf, bool write)
{
	struct fakefs *fs = host;
	if (!blocknr || blocknr >= DISK_BLOCKS)
		return -EIO;
	if (write) {
		if (fs->write_err)
			return fs->write_err;
		memcpy(fs->disk[blocknr], buf, BS);
		fs->writes++;
	} else {
		if (fs->read_err)
			return fs->read_err;
		memcpy(buf, fs->disk[blocknr], BS);
		fs->reads++;
	}
	return 0;
}

static const struct buffer_ops fs_bops = {
	.blocksize = BS,
	.get_block = fs_get_block,
	.block_io = fs_block_io,
};

/* A read_hook that remembers the page (in hook_arg). */
static void note_page(struct fakefs *fs, struct address_space *mp, struct page *p)
{
	(void)mp;
	fs->hook_arg = p;
}

static int fs_readpage(struct address_space *mp, struct page *p)
{
	struct fakefs *fs = mp->host;
	if (fs->read_hook)
		fs->read_hook(fs, mp, p);
	return block_read_full_page(mp->sys, &fs_bops, fs, p);
}

static int fs_writepage(struct address_space *mp, struct page *p)
{
	return block_write_full_page(mp->sys, &fs_bops, mp->host, p);
}

static bool fs_releasepage(struct address_space *mp, struct page *p)
{
	struct fakefs *fs = mp->host;
	fs->releases++;
	if (fs->refuse_release)
		return false;
	return try_to_free_buffers(mp->sys, p);
}

static int fs_fsync(struct address_space *mp)
{
	struct fakefs *fs = mp->host;
	fs->fsyncs++;
	return 0;
}

/* A block filesystem that migrates its pages with their buffers. */
static const struct address_space_operations ops_buffer = {
	.readpage = fs_readpage,
	.writepage = fs_writepage,
	.migratepage = buffer_migrate_page,
	.releasepage = fs_releasepage,
	.fsync = fs_fsync,
};

/* No migratepage: fallback_migrate_page. */
static const struct address_space_operations ops_fallback = {
	.readpage = fs_readpage,
	.writepage = fs_writepage,
	.migratepage = NULL,
	.releasepage = fs_releasepage,
	.fsync = fs_fsync,
};

/* Pages that must never move. */
static const struct address_space_operations ops_fail = {
	.readpage = fs_readpage,
	.writepage = fs_writepage,
	.migratepage = fail_migrate_page,
	.releasepage = fs_releasepage,
	.fsync = fs_fsync,
};

/* A file of `size` bytes: every block of its pages mapped on the disk, the
 * bytes past the end GARBAGE (the page cache must never show them). */
static struct fakefs *fs_new(unsigned seed, uint64_t size)
{
	struct fakefs *fs = calloc(1, sizeof *fs);
	if (!fs)
		abort();
	fs->seed = seed;
	uint64_t blocks = ((size + P - 1) / P) * BPP;
	for (uint64_t b = 0; b < blocks; b++) {
		fs->map[b] = 1 + b;
		for (unsigned j = 0; j < BS; j++) {
			uint64_t off = b * BS + j;
			fs->disk[1 + b][j] = off < size ? fbyte(seed, off) : GARBAGE;
		}
	}
	fs->next_free = 1 + blocks;
	return fs;
}

/* The disk byte at file offset off (0 for a hole). */
static uint8_t disk_byte(const struct fakefs *fs, uint64_t off)
{
	uint64_t b = fs->map[off / BS];
	return b ? fs->disk[b][off % BS] : 0;
}

/* How many bytes of [off, off + n) differ on the disk from the file's pattern. */
static unsigned disk_bad(const struct fakefs *fs, uint64_t off, uint64_t n)
{
	unsigned bad = 0;
	for (uint64_t i = off; i < off + n; i++)
		bad += disk_byte(fs, i) != fbyte(fs->seed, i);
	return bad;
}

struct tfile {
	struct fakefs *fs;
	struct address_space *mp;
};

static struct tfile file_new(const struct address_space_operations *ops, unsigned seed,
			    uint64_t size)
{
	struct tfile f;
	f.fs = fs_new(seed, size);
	f.mp = mapping_create(&m->mm, ops, f.fs, size);
	return f;
}

/* Drops the test's reference (the last one: every VMA is gone). */
static void file_drop(struct tfile *f)
{
	is(__atomic_load_n(&f->mp->refcount, __ATOMIC_RELAXED), 1,
	   "every VMA dropped its reference on the mapping");
	mapping_put(&m->mm, f->mp);
	free(f->fs);
}

/* ---- machine helpers ------------------------------------------------------------- */

/* mmap(2) of a mapping, as mmsim_sys_mmap does it after resolving an fd. */
static uint64_t fmap(struct mmsim_task *t, struct address_space *file, uint64_t len, int prot,
		     int flags, uint64_t pgoff)
{
	struct mmap_caller c;
	memset(&c, 0, sizeof c);
	c.cpu = task_enter(t);
	c.cap_ipc_lock = task_capable(t, MMSIM_CAP_IPC_LOCK);
	c.memlock_limit = t->memlock_limit;
	c.node = c.cpu->node;
	c.read_implies_exec = false;
	c.file_readonly = false;
	long a = do_mmap(t->mm, &c, 0, len, prot, flags, pgoff, file);
	return a < 0 ? 0 : (uint64_t)a;
}

static uint8_t *frame(struct page *p)
{
	return hw_frame(m->hw, page_to_pfn(&m->mm, p));
}

static unsigned nid(const struct page *p)
{
	return page_to_nid(&m->mm, p);
}


static uint64_t nfree(unsigned n)
{
	return node_free_pages(&m->mm, n);
}

/* Does slot idx carry the DIRTY tag (how writeback finds dirty pages)? */
static bool tagged(struct address_space *mp, uint64_t idx)
{
	pthread_mutex_lock(&mp->lock);
	bool t = radix_tree_tag_get(&mp->pages, idx, PAGECACHE_TAG_DIRTY);
	pthread_mutex_unlock(&mp->lock);
	return t;
}

static uint64_t nr_dirty(const struct address_space *mp)
{
	return __atomic_load_n(&mp->nr_dirty, __ATOMIC_RELAXED);
}

static struct mmsim_counters tc(struct mmsim_task *t)
{
	struct mmsim_counters c;
	mmsim_counters_task(t, &c);
	return c;
}

/* How many bytes of file page idx (read at addr) differ from the pattern;
 * bytes at or past size must read 0.  -1 on a signal. */
static int mem_bad(struct mmsim_task *t, uint64_t addr, unsigned seed, uint64_t idx, uint64_t size)
{
	static uint8_t buf[P];
	uint64_t fa;
	if (mmsim_load(t, addr, buf, P, &fa))
		return -1;
	int bad = 0;
	for (uint64_t j = 0; j < P; j++) {
		uint64_t off = idx * P + j;
		bad += buf[j] != (off < size ? fbyte(seed, off) : 0);
	}
	return bad;
}

static uint8_t load1(struct mmsim_task *t, uint64_t addr)
{
	uint8_t b = 0;
	uint64_t fa;
	mmsim_load(t, addr, &b, 1, &fa);
	return b;
}

static int store1(struct mmsim_task *t, uint64_t addr, uint8_t v)
{
	uint64_t fa;
	return mmsim_store(t, addr, &v, 1, &fa);
}

static int isolate(struct page *p, struct list_head *l)
{
	lru_add_drain_all(&m->mm);
	return isolate_page_for_migration(&m->mm, p, l);
}

static unsigned list_len(const struct list_head *l)
{
	unsigned n = 0;
	for (const struct list_head *e = l->next; e != l; e = e->next)
		n++;
	return n;
}

static struct migration_target_control target[2] = {
	{ .nid = 0, .nmask = UINT64_MAX },
	{ .nid = 1, .nmask = UINT64_MAX },
};
#define NODE(n) ((unsigned long)&target[(n)])

static unsigned new_calls;

static struct page *counting_new(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
				 unsigned long priv)
{
	__atomic_add_fetch(&new_calls, 1, __ATOMIC_SEQ_CST);
	return alloc_migration_target(s, cpu, src, priv);
}

static unsigned calls(void)
{
	return __atomic_load_n(&new_calls, __ATOMIC_SEQ_CST);
}

static void reset_calls(void)
{
	__atomic_store_n(&new_calls, 0, __ATOMIC_SEQ_CST);
}

/* Do p's buffers form a ring of BPP heads, all pointing back at p? */
static bool buffers_of(struct page *p)
{
	if (!page_test(p, PG_private) || !page_buffers(p))
		return false;
	struct buffer_head *head = page_buffers(p), *bh = head;
	unsigned n = 0;
	do {
		if (bh->b_page != p || bh->b_size != BS)
			return false;
		bh = bh->b_this_page;
		n++;
	} while (bh != head && n <= BPP);
	return n == BPP && bh == head;
}

/* ---- 1. read faults -------------------------------------------------------------- */

static void test_read_fault(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct tfile f = file_new(&ops_buffer, 1, 3 * P);

	printf("# 1. a read fault reads the page from the disk\n");
	uint64_t file0 = s->node[0].nr_file;
	uint64_t a = fmap(t, f.mp, 3 * P, PROT_READ, MAP_SHARED, 0);
	ok(a, "mmap 3 pages of a 3-page file, shared, read-only");
	ok(!find_page_peek(f.mp, 1), "nothing cached before the first access");
	struct mmsim_counters c0 = tc(t), k0;
	mmsim_counters_cpu(m, 0, &k0);
	is(mem_bad(t, a + P, 1, 1, 3 * P), 0, "page 1 reads the disk's bytes");
	is(f.fs->reads, BPP, "one read per block of the page (%u)", BPP);
	struct mmsim_counters k1;
	mmsim_counters_cpu(m, 0, &k1);
	uint64_t disk_io = mmsim_config_of(m)->cost.disk_io;
	ok(disk_io && k1.cycles - k0.cycles >= disk_io, "the CPU waited for the disk (cost.disk_io)");
	is(tc(t).faults - c0.faults, 1, "one fault");
	struct page *p = page_at(t, a + P);
	ok(p && find_page_peek(f.mp, 1) == p, "the PTE maps the page in slot 1");
	ok(p && p->mapping == (uintptr_t)f.mp && p->index == 1, "page: mapping and index 1");
	ok(p && page_test(p, PG_uptodate) && !page_test(p, PG_dirty) && !page_locked(p),
	   "uptodate, clean, unlocked");
	ok(p && nid(p) == 0, "allocated on the faulting CPU's node");
	ok(p && buffers_of(p), "a ring of %u buffer heads pointing at the page", BPP);
	if (p && buffers_of(p)) {
		struct buffer_head *bh = page_buffers(p);
		unsigned good = 0;
		for (unsigned i = 0; i < BPP; i++, bh = bh->b_this_page)
			good += (bh->b_state & (BH_mapped | BH_uptodate)) == (BH_mapped | BH_uptodate) &&
				bh->b_blocknr == f.fs->map[BPP + i];
		is(good, BPP, "each buffer mapped to its disk block and uptodate");
	}
	lru_add_drain_all(s);
	ok(p && page_count(p) == 3 && mapcount(p) == 1,
	   "refcount 3 (slot, mapping, buffers), mapcount 1");
	ok(p && page_test(p, PG_lru) && !page_test(p, PG_swapbacked), "on a file LRU");
	is(s->node[0].nr_file, file0 + 1, "nr_file +1 on node 0");
	struct pmap_entry e = pte(t, a + P);
	ok(e.kind == PMAP_PAGE && (e.prot & PMAP_R) && !(e.prot & PMAP_W), "PTE readable, not writable");

	c0 = tc(t);
	mmsim_counters_cpu(m, 0, &k0);
	unsigned r0 = f.fs->reads;
	is(mem_bad(t, a + P, 1, 1, 3 * P), 0, "read again");
	is(f.fs->reads, r0, "... from the cache: no disk read");
	mmsim_counters_cpu(m, 0, &k1);
	ok(k1.cycles - k0.cycles < disk_io, "... and no wait for it");
	is(tc(t).faults - c0.faults, 0, "... and no fault");

	/* A second process maps it privately: the same cache page. */
	struct mmsim_task *t2 = task_on(m, 0);
	uint64_t b = fmap(t2, f.mp, 3 * P, PROT_READ, MAP_PRIVATE, 0);
	is(mem_bad(t2, b + P, 1, 1, 3 * P), 0, "a private mapping in another process reads it");
	ok(page_at(t2, b + P) == p && mapcount(p) == 2, "the same page, mapcount 2");
	is(f.fs->reads, r0, "no disk read");
	is(mem_bad(t2, b, 1, 0, 3 * P), 0, "page 0 through the private mapping");
	is(mem_bad(t, a, 1, 0, 3 * P), 0, "page 0 through the shared mapping");
	ok(page_at(t, a) && page_at(t, a) == page_at(t2, b), "one cache page for both");
	is(f.fs->reads, r0 + BPP, "page 0 was read once");

	/* An offset mapping: pgoff 2 shows page 2 at its start. */
	uint64_t c = fmap(t2, f.mp, P, PROT_READ, MAP_SHARED, 2);
	is(mem_bad(t2, c, 1, 2, 3 * P), 0, "a mapping at pgoff 2 reads file page 2");
	ok(page_at(t2, c) && page_at(t2, c)->index == 2, "its page has index 2");

	mmsim_task_exit(t2);
	mmsim_task_exit(t);
	lru_add_drain_all(s);
	ok(page_count(p) == 2 && mapcount(p) == 0, "after exit: slot and buffers only");
	file_drop(&f);
	is(s->node[0].nr_file, file0, "nr_file back when the mapping goes");
}

/* A read error: SIGBUS, and no page left in the cache. */
static void test_read_error(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct tfile f = file_new(&ops_buffer, 2, 2 * P);
	uint64_t fa = 0;
	uint8_t b;

	printf("# 1b. a read error\n");
	uint64_t a = fmap(t, f.mp, 2 * P, PROT_READ, MAP_SHARED, 0);
	is(mem_bad(t, a, 2, 0, 2 * P), 0, "page 0 reads (its page table is made)");
	lru_add_drain_all(&m->mm);
	uint64_t f0 = nfree(0) + nfree(1);
	f.fs->read_err = -EIO;
	f.fs->read_hook = note_page;
	is(mmsim_load(t, a + P + 5, &b, 1, &fa), SIGBUS, "a load whose read fails: SIGBUS");
	f.fs->read_hook = NULL;
	struct page *rp = f.fs->hook_arg;
	is(fa, a + P + 5, "at the byte loaded");
	ok(!find_page_peek(f.mp, 1), "the page left the cache");
	ok(rp && !rp->mapping && !page_locked(rp), "the page read: no mapping, unlocked");
	lru_add_drain_all(&m->mm);
	ok(rp && page_count(rp) == 0 && !page_test(rp, PG_private) && nfree(0) + nfree(1) == f0,
	   "its frame and buffers were freed (refcount %d, PG_private %d, free frames %lld)",
		rp ? page_count(rp) : -1, rp ? page_test(rp, PG_private) : -1,
		(long long)(nfree(0) + nfree(1)) - (long long)f0);
	if (rp && page_count(rp) == 1 && page_test(rp, PG_private) && !rp->mapping)
		discard_buffers(&m->mm, rp);	/* the leak above: free it by hand (LeakSanitizer) */
	f.fs->read_err = 0;
	is(mem_bad(t, a + P, 2, 1, 2 * P), 0, "once the disk works: read");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- 2. the end of the file ------------------------------------------------------ */

static void test_eof(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct tfile f = file_new(&ops_buffer, 3, 2 * P);
	uint64_t fa = 0;
	uint8_t buf[16];

	printf("# 2. past the end of the file: SIGBUS\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);
	ok(a, "mmap 4 pages of a 2-page file (allowed)");
	is(mem_bad(t, a + P, 3, 1, 2 * P), 0, "page 1 (the last) reads");
	struct mmsim_counters c0 = tc(t);
	is(mmsim_load(t, a + 2 * P, buf, 1, &fa), SIGBUS, "a load from page 2: SIGBUS");
	is(fa, a + 2 * P, "fault address: page 2's first byte");
	is(tc(t).sigbus - c0.sigbus, 1, "sigbus counted");
	memset(buf, 0xee, sizeof buf);
	fa = 0;
	is(mmsim_load(t, a + 2 * P - 8, buf, 16, &fa), SIGBUS, "a load across the end: SIGBUS");
	is(fa, a + 2 * P, "... at exactly the end of the file");
	ok(buf[0] == fbyte(3, 2 * P - 8) && buf[7] == fbyte(3, 2 * P - 1),
	   "the bytes before the end were loaded");
	fa = 0;
	is(store1(t, a + 3 * P + 100, 1), SIGBUS, "a store to page 3: SIGBUS");
	is(mmsim_store(t, a + 3 * P + 100, buf, 1, &fa), SIGBUS, "again");
	is(fa, a + 3 * P + 100, "at the byte stored");
	ok(!find_page_peek(f.mp, 2) && !find_page_peek(f.mp, 3), "no page cached past the end");
	ok(pte(t, a + 2 * P).kind == PMAP_EMPTY, "nothing mapped there");
	is(nr_dirty(f.mp), 0, "nothing dirtied");

	/* The same through a private mapping (the copy-on-write path). */
	uint64_t b = fmap(t, f.mp, 4 * P, RW, MAP_PRIVATE, 0);
	fa = 0;
	is(mmsim_store(t, b + 2 * P, buf, 1, &fa), SIGBUS, "private mapping: a store past the end: SIGBUS");
	is(fa, b + 2 * P, "at page 2");
	is(mmsim_load(t, b + 3 * P, buf, 1, &fa), SIGBUS, "a load past the end: SIGBUS");
	is(store1(t, b + P, 0x11), 0, "a store to page 1 (inside): fine");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* A file of 5000 bytes: its second page is partly past the end. */
static void test_partial_page(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct tfile f = file_new(&ops_buffer, 4, 5000);
	uint64_t fa;

	printf("# 2b. a 5000-byte file: the tail of its last page\n");
	is(f.mp->nr_pages, 2, "2 pages");
	ok(disk_byte(f.fs, 5000) == GARBAGE && disk_byte(f.fs, 2 * P - 1) == GARBAGE,
	   "the disk holds garbage past the end");
	uint64_t a = fmap(t, f.mp, 3 * P, RW, MAP_SHARED, 0);
	is(mem_bad(t, a + P, 4, 1, 5000), 0, "page 1: bytes 4096..4999 from the disk, the rest zeros");
	uint8_t b;
	is(mmsim_load(t, a + 2 * P, &b, 1, &fa), SIGBUS, "page 2: SIGBUS");

	/* A store inside and one past the end, then writeback. */
	is(store1(t, a + 4990, 0x5a), 0, "store at offset 4990");
	is(store1(t, a + 5100, 0x6b), 0, "store at offset 5100 (past the end, same page)");
	struct hw_cpu *cpu = task_enter(t);
	is(filemap_write_and_wait_range(&m->mm, cpu, f.mp, 0, 2), 0, "write back");
	is(disk_byte(f.fs, 4990), 0x5a, "offset 4990 reached the disk");
	unsigned z = 0;
	for (uint64_t o = 5000; o < 5120; o++)
		z += disk_byte(f.fs, o) == 0;
	is(z, 120, "the block the end cuts has zeros past the end on the disk");
	unsigned g = 0;
	for (uint64_t o = 5120; o < 2 * P; o++)
		g += disk_byte(f.fs, o) == GARBAGE;
	is(g, 2 * P - 5120, "blocks wholly past the end were not written");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- 3. shared writable mappings: write-notify and writeback --------------------- */

static void test_shared_dirty(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 5, 4 * P);

	printf("# 3. a shared writable mapping: clean pages read-only, dirtied by a write\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);
	struct vm_area_struct *vma = vma_lookup(t->mm, a);
	ok(vma && (vma->vm_flags & VM_WRNOTIFY) && (vma->vm_flags & VM_SHARED),
	   "the VMA is shared and write-notify");
	is(mem_bad(t, a, 5, 0, 4 * P), 0, "read page 0");
	struct pmap_entry e = pte(t, a);
	struct page *p = page_at(t, a);
	ok(e.kind == PMAP_PAGE && !(e.prot & PMAP_W) && !(e.flags & PMAP_DIRTY),
	   "clean page mapped read-only");
	ok(p && !page_test(p, PG_dirty), "page clean");
	is(nr_dirty(f.mp), 0, "nr_dirty 0");

	struct mmsim_counters c0 = tc(t);
	is(store1(t, a + 10, 0xd1), 0, "store to page 0");
	is(tc(t).faults - c0.faults, 1, "... took a write fault");
	e = pte(t, a);
	ok((e.prot & PMAP_W) && (e.flags & PMAP_DIRTY) && e.pfn == page_to_pfn(s, p),
	   "now writable and dirty, the same page");
	ok(page_test(p, PG_dirty), "PG_dirty");
	ok(tagged(f.mp, 0), "the slot is DIRTY-tagged");
	is(nr_dirty(f.mp), 1, "nr_dirty 1");
	c0 = tc(t);
	is(store1(t, a + 11, 0xd2), 0, "a second store");
	is(tc(t).faults - c0.faults, 0, "... no fault");
	is(nr_dirty(f.mp), 1, "nr_dirty still 1");

	/* A first touch that is a store: mapped writable and dirty at once. */
	is(store1(t, a + 2 * P + 7, 0xd3), 0, "store to page 2, never read");
	struct page *p2 = page_at(t, a + 2 * P);
	e = pte(t, a + 2 * P);
	ok(p2 && (e.prot & PMAP_W) && (e.flags & PMAP_DIRTY) && page_test(p2, PG_dirty),
	   "page 2: writable, dirty PTE, PG_dirty");
	is(nr_dirty(f.mp), 2, "nr_dirty 2");
	is(load1(t, a + 2 * P + 7), 0xd3, "reads back");
	is(load1(t, a + 2 * P + 8), fbyte(5, 2 * P + 8), "the rest of page 2 is the file's");
	is(f.fs->writes, 0, "nothing written to the disk yet");
	ok(disk_byte(f.fs, 10) == fbyte(5, 10), "disk unchanged");

	/* A second process sees the stores (one page) and writes too. */
	struct mmsim_task *t2 = task_on(m, 0);
	uint64_t b = fmap(t2, f.mp, 4 * P, RW, MAP_SHARED, 0);
	is(load1(t2, b + 10), 0xd1, "another process sees the store");
	is(store1(t2, b + 20, 0xd4), 0, "and stores to page 0 itself");
	ok(page_at(t2, b) == p && (pte(t2, b).prot & PMAP_W), "its PTE: the same page, writable");

	printf("# 3b. filemap_write_and_wait_range\n");
	uint64_t w0 = f.fs->writes;
	is(filemap_write_and_wait_range(s, cpu, f.mp, 0, 4), 0, "write back pages [0, 4)");
	is(f.fs->writes - w0, 2 * BPP, "two pages written (%u blocks)", 2 * BPP);
	ok(disk_byte(f.fs, 10) == 0xd1 && disk_byte(f.fs, 11) == 0xd2 && disk_byte(f.fs, 20) == 0xd4 &&
	   disk_byte(f.fs, 2 * P + 7) == 0xd3, "the stores are on the disk");
	is(disk_bad(f.fs, P, P), 0, "page 1 (clean) untouched");
	ok(!page_test(p, PG_dirty) && !page_test(p2, PG_dirty), "pages clean");
	ok(!tagged(f.mp, 0) && !tagged(f.mp, 2), "DIRTY tags cleared");
	ok(!page_test(p, PG_writeback) && !page_locked(p), "not under writeback, unlocked");
	ok(page_test(p, PG_mappedtodisk), "PG_mappedtodisk");
	is(nr_dirty(f.mp), 0, "nr_dirty 0");
	e = pte(t, a);
	struct pmap_entry e2 = pte(t2, b);
	ok(e.kind == PMAP_PAGE && !(e.prot & PMAP_W) && !(e.flags & PMAP_DIRTY),
	   "page_mkclean: the PTE is read-only and clean");
	ok(e2.kind == PMAP_PAGE && !(e2.prot & PMAP_W) && !(e2.flags & PMAP_DIRTY),
	   "... in the other process too");
	ok(!(pte(t, a + 2 * P).prot & PMAP_W), "page 2's PTE read-only too");
	w0 = f.fs->writes;
	is(filemap_write_and_wait_range(s, cpu, f.mp, 0, 4), 0, "again");
	is(f.fs->writes - w0, 0, "nothing left to write");

	c0 = tc(t);
	is(store1(t, a + 30, 0xd5), 0, "a store after writeback");
	is(tc(t).faults - c0.faults, 1, "... faults (no stale writable TLB entry)");
	ok(page_test(p, PG_dirty) && nr_dirty(f.mp) == 1, "and dirties the page again");
	ok(tagged(f.mp, 0), "tagged again");
	ok(pte(t, a).prot & PMAP_W, "writable again");
	is(disk_byte(f.fs, 30), fbyte(5, 30), "disk not yet changed");
	is(store1(t, a + 2 * P + 30, 0xd6), 0, "dirty page 2 again too");
	is(nr_dirty(f.mp), 2, "nr_dirty 2");

	/* The range is honoured. */
	is(filemap_write_and_wait_range(s, cpu, f.mp, 1, 4), 0, "write back [1, 4)");
	ok(page_test(p, PG_dirty) && !page_test(p2, PG_dirty), "page 0 still dirty, page 2 clean");
	ok(disk_byte(f.fs, 30) == fbyte(5, 30) && disk_byte(f.fs, 2 * P + 30) == 0xd6,
	   "only page 2 reached the disk");
	is(nr_dirty(f.mp), 1, "nr_dirty 1");
	is(filemap_fsync_range(s, cpu, f.mp, 0, 1), 0, "fsync [0, 1)");
	ok(!page_test(p, PG_dirty) && disk_byte(f.fs, 30) == 0xd5, "page 0 written");
	ok(f.fs->fsyncs >= 1, "the fs's fsync ran");

	/* munmap with a dirty PTE: the page stays dirty in the cache. */
	is(store1(t2, b + P + 1, 0xd7), 0, "the other process dirties page 1");
	struct page *p1 = page_at(t2, b + P);
	is(mmsim_sys_munmap(t2, b, 4 * P), 0, "and unmaps");
	ok(p1 && page_test(p1, PG_dirty) && find_page_peek(f.mp, 1) == p1, "page 1 stays, dirty");
	is(nr_dirty(f.mp), 1, "nr_dirty 1");
	is(filemap_write_and_wait_range(s, cpu, f.mp, 0, UINT64_MAX), 0, "write back everything");
	is(disk_byte(f.fs, P + 1), 0xd7, "the store made before munmap is on the disk");
	mmsim_task_exit(t2);
	mmsim_task_exit(t);
	file_drop(&f);
}

/* mprotect: a clean page may not become writable without a fault. */
static void test_mprotect_wrnotify(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct tfile f = file_new(&ops_buffer, 6, 2 * P);

	printf("# 3c. mprotect(PROT_READ -> RW) keeps clean pages write-protected\n");
	uint64_t a = fmap(t, f.mp, 2 * P, PROT_READ, MAP_SHARED, 0);
	is(mem_bad(t, a, 6, 0, 2 * P), 0, "read page 0");
	is(mmsim_sys_mprotect(t, a, 2 * P, RW), 0, "mprotect RW");
	ok(!(pte(t, a).prot & PMAP_W), "the clean page is still read-only");
	is(store1(t, a + 1, 0x77), 0, "store");
	struct page *p = page_at(t, a);
	ok(p && page_test(p, PG_dirty) && nr_dirty(f.mp) == 1, "the store dirtied the page");
	is(filemap_write_and_wait_range(&m->mm, task_enter(t), f.mp, 0, 2), 0, "write back");
	is(disk_byte(f.fs, 1), 0x77, "the store reached the disk");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* A write error: reported once, the page is left clean with PG_error. */
static void test_write_error(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 7, 2 * P);

	printf("# 3d. a writeback error\n");
	uint64_t a = fmap(t, f.mp, 2 * P, RW, MAP_SHARED, 0);
	is(store1(t, a, 0x99), 0, "dirty page 0");
	f.fs->write_err = -EIO;
	is(filemap_fsync_range(&m->mm, cpu, f.mp, 0, 2), -EIO, "fsync: -EIO");
	struct page *p = page_at(t, a);
	ok(p && page_test(p, PG_error) && !page_test(p, PG_writeback), "PG_error, writeback over");
	f.fs->write_err = 0;
	is(filemap_fsync_range(&m->mm, cpu, f.mp, 0, 2), 0, "the error is reported once");
	is(load1(t, a), 0x99, "the data is still in memory");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- 4. private file mappings ------------------------------------------------------ */

static void test_private(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 8, 3 * P);

	printf("# 4. a private file mapping: reads share the cache, writes copy\n");
	uint64_t a = fmap(t, f.mp, 3 * P, RW, MAP_PRIVATE, 0);
	is(mem_bad(t, a, 8, 0, 3 * P), 0, "read page 0");
	struct page *cp = find_page_peek(f.mp, 0);
	struct pmap_entry e = pte(t, a);
	ok(cp && e.kind == PMAP_PAGE && e.pfn == page_to_pfn(s, cp), "the PTE maps the cache page");
	ok(!(e.prot & PMAP_W), "read-only");
	lru_add_drain_all(s);
	int rc0 = cp ? page_count(cp) : 0;

	struct mmsim_counters c0 = tc(t);
	is(store1(t, a + 100, 0xc1), 0, "store to page 0");
	is(tc(t).faults_cow - c0.faults_cow, 1, "a COW fault");
	struct page *np = page_at(t, a);
	e = pte(t, a);
	ok(np && np != cp && page_anon(np), "now an anonymous copy");
	ok((e.prot & PMAP_W) && (e.flags & PMAP_DIRTY), "writable, dirty");
	is(load1(t, a + 100), 0xc1, "reads back the store");
	is(mem_bad(t, a, 8, 0, 3 * P), 1, "the rest of the copy is the file's (1 byte differs)");
	lru_add_drain_all(s);
	ok(cp && find_page_peek(f.mp, 0) == cp, "the cache page stays in the cache");
	ok(cp && mapcount(cp) == 0 && page_count(cp) == rc0 - 1, "... unmapped here (mapcount 0, one ref less)");
	ok(cp && !page_test(cp, PG_dirty) && frame(cp)[100] == fbyte(8, 100), "... clean and unchanged");
	is(nr_dirty(f.mp), 0, "nr_dirty 0");

	/* A first touch that is a store: a copy at once. */
	is(store1(t, a + P + 5, 0xc2), 0, "store to page 1, never read");
	struct page *np1 = page_at(t, a + P), *cp1 = find_page_peek(f.mp, 1);
	ok(np1 && page_anon(np1) && cp1 && np1 != cp1, "an anonymous page; the file page was read into the cache");
	ok(cp1 && !page_test(cp1, PG_dirty) && mapcount(cp1) == 0, "the cache page: clean, unmapped");
	is(mem_bad(t, a + P, 8, 1, 3 * P), 1, "the copy holds the file's data and the store");

	/* Nothing reaches the file. */
	uint64_t w0 = f.fs->writes;
	is(filemap_write_and_wait_range(s, cpu, f.mp, 0, 3), 0, "writeback");
	is(mmsim_sys_msync(t, a, 3 * P, MS_SYNC), 0, "msync(MS_SYNC) of the private mapping");
	is(f.fs->writes, w0, "nothing written");
	is(disk_bad(f.fs, 0, 3 * P), 0, "the disk is unchanged");

	/* A shared mapping sees the file, not the private copies. */
	struct mmsim_task *t2 = task_on(m, 0);
	uint64_t b = fmap(t2, f.mp, 3 * P, PROT_READ, MAP_SHARED, 0);
	is(mem_bad(t2, b, 8, 0, 3 * P), 0, "another process's shared mapping: the file's page 0");
	is(mem_bad(t2, b + P, 8, 1, 3 * P), 0, "... and page 1");
	/* A shared store is seen by a private mapping that has not copied. */
	mmsim_task_exit(t2);
	struct mmsim_task *t3 = task_on(m, 0);
	uint64_t c = fmap(t3, f.mp, 3 * P, RW, MAP_SHARED, 0);
	is(store1(t3, c + 2 * P, 0xc3), 0, "a shared store to page 2");
	is(load1(t, a + 2 * P), 0xc3, "the private mapping (page 2 not copied) sees it");
	is(load1(t, a + 100), 0xc1, "its copy of page 0 is its own");
	mmsim_task_exit(t3);
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- 5. msync ------------------------------------------------------------------------- */

static void test_msync(void)
{
	struct mmsim_task *t = task_on(m, 0);
	drop_vdso(t);	/* nothing above the mapping */
	struct tfile f = file_new(&ops_buffer, 9, 4 * P);

	printf("# 5. msync\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);
	is(mmsim_sys_msync(t, a, P, 0x100), -EINVAL, "unknown flag: -EINVAL");
	is(mmsim_sys_msync(t, a + 1, P, MS_SYNC), -EINVAL, "unaligned start: -EINVAL");
	is(mmsim_sys_msync(t, a, P, MS_SYNC | MS_ASYNC), -EINVAL, "MS_SYNC | MS_ASYNC: -EINVAL");
	is(mmsim_sys_msync(t, a, 0, MS_SYNC), 0, "length 0: 0");
	is(mmsim_sys_msync(t, a, UINT64_MAX - P, MS_SYNC), -ENOMEM, "wrapping around: -ENOMEM");
	is(mmsim_sys_msync(t, a + 4 * P, P, MS_SYNC), -ENOMEM, "past the mapping: -ENOMEM");

	is(store1(t, a + 1, 0xe1), 0, "dirty page 0");
	is(store1(t, a + 2 * P + 1, 0xe2), 0, "dirty page 2");
	is(nr_dirty(f.mp), 2, "nr_dirty 2");
	uint64_t w0 = f.fs->writes;
	unsigned fs0 = f.fs->fsyncs;
	is(mmsim_sys_msync(t, a, 4 * P, MS_ASYNC), 0, "MS_ASYNC: 0");
	is(f.fs->writes, w0, "... writes nothing (dirty pages are tracked)");
	is(mmsim_sys_msync(t, a, 4 * P, MS_INVALIDATE), 0, "MS_INVALIDATE: 0");
	is(mmsim_sys_msync(t, a, 2 * P - 100, MS_SYNC), 0, "MS_SYNC of the first 2 pages (length rounded up)");
	is(disk_byte(f.fs, 1), 0xe1, "page 0 on the disk");
	is(disk_byte(f.fs, 2 * P + 1), fbyte(9, 2 * P + 1), "page 2 not written");
	ok(f.fs->fsyncs > fs0, "the fs's fsync ran");
	is(nr_dirty(f.mp), 1, "nr_dirty 1");
	is(mmsim_sys_msync(t, a + 2 * P, P, MS_SYNC), 0, "MS_SYNC of page 2");
	is(disk_byte(f.fs, 2 * P + 1), 0xe2, "page 2 on the disk");
	is(nr_dirty(f.mp), 0, "nr_dirty 0");

	/* Holes: -ENOMEM, after syncing what is mapped (MS_SYNC). */
	is(mmsim_sys_munmap(t, a + P, P), 0, "unmap page 1 (a hole)");
	is(store1(t, a + 3 * P + 2, 0xe3), 0, "dirty page 3");
	is(mmsim_sys_msync(t, a, 4 * P, MS_ASYNC), -ENOMEM, "MS_ASYNC over the hole: -ENOMEM");
	is(mmsim_sys_msync(t, a, 4 * P, MS_SYNC), -ENOMEM, "MS_SYNC over the hole: -ENOMEM");
	is(disk_byte(f.fs, 3 * P + 2), 0xe3, "... but page 3, after the hole, was written");
	is(mmsim_sys_msync(t, a + P, P, MS_SYNC), -ENOMEM, "only the hole: -ENOMEM");
	is(mmsim_sys_msync(t, a + 3 * P, 2 * P, MS_SYNC), -ENOMEM, "running past the end: -ENOMEM");

	/* MS_INVALIDATE on locked memory: -EBUSY. */
	is(mmsim_sys_mlock(t, a + 2 * P, P), 0, "mlock page 2");
	is(mmsim_sys_msync(t, a + 2 * P, P, MS_INVALIDATE), -EBUSY, "MS_INVALIDATE of it: -EBUSY");
	is(mmsim_sys_msync(t, a + 2 * P, P, MS_SYNC | MS_INVALIDATE), -EBUSY, "MS_SYNC | MS_INVALIDATE: -EBUSY");
	is(mmsim_sys_msync(t, a + 2 * P, P, MS_SYNC), 0, "MS_SYNC of it: 0");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- 6. migrating file pages ------------------------------------------------------- */

static void test_migrate_clean(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 10, 4 * P);
	struct list_head list;

	printf("# 6. migrating a clean file page with buffers (buffer_migrate_page)\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);
	struct mmsim_task *t2 = task_on(m, 0);
	uint64_t b = fmap(t2, f.mp, 4 * P, PROT_READ, MAP_PRIVATE, 0);
	is(mem_bad(t, a + P, 10, 1, 4 * P), 0, "read page 1 (shared)");
	is(mem_bad(t2, b + P, 10, 1, 4 * P), 0, "read it through another process's private mapping");
	struct page *p = page_at(t, a + P);
	ok(p && page_at(t2, b + P) == p && mapcount(p) == 2, "one page, mapped twice");
	struct pmap_entry e0 = pte(t, a + P);
	struct buffer_head *bhs = p ? page_buffers(p) : NULL;
	uint64_t file0 = s->node[0].nr_file, file1 = s->node[1].nr_file;
	uint64_t f0 = nfree(0), f1 = nfree(1);
	list_init(&list);
	is(isolate(p, &list), 0, "isolate");
	/* A page charged to a memcg, as a page-cache insertion charges it
	 * (off the LRU: a page's memcg never changes on one). */
	mem_cgroup_init(&memcg, NULL);
	is(mem_cgroup_online(s, &memcg), 0, "a memcg for the page");
	memcg.usage = 1;
	p->memcg = &memcg;
	is(page_count(p), 5, "refcount 5: slot, 2 mappings, buffers, isolation");
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "migrate_pages: 0");
	is(nr, 1, "1 migrated");
	ok(list_empty(&list), "list empty");
	struct page *np = page_at(t, a + P);
	ok(np && np != p && nid(np) == 1, "the shared mapping maps a new page on node 1");
	ok(np && page_at(t2, b + P) == np, "so does the private mapping");
	ok(np && find_page_peek(f.mp, 1) == np, "the slot holds the new page");
	ok(np && np->mapping == (uintptr_t)f.mp && np->index == 1, "new page: mapping, index");
	ok(np && page_test(np, PG_uptodate) && !page_test(np, PG_dirty) && !page_locked(np),
	   "uptodate, clean, unlocked");
	ok(np && page_buffers(np) == bhs && buffers_of(np), "the buffers moved: every b_page is the new page");
	lru_add_drain_all(s);
	ok(np && page_count(np) == 4 && mapcount(np) == 2, "refcount 4 (slot, 2 mappings, buffers), mapcount 2");
	ok(np && page_test(np, PG_lru), "on an LRU");
	ok(np && np->memcg == &memcg && memcg.usage == 1,
	   "the memcg charge moved (still one page charged)");
	struct pmap_entry e = pte(t, a + P);
	ok(e.prot == e0.prot && (e.flags & PMAP_DIRTY) == (e0.flags & PMAP_DIRTY),
	   "the PTE kept its protection (read-only: write-notify) and clean bit");
	ok(s->node[0].nr_file == file0 - 1 && s->node[1].nr_file == file1 + 1, "nr_file moved");
	ok(nfree(0) == f0 + 1 && nfree(1) == f1 - 1, "the old frame was freed");
	is(mem_bad(t, a + P, 10, 1, 4 * P), 0, "data intact (shared)");
	is(mem_bad(t2, b + P, 10, 1, 4 * P), 0, "data intact (private)");
	is(store1(t, a + P + 3, 0x31), 0, "a store to the new page");
	ok(np && page_test(np, PG_dirty) && nr_dirty(f.mp) == 1, "dirties it");
	is(load1(t2, b + P + 3), 0x31, "the private mapping sees it (not copied)");
	is(filemap_write_and_wait_range(s, cpu, f.mp, 0, 4), 0, "write back");
	is(disk_byte(f.fs, P + 3), 0x31, "through the moved buffers to the disk");
	mmsim_task_exit(t2);
	mmsim_task_exit(t);
	file_drop(&f);
	is(memcg.usage, 0, "the charge went when the page left the cache");
}

static void test_migrate_dirty(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 11, 4 * P);
	struct list_head list;

	printf("# 6b. migrating a dirty file page\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);
	is(mem_bad(t, a + 2 * P, 11, 2, 4 * P), 0, "read page 2 (buffers made)");
	is(store1(t, a + 2 * P + 9, 0x42), 0, "store to it");
	struct page *p = page_at(t, a + 2 * P);
	ok(p && page_test(p, PG_dirty) && page_test(p, PG_private), "dirty, with buffers");
	struct buffer_head *bhs = page_buffers(p);
	uint64_t w0 = f.fs->writes;
	list_init(&list);
	is(isolate(p, &list), 0, "isolate");
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_ASYNC, NULL), 0,
	   "migrate_pages(ASYNC): 0 (buffer_migrate_page moves dirty pages)");
	struct page *np = page_at(t, a + 2 * P);
	ok(np && np != p && nid(np) == 1, "on node 1");
	ok(np && find_page_peek(f.mp, 2) == np, "slot replaced");
	ok(np && page_test(np, PG_dirty), "the new page is dirty");
	ok(tagged(f.mp, 2), "the slot keeps its DIRTY tag");
	is(nr_dirty(f.mp), 1, "nr_dirty still 1");
	ok(np && page_buffers(np) == bhs && buffers_of(np), "buffers moved to the new page");
	lru_add_drain_all(s);
	ok(np && page_count(np) == 3 && mapcount(np) == 1, "refcount 3 (slot, mapping, buffers)");
	struct pmap_entry e = pte(t, a + 2 * P);
	ok((e.prot & PMAP_W) && (e.flags & PMAP_DIRTY), "the PTE is still writable and dirty");
	is(f.fs->writes, w0, "nothing was written");
	is(load1(t, a + 2 * P + 9), 0x42, "the store is in the new page");
	is(mem_bad(t, a + 2 * P, 11, 2, 4 * P), 1, "the rest is the file's");
	struct mmsim_counters c0 = tc(t);
	is(store1(t, a + 2 * P + 10, 0x43), 0, "store again");
	is(tc(t).faults - c0.faults, 0, "... without a fault");
	is(filemap_write_and_wait_range(s, cpu, f.mp, 0, 4), 0, "write back");
	ok(disk_byte(f.fs, 2 * P + 9) == 0x42 && disk_byte(f.fs, 2 * P + 10) == 0x43,
	   "both stores reach the disk");
	ok(np && !page_test(np, PG_dirty) && nr_dirty(f.mp) == 0, "clean");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* migrate_pages() on another host thread (the main thread only flips bits). */
struct mig_job {
	struct hw_cpu *cpu;
	struct list_head *list;
	enum migrate_mode mode;
	int ret;
	pthread_t th;
};

static void *mig_main(void *arg)
{
	struct mig_job *j = arg;
	j->ret = migrate_pages(&m->mm, j->cpu, j->list, counting_new, NODE(1), j->mode, NULL);
	return NULL;
}

static void test_migrate_writeback(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 12, 2 * P);
	struct list_head list;

	printf("# 6c. a file page under writeback\n");
	uint64_t a = fmap(t, f.mp, 2 * P, RW, MAP_SHARED, 0);
	is(mem_bad(t, a, 12, 0, 2 * P), 0, "read page 0");
	struct page *p = page_at(t, a);
	uint64_t pfn0 = page_to_pfn(s, p);
	list_init(&list);
	is(isolate(p, &list), 0, "isolate");
	set_page_writeback(p);
	uint64_t f1 = nfree(1);
	static const enum migrate_mode modes[] = { MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT };
	static const char *const names[] = { "ASYNC", "SYNC_LIGHT" };
	for (int k = 0; k < 2; k++) {
		reset_calls();
		is(migrate_pages(s, cpu, &list, counting_new, NODE(1), modes[k], NULL), 1,
		   "%s: 1 not migrated", names[k]);
		is(calls(), 1, "%s: -EBUSY is permanent: tried once", names[k]);
		is(list_len(&list), 1, "%s: the page is back on the list", names[k]);
		ok(pte(t, a).pfn == pfn0 && find_page_peek(f.mp, 0) == p, "%s: still mapped, still in its slot",
		   names[k]);
		ok(!page_locked(p) && page_test(p, PG_writeback), "%s: unlocked, still under writeback",
		   names[k]);
		is(nfree(1), f1, "%s: no destination leaked", names[k]);
	}
	struct mig_job j = { cpu, &list, MIGRATE_SYNC, 12345, 0 };
	reset_calls();
	is(pthread_create(&j.th, NULL, mig_main, &j), 0, "SYNC on a thread");
	ok(wait_for_sleeper(p), "it waits for the writeback");
	is(calls(), 4, "... in its 4th pass");
	end_page_writeback(s, p);
	pthread_join(j.th, NULL);
	is(j.ret, 0, "after end_page_writeback: migrated");
	struct page *np = page_at(t, a);
	ok(np && np != p && nid(np) == 1 && find_page_peek(f.mp, 0) == np, "on node 1, in the slot");
	is(mem_bad(t, a, 12, 0, 2 * P), 0, "data intact");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* No migratepage: fallback_migrate_page. */
static void test_migrate_fallback(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_fallback, 13, 4 * P);
	struct list_head list;

	printf("# 6d. a mapping without migratepage (fallback_migrate_page)\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);

	/* Clean, with buffers the fs releases: moves even in ASYNC. */
	is(mem_bad(t, a, 13, 0, 4 * P), 0, "read page 0");
	struct page *p = page_at(t, a);
	ok(p && page_test(p, PG_private), "it has buffers");
	list_init(&list);
	is(isolate(p, &list), 0, "isolate");
	unsigned rel0 = f.fs->releases;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_ASYNC, NULL), 0,
	   "clean page, ASYNC: migrated");
	struct page *np = page_at(t, a);
	ok(np && np != p && nid(np) == 1 && find_page_peek(f.mp, 0) == np, "on node 1, in the slot");
	is(f.fs->releases - rel0, 1, "releasepage was asked");
	ok(np && !page_test(np, PG_private) && !np->private, "the new page has no buffers");
	lru_add_drain_all(s);
	ok(np && page_count(np) == 2 && mapcount(np) == 1, "refcount 2 (slot, mapping)");
	is(mem_bad(t, a, 13, 0, 4 * P), 0, "data intact");

	/* Dirty: -EBUSY unless MIGRATE_SYNC, which writes it first. */
	is(store1(t, a + P + 4, 0x51), 0, "dirty page 1");
	p = page_at(t, a + P);
	uint64_t pfn0 = page_to_pfn(s, p);
	list_init(&list);
	is(isolate(p, &list), 0, "isolate it");
	uint64_t w0 = f.fs->writes;
	static const enum migrate_mode modes[] = { MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT };
	static const char *const names[] = { "ASYNC", "SYNC_LIGHT" };
	for (int k = 0; k < 2; k++) {
		reset_calls();
		is(migrate_pages(s, cpu, &list, counting_new, NODE(1), modes[k], NULL), 1,
		   "dirty, %s: 1 not migrated", names[k]);
		is(calls(), 1, "%s: -EBUSY: permanent, tried once", names[k]);
		ok(list_len(&list) == 1 && pte(t, a + P).pfn == pfn0 && find_page_peek(f.mp, 1) == p,
		   "%s: on the list, still mapped and in its slot", names[k]);
		ok(page_test(p, PG_dirty) && nr_dirty(f.mp) == 1, "%s: still dirty", names[k]);
		ok(pte(t, a + P).prot & PMAP_W, "%s: still writable", names[k]);
	}
	is(f.fs->writes, w0, "nothing written");
	reset_calls();
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "dirty, SYNC: migrated");
	is(nr, 1, "1 migrated");
	is(calls(), 2, "in the second pass (the first wrote it: -EAGAIN)");
	is(f.fs->writes - w0, BPP, "the page was written out");
	is(disk_byte(f.fs, P + 4), 0x51, "the store is on the disk");
	np = page_at(t, a + P);
	ok(np && np != p && nid(np) == 1 && find_page_peek(f.mp, 1) == np, "on node 1, in the slot");
	ok(np && !page_test(np, PG_dirty) && nr_dirty(f.mp) == 0, "clean");
	struct pmap_entry e = pte(t, a + P);
	ok(!(e.prot & PMAP_W) && !(e.flags & PMAP_DIRTY), "write-protected by the writeout");
	is(load1(t, a + P + 4), 0x51, "data intact");
	is(store1(t, a + P + 5, 0x52), 0, "a store");
	ok(np && page_test(np, PG_dirty) && nr_dirty(f.mp) == 1, "dirties it again");

	/* Buffers the fs will not release. */
	f.fs->refuse_release = true;
	is(mem_bad(t, a + 2 * P, 13, 2, 4 * P), 0, "read page 2");
	p = page_at(t, a + 2 * P);
	list_init(&list);
	is(isolate(p, &list), 0, "isolate it");
	reset_calls();
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_ASYNC, NULL), 1,
	   "buffers not released, ASYNC: 1 not migrated");
	is(calls(), 1, "-EBUSY: tried once");
	reset_calls();
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, NULL), 1,
	   "SYNC: 1 not migrated");
	is(calls(), MIGRATE_PASSES, "-EAGAIN: tried in all %d passes", MIGRATE_PASSES);
	ok(list_len(&list) == 1 && page_at(t, a + 2 * P) == p && find_page_peek(f.mp, 2) == p,
	   "on the list, still mapped and in its slot");
	ok(buffers_of(p), "its buffers are intact");
	putback_movable_pages(s, &list);
	ok(page_test(p, PG_lru) && !page_locked(p), "back on the LRU, unlocked");
	lru_add_drain_all(s);
	is(page_count(p), 3, "refcount 3 (slot, mapping, buffers)");
	is(mem_bad(t, a + 2 * P, 13, 2, 4 * P), 0, "data intact");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* migratepage = fail_migrate_page, and an extra reference. */
static void test_migrate_fail(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_fail, 14, 2 * P);
	struct list_head list;

	printf("# 6e. fail_migrate_page: a permanent failure, everything restored\n");
	uint64_t a = fmap(t, f.mp, 2 * P, RW, MAP_SHARED, 0);
	is(store1(t, a + 8, 0x61), 0, "dirty page 0");
	struct page *p = page_at(t, a);
	struct pmap_entry e0 = pte(t, a);
	struct buffer_head *bhs = page_buffers(p);
	uint64_t file0 = s->node[0].nr_file, file1 = s->node[1].nr_file;
	uint64_t f1 = nfree(1);
	list_init(&list);
	is(isolate(p, &list), 0, "isolate");
	reset_calls();
	unsigned nr = 9;
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, &nr), 1,
	   "migrate_pages: 1 not migrated");
	is(nr, 0, "none migrated");
	is(calls(), 1, "-EIO: permanent, not retried");
	ok(list_len(&list) == 1, "the page is back on the list");
	ok(find_page_peek(f.mp, 0) == p && p->mapping == (uintptr_t)f.mp && p->index == 0,
	   "still in its slot, mapping and index kept");
	struct pmap_entry e = pte(t, a);
	ok(e.kind == PMAP_PAGE && e.pfn == e0.pfn && e.prot == e0.prot &&
	   (e.flags & PMAP_DIRTY) == (e0.flags & PMAP_DIRTY), "mapped as before (writable, dirty)");
	ok(page_test(p, PG_dirty) && nr_dirty(f.mp) == 1, "still dirty, nr_dirty 1");
	ok(page_test(p, PG_uptodate) && page_buffers(p) == bhs && buffers_of(p), "uptodate, buffers kept");
	ok(!page_locked(p), "unlocked");
	ok(s->node[0].nr_file == file0 && s->node[1].nr_file == file1, "nr_file unchanged");
	is(nfree(1), f1, "the destination was freed");
	putback_movable_pages(s, &list);
	lru_add_drain_all(s);
	ok(page_test(p, PG_lru) && page_count(p) == 3, "back on the LRU, refcount 3");
	is(load1(t, a + 8), 0x61, "data intact");
	is(mem_bad(t, a, 14, 0, 2 * P), 1, "the rest too");
	mmsim_task_exit(t);
	file_drop(&f);

	printf("# 6f. an extra reference: retried, then given up\n");
	t = task_on(m, 0);
	cpu = task_enter(t);
	f = file_new(&ops_buffer, 15, 2 * P);
	a = fmap(t, f.mp, 2 * P, PROT_READ, MAP_SHARED, 0);
	is(mem_bad(t, a + P, 15, 1, 2 * P), 0, "read page 1");
	p = page_at(t, a + P);
	list_init(&list);
	is(isolate(p, &list), 0, "isolate");
	get_page(p);
	f1 = nfree(1);
	reset_calls();
	is(migrate_pages(s, cpu, &list, counting_new, NODE(1), MIGRATE_SYNC, NULL), 1,
	   "held by someone else: 1 not migrated");
	is(calls(), MIGRATE_PASSES, "the slot switch failed in all %d passes", MIGRATE_PASSES);
	ok(find_page_peek(f.mp, 1) == p && page_at(t, a + P) == p, "the old page: in its slot, mapped");
	ok(buffers_of(p), "buffers kept");
	is(nfree(1), f1, "no destination leaked");
	putback_movable_pages(s, &list);
	lru_add_drain_all(s);
	ok(page_test(p, PG_lru), "back on the LRU");
	is(page_count(p), 4, "refcount 4 (slot, mapping, buffers, ours)");
	put_page(s, p);
	list_init(&list);
	is(isolate(p, &list), 0, "reference dropped, isolate again");
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, NULL), 0,
	   "now it moves");
	ok(page_at(t, a + P) && nid(page_at(t, a + P)) == 1, "on node 1");
	is(mem_bad(t, a + P, 15, 1, 2 * P), 0, "data intact");
	mmsim_task_exit(t);
	file_drop(&f);
}

/*
 * Free pages must have refcount 0: find_get_page() takes speculative
 * references with get_page_unless_zero() on whatever page a stale slot
 * pointer names, which is only safe if a free page can never be referenced.
 * A migration batch allocates its destinations in bulk; one not used (its
 * source skipped) goes back to the buddy allocator with the rest.
 */
static unsigned referenced_frames(unsigned n)
{
	struct pglist_data *nd = &m->mm.node[n];
	unsigned bad = 0;
	for (uint64_t pfn = nd->start_pfn; pfn < nd->start_pfn + nd->nr_pages; pfn++) {
		struct page *q = pfn_to_page(&m->mm, pfn);
		bad += page_count(q) != 0;
	}
	return bad;
}

static void test_migrate_pool_leftover(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 18, 2 * P);
	struct list_head list;

	printf("# 6g. a destination left unused goes back free with refcount 0\n");
	uint64_t a = fmap(t, f.mp, 2 * P, PROT_READ, MAP_SHARED, 0);
	is(mem_bad(t, a, 18, 0, 2 * P), 0, "read page 0");
	is(mem_bad(t, a + P, 18, 1, 2 * P), 0, "read page 1");
	struct page *p0 = page_at(t, a), *p1 = page_at(t, a + P);
	list_init(&list);
	ok(!isolate(p0, &list) && !isolate(p1, &list), "isolate both");
	unsigned ref0 = referenced_frames(1);
	set_page_writeback(p0);	/* ASYNC: -EBUSY, a permanent failure: one pass only */
	unsigned nr = 0;
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_ASYNC, &nr), 1,
	   "migrate_pages(ASYNC): 1 not migrated");
	is(nr, 1, "page 1 migrated");
	end_page_writeback(s, p0);
	putback_movable_pages(s, &list);
	unsigned bad = referenced_frames(1) - ref0;
	ok(bad == 1, "after: one more frame of node 1 referenced, the new page (%u more)", bad);
	is(mem_bad(t, a, 18, 0, 2 * P), 0, "data intact");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- 7. truncation ---------------------------------------------------------------- */

static void set_size(struct address_space *mp, uint64_t size)
{
	__atomic_store_n(&mp->i_size, size, __ATOMIC_RELAXED);
	__atomic_store_n(&mp->nr_pages, (size + P - 1) / P, __ATOMIC_RELAXED);
}

static void test_truncate(void)
{
	struct mm_sys *s = &m->mm;
	struct mmsim_task *t = task_on(m, 0);
	struct hw_cpu *cpu = task_enter(t);
	struct tfile f = file_new(&ops_buffer, 16, 4 * P);
	uint64_t fa;
	uint8_t b;

	printf("# 7. truncate_inode_pages\n");
	uint64_t a = fmap(t, f.mp, 4 * P, RW, MAP_SHARED, 0);
	uint64_t c = fmap(t, f.mp, 4 * P, RW, MAP_PRIVATE, 0);
	for (unsigned i = 0; i < 4; i++)
		mem_bad(t, a + i * P, 16, i, 4 * P);
	is(store1(t, a + 3 * P, 0x71), 0, "dirty page 3 (shared)");
	is(store1(t, c + 2 * P, 0x72), 0, "a private copy of page 2");
	is(load1(t, c + 3 * P + 1), fbyte(16, 3 * P + 1), "the private mapping maps page 3 of the cache");
	lru_add_drain_all(s);
	uint64_t file0 = s->node[0].nr_file, free0 = nfree(0);
	struct page *p1 = page_at(t, a + P);
	is(nr_dirty(f.mp), 1, "nr_dirty 1");
	set_size(f.mp, 2 * P);
	truncate_inode_pages(s, cpu, f.mp, 2);
	ok(!find_page_peek(f.mp, 2) && !find_page_peek(f.mp, 3), "pages 2 and 3 left the cache");
	ok(find_page_peek(f.mp, 1) == p1, "page 1 stays");
	is(s->node[0].nr_file, file0 - 2, "nr_file -2");
	is(nr_dirty(f.mp), 0, "nr_dirty 0: the dirty page was dropped");
	pthread_mutex_lock(&f.mp->lock);
	ok(!radix_tree_tagged(&f.mp->pages, PAGECACHE_TAG_DIRTY), "no DIRTY tag left");
	pthread_mutex_unlock(&f.mp->lock);
	ok(pte(t, a + 2 * P).kind == PMAP_EMPTY && pte(t, a + 3 * P).kind == PMAP_EMPTY,
	   "their PTEs are gone");
	ok(pte(t, c + 2 * P).kind == PMAP_EMPTY, "the private COW copy past the end is gone too");
	lru_add_drain_all(s);
	is(nfree(0), free0 + 3, "3 frames freed (2 cache pages, 1 private copy)");
	is(mmsim_load(t, a + 2 * P, &b, 1, &fa), SIGBUS, "a load from page 2: SIGBUS");
	is(fa, a + 2 * P, "at page 2");
	is(mmsim_load(t, a + 3 * P + 9, &b, 1, &fa), SIGBUS, "a load from page 3: SIGBUS");
	is(store1(t, a + 3 * P, 1), SIGBUS, "a store to page 3: SIGBUS");
	is(mmsim_load(t, c + 2 * P, &b, 1, &fa), SIGBUS, "private mapping, page 2: SIGBUS");
	is(mem_bad(t, a + P, 16, 1, 4 * P), 0, "page 1 still reads");
	ok(pte(t, a + P).kind == PMAP_PAGE, "and stays mapped");

	/* An isolated page truncated before it migrates: counts as moved. */
	struct list_head list;
	struct page *p0 = page_at(t, a);
	list_init(&list);
	is(isolate(p0, &list), 0, "isolate page 0");
	set_size(f.mp, 0);
	truncate_inode_pages(s, cpu, f.mp, 0);
	ok(!find_page_peek(f.mp, 0) && p0->mapping == 0, "truncated to 0: page 0 left the cache");
	lru_add_drain_all(s);
	is(page_count(p0), 1, "only the isolation holds it");
	unsigned nr = 0;
	free0 = nfree(0);
	is(migrate_pages(s, cpu, &list, alloc_migration_target, NODE(1), MIGRATE_SYNC, &nr), 0,
	   "migrate_pages: 0");
	ok(nr == 1 && list_empty(&list), "counted as migrated: it was freed");
	is(nfree(0), free0 + 1, "its frame is free");
	is(mmsim_load(t, a, &b, 1, &fa), SIGBUS, "page 0: SIGBUS");
	mmsim_task_exit(t);
	file_drop(&f);
}

/*
 * A fault racing with truncate: the fault has found the page (its read is
 * in progress, the page locked) when another thread shrinks the file and
 * truncates.  Linux rechecks the page's mapping and i_size under the page
 * lock before mapping it (filemap_fault, finish_fault) so the access gets
 * SIGBUS; nothing may stay mapped past the end of the file.
 */
struct trunc_race {
	struct address_space *mp;
	struct page *reading;
	int started;
	pthread_t th;
};

static void *truncate_main(void *arg)
{
	struct trunc_race *r = arg;
	set_size(r->mp, P);
	truncate_inode_pages(&m->mm, NULL, r->mp, 1);
	return NULL;
}

static void race_hook(struct fakefs *fs, struct address_space *mp, struct page *p)
{
	struct trunc_race *r = fs->hook_arg;
	if (r->started || p->index != 1)
		return;
	r->started = 1;
	r->reading = p;
	pthread_create(&r->th, NULL, truncate_main, r);
	/* The truncation waits for this page's lock: then read on. */
	wait_for_sleeper(p);
}

static void test_truncate_race(void)
{
	struct mmsim_task *t = task_on(m, 0);
	struct tfile f = file_new(&ops_buffer, 17, 2 * P);
	struct trunc_race r;
	uint64_t fa;
	uint8_t b = 0;

	printf("# 7b. a fault racing with truncate\n");
	memset(&r, 0, sizeof r);
	r.mp = f.mp;
	f.fs->hook_arg = &r;
	f.fs->read_hook = race_hook;
	uint64_t a = fmap(t, f.mp, 2 * P, PROT_READ, MAP_SHARED, 0);
	int sig = mmsim_load(t, a + P, &b, 1, &fa);
	ok(r.started, "the truncation ran while the page was being read");
	if (r.started)
		pthread_join(r.th, NULL);
	f.fs->read_hook = NULL;
	ok(!find_page_peek(f.mp, 1), "the page is not in the cache");
	sig = mmsim_load(t, a + P, &b, 1, &fa);
	struct pmap_entry e = pte(t, a + P);
	ok(sig == SIGBUS, "a load past the new end after the truncation: SIGBUS (got %d)", sig);
	ok(e.kind != PMAP_PAGE, "nothing left mapped past the end of the file");
	mmsim_task_exit(t);
	file_drop(&f);
}

/* ---- main --------------------------------------------------------------------------- */

int main(void)
{
	struct mmsim_config cfg;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_config(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 2;
	if (mmsim_create(&cfg, &m)) {
		ok(0, "machine");
		return done_testing();
	}
	test_read_fault();
	test_read_error();
	test_eof();
	test_partial_page();
	test_shared_dirty();
	test_mprotect_wrnotify();
	test_write_error();
	test_private();
	test_msync();
	test_migrate_clean();
	test_migrate_dirty();
	test_migrate_writeback();
	test_migrate_fallback();
	test_migrate_fail();
	test_migrate_pool_leftover();
	test_truncate();
	test_truncate_race();
	mmsim_destroy(m);
	mem_cgroup_free(&memcg);
	return done_testing();
}
