/*
 * scenario.c - parser and interpreter of the scenario language.
 *
 * The whole file is parsed and checked before anything runs: an unknown
 * command, a malformed argument or an unbound name is a usage error
 * (NAME:LINE: message).  Then the commands run in order on a new machine,
 * each printing at most one line "<line>: <verb> = <result>".  The
 * language and its results are a contract with Linux (docs/scenarios.md,
 * and the reference interpreter in oracle/): names bound by mmap and
 * hole hold one address for the whole scenario whichever task uses them,
 * a failed mmap binds all ones, and tasks created by `task` or `fork` run
 * only after `use`.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmsim/mmsim.h>

#define PAGE 4096ULL
#define MAX_PAGES (1u << 20)
#define MAX_TOKENS 64
#define MAX_NODE_BIT 32766
#define STATUS_UNSET (-12345)
#define HOLE_BASE 0x100000000000ULL
#define HOLE_GAP (2ULL << 20)
#define DEAD_PID INT_MAX
#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
/* Far above any real scenario (70,000 mappings take ~2 MB): reading
 * /dev/zero must end with an error, not with the host out of memory. */
#define MAX_SCENARIO_BYTES (64u << 20)

enum kind {
	K_MACHINE, K_TASK, K_FORK, K_USE, K_FILE, K_MMAP, K_HOLE, K_MUNMAP, K_MPROTECT,
	K_WRITE, K_READ, K_MOVE, K_NODES, K_MIGRATE, K_VMAS, K_MLOCK, K_MUNLOCK, K_MSYNC,
	K_FSYNC, K_MADVISE, K_CRASH, K_REBOOT, K_STATS,
};

struct aref {
	int name;
	uint64_t off;
};

struct pitem {
	struct aref a;
	uint64_t n;
};

struct cmd {
	int line;
	enum kind k;
	char verb[16];
	int bind, task, file;
	struct aref addr;
	uint64_t size, offset;
	int prot, mflags, byte, advice;
	struct pitem *items;
	int nitems;
	uint64_t npages;
	int *to;
	int nto;
	int flags;
	int pid_task;
	long pid_lit;
	uint64_t *masks;	/* old[mwords], new[mwords] */
	int mwords;
	uint32_t uid;
	int caps;
	uint64_t mems;
	bool has_mems, mems_bad;
	int cpu;
};

/* Names in order of definition, and a hash of them (open addressing,
 * at most half full, entries index + 1): scenarios with tens of
 * thousands of mappings look every name up. */
struct symtab {
	char **v;
	int n, cap;
	int *hash;
	unsigned hcap;
};

struct scenario {
	const char *name;
	struct cmd *cmds;
	int n, cap;
	struct symtab maps, tasks, files;
	struct mmsim_config cfg;
	const char *disk_dir;	/* --disk: files live there (NULL: a temporary directory) */
	bool disk_files;	/* names of files already on that disk may be used undeclared */
	/* parse state */
	int line;
	FILE *err;
	bool seen_cmd;
	bool crashed;		/* a crash with no reboot after it yet */
	char *bound;		/* per mapping name: bound by an earlier line */
	int bound_cap;
	char *linebuf;
	/* Everything a command's arguments need, freed with the scenario, so
	 * a usage error can unwind from anywhere without leaking. */
	void **allocs;
	size_t nallocs, capallocs;
};

/* ---- small helpers ------------------------------------------------------------- */

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p) {
		fputs("mmsim: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("mmsim: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

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

static unsigned sym_hash(const char *s)
{
	uint64_t h = FNV_BASIS;
	while (*s)
		h = (h ^ (unsigned char)*s++) * FNV_PRIME;
	return (unsigned)(h ^ h >> 32);
}

/* The first definition of s: a name defined twice is found where it was
 * first put, as the linear search found it. */
static int sym_find(const struct symtab *t, const char *s)
{
	if (!t->hcap)
		return -1;
	for (unsigned i = sym_hash(s) & (t->hcap - 1); t->hash[i]; i = (i + 1) & (t->hcap - 1))
		if (!strcmp(t->v[t->hash[i] - 1], s))
			return t->hash[i] - 1;
	return -1;
}

static void sym_hash_put(struct symtab *t, int idx)
{
	unsigned i = sym_hash(t->v[idx]) & (t->hcap - 1);
	while (t->hash[i])
		i = (i + 1) & (t->hcap - 1);
	t->hash[i] = idx + 1;
}

static int sym_add(struct symtab *t, const char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
	}
	t->v[t->n] = strdup(s);
	if (!t->v[t->n]) {
		fputs("mmsim: out of memory\n", stderr);
		exit(1);
	}
	if ((unsigned)(t->n + 1) * 2 > t->hcap) {
		free(t->hash);
		t->hcap = t->hcap ? t->hcap * 2 : 32;
		t->hash = xcalloc(t->hcap, sizeof *t->hash);
		for (int i = 0; i < t->n; i++)
			sym_hash_put(t, i);
	}
	sym_hash_put(t, t->n);
	return t->n++;
}

static void sym_free(struct symtab *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	free(t->hash);
}

/* Usage errors unwind the parse through this jump. */
#include <setjmp.h>
static __thread jmp_buf *parse_jb;

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

static int num_u64(const char *str, uint64_t *out)
{
	int base = 10;
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		base = 16;
		str += 2;
	}
	if (!*str)
		return -1;
	uint64_t v = 0;
	for (; *str; str++) {
		unsigned d;
		unsigned char c = (unsigned char)*str;
		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

static int num_i64(const char *str, long long lo, long long hi, long long *out)
{
	bool neg = false;
	uint64_t u;
	if (*str == '-' || *str == '+') {
		neg = *str == '-';
		str++;
	}
	if (num_u64(str, &u) < 0 || u > (uint64_t)LLONG_MAX)
		return -1;
	long long v = neg ? -(long long)u : (long long)u;
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_size(const char *str, uint64_t *out)
{
	char buf[64];
	size_t n = strlen(str);
	uint64_t mul = 1;
	if (!n || n >= sizeof buf)
		return -1;
	memcpy(buf, str, n + 1);
	switch (tolower((unsigned char)buf[n - 1])) {
	case 'k': mul = 1ULL << 10; break;
	case 'm': mul = 1ULL << 20; break;
	case 'g': mul = 1ULL << 30; break;
	case 'p': mul = PAGE; break;
	}
	if (mul != 1)
		buf[n - 1] = 0;
	uint64_t v;
	if (num_u64(buf, &v) < 0 || (v && mul > UINT64_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

static uint64_t size_arg(struct scenario *s, const char *str)
{
	uint64_t v;
	if (parse_size(str, &v) < 0)
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
		if (parse_size(plus + 1, &a.off) < 0)
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
	size_t len = strlen(str);
	if (str[0] == ',' || str[len - 1] == ',' || strstr(str, ",,"))
		uerr(s, "malformed list '%s'", str);
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

static void pages_arg(struct scenario *s, struct cmd *c, const char *str)
{
	size_t len = strlen(str);
	if (!len || str[0] == ',' || str[len - 1] == ',' || strstr(str, ",,"))
		uerr(s, "malformed page list '%s'", str);
	char *dup = pstrdup(s, str), *save = NULL;
	int cap = 4;
	c->items = palloc(s, (size_t)cap * sizeof *c->items);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct pitem it = { { -1, 0 }, 1 };
		char *star = strchr(t, '*');
		if (star) {
			*star = 0;
			if (num_u64(star + 1, &it.n) < 0)
				uerr(s, "malformed page count '%s'", star + 1);
		}
		it.a = addr_arg(s, t);
		if (it.n > MAX_PAGES || c->npages + it.n > MAX_PAGES)
			uerr(s, "too many pages (at most %u)", MAX_PAGES);
		if (c->nitems == cap) {
			c->items = pgrow(s, c->items, (size_t)cap * sizeof *c->items,
					 (size_t)cap * 2 * sizeof *c->items);
			cap *= 2;
		}
		c->items[c->nitems++] = it;
		c->npages += it.n;
	}
}

static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);
	return strncmp(tok, key, n) ? NULL : tok + n;
}

static void pid_arg(struct scenario *s, struct cmd *c, const char *v)
{
	long long x;
	if (valid_name(v))
		c->pid_task = task_ref(s, v);
	else if (num_i64(v, INT_MIN, INT_MAX, &x) == 0)
		c->pid_lit = (long)x;
	else
		uerr(s, "malformed pid '%s'", v);
}

static void nargs(struct scenario *s, int ntok, int lo, int hi, const char *verb)
{
	if (ntok < lo)
		uerr(s, "%s: missing argument", verb);
	if (ntok > hi)
		uerr(s, "%s: too many arguments", verb);
}

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

/* ---- parsing commands ---------------------------------------------------------------- */

static void parse_machine(struct scenario *s, char **tok, int ntok)
{
	if (s->seen_cmd)
		uerr(s, "machine must be the first command");
	for (int i = 1; i < ntok; i++) {
		const char *v;
		long long x;
		uint64_t sz;
		if ((v = kv(tok[i], "nodes="))) {
			if (num_i64(v, 1, MMSIM_MAX_NODES, &x) < 0)
				uerr(s, "machine: nodes= must be 1..%d", MMSIM_MAX_NODES);
			s->cfg.nodes = (unsigned)x;
		} else if ((v = kv(tok[i], "cpus="))) {
			if (num_i64(v, 1, MMSIM_MAX_CPUS, &x) < 0)
				uerr(s, "machine: cpus= must be 1..%d", MMSIM_MAX_CPUS);
			s->cfg.cpus = (unsigned)x;
		} else if ((v = kv(tok[i], "mem="))) {
			sz = size_arg(s, v);
			s->cfg.mem_per_node = sz;
		} else if ((v = kv(tok[i], "thp="))) {
			if (!strcmp(v, "never"))
				s->cfg.thp = MMSIM_THP_NEVER;
			else if (!strcmp(v, "always"))
				s->cfg.thp = MMSIM_THP_ALWAYS;
			else if (!strcmp(v, "madvise"))
				s->cfg.thp = MMSIM_THP_MADVISE;
			else
				uerr(s, "machine: thp= must be never, always or madvise");
		} else if ((v = kv(tok[i], "flush="))) {
			if (!strcmp(v, "gather"))
				s->cfg.flush_policy = MMSIM_FLUSH_GATHER;
			else if (!strcmp(v, "per_vma"))
				s->cfg.flush_policy = MMSIM_FLUSH_PER_VMA;
			else
				uerr(s, "machine: flush= must be gather or per_vma");
		} else {
			uerr(s, "machine: unknown option '%s'", tok[i]);
		}
	}
	char why[128];
	if (mmsim_config_check(&s->cfg, why, sizeof why))
		uerr(s, "machine: %s", why);
}

static void parse_mmap(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 5, 11, "mmap");
	c->k = K_MMAP;
	c->size = size_arg(s, tok[3]);
	c->prot = prot_arg(s, tok[4]);
	int share = -1, src = 0, have_off = 0, pop = 0, lock = 0;
	for (int i = 5; i < ntok; i++) {
		const char *v;
		if (!strcmp(tok[i], "private") || !strcmp(tok[i], "shared")) {
			if (share >= 0)
				uerr(s, "mmap: private/shared given twice");
			share = !strcmp(tok[i], "shared");
		} else if (!strcmp(tok[i], "anon")) {
			if (src++)
				uerr(s, "mmap: anon/file= given twice");
		} else if ((v = kv(tok[i], "file="))) {
			if (src++)
				uerr(s, "mmap: anon/file= given twice");
			c->file = file_ref(s, v);
		} else if ((v = kv(tok[i], "offset="))) {
			if (have_off++)
				uerr(s, "mmap: offset= given twice");
			c->offset = size_arg(s, v);
		} else if (!strcmp(tok[i], "populate")) {
			if (pop++)
				uerr(s, "mmap: populate given twice");
		} else if (!strcmp(tok[i], "locked")) {
			if (lock++)
				uerr(s, "mmap: locked given twice");
		} else {
			uerr(s, "mmap: unknown option '%s'", tok[i]);
		}
	}
	c->mflags = (share == 1 ? MAP_SHARED : MAP_PRIVATE) | (c->file < 0 ? MAP_ANONYMOUS : 0) |
		    (pop ? MAP_POPULATE : 0) | (lock ? MAP_LOCKED : 0);
	c->bind = bind_name(s, tok[0]);
}

static void parse_move(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 5, "move_pages");
	c->k = K_MOVE;
	pages_arg(s, c, tok[1]);
	c->flags = MMSIM_MPOL_MF_MOVE;
	int have_to = 0, have_flags = 0, have_pid = 0;
	for (int i = 2; i < ntok; i++) {
		const char *v;
		if ((v = kv(tok[i], "to="))) {
			if (have_to++)
				uerr(s, "move_pages: to= given twice");
			c->to = list_arg(s, v, INT_MIN, INT_MAX, false, &c->nto);
			if (c->nto > 1 && (uint64_t)c->nto != c->npages)
				uerr(s, "move_pages: to= lists %d nodes for %llu pages", c->nto,
				     (unsigned long long)c->npages);
		} else if ((v = kv(tok[i], "flags="))) {
			long long x;
			if (have_flags++)
				uerr(s, "move_pages: flags= given twice");
			if (!strcmp(v, "move"))
				c->flags = MMSIM_MPOL_MF_MOVE;
			else if (!strcmp(v, "move_all"))
				c->flags = MMSIM_MPOL_MF_MOVE_ALL;
			else if (num_i64(v, INT_MIN, UINT_MAX, &x) == 0)
				c->flags = (int)(unsigned)x;
			else
				uerr(s, "move_pages: malformed flags '%s'", v);
		} else if ((v = kv(tok[i], "pid="))) {
			if (have_pid++)
				uerr(s, "move_pages: pid= given twice");
			pid_arg(s, c, v);
		} else {
			uerr(s, "move_pages: unknown argument '%s'", tok[i]);
		}
	}
}

static void parse_migrate(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 3, 4, "migrate_pages");
	c->k = K_MIGRATE;
	int *from = NULL, *to = NULL, nfrom = 0, nto = 0, have_pid = 0;
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
			pid_arg(s, c, v);
		} else {
			uerr(s, "migrate_pages: unknown argument '%s'", tok[i]);
		}
	}
	if (!from || !to)
		uerr(s, "migrate_pages: from= and to= are required");
	int hi = 0;
	for (int i = 0; i < nfrom; i++)
		hi = from[i] > hi ? from[i] : hi;
	for (int i = 0; i < nto; i++)
		hi = to[i] > hi ? to[i] : hi;
	c->mwords = hi / 64 + 1;
	c->masks = palloc(s, (size_t)c->mwords * 2 * sizeof *c->masks);
	for (int i = 0; i < nfrom; i++)
		c->masks[from[i] / 64] |= 1ULL << (from[i] % 64);
	for (int i = 0; i < nto; i++)
		c->masks[c->mwords + to[i] / 64] |= 1ULL << (to[i] % 64);
}

static void parse_task(struct scenario *s, struct cmd *c, char **tok, int ntok)
{
	nargs(s, ntok, 2, 6, "task");
	c->k = K_TASK;
	name_arg(s, tok[1], "task");
	if (sym_find(&s->tasks, tok[1]) >= 0)
		uerr(s, "task '%s' already exists", tok[1]);
	int have_uid = 0, have_caps = 0, have_cpu = 0;
	c->caps = -1;
	c->cpu = 0;
	for (int i = 2; i < ntok; i++) {
		const char *v;
		long long x;
		if ((v = kv(tok[i], "uid="))) {
			if (have_uid++)
				uerr(s, "task: uid= given twice");
			if (num_i64(v, 0, 4294967294LL, &x) < 0)
				uerr(s, "task: malformed uid '%s'", v);
			c->uid = (uint32_t)x;
		} else if ((v = kv(tok[i], "caps="))) {
			if (have_caps++)
				uerr(s, "task: caps= given twice");
			if (!strcmp(v, "all"))
				c->caps = 1;
			else if (!strcmp(v, "none"))
				c->caps = 0;
			else
				uerr(s, "task: caps= must be all or none");
		} else if ((v = kv(tok[i], "cpu="))) {
			if (have_cpu++)
				uerr(s, "task: cpu= given twice");
			if (num_i64(v, 0, 1023, &x) < 0)
				uerr(s, "task: malformed cpu '%s'", v);
			if ((unsigned)x >= s->cfg.cpus)
				uerr(s, "task: cpu=%lld but the machine has %u CPUs", x, s->cfg.cpus);
			c->cpu = (int)x;
		} else if ((v = kv(tok[i], "mems="))) {
			int n;
			if (c->has_mems)
				uerr(s, "task: mems= given twice");
			int *l = list_arg(s, v, 0, MAX_NODE_BIT, false, &n);
			c->has_mems = true;
			for (int j = 0; j < n; j++) {
				if (l[j] >= MMSIM_MAX_NODES)
					c->mems_bad = true;	/* like cpuset.mems: EINVAL at run */
				else
					c->mems |= 1ULL << l[j];
			}
		} else {
			uerr(s, "task: unknown argument '%s'", tok[i]);
		}
	}
	if (c->caps < 0)
		c->caps = c->uid == 0;
	c->task = sym_add(&s->tasks, tok[1]);
}

static int advice_arg(struct scenario *s, const char *str)
{
	static const struct {
		const char *n;
		int v;
	} t[] = {
		{ "normal", MADV_NORMAL }, { "willneed", MADV_WILLNEED },
		{ "dontneed", MADV_DONTNEED }, { "hugepage", MADV_HUGEPAGE },
		{ "nohugepage", MADV_NOHUGEPAGE }, { "cold", MADV_COLD },
		{ "pageout", MADV_PAGEOUT },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(str, t[i].n))
			return t[i].v;
	uerr(s, "madvise: unknown advice '%s'", str);
	return 0;
}

static const struct {
	const char *verb;
	enum kind k;
} addr_size_cmds[] = {
	{ "munmap", K_MUNMAP }, { "mlock", K_MLOCK }, { "munlock", K_MUNLOCK },
	{ "vmas", K_VMAS }, { "read", K_READ },
};

static void parse_line(struct scenario *s, char *text)
{
	char *tok[MAX_TOKENS];
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
	if (!ntok)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->cmds = xrealloc(s->cmds, (size_t)s->cap * sizeof *s->cmds);
	}
	struct cmd *c = &s->cmds[s->n];
	memset(c, 0, sizeof *c);
	c->line = s->line;
	c->pid_task = -1;
	c->file = -1;
	c->bind = -1;
	const char *w = tok[0];
	snprintf(c->verb, sizeof c->verb, "%s", strlen(w) < sizeof c->verb ? w : "?");

	if (ntok >= 2 && !strcmp(tok[1], "=")) {
		nargs(s, ntok, 3, MAX_TOKENS, tok[0]);
		if (!strcmp(tok[2], "mmap")) {
			snprintf(c->verb, sizeof c->verb, "mmap");
			parse_mmap(s, c, tok, ntok);
		} else if (!strcmp(tok[2], "hole")) {
			nargs(s, ntok, 4, 4, "hole");
			snprintf(c->verb, sizeof c->verb, "hole");
			c->k = K_HOLE;
			c->size = size_arg(s, tok[3]);
			c->bind = bind_name(s, tok[0]);
		} else {
			uerr(s, "unknown command '%s'", tok[2]);
		}
	} else if (!strcmp(w, "machine")) {
		c->k = K_MACHINE;
		parse_machine(s, tok, ntok);
	} else if (!strcmp(w, "task")) {
		parse_task(s, c, tok, ntok);
	} else if (!strcmp(w, "fork")) {
		nargs(s, ntok, 2, 2, w);
		c->k = K_FORK;
		name_arg(s, tok[1], "task");
		if (sym_find(&s->tasks, tok[1]) >= 0)
			uerr(s, "task '%s' already exists", tok[1]);
		c->task = sym_add(&s->tasks, tok[1]);
	} else if (!strcmp(w, "use")) {
		nargs(s, ntok, 2, 2, w);
		c->k = K_USE;
		c->task = task_ref(s, tok[1]);
	} else if (!strcmp(w, "file")) {
		nargs(s, ntok, 3, 3, w);
		c->k = K_FILE;
		name_arg(s, tok[1], "file");
		if (sym_find(&s->files, tok[1]) >= 0)
			uerr(s, "file '%s' already exists", tok[1]);
		c->size = size_arg(s, tok[2]);
		c->file = sym_add(&s->files, tok[1]);
	} else if (!strcmp(w, "mprotect")) {
		nargs(s, ntok, 4, 4, w);
		c->k = K_MPROTECT;
		c->addr = addr_arg(s, tok[1]);
		c->size = size_arg(s, tok[2]);
		c->prot = prot_arg(s, tok[3]);
	} else if (!strcmp(w, "write")) {
		nargs(s, ntok, 3, 4, w);
		c->k = K_WRITE;
		c->addr = addr_arg(s, tok[1]);
		c->size = size_arg(s, tok[2]);
		c->byte = 0x5a;
		if (ntok == 4) {
			uint64_t b;
			if (num_u64(tok[3], &b) < 0 || b > 255)
				uerr(s, "write: malformed byte '%s'", tok[3]);
			c->byte = (int)b;
		}
	} else if (!strcmp(w, "move_pages")) {
		parse_move(s, c, tok, ntok);
	} else if (!strcmp(w, "nodes")) {
		nargs(s, ntok, 2, 2, w);
		c->k = K_NODES;
		pages_arg(s, c, tok[1]);
	} else if (!strcmp(w, "migrate_pages")) {
		parse_migrate(s, c, tok, ntok);
	} else if (!strcmp(w, "msync")) {
		nargs(s, ntok, 3, 4, w);
		c->k = K_MSYNC;
		c->addr = addr_arg(s, tok[1]);
		c->size = size_arg(s, tok[2]);
		c->advice = MS_SYNC;
		if (ntok == 4) {
			if (!strcmp(tok[3], "sync"))
				c->advice = MS_SYNC;
			else if (!strcmp(tok[3], "async"))
				c->advice = MS_ASYNC;
			else if (!strcmp(tok[3], "invalidate"))
				c->advice = MS_INVALIDATE;
			else
				uerr(s, "msync: mode must be sync, async or invalidate");
		}
	} else if (!strcmp(w, "fsync")) {
		nargs(s, ntok, 2, 2, w);
		c->k = K_FSYNC;
		c->file = file_ref(s, tok[1]);
	} else if (!strcmp(w, "madvise")) {
		nargs(s, ntok, 4, 4, w);
		c->k = K_MADVISE;
		c->addr = addr_arg(s, tok[1]);
		c->size = size_arg(s, tok[2]);
		c->advice = advice_arg(s, tok[3]);
	} else if (!strcmp(w, "crash")) {
		nargs(s, ntok, 1, 2, w);
		if (ntok == 2 && strcmp(tok[1], "torn"))
			uerr(s, "crash: unknown argument '%s'", tok[1]);
		/* With the power off there is nothing to cut. */
		if (s->crashed)
			uerr(s, "crash: the power is already off (reboot first)");
		s->crashed = true;
		c->k = K_CRASH;
		c->advice = ntok == 2;	/* torn */
	} else if (!strcmp(w, "reboot")) {
		nargs(s, ntok, 1, 1, w);
		c->k = K_REBOOT;
		s->crashed = false;
	} else if (!strcmp(w, "stats")) {
		nargs(s, ntok, 1, 1, w);
		c->k = K_STATS;
	} else {
		size_t i;
		for (i = 0; i < sizeof addr_size_cmds / sizeof addr_size_cmds[0]; i++)
			if (!strcmp(w, addr_size_cmds[i].verb))
				break;
		if (i == sizeof addr_size_cmds / sizeof addr_size_cmds[0])
			uerr(s, "unknown command '%s'", w);
		nargs(s, ntok, 3, 3, w);
		c->k = addr_size_cmds[i].k;
		c->addr = addr_arg(s, tok[1]);
		c->size = size_arg(s, tok[2]);
	}
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
	free(s->bound);
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

char *read_whole_file(const char *path, size_t *len, FILE *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(err, "mmsim: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = xcalloc(1, cap);
	for (;;) {
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (n > MAX_SCENARIO_BYTES) {
			fprintf(err, "mmsim: %s: larger than %u MiB: not a scenario\n", path,
				MAX_SCENARIO_BYTES >> 20);
			fclose(f);
			free(buf);
			return NULL;
		}
		if (n < cap) {
			if (ferror(f)) {
				fprintf(err, "mmsim: %s: read error\n", path);
				fclose(f);
				free(buf);
				return NULL;
			}
			break;
		}
		cap *= 2;
		buf = xrealloc(buf, cap);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* ---- running ------------------------------------------------------------------------ */

struct run {
	struct scenario *s;
	struct mmsim *m;
	struct mmsim_task **task;	/* by task index; NULL: not created or failed */
	uint64_t *hole_next;		/* per task, inherited at fork */
	uint64_t *mval;			/* address of each mapping name */
	int cur;
	FILE *out, *err;
	bool json, first_json;
	bool failed;		/* the simulator failed: scenario_run returns 1 */
};

static void emit(struct run *r, const struct cmd *c, const char *fmt, ...)
{
	char buf[256];
	char *dyn = NULL;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	const char *res = buf;
	if (k >= (int)sizeof buf) {
		dyn = xcalloc(1, (size_t)k + 1);
		va_start(ap, fmt);
		vsnprintf(dyn, (size_t)k + 1, fmt, ap);
		va_end(ap);
		res = dyn;
	}
	if (r->json) {
		fprintf(r->out, "%s\n    {\"line\": %d, \"verb\": \"%s\", \"result\": \"%s\"}",
			r->first_json ? "" : ",", c->line, c->verb, res);
		r->first_json = false;
	} else {
		fprintf(r->out, "%d: %s = %s\n", c->line, c->verb, res);
	}
	free(dyn);
}

static const char *ename(int e)
{
	static __thread char b[24];
	const char *n = e > 0 ? strerrorname_np(e) : NULL;
	if (n)
		return n;
	snprintf(b, sizeof b, "E%d", e);
	return b;
}

static void emit_err(struct run *r, const struct cmd *c, long neg)
{
	emit(r, c, "-1 %s", ename((int)-neg));
}

static void emit_ret(struct run *r, const struct cmd *c, long ret)
{
	if (ret < 0)
		emit_err(r, c, ret);
	else
		emit(r, c, "%ld", ret);
}

static uint64_t resolve(const struct run *r, struct aref a)
{
	return r->mval[a.name] + a.off;
}

static long pid_of(const struct run *r, const struct cmd *c)
{
	if (c->pid_task < 0)
		return c->pid_lit;
	struct mmsim_task *t = r->task[c->pid_task];
	return t ? mmsim_task_pid(t) : DEAD_PID;
}

static void run_task(struct run *r, const struct cmd *c)
{
	struct mmsim_task_attr a;
	mmsim_task_attr_default(&a);
	a.name = r->s->tasks.v[c->task];
	a.uid = c->uid;
	a.caps = c->caps ? MMSIM_CAPS_ALL : 0;
	a.cpu = c->cpu;
	a.mems = c->mems;
	if (c->mems_bad || (c->has_mems && !c->mems)) {
		emit_err(r, c, -EINVAL);
		return;
	}
	int err = mmsim_task_create(r->m, &a, &r->task[c->task]);
	if (err) {
		r->task[c->task] = NULL;
		emit_err(r, c, err);
		return;
	}
	r->hole_next[c->task] = HOLE_BASE;
}

static void run_hole(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t len = c->size ? c->size : 1;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (len < c->size) {
		r->mval[c->bind] = UINT64_MAX;
		emit_err(r, c, -ENOMEM);
		return;
	}
	uint64_t step = ((len + HOLE_GAP - 1) & ~(HOLE_GAP - 1)) + HOLE_GAP;
	uint64_t *next = &r->hole_next[r->cur];
	for (int tries = 0; tries < 4096; tries++) {
		long a = mmsim_sys_mmap(t, *next, len, PROT_NONE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
						MAP_FIXED_NOREPLACE, -1, 0);
		if (a == -EEXIST) {
			*next += step;
			continue;
		}
		if (a < 0) {
			r->mval[c->bind] = UINT64_MAX;
			emit_err(r, c, a);
			return;
		}
		mmsim_sys_munmap(t, (uint64_t)a, len);
		r->mval[c->bind] = (uint64_t)a;
		*next = (uint64_t)a + step;
		return;
	}
	r->mval[c->bind] = UINT64_MAX;
	emit_err(r, c, -ENOMEM);
}

static void fnv_page(void *arg, const uint8_t *b, uint64_t n)
{
	uint64_t h = *(uint64_t *)arg;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	*(uint64_t *)arg = h;
}

static void run_access(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t addr = resolve(r, c->addr), fault = 0, h = FNV_BASIS;
	int sig = c->k == K_WRITE ? mmsim_fill(t, addr, c->byte, c->size, &fault)
				  : mmsim_load_each(t, addr, c->size, fnv_page, &h, &fault);
	if (sig)
		emit(r, c, "%s +%llup", sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
		     (unsigned long long)((fault - addr) / PAGE));
	else if (c->k == K_WRITE)
		emit(r, c, "ok");
	else
		emit(r, c, "ok fnv=%016llx", (unsigned long long)h);
}

static void append(char **buf, size_t *len, size_t *cap, const char *str)
{
	size_t n = strlen(str);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, str, n + 1);
	*len += n;
}

static void run_move(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t n = c->npages, k = 0;
	uint64_t *pages = xcalloc(n, sizeof *pages);
	int *nodes = NULL, *status = xcalloc(n, sizeof *status);
	for (int i = 0; i < c->nitems; i++) {
		uint64_t base = resolve(r, c->items[i].a);
		for (uint64_t j = 0; j < c->items[i].n; j++)
			pages[k++] = base + j * PAGE;
	}
	if (c->k == K_MOVE && c->to) {
		nodes = xcalloc(n, sizeof *nodes);
		for (uint64_t i = 0; i < n; i++)
			nodes[i] = c->nto == 1 ? c->to[0] : c->to[i];
	}
	for (uint64_t i = 0; i < n; i++)
		status[i] = STATUS_UNSET;
	long ret = mmsim_sys_move_pages(t, c->k == K_MOVE ? (int)pid_of(r, c) : 0,
					(unsigned long)n, pages, nodes, status,
					c->k == K_MOVE ? c->flags : 0);
	if (ret < 0) {
		emit_err(r, c, ret);
	} else {
		char *buf = NULL, item[32];
		size_t len = 0, cap = 0;
		if (c->k == K_MOVE) {
			snprintf(item, sizeof item, "%ld status=", ret);
			append(&buf, &len, &cap, item);
		}
		append(&buf, &len, &cap, "[");
		for (uint64_t i = 0; i < n; i++) {
			const char *sep = i ? "," : "";
			if (status[i] == STATUS_UNSET)
				snprintf(item, sizeof item, "%s?", sep);
			else if (status[i] >= 0)
				snprintf(item, sizeof item, "%s%d", sep, status[i]);
			else
				snprintf(item, sizeof item, "%s%s", sep, ename(-status[i]));
			append(&buf, &len, &cap, item);
		}
		append(&buf, &len, &cap, "]");
		emit(r, c, "%s", buf);
		free(buf);
	}
	free(pages);
	free(nodes);
	free(status);
}

static void off_str(char *b, size_t n, uint64_t off)
{
	if (off % PAGE == 0)
		snprintf(b, n, "%llup", (unsigned long long)(off / PAGE));
	else
		snprintf(b, n, "%llu", (unsigned long long)off);
}

static void run_vmas(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t a = resolve(r, c->addr);
	uint64_t e = a + c->size < a ? UINT64_MAX : a + c->size;
	int n = mmsim_task_vmas(t, a, e, NULL, 0);
	struct mmsim_vma_info *v = xcalloc((size_t)n, sizeof *v);
	n = mmsim_task_vmas(t, a, e, v, n);
	char *buf = NULL, item[96], s1[32], s2[32];
	size_t len = 0, cap = 0;
	append(&buf, &len, &cap, n ? "" : "[]");
	for (int i = 0; i < n; i++) {
		uint64_t lo = v[i].start > a ? v[i].start : a;
		uint64_t hi = v[i].end < e ? v[i].end : e;
		off_str(s1, sizeof s1, lo - a);
		off_str(s2, sizeof s2, hi - a);
		snprintf(item, sizeof item, "%s[%s,%s) %s", i ? " " : "", s1, s2, v[i].perms);
		append(&buf, &len, &cap, item);
	}
	emit(r, c, "%s", buf);
	free(buf);
	free(v);
}

static void run_stats(struct run *r, const struct cmd *c)
{
	struct mmsim_counters k;
	char *buf = NULL, item[64];
	size_t len = 0, cap = 0;
	mmsim_counters_machine(r->m, &k);
	append(&buf, &len, &cap, "");
	for (unsigned i = 0; mmsim_counter_name(i); i++) {
		snprintf(item, sizeof item, "%s%s=%llu", i ? " " : "", mmsim_counter_name(i),
			 (unsigned long long)mmsim_counter_value(&k, i));
		append(&buf, &len, &cap, item);
	}
	emit(r, c, "%s", buf);
	free(buf);
}

/* ---- files ---------------------------------------------------------------------- */

/* The reference interpreter creates files from its driver, outside every
 * task: here task main (which a reboot brings back) stands in for it. */
static struct mmsim_task *file_task(struct run *r)
{
	return r->task[0];
}

static void run_file(struct run *r, const struct cmd *c)
{
	struct mmsim_task *t = file_task(r);
	if (!t) {
		emit_err(r, c, -ESRCH);
		return;
	}
	long fd = mmsim_sys_open(t, r->s->files.v[c->file],
				 MMSIM_O_RDWR | MMSIM_O_CREAT | MMSIM_O_TRUNC, 0666);
	if (fd < 0) {
		emit_err(r, c, fd);
		return;
	}
	long ret = mmsim_sys_ftruncate(t, (int)fd, c->size);
	mmsim_sys_close(t, (int)fd);
	if (ret < 0)
		emit_err(r, c, ret);
}

/* mmap file=: the file opened read-write, mapped, closed again. */
static long mmap_file(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	long fd = mmsim_sys_open(t, r->s->files.v[c->file], MMSIM_O_RDWR, 0);
	if (fd < 0)
		return fd;
	long ret = mmsim_sys_mmap(t, 0, c->size, c->prot, c->mflags, (int)fd, c->offset);
	mmsim_sys_close(t, (int)fd);
	return ret;
}

static void run_fsync(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	long fd = mmsim_sys_open(t, r->s->files.v[c->file], MMSIM_O_RDWR, 0);
	long ret = fd < 0 ? fd : mmsim_sys_fsync(t, (int)fd);
	if (fd >= 0)
		mmsim_sys_close(t, (int)fd);
	if (ret < 0)
		emit_err(r, c, ret);
	else
		emit(r, c, "0");
}

static void run_crash(struct run *r, const struct cmd *c)
{
	/* The tear point comes from the line: a scenario crashes alike
	 * every time it runs. */
	int err = mmsim_crash(r->m, c->advice, 0x9e3779b97f4a7c15ull * (uint64_t)c->line);
	if (err) {
		fprintf(r->err, "%s:%d: crash: %s\n", r->s->name, c->line, strerror(-err));
		r->failed = true;
	}
}

static int start_main(struct run *r)
{
	struct mmsim_task_attr a;
	mmsim_task_attr_default(&a);
	a.name = "main";
	int e = mmsim_task_create(r->m, &a, &r->task[0]);
	if (e)
		r->task[0] = NULL;
	r->hole_next[0] = HOLE_BASE;
	r->cur = 0;
	return e;
}

/* Every task is gone (their names now name nothing: -1 ESRCH), files
 * remain; main starts again and is the current task. */
static void run_reboot(struct run *r, const struct cmd *c)
{
	uint64_t replayed = 0;
	char why[256] = "";
	int err = mmsim_reboot(r->m, &replayed, why, sizeof why);
	for (int i = 0; i < r->s->tasks.n; i++)
		r->task[i] = NULL;
	if (err) {
		if (why[0])
			fprintf(stderr, "%s:%d: reboot: %s\n", r->s->name, c->line, why);
		emit_err(r, c, err);
	} else {
		emit(r, c, "ok replayed=%llu", (unsigned long long)replayed);
	}
	start_main(r);
}

static void run_cmd(struct run *r, const struct cmd *c)
{
	switch (c->k) {
	case K_MACHINE:
		return;
	case K_USE:
		r->cur = c->task;
		return;
	case K_TASK:
		run_task(r, c);
		return;
	case K_FILE:
		run_file(r, c);
		return;
	case K_CRASH:
		run_crash(r, c);
		return;
	case K_REBOOT:
		run_reboot(r, c);
		return;
	case K_STATS:
		run_stats(r, c);
		return;
	default:
		break;
	}
	struct mmsim_task *t = r->task[r->cur];
	if (!t) {
		if (c->k == K_MMAP || c->k == K_HOLE)
			r->mval[c->bind] = UINT64_MAX;
		emit_err(r, c, -ESRCH);
		return;
	}
	uint64_t a = c->k == K_MMAP || c->k == K_HOLE || c->k == K_FORK || c->k == K_MOVE ||
			     c->k == K_NODES || c->k == K_MIGRATE
		     ? 0
		     : resolve(r, c->addr);
	long ret;
	switch (c->k) {
	case K_FORK: {
		int err = mmsim_fork(t, r->s->tasks.v[c->task], &r->task[c->task]);
		if (err) {
			r->task[c->task] = NULL;
			emit_err(r, c, err);
		} else {
			r->hole_next[c->task] = r->hole_next[r->cur];
		}
		break;
	}
	case K_MMAP:
		ret = c->file >= 0 ? mmap_file(r, c, t)
				   : mmsim_sys_mmap(t, 0, c->size, c->prot, c->mflags, -1, c->offset);
		r->mval[c->bind] = ret < 0 ? UINT64_MAX : (uint64_t)ret;
		if (ret < 0)
			emit_err(r, c, ret);
		else
			emit(r, c, "ok");
		break;
	case K_HOLE:
		run_hole(r, c, t);
		break;
	case K_MUNMAP:
		emit_ret(r, c, mmsim_sys_munmap(t, a, c->size));
		break;
	case K_MPROTECT:
		emit_ret(r, c, mmsim_sys_mprotect(t, a, c->size, c->prot));
		break;
	case K_MLOCK:
		emit_ret(r, c, mmsim_sys_mlock(t, a, c->size));
		break;
	case K_MUNLOCK:
		emit_ret(r, c, mmsim_sys_munlock(t, a, c->size));
		break;
	case K_MSYNC:
		emit_ret(r, c, mmsim_sys_msync(t, a, c->size, c->advice));
		break;
	case K_FSYNC:
		run_fsync(r, c, t);
		break;
	case K_MADVISE:
		emit_ret(r, c, mmsim_sys_madvise(t, a, c->size, c->advice));
		break;
	case K_WRITE:
	case K_READ:
		run_access(r, c, t);
		break;
	case K_MOVE:
	case K_NODES:
		run_move(r, c, t);
		break;
	case K_MIGRATE:
		emit_ret(r, c, mmsim_sys_migrate_pages(t, (int)pid_of(r, c),
						       (unsigned long)c->mwords * 64 + 1, c->masks,
						       c->masks + c->mwords));
		break;
	case K_VMAS:
		run_vmas(r, c, t);
		break;
	default:
		break;
	}
}

int scenario_run(struct scenario *s, FILE *out, FILE *err, bool json)
{
	struct run r = { 0 };
	r.s = s;
	r.out = out;
	r.err = err;
	r.json = json;
	r.first_json = true;
	int e = mmsim_create(&s->cfg, &r.m);
	if (e) {
		fprintf(err, "%s: cannot create the machine: %s\n", s->name, strerror(-e));
		return 1;
	}
	r.task = xcalloc((size_t)s->tasks.n, sizeof *r.task);
	r.hole_next = xcalloc((size_t)s->tasks.n, sizeof *r.hole_next);
	r.mval = xcalloc((size_t)s->maps.n, sizeof *r.mval);
	if (s->disk_dir) {
		char why[256] = "";
		e = mmsim_disks_attach(r.m, s->disk_dir, NULL, why, sizeof why);
		if (e) {
			fprintf(err, "%s: cannot use the disks in %s: %s\n", s->name, s->disk_dir,
				why[0] ? why : strerror(-e));
			mmsim_destroy(r.m);
			free(r.task);
			free(r.hole_next);
			free(r.mval);
			return 1;
		}
	}
	e = start_main(&r);
	if (e) {
		fprintf(err, "%s: cannot create task main: %s\n", s->name, strerror(-e));
		mmsim_destroy(r.m);
		free(r.task);
		free(r.hole_next);
		free(r.mval);
		return 1;
	}
	if (json)
		fprintf(out, "{\n  \"scenario\": \"%s\",\n  \"results\": [", s->name);
	for (int i = 0; i < s->n; i++)
		run_cmd(&r, &s->cmds[i]);
	if (json)
		fprintf(out, "\n  ]\n}\n");
	mmsim_destroy(r.m);
	free(r.task);
	free(r.hole_next);
	free(r.mval);
	return r.failed ? 1 : 0;
}
