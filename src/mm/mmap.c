/*
 * mmap.c - address spaces: creation, fork, exit, mmap and munmap.
 *
 * Placement is Linux's x86-64 top-down layout without randomization
 * (personality ADDR_NO_RANDOMIZE, as the reference runs): mmap_base sits
 * 128 MiB below TASK_SIZE, the vDSO's [vvar] and [vdso] take the first six
 * pages under it (real VMAs, which munmap may remove and a later mmap then
 * reuses), and each new mapping goes into the highest gap that fits, so consecutive
 * mappings stack downwards and merge.  An anonymous private mapping whose
 * length is a multiple of 2 MiB is placed 2 MiB-aligned (Linux 6.12's
 * thp_get_unmapped_area): the search asks for len + 2 MiB, then aligns.
 *
 * Unmapping splits the VMAs at the range ends, unmaps their pages into one
 * mmu_gather, frees the page tables no other VMA can use, and only after
 * the gather's flush frees the pages (unhook, invalidate, free).
 */
#include "mm.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MMAP_GAP_MIN (128ULL << 20)
#define MMAP_MIN_ADDR 0x10000ULL
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/* An empty address space (dup_mm fills it from its parent). */
static struct mm_struct *mm_alloc(struct mm_sys *s, unsigned home_node)
{
	struct mm_struct *mm = calloc(1, sizeof *mm);
	if (!mm)
		return NULL;
	mm->sys = s;
	mm->users = 1;
	mm->home_node = home_node;
	mm->mmap_base = TASK_SIZE - MMAP_GAP_MIN;
	mm->mmap_min_addr = MMAP_MIN_ADDR;
	mm->mems_allowed = UINT64_MAX;
	/* Linux's rwsem lets a waiting writer in ahead of new readers; glibc's
	 * default prefers readers, and threads faulting in a loop would then
	 * starve mprotect and munmap for good.  (No path takes mmap_lock for
	 * reading twice, which this kind would deadlock.) */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&mm->mmap_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	spin_lock_init(&mm->ptl);
	if (pmap_init(&mm->pmap, s->hw, home_node, &s->pt_ops, s, &mm->cnt)) {
		free(mm);
		return NULL;
	}
	/* Later tables are charged to mm's memcg; the root, made before mm
	 * had one, by whoever gives it one (dup_mm). */
	mm->pmap.owner = mm;
	lru_gen_add_mm(s, mm);	/* the root's list: dup_mm and cgroups move it */
	return mm;
}

/* One special mapping of npages at start (_install_special_mapping). */
static int install_special(struct mm_struct *mm, uint64_t start, unsigned npages,
			   uint64_t flags, enum vma_special kind)
{
	struct vm_area_struct *v = vma_alloc(mm);
	if (!v)
		return -ENOMEM;
	v->vm_start = start;
	v->vm_end = start + (uint64_t)npages * PAGE_SIZE;
	v->vm_flags = flags | VM_DONTEXPAND | VM_SOFTDIRTY;
	v->vm_special = kind;
	int err = vma_insert(mm, v);
	if (err)
		vma_free(v);
	return err;
}

/* Where exec puts the vDSO's code: the top of the mmap area. */
static uint64_t vdso_start(const struct mm_struct *mm)
{
	return mm->mmap_base - VDSO_PAGES * PAGE_SIZE;
}

/* The vDSO's first page mapped in (by the C library's start-up). */
static int vdso_prefault(struct mm_struct *mm)
{
	uint64_t vdso = vdso_start(mm);
	struct vm_area_struct *v = vma_lookup(mm, vdso);
	if (!v || v->vm_special != VMA_VDSO)
		return 0;
	struct pmap_entry e;
	int err = 0;
	spin_lock(&mm->ptl);
	/* A child may have its parent's copy there already (copy_page_range). */
	if (pmap_lookup(&mm->pmap, vdso, &e) == PMAP_EMPTY)
		err = special_mapping_fault(mm, NULL, v, vdso, 0);
	spin_unlock(&mm->ptl);
	return err ? -ENOMEM : 0;
}

/*
 * The vDSO as x86-64 maps it at exec (map_vdso): [vvar] first, [vdso]
 * right above, placed top-down like any mapping, so they end at
 * mmap_base and a process's first mapping lies right under them.  vvar's
 * frames are the kernel's raw data (no struct page: VM_PFNMAP | VM_IO,
 * never writable or executable); vdso's pages may be made writable and are
 * then copied on write.
 */
static int install_vdso(struct mm_struct *mm)
{
	uint64_t vdso = vdso_start(mm);
	uint64_t vvar = vdso - VVAR_PAGES * PAGE_SIZE;
	int err = install_special(mm, vvar, VVAR_PAGES,
				  VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP, VMA_VVAR);
	if (!err)
		err = install_special(mm, vdso, VDSO_PAGES,
				      VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
				      VMA_VDSO);
	if (!err)
		err = vdso_prefault(mm);
	return err;
}

struct mm_struct *mm_create(struct mm_sys *s, unsigned home_node)
{
	struct mm_struct *mm = mm_alloc(s, home_node);
	if (mm && install_vdso(mm)) {
		mm_destroy(mm, NULL);
		return NULL;
	}
	return mm;
}

/* Unmaps and frees every VMA (exit_mmap). */
static void exit_mmap(struct mm_struct *mm, struct hw_cpu *cpu)
{
	struct mmu_gather tlb;
	tlb_gather_mmu_fullmm(&tlb, mm, cpu);
	for (int i = 0; i < mm->vmas.n; i++)
		zap_vma_range(&tlb, mm->vmas.v[i], mm->vmas.v[i]->vm_start, mm->vmas.v[i]->vm_end);
	pmap_free_tables(&mm->pmap, 0, TASK_SIZE, 0, 0, tlb_remove_table, &tlb);
	tlb_finish_mmu(&tlb);
	while (mm->vmas.n) {
		struct vm_area_struct *v = mm->vmas.v[mm->vmas.n - 1];
		vma_remove_at(mm, mm->vmas.n - 1);
		vma_free(v);
	}
	mm->locked_vm = 0;
}

void oom_reap_mm(struct mm_struct *mm, struct hw_cpu *cpu)
{
	__atomic_store_n(&mm->oom_victim, true, __ATOMIC_RELEASE);
	/* Not a blocking wrlock: on a threaded machine the victim's thread
	 * may hold the lock in a fault that is itself waiting to kill; it
	 * sees oom_victim and lets go. */
	while (pthread_rwlock_trywrlock(&mm->mmap_lock))
		sched_yield();
	exit_mmap(mm, cpu);
	pthread_rwlock_unlock(&mm->mmap_lock);
}

void mm_destroy(struct mm_struct *mm, struct hw_cpu *cpu)
{
	/* Out of the aging's sight first: it may be walking us. */
	lru_gen_del_mm(mm->sys, mm);
	exit_mmap(mm, cpu);
	/* A reclaim or migration that unmapped one of our pages through rmap
	 * (before exit_mmap unlinked the VMAs) may not have flushed yet. */
	while (__atomic_load_n(&mm->pmap.flush_pins, __ATOMIC_ACQUIRE))
		sched_yield();
	for (unsigned c = 0; c < mm->sys->hw->nr_cpus; c++)
		hw_leave_mm(&mm->sys->hw->cpu[c], &mm->pmap);
	pmap_destroy(&mm->pmap);
	free(mm->vmas.v);
	free(mm->vmas.gap_max);
	pthread_rwlock_destroy(&mm->mmap_lock);
	free(mm);
}

struct mm_struct *dup_mm(struct mm_struct *old, struct hw_cpu *cpu, int *err)
{
	struct mm_struct *mm = mm_alloc(old->sys, old->home_node);
	if (!mm) {
		*err = -ENOMEM;
		return NULL;
	}
	mm->mmap_base = old->mmap_base;
	mm->mems_allowed = mm_mems_allowed(old);
	/* A child starts in its parent's cgroup, and on its mm list. */
	__atomic_store_n(&mm->memcg, __atomic_load_n(&old->memcg, __ATOMIC_RELAXED),
			 __ATOMIC_RELEASE);
	lru_gen_migrate_mm(old->sys, mm);
	/* Linux's pgd_alloc in fork charges the parent's memcg, the child's. */
	*err = mem_cgroup_charge_table(mm, pfn_to_page(old->sys, mm->pmap.root_pfn));
	struct hw_cpu *outer = pt_alloc_cpu;
	pt_alloc_cpu = cpu;		/* the child's tables are the parent's allocations */
	pthread_rwlock_wrlock(&old->mmap_lock);
	for (int i = 0; i < old->vmas.n && !*err; i++) {
		struct vm_area_struct *ov = old->vmas.v[i];
		if (ov->vm_flags & VM_DONTCOPY)
			continue;
		struct vm_area_struct *v = vma_alloc(mm);
		if (!v) {
			*err = -ENOMEM;
			break;
		}
		v->vm_start = ov->vm_start;
		v->vm_end = ov->vm_end;
		v->vm_pgoff = ov->vm_pgoff;
		v->vm_flags = ov->vm_flags & ~VM_LOCKED_MASK;	/* locks are not inherited */
		v->vm_special = ov->vm_special;
		if ((*err = anon_vma_fork(v, ov))) {
			free(v);
			break;
		}
		v->vm_file = ov->vm_file;
		v->vm_file_id = ov->vm_file_id;
		if (v->vm_file)
			shmem_link_vma(v);
		v->vm_policy = ov->vm_policy;	/* vma_dup_policy */
		mpol_get(v->vm_policy);
		if ((*err = vma_insert(mm, v))) {
			vma_free(v);
			break;
		}
		*err = copy_page_range(mm, old, v, ov);
	}
	pt_alloc_cpu = outer;
	/* The parent's writable entries became read-only: flush them. */
	hw_flush_mm(cpu, &old->pmap);
	pthread_rwlock_unlock(&old->mmap_lock);
	/* The child runs its C library too, which reads the vDSO at once. */
	if (!*err)
		*err = vdso_prefault(mm);
	if (*err) {
		mm_destroy(mm, cpu);
		return NULL;
	}
	return mm;
}

/* ---- placement -------------------------------------------------------------- */

/* Highest start of a gap of len bytes below mm->mmap_base, or 0. */
static uint64_t unmapped_area_topdown(struct mm_struct *mm, uint64_t len)
{
	return vma_gap_topdown(mm, len, mm->mmap_min_addr, mm->mmap_base);
}

/* Linux's stack_guard_gap: nothing is placed this close below a stack. */
#define STACK_GUARD_GAP (256ULL << PAGE_SHIFT)

/* Where vma's room starts for a new neighbour below it (vm_start_gap). */
static uint64_t vm_start_gap(const struct vm_area_struct *vma)
{
	uint64_t start = vma->vm_start;
	if (vma->vm_flags & VM_GROWSDOWN)
		start = start > STACK_GUARD_GAP ? start - STACK_GUARD_GAP : 0;
	return start;
}

/* x86's arch_get_unmapped_area_topdown() tries the caller's hint first:
 * taken if [addr, addr + len) fits in user space and is free. */
static uint64_t hinted_area(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	if (!addr || addr > TASK_SIZE - len)
		return 0;
	struct vm_area_struct *vma = find_vma(mm, addr);
	return !vma || addr + len <= vm_start_gap(vma) ? addr : 0;
}

uint64_t get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t align)
{
	if (align > PAGE_SIZE && len + align > len) {
		/* The padded search keeps a hint that fits, unaligned
		 * (__thp_get_unmapped_area); else it aligns what it found. */
		uint64_t ret = hinted_area(mm, addr, len + align);
		if (ret)
			return ret;
		ret = unmapped_area_topdown(mm, len + align);
		if (ret) {
			uint64_t off_sub = (0 - ret) & (align - 1);
			return off_sub ? ret + off_sub : ret + align;
		}
	}
	uint64_t ret = hinted_area(mm, addr, len);
	return ret ? ret : unmapped_area_topdown(mm, len);
}

bool mlock_future_ok(struct mm_struct *mm, const struct mmap_caller *c, uint64_t flags,
		     uint64_t bytes)
{
	if (!(flags & VM_LOCKED) || c->cap_ipc_lock)
		return true;
	uint64_t locked = (bytes >> PAGE_SHIFT) + mm->locked_vm;
	return locked <= (c->memlock_limit >> PAGE_SHIFT);
}

/* Linux's overcommit heuristic: one commitment beyond RAM fails. */
bool vm_enough_memory(struct mm_sys *s, uint64_t pages)
{
	uint64_t total = 0;
	for (unsigned n = 0; n < s->nr_nodes; n++)
		total += s->node[n].nr_pages;
	/* OVERCOMMIT_GUESS: memory and swap together. */
	return pages <= total + swap_total_slots(s);
}

static uint64_t calc_vm_flags(int prot, int flags)
{
	uint64_t f = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (prot & PROT_READ)
		f |= VM_READ;
	if (prot & PROT_WRITE)
		f |= VM_WRITE;
	if (prot & PROT_EXEC)
		f |= VM_EXEC;
	if (flags & MAP_LOCKED)
		f |= VM_LOCKED;
	if (flags & MAP_GROWSDOWN)
		f |= VM_GROWSDOWN;
	if (flags & MAP_NORESERVE)
		f |= VM_NORESERVE;
	if ((flags & MAP_TYPE) == MAP_SHARED || (flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
		f |= VM_SHARED | VM_MAYSHARE;
	return f;
}

/* Creates (or extends a neighbour to cover) [addr, addr + len). */
static long mmap_region(struct mm_struct *mm, const struct mmap_caller *c, uint64_t addr,
			uint64_t len, uint64_t vm_flags, uint64_t pgoff, struct address_space *file)
{
	uint64_t end = addr + len;
	int err;

	if (file) {
		/* A file's shared mapping writes to the file, not to swap:
		 * only private writable ones are charged. */
		if ((vm_flags & (VM_SHARED | VM_NORESERVE | VM_WRITE)) == VM_WRITE) {
			if (!vm_enough_memory(mm->sys, len >> PAGE_SHIFT))
				return -ENOMEM;
			vm_flags |= VM_ACCOUNT;
		}
	} else if (vm_flags & VM_SHARED) {
		pgoff = 0;
		/* shmem charges the object's size unless MAP_NORESERVE. */
		if (!(vm_flags & VM_NORESERVE) && !vm_enough_memory(mm->sys, len >> PAGE_SHIFT))
			return -ENOMEM;
	} else if ((vm_flags & (VM_NORESERVE | VM_WRITE)) == VM_WRITE) {
		if (!vm_enough_memory(mm->sys, len >> PAGE_SHIFT))
			return -ENOMEM;
		vm_flags |= VM_ACCOUNT;
	}
	/* MAP_FIXED: whatever was there goes first. */
	if ((err = do_vmi_munmap(mm, c->cpu, addr, end)))
		return err;
	if (mm->vmas.n >= mm->sys->max_map_count)
		return -ENOMEM;

	struct vm_area_struct *vma = NULL;
	if (file || !(vm_flags & VM_SHARED))
		vma = vma_merge_new_range(mm, addr, end, vm_flags, file, file ? c->file_id : 0,
					  pgoff);
	if (!vma) {
		vma = vma_alloc(mm);
		if (!vma)
			return -ENOMEM;
		vma->vm_start = addr;
		vma->vm_end = end;
		vma->vm_flags = vm_flags | VM_SOFTDIRTY;
		vma->vm_pgoff = pgoff;
		if (file) {
			vma->vm_file = file;
			vma->vm_file_id = c->file_id;
			shmem_link_vma(vma);
		} else if (vm_flags & VM_SHARED) {
			vma->vm_file = shmem_create(mm->sys, len >> PAGE_SHIFT);
			if (!vma->vm_file) {
				free(vma);
				return -ENOMEM;
			}
			shmem_link_vma(vma);
		}
		if ((err = vma_insert(mm, vma))) {
			vma_free(vma);
			return err;
		}
	}
	if (vm_flags & VM_LOCKED)
		mm->locked_vm += len >> PAGE_SHIFT;
	return (long)addr;
}

/*
 * MAP_HUGETLB.  The machine has Linux's default hugetlb pool: no huge
 * page reserved (nr_hugepages 0, no overcommit), so the reservation an
 * mmap makes fails with ENOMEM, as on a fresh Linux 6.12.  Sizes other
 * than 2 MiB and 1 GiB, or a file that is not hugetlbfs, are EINVAL.  A
 * MAP_NORESERVE mapping, which Linux creates and then kills with SIGBUS
 * at its first touch, is not modelled: ENOSYS says so.
 */
static long hugetlb_mmap(const struct address_space *file, int flags)
{
	unsigned log = ((unsigned)flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
	if (file || (log && log != 21 && log != 30))
		return -EINVAL;
	return (flags & MAP_NORESERVE) ? -ENOSYS : -ENOMEM;
}

/* Where the mapping goes: addr itself with MAP_FIXED (or its error), else
 * the hint or the highest gap (2 MiB-aligned for thp_align). */
static long mmap_address(struct mm_struct *mm, uint64_t addr, uint64_t len, int flags,
			 bool thp_align)
{
	if (flags & MAP_FIXED) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr > TASK_SIZE - len || addr < mm->mmap_min_addr)
			return -ENOMEM;
		struct vm_area_struct *v = find_vma(mm, addr);
		if ((flags & MAP_FIXED_NOREPLACE) && v && v->vm_start < addr + len)
			return -EEXIST;
		return (long)addr;
	}
	/* A hint below mmap_min_addr is raised to it (round_hint_to_min). */
	uint64_t hint = addr & PAGE_MASK;
	if (hint && hint < mm->mmap_min_addr)
		hint = mm->mmap_min_addr;
	uint64_t a = get_unmapped_area(mm, hint, len, thp_align ? PMD_SIZE : PAGE_SIZE);
	return a ? (long)a : -ENOMEM;
}

long do_mmap(struct mm_struct *mm, const struct mmap_caller *c, uint64_t addr, uint64_t len,
	     int prot, int flags, uint64_t pgoff, struct address_space *file)
{
	int type = flags & MAP_TYPE;
	bool anon = flags & MAP_ANONYMOUS;

	if (!len)
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (!anon && !file)
		return -EBADF;
	if (anon)
		file = NULL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	uint64_t plen = PAGE_ALIGN(len);
	if (!plen || plen > TASK_SIZE)
		return -ENOMEM;
	len = plen;
	if (file && pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	/* file_mmap_ok(): the mapping must end below MAX_LFS_FILESIZE. */
	if (file && pgoff > ((uint64_t)INT64_MAX - len) >> PAGE_SHIFT)
		return -EOVERFLOW;
	if ((int)mm->vmas.n > mm->sys->max_map_count)
		return -ENOMEM;
	if (flags & MAP_HUGETLB)
		return hugetlb_mmap(file, flags);

	if ((prot & PROT_READ) && c->read_implies_exec)
		prot |= PROT_EXEC;
	uint64_t vm_flags = calc_vm_flags(prot, flags);
	if (file && c->file_readonly)
		vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
	if (file && (vm_flags & VM_SHARED) && mapping_is_file(file))
		vm_flags |= VM_WRNOTIFY;
	if ((flags & MAP_LOCKED) && !c->cap_ipc_lock && c->memlock_limit == 0)
		return -EPERM;
	if (!mlock_future_ok(mm, c, vm_flags, len))
		return -EAGAIN;

	pthread_rwlock_wrlock(&mm->mmap_lock);
	long ret = mmap_address(mm, addr, len, flags,
				!file && !(vm_flags & VM_SHARED) && !(len % PMD_SIZE));
	if (ret >= 0) {
		addr = (uint64_t)ret;
		ret = mmap_region(mm, c, addr, len, vm_flags, anon ? addr >> PAGE_SHIFT : pgoff,
				  file);
	}
	/* mm_populate(): errors are ignored, the mapping stays. */
	if (ret >= 0 && (flags & (MAP_POPULATE | MAP_LOCKED)) && !(flags & MAP_NONBLOCK))
		mm_populate(mm, c->cpu, addr, addr + len, true);
	validate_mm(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return ret;
}

/* ---- munmap ----------------------------------------------------------------- */

int do_vmi_munmap(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t end)
{
	int i = vma_index(mm, start);
	if (i >= mm->vmas.n || mm->vmas.v[i]->vm_start >= end)
		return 0;
	struct vm_area_struct *vma = mm->vmas.v[i];
	int err;

	if (start > vma->vm_start) {
		/* Let the count go at most one above the limit while unmapping. */
		if (end < vma->vm_end && mm->vmas.n >= mm->sys->max_map_count)
			return -ENOMEM;
		if ((err = vma_split(mm, cpu, vma, start)))
			return err;
		i++;
	}
	int last = vma_index(mm, end - 1);
	if (last < mm->vmas.n && mm->vmas.v[last]->vm_start < end &&
	    mm->vmas.v[last]->vm_end > end) {
		if ((err = vma_split(mm, cpu, mm->vmas.v[last], end)))
			return err;
	}
	int j = i;
	while (j < mm->vmas.n && mm->vmas.v[j]->vm_start < end)
		j++;
	/* VMAs [i, j) go; their neighbours bound the page tables we may free. */
	uint64_t floor = i > 0 ? mm->vmas.v[i - 1]->vm_end : 0;
	uint64_t ceiling = j < mm->vmas.n ? mm->vmas.v[j]->vm_start : 0;

	struct mmu_gather tlb;
	lru_add_drain_local(mm->sys, cpu);	/* unmap_region's lru_add_drain() */
	tlb_gather_mmu(&tlb, mm, cpu);
	for (int k = i; k < j; k++) {
		struct vm_area_struct *v = mm->vmas.v[k];
		if (v->vm_flags & VM_LOCKED)
			mm->locked_vm -= vma_pages(v);
		zap_vma_range(&tlb, v, v->vm_start, v->vm_end);
	}
	uint64_t lo = mm->vmas.v[i]->vm_start, hi = mm->vmas.v[j - 1]->vm_end;
	spin_lock(&mm->ptl);
	if (pmap_free_tables(&mm->pmap, lo, hi, floor, ceiling, tlb_remove_table, &tlb))
		tlb_note_freed_tables(&tlb, lo, hi);
	spin_unlock(&mm->ptl);
	for (int k = j - 1; k >= i; k--) {
		struct vm_area_struct *v = mm->vmas.v[k];
		vma_remove_at(mm, k);
		vma_free(v);
	}
	tlb_finish_mmu(&tlb);
	return 0;
}

int do_munmap(struct mm_struct *mm, struct hw_cpu *cpu, uint64_t start, uint64_t len)
{
	if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!len)
		return -EINVAL;
	pthread_rwlock_wrlock(&mm->mmap_lock);
	int err = do_vmi_munmap(mm, cpu, start, start + len);
	validate_mm(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
	return err;
}
