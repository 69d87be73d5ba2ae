/*
 * sys.c - the system-call layer: argument checks that belong to the
 * syscall entry (flags, pid lookup, credentials, cpusets), in Linux's
 * order, then the work in src/mm.
 *
 * Calls whose machinery belongs to a later part of the project return
 * -ENOSYS, never a pretended success.
 */
#include "kernel.h"

#include <errno.h>
#include <sys/mman.h>

static struct mmap_caller caller_of(struct mmsim_task *t)
{
	struct mmap_caller c;
	c.cpu = task_enter(t);
	c.cap_ipc_lock = task_capable(t, MMSIM_CAP_IPC_LOCK);
	c.memlock_limit = t->memlock_limit;
	c.node = c.cpu->node;
	return c;
}

long mmsim_sys_mmap(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot, int flags,
		    int fd, uint64_t offset)
{
	struct mmap_caller c = caller_of(t);
	if (offset & ~PAGE_MASK)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && fd >= 0)
		return -ENOSYS;		/* file mappings: the files issue */
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;
	return do_mmap(t->mm, &c, addr, len, prot, flags, offset >> PAGE_SHIFT);
}

long mmsim_sys_munmap(struct mmsim_task *t, uint64_t addr, uint64_t len)
{
	return do_munmap(t->mm, task_enter(t), addr, len);
}

long mmsim_sys_mprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot)
{
	(void)t;
	(void)addr;
	(void)len;
	(void)prot;
	return -ENOSYS;		/* mprotect: its own issue */
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

long mmsim_sys_msync(struct mmsim_task *t, uint64_t addr, uint64_t len, int flags)
{
	(void)t;
	(void)addr;
	(void)len;
	(void)flags;
	return -ENOSYS;		/* msync: the files issue */
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
	if (nodes)
		return -ENOSYS;		/* moving pages: the migration issue */
	do_pages_stat(target->mm, count, pages, status);
	return 0;
}

long mmsim_sys_migrate_pages(struct mmsim_task *t, int pid, unsigned long maxnode,
			     const uint64_t *old_nodes, const uint64_t *new_nodes)
{
	(void)t;
	(void)pid;
	(void)maxnode;
	(void)old_nodes;
	(void)new_nodes;
	return -ENOSYS;		/* migrate_pages: the migration issue */
}
