/*
 * mmsim/mmsim.h - the whole public API of libmmsim.
 *
 * mmsim is a user-space implementation of the Linux memory-management core
 * over a simulated NUMA machine.  Create a machine (machine.h), tasks on it
 * (task.h), make system calls as those tasks (syscalls.h), and read what it
 * cost (counters.h).
 */
#ifndef MMSIM_MMSIM_H
#define MMSIM_MMSIM_H

#include <mmsim/cgroup.h>
#include <mmsim/counters.h>
#include <mmsim/files.h>
#include <mmsim/machine.h>
#include <mmsim/syscalls.h>
#include <mmsim/task.h>
#include <mmsim/version.h>
#include <mmsim/trace.h>
#include <mmsim/views.h>

#endif
