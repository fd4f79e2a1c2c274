/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quick start's demo: three functions that do 60%, 30% and 10% of the
 * work, so that the report's top lines are easy to check by eye.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

/* A few rounds of a 64-bit mixer; a macro so each caller does its own work. */
#define MIX(x, rounds)                                   \
	do {                                             \
		for (unsigned int i_ = 0; i_ < (rounds); i_++) { \
			(x) ^= (x) >> 33;                \
			(x) *= 0xff51afd7ed558ccdull;    \
			(x) ^= (x) >> 29;                \
		}                                        \
	} while (0)

/* Six units of work per call. */
static void crunch_numbers(void)
{
	uint64_t x = sink + 1;
	MIX(x, 6 * 200000);
	sink += x;
}

/* Three units. */
static void hash_strings(void)
{
	uint64_t x = sink + 2;
	MIX(x, 3 * 200000);
	sink += x;
}

/* One unit. */
static void walk_list(void)
{
	uint64_t x = sink + 3;
	MIX(x, 1 * 200000);
	sink += x;
}

int main(int argc, char **argv)
{
	int iterations = argc > 1 ? atoi(argv[1]) : 500;

	for (int i = 0; i < iterations; i++) {
		crunch_numbers();
		hash_strings();
		walk_list();
	}
	printf("demo: done (%llu)\n", (unsigned long long)(sink & 0xff));
	return 0;
}
