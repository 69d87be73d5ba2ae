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
	int err = parent && has_procs(m, parent) ? -EBUSY : mem_cgroup_online(&m->mm, &cg->memcg);
	if (err) {
		pthread_mutex_unlock(&m->lock);
		free(cg);
		return err;
	}
	cg->next = m->cgroups;
	m->cgroups = cg;
	pthread_mutex_unlock(&m->lock);
	*out = cg;
	return 0;
}

struct mem_cgroup *cgroup_memcg(struct mmsim_cgroup *cg)
{
	return &cg->memcg;
}

void cgroups_destroy(struct mmsim *m)
{
	while (m->cgroups) {
		struct mmsim_cgroup *cg = m->cgroups;
		m->cgroups = cg->next;
		mem_cgroup_free(&cg->memcg);
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
	if (!busy)
		lru_gen_migrate_mm(&cg->m->mm, t->mm);	/* onto its new memcg's mm list */
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

/* The peak files and the usage each follows. */
static uint64_t *peak_of(struct mem_cgroup *mc, const char *file, uint64_t **usage)
{
	if (!strcmp(file, "memory.peak")) {
		*usage = &mc->usage;
		return &mc->usage_peak;
	}
	if (!strcmp(file, "memory.swap.peak")) {
		*usage = &mc->swap_usage;
		return &mc->swap_peak;
	}
	return NULL;
}

/* memory.oom.group: 0 or 1 (Linux's kstrtoint, any base, then the range). */
static int write_oom_group(struct mem_cgroup *mc, const char *v)
{
	char *end;
	if (!*v)
		return -EINVAL;
	long n = strtol(v, &end, 0);
	if (*end == '\n')
		end++;
	if (*end || (n != 0 && n != 1))
		return -EINVAL;
	__atomic_store_n(&mc->oom_group, n == 1, __ATOMIC_RELAXED);
	return 0;
}

int mmsim_cgroup_write(struct mmsim_cgroup *cg, const char *file, const char *value)
{
	uint64_t *lim = limit_of(&cg->memcg, file), pages, *usage;
	uint64_t *peak = peak_of(&cg->memcg, file, &usage);
	if (peak) {
		/* Linux resets the peak its writer's descriptor reads next; with
		 * no descriptors here, every later read sees the reset. */
		__atomic_store_n(peak, __atomic_load_n(usage, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
		return 0;
	}
	if (!strcmp(file, "memory.oom.group"))
		return write_oom_group(&cg->memcg, value);
	if (!lim)
		return -ENOENT;
	if (parse_limit(value, &pages))
		return -EINVAL;
	__atomic_store_n(lim, pages, __ATOMIC_RELAXED);
	if (lim == &cg->memcg.max)
		shrink_to_max(cg->m, &cg->memcg);
	return 0;
}

/*
 * memory.stat: the keys mmsim keeps, in Linux 6.12's order (memory_stats[],
 * then pgscan and pgsteal, then memcg_vm_event_stat[]); sizes in bytes,
 * events in pages.  kernel is every kmem charge (Linux's MEMCG_KMEM): here
 * the page tables alone, the only kernel memory mmsim charges.  Left out,
 * as mmsim does not keep them: kernel_stack, sec_pagetables, percpu, sock,
 * vmalloc, zswap/zswapped, file_mapped, file_dirty, file_writeback, swapcached,
 * anon_thp, file_thp, shmem_thp, slab*, workingset_nodereclaim,
 * pgdemote_*, pgpromote_success, pgscan_khugepaged, pgsteal_khugepaged,
 * pswpin, pswpout, pgfault, pgmajfault, pglazyfree(d), swpin_zero,
 * swpout_zero, zswp*, thp_*, numa_*.
 */
static int memory_stat_format(struct mmsim_cgroup *cg, char *buf, size_t len)
{
	static const enum mmsim_vmstat_event events[] = {
		MMSIM_VM_workingset_refault_anon, MMSIM_VM_workingset_refault_file,
		MMSIM_VM_workingset_activate_anon, MMSIM_VM_workingset_activate_file,
		MMSIM_VM_workingset_restore_anon, MMSIM_VM_workingset_restore_file,
	};
	static const enum mmsim_vmstat_event vm_events[] = {
		MMSIM_VM_pgscan_kswapd, MMSIM_VM_pgscan_direct, MMSIM_VM_pgsteal_kswapd,
		MMSIM_VM_pgsteal_direct, MMSIM_VM_pgrefill, MMSIM_VM_pgactivate,
		MMSIM_VM_pgdeactivate,
	};
	static const char *const lru_names[NR_LRU_LISTS] = {
		[LRU_INACTIVE_ANON] = "inactive_anon", [LRU_ACTIVE_ANON] = "active_anon",
		[LRU_INACTIVE_FILE] = "inactive_file", [LRU_ACTIVE_FILE] = "active_file",
		[LRU_UNEVICTABLE] = "unevictable",
	};
	static const enum lru_list lru_order[] = { LRU_INACTIVE_ANON, LRU_ACTIVE_ANON,
						   LRU_INACTIVE_FILE, LRU_ACTIVE_FILE,
						   LRU_UNEVICTABLE };
	struct mem_cgroup *mc = &cg->memcg;
	struct memcg_page_stat st;
	size_t n = 0;
	lru_add_drain_all(&cg->m->mm);
	mem_cgroup_stat(&cg->m->mm, mc, &st);
#define OUT(...) (n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__))
	OUT("anon %llu\nfile %llu\n", (unsigned long long)(st.anon * PAGE_SIZE),
	    (unsigned long long)((st.file + st.shmem) * PAGE_SIZE));
	OUT("kernel %llu\npagetables %llu\n", (unsigned long long)(st.pagetables * PAGE_SIZE),
	    (unsigned long long)(st.pagetables * PAGE_SIZE));
	OUT("shmem %llu\n", (unsigned long long)(st.shmem * PAGE_SIZE));
	for (size_t i = 0; i < sizeof lru_order / sizeof lru_order[0]; i++)
		OUT("%s %llu\n", lru_names[lru_order[i]],
		    (unsigned long long)(st.lru[lru_order[i]] * PAGE_SIZE));
	uint64_t ev[MMSIM_VMSTAT_NR];
	for (int i = 0; i < MMSIM_VMSTAT_NR; i++)
		ev[i] = __atomic_load_n(&mc->vm_events[i], __ATOMIC_RELAXED);
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		OUT("%s %llu\n", mmsim_vmstat_name(events[i]), (unsigned long long)ev[events[i]]);
	OUT("pgscan %llu\npgsteal %llu\n",
	    (unsigned long long)(ev[MMSIM_VM_pgscan_kswapd] + ev[MMSIM_VM_pgscan_direct]),
	    (unsigned long long)(ev[MMSIM_VM_pgsteal_kswapd] + ev[MMSIM_VM_pgsteal_direct]));
	for (size_t i = 0; i < sizeof vm_events / sizeof vm_events[0]; i++)
		OUT("%s %llu\n", mmsim_vmstat_name(vm_events[i]),
		    (unsigned long long)ev[vm_events[i]]);
#undef OUT
	return (int)n;
}

long mmsim_cgroup_read(struct mmsim_cgroup *cg, const char *file, char *buf, size_t len)
{
	struct mem_cgroup *mc = &cg->memcg;
	uint64_t *lim = limit_of(mc, file), *usage, *peak = peak_of(mc, file, &usage);
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
	} else if (peak) {
		n = snprintf(buf, len, "%llu\n",
			     (unsigned long long)(__atomic_load_n(peak, __ATOMIC_RELAXED) * PAGE_SIZE));
	} else if (!strcmp(file, "memory.oom.group")) {
		n = snprintf(buf, len, "%d\n", (int)__atomic_load_n(&mc->oom_group, __ATOMIC_RELAXED));
	} else if (!strcmp(file, "memory.events") || !strcmp(file, "memory.events.local")) {
		const uint64_t *ev = file[13] ? mc->events_local : mc->events;
		uint64_t e[MEMCG_NR_EVENTS];
		for (int i = 0; i < MEMCG_NR_EVENTS; i++)
			e[i] = __atomic_load_n(&ev[i], __ATOMIC_RELAXED);
		n = snprintf(buf, len, "low %llu\nhigh %llu\nmax %llu\noom %llu\noom_kill %llu\n"
			     "oom_group_kill %llu\n",
			     (unsigned long long)e[MEMCG_LOW], (unsigned long long)e[MEMCG_HIGH],
			     (unsigned long long)e[MEMCG_MAX], (unsigned long long)e[MEMCG_OOM],
			     (unsigned long long)e[MEMCG_OOM_KILL],
			     (unsigned long long)e[MEMCG_OOM_GROUP_KILL]);
	} else if (!strcmp(file, "memory.stat")) {
		n = memory_stat_format(cg, buf, len);
	} else {
		return -ENOENT;
	}
	return n;
}
