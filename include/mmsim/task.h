/*
 * mmsim/task.h - tasks (processes) of a simulated machine, their
 * credentials, and the simulated loads and stores they make.
 *
 * A task owns one address space.  It runs on one CPU (its cpu), so every
 * access it makes goes through that CPU's TLB and charges that CPU's clock.
 * A task created with mmsim_task_create() starts with an empty address
 * space; mmsim_fork() copies the caller's, copy-on-write.
 */
#ifndef MMSIM_TASK_H
#define MMSIM_TASK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mmsim;
struct mmsim_task;

/* Capability bits (Linux numbering) the simulator checks. */
#define MMSIM_CAP_IPC_LOCK 14
#define MMSIM_CAP_SYS_PTRACE 19
#define MMSIM_CAP_SYS_NICE 23
#define MMSIM_CAPS_ALL ((1ULL << 41) - 1)

struct mmsim_task_attr {
	const char *name;	/* for messages; copied */
	uint32_t uid;		/* real = effective = saved; gid = uid */
	uint64_t caps;		/* permitted = effective capability set */
	uint64_t mems;		/* cpuset: allowed nodes, bit n = node n; 0 = all */
	int cpu;		/* CPU the task runs on */
	uint64_t cpus_allowed;	/* affinity, bit c = CPU c; 0 = only cpu (pinned) */
	uint64_t memlock_limit;	/* RLIMIT_MEMLOCK in bytes */
};

void mmsim_task_attr_default(struct mmsim_task_attr *a);

/* A new process with a fresh address space. 0 or -EINVAL (bad cpu, or
 * cpus_allowed without it), -EINVAL (mems names no node with memory),
 * -ENOMEM.  A task stays on its CPU unless its affinity allows others:
 * then automatic NUMA balancing may move it to an idle CPU of its
 * preferred node (Linux's task_numa_migrate), at its next call. */
int mmsim_task_create(struct mmsim *m, const struct mmsim_task_attr *a, struct mmsim_task **out);

/* fork(2): a copy of t, copy-on-write, same credentials and CPU. */
int mmsim_fork(struct mmsim_task *t, const char *name, struct mmsim_task **out);

/* A thread of t (clone with CLONE_VM): a new task sharing t's address
 * space and credentials, running on CPU cpu.  0, -EINVAL, -ENOMEM. */
int mmsim_thread_create(struct mmsim_task *t, const char *name, int cpu,
			struct mmsim_task **out);

/* sched_setaffinity(2): t may run on the CPUs of mask (bit c = CPU c).
 * 0, or -EINVAL (no CPU of the machine in it); a task whose CPU leaves
 * its affinity moves to the first allowed one at its next call.  Forks
 * and threads inherit it. */
int mmsim_task_set_affinity(struct mmsim_task *t, uint64_t mask);
/* The CPU t runs on now. */
int mmsim_task_cpu(const struct mmsim_task *t);

/* Ends a task: its pid is forgotten; its address space is torn down when
 * no other thread shares it. */
void mmsim_task_exit(struct mmsim_task *t);

/*
 * The OOM killer: when an allocation finds no memory that reclaim can free
 * (Linux 6.12's out_of_memory), it kills the process with the most memory
 * (resident pages, swap entries and page tables, plus oom_score_adj
 * thousandths of the machine's memory; a tie goes to the newest process,
 * -1000 is never chosen).  A killed task's memory is freed and its
 * accesses return SIGKILL; the only call to make for it is
 * mmsim_task_exit (a dead process makes no system calls).  vmstat's
 * oom_kill counts the kills.
 */
bool mmsim_task_killed(const struct mmsim_task *t);
/* /proc/PID/oom_score_adj: -1000 (never kill) ... 1000.  0 or -EINVAL. */
int mmsim_task_set_oom_score_adj(struct mmsim_task *t, int adj);

int mmsim_task_pid(const struct mmsim_task *t);
struct mmsim_task *mmsim_task_by_pid(struct mmsim *m, int pid);
struct mmsim *mmsim_task_machine(const struct mmsim_task *t);

/*
 * Simulated accesses.  Each returns 0 when every byte was accessed, or the
 * signal a real program would have got (SIGSEGV, SIGBUS) with the address
 * of the first byte that faulted in *fault_addr.  Bytes before it were
 * accessed.  Stores go page by page in ascending order.
 */
int mmsim_store(struct mmsim_task *t, uint64_t addr, const void *buf, uint64_t len,
		uint64_t *fault_addr);
int mmsim_fill(struct mmsim_task *t, uint64_t addr, int byte, uint64_t len, uint64_t *fault_addr);
int mmsim_load(struct mmsim_task *t, uint64_t addr, void *buf, uint64_t len, uint64_t *fault_addr);

/*
 * Calls fn on each page-sized piece of [addr, addr+len) as the task would
 * read it (faulting pages in, TLB and all).  Used by tools that digest
 * memory without copying it.  Same return convention as mmsim_load.
 * fn runs inside the access (on a threaded machine, holding the CPU's TLB
 * lock, which TLB shootdowns wait for): it must only read the bytes - no
 * simulated access, no system call, no blocking.
 */
int mmsim_load_each(struct mmsim_task *t, uint64_t addr, uint64_t len,
		    void (*fn)(void *arg, const uint8_t *bytes, uint64_t n), void *arg,
		    uint64_t *fault_addr);

/* A VMA as /proc/PID/maps shows it. */
struct mmsim_vma_info {
	uint64_t start, end;
	char perms[5];		/* "rw-p", "r--s", ... */
	uint64_t pgoff;		/* in pages */
};

/* The VMAs meeting [start, end), unclipped, lowest first: writes at most max
 * of them to out and returns how many there are. */
int mmsim_task_vmas(struct mmsim_task *t, uint64_t start, uint64_t end,
		    struct mmsim_vma_info *out, int max);

/*
 * The access a load (write false) or a store (write true) of [addr,
 * addr+len) makes, without its data: translation, faults, TLB, data cache,
 * costs and counters as mmsim_load / mmsim_store, memory left as it was.
 * For replaying traces, which record where a program went but not what it
 * wrote.  Same return convention as mmsim_load.
 */
int mmsim_touch(struct mmsim_task *t, uint64_t addr, uint64_t len, bool write,
		uint64_t *fault_addr);

/* One byte load, the fast path used by trace replay and benchmarks. */
int mmsim_load8(struct mmsim_task *t, uint64_t addr, uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif
