/*
 * shmem.c - the memory object behind a shared anonymous mapping.
 *
 * MAP_SHARED|MAP_ANONYMOUS is, in Linux, a mapping of an unlinked tmpfs
 * file: its pages live in that file's page cache, so every VMA mapping it
 * (the parent's and, after fork, the child's) finds the same pages by
 * index, a read fault allocates a real zeroed page (never the zero page),
 * and MADV_DONTNEED only drops the page-table entries.  Here the object is
 * its page cache, an RCU radix tree of pages by page offset; it lives
 * while a VMA refers to it and holds one reference on each of its pages
 * (the page-cache reference).  It also keeps the list of VMAs mapping it,
 * the file's i_mmap, which rmap walks to find every mapping of a page.
 *
 * Lookups of a slot are lockless, as page-cache lookups are: load the
 * slot, take a speculative reference (get_page_unless_zero), and check the
 * slot still holds that page.  Migration replaces a slot's page by freezing
 * its count to 0 first, so a lookup racing with it either sees the old page
 * frozen and retries, or sees the new one.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

struct shmem_object *shmem_create(uint64_t nr_pages)
{
	struct shmem_object *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	radix_tree_init(&o->pages);
	o->nr_pages = nr_pages;
	pthread_mutex_init(&o->lock, NULL);
	pthread_mutex_init(&o->i_mmap_lock, NULL);
	list_init(&o->vmas);
	return o;
}

static void release_cached_page(void *arg, uint64_t index, void *item)
{
	struct mm_sys *s = arg;
	struct page *p = item;
	(void)index;
	__atomic_sub_fetch(&s->node[page_to_nid(s, p)].nr_shmem, 1, __ATOMIC_RELAXED);
	p->mapping = 0;
	put_page(s, p);
}

static void shmem_put(struct mm_sys *s, struct shmem_object *o)
{
	if (__atomic_sub_fetch(&o->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	/* No VMA is left, so no lookup can be running. */
	radix_tree_for_each(&o->pages, release_cached_page, s);
	radix_tree_destroy(&o->pages);
	pthread_mutex_destroy(&o->lock);
	pthread_mutex_destroy(&o->i_mmap_lock);
	free(o);
}

void shmem_link_vma(struct vm_area_struct *vma)
{
	struct shmem_object *o = vma->vm_file;
	__atomic_add_fetch(&o->refcount, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&o->i_mmap_lock);
	list_add_tail(&vma->shared, &o->vmas);
	pthread_mutex_unlock(&o->i_mmap_lock);
}

void shmem_unlink_vma(struct vm_area_struct *vma)
{
	struct shmem_object *o = vma->vm_file;
	pthread_mutex_lock(&o->i_mmap_lock);
	list_del(&vma->shared);
	pthread_mutex_unlock(&o->i_mmap_lock);
	shmem_put(vma->vm_mm->sys, o);
}

struct page *shmem_find_get_page(struct mm_sys *s, struct shmem_object *o, uint64_t idx)
{
	struct page *p;
	radix_tree_read_lock();
	for (;;) {
		p = radix_tree_lookup(&o->pages, idx);
		if (!p)
			break;
		if (!get_page_unless_zero(p))
			continue;	/* frozen by migration: the slot is changing */
		if (radix_tree_lookup(&o->pages, idx) == p)
			break;
		/* Our reference is to a page that left the slot meanwhile. */
		put_page(s, p);
	}
	radix_tree_read_unlock();
	return p;
}

int shmem_migrate_page(struct mm_sys *s, struct page *old, struct page *newp, int extra)
{
	struct shmem_object *o = (struct shmem_object *)old->mapping;
	uint64_t idx = old->index;
	int expected = 1 + extra;	/* the slot's reference and ours */

	pthread_mutex_lock(&o->lock);
	if (radix_tree_lookup(&o->pages, idx) != old || !page_ref_freeze(old, expected)) {
		pthread_mutex_unlock(&o->lock);
		return -EAGAIN;
	}
	newp->mapping = old->mapping;
	newp->index = old->index;
	get_page(newp);			/* the slot's reference moves over */
	radix_tree_replace(&o->pages, idx, newp);
	page_ref_unfreeze(old, expected - 1);
	old->mapping = 0;
	__atomic_sub_fetch(&s->node[page_to_nid(s, old)].nr_shmem, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->node[page_to_nid(s, newp)].nr_shmem, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&o->lock);
	return 0;
}

struct page *shmem_find_page(struct shmem_object *o, uint64_t idx)
{
	if (idx >= o->nr_pages)
		return NULL;
	radix_tree_read_lock();
	struct page *p = radix_tree_lookup(&o->pages, idx);
	radix_tree_read_unlock();
	return p;
}

struct page *shmem_get_page(struct mm_sys *s, struct hw_cpu *cpu, struct shmem_object *o,
			    uint64_t idx, unsigned nid, uint64_t nodemask, int *err)
{
	if (idx >= o->nr_pages) {
		*err = -EFAULT;
		return NULL;
	}
	struct page *p = shmem_find_get_page(s, o, idx);
	if (p)
		return p;
	pthread_mutex_lock(&o->lock);
	p = radix_tree_lookup(&o->pages, idx);
	if (!p) {
		p = alloc_pages_mask(s, cpu, nid, 0, GFP_ZERO, nodemask);
		if (!p) {
			pthread_mutex_unlock(&o->lock);
			*err = -ENOMEM;
			return NULL;
		}
		/* The object's own reference is the one the allocation gave. */
		p->mapping = (uintptr_t)o;
		p->index = idx;
		page_set(p, PG_swapbacked);
		page_set(p, PG_uptodate);
		if (radix_tree_insert(&o->pages, idx, p)) {
			pthread_mutex_unlock(&o->lock);
			p->mapping = 0;
			put_page(s, p);
			*err = -ENOMEM;
			return NULL;
		}
		__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_shmem, 1, __ATOMIC_RELAXED);
		if (cpu)
			lru_cache_add(s, cpu->id, p);
	}
	get_page(p);
	pthread_mutex_unlock(&o->lock);
	return p;
}
