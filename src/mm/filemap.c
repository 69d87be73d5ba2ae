/*
 * filemap.c - the page cache: lookups, insertion and reading of pages,
 * dirty pages and their writeback, truncation; and the page lock and the
 * waits for a page's lock or writeback, with the slow path of the core's
 * spinlocks.
 *
 * Page cache.  An address_space's pages sit in its RCU radix tree.  A
 * lookup takes a speculative reference (get_page_unless_zero) and checks
 * the slot still holds that page: migration replaces a slot's page with
 * the old page's count frozen at 0, so a racing lookup either fails the
 * reference and retries or finds the new page.  A new file page enters the
 * cache locked and not uptodate, then is read outside every lock; others
 * who find it wait on its lock.  Writeback locks the page, write-protects
 * its shared mappings (page_mkclean), clears PG_dirty, sets PG_writeback
 * and calls the mapping's writepage.
 *
 * Page lock.  PG_locked is a sleeping bit lock held across long operations
 * (migrating a page, reading it from disk); PG_writeback marks a page being
 * written.  Both can be waited for.  As in Linux, struct page has no room
 * for a wait queue: waiters sleep on one of a fixed table of queues chosen
 * by hashing the page, and set PG_waiters so that whoever clears the bit
 * knows it must wake the queue.  Several pages share a queue; every waiter
 * rechecks its own page's bit after a wake-up.
 *
 * Ordering: a waiter sets PG_waiters, then rechecks the bit, both under the
 * queue's mutex; the waker clears the bit, then reads PG_waiters, then
 * takes the mutex to broadcast.  With sequentially consistent flag updates
 * one of the two always sees the other, so no wake-up is lost.  The waker
 * clears PG_waiters under the mutex; sleepers still waiting set it again
 * before they sleep.
 */
#include "mm.h"

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdlib.h>

#define WAIT_TABLE_BITS 8
#define WAIT_TABLE_SIZE (1u << WAIT_TABLE_BITS)

struct page_wait_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static struct page_wait_queue wait_table[WAIT_TABLE_SIZE];
static pthread_once_t wait_table_once = PTHREAD_ONCE_INIT;

static void wait_table_init(void)
{
	for (unsigned i = 0; i < WAIT_TABLE_SIZE; i++) {
		pthread_mutex_init(&wait_table[i].lock, NULL);
		pthread_cond_init(&wait_table[i].cond, NULL);
	}
}

static struct page_wait_queue *page_waitqueue(const struct page *p)
{
	pthread_once(&wait_table_once, wait_table_init);
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
	return &wait_table[h >> (64 - WAIT_TABLE_BITS)];
}

static bool test_bit_sc(const struct page *p, enum pageflags bit)
{
	return __atomic_load_n(&p->flags, __ATOMIC_SEQ_CST) & (1u << bit);
}

/* Sleeps until `bit` of p is clear; with `take`, also sets it (a lock). */
static void wait_on_bit(struct page *p, enum pageflags bit, bool take)
{
	struct page_wait_queue *q = page_waitqueue(p);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		__atomic_or_fetch(&p->flags, 1u << PG_waiters, __ATOMIC_SEQ_CST);
		if (take) {
			if (!(__atomic_fetch_or(&p->flags, 1u << bit, __ATOMIC_SEQ_CST) & (1u << bit)))
				break;
		} else if (!test_bit_sc(p, bit)) {
			break;
		}
		pthread_cond_wait(&q->cond, &q->lock);
	}
	pthread_mutex_unlock(&q->lock);
}

static void wake_up_bit(struct page *p)
{
	if (!test_bit_sc(p, PG_waiters))
		return;
	struct page_wait_queue *q = page_waitqueue(p);
	pthread_mutex_lock(&q->lock);
	__atomic_and_fetch(&p->flags, ~(1u << PG_waiters), __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

bool trylock_page(struct page *p)
{
	return !(__atomic_fetch_or(&p->flags, 1u << PG_locked, __ATOMIC_SEQ_CST) &
		 (1u << PG_locked));
}

void lock_page(struct page *p)
{
	if (!trylock_page(p))
		wait_on_bit(p, PG_locked, true);
}

void unlock_page(struct page *p)
{
	__atomic_and_fetch(&p->flags, ~(1u << PG_locked), __ATOMIC_SEQ_CST);
	wake_up_bit(p);
}

void set_page_writeback(struct page *p)
{
	__atomic_or_fetch(&p->flags, 1u << PG_writeback, __ATOMIC_SEQ_CST);
}

void end_page_writeback(struct mm_sys *s, struct page *p)
{
	/* Before PG_writeback clears, as Linux's: no one may free the page
	 * while it is written, so it is still ours to move. */
	if (__atomic_fetch_and(&p->flags, ~(1u << PG_reclaim), __ATOMIC_SEQ_CST) &
	    (1u << PG_reclaim))
		rotate_reclaimable_page(s, p);
	__atomic_and_fetch(&p->flags, ~(1u << PG_writeback), __ATOMIC_SEQ_CST);
	wake_up_bit(p);
}

void wait_on_page_writeback(struct page *p)
{
	if (test_bit_sc(p, PG_writeback))
		wait_on_bit(p, PG_writeback, false);
}

/* ---- spinlocks ---------------------------------------------------------------- */

void spin_lock_slow(spinlock_t *l)
{
	__atomic_add_fetch(&l->waiting, 1, __ATOMIC_RELAXED);
	for (unsigned spins = 0;; spins++) {
		if (!__atomic_load_n(&l->locked, __ATOMIC_RELAXED) && spin_trylock(l))
			break;
		if (spins % 64 == 63)
			sched_yield();	/* the holder's thread may be off the CPU */
		else
			__builtin_ia32_pause();
	}
	__atomic_sub_fetch(&l->waiting, 1, __ATOMIC_RELAXED);
}

/*
 * For a fault that found a migration entry: called with the page-table
 * lock held (which keeps the page from being unlocked and freed under us),
 * joins the page's wait queue, then drops that lock and sleeps until the
 * page is unlocked (or another page of its wait queue is: the caller
 * retries the fault either way).  Being queued with PG_waiters set before the lock is
 * dropped is what lets the waiter hold no reference: the migration cannot
 * unlock the page before it has taken the page-table lock to rewrite the
 * entry, so its unlock_page() sees PG_waiters and wakes us.
 */
void wait_on_page_locked_drop(struct page *p, spinlock_t *ptl)
{
	struct page_wait_queue *q = page_waitqueue(p);
	pthread_mutex_lock(&q->lock);
	__atomic_or_fetch(&p->flags, 1u << PG_waiters, __ATOMIC_SEQ_CST);
	spin_unlock(ptl);
	/* One wake-up only, then the fault retries: once unlocked, the page
	 * may be freed and reused at once, and a waiter that looped (setting
	 * PG_waiters again) could be waiting on a stranger's page whose
	 * flags its new owner writes without atomics. */
	if (test_bit_sc(p, PG_locked))
		pthread_cond_wait(&q->cond, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

/* ---- the page cache ------------------------------------------------------------- */

void page_cache_count(struct mm_sys *s, const struct address_space *m, const struct page *p,
		      int d)
{
	struct pglist_data *n = &s->node[page_to_nid(s, p)];
	uint64_t *c = mapping_is_file(m) ? &n->nr_file : &n->nr_shmem;
	__atomic_add_fetch(c, (uint64_t)(int64_t)d, __ATOMIC_RELAXED);
}

struct page *find_get_page(struct mm_sys *s, struct address_space *m, uint64_t idx)
{
	struct page *p;
	radix_tree_read_lock();
	for (;;) {
		p = radix_tree_lookup(&m->pages, idx);
		if (!p || radix_is_swap(p)) {
			p = NULL;	/* a shmem page out on swap */
			break;
		}
		if (!get_page_unless_zero(p))
			continue;	/* frozen by migration: the slot is changing */
		if (radix_tree_lookup(&m->pages, idx) == p)
			break;
		/* Our reference is to a page that left the slot meanwhile. */
		put_page(s, p);
	}
	radix_tree_read_unlock();
	return p;
}

struct page *find_page_peek(struct address_space *m, uint64_t idx)
{
	if (idx >= m->nr_pages)
		return NULL;
	radix_tree_read_lock();
	struct page *p = radix_tree_lookup(&m->pages, idx);
	radix_tree_read_unlock();
	return radix_is_swap(p) ? NULL : p;
}

static struct address_space *page_file_mapping(const struct page *p);

/* A page of m became dirty or clean: m's count, and the machine's for a file. */
static void account_dirty(struct mm_sys *s, struct address_space *m, bool dirty)
{
	uint64_t d = dirty ? 1 : (uint64_t)-1;
	__atomic_add_fetch(&m->nr_dirty, d, __ATOMIC_RELAXED);
	if (m->a_ops)	/* a file's (m is never NULL here) */
		__atomic_add_fetch(&s->nr_file_dirty, d, __ATOMIC_RELAXED);
}

/* Takes p out of its slot (p locked or unreachable; m->lock held). */
static void delete_from_page_cache_locked(struct mm_sys *s, struct address_space *m,
					  struct page *p)
{
	radix_tree_delete(&m->pages, p->index);
	page_cache_count(s, m, p, -1);
	if (page_test(p, PG_dirty)) {
		page_clear(p, PG_dirty);
		account_dirty(s, m, false);
	}
	p->mapping = 0;
}

/*
 * A new page for slot idx, inserted locked (a file's, to be read) or
 * uptodate (shared anonymous memory, zeroed).  NULL with *err: -ENOMEM,
 * -EFAULT (past the end meanwhile), -EEXIST (someone else was first).
 */
static struct page *add_new_page(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
				 uint64_t idx, unsigned nid, uint64_t nodemask, bool write, int *err)
{
	bool file = mapping_is_file(m);
	uint64_t ilx;
	bool ref;
	struct mempolicy *pol = mapping_alloc_policy(cpu, m, idx, &ilx, &ref);
	struct page *p = alloc_pages_mpol(s, cpu, pol, ilx, nid, 0, file ? 0 : GFP_ZERO, nodemask);
	if (ref)
		mpol_put(pol);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	/* Charged to the memcg of the task that brings the page in. */
	if (cpu && (*err = mem_cgroup_charge(s, cpu, current_memcg(cpu), p))) {
		put_page(s, p);
		return NULL;
	}
	/* Nobody else uses it yet, but the buddy allocator may peek at its
	 * flags (merging a neighbour): atomic flag stores. */
	p->mapping = (uintptr_t)m;
	p->index = idx;
	__atomic_or_fetch(&p->flags,
			  file ? (1u << PG_locked) : (1u << PG_swapbacked) | (1u << PG_uptodate),
			  __ATOMIC_RELAXED);
	pthread_mutex_lock(&m->lock);
	*err = idx >= m->nr_pages ? -EFAULT : radix_tree_insert(&m->pages, idx, p);
	if (*err) {
		pthread_mutex_unlock(&m->lock);
		p->mapping = 0;
		page_clear(p, PG_locked);
		put_page(s, p);
		return NULL;
	}
	/* The cache's reference is the allocation's; the caller gets one. */
	page_cache_count(s, m, p, 1);
	get_page(p);
	uint64_t shadow = shadow_take(m, idx);
	pthread_mutex_unlock(&m->lock);
	if (!write)
		workingset_refault(s, p, shadow);
	TRACE("mm_filemap_add_to_page_cache", "dev %u:%u ino %llx pfn=0x%llx ofs=%llu order=0",
	      m->dev_major, m->dev_minor, (unsigned long long)m->ino,
	      (unsigned long long)page_to_pfn(s, p), (unsigned long long)(idx << PAGE_SHIFT));
	if (cpu)
		lru_cache_add(s, cpu->id, p);
	return p;
}

int remove_mapping(struct mm_sys *s, struct page *p, struct mem_cgroup *target)
{
	VM_BUG_ON_PAGE(!page_locked(p), p);
	if (page_test(p, PG_swapcache))
		return swap_cache_remove_frozen(s, p, target);	/* leaves the shadow */
	struct address_space *m = page_file_mapping(p);
	if (!m)
		return 0;
	pthread_mutex_lock(&m->lock);
	/* The slot's reference and the reclaimer's, no one else's: a lookup
	 * that raced us fails get_page_unless_zero on the frozen count. */
	if (radix_tree_lookup(&m->pages, p->index) != p || page_test(p, PG_dirty) ||
	    !page_ref_freeze(p, 2)) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	delete_from_page_cache_locked(s, m, p);
	if (mapping_is_file(m))
		shadow_store(m, p->index, workingset_eviction(s, p, target));
	page_ref_unfreeze(p, 1);
	pthread_mutex_unlock(&m->lock);
	return 1;
}

/* A file page that failed to read leaves the cache (p locked, referenced). */
static void drop_unread_page(struct mm_sys *s, struct address_space *m, struct page *p)
{
	pthread_mutex_lock(&m->lock);
	if (p->mapping == (uintptr_t)m && radix_tree_lookup(&m->pages, p->index) == p) {
		delete_from_page_cache_locked(s, m, p);
		pthread_mutex_unlock(&m->lock);
		discard_buffers(s, p);	/* a failed read may have made some */
		put_page(s, p);		/* the slot's reference */
	} else {
		pthread_mutex_unlock(&m->lock);
	}
}

/* p (referenced) is in the cache but not uptodate: someone reads it, or
 * the read failed.  Wait for the reader; read it ourselves if needed. */
static int wait_page_uptodate(struct mm_sys *s, struct address_space *m, struct page *p)
{
	lock_page(p);
	int err = 0;
	if (p->mapping != (uintptr_t)m)
		err = -EAGAIN;		/* truncated, or the read failed */
	else if (!page_test(p, PG_uptodate) && (err = m->a_ops->readpage(m, p)) == 0)
		page_set(p, PG_uptodate);
	if (err && err != -EAGAIN)
		drop_unread_page(s, m, p);
	unlock_page(p);
	return err;
}

struct page *pagecache_get_page(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
				uint64_t idx, unsigned nid, uint64_t nodemask, bool write, int *err,
				bool *major)
{
	for (;;) {
		if (idx >= __atomic_load_n(&m->nr_pages, __ATOMIC_RELAXED)) {
			*err = -EFAULT;
			return NULL;
		}
		struct page *p = find_get_page(s, m, idx);
		if (p) {
			if (page_test(p, PG_uptodate))
				return p;
			*err = wait_page_uptodate(s, m, p);
			if (!*err)
				return p;
			put_page(s, p);
			if (*err != -EAGAIN)
				return NULL;
			continue;
		}
		if (!mapping_is_file(m)) {
			radix_tree_read_lock();
			void *item = radix_tree_lookup(&m->pages, idx);
			radix_tree_read_unlock();
			if (radix_is_swap(item)) {
				p = shmem_swapin(s, cpu, m, idx, radix_swap_slot(item), nid, nodemask,
						 major, err);
				if (!p && *err == -EAGAIN)
					continue;
				return p;
			}
		}
		p = add_new_page(s, cpu, m, idx, nid, nodemask, write, err);
		if (!p) {
			if (*err == -EEXIST)
				continue;
			return NULL;
		}
		if (!mapping_is_file(m))
			return p;
		/* Read outside every lock: others wait on the page lock.
		 * The faulting CPU waits for the disk. */
		if (major)
			*major = true;
		*err = m->a_ops->readpage(m, p);
		hw_charge_disk_io(cpu);
		if (!*err) {
			page_set(p, PG_uptodate);
			unlock_page(p);
			return p;
		}
		drop_unread_page(s, m, p);
		unlock_page(p);
		put_page(s, p);
		return NULL;
	}
}

static struct address_space *page_file_mapping(const struct page *p)
{
	uintptr_t m = __atomic_load_n(&p->mapping, __ATOMIC_RELAXED);
	return (m & PAGE_MAPPING_ANON) ? NULL : (struct address_space *)m;
}

/* Is p (still) in its slot of m?  m->lock held. */
static bool page_in_slot(struct address_space *m, struct page *p)
{
	return p->mapping == (uintptr_t)m && radix_tree_lookup(&m->pages, p->index) == p;
}

/* Sets or clears a page-cache tag of p, if p is still in its slot. */
static void page_tag(struct address_space *m, struct page *p, unsigned tag, bool set)
{
	pthread_mutex_lock(&m->lock);
	if (page_in_slot(m, p)) {
		if (set)
			radix_tree_tag_set(&m->pages, p->index, tag);
		else
			radix_tree_tag_clear(&m->pages, p->index, tag);
	}
	pthread_mutex_unlock(&m->lock);
}

/*
 * PG_dirty and the DIRTY tag change together under m->lock: were they
 * two steps, writeback clearing a page (flag, then tag) could interleave
 * with a store dirtying it again (flag, then tag) and leave a dirty page
 * untagged - never written again.  A page not in its slot (an anonymous
 * page, or one leaving the cache) only has its flag.
 */
static bool change_page_dirty(struct page *p, bool dirty)
{
	struct address_space *m = page_file_mapping(p);
	if (m)
		pthread_mutex_lock(&m->lock);
	uint32_t bit = 1u << PG_dirty;
	uint32_t old = dirty ? __atomic_fetch_or(&p->flags, bit, __ATOMIC_RELAXED)
			     : __atomic_fetch_and(&p->flags, ~bit, __ATOMIC_RELAXED);
	bool changed = !(old & bit) == dirty;
	if (m) {
		if (changed && page_in_slot(m, p)) {
			account_dirty(m->sys, m, dirty);
			if (dirty && mapping_is_file(m))
				/* Linux's writeback:writeback_dirty_folio (shared
				 * memory has no writeback to tell of). */
				TRACE("writeback_dirty_folio", "bdi %u:%u: ino=%llu index=%llu",
				      m->dev_major, m->dev_minor, (unsigned long long)m->ino,
				      (unsigned long long)p->index);
			if (dirty)
				radix_tree_tag_set(&m->pages, p->index, PAGECACHE_TAG_DIRTY);
			else
				radix_tree_tag_clear(&m->pages, p->index, PAGECACHE_TAG_DIRTY);
		}
		pthread_mutex_unlock(&m->lock);
	}
	return changed;
}

bool set_page_dirty(struct page *p)
{
	if (page_test(p, PG_dirty))
		return false;
	return change_page_dirty(p, true);
}

static bool test_clear_page_dirty(struct page *p)
{
	if (!page_test(p, PG_dirty))
		return false;
	return change_page_dirty(p, false);
}

/* Before a locked page is written: its shared mappings become read-only
 * and clean (their dirt moves to the page), then PG_dirty is cleared.
 * A store after this faults and dirties the page again. */
static bool clear_page_dirty_for_io(struct mm_sys *s, struct hw_cpu *cpu, struct page *p)
{
	if (folio_mapcount(p) && page_mkclean(s, cpu, p))
		set_page_dirty(p);
	return test_clear_page_dirty(p);
}

int write_one_page(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m, struct page *p)
{
	wait_on_page_writeback(p);
	if (p->mapping != (uintptr_t)m || !clear_page_dirty_for_io(s, cpu, p))
		return 0;
	set_page_writeback(p);
	page_tag(m, p, PAGECACHE_TAG_WRITEBACK, true);
	int err = m->a_ops->writepage(m, p);
	hw_charge_disk_io(cpu);		/* the writer waits for its request */
	if (err) {
		/* As Linux: the page stays clean with PG_error, and the
		 * next fsync of the file reports the error once. */
		page_set(p, PG_error);
		__atomic_store_n(&m->wb_err, err, __ATOMIC_RELAXED);
	}
	page_tag(m, p, PAGECACHE_TAG_WRITEBACK, false);
	end_page_writeback(s, p);
	return err;
}

/* ---- dirty limits (Linux's page-writeback.c) ------------------------------------------ */

void dirty_limits(struct mm_sys *s, uint64_t *background, uint64_t *thresh)
{
	int64_t above_reserve = 0;
	uint64_t file = 0;
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		above_reserve += node_pages_above(s, n, WMARK_HIGH);
		file += lru_size(s, n, LRU_INACTIVE_FILE) + lru_size(s, n, LRU_ACTIVE_FILE);
	}
	uint64_t dirtyable = (above_reserve > 0 ? (uint64_t)above_reserve : 0) + file;
	*thresh = dirtyable * s->dirty_ratio / 100;
	*background = dirtyable * s->dirty_background_ratio / 100;
	if (*background >= *thresh)
		*background = *thresh / 2;
}

void balance_dirty_pages(struct mm_sys *s)
{
	uint64_t background, thresh;
	if (!s->flusher)
		return;
	dirty_limits(s, &background, &thresh);
	if (__atomic_load_n(&s->nr_file_dirty, __ATOMIC_RELAXED) <= background)
		return;
	/* One flusher at a time: a second dirtier goes on meanwhile. */
	if (__atomic_exchange_n(&s->flushing, 1, __ATOMIC_ACQUIRE))
		return;
	s->flusher(s->flusher_arg, background);
	__atomic_store_n(&s->flushing, 0, __ATOMIC_RELEASE);
}

/* Pages of [start, end) collected with a reference (writeback takes the
 * dirty and the under-writeback ones: a page both comes twice, harmless). */
struct dirty_scan {
	struct page **v;
	unsigned n, cap;
	uint64_t start, end;
	int err;
};

/* Takes a reference on a page in [d->start, d->end) and keeps it. */
static void collect_page(void *arg, uint64_t index, void *item)
{
	struct dirty_scan *d = arg;
	struct page *p = item;
	if (d->err || index < d->start || index >= d->end || radix_is_swap(item))
		return;
	if (d->n == d->cap) {
		unsigned cap = d->cap ? d->cap * 2 : 64;
		struct page **v = realloc(d->v, cap * sizeof *v);
		if (!v) {
			d->err = -ENOMEM;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	get_page(p);
	d->v[d->n++] = p;
}

int filemap_write_and_wait_range(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
				 uint64_t start, uint64_t end)
{
	if (!mapping_is_file(m))
		return 0;
	/* A clean page has no writable shared PTE (write-notify): only a
	 * write fault makes one, and it dirties the page. */
	struct dirty_scan d = { NULL, 0, 0, start, end, 0 };
	pthread_mutex_lock(&m->lock);
	radix_tree_for_each_tagged(&m->pages, start, PAGECACHE_TAG_DIRTY, collect_page, &d);
	radix_tree_for_each_tagged(&m->pages, start, PAGECACHE_TAG_WRITEBACK, collect_page, &d);
	pthread_mutex_unlock(&m->lock);
	int err = d.err;
	for (unsigned i = 0; i < d.n; i++) {
		struct page *p = d.v[i];
		lock_page(p);
		int e = write_one_page(s, cpu, m, p);
		unlock_page(p);
		put_page(s, p);
		if (e && !err)
			err = e;
	}
	free(d.v);
	int pending = __atomic_exchange_n(&m->wb_err, 0, __ATOMIC_RELAXED);
	return err ? err : pending;
}

int filemap_fsync_range(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			uint64_t start, uint64_t end)
{
	if (!mapping_is_file(m))
		return 0;
	int err = filemap_write_and_wait_range(s, cpu, m, start, end);
	int e2 = m->a_ops->fsync ? m->a_ops->fsync(m) : 0;
	return err ? err : e2;
}

/*
 * msync(2) as Linux 6.12 does it: MS_ASYNC is a no-op (dirty pages are
 * tracked anyway), MS_INVALIDATE only refuses locked ranges, MS_SYNC
 * fsyncs the part of each shared file mapping in the range.  A hole in the
 * range is -ENOMEM, reported after the rest is done (MS_ASYNC stops at it).
 */
int do_msync(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len, int flags)
{
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	/* Linux's rounding, wrap-around included. */
	uint64_t end = start + ((len + PAGE_SIZE - 1) & PAGE_MASK);
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	int err, unmapped_error = 0;
	pthread_rwlock_rdlock(&mm->mmap_lock);
	struct vm_area_struct *vma = find_vma(mm, start);
	for (;;) {
		err = -ENOMEM;
		if (!vma)
			break;
		if (start < vma->vm_start) {
			if (flags == MS_ASYNC)
				break;
			start = vma->vm_start;
			if (start >= end)
				break;
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED)) {
			err = -EBUSY;
			break;
		}
		struct address_space *file = vma->vm_file;
		uint64_t first = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
		uint64_t last = first + (((end < vma->vm_end ? end : vma->vm_end) - start) >> PAGE_SHIFT);
		start = vma->vm_end;
		if ((flags & MS_SYNC) && file && (vma->vm_flags & VM_SHARED)) {
			mapping_get(file);
			pthread_rwlock_unlock(&mm->mmap_lock);
			err = filemap_fsync_range(mm->sys, cpu, file, first, last);
			mapping_put(mm->sys, file);
			if (err || start >= end)
				return err ? err : unmapped_error;
			pthread_rwlock_rdlock(&mm->mmap_lock);
			vma = find_vma(mm, start);
		} else {
			if (start >= end) {
				err = 0;
				break;
			}
			vma = find_vma(mm, vma->vm_end);
		}
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err ? err : unmapped_error;
}

/* ---- truncation ------------------------------------------------------------------- */

void unmap_mapping_range(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			 uint64_t start, uint64_t end)
{
	pthread_mutex_lock(&m->i_mmap_lock);
	for (struct list_head *l = m->vmas.next; l != &m->vmas; l = l->next) {
		struct vm_area_struct *v = list_entry(l, struct vm_area_struct, shared);
		uint64_t first = v->vm_pgoff, last = v->vm_pgoff + vma_pages(v);
		if (last <= start || first >= end)
			continue;
		uint64_t a = v->vm_start + ((first < start ? start - first : 0) << PAGE_SHIFT);
		uint64_t b = v->vm_end - ((last > end ? last - end : 0) << PAGE_SHIFT);
		struct mmu_gather tlb;
		tlb_gather_mmu(&tlb, v->vm_mm, cpu);
		zap_vma_range(&tlb, v, a, b);
		tlb_finish_mmu(&tlb);
	}
	pthread_mutex_unlock(&m->i_mmap_lock);
}

/* Takes page p (referenced, found in m's slot) out of m, unless someone
 * else took or replaced it while we waited for its lock. */
static void truncate_page(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			  struct page *p)
{
	lock_page(p);
	wait_on_page_writeback(p);
	/* A fault may have mapped it after the first unmap: the page lock
	 * keeps new ones out now (faults map locked pages). */
	if (folio_mapcount(p))
		unmap_mapping_range(s, cpu, m, p->index, p->index + 1);
	pthread_mutex_lock(&m->lock);
	bool ours = p->mapping == (uintptr_t)m && radix_tree_lookup(&m->pages, p->index) == p;
	if (ours)
		delete_from_page_cache_locked(s, m, p);
	pthread_mutex_unlock(&m->lock);
	if (ours) {
		if (page_test(p, PG_private))
			discard_buffers(s, p);
		put_page(s, p);		/* the slot's reference */
	}
	unlock_page(p);
	put_page(s, p);
}

/*
 * One slot at a time, from the lowest, with no list to allocate: each
 * page is locked before it goes (a reclaim or a migration holding it
 * finishes first, and whatever it left in the slot - a swap value, the
 * new page - is met on the next look), so the loop ends when the range
 * is empty.  Shared memory's swap values are freed on the way.
 */
void truncate_inode_pages(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			  uint64_t from)
{
	unmap_mapping_range(s, cpu, m, from, UINT64_MAX);
	pthread_mutex_lock(&m->lock);
	shadows_truncate(m, from);
	pthread_mutex_unlock(&m->lock);
	uint64_t idx = from;
	for (;;) {
		pthread_mutex_lock(&m->lock);
		void *item = radix_tree_next(&m->pages, idx, &idx);
		if (!item) {
			pthread_mutex_unlock(&m->lock);
			return;
		}
		if (radix_is_swap(item)) {
			radix_tree_delete(&m->pages, idx);
			pthread_mutex_unlock(&m->lock);
			free_swap_shmem(s, radix_swap_slot(item));
			continue;
		}
		struct page *p = item;
		VM_BUG_ON_PAGE(p->mapping != (uintptr_t)m || p->index != idx, p);
		get_page(p);
		pthread_mutex_unlock(&m->lock);
		truncate_page(s, cpu, m, p);
	}
}

/* ---- migration of page-cache pages ------------------------------------------------- */

int migrate_page_move_mapping(struct mm_sys *s, struct address_space *m, struct page *dst,
			      struct page *src, int extra)
{
	uint64_t idx = src->index;
	int expected = 1 + extra + (page_test(src, PG_private) ? 1 : 0);

	pthread_mutex_lock(&m->lock);
	if (radix_tree_lookup(&m->pages, idx) != src || !page_ref_freeze(src, expected)) {
		pthread_mutex_unlock(&m->lock);
		return -EAGAIN;
	}
	dst->mapping = src->mapping;
	dst->index = src->index;
	get_page(dst);			/* the slot's reference moves over */
	radix_tree_replace(&m->pages, idx, dst);
	/* The slot's reference left with the slot; the buffers' reference
	 * moves with the buffers (the caller's migratepage). */
	page_ref_unfreeze(src, expected - 1);
	src->mapping = 0;
	page_cache_count(s, m, src, -1);
	page_cache_count(s, m, dst, 1);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int migrate_page(struct mm_sys *s, struct address_space *m, struct page *dst, struct page *src,
		 enum migrate_mode mode)
{
	(void)mode;
	if (page_test(src, PG_private))
		return -EAGAIN;		/* buffers nobody can move */
	return migrate_page_move_mapping(s, m, dst, src, 1);
}

int fail_migrate_page(struct mm_sys *s, struct address_space *m, struct page *dst,
		      struct page *src, enum migrate_mode mode)
{
	(void)s, (void)m, (void)dst, (void)src, (void)mode;
	return -EIO;
}
