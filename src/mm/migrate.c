/*
 * migrate.c - moving pages to other frames (other NUMA nodes) while they
 * stay mapped: the migration core behind move_pages(2), migrate_pages(2)
 * and NUMA balancing.
 *
 * A page is migrated in two halves, as in Linux since 6.3:
 *
 *   unmap   allocate the destination, lock the page, wait for (or skip)
 *           writeback, replace every mapping by a migration entry
 *           (try_to_migrate: rmap.c); the TLB flush is deferred
 *   flush   one flush for every page unmapped in the batch
 *   move    check the page's references (only ours, plus the page cache's
 *           for shared memory), copy data and flags, switch the page-cache
 *           slot with the count frozen at 0, then turn the migration
 *           entries into mappings of the new page (remove_migration_ptes)
 *
 * A batch holds up to MIGRATE_BATCH_PAGES pages.  migrate_pages() makes up
 * to MIGRATE_PASSES passes over the list: -EAGAIN (page locked, under
 * writeback, or referenced by someone else) retries in the next pass,
 * -ENOMEM stops everything, anything else fails the page for good.  The
 * first three passes never sleep: they trylock and skip, and batch; from
 * the fourth on, pages go one at a time and, as the mode allows, wait for
 * the page lock (SYNC_LIGHT, SYNC) and for writeback (SYNC).  Waiting for
 * one page's lock while holding another's could deadlock, which is why
 * only single-page batches wait.
 *
 * When moving fails after the unmap, the migration entries are turned back
 * into mappings of the old page: a program never sees the difference.
 *
 * A huge page moves whole, unless part of it was unmapped (partially
 * mapped, Linux's deferred-split queue): then it is split first and its
 * still-mapped 4 KiB pages move one by one, as Linux 6.12 does.
 *
 * Reference counts: an isolated page holds one reference for its isolation
 * and none for the migration entries (those dropped their mapping's
 * reference when they were installed).  An anonymous page is movable when
 * that is all; a shared-memory page also has its page-cache reference.
 *
 * Locks taken: page locks (src, then dst), then through rmap.c the
 * anon_vma or i_mmap lock and each mm's ptl.  mmap_lock is never needed.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* An unmap that found the page already gone: it counts as migrated. */
#define MIGRATE_FREED 1
/* The page is unmapped and waits for the batch flush, then its move. */
#define MIGRATE_UNMAPPED 2

struct migrate_ctl {
	struct mm_sys *s;
	struct hw_cpu *cpu;
	new_page_fn get_new;
	unsigned long priv;
	enum migrate_mode mode;
};

struct page *alloc_migration_target(struct mm_sys *s, struct hw_cpu *cpu, struct page *src,
				    unsigned long priv)
{
	const struct migration_target_control *mtc = (const void *)priv;
	if (!(mtc->nmask & (1ULL << mtc->nid)))
		return NULL;	/* the caller's cpuset forbids it: -ENOMEM */
	struct page *p = alloc_pages_node(s, cpu, mtc->nid, src->order, GFP_THISNODE);
	/*
	 * GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, as move_pages and
	 * migrate_pages ask: a small page may reclaim directly on its node
	 * until reclaim gets nowhere MAX_RECLAIM_RETRIES times; never the
	 * OOM killer, which cannot free a given node.  (A huge page's light
	 * GFP does not reclaim.)
	 */
	for (unsigned stuck = 0; !p && !src->order && stuck < MAX_RECLAIM_RETRIES;) {
		if (try_to_free_pages(s, cpu, mtc->nid, 1ULL << mtc->nid))
			stuck = 0;
		else
			stuck++;
		p = alloc_pages_node(s, cpu, mtc->nid, 0, GFP_THISNODE);
	}
	return p;
}

int isolate_page_for_migration(struct mm_sys *s, struct page *head, struct list_head *list)
{
	int err = isolate_lru_page(s, head);
	if (!err)
		list_add_tail(&head->lru, list);
	return err;
}

void putback_movable_pages(struct mm_sys *s, struct list_head *l)
{
	while (!list_empty(l)) {
		struct page *p = list_entry(l->next, struct page, lru);
		list_del(&p->lru);
		putback_lru_page(s, p);
	}
}

/* ---- flags and data ---------------------------------------------------------- */

/*
 * What the new page inherits (Linux's folio_migrate_flags()).  The new
 * page is still private to us (locked, mapped nowhere, in no slot), so its
 * flags are written in one go; the old page's only with atomics.
 */
#define MIGRATED_FLAGS                                                          \
	((1u << PG_error) | (1u << PG_referenced) | (1u << PG_uptodate) |          \
	 (1u << PG_checked) | (1u << PG_mappedtodisk) | (1u << PG_dirty) |         \
	 (1u << PG_swapbacked))

static void migrate_page_states(struct mm_sys *s, struct page *dst, struct page *src)
{
	uint32_t f = __atomic_load_n(&src->flags, __ATOMIC_RELAXED);
	uint32_t set = f & MIGRATED_FLAGS;
	/* PG_anon_exclusive travels in the migration entries (mm.h). */
	/* Active or unevictable, never both; the old page keeps neither. */
	if (f & (1u << PG_active)) {
		page_clear(src, PG_active);
		set |= 1u << PG_active;
	} else if (f & (1u << PG_unevictable)) {
		page_clear(src, PG_unevictable);
		set |= 1u << PG_unevictable;
	}
	__atomic_store_n(&dst->flags, __atomic_load_n(&dst->flags, __ATOMIC_RELAXED) | set,
			 __ATOMIC_RELAXED);
	mem_cgroup_migrate(src, dst);	/* the charge moves with the page */
	/* The last hinting fault too, so the new page is not pulled away
	 * again by the next fault of another node. */
	folio_xchg_last_cpupid(s, dst, folio_xchg_last_cpupid(s, src, -1));
}

/*
 * A mapping without a migratepage operation (Linux's fallback_migrate_folio):
 * a dirty page is written out first and the migration retried (only in
 * MIGRATE_SYNC; otherwise -EBUSY); private buffers must be released.  The
 * page is unmapped and locked here, so writing it cannot race a store.
 */
static int fallback_migrate_page(struct migrate_ctl *c, struct address_space *m,
				 struct page *dst, struct page *src)
{
	if (page_test(src, PG_dirty)) {
		if (c->mode != MIGRATE_SYNC)
			return -EBUSY;
		/* The mappings come back first, so that writing the page
		 * write-protects them (a store after it dirties it again). */
		struct rmap_counts rc;
		memset(&rc, 0, sizeof rc);
		remove_migration_ptes(c->s, src, src, &rc);
		rmap_counts_apply(c->s, &rc);
		return write_one_page(c->s, c->cpu, m, src) < 0 ? -EIO : -EAGAIN;
	}
	/* Buffers may be the filesystem's own business: they must go. */
	if (page_test(src, PG_private) &&
	    (!m->a_ops->releasepage || !m->a_ops->releasepage(m, src)))
		return c->mode == MIGRATE_SYNC ? -EAGAIN : -EBUSY;
	return migrate_page(c->s, m, dst, src, c->mode);
}

/* A page-cache page: the mapping's own way, or the default ones. */
static int move_mapped_page(struct migrate_ctl *c, struct page *dst, struct page *src)
{
	struct address_space *m = (struct address_space *)src->mapping;
	if (!mapping_is_file(m))
		return migrate_page_move_mapping(c->s, m, dst, src, 1);
	if (m->a_ops->migratepage)
		return m->a_ops->migratepage(c->s, m, dst, src, c->mode);
	return fallback_migrate_page(c, m, dst, src);
}

/*
 * Hands the new page (its data already copied by the batch) its place: an
 * anonymous page must have no reference but ours; a page-cache page's
 * slot is switched with its count frozen, by its mapping's migratepage
 * or the default path.  The data was copied first, so
 * the moment a lookup can find the new page it holds the right bytes.
 */
static int move_to_new_page(struct migrate_ctl *c, struct page *dst, struct page *src)
{
	if (!page_anon(src) && !src->mapping)
		return -EAGAIN;		/* truncated meanwhile: let the caller retry */
	/* An anonymous page in the swap cache: the cache's slot switches to
	 * the new page as a page-cache slot does (Linux's
	 * migrate_folio_move_mapping with a swap-cache folio). */
	bool swapcache = page_anon(src) && page_test(src, PG_swapcache);
	if (page_anon(src) && !swapcache && page_count(src) != 1)
		return -EAGAIN;
	if (swapcache && swap_cache_migrate(c->s, dst, src, 1))
		return -EAGAIN;
	if (page_anon(src)) {
		/* The old page's reference on its anon_vma moves over too:
		 * nothing reads the old page's mapping any more. */
		dst->mapping = src->mapping;
		dst->index = src->index;
		src->mapping = 0;
		migrate_page_states(c->s, dst, src);
		/* A partially mapped huge page hands the state on: the new one
		 * is queued for a deferred split too (and counted again). */
		if (src->order && page_test(src, PG_partially_mapped))
			folio_mark_partially_mapped(c->s, dst);
		return 0;
	}
	/* The slot switch publishes dst: its flags must be final first. */
	uint32_t before = __atomic_load_n(&src->flags, __ATOMIC_RELAXED);
	migrate_page_states(c->s, dst, src);
	int err = move_mapped_page(c, dst, src);
	if (err) {
		/* Give the old page back what it lent. */
		folio_xchg_last_cpupid(c->s, src, folio_xchg_last_cpupid(c->s, dst, -1));
		__atomic_or_fetch(&src->flags, before & ((1u << PG_active) | (1u << PG_unevictable)),
				  __ATOMIC_RELAXED);
		__atomic_store_n(&dst->flags, __atomic_load_n(&dst->flags, __ATOMIC_RELAXED) &
					      ((1u << PG_used) | (1u << PG_locked) | (1u << PG_head)),
				 __ATOMIC_RELAXED);
	}
	return err;
}

/* ---- the batch's bulk work ---------------------------------------------------- */

/*
 * A batch does, per page, the same lock rounds on the same few locks: the
 * target node's buddy lock for the destination, its lru_lock to put the
 * new page on its LRU, the source node's buddy lock to free the old one.
 * Those are done once per batch instead (Linux amortizes them with its
 * per-CPU page and LRU lists): destinations come from a pool filled with
 * alloc_pages_bulk(), new pages join their LRU with lru_add_pages(), and
 * the references migrated pages lose are dropped with put_pages().  The
 * nodes' nr_anon counts (an atomic add per page on each side, as Linux's
 * per-CPU vmstat deltas are not) are changed once per batch too.
 */
struct migrate_bulk {
	struct page *pool[MIGRATE_BATCH_PAGES];	/* destinations not handed out yet */
	unsigned pool_next, pool_nr;		/* pool[pool_next..pool_nr) */
	struct page *put[MIGRATE_BATCH_PAGES];	/* references to drop */
	unsigned nr_put;
	struct rmap_counts counts;		/* nr_anon changes of the batch */
};

/*
 * Fills the pool with one 4 KiB destination per 4 KiB page the batch will
 * take from todo, when they come from alloc_migration_target() (move_pages,
 * migrate_pages).  Handing out the pool in order gives each page the frame
 * a call of get_new() would have, and the pool holds no more than those
 * calls would take, so -ENOMEM comes at the same page.  Pages freed under
 * us or skipped leave their destination to the next page; whatever is
 * left at the end goes back.  get_new() serves everything else.
 */
static void pool_fill(struct migrate_ctl *c, struct migrate_bulk *b, struct list_head *todo,
		      bool force)
{
	const struct migration_target_control *mtc = (const void *)c->priv;
	unsigned want = 0, pages = 0;

	b->pool_next = b->pool_nr = 0;
	if (c->get_new != alloc_migration_target || !(mtc->nmask & (1ULL << mtc->nid)))
		return;
	/* The batch's rule (migrate_batch): up to MIGRATE_BATCH_PAGES pages,
	 * one page when forced. */
	for (struct list_head *l = todo->next; l != todo; l = l->next) {
		struct page *page = list_entry(l, struct page, lru);
		unsigned nr = 1u << page->order;
		if (pages && (pages + nr > MIGRATE_BATCH_PAGES || force))
			break;
		pages += nr;
		want += !page->order;
	}
	if (want > 1)
		b->pool_nr = alloc_pages_bulk(c->s, c->cpu, mtc->nid, GFP_THISNODE, want, b->pool);
}

static struct page *get_dst(struct migrate_ctl *c, struct migrate_bulk *b, struct page *src)
{
	if (!src->order && b->pool_next < b->pool_nr)
		return b->pool[b->pool_next++];
	return c->get_new(c->s, c->cpu, src, c->priv);
}

/* A destination that was not used: back to the pool if it came from it
 * (it is as alloc_pages_bulk() left it: nothing was done with it but
 * locking and unlocking it), else freed. */
static void put_dst(struct migrate_ctl *c, struct migrate_bulk *b, struct page *dst)
{
	if (b->pool_next && b->pool[b->pool_next - 1] == dst)
		b->pool_next--;
	else
		put_page(c->s, dst);
}

static void bulk_put(struct migrate_ctl *c, struct migrate_bulk *b, struct page *p)
{
	if (b->nr_put == MIGRATE_BATCH_PAGES) {
		put_pages(c->s, b->put, b->nr_put);
		b->nr_put = 0;
	}
	b->put[b->nr_put++] = p;
}

/* End of batch: the references dropped, the pool's leftovers freed. */
static void bulk_finish(struct migrate_ctl *c, struct migrate_bulk *b)
{
	rmap_counts_apply(c->s, &b->counts);
	put_pages(c->s, b->put, b->nr_put);
	b->nr_put = 0;
	/* Dropped, not freed outright: a lockless page-cache lookup that
	 * still held a stale pointer to one of these frames may have taken
	 * a speculative reference (and will drop it). */
	put_pages(c->s, b->pool + b->pool_next, b->pool_nr - b->pool_next);
	b->pool_next = b->pool_nr = 0;
}

/* ---- the two halves ------------------------------------------------------------ */

static int migrate_page_unmap(struct migrate_ctl *c, struct migrate_bulk *b, struct page *src,
			      struct page **dstp, bool force, struct tlb_batch *batch)
{
	struct mm_sys *s = c->s;

	if (page_count(src) == 1) {
		/* Only our isolation holds it: it was unmapped and freed
		 * under us, so there is nothing left to move. */
		page_clear(src, PG_active);
		page_clear(src, PG_unevictable);
		return MIGRATE_FREED;
	}
	struct page *dst = get_dst(c, b, src);
	if (!dst)
		return -ENOMEM;
	int rc = -EAGAIN;
	if (!trylock_page(src)) {
		if (!force || c->mode == MIGRATE_ASYNC)
			goto out_put;
		lock_page(src);
	}
	if (page_test(src, PG_writeback)) {
		if (c->mode != MIGRATE_SYNC) {
			rc = -EBUSY;
			goto out_unlock;
		}
		if (!force)
			goto out_unlock;
		wait_on_page_writeback(src);
	}
	/* Fresh: nobody else can see it yet, no atomic needed. */
	__atomic_store_n(&dst->flags, __atomic_load_n(&dst->flags, __ATOMIC_RELAXED) |
				      (1u << PG_locked), __ATOMIC_RELAXED);
	if (folio_mapcount(src))
		try_to_migrate(s, c->cpu, src, batch, &b->counts);
	if (folio_mapcount(src)) {
		/* A mapping the walk could not reach: give back the rest. */
		remove_migration_ptes(s, src, src, &b->counts);
		unlock_page(dst);
		goto out_unlock;
	}
	*dstp = dst;
	return MIGRATE_UNMAPPED;

out_unlock:
	unlock_page(src);
out_put:
	put_dst(c, b, dst);
	return rc;
}

/*
 * The end of a move (rc from move_to_new_page()): the migration entries
 * become mappings of dst, or of src again when the move failed.  A moved
 * dst is on its LRU already (migrate_batch), as Linux puts it there
 * before remove_migration_ptes(); here it loses the allocation's
 * reference.
 */
static void migrate_page_finish(struct migrate_ctl *c, struct migrate_bulk *b, struct page *src,
				struct page *dst, int rc)
{
	struct mm_sys *s = c->s;

	remove_migration_ptes(s, src, rc ? src : dst, &b->counts);
	unlock_page(dst);
	unlock_page(src);
	put_page(s, dst);	/* freed if the move failed */
}

/* ---- migrate_pages -------------------------------------------------------------- */

struct migrate_pass {
	struct list_head *from;		/* pages to retry go back here */
	struct list_head *failed;	/* permanent failures */
	unsigned succeeded, failed_nr, retry;
	int abort;			/* -ENOMEM: stop */
	/* /proc/vmstat's view: base pages, and huge pages as units. */
	uint64_t ok_pages, failed_pages, retry_pages;
	unsigned thp_ok, thp_failed, thp_retry, thp_split;
};

/*
 * The machine's counters (the CPU's: huge pages once) and /proc/vmstat's
 * (pages; huge pages also apart), as Linux's migrate_pages() counts them
 * at its end: what still waits for a retry has failed.
 */
static void count_migrations(struct migrate_ctl *c, const struct migrate_pass *p)
{
	struct mm_sys *s = c->s;

	if (c->cpu) {
		c->cpu->cnt.pgmigrate_success += p->succeeded;
		c->cpu->cnt.pgmigrate_fail += p->failed_nr + p->retry;
	}
	count_vm_events(s, MMSIM_VM_pgmigrate_success, p->ok_pages);
	count_vm_events(s, MMSIM_VM_pgmigrate_fail, p->failed_pages + p->retry_pages);
	count_vm_events(s, MMSIM_VM_thp_migration_success, p->thp_ok);
	count_vm_events(s, MMSIM_VM_thp_migration_fail, p->thp_failed + p->thp_retry);
	count_vm_events(s, MMSIM_VM_thp_migration_split, p->thp_split);
}

static void page_done(struct migrate_ctl *c, struct migrate_pass *p, struct migrate_bulk *b,
		      struct page *src, int rc)
{
	unsigned nr = 1u << src->order;
	bool thp = src->order != 0;

	switch (rc) {
	case 0:
	case MIGRATE_FREED:
		p->succeeded++;
		p->ok_pages += nr;
		p->thp_ok += thp;
		bulk_put(c, b, src);	/* the isolation reference: frees it */
		break;
	case -EAGAIN:
		p->retry++;
		p->retry_pages += nr;
		p->thp_retry += thp;
		list_add_tail(&src->lru, p->from);
		break;
	case -ENOMEM:
		p->abort = -ENOMEM;
		list_add_tail(&src->lru, p->from);
		break;
	default:
		p->failed_nr++;
		p->failed_pages += nr;
		p->thp_failed += thp;
		list_add_tail(&src->lru, p->failed);
		break;
	}
}

/* Unmaps a batch taken from todo, flushes once, moves each page. */
static void migrate_batch(struct migrate_ctl *c, struct migrate_pass *p, struct migrate_bulk *b,
			  struct list_head *todo, bool force)
{
	struct page *src[MIGRATE_BATCH_PAGES], *dst[MIGRATE_BATCH_PAGES];
	struct page *moved[MIGRATE_BATCH_PAGES];
	int rc[MIGRATE_BATCH_PAGES];
	unsigned n = 0, pages = 0, nr_moved = 0;
	struct tlb_batch batch;

	tlb_batch_init(&batch);
	pool_fill(c, b, todo, force);
	while (!list_empty(todo) && !p->abort) {
		struct page *page = list_entry(todo->next, struct page, lru);
		unsigned nr = 1u << page->order;
		if (n && (pages + nr > MIGRATE_BATCH_PAGES || force))
			break;
		list_del(&page->lru);
		if (page->order && page_test(page, PG_partially_mapped) &&
		    !split_huge_page_to_list(c->s, c->cpu, page, todo)) {
			/* Its mapped 4 KiB pages now lead todo.  Linux counts
			 * the split as a failure unless all of them move. */
			p->failed_nr++;
			p->thp_failed++;
			p->thp_split++;
			continue;
		}
		int r = migrate_page_unmap(c, b, page, &dst[n], force, &batch);
		if (r == MIGRATE_UNMAPPED) {
			src[n++] = page;
			pages += nr;
		} else {
			page_done(c, p, b, page, r);
		}
	}
	tlb_batch_flush(&batch, c->cpu);
	if (n && c->cpu)
		c->cpu->cnt.migrate_batches++;
	/*
	 * Copy the whole batch in one go: the unmapped pages cannot change,
	 * and back-to-back copies keep the memory pipeline streaming instead
	 * of draining it at each page's next atomic operation.
	 */
	for (unsigned i = 0; i < n; i++)
		hw_copy_frames(c->s->hw, c->cpu, page_to_pfn(c->s, dst[i]), page_to_pfn(c->s, src[i]),
			       1ULL << src[i]->order);
	/* Every new page takes its old one's place and joins its LRU (one
	 * lru_lock round), then the mappings follow. */
	for (unsigned i = 0; i < n; i++)
		if (!(rc[i] = move_to_new_page(c, dst[i], src[i])))
			moved[nr_moved++] = dst[i];
	lru_add_pages(c->s, moved, nr_moved);
	for (unsigned i = 0; i < n; i++) {
		migrate_page_finish(c, b, src[i], dst[i], rc[i]);
		page_done(c, p, b, src[i], rc[i]);
	}
	bulk_finish(c, b);
}

static const char *const migrate_mode_names[] = { "MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT",
						      "MIGRATE_SYNC" };
static const char *const migrate_reason_names[] = { "syscall_or_cpuset", "numa_misplaced",
							     "mempolicy_mbind", "demotion" };

int migrate_pages_for(struct mm_sys *s, struct hw_cpu *cpu, struct list_head *from,
		      new_page_fn get_new, unsigned long priv, enum migrate_mode mode,
		      enum migrate_reason reason, unsigned *nr_succeeded)
{
	struct migrate_ctl c = { s, cpu, get_new, priv, mode };
	struct list_head failed, todo;
	struct migrate_pass p = { .from = from, .failed = &failed };
	struct migrate_bulk b;	/* its arrays need no clearing */

	b.pool_next = b.pool_nr = b.nr_put = 0;
	memset(&b.counts, 0, sizeof b.counts);
	list_init(&failed);
	TRACE("mm_migrate_pages_start", "mode=%s reason=%s", migrate_mode_names[mode],
	      migrate_reason_names[reason]);
	for (unsigned pass = 0; pass < MIGRATE_PASSES && !list_empty(from) && !p.abort; pass++) {
		bool force = pass > 2;
		p.retry = 0;
		p.retry_pages = 0;
		p.thp_retry = 0;
		/* This pass works through todo; retries collect on from. */
		list_init(&todo);
		list_splice_tail_init(from, &todo);
		while (!list_empty(&todo) && !p.abort)
			migrate_batch(&c, &p, &b, &todo, force);
		list_splice_tail_init(&todo, from);	/* left over after -ENOMEM */
	}
	list_splice_tail_init(&failed, from);
	if (nr_succeeded)
		*nr_succeeded = p.succeeded;
	count_migrations(&c, &p);
	TRACE("mm_migrate_pages", "nr_succeeded=%llu nr_failed=%llu nr_thp_succeeded=%u "
	      "nr_thp_failed=%u nr_thp_split=%u nr_split=%u mode=%s reason=%s",
	      (unsigned long long)p.ok_pages,
	      (unsigned long long)(p.failed_pages + p.retry_pages), p.thp_ok,
	      p.thp_failed + p.thp_retry, p.thp_split, p.thp_split, migrate_mode_names[mode],
	      migrate_reason_names[reason]);
	if (p.abort)
		return p.abort;
	/* Every page moved, the pieces of split huge pages included. */
	if (list_empty(from))
		return 0;
	return (int)(p.failed_nr + p.retry);
}

/* ---- faults on migration entries ----------------------------------------------- */

void migration_entry_wait(struct mm_struct *mm, const struct pmap_entry *e)
{
	struct mm_sys *s = mm->sys;
	struct page *head = compound_head(pfn_to_page(s, migration_entry_pfn(e)));

	/*
	 * A count frozen at 0 means the page is changing hands right now:
	 * the caller just retries the fault.  Otherwise wait for the page
	 * lock without keeping a reference, as Linux's
	 * migration_entry_wait_on_locked() does: a waiter holding one would
	 * fail the migration's reference check and make it retry for as
	 * long as threads keep faulting on the page.  The ptl, held until
	 * we are queued, stands in for the reference.
	 */
	if (!get_page_unless_zero(head)) {
		spin_unlock(&mm->ptl);
		return;
	}
	put_page(s, head);	/* not the last: the isolation holds one */
	wait_on_page_locked_drop(head, &mm->ptl);
}
