/*
 * scenario_parse.c - the scenario language's parser: lines into tokens,
 * each verb's argument grammar, the names bound so far.
 *
 * The whole file is parsed and checked before anything runs: an unknown
 * command, a malformed argument or an unbound name is a usage error
 * (NAME:LINE: message).  Names bound by mmap and hole hold one address
 * for the whole scenario whichever task uses them (scenario_run.c).
 */
#include "scenario.h"

#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "scenario_impl.h"
#include "util.h"

#define MAX_TOKENS 64
#define MAX_NODE_BIT 32766
/* A size is at most 63 characters, as in oracle/mms-linux.c. */
#define MAX_SIZE_CHARS 63

/* ---- the arena: everything a command's arguments point to ---------------------- */

static void *palloc(struct scenario *s, size_t n)
{
	if (s->nallocs == s->capallocs) {
		s->capallocs = s->capallocs ? s->capallocs * 2 : 64;
		s->allocs = xrealloc(s->allocs, s->capallocs * sizeof *s->allocs);
	}
	void *p = xcalloc(1, n);
	s->allocs[s->nallocs++] = p;
	return p;
}

/* Grows an arena block: the old one stays in the arena until the end. */
static void *pgrow(struct scenario *s, void *old, size_t oldn, size_t n)
{
	void *p = palloc(s, n);
	memcpy(p, old, oldn);
	return p;
}

static char *pstrdup(struct scenario *s, const char *str)
{
	size_t n = strlen(str) + 1;
	return memcpy(palloc(s, n), str, n);
}

/* ---- usage errors ---------------------------------------------------------------- */

/* Usage errors unwind the parse through this jump. */
static __thread jmp_buf *parse_jb;

__attribute__((format(printf, 2, 3), noreturn))
static void uerr(struct scenario *s, const char *fmt, ...)
{
	va_list ap;
	fprintf(s->err, "%s:%d: ", s->name, s->line);
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
	longjmp(*parse_jb, 1);
}

static void nargs(struct scenario *s, int ntok, int lo, int hi, const char *verb)
{
	if (ntok < lo)
		uerr(s, "%s: missing argument", verb);
	if (ntok > hi)
		uerr(s, "%s: too many arguments", verb);
}

/* ---- arguments ------------------------------------------------------------------- */

static int num_i64(const char *str, long long lo, long long hi, long long *out)
{
	bool neg = false;
	uint64_t u;
	if (*str == '-' || *str == '+') {
		neg = *str == '-';
		str++;
	}
	if (parse_u64(str, &u) < 0 || u > (uint64_t)LLONG_MAX)
		return -1;
	long long v = neg ? -(long long)u : (long long)u;
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int scenario_size(const char *str, uint64_t *out)
{
	if (strlen(str) > MAX_SIZE_CHARS)
		return -1;
	return parse_size(str, SIZE_SUFFIX_SCENARIO, out);
}

static uint64_t size_arg(struct scenario *s, const char *str)
{
	uint64_t v;
	if (scenario_size(str, &v) < 0)
		uerr(s, "malformed size '%s'", str);
	return v;
}

static bool valid_name(const char *str)
{
	if (!isalpha((unsigned char)*str) && *str != '_')
		return false;
	size_t n = 0;
	for (; *str; str++, n++)
		if (!isalnum((unsigned char)*str) && !strchr("_.-", *str))
			return false;
	return n <= 128;
}

static void name_arg(struct scenario *s, const char *str, const char *what)
{
	if (!valid_name(str))
		uerr(s, "malformed %s name '%s'", what, str);
}

static int task_ref(struct scenario *s, const char *str)
{
	int t = sym_find(&s->tasks, str);
	if (t < 0)
		uerr(s, "unknown task '%s'", str);
	return t;
}

/* Task t's cpuset was made by task owner's mems= (-1: the root's). */
static void set_cpuset_of(struct scenario *s, int t, int owner)
{
	if (t >= s->cpuset_cap) {
		int cap = s->cpuset_cap ? s->cpuset_cap * 2 : 16;
		while (cap <= t)
			cap *= 2;
		s->cpuset_of = xrealloc(s->cpuset_of, (size_t)cap * sizeof *s->cpuset_of);
		s->cpuset_cap = cap;
	}
	s->cpuset_of[t] = owner;
}

static int cpuset_of(const struct scenario *s, int t)
{
	return t < s->cpuset_cap ? s->cpuset_of[t] : -1;
}

/* A new task's name: a fork or thread of the current task, in its cpuset. */
static int task_new(struct scenario *s, const char *str)
{
	name_arg(s, str, "task");
	if (sym_find(&s->tasks, str) >= 0)
		uerr(s, "task '%s' already exists", str);
	int t = sym_add(&s->tasks, str);
	set_cpuset_of(s, t, cpuset_of(s, s->cur_task));
	return t;
}

static int file_ref(struct scenario *s, const char *str)
{
	int f = sym_find(&s->files, str);
	if (f >= 0)
		return f;
	/* On a kept disk, an undeclared name is a file of an earlier run:
	 * whether it exists is known only when it is opened. */
	if (!s->disk_files)
		uerr(s, "unknown file '%s'", str);
	name_arg(s, str, "file");
	return sym_add(&s->files, str);
}

static struct aref addr_arg(struct scenario *s, const char *str)
{
	struct aref a = { -1, 0 };
	char buf[256];
	if (strlen(str) >= sizeof buf)
		uerr(s, "malformed address '%s'", str);
	strcpy(buf, str);
	char *plus = strchr(buf, '+');
	if (plus) {
		*plus = 0;
		if (scenario_size(plus + 1, &a.off) < 0)
			uerr(s, "malformed address offset '%s'", plus + 1);
	}
	if (!valid_name(buf))
		uerr(s, "malformed address '%s'", str);
	a.name = sym_find(&s->maps, buf);
	if (a.name < 0 || !s->bound[a.name])
		uerr(s, "unbound name '%s'", buf);
	return a;
}

static int prot_arg(struct scenario *s, const char *str)
{
	if (!strcmp(str, "none"))
		return PROT_NONE;
	int p = 0;
	if (!*str)
		uerr(s, "malformed protection ''");
	for (const char *c = str; *c; c++) {
		int bit = *c == 'r' ? PROT_READ : *c == 'w' ? PROT_WRITE : *c == 'x' ? PROT_EXEC : 0;
		if (!bit || (p & bit))
			uerr(s, "malformed protection '%s'", str);
		p |= bit;
	}
	return p;
}

/* A comma-separated list: no empty item. */
static void list_shape(struct scenario *s, const char *str, const char *what)
{
	size_t len = strlen(str);
	if (!len || str[0] == ',' || str[len - 1] == ',' || strstr(str, ",,"))
		uerr(s, "malformed %s '%s'", what, str);
}

/* Comma-separated integers in [lo, hi]. */
static int *list_arg(struct scenario *s, const char *str, long lo, long hi, bool allow_empty,
		     int *count)
{
	int n = 0, cap = 8;
	int *v = palloc(s, (size_t)cap * sizeof *v);
	*count = 0;
	if (!*str) {
		if (!allow_empty)
			uerr(s, "empty node list");
		return v;
	}
	list_shape(s, str, "list");
	char *dup = pstrdup(s, str), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long long x;
		if (num_i64(t, lo, hi, &x) < 0)
			uerr(s, "malformed node number '%s'", t);
		if (n == cap) {
			v = pgrow(s, v, (size_t)cap * sizeof *v, (size_t)cap * 2 * sizeof *v);
			cap *= 2;
		}
		v[n++] = (int)x;
	}
	*count = n;
	return v;
}

static void pages_arg(struct scenario *s, struct pages_args *p, const char *str)
{
	list_shape(s, str, "page list");
	char *dup = pstrdup(s, str), *save = NULL;
	int cap = 4;
	p->items = palloc(s, (size_t)cap * sizeof *p->items);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct pitem it = { { -1, 0 }, 1 };
		char *star = strchr(t, '*');
		if (star) {
			*star = 0;
			if (parse_u64(star + 1, &it.n) < 0)
				uerr(s, "malformed page count '%s'", star + 1);
		}
		it.a = addr_arg(s, t);
		if (it.n > MAX_PAGES || p->npages + it.n > MAX_PAGES)
			uerr(s, "too many pages (at most %u)", MAX_PAGES);
		if (p->nitems == cap) {
			p->items = pgrow(s, p->items, (size_t)cap * sizeof *p->items,
					 (size_t)cap * 2 * sizeof *p->items);
			cap *= 2;
		}
		p->items[p->nitems++] = it;
		p->npages += it.n;
	}
}

static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);
	return strncmp(tok, key, n) ? NULL : tok + n;
}

static void pid_arg(struct scenario *s, struct pid_ref *pid, const char *v)
{
	long long x;
	if (valid_name(v))
		pid->task = task_ref(s, v);
	else if (num_i64(v, INT_MIN, INT_MAX, &x) == 0)
		pid->lit = (long)x;
	else
		uerr(s, "malformed pid '%s'", v);
}

/* A word from a table of names and values (-1: none matched). */
struct word {
	const char *name;
	int value;
};

static int word_arg(const struct word *w, size_t n, const char *str)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(str, w[i].name))
			return w[i].value;
	return -1;
}

#define WORD_ARG(table, str) word_arg(table, sizeof(table) / sizeof((table)[0]), str)

static int bind_name(struct scenario *s, const char *name)
{
	name_arg(s, name, "mapping");
	int i = sym_find(&s->maps, name);
	if (i < 0) {
		i = sym_add(&s->maps, name);
		if (s->bound_cap != s->maps.cap) {	/* grown with the names, not per name */
			s->bound = xrealloc(s->bound, (size_t)s->maps.cap);
			s->bound_cap = s->maps.cap;
		}
	}
	s->bound[i] = 1;
	return i;
}

/* ---- the verbs' grammars --------------------------------------------------------- */

static const struct word thp_words[] = {
	{ "never", MMSIM_THP_NEVER }, { "always", MMSIM_THP_ALWAYS },
	{ "madvise", MMSIM_THP_MADVISE },
};

static const struct word flush_words[] = {
	{ "gather", MMSIM_FLUSH_GATHER }, { "per_vma", MMSIM_FLUSH_PER_VMA },
};

static const struct word lru_words[] = {
	{ "mglru", MMSIM_LRU_GEN }, { "classic", MMSIM_LRU_CLASSIC },
};

static const struct word onoff_words[] = {
	{ "off", 0 }, { "on", 1 },
};

/* distance=D,D,...: the SLIT row by row (checked once nodes= is known). */
static void distance_arg(struct scenario *s, const char *v)
{
	if (s->ndist)
		uerr(s, "machine: distance= given twice");
	int n = 0;
	int *d = palloc(s, MMSIM_MAX_NODES * MMSIM_MAX_NODES * sizeof *d);
	list_shape(s, v, "distance list");
	char *dup = pstrdup(s, v), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long long x;
		if (num_i64(t, 10, 254, &x) < 0)
			uerr(s, "machine: malformed distance '%s' (10..254)", t);
		if (n == MMSIM_MAX_NODES * MMSIM_MAX_NODES)
			uerr(s, "machine: too many distances");
		d[n++] = (int)x;
	}
	s->dist = d;
	s->ndist = n;
}

/* numa_balancing_scan_delay_ms= and the other sysctls of NUMA balancing;
 * false if tok is none of them. */
static bool numa_balancing_sysctl(struct scenario *s, const char *tok)
{
	static const struct {
		const char *key;
		size_t off;
		long long min, max;
	} opts[] = {
		{ "numa_balancing_scan_delay_ms=",
		  offsetof(struct mmsim_config, numa_balancing_scan_delay_ms), 0, 86400000 },
		{ "numa_balancing_scan_period_min_ms=",
		  offsetof(struct mmsim_config, numa_balancing_scan_period_min_ms), 1, 86400000 },
		{ "numa_balancing_scan_period_max_ms=",
		  offsetof(struct mmsim_config, numa_balancing_scan_period_max_ms), 1, 86400000 },
		{ "numa_balancing_scan_size_mb=",
		  offsetof(struct mmsim_config, numa_balancing_scan_size_mb), 1, 1048576 },
		{ "numa_balancing_hot_threshold_ms=",
		  offsetof(struct mmsim_config, numa_balancing_hot_threshold_ms), 0, 86400000 },
		{ "numa_balancing_promote_rate_limit_MBps=",
		  offsetof(struct mmsim_config, numa_balancing_promote_rate_limit_mbps), 1, 1048576 },
	};
	for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
		const char *v = kv(tok, opts[k].key);
		long long x;
		if (!v)
			continue;
		if (num_i64(v, opts[k].min, opts[k].max, &x) < 0)
			uerr(s, "machine: %.*s must be %lld..%lld", (int)strlen(opts[k].key) - 1,
			     opts[k].key, opts[k].min, opts[k].max);
		*(unsigned *)((char *)&s->cfg + opts[k].off) = (unsigned)x;
		return true;
	}
	return false;
}

void parse_machine(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	if (s->seen_cmd)
		uerr(s, "machine must be the first command");
	for (int i = 1; i < ntok; i++) {
		const char *v;
		long long x;
		int w;
		if ((v = kv(tok[i], "nodes="))) {
			if (num_i64(v, 1, MMSIM_MAX_NODES, &x) < 0)
				uerr(s, "machine: nodes= must be 1..%d", MMSIM_MAX_NODES);
			s->cfg.nodes = (unsigned)x;
		} else if ((v = kv(tok[i], "cpus="))) {
			if (num_i64(v, 1, MMSIM_MAX_CPUS, &x) < 0)
				uerr(s, "machine: cpus= must be 1..%d", MMSIM_MAX_CPUS);
			s->cfg.cpus = (unsigned)x;
		} else if ((v = kv(tok[i], "mem="))) {
			s->cfg.mem_per_node = size_arg(s, v);
		} else if ((v = kv(tok[i], "thp="))) {
			if ((w = WORD_ARG(thp_words, v)) < 0)
				uerr(s, "machine: thp= must be never, always or madvise");
			s->cfg.thp = w;
		} else if ((v = kv(tok[i], "distance="))) {
			distance_arg(s, v);
		} else if ((v = kv(tok[i], "flush="))) {
			if ((w = WORD_ARG(flush_words, v)) < 0)
				uerr(s, "machine: flush= must be gather or per_vma");
			s->cfg.flush_policy = w;
		} else if ((v = kv(tok[i], "lru="))) {
			if ((w = WORD_ARG(lru_words, v)) < 0)
				uerr(s, "machine: lru= must be mglru or classic");
			s->cfg.lru = w;
		} else if ((v = kv(tok[i], "lru_gen_min_ttl_ms="))) {
			if (num_i64(v, 0, 86400000, &x) < 0)
				uerr(s, "machine: lru_gen_min_ttl_ms= must be 0..86400000");
			s->cfg.lru_gen_min_ttl_ms = (unsigned)x;
		} else if ((v = kv(tok[i], "numa_balancing="))) {
			if (num_i64(v, 0, 3, &x) < 0)
				uerr(s, "machine: numa_balancing= must be 0..3");
			s->cfg.numa_balancing = (unsigned)x;
		} else if ((v = kv(tok[i], "cache="))) {
			if ((w = WORD_ARG(onoff_words, v)) < 0)
				uerr(s, "machine: cache= must be on or off");
			s->cfg.cache = w;
		} else if ((v = kv(tok[i], "cache_sets="))) {
			/* The shape (a power of two, the size) is
			 * mmsim_config_check's, below. */
			if (num_i64(v, 1, 1 << 20, &x) < 0)
				uerr(s, "machine: cache_sets= must be 1..%d", 1 << 20);
			s->cfg.cache_sets = (unsigned)x;
		} else if ((v = kv(tok[i], "cache_ways="))) {
			if (num_i64(v, 1, 64, &x) < 0)
				uerr(s, "machine: cache_ways= must be 1..64");
			s->cfg.cache_ways = (unsigned)x;
		} else if (!numa_balancing_sysctl(s, tok[i])) {
			uerr(s, "machine: unknown option '%s'", tok[i]);
		}
	}
	if (s->ndist && s->ndist != (int)(s->cfg.nodes * s->cfg.nodes))
		uerr(s, "machine: distance= needs nodes x nodes = %u values, not %d",
		     s->cfg.nodes * s->cfg.nodes, s->ndist);
	for (int k = 0; k < s->ndist; k++)
		s->cfg.distance[k / s->cfg.nodes][k % s->cfg.nodes] = (uint8_t)s->dist[k];
	char why[128];
	if (mmsim_config_check(&s->cfg, why, sizeof why))
		uerr(s, "machine: %s", why);
}

/* A cpuset's LIST of nodes as a mask; *bad when it names a node past the
 * machine's largest possible one (EINVAL at run, as Linux's cpuset.mems
 * write answers). */
static uint64_t mems_arg(struct scenario *s, const char *v, bool *bad)
{
	int n;
	int *l = list_arg(s, v, 0, MAX_NODE_BIT, false, &n);
	uint64_t mems = 0;
	for (int j = 0; j < n; j++) {
		if (l[j] >= MMSIM_MAX_NODES)
			*bad = true;
		else
			mems |= 1ULL << l[j];
	}
	return mems;
}

/* uid=, caps=, cpu= or mems= of task; false if tok is none of them. */
static bool task_option(struct scenario *s, struct task_args *a, const char *tok,
			unsigned *seen)
{
	const char *v;
	long long x;
	if ((v = kv(tok, "uid="))) {
		if (*seen & 1)
			uerr(s, "task: uid= given twice");
		if (num_i64(v, 0, 4294967294LL, &x) < 0)
			uerr(s, "task: malformed uid '%s'", v);
		a->uid = (uint32_t)x;
		*seen |= 1;
	} else if ((v = kv(tok, "caps="))) {
		if (*seen & 2)
			uerr(s, "task: caps= given twice");
		if (!strcmp(v, "all"))
			a->caps = 1;
		else if (!strcmp(v, "none"))
			a->caps = 0;
		else
			uerr(s, "task: caps= must be all or none");
		*seen |= 2;
	} else if ((v = kv(tok, "cpu="))) {
		if (*seen & 4)
			uerr(s, "task: cpu= given twice");
		if (num_i64(v, 0, 1023, &x) < 0)
			uerr(s, "task: malformed cpu '%s'", v);
		if ((unsigned)x >= s->cfg.cpus)
			uerr(s, "task: cpu=%lld but the machine has %u CPUs", x, s->cfg.cpus);
		a->cpu = (int)x;
		*seen |= 4;
	} else if ((v = kv(tok, "cgroup="))) {
		if (a->cgroup >= 0)
			uerr(s, "task: cgroup= given twice");
		if ((a->cgroup = sym_find(&s->cgroups, v)) < 0)
			uerr(s, "task: unknown cgroup '%s'", v);
	} else if ((v = kv(tok, "mems="))) {
		if (a->has_mems)
			uerr(s, "task: mems= given twice");
		a->has_mems = true;
		a->mems = mems_arg(s, v, &a->mems_bad);
	} else {
		return false;
	}
	return true;
}

void parse_task(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	struct task_args *a = &c->task;
	unsigned seen = 0;

	nargs(s, ntok, 2, 6, "task");
	name_arg(s, tok[1], "task");
	if (sym_find(&s->tasks, tok[1]) >= 0)
		uerr(s, "task '%s' already exists", tok[1]);
	a->caps = -1;
	a->cgroup = -1;
	for (int i = 2; i < ntok; i++)
		if (!task_option(s, a, tok[i], &seen))
			uerr(s, "task: unknown argument '%s'", tok[i]);
	if (a->has_mems && a->cgroup >= 0)
		uerr(s, "task: mems= and cgroup= together (a task has one cgroup)");
	if (a->caps < 0)
		a->caps = a->uid == 0;
	a->task = sym_add(&s->tasks, tok[1]);
	set_cpuset_of(s, a->task, a->has_mems ? a->task : -1);
}

/*
 * cpuset_mems TASK LIST|none: writes cpuset.mems of the cpuset TASK runs
 * in, which its own mems= or that of the task it was forked or threaded
 * from made (the root cpuset's cannot be written).
 */
void parse_cpuset_mems(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	struct cpuset_args *a = &c->cpuset;
	nargs(s, ntok, 3, 3, tok[0]);
	a->task = task_ref(s, tok[1]);
	if (cpuset_of(s, a->task) < 0)
		uerr(s, "cpuset_mems: task '%s' has no cpuset of its own (no mems=)", tok[1]);
	a->task = cpuset_of(s, a->task);
	if (strcmp(tok[2], "none"))
		a->mems = mems_arg(s, tok[2], &a->bad);
}

void parse_fork(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 2, tok[0]);
	c->task.task = task_new(s, tok[1]);
}

/*
 * thread NAME [cpu=N]: a thread of the current task (its address space,
 * credentials, cpuset and memory policy), pinned to CPU N or, without
 * cpu=, to the creator's CPU as a new thread inherits its affinity.
 */
void parse_thread(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	const char *v;
	long long x;

	nargs(s, ntok, 2, 3, tok[0]);
	c->task.cpu = -1;
	if (ntok == 3) {
		if (!(v = kv(tok[2], "cpu=")))
			uerr(s, "thread: unknown argument '%s'", tok[2]);
		if (num_i64(v, 0, 1023, &x) < 0)
			uerr(s, "thread: malformed cpu '%s'", v);
		if ((unsigned)x >= s->cfg.cpus)
			uerr(s, "thread: cpu=%lld but the machine has %u CPUs", x, s->cfg.cpus);
		c->task.cpu = (int)x;
	}
	c->task.task = task_new(s, tok[1]);
}

/*
 * exit: the current task ends.  A thread ends alone; a process (task,
 * fork) ends with every thread it has, as exit_group.  Task main stays:
 * it stands for the reference interpreter, which creates the files.
 */
void parse_exit(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 1, 1, tok[0]);
	if (s->cur_task == 0)
		uerr(s, "exit: task main cannot exit");
}

void parse_use(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 2, tok[0]);
	c->task.task = task_ref(s, tok[1]);
	s->cur_task = c->task.task;
}

void parse_file(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 3, 3, tok[0]);
	name_arg(s, tok[1], "file");
	if (sym_find(&s->files, tok[1]) >= 0)
		uerr(s, "file '%s' already exists", tok[1]);
	c->file.size = size_arg(s, tok[2]);
	c->file.file = sym_add(&s->files, tok[1]);
}

void parse_fsync(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 2, tok[0]);
	c->file.file = file_ref(s, tok[1]);
}

/* A flag word of mmap given at most once. */
static void mmap_once(struct scenario *s, int *seen, const char *what)
{
	if ((*seen)++)
		uerr(s, "mmap: %s given twice", what);
}

void parse_mmap(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	struct mmap_args *a = &c->mmap;
	int share = -1, src = 0, have_off = 0, pop = 0, lock = 0;

	nargs(s, ntok, 5, 11, "mmap");
	a->size = size_arg(s, tok[3]);
	a->prot = prot_arg(s, tok[4]);
	a->file = -1;
	for (int i = 5; i < ntok; i++) {
		const char *v;
		if (!strcmp(tok[i], "private") || !strcmp(tok[i], "shared")) {
			if (share >= 0)
				uerr(s, "mmap: private/shared given twice");
			share = !strcmp(tok[i], "shared");
		} else if (!strcmp(tok[i], "anon")) {
			mmap_once(s, &src, "anon/file=");
		} else if ((v = kv(tok[i], "file="))) {
			mmap_once(s, &src, "anon/file=");
			a->file = file_ref(s, v);
		} else if ((v = kv(tok[i], "offset="))) {
			mmap_once(s, &have_off, "offset=");
			a->offset = size_arg(s, v);
		} else if (!strcmp(tok[i], "populate")) {
			mmap_once(s, &pop, "populate");
		} else if (!strcmp(tok[i], "locked")) {
			mmap_once(s, &lock, "locked");
		} else {
			uerr(s, "mmap: unknown option '%s'", tok[i]);
		}
	}
	a->flags = (share == 1 ? MAP_SHARED : MAP_PRIVATE) | (a->file < 0 ? MAP_ANONYMOUS : 0) |
		   (pop ? MAP_POPULATE : 0) | (lock ? MAP_LOCKED : 0);
	c->bind = bind_name(s, tok[0]);
}

void parse_hole(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 4, 4, "hole");
	c->mmap.size = size_arg(s, tok[3]);
	c->mmap.file = -1;
	c->bind = bind_name(s, tok[0]);
}

/* VERB ADDR SIZE and up to `extra` more arguments. */
static void range_arg(struct scenario *s, struct cmd *c, char **tok, int ntok, int extra)
{
	nargs(s, ntok, 3, 3 + extra, tok[0]);
	c->range.addr = addr_arg(s, tok[1]);
	c->range.size = size_arg(s, tok[2]);
}

void parse_range(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	range_arg(s, c, tok, ntok, 0);
}

void parse_mprotect(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 4, 4, tok[0]);
	range_arg(s, c, tok, ntok, 1);
	c->range.prot = prot_arg(s, tok[3]);
}

void parse_write(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	range_arg(s, c, tok, ntok, 1);
	c->range.byte = 0x5a;
	if (ntok == 4) {
		uint64_t b;
		if (parse_u64(tok[3], &b) < 0 || b > 255)
			uerr(s, "write: malformed byte '%s'", tok[3]);
		c->range.byte = (int)b;
	}
}

static const struct word msync_words[] = {
	{ "sync", MS_SYNC }, { "async", MS_ASYNC }, { "invalidate", MS_INVALIDATE },
};

void parse_msync(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	range_arg(s, c, tok, ntok, 1);
	c->range.mode = MS_SYNC;
	if (ntok == 4 && (c->range.mode = WORD_ARG(msync_words, tok[3])) < 0)
		uerr(s, "msync: mode must be sync, async or invalidate");
}

static const struct word advice_words[] = {
	{ "normal", MADV_NORMAL }, { "willneed", MADV_WILLNEED },
	{ "dontneed", MADV_DONTNEED }, { "hugepage", MADV_HUGEPAGE },
	{ "nohugepage", MADV_NOHUGEPAGE }, { "cold", MADV_COLD },
	{ "pageout", MADV_PAGEOUT },
};

void parse_madvise(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 4, 4, tok[0]);
	range_arg(s, c, tok, ntok, 1);
	if ((c->range.advice = WORD_ARG(advice_words, tok[3])) < 0)
		uerr(s, "madvise: unknown advice '%s'", tok[3]);
}

static int move_flags_arg(struct scenario *s, const char *v)
{
	long long x;
	if (!strcmp(v, "move"))
		return MMSIM_MPOL_MF_MOVE;
	if (!strcmp(v, "move_all"))
		return MMSIM_MPOL_MF_MOVE_ALL;
	if (num_i64(v, INT_MIN, UINT_MAX, &x) == 0)
		return (int)(unsigned)x;
	uerr(s, "move_pages: malformed flags '%s'", v);
}

void parse_move_pages(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	struct pages_args *p = &c->pages;
	int have_to = 0, have_flags = 0, have_pid = 0;

	nargs(s, ntok, 2, 5, "move_pages");
	pages_arg(s, p, tok[1]);
	p->flags = MMSIM_MPOL_MF_MOVE;
	p->pid.task = -1;
	for (int i = 2; i < ntok; i++) {
		const char *v;
		if ((v = kv(tok[i], "to="))) {
			if (have_to++)
				uerr(s, "move_pages: to= given twice");
			p->to = list_arg(s, v, INT_MIN, INT_MAX, false, &p->nto);
			if (p->nto > 1 && (uint64_t)p->nto != p->npages)
				uerr(s, "move_pages: to= lists %d nodes for %llu pages", p->nto,
				     (unsigned long long)p->npages);
		} else if ((v = kv(tok[i], "flags="))) {
			if (have_flags++)
				uerr(s, "move_pages: flags= given twice");
			p->flags = move_flags_arg(s, v);
		} else if ((v = kv(tok[i], "pid="))) {
			if (have_pid++)
				uerr(s, "move_pages: pid= given twice");
			pid_arg(s, &p->pid, v);
		} else {
			uerr(s, "move_pages: unknown argument '%s'", tok[i]);
		}
	}
}

void parse_nodes(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 2, tok[0]);
	c->pages.pid.task = -1;
	pages_arg(s, &c->pages, tok[1]);
}

/* The node lists as two bitmaps of as many words as the highest node needs. */
static void migrate_masks(struct scenario *s, struct migrate_args *a, const int *from, int nfrom,
			  const int *to, int nto)
{
	int hi = 0;
	for (int i = 0; i < nfrom; i++)
		hi = from[i] > hi ? from[i] : hi;
	for (int i = 0; i < nto; i++)
		hi = to[i] > hi ? to[i] : hi;
	a->mwords = hi / 64 + 1;
	a->masks = palloc(s, (size_t)a->mwords * 2 * sizeof *a->masks);
	for (int i = 0; i < nfrom; i++)
		a->masks[from[i] / 64] |= 1ULL << (from[i] % 64);
	for (int i = 0; i < nto; i++)
		a->masks[a->mwords + to[i] / 64] |= 1ULL << (to[i] % 64);
}

void parse_migrate_pages(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	int *from = NULL, *to = NULL, nfrom = 0, nto = 0, have_pid = 0;

	nargs(s, ntok, 3, 4, "migrate_pages");
	c->migrate.pid.task = -1;
	for (int i = 1; i < ntok; i++) {
		const char *v;
		if ((v = kv(tok[i], "from="))) {
			if (from)
				uerr(s, "migrate_pages: from= given twice");
			from = list_arg(s, v, 0, MAX_NODE_BIT, true, &nfrom);
		} else if ((v = kv(tok[i], "to="))) {
			if (to)
				uerr(s, "migrate_pages: to= given twice");
			to = list_arg(s, v, 0, MAX_NODE_BIT, true, &nto);
		} else if ((v = kv(tok[i], "pid="))) {
			if (have_pid++)
				uerr(s, "migrate_pages: pid= given twice");
			pid_arg(s, &c->migrate.pid, v);
		} else {
			uerr(s, "migrate_pages: unknown argument '%s'", tok[i]);
		}
	}
	if (!from || !to)
		uerr(s, "migrate_pages: from= and to= are required");
	migrate_masks(s, &c->migrate, from, nfrom, to, nto);
}

/* ---- memory policies ---- */

const char *const mpol_mode_names[MPOL_NAMES] = {
	"default", "preferred", "bind", "interleave", "local", "preferred_many",
	"weighted_interleave",
};
const char *const mpol_flag_names[3] = { "static", "relative", "numa_balancing" };
const long mpol_flag_vals[3] = { 1 << 15, 1 << 14, 1 << 13 };

/* F1,F2,...: names of the table or numbers (decimal or 0x-hex), OR'd;
 * *numeric says whether one was a number. */
static unsigned long flag_list(struct scenario *s, const char *str, const char *verb,
			       const char *const *names, const long *vals, int n, bool *numeric)
{
	unsigned long f = 0;
	list_shape(s, str, "flags");
	char *dup = pstrdup(s, str), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;
		long long x;
		for (i = 0; i < n && strcmp(t, names[i]); i++)
			;
		if (i < n) {
			f |= (unsigned long)vals[i];
		} else if (num_i64(t, 0, UINT_MAX, &x) == 0) {
			f |= (unsigned long)x;
			if (numeric)
				*numeric = true;
		} else {
			uerr(s, "%s: unknown flag '%s'", verb, t);
		}
	}
	return (unsigned)f;
}

/* MODE[+static][+relative][+numa_balancing]: a name or a number. */
static long mode_arg(struct scenario *s, const char *str, const char *verb)
{
	size_t len = strlen(str);
	if (!len || str[0] == '+' || str[len - 1] == '+' || strstr(str, "++"))
		uerr(s, "%s: malformed mode '%s'", verb, str);
	char *dup = pstrdup(s, str), *save = NULL;
	long m = 0;
	bool first = true;
	for (char *t = strtok_r(dup, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		long long x;
		int i;
		if (first) {
			first = false;
			for (i = 0; i < MPOL_NAMES && strcmp(t, mpol_mode_names[i]); i++)
				;
			if (i < MPOL_NAMES)
				m = i;
			else if (num_i64(t, 0, UINT_MAX, &x) == 0)
				m = (long)x;
			else
				uerr(s, "%s: unknown mode '%s'", verb, t);
			continue;
		}
		for (i = 0; i < 3 && strcmp(t, mpol_flag_names[i]); i++)
			;
		if (i == 3)
			uerr(s, "%s: unknown mode flag '+%s'", verb, t);
		m |= mpol_flag_vals[i];
	}
	return (long)(unsigned)m;
}

/* LIST: `none` or items N or N-M (N <= M): as many 64-bit words as the
 * highest node needs (one for none). */
static void nodemask_arg(struct scenario *s, struct mpol_args *a, const char *str,
			 const char *verb)
{
	int hi = 0, n = 0, cap = 8;
	long long *lo_v = palloc(s, (size_t)cap * sizeof *lo_v);
	long long *hi_v = palloc(s, (size_t)cap * sizeof *hi_v);
	if (strcmp(str, "none")) {
		list_shape(s, str, "node list");
		char *dup = pstrdup(s, str), *save = NULL;
		for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			long long lo, up;
			char *dash = strchr(t, '-');
			if (dash)
				*dash = 0;
			if (num_i64(t, 0, MAX_NODE_BIT, &lo) < 0 ||
			    (dash && num_i64(dash + 1, 0, MAX_NODE_BIT, &up) < 0))
				uerr(s, "%s: malformed node list '%s'", verb, str);
			if (!dash)
				up = lo;
			if (up < lo)
				uerr(s, "%s: malformed node range in '%s'", verb, str);
			if (n == cap) {
				lo_v = pgrow(s, lo_v, (size_t)cap * sizeof *lo_v,
					     (size_t)cap * 2 * sizeof *lo_v);
				hi_v = pgrow(s, hi_v, (size_t)cap * sizeof *hi_v,
					     (size_t)cap * 2 * sizeof *hi_v);
				cap *= 2;
			}
			lo_v[n] = lo;
			hi_v[n++] = up;
			hi = up > hi ? (int)up : hi;
		}
	}
	a->mwords = hi / 64 + 1;
	a->masks = palloc(s, (size_t)a->mwords * sizeof *a->masks);
	for (int i = 0; i < n; i++)
		for (long long x = lo_v[i]; x <= hi_v[i]; x++)
			a->masks[x / 64] |= 1ULL << (x % 64);
}

/* The options after the fixed arguments: nodes= (not for get_mempolicy)
 * and flags= of the verb's kind.  Returns whether flags= was one number. */
static bool mpol_options(struct scenario *s, struct mpol_args *a, char **tok, int i, int ntok,
			 bool takes_nodes, const char *const *names, const long *vals)
{
	const char *verb = tok[0];
	bool have_nodes = false, have_flags = false, exact = false;
	for (; i < ntok; i++) {
		const char *v;
		if (takes_nodes && (v = kv(tok[i], "nodes="))) {
			if (have_nodes)
				uerr(s, "%s: nodes= given twice", verb);
			have_nodes = true;
			nodemask_arg(s, a, v, verb);
		} else if ((v = kv(tok[i], "flags="))) {
			if (have_flags)
				uerr(s, "%s: flags= given twice", verb);
			have_flags = true;
			bool numeric = false;
			unsigned long f = flag_list(s, v, verb, names, vals, 3, &numeric);
			exact = numeric && !strchr(v, ',');
			if (names == mpol_flag_names)
				a->mode = (long)(unsigned)((unsigned long)a->mode | f);
			else
				a->flags = f;
		} else {
			uerr(s, "%s: unknown argument '%s'", verb, tok[i]);
		}
	}
	return exact;
}

void parse_set_mempolicy(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 4, tok[0]);
	c->mpol.mode = mode_arg(s, tok[1], tok[0]);
	mpol_options(s, &c->mpol, tok, 2, ntok, true, mpol_flag_names, mpol_flag_vals);
}

void parse_mbind(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	static const char *const names[] = { "strict", "move", "move_all" };
	static const long vals[] = { 1, 2, 4 };
	nargs(s, ntok, 4, 6, tok[0]);
	c->mpol.addr = addr_arg(s, tok[1]);
	c->mpol.size = size_arg(s, tok[2]);
	c->mpol.mode = mode_arg(s, tok[3], tok[0]);
	mpol_options(s, &c->mpol, tok, 4, ntok, true, names, vals);
}

void parse_get_mempolicy(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	static const char *const names[] = { "node", "addr", "mems_allowed" };
	static const long vals[] = { 1, 2, 4 };
	int i = 1;
	nargs(s, ntok, 1, 3, tok[0]);
	if (ntok > 1 && !kv(tok[1], "flags=")) {
		c->mpol.addr = addr_arg(s, tok[i++]);
		c->mpol.has_addr = true;
	}
	/* ADDR adds MPOL_F_ADDR, unless flags= is a single number. */
	bool exact = mpol_options(s, &c->mpol, tok, i, ntok, false, names, vals);
	if (c->mpol.has_addr && !exact)
		c->mpol.flags |= 2;
}

/* ---- memory cgroups ---- */

static const char *const cg_files[] = { "memory.max", "memory.high", "memory.low", "memory.min",
					"memory.swap.max", "memory.oom.group" };

/* FILE=VALUE items: a memory controller file and a SIZE (kept in bytes)
 * or max. */
static void cg_writes(struct scenario *s, struct cgroup_args *a, char **tok, int from, int ntok,
		      const char *verb)
{
	for (int i = from; i < ntok; i++) {
		const char *eq = strchr(tok[i], '=');
		size_t k, n = eq ? (size_t)(eq - tok[i]) : 0;
		for (k = 0; eq && k < sizeof cg_files / sizeof cg_files[0]; k++)
			if (strlen(cg_files[k]) == n && !strncmp(tok[i], cg_files[k], n))
				break;
		if (!eq)
			uerr(s, "%s: unknown argument '%s'", verb, tok[i]);
		if (k == sizeof cg_files / sizeof cg_files[0])
			uerr(s, "%s: unknown file in '%s'", verb, tok[i]);
		if (a->n == CG_MAX_WRITES)
			uerr(s, "%s: too many files", verb);
		a->file[a->n] = cg_files[k];
		if (!strcmp(eq + 1, "max")) {
			a->value[a->n] = "max";
		} else {
			char *b = palloc(s, 24);
			snprintf(b, 24, "%llu", (unsigned long long)size_arg(s, eq + 1));
			a->value[a->n] = b;
		}
		a->n++;
	}
}

static int cgroup_ref(struct scenario *s, const char *verb, const char *name)
{
	int i = sym_find(&s->cgroups, name);
	if (i < 0)
		uerr(s, "%s: unknown cgroup '%s'", verb, name);
	return i;
}

void parse_cgroup(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	const char *v;
	int i = 2;
	nargs(s, ntok, 2, 10, tok[0]);
	name_arg(s, tok[1], "cgroup");
	if (sym_find(&s->cgroups, tok[1]) >= 0)
		uerr(s, "cgroup '%s' already exists", tok[1]);
	c->cg.parent = -1;
	if (ntok > 2 && (v = kv(tok[2], "parent="))) {
		c->cg.parent = cgroup_ref(s, tok[0], v);
		i = 3;
	}
	cg_writes(s, &c->cg, tok, i, ntok, tok[0]);
	c->cg.cgroup = sym_add(&s->cgroups, tok[1]);
}

void parse_cgroup_set(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 3, 10, tok[0]);
	c->cg.cgroup = cgroup_ref(s, tok[0], tok[1]);
	cg_writes(s, &c->cg, tok, 2, ntok, tok[0]);
}

void parse_memcg(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 2, tok[0]);
	c->cg.cgroup = cgroup_ref(s, tok[0], tok[1]);
}

/* The reference interpreter's swap disk (oracle/gen-expected.sh): an area
 * larger than it, or smaller than a page, is a usage error on both sides. */
#define SCENARIO_SWAP_DISK (1ULL << 30)

void parse_swapon(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 2, tok[0]);
	c->file.size = size_arg(s, tok[1]);
	if (c->file.size > SCENARIO_SWAP_DISK)
		uerr(s, "swapon: %s is larger than the swap disk (1G)", tok[1]);
	if (c->file.size < 4096)
		uerr(s, "swapon: %s is less than one page", tok[1]);
}

/* il_weight NODE WEIGHT: file_args' file is the node, size the weight
 * (any number: the write's checks are the kernel's). */
void parse_il_weight(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	long long x;
	nargs(s, ntok, 3, 3, tok[0]);
	if (num_i64(tok[1], 0, 1023, &x) < 0)
		uerr(s, "il_weight: malformed node '%s'", tok[1]);
	c->file.file = (int)x;
	if (num_i64(tok[2], 0, 1 << 20, &x) < 0)
		uerr(s, "il_weight: malformed weight '%s'", tok[2]);
	c->file.size = (uint64_t)x;
}

void parse_crash(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 1, 2, tok[0]);
	if (ntok == 2 && strcmp(tok[1], "torn"))
		uerr(s, "crash: unknown argument '%s'", tok[1]);
	/* With the power off there is nothing to cut. */
	if (s->crashed)
		uerr(s, "crash: the power is already off (reboot first)");
	s->crashed = true;
	s->needs_disks = true;
	c->crash.torn = ntok == 2;
}

void parse_reboot(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 1, 1, tok[0]);
	s->crashed = false;
	s->needs_disks = true;
	s->cur_task = 0;	/* main starts again and is current */
}

void parse_stats(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 1, 1, tok[0]);
}

/* ---- lines ----------------------------------------------------------------------- */

/* Splits text (its comment dropped) at white space; the number of tokens. */
static int tokenize(struct scenario *s, char *text, char **tok)
{
	int ntok = 0;
	char *hash = strchr(text, '#');
	if (hash)
		*hash = 0;
	for (char *p = text; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (ntok == MAX_TOKENS)
			uerr(s, "too many tokens");
		tok[ntok++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	return ntok;
}

/* The verb of a line: `NAME = VERB ...` binds NAME, `VERB ...` does not. */
static const struct verb *line_verb(struct scenario *s, char **tok, int ntok)
{
	const struct verb *v;
	if (ntok >= 2 && !strcmp(tok[1], "=")) {
		nargs(s, ntok, 3, MAX_TOKENS, tok[0]);
		if (!(v = verb_find(tok[2], true)))
			uerr(s, "unknown command '%s'", tok[2]);
	} else if (!(v = verb_find(tok[0], false))) {
		uerr(s, "unknown command '%s'", tok[0]);
	}
	return v;
}

static void parse_line(struct scenario *s, char *text)
{
	char *tok[MAX_TOKENS];
	int ntok = tokenize(s, text, tok);
	if (!ntok)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->cmds = xrealloc(s->cmds, (size_t)s->cap * sizeof *s->cmds);
	}
	struct cmd *c = &s->cmds[s->n];
	memset(c, 0, sizeof *c);
	c->line = s->line;
	c->bind = -1;
	c->verb = line_verb(s, tok, ntok);
	c->verb->parse(s, c, tok, ntok);
	s->seen_cmd = true;
	s->n++;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nallocs; i++)
		free(s->allocs[i]);
	free(s->allocs);
	free(s->cmds);
	sym_free(&s->maps);
	sym_free(&s->tasks);
	sym_free(&s->files);
	sym_free(&s->cgroups);
	free(s->bound);
	free(s->cpuset_of);
	free(s->linebuf);
	free(s);
}

/* Parses every line; a usage error longjmps out to scenario_parse(). */
static void parse_all(struct scenario *s, const char *text, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		s->line++;
		if (memchr(text + pos, 0, n))
			uerr(s, "NUL byte in line");
		s->linebuf = xrealloc(s->linebuf, n + 1);
		memcpy(s->linebuf, text + pos, n);
		s->linebuf[n] = 0;
		parse_line(s, s->linebuf);
		pos += n + (nl ? 1 : 0);
	}
}

/* Runs the parse under the usage-error jump; false after a usage error. */
static bool parse_guarded(struct scenario *s, const char *text, size_t len)
{
	jmp_buf jb;
	parse_jb = &jb;
	if (setjmp(jb)) {
		parse_jb = NULL;
		return false;
	}
	parse_all(s, text, len);
	parse_jb = NULL;
	return true;
}

struct scenario *scenario_parse(const char *name, const char *text, size_t len, FILE *err)
{
	return scenario_parse_disk(name, text, len, err, NULL);
}

struct scenario *scenario_parse_disk(const char *name, const char *text, size_t len, FILE *err,
				     const char *disk_dir)
{
	struct scenario *s = xcalloc(1, sizeof *s);
	s->name = name;
	s->err = err;
	s->disk_dir = disk_dir;
	s->disk_files = disk_dir != NULL;
	mmsim_config_default(&s->cfg);
	sym_add(&s->tasks, "main");
	if (!parse_guarded(s, text, len)) {
		scenario_free(s);
		return NULL;
	}
	free(s->linebuf);
	s->linebuf = NULL;
	return s;
}
