/*
 * scenario_run.c - the scenario language's runner: the parsed commands in
 * order on a new machine, each printing at most one line
 * "<line>: <verb> = <result>" (or, with --json, one JSON object per line:
 * scenario_json.c).
 *
 * The results are a contract with Linux (docs/scenarios.md, and the
 * reference interpreter in oracle/): names bound by mmap and hole hold
 * one address for the whole scenario whichever task uses them, a failed
 * mmap binds all ones, and tasks created by `task`, `fork` or `thread`
 * run only after `use`.  A thread is a task of its own (its CPU, its
 * memory policy, its pid) sharing its process's address space, and its
 * process's holes: the reference interpreter keeps one hole cursor per
 * process.
 */
#include "scenario.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "scenario_impl.h"
#include "util.h"

#define STATUS_UNSET (-12345)
#define HOLE_BASE 0x100000000000ULL
#define HOLE_GAP (2ULL << 20)
#define DEAD_PID INT_MAX

struct run {
	struct scenario *s;
	struct mmsim *m;
	struct mmsim_task **task;	/* by task index; NULL: not created or failed */
	int *group;			/* by task index: the task whose process it is a thread of */
	int *cpu;			/* by task index: the CPU it runs on */
	uint64_t *hole_next;		/* per process (group), inherited at fork */
	uint64_t *mval;			/* address of each mapping name */
	int cur;
	FILE *out, *err;
	bool json;		/* each result as a JSON line */
	bool summary;		/* status arrays as counts per node and errno */
	bool failed;		/* the simulator failed: scenario_run returns 1 */
	struct mmsim_task *running;	/* the task of the command running, if any */
	struct mmsim_cgroup **cgroup;	/* by cgroup index; NULL: not made */
	struct mmsim_cpuset **cpuset;	/* by task index: the cpuset its mems= made */
	bool emitted;		/* the command running printed its result */
	struct mmsim_vmstat vmstat_base;	/* `vmstat` prints the change since the start */
};

/* ---- results --------------------------------------------------------------------- */

static void emit_line(struct run *r, const struct cmd *c, const char *res)
{
	/* A task the OOM killer took during its command: the command's
	 * result is that (the reference interpreter's `killed`). */
	if (r->running && mmsim_task_killed(r->running))
		res = "killed";
	r->emitted = true;
	if (!r->json) {
		fprintf(r->out, "%d: %s = %s\n", c->line, c->verb->name, res);
		return;
	}
	scenario_json_result(r->out, r->s->name, c->line, c->verb->name, res);
}

__attribute__((format(printf, 3, 4)))
static void emit(struct run *r, const struct cmd *c, const char *fmt, ...)
{
	char buf[256];
	char *dyn = NULL;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (k >= (int)sizeof buf) {
		dyn = xcalloc(1, (size_t)k + 1);
		va_start(ap, fmt);
		vsnprintf(dyn, (size_t)k + 1, fmt, ap);
		va_end(ap);
	}
	emit_line(r, c, dyn ? dyn : buf);
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

/* A growing result string. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

static void append(struct strbuf *b, const char *str)
{
	size_t n = strlen(str);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, str, n + 1);
	b->len += n;
}

static uint64_t resolve(const struct run *r, struct aref a)
{
	return r->mval[a.name] + a.off;
}

static long pid_of(const struct run *r, const struct pid_ref *pid)
{
	if (pid->task < 0)
		return pid->lit;
	struct mmsim_task *t = r->task[pid->task];
	return t ? mmsim_task_pid(t) : DEAD_PID;
}

/* ---- tasks ----------------------------------------------------------------------- */

void run_nothing(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
}

void run_task(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	const struct task_args *ta = &c->task;
	struct mmsim_task_attr a;
	mmsim_task_attr_default(&a);
	a.name = r->s->tasks.v[ta->task];
	a.uid = ta->uid;
	a.caps = ta->caps ? MMSIM_CAPS_ALL : 0;
	a.cpu = ta->cpu;
	a.mems = ta->mems;
	if (ta->mems_bad || (ta->has_mems && !ta->mems)) {
		emit_err(r, c, -EINVAL);
		return;
	}
	int err = mmsim_task_create(r->m, &a, &r->task[ta->task]);
	/* cgroup=: the task joins it before it runs anything. */
	if (!err && ta->cgroup >= 0) {
		struct mmsim_cgroup *cg = r->cgroup[ta->cgroup];
		err = cg ? mmsim_cgroup_attach(cg, r->task[ta->task]) : -ENOENT;
		if (err)
			mmsim_task_exit(r->task[ta->task]);
	}
	if (err) {
		r->task[ta->task] = NULL;
		emit_err(r, c, err);
		return;
	}
	r->hole_next[ta->task] = HOLE_BASE;
	r->cpuset[ta->task] = mmsim_task_cpuset(r->task[ta->task]);
	r->group[ta->task] = ta->task;
	r->cpu[ta->task] = ta->cpu;
}

void run_fork(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	int child = c->task.task;
	int err = mmsim_fork(t, r->s->tasks.v[child], &r->task[child]);
	if (err) {
		r->task[child] = NULL;
		emit_err(r, c, err);
	} else {
		r->hole_next[child] = r->hole_next[r->group[r->cur]];
		r->group[child] = child;
		r->cpu[child] = r->cpu[r->cur];
	}
}

void run_thread(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	int th = c->task.task;
	int cpu = c->task.cpu >= 0 ? c->task.cpu : r->cpu[r->cur];
	int err = mmsim_thread_create(t, r->s->tasks.v[th], cpu, &r->task[th]);
	if (err) {
		r->task[th] = NULL;
		emit_err(r, c, err);
		return;
	}
	r->group[th] = r->group[r->cur];
	r->cpu[th] = cpu;
}

/* A thread ends alone; a process ends with all its threads (exit_group),
 * the address space going with the last of them.  Their names then run
 * nothing (-1 ESRCH), and pid= of them is no process. */
void run_exit(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	int me = r->cur;
	if (r->group[me] == me) {
		for (int i = 0; i < r->s->tasks.n; i++) {
			if (i != me && r->task[i] && r->group[i] == me) {
				mmsim_task_exit(r->task[i]);
				r->task[i] = NULL;
			}
		}
	}
	mmsim_task_exit(t);
	r->task[me] = NULL;
}

void run_use(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	r->cur = c->task.task;
}

/* ---- mappings -------------------------------------------------------------------- */

/* mmap file=: the file opened read-write, mapped, closed again. */
static long mmap_file(struct run *r, const struct mmap_args *a, struct mmsim_task *t)
{
	long fd = mmsim_sys_open(t, r->s->files.v[a->file], MMSIM_O_RDWR, 0);
	if (fd < 0)
		return fd;
	long ret = mmsim_sys_mmap(t, 0, a->size, a->prot, a->flags, (int)fd, a->offset);
	mmsim_sys_close(t, (int)fd);
	return ret;
}

void run_mmap(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	const struct mmap_args *a = &c->mmap;
	long ret = a->file >= 0 ? mmap_file(r, a, t)
				: mmsim_sys_mmap(t, 0, a->size, a->prot, a->flags, -1, a->offset);
	r->mval[c->bind] = ret < 0 ? UINT64_MAX : (uint64_t)ret;
	if (ret < 0)
		emit_err(r, c, ret);
	else
		emit(r, c, "ok");
}

/* An address range nothing is mapped at, found by trying at growing
 * addresses above HOLE_BASE (per task) and unmapped again. */
void run_hole(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t size = c->mmap.size, len = size ? size : 1;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (len < size) {
		r->mval[c->bind] = UINT64_MAX;
		emit_err(r, c, -ENOMEM);
		return;
	}
	uint64_t step = ((len + HOLE_GAP - 1) & ~(HOLE_GAP - 1)) + HOLE_GAP;
	uint64_t *next = &r->hole_next[r->group[r->cur]];
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

void run_munmap(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	emit_ret(r, c, mmsim_sys_munmap(t, resolve(r, c->range.addr), c->range.size));
}

void run_mprotect(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	emit_ret(r, c, mmsim_sys_mprotect(t, resolve(r, c->range.addr), c->range.size,
					  c->range.prot));
}

void run_mlock(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	emit_ret(r, c, mmsim_sys_mlock(t, resolve(r, c->range.addr), c->range.size));
}

void run_munlock(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	emit_ret(r, c, mmsim_sys_munlock(t, resolve(r, c->range.addr), c->range.size));
}

void run_msync(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	emit_ret(r, c, mmsim_sys_msync(t, resolve(r, c->range.addr), c->range.size,
				       c->range.mode));
}

void run_madvise(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	emit_ret(r, c, mmsim_sys_madvise(t, resolve(r, c->range.addr), c->range.size,
					 c->range.advice));
}

static void off_str(char *b, size_t n, uint64_t off)
{
	if (off % PAGE == 0)
		snprintf(b, n, "%llup", (unsigned long long)(off / PAGE));
	else
		snprintf(b, n, "%llu", (unsigned long long)off);
}

void run_vmas(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t a = resolve(r, c->range.addr);
	uint64_t e = a + c->range.size < a ? UINT64_MAX : a + c->range.size;
	int n = mmsim_task_vmas(t, a, e, NULL, 0);
	struct mmsim_vma_info *v = xcalloc((size_t)n, sizeof *v);
	n = mmsim_task_vmas(t, a, e, v, n);
	struct strbuf b = { 0 };
	char item[96], s1[32], s2[32];
	append(&b, n ? "" : "[]");
	for (int i = 0; i < n; i++) {
		uint64_t lo = v[i].start > a ? v[i].start : a;
		uint64_t hi = v[i].end < e ? v[i].end : e;
		off_str(s1, sizeof s1, lo - a);
		off_str(s2, sizeof s2, hi - a);
		snprintf(item, sizeof item, "%s[%s,%s) %s", i ? " " : "", s1, s2, v[i].perms);
		append(&b, item);
	}
	emit(r, c, "%s", b.buf);
	free(b.buf);
	free(v);
}

/* An offset from base, negative below it ("-4p"). */
static void soff_str(char *b, size_t n, uint64_t at, uint64_t base)
{
	if (at >= base) {
		off_str(b, n, at - base);
	} else {
		b[0] = '-';
		off_str(b + 1, n - 1, base - at);
	}
}

void run_numa_maps(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t a = resolve(r, c->range.addr);
	uint64_t e = a + c->range.size < a ? UINT64_MAX : a + c->range.size;
	int n = mmsim_numa_maps(t, a, e, NULL, 0);
	struct mmsim_numa_maps *v = xcalloc((size_t)n, sizeof *v);
	struct strbuf b = { 0 };
	char off[32];

	n = mmsim_numa_maps(t, a, e, v, n);
	append(&b, n ? "" : "none");
	for (int i = 0; i < n; i++) {
		char line[1024 + 80];

		mmsim_numa_maps_format(&v[i], line, sizeof line);
		soff_str(off, sizeof off, v[i].start, a);
		append(&b, i ? " | [" : "[");
		append(&b, off);
		append(&b, "]");
		append(&b, strchr(line, ' '));	/* the line without its address */
	}
	emit(r, c, "%s", b.buf);
	free(b.buf);
	free(v);
}

void run_smaps(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t a = resolve(r, c->range.addr);
	uint64_t e = a + c->range.size < a ? UINT64_MAX : a + c->range.size;
	int n = mmsim_smaps(t, a, e, NULL, 0);
	struct mmsim_smaps *v = xcalloc((size_t)n, sizeof *v);
	struct strbuf b = { 0 };
	char item[96], s1[32], s2[32];

	n = mmsim_smaps(t, a, e, v, n);
	append(&b, n ? "" : "none");
	for (int i = 0; i < n; i++) {
		soff_str(s1, sizeof s1, v[i].start, a);
		soff_str(s2, sizeof s2, v[i].end, a);
		snprintf(item, sizeof item, "%s[%s,%s)", i ? " | " : "", s1, s2);
		append(&b, item);
		for (unsigned k = MMSIM_SMAPS_Rss; k < MMSIM_SMAPS_NR; k++) {
			if (!v[i].kb[k])
				continue;
			snprintf(item, sizeof item, " %s=%llu", mmsim_smaps_field_name(k),
				 (unsigned long long)v[i].kb[k]);
			append(&b, item);
		}
		snprintf(item, sizeof item, " THPeligible=%d VmFlags=", v[i].thp_eligible);
		append(&b, item);
		for (char *p = v[i].vmflags; *p; p++)
			if (*p == ' ')
				*p = ',';
		append(&b, v[i].vmflags);
	}
	emit(r, c, "%s", b.buf);
	free(b.buf);
	free(v);
}

void run_distance(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	struct strbuf b = { 0 };
	char item[24];
	unsigned nodes = mmsim_config_of(r->m)->nodes;

	(void)t;
	append(&b, "");
	for (unsigned a = 0; a < nodes; a++) {
		snprintf(item, sizeof item, "%snode%u=", a ? " " : "", a);
		append(&b, item);
		for (unsigned d = 0; d < nodes; d++) {
			snprintf(item, sizeof item, "%s%d", d ? "," : "", mmsim_node_distance(r->m, a, d));
			append(&b, item);
		}
	}
	emit(r, c, "%s", b.buf);
	free(b.buf);
}

void run_vmstat(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	struct mmsim_vmstat now;
	struct strbuf b = { 0 };
	char item[64];

	(void)t;
	mmsim_vmstat(r->m, &now);
	append(&b, "");
	for (unsigned i = 0; i < MMSIM_VMSTAT_SCENARIO_NR; i++) {
		if (now.ev[i] == r->vmstat_base.ev[i])
			continue;
		snprintf(item, sizeof item, "%s%s=%lld", b.buf[0] ? " " : "", mmsim_vmstat_name(i),
			 (long long)(now.ev[i] - r->vmstat_base.ev[i]));
		append(&b, item);
	}
	emit(r, c, "%s", b.buf[0] ? b.buf : "none");
	free(b.buf);
}

/* ---- memory ---------------------------------------------------------------------- */

static void fnv_page(void *arg, const uint8_t *b, uint64_t n)
{
	uint64_t h = *(uint64_t *)arg;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	*(uint64_t *)arg = h;
}

/* The first page that faulted, counted from addr. */
static void emit_signal(struct run *r, const struct cmd *c, int sig, uint64_t addr,
			uint64_t fault)
{
	emit(r, c, "%s +%llup", sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
	     (unsigned long long)((fault - addr) / PAGE));
}

void run_write(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t addr = resolve(r, c->range.addr), fault = 0;
	int sig = mmsim_fill(t, addr, c->range.byte, c->range.size, &fault);
	if (sig)
		emit_signal(r, c, sig, addr, fault);
	else
		emit(r, c, "ok");
}

void run_read(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t addr = resolve(r, c->range.addr), fault = 0, h = FNV_BASIS;
	int sig = mmsim_load_each(t, addr, c->range.size, fnv_page, &h, &fault);
	if (sig)
		emit_signal(r, c, sig, addr, fault);
	else
		emit(r, c, "ok fnv=%016llx", (unsigned long long)h);
}

/* A status array: node numbers, error names, ? where none was written. */
static void append_status(struct strbuf *b, const int *status, uint64_t n)
{
	char item[32];
	append(b, "[");
	for (uint64_t i = 0; i < n; i++) {
		const char *sep = i ? "," : "";
		if (status[i] == STATUS_UNSET)
			snprintf(item, sizeof item, "%s?", sep);
		else if (status[i] >= 0)
			snprintf(item, sizeof item, "%s%d", sep, status[i]);
		else
			snprintf(item, sizeof item, "%s%s", sep, ename(-status[i]));
		append(b, item);
	}
	append(b, "]");
}

/*
 * A status array summed up (`mmsim run --summary`, never the contract's
 * form): `pages=N`, then `N<node>=K` for each node holding entries in node
 * order, `ERRNO=K` for each error in errno order, `unset=K` for entries
 * not written.  Counts of zero are left out but pages=.
 */
static void append_summary(struct strbuf *b, const int *status, uint64_t n)
{
	uint64_t nodes[MMSIM_MAX_NODES] = { 0 }, unset = 0, other = 0;
	uint64_t *errs = xcalloc(4096, sizeof *errs);	/* by errno */
	char item[48];

	for (uint64_t i = 0; i < n; i++) {
		int st = status[i];

		if (st == STATUS_UNSET)
			unset++;
		else if (st >= 0 && st < MMSIM_MAX_NODES)
			nodes[st]++;
		else if (st < 0 && st > -4096)
			errs[-st]++;
		else
			other++;	/* no node the machine has: never expected */
	}
	snprintf(item, sizeof item, "pages=%llu", (unsigned long long)n);
	append(b, item);
	for (int k = 0; k < MMSIM_MAX_NODES; k++) {
		if (nodes[k]) {
			snprintf(item, sizeof item, " N%d=%llu", k, (unsigned long long)nodes[k]);
			append(b, item);
		}
	}
	for (int k = 1; k < 4096; k++) {
		if (errs[k]) {
			snprintf(item, sizeof item, " %s=%llu", ename(k), (unsigned long long)errs[k]);
			append(b, item);
		}
	}
	if (unset) {
		snprintf(item, sizeof item, " unset=%llu", (unsigned long long)unset);
		append(b, item);
	}
	if (other) {
		snprintf(item, sizeof item, " other=%llu", (unsigned long long)other);
		append(b, item);
	}
	free(errs);
}

/* move_pages (move) or its query form (nodes: no target nodes, pid 0). */
static void move_or_query(struct run *r, const struct cmd *c, struct mmsim_task *t, bool move)
{
	const struct pages_args *p = &c->pages;
	uint64_t n = p->npages, k = 0;
	uint64_t *pages = xcalloc(n, sizeof *pages);
	int *nodes = NULL, *status = xcalloc(n, sizeof *status);
	for (int i = 0; i < p->nitems; i++) {
		uint64_t base = resolve(r, p->items[i].a);
		for (uint64_t j = 0; j < p->items[i].n; j++)
			pages[k++] = base + j * PAGE;
	}
	if (move && p->to) {
		nodes = xcalloc(n, sizeof *nodes);
		for (uint64_t i = 0; i < n; i++)
			nodes[i] = p->nto == 1 ? p->to[0] : p->to[i];
	}
	for (uint64_t i = 0; i < n; i++)
		status[i] = STATUS_UNSET;
	long ret = mmsim_sys_move_pages(t, move ? (int)pid_of(r, &p->pid) : 0, (unsigned long)n,
					pages, nodes, status, move ? p->flags : 0);
	if (ret < 0) {
		emit_err(r, c, ret);
	} else {
		struct strbuf b = { 0 };
		char item[32];
		if (move) {
			snprintf(item, sizeof item, r->summary ? "%ld " : "%ld status=", ret);
			append(&b, item);
		}
		if (r->summary)
			append_summary(&b, status, n);
		else
			append_status(&b, status, n);
		emit(r, c, "%s", b.buf);
		free(b.buf);
	}
	free(pages);
	free(nodes);
	free(status);
}

void run_move_pages(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	move_or_query(r, c, t, true);
}

void run_nodes(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	move_or_query(r, c, t, false);
}

void run_migrate_pages(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	const struct migrate_args *a = &c->migrate;
	emit_ret(r, c, mmsim_sys_migrate_pages(t, (int)pid_of(r, &a->pid),
					       (unsigned long)a->mwords * 64 + 1, a->masks,
					       a->masks + a->mwords));
}

/* ---- memory policies ---- */

static void mpol_maxnode(const struct mpol_args *a, const uint64_t **mask, unsigned long *maxnode)
{
	*mask = a->masks;
	*maxnode = a->masks ? (unsigned long)a->mwords * 64 + 1 : 0;
}

void run_set_mempolicy(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	const uint64_t *mask;
	unsigned long maxnode;
	mpol_maxnode(&c->mpol, &mask, &maxnode);
	emit_ret(r, c, mmsim_sys_set_mempolicy(t, (int)c->mpol.mode, mask, maxnode));
}

void run_mbind(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	const uint64_t *mask;
	unsigned long maxnode;
	mpol_maxnode(&c->mpol, &mask, &maxnode);
	emit_ret(r, c, mmsim_sys_mbind(t, resolve(r, c->mpol.addr), c->mpol.size,
				       (unsigned long)(unsigned)c->mpol.mode, mask, maxnode,
				       (unsigned)c->mpol.flags));
}

/* A node mask as the contract prints it: "0-1,3" or "none". */
static void append_nodes(struct strbuf *b, uint64_t mask)
{
	char list[256];
	mmsim_nodelist_format(mask, list, sizeof list);
	append(b, list[0] ? list : "none");
}

void run_get_mempolicy(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	int mode = 0;
	uint64_t mask = 0;	/* maxnode 65: one word, as the reference passes */
	long ret = mmsim_sys_get_mempolicy(t, &mode, &mask, 65,
					   c->mpol.has_addr ? resolve(r, c->mpol.addr) : 0,
					   c->mpol.flags);
	if (ret < 0) {
		emit_err(r, c, ret);
		return;
	}
	struct strbuf b = { 0 };
	char item[48];
	snprintf(item, sizeof item, "%ld ", ret);
	append(&b, item);
	if (c->mpol.flags & 4) {
		append(&b, "nodes=");
		append_nodes(&b, mask);
	} else if (c->mpol.flags & 1) {
		snprintf(item, sizeof item, "node=%d", mode);
		append(&b, item);
	} else {
		unsigned all = (unsigned)(mpol_flag_vals[0] | mpol_flag_vals[1] | mpol_flag_vals[2]);
		unsigned base = (unsigned)mode & ~all;
		if (base < MPOL_NAMES)
			snprintf(item, sizeof item, "mode=%s", mpol_mode_names[base]);
		else
			snprintf(item, sizeof item, "mode=%u", base);
		append(&b, item);
		for (int i = 0; i < 3; i++)
			if ((unsigned)mode & (unsigned)mpol_flag_vals[i]) {
				append(&b, "+");
				append(&b, mpol_flag_names[i]);
			}
		append(&b, " nodes=");
		append_nodes(&b, mask);
	}
	emit(r, c, "%s", b.buf);
	free(b.buf);
}

/* ---- memory cgroups ---- */

/* The writes of a cgroup or cgroup_set command: 0 or the first error. */
static int cgroup_writes(struct mmsim_cgroup *cg, const struct cgroup_args *a)
{
	for (int i = 0; i < a->n; i++) {
		int err = mmsim_cgroup_write(cg, a->file[i], a->value[i]);
		if (err)
			return err;
	}
	return 0;
}

void run_cgroup(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	const struct cgroup_args *a = &c->cg;
	struct mmsim_cgroup *parent = a->parent >= 0 ? r->cgroup[a->parent] : NULL;
	int err = a->parent >= 0 && !parent ? -ENOENT : 0;
	if (!err)
		err = mmsim_cgroup_create(r->m, r->s->cgroups.v[a->cgroup], parent,
					  &r->cgroup[a->cgroup]);
	if (!err)
		err = cgroup_writes(r->cgroup[a->cgroup], a);
	if (err)
		emit_err(r, c, err);
}

void run_cgroup_set(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	struct mmsim_cgroup *cg = r->cgroup[c->cg.cgroup];
	emit_ret(r, c, cg ? cgroup_writes(cg, &c->cg) : -ENOENT);
}

void run_memcg(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	struct mmsim_cgroup *cg = r->cgroup[c->cg.cgroup];
	char buf[256];
	if (!cg) {
		emit_err(r, c, -ENOENT);
		return;
	}
	mmsim_cgroup_read(cg, "memory.events", buf, sizeof buf);
	unsigned long long oom = 0, kill = 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, "oom ", 4))
			oom = strtoull(l + 4, NULL, 10);
		else if (!strncmp(l, "oom_kill ", 9))
			kill = strtoull(l + 9, NULL, 10);
	}
	emit(r, c, "oom=%llu oom_kill=%llu", oom, kill);
}

void run_stats(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	struct mmsim_counters k;
	struct strbuf b = { 0 };
	char item[64];
	mmsim_counters_machine(r->m, &k);
	append(&b, "");
	for (unsigned i = 0; mmsim_counter_name(i); i++) {
		snprintf(item, sizeof item, "%s%s=%llu", i ? " " : "", mmsim_counter_name(i),
			 (unsigned long long)mmsim_counter_value(&k, i));
		append(&b, item);
	}
	/* Then each node's meminfo (kB) and numastat counters (pages). */
	for (unsigned n = 0; n < r->s->cfg.nodes; n++) {
		struct mmsim_node_meminfo mi;

		if (mmsim_node_meminfo(r->m, n, &mi))
			break;
		for (unsigned i = 0; i < MMSIM_MEMINFO_NR; i++) {
			snprintf(item, sizeof item, " N%u.%s=%llu", n, mmsim_meminfo_name(i),
				 (unsigned long long)mi.kb[i]);
			append(&b, item);
		}
		for (unsigned i = 0; i < MMSIM_NUMASTAT_NR; i++) {
			snprintf(item, sizeof item, " N%u.%s=%llu", n, mmsim_numastat_name(i),
				 (unsigned long long)mi.numastat[i]);
			append(&b, item);
		}
		/* MGLRU's aging walks of the node, every memcg's lruvec. */
		struct mmsim_lru_gen_mm_state ms;
		if (!mmsim_lru_gen_mm_state_node(r->m, n, &ms))
			for (unsigned i = 0; i < MMSIM_NR_MM_STATS; i++) {
				snprintf(item, sizeof item, " N%u.mm_walk_%s=%llu", n,
					 mmsim_lru_gen_mm_stat_name(i),
					 (unsigned long long)ms.stats[i]);
				append(&b, item);
			}
	}
	/* Then each CPU's data-cache and memory counters: which CPU paid for
	 * remote memory, which the machine's sums hide. */
	for (unsigned cpu = 0; cpu < r->s->cfg.cpus; cpu++) {
		if (mmsim_counters_cpu(r->m, cpu, &k))
			break;
		for (unsigned i = 0; mmsim_counter_name(i); i++) {
			const char *name = mmsim_counter_name(i);
			if (strncmp(name, "cache_", 6) && strncmp(name, "mem_", 4))
				continue;
			snprintf(item, sizeof item, " C%u.%s=%llu", cpu, name,
				 (unsigned long long)mmsim_counter_value(&k, i));
			append(&b, item);
		}
	}
	emit(r, c, "%s", b.buf);
	free(b.buf);
}

/* ---- files and power ------------------------------------------------------------- */

/* The reference interpreter creates files from its driver, outside every
 * task: here task main (which a reboot brings back) stands in for it. */
static struct mmsim_task *file_task(struct run *r)
{
	return r->task[0];
}

void run_file(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	t = file_task(r);
	if (!t) {
		emit_err(r, c, -ESRCH);
		return;
	}
	long fd = mmsim_sys_open(t, r->s->files.v[c->file.file],
				 MMSIM_O_RDWR | MMSIM_O_CREAT | MMSIM_O_TRUNC, 0666);
	if (fd < 0) {
		emit_err(r, c, fd);
		return;
	}
	long ret = mmsim_sys_ftruncate(t, (int)fd, c->file.size);
	mmsim_sys_close(t, (int)fd);
	if (ret < 0)
		emit_err(r, c, ret);
}

void run_fsync(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	long fd = mmsim_sys_open(t, r->s->files.v[c->file.file], MMSIM_O_RDWR, 0);
	long ret = fd < 0 ? fd : mmsim_sys_fsync(t, (int)fd);
	if (fd >= 0)
		mmsim_sys_close(t, (int)fd);
	if (ret < 0)
		emit_err(r, c, ret);
	else
		emit(r, c, "0");
}

void run_swapon(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	(void)t;
	int err = mmsim_swapon(r->m, c->file.size, NULL);
	if (err)
		emit_err(r, c, err);
	else
		emit(r, c, "0");
}

void run_il_weight(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	(void)t;
	int err = mmsim_il_weight_set(r->m, (unsigned)c->file.file,
				      c->file.size > 1000 ? 1000 : (unsigned)c->file.size);
	if (err)
		emit_err(r, c, err);
	else
		emit(r, c, "0");
}

/* Written by the controller, as the reference interpreter writes the
 * cgroup's file: it needs no live task, only the cpuset (ESRCH when the
 * task whose mems= would have made it could not be created). */
void run_cpuset_mems(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	(void)t;
	struct mmsim_cpuset *cs = r->cpuset[c->cpuset.task];
	int err = !cs ? -ESRCH : c->cpuset.bad ? -EINVAL : mmsim_cpuset_set_mems(cs, c->cpuset.mems);
	if (err)
		emit_err(r, c, err);
	else
		emit(r, c, "0");
}

void run_swapoff(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	(void)t;
	int err = mmsim_swapoff(r->m);
	if (err)
		emit_err(r, c, err);
	else
		emit(r, c, "0");
}

void run_crash(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	/* The tear point comes from the line: a scenario crashes alike
	 * every time it runs. */
	int err = mmsim_crash(r->m, c->crash.torn, 0x9e3779b97f4a7c15ull * (uint64_t)c->line);
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
	r->group[0] = 0;
	r->cpu[0] = 0;
	r->cur = 0;
	return e;
}

/* Every task is gone (their names now name nothing: -1 ESRCH), files
 * remain; main starts again and is the current task. */
void run_reboot(struct run *r, const struct cmd *c, struct mmsim_task *t)
{
	uint64_t replayed = 0;
	char why[256] = "";
	int err = mmsim_reboot(r->m, &replayed, why, sizeof why);
	for (int i = 0; i < r->s->tasks.n; i++) {
		r->task[i] = NULL;
		r->cpuset[i] = NULL;	/* gone with the machine */
	}
	if (err) {
		if (why[0])
			fprintf(stderr, "%s:%d: reboot: %s\n", r->s->name, c->line, why);
		emit_err(r, c, err);
	} else {
		emit(r, c, "ok replayed=%llu", (unsigned long long)replayed);
	}
	start_main(r);
}

/* ---- the scenario ---------------------------------------------------------------- */

/* Tasks the OOM killer took exit: their later commands find no task and
 * print -1 ESRCH, as the reference interpreter's do. */
static void reap_killed(struct run *r)
{
	for (int i = 0; i < r->s->tasks.n; i++)
		if (r->task[i] && mmsim_task_killed(r->task[i])) {
			mmsim_task_exit(r->task[i]);
			r->task[i] = NULL;
		}
}

static void run_cmd(struct run *r, const struct cmd *c)
{
	const struct verb *v = c->verb;
	struct mmsim_task *t = NULL;

	if (v->flags & VERB_TASK) {
		t = r->task[r->cur];
		if (!t) {
			if (v->flags & VERB_BINDS)
				r->mval[c->bind] = UINT64_MAX;
			emit_err(r, c, -ESRCH);
			return;
		}
	}
	r->running = t;
	r->emitted = false;
	v->run(r, c, t);
	r->running = NULL;
	/* `exit` has freed t: it is no longer the current task's. */
	if (t && r->task[r->cur] == t && mmsim_task_killed(t)) {
		if (v->flags & VERB_BINDS)
			r->mval[c->bind] = UINT64_MAX;
		if (!r->emitted)
			emit_line(r, c, "killed");
	}
	reap_killed(r);
}

static void run_free(struct run *r)
{
	mmsim_destroy(r->m);
	free(r->task);
	free(r->group);
	free(r->cpu);
	free(r->hole_next);
	free(r->mval);
	free(r->cgroup);
	free(r->cpuset);
}

/* The machine, its disks and task main; 0, or 1 with a message. */
static int run_start(struct run *r)
{
	struct scenario *s = r->s;
	struct mmsim_config cfg = s->cfg;

	/* Files are tmpfs files, as on the reference Linux, unless the
	 * scenario needs disks: --disk, or a crash or reboot. */
	if (!s->disk_dir && !s->needs_disks)
		cfg.files = MMSIM_FILES_TMPFS;
	int e = mmsim_create(&cfg, &r->m);
	if (e) {
		fprintf(r->err, "%s: cannot create the machine: %s\n", s->name, strerror(-e));
		return 1;
	}
	r->task = xcalloc((size_t)s->tasks.n, sizeof *r->task);
	r->group = xcalloc((size_t)s->tasks.n, sizeof *r->group);
	r->cpu = xcalloc((size_t)s->tasks.n, sizeof *r->cpu);
	r->hole_next = xcalloc((size_t)s->tasks.n, sizeof *r->hole_next);
	r->mval = xcalloc((size_t)s->maps.n, sizeof *r->mval);
	r->cgroup = xcalloc((size_t)s->cgroups.n + 1, sizeof *r->cgroup);
	r->cpuset = xcalloc((size_t)s->tasks.n, sizeof *r->cpuset);
	if (s->disk_dir) {
		char why[256] = "";
		e = mmsim_disks_attach(r->m, s->disk_dir, NULL, why, sizeof why);
		if (e) {
			fprintf(r->err, "%s: cannot use the disks in %s: %s\n", s->name, s->disk_dir,
				why[0] ? why : strerror(-e));
			run_free(r);
			return 1;
		}
	}
	e = start_main(r);
	if (e) {
		fprintf(r->err, "%s: cannot create task main: %s\n", s->name, strerror(-e));
		run_free(r);
		return 1;
	}
	mmsim_vmstat(r->m, &r->vmstat_base);
	return 0;
}

int scenario_run(struct scenario *s, FILE *out, FILE *err, unsigned flags)
{
	struct run r = { .s = s, .out = out, .err = err, .json = flags & SCENARIO_JSON,
			 .summary = flags & SCENARIO_SUMMARY };

	if (run_start(&r))
		return 1;
	for (int i = 0; i < s->n; i++)
		run_cmd(&r, &s->cmds[i]);
	run_free(&r);
	return r.failed ? 1 : 0;
}
