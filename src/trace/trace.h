/*
 * trace.h - trace events in Linux's tracepoint text format, the bottom of
 * the layer stack (every other layer may include it; it includes none).
 *
 * One trace per process, as Linux has one trace buffer: trace_start(f)
 * turns every event site on and sends lines to f until trace_stop().  A
 * line is what `trace-cmd report` prints for the event:
 *
 *     COMM-PID [CPU] SECONDS.MICROS: EVENT: FIELDS
 *
 * COMM right-aligned in 16 columns, PID left-aligned in 5, CPU in 3
 * digits, the timestamp from the simulated clock of the CPU the event ran
 * on (its cycles at a nominal 1 GHz), EVENT the tracepoint's name and
 * FIELDS formatted as its TP_printk in Linux 6.12.  The context (COMM,
 * PID, CPU, clock) is the calling thread's, set by the kernel when a task
 * enters its CPU (trace_ctx, below); a thread that never ran a task (the
 * cache set's journal and writeback threads) shows as "kworker/u0:0-0"
 * on CPU 0 at the last timestamp written.
 *
 * Cost when off: each event site is TRACE(...), one load of trace_on and a
 * branch predicted not taken; the arguments are not evaluated.  Events of
 * one host thread appear in the order they happened; a machine driven by
 * one thread (scenarios, replay) writes the same trace on every run.
 */
#ifndef MMSIM_TRACE_H
#define MMSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

extern bool trace_on;

/* Is a trace on?  For event sites that need a loop or a lookup first. */
#define trace_enabled() __builtin_expect(__atomic_load_n(&trace_on, __ATOMIC_RELAXED), 0)

#define TRACE(event, ...)                                                        \
	do {                                                                     \
		if (trace_enabled())                                             \
			trace_emit(event, __VA_ARGS__);                          \
	} while (0)

/* Cold: the compiler keeps every event site's call out of the hot path. */
void trace_emit(const char *event, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

/* For an event site's own helper (a lookup or a loop before emitting). */
#define TRACE_HELPER __attribute__((noinline, cold))

/* Starts sending events to f: 0, or -EBUSY when a trace is already on. */
int trace_start(FILE *f);
/* Stops (pending lines are flushed); the file stays the caller's. */
void trace_stop(void);

/*
 * The calling thread's context: an opaque pointer (the kernel's task) set
 * at every context switch - one store, tracing on or off - and described,
 * when an event is written, by the function the kernel registered (comm
 * cut to 15 bytes as Linux's, pid, cpu, simulated nanoseconds).  NULL: no
 * task.  Whoever frees a context clears the pointer first.
 */
extern __thread const void *trace_ctx;
/* A kernel thread's name ("kswapd0") while it runs on this host thread,
 * shown as its COMM (pid 0, CPU 0) in place of trace_ctx's; NULL: none. */
extern __thread const char *trace_kthread;
typedef void (*trace_describe_fn)(const void *ctx, char comm[16], int *pid, int *cpu,
				  uint64_t *ns);
void trace_set_describe(trace_describe_fn fn);

#endif
