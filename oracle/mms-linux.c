/*
 * mms-linux — reference interpreter of the mmsim scenario language
 * (docs/scenarios.md) that executes every command with the real Linux
 * system calls.  Its output is the ground truth mmsim is compared against.
 * oracle/gen-expected.sh builds it and runs it on Linux 6.12 under QEMU.
 *
 *   build:  gcc -static -O2 -Wall -o mms-linux oracle/mms-linux.c
 *           (gen-expected.sh builds it itself, into its cache)
 *   usage:  mms-linux [-v] [--keep-sys] FILE.mms|-
 *             -v          trace name bindings and task pids on stderr
 *             --keep-sys  do not touch THP / NUMA-balancing / lru_gen
 *                         settings (for runs on a development host)
 *   exit:   0 ran every command, 1 internal failure, 2 usage error
 *
 * How it works:
 *  - The process the user starts is the *controller*.  It parses the whole
 *    scenario first (a usage error is reported on stderr as FILE:LINE: msg and
 *    nothing runs), then executes it in file order.
 *  - Every scenario task, `main` included, is a separate *server* process that
 *    owns one address space.  `task` forks the controller and re-executes this
 *    binary with --server, so a task starts with a fresh address space;
 *    `fork` asks the current task's server to fork itself (copy-on-write).
 *  - `thread` asks the current task's server for a pthread of its own (on a
 *    static stack, so the thread maps nothing), pinned to its CPU and
 *    serving a channel of its own: the controller addresses it as a task.
 *    `exit` ends a thread alone (its start routine returns) or a process
 *    with all its threads (_exit: exit_group); the controller waits until
 *    each has exited before the next command.
 *  - The controller resolves names to addresses, sends each command to the
 *    current task's server as a binary request over a Unix socket, receives
 *    raw results (return value, errno, status array, VMA list) and prints
 *    them.  Output is strictly in file order and flushed line by line.
 *  - A server allocates nothing for itself after start-up (static buffers
 *    only, no malloc, no mmap), so the address-space layout seen by the
 *    scenario is exactly what its own commands made.
 *  - Determinism: every task process runs with ASLR off, pinned to its CPU
 *    (cpu=; by default the first CPU of the lowest-numbered node that has
 *    CPUs), with RLIMIT_MEMLOCK 8 MiB;
 *    THP is set from the machine line (default never) and automatic NUMA
 *    balancing too (numa_balancing=N, default 0: off; its tunables
 *    numa_balancing_scan_delay_ms=... written to debugfs, or the sysctl
 *    for promote_rate_limit_MBps), all restored at exit but the tunables.
 *    The LRU follows the machine line's lru= too: mglru (the default) sets
 *    /sys/kernel/mm/lru_gen/enabled to 0x0007 (the multi-generational LRU
 *    with all its features, Linux 6.12's default), classic to 0 (the
 *    active/inactive lists); the file must read back so, or the run is an
 *    internal failure (restored at exit too).  lru_gen_min_ttl_ms=N is
 *    written to /sys/kernel/mm/lru_gen/min_ttl_ms (MGLRU's thrashing
 *    prevention: kswapd OOM-kills when every generation is younger),
 *    restored at exit.
 *  - The interpreter's own memory never uses transparent huge pages: the
 *    controller runs with PR_SET_THP_DISABLE, which a new task inherits across
 *    fork and exec; the server marks its own anonymous VMAs (.bss, heap)
 *    MADV_NOHUGEPAGE and only then allows THP again, for the scenario's
 *    mappings.  So THP faults and splits in `vmstat` are the scenario's.
 *  - Linux's own views: `numa_maps` and `smaps` are read by the controller
 *    from /proc/PID/{maps,numa_maps,smaps} of the current task; `vmstat`
 *    prints, for the counters in vmstat_keys[], the non-zero deltas of
 *    /proc/vmstat since a snapshot taken after the `machine` line was
 *    applied and task main started, before the first command:
 *      pgmigrate_success pgmigrate_fail thp_migration_success
 *      thp_migration_fail thp_migration_split thp_fault_alloc
 *      thp_fault_fallback thp_split_pmd thp_split_page
 *      thp_deferred_split_page numa_pte_updates numa_huge_pte_updates
 *      numa_hint_faults numa_hint_faults_local numa_pages_migrated
 *      unevictable_pgs_mlocked unevictable_pgs_munlocked
 *      unevictable_pgs_culled unevictable_pgs_cleared
 *      unevictable_pgs_rescued unevictable_pgs_stranded pgactivate
 *      pgdeactivate pglazyfree pswpin pswpout oom_kill pgmajfault cow_ksm
 *      swap_ra swap_ra_hit thp_swpout_fallback
 *    (each gave the same delta on repeated runs of the same scenario, the
 *    swap ones in every scenario of tests/scenarios/swap; pgrotated did not,
 *    nor does any counter under memory pressure.  THP use_zero_page=0, so
 *    thp_zero_page_alloc, the only zero-page counter, never moves and is
 *    left out).  Before the
 *    snapshot, `vmstat` and `numa_maps`, every CPU's LRU and mlock batches are
 *    flushed (lru_drain): without that, pgdeactivate and numa_maps' active=
 *    depend on what happens to wait in a per-CPU batch (active= even differed
 *    between two runs of one scenario).
 *    The counters are machine-wide; a task's interpreter pages stay out of
 *    them except under `migrate_pages`, which moves those too.
 *  - Swap: there is none until `swapon SIZE`, which uses the swap disk,
 *    /dev/vda: a 1 GiB raw disk that gen-expected.sh attaches only to
 *    scenarios with a swapon or swapoff line.  Before anything runs, such a
 *    scenario checks that /dev/vda is that disk (virtio serial oracle-disk0,
 *    at least 1 GiB): elsewhere /dev/vda may be a real disk, which a swap
 *    header would destroy.  The controller writes a version-1 swap header as
 *    mkswap writes it (SWAPSPACE2, last_page = SIZE / 4096 - 1, no bad pages,
 *    no label, a fixed UUID) on the first page, fsyncs, and calls swapon(2)
 *    with flags 0; `swapoff` calls swapoff(2).  SIZE is rounded down to whole
 *    pages; less than one page or more than the disk is a usage error.  Both
 *    calls run pinned to the home CPU: swapoff allocates the pages it brings
 *    back on the node of the CPU it runs on.  After `madvise ... pageout` the
 *    controller waits until no page is under writeback (nr_writeback 0 after
 *    vm.stat_refresh), so the next command finds the swap writes done,
 *    however loaded the host is.  A swap area still on at the end is
 *    switched off.
 *  - Memory policies: set_mempolicy, get_mempolicy and mbind run in the
 *    current task's server with the real system calls (masks of 64 W + 1
 *    bits as for migrate_pages; get_mempolicy always with maxnode 65).
 *  - The OOM killer: when a task's server stops answering in the middle of
 *    a command and /proc/vmstat's oom_kill has grown since the controller
 *    last looked, the task was killed for memory: the command prints
 *    `VERB = killed` (a bound name gets all ones) and later commands in
 *    that task print -1 ESRCH, as for a task that could not be created.
 *    A task killed while another one's command ran (the OOM killer takes
 *    the largest process, not always the one allocating) is dead from the
 *    end of that command: after each command, as long as oom_kill counts
 *    more kills than the controller has seen, it waits for that many tasks
 *    to exit and marks them dead.  Any other death of a server is an
 *    internal failure (exit 1).
 *  - Where the language could mean more than one thing (task does not switch
 *    tasks, default caps, hole placement, MAP_FAILED names, '?' status
 *    entries, ...), the choices made here are part of the contract: see
 *    "Details of the contract" in docs/scenarios.md.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/magic.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define PAGE            4096ULL
#define MAX_PAGES       (1u << 20)      /* pages in one move_pages/nodes */
#define MAX_VMAS        131072          /* VMAs reported by one vmas */
#define MAX_TOKENS      64
#define MAX_NODE_BIT    32766           /* highest node number in a mask */
#define STATUS_SENTINEL (-12345)        /* printed as '?' */
#define HOLE_BASE       0x100000000000ULL /* 16 TiB: holes live here */
#define HOLE_GAP        (2ULL << 20)
#define FILES_DIR       "/mmsfiles"
#define MEMLOCK_LIMIT   (8ULL << 20)
#define FNV_BASIS       0xcbf29ce484222325ULL
#define FNV_PRIME       0x100000001b3ULL
#define MPOL_MF_MOVE_CONST 2            /* move_pages default flags */
#define DEAD_PID        INT_MAX         /* pid used for a task that failed */
#define SWAP_DEV        "/dev/vda"      /* the swap disk gen-expected.sh attaches */
#define SWAP_SERIAL     "oracle-disk0"  /* its virtio serial (run-in-linux.sh) */
#define SWAP_DISK_BYTES (1ULL << 30)    /* its size: the largest swapon SIZE */

static int verbose;

/* ====================================================================== */
/* small utilities                                                         */
/* ====================================================================== */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "mms-linux: out of memory\n");
		exit(1);
	}
	return p;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p) {
		fprintf(stderr, "mms-linux: out of memory\n");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "mms-linux: out of memory\n");
		exit(1);
	}
	return d;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* 1: all read; 0: EOF before the first byte; -1: error or short read */
static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);
		if (k == 0)
			return got ? -1 : 0;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	return 1;
}

/* Writes a string to a (sysfs, cgroup) file; 0 or an errno. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int e = 0;
	if (write_all(fd, s, strlen(s)) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	return e;
}

/* Reads a small file into buf (NUL-terminated, trailing newline removed). */
static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* Errno name as glibc's strerrorname_np gives it, or E<number>. */
static const char *ename(int e)
{
	static char bufs[4][24];
	static int i;
	const char *s = e > 0 ? strerrorname_np(e) : NULL;
	if (s)
		return s;
	char *b = bufs[i++ & 3];
	snprintf(b, sizeof bufs[0], "E%d", e);
	return b;
}

struct sb {
	char *s;
	size_t n, cap;
};

static void sb_putf(struct sb *b, const char *fmt, ...)
{
	for (;;) {
		size_t room = b->cap - b->n;
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 64) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

/* ====================================================================== */
/* controller <-> server protocol                                          */
/* ====================================================================== */

enum op {
	OP_MMAP = 1,    /* a0 size, a1 prot, a2 flags, a3 offset, a4 has_file */
	OP_HOLE,        /* a0 size */
	OP_SYS,         /* a0 syscall nr, a1..a3 arguments */
	OP_WRITE,       /* a0 addr, a1 size, a2 byte */
	OP_READ,        /* a0 addr, a1 size */
	OP_MOVE,        /* a0 pid, a1 count, a2 has_nodes, a3 flags;
	                   payload: u64 pages[count], i32 nodes[count] */
	OP_MIGRATE,     /* a0 pid, a1 maxnode, a2 words; payload old[], new[] */
	OP_VMAS,        /* a0 addr, a1 size */
	OP_FSYNC,       /* path */
	OP_FORK,        /* new channel passed with SCM_RIGHTS */
	OP_SETPOL,      /* a0 mode, a1 maxnode (0: NULL mask); payload mask[] */
	OP_MBIND,       /* a0 addr, a1 len, a2 mode, a3 maxnode (0: NULL mask),
	                   a4 flags; payload mask[] */
	OP_GETPOL,      /* a0 addr, a1 flags, a2 maxnode; reply val = mode,
	                   payload mask[] */
	OP_THREAD,      /* a0 cpu (-1: the creator's); the new thread's channel
	                   passed with SCM_RIGHTS */
	OP_EXIT,        /* a0 1: the process (exit_group), 0: this thread */
};

struct req {
	uint32_t op;
	uint32_t pad;
	uint64_t len;           /* payload bytes that follow */
	int64_t a[6];
	char path[256];
};

struct rep {
	int64_t ret;            /* system call result, -1 on failure */
	int32_t err;            /* errno when ret == -1 */
	int32_t sig;            /* write/read: signal that stopped it, or 0 */
	uint64_t val;           /* address, hash, page offset, pid */
	uint64_t len;           /* payload bytes that follow */
};

struct vma_ent {
	uint64_t start, end;
	char perms[8];
};

/* ====================================================================== */
/* server: one per task, owns the task's address space                     */
/* ====================================================================== */

/* Each thread of a server serves its own channel; the buffers below are
 * shared, which is safe because the controller has one request in flight
 * at a time. */
static __thread int chan = -1;
static uint64_t srv_in[(MAX_PAGES * 12ULL) / 8 + 1024];
static int32_t srv_status[MAX_PAGES];
static struct vma_ent srv_vmas[MAX_VMAS];
static unsigned long srv_mask[MAX_NODE_BIT / 64 + 2];
static char srv_maps[1 << 16];
static uint64_t hole_next = HOLE_BASE;

/* A fault is delivered to the thread that made it: the access state is
 * per thread. */
static __thread sigjmp_buf acc_jb;
static __thread volatile sig_atomic_t acc_active;
static __thread volatile int acc_sig;
static __thread volatile uint64_t acc_off;

/*
 * The scenario's threads (`thread`): pthreads of the server process, each
 * serving the channel it was given.  Their stacks are static so that a new
 * thread maps nothing: the scenario's address-space layout stays its own.
 * (glibc still allocates the thread's small DTV, from the brk heap, never
 * from the mmap area.)  Slots are never reused: a child forked by a
 * thread runs on that thread's stack.  The child closes the channels of
 * the threads it did not inherit.
 */
#define SRV_THREADS      32
#define SRV_THREAD_STACK (128 << 10)
struct srv_thread {
	int chan;               /* -1 once the thread has ended */
	int cpu;
};
static struct srv_thread srv_threads[SRV_THREADS];
static int srv_nthreads;
static char srv_stacks[SRV_THREADS][SRV_THREAD_STACK] __attribute__((aligned(4096)));

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!acc_active) {
		/* A fault outside write/read is a bug: die with it. */
		signal(sig, SIG_DFL);
		return;
	}
	acc_active = 0;
	acc_sig = sig;
	siglongjmp(acc_jb, 1);
}

static void srv_reply(struct rep *p, const void *payload, uint64_t len)
{
	p->len = len;
	if (write_all(chan, p, sizeof *p) < 0)
		_exit(1);
	if (len && write_all(chan, payload, len) < 0)
		_exit(1);
}

/* Receives a request header, and a file descriptor if one came with it.
 * 1: ok; 0: EOF; -1: error. */
static int srv_recv(struct req *q, int *passed)
{
	size_t got = 0;
	*passed = -1;
	while (got < sizeof *q) {
		struct iovec iov = { (char *)q + got, sizeof *q - got };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} cm;
		struct msghdr mh;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		ssize_t k = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
		if (k == 0)
			return got ? -1 : 0;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				memcpy(passed, CMSG_DATA(c), sizeof(int));
		got += (size_t)k;
	}
	return 1;
}

/* Offset (from addr) of the start of the page after addr+off, capped. */
static uint64_t next_page_off(uint64_t addr, uint64_t off, uint64_t size)
{
	uint64_t next = ((addr + off) & ~(PAGE - 1)) + PAGE - addr;
	if (next <= off || next > size)
		next = size;
	return next;
}

/* Stores `byte` to every byte of [addr, addr+size) in ascending order.
 * Permissions are per page, so the first byte of each page is stored alone
 * (it is the one that faults) and the rest of the page is filled after. */
static void srv_write(struct rep *p, uint64_t addr, uint64_t size, int byte)
{
	acc_off = 0;
	acc_sig = 0;
	if (sigsetjmp(acc_jb, 1)) {
		p->sig = acc_sig;
		p->val = acc_off / PAGE;
		return;
	}
	acc_active = 1;
	while (acc_off < size) {
		uint64_t off = acc_off;
		*(volatile unsigned char *)(uintptr_t)(addr + off) = (unsigned char)byte;
		uint64_t next = next_page_off(addr, off, size);
		if (next - off > 1)
			memset((void *)(uintptr_t)(addr + off + 1), byte, next - off - 1);
		acc_off = next;
	}
	acc_active = 0;
}

/* FNV-1a 64 over [addr, addr+size), page by page as srv_write. */
static void srv_read(struct rep *p, uint64_t addr, uint64_t size)
{
	uint64_t h = FNV_BASIS;
	acc_off = 0;
	acc_sig = 0;
	if (sigsetjmp(acc_jb, 1)) {
		p->sig = acc_sig;
		p->val = acc_off / PAGE;
		return;
	}
	acc_active = 1;
	while (acc_off < size) {
		uint64_t off = acc_off;
		const unsigned char *base = (const unsigned char *)(uintptr_t)addr;
		unsigned char c = *(volatile const unsigned char *)(uintptr_t)(addr + off);
		uint64_t next = next_page_off(addr, off, size);
		h = (h ^ c) * FNV_PRIME;
		for (uint64_t i = off + 1; i < next; i++)
			h = (h ^ base[i]) * FNV_PRIME;
		acc_off = next;
	}
	acc_active = 0;
	p->val = h;
}

/* A range that is unmapped now and that no later mmap(NULL, ...) will pick:
 * holes are taken from a region far below the top-down mmap area. */
static void srv_hole(struct rep *p, uint64_t size)
{
	uint64_t len = (size ? size : 1);
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (len < size) {
		p->ret = -1;
		p->err = ENOMEM;
		return;
	}
	uint64_t step = ((len + HOLE_GAP - 1) & ~(HOLE_GAP - 1)) + HOLE_GAP;
	for (int tries = 0; tries < 4096; tries++) {
		long r = syscall(SYS_mmap, hole_next, len, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
				 -1, 0);
		if (r == -1 && errno == EEXIST) {
			hole_next += step;
			continue;
		}
		if (r == -1) {
			p->ret = -1;
			p->err = errno;
			return;
		}
		syscall(SYS_munmap, r, len);
		p->val = (uint64_t)r;
		hole_next = (uint64_t)r + step;
		return;
	}
	p->ret = -1;
	p->err = ENOMEM;
}

static int vma_line(const char *s, uint64_t a, uint64_t e, int *n)
{
	char *end;
	uint64_t start = strtoull(s, &end, 16);
	if (*end != '-')
		return -1;
	uint64_t stop = strtoull(end + 1, &end, 16);
	if (*end != ' ' || strlen(end + 1) < 4)
		return -1;
	if (start < e && stop > a) {
		if (*n >= MAX_VMAS)
			return -1;
		struct vma_ent *v = &srv_vmas[(*n)++];
		v->start = start;
		v->end = stop;
		memset(v->perms, 0, sizeof v->perms);
		memcpy(v->perms, end + 1, 4);
	}
	return 0;
}

/* The VMAs of /proc/self/maps that intersect [a, e), unclipped. */
static void srv_vmas_op(struct rep *p, uint64_t a, uint64_t size)
{
	uint64_t e = a + size < a ? UINT64_MAX : a + size;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		p->ret = -1;
		p->err = errno;
		srv_reply(p, NULL, 0);
		return;
	}
	int n = 0, eof = 0;
	size_t have = 0;
	while (!eof) {
		ssize_t k = read(fd, srv_maps + have, sizeof srv_maps - 1 - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			p->ret = -1;
			p->err = errno;
			close(fd);
			srv_reply(p, NULL, 0);
			return;
		}
		if (k == 0)
			eof = 1;
		have += (size_t)k;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(srv_maps + start, '\n', have - start);
			if (!nl) {
				if (!eof || start >= have)
					break;
				nl = srv_maps + have;
			}
			*nl = 0;
			vma_line(srv_maps + start, a, e, &n);
			start = (size_t)(nl - srv_maps) + 1;
			if (start > have)
				start = have;
		}
		memmove(srv_maps, srv_maps + start, have - start);
		have -= start;
		if (have == sizeof srv_maps - 1)
			have = 0;       /* absurdly long line: drop it */
	}
	close(fd);
	srv_reply(p, srv_vmas, (uint64_t)n * sizeof srv_vmas[0]);
}

static void srv_move(struct rep *p, const struct req *q)
{
	uint64_t n = (uint64_t)q->a[1];
	void **pages = (void **)srv_in;
	int *nodes = q->a[2] ? (int *)(srv_in + n) : NULL;
	for (uint64_t i = 0; i < n; i++)
		srv_status[i] = STATUS_SENTINEL;
	long r = syscall(SYS_move_pages, (long)(int)q->a[0], (unsigned long)n,
			 pages, nodes, srv_status, (long)(int)q->a[3]);
	if (r < 0) {
		p->ret = -1;
		p->err = errno;
		srv_reply(p, NULL, 0);
		return;
	}
	p->ret = r;
	srv_reply(p, srv_status, n * sizeof srv_status[0]);
}

static void *srv_thread_main(void *arg);

/* Serves requests until EOF (or `exit`).  Returns only in a thread that
 * ends alone; the process itself ends with _exit (exit_group). */
static void server_loop(void)
{
	for (;;) {
		struct req q;
		int passed;
		int r = srv_recv(&q, &passed);
		if (r <= 0)
			_exit(0);
		if (q.len > sizeof srv_in)
			_exit(3);
		if (q.len && read_all(chan, srv_in, q.len) != 1)
			_exit(0);
		q.path[sizeof q.path - 1] = 0;

		struct rep p;
		memset(&p, 0, sizeof p);
		long ret;
		switch (q.op) {
		case OP_MMAP: {
			int fd = -1;
			if (q.a[4]) {
				fd = open(q.path, O_RDWR | O_CLOEXEC);
				if (fd < 0) {
					p.ret = -1;
					p.err = errno;
					break;
				}
			}
			ret = syscall(SYS_mmap, 0L, q.a[0], q.a[1], q.a[2], (long)fd, q.a[3]);
			if (ret == -1) {
				p.ret = -1;
				p.err = errno;
			}
			p.val = (uint64_t)ret;
			if (fd >= 0)
				close(fd);
			break;
		}
		case OP_HOLE:
			srv_hole(&p, (uint64_t)q.a[0]);
			break;
		case OP_SYS:
			ret = syscall(q.a[0], q.a[1], q.a[2], q.a[3]);
			p.ret = ret;
			if (ret == -1)
				p.err = errno;
			break;
		case OP_WRITE:
			srv_write(&p, (uint64_t)q.a[0], (uint64_t)q.a[1], (int)q.a[2]);
			break;
		case OP_READ:
			srv_read(&p, (uint64_t)q.a[0], (uint64_t)q.a[1]);
			break;
		case OP_MOVE:
			srv_move(&p, &q);
			continue;
		case OP_MIGRATE: {
			uint64_t w = (uint64_t)q.a[2];
			ret = syscall(SYS_migrate_pages, (long)(int)q.a[0], (unsigned long)q.a[1],
				      srv_in, srv_in + w);
			p.ret = ret;
			if (ret == -1)
				p.err = errno;
			break;
		}
		case OP_VMAS:
			srv_vmas_op(&p, (uint64_t)q.a[0], (uint64_t)q.a[1]);
			continue;
		case OP_SETPOL:
			ret = syscall(SYS_set_mempolicy, (long)(int)q.a[0],
				      q.a[1] ? (unsigned long *)srv_in : NULL, (unsigned long)q.a[1]);
			p.ret = ret;
			if (ret == -1)
				p.err = errno;
			break;
		case OP_MBIND:
			ret = syscall(SYS_mbind, (unsigned long)q.a[0], (unsigned long)q.a[1],
				      (unsigned long)(unsigned)q.a[2],
				      q.a[3] ? (unsigned long *)srv_in : NULL, (unsigned long)q.a[3],
				      (unsigned long)(unsigned)q.a[4]);
			p.ret = ret;
			if (ret == -1)
				p.err = errno;
			break;
		case OP_GETPOL: {
			int mode = 0;
			uint64_t w = ((uint64_t)q.a[2] - 1 + 63) / 64;
			if (w > sizeof srv_mask / sizeof srv_mask[0])
				w = sizeof srv_mask / sizeof srv_mask[0];
			memset(srv_mask, 0, sizeof srv_mask);
			ret = syscall(SYS_get_mempolicy, &mode, srv_mask, (unsigned long)q.a[2],
				      (unsigned long)q.a[0], (unsigned long)q.a[1]);
			p.ret = ret;
			if (ret == -1) {
				p.err = errno;
				srv_reply(&p, NULL, 0);
			} else {
				p.val = (uint64_t)(int64_t)mode;
				srv_reply(&p, srv_mask, w * sizeof srv_mask[0]);
			}
			continue;
		}
		case OP_FSYNC: {
			int fd = open(q.path, O_RDWR | O_CLOEXEC);
			if (fd < 0 || fsync(fd) < 0) {
				p.ret = -1;
				p.err = errno;
			}
			if (fd >= 0)
				close(fd);
			break;
		}
		case OP_FORK: {
			if (passed < 0) {
				p.ret = -1;
				p.err = EBADF;
				break;
			}
			pid_t pid = fork();
			if (pid == 0) {
				/* Only the forking thread lives on in the child,
				 * maybe on one of the stacks: no slot is reused. */
				for (int i = 0; i < srv_nthreads; i++) {
					if (srv_threads[i].chan >= 0 && srv_threads[i].chan != chan)
						close(srv_threads[i].chan);
					srv_threads[i].chan = -1;
				}
				close(chan);
				chan = passed;
				continue;       /* the child serves the new channel */
			}
			close(passed);
			if (pid < 0) {
				p.ret = -1;
				p.err = errno;
			}
			p.val = (uint64_t)pid;
			break;
		}
		case OP_THREAD: {
			pthread_attr_t at;
			pthread_t th;
			if (passed < 0 || srv_nthreads == SRV_THREADS) {
				p.ret = -1;
				p.err = passed < 0 ? EBADF : EAGAIN;
				break;
			}
			struct srv_thread *st = &srv_threads[srv_nthreads];
			st->chan = passed;
			st->cpu = (int)q.a[0];
			pthread_attr_init(&at);
			pthread_attr_setstack(&at, srv_stacks[srv_nthreads], SRV_THREAD_STACK);
			pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
			int e = pthread_create(&th, &at, srv_thread_main, st);
			pthread_attr_destroy(&at);
			if (e) {
				p.ret = -1;
				p.err = e;
				break;
			}
			srv_nthreads++;
			passed = -1;            /* the thread's now */
			break;
		}
		case OP_EXIT:
			srv_reply(&p, NULL, 0);
			if (q.a[0])
				_exit(0);       /* exit_group: every thread ends */
			for (int i = 0; i < srv_nthreads; i++)
				if (srv_threads[i].chan == chan)
					srv_threads[i].chan = -1;
			close(chan);
			return;                 /* the thread's exit */
		default:
			p.ret = -1;
			p.err = ENOSYS;
			break;
		}
		if (passed >= 0 && q.op != OP_FORK)
			close(passed);
		srv_reply(&p, NULL, 0);
	}
}

/* A scenario thread: pinned first (without cpu= it keeps the affinity it
 * inherited, its creator's CPU), then it says its tid on its channel and
 * serves it. */
static void *srv_thread_main(void *arg)
{
	struct srv_thread *st = arg;
	struct rep p;
	chan = st->chan;
	if (st->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(st->cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			fprintf(stderr, "mms-linux: warning: cannot pin thread to CPU %d: %s\n",
				st->cpu, strerror(errno));
	}
	memset(&p, 0, sizeof p);
	p.val = (uint64_t)gettid();
	srv_reply(&p, NULL, 0);
	server_loop();
	return NULL;
}

/* uid/gid/supplementary groups, capabilities, dumpable.  0 or an errno. */
static int set_creds(unsigned uid, int caps)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return errno;
	if (setgroups(0, NULL) < 0)
		return errno;
	if (setresgid(uid, uid, uid) < 0)
		return errno;
	if (setresuid(uid, uid, uid) < 0)
		return errno;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &h, d) < 0)
		return errno;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (caps) {
			d[i].effective = d[i].permitted;
		} else {
			d[i].effective = 0;
			d[i].permitted = 0;
			d[i].inheritable = 0;
		}
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return errno;
	if (!caps)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* A credential change made the mm non-dumpable, which would fail the
	 * ptrace access check of move_pages/migrate_pages even between tasks
	 * of equal uid; a plain process of that uid would be dumpable. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return errno;
	return 0;
}

/* The server's own memory (.bss buffers, heap) must not get transparent
 * huge pages: their faults, and the PMD splits when a forked server writes to
 * them, would count in `vmstat`.  The server starts with THP disabled for its
 * whole mm (PR_SET_THP_DISABLE, inherited from the controller across fork and
 * exec), so nothing of its own is huge yet; it marks its private anonymous
 * writable VMAs MADV_NOHUGEPAGE and then allows THP again for the scenario's
 * mappings. */
static void srv_own_memory_nohuge(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t have = 0;
	if (fd >= 0) {
		while (have < sizeof srv_maps - 1) {
			ssize_t k = read(fd, srv_maps + have, sizeof srv_maps - 1 - have);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			have += (size_t)k;
		}
		close(fd);
	}
	srv_maps[have] = 0;
	for (char *line = srv_maps, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
		unsigned long long start, end, off;
		unsigned long ino;
		char perms[8];
		int pos = -1;
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %lu %n", &start, &end, perms, &off,
			   &ino, &pos) < 5 || pos < 0)
			continue;
		if (!strcmp(perms, "rw-p") && ino == 0 &&
		    (!line[pos] || !strcmp(line + pos, "[heap]")))
			madvise((void *)(uintptr_t)start, end - start, MADV_NOHUGEPAGE);
	}
	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
}

/* mms-linux --server FD UID CAPS VERBOSE */
static int server_main(int argc, char **argv)
{
	if (argc < 6)
		return 1;
	srv_own_memory_nohuge();
	chan = atoi(argv[2]);
	unsigned uid = (unsigned)strtoul(argv[3], NULL, 10);
	int caps = atoi(argv[4]);
	verbose = atoi(argv[5]);
	fcntl(chan, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_DFL);

	struct rep p;
	memset(&p, 0, sizeof p);
	int e = set_creds(uid, caps);
	if (e) {
		p.ret = -1;
		p.err = e;
		srv_reply(&p, NULL, 0);
		_exit(1);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	p.val = (uint64_t)getpid();
	srv_reply(&p, NULL, 0);
	server_loop();
	return 0;
}

/* ====================================================================== */
/* scenario parsing                                                         */
/* ====================================================================== */

enum kind {
	K_NOP, K_MACHINE, K_TASK, K_FORK, K_USE, K_FILE, K_MMAP, K_HOLE,
	K_MUNMAP, K_MPROTECT, K_WRITE, K_READ, K_MOVE, K_NODES, K_MIGRATE,
	K_VMAS, K_MLOCK, K_MUNLOCK, K_MSYNC, K_FSYNC, K_MADVISE, K_NUMA_MAPS,
	K_SMAPS, K_VMSTAT, K_SETPOL, K_GETPOL, K_MBIND, K_SWAPON, K_SWAPOFF,
	K_CGROUP, K_CGSET, K_MEMCG, K_THREAD, K_EXIT, K_DISTANCE, K_ILWEIGHT,
	K_CPUSET,
};

struct aref {
	int name;               /* index in the mapping-name table */
	uint64_t off;
};

struct pitem {
	struct aref a;
	uint64_t n;             /* consecutive pages */
};

struct cmd {
	int line;
	enum kind k;
	const char *verb;
	int bind;               /* mmap/hole: name bound */
	int task;               /* task/fork/use: task index */
	int file;               /* file/mmap/fsync: file index, -1 none */
	struct aref addr;
	uint64_t size;
	int prot, mflags;
	uint64_t offset;
	int byte;
	long arg;               /* msync flags, madvise advice */
	struct pitem *items;
	int nitems;
	uint64_t npages;
	int *to;                /* NULL: query */
	int nto;
	int flags;
	int pid_task;           /* >= 0: pid of that task; else pid_lit */
	long pid_lit;
	unsigned long *masks;   /* old[mwords], new[mwords] */
	int mwords;
	unsigned uid;
	int caps;
	char *mems;
	int cpu;                /* task: CPU to run on, -1 = the home CPU;
	                           thread: -1 = its creator's CPU */
	long mode;              /* set_mempolicy/mbind: mode with mode flags */
	int has_addr;           /* get_mempolicy: ADDR given */
	int cgroup;             /* task cgroup=, cgroup, cgroup_set, memcg: -1 none */
	int parent_cg;          /* cgroup parent=: -1 the scenario's root */
	char *cgfile[8];        /* cgroup/cgroup_set: files to write, in order */
	char *cgval[8];
	int ncg;
};

struct symtab {
	char **v;
	int n, cap;
};

static int sym_find(const struct symtab *t, const char *s)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], s))
			return i;
	return -1;
}

static int sym_add(struct symtab *t, const char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
	}
	t->v[t->n] = xstrdup(s);
	return t->n++;
}

static const char *fname;
static int cur_line;
static struct symtab maps, tasks, files, cgroups;
static char *mbound;            /* parse time: mapping name bound yet */
static int mbound_cap;
static struct cmd *cmds;
static int ncmds, cmds_cap;
static const char *thp_mode = "never";
/* machine numa_balancing=N (kernel.numa_balancing, default 0: off) and
 * its tunables, each "" unless the machine line sets it. */
static char numab_mode[4] = "0";
#define NUMAB_DEBUGFS "/sys/kernel/debug/sched/numa_balancing/"
static const char *const numab_knobs[] = {
	"scan_delay_ms", "scan_period_min_ms", "scan_period_max_ms", "scan_size_mb",
	"hot_threshold_ms", "promote_rate_limit_MBps",
};
#define NUMAB_NKNOBS (sizeof numab_knobs / sizeof numab_knobs[0])
static char numab_knob_val[NUMAB_NKNOBS][24];
static int lru_classic;         /* machine lru=classic: lru_gen disabled */
/* machine lru_gen_min_ttl_ms=N: MGLRU's thrashing prevention ("" unless
 * the machine line sets it). */
static char min_ttl_val[24];
static long machine_nodes = -1;
static long machine_cpus = 2;   /* machine cpus=: thread cpu= is checked against it */
static int parse_cur;           /* parse time: the task `use` made current */
static int *cpuset_owner;       /* parse time, per task: whose mems= made its
				   cpuset (-1: none, the root's) */
static int cpuset_owner_cap;
static int uses_vmstat;         /* a vmstat command: take the snapshot */
static int uses_swap;           /* a swapon or swapoff command: check the disk */

static void uerr(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: ", fname, cur_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Decimal or 0x-hex, the whole string. */
static int num_u64(const char *s, uint64_t *out)
{
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d;
		unsigned char c = (unsigned char)*s;
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

static int num_i64(const char *s, long long lo, long long hi, long long *out)
{
	int neg = 0;
	uint64_t u;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (num_u64(s, &u) < 0 || u > (uint64_t)LLONG_MAX)
		return -1;
	long long v = neg ? -(long long)u : (long long)u;
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* SIZE: number with optional k, m, g (KiB, MiB, GiB) or p (pages) suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	char buf[64];
	size_t n = strlen(s);
	uint64_t mul = 1;
	if (!n || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n + 1);
	switch (tolower((unsigned char)buf[n - 1])) {
	case 'k': mul = 1ULL << 10; break;
	case 'm': mul = 1ULL << 20; break;
	case 'g': mul = 1ULL << 30; break;
	case 'p': mul = PAGE; break;
	}
	if (mul != 1)
		buf[n - 1] = 0;
	uint64_t v;
	if (num_u64(buf, &v) < 0)
		return -1;
	if (v && mul > UINT64_MAX / v)
		return -1;
	*out = v * mul;
	return 0;
}

static uint64_t size_arg(const char *s)
{
	uint64_t v;
	if (parse_size(s, &v) < 0)
		uerr("malformed size '%s'", s);
	return v;
}

static int valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	size_t n = 0;
	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return 0;
	return n <= 128;
}

static void name_arg(const char *s, const char *what)
{
	if (!valid_name(s))
		uerr("malformed %s name '%s'", what, s);
}

static int task_ref(const char *s)
{
	int t = sym_find(&tasks, s);
	if (t < 0)
		uerr("unknown task '%s'", s);
	return t;
}

static int file_ref(const char *s)
{
	int f = sym_find(&files, s);
	if (f < 0)
		uerr("unknown file '%s'", s);
	return f;
}

/* ADDR: NAME or NAME+SIZE, NAME bound by an earlier mmap or hole. */
static struct aref addr_arg(const char *s)
{
	struct aref a = { -1, 0 };
	char buf[256];
	if (strlen(s) >= sizeof buf)
		uerr("malformed address '%s'", s);
	strcpy(buf, s);
	char *plus = strchr(buf, '+');
	if (plus) {
		*plus = 0;
		if (parse_size(plus + 1, &a.off) < 0)
			uerr("malformed address offset '%s'", plus + 1);
	}
	if (!valid_name(buf))
		uerr("malformed address '%s'", s);
	a.name = sym_find(&maps, buf);
	if (a.name < 0 || !mbound[a.name])
		uerr("unbound name '%s'", buf);
	return a;
}

static int prot_arg(const char *s)
{
	if (!strcmp(s, "none"))
		return PROT_NONE;
	int p = 0;
	if (!*s)
		uerr("malformed protection ''");
	for (const char *c = s; *c; c++) {
		int bit = *c == 'r' ? PROT_READ : *c == 'w' ? PROT_WRITE :
			  *c == 'x' ? PROT_EXEC : 0;
		if (!bit || (p & bit))
			uerr("malformed protection '%s'", s);
		p |= bit;
	}
	return p;
}

/* Comma-separated integers within [lo, hi]; empty allowed if allow_empty. */
static int *list_arg(const char *s, long lo, long hi, int allow_empty, int *count)
{
	int n = 0, cap = 8;
	int *v = xcalloc((size_t)cap, sizeof *v);
	*count = 0;
	if (!*s) {
		if (!allow_empty)
			uerr("empty node list");
		return v;
	}
	char *dup = xstrdup(s), *save = NULL;
	if (dup[strlen(dup) - 1] == ',' || dup[0] == ',' || strstr(dup, ",,"))
		uerr("malformed list '%s'", s);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long long x;
		if (num_i64(t, lo, hi, &x) < 0)
			uerr("malformed node number '%s'", t);
		if (n == cap) {
			cap *= 2;
			v = xrealloc(v, (size_t)cap * sizeof *v);
		}
		v[n++] = (int)x;
	}
	free(dup);
	*count = n;
	return v;
}

/* PAGES: ADDR or ADDR*N items, comma-separated. */
static void pages_arg(struct cmd *c, const char *s)
{
	char *dup = xstrdup(s), *save = NULL;
	if (!*dup || dup[strlen(dup) - 1] == ',' || dup[0] == ',' || strstr(dup, ",,"))
		uerr("malformed page list '%s'", s);
	int cap = 4;
	c->items = xcalloc((size_t)cap, sizeof *c->items);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct pitem it;
		char *star = strchr(t, '*');
		it.n = 1;
		if (star) {
			*star = 0;
			if (num_u64(star + 1, &it.n) < 0)
				uerr("malformed page count '%s'", star + 1);
		}
		it.a = addr_arg(t);
		if (c->nitems == cap) {
			cap *= 2;
			c->items = xrealloc(c->items, (size_t)cap * sizeof *c->items);
		}
		c->items[c->nitems++] = it;
		if (it.n > MAX_PAGES || c->npages + it.n > MAX_PAGES)
			uerr("too many pages (at most %u)", MAX_PAGES);
		c->npages += it.n;
	}
	free(dup);
}

static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);
	return strncmp(tok, key, n) ? NULL : tok + n;
}

static void pid_arg(struct cmd *c, const char *v)
{
	long long x;
	if (valid_name(v)) {
		c->pid_task = task_ref(v);
	} else if (num_i64(v, INT_MIN, INT_MAX, &x) == 0) {
		c->pid_lit = (long)x;
	} else {
		uerr("malformed pid '%s'", v);
	}
}

static void nargs(int ntok, int lo, int hi, const char *verb)
{
	if (ntok < lo)
		uerr("%s: missing argument", verb);
	if (ntok > hi)
		uerr("%s: too many arguments", verb);
}

static void bind_name(const char *name)
{
	name_arg(name, "mapping");
	int i = sym_find(&maps, name);
	if (i < 0)
		i = sym_add(&maps, name);
	if (maps.n > mbound_cap) {
		mbound_cap = maps.cap;
		mbound = xrealloc(mbound, (size_t)mbound_cap);
	}
	mbound[i] = 1;
}

static void parse_mmap(struct cmd *c, char **tok, int ntok)
{
	nargs(ntok, 5, 11, "mmap");
	c->k = K_MMAP;
	c->verb = "mmap";
	c->size = size_arg(tok[3]);
	c->prot = prot_arg(tok[4]);
	int share = -1, src = 0, have_off = 0, pop = 0, lock = 0;
	c->file = -1;
	for (int i = 5; i < ntok; i++) {
		const char *v;
		if (!strcmp(tok[i], "private") || !strcmp(tok[i], "shared")) {
			if (share >= 0)
				uerr("mmap: private/shared given twice");
			share = !strcmp(tok[i], "shared");
		} else if (!strcmp(tok[i], "anon")) {
			if (src++)
				uerr("mmap: anon/file= given twice");
		} else if ((v = kv(tok[i], "file="))) {
			if (src++)
				uerr("mmap: anon/file= given twice");
			c->file = file_ref(v);
		} else if ((v = kv(tok[i], "offset="))) {
			if (have_off++)
				uerr("mmap: offset= given twice");
			c->offset = size_arg(v);
		} else if (!strcmp(tok[i], "populate")) {
			if (pop++)
				uerr("mmap: populate given twice");
		} else if (!strcmp(tok[i], "locked")) {
			if (lock++)
				uerr("mmap: locked given twice");
		} else {
			uerr("mmap: unknown option '%s'", tok[i]);
		}
	}
	c->mflags = (share == 1 ? MAP_SHARED : MAP_PRIVATE) |
		    (c->file < 0 ? MAP_ANONYMOUS : 0) |
		    (pop ? MAP_POPULATE : 0) | (lock ? MAP_LOCKED : 0);
	bind_name(tok[0]);
	c->bind = sym_find(&maps, tok[0]);
}

static void parse_move(struct cmd *c, char **tok, int ntok)
{
	nargs(ntok, 2, 5, "move_pages");
	c->k = K_MOVE;
	pages_arg(c, tok[1]);
	c->flags = MPOL_MF_MOVE_CONST;
	int have_to = 0, have_flags = 0, have_pid = 0;
	for (int i = 2; i < ntok; i++) {
		const char *v;
		if ((v = kv(tok[i], "to="))) {
			if (have_to++)
				uerr("move_pages: to= given twice");
			c->to = list_arg(v, INT_MIN, INT_MAX, 0, &c->nto);
			if (c->nto > 1 && (uint64_t)c->nto != c->npages)
				uerr("move_pages: to= lists %d nodes for %llu pages", c->nto,
				     (unsigned long long)c->npages);
		} else if ((v = kv(tok[i], "flags="))) {
			long long x;
			if (have_flags++)
				uerr("move_pages: flags= given twice");
			if (!strcmp(v, "move"))
				c->flags = 2;
			else if (!strcmp(v, "move_all"))
				c->flags = 4;
			else if (num_i64(v, INT_MIN, UINT_MAX, &x) == 0)
				c->flags = (int)(unsigned)x;
			else
				uerr("move_pages: malformed flags '%s'", v);
		} else if ((v = kv(tok[i], "pid="))) {
			if (have_pid++)
				uerr("move_pages: pid= given twice");
			pid_arg(c, v);
		} else {
			uerr("move_pages: unknown argument '%s'", tok[i]);
		}
	}
}

static void parse_migrate(struct cmd *c, char **tok, int ntok)
{
	nargs(ntok, 3, 4, "migrate_pages");
	c->k = K_MIGRATE;
	int *from = NULL, *to = NULL, nfrom = 0, nto = 0, have_pid = 0;
	for (int i = 1; i < ntok; i++) {
		const char *v;
		if ((v = kv(tok[i], "from="))) {
			if (from)
				uerr("migrate_pages: from= given twice");
			from = list_arg(v, 0, MAX_NODE_BIT, 1, &nfrom);
		} else if ((v = kv(tok[i], "to="))) {
			if (to)
				uerr("migrate_pages: to= given twice");
			to = list_arg(v, 0, MAX_NODE_BIT, 1, &nto);
		} else if ((v = kv(tok[i], "pid="))) {
			if (have_pid++)
				uerr("migrate_pages: pid= given twice");
			pid_arg(c, v);
		} else {
			uerr("migrate_pages: unknown argument '%s'", tok[i]);
		}
	}
	if (!from || !to)
		uerr("migrate_pages: from= and to= are required");
	int hi = 0;
	for (int i = 0; i < nfrom; i++)
		hi = from[i] > hi ? from[i] : hi;
	for (int i = 0; i < nto; i++)
		hi = to[i] > hi ? to[i] : hi;
	c->mwords = hi / 64 + 1;
	c->masks = xcalloc((size_t)c->mwords * 2, sizeof *c->masks);
	for (int i = 0; i < nfrom; i++)
		c->masks[from[i] / 64] |= 1UL << (from[i] % 64);
	for (int i = 0; i < nto; i++)
		c->masks[c->mwords + to[i] / 64] |= 1UL << (to[i] % 64);
	free(from);
	free(to);
}

/* A name for a new task (task, fork, thread): a valid one, not in use. */
static void set_cpuset_owner(int t, int owner)
{
	if (t >= cpuset_owner_cap) {
		int cap = cpuset_owner_cap ? cpuset_owner_cap * 2 : 16;
		while (cap <= t)
			cap *= 2;
		cpuset_owner = xrealloc(cpuset_owner, (size_t)cap * sizeof *cpuset_owner);
		cpuset_owner_cap = cap;
	}
	cpuset_owner[t] = owner;
}

static int cpuset_owner_of(int t)
{
	return t < cpuset_owner_cap ? cpuset_owner[t] : -1;
}

/* A fork's or a thread's name: it joins the current task's cpuset. */
static int new_task_name(const char *name)
{
	name_arg(name, "task");
	if (sym_find(&tasks, name) >= 0)
		uerr("task '%s' already exists", name);
	int t = sym_add(&tasks, name);
	set_cpuset_owner(t, cpuset_owner_of(parse_cur));
	return t;
}

/* A LIST of nodes as cpuset.mems wants it: decimal, comma-separated. */
static char *mems_text(const char *v)
{
	int n;
	int *l = list_arg(v, 0, MAX_NODE_BIT, 0, &n);
	struct sb b = { 0 };
	for (int j = 0; j < n; j++)
		sb_putf(&b, "%s%d", j ? "," : "", l[j]);
	free(l);
	return b.s;
}

static void parse_task(struct cmd *c, char **tok, int ntok)
{
	nargs(ntok, 2, 5, "task");
	c->k = K_TASK;
	name_arg(tok[1], "task");
	if (sym_find(&tasks, tok[1]) >= 0)
		uerr("task '%s' already exists", tok[1]);
	int have_uid = 0, have_caps = 0;
	c->caps = -1;
	c->cpu = -1;
	for (int i = 2; i < ntok; i++) {
		const char *v;
		long long x;
		if ((v = kv(tok[i], "uid="))) {
			if (have_uid++)
				uerr("task: uid= given twice");
			if (num_i64(v, 0, 4294967294LL, &x) < 0)
				uerr("task: malformed uid '%s'", v);
			c->uid = (unsigned)x;
		} else if ((v = kv(tok[i], "caps="))) {
			if (have_caps++)
				uerr("task: caps= given twice");
			if (!strcmp(v, "all"))
				c->caps = 1;
			else if (!strcmp(v, "none"))
				c->caps = 0;
			else
				uerr("task: caps= must be all or none");
		} else if ((v = kv(tok[i], "cpu="))) {
			if (num_i64(v, 0, 1023, &x) < 0)
				uerr("task: malformed cpu '%s'", v);
			c->cpu = (int)x;
		} else if ((v = kv(tok[i], "cgroup="))) {
			if (c->cgroup >= 0)
				uerr("task: cgroup= given twice");
			c->cgroup = sym_find(&cgroups, v);
			if (c->cgroup < 0)
				uerr("task: unknown cgroup '%s'", v);
		} else if ((v = kv(tok[i], "mems="))) {
			if (c->mems)
				uerr("task: mems= given twice");
			c->mems = mems_text(v);
		} else {
			uerr("task: unknown argument '%s'", tok[i]);
		}
	}
	if (c->caps < 0)
		c->caps = c->uid == 0;      /* root keeps all, others get none */
	if (c->mems && c->cgroup >= 0)
		uerr("task: mems= and cgroup= together (a task has one cgroup)");
	c->task = sym_add(&tasks, tok[1]);
	set_cpuset_owner(c->task, c->mems ? c->task : -1);
}

/* cpuset_mems TASK LIST|none: the cpuset.mems of the cgroup TASK's (or its
 * creator's) mems= made; the write goes to the file as given, Linux
 * judges it. */
static void parse_cpuset_mems(struct cmd *c, char **tok, int ntok)
{
	nargs(ntok, 3, 3, "cpuset_mems");
	c->k = K_CPUSET;
	c->task = task_ref(tok[1]);
	if (cpuset_owner_of(c->task) < 0)
		uerr("cpuset_mems: task '%s' has no cpuset of its own (no mems=)", tok[1]);
	c->task = cpuset_owner_of(c->task);
	if (!strcmp(tok[2], "none")) {
		c->mems = xstrdup("\n");	/* what `echo > cpuset.mems` writes */
		return;
	}
	c->mems = mems_text(tok[2]);
}

/* The memory controller's files a scenario may write. */
static const char *const cg_files[] = { "memory.max", "memory.high", "memory.low", "memory.min",
					"memory.swap.max", "memory.oom.group" };

/* FILE=VALUE items of cgroup and cgroup_set: VALUE a SIZE (written in
 * bytes) or max. */
static void cg_writes(struct cmd *c, char **tok, int from, int ntok, const char *verb)
{
	for (int i = from; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		size_t k;
		if (!eq)
			uerr("%s: unknown argument '%s'", verb, tok[i]);
		for (k = 0; k < sizeof cg_files / sizeof cg_files[0]; k++)
			if (strlen(cg_files[k]) == (size_t)(eq - tok[i]) &&
			    !strncmp(tok[i], cg_files[k], (size_t)(eq - tok[i])))
				break;
		if (k == sizeof cg_files / sizeof cg_files[0])
			uerr("%s: unknown file in '%s'", verb, tok[i]);
		if (c->ncg == 8)
			uerr("%s: too many files", verb);
		c->cgfile[c->ncg] = xstrdup(cg_files[k]);
		if (!strcmp(eq + 1, "max")) {
			c->cgval[c->ncg] = xstrdup("max");
		} else {
			struct sb b = { 0 };
			sb_putf(&b, "%llu", (unsigned long long)size_arg(eq + 1));
			c->cgval[c->ncg] = b.s;
		}
		c->ncg++;
	}
}

/* cgroup NAME [parent=CG] [FILE=VALUE...], cgroup_set CG FILE=VALUE...,
 * memcg CG. */
static void parse_cgroup(struct cmd *c, char **tok, int ntok)
{
	const char *w = tok[0];
	int i = 2;
	if (!strcmp(w, "cgroup")) {
		nargs(ntok, 2, 10, w);
		c->k = K_CGROUP;
		name_arg(tok[1], "cgroup");
		if (sym_find(&cgroups, tok[1]) >= 0)
			uerr("cgroup '%s' already exists", tok[1]);
		const char *v;
		if (ntok > 2 && (v = kv(tok[2], "parent="))) {
			c->parent_cg = sym_find(&cgroups, v);
			if (c->parent_cg < 0)
				uerr("cgroup: unknown cgroup '%s'", v);
			i = 3;
		}
		cg_writes(c, tok, i, ntok, w);
		c->cgroup = sym_add(&cgroups, tok[1]);
		return;
	}
	c->cgroup = sym_find(&cgroups, ntok > 1 ? tok[1] : "");
	if (!strcmp(w, "cgroup_set")) {
		nargs(ntok, 3, 10, w);
		c->k = K_CGSET;
	} else {
		nargs(ntok, 2, 2, w);
		c->k = K_MEMCG;
	}
	if (c->cgroup < 0)
		uerr("%s: unknown cgroup '%s'", w, tok[1]);
	cg_writes(c, tok, 2, ntok, w);
}

/* NUMA memory policies: set_mempolicy, get_mempolicy, mbind. */
#define MPOL_F_STATIC_NODES_C    (1 << 15)
#define MPOL_F_RELATIVE_NODES_C  (1 << 14)
#define MPOL_F_NUMA_BALANCING_C  (1 << 13)
#define MPOL_MODE_FLAGS_C (MPOL_F_STATIC_NODES_C | MPOL_F_RELATIVE_NODES_C | \
			   MPOL_F_NUMA_BALANCING_C)
#define MPOL_F_NODE_C            1
#define MPOL_F_ADDR_C            2
#define MPOL_F_MEMS_ALLOWED_C    4

static const char *const mpol_names[] = {
	"default", "preferred", "bind", "interleave", "local", "preferred_many",
	"weighted_interleave",
};
#define NMPOL_NAMES ((long)(sizeof mpol_names / sizeof mpol_names[0]))

/* Mode flags in the order they are printed. */
static const char *const mflag_names[] = { "static", "relative", "numa_balancing" };
static const long mflag_vals[] = { MPOL_F_STATIC_NODES_C, MPOL_F_RELATIVE_NODES_C,
				   MPOL_F_NUMA_BALANCING_C };

/* F1,F2,...: names from the table or numbers (decimal or 0x-hex), OR'd.
 * *numeric is set when some item was a number. */
static long flag_list(const char *s, const char *verb, const char *const *names,
		      const long *vals, int nnames, int *numeric)
{
	long f = 0;
	char *dup = xstrdup(s), *save = NULL;
	if (!*dup || dup[strlen(dup) - 1] == ',' || dup[0] == ',' || strstr(dup, ",,"))
		uerr("%s: malformed flags '%s'", verb, s);
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;
		long long x;
		for (i = 0; i < nnames; i++)
			if (!strcmp(t, names[i]))
				break;
		if (i < nnames) {
			f |= vals[i];
		} else if (num_i64(t, 0, UINT_MAX, &x) == 0) {
			f |= (long)x;
			if (numeric)
				*numeric = 1;
		} else {
			uerr("%s: unknown flag '%s'", verb, t);
		}
	}
	free(dup);
	return (long)(unsigned)f;
}

/* MODE: a policy name or a number (decimal or 0x-hex), then any of +static,
 * +relative, +numa_balancing (the MPOL_F_* mode flags OR'd into the mode). */
static long mode_arg(const char *s, const char *verb)
{
	char *dup = xstrdup(s), *save = NULL;
	long m = -1;
	int first = 1;
	if (!*dup || dup[strlen(dup) - 1] == '+' || dup[0] == '+' || strstr(dup, "++"))
		uerr("%s: malformed mode '%s'", verb, s);
	for (char *t = strtok_r(dup, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		long i;
		long long x;
		if (first) {
			first = 0;
			for (i = 0; i < NMPOL_NAMES; i++)
				if (!strcmp(t, mpol_names[i]))
					break;
			if (i < NMPOL_NAMES)
				m = i;
			else if (num_i64(t, 0, UINT_MAX, &x) == 0)
				m = (long)x;
			else
				uerr("%s: unknown mode '%s'", verb, t);
			continue;
		}
		for (i = 0; i < 3; i++)
			if (!strcmp(t, mflag_names[i]))
				break;
		if (i == 3)
			uerr("%s: unknown mode flag '+%s'", verb, t);
		m |= mflag_vals[i];
	}
	free(dup);
	return (long)(unsigned)m;
}

/* LIST: `none` (empty mask) or comma-separated items N or N-M (N <= M),
 * nodes 0..MAX_NODE_BIT.  Sets c->masks to W words, W = highest node / 64
 * + 1 (1 for none), c->mwords = W; the call passes maxnode = 64 W + 1. */
static void nodemask_arg(struct cmd *c, const char *s, const char *verb)
{
	int cap = 8, n = 0, hi = 0;
	int *lo_v = xcalloc((size_t)cap, sizeof(int)), *hi_v = xcalloc((size_t)cap, sizeof(int));
	if (strcmp(s, "none")) {
		char *dup = xstrdup(s), *save = NULL;
		if (!*dup || dup[strlen(dup) - 1] == ',' || dup[0] == ',' || strstr(dup, ",,"))
			uerr("%s: malformed node list '%s'", verb, s);
		for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			long long a, b = 0;
			char *dash = strchr(t, '-');
			if (dash)
				*dash = 0;
			if (num_i64(t, 0, MAX_NODE_BIT, &a) < 0 ||
			    (dash && num_i64(dash + 1, 0, MAX_NODE_BIT, &b) < 0))
				uerr("%s: malformed node list '%s'", verb, s);
			if (!dash)
				b = a;
			if (b < a)
				uerr("%s: malformed node range in '%s'", verb, s);
			if (n == cap) {
				cap *= 2;
				lo_v = xrealloc(lo_v, (size_t)cap * sizeof(int));
				hi_v = xrealloc(hi_v, (size_t)cap * sizeof(int));
			}
			lo_v[n] = (int)a;
			hi_v[n++] = (int)b;
			hi = b > hi ? (int)b : hi;
		}
		free(dup);
	}
	c->mwords = hi / 64 + 1;
	c->masks = xcalloc((size_t)c->mwords, sizeof *c->masks);
	for (int i = 0; i < n; i++)
		for (int x = lo_v[i]; x <= hi_v[i]; x++)
			c->masks[x / 64] |= 1UL << (x % 64);
	free(lo_v);
	free(hi_v);
}

/* set_mempolicy MODE [nodes=LIST] [flags=F,...]
 * mbind ADDR SIZE MODE [nodes=LIST] [flags=F,...]
 * get_mempolicy [ADDR] [flags=F,...] */
static void parse_mpol(struct cmd *c, char **tok, int ntok)
{
	const char *w = tok[0];
	int i = 1, have_nodes = 0, have_flags = 0;
	if (!strcmp(w, "set_mempolicy")) {
		nargs(ntok, 2, 4, w);
		c->k = K_SETPOL;
		c->mode = mode_arg(tok[i++], w);
	} else if (!strcmp(w, "mbind")) {
		nargs(ntok, 4, 6, w);
		c->k = K_MBIND;
		c->addr = addr_arg(tok[i++]);
		c->size = size_arg(tok[i++]);
		c->mode = mode_arg(tok[i++], w);
	} else {
		nargs(ntok, 1, 3, w);
		c->k = K_GETPOL;
		if (ntok > 1 && !kv(tok[1], "flags=")) {
			c->addr = addr_arg(tok[i++]);
			c->has_addr = 1;
		}
	}
	for (; i < ntok; i++) {
		const char *v;
		if ((v = kv(tok[i], "nodes=")) && c->k != K_GETPOL) {
			if (have_nodes++)
				uerr("%s: nodes= given twice", w);
			nodemask_arg(c, v, w);
		} else if ((v = kv(tok[i], "flags="))) {
			if (have_flags++)
				uerr("%s: flags= given twice", w);
			if (c->k == K_SETPOL) {
				c->mode = (long)(unsigned)(c->mode |
							   flag_list(v, w, mflag_names, mflag_vals, 3, NULL));
			} else if (c->k == K_MBIND) {
				static const char *const n[] = { "strict", "move", "move_all" };
				static const long f[] = { 1, 2, 4 };
				c->arg = flag_list(v, w, n, f, 3, NULL);
			} else {
				static const char *const n[] = { "node", "addr", "mems_allowed" };
				static const long f[] = { MPOL_F_NODE_C, MPOL_F_ADDR_C,
							  MPOL_F_MEMS_ALLOWED_C };
				int numeric = 0;
				c->arg = flag_list(v, w, n, f, 3, &numeric);
				/* flags=N, a single number, is passed exactly as given */
				if (numeric && !strchr(v, ','))
					c->flags = 1;
			}
		} else {
			uerr("%s: unknown argument '%s'", w, tok[i]);
		}
	}
	/* get_mempolicy: ADDR adds MPOL_F_ADDR, except with flags=N */
	if (c->k == K_GETPOL && c->has_addr && !c->flags)
		c->arg |= MPOL_F_ADDR_C;
}

static int advice_arg(const char *s)
{
	static const struct { const char *n; int v; } t[] = {
		{ "normal", MADV_NORMAL }, { "willneed", MADV_WILLNEED },
		{ "dontneed", MADV_DONTNEED }, { "hugepage", MADV_HUGEPAGE },
		{ "nohugepage", MADV_NOHUGEPAGE }, { "cold", MADV_COLD },
		{ "pageout", MADV_PAGEOUT },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(s, t[i].n))
			return t[i].v;
	uerr("madvise: unknown advice '%s'", s);
	return 0;
}

static void parse_line(char *text, int line, int *seen_cmd)
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
			uerr("too many tokens");
		tok[ntok++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	if (!ntok)
		return;
	int first = !*seen_cmd;
	*seen_cmd = 1;

	if (ncmds == cmds_cap) {
		cmds_cap = cmds_cap ? cmds_cap * 2 : 64;
		cmds = xrealloc(cmds, (size_t)cmds_cap * sizeof *cmds);
	}
	struct cmd *c = &cmds[ncmds];
	memset(c, 0, sizeof *c);
	c->line = line;
	c->verb = tok[0];
	c->pid_task = -1;
	c->cgroup = -1;
	c->parent_cg = -1;
	c->file = -1;
	const char *w = tok[0];

	if (ntok >= 2 && !strcmp(tok[1], "=")) {
		nargs(ntok, 3, 64, tok[0]);
		if (!strcmp(tok[2], "mmap")) {
			parse_mmap(c, tok, ntok);
		} else if (!strcmp(tok[2], "hole")) {
			nargs(ntok, 4, 4, "hole");
			c->k = K_HOLE;
			c->verb = "hole";
			c->size = size_arg(tok[3]);
			bind_name(tok[0]);
			c->bind = sym_find(&maps, tok[0]);
		} else {
			uerr("unknown command '%s'", tok[2]);
		}
	} else if (!strcmp(w, "machine")) {
		if (!first)
			uerr("machine must be the first command");
		c->k = K_MACHINE;
		for (int i = 1; i < ntok; i++) {
			const char *v;
			long long x;
			if ((v = kv(tok[i], "thp="))) {
				if (strcmp(v, "never") && strcmp(v, "always") && strcmp(v, "madvise"))
					uerr("machine: thp= must be never, always or madvise");
				thp_mode = xstrdup(v);
			} else if ((v = kv(tok[i], "lru="))) {
				if (strcmp(v, "mglru") && strcmp(v, "classic"))
					uerr("machine: lru= must be mglru or classic");
				lru_classic = !strcmp(v, "classic");
			} else if ((v = kv(tok[i], "lru_gen_min_ttl_ms="))) {
				if (num_i64(v, 0, 86400000, &x) < 0)
					uerr("machine: lru_gen_min_ttl_ms= must be 0..86400000");
				snprintf(min_ttl_val, sizeof min_ttl_val, "%lld", x);
			} else if ((v = kv(tok[i], "nodes="))) {
				if (num_i64(v, 1, 1024, &x) < 0)
					uerr("machine: malformed nodes= '%s'", v);
				machine_nodes = (long)x;
			} else if ((v = kv(tok[i], "cpus="))) {
				if (num_i64(v, 1, 1024, &x) < 0)
					uerr("machine: malformed cpus= '%s'", v);
				machine_cpus = (long)x;
			} else if ((v = kv(tok[i], "numa_balancing="))) {
				if (num_i64(v, 0, 3, &x) < 0)
					uerr("machine: numa_balancing= must be 0..3");
				snprintf(numab_mode, sizeof numab_mode, "%lld", x);
			} else if (!strncmp(tok[i], "numa_balancing_", 15) && (v = strchr(tok[i], '='))) {
				size_t k = 0, len = (size_t)(v - tok[i]) - 15;
				while (k < NUMAB_NKNOBS && (strlen(numab_knobs[k]) != len ||
							    strncmp(numab_knobs[k], tok[i] + 15, len)))
					k++;
				if (k == NUMAB_NKNOBS || num_i64(v + 1, 0, 1LL << 40, &x) < 0)
					uerr("machine: bad NUMA balancing option '%s'", tok[i]);
				snprintf(numab_knob_val[k], sizeof numab_knob_val[k], "%lld", x);
			}
			/* mem= and anything else are for the simulator and the
			 * VM launcher; ignored here. */
		}
	} else if (!strcmp(w, "task")) {
		parse_task(c, tok, ntok);
	} else if (!strcmp(w, "fork")) {
		nargs(ntok, 2, 2, w);
		c->k = K_FORK;
		c->task = new_task_name(tok[1]);
	} else if (!strcmp(w, "thread")) {
		nargs(ntok, 2, 3, w);
		c->k = K_THREAD;
		c->cpu = -1;
		if (ntok == 3) {
			const char *v = kv(tok[2], "cpu=");
			long long x;
			if (!v)
				uerr("thread: unknown argument '%s'", tok[2]);
			if (num_i64(v, 0, 1023, &x) < 0)
				uerr("thread: malformed cpu '%s'", v);
			if (x >= machine_cpus)
				uerr("thread: cpu=%lld but the machine has %ld CPUs", x, machine_cpus);
			c->cpu = (int)x;
		}
		c->task = new_task_name(tok[1]);
	} else if (!strcmp(w, "exit")) {
		nargs(ntok, 1, 1, w);
		c->k = K_EXIT;
		/* main stands for the interpreter, which makes the files */
		if (parse_cur == 0)
			uerr("exit: task main cannot exit");
	} else if (!strcmp(w, "use")) {
		nargs(ntok, 2, 2, w);
		c->k = K_USE;
		c->task = task_ref(tok[1]);
		parse_cur = c->task;
	} else if (!strcmp(w, "file")) {
		nargs(ntok, 3, 3, w);
		c->k = K_FILE;
		name_arg(tok[1], "file");
		if (sym_find(&files, tok[1]) >= 0)
			uerr("file '%s' already exists", tok[1]);
		c->size = size_arg(tok[2]);
		c->file = sym_add(&files, tok[1]);
	} else if (!strcmp(w, "munmap") || !strcmp(w, "mlock") || !strcmp(w, "munlock") ||
		   !strcmp(w, "vmas") || !strcmp(w, "read") || !strcmp(w, "numa_maps") ||
		   !strcmp(w, "smaps")) {
		nargs(ntok, 3, 3, w);
		c->k = !strcmp(w, "munmap") ? K_MUNMAP : !strcmp(w, "mlock") ? K_MLOCK :
		       !strcmp(w, "munlock") ? K_MUNLOCK : !strcmp(w, "vmas") ? K_VMAS :
		       !strcmp(w, "numa_maps") ? K_NUMA_MAPS : !strcmp(w, "smaps") ? K_SMAPS :
		       K_READ;
		c->addr = addr_arg(tok[1]);
		c->size = size_arg(tok[2]);
	} else if (!strcmp(w, "vmstat")) {
		nargs(ntok, 1, 1, w);
		c->k = K_VMSTAT;
		uses_vmstat = 1;
	} else if (!strcmp(w, "distance")) {
		nargs(ntok, 1, 1, w);
		c->k = K_DISTANCE;
	} else if (!strcmp(w, "il_weight")) {
		long long x;
		nargs(ntok, 3, 3, w);
		c->k = K_ILWEIGHT;
		if (num_i64(tok[1], 0, 1023, &x) < 0)
			uerr("il_weight: malformed node '%s'", tok[1]);
		c->arg = (long)x;
		if (num_i64(tok[2], 0, 1 << 20, &x) < 0)
			uerr("il_weight: malformed weight '%s'", tok[2]);
		c->size = (uint64_t)x;
	} else if (!strcmp(w, "cpuset_mems")) {
		parse_cpuset_mems(c, tok, ntok);
	} else if (!strcmp(w, "swapon")) {
		nargs(ntok, 2, 2, w);
		c->k = K_SWAPON;
		uses_swap = 1;
		c->size = size_arg(tok[1]);
		/* Whole pages, rounded down as mkswap rounds a device's size. */
		if (c->size > SWAP_DISK_BYTES)
			uerr("swapon: size %s is larger than the swap disk (1 GiB)", tok[1]);
		if (c->size < PAGE)
			uerr("swapon: size %s is less than one page", tok[1]);
		c->size &= ~(PAGE - 1);
	} else if (!strcmp(w, "swapoff")) {
		nargs(ntok, 1, 1, w);
		c->k = K_SWAPOFF;
		uses_swap = 1;
	} else if (!strcmp(w, "cgroup") || !strcmp(w, "cgroup_set") || !strcmp(w, "memcg")) {
		parse_cgroup(c, tok, ntok);
	} else if (!strcmp(w, "mprotect")) {
		nargs(ntok, 4, 4, w);
		c->k = K_MPROTECT;
		c->addr = addr_arg(tok[1]);
		c->size = size_arg(tok[2]);
		c->prot = prot_arg(tok[3]);
	} else if (!strcmp(w, "write")) {
		nargs(ntok, 3, 4, w);
		c->k = K_WRITE;
		c->addr = addr_arg(tok[1]);
		c->size = size_arg(tok[2]);
		c->byte = 0x5a;
		if (ntok == 4) {
			uint64_t b;
			if (num_u64(tok[3], &b) < 0 || b > 255)
				uerr("write: malformed byte '%s'", tok[3]);
			c->byte = (int)b;
		}
	} else if (!strcmp(w, "move_pages")) {
		parse_move(c, tok, ntok);
	} else if (!strcmp(w, "nodes")) {
		nargs(ntok, 2, 2, w);
		c->k = K_NODES;
		pages_arg(c, tok[1]);
	} else if (!strcmp(w, "migrate_pages")) {
		parse_migrate(c, tok, ntok);
	} else if (!strcmp(w, "set_mempolicy") || !strcmp(w, "get_mempolicy") ||
		   !strcmp(w, "mbind")) {
		parse_mpol(c, tok, ntok);
	} else if (!strcmp(w, "msync")) {
		nargs(ntok, 3, 4, w);
		c->k = K_MSYNC;
		c->addr = addr_arg(tok[1]);
		c->size = size_arg(tok[2]);
		c->arg = MS_SYNC;
		if (ntok == 4) {
			if (!strcmp(tok[3], "sync"))
				c->arg = MS_SYNC;
			else if (!strcmp(tok[3], "async"))
				c->arg = MS_ASYNC;
			else if (!strcmp(tok[3], "invalidate"))
				c->arg = MS_INVALIDATE;
			else
				uerr("msync: mode must be sync, async or invalidate");
		}
	} else if (!strcmp(w, "fsync")) {
		nargs(ntok, 2, 2, w);
		c->k = K_FSYNC;
		c->file = file_ref(tok[1]);
	} else if (!strcmp(w, "madvise")) {
		nargs(ntok, 4, 4, w);
		c->k = K_MADVISE;
		c->addr = addr_arg(tok[1]);
		c->size = size_arg(tok[2]);
		c->arg = advice_arg(tok[3]);
	} else if (!strcmp(w, "crash")) {
		nargs(ntok, 1, 2, w);
		if (ntok == 2 && strcmp(tok[1], "torn"))
			uerr("crash: unknown argument '%s'", tok[1]);
		c->k = K_NOP;
	} else if (!strcmp(w, "reboot")) {
		nargs(ntok, 1, 1, w);
		c->k = K_NOP;
		parse_cur = 0;          /* mmsim's main starts again, current */
	} else if (!strcmp(w, "stats")) {
		c->k = K_NOP;           /* simulator only; arguments ignored */
	} else {
		uerr("unknown command '%s'", w);
	}
	/* verb must outlive the line buffer */
	c->verb = xstrdup(c->verb);
	ncmds++;
}

static void parse_file(FILE *f)
{
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	int line = 0, seen = 0;
	sym_add(&tasks, "main");
	while ((len = getline(&text, &cap, f)) >= 0) {
		line++;
		cur_line = line;
		if (memchr(text, 0, (size_t)len))
			uerr("NUL byte in line");
		parse_line(text, line, &seen);
	}
	free(text);
}

/* ====================================================================== */
/* controller: environment                                                 */
/* ====================================================================== */

static int home_cpu = -1;
static char self_path[PATH_MAX];
static char thp_saved[32];
static char numab_saved[32];
static char lru_saved[32];
static char min_ttl_saved[32];
/* Weighted interleave's weights a run wrote, as they were (il_weight). */
#define IL_WEIGHT_DIR "/sys/kernel/mm/mempolicy/weighted_interleave/"
static char il_saved[1024][8];
static int files_mounted, files_dir_made;

#define THP_PATH   "/sys/kernel/mm/transparent_hugepage/enabled"
#define NUMAB_PATH "/proc/sys/kernel/numa_balancing"
#define LRU_GEN_PATH "/sys/kernel/mm/lru_gen/enabled"
#define MIN_TTL_PATH "/sys/kernel/mm/lru_gen/min_ttl_ms"

static void ensure_proc_sys(void)
{
	if (access("/proc/self/maps", R_OK) < 0) {
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", 0, NULL) < 0)
			fprintf(stderr, "mms-linux: cannot mount /proc: %s\n", strerror(errno));
	}
	if (access("/sys/kernel", F_OK) < 0) {
		mkdir("/sys", 0555);
		if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
			fprintf(stderr, "mms-linux: cannot mount /sys: %s\n", strerror(errno));
	}
}

static void sys_restore(void);

/* The machine line's NUMA balancing tunables: in debugfs since Linux 5.13
 * (the promotion rate limit stays a sysctl).  A value that cannot be set
 * is an internal failure: the scenario would not run as written. */
static void numab_tunables(void)
{
	for (size_t k = 0; k < NUMAB_NKNOBS; k++) {
		char path[128];
		if (!numab_knob_val[k][0])
			continue;
		if (!strcmp(numab_knobs[k], "promote_rate_limit_MBps")) {
			snprintf(path, sizeof path, "/proc/sys/kernel/numa_balancing_%s", numab_knobs[k]);
		} else {
			if (access(NUMAB_DEBUGFS, F_OK) < 0)
				mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
			snprintf(path, sizeof path, NUMAB_DEBUGFS "%s", numab_knobs[k]);
		}
		int e = write_file(path, numab_knob_val[k]);
		if (e) {
			fprintf(stderr, "mms-linux: cannot write %s to %s: %s\n", numab_knob_val[k],
				path, strerror(e));
			exit(1);
		}
	}
}

/* lru_gen_min_ttl_ms=: written as given (the kernel keeps it in jiffies,
 * so it may read back rounded up to a tick); the old value goes back at
 * exit.  A value that cannot be set is an internal failure. */
static void min_ttl_setting(void)
{
	char cur[32];
	if (!min_ttl_val[0])
		return;
	int e = read_file(MIN_TTL_PATH, cur, sizeof cur);
	if (!e && strcmp(cur, min_ttl_val)) {
		e = write_file(MIN_TTL_PATH, min_ttl_val);
		if (!e)
			snprintf(min_ttl_saved, sizeof min_ttl_saved, "%.31s", cur);
	}
	if (e) {
		fprintf(stderr, "mms-linux: cannot set %s to %s: %s\n", MIN_TTL_PATH, min_ttl_val,
			strerror(e));
		sys_restore();
		exit(1);
	}
}

static void sys_settings(void)
{
	char cur[256];
	if (read_file(THP_PATH, cur, sizeof cur) == 0) {
		char *l = strchr(cur, '['), *r = l ? strchr(l, ']') : NULL;
		if (l && r && (size_t)(r - l - 1) < sizeof thp_saved) {
			memcpy(thp_saved, l + 1, (size_t)(r - l - 1));
			thp_saved[r - l - 1] = 0;
		}
		if (strcmp(thp_saved, thp_mode)) {
			int e = write_file(THP_PATH, thp_mode);
			if (e) {
				fprintf(stderr, "mms-linux: cannot set THP to %s: %s\n", thp_mode,
					strerror(e));
				thp_saved[0] = 0;
			}
		} else {
			thp_saved[0] = 0;       /* nothing to restore */
		}
	}
	if (read_file(NUMAB_PATH, cur, sizeof cur) == 0 && strcmp(cur, numab_mode)) {
		int e = write_file(NUMAB_PATH, numab_mode);
		if (e)
			fprintf(stderr, "mms-linux: cannot set NUMA balancing to %s: %s\n", numab_mode,
				strerror(e));
		else
			snprintf(numab_saved, sizeof numab_saved, "%.31s", cur);
	}
	numab_tunables();
	/* lru=: lru_gen/enabled takes y, n or a mask of its features and
	 * reads back as a 0x%04x mask.  A scenario means the LRU it names,
	 * so anything short of that is an internal failure. */
	const char *lru_want = lru_classic ? "0x0000" : "0x0007";
	int e = read_file(LRU_GEN_PATH, cur, sizeof cur);
	if (!e && strcmp(cur, lru_want)) {
		e = write_file(LRU_GEN_PATH, lru_classic ? "0" : "0x0007");
		if (!e)
			snprintf(lru_saved, sizeof lru_saved, "%.31s", cur);
		if (!e)
			e = read_file(LRU_GEN_PATH, cur, sizeof cur);
	}
	if (e || strcmp(cur, lru_want)) {
		if (e)
			fprintf(stderr, "mms-linux: cannot set %s to %s: %s\n", LRU_GEN_PATH,
				lru_want, strerror(e));
		else
			fprintf(stderr, "mms-linux: %s reads %s, not %s\n", LRU_GEN_PATH, cur,
				lru_want);
		sys_restore();
		exit(1);
	}
	min_ttl_setting();
}

static void sys_restore(void)
{
	for (int n = 0; n < 1024; n++) {
		char path[128];
		if (!il_saved[n][0])
			continue;
		snprintf(path, sizeof path, IL_WEIGHT_DIR "node%d", n);
		write_file(path, il_saved[n]);
	}
	if (thp_saved[0])
		write_file(THP_PATH, thp_saved);
	if (numab_saved[0])
		write_file(NUMAB_PATH, numab_saved);
	if (lru_saved[0])
		write_file(LRU_GEN_PATH, lru_saved);
	if (min_ttl_saved[0])
		write_file(MIN_TTL_PATH, min_ttl_saved);
}

/* First CPU of the lowest-numbered node that has CPUs. */
static void find_home_cpu(void)
{
	char path[128], buf[4096];
	for (int n = 0; n < 1024; n++) {
		snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", n);
		if (read_file(path, buf, sizeof buf))
			continue;
		if (isdigit((unsigned char)buf[0])) {
			home_cpu = atoi(buf);
			return;
		}
	}
	home_cpu = 0;
}

static void check_nodes(void)
{
	if (machine_nodes < 0)
		return;
	DIR *d = opendir("/sys/devices/system/node");
	if (!d)
		return;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && isdigit((unsigned char)e->d_name[4]))
			n++;
	closedir(d);
	if (n != machine_nodes)
		fprintf(stderr, "mms-linux: warning: scenario asks for %ld nodes, this system has %ld\n",
			machine_nodes, n);
}

static int ensure_files_dir(void)
{
	static int done;
	struct statfs sf;
	if (done)
		return 0;
	if (statfs(FILES_DIR, &sf) == 0 && sf.f_type == TMPFS_MAGIC) {
		done = 1;
		return 0;
	}
	if (mkdir(FILES_DIR, 0755) == 0)
		files_dir_made = 1;
	else if (errno != EEXIST)
		return errno;
	if (mount("mmsfiles", FILES_DIR, "tmpfs", 0, "mode=1777") < 0)
		return errno;
	files_mounted = 1;
	done = 1;
	return 0;
}

static void files_cleanup(void)
{
	char path[PATH_MAX];
	if (files_mounted) {
		umount2(FILES_DIR, MNT_DETACH);
	} else {
		for (int i = 0; i < files.n; i++) {
			snprintf(path, sizeof path, "%s/%s", FILES_DIR, files.v[i]);
			unlink(path);
		}
	}
	if (files_dir_made)
		rmdir(FILES_DIR);
}

/* ---- cpuset cgroups ---- */

static int cg_mode;             /* 0 unprobed, 1 v1, 2 v2, -1 unavailable */
static int cg_err;
static char cg_base[PATH_MAX / 2];
static const char *cg_pfx = "cpuset.";
static struct symtab cg_made;

static void unescape_mount(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
			*o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

static int has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, opt, n) && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

static void cg_probe(void)
{
	char v2[PATH_MAX] = "", v1[PATH_MAX] = "";
	int v1_noprefix = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, f) > 0) {
			char *sep = strstr(line, " - ");
			if (!sep)
				continue;
			char fstype[64], src[PATH_MAX], opts[1024], mp[PATH_MAX];
			if (sscanf(sep + 3, "%63s %4095s %1023s", fstype, src, opts) != 3)
				continue;
			char *p = line;
			for (int i = 0; i < 4 && p; i++) {
				p = strchr(p, ' ');
				if (p)
					p++;
			}
			if (!p || sscanf(p, "%4095s", mp) != 1)
				continue;
			unescape_mount(mp);
			if ((!strcmp(fstype, "cgroup") && has_opt(opts, "cpuset")) ||
			    !strcmp(fstype, "cpuset")) {
				if (!v1[0]) {
					snprintf(v1, sizeof v1, "%s", mp);
					v1_noprefix = has_opt(opts, "noprefix");
				}
			} else if (!strcmp(fstype, "cgroup2") && !v2[0]) {
				snprintf(v2, sizeof v2, "%s", mp);
			}
		}
		free(line);
		fclose(f);
	}
	if (v1[0]) {
		cg_mode = 1;
		snprintf(cg_base, sizeof cg_base, "%.2000s", v1);
		cg_pfx = v1_noprefix ? "" : "cpuset.";
		return;
	}
	if (!v2[0]) {
		const char *mp = "/sys/fs/cgroup";
		mkdir(mp, 0755);
		if (mount("cgroup2", mp, "cgroup2", 0, NULL) < 0) {
			mp = "/mmscgroup";
			mkdir(mp, 0755);
			if (mount("cgroup2", mp, "cgroup2", 0, NULL) < 0) {
				cg_mode = -1;
				cg_err = errno;
				return;
			}
		}
		snprintf(v2, sizeof v2, "%s", mp);
	}
	cg_mode = 2;
	snprintf(cg_base, sizeof cg_base, "%.2000s", v2);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", cg_base);
	int e = write_file(path, "+cpuset");
	if (e) {
		cg_mode = -1;
		cg_err = e;
	}
}

/* Creates a cpuset cgroup allowing `mems`; its path goes to dir. */
static int cg_create(const char *task, const char *mems, char *dir, size_t dircap)
{
	char path[PATH_MAX + 64], cpus[4096];
	if (!cg_mode)
		cg_probe();
	if (cg_mode < 0)
		return cg_err ? cg_err : ENODEV;
	snprintf(dir, dircap, "%s/mms-%d-%.128s", cg_base, (int)getpid(), task);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errno;
	sym_add(&cg_made, dir);
	if (cg_mode == 1)
		snprintf(path, sizeof path, "%s/%scpus", cg_base, cg_pfx);
	else
		snprintf(path, sizeof path, "%s/cpuset.cpus.effective", cg_base);
	if (read_file(path, cpus, sizeof cpus) || !cpus[0])
		if (read_file("/sys/devices/system/cpu/online", cpus, sizeof cpus))
			snprintf(cpus, sizeof cpus, "0");
	int e;
	snprintf(path, sizeof path, "%s/%scpus", dir, cg_pfx);
	if ((e = write_file(path, cpus)))
		return e;
	snprintf(path, sizeof path, "%s/%smems", dir, cg_pfx);
	if ((e = write_file(path, mems)))
		return e;
	return 0;
}

/* ---- memory cgroups ---- */

static char **cg_dir;           /* per scenario cgroup: its directory */

/* Makes the scenario's cgroup ci (under its parent, or under the cgroup
 * root), with the memory controller on for it.  0 or an errno. */
static int memcg_create(const struct cmd *c)
{
	char path[PATH_MAX + 64];
	if (!cg_mode)
		cg_probe();
	if (cg_mode != 2)
		return cg_mode < 0 && cg_err ? cg_err : ENODEV;
	if (!cg_dir)
		cg_dir = xcalloc((size_t)cgroups.n, sizeof *cg_dir);
	const char *parent = c->parent_cg >= 0 ? cg_dir[c->parent_cg] : cg_base;
	if (!parent)
		return ENOENT;
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	int e = write_file(path, "+memory");
	if (e)
		return e;
	char dir[PATH_MAX];
	if (c->parent_cg >= 0)
		snprintf(dir, sizeof dir, "%.3000s/%.128s", parent, cgroups.v[c->cgroup]);
	else
		snprintf(dir, sizeof dir, "%.3000s/mms-%d-cg-%.128s", parent, (int)getpid(),
			 cgroups.v[c->cgroup]);
	if (mkdir(dir, 0755) < 0)
		return errno;
	sym_add(&cg_made, dir);
	cg_dir[c->cgroup] = xstrdup(dir);
	return 0;
}

static void cg_cleanup(void)
{
	for (int i = cg_made.n - 1; i >= 0; i--) {
		for (int tries = 0; tries < 200; tries++) {
			if (rmdir(cg_made.v[i]) == 0 || errno != EBUSY)
				break;
			usleep(10000);
		}
	}
}

/* ====================================================================== */
/* controller: tasks                                                        */
/* ====================================================================== */

struct rtask {
	pid_t pid;              /* a thread's: its tid */
	int fd;
	int alive;
	int group;              /* the task whose process it is a thread of (itself
	                           for task, fork and main) */
};

static struct rtask *rt;
static char **cs_dir;           /* per task: the cpuset cgroup its mems= made */
static uint64_t *mval;          /* runtime address of each mapping name */
static int cur;                 /* current task */

static void child_fail(int fd, int e)
{
	struct rep p;
	memset(&p, 0, sizeof p);
	p.ret = -1;
	p.err = e;
	write_all(fd, &p, sizeof p);
	_exit(1);
}

/* In the forked child, before exec: cgroup, limits, ASLR, CPU, exec. */
static void child_exec(int fd, unsigned uid, int caps, const char *cgdir, int cpu)
{
	char path[PATH_MAX + 32], buf[32];
	if (cgdir[0]) {
		snprintf(path, sizeof path, "%s/cgroup.procs", cgdir);
		snprintf(buf, sizeof buf, "%d", (int)getpid());
		int e = write_file(path, buf);
		if (e)
			child_fail(fd, e);
	}
	struct rlimit rl = { MEMLOCK_LIMIT, MEMLOCK_LIMIT };
	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		child_fail(fd, errno);
	int pers = personality(0xffffffff);
	if (pers != -1)
		personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
	if (cpu < 0)
		cpu = home_cpu;
	if (cpu >= 0) {
		cpu_set_t s;
		CPU_ZERO(&s);
		CPU_SET(cpu, &s);
		if (sched_setaffinity(0, sizeof s, &s) < 0)
			fprintf(stderr, "mms-linux: warning: cannot pin task to CPU %d: %s\n",
				cpu, strerror(errno));
	}
	if (fcntl(fd, F_SETFD, 0) < 0)
		child_fail(fd, errno);
	char fds[16], uids[16], capss[4], vs[4];
	snprintf(fds, sizeof fds, "%d", fd);
	snprintf(uids, sizeof uids, "%u", uid);
	snprintf(capss, sizeof capss, "%d", caps);
	snprintf(vs, sizeof vs, "%d", verbose);
	char *args[] = { "mms-linux", "--server", fds, uids, capss, vs, NULL };
	execv("/proc/self/exe", args);
	if (self_path[0])
		execv(self_path, args);
	child_fail(fd, errno);
}

/* Starts task ti as a fresh process.  0 or an errno. */
static int spawn_task(int ti, unsigned uid, int caps, const char *mems, int cpu, int cgroup)
{
	char cgdir[PATH_MAX] = "";
	int e, sv[2];
	if (mems && (e = cg_create(tasks.v[ti], mems, cgdir, sizeof cgdir)))
		return e;
	if (cgroup >= 0) {
		if (!cg_dir || !cg_dir[cgroup])
			return ENOENT;
		snprintf(cgdir, sizeof cgdir, "%s", cg_dir[cgroup]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return errno;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (pid == 0) {
		close(sv[0]);
		child_exec(sv[1], uid, caps, cgdir, cpu);
	}
	close(sv[1]);
	struct rep p;
	int r = read_all(sv[0], &p, sizeof p);
	if (r != 1 || p.ret < 0) {
		e = r == 1 && p.err ? p.err : EIO;
		close(sv[0]);
		waitpid(pid, NULL, 0);
		return e;
	}
	rt[ti].pid = pid;
	rt[ti].fd = sv[0];
	rt[ti].alive = 1;
	rt[ti].group = ti;
	if (mems)
		cs_dir[ti] = xstrdup(cgdir);
	if (verbose)
		fprintf(stderr, "mms-linux: task %s pid %d\n", tasks.v[ti], (int)pid);
	return 0;
}

/* The command running when a task died, to print `killed` for it. */
static jmp_buf cmd_jmp;
static int cmd_jmp_armed;
static unsigned long long oom_kills_seen;

static unsigned long long oom_kill_count(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/proc/vmstat", "re");
	char key[64];
	unsigned long long x;
	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", key, &x) == 2)
		if (!strcmp(key, "oom_kill"))
			v = x;
	fclose(f);
	return v;
}

/* Has process pid exited (gone, zombie or dead)? */
static int proc_exited(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *rp = strrchr(buf, ')');
	return !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X' || rp[2] == 'x';
}

static void task_gone(int ti)
{
	close(rt[ti].fd);
	rt[ti].alive = 0;
	waitpid(rt[ti].pid, NULL, WNOHANG);
}

/* A process killed: its threads died with it. */
static void group_gone(int g)
{
	for (int i = 0; i < tasks.n; i++)
		if (rt[i].alive && rt[i].group == g)
			task_gone(i);
}

/* After a command: tasks the OOM killer took meanwhile (other than the
 * current one, which task_died handles) are dead from now on.  Waits (up
 * to 10 s) until as many have exited as kills were counted. */
static void reap_oom_victims(void)
{
	unsigned long long kills = oom_kill_count();
	if (kills <= oom_kills_seen)
		return;
	for (int tries = 0; tries < 1000; tries++) {
		unsigned long long dead = 0;
		for (int i = 0; i < tasks.n; i++)
			dead += rt[i].alive && rt[i].group == i && proc_exited(rt[i].pid);
		if (dead >= kills - oom_kills_seen)
			break;
		usleep(10000);
	}
	for (int i = 0; i < tasks.n; i++)
		if (rt[i].alive && rt[i].group == i && proc_exited(rt[i].pid))
			group_gone(i);
	oom_kills_seen = kills;
}

static void task_died(int ti, int line)
{
	/* The OOM killer's victim: the command ends here with `killed`. */
	unsigned long long kills = oom_kill_count();
	if (cmd_jmp_armed && kills > oom_kills_seen) {
		oom_kills_seen++;
		group_gone(rt[ti].group);
		longjmp(cmd_jmp, 1);
	}
	int st = 0;
	fprintf(stderr, "mms-linux: line %d: task %s (pid %d) stopped answering", line,
		tasks.v[ti], (int)rt[ti].pid);
	if (waitpid(rt[ti].pid, &st, WNOHANG) > 0) {
		if (WIFSIGNALED(st))
			fprintf(stderr, " (killed by %s)", sigabbrev_np(WTERMSIG(st)) ?
				sigabbrev_np(WTERMSIG(st)) : "signal");
		else if (WIFEXITED(st))
			fprintf(stderr, " (exit %d)", WEXITSTATUS(st));
	}
	fputc('\n', stderr);
	exit(1);
}

/* Sends a request (with payload and maybe a descriptor) to task ti and
 * returns its reply; the reply payload is malloc'ed into *out. */
static void rpc(int ti, int line, struct req *q, const void *payload, int passfd,
		struct rep *p, void **out)
{
	int fd = rt[ti].fd;
	struct iovec iov = { q, sizeof *q };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (passfd >= 0) {
		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	ssize_t k;
	do
		k = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		task_died(ti, line);
	if ((size_t)k < sizeof *q && write_all(fd, (char *)q + k, sizeof *q - (size_t)k) < 0)
		task_died(ti, line);
	if (q->len && write_all(fd, payload, q->len) < 0)
		task_died(ti, line);
	if (read_all(fd, p, sizeof *p) != 1)
		task_died(ti, line);
	void *buf = NULL;
	if (p->len) {
		buf = xcalloc(1, p->len);
		if (read_all(fd, buf, p->len) != 1)
			task_died(ti, line);
	}
	if (out)
		*out = buf;
	else
		free(buf);
}

/* ====================================================================== */
/* controller: running commands                                            */
/* ====================================================================== */

static void out(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;
	printf("%d: %s = ", c->line, c->verb);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void out_err(const struct cmd *c, int e)
{
	out(c, "-1 %s", ename(e));
}

static uint64_t resolve(struct aref a)
{
	return mval[a.name] + a.off;
}

static long pid_of(const struct cmd *c)
{
	if (c->pid_task < 0)
		return c->pid_lit;
	return rt[c->pid_task].alive ? rt[c->pid_task].pid : DEAD_PID;
}

static void file_path(int fi, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", FILES_DIR, files.v[fi]);
}

static void sb_status(struct sb *b, const int32_t *st, uint64_t n)
{
	sb_putf(b, "[");
	for (uint64_t i = 0; i < n; i++) {
		const char *sep = i ? "," : "";
		if (st[i] == STATUS_SENTINEL)
			sb_putf(b, "%s?", sep);
		else if (st[i] >= 0)
			sb_putf(b, "%s%d", sep, st[i]);
		else
			sb_putf(b, "%s%s", sep, ename(-st[i]));
	}
	sb_putf(b, "]");
}

static void sb_off(struct sb *b, uint64_t off)
{
	if (off % PAGE == 0)
		sb_putf(b, "%llup", (unsigned long long)(off / PAGE));
	else
		sb_putf(b, "%llu", (unsigned long long)off);
}

static void run_move(const struct cmd *c)
{
	uint64_t n = c->npages;
	int has_nodes = c->k == K_MOVE && c->to;
	size_t len = n * 8 + (has_nodes ? n * 4 : 0);
	char *pl = xcalloc(1, len);
	uint64_t *pages = (uint64_t *)pl;
	int32_t *nodes = (int32_t *)(pl + n * 8);
	uint64_t k = 0;
	for (int i = 0; i < c->nitems; i++) {
		uint64_t base = resolve(c->items[i].a);
		for (uint64_t j = 0; j < c->items[i].n; j++)
			pages[k++] = base + j * PAGE;
	}
	if (has_nodes)
		for (uint64_t i = 0; i < n; i++)
			nodes[i] = c->nto == 1 ? c->to[0] : c->to[i];

	struct req q;
	memset(&q, 0, sizeof q);
	q.op = OP_MOVE;
	q.len = len;
	q.a[0] = c->k == K_MOVE ? pid_of(c) : 0;
	q.a[1] = (int64_t)n;
	q.a[2] = has_nodes;
	q.a[3] = c->k == K_MOVE ? c->flags : 0;
	struct rep p;
	void *st = NULL;
	rpc(cur, c->line, &q, pl, -1, &p, &st);
	free(pl);
	if (p.ret < 0) {
		out_err(c, p.err);
	} else {
		struct sb b = { 0 };
		if (c->k == K_MOVE)
			sb_putf(&b, "%lld status=", (long long)p.ret);
		sb_status(&b, st, p.len / 4);
		out(c, "%s", b.s);
		free(b.s);
	}
	free(st);
}

static void run_vmas(const struct cmd *c)
{
	uint64_t a = resolve(c->addr);
	uint64_t e = a + c->size < a ? UINT64_MAX : a + c->size;
	struct req q;
	memset(&q, 0, sizeof q);
	q.op = OP_VMAS;
	q.a[0] = (int64_t)a;
	q.a[1] = (int64_t)c->size;
	struct rep p;
	void *buf = NULL;
	rpc(cur, c->line, &q, NULL, -1, &p, &buf);
	if (p.ret < 0) {
		out_err(c, p.err);
		free(buf);
		return;
	}
	struct vma_ent *v = buf;
	size_t n = p.len / sizeof *v;
	struct sb b = { 0 };
	if (!n)
		sb_putf(&b, "[]");
	for (size_t i = 0; i < n; i++) {
		uint64_t s = v[i].start > a ? v[i].start : a;
		uint64_t t = v[i].end < e ? v[i].end : e;
		v[i].perms[4] = 0;
		sb_putf(&b, "%s[", i ? " " : "");
		sb_off(&b, s - a);
		sb_putf(&b, ",");
		sb_off(&b, t - a);
		sb_putf(&b, ") %s", v[i].perms);
	}
	out(c, "%s", b.s);
	free(b.s);
	free(buf);
}

/* ---- Linux's own views: numa_maps, smaps, vmstat ---- */

/* /proc/vmstat event counters that `vmstat` reports (deltas), in this order;
 * a name this kernel lacks is skipped. */
static const char *const vmstat_keys[] = {
	"pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
	"thp_migration_fail", "thp_migration_split", "thp_fault_alloc",
	"thp_fault_fallback", "thp_split_pmd", "thp_split_page",
	"thp_deferred_split_page", "numa_pte_updates", "numa_huge_pte_updates",
	"numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated",
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked",
	"unevictable_pgs_culled", "unevictable_pgs_cleared",
	"unevictable_pgs_rescued", "unevictable_pgs_stranded", "pgactivate",
	"pgdeactivate", "pglazyfree", "pswpin", "pswpout", "oom_kill",
	"pgmajfault", "cow_ksm", "swap_ra", "swap_ra_hit", "thp_swpout_fallback",
};
#define NVMSTAT (sizeof vmstat_keys / sizeof vmstat_keys[0])

static unsigned long long vm_base[NVMSTAT];
static char vm_have[NVMSTAT];

/* Empties every CPU's LRU and mlock batches: migrate_pages() with an empty
 * source set runs lru_cache_disable() (a drain on all CPUs) and moves
 * nothing.  Events the kernel counts when a batch is drained (pgactivate,
 * pgdeactivate, unevictable_pgs_*) and numa_maps' active= then show what the
 * scenario did, not what happens to wait in a per-CPU batch. */
static void lru_drain(void)
{
	unsigned long from = 0, to = ~0UL;
	if (syscall(SYS_migrate_pages, 0, 65L, &from, &to) < 0 && verbose)
		fprintf(stderr, "mms-linux: LRU drain: %s\n", strerror(errno));
}

/* The whole of /proc/PID/NAME (PID 0: the controller's /proc/NAME),
 * NUL-terminated and malloc'ed; NULL with errno set on failure. */
static char *proc_text(pid_t pid, const char *name)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	else
		snprintf(path, sizeof path, "/proc/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t n = 0, cap = 1 << 16;
	char *buf = xcalloc(1, cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			close(fd);
			free(buf);
			errno = e;
			return NULL;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	return buf;
}

/* Cuts the next line off *p (NUL-terminating it); NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p;
	if (!*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = 0;
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

/* pos relative to a, as sb_off writes it, with a '-' when below a. */
static void sb_rel(struct sb *b, uint64_t pos, uint64_t a)
{
	if (pos >= a) {
		sb_off(b, pos - a);
	} else {
		sb_putf(b, "-");
		sb_off(b, a - pos);
	}
}

/* A maps/smaps VMA header "START-END ..."; 1 when it is one. */
static int vma_head(const char *line, uint64_t *start, uint64_t *end)
{
	char *p;
	if (!isxdigit((unsigned char)*line))
		return 0;
	*start = strtoull(line, &p, 16);
	if (*p != '-' || !isxdigit((unsigned char)p[1]))
		return 0;
	*end = strtoull(p + 1, &p, 16);
	return *p == ' ';
}

/* numa_maps: one entry per VMA of the current task that overlaps the range,
 * "[OFF] FIELDS": OFF the VMA's start relative to ADDR, FIELDS the rest of its
 * numa_maps line, with file=/mmsfiles/NAME shown as file=NAME.  numa_maps
 * gives only start addresses; the ends come from maps. */
static void run_numa_maps(const struct cmd *c)
{
	uint64_t a = resolve(c->addr);
	uint64_t e = a + c->size < a ? UINT64_MAX : a + c->size;
	pid_t pid = rt[cur].pid;
	lru_drain();
	char *maps = proc_text(pid, "maps");
	char *numa = maps ? proc_text(pid, "numa_maps") : NULL;
	if (!numa) {
		out_err(c, errno);
		free(maps);
		return;
	}
	struct sb b = { 0 };
	int n = 0;
	char *mp = maps, *np = numa, *line;
	uint64_t ms = 0, me = 0;
	int mvalid = 0;
	while ((line = next_line(&np))) {
		char *rest;
		uint64_t start = strtoull(line, &rest, 16);
		if (rest == line || *rest != ' ')
			continue;
		/* Both files list the VMAs in address order. */
		while (!(mvalid && ms >= start)) {
			char *ml = next_line(&mp);
			if (!ml)
				break;
			mvalid = vma_head(ml, &ms, &me);
		}
		if (!mvalid || ms != start || !(start < e && me > a))
			continue;
		sb_putf(&b, "%s[", n++ ? " | " : "");
		sb_rel(&b, start, a);
		sb_putf(&b, "]");
		char *save = NULL;
		for (char *t = strtok_r(rest, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			const char *v = kv(t, "file=" FILES_DIR "/");
			if (v)
				sb_putf(&b, " file=%s", v);
			else
				sb_putf(&b, " %s", t);
		}
	}
	out(c, "%s", n ? b.s : "none");
	free(b.s);
	free(maps);
	free(numa);
}

/* smaps: one entry per overlapping VMA, "[START,END)" (the whole VMA,
 * relative to ADDR) and its smaps fields: the kB ones without unit, except
 * Size, KernelPageSize, MMUPageSize and zeros, then THPeligible and VmFlags
 * (comma-separated).  Other lines (ProtectionKey) are left out. */
static void run_smaps(const struct cmd *c)
{
	uint64_t a = resolve(c->addr);
	uint64_t e = a + c->size < a ? UINT64_MAX : a + c->size;
	char *sm = proc_text(rt[cur].pid, "smaps");
	if (!sm) {
		out_err(c, errno);
		return;
	}
	struct sb b = { 0 };
	int n = 0, in = 0;
	char *p = sm, *line;
	while ((line = next_line(&p))) {
		uint64_t start, end;
		if (vma_head(line, &start, &end)) {
			in = start < e && end > a;
			if (in) {
				sb_putf(&b, "%s[", n++ ? " | " : "");
				sb_rel(&b, start, a);
				sb_putf(&b, ",");
				sb_rel(&b, end, a);
				sb_putf(&b, ")");
			}
			continue;
		}
		char *colon = strchr(line, ':');
		if (!in || !colon)
			continue;
		*colon = 0;
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcmp(line, "VmFlags")) {
			sb_putf(&b, " VmFlags=");
			char *save = NULL;
			int k = 0;
			for (char *t = strtok_r(v, " ", &save); t; t = strtok_r(NULL, " ", &save))
				sb_putf(&b, "%s%s", k++ ? "," : "", t);
		} else if (!strcmp(line, "THPeligible")) {
			sb_putf(&b, " THPeligible=%s", v);
		} else {
			char *unit;
			unsigned long long kb = strtoull(v, &unit, 10);
			if (unit == v || strcmp(unit, " kB") || !kb || !strcmp(line, "Size") ||
			    !strcmp(line, "KernelPageSize") || !strcmp(line, "MMUPageSize"))
				continue;
			sb_putf(&b, " %s=%llu", line, kb);
		}
	}
	out(c, "%s", n ? b.s : "none");
	free(b.s);
	free(sm);
}

/* Reads the vmstat_keys[] counters; 0 or an errno. */
static int vmstat_read(unsigned long long *val, char *have)
{
	char *t = proc_text(0, "vmstat");
	if (!t)
		return errno;
	memset(have, 0, NVMSTAT);
	char *p = t, *line;
	while ((line = next_line(&p))) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = 0;
		for (size_t i = 0; i < NVMSTAT; i++)
			if (!strcmp(line, vmstat_keys[i])) {
				val[i] = strtoull(sp + 1, NULL, 10);
				have[i] = 1;
			}
	}
	free(t);
	return 0;
}

static void vmstat_snapshot(void)
{
	lru_drain();
	int e = vmstat_read(vm_base, vm_have);
	if (e)
		fprintf(stderr, "mms-linux: cannot read /proc/vmstat: %s\n", strerror(e));
}

/* il_weight NODE WEIGHT: writes weighted interleave's weight of NODE
 * (/sys/kernel/mm/mempolicy/weighted_interleave/nodeN); the weights a
 * run changed go back at exit (sys_restore). */
static void run_il_weight(const struct cmd *c)
{
	char path[128], val[32];
	snprintf(path, sizeof path, IL_WEIGHT_DIR "node%ld", c->arg);
	if (!il_saved[c->arg][0] && read_file(path, il_saved[c->arg], sizeof il_saved[0]))
		il_saved[c->arg][0] = 0;
	snprintf(val, sizeof val, "%llu", (unsigned long long)c->size);
	int e = write_file(path, val);
	if (e)
		out_err(c, e);
	else
		out(c, "0");
}

/* cpuset_mems: writes the cpuset's cpuset.mems from here, as an
 * administrator would; cgroup v2 migrates the tasks' pages before the
 * write returns.  ESRCH when the task that would have made it failed. */
static void run_cpuset_mems(const struct cmd *c)
{
	char path[PATH_MAX + 32];
	if (!cs_dir[c->task]) {
		out_err(c, ESRCH);
		return;
	}
	snprintf(path, sizeof path, "%s/%smems", cs_dir[c->task], cg_pfx);
	int e = write_file(path, c->mems);
	if (e)
		out_err(c, e);
	else
		out(c, "0");
}

/* distance: every node's /sys/devices/system/node/nodeN/distance, as
 * nodeN=D,D,... (the file's spaces as commas). */
static void run_distance(const struct cmd *c)
{
	struct sb b = { 0 };
	char path[128], buf[4096];
	int n;
	for (n = 0; n < 1024; n++) {
		snprintf(path, sizeof path, "/sys/devices/system/node/node%d/distance", n);
		if (read_file(path, buf, sizeof buf))
			break;
		buf[strcspn(buf, "\n")] = 0;
		for (char *p = buf; *p; p++)
			if (*p == ' ')
				*p = ',';
		sb_putf(&b, "%snode%d=%s", n ? " " : "", n, buf);
	}
	out(c, "%s", n ? b.s : "none");
	free(b.s);
}

static void run_vmstat(const struct cmd *c)
{
	unsigned long long now[NVMSTAT];
	char have[NVMSTAT];
	lru_drain();
	int e = vmstat_read(now, have);
	if (e) {
		out_err(c, e);
		return;
	}
	struct sb b = { 0 };
	int n = 0;
	for (size_t i = 0; i < NVMSTAT; i++) {
		if (!have[i] || !vm_have[i] || now[i] == vm_base[i])
			continue;
		sb_putf(&b, "%s%s=%lld", n++ ? " " : "", vmstat_keys[i],
			(long long)(now[i] - vm_base[i]));
	}
	out(c, "%s", n ? b.s : "none");
	free(b.s);
}

/* Waits until no page is under writeback (/proc/vmstat nr_writeback 0).
 * MADV_PAGEOUT submits its swap writes when the call ends and they complete
 * later: a page still under writeback keeps PG_reclaim, which is also
 * PG_readahead, so a fault on it counts as a readahead hit, and a second
 * pageout cannot free it.  After the wait the next command finds every page
 * written, as on an idle machine, whatever the host's load.  nr_writeback
 * is a node counter with per-CPU deltas that /proc/vmstat leaves out (a few
 * pages can hide there), so vm.stat_refresh folds them in before each look. */
static void writeback_wait(int line)
{
	for (int i = 0; i < 30000; i++) {
		int e = write_file("/proc/sys/vm/stat_refresh", "1");
		if (e && verbose)
			fprintf(stderr, "mms-linux: stat_refresh: %s\n", strerror(e));
		char *t = proc_text(0, "vmstat");
		if (!t)
			return;
		char *v = strstr(t, "\nnr_writeback ");
		long long n = v ? strtoll(v + 14, NULL, 10) : 0;
		free(t);
		if (n <= 0)
			return;
		usleep(1000);
	}
	fprintf(stderr, "mms-linux: line %d: pages still under writeback after 30 s\n", line);
}

static void run_sys(const struct cmd *c, long nr, long arg)
{
	struct req q;
	memset(&q, 0, sizeof q);
	q.op = OP_SYS;
	q.a[0] = nr;
	q.a[1] = (int64_t)resolve(c->addr);
	q.a[2] = (int64_t)c->size;
	q.a[3] = arg;
	struct rep p;
	rpc(cur, c->line, &q, NULL, -1, &p, NULL);
	if (p.ret == -1)
		out_err(c, p.err);
	else
		out(c, "%lld", (long long)p.ret);
}

/* LIST as printed: comma-separated ranges (`0-1,3`), or `none`. */
static void sb_nodes(struct sb *b, const unsigned long *m, uint64_t words)
{
	int n = 0;
	uint64_t bits = words * 64;
	for (uint64_t i = 0; i < bits;) {
		if (!(m[i / 64] >> (i % 64) & 1)) {
			i++;
			continue;
		}
		uint64_t j = i;
		while (j + 1 < bits && (m[(j + 1) / 64] >> ((j + 1) % 64) & 1))
			j++;
		sb_putf(b, "%s%llu", n++ ? "," : "", (unsigned long long)i);
		if (j > i)
			sb_putf(b, "-%llu", (unsigned long long)j);
		i = j + 1;
	}
	if (!n)
		sb_putf(b, "none");
}

/* MODE as printed: the name (or the number of an unknown mode), then
 * +static, +relative, +numa_balancing for the mode flags Linux reports. */
static void sb_mode(struct sb *b, int m)
{
	unsigned base = (unsigned)m & ~(unsigned)MPOL_MODE_FLAGS_C;
	if (base < (unsigned)NMPOL_NAMES)
		sb_putf(b, "%s", mpol_names[base]);
	else
		sb_putf(b, "%u", base);
	for (int i = 0; i < 3; i++)
		if (m & mflag_vals[i])
			sb_putf(b, "+%s", mflag_names[i]);
}

static void run_mpol(const struct cmd *c)
{
	struct req q;
	struct rep p;
	memset(&q, 0, sizeof q);
	if (c->k == K_GETPOL) {
		void *pl = NULL;
		q.op = OP_GETPOL;
		q.a[0] = c->has_addr ? (int64_t)resolve(c->addr) : 0;
		q.a[1] = c->arg;
		q.a[2] = 65;            /* maxnode: one 64-bit word */
		rpc(cur, c->line, &q, NULL, -1, &p, &pl);
		if (p.ret == -1) {
			out_err(c, p.err);
			free(pl);
			return;
		}
		struct sb b = { 0 };
		sb_putf(&b, "%lld ", (long long)p.ret);
		if (c->arg & MPOL_F_MEMS_ALLOWED_C) {
			sb_putf(&b, "nodes=");
			sb_nodes(&b, pl, p.len / sizeof(unsigned long));
		} else if (c->arg & MPOL_F_NODE_C) {
			sb_putf(&b, "node=%d", (int)p.val);
		} else {
			sb_putf(&b, "mode=");
			sb_mode(&b, (int)p.val);
			sb_putf(&b, " nodes=");
			sb_nodes(&b, pl, p.len / sizeof(unsigned long));
		}
		out(c, "%s", b.s);
		free(b.s);
		free(pl);
		return;
	}
	uint64_t maxnode = c->masks ? (uint64_t)c->mwords * 64 + 1 : 0;
	q.len = c->masks ? (uint64_t)c->mwords * sizeof(unsigned long) : 0;
	if (c->k == K_SETPOL) {
		q.op = OP_SETPOL;
		q.a[0] = c->mode;
		q.a[1] = (int64_t)maxnode;
	} else {
		q.op = OP_MBIND;
		q.a[0] = (int64_t)resolve(c->addr);
		q.a[1] = (int64_t)c->size;
		q.a[2] = c->mode;
		q.a[3] = (int64_t)maxnode;
		q.a[4] = c->arg;
	}
	rpc(cur, c->line, &q, c->masks, -1, &p, NULL);
	if (p.ret == -1)
		out_err(c, p.err);
	else
		out(c, "%lld", (long long)p.ret);
}

/* Asks the current task's server for a new task (op, with argument arg)
 * that answers on a channel of its own: that channel's fd, or -1 after
 * printing the error. */
static int new_task_channel(const struct cmd *c, int op, int64_t arg, struct rep *p)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		out_err(c, errno);
		return -1;
	}
	struct req q;
	memset(&q, 0, sizeof q);
	q.op = op;
	q.a[0] = arg;
	rpc(cur, c->line, &q, NULL, sv[1], p, NULL);
	close(sv[1]);
	if (p->ret < 0) {
		close(sv[0]);
		out_err(c, p->err);
		return -1;
	}
	return sv[0];
}

static void run_fork(const struct cmd *c)
{
	if (!rt[cur].alive) {
		out_err(c, ESRCH);
		return;
	}
	struct rep p;
	int fd = new_task_channel(c, OP_FORK, 0, &p);
	if (fd < 0)
		return;
	rt[c->task].pid = (pid_t)p.val;
	rt[c->task].fd = fd;
	rt[c->task].alive = 1;
	rt[c->task].group = c->task;
	if (verbose)
		fprintf(stderr, "mms-linux: task %s pid %d (fork of %s)\n", tasks.v[c->task],
			(int)p.val, tasks.v[cur]);
}

/* thread NAME [cpu=N]: a pthread of the current task's server, with a
 * channel of its own; it answers with its tid once pinned. */
static void run_thread(const struct cmd *c)
{
	struct rep p;
	int fd = new_task_channel(c, OP_THREAD, c->cpu, &p);
	if (fd < 0)
		return;
	if (read_all(fd, &p, sizeof p) != 1) {
		fprintf(stderr, "mms-linux: line %d: thread %s did not start\n", c->line,
			tasks.v[c->task]);
		exit(1);
	}
	rt[c->task].pid = (pid_t)p.val;
	rt[c->task].fd = fd;
	rt[c->task].alive = 1;
	rt[c->task].group = rt[cur].group;
	if (verbose)
		fprintf(stderr, "mms-linux: task %s tid %d (thread of %s)\n", tasks.v[c->task],
			(int)p.val, tasks.v[rt[cur].group]);
}

/* exit: a thread ends alone (its start routine returns: exit(2)); a
 * process ends with all its threads (_exit: exit_group).  The command
 * returns once each of them has exited, so its mm reference is dropped
 * (the last one's tears the address space down) before the next command. */
static void run_exit(const struct cmd *c)
{
	int g = rt[cur].group, proc = g == cur;
	struct req q;
	struct rep p;
	memset(&q, 0, sizeof q);
	q.op = OP_EXIT;
	q.a[0] = proc;
	rpc(cur, c->line, &q, NULL, -1, &p, NULL);
	for (int i = 0; i < tasks.n; i++) {
		if (!rt[i].alive || (i != cur && !(proc && rt[i].group == g)))
			continue;
		for (int tries = 0; !proc_exited(rt[i].pid); tries++) {
			if (tries == 1000) {
				fprintf(stderr, "mms-linux: line %d: task %s did not exit\n", c->line,
					tasks.v[i]);
				exit(1);
			}
			usleep(10000);
		}
		close(rt[i].fd);
		rt[i].alive = 0;
	}
	if (proc)
		waitpid(rt[cur].pid, NULL, WNOHANG);
}

static void run_file(const struct cmd *c)
{
	char path[PATH_MAX];
	int e = ensure_files_dir();
	if (e) {
		out_err(c, e);
		return;
	}
	file_path(c->file, path, sizeof path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		out_err(c, errno);
		return;
	}
	if (fchmod(fd, 0666) < 0 || ftruncate(fd, (off_t)c->size) < 0)
		out_err(c, errno);
	close(fd);
}

/* ---- swap: swapon / swapoff of the swap disk ---- */

static int swap_active;         /* swapon succeeded, no swapoff since */

/* Stops the run unless SWAP_DEV is the disk run-in-linux.sh attached (its
 * virtio serial says so) and holds SWAP_DISK_BYTES: elsewhere /dev/vda may
 * be a host's own disk, which a swap header would destroy. */
static void swap_disk_check(void)
{
	char serial[128];
	int e = read_file("/sys/block/vda/serial", serial, sizeof serial);
	if (e || strcmp(serial, SWAP_SERIAL)) {
		fprintf(stderr, "mms-linux: %s is not the oracle's swap disk (serial %s): "
			"run swap scenarios through gen-expected.sh\n", SWAP_DEV,
			e ? strerror(e) : serial);
		exit(1);
	}
	int fd = open(SWAP_DEV, O_RDONLY | O_CLOEXEC);
	off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
	if (fd >= 0)
		close(fd);
	if (size < (off_t)SWAP_DISK_BYTES) {
		fprintf(stderr, "mms-linux: swap disk %s: %s\n", SWAP_DEV,
			size < 0 ? strerror(errno) : "smaller than 1 GiB");
		exit(1);
	}
}

/* swapon and swapoff run in the controller, pinned to the home CPU: the
 * pages swapoff brings back are allocated on the node of the CPU running it. */
static void pin_home(cpu_set_t *saved)
{
	cpu_set_t s;
	CPU_ZERO(saved);
	sched_getaffinity(0, sizeof *saved, saved);
	CPU_ZERO(&s);
	CPU_SET(home_cpu >= 0 ? home_cpu : 0, &s);
	sched_setaffinity(0, sizeof s, &s);
}

/* A version-1 swap header as mkswap writes it (no label, a fixed UUID, no
 * bad pages, last_page = pages - 1) on the first page of the swap disk,
 * written through and synced.  A failure stops the run: it is the disk's,
 * not something a scenario asks Linux. */
static void swap_header_write(const struct cmd *c)
{
	static const unsigned char uuid[16] = {
		0x6d, 0x6d, 0x73, 0x69, 0x6d, 0x2d, 0x40, 0x00,
		0x80, 0x00, 0x73, 0x77, 0x61, 0x70, 0x00, 0x01,
	};
	unsigned char *h = xcalloc(1, PAGE);
	uint32_t version = 1, last_page = (uint32_t)(c->size / PAGE - 1), bad = 0;
	memcpy(h + 1024, &version, 4);
	memcpy(h + 1028, &last_page, 4);
	memcpy(h + 1032, &bad, 4);
	memcpy(h + 1036, uuid, sizeof uuid);
	memcpy(h + PAGE - 10, "SWAPSPACE2", 10);
	int fd = open(SWAP_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, h, PAGE, 0) != (ssize_t)PAGE || fsync(fd) < 0) {
		fprintf(stderr, "mms-linux: line %d: writing the swap header on %s: %s\n",
			c->line, SWAP_DEV, strerror(errno));
		exit(1);
	}
	close(fd);
	free(h);
}

/* swapon SIZE: the header, then swapon(2) with flags 0.  While the disk is
 * swap already, Linux refuses writes to it (ETXTBSY): the header then stays
 * as it is and swapon(2) answers (EBUSY). */
static void run_swapon(const struct cmd *c)
{
	if (!swap_active)
		swap_header_write(c);
	cpu_set_t saved;
	pin_home(&saved);
	long r = syscall(SYS_swapon, SWAP_DEV, 0L);
	int e = errno;
	sched_setaffinity(0, sizeof saved, &saved);
	if (r < 0) {
		out_err(c, e);
		return;
	}
	swap_active = 1;
	out(c, "%ld", r);
}

static void run_swapoff(const struct cmd *c)
{
	cpu_set_t saved;
	pin_home(&saved);
	long r = syscall(SYS_swapoff, SWAP_DEV);
	int e = errno;
	sched_setaffinity(0, sizeof saved, &saved);
	if (r < 0) {
		out_err(c, e);
		return;
	}
	swap_active = 0;
	out(c, "%ld", r);
}

static void run_cgroup(const struct cmd *c)
{
	char path[PATH_MAX + 64], buf[1024];
	int e = 0;
	if (c->k == K_CGROUP && (e = memcg_create(c))) {
		out_err(c, e);
		return;
	}
	const char *dir = cg_dir ? cg_dir[c->cgroup] : NULL;
	if (!dir) {
		out_err(c, ENOENT);
		return;
	}
	for (int i = 0; i < c->ncg && !e; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, c->cgfile[i]);
		e = write_file(path, c->cgval[i]);
	}
	if (c->k == K_CGROUP) {
		if (e)
			out_err(c, e);
		return;
	}
	if (c->k == K_CGSET) {
		if (e)
			out_err(c, e);
		else
			out(c, "0");
		return;
	}
	/* memcg: memory.events' oom and oom_kill. */
	snprintf(path, sizeof path, "%s/memory.events", dir);
	if ((e = read_file(path, buf, sizeof buf))) {
		out_err(c, e);
		return;
	}
	unsigned long long oom = 0, kill = 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, "oom ", 4))
			oom = strtoull(l + 4, NULL, 10);
		else if (!strncmp(l, "oom_kill ", 9))
			kill = strtoull(l + 9, NULL, 10);
	}
	out(c, "oom=%llu oom_kill=%llu", oom, kill);
}

static void run_cmd(const struct cmd *c)
{
	struct req q;
	struct rep p;
	memset(&q, 0, sizeof q);

	switch (c->k) {
	case K_NOP:
	case K_MACHINE:
		return;
	case K_USE:
		cur = c->task;
		return;
	case K_TASK: {
		int e = spawn_task(c->task, c->uid, c->caps, c->mems, c->cpu, c->cgroup);
		if (e)
			out_err(c, e);
		return;
	}
	case K_FILE:
		run_file(c);
		return;
	case K_VMSTAT:
		run_vmstat(c);          /* machine-wide: needs no live task */
		return;
	case K_DISTANCE:
		run_distance(c);        /* machine-wide too */
		return;
	case K_ILWEIGHT:
		run_il_weight(c);
		return;
	case K_CPUSET:
		run_cpuset_mems(c);     /* the controller's, like vmstat */
		return;
	case K_SWAPON:
		run_swapon(c);          /* the controller's, like vmstat */
		return;
	case K_SWAPOFF:
		run_swapoff(c);
		return;
	case K_CGROUP:
	case K_CGSET:
	case K_MEMCG:
		run_cgroup(c);          /* the controller's, like vmstat */
		return;
	default:
		break;
	}

	if (!rt[cur].alive) {
		/* The current task could not be created: nothing runs in it. */
		if (c->k == K_MMAP || c->k == K_HOLE)
			mval[c->bind] = (uint64_t)-1;
		out_err(c, ESRCH);
		return;
	}

	switch (c->k) {
	case K_FORK:
		run_fork(c);
		break;
	case K_THREAD:
		run_thread(c);
		break;
	case K_EXIT:
		run_exit(c);
		break;
	case K_MMAP:
		q.op = OP_MMAP;
		q.a[0] = (int64_t)c->size;
		q.a[1] = c->prot;
		q.a[2] = c->mflags;
		q.a[3] = (int64_t)c->offset;
		q.a[4] = c->file >= 0;
		if (c->file >= 0)
			file_path(c->file, q.path, sizeof q.path);
		rpc(cur, c->line, &q, NULL, -1, &p, NULL);
		/* A failed mmap binds the name to MAP_FAILED (all ones). */
		mval[c->bind] = p.ret < 0 ? (uint64_t)-1 : p.val;
		if (p.ret < 0)
			out_err(c, p.err);
		else
			out(c, "ok");
		if (verbose)
			fprintf(stderr, "mms-linux: line %d: %s = %#llx\n", c->line, maps.v[c->bind],
				(unsigned long long)p.val);
		break;
	case K_HOLE:
		q.op = OP_HOLE;
		q.a[0] = (int64_t)c->size;
		rpc(cur, c->line, &q, NULL, -1, &p, NULL);
		if (p.ret < 0) {
			mval[c->bind] = (uint64_t)-1;
			out_err(c, p.err);
		} else {
			mval[c->bind] = p.val;
		}
		if (verbose)
			fprintf(stderr, "mms-linux: line %d: %s = %#llx (hole)\n", c->line,
				maps.v[c->bind], (unsigned long long)mval[c->bind]);
		break;
	case K_MUNMAP:
		run_sys(c, SYS_munmap, 0);
		break;
	case K_MPROTECT:
		run_sys(c, SYS_mprotect, c->prot);
		break;
	case K_MLOCK:
		run_sys(c, SYS_mlock, 0);
		break;
	case K_MUNLOCK:
		run_sys(c, SYS_munlock, 0);
		break;
	case K_MSYNC:
		run_sys(c, SYS_msync, c->arg);
		break;
	case K_MADVISE:
		run_sys(c, SYS_madvise, c->arg);
		if (c->arg == MADV_PAGEOUT)
			writeback_wait(c->line);
		break;
	case K_WRITE:
	case K_READ:
		q.op = c->k == K_WRITE ? OP_WRITE : OP_READ;
		q.a[0] = (int64_t)resolve(c->addr);
		q.a[1] = (int64_t)c->size;
		q.a[2] = c->byte;
		rpc(cur, c->line, &q, NULL, -1, &p, NULL);
		if (p.sig)
			out(c, "%s +%llup", p.sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
			    (unsigned long long)p.val);
		else if (c->k == K_WRITE)
			out(c, "ok");
		else
			out(c, "ok fnv=%016llx", (unsigned long long)p.val);
		break;
	case K_MOVE:
	case K_NODES:
		run_move(c);
		break;
	case K_MIGRATE:
		q.op = OP_MIGRATE;
		q.len = (uint64_t)c->mwords * 2 * sizeof(unsigned long);
		q.a[0] = pid_of(c);
		q.a[1] = (int64_t)c->mwords * 64 + 1;
		q.a[2] = c->mwords;
		rpc(cur, c->line, &q, c->masks, -1, &p, NULL);
		if (p.ret == -1)
			out_err(c, p.err);
		else
			out(c, "%lld", (long long)p.ret);
		break;
	case K_VMAS:
		run_vmas(c);
		break;
	case K_NUMA_MAPS:
		run_numa_maps(c);
		break;
	case K_SMAPS:
		run_smaps(c);
		break;
	case K_SETPOL:
	case K_GETPOL:
	case K_MBIND:
		run_mpol(c);
		break;
	case K_FSYNC:
		q.op = OP_FSYNC;
		file_path(c->file, q.path, sizeof q.path);
		rpc(cur, c->line, &q, NULL, -1, &p, NULL);
		if (p.ret < 0)
			out_err(c, p.err);
		else
			out(c, "0");
		break;
	default:
		break;
	}
}

/* Ends every task and undoes what the run set up; also runs at exit(1). */
static void finish(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	for (int i = 0; i < tasks.n; i++)
		if (rt[i].alive) {
			close(rt[i].fd);
			rt[i].alive = 0;
		}
	/* Every server exits on EOF; as child subreaper we also collect the
	 * forked servers whose parents went first. */
	for (;;) {
		pid_t r = wait(NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
	}
	if (swap_active)
		syscall(SYS_swapoff, SWAP_DEV);
	cg_cleanup();
	files_cleanup();
	sys_restore();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--server"))
		return server_main(argc, argv);
	/* No huge pages for the controller, nor (inherited) for a new task's
	 * own memory: see srv_own_memory_nohuge. */
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);

	int keep_sys = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--keep-sys"))
			keep_sys = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: mms-linux [-v] [--keep-sys] FILE.mms|-\n");
			return 0;
		} else if (!path && (strcmp(argv[i], "-") == 0 || argv[i][0] != '-'))
			path = argv[i];
		else {
			fprintf(stderr, "usage: mms-linux [-v] [--keep-sys] FILE.mms|-\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: mms-linux [-v] [--keep-sys] FILE.mms|-\n");
		return 2;
	}
	FILE *f = stdin;
	fname = "<stdin>";
	if (strcmp(path, "-")) {
		fname = path;
		f = fopen(path, "re");
		if (!f) {
			fprintf(stderr, "mms-linux: %s: %s\n", path, strerror(errno));
			return 2;
		}
	}
	parse_file(f);
	if (f != stdin)
		fclose(f);

	signal(SIGPIPE, SIG_IGN);
	ensure_proc_sys();
	if (readlink("/proc/self/exe", self_path, sizeof self_path - 1) < 0)
		snprintf(self_path, sizeof self_path, "%s", argv[0]);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	check_nodes();
	if (!keep_sys)
		sys_settings();
	find_home_cpu();
	if (uses_swap)
		swap_disk_check();

	rt = xcalloc((size_t)tasks.n, sizeof *rt);
	cs_dir = xcalloc((size_t)tasks.n, sizeof *cs_dir);
	mval = xcalloc((size_t)maps.n, sizeof *mval);
	for (int i = 0; i < maps.n; i++)
		mval[i] = (uint64_t)-1;
	atexit(finish);
	int e = spawn_task(0, 0, 1, NULL, -1, -1);
	if (e) {
		fprintf(stderr, "mms-linux: cannot start task main: %s\n", strerror(e));
		return 1;
	}
	if (uses_vmstat)
		vmstat_snapshot();
	oom_kills_seen = oom_kill_count();
	for (volatile int i = 0; i < ncmds; i++) {
		if (setjmp(cmd_jmp)) {
			cmd_jmp_armed = 0;
			if (cmds[i].k == K_MMAP || cmds[i].k == K_HOLE)
				mval[cmds[i].bind] = (uint64_t)-1;
			out(&cmds[i], "killed");
			reap_oom_victims();
			continue;
		}
		cmd_jmp_armed = 1;
		run_cmd(&cmds[i]);
		cmd_jmp_armed = 0;
		reap_oom_victims();
	}
	finish();
	return 0;
}
