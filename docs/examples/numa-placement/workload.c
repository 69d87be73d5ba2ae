/*
 * workload.c - the program of the worked example (docs/numa-example.md):
 * it fills an 8 MiB table (the first touch decides where its pages go),
 * then reads it over and over, in order and at random, as a lookup-heavy
 * program would.  Its output is a checksum, so the compiler keeps every
 * access.
 */
#include <stdio.h>
#include <stdlib.h>

#define ENTRIES (1u << 20)	/* 8 MiB of 8-byte entries: 2048 pages */
#define PASSES 2

int main(void)
{
	long *table = malloc(ENTRIES * sizeof(*table));
	unsigned x = 1;
	long sum = 0;

	if (!table)
		return 1;
	for (unsigned i = 0; i < ENTRIES; i++)
		table[i] = i;
	for (int pass = 0; pass < PASSES; pass++) {
		for (unsigned i = 0; i < ENTRIES; i++)
			sum += table[i];
		for (unsigned k = 0; k < ENTRIES / 2; k++) {
			x = x * 1103515245u + 12345u;
			sum += table[(x >> 8) % ENTRIES];
		}
	}
	printf("%ld\n", sum);
	free(table);
	return 0;
}
