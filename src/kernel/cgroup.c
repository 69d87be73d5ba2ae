/*
 * cgroup.c - the cgroup tree of a machine and its memory controller's
 * interface files (mmsim/cgroup.h); the accounting itself is src/mm's
 * (memcontrol.c).  A task's process is its address space: mm->memcg says
 * where its pages are charged.  Cgroups are made under mmsim.lock and
 * never removed; a limit is a relaxed atomic store (a charge racing a
 * write sees the old or the new limit, as in Linux).
 */
#include "kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mmsim_cgroup {
	struct mmsim *m;
	char name[64];
	struct mmsim_cgroup *next;	/* the machine's list */
	struct mem_cgroup memcg;
};

struct mem_cgroup *current_memcg(struct hw_cpu *cpu)
{
	struct mmsim_task *t = cpu->current;
	return t ? t->mm->memcg : NULL;
}

struct mmsim_cgroup *mmsim_cgroup_find(struct mmsim *m, const char *name)
{
	struct mmsim_cgroup *cg;
	pthread_mutex_lock(&m->lock);
	for (cg = m->cgroups; cg && strcmp(cg->name, name); cg = cg->next)
		;
	pthread_mutex_unlock(&m->lock);
	return cg;
}

/* cgroup v2 keeps processes at the leaves once a controller is on below:
 * does a task's memory go to cg itself?  Has cg children?  (m->lock held) */
static bool has_procs(struct mmsim *m, const struct mmsim_cgroup *cg)
{
	for (int i = 0; i < m->ntasks; i++)
		if (m->tasks[i]->mm->memcg == &cg->memcg)
			return true;
	return false;
}

static bool has_children(struct mmsim *m, const struct mmsim_cgroup *cg)
{
	for (struct mmsim_cgroup *c = m->cgroups; c; c = c->next)
		if (c->memcg.parent == &cg->memcg)
			return true;
	return false;
}

int mmsim_cgroup_create(struct mmsim *m, const char *name, struct mmsim_cgroup *parent,
			struct mmsim_cgroup **out)
{
	if (!name || !*name || strlen(name) >= sizeof ((struct mmsim_cgroup *)0)->name ||
	    (parent && parent->m != m))
		return -EINVAL;
	if (mmsim_cgroup_find(m, name))
		return -EEXIST;
	struct mmsim_cgroup *cg = calloc(1, sizeof *cg);
	if (!cg)
		return -ENOMEM;
	cg->m = m;
	snprintf(cg->name, sizeof cg->name, "%s", name);
	mem_cgroup_init(&cg->memcg, parent ? &parent->memcg : NULL);
	pthread_mutex_lock(&m->lock);
	if (parent && has_procs(m, parent)) {
		pthread_mutex_unlock(&m->lock);
		free(cg);
		return -EBUSY;
	}
	cg->next = m->cgroups;
	m->cgroups = cg;
	pthread_mutex_unlock(&m->lock);
	*out = cg;
	return 0;
}

void cgroups_destroy(struct mmsim *m)
{
	while (m->cgroups) {
		struct mmsim_cgroup *cg = m->cgroups;
		m->cgroups = cg->next;
		free(cg);
	}
}

int mmsim_cgroup_attach(struct mmsim_cgroup *cg, struct mmsim_task *t)
{
	if (cg->m != t->m)
		return -EINVAL;
	pthread_mutex_lock(&cg->m->lock);
	bool busy = has_children(cg->m, cg);
	if (!busy)
		__atomic_store_n(&t->mm->memcg, &cg->memcg, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&cg->m->lock);
	return busy ? -EBUSY : 0;
}

/* The limit files and where each lives in struct mem_cgroup. */
static uint64_t *limit_of(struct mem_cgroup *mc, const char *file)
{
	if (!strcmp(file, "memory.max"))
		return &mc->max;
	if (!strcmp(file, "memory.high"))
		return &mc->high;
	if (!strcmp(file, "memory.low"))
		return &mc->low;
	if (!strcmp(file, "memory.min"))
		return &mc->min;
	if (!strcmp(file, "memory.swap.max"))
		return &mc->swap_max;
	return NULL;
}

/* "max", or bytes (with k/m/g suffixes, as Linux's memparse), in pages. */
static int parse_limit(const char *v, uint64_t *pages)
{
	if (!strcmp(v, "max")) {
		*pages = MEMCG_UNLIMITED;
		return 0;
	}
	char *end;
	if (!*v || *v == '-')
		return -EINVAL;
	unsigned long long n = strtoull(v, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == '\n')
		end++;
	if (*end || (shift && n > (UINT64_MAX >> shift)))
		return -EINVAL;
	*pages = (n << shift) / PAGE_SIZE;
	return 0;
}

/* memory.max below the usage: reclaim, then kill, until it fits or nobody
 * is left to kill (Linux's memory_max_write). */
static int shrink_to_max(struct mmsim *m, struct mem_cgroup *mc)
{
	struct hw_cpu *cpu = &m->hw->cpu[0];
	for (unsigned stuck = 0; __atomic_load_n(&mc->usage, __ATOMIC_RELAXED) > mc->max;) {
		uint64_t over = __atomic_load_n(&mc->usage, __ATOMIC_RELAXED) - mc->max;
		if (try_to_free_mem_cgroup_pages(&m->mm, cpu, mc, over > 32 ? 32 : (unsigned)over)) {
			stuck = 0;
			continue;
		}
		if (++stuck < 16)
			continue;
		memcg_event(mc, MEMCG_OOM);
		if (oom_kill_memcg(m, cpu, mc) == OOM_NO_VICTIM)
			return 0;	/* Linux leaves it over; the write succeeds */
		stuck = 0;
	}
	return 0;
}

int mmsim_cgroup_write(struct mmsim_cgroup *cg, const char *file, const char *value)
{
	uint64_t *lim = limit_of(&cg->memcg, file), pages;
	if (!lim)
		return -ENOENT;
	if (parse_limit(value, &pages))
		return -EINVAL;
	__atomic_store_n(lim, pages, __ATOMIC_RELAXED);
	if (lim == &cg->memcg.max)
		shrink_to_max(cg->m, &cg->memcg);
	return 0;
}

long mmsim_cgroup_read(struct mmsim_cgroup *cg, const char *file, char *buf, size_t len)
{
	struct mem_cgroup *mc = &cg->memcg;
	uint64_t *lim = limit_of(mc, file);
	int n;
	if (lim) {
		uint64_t v = __atomic_load_n(lim, __ATOMIC_RELAXED);
		n = v == MEMCG_UNLIMITED ? snprintf(buf, len, "max\n")
					 : snprintf(buf, len, "%llu\n", (unsigned long long)(v * PAGE_SIZE));
	} else if (!strcmp(file, "memory.current")) {
		n = snprintf(buf, len, "%llu\n",
			     (unsigned long long)(__atomic_load_n(&mc->usage, __ATOMIC_RELAXED) * PAGE_SIZE));
	} else if (!strcmp(file, "memory.swap.current")) {
		n = snprintf(buf, len, "%llu\n",
			     (unsigned long long)(__atomic_load_n(&mc->swap_usage, __ATOMIC_RELAXED) *
						  PAGE_SIZE));
	} else if (!strcmp(file, "memory.events")) {
		n = snprintf(buf, len, "low %llu\nhigh %llu\nmax %llu\noom %llu\noom_kill %llu\n"
			     "oom_group_kill 0\n",
			     (unsigned long long)mc->events[MEMCG_LOW],
			     (unsigned long long)mc->events[MEMCG_HIGH],
			     (unsigned long long)mc->events[MEMCG_MAX],
			     (unsigned long long)mc->events[MEMCG_OOM],
			     (unsigned long long)mc->events[MEMCG_OOM_KILL]);
	} else if (!strcmp(file, "memory.stat")) {
		uint64_t anon, filep, shmem;
		lru_add_drain_all(&cg->m->mm);
		mem_cgroup_stat(&cg->m->mm, mc, &anon, &filep, &shmem);
		n = snprintf(buf, len, "anon %llu\nfile %llu\nshmem %llu\n",
			     (unsigned long long)(anon * PAGE_SIZE),
			     (unsigned long long)((filep + shmem) * PAGE_SIZE),
			     (unsigned long long)(shmem * PAGE_SIZE));
	} else {
		return -ENOENT;
	}
	return n;
}
