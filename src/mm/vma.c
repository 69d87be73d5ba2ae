/*
 * vma.c - the VMAs of an address space: lookup, insertion, split and merge.
 *
 * VMAs are kept in a sorted array of pointers (mm->vmas): lookups are a
 * binary search, insertions and removals a memmove.  It stands in for
 * Linux's maple tree with the same operations and the same results; with
 * max_map_count at 65530 the moves stay small.  Placement's search for the
 * highest free gap skips whole blocks of VMAs by their largest gap (the
 * maple tree's gap tracking): every change of the array or of a VMA's
 * bounds goes through vma_insert, vma_remove_at or resize here, which
 * mark the summary stale from that point down.
 *
 * Merging follows Linux 6.12's rules (mm/vma.c): two neighbours merge when
 * their flags agree (soft-dirty aside), they map the same object at
 * contiguous offsets, and their anon_vmas are compatible - a VMA cloned at
 * fork (more than one anon_vma_chain) does not absorb a neighbour without
 * an anon_vma.
 *
 * Callers hold mm->mmap_lock for writing.  A VMA's bounds also change under
 * its anon_vma root lock and its object's i_mmap lock, because the rmap
 * walks of migration read them holding only those (struct rmap_lock).
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vma_index(struct mm_struct *mm, uint64_t addr)
{
	int lo = 0, hi = mm->vmas.n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (mm->vmas.v[mid]->vm_end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	int i = vma_index(mm, addr);
	return i < mm->vmas.n ? mm->vmas.v[i] : NULL;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *v = find_vma(mm, addr);
	return v && v->vm_start <= addr ? v : NULL;
}

struct vm_area_struct *vma_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->vm_mm = mm;
	list_init(&v->anon_vma_chain);
	list_init(&v->shared);
	return v;
}

void vma_free(struct vm_area_struct *vma)
{
	unlink_anon_vmas(vma);
	if (vma->vm_file)
		shmem_unlink_vma(vma);
	mpol_put(vma->vm_policy);
	free(vma);
}

/* ---- the gap summary (placement) ---------------------------------------- */

/* The gap between vmas[i - 1] (or address 0) and vmas[i]. */
static uint64_t gap_below(const struct vma_tree *t, int i)
{
	return t->v[i]->vm_start - (i ? t->v[i - 1]->vm_end : 0);
}

/* vmas[i] changed (inserted, moved into slot i, or resized): the gaps
 * below it and below vmas[i + 1] are no longer what their blocks say. */
static void gap_touch(struct vma_tree *t, int i)
{
	int d = t->n - 2 - i;	/* distance from the top of vmas[i + 1] */
	int k = d > 0 ? d / VMA_GAP_BLOCK : 0;
	if (k < t->gap_valid)
		t->gap_valid = k;
}

/* Block k's largest gap, computed and kept if the blocks above are valid. */
static uint64_t gap_block_max(struct vma_tree *t, int k)
{
	if (k < t->gap_valid)
		return t->gap_max[k];
	int top = t->n - 1 - k * VMA_GAP_BLOCK;
	int bottom = top - VMA_GAP_BLOCK + 1 > 0 ? top - VMA_GAP_BLOCK + 1 : 0;
	uint64_t max = 0;
	for (int i = top; i >= bottom; i--) {
		uint64_t g = gap_below(t, i);
		if (g > max)
			max = g;
	}
	if (k == t->gap_valid && k < t->gap_cap) {
		t->gap_max[k] = max;
		t->gap_valid++;
	}
	return max;
}

/* Room for one summary entry per block of the array's capacity. */
static int gap_reserve(struct vma_tree *t)
{
	int need = t->cap / VMA_GAP_BLOCK + 1;
	if (need <= t->gap_cap)
		return 0;
	uint64_t *p = realloc(t->gap_max, (size_t)need * sizeof *p);
	if (!p)
		return -ENOMEM;
	t->gap_max = p;
	t->gap_cap = need;
	return 0;
}

/* The search; without the summary (use_summary false) it is the plain walk
 * that the debug build checks the summary against. */
static uint64_t gap_search(struct mm_struct *mm, uint64_t len, uint64_t low, uint64_t high,
			   bool use_summary)
{
	struct vma_tree *t = &mm->vmas;
	if (len > high - low)
		return 0;
	/* Gap below vmas[i] (below high for i == n) and above vmas[i - 1]. */
	for (int i = vma_index(mm, high); i >= 0; i--) {
		int d = t->n - 1 - i;
		if (use_summary && i < t->n && d % VMA_GAP_BLOCK == 0 && i >= VMA_GAP_BLOCK - 1 &&
		    gap_block_max(t, d / VMA_GAP_BLOCK) < len) {
			/* No gap in this block fits: skip to the next. */
			i -= VMA_GAP_BLOCK - 1;
			continue;
		}
		uint64_t gap_end = high;
		if (i < t->n && t->v[i]->vm_start < gap_end)
			gap_end = t->v[i]->vm_start;
		uint64_t gap_start = i > 0 ? t->v[i - 1]->vm_end : low;
		if (gap_start < low)
			gap_start = low;
		if (gap_end > gap_start && gap_end - gap_start >= len)
			return gap_end - len;
	}
	return 0;
}

uint64_t vma_gap_topdown(struct mm_struct *mm, uint64_t len, uint64_t low, uint64_t high)
{
	uint64_t a = gap_search(mm, len, low, high, true);
	VM_BUG_ON(MMSIM_DEBUG_VM_ENABLED && a != gap_search(mm, len, low, high, false));
	return a;
}

/* ---- the array ---------------------------------------------------------- */

int vma_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vma_tree *t = &mm->vmas;
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->v, (size_t)cap * sizeof *t->v);
		if (!p)
			return -ENOMEM;
		t->v = p;
		t->cap = cap;
	}
	if (gap_reserve(t))
		return -ENOMEM;
	int i = vma_index(mm, vma->vm_start);
	memmove(&t->v[i + 1], &t->v[i], (size_t)(t->n - i) * sizeof *t->v);
	t->v[i] = vma;
	t->n++;
	gap_touch(t, i);
	mm->total_vm += vma_pages(vma);
	return 0;
}

void vma_remove_at(struct mm_struct *mm, int i)
{
	struct vma_tree *t = &mm->vmas;
	mm->total_vm -= vma_pages(t->v[i]);
	memmove(&t->v[i], &t->v[i + 1], (size_t)(t->n - i - 1) * sizeof *t->v);
	t->n--;
	gap_touch(t, i - 1);	/* the gap below the VMA now at i grew */
}

/* Where vma sits in the array (found by identity, not only by address). */
static int index_of(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int i = vma_index(mm, vma->vm_start);
	while (i < mm->vmas.n && mm->vmas.v[i] != vma)
		i++;
	return i;
}

/*
 * The rmap's view of VMAs.  Migration's walks read vm_start, vm_end and
 * vm_pgoff holding only the anon_vma root lock or the object's i_mmap lock
 * (no mmap_lock), so every change of VMA bounds - one split, one merge
 * with all its steps - is made holding both (Linux's vma_prepare /
 * vma_complete), i_mmap first.  VMAs that merge share their object and
 * anon_vma root, so locking one of them covers all.  A VMA dropped by a
 * merge is unlinked from the rmap only after the survivor covers its
 * range: a walker never finds a range without a VMA.
 */
struct rmap_lock {
	struct address_space *file;
	struct anon_vma *root;
};

static void rmap_lock(struct rmap_lock *l, const struct vm_area_struct *v)
{
	l->file = v->vm_file;
	l->root = v->anon_vma ? v->anon_vma->root : NULL;
	if (l->file)
		pthread_mutex_lock(&l->file->i_mmap_lock);
	if (l->root)
		spin_lock(&l->root->lock);
}

static void rmap_unlock(struct rmap_lock *l)
{
	if (l->root)
		spin_unlock(&l->root->lock);
	if (l->file)
		pthread_mutex_unlock(&l->file->i_mmap_lock);
}

int vma_split(struct mm_struct *mm, struct hw_cpu *cpu, struct vm_area_struct *vma, uint64_t addr)
{
	/* The kernel expects its special mappings whole (special_mapping_split):
	 * munmap, mprotect or madvise of a part of one fails. */
	if (vma->vm_special)
		return -EINVAL;
	/* A huge page mapped across the new boundary would belong to two
	 * VMAs: map it by PTEs first, as Linux's vma_adjust_trans_huge(). */
	uint64_t haddr = addr & PMD_MASK;
	if (addr != haddr && haddr >= vma->vm_start && haddr + PMD_SIZE <= vma->vm_end) {
		spin_lock(&mm->ptl);
		int err = split_huge_pmd(mm, cpu, addr);
		spin_unlock(&mm->ptl);
		if (err)
			return err;
	}
	struct vm_area_struct *n = vma_alloc(mm);
	if (!n)
		return -ENOMEM;
	n->vm_start = addr;
	n->vm_end = vma->vm_end;
	n->vm_flags = vma->vm_flags;
	n->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (anon_vma_clone(n, vma)) {
		free(n);
		return -ENOMEM;
	}
	n->vm_file = vma->vm_file;
	n->vm_file_id = vma->vm_file_id;
	if (n->vm_file)
		shmem_link_vma(n);
	n->vm_policy = vma->vm_policy;
	mpol_get(n->vm_policy);
	struct rmap_lock l;
	mm->total_vm -= vma_pages(vma);
	rmap_lock(&l, vma);
	vma->vm_end = addr;
	rmap_unlock(&l);
	mm->total_vm += vma_pages(vma);
	int err = vma_insert(mm, n);	/* also marks the gaps around vma changed */
	if (err) {
		mm->total_vm -= vma_pages(vma);
		rmap_lock(&l, vma);
		vma->vm_end = n->vm_end;
		rmap_unlock(&l);
		mm->total_vm += vma_pages(vma);
		vma_free(n);
	}
	return err;
}

/* ---- merging ---------------------------------------------------------------- */

/* What a range would become: the candidate of a merge. */
struct vma_cand {
	uint64_t start, end, flags, pgoff;
	struct address_space *file;
	uint64_t file_id;
	struct anon_vma *anon_vma;
	struct mempolicy *policy;
};

static bool same_kind(const struct vma_cand *c, const struct vm_area_struct *v)
{
	if ((c->flags | v->vm_flags) & VM_SPECIAL)
		return false;	/* is_mergeable_vma(): special mappings stay apart */
	return !((c->flags ^ v->vm_flags) & ~VM_SOFTDIRTY) && c->file == v->vm_file &&
	       c->file_id == v->vm_file_id && mpol_equal(c->policy, v->vm_policy);
}

/* Linux 6.12's is_mergeable_anon_vma(): nb is the neighbour. */
static bool anon_compatible(const struct anon_vma *a, const struct vm_area_struct *nb)
{
	if ((!a || !nb->anon_vma) && vma_anon_chain_singular(nb))
		return true;
	return a == nb->anon_vma;
}

/* May the candidate extend prev (which ends where it starts)? */
static bool merge_after(const struct vma_cand *c, const struct vm_area_struct *prev)
{
	return prev && prev->vm_end == c->start && same_kind(c, prev) &&
	       anon_compatible(c->anon_vma, prev) && prev->vm_pgoff + vma_pages(prev) == c->pgoff;
}

/* May the candidate extend next (which starts where it ends)? */
static bool merge_before(const struct vma_cand *c, const struct vm_area_struct *next)
{
	return next && next->vm_start == c->end && same_kind(c, next) &&
	       anon_compatible(c->anon_vma, next) &&
	       next->vm_pgoff == c->pgoff + ((c->end - c->start) >> PAGE_SHIFT);
}

/* Gives dst an anon_vma from src when dst has none (dup_anon_vma). */
static int dup_anon_vma(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	if (!src->anon_vma || dst->anon_vma)
		return 0;
	return anon_vma_clone(dst, src);
}

static void resize(struct mm_struct *mm, struct vm_area_struct *v, uint64_t start, uint64_t end)
{
	int i = index_of(mm, v);
	if (i < mm->vmas.n)
		gap_touch(&mm->vmas, i);
	mm->total_vm -= vma_pages(v);
	v->vm_pgoff += (uint64_t)((int64_t)(start - v->vm_start) / (int64_t)PAGE_SIZE);
	v->vm_start = start;
	v->vm_end = end;
	mm->total_vm += vma_pages(v);
}

/* Takes v out of the mm's array; the caller frees it after rmap_unlock(). */
static void detach_vma(struct mm_struct *mm, struct vm_area_struct *v)
{
	vma_remove_at(mm, index_of(mm, v));
}

static struct vm_area_struct *neighbour(struct mm_struct *mm, struct vm_area_struct *v, int dir)
{
	int i = index_of(mm, v) + dir;
	return i >= 0 && i < mm->vmas.n ? mm->vmas.v[i] : NULL;
}

/*
 * The candidate range c lies inside vma.  Merges it with prev and/or next
 * where Linux would; returns the VMA now covering c, or NULL when no merge
 * was possible (nothing changed).
 */
static struct vm_area_struct *merge_existing(struct mm_struct *mm, struct vm_area_struct *vma,
					     const struct vma_cand *c)
{
	struct vm_area_struct *prev = neighbour(mm, vma, -1);
	struct vm_area_struct *next = neighbour(mm, vma, +1);
	bool left = c->start == vma->vm_start && merge_after(c, prev);
	bool right = c->end == vma->vm_end && merge_before(c, next);

	if (left && right && prev->anon_vma && next->anon_vma && prev->anon_vma != next->anon_vma)
		right = false;
	struct rmap_lock l;
	if (left && right) {
		if (dup_anon_vma(prev, vma) || dup_anon_vma(prev, next))
			return NULL;
		rmap_lock(&l, prev);
		uint64_t end = next->vm_end;
		detach_vma(mm, vma);
		detach_vma(mm, next);
		resize(mm, prev, prev->vm_start, end);
		rmap_unlock(&l);
		vma_free(vma);
		vma_free(next);
		return prev;
	}
	if (left) {
		if (dup_anon_vma(prev, vma))
			return NULL;
		rmap_lock(&l, prev);
		/* Shrink or drop vma first so the array never overlaps. */
		bool drop = c->end == vma->vm_end;
		if (drop)
			detach_vma(mm, vma);
		else
			resize(mm, vma, c->end, vma->vm_end);
		resize(mm, prev, prev->vm_start, c->end);
		rmap_unlock(&l);
		if (drop)
			vma_free(vma);
		return prev;
	}
	if (right) {
		if (dup_anon_vma(next, vma))
			return NULL;
		rmap_lock(&l, next);
		bool drop = c->start == vma->vm_start;
		if (drop)
			detach_vma(mm, vma);
		else
			resize(mm, vma, vma->vm_start, c->start);
		resize(mm, next, c->start, next->vm_end);
		rmap_unlock(&l);
		if (drop)
			vma_free(vma);
		return next;
	}
	return NULL;
}

/* [start, end) of vma as a VMA of its own with flags and policy: merged
 * into a neighbour that matches, else split out (Linux's vma_modify). */
static struct vm_area_struct *vma_modify(struct mm_struct *mm, struct hw_cpu *cpu,
					 struct vm_area_struct *vma, uint64_t start, uint64_t end,
					 uint64_t flags, struct mempolicy *policy, int *err)
{
	struct vma_cand c = { start, end, flags,
			      vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT), vma->vm_file,
			      vma->vm_file_id, vma->anon_vma, policy };
	struct vm_area_struct *m = merge_existing(mm, vma, &c);
	if (m) {
		vma_flags_set(m, (flags & ~VM_SOFTDIRTY) | (m->vm_flags & VM_SOFTDIRTY));
		return m;
	}
	if (vma->vm_start < start) {
		if (mm->vmas.n >= mm->sys->max_map_count) {
			*err = -ENOMEM;
			return NULL;
		}
		*err = vma_split(mm, cpu, vma, start);
		if (*err)
			return NULL;
		vma = neighbour(mm, vma, +1);
	}
	if (vma->vm_end > end) {
		if (mm->vmas.n >= mm->sys->max_map_count) {
			*err = -ENOMEM;
			return NULL;
		}
		*err = vma_split(mm, cpu, vma, end);
		if (*err)
			return NULL;
	}
	vma_flags_set(vma, flags);
	return vma;
}

struct vm_area_struct *vma_modify_flags(struct mm_struct *mm, struct hw_cpu *cpu,
					struct vm_area_struct *vma,
					uint64_t start, uint64_t end, uint64_t flags, int *err)
{
	return vma_modify(mm, cpu, vma, start, end, flags, vma->vm_policy, err);
}

struct vm_area_struct *vma_modify_policy(struct mm_struct *mm, struct hw_cpu *cpu,
					 struct vm_area_struct *vma, uint64_t start, uint64_t end,
					 struct mempolicy *policy, int *err)
{
	return vma_modify(mm, cpu, vma, start, end, vma->vm_flags, policy, err);
}

/* ---- new ranges (mmap) -------------------------------------------------------- */

struct vm_area_struct *vma_merge_new_range(struct mm_struct *mm, uint64_t start, uint64_t end,
					   uint64_t flags, struct address_space *file,
					   uint64_t file_id, uint64_t pgoff)
{
	int i = vma_index(mm, start);
	struct vm_area_struct *next = i < mm->vmas.n ? mm->vmas.v[i] : NULL;
	struct vm_area_struct *prev = i > 0 ? mm->vmas.v[i - 1] : NULL;
	struct vma_cand c = { start, end, flags, pgoff, file, file_id, NULL, NULL };
	bool left = merge_after(&c, prev);
	bool right = merge_before(&c, next);

	if (left && right && prev->anon_vma && next->anon_vma && prev->anon_vma != next->anon_vma)
		right = false;
	struct rmap_lock l;
	if (left && right) {
		if (dup_anon_vma(prev, next))
			return NULL;
		rmap_lock(&l, prev);
		uint64_t e = next->vm_end;
		detach_vma(mm, next);
		resize(mm, prev, prev->vm_start, e);
		rmap_unlock(&l);
		vma_free(next);
		vma_flags_set(prev, prev->vm_flags | VM_SOFTDIRTY);
		return prev;
	}
	if (left) {
		rmap_lock(&l, prev);
		resize(mm, prev, prev->vm_start, end);
		rmap_unlock(&l);
		vma_flags_set(prev, prev->vm_flags | VM_SOFTDIRTY);
		return prev;
	}
	if (right) {
		rmap_lock(&l, next);
		resize(mm, next, start, next->vm_end);
		rmap_unlock(&l);
		vma_flags_set(next, next->vm_flags | VM_SOFTDIRTY);
		return next;
	}
	return NULL;
}
