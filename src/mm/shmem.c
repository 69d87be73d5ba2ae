/*
 * shmem.c - the memory object behind a shared anonymous mapping.
 *
 * MAP_SHARED|MAP_ANONYMOUS is, in Linux, a mapping of an unlinked tmpfs
 * file: its pages live in that file's page cache, so every VMA mapping it
 * (the parent's and, after fork, the child's) finds the same pages by
 * index, a read fault allocates a real zeroed page (never the zero page),
 * and MADV_DONTNEED only drops the page-table entries.  Here the object is
 * a fixed-size array of pages indexed by page offset; the object lives
 * while a VMA refers to it and holds one reference on each of its pages.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

struct shmem_object *shmem_create(uint64_t nr_pages)
{
	struct shmem_object *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->pages = calloc(nr_pages ? nr_pages : 1, sizeof *o->pages);
	if (!o->pages) {
		free(o);
		return NULL;
	}
	o->nr_pages = nr_pages;
	o->refcount = 1;
	pthread_mutex_init(&o->lock, NULL);
	return o;
}

void shmem_get(struct shmem_object *o)
{
	__atomic_add_fetch(&o->refcount, 1, __ATOMIC_RELAXED);
}

void shmem_put(struct mm_sys *s, struct shmem_object *o)
{
	if (__atomic_sub_fetch(&o->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	for (uint64_t i = 0; i < o->nr_pages; i++) {
		if (!o->pages[i])
			continue;
		struct page *p = o->pages[i];
		__atomic_sub_fetch(&s->node[page_to_nid(s, p)].nr_shmem, 1, __ATOMIC_RELAXED);
		p->mapping = 0;
		put_page(s, p);
	}
	pthread_mutex_destroy(&o->lock);
	free(o->pages);
	free(o);
}

struct page *shmem_find_page(struct shmem_object *o, uint64_t idx)
{
	if (idx >= o->nr_pages)
		return NULL;
	return __atomic_load_n(&o->pages[idx], __ATOMIC_ACQUIRE);
}

struct page *shmem_get_page(struct mm_sys *s, struct hw_cpu *cpu, struct shmem_object *o,
			    uint64_t idx, unsigned nid, uint64_t nodemask, int *err)
{
	if (idx >= o->nr_pages) {
		*err = -EFAULT;
		return NULL;
	}
	pthread_mutex_lock(&o->lock);
	struct page *p = o->pages[idx];
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
		__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_shmem, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&o->pages[idx], p, __ATOMIC_RELEASE);
		if (cpu)
			lru_cache_add(s, cpu->id, p);
	}
	get_page(p);
	pthread_mutex_unlock(&o->lock);
	return p;
}
