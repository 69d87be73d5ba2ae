/*
 * oom.c - the OOM killer's choice and kill (Linux 6.12's mm/oom_kill.c:
 * select_bad_process, oom_badness, oom_kill_process), over the machine's
 * tasks.  src/mm calls kernel_out_of_memory() when reclaim can free
 * nothing more for an allocation; the memory each address space would
 * give back comes from src/mm (oom_badness_pages), and so does the reaping.
 *
 * A process is its address space here: threads share one, and die with it.
 * Candidates: every live task whose cpuset meets the allocation's nodes
 * (Linux's cpuset constraint), unless oom_score_adj is -1000; for a memcg
 * OOM (a charge over memory.max), the tasks whose memory is charged in the
 * memcg's subtree.  oom_kill counts in vmstat and in the victim's memcg's
 * memory.events.  Badness:
 * pages + oom_score_adj * (machine pages) / 1000; the largest wins, a tie
 * going to the later task (Linux walks processes oldest first and takes a
 * later one on equal points).
 */
#include "kernel.h"

#include <errno.h>

static uint64_t machine_pages(const struct mmsim *m)
{
	return m->hw->nr_pfns;
}

static int64_t badness(const struct mmsim_task *t, uint64_t total)
{
	int64_t points = (int64_t)oom_badness_pages(t->mm);
	return points + (int64_t)t->oom_score_adj * (int64_t)(total / 1000);
}

/* The victim: the first task of the address space with the most to give,
 * among those whose cpuset meets nodemask and, for a memcg OOM, whose
 * memory is charged inside memcg. */
static struct mmsim_task *select_bad_process(struct mmsim *m, uint64_t nodemask,
					     struct mem_cgroup *memcg)
{
	struct mmsim_task *chosen = NULL;
	int64_t chosen_points = INT64_MIN;
	uint64_t total = machine_pages(m);
	for (int i = 0; i < m->ntasks; i++) {
		struct mmsim_task *t = m->tasks[i];
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = m->tasks[j]->mm == t->mm;	/* a thread: its process counted */
		if (seen || t->killed || t->oom_score_adj == -1000 || !(t->mems & nodemask))
			continue;
		if (memcg && !mem_cgroup_is_descendant(t->mm->memcg, memcg))
			continue;
		int64_t points = badness(t, total);
		if (points >= chosen_points) {
			chosen = t;
			chosen_points = points;
		}
	}
	return chosen;
}

/* Chooses and kills; mm is the allocating task's address space (NULL: no
 * task allocates, as when memory.max is written). */
static enum oom_result oom_kill(struct mmsim *m, struct hw_cpu *cpu, struct mm_struct *mm,
				uint64_t nodemask, struct mem_cgroup *memcg)
{
	/* Another kill under way (on a threaded machine): it frees memory,
	 * or takes this process; either way, retry.  Never wait for it here:
	 * its reaping may need this process's mmap_lock, which the caller
	 * holds. */
	if (pthread_mutex_trylock(&m->oom_lock))
		return mm && __atomic_load_n(&mm->oom_victim, __ATOMIC_ACQUIRE) ? OOM_KILLED_SELF
										: OOM_KILLED_OTHER;
	if (mm && __atomic_load_n(&mm->oom_victim, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&m->oom_lock);
		return OOM_KILLED_SELF;
	}
	pthread_mutex_lock(&m->lock);
	struct mmsim_task *victim = select_bad_process(m, nodemask, memcg);
	struct mm_struct *vmm = victim ? victim->mm : NULL;
	if (vmm)
		for (int i = 0; i < m->ntasks; i++)
			if (m->tasks[i]->mm == vmm)
				__atomic_store_n(&m->tasks[i]->killed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&m->lock);
	enum oom_result r = OOM_NO_VICTIM;
	if (vmm) {
		count_vm_events(&m->mm, MMSIM_VM_oom_kill, 1);
		memcg_event(vmm->memcg, MEMCG_OOM_KILL);
		__atomic_store_n(&vmm->oom_victim, true, __ATOMIC_RELEASE);
		r = vmm == mm ? OOM_KILLED_SELF : OOM_KILLED_OTHER;
		/* Another process's memory comes back now; the caller's own
		 * once its fault lets go of its mmap_lock. */
		if (vmm != mm)
			oom_reap_mm(vmm, cpu);
	}
	pthread_mutex_unlock(&m->oom_lock);
	return r;
}

enum oom_result kernel_out_of_memory(struct hw_cpu *cpu, struct mm_struct *mm, uint64_t nodemask)
{
	struct mmsim_task *cur = cpu->current;
	return cur ? oom_kill(cur->m, cpu, mm, nodemask, NULL) : OOM_NO_VICTIM;
}

enum oom_result kernel_memcg_out_of_memory(struct hw_cpu *cpu, struct mem_cgroup *memcg)
{
	struct mmsim_task *cur = cpu->current;
	return cur ? oom_kill(cur->m, cpu, cur->mm, UINT64_MAX, memcg) : OOM_NO_VICTIM;
}

enum oom_result oom_kill_memcg(struct mmsim *m, struct hw_cpu *cpu, struct mem_cgroup *memcg)
{
	return oom_kill(m, cpu, NULL, UINT64_MAX, memcg);
}

bool mmsim_task_killed(const struct mmsim_task *t)
{
	return __atomic_load_n(&t->killed, __ATOMIC_ACQUIRE);
}

int mmsim_task_set_oom_score_adj(struct mmsim_task *t, int adj)
{
	if (adj < -1000 || adj > 1000)
		return -EINVAL;
	t->oom_score_adj = adj;
	return 0;
}
