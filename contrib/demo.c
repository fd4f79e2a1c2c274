/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quick start's demo: three functions that do 60%, 30% and 10% of the
 * work, so that the report's top lines are easy to check by eye.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

static uint64_t mix(uint64_t x, unsigned int rounds)
{
	for (unsigned int i = 0; i < rounds; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdull;
		x ^= x >> 29;
	}
	return x;
}

/* Six units of work per call. */
static void crunch_numbers(void)
{
	sink += mix(sink + 1, 6 * 200000);
}

/* Three units. */
static void hash_strings(void)
{
	sink += mix(sink + 2, 3 * 200000);
}

/* One unit. */
static void walk_list(void)
{
	sink += mix(sink + 3, 1 * 200000);
}

int main(int argc, char **argv)
{
	int iterations = argc > 1 ? atoi(argv[1]) : 1500;

	for (int i = 0; i < iterations; i++) {
		crunch_numbers();
		hash_strings();
		walk_list();
	}
	printf("demo: done (%llu)\n", (unsigned long long)(sink & 0xff));
	return 0;
}
