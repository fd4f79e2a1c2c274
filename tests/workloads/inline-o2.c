/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inline-o2 [SCALE]: built with -O2 -g (tests/Makefile.inc).  The hot loop
 * is in mix_rounds, a static inline always_inline helper with no code of
 * its own: every sample in it is at an address of its caller, crunch
 * (noinline), under main.  A qsort whose comparator (compare_keys) is
 * called from libc's frames gives libc frames that only its separate debug
 * info (libc6-dbg) can give lines.  SCALE 1 is ~1 s of CPU here.
 */
#include <stdint.h>
#include <stdlib.h>

#define ROUNDS 24
#define UNIT (1UL << 24) /* iterations */
#define SORTS 40
#define SORTED 4096

static volatile uint64_t sink;
static uint64_t keys[SORTED];

static inline __attribute__((always_inline)) uint64_t
mix_rounds(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		x ^= x >> 31;
		x *= 0x9e3779b97f4a7c15ull;
	}
	return x;
}

__attribute__((noinline)) static uint64_t crunch(uint64_t x)
{
	x = mix_rounds(x, UNIT);
	sink = x;
	return x;
}

__attribute__((noinline)) static int compare_keys(const void *a,
						   const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	/* A little work per comparison, so that libc's frames are under
	 * samples often. */
	for (int i = 0; i < 40; i++)
		sink = x ^ (uint64_t)i;
	return x < y ? -1 : x > y;
}

__attribute__((noinline)) static void sort_keys(uint64_t x)
{
	for (int i = 0; i < SORTED; i++) {
		x ^= x >> 31;
		x *= 0x9e3779b97f4a7c15ull;
		keys[i] = x;
	}
	qsort(keys, SORTED, sizeof(keys[0]), compare_keys);
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 1;
	uint64_t x = 42;

	for (long s = 0; s < scale; s++) {
		for (int r = 0; r < ROUNDS; r++)
			x = crunch(x);
		for (int r = 0; r < SORTS; r++)
			sort_keys(x + (uint64_t)r);
	}
	return (int)(sink & 0);
}
