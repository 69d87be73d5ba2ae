/*
 * test_scenario_threads.c - `thread NAME [cpu=N]` and `exit` in the
 * scenario language (docs/scenarios.md): a thread shares its process's
 * address space and runs on its own CPU, so the TLB flushes of munmap and
 * mprotect reach that CPU by IPI; the two flush schemes then differ in
 * how many IPIs they send (mmsim-only `stats`).  Also the thread's and the
 * process's exit, and the usage errors.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tools/scenario.h"

/* Runs text; its standard output (or, on a usage error, NULL and the
 * message in *err, both malloc'ed). */
static char *run(const char *text, char **err)
{
	char *out = NULL, *msg = NULL;
	size_t outn = 0, msgn = 0;
	FILE *o = open_memstream(&out, &outn);
	FILE *e = open_memstream(&msg, &msgn);
	struct scenario *s = scenario_parse("t", text, strlen(text), e);
	if (s) {
		if (scenario_run(s, o, e, 0))
			fprintf(e, "(the run failed)");
		scenario_free(s);
	}
	fclose(o);
	fclose(e);
	if (err)
		*err = msg;
	else
		free(msg);
	if (!s) {
		free(out);
		return NULL;
	}
	return out;
}

/* The value of `stats`'s counter key in out, or -1. */
static long long stat_of(const char *out, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, " %s=", key);
	const char *p = out ? strstr(out, pat) : NULL;
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* munmap of three VMAs (a mprotect in the middle split one) after a
 * thread on CPU 1 read them (peer: with or without that thread). */
static long long ipis(const char *flush, bool peer)
{
	char text[512];
	snprintf(text, sizeof text,
		 "machine nodes=2 cpus=2 flush=%s\n"
		 "a = mmap 12p rw\n"
		 "write a 12p\n"
		 "mprotect a+4p 4p r\n"
		 "%s"
		 "use main\n"
		 "munmap a 12p\n"
		 "stats\n",
		 flush, peer ? "thread peer cpu=1\nuse peer\nread a 12p\n" : "");
	char *out = run(text, NULL);
	long long n = stat_of(out, "ipis_sent");
	free(out);
	return n;
}

static void test_ipis(void)
{
	long long gather = ipis("gather", true), per_vma = ipis("per_vma", true);
	is(ipis("gather", false), 0, "no thread: gather sends no IPI");
	is(ipis("per_vma", false), 0, "no thread: per_vma sends no IPI");
	is(gather, 1, "a thread on CPU 1: gather sends one IPI for the munmap");
	is(per_vma, 3, "per_vma sends one per VMA: three");
	ok(gather > 0 && per_vma > gather, "both non-zero, per_vma more (%lld vs %lld)", per_vma,
	   gather);
}

static void test_thread_runs(void)
{
	char *err = NULL;
	char *out = run("machine nodes=2 cpus=2\n"
			"a = mmap 8p rw\n"
			"write a 4p 1\n"
			"thread t cpu=1\n"
			"use t\n"
			"write a+4p 4p 2\n"		/* line 6 */
			"nodes a*8\n"
			"thread u\n"			/* u: t's CPU */
			"use u\n"
			"b = mmap 1p rw\n"
			"write b 1p\n"
			"use main\n"
			"nodes b\n"			/* line 13 */
			"mprotect a 8p r\n"
			"use t\n"
			"write a 1p\n",			/* line 16 */
			&err);
	ok(out != NULL, "thread and use parse and run (%s)", err ? err : "");
	ok(out && strstr(out, "7: nodes = [0,0,0,0,1,1,1,1]\n"),
	   "the thread's faults land on its CPU's node, in main's mapping");
	ok(out && strstr(out, "13: nodes = [1]\n"),
	   "a thread without cpu= runs on its creator's CPU; main sees its mapping");
	ok(out && strstr(out, "16: write = SIGSEGV +0p\n"), "main's mprotect applies to the thread");
	free(out);
	free(err);
}

static void test_exit(void)
{
	char *out = run("machine nodes=2 cpus=2\n"
			"a = mmap 4p rw\n"
			"thread t cpu=1\n"
			"use t\n"
			"write a 4p 7\n"
			"exit\n"
			"nodes a*4\n"			/* line 7: t is gone */
			"use main\n"
			"nodes a*4\n"			/* line 9: its pages stay */
			"move_pages a pid=t\n"		/* line 10 */
			"task p cpu=1\n"
			"use p\n"
			"thread pt\n"
			"use p\n"
			"exit\n"
			"use pt\n"
			"b = mmap 1p rw\n"		/* line 17: pt went with p */
			"exit\n",			/* line 18 */
			NULL);
	ok(out && strstr(out, "7: nodes = -1 ESRCH\n"), "an exited thread runs nothing");
	ok(out && strstr(out, "9: nodes = [1,1,1,1]\n"),
	   "a thread's exit leaves its process's memory");
	ok(out && strstr(out, "10: move_pages = -1 ESRCH\n"), "pid= of an exited thread: ESRCH");
	ok(out && strstr(out, "17: mmap = -1 ESRCH\n"), "a process's exit ends its threads");
	ok(out && strstr(out, "18: exit = -1 ESRCH\n"), "exit in an ended task: ESRCH");
	free(out);
}

/* A usage error: no output, and a message naming the line and the cause. */
static void usage_error(const char *text, const char *want, const char *what)
{
	char *err = NULL;
	char *out = run(text, &err);
	ok(!out && err && strstr(err, want), "%s: usage error", what);
	if (out || !err || !strstr(err, want))
		printf("#   got '%s', want '%s'\n", err ? err : "", want);
	free(out);
	free(err);
}

static void test_usage_errors(void)
{
	usage_error("machine cpus=2\nthread t cpu=2\n", "t:2: thread: cpu=2 but the machine has 2 CPUs",
		    "an unknown CPU");
	usage_error("thread t cpu=x\n", "t:1: thread: malformed cpu 'x'", "a malformed CPU");
	usage_error("thread t cpu=0 cpu=1\n", "t:1: thread: too many arguments", "two cpu=");
	usage_error("thread t mems=1\n", "t:1: thread: unknown argument 'mems=1'",
		    "a task option");
	usage_error("thread t\nthread t\n", "t:2: task 't' already exists",
		    "a thread name given twice");
	usage_error("task t\nthread t\n", "t:2: task 't' already exists",
		    "a thread named as a task");
	usage_error("thread main\n", "t:1: task 'main' already exists", "a thread named main");
	usage_error("use t\nthread t\n", "t:1: unknown task 't'", "a thread used before it exists");
	usage_error("thread\n", "t:1: thread: missing argument", "no name");
	usage_error("exit\n", "t:1: exit: task main cannot exit", "main's exit");
	usage_error("thread t\nuse t\nuse main\nexit\n", "t:4: exit: task main cannot exit",
		    "main's exit after a use");
	usage_error("task t\nuse t\nexit now\n", "t:3: exit: too many arguments",
		    "exit with an argument");
	/* After a reboot main is current again. */
	usage_error("task t\nuse t\nreboot\nexit\n", "t:4: exit: task main cannot exit",
		    "exit right after a reboot");
}

/* A thread of a task that could not be created is ESRCH, as everything in
 * that task is. */
static void test_dead_creator(void)
{
	char *out = run("machine nodes=2 cpus=2\n"
			"task bad mems=7\n"
			"use bad\n"
			"thread t cpu=1\n"
			"use t\n"
			"a = mmap 1p rw\n",
			NULL);
	ok(out && strstr(out, "2: task = -1 EINVAL\n4: thread = -1 ESRCH\n6: mmap = -1 ESRCH\n"),
	   "a thread of a task that failed: ESRCH, and in it");
	free(out);
}

int main(void)
{
	test_ipis();
	test_thread_runs();
	test_exit();
	test_usage_errors();
	test_dead_creator();
	return done_testing();
}
