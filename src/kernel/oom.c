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
 * memory.events.  A victim whose memcg, or an ancestor up to the OOM's
 * domain, has memory.oom.group set takes every process of the highest such
 * memcg's subtree with it (but those with oom_score_adj -1000), counting
 * oom_group_kill there.  Badness:
 * pages + oom_score_adj * (machine pages) / 1000; the largest wins, a tie
 * going to the later task (Linux walks processes oldest first and takes a
 * later one on equal points).
 */
#include "kernel.h"

#include <errno.h>
#include <stdlib.h>

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
		if (seen || t->killed || t->oom_score_adj == -1000 || !(task_mems(t) & nodemask))
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

/* Marks every task of address space vmm killed (m->lock held). */
static void mark_killed(struct mmsim *m, struct mm_struct *vmm)
{
	for (int i = 0; i < m->ntasks; i++)
		if (m->tasks[i]->mm == vmm)
			__atomic_store_n(&m->tasks[i]->killed, true, __ATOMIC_RELEASE);
}

/*
 * memory.oom.group (Linux's mem_cgroup_scan_tasks with
 * oom_kill_memcg_member): the processes whose memory is charged in group's
 * subtree, each once, but for those with oom_score_adj -1000 and those an
 * earlier kill already took (Linux's are gone by then).  The victim is
 * among them: Linux kills it a second time, counting it again.  Collected
 * into out (m->ntasks places) under m->lock; returns how many.
 */
static int oom_group_members(struct mmsim *m, struct mem_cgroup *group,
			     struct mm_struct *victim, struct mm_struct **out)
{
	int n = 0;
	for (int i = 0; i < m->ntasks; i++) {
		struct mmsim_task *t = m->tasks[i];
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = m->tasks[j]->mm == t->mm;	/* a thread: its process counted */
		if (seen || t->oom_score_adj == -1000 || (t->killed && t->mm != victim))
			continue;
		if (!mem_cgroup_is_descendant(t->mm->memcg, group))
			continue;
		out[n++] = t->mm;
	}
	return n;
}

/* Linux's __oom_kill_process once the victim is marked: the counts, the
 * victim's mark, and another process's memory back now (the caller's own
 * once its fault lets go of its mmap_lock; a second kill reaps nothing
 * new). */
static void kill_process(struct mmsim *m, struct hw_cpu *cpu, struct mm_struct *vmm,
			 struct mm_struct *mm, bool reap)
{
	count_vm_events(&m->mm, MMSIM_VM_oom_kill, 1);
	memcg_event(vmm->memcg, MEMCG_OOM_KILL);
	__atomic_store_n(&vmm->oom_victim, true, __ATOMIC_RELEASE);
	if (reap && vmm != mm)
		oom_reap_mm(vmm, cpu);
}

/* Chooses and kills; mm is the allocating task's address space (NULL: no
 * task allocates, as when memory.max is written).  memcg is the OOM's
 * domain (NULL: the machine). */
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
	struct mem_cgroup *group = vmm ? mem_cgroup_get_oom_group(vmm->memcg, memcg) : NULL;
	struct mm_struct **members = NULL;
	int nmembers = 0;
	if (vmm)
		mark_killed(m, vmm);
	if (group && (members = calloc(m->ntasks > 0 ? (size_t)m->ntasks : 1, sizeof *members))) {
		nmembers = oom_group_members(m, group, vmm, members);
		for (int i = 0; i < nmembers; i++)
			mark_killed(m, members[i]);
	}
	pthread_mutex_unlock(&m->lock);
	enum oom_result r = OOM_NO_VICTIM;
	if (vmm) {
		r = vmm == mm ? OOM_KILLED_SELF : OOM_KILLED_OTHER;
		kill_process(m, cpu, vmm, mm, true);
		if (group)
			memcg_event(group, MEMCG_OOM_GROUP_KILL);
		for (int i = 0; i < nmembers; i++) {
			kill_process(m, cpu, members[i], mm, members[i] != vmm);
			if (members[i] == mm)
				r = OOM_KILLED_SELF;
		}
	}
	free(members);
	pthread_mutex_unlock(&m->oom_lock);
	return r;
}

enum oom_result kernel_out_of_memory(struct hw_cpu *cpu, struct mm_struct *mm, uint64_t nodemask)
{
	struct mmsim_task *cur = cpu->current;
	return cur ? oom_kill(cur->m, cpu, mm, nodemask, NULL) : OOM_NO_VICTIM;
}

/* Linux's out_of_memory from kswapd: no current task, so neither an
 * allocation's cpuset nor a memcg limits the choice (kswapd's own cpuset
 * spans every node); the victim's memory comes back at once. */
enum oom_result kernel_kswapd_out_of_memory(struct mm_sys *s)
{
	struct mmsim *m = container_of(s, struct mmsim, mm);
	return oom_kill(m, NULL, NULL, UINT64_MAX, NULL);
}

enum oom_result kernel_memcg_out_of_memory(struct hw_cpu *cpu, struct mem_cgroup *memcg)
{
	struct mmsim_task *cur = cpu->current;
	struct mm_struct *mm = alloc_for_mm ? alloc_for_mm : cur ? cur->mm : NULL;
	return cur ? oom_kill(cur->m, cpu, mm, UINT64_MAX, memcg) : OOM_NO_VICTIM;
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
