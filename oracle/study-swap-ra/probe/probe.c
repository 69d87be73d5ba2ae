/* probe: swap-in experiments with instrumentation (pagemap swap offsets,
 * mincore, per-page major faults, /proc/vmstat deltas).  Ops from argv. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PG 4096
static char *reg[16];
static int regn[16];
static int nreg;

static const char *keys[] = {"pswpin", "pswpout", "pgmajfault", "swap_ra", "swap_ra_hit",
	"pgrotated", "swpin_zero", "swpout_zero", "nr_writeback", "pgactivate", "pgdeactivate",
	"workingset_refault_anon", "pgsteal_direct", "pgscan_direct", NULL};
static long long base[32];

static void rd_vm(long long *v)
{
	char buf[16384];
	int fd = open("/proc/vmstat", O_RDONLY);
	int n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (int i = 0; keys[i]; i++) {
		v[i] = 0;
		char pat[64];
		snprintf(pat, sizeof pat, "\n%s ", keys[i]);
		char *p = strstr(buf, pat);
		if (p)
			v[i] = atoll(p + strlen(pat));
	}
}

static void vm(const char *tag)
{
	long long v[32];
	rd_vm(v);
	printf("vm%s:", tag);
	for (int i = 0; keys[i]; i++)
		if (v[i] != base[i])
			printf(" %s=%lld", keys[i], v[i] - base[i]);
	printf("\n");
}

static void vmreset(void) { rd_vm(base); }

static long majflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

/* list "0-15" or "8,5,15" or "15-0" (descending) */
static int parse_list(const char *s, int *out)
{
	int n = 0;
	char *d = strdup(s), *save, *t;
	for (t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int a, b;
		if (sscanf(t, "%d-%d", &a, &b) == 2) {
			if (a <= b)
				for (int i = a; i <= b; i++) out[n++] = i;
			else
				for (int i = a; i >= b; i--) out[n++] = i;
		} else
			out[n++] = atoi(t);
	}
	free(d);
	return n;
}

static void pm(int r)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned char mc[4096];
	mincore(reg[r], (size_t)regn[r] * PG, mc);
	printf("pm%d:", r);
	for (int i = 0; i < regn[r]; i++) {
		uint64_t e;
		pread(fd, &e, 8, ((uintptr_t)reg[r] / PG + i) * 8);
		if (e >> 63)
			printf(" P");
		else if ((e >> 62) & 1)
			printf(" S%llu", (unsigned long long)((e >> 5) & ((1ULL << 50) - 1)));
		else
			printf(" -");
		if (mc[i] & 1)
			printf("c");
	}
	printf("\n");
	close(fd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	{ cpu_set_t s; CPU_ZERO(&s); CPU_SET(0, &s); sched_setaffinity(0, sizeof s, &s); }
	vmreset();
	for (int i = 1; i < argc; i++) {
		char *op = argv[i];
		if (!strcmp(op, "map")) {
			int n = atoi(argv[++i]);
			reg[nreg] = mmap(NULL, (size_t)n * PG, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			madvise(reg[nreg], (size_t)n * PG, MADV_NOHUGEPAGE);
			regn[nreg++] = n;
			printf("map%d %p %d\n", nreg - 1, reg[nreg - 1], n);
		} else if (!strcmp(op, "w") || !strcmp(op, "r") || !strcmp(op, "rt")) {
			int r = atoi(argv[++i]);
			int l[4096], n = parse_list(argv[++i], l);
			if (op[0] == 'w') {
				for (int k = 0; k < n; k++)
					memset(reg[r] + (size_t)l[k] * PG, 0x40 + (l[k] & 63) + 1, PG);
			} else if (op[1] == 't') {
				printf("rt%d:", r);
				for (int k = 0; k < n; k++) {
					long long v0[32], v1[32];
					rd_vm(v0);
					long m0 = majflt();
					volatile char c = reg[r][(size_t)l[k] * PG];
					(void)c;
					long m1 = majflt();
					rd_vm(v1);
					printf(" %d:%s%s", l[k], m1 > m0 ? "M" : "m",
					       "");
					if (v1[0] - v0[0]) printf("/in%lld", v1[0] - v0[0]);
					if (v1[3] - v0[3]) printf("/ra%lld", v1[3] - v0[3]);
					if (v1[4] - v0[4]) printf("/hit%lld", v1[4] - v0[4]);
				}
				printf("\n");
			} else {
				long m0 = majflt();
				unsigned s = 0;
				for (int k = 0; k < n; k++)
					s += reg[r][(size_t)l[k] * PG];
				printf("r%d: majflt=%ld sum=%u\n", r, majflt() - m0, s);
			}
		} else if (!strcmp(op, "po") || !strcmp(op, "wn") || !strcmp(op, "ml") ||
			   !strcmp(op, "cold")) {
			int r = atoi(argv[++i]), a = atoi(argv[++i]), b = atoi(argv[++i]);
			int rc;
			if (!strcmp(op, "ml"))
				rc = mlock(reg[r] + (size_t)a * PG, (size_t)(b - a) * PG);
			else
				rc = madvise(reg[r] + (size_t)a * PG, (size_t)(b - a) * PG,
					     !strcmp(op, "po") ? MADV_PAGEOUT :
					     !strcmp(op, "wn") ? MADV_WILLNEED : MADV_COLD);
			printf("%s %d [%d,%d) = %d\n", op, r, a, b, rc);
		} else if (!strcmp(op, "pm")) {
			pm(atoi(argv[++i]));
		} else if (!strcmp(op, "vm")) {
			vm("");
		} else if (!strcmp(op, "wbwait")) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			long long v[32];
			int n = 0;
			for (;;) {
				rd_vm(v);
				if (v[8] == 0 || n++ > 5000)
					break;
				usleep(1000);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("wbwait: %d polls %.1f ms nr_writeback=%lld\n", n,
			       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, v[8]);
		} else if (!strcmp(op, "iowait")) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			int n = 0;
			char b[64];
			for (;;) {
				int fd = open("/sys/block/vda/inflight", O_RDONLY);
				int k = read(fd, b, sizeof b - 1);
				close(fd);
				b[k > 0 ? k : 0] = 0;
				int r = -1, w = -1;
				sscanf(b, "%d %d", &r, &w);
				if ((r == 0 && w == 0) || n++ > 5000)
					break;
				usleep(1000);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("iowait: %d polls %.1f ms\n", n,
			       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
		} else if (!strcmp(op, "vmreset")) {
			vmreset();
		} else if (!strcmp(op, "sleep")) {
			usleep(atoi(argv[++i]) * 1000);
		} else if (!strcmp(op, "cpu")) {
			cpu_set_t s;
			CPU_ZERO(&s);
			CPU_SET(atoi(argv[++i]), &s);
			sched_setaffinity(0, sizeof s, &s);
		} else if (!strcmp(op, "swapoff")) {
			printf("swapoff = %d\n", swapoff("/dev/vda"));
		} else if (!strcmp(op, "swapon")) {
			printf("swapon = %d\n", swapon("/dev/vda", 0));
		} else if (!strcmp(op, "unmap")) {
			int r = atoi(argv[++i]);
			munmap(reg[r], (size_t)regn[r] * PG);
		} else if (!strcmp(op, "echo")) {
			printf("# %s\n", argv[++i]);
		} else {
			printf("bad op %s\n", op);
			return 2;
		}
	}
	return 0;
}
