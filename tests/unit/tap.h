/*
 * tap.h - a minimal TAP producer for the unit tests.
 *
 *   ok(cond, "what")          one test point
 *   is(got, want, "what")     compares two integers, prints both on failure
 *   is_str(got, want, "what") compares two strings, prints both on failure
 *   done_testing()            prints the plan; exit status 1 if any failed
 */
#ifndef MMSIM_TAP_H
#define MMSIM_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                          \
	do {                                                                   \
		int tap_c_ = !!(cond);                                         \
		printf("%s %d - ", tap_c_ ? "ok" : "not ok", ++tap_n);          \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!tap_c_) {                                                 \
			tap_failed++;                                          \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);       \
		}                                                              \
	} while (0)

#define is(got, want, ...)                                                     \
	do {                                                                   \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
		ok(tap_g_ == tap_w_, __VA_ARGS__);                             \
		if (tap_g_ != tap_w_)                                          \
			printf("#   got %lld, want %lld\n", tap_g_, tap_w_);       \
	} while (0)

#define is_str(got, want, ...)                                                 \
	do {                                                                   \
		const char *tap_gs_ = (got), *tap_ws_ = (want);                \
		int tap_eq_ = tap_gs_ && tap_ws_ && !strcmp(tap_gs_, tap_ws_); \
		ok(tap_eq_, __VA_ARGS__);                                      \
		if (!tap_eq_)                                                  \
			printf("#   got '%s'\n#  want '%s'\n", tap_gs_ ? tap_gs_ : "(null)", \
			       tap_ws_ ? tap_ws_ : "(null)");                  \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
