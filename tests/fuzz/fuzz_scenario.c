/*
 * fuzz_scenario.c - libFuzzer entry for the scenario parser and runner.
 *   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DMMSIM_FUZZ=ON
 *   ninja -C build-fuzz fuzz_scenario && ./build-fuzz/tests/fuzz_scenario -max_len=2048
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	struct scenario *s = scenario_parse("fuzz", (const char *)data, size, devnull);
	if (s) {
		/* Huge sizes make slow runs, not bugs: keep runs to small inputs. */
		if (size < 512)
			scenario_run(s, devnull, devnull, 0);
		scenario_free(s);
	}
	return 0;
}
