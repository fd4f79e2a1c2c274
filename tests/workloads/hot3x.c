/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hot3x [SCALE]: work_thrice does exactly three times the work of work_once,
 * both reached through main -> run_workload -> do_round, so that a profile's
 * split between them can be checked (3:1).  SCALE 1 is ~2 s of CPU here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A unit of work is UNIT_CHUNKS chunks of CHUNK iterations (~50 ms here). */
#define CHUNK (1UL << 20)
#define UNIT_CHUNKS 17
/* Rounds at SCALE 1: each is one unit in work_once and three in work_thrice. */
#define ROUNDS 20

void checkpoint(uint64_t x);
uint64_t work_once(uint64_t x, unsigned long units);
uint64_t work_thrice(uint64_t x, unsigned long units);
uint64_t do_round(uint64_t x);
uint64_t run_workload(unsigned int rounds);

static volatile uint64_t sink;

/*
 * Called once per chunk so that work_once and work_thrice are not leaf
 * functions: GCC 12 gives leaves no frame even with -fno-omit-frame-pointer,
 * and a plain frame-pointer walk from a frameless leaf skips its caller.
 * The caller chain checked by the tests should not hang on how the unwinder
 * copes with that.  At one call per million iterations checkpoint gets no
 * samples to speak of.
 */
__attribute__((noinline)) void checkpoint(uint64_t x)
{
	sink = x;
}

/*
 * The same loop in both functions, written out in each so that samples land
 * in the function itself; a serial multiply chain the compiler cannot shorten.
 */
#define MIX_LOOP(x, chunks)                                              \
	for (unsigned long c_ = 0; c_ < (chunks); c_++) {                \
		for (unsigned long i_ = 0; i_ < CHUNK; i_++) {           \
			(x) ^= (x) >> 31;                                \
			(x) *= 0x9e3779b97f4a7c15ull;                    \
		}                                                        \
		checkpoint(x);                                           \
	}

__attribute__((noinline)) uint64_t work_once(uint64_t x, unsigned long units)
{
	MIX_LOOP(x, units * UNIT_CHUNKS);
	return x;
}

__attribute__((noinline)) uint64_t work_thrice(uint64_t x, unsigned long units)
{
	MIX_LOOP(x, 3 * units * UNIT_CHUNKS);
	return x;
}

/*
 * Each call is long (tens of ms) next to any sampling period, so that
 * periodic sampling cannot alias with the alternation of the two.
 */
__attribute__((noinline)) uint64_t do_round(uint64_t x)
{
	x = work_once(x, 1);
	x = work_thrice(x, 1);
	return x;
}

__attribute__((noinline)) uint64_t run_workload(unsigned int rounds)
{
	uint64_t x = 0x12345678;

	for (unsigned int r = 0; r < rounds; r++)
		x = do_round(x + r);
	return x;
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	unsigned int rounds = (unsigned int)(ROUNDS * scale + 0.5);

	if (scale <= 0 || scale > 1000) {
		fprintf(stderr, "usage: hot3x [SCALE]\n");
		return 2;
	}
	if (rounds == 0)
		rounds = 1;
	sink = run_workload(rounds);
	printf("hot3x: %u rounds done\n", rounds);
	return 0;
}
