/*
 * trace.c - the trace sink: one FILE for the process, a lock so that
 * lines from several host threads never interleave, and each thread's
 * context (trace.h says the format).
 */
#include "trace.h"

#include <mmsim/trace.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>

bool trace_on;

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *trace_file;
static uint64_t trace_last_ns;		/* for threads without a clock */

/* Linux's TASK_COMM_LEN: a longer name is cut to 15 bytes. */
#define COMM_LEN 16

struct trace_ctx {
	char comm[COMM_LEN];
	int pid, cpu;
	const uint64_t *clock;
};

#define NO_TASK_COMM "kworker/u0:0"

static __thread struct trace_ctx current = { NO_TASK_COMM, 0, 0, NULL };

void trace_set_current(const char *comm, int pid, int cpu, const uint64_t *clock)
{
	snprintf(current.comm, sizeof(current.comm), "%s", comm ? comm : NO_TASK_COMM);
	current.pid = comm ? pid : 0;
	current.cpu = comm ? cpu : 0;
	current.clock = comm ? clock : NULL;
}

int trace_start(FILE *f)
{
	int err = 0;

	pthread_mutex_lock(&trace_lock);
	if (trace_file) {
		err = -EBUSY;
	} else {
		trace_file = f;
		trace_last_ns = 0;
		__atomic_store_n(&trace_on, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&trace_lock);
	return err;
}

void trace_stop(void)
{
	pthread_mutex_lock(&trace_lock);
	__atomic_store_n(&trace_on, false, __ATOMIC_RELEASE);
	if (trace_file)
		fflush(trace_file);
	trace_file = NULL;
	pthread_mutex_unlock(&trace_lock);
}

int mmsim_trace_start(FILE *f)
{
	return trace_start(f);
}

void mmsim_trace_stop(void)
{
	trace_stop();
}

void trace_emit(const char *event, const char *fmt, ...)
{
	va_list ap;
	uint64_t ns;

	pthread_mutex_lock(&trace_lock);
	if (!trace_file) {
		pthread_mutex_unlock(&trace_lock);
		return;
	}
	/* The simulated clock counts cycles; at 1 GHz a cycle is 1 ns. */
	ns = current.clock ? __atomic_load_n(current.clock, __ATOMIC_RELAXED) : trace_last_ns;
	if (ns > trace_last_ns)
		trace_last_ns = ns;
	fprintf(trace_file, "%16s-%-5d [%03d] %llu.%06llu: %s: ", current.comm, current.pid,
		current.cpu, (unsigned long long)(ns / 1000000000ull),
		(unsigned long long)(ns / 1000ull % 1000000ull), event);
	va_start(ap, fmt);
	vfprintf(trace_file, fmt, ap);
	va_end(ap);
	fputc('\n', trace_file);
	pthread_mutex_unlock(&trace_lock);
}
