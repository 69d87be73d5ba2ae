/*
 * mmsim/trace.h - trace events in Linux's text format.
 *
 * While a trace is on, the simulator writes one line per event, as
 * `trace-cmd report` prints Linux's tracepoints:
 *
 *     COMM-PID [CPU] SECONDS.MICROS: EVENT: FIELDS
 *
 * (COMM right-aligned in 16 columns, PID left-aligned in 5, CPU in 3
 * digits; the time is the simulated clock of the CPU, its cycles at 1 GHz;
 * FIELDS as the event's TP_printk in Linux 6.12).  docs/trace.md lists the
 * events and how to read the file.  One trace per process, as Linux has
 * one trace buffer.  Off, an event costs one predicted branch.
 */
#ifndef MMSIM_TRACE_PUBLIC_H
#define MMSIM_TRACE_PUBLIC_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Starts sending events to f (which stays the caller's): 0, or -EBUSY
 * when a trace is already on. */
int mmsim_trace_start(FILE *f);
/* Stops the trace and flushes f. */
void mmsim_trace_stop(void);

#ifdef __cplusplus
}
#endif
#endif
