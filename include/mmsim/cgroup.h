/*
 * mmsim/cgroup.h - memory cgroups (cgroup v2's memory controller), and
 * cpusets (its cpuset controller's memory side).
 *
 * A machine starts with the root cgroup only (no limits); every task is in
 * it.  Cgroups form a tree under the root and live as long as the machine.
 * A task's memory is charged to its process's cgroup: anonymous pages when
 * they are faulted in, page-cache pages when its task brings them in,
 * swapped-in pages to the cgroup whose page went out.  Moving a task
 * (mmsim_cgroup_attach) moves later charges only: pages already charged
 * stay with their cgroup, as in cgroup v2.
 *
 * Interface files, as Linux names and prints them (sizes in bytes; a limit
 * is a byte count, rounded down to pages, or "max"):
 *   memory.max, memory.high, memory.low, memory.min, memory.swap.max
 *     (read and write), memory.current, memory.swap.current,
 *   memory.peak, memory.swap.peak: the highest usage since the cgroup was
 *     made; any write resets it to the current usage (Linux resets it for
 *     the writer's open file only; here there are no open files, so every
 *     later read sees the reset),
 *   memory.oom.group (0 or 1, read and write): an OOM kill of a task
 *     charged here or below kills every task of the highest such cgroup up
 *     to the OOM's domain (but those with oom_score_adj -1000),
 *   memory.events ("low N\nhigh N\nmax N\noom N\noom_kill N\noom_group_kill N\n",
 *     counted here and below), memory.events.local (the same keys, counted
 *     for this cgroup's own events only),
 *   memory.stat: Linux 6.12's keys that mmsim keeps, in its order: anon,
 *     file, shmem, inactive_anon, active_anon, inactive_file, active_file,
 *     unevictable (bytes; with MGLRU the two youngest generations are the
 *     active lists), workingset_refault/activate/restore_anon/_file,
 *     pgscan, pgsteal, pgscan_kswapd, pgscan_direct, pgsteal_kswapd,
 *     pgsteal_direct, pgrefill, pgactivate, pgdeactivate (pages; here and
 *     below; a memcg's own reclaim counts as direct, which /proc/vmstat's
 *     _kswapd/_direct leave out).  Reading it drains the CPUs' LRU batches.
 * Writing memory.max below the current usage reclaims, then OOM-kills in
 * the cgroup until the usage fits, as Linux does.
 */
#ifndef MMSIM_CGROUP_H
#define MMSIM_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mmsim;
struct mmsim_task;
struct mmsim_cgroup;

/* A new cgroup called name (unique on the machine) under parent (NULL:
 * the root).  0, -EEXIST, -EINVAL (empty or long name), -EBUSY (parent
 * has tasks: cgroup v2 keeps them at the leaves), -ENOMEM. */
int mmsim_cgroup_create(struct mmsim *m, const char *name, struct mmsim_cgroup *parent,
			struct mmsim_cgroup **out);
/* The cgroup called name, or NULL. */
struct mmsim_cgroup *mmsim_cgroup_find(struct mmsim *m, const char *name);
/* Writes an interface file (a limit, memory.oom.group, or a peak file to
 * reset it, whatever the value).  0, -EINVAL (bad value), -ENOENT (no
 * such file).  memory.max below the usage reclaims and kills first; the
 * write succeeds even when that cannot bring the usage under it (as
 * Linux's). */
int mmsim_cgroup_write(struct mmsim_cgroup *cg, const char *file, const char *value);
/* Reads an interface file into buf (NUL-terminated, cut to len): its
 * length, or -ENOENT. */
long mmsim_cgroup_read(struct mmsim_cgroup *cg, const char *file, char *buf, size_t len);
/* Moves t's process (every thread sharing its memory) into cg: 0, or
 * -EBUSY when cg has child cgroups. */
int mmsim_cgroup_attach(struct mmsim_cgroup *cg, struct mmsim_task *t);

/*
 * Cpusets: the memory side of cgroup v2's cpuset controller.  A task
 * created with mems (mmsim_task_attr) runs in a cpuset of its own, which
 * its forks and threads join; every other task is in the root cpuset
 * (all nodes, never changed).  Cpusets live as long as the machine.
 *
 * Writing cpuset.mems (mmsim_cpuset_set_mems) does what Linux 6.12 does
 * when the effective mems change: each task's mems_allowed becomes them;
 * its memory policies (its own and its VMAs', not shared memory's) are
 * rebound - bind and interleave nodes move by their position in the old
 * mems, static ones keep the user's nodes that remain (all the new mems
 * when none does), relative ones fold onto the new mems, preferred ones
 * keep their node; and its pages move from the old mems to the new ones
 * as migrate_pages(2) moves them, shared pages too (cgroup v2 always
 * migrates), before the call returns.  Empty mems mean the parent's (all
 * nodes), allowed only while no task is in the cpuset.
 */
struct mmsim_cpuset;
/* The cpuset t runs in, or NULL for the root cpuset. */
struct mmsim_cpuset *mmsim_task_cpuset(const struct mmsim_task *t);
/* Writes cpuset.mems (bit n = node n): 0, -EINVAL (a node the machine
 * lacks), -ENOSPC (empty while tasks are in it), -ENOMEM. */
int mmsim_cpuset_set_mems(struct mmsim_cpuset *cs, uint64_t mems);
/* cpuset.mems as written, and cpuset.mems.effective. */
uint64_t mmsim_cpuset_mems(struct mmsim_cpuset *cs);
uint64_t mmsim_cpuset_effective_mems(struct mmsim_cpuset *cs);

#ifdef __cplusplus
}
#endif
#endif
