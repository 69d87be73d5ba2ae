/*
 * rmap.c - reverse mapping of anonymous pages: anon_vma and its chains.
 *
 * Every anonymous page points (page->mapping) at the anon_vma of the VMA
 * that first faulted it.  A VMA is linked, through one anon_vma_chain each,
 * to its own anon_vma and to those of every ancestor it was forked from,
 * so walking an anon_vma's chains reaches every VMA that may map one of its
 * pages: the parent's, and the children's that have not yet copied them.
 * At fork a child VMA gets all its parent's links plus a new anon_vma of
 * its own, where its copy-on-write copies will go.
 *
 * An anon_vma lives while a chain or a page points at it (refcount).  The
 * chain lists of an anon_vma are protected by its root's lock.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

static struct anon_vma *anon_vma_alloc(void)
{
	struct anon_vma *av = calloc(1, sizeof *av);
	if (!av)
		return NULL;
	av->root = av;
	pthread_mutex_init(&av->lock, NULL);
	list_init(&av->chains);
	return av;
}

void get_anon_vma(struct anon_vma *av)
{
	__atomic_add_fetch(&av->refcount, 1, __ATOMIC_RELAXED);
}

void put_anon_vma(struct anon_vma *av)
{
	if (__atomic_sub_fetch(&av->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	struct anon_vma *root = av->root;
	pthread_mutex_destroy(&av->lock);
	free(av);
	if (root != av)
		put_anon_vma(root);
}

static int link_anon_vma(struct vm_area_struct *vma, struct anon_vma *av)
{
	struct anon_vma_chain *avc = malloc(sizeof *avc);
	if (!avc)
		return -ENOMEM;
	avc->vma = vma;
	avc->anon_vma = av;
	list_add_tail(&avc->same_vma, &vma->anon_vma_chain);
	get_anon_vma(av);
	pthread_mutex_lock(&av->root->lock);
	list_add_tail(&avc->same_anon_vma, &av->chains);
	pthread_mutex_unlock(&av->root->lock);
	return 0;
}

bool vma_anon_chain_singular(const struct vm_area_struct *vma)
{
	const struct list_head *h = &vma->anon_vma_chain;
	return !list_empty(h) && h->next == h->prev;
}

/*
 * A neighbour whose anon_vma a new one could share: adjacent, same object
 * and contiguous offsets, flags equal but for access bits (so a later
 * mprotect could merge them), and not itself cloned at fork.
 */
static struct anon_vma *reusable_anon_vma(const struct vm_area_struct *a,
					  const struct vm_area_struct *b,
					  const struct vm_area_struct *old)
{
	const uint64_t ignore = VM_ACCESS_FLAGS | VM_SOFTDIRTY;
	if (!old || !old->anon_vma || !vma_anon_chain_singular(old))
		return NULL;
	if (a->vm_end != b->vm_start || a->vm_file != b->vm_file ||
	    ((a->vm_flags ^ b->vm_flags) & ~ignore) ||
	    b->vm_pgoff != a->vm_pgoff + vma_pages(a))
		return NULL;
	return old->anon_vma;
}

static struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	int i = vma_index(mm, vma->vm_start);
	struct anon_vma *av = NULL;
	if (i + 1 < mm->vmas.n)
		av = reusable_anon_vma(vma, mm->vmas.v[i + 1], mm->vmas.v[i + 1]);
	if (!av && i > 0)
		av = reusable_anon_vma(mm->vmas.v[i - 1], vma, mm->vmas.v[i - 1]);
	return av;
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		return 0;
	struct anon_vma *av = find_mergeable_anon_vma(vma);
	bool fresh = !av;
	if (fresh && !(av = anon_vma_alloc()))
		return -ENOMEM;
	if (fresh)
		get_anon_vma(av);	/* held until linked */
	int err = link_anon_vma(vma, av);
	if (fresh)
		put_anon_vma(av);
	if (err)
		return err;
	vma->anon_vma = av;
	return 0;
}

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct list_head *h = &src->anon_vma_chain;
	for (struct list_head *p = h->next; p != h; p = p->next) {
		struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_vma);
		if (link_anon_vma(dst, avc->anon_vma)) {
			unlink_anon_vmas(dst);
			return -ENOMEM;
		}
	}
	dst->anon_vma = src->anon_vma;
	return 0;
}

int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	vma->anon_vma = NULL;
	list_init(&vma->anon_vma_chain);
	if (!pvma->anon_vma)
		return 0;
	if (anon_vma_clone(vma, pvma))
		return -ENOMEM;
	vma->anon_vma = NULL;
	struct anon_vma *av = anon_vma_alloc();
	if (!av) {
		unlink_anon_vmas(vma);
		return -ENOMEM;
	}
	av->root = pvma->anon_vma->root;
	get_anon_vma(av->root);
	get_anon_vma(av);
	int err = link_anon_vma(vma, av);
	put_anon_vma(av);
	if (err) {
		unlink_anon_vmas(vma);
		return err;
	}
	vma->anon_vma = av;
	return 0;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct list_head *h = &vma->anon_vma_chain;
	while (!list_empty(h)) {
		struct anon_vma_chain *avc = list_entry(h->next, struct anon_vma_chain, same_vma);
		struct anon_vma *av = avc->anon_vma;
		pthread_mutex_lock(&av->root->lock);
		list_del(&avc->same_anon_vma);
		pthread_mutex_unlock(&av->root->lock);
		list_del(&avc->same_vma);
		free(avc);
		put_anon_vma(av);
	}
	vma->anon_vma = NULL;
}

/* ---- page accounting ------------------------------------------------------- */

void page_add_new_anon_rmap(struct page *p, struct vm_area_struct *vma, uint64_t addr)
{
	get_anon_vma(vma->anon_vma);
	p->mapping = (uintptr_t)vma->anon_vma | PAGE_MAPPING_ANON;
	p->index = linear_page_index(vma, addr);
	p->mapcount = 1;
	page_set(p, PG_swapbacked);
	struct mm_sys *s = vma->vm_mm->sys;
	__atomic_add_fetch(&s->node[page_to_nid(s, p)].nr_anon, 1, __ATOMIC_RELAXED);
}

/* Subpages of a huge page count their mappings on its head (huge_memory.c). */
void page_add_rmap(struct mm_sys *s, struct page *p)
{
	p = compound_head(s, p);
	__atomic_add_fetch(&p->mapcount, 1, __ATOMIC_RELAXED);
}

void page_remove_rmap(struct mm_sys *s, struct page *p)
{
	p = compound_head(s, p);
	if (__atomic_sub_fetch(&p->mapcount, 1, __ATOMIC_ACQ_REL))
		return;
	if (page_anon(p))
		__atomic_sub_fetch(&s->node[page_to_nid(s, p)].nr_anon, 1, __ATOMIC_RELAXED);
	if (page_test(p, PG_mlocked))
		munlock_page(s, p);
}
