/*
 * cpuset.c - cpusets, the memory side of cgroup v2's cpuset controller
 * (Linux's kernel/cgroup/cpuset.c): which nodes a task's pages may use, and
 * what a write of cpuset.mems does to the tasks already running in it.
 *
 * A write of new mems (Linux's update_nodemask, then update_tasks_nodemask
 * for the cpuset whose effective mems changed) goes task by task: the
 * task's mems_allowed becomes the new effective mems and its own policy is
 * rebound (cpuset_change_task_nodemask), then its address space's VMA
 * policies are rebound and, since cgroup v2 always sets memory_migrate,
 * its pages move from the old effective mems to the new ones as
 * migrate_pages(2) would move them (do_migrate_pages with MPOL_MF_MOVE_ALL,
 * which Linux queues per task and waits for before the write returns).
 * Threads sharing an address space each do it, as in Linux: rebinding is
 * idempotent, and the second migration finds the pages already moved
 * (unless the new mems overlap the old, where Linux moves them again).
 *
 * Owns: struct mmsim_cpuset and the machine's list of them.  May touch a
 * task's mems and policy and its mm's mems_allowed, under cpuset_lock
 * (kernel.h gives the lock order).
 */
#include "kernel.h"

#include <errno.h>
#include <stdlib.h>

struct mmsim_cpuset *cpuset_create(struct mmsim *m, uint64_t mems)
{
	struct mmsim_cpuset *cs = calloc(1, sizeof *cs);
	if (!cs)
		return NULL;
	cs->m = m;
	cs->mems = cs->effective = cs->old_mems = mems;
	pthread_mutex_lock(&m->cpuset_lock);
	cs->next = m->cpusets;
	m->cpusets = cs;
	pthread_mutex_unlock(&m->cpuset_lock);
	return cs;
}

void cpusets_destroy(struct mmsim *m)
{
	while (m->cpusets) {
		struct mmsim_cpuset *cs = m->cpusets;
		m->cpusets = cs->next;
		free(cs);
	}
}

struct mmsim_cpuset *mmsim_task_cpuset(const struct mmsim_task *t)
{
	return t->cpuset;
}

uint64_t mmsim_cpuset_mems(struct mmsim_cpuset *cs)
{
	pthread_mutex_lock(&cs->m->cpuset_lock);
	uint64_t mems = cs->mems;
	pthread_mutex_unlock(&cs->m->cpuset_lock);
	return mems;
}

uint64_t mmsim_cpuset_effective_mems(struct mmsim_cpuset *cs)
{
	pthread_mutex_lock(&cs->m->cpuset_lock);
	uint64_t mems = cs->effective;
	pthread_mutex_unlock(&cs->m->cpuset_lock);
	return mems;
}

/* The tasks in cs, in creation order (Linux walks a cgroup's tasks much
 * so); *n gets how many.  NULL with *n 0 when there are none or no memory
 * for the list (cpuset_lock held: none joins or leaves meanwhile). */
static struct mmsim_task **cpuset_tasks(struct mmsim_cpuset *cs, int *n, int *err)
{
	struct mmsim *m = cs->m;
	struct mmsim_task **v = NULL;
	*n = 0;
	*err = 0;
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->ntasks; i++)
		*n += m->tasks[i]->cpuset == cs;
	if (*n && !(v = malloc((size_t)*n * sizeof *v)))
		*err = -ENOMEM;
	for (int i = 0, k = 0; v && i < m->ntasks; i++)
		if (m->tasks[i]->cpuset == cs)
			v[k++] = m->tasks[i];
	pthread_mutex_unlock(&m->lock);
	return v;
}

/* Each task of cs follows its new effective mems (Linux's
 * update_tasks_nodemask); cpuset_lock held. */
static int cpuset_update_tasks(struct mmsim_cpuset *cs, struct mmsim_task **v, int n)
{
	uint64_t newmems = cs->effective, from = cs->old_mems;
	int err = 0;
	for (int i = 0; i < n; i++) {
		struct mmsim_task *t = v[i];
		__atomic_store_n(&t->mems, newmems, __ATOMIC_RELAXED);
		int e = mpol_rebind_task(&t->mpol, newmems);
		__atomic_store_n(&t->mm->mems_allowed, newmems, __ATOMIC_RELAXED);
		/* Linux rebinds VMA policies to the mems as written (the same
		 * as the effective ones while tasks are in the cpuset). */
		if (!e)
			e = mpol_rebind_mm(t->mm, cs->mems);
		if (e && !err)
			err = e;
	}
	/* The migrations run after every task was rebound, in order, each
	 * failure ignored, as Linux's queued work does. */
	for (int i = 0; i < n && from != newmems; i++)
		do_migrate_pages(v[i]->mm, NULL, from, newmems, machine_nodes(cs->m), true);
	cs->old_mems = newmems;
	return err;
}

int mmsim_cpuset_set_mems(struct mmsim_cpuset *cs, uint64_t mems)
{
	struct mmsim *m = cs->m;
	int n, err;
	/* Linux takes any node below MAX_NUMNODES but only those with
	 * memory: here every node has some. */
	if (mems & ~machine_nodes(m))
		return -EINVAL;
	pthread_mutex_lock(&m->cpuset_lock);
	if (mems == cs->mems) {
		pthread_mutex_unlock(&m->cpuset_lock);
		return 0;
	}
	struct mmsim_task **v = cpuset_tasks(cs, &n, &err);
	if (!err && n && cs->mems && !mems)
		err = -ENOSPC;	/* tasks in it would have nowhere to go */
	if (err) {
		pthread_mutex_unlock(&m->cpuset_lock);
		free(v);
		return err;
	}
	cs->mems = mems;
	/* cgroup v2: no mems means the parent's, the root's here. */
	uint64_t effective = mems ? mems : machine_nodes(m);
	if (effective != cs->effective) {
		cs->effective = effective;
		err = cpuset_update_tasks(cs, v, n);
	}
	pthread_mutex_unlock(&m->cpuset_lock);
	free(v);
	return err;
}
