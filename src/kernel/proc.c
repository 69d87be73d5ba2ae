/*
 * proc.c - the kernel's /proc views (mmsim/views.h): /proc/PID/numa_maps,
 * /proc/PID/smaps and /proc/vmstat's event counters, as numbers and in
 * Linux's text.
 *
 * src/mm computes what each VMA shows (task_mmu.c) and counts the events
 * (mm_sys.vm_events); this file walks a task's VMAs under its mmap lock,
 * names the files mapped (vfs.c's inodes know their names: the mapping's
 * host is the mmfs inode), and prints.  Like opening the /proc files,
 * every reading drains the per-CPU LRU batches first.
 */
#include "kernel.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* What numa_maps and smaps print for the object a VMA maps: a file's
 * name, or for shared anonymous memory the unlinked file Linux shows. */
static void vma_file_name(struct mmsim *m, const struct vm_area_struct *v, char *buf, size_t len)
{
	const char *name;

	buf[0] = 0;
	if (!v->vm_file)
		return;
	name = vfs_mapping_name(m, v->vm_file);
	snprintf(buf, len, "%s", name ? name : "/dev/zero (deleted)");
}

/* Calls fill for each VMA of t meeting [start, end), writing at most max; returns the count. */
static int for_each_vma_in(struct mmsim_task *t, uint64_t start, uint64_t end, int max,
			   void (*fill)(struct mmsim_task *t, struct vm_area_struct *v, void *out, int i),
			   void *out)
{
	struct mm_struct *mm = t->mm;
	int n = 0;

	lru_add_drain_all(mm->sys);
	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (int i = vma_index(mm, start); i < mm->vmas.n; i++) {
		struct vm_area_struct *v = mm->vmas.v[i];

		if (v->vm_start >= end)
			break;
		if (n < max)
			fill(t, v, out, n);
		n++;
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return n;
}

static void fill_numa_maps(struct mmsim_task *t, struct vm_area_struct *v, void *out, int i)
{
	struct mmsim_numa_maps *nm = (struct mmsim_numa_maps *)out + i;

	vma_numa_maps(v, nm);
	/* The VMA's own policy, else the task's (Linux's show_numa_map). */
	numa_maps_policy(v, &t->mpol, nm->policy, sizeof(nm->policy));
	vma_file_name(t->m, v, nm->file, sizeof(nm->file));
}

static void fill_smaps(struct mmsim_task *t, struct vm_area_struct *v, void *out, int i)
{
	struct mmsim_smaps *sm = (struct mmsim_smaps *)out + i;

	vma_smaps(v, sm);
	vma_file_name(t->m, v, sm->file, sizeof(sm->file));
}

int mmsim_numa_maps(struct mmsim_task *t, uint64_t start, uint64_t end,
		    struct mmsim_numa_maps *out, int max)
{
	return for_each_vma_in(t, start, end, out ? max : 0, fill_numa_maps, out);
}

int mmsim_smaps(struct mmsim_task *t, uint64_t start, uint64_t end, struct mmsim_smaps *out,
		int max)
{
	return for_each_vma_in(t, start, end, out ? max : 0, fill_smaps, out);
}

/* Appends to buf[len] at *at, as snprintf, keeping *at the length it would have. */
__attribute__((format(printf, 4, 5)))
static void put(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*at < len ? buf + *at : NULL, *at < len ? len - *at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

/* A path as /proc prints it: a space, tab, newline or backslash as \ooo. */
static void put_escaped(char *buf, size_t len, size_t *at, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			put(buf, len, at, "\\%03o", (unsigned char)*s);
		else
			put(buf, len, at, "%c", *s);
	}
}

size_t mmsim_numa_maps_format(const struct mmsim_numa_maps *nm, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = 0;
	put(buf, len, &at, "%08llx %s", (unsigned long long)nm->start, nm->policy);
	if (nm->file[0]) {
		put(buf, len, &at, " file=");
		put_escaped(buf, len, &at, nm->file);
	}
	if (!nm->pages)
		return at;
	if (nm->anon)
		put(buf, len, &at, " anon=%llu", (unsigned long long)nm->anon);
	if (nm->dirty)
		put(buf, len, &at, " dirty=%llu", (unsigned long long)nm->dirty);
	if (nm->pages != nm->anon && nm->pages != nm->dirty)
		put(buf, len, &at, " mapped=%llu", (unsigned long long)nm->pages);
	if (nm->mapmax > 1)
		put(buf, len, &at, " mapmax=%llu", (unsigned long long)nm->mapmax);
	if (nm->swapcache)
		put(buf, len, &at, " swapcache=%llu", (unsigned long long)nm->swapcache);
	if (nm->active < nm->pages)
		put(buf, len, &at, " active=%llu", (unsigned long long)nm->active);
	if (nm->writeback)
		put(buf, len, &at, " writeback=%llu", (unsigned long long)nm->writeback);
	for (unsigned n = 0; n < MMSIM_MAX_NODES; n++)
		if (nm->node[n])
			put(buf, len, &at, " N%u=%llu", n, (unsigned long long)nm->node[n]);
	put(buf, len, &at, " kernelpagesize_kB=%u", nm->kernelpagesize_kb);
	return at;
}

void mmsim_numa_maps_print(FILE *f, const struct mmsim_numa_maps *nm)
{
	char line[1024 + 80];

	mmsim_numa_maps_format(nm, line, sizeof(line));
	fprintf(f, "%s\n", line);
}

static const char *const smaps_names[] = {
#define MMSIM_SMAPS_NAME(name) #name,
	MMSIM_SMAPS_FIELDS(MMSIM_SMAPS_NAME)
#undef MMSIM_SMAPS_NAME
};

/* names[i] of a table of n, or NULL past its end. */
static const char *name_at(const char *const *names, unsigned n, unsigned i)
{
	return i < n ? names[i] : NULL;
}

const char *mmsim_smaps_field_name(unsigned i)
{
	return name_at(smaps_names, MMSIM_SMAPS_NR, i);
}

void mmsim_smaps_print(FILE *f, const struct mmsim_smaps *sm)
{
	fprintf(f, "%08llx-%08llx %s %08llx 00:00 0", (unsigned long long)sm->start,
		(unsigned long long)sm->end, sm->perms, (unsigned long long)sm->pgoff);
	if (sm->file[0]) {
		char name[4 * sizeof(sm->file)];
		size_t at = 0;

		put_escaped(name, sizeof(name), &at, sm->file);
		fprintf(f, "    %s", name);
	}
	fputc('\n', f);
	for (unsigned i = 0; i < MMSIM_SMAPS_NR; i++) {
		int pad = 16 - (int)strlen(smaps_names[i]) - 1;

		fprintf(f, "%s:%*s%8llu kB\n", smaps_names[i], pad > 0 ? pad : 1, "",
			(unsigned long long)sm->kb[i]);
	}
	fprintf(f, "THPeligible:    %8d\n", sm->thp_eligible);
	fprintf(f, "VmFlags: %s \n", sm->vmflags);
}

static const char *const vmstat_names[] = {
#define MMSIM_VMSTAT_NAME(name) #name,
	MMSIM_VMSTAT_EVENTS(MMSIM_VMSTAT_NAME)
	MMSIM_VMSTAT_RECLAIM_EVENTS(MMSIM_VMSTAT_NAME)
#undef MMSIM_VMSTAT_NAME
};

const char *mmsim_vmstat_name(unsigned i)
{
	return name_at(vmstat_names, MMSIM_VMSTAT_NR, i);
}

void mmsim_vmstat(struct mmsim *m, struct mmsim_vmstat *out)
{
	lru_add_drain_all(&m->mm);
	for (unsigned i = 0; i < MMSIM_VMSTAT_NR; i++)
		out->ev[i] = __atomic_load_n(&m->mm.vm_events[i], __ATOMIC_RELAXED);
}

static const char *const meminfo_names[] = {
#define MMSIM_MEMINFO_NAME(name, text) text,
	MMSIM_MEMINFO_FIELDS(MMSIM_MEMINFO_NAME)
#undef MMSIM_MEMINFO_NAME
};

static const char *const numastat_names[] = {
#define MMSIM_NUMASTAT_NAME(name) #name,
	MMSIM_NUMASTAT(MMSIM_NUMASTAT_NAME)
#undef MMSIM_NUMASTAT_NAME
};

const char *mmsim_meminfo_name(unsigned i)
{
	return name_at(meminfo_names, MMSIM_MEMINFO_NR, i);
}

const char *mmsim_numastat_name(unsigned i)
{
	return name_at(numastat_names, MMSIM_NUMASTAT_NR, i);
}

int mmsim_node_meminfo(struct mmsim *m, unsigned nid, struct mmsim_node_meminfo *out)
{
	if (nid >= m->mm.nr_nodes)
		return -EINVAL;
	lru_add_drain_all(&m->mm);
	node_meminfo(&m->mm, nid, out);
	return 0;
}

_Static_assert((int)MMSIM_NR_MM_STATS == (int)NR_MM_STATS, "the API's mm stats are the kernel's");
_Static_assert((int)MMSIM_MM_NONLEAF_ADDED == (int)MM_NONLEAF_ADDED, "in the kernel's order");

int mmsim_lru_gen_mm_state(struct mmsim *m, struct mmsim_cgroup *cg, unsigned nid,
			   struct mmsim_lru_gen_mm_state *out)
{
	if (nid >= m->mm.nr_nodes)
		return -EINVAL;
	lru_gen_mm_state_read(mem_cgroup_lruvec(&m->mm, cg ? cgroup_memcg(cg) : NULL, nid),
			      &out->seq, out->stats);
	return 0;
}

int mmsim_lru_gen_mm_state_node(struct mmsim *m, unsigned nid, struct mmsim_lru_gen_mm_state *out)
{
	if (nid >= m->mm.nr_nodes)
		return -EINVAL;
	lru_gen_mm_state_read(&m->mm.node[nid].lruvec, &out->seq, out->stats);
	/* memcgs are never removed: the list only grows (acquire loads). */
	for (struct mem_cgroup *mc = __atomic_load_n(&m->mm.memcgs, __ATOMIC_ACQUIRE); mc;
	     mc = __atomic_load_n(&mc->next, __ATOMIC_ACQUIRE)) {
		uint64_t seq, st[NR_MM_STATS];
		lru_gen_mm_state_read(&mc->lruvec[nid], &seq, st);
		for (unsigned i = 0; i < NR_MM_STATS; i++)
			out->stats[i] += st[i];
	}
	return 0;
}

const char *mmsim_lru_gen_mm_stat_name(unsigned i)
{
	static const char *const names[] = { "leaf_total", "leaf_young", "nonleaf_found",
					     "nonleaf_added" };
	return i < MMSIM_NR_MM_STATS ? names[i] : NULL;
}

int mmsim_node_distance(const struct mmsim *m, unsigned a, unsigned b)
{
	if (a >= m->mm.nr_nodes || b >= m->mm.nr_nodes)
		return -EINVAL;
	return (int)node_distance(&m->mm, a, b);
}

int mmsim_il_weight_set(struct mmsim *m, unsigned nid, unsigned weight)
{
	if (nid >= m->mm.nr_nodes)
		return -ENOENT;
	if (weight > 255)
		return -EINVAL;
	__atomic_store_n(&m->mm.il_weight[nid], (uint8_t)weight, __ATOMIC_RELAXED);
	return 0;
}

void mmsim_lru_gen_min_ttl_set(struct mmsim *m, unsigned ms)
{
	/* kswapd reads it at each pass, on its own thread maybe. */
	__atomic_store_n(&m->mm.lru_gen_min_ttl_ms, ms, __ATOMIC_RELAXED);
}

int mmsim_il_weight_get(const struct mmsim *m, unsigned nid)
{
	if (nid >= m->mm.nr_nodes)
		return -ENOENT;
	unsigned w = __atomic_load_n(&m->mm.il_weight[nid], __ATOMIC_RELAXED);
	return w ? (int)w : 1;
}

int mmsim_zoneinfo(struct mmsim *m, unsigned nid, struct mmsim_zoneinfo *out)
{
	if (nid >= m->mm.nr_nodes)
		return -EINVAL;
	struct pglist_data *nd = &m->mm.node[nid];
	spin_lock(&nd->lock);
	out->free = nd->nr_free;
	out->min = nd->wmark[WMARK_MIN];
	out->low = nd->wmark[WMARK_LOW];
	out->high = nd->wmark[WMARK_HIGH];
	out->promo = nd->wmark[WMARK_PROMO];
	out->managed = nd->nr_pages;
	spin_unlock(&nd->lock);
	out->kswapd_failures = __atomic_load_n(&nd->kswapd_failures, __ATOMIC_RELAXED);
	return 0;
}

int mmsim_sysctl_vm_set(struct mmsim *m, const char *name, uint64_t value)
{
	struct mm_sys *s = &m->mm;
	uint64_t total = (uint64_t)m->hw->nr_pfns * PAGE_SIZE;
	if (!strcmp(name, "min_free_kbytes")) {
		if (value * 1024 * 2 > total)
			return -EINVAL;
		setup_watermarks(s, (unsigned)value, s->watermark_scale_factor);
	} else if (!strcmp(name, "watermark_scale_factor")) {
		if (value < 1 || value > 3000)
			return -EINVAL;
		setup_watermarks(s, s->min_free_kbytes, (unsigned)value);
	} else if (!strcmp(name, "dirty_ratio") || !strcmp(name, "dirty_background_ratio")) {
		if (value > 100)
			return -EINVAL;
		*(name[6] == 'r' ? &s->dirty_ratio : &s->dirty_background_ratio) = (unsigned)value;
	} else {
		return -EINVAL;
	}
	return 0;
}

int mmsim_sysctl_vm_get(struct mmsim *m, const char *name, uint64_t *value)
{
	if (!strcmp(name, "min_free_kbytes"))
		*value = m->mm.min_free_kbytes;
	else if (!strcmp(name, "watermark_scale_factor"))
		*value = m->mm.watermark_scale_factor;
	else if (!strcmp(name, "dirty_ratio"))
		*value = m->mm.dirty_ratio;
	else if (!strcmp(name, "dirty_background_ratio"))
		*value = m->mm.dirty_background_ratio;
	else
		return -EINVAL;
	return 0;
}

void mmsim_node_meminfo_print(FILE *f, unsigned nid, const struct mmsim_node_meminfo *mi)
{
	for (unsigned i = 0; i < MMSIM_MEMINFO_NR; i++) {
		char name[24];

		snprintf(name, sizeof(name), "%s:", meminfo_names[i]);
		fprintf(f, "Node %u %-16s%8llu kB\n", nid, name, (unsigned long long)mi->kb[i]);
	}
	for (unsigned i = 0; i < MMSIM_NUMASTAT_NR; i++)
		fprintf(f, "%s %llu\n", numastat_names[i], (unsigned long long)mi->numastat[i]);
}

void mmsim_vmstat_print(FILE *f, const struct mmsim_vmstat *vs)
{
	for (unsigned i = 0; i < MMSIM_VMSTAT_NR; i++)
		fprintf(f, "%s %llu\n", vmstat_names[i], (unsigned long long)vs->ev[i]);
}
