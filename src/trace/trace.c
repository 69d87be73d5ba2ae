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

__thread const void *trace_ctx;
__thread const char *trace_kthread;

static trace_describe_fn describe;

void trace_set_describe(trace_describe_fn fn)
{
	__atomic_store_n(&describe, fn, __ATOMIC_RELEASE);
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
	char comm[16] = "kworker/u0:0";
	int pid = 0, cpu = 0;
	trace_describe_fn fn = __atomic_load_n(&describe, __ATOMIC_ACQUIRE);

	ns = trace_last_ns;
	if (trace_kthread)
		snprintf(comm, sizeof comm, "%s", trace_kthread);
	else if (trace_ctx && fn)
		fn(trace_ctx, comm, &pid, &cpu, &ns);
	if (ns > trace_last_ns)
		trace_last_ns = ns;
	fprintf(trace_file, "%16s-%-5d [%03d] %llu.%06llu: %s: ", comm, pid, cpu,
		(unsigned long long)(ns / 1000000000ull), (unsigned long long)(ns / 1000ull % 1000000ull),
		event);
	va_start(ap, fmt);
	vfprintf(trace_file, fmt, ap);
	va_end(ap);
	fputc('\n', trace_file);
	pthread_mutex_unlock(&trace_lock);
}
