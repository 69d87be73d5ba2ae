/*
 * task.c - the machine object, tasks and their credentials, fork and exit,
 * and the simulated loads and stores a task makes.
 *
 * Accesses go through the task's CPU exactly as a program's would: the
 * TLB, then the page walk, then the fault handler (kernel_fault), which
 * either fixes the mapping (retry) or names the signal the program gets.
 * Each page-sized piece of an access is one hw_access_begin/end bracket:
 * in a threaded machine a TLB shootdown waits for that piece to finish, so
 * it never copies through a translation a completed flush removed.
 */
#include "kernel.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define FIRST_PID 100
#define DEFAULT_MEMLOCK (8ULL << 20)

/* The trace's view of a task (trace.h): its name, pid, CPU and clock. */
static void describe_task(const void *ctx, char comm[16], int *pid, int *cpu, uint64_t *ns)
{
	const struct mmsim_task *t = ctx;

	/* Cut to 15 bytes, as Linux's TASK_COMM_LEN cuts a task's name. */
	memcpy(comm, t->name, 15);
	comm[15] = 0;
	*pid = t->pid;
	*cpu = (int)t->cpu;
	/* The simulated clock counts cycles; at a nominal 1 GHz, nanoseconds. */
	*ns = __atomic_load_n(&t->m->hw->cpu[t->cpu].cnt.cycles, __ATOMIC_RELAXED);
}

struct mm_task_policy *current_task_policy(struct hw_cpu *cpu)
{
	struct mmsim_task *t = cpu->current;
	return t ? &t->mpol : NULL;
}

/* A new task's or thread's policy is a copy of its creator's (clone). */
static void inherit_policy(struct mmsim_task *t, struct mmsim_task *parent)
{
	spin_lock_init(&t->mpol.lock);
	task_policy_copy(&t->mpol, &parent->mpol);
}

int kernel_fault(struct hw_cpu *cpu, uint64_t va, unsigned access)
{
	struct mmsim_task *t = cpu->current;
	if (!t || va >= TASK_SIZE)
		return SIGSEGV;
	unsigned flags = FAULT_FLAG_USER;
	if (access & HW_ACC_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (access & HW_ACC_EXEC)
		flags |= FAULT_FLAG_EXEC;
	int sig = handle_mm_fault(t->mm, cpu, va, flags);
	if (flags & FAULT_FLAG_WRITE)
		balance_dirty_pages_ratelimited(&t->m->mm);	/* a shared file page, maybe */
	kswapd_run_pending(&t->m->mm, cpu);
	/* Killed meanwhile (kswapd's OOM kill at this very point, or another
	 * thread's): the access must not go on into a reaped address space. */
	if (mmsim_task_killed(t))
		return SIGKILL;
	return sig;
}

/* struct mmsim is mostly room for the largest machine (64 nodes, 64
 * CPUs), of which a machine writes the part it uses (hw_zero_alloc). */
static struct mmsim *machine_alloc(void)
{
	return hw_zero_alloc(sizeof(struct mmsim));
}

static void machine_free(struct mmsim *m)
{
	hw_zero_free(m, sizeof *m);
}

int mmsim_create(const struct mmsim_config *cfg, struct mmsim **out)
{
	struct mmsim *m = machine_alloc();
	if (!m)
		return -ENOMEM;
	trace_set_describe(describe_task);
	int err = hw_machine_create(cfg, &m->hw);
	if (!err)
		err = mm_sys_init(&m->mm, m->hw);
	if (err) {
		mm_sys_destroy(&m->mm);		/* what mm_sys_init mapped, if anything */
		if (m->hw)
			hw_machine_destroy(m->hw);
		machine_free(m);
		return err;
	}
	if (m->hw->threaded && (err = kswapd_threads_start(&m->mm))) {
		mm_sys_destroy(&m->mm);
		hw_machine_destroy(m->hw);
		machine_free(m);
		return err;
	}
	m->hw->fault = kernel_fault;
	numa_balancing_init(m);
	m->next_pid = FIRST_PID;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->oom_lock, NULL);
	pthread_mutex_init(&m->cpuset_lock, NULL);
	*out = m;
	return 0;
}

unsigned mmsim_debug_check(struct mmsim *m)
{
	kswapd_quiesce(&m->mm);
	pthread_mutex_lock(&m->lock);
	struct mm_struct **mms = calloc((size_t)m->ntasks + 1, sizeof *mms);
	unsigned n = 0, bad;
	for (int i = 0; mms && i < m->ntasks; i++) {
		struct mm_struct *mm = m->tasks[i]->mm;
		bool seen = !mm;	/* threads share their process's mm */
		for (unsigned k = 0; k < n && !seen; k++)
			seen = mms[k] == mm;
		if (!seen)
			mms[n++] = mm;
	}
	bad = mms ? debug_vm_check_pages(&m->mm, mms, n) : 1;
	pthread_mutex_unlock(&m->lock);
	kswapd_resume(&m->mm);
	free(mms);
	return bad;
}

void mmsim_destroy(struct mmsim *m)
{
	if (!m)
		return;
	kswapd_threads_stop(&m->mm);
	if (MMSIM_DEBUG_VM_ENABLED && mmsim_debug_check(m))
		vm_bug(__FILE__, __LINE__, "mmsim_debug_check(m) == 0", NULL);
	vfs_destroy(m);
	while (m->ntasks)
		mmsim_task_exit(m->tasks[m->ntasks - 1]);
	free(m->tasks);
	lru_add_drain_all(&m->mm);
	swap_teardown(m);
	mm_sys_destroy(&m->mm);
	cgroups_destroy(m);
	cpusets_destroy(m);
	trace_ctx = NULL;	/* its tasks are gone */
	hw_machine_destroy(m->hw);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->oom_lock);
	pthread_mutex_destroy(&m->cpuset_lock);
	pthread_mutex_destroy(&m->numa_lock);
	machine_free(m);
}

const struct mmsim_config *mmsim_config_of(const struct mmsim *m)
{
	return &m->hw->cfg;
}

void mmsim_task_attr_default(struct mmsim_task_attr *a)
{
	memset(a, 0, sizeof *a);
	a->name = "task";
	a->caps = MMSIM_CAPS_ALL;
	a->memlock_limit = DEFAULT_MEMLOCK;
}

static int task_register(struct mmsim *m, struct mmsim_task *t)
{
	pthread_mutex_lock(&m->lock);
	if (m->ntasks == m->cap) {
		int cap = m->cap ? m->cap * 2 : 8;
		void *p = realloc(m->tasks, (size_t)cap * sizeof *m->tasks);
		if (!p) {
			pthread_mutex_unlock(&m->lock);
			return -ENOMEM;
		}
		m->tasks = p;
		m->cap = cap;
	}
	t->pid = m->next_pid++;
	m->tasks[m->ntasks++] = t;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int mmsim_task_create(struct mmsim *m, const struct mmsim_task_attr *a, struct mmsim_task **out)
{
	if (a->cpu < 0 || (unsigned)a->cpu >= m->hw->nr_cpus)
		return -EINVAL;
	if (a->cpus_allowed && !(a->cpus_allowed & (1ULL << a->cpu)))
		return -EINVAL;
	/* Like writing cpuset.mems: every node named must exist. */
	if (a->mems & ~machine_nodes(m))
		return -EINVAL;
	struct mmsim_task *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->m = m;
	snprintf(t->name, sizeof t->name, "%s", a->name ? a->name : "task");
	t->uid = t->euid = t->suid = a->uid;
	t->gid = t->egid = t->sgid = a->uid;
	t->caps = a->caps;
	t->mems = a->mems ? a->mems : machine_nodes(m);
	t->cpu = (unsigned)a->cpu;
	t->cpus_allowed = (a->cpus_allowed ? a->cpus_allowed : 1ULL << a->cpu) & machine_cpus(m);
	t->move_cpu = -1;
	t->memlock_limit = a->memlock_limit;
	/* mems= puts the task in a cpuset of its own (the machine keeps it). */
	if (a->mems && !(t->cpuset = cpuset_create(m, a->mems))) {
		free(t);
		return -ENOMEM;
	}
	t->mm = mm_create(&m->mm, m->hw->cpu[t->cpu].node);
	if (!t->mm) {
		free(t);
		return -ENOMEM;
	}
	t->mm->mems_allowed = t->mems;
	task_numa_init(t, NULL, true);
	int err = task_register(m, t);
	if (err) {
		mm_destroy(t->mm, &m->hw->cpu[t->cpu]);
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* One try at fork: -EDQUOT when a page table's charge did not fit. */
static int fork_once(struct mmsim_task *parent, const char *name, struct mmsim_task **out)
{
	struct mmsim *m = parent->m;
	struct mmsim_task *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	/* The child joins the parent's cpuset: no cpuset write may come
	 * between the copy of its mems and policies and its registration. */
	pthread_mutex_lock(&m->cpuset_lock);
	*t = *parent;
	t->move_cpu = -1;
	snprintf(t->name, sizeof t->name, "%s", name ? name : parent->name);
	memset(t->files, 0, sizeof t->files);
	inherit_policy(t, parent);
	int err = task_dup_files(t, parent);
	if (err)
		goto out_free;
	t->mm = dup_mm(parent->mm, task_enter(parent), &err);
	if (!t->mm)
		goto out_files;
	task_numa_init(t, parent, true);
	if ((err = task_register(m, t))) {
		mm_destroy(t->mm, &m->hw->cpu[t->cpu]);
		goto out_files;
	}
	pthread_mutex_unlock(&m->cpuset_lock);
	*out = t;
	return 0;
out_files:
	task_close_files(t);
out_free:
	pthread_mutex_unlock(&m->cpuset_lock);
	task_policy_release(&t->mpol);
	free(t);
	return err;
}

/*
 * The child's page tables are charged as the parent makes them, under its
 * page-table lock: one that does not fit undoes the copy, and the room
 * Linux's charge would have made (reclaim, then the memcg OOM killer) is
 * made here, out of every lock, before fork tries again.
 */
int mmsim_fork(struct mmsim_task *parent, const char *name, struct mmsim_task **out)
{
	unsigned stuck = 0;
	int err;
	while ((err = fork_once(parent, name, out)) == -EDQUOT) {
		struct mem_cgroup *memcg = __atomic_load_n(&parent->mm->memcg, __ATOMIC_ACQUIRE);
		if (mem_cgroup_make_room(&parent->m->mm, task_enter(parent), memcg, 1, &stuck))
			return -ENOMEM;
	}
	return err;
}

int mmsim_thread_create(struct mmsim_task *t, const char *name, int cpu,
			struct mmsim_task **out)
{
	struct mmsim *m = t->m;
	if (cpu < 0 || (unsigned)cpu >= m->hw->nr_cpus)
		return -EINVAL;
	struct mmsim_task *th = calloc(1, sizeof *th);
	if (!th)
		return -ENOMEM;
	pthread_mutex_lock(&m->cpuset_lock);	/* as fork */
	*th = *t;
	snprintf(th->name, sizeof th->name, "%s", name ? name : t->name);
	th->cpu = (unsigned)cpu;
	th->move_cpu = -1;
	/* Pinned where its creator may not run, else its creator's affinity. */
	if (!(t->cpus_allowed & (1ULL << cpu)))
		th->cpus_allowed = 1ULL << cpu;
	memset(th->files, 0, sizeof th->files);	/* no CLONE_FILES */
	inherit_policy(th, t);
	__atomic_add_fetch(&t->mm->users, 1, __ATOMIC_RELAXED);
	task_numa_init(th, t, false);
	int err = task_register(m, th);
	pthread_mutex_unlock(&m->cpuset_lock);
	if (err) {
		__atomic_sub_fetch(&t->mm->users, 1, __ATOMIC_RELAXED);
		task_policy_release(&th->mpol);
		free(th);
		return err;
	}
	*out = th;
	return 0;
}

void mmsim_task_exit(struct mmsim_task *t)
{
	struct mmsim *m = t->m;
	struct hw_cpu *cpu = &m->hw->cpu[t->cpu];
	if (cpu->current == t)
		__atomic_store_n(&cpu->current, NULL, __ATOMIC_RELAXED);
	task_numa_free(t);
	if (trace_ctx == t)
		trace_ctx = NULL;
	/* A cpuset write in progress still rebinds and migrates t's mm.  An
	 * OOM kill under way (kswapd's, on its thread) may have chosen t and
	 * be reaping its mm: leave once it is done, so the mm outlives it;
	 * off the list, t is no later kill's choice. */
	pthread_mutex_lock(&m->cpuset_lock);
	pthread_mutex_lock(&m->oom_lock);
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->ntasks; i++) {
		if (m->tasks[i] == t) {
			memmove(&m->tasks[i], &m->tasks[i + 1],
				(size_t)(m->ntasks - i - 1) * sizeof *m->tasks);
			m->ntasks--;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_unlock(&m->oom_lock);
	pthread_mutex_unlock(&m->cpuset_lock);
	if (__atomic_sub_fetch(&t->mm->users, 1, __ATOMIC_ACQ_REL) == 0)
		mm_destroy(t->mm, cpu);
	else
		hw_leave_mm(cpu, &t->mm->pmap);	/* the others keep the mm */
	task_close_files(t);
	task_policy_release(&t->mpol);
	free(t);
}

int mmsim_task_pid(const struct mmsim_task *t)
{
	return t->pid;
}

struct mmsim *mmsim_task_machine(const struct mmsim_task *t)
{
	return t->m;
}

struct mmsim_task *task_find(struct mmsim *m, int pid)
{
	struct mmsim_task *found = NULL;
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->ntasks && !found; i++)
		if (m->tasks[i]->pid == pid)
			found = m->tasks[i];
	pthread_mutex_unlock(&m->lock);
	return found;
}

struct mmsim_task *mmsim_task_by_pid(struct mmsim *m, int pid)
{
	return task_find(m, pid);
}

int ptrace_may_read(const struct mmsim_task *caller, const struct mmsim_task *target)
{
	if (caller == target)
		return 0;
	bool ptrace_cap = task_capable(caller, MMSIM_CAP_SYS_PTRACE);
	bool ids = caller->uid == target->uid && caller->uid == target->euid &&
		   caller->uid == target->suid && caller->gid == target->gid &&
		   caller->gid == target->egid && caller->gid == target->sgid;
	if (!ids && !ptrace_cap)
		return -EPERM;
	/* commoncap: the target's permitted set must be within ours. */
	if ((target->caps & ~caller->caps) && !ptrace_cap)
		return -EPERM;
	return 0;
}

/* t goes from its CPU to CPU c (Linux's migrate_task_to, done at t's own
 * next entry, as the stopper thread would before t runs again). */
static void task_move_to(struct mmsim_task *t, unsigned c)
{
	struct hw_machine *hw = t->m->hw;
	struct hw_cpu *from = &hw->cpu[t->cpu], *to = &hw->cpu[c];
	if (from->current == t)
		__atomic_store_n(&from->current, NULL, __ATOMIC_RELAXED);
	hw_switch_mm(from, NULL);
	hw_cpu_catch_up(to, from);
	TRACE("sched_move_numa", "pid=%d tgid=%d ngid=%d src_cpu=%u src_nid=%u dst_cpu=%u dst_nid=%u",
	      t->pid, t->pid, task_numa_group_id(t), from->id, from->node, to->id, to->node);
	pthread_mutex_lock(&t->m->lock);
	__atomic_store_n(&t->cpu, c, __ATOMIC_RELAXED);
	__atomic_store_n(&t->move_cpu, -1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->m->lock);
}

bool task_claim_idle_cpu(struct mmsim_task *t, unsigned nid)
{
	struct mmsim *m = t->m;
	uint64_t busy = 0;
	int found = -1;
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->ntasks; i++) {
		busy |= 1ULL << m->tasks[i]->cpu;
		if (m->tasks[i]->move_cpu >= 0)
			busy |= 1ULL << m->tasks[i]->move_cpu;
	}
	for (unsigned c = 0; c < m->hw->nr_cpus && found < 0; c++)
		if (m->hw->cpu[c].node == nid && (t->cpus_allowed & ~busy & (1ULL << c)))
			found = (int)c;
	if (found >= 0)
		__atomic_store_n(&t->move_cpu, found, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&m->lock);
	return found >= 0;
}

int mmsim_task_set_affinity(struct mmsim_task *t, uint64_t mask)
{
	mask &= machine_cpus(t->m);
	if (!mask)
		return -EINVAL;
	pthread_mutex_lock(&t->m->lock);
	t->cpus_allowed = mask;
	int move = t->move_cpu;
	if (move >= 0 && !(mask & (1ULL << move)))
		move = -1;
	if (!(mask & (1ULL << t->cpu)) && move < 0)
		move = __builtin_ctzll(mask);
	__atomic_store_n(&t->move_cpu, move, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->m->lock);
	return 0;
}

int mmsim_task_cpu(const struct mmsim_task *t)
{
	return (int)__atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
}

struct hw_cpu *task_enter(struct mmsim_task *t)
{
	int move = __atomic_load_n(&t->move_cpu, __ATOMIC_RELAXED);
	if (move >= 0)
		task_move_to(t, (unsigned)move);
	struct hw_cpu *cpu = &t->m->hw->cpu[t->cpu];
	kswapd_run_pending(&t->m->mm, cpu);	/* a kswapd woken before: its turn now */
	task_policy_reap(&t->mpol);	/* policies a cpuset write replaced */
	/* Atomic: NUMA balancing looks at other CPUs' current task. */
	__atomic_store_n(&cpu->current, t, __ATOMIC_RELAXED);
	hw_switch_mm(cpu, &t->mm->pmap);
	lru_gen_use_mm(&t->mm->lru_gen_bitmap);
	trace_ctx = t;
	mm_this_cpu = (int)cpu->id;	/* whose per-CPU caches this thread uses */
	return cpu;
}

/* ---- accesses ---------------------------------------------------------------- */

/*
 * Runs fn on each page-sized piece of [addr, addr + len) for access acc.
 * fn runs inside the access bracket (threaded: with the CPU's TLB lock
 * held), so it must only copy: no sleeping, no simulated access.
 */
static int access_range(struct mmsim_task *t, uint64_t addr, uint64_t len, unsigned acc,
			void (*fn)(void *arg, uint8_t *host, uint64_t off, uint64_t n), void *arg,
			uint64_t *fault_addr)
{
	struct hw_cpu *cpu = task_enter(t);
	uint64_t off = 0;
	if (mmsim_task_killed(t)) {
		if (fault_addr)
			*fault_addr = addr;
		return SIGKILL;
	}
	while (off < len) {
		uint64_t va = addr + off;
		uint64_t n = PAGE_SIZE - (va & ~PAGE_MASK);
		if (n > len - off)
			n = len - off;
		int sig = 0;
		hw_access_begin(cpu);
		uint8_t *host = va < addr ? NULL : hw_translate(cpu, va, acc, &sig);
		if (!host) {
			hw_access_end(cpu);
			if (fault_addr)
				*fault_addr = va;
			return sig ? sig : SIGSEGV;
		}
		fn(arg, host, off, n);
		hw_cache_access(cpu, host, n);
		hw_access_end(cpu);
		if (acc & HW_ACC_WRITE)
			cpu->cnt.stores += n;
		else
			cpu->cnt.loads += n;
		off += n;
	}
	numa_tick_check(t->m, cpu);
	return 0;
}

static void do_store(void *arg, uint8_t *host, uint64_t off, uint64_t n)
{
	memcpy(host, (const uint8_t *)arg + off, n);
}

static void do_fill(void *arg, uint8_t *host, uint64_t off, uint64_t n)
{
	(void)off;
	memset(host, *(const int *)arg, n);
}

static void do_load(void *arg, uint8_t *host, uint64_t off, uint64_t n)
{
	memcpy((uint8_t *)arg + off, host, n);
}

int mmsim_store(struct mmsim_task *t, uint64_t addr, const void *buf, uint64_t len,
		uint64_t *fault_addr)
{
	return access_range(t, addr, len, HW_ACC_WRITE, do_store, (void *)buf, fault_addr);
}

int mmsim_fill(struct mmsim_task *t, uint64_t addr, int byte, uint64_t len, uint64_t *fault_addr)
{
	return access_range(t, addr, len, HW_ACC_WRITE, do_fill, &byte, fault_addr);
}

int mmsim_load(struct mmsim_task *t, uint64_t addr, void *buf, uint64_t len, uint64_t *fault_addr)
{
	return access_range(t, addr, len, HW_ACC_READ, do_load, buf, fault_addr);
}

static void do_nothing(void *arg, uint8_t *host, uint64_t off, uint64_t n)
{
	(void)arg, (void)host, (void)off, (void)n;
}

int mmsim_touch(struct mmsim_task *t, uint64_t addr, uint64_t len, bool write,
		uint64_t *fault_addr)
{
	return access_range(t, addr, len, write ? HW_ACC_WRITE : HW_ACC_READ, do_nothing, NULL,
			    fault_addr);
}

struct each_ctx {
	void (*fn)(void *arg, const uint8_t *bytes, uint64_t n);
	void *arg;
};

static void do_each(void *arg, uint8_t *host, uint64_t off, uint64_t n)
{
	struct each_ctx *c = arg;
	(void)off;
	c->fn(c->arg, host, n);
}

int mmsim_load_each(struct mmsim_task *t, uint64_t addr, uint64_t len,
		    void (*fn)(void *arg, const uint8_t *bytes, uint64_t n), void *arg,
		    uint64_t *fault_addr)
{
	struct each_ctx c = { fn, arg };
	return access_range(t, addr, len, HW_ACC_READ, do_each, &c, fault_addr);
}

/* mmsim_load8 on a threaded machine: the same, inside the access bracket. */
static __attribute__((noinline)) int load8_threaded(struct hw_cpu *cpu, uint64_t addr,
						    uint8_t *out)
{
	int sig = 0;
	hw_access_begin(cpu);
	uint8_t *p = hw_translate(cpu, addr, HW_ACC_READ, &sig);
	uint8_t v = 0;
	if (p) {
		v = *p;
		hw_cache_access(cpu, p, 1);
	}
	hw_access_end(cpu);
	if (!p)
		return sig;
	cpu->cnt.loads++;
	*out = v;
	return 0;
}

/* The hit path `mmsim bench access` measures: an unthreaded machine pays
 * one test of the mode for the threaded protocol, nothing more, then the
 * data cache's lookup. */
int mmsim_load8(struct mmsim_task *t, uint64_t addr, uint8_t *out)
{
	struct hw_machine *hw = t->m->hw;
	struct hw_cpu *cpu = &hw->cpu[t->cpu];
	/* A move NUMA placement chose is due at the next entry. */
	if (cpu->current != t || __builtin_expect(__atomic_load_n(&t->move_cpu, __ATOMIC_RELAXED) >= 0, 0))
		cpu = task_enter(t);
	if (__builtin_expect(mmsim_task_killed(t), 0))
		return SIGKILL;
	if (hw->threaded) {
		int sig = load8_threaded(cpu, addr, out);
		numa_tick_check(t->m, cpu);
		return sig;
	}
	int sig = 0;
	uint8_t *p = hw_translate(cpu, addr, HW_ACC_READ, &sig);
	if (!p)
		return sig;
	hw_cache_access(cpu, p, 1);
	cpu->cnt.loads++;
	*out = *p;
	numa_tick_check(t->m, cpu);	/* the scheduler tick: one compare */
	return 0;
}

/* ---- counters ------------------------------------------------------------------ */

static const char *const counter_names[] = {
#define MMSIM_COUNTER_NAME(name, doc) #name,
	MMSIM_COUNTERS(MMSIM_COUNTER_NAME)
#undef MMSIM_COUNTER_NAME
};
#define NR_COUNTERS (sizeof counter_names / sizeof counter_names[0])

const char *mmsim_counter_name(unsigned i)
{
	return i < NR_COUNTERS ? counter_names[i] : NULL;
}

uint64_t mmsim_counter_value(const struct mmsim_counters *c, unsigned i)
{
	return i < NR_COUNTERS ? ((const uint64_t *)c)[i] : 0;
}

static void counters_add(struct mmsim_counters *dst, const struct mmsim_counters *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (unsigned i = 0; i < NR_COUNTERS; i++)
		d[i] += s[i];
}

/* A CPU's counters are its own (cnt) plus the IPI work senders charged to
 * it (irq_cnt): see hw.h. */
void mmsim_counters_machine(const struct mmsim *m, struct mmsim_counters *out)
{
	struct mmsim_counters c1;
	memset(out, 0, sizeof *out);
	for (unsigned c = 0; c < m->hw->nr_cpus; c++) {
		hw_cpu_counters(&m->hw->cpu[c], &c1);
		counters_add(out, &c1);
	}
	/* And what kernel threads did on no CPU. */
	const uint64_t *k = (const uint64_t *)&m->hw->kthread_cnt;
	uint64_t *d = (uint64_t *)out;
	for (unsigned i = 0; i < NR_COUNTERS; i++)
		d[i] += __atomic_load_n(&k[i], __ATOMIC_RELAXED);
	out->pages_freed = __atomic_load_n(&m->mm.pages_freed, __ATOMIC_RELAXED);
	out->pt_alloc = __atomic_load_n(&m->mm.pt_alloc, __ATOMIC_RELAXED);
	out->pt_free = __atomic_load_n(&m->mm.pt_free, __ATOMIC_RELAXED);
}

int mmsim_counters_cpu(const struct mmsim *m, unsigned cpu, struct mmsim_counters *out)
{
	if (cpu >= m->hw->nr_cpus)
		return -EINVAL;
	hw_cpu_counters(&m->hw->cpu[cpu], out);
	return 0;
}

void mmsim_counters_task(const struct mmsim_task *t, struct mmsim_counters *out)
{
	*out = t->mm->cnt;
}

int mmsim_task_vmas(struct mmsim_task *t, uint64_t start, uint64_t end,
		    struct mmsim_vma_info *out, int max)
{
	struct mm_struct *mm = t->mm;
	int n = 0;
	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (int i = vma_index(mm, start); i < mm->vmas.n; i++) {
		const struct vm_area_struct *v = mm->vmas.v[i];
		if (v->vm_start >= end)
			break;
		if (n < max) {
			struct mmsim_vma_info *o = &out[n];
			o->start = v->vm_start;
			o->end = v->vm_end;
			o->pgoff = v->vm_pgoff;
			vma_perms(v, o->perms);
		}
		n++;
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return n;
}
