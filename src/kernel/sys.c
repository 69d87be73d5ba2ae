/*
 * sys.c - the system-call layer: argument checks that belong to the
 * syscall entry (flags, pid lookup, credentials, cpusets), in Linux's
 * order, then the work in src/mm.
 *
 * What is not modelled answers -ENOSYS (today: a MAP_HUGETLB mapping
 * with MAP_NORESERVE, see mm/mmap.c), never a pretended success.
 *
 * move_pages checks, in Linux's order: flags, MOVE_ALL needs CAP_SYS_NICE
 * (before the pid is looked up), the pid, the ptrace-read rule, then the
 * target's cpuset bounds the nodes (in do_pages_move).  migrate_pages:
 * the masks, the pid, ptrace, new nodes outside the target's cpuset need
 * CAP_SYS_NICE, and new nodes are cut down to the caller's cpuset, which
 * must leave one.
 */
#include "kernel.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static struct mmap_caller caller_of(struct mmsim_task *t)
{
	struct mmap_caller c;
	c.cpu = task_enter(t);
	c.cap_ipc_lock = task_capable(t, MMSIM_CAP_IPC_LOCK);
	c.memlock_limit = t->memlock_limit;
	c.node = c.cpu->node;
	c.read_implies_exec = t->personality & MMSIM_READ_IMPLIES_EXEC;
	c.file_readonly = false;
	c.file_id = 0;
	return c;
}

long mmsim_sys_mmap(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot, int flags,
		    int fd, uint64_t offset)
{
	struct mmap_caller c = caller_of(t);
	struct address_space *file = NULL;
	if (offset & ~PAGE_MASK)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		int acc;
		if (!(file = file_mapping(t, fd, &acc, &c.file_id)))
			return -EBADF;
		/* Linux's do_mmap(): reading is always needed; a shared
		 * writable mapping needs the file open for writing, and a
		 * shared mapping of a read-only file may never write. */
		if (acc == MMSIM_O_WRONLY)
			return -EACCES;
		int type = flags & MAP_TYPE;
		if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) {
			if ((prot & PROT_WRITE) && acc != MMSIM_O_RDWR)
				return -EACCES;
			c.file_readonly = acc != MMSIM_O_RDWR;
		}
	}
	return do_mmap(t->mm, &c, addr, len, prot, flags, offset >> PAGE_SHIFT, file);
}

long mmsim_sys_munmap(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	return do_munmap(t->mm, task_enter(t), addr, len);
}

long mmsim_sys_mprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot)
{
	return mmsim_sys_pkey_mprotect(t, addr, len, prot, -1);
}

long mmsim_sys_pkey_mprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot, int pkey)
{
	struct mmap_caller c = caller_of(t);
	/* The raw syscall takes prot as unsigned long: a negative int is
	 * sign-extended, and so fails the unknown-bits check. */
	return do_mprotect_pkey(t->mm, &c, addr, len, (unsigned long)(long)prot, pkey);
}

long mmsim_sys_personality(struct mmsim_task *t, unsigned long persona)
{
	uint32_t old = t->personality;
	if (persona != 0xffffffffUL)
		t->personality = (uint32_t)persona;
	return old;
}

long mmsim_numa_scan(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	if ((addr & ~PAGE_MASK) || addr + len < addr)
		return -EINVAL;
	return (long)change_prot_numa(t->mm, task_enter(t), addr, addr + len);
}

long mmsim_uffd_register_wp(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	return uffd_register_wp(t->mm, addr, len);
}

long mmsim_uffd_writeprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int wp)
{
	return uffd_writeprotect(t->mm, task_enter(t), addr, len, wp != 0);
}

long mmsim_sys_mlock(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	struct mmap_caller c = caller_of(t);
	return do_mlock(t->mm, &c, addr, len, true);
}

long mmsim_sys_munlock(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	struct mmap_caller c = caller_of(t);
	return do_mlock(t->mm, &c, addr, len, false);
}

long mmsim_sys_madvise(struct mmsim_task *t, uint64_t addr, uint64_t len, int advice)
{
	return do_madvise(t->mm, task_enter(t), addr, len, advice);
}

/* find_mm_struct(): the target of move_pages / migrate_pages. */
static int find_target(struct mmsim_task *t, int pid, struct mmsim_task **out)
{
	if (pid == 0) {
		*out = t;
		return 0;
	}
	struct mmsim_task *target = task_find(t->m, pid);
	if (!target)
		return -ESRCH;
	if (ptrace_may_read(t, target))
		return -EPERM;
	*out = target;
	return 0;
}

long mmsim_sys_move_pages(struct mmsim_task *t, int pid, unsigned long count,
			  const uint64_t *pages, const int *nodes, int *status, int flags)
{
	if (flags & ~(MMSIM_MPOL_MF_MOVE | MMSIM_MPOL_MF_MOVE_ALL))
		return -EINVAL;
	if ((flags & MMSIM_MPOL_MF_MOVE_ALL) && !task_capable(t, MMSIM_CAP_SYS_NICE))
		return -EPERM;
	struct mmsim_task *target;
	int err = find_target(t, pid, &target);
	if (err)
		return err;
	if (!nodes) {
		do_pages_stat(target->mm, count, pages, status);
		return 0;
	}
	return do_pages_move(target->mm, task_enter(t), task_mems(target), task_mems(t), count, pages, nodes,
			     status, flags & MMSIM_MPOL_MF_MOVE_ALL);
}

/*
 * Linux's get_nodes(): the first maxnode - 1 bits of a user mask.  Linux
 * accepts masks of up to MAX_NUMNODES bits (1024 on the distribution
 * kernels, nodemask_t here); set bits past them are EINVAL, and so is a
 * mask longer than a page.
 */
static int get_nodemask(const uint64_t *mask, unsigned long maxnode, nodemask_t *out)
{
	memset(out, 0, sizeof *out);
	if (!maxnode || !mask)
		return 0;
	unsigned long bits = maxnode - 1;
	if (bits > PAGE_SIZE * 8)
		return -EINVAL;
	for (unsigned long w = 0; w * 64 < bits; w++) {
		uint64_t v = mask[w];
		if (bits - w * 64 < 64)
			v &= (1ULL << (bits - w * 64)) - 1;
		if (w < MAX_NUMNODES / 64)
			out->w[w] = v;
		else if (v)
			return -EINVAL;
	}
	return 0;
}

/* The same, as migrate_pages wants it: mmsim's nodes all fit in the first
 * word; *high says whether a possible node past them was named. */
static int get_nodes(const uint64_t *mask, unsigned long maxnode, uint64_t *out, bool *high)
{
	nodemask_t m;
	int err = get_nodemask(mask, maxnode, &m);
	*out = m.w[0];
	*high = false;
	for (unsigned w = 1; w < MAX_NUMNODES / 64; w++)
		*high |= m.w[w] != 0;
	return err;
}

long mmsim_sys_migrate_pages(struct mmsim_task *t, int pid, unsigned long maxnode,
			     const uint64_t *old_nodes, const uint64_t *new_nodes)
{
	uint64_t old, new;
	bool old_high, new_high;
	int err = get_nodes(old_nodes, maxnode, &old, &old_high);
	if (!err)
		err = get_nodes(new_nodes, maxnode, &new, &new_high);
	if (err)
		return err;
	struct mmsim_task *target;
	if ((err = find_target(t, pid, &target)))
		return err;
	bool nice = task_capable(t, MMSIM_CAP_SYS_NICE);
	if (((new & ~task_mems(target)) || new_high) && !nice)
		return -EPERM;
	new &= task_mems(t);
	if (!new)
		return -EINVAL;
	return do_migrate_pages(target->mm, task_enter(t), old, new, task_mems(t), nice);
}

/* ---- memory policies ------------------------------------------------------------ */

/* Linux's sanitize_mpol_flags(): the mode flags out of the mode. */
static int split_mode(long mode, unsigned *lmode, unsigned *flags)
{
	unsigned m = (unsigned)(int)mode;
	*flags = m & MPOL_MODE_FLAGS;
	*lmode = m & ~MPOL_MODE_FLAGS;
	if (*lmode >= MPOL_MAX)
		return -EINVAL;
	if ((*flags & MPOL_F_STATIC_NODES) && (*flags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if (*flags & MPOL_F_NUMA_BALANCING) {
		if (*lmode != MPOL_BIND && *lmode != MPOL_PREFERRED_MANY)
			return -EINVAL;
		*flags |= MPOL_F_MOF | MPOL_F_MORON;
	}
	return 0;
}

long mmsim_sys_set_mempolicy(struct mmsim_task *t, int mode, const uint64_t *nmask,
			     unsigned long maxnode)
{
	unsigned lmode, flags;
	nodemask_t nodes;
	int err = split_mode(mode, &lmode, &flags);
	if (!err)
		err = get_nodemask(nmask, maxnode, &nodes);
	if (err)
		return err;
	return do_set_mempolicy(&t->mpol, lmode, flags, &nodes, task_mems(t));
}

long mmsim_sys_get_mempolicy(struct mmsim_task *t, int *policy, uint64_t *nmask,
			     unsigned long maxnode, uint64_t addr, unsigned long flags)
{
	unsigned nr_node_ids = t->m->hw->nr_nodes;
	if (nmask && maxnode < nr_node_ids)
		return -EINVAL;
	nodemask_t nodes;
	int pval = 0;
	long err = do_get_mempolicy(t->mm, task_enter(t), &t->mpol, &pval, &nodes, addr, flags,
				    task_mems(t));
	if (err)
		return err;
	if (policy)
		*policy = pval;
	if (nmask && maxnode > 1) {
		/* maxnode - 1 bits, in whole words, as the caller sized them. */
		unsigned long bits = maxnode - 1, words = (bits + 63) / 64;
		for (unsigned long w = 0; w < words; w++) {
			uint64_t v = w < MAX_NUMNODES / 64 ? nodes.w[w] : 0;
			if (bits - w * 64 < 64)
				v &= (1ULL << (bits - w * 64)) - 1;
			nmask[w] = v;
		}
	}
	return 0;
}

long mmsim_sys_mbind(struct mmsim_task *t, uint64_t addr, uint64_t len, unsigned long mode,
		     const uint64_t *nmask, unsigned long maxnode, unsigned flags)
{
	unsigned lmode, mflags;
	nodemask_t nodes;
	int err = split_mode((long)(int)mode, &lmode, &mflags);
	if (!err)
		err = get_nodemask(nmask, maxnode, &nodes);
	if (err)
		return err;
	return do_mbind(t->mm, task_enter(t), &t->mpol, addr, len, lmode, mflags, &nodes, flags,
			task_capable(t, MMSIM_CAP_SYS_NICE), task_mems(t));
}
