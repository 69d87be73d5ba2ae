/*
 * replay.c - `mmsim replay TRACE`: a lackey memory trace replayed by one
 * process on a simulated machine, with a placement/migration policy, and
 * the machine's counters printed.
 *
 * The trace's addresses are the traced program's own.  Its address space
 * is made on demand: an access that finds nothing mapped maps the 2 MiB
 * region around it (private anonymous, read-write) and goes on, so pages
 * are first touched where the program first touched them, from the CPU it
 * runs on (Linux's default local placement).  Instruction fetches are
 * counted, and replayed as loads only with --instr (the machine has no
 * instruction TLB).  A modify is a load then a store.  A trace records
 * where a program went, not the values: each access is made without data
 * (mmsim_touch), so memory stays zero and only the machine's state moves.
 *
 * Policies, all optional and combinable:
 *  --cpu C           the CPU the program starts on (its node gets its pages);
 *  --move-at N       after N accesses the program continues on --move-to
 *                    (another thread of it, on that CPU): pages stay where
 *                    they were first touched unless a policy moves them;
 *  --numa-scan N     every N accesses, one pass of NUMA balancing's scanner
 *                    over every region: the next access to each page takes a
 *                    hinting fault that moves it to the accessing CPU's node;
 *  --balancing       the machine's own scanner on the simulated clock;
 *  --unpinned        the process may run on any CPU, so that balancing moves
 *                    it to its preferred node as well as its pages;
 *  --tiering         CPU-less nodes a lower memory tier (demotion, promotion);
 *  --policy P        a memory policy for the process.
 *
 * Errors (a malformed line, an address outside user space, a machine out
 * of memory) stop the replay with the line number and exit status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mmsim/mmsim.h>

#include "bench.h"
#include "replay.h"
#include "util.h"

#define REGION (2ull << 20)
#define USER_TOP 0x7ffffffff000ull	/* x86-64's TASK_SIZE (47-bit) */
#define MMAP_MIN 0x10000ull		/* Linux's default vm.mmap_min_addr */
#define PROGRESS_EVERY (1u << 20)

/* ---- the trace reader ----------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int trace_parse_line(const char *s, struct trace_access *a)
{
	const char *p = s + 3;
	uint64_t addr = 0;
	unsigned size = 0, nd = 0;
	int d;

	if (!s[0] || (s[0] == '=' && s[1] == '=') || (s[0] == '-' && s[1] == '-'))
		return 0;
	if (s[0] == 'I' && s[1] == ' ' && s[2] == ' ')
		a->kind = 'I';
	else if (s[0] == ' ' && (s[1] == 'L' || s[1] == 'S' || s[1] == 'M') && s[2] == ' ')
		a->kind = s[1];
	else
		return -1;
	for (; (d = hex_digit(*p)) >= 0; p++, nd++) {
		if (nd == 16)
			return -1;
		addr = addr << 4 | (uint64_t)d;
	}
	if (!nd || *p++ != ',')
		return -1;
	for (nd = 0; *p >= '0' && *p <= '9'; p++, nd++) {
		if (nd == 5)
			return -1;
		size = size * 10 + (unsigned)(*p - '0');
	}
	if (!nd || *p || !size || size > TRACE_MAX_SIZE || addr + size - 1 < addr)
		return -1;
	a->addr = addr;
	a->size = size;
	return 1;
}

/* ---- the replay ------------------------------------------------------------------ */

struct replay {
	struct replay_opts o;
	struct mmsim *m;
	struct mmsim_task *task, *cur;
	uint64_t *set;			/* mapped region bases + 1 (0: empty slot) */
	size_t set_cap, nregions;
	uint64_t *regions;		/* the same bases, in mapping order */
	uint64_t lines, accesses, kinds[4], instr_skipped;
	int last_cpu;			/* --unpinned: where the process ran last */
	struct replay_samples *samples;	/* NULL: none */
	char why[256];
};

static void census(struct replay *r, uint64_t *pages, uint64_t *resident);

/* Records where the pages are and the counters now. */
static void take_sample(struct replay *r)
{
	struct replay_samples *s = r->samples;
	struct replay_sample *x;
	uint64_t resident;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct replay_sample *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->lost++;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	x = &s->v[s->n++];
	memset(x, 0, sizeof(*x));
	x->accesses = r->accesses;
	census(r, x->pages, &resident);
	mmsim_counters_machine(r->m, &x->c);
}

static size_t slot_of(uint64_t base, size_t cap)
{
	return (size_t)((base >> 21) * 0x9e3779b97f4a7c15ull >> 7) & (cap - 1);
}

static bool region_mapped(const struct replay *r, uint64_t base)
{
	if (!r->set_cap)
		return false;
	for (size_t i = slot_of(base, r->set_cap); r->set[i]; i = (i + 1) & (r->set_cap - 1))
		if (r->set[i] == base + 1)
			return true;
	return false;
}

/* Remembers base in the set (grown to stay at most half full) and list. */
static int region_add(struct replay *r, uint64_t base)
{
	if ((r->nregions + 1) * 2 > r->set_cap) {
		size_t cap = r->set_cap ? 2 * r->set_cap : 1024;
		uint64_t *set = calloc(cap, sizeof(*set));
		uint64_t *list = realloc(r->regions, cap / 2 * sizeof(*list));

		if (!set || !list) {
			free(set);
			if (list)
				r->regions = list;
			return -ENOMEM;
		}
		r->regions = list;
		for (size_t i = 0; i < r->nregions; i++) {
			size_t j = slot_of(list[i], cap);

			while (set[j])
				j = (j + 1) & (cap - 1);
			set[j] = list[i] + 1;
		}
		free(r->set);
		r->set = set;
		r->set_cap = cap;
	}
	size_t j = slot_of(base, r->set_cap);

	while (r->set[j])
		j = (j + 1) & (r->set_cap - 1);
	r->set[j] = base + 1;
	r->regions[r->nregions++] = base;
	return 0;
}

static int fail(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Where region `base` starts: the first one leaves out what no program
 * may map. */
static uint64_t region_start(uint64_t base)
{
	return base < MMAP_MIN ? MMAP_MIN : base;
}

/* Where it ends: the last one stops at TASK_SIZE, which is not 2 MiB
 * aligned (base < USER_TOP, so the sum cannot wrap). */
static uint64_t region_end(uint64_t base)
{
	return base + REGION > USER_TOP ? USER_TOP : base + REGION;
}

/* Maps the region holding addr, which faulted. */
static int map_region(struct replay *r, uint64_t addr)
{
	uint64_t base = addr & ~(REGION - 1);
	long ret;

	/* First: every sum below stays far from 2^64. */
	if (addr >= USER_TOP)
		return fail(r, "address 0x%" PRIx64 " is outside user space (it ends at 0x%llx)",
			    addr, USER_TOP);
	if (region_mapped(r, base))
		return fail(r, "SIGSEGV at 0x%" PRIx64 " in a region already mapped", addr);
	if (addr < MMAP_MIN)
		return fail(r, "address 0x%" PRIx64 " is below mmap_min_addr (64 KiB): no "
			    "program can touch it", addr);
	ret = mmsim_sys_mmap(r->task, region_start(base), region_end(base) - region_start(base),
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (ret < 0)
		return fail(r, "cannot map the 2 MiB around 0x%" PRIx64 ": %s", addr,
			    strerror((int)-ret));
	if (region_add(r, base))
		return fail(r, "out of memory");
	return 0;
}

/* One load or store of [addr, addr+size), mapping regions as it goes.
 * The trace has no data: the access is made without any (mmsim_touch),
 * and the memory stays zero. */
static int access_range(struct replay *r, bool store, uint64_t addr, unsigned size)
{
	for (;;) {
		uint64_t fa = 0;
		int sig = mmsim_touch(r->cur, addr, size, store, &fa);

		if (!sig)
			return 0;
		if (sig == SIGKILL)
			return fail(r, "killed by the OOM killer at 0x%" PRIx64
				    " (the machine is out of memory: see --mem)", fa);
		if (sig != SIGSEGV || fa < addr || fa - addr >= size)
			return fail(r, "%s at 0x%" PRIx64 " (is the machine out of memory? see --mem)",
				    sig == SIGBUS ? "SIGBUS" : "a fault", fa);
		if (map_region(r, fa))
			return -1;
		size -= (unsigned)(fa - addr);
		addr = fa;
	}
}

/* Notes an event for the samples' reader; beyond REPLAY_MAX_EVENTS or
 * without memory it is only counted, which the page says. */
static void note_event(struct replay *r, enum replay_event_kind kind, int from, int to)
{
	struct replay_samples *s = r->samples;

	if (!s)
		return;
	if (kind == REPLAY_EV_NUMA_SCAN)
		s->nscans++;
	if (s->nev == REPLAY_MAX_EVENTS)
		return;
	if (!s->ev && !(s->ev = calloc(REPLAY_MAX_EVENTS, sizeof(*s->ev)))) {
		s->lost++;
		return;
	}
	s->ev[s->nev++] = (struct replay_event){ r->accesses, kind, from, to };
}

static int numa_scan_all(struct replay *r)
{
	for (size_t i = 0; i < r->nregions; i++) {
		uint64_t start = region_start(r->regions[i]);
		long ret = mmsim_numa_scan(r->cur, start, region_end(r->regions[i]) - start);

		if (ret < 0)
			return fail(r, "NUMA scan: %s", strerror((int)-ret));
	}
	note_event(r, REPLAY_EV_NUMA_SCAN, -1, -1);
	return 0;
}

/* Policy events due before access number r->accesses + 1. */
static int policy_step(struct replay *r)
{
	uint64_t n = r->accesses;

	if (r->o.move_at && n == r->o.move_at) {
		int err = mmsim_thread_create(r->task, "replay-moved", r->o.move_to, &r->cur);

		if (err)
			return fail(r, "moving to CPU %d: %s", r->o.move_to, strerror(-err));
		note_event(r, REPLAY_EV_MOVE, r->o.cpu, r->o.move_to);
	}
	if (r->o.unpinned) {
		/* NUMA balancing moved the process to its preferred node. */
		int c = mmsim_task_cpu(r->cur);
		if (c != r->last_cpu) {
			note_event(r, REPLAY_EV_MOVE, r->last_cpu, c);
			r->last_cpu = c;
		}
	}
	if (r->o.numa_scan && n && n % r->o.numa_scan == 0)
		return numa_scan_all(r);
	return 0;
}

static int replay_one(struct replay *r, const struct trace_access *a)
{
	static const char kinds[] = "ILSM";
	int err;

	r->kinds[strchr(kinds, a->kind) - kinds]++;
	if (a->kind == 'I' && !r->o.instr) {
		r->instr_skipped++;
		return 0;
	}
	if ((err = policy_step(r)))
		return err;
	r->accesses++;
	if (a->kind != 'S' && (err = access_range(r, false, a->addr, a->size)))
		return err;
	if ((a->kind == 'S' || a->kind == 'M') && (err = access_range(r, true, a->addr, a->size)))
		return err;
	return 0;
}

int line_reader_init(struct line_reader *lr, FILE *f)
{
	*lr = (struct line_reader){ f, malloc(LINE_MAX_BYTES + 1 + READ_BLOCK + 1), 0, 0, false };
	return lr->buf ? 0 : -ENOMEM;
}

void line_reader_free(struct line_reader *lr)
{
	free(lr->buf);
}

/* Moves what is left to the front and reads more; false when nothing more
 * came (the end, or an error: ferror tells). */
static bool reader_fill(struct line_reader *lr)
{
	if (lr->eof)
		return false;
	memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
	lr->end -= lr->start;
	lr->start = 0;
	size_t got = fread(lr->buf + lr->end, 1, LINE_MAX_BYTES + 1 + READ_BLOCK - lr->end, lr->f);
	lr->end += got;
	lr->eof = got == 0;
	return got != 0;
}

/*
 * The next line, without its newline, NUL-terminated in place: 1, 0 at the
 * end, -1 when it is longer than LINE_MAX_BYTES.
 */
int read_line(struct line_reader *lr, char **line, size_t *len)
{
	char *nl;

	for (;;) {
		size_t have = lr->end - lr->start;

		nl = memchr(lr->buf + lr->start, '\n', have);
		if (nl || have > LINE_MAX_BYTES)
			break;
		if (!reader_fill(lr)) {
			if (!have)
				return 0;
			break;	/* the last line has no newline */
		}
	}
	size_t n = nl ? (size_t)(nl - (lr->buf + lr->start)) : lr->end - lr->start;
	if (n > LINE_MAX_BYTES)
		return -1;
	*line = lr->buf + lr->start;
	(*line)[n] = 0;		/* over the newline, or the byte past the end */
	lr->start += n + (nl != NULL);
	*len = n;
	return 1;
}

/* Reads and replays every line; 0, or -1 with r->why. */
static int replay_stream(struct replay *r, FILE *f)
{
	bool progress = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);	/* not piped */
	struct line_reader lr;
	char *line;
	size_t len;
	int err = 0, got = 0;

	if (line_reader_init(&lr, f))
		return fail(r, "out of memory");
	while (!err && (!r->o.limit || r->accesses < r->o.limit) &&
	       (got = read_line(&lr, &line, &len)) != 0) {
		struct trace_access a;
		int k;

		r->lines++;
		if (got < 0) {
			err = fail(r, "line %" PRIu64 ": longer than %d bytes: not a lackey trace",
				   r->lines, LINE_MAX_BYTES);
			break;
		}
		while (len && line[len - 1] == '\r')
			line[--len] = 0;
		if (memchr(line, 0, len)) {
			err = fail(r, "line %" PRIu64 ": a NUL byte: not a lackey trace", r->lines);
			break;
		}
		k = trace_parse_line(line, &a);
		if (k < 0) {
			err = fail(r, "line %" PRIu64 ": not a lackey record: '%.60s'", r->lines,
				   line);
			break;
		}
		if (k && (err = replay_one(r, &a))) {
			char at[sizeof(r->why)];

			snprintf(at, sizeof(at), "%s", r->why);
			fail(r, "line %" PRIu64 ": %s", r->lines, at);
		}
		if (!err && k && r->samples && r->samples->every && r->accesses &&
		    r->accesses % r->samples->every == 0 &&
		    (!r->samples->n || r->samples->v[r->samples->n - 1].accesses != r->accesses))
			take_sample(r);
		if (progress && k && r->accesses % PROGRESS_EVERY == 0 && r->accesses)
			fprintf(stderr, "\rmmsim replay: %" PRIu64 " accesses", r->accesses);
	}
	if (!err && ferror(f))
		err = fail(r, "reading the trace: %s", strerror(errno));
	if (progress && r->accesses >= PROGRESS_EVERY)
		fputs("\r\033[K", stderr);
	line_reader_free(&lr);
	return err;
}

/* Resident pages per node (pages[] has MMSIM_MAX_NODES entries). */
static void census(struct replay *r, uint64_t *pages, uint64_t *resident)
{
	uint64_t va[512];
	int status[512];

	*resident = 0;
	for (size_t i = 0; i < r->nregions; i++) {
		uint64_t start = region_start(r->regions[i]);
		unsigned n = (unsigned)((region_end(r->regions[i]) - start) / PAGE);

		for (unsigned p = 0; p < n; p++)
			va[p] = start + (uint64_t)p * PAGE;
		if (mmsim_sys_move_pages(r->task, 0, n, va, NULL, status, 0) < 0)
			continue;
		for (unsigned p = 0; p < n; p++)
			if (status[p] >= 0 && status[p] < MMSIM_MAX_NODES) {
				pages[status[p]]++;
				(*resident)++;
			}
	}
}

/* Where the pages are now, and the machine's counters. */
static void report_results(struct replay *r, struct report *rep)
{
	static const char *const names[] = { "instr", "loads", "stores", "modifies" };
	uint64_t pages[MMSIM_MAX_NODES] = { 0 }, resident;
	struct mmsim_counters c;

	put(rep, "replay.lines", (double)r->lines, "");
	put(rep, "replay.accesses", (double)r->accesses, "");
	for (unsigned i = 0; i < 4; i++)
		putf(rep, (double)r->kinds[i], "", "replay.%s", names[i]);
	put(rep, "replay.instr_not_replayed", (double)r->instr_skipped, "");
	put(rep, "replay.regions_2m", (double)r->nregions, "");
	census(r, pages, &resident);
	put(rep, "replay.pages", (double)resident, "pages");
	for (unsigned n = 0; n < r->o.cfg.nodes; n++)
		putf(rep, (double)pages[n], "pages", "replay.pages_node%u", n);
	if (r->o.tiering) {
		struct mmsim_vmstat vs;

		mmsim_vmstat(r->m, &vs);
		put(rep, "replay.pgdemote", (double)(vs.ev[MMSIM_VM_pgdemote_kswapd] +
						      vs.ev[MMSIM_VM_pgdemote_direct]), "pages");
		put(rep, "replay.pgpromote_candidate", (double)vs.ev[MMSIM_VM_pgpromote_candidate],
		    "pages");
		put(rep, "replay.pgpromote_success", (double)vs.ev[MMSIM_VM_pgpromote_success],
		    "pages");
	}
	mmsim_counters_machine(r->m, &c);
	for (unsigned i = 0; mmsim_counter_name(i); i++)
		putf(rep, (double)mmsim_counter_value(&c, i), "", "counters.%s",
		     mmsim_counter_name(i));
}

/*
 * `replay --json`: one object on one line (so that runs of a sweep are
 * JSON Lines), what ran and what came of it nested apart: "trace",
 * "options" (the replay's own), "machine" (the simulated one), "replay"
 * (the trace's figures, resident pages per node under "nodes") and
 * "counters" (every machine counter, as `stats`).  The figures are the
 * ones of the text form, from the same report (docs/json.md).
 */
static void print_json(const struct replay_opts *o, const char *trace, const struct report *rep)
{
	static const char *const thp[] = { "never", "always", "madvise" };
	static const char *const modes[] = { "default", "preferred", "bind", "interleave",
					     "local", "preferred_many", "weighted_interleave" };
	const struct mmsim_config *c = &o->cfg;
	bool first = true;

	fputs("{\"trace\": ", stdout);
	json_string(stdout, trace);
	printf(", \"options\": {\"cpu\": %d, \"move_at\": %" PRIu64 ", \"move_to\": %d"
	       ", \"numa_scan\": %" PRIu64 "%s%s%s, \"instr\": %s, \"limit\": %" PRIu64
	       ", \"policy\": ",
	       o->cpu, o->move_at, o->move_to, o->numa_scan,
	       c->numa_balancing & MMSIM_NUMA_BALANCING_NORMAL ? ", \"balancing\": true" : "",
	       o->tiering ? ", \"tiering\": true" : "", o->unpinned ? ", \"unpinned\": true" : "",
	       o->instr ? "true" : "false", o->limit);
	if (o->policy < 0) {
		fputs("null", stdout);
	} else {
		char nodes[256] = "";

		if (o->policy_nodes)
			mmsim_nodelist_format(o->policy_nodes, nodes, sizeof nodes);
		printf("\"%s%s%s\"", modes[o->policy], nodes[0] ? ":" : "", nodes);
	}
	printf("}, \"machine\": {\"nodes\": %u, \"cpus\": %u, \"mem_per_node\": %" PRIu64
	       ", \"thp\": \"%s\", \"flush\": \"%s\", \"lru\": \"%s\", \"cache\": ",
	       c->nodes, c->cpus, c->mem_per_node, c->thp < 3 ? thp[c->thp] : "?",
	       c->flush_policy == MMSIM_FLUSH_PER_VMA ? "per_vma" : "gather",
	       c->lru == MMSIM_LRU_CLASSIC ? "classic" : "mglru");
	if (c->cache)
		printf("\"%ux%u\"}, \"replay\": {", c->cache_sets, c->cache_ways);
	else
		fputs("\"off\"}, \"replay\": {", stdout);
	for (int i = 0; i < rep->n; i++) {
		const char *name = rep->m[i].name;

		if (strncmp(name, "replay.", 7) || !strncmp(name, "replay.pages_node", 17))
			continue;
		printf("%s\"%s\": %" PRIu64, first ? "" : ", ", name + 7, (uint64_t)rep->m[i].value);
		first = false;
	}
	fputs(", \"nodes\": {", stdout);
	first = true;
	for (int i = 0; i < rep->n; i++) {
		const char *name = rep->m[i].name;

		if (strncmp(name, "replay.pages_node", 17))
			continue;
		printf("%s\"%s\": {\"pages\": %" PRIu64 "}", first ? "" : ", ", name + 17,
		       (uint64_t)rep->m[i].value);
		first = false;
	}
	fputs("}}, \"counters\": {", stdout);
	first = true;
	for (int i = 0; i < rep->n; i++) {
		const char *name = rep->m[i].name;

		if (strncmp(name, "counters.", 9))
			continue;
		printf("%s\"%s\": %" PRIu64, first ? "" : ", ", name + 9, (uint64_t)rep->m[i].value);
		first = false;
	}
	fputs("}}\n", stdout);
}

/* ---- the command ----------------------------------------------------------------- */

void replay_usage(FILE *f)
{
	fputs("usage: mmsim replay [--json] [--nodes N] [--cpus N] [--mem SIZE] [--cpu C]\n"
	      "                    [--move-at N [--move-to C]] [--numa-scan N] [--balancing]\n"
	      "                    [--unpinned] [--tiering] [--scan-delay MS] [--scan-period MS]\n"
	      "                    [--scan-size MB] [--cache off|SETSxWAYS] [--instr]\n"
	      "                    [--flush gather|per_vma] [--limit N] [--policy P]\n"
	      "                    [--series FILE [--sample N]] [--trace FILE] TRACE\n"
	      "\n"
	      "Replays a memory trace written by `valgrind --tool=lackey --trace-mem=yes`\n"
	      "(TRACE '-' reads standard input) as one process on a simulated machine,\n"
	      "mapping 2 MiB of anonymous memory around each address first touched, and\n"
	      "prints where its pages ended up and the machine's counters.\n"
	      "\n"
	      "  --nodes, --cpus   the machine (default 2 and 2; CPU c is on node c % nodes)\n"
	      "  --mem SIZE        memory per node (default 256m; k, m, g suffixes)\n"
	      "  --cpu C           the CPU the program starts on (default 0)\n"
	      "  --move-at N       after N accesses the program runs on --move-to\n"
	      "                    (default: the next CPU)\n"
	      "  --numa-scan N     every N accesses, a NUMA balancing scan of the whole\n"
	      "                    address space (pages then follow the accessing CPU)\n"
	      "  --balancing       automatic NUMA balancing on (kernel.numa_balancing=1):\n"
	      "                    the scanner runs by itself on the simulated clock\n"
	      "  --unpinned        the process may run on any CPU: NUMA balancing moves\n"
	      "                    it to an idle CPU of its preferred node (default:\n"
	      "                    pinned to --cpu)\n"
	      "  --tiering         memory tiering: the nodes without a CPU (--nodes above\n"
	      "                    --cpus) are a lower tier, as CXL memory (dax/kmem);\n"
	      "                    reclaim demotes cold pages to them and NUMA\n"
	      "                    balancing's tiering mode promotes hot ones back\n"
	      "  --scan-delay MS, --scan-period MS, --scan-size MB\n"
	      "                    NUMA balancing's scan_delay_ms, scan_period_min_ms\n"
	      "                    and scan_size_mb (default 1000, 1000, 256): a short\n"
	      "                    trace runs for less than a simulated second\n"
	      "  --cache C         each CPU's data cache: off, or SETSxWAYS lines of 64\n"
	      "                    bytes (default 2048x16, 2 MiB; docs/cost-model.md)\n"
	      "  --instr           replay instruction fetches as loads (default: counted)\n"
	      "  --flush P         TLB flush policy: gather (default) or per_vma\n"
	      "  --limit N         stop after N replayed accesses\n"
	      "  --policy P        the process's memory policy (set_mempolicy): local,\n"
	      "                    or MODE:NODES with MODE bind, interleave,\n"
	      "                    weighted_interleave, preferred or preferred_many and\n"
	      "                    NODES a list such as 0-1,3\n"
	      "  --json            one JSON object on one line instead of `name = value`\n"
	      "                    lines: trace, options, machine, replay, counters\n"
	      "  --trace FILE      trace events to FILE in Linux's text format\n"
	      "  --series FILE     the run sampled every --sample accesses (default\n"
	      "                    10000) as CSV: accesses, resident pages per node,\n"
	      "                    every machine counter\n",
	      f);
}

static const struct option replay_long_options[] = { REPLAY_LONG_OPTIONS, { 0 } };

void replay_opts_init(struct replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	mmsim_config_default(&o->cfg);
	o->move_to = -1;
	o->policy = -1;
}

/* The value of a numeric option into its field; false if it is bad. */
static bool replay_number(struct replay_opts *o, int c, const char *arg)
{
	uint64_t v;

	if (c == 'm')
		return !parse_size(arg, SIZE_SUFFIX_MEM, &v) && (o->cfg.mem_per_node = v, true);
	if (parse_u64(arg, &v) || v > (1ull << 40))
		return false;
	/* Counts of nodes and CPUs are capped far above any valid value:
	 * mmsim_config_check refuses them. */
	if ((c == 'n' || c == 'c' || c == 'C' || c == 't') && v > 4096)
		v = 4096;
	switch (c) {
	case 'n': o->cfg.nodes = (unsigned)v; break;
	case 'c': o->cfg.cpus = (unsigned)v; break;
	case 'C': o->cpu = (int)v; break;
	case 't': o->move_to = (int)v; break;
	case 'a': o->move_at = v; break;
	case 's': o->numa_scan = v; break;
	/* NUMA balancing's tunables: mmsim_config_check judges them. */
	case 'D': o->cfg.numa_balancing_scan_delay_ms = (unsigned)(v < ~0u ? v : ~0u); break;
	case 'E': o->cfg.numa_balancing_scan_period_min_ms = (unsigned)(v < ~0u ? v : ~0u); break;
	case 'Z': o->cfg.numa_balancing_scan_size_mb = (unsigned)(v < ~0u ? v : ~0u); break;
	default: o->limit = v; break;
	}
	return !((c == 'a' || c == 's' || c == 'l') && !v);
}

/* --cache off | SETSxWAYS: each CPU's data cache (mmsim_config_check
 * judges the shape). */
static bool replay_cache(struct replay_opts *o, const char *arg)
{
	uint64_t sets, ways;
	const char *x = strchr(arg, 'x');
	char buf[32];

	if (!strcmp(arg, "off")) {
		o->cfg.cache = false;
		return true;
	}
	if (!x || (size_t)(x - arg) >= sizeof buf)
		return false;
	memcpy(buf, arg, (size_t)(x - arg));
	buf[x - arg] = 0;
	if (parse_u64(buf, &sets) || parse_u64(x + 1, &ways) || sets > 1u << 20 || ways > 64)
		return false;
	o->cfg.cache = true;
	o->cfg.cache_sets = (unsigned)sets;
	o->cfg.cache_ways = (unsigned)ways;
	return true;
}

/* Linux's mode numbers (MPOL_DEFAULT...) as --policy spells them. */
static const char *const modes[] = { "default", "preferred", "bind", "interleave",
				     "local", "preferred_many", "weighted_interleave" };

const char *replay_policy_name(int mode)
{
	return mode >= 0 && mode < 7 ? modes[mode] : NULL;
}

/* --policy local | MODE:NODES (Linux's mode numbers; nodes < 64). */
static bool replay_policy(struct replay_opts *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	int mode = -1;
	for (int i = 0; i < 7; i++)
		if (strlen(modes[i]) == n && !strncmp(arg, modes[i], n))
			mode = i;
	if (mode < 0 || (!colon) != (mode == 4 || mode == 0))
		return false;
	uint64_t mask = 0;
	for (const char *p = colon ? colon + 1 : ""; *p;) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p || lo > 63)
			return false;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || hi > 63 || hi < lo)
				return false;
		}
		for (unsigned long k = lo; k <= hi; k++)
			mask |= 1ULL << k;
		p = end;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return false;
	}
	if (colon && !mask)
		return false;
	o->policy = mode;
	o->policy_nodes = mask;
	return true;
}

int replay_opt(struct replay_opts *o, int c, const char *arg)
{
	const struct option *op = replay_long_options;
	bool ok = true;

	switch (c) {
	case 'j':
		o->json = true;
		return 0;
	case 'i':
		o->instr = true;
		return 0;
	case 'b':
		o->cfg.numa_balancing |= MMSIM_NUMA_BALANCING_NORMAL;
		return 0;
	case 'g':
		o->tiering = true;
		return 0;
	case 'U':
		o->unpinned = true;
		return 0;
	case 'K' + 256:
		ok = replay_cache(o, arg);
		break;
	case 'T':
		o->trace_out = arg;
		return 0;
	case 'R':
		o->series = arg;
		return 0;
	case 'P':
		ok = replay_policy(o, arg);
		break;
	case 'f':
		if (!strcmp(arg, "gather"))
			o->cfg.flush_policy = MMSIM_FLUSH_GATHER;
		else if (!strcmp(arg, "per_vma"))
			o->cfg.flush_policy = MMSIM_FLUSH_PER_VMA;
		else
			ok = false;
		break;
	default:
		ok = replay_number(o, c, arg);
		break;
	}
	if (ok)
		return 0;
	while (op->name && op->val != c)
		op++;
	fprintf(stderr, "mmsim replay: bad value '%s' for --%s\n", arg, op->name ? op->name : "?");
	return 2;
}

int replay_opts_finish(struct replay_opts *o, int argc, char **argv, const char **trace)
{
	if (optind != argc - 1) {
		replay_usage(stderr);
		return 2;
	}
	*trace = argv[optind];
	return replay_opts_check(o);
}

/* --tiering: every CPU-less node is a dax/kmem node of a lower tier,
 * demotion on, and NUMA balancing in tiering mode. */
static int tiering_setup(struct replay_opts *o)
{
	if (o->cfg.nodes <= o->cfg.cpus) {
		fprintf(stderr, "mmsim replay: --tiering needs nodes without a CPU (--nodes above "
				"--cpus)\n");
		return 2;
	}
	for (unsigned n = o->cfg.cpus; n < o->cfg.nodes && n < MMSIM_MAX_NODES; n++)
		o->cfg.adistance[n] = MMSIM_ADISTANCE_DAX;
	o->cfg.demotion_enabled = true;
	o->cfg.numa_balancing |= MMSIM_NUMA_BALANCING_MEMORY_TIERING;
	return 0;
}

int replay_opts_check(struct replay_opts *o)
{
	char err[160];

	if (o->tiering && tiering_setup(o))
		return 2;
	if (mmsim_config_check(&o->cfg, err, sizeof(err))) {
		fprintf(stderr, "mmsim replay: %s\n", err);
		return 2;
	}
	if (o->move_to < 0)
		o->move_to = (int)((unsigned)(o->cpu + 1) % o->cfg.cpus);
	if ((unsigned)o->cpu >= o->cfg.cpus || (unsigned)o->move_to >= o->cfg.cpus) {
		fprintf(stderr, "mmsim replay: --cpu and --move-to must be below --cpus (%u)\n",
			o->cfg.cpus);
		return 2;
	}
	if (o->policy >= 0 && o->cfg.nodes < 64 && (o->policy_nodes >> o->cfg.nodes)) {
		fprintf(stderr, "mmsim replay: --policy names a node the machine lacks (%u nodes)\n",
			o->cfg.nodes);
		return 2;
	}
	return 0;
}

/* 0 with o, *every and *trace set, 1 after --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, struct replay_opts *o, uint64_t *every,
		      const char **trace)
{
	static const struct option opts[] = {
		REPLAY_LONG_OPTIONS, { "sample", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;

	replay_opts_init(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			replay_usage(stdout);
			return 1;
		}
		if (c == '?') {
			replay_usage(stderr);
			return 2;
		}
		if (c == 'S') {
			if (parse_u64(optarg, every) || !*every) {
				fprintf(stderr, "mmsim replay: bad value '%s' for --sample\n", optarg);
				return 2;
			}
			continue;
		}
		if (replay_opt(o, c, optarg))
			return 2;
	}
	return replay_opts_finish(o, argc, argv, trace);
}

int replay_series_write(const char *path, const struct replay_samples *sm, const char *cmd)
{
	struct page_out po;
	int err = page_open(&po, path);
	if (err) {
		fprintf(stderr, "mmsim %s: %s: %s\n", cmd, path, strerror(-err));
		return 1;
	}
	fputs("accesses", po.f);
	for (unsigned n = 0; n < sm->nodes; n++)
		fprintf(po.f, ",node%u_pages", n);
	for (unsigned i = 0; mmsim_counter_name(i); i++)
		fprintf(po.f, ",%s", mmsim_counter_name(i));
	fputc('\n', po.f);
	for (size_t k = 0; k < sm->n; k++) {
		const struct replay_sample *x = &sm->v[k];
		fprintf(po.f, "%" PRIu64, x->accesses);
		for (unsigned n = 0; n < sm->nodes; n++)
			fprintf(po.f, ",%" PRIu64, x->pages[n]);
		for (unsigned i = 0; mmsim_counter_name(i); i++)
			fprintf(po.f, ",%" PRIu64, mmsim_counter_value(&x->c, i));
		fputc('\n', po.f);
	}
	err = page_close(&po, ferror(po.f) ? -EIO : 0);
	if (err) {
		fprintf(stderr, "mmsim %s: writing %s: %s\n", cmd, path, strerror(-err));
		return 1;
	}
	return 0;
}

int replay_run(const struct replay_opts *o, const char *trace, const char *cmd,
	       struct replay_samples *samples, bool print)
{
	struct replay r = { .o = *o };
	struct report rep = { 0 };
	struct mmsim_task_attr ta;
	FILE *f;
	int rc = 0, err;

	f = strcmp(trace, "-") ? fopen(trace, "r") : stdin;
	if (!f) {
		fprintf(stderr, "mmsim %s: %s: %s\n", cmd, trace, strerror(errno));
		return 1;
	}
	if ((err = mmsim_create(&r.o.cfg, &r.m))) {
		fprintf(stderr, "mmsim %s: cannot create the machine: %s\n", cmd, strerror(-err));
		if (f != stdin)
			fclose(f);
		return 1;
	}
	FILE *tf = o->trace_out ? trace_file_start(o->trace_out, cmd) : NULL;
	if (o->trace_out && !tf) {
		if (f != stdin)
			fclose(f);
		mmsim_destroy(r.m);
		return 1;
	}
	mmsim_task_attr_default(&ta);
	ta.name = "replay";
	ta.cpu = r.o.cpu;
	if (r.o.unpinned)
		ta.cpus_allowed = ~0ULL;	/* the machine's CPUs */
	r.last_cpu = r.o.cpu;
	r.samples = samples;
	if (samples)
		samples->nodes = r.o.cfg.nodes;
	if ((err = mmsim_task_create(r.m, &ta, &r.task))) {
		fprintf(stderr, "mmsim %s: cannot create the process: %s\n", cmd, strerror(-err));
		rc = 1;
	} else if (r.o.policy >= 0 &&
		   (err = (int)mmsim_sys_set_mempolicy(r.task, r.o.policy, &r.o.policy_nodes, 65))) {
		fprintf(stderr, "mmsim %s: --policy: %s\n", cmd, strerror(-err));
		rc = 1;
	} else {
		r.cur = r.task;
		if (samples)
			take_sample(&r);	/* the start: nothing yet */
		if (replay_stream(&r, f)) {
			fprintf(stderr, "mmsim %s: %s: %s\n", cmd, trace, r.why);
			rc = 1;
		} else {
			if (samples && (!samples->n ||
					samples->v[samples->n - 1].accesses != r.accesses))
				take_sample(&r);	/* the end */
			report_results(&r, &rep);
			if (rep.lost || (samples && samples->lost)) {
				fprintf(stderr, "mmsim %s: out of memory\n", cmd);
				rc = 1;
			} else if (print) {
				if (r.o.json)
					print_json(&r.o, trace, &rep);
				else
					report_print(&rep, false);
			}
		}
	}
	if (f != stdin)
		fclose(f);
	mmsim_destroy(r.m);
	if (tf && trace_file_stop(tf, o->trace_out, cmd))
		rc = 1;
	free(rep.m);
	free(r.set);
	free(r.regions);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o;
	struct replay_samples sm = { .every = 10000 };
	const char *trace = NULL;
	int rc = parse_args(argc, argv, &o, &sm.every, &trace);

	if (rc)
		return rc == 1 ? 0 : rc;
	rc = replay_run(&o, trace, "replay", o.series ? &sm : NULL, true);
	if (!rc && o.series)
		rc = replay_series_write(o.series, &sm, "replay");
	free(sm.v);
	free(sm.ev);
	return rc;
}
