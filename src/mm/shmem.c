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
 * with a size and a host (shmem_file_create), kept by the kernel's inode.  This file owns the objects' life and
 * the i_mmap links every address_space uses.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

static struct address_space *mapping_alloc(uint64_t nr_pages)
{
	struct address_space *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	static uint64_t next_ino = 1;

	radix_tree_init(&m->pages);
	m->nr_pages = nr_pages;
	/* Shared memory's inodes are numbered as Linux's get_next_ino(). */
	m->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->i_mmap_lock, NULL);
	list_init(&m->vmas);
	return m;
}

struct address_space *shmem_create(uint64_t nr_pages)
{
	/* Its first VMA takes the first reference (shmem_link_vma). */
	return mapping_alloc(nr_pages);
}

struct address_space *mapping_create(struct mm_sys *s, const struct address_space_operations *ops,
				     void *host, uint64_t i_size)
{
	struct address_space *m = mapping_alloc((i_size + PAGE_SIZE - 1) >> PAGE_SHIFT);
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

struct release_ctx {
	struct mm_sys *s;
	struct address_space *m;
};

static void release_cached_page(void *arg, uint64_t index, void *item)
{
	struct release_ctx *r = arg;
	struct page *p = item;
	(void)index;
	page_cache_count(r->s, r->m, p, -1);
	if (page_test(p, PG_private))
		discard_buffers(r->s, p);
	page_clear(p, PG_dirty);
	p->mapping = 0;
	put_page(r->s, p);
}

void mapping_put(struct mm_sys *s, struct address_space *m)
{
	if (__atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	/* Nobody maps it or holds it open, so no lookup can be running. */
	struct release_ctx r = { s, m };
	radix_tree_for_each(&m->pages, release_cached_page, &r);
	radix_tree_destroy(&m->pages);
	if (m->release)
		m->release(m);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->i_mmap_lock);
	free(m);
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
