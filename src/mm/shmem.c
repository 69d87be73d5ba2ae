/*
 * shmem.c - the memory object behind a shared anonymous mapping.
 *
 * MAP_SHARED|MAP_ANONYMOUS is, in Linux, a mapping of an unlinked tmpfs
 * file: its pages live in that file's page cache, so every VMA mapping it
 * (the parent's and, after fork, the child's) finds the same pages by
 * index, a read fault allocates a real zeroed page (never the zero page),
 * and MADV_DONTNEED only drops the page-table entries.  Here the object is
 * an address_space without operations (filemap.c does the page cache);
 * it lives while a VMA refers to it.  A tmpfs file is the same object
 * with a size and a host (shmem_file_create), kept by the kernel's inode.
 * Under reclaim a dirty page of such an object goes to swap: the page
 * moves to the swap cache and the object keeps a swap value in its slot
 * (shmem_writeout); a lookup that meets the value reads the page back
 * into the object (shmem_swapin, from pagecache_get_page).
 * This file owns the objects' life, their swap values, and the i_mmap
 * links every address_space uses.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

static struct address_space *mapping_alloc(struct mm_sys *s, uint64_t nr_pages)
{
	struct address_space *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	radix_tree_init(&m->pages);
	radix_tree_init(&m->shadows);
	m->nr_pages = nr_pages;
	/* Shared memory's inodes are numbered as Linux's get_next_ino(), from
	 * 1 on each machine (interleave by policy depends on them). */
	m->ino = __atomic_add_fetch(&s->next_ino, 1, __ATOMIC_RELAXED);
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->i_mmap_lock, NULL);
	list_init(&m->vmas);
	list_init(&m->swaplist);
	return m;
}

struct address_space *shmem_create(struct mm_sys *s, uint64_t nr_pages)
{
	/* Its first VMA takes the first reference (shmem_link_vma). */
	struct address_space *m = mapping_alloc(s, nr_pages);
	if (m)
		m->sys = s;
	return m;
}

struct address_space *mapping_create(struct mm_sys *s, const struct address_space_operations *ops,
				     void *host, uint64_t i_size)
{
	struct address_space *m = mapping_alloc(s, (i_size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	if (!m)
		return NULL;
	m->a_ops = ops;
	m->host = host;
	m->sys = s;
	m->i_size = i_size;
	m->refcount = 1;
	return m;
}

struct address_space *shmem_file_create(struct mm_sys *s, void *host, uint64_t i_size)
{
	/* No operations: shared memory, as shmem_create's, with a size. */
	return mapping_create(s, NULL, host, i_size);
}

void mapping_get(struct address_space *m)
{
	__atomic_add_fetch(&m->refcount, 1, __ATOMIC_RELAXED);
}

void mapping_destroy(struct mm_sys *s, struct address_space *m)
{
	pthread_mutex_lock(&s->shmem_swaplist_lock);
	if (!list_empty(&m->swaplist))
		list_del(&m->swaplist);
	pthread_mutex_unlock(&s->shmem_swaplist_lock);
	radix_tree_destroy(&m->pages);
	radix_tree_destroy(&m->shadows);
	if (m->release)
		m->release(m);
	shared_policy_destroy(&m->policy);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->i_mmap_lock);
	free(m);
}

void mapping_put(struct mm_sys *s, struct address_space *m)
{
	if (__atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	/* Nobody maps it or holds it open, so no lookup can start; but a
	 * reclaim or a migration may hold one of its pages locked, and reads
	 * the object through it.  Truncation locks each page before it goes,
	 * so they finish first (a writeout leaves a swap value, freed next,
	 * and puts the object on the swaplist: it leaves it only now). */
	truncate_inode_pages(s, NULL, m, 0);
	mapping_destroy(s, m);
}

void shmem_link_vma(struct vm_area_struct *vma)
{
	struct address_space *m = vma->vm_file;
	mapping_get(m);
	pthread_mutex_lock(&m->i_mmap_lock);
	list_add_tail(&vma->shared, &m->vmas);
	pthread_mutex_unlock(&m->i_mmap_lock);
}

void shmem_unlink_vma(struct vm_area_struct *vma)
{
	struct address_space *m = vma->vm_file;
	pthread_mutex_lock(&m->i_mmap_lock);
	list_del(&vma->shared);
	pthread_mutex_unlock(&m->i_mmap_lock);
	mapping_put(vma->vm_mm->sys, m);
}

/* ---- swap ------------------------------------------------------------------------ */

int shmem_writeout(struct mm_sys *s, struct page *p)
{
	struct address_space *m = (struct address_space *)p->mapping;
	VM_BUG_ON_PAGE(!page_locked(p) || page_anon(p) || mapping_is_file(m), p);
	uint64_t off = swap_alloc_slot_charged(s, p);
	if (!off)
		return -ENOMEM;
	swap_shmem_get(s, off);
	pthread_mutex_lock(&m->lock);
	if (radix_tree_lookup(&m->pages, p->index) != p) {
		pthread_mutex_unlock(&m->lock);
		free_swap_shmem(s, off);
		swapcache_put_slot(s, off);
		return -EAGAIN;
	}
	/* The value takes the page's slot, without the page's tags. */
	radix_tree_tag_clear(&m->pages, p->index, PAGECACHE_TAG_DIRTY);
	if (page_test(p, PG_dirty))
		__atomic_sub_fetch(&m->nr_dirty, 1, __ATOMIC_RELAXED);
	radix_tree_replace(&m->pages, p->index, swap_radix_entry(off));
	page_cache_count(s, m, p, -1);
	p->mapping = 0;
	swap_cache_insert(s, p, off);	/* the slot is new: cannot fail */
	pthread_mutex_unlock(&m->lock);
	put_page(s, p);		/* the object's reference; the cache has its own */
	/* A write to swap is slow anyway: no lockless peek at the list. */
	pthread_mutex_lock(&s->shmem_swaplist_lock);
	if (list_empty(&m->swaplist))
		list_add_tail(&m->swaplist, &s->shmem_swaplist);
	pthread_mutex_unlock(&s->shmem_swaplist_lock);
	return 0;
}

struct page *shmem_swapin(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m,
			  uint64_t idx, uint64_t off, unsigned nid, uint64_t nodemask, bool *major,
			  int *err)
{
	struct page *p = swapin_page(s, cpu, off, nid, nodemask, true, major, err);
	if (!p) {
		if (*err == -ENOENT)
			*err = -EAGAIN;
		return NULL;
	}
	lock_page(p);
	pthread_mutex_lock(&m->lock);
	if (radix_tree_lookup(&m->pages, idx) != swap_radix_entry(off) ||
	    !page_test(p, PG_swapcache) || p->private != off) {
		pthread_mutex_unlock(&m->lock);
		unlock_page(p);
		put_page(s, p);
		*err = -EAGAIN;
		return NULL;
	}
	p->mapping = (uintptr_t)m;
	p->index = idx;
	get_page(p);			/* the object's reference */
	radix_tree_replace(&m->pages, idx, p);
	page_cache_count(s, m, p, 1);
	pthread_mutex_unlock(&m->lock);
	/* Back in its object, out of the swap cache: the slot is free and
	 * the page the only copy (dirty). */
	delete_from_swap_cache(s, p);
	free_swap_shmem(s, off);
	page_clear(p, PG_dirty);
	set_page_dirty(p);
	unlock_page(p);
	return p;
}

/* An object's swap values, collected under its lock for shmem_unuse. */
struct swap_values {
	uint64_t *idx, *slot;
	size_t n, cap;
	bool nomem;
};

static void collect_swap_value(void *arg, uint64_t index, void *item)
{
	struct swap_values *v = arg;
	if (!radix_is_swap(item) || v->nomem)
		return;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		uint64_t *i = realloc(v->idx, cap * sizeof *i), *sl = i ? realloc(v->slot, cap * sizeof *sl) : NULL;
		if (i)
			v->idx = i;
		if (!i || !sl) {
			v->nomem = true;
			return;
		}
		v->slot = sl;
		v->cap = cap;
	}
	v->idx[v->n] = index;
	v->slot[v->n++] = radix_swap_slot(item);
}

bool shmem_page_swapped(struct address_space *m, uint64_t idx)
{
	radix_tree_read_lock();
	void *item = radix_tree_lookup(&m->pages, idx);
	radix_tree_read_unlock();
	return radix_is_swap(item);
}

/* One object's swap values read back, each into its slot of the object. */
static int shmem_unuse_object(struct mm_sys *s, struct hw_cpu *cpu, struct address_space *m)
{
	struct swap_values v = { 0 };
	pthread_mutex_lock(&m->lock);
	radix_tree_for_each(&m->pages, collect_swap_value, &v);
	pthread_mutex_unlock(&m->lock);
	int err = v.nomem ? -ENOMEM : 0;
	for (size_t i = 0; i < v.n && !err; i++) {
		struct page *p = shmem_swapin(s, cpu, m, v.idx[i], v.slot[i], cpu ? cpu->node : 0,
					      ~0ULL, NULL, &err);
		if (p)
			put_page(s, p);
		else if (err == -EAGAIN)
			err = 0;	/* truncated, or read back meanwhile */
	}
	free(v.idx);
	free(v.slot);
	return err;
}

int shmem_unuse(struct mm_sys *s, struct hw_cpu *cpu)
{
	/* The objects are held while their pages come back (a reference
	 * keeps each on the list, and alive). */
	struct address_space **objs = NULL;
	size_t n = 0, cap = 0;
	int err = 0;
	pthread_mutex_lock(&s->shmem_swaplist_lock);
	for (struct list_head *l = s->shmem_swaplist.next; l != &s->shmem_swaplist; l = l->next) {
		if (n == cap) {
			size_t c = cap ? 2 * cap : 16;
			struct address_space **o = realloc(objs, c * sizeof *o);
			if (!o) {
				err = -ENOMEM;
				break;
			}
			objs = o;
			cap = c;
		}
		objs[n] = list_entry(l, struct address_space, swaplist);
		mapping_get(objs[n++]);
	}
	pthread_mutex_unlock(&s->shmem_swaplist_lock);
	for (size_t i = 0; i < n; i++) {
		if (!err)
			err = shmem_unuse_object(s, cpu, objs[i]);
		mapping_put(s, objs[i]);
	}
	free(objs);
	return err;
}