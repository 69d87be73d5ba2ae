/*
 * scenario_verbs.c - the scenario language's verbs (docs/scenarios.md):
 * each one's grammar and run, in one table.
 */
#include <string.h>

#include "scenario_impl.h"

static const struct verb verbs[] = {
	{ "machine",       parse_machine,       run_nothing,       0 },
	{ "task",          parse_task,          run_task,          0 },
	{ "fork",          parse_fork,          run_fork,          VERB_TASK },
	{ "thread",        parse_thread,        run_thread,        VERB_TASK },
	{ "exit",          parse_exit,          run_exit,          VERB_TASK },
	{ "use",           parse_use,           run_use,           0 },
	{ "file",          parse_file,          run_file,          0 },
	{ "mmap",          parse_mmap,          run_mmap,          VERB_BINDS | VERB_TASK },
	{ "hole",          parse_hole,          run_hole,          VERB_BINDS | VERB_TASK },
	{ "munmap",        parse_range,         run_munmap,        VERB_TASK },
	{ "mprotect",      parse_mprotect,      run_mprotect,      VERB_TASK },
	{ "write",         parse_write,         run_write,         VERB_TASK },
	{ "read",          parse_range,         run_read,          VERB_TASK },
	{ "move_pages",    parse_move_pages,    run_move_pages,    VERB_TASK },
	{ "nodes",         parse_nodes,         run_nodes,         VERB_TASK },
	{ "migrate_pages", parse_migrate_pages, run_migrate_pages, VERB_TASK },
	{ "set_mempolicy", parse_set_mempolicy, run_set_mempolicy, VERB_TASK },
	{ "get_mempolicy", parse_get_mempolicy, run_get_mempolicy, VERB_TASK },
	{ "mbind",         parse_mbind,         run_mbind,         VERB_TASK },
	{ "vmas",          parse_range,         run_vmas,          VERB_TASK },
	{ "numa_maps",     parse_range,         run_numa_maps,     VERB_TASK },
	{ "smaps",         parse_range,         run_smaps,         VERB_TASK },
	{ "vmstat",        parse_stats,         run_vmstat,        0 },
	{ "distance",      parse_stats,         run_distance,      0 },
	{ "mlock",         parse_range,         run_mlock,         VERB_TASK },
	{ "munlock",       parse_range,         run_munlock,       VERB_TASK },
	{ "msync",         parse_msync,         run_msync,         VERB_TASK },
	{ "fsync",         parse_fsync,         run_fsync,         VERB_TASK },
	{ "madvise",       parse_madvise,       run_madvise,       VERB_TASK },
	{ "swapon",        parse_swapon,        run_swapon,        0 },
	{ "il_weight",     parse_il_weight,     run_il_weight,     0 },
	{ "cpuset_mems",   parse_cpuset_mems,   run_cpuset_mems,   0 },
	{ "cgroup",        parse_cgroup,        run_cgroup,        0 },
	{ "cgroup_set",    parse_cgroup_set,    run_cgroup_set,    0 },
	{ "memcg",         parse_memcg,         run_memcg,         0 },
	{ "swapoff",       parse_stats,         run_swapoff,       0 },
	{ "crash",         parse_crash,         run_crash,         0 },
	{ "reboot",        parse_reboot,        run_reboot,        0 },
	{ "stats",         parse_stats,         run_stats,         0 },
};

const struct verb *verb_find(const char *name, bool binds)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(verbs[i].name, name) && !(verbs[i].flags & VERB_BINDS) == !binds)
			return &verbs[i];
	return NULL;
}
