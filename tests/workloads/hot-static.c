/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hot-static [SCALE [THREADS]]: built statically (no agent can be
 * preloaded), with frame pointers.  work_big, work_mid and work_small do
 * 6, 3 and 1 units of work in each round (60%, 30%, 10% of the CPU time),
 * all reached through main -> run_workload -> do_round, so that a profile's
 * split and its call chains can be checked.  With THREADS, that many
 * threads named "hs-worker" each run the whole workload.  SCALE 1 is about
 * a second of CPU per thread here.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A unit of work: UNIT_CHUNKS chunks of CHUNK iterations (~10 ms here). */
#define CHUNK (1UL << 20)
#define UNIT_CHUNKS 4
/* Rounds at SCALE 1. */
#define ROUNDS 10

void checkpoint(uint64_t x);
uint64_t work_big(uint64_t x);
uint64_t work_mid(uint64_t x);
uint64_t work_small(uint64_t x);
uint64_t do_round(uint64_t x);
uint64_t run_workload(unsigned int rounds);

static volatile uint64_t sink;
static unsigned int rounds;

/* Called once per chunk, so that the work functions are not leaves (GCC
 * keeps no frame in a leaf, and the kernel's frame-pointer walk would skip
 * its caller). */
__attribute__((noinline)) void checkpoint(uint64_t x)
{
	sink = x;
}

#define MIX_LOOP(x, units)                                               \
	for (unsigned long c_ = 0; c_ < (units) * UNIT_CHUNKS; c_++) {   \
		for (unsigned long i_ = 0; i_ < CHUNK; i_++) {           \
			(x) ^= (x) >> 31;                                \
			(x) *= 0x9e3779b97f4a7c15ull;                    \
		}                                                        \
		checkpoint(x);                                           \
	}

__attribute__((noinline)) uint64_t work_big(uint64_t x)
{
	MIX_LOOP(x, 6);
	return x;
}

__attribute__((noinline)) uint64_t work_mid(uint64_t x)
{
	MIX_LOOP(x, 3);
	return x;
}

__attribute__((noinline)) uint64_t work_small(uint64_t x)
{
	MIX_LOOP(x, 1);
	return x;
}

__attribute__((noinline)) uint64_t do_round(uint64_t x)
{
	x = work_big(x);
	x = work_mid(x);
	x = work_small(x);
	return x;
}

__attribute__((noinline)) uint64_t run_workload(unsigned int n)
{
	uint64_t x = 0x12345678;

	for (unsigned int r = 0; r < n; r++)
		x = do_round(x + r);
	return x;
}

static void *worker(void *arg)
{
	(void)arg;
	sink = run_workload(rounds);
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	int nthreads = argc > 2 ? atoi(argv[2]) : 0;
	pthread_t t[16];

	if (scale <= 0 || scale > 1000 || nthreads < 0 || nthreads > 16) {
		fprintf(stderr, "usage: hot-static [SCALE [THREADS]]\n");
		return 2;
	}
	rounds = (unsigned int)(ROUNDS * scale + 0.5);
	if (rounds == 0)
		rounds = 1;
	if (nthreads == 0) {
		sink = run_workload(rounds);
	} else {
		for (int i = 0; i < nthreads; i++) {
			if (pthread_create(&t[i], NULL, worker, NULL) != 0) {
				fprintf(stderr, "hot-static: cannot start a thread\n");
				return 1;
			}
			pthread_setname_np(t[i], "hs-worker");
		}
		for (int i = 0; i < nthreads; i++)
			pthread_join(t[i], NULL);
	}
	printf("hot-static: %u rounds done in %d threads\n", rounds,
	       nthreads ? nthreads : 1);
	/* Its own status, for the test to see come back through nprof. */
	return 3;
}
