/*
 * kernel.h - the kernel proper: the machine object, tasks, credentials,
 * cpusets, and the system-call layer that checks permissions and hands the
 * work to src/mm.
 *
 * A task runs on one CPU.  Before anything runs as a task, task_enter()
 * puts the task on its CPU: the CPU's current task and address space
 * become the task's (a context switch, CR3 included).
 *
 * Locking: the task list is protected by mmsim.lock; a task's credentials
 * never change after creation.  cpuset_lock serializes cpuset writes
 * against the tasks joining and leaving cpusets (fork, thread, exit):
 * cpuset_lock > oom_lock > mmsim.lock (a task leaving waits for a kill
 * under way, which may be reaping its mm; everyone else only tries
 * oom_lock), and cpuset_lock > mmap_lock (a write rebinds
 * and migrates each address space of the cpuset).  A task's mems and its
 * mm's mems_allowed change only under cpuset_lock; others read them with
 * relaxed atomic loads (task_mems, mm_mems_allowed).
 */
#ifndef MMSIM_KERNEL_H
#define MMSIM_KERNEL_H

#include <mmsim/mmsim.h>

#include "hw.h"
#include "mm.h"

struct vfs;
struct file;

#define MMSIM_NR_FDS 64

struct mmsim {
	struct hw_machine *hw;
	struct vfs *vfs;		/* files and disks (vfs.c), made on first use */
	struct mm_sys mm;
	pthread_mutex_t lock;
	struct mmsim_task **tasks;
	int ntasks, cap;
	int next_pid;
	struct mmsim_cgroup *cgroups;	/* cgroup.c: every cgroup but the root */
	pthread_mutex_t cpuset_lock;	/* cpuset.c: writes, joins and leaves */
	struct mmsim_cpuset *cpusets;	/* every cpuset but the root */
	pthread_mutex_t oom_lock;	/* one OOM kill at a time (Linux's oom_lock) */
	/* NUMA balancing: each CPU's next scheduler tick on its own clock
	 * (cycles; UINT64_MAX while balancing is off, so the access path's
	 * one compare never fires) and its last; numa_groups' membership
	 * and statistics under numa_lock. */
	uint64_t numa_tick_next[MMSIM_MAX_CPUS];
	uint64_t numa_tick_last[MMSIM_MAX_CPUS];
	pthread_mutex_t numa_lock;
};

/* Every CPU of the machine. */
static inline uint64_t machine_cpus(const struct mmsim *m)
{
	return m->hw->nr_cpus >= 64 ? UINT64_MAX : (1ULL << m->hw->nr_cpus) - 1;
}

/* Every node of the machine (the root cpuset's mems: all have memory). */
static inline uint64_t machine_nodes(const struct mmsim *m)
{
	return m->hw->nr_nodes >= 64 ? UINT64_MAX : (1ULL << m->hw->nr_nodes) - 1;
}

/*
 * A cpuset (cgroup v2's cpuset controller, its memory side; cpuset.c):
 * the one a task created with mems= runs in, with the forks and threads
 * it makes.  Tasks without one are in the root cpuset (t->cpuset NULL),
 * whose mems are every node and never change.  Cpusets live as long as
 * the machine.  Under mmsim.cpuset_lock:
 *  - mems is cpuset.mems as written (empty only while no task is in it);
 *  - effective (cpuset.mems.effective) is mems, or the root's when empty;
 *  - old_mems is the effective mems the tasks' pages were last placed
 *    under (Linux's old_mems_allowed): a write migrates from it.
 */
struct mmsim_cpuset {
	struct mmsim *m;
	uint64_t mems, effective, old_mems;
	struct mmsim_cpuset *next;	/* mmsim.cpusets */
};
/* A new cpuset allowing mems (the task's creation), on the machine's list;
 * NULL when out of memory. */
struct mmsim_cpuset *cpuset_create(struct mmsim *m, uint64_t mems);
void cpusets_destroy(struct mmsim *m);

/* numa_balancing.c: a machine's ticks armed or not; a task's state made
 * (parent NULL for a new process, else the creator; new_mm: its own
 * address space) and released at exit; the tick, if cpu's clock passed it. */
void numa_balancing_init(struct mmsim *m);
void task_numa_init(struct mmsim_task *t, struct mmsim_task *parent, bool new_mm);
void task_numa_free(struct mmsim_task *t);
/* The id of t's numa_group (its maker's pid), 0 when it has none. */
int task_numa_group_id(struct mmsim_task *t);
void numa_tick(struct mmsim *m, struct hw_cpu *cpu);
/* The scan period's adaptation after a pass, from the pass's shared and
 * private faults and t->numa.faults_locality (its own unit test calls it). */
void update_task_scan_period(struct mmsim_task *t, struct hw_cpu *cpu, unsigned long shared,
			     unsigned long private);

static inline void numa_tick_check(struct mmsim *m, struct hw_cpu *cpu)
{
	if (__builtin_expect(cpu->cnt.cycles >= m->numa_tick_next[cpu->id], 0))
		numa_tick(m, cpu);
}

/*
 * A task's NUMA balancing state (numa_balancing.c; Linux keeps it in
 * task_struct under the same names).  Written by the task's own CPU (its
 * faults and its ticks); group membership changes under mmsim.numa_lock.
 */
struct numa_group;
struct task_numa {
	unsigned scan_period;		/* ms: numa_scan_period */
	unsigned scan_period_max;	/* ms: numa_scan_period_max */
	int scan_seq;			/* the mm's numa_scan_seq at the last placement */
	int preferred_nid;		/* numa_preferred_nid, -1: none */
	uint64_t runtime;		/* ns run, credited at each tick (sum_exec_runtime) */
	uint64_t node_stamp;		/* runtime by which the next scan is due */
	uint64_t migrate_retry;		/* ms: next task_numa_placement() */
	uint64_t last_placement;	/* ns of the clock at the last placement */
	uint64_t last_runtime;		/* runtime then */
	unsigned long *faults;		/* [4 buckets][nodes][shared, private]; NULL: none yet */
	unsigned long total_faults;
	unsigned long faults_locality[3];	/* remote, local, failed migrations */
	unsigned long pages_migrated;
	unsigned long cpu_moves;	/* moves to a CPU of its preferred node */
	struct numa_group *group;
};

struct mmsim_task {
	struct mmsim *m;
	char name[64];
	int pid;
	uint32_t uid, euid, suid, gid, egid, sgid;
	uint64_t caps;		/* permitted = effective */
	uint64_t mems;		/* mems_allowed, bit per node: its cpuset's effective mems */
	struct mmsim_cpuset *cpuset;	/* NULL: the root cpuset */
	unsigned cpu;		/* changes only by the task's own thread (task_enter) */
	uint64_t cpus_allowed;	/* its affinity, bit per CPU; always holds cpu */
	int move_cpu;		/* NUMA placement chose this CPU for its next entry, or -1 */
	uint64_t memlock_limit;
	uint32_t personality;	/* personality(2) flags: READ_IMPLIES_EXEC */
	int oom_score_adj;	/* -1000 ... 1000 */
	bool killed;		/* by the OOM killer: only exit remains */
	struct mm_struct *mm;
	struct mm_task_policy mpol;	/* set_mempolicy's (each thread its own) */
	struct file *files[MMSIM_NR_FDS];	/* open files (threads have their own) */
	struct task_numa numa;
};

static inline uint64_t task_mems(const struct mmsim_task *t)
{
	return __atomic_load_n(&t->mems, __ATOMIC_RELAXED);
}

static inline bool task_capable(const struct mmsim_task *t, unsigned cap)
{
	return t->caps & (1ULL << cap);
}

/* Puts t on its CPU (context switch) and returns that CPU; a CPU NUMA
 * placement chose (t->move_cpu) becomes its CPU first. */
struct hw_cpu *task_enter(struct mmsim_task *t);
/* NUMA placement: a CPU of node nid in t's affinity that no task runs on
 * nor is moving to, claimed for t's next entry; false if there is none
 * (mmsim has no load balancer to swap tasks with). */
bool task_claim_idle_cpu(struct mmsim_task *t, unsigned nid);

/* Task lookup by pid (0: NULL). */
struct mmsim_task *task_find(struct mmsim *m, int pid);

/* ptrace_may_access(PTRACE_MODE_READ_REALCREDS): 0 or -EPERM. */
int ptrace_may_read(const struct mmsim_task *caller, const struct mmsim_task *target);

/* vfs.c: descriptors at exit and fork, the page cache behind an fd for
 * mmap (NULL: not open; *acc_mode gets O_RDONLY/O_WRONLY/O_RDWR, *file_id
 * the open file's identity, shared by dup'ed and inherited fds), and
 * the machine's files at destroy. */
void task_close_files(struct mmsim_task *t);
int task_dup_files(struct mmsim_task *dst, const struct mmsim_task *src);
struct address_space *file_mapping(struct mmsim_task *t, int fd, int *acc_mode,
				   uint64_t *file_id);
void vfs_destroy(struct mmsim *m);
/* The name of the file whose page cache mp is (NULL: not a file's). */
const char *vfs_mapping_name(struct mmsim *m, const struct address_space *mp);

/* oom.c: the memcg OOM killer when no task is allocating (memory.max was
 * lowered): its victim is reaped at once. */
enum oom_result oom_kill_memcg(struct mmsim *m, struct hw_cpu *cpu, struct mem_cgroup *memcg);

/* cgroup.c: a cgroup's memory controller (for the library's own tests). */
struct mem_cgroup *cgroup_memcg(struct mmsim_cgroup *cg);
/* cgroup.c: the cgroups go last, after every page that was charged. */
void cgroups_destroy(struct mmsim *m);

/* swap.c: the swap area goes with the machine (its tasks gone first). */
void swap_teardown(struct mmsim *m);

/* The kernel's answer to a fault the MMU could not resolve. */
int kernel_fault(struct hw_cpu *cpu, uint64_t va, unsigned access);

#endif
