/*
 * mmsim/syscalls.h - the system calls of the simulated kernel.
 *
 * Each function is one Linux system call made by task t.  It returns what
 * the Linux system call returns on success, or -errno on failure (the value
 * the raw syscall instruction leaves in rax).  Flag and protection values
 * are Linux's (PROT_*, MAP_*, MADV_*, MPOL_MF_* from the host headers).
 *
 * What the simulator does not model answers -ENOSYS (today: MAP_HUGETLB
 * with MAP_NORESERVE); nothing ever pretends to succeed.
 */
#ifndef MMSIM_SYSCALLS_H
#define MMSIM_SYSCALLS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mmsim_task;

/* move_pages(2) flags (Linux's MPOL_MF_MOVE, MPOL_MF_MOVE_ALL). */
#define MMSIM_MPOL_MF_MOVE (1 << 1)
#define MMSIM_MPOL_MF_MOVE_ALL (1 << 2)

long mmsim_sys_mmap(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot, int flags,
		    int fd, uint64_t offset);
long mmsim_sys_munmap(struct mmsim_task *t, uint64_t addr, uint64_t len);
long mmsim_sys_mprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot);
/* The machine has no protection keys: pkey -1 or 0 only (x86 without PKU). */
long mmsim_sys_pkey_mprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int prot,
			     int pkey);
/* personality(2): sets the persona (0xffffffff only queries), returns the old
 * one.  Only READ_IMPLIES_EXEC changes anything here. */
#define MMSIM_READ_IMPLIES_EXEC 0x0400000
long mmsim_sys_personality(struct mmsim_task *t, unsigned long persona);
long mmsim_sys_mlock(struct mmsim_task *t, uint64_t addr, uint64_t len);
long mmsim_sys_munlock(struct mmsim_task *t, uint64_t addr, uint64_t len);
long mmsim_sys_madvise(struct mmsim_task *t, uint64_t addr, uint64_t len, int advice);
long mmsim_sys_msync(struct mmsim_task *t, uint64_t addr, uint64_t len, int flags);

/*
 * move_pages(2).  pages[i] are addresses in the target's address space;
 * nodes == NULL only reports where each page is.  status[] receives a node
 * number or a negative errno per page; entries the call did not reach are
 * left as they were.
 */
long mmsim_sys_move_pages(struct mmsim_task *t, int pid, unsigned long count,
			  const uint64_t *pages, const int *nodes, int *status, int flags);

/* migrate_pages(2); masks are arrays of 64-bit words, maxnode bits long. */
long mmsim_sys_migrate_pages(struct mmsim_task *t, int pid, unsigned long maxnode,
			     const uint64_t *old_nodes, const uint64_t *new_nodes);

/*
 * Memory policies: set_mempolicy(2), get_mempolicy(2), mbind(2), with
 * Linux's mode numbers (MPOL_DEFAULT 0 ... MPOL_WEIGHTED_INTERLEAVE 6), mode
 * flags (MPOL_F_STATIC_NODES 1 << 15, MPOL_F_RELATIVE_NODES 1 << 14,
 * MPOL_F_NUMA_BALANCING 1 << 13) and flags (get: MPOL_F_NODE 1,
 * MPOL_F_ADDR 2, MPOL_F_MEMS_ALLOWED 4; mbind: MPOL_MF_STRICT 1,
 * MPOL_MF_MOVE 2, MPOL_MF_MOVE_ALL 4).  Masks are arrays of 64-bit words,
 * maxnode bits long (Linux reads maxnode - 1 of them).
 */
long mmsim_sys_set_mempolicy(struct mmsim_task *t, int mode, const uint64_t *nmask,
			     unsigned long maxnode);
long mmsim_sys_get_mempolicy(struct mmsim_task *t, int *policy, uint64_t *nmask,
			     unsigned long maxnode, uint64_t addr, unsigned long flags);
long mmsim_sys_mbind(struct mmsim_task *t, uint64_t addr, uint64_t len, unsigned long mode,
		     const uint64_t *nmask, unsigned long maxnode, unsigned flags);

/*
 * Simulator-only entry points (no system call of their own in Linux).
 *
 * mmsim_numa_scan: one pass of NUMA balancing's scanner (task_numa_work ->
 * change_prot_numa) over [addr, addr+len) of t: the pages there become
 * inaccessible, and the next access to each takes a NUMA hinting fault that
 * moves the page to the accessing CPU's node when it is elsewhere and
 * Linux's cpupid filter agrees (a page whose last hinting fault came from
 * another node stays until a second fault in a row from this one).
 * Returns the pages changed, or -EINVAL.  With cfg.numa_balancing the
 * machine also scans by itself, on its clock.
 *
 * mmsim_task_numa_info: t's NUMA balancing state (Linux's names): its scan
 * period and its cap, its preferred node (-1: none), the pages its hinting
 * faults migrated, its numa_group (id: the pid of the task that made it,
 * 0 if none; and its member count), and its address space's scanner: the
 * next scan (ms of the simulated clock), the offset and the passes done.
 *
 * mmsim_uffd_register_wp / mmsim_uffd_writeprotect: userfaultfd's
 * UFFDIO_REGISTER (MODE_WP) and UFFDIO_WRITEPROTECT on t's address space.
 * No thread reads the userfaultfd, so a write to a write-protected page gets
 * SIGBUS, as with UFFD_FEATURE_SIGBUS.  0 or -EINVAL / -ENOENT.
 */
long mmsim_numa_scan(struct mmsim_task *t, uint64_t addr, uint64_t len);
struct mmsim_task_numa {
	unsigned scan_period_ms, scan_period_max_ms;
	int preferred_nid;
	uint64_t pages_migrated;
	uint64_t cpu_moves;	/* task_numa_migrate moves to its preferred node */
	int group_id, group_tasks;
	uint64_t mm_next_scan_ms, mm_scan_offset;
	int mm_scan_seq;
};
int mmsim_task_numa_info(struct mmsim_task *t, struct mmsim_task_numa *out);
long mmsim_uffd_register_wp(struct mmsim_task *t, uint64_t addr, uint64_t len);
long mmsim_uffd_writeprotect(struct mmsim_task *t, uint64_t addr, uint64_t len, int wp);

#ifdef __cplusplus
}
#endif
#endif
