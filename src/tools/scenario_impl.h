/*
 * scenario_impl.h - inside the scenario language: a parsed command (one
 * argument struct per kind of command), the parsed scenario, and the verb
 * table that joins each verb's grammar (scenario_parse.c) to what it does
 * on the machine (scenario_run.c).
 */
#ifndef MMSIM_TOOLS_SCENARIO_IMPL_H
#define MMSIM_TOOLS_SCENARIO_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mmsim/mmsim.h>

#include "symtab.h"

#define MAX_PAGES (1u << 20)

/* ADDR: a bound mapping name plus an offset. */
struct aref {
	int name;
	uint64_t off;
};

/* One item of a page list: ADDR[*N]. */
struct pitem {
	struct aref a;
	uint64_t n;
};

/* pid=: a task's name (task >= 0) or a number. */
struct pid_ref {
	int task;
	long lit;
};

/* task NAME [uid=] [caps=] [cpu=] [mems=], fork NAME (task only), thread
 * NAME [cpu=] (task and cpu: -1 for the creator's CPU). */
struct task_args {
	int task;
	uint32_t uid;
	int caps;
	int cpu;
	uint64_t mems;
	bool has_mems, mems_bad;
	int cgroup;		/* cgroup=: a cgroup's index, or -1 */
};

/* cpuset_mems TASK LIST|none: TASK's cpuset (made by its own or an
 * ancestor's mems=) gets mems; bad when a node is beyond the machine's
 * largest possible one (EINVAL at run, as Linux's write). */
struct cpuset_args {
	int task;
	uint64_t mems;
	bool bad;
};

/* NAME = mmap SIZE PROT ..., NAME = hole SIZE (size only). */
struct mmap_args {
	uint64_t size, offset;
	int prot, flags;
	int file;		/* -1: anonymous */
};

/* file NAME SIZE, fsync NAME (file only). */
struct file_args {
	int file;
	uint64_t size;
};

/* VERB ADDR SIZE [...]: munmap, mlock, munlock, vmas, read, mprotect,
 * write, msync, madvise. */
struct range_args {
	struct aref addr;
	uint64_t size;
	union {
		int prot;	/* mprotect */
		int byte;	/* write */
		int mode;	/* msync: MS_SYNC, MS_ASYNC or MS_INVALIDATE */
		int advice;	/* madvise */
	};
};

/* move_pages PAGES [to=] [flags=] [pid=], nodes PAGES (items only). */
struct pages_args {
	struct pitem *items;
	int nitems;
	uint64_t npages;
	int *to;
	int nto;
	int flags;
	struct pid_ref pid;
};

/* migrate_pages from= to= [pid=]. */
struct migrate_args {
	uint64_t *masks;	/* old[mwords], new[mwords] */
	int mwords;
	struct pid_ref pid;
};

/* set_mempolicy MODE [nodes=] [flags=], mbind ADDR SIZE MODE [nodes=]
 * [flags=], get_mempolicy [ADDR] [flags=]. */
struct mpol_args {
	long mode;		/* with the mode flags OR'd in */
	uint64_t *masks;	/* nodes=: mwords words; NULL without nodes= */
	int mwords;
	struct aref addr;	/* mbind, get_mempolicy with ADDR */
	bool has_addr;
	uint64_t size;		/* mbind */
	unsigned long flags;	/* mbind's MPOL_MF_*, get_mempolicy's MPOL_F_* */
};

/* The policy modes by number (MPOL_DEFAULT ...), and the mode flags in the
 * order they print (MPOL_F_STATIC_NODES, _RELATIVE_NODES, _NUMA_BALANCING). */
#define MPOL_NAMES 7
extern const char *const mpol_mode_names[MPOL_NAMES];
extern const char *const mpol_flag_names[3];
extern const long mpol_flag_vals[3];

/* cgroup NAME [parent=CG] [FILE=VALUE...], cgroup_set CG FILE=VALUE...,
 * memcg CG: files of the memory controller with their values. */
#define CG_MAX_WRITES 8
struct cgroup_args {
	int cgroup, parent;	/* indexes in scenario.cgroups; parent -1: the root */
	int n;
	const char *file[CG_MAX_WRITES];
	const char *value[CG_MAX_WRITES];	/* bytes or "max" */
};

/* crash [torn]. */
struct crash_args {
	bool torn;
};

struct verb;

struct cmd {
	int line;
	const struct verb *verb;
	int bind;		/* NAME = ...: the mapping name bound, else -1 */
	union {
		struct task_args task;
		struct mmap_args mmap;
		struct file_args file;
		struct range_args range;
		struct pages_args pages;
		struct migrate_args migrate;
		struct mpol_args mpol;
		struct cgroup_args cg;
		struct crash_args crash;
		struct cpuset_args cpuset;
	};
};

struct scenario {
	const char *name;
	struct cmd *cmds;
	int n, cap;
	struct symtab maps, tasks, files, cgroups;
	struct mmsim_config cfg;
	const char *disk_dir;	/* --disk: files live there (NULL: a temporary directory) */
	bool disk_files;	/* names of files already on that disk may be used undeclared */
	/* parse state */
	int line;
	FILE *err;
	bool seen_cmd;
	int cur_task;		/* the task `use` made current (main after a reboot) */
	int *cpuset_of;		/* per task: whose mems= made its cpuset, -1: the root's */
	int cpuset_cap;
	bool crashed;		/* a crash with no reboot after it yet */
	bool needs_disks;	/* crash or reboot: files on disks, not tmpfs */
	int *dist, ndist;	/* machine distance=, row by row */
	char *bound;		/* per mapping name: bound by an earlier line */
	int bound_cap;
	char *linebuf;
	/* Everything a command's arguments need, freed with the scenario, so
	 * a usage error can unwind from anywhere without leaking. */
	void **allocs;
	size_t nallocs, capallocs;
};

struct run;

/*
 * A verb: its grammar (tok[0] is the verb, or the bound NAME with
 * VERB_BINDS; a usage error does not return) and its run.  With VERB_TASK
 * it runs in the current task, passed as t: when that task is gone the
 * result is -1 ESRCH (and a bound name gets all ones) without calling run.
 */
struct verb {
	const char *name;
	void (*parse)(struct scenario *s, struct cmd *c, char **tok, int ntok);
	void (*run)(struct run *r, const struct cmd *c, struct mmsim_task *t);
	unsigned flags;
};

#define VERB_BINDS	1u	/* NAME = verb ... */
#define VERB_TASK	2u	/* needs the current task */

/* scenario_verbs.c: every verb, found by name and by VERB_BINDS. */
const struct verb *verb_find(const char *name, bool binds);

/* scenario_parse.c: the grammars. */
void parse_machine(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_task(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_fork(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_thread(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_exit(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_use(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_file(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_fsync(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_mmap(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_hole(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_range(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_mprotect(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_write(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_msync(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_madvise(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_move_pages(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_nodes(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_migrate_pages(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_set_mempolicy(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_get_mempolicy(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_mbind(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_swapon(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_il_weight(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_cgroup(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_cgroup_set(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_memcg(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_crash(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_reboot(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_stats(struct scenario *s, struct cmd *c, char **tok, int ntok);
void parse_cpuset_mems(struct scenario *s, struct cmd *c, char **tok, int ntok);

/* scenario_json.c: one result line (res, the contract's text) as a JSON
 * object on a line of its own. */
void scenario_json_result(FILE *f, const char *name, int line, const char *verb,
			  const char *res);

/* scenario_run.c: what each verb does (t: the current task, or NULL). */
void run_nothing(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_task(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_fork(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_thread(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_exit(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_use(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_file(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_fsync(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_mmap(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_hole(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_munmap(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_mprotect(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_mlock(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_munlock(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_msync(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_madvise(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_write(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_read(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_move_pages(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_nodes(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_migrate_pages(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_set_mempolicy(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_cgroup(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_cgroup_set(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_memcg(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_get_mempolicy(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_mbind(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_vmas(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_numa_maps(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_smaps(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_vmstat(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_distance(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_swapon(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_il_weight(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_swapoff(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_crash(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_reboot(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_stats(struct run *r, const struct cmd *c, struct mmsim_task *t);
void run_cpuset_mems(struct run *r, const struct cmd *c, struct mmsim_task *t);

#endif
