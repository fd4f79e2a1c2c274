/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A CPU-bound program with about 2^17 distinct call paths, for comparing
 * `nprof report` with `perf report` on a profile of many stacks: each step
 * descends 17 levels, at each level through one of two functions chosen by
 * a bit of the step's number, and spins a little at the bottom.
 *
 *   many-stacks [SECONDS [THREADS]]     (default 5 s in 2 threads)
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define LEVELS 17

static volatile unsigned long sink;
static double seconds = 5;

static void descend_a(unsigned int level, unsigned long path);
static void descend_b(unsigned int level, unsigned long path);

static __attribute__((noinline)) void bottom(unsigned long path)
{
	for (unsigned long i = 0; i < 2000; i++)
		sink += i ^ path;
}

static __attribute__((noinline)) void descend(unsigned int level,
					      unsigned long path)
{
	if (level == LEVELS)
		bottom(path);
	else if (path >> level & 1)
		descend_b(level + 1, path);
	else
		descend_a(level + 1, path);
	__asm__ volatile("" ::: "memory"); /* no tail call */
}

static __attribute__((noinline)) void descend_a(unsigned int level,
						unsigned long path)
{
	descend(level, path);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void descend_b(unsigned int level,
						unsigned long path)
{
	descend(level, path);
	__asm__ volatile("" ::: "memory");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	double end = now() + seconds;
	unsigned long path = (unsigned long)arg * 7919;

	while (now() < end)
		for (int i = 0; i < 64; i++)
			descend(0, path++ * 2654435761ul);
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 2 ? atoi(argv[2]) : 2;
	pthread_t threads[64];

	if (argc > 1)
		seconds = atof(argv[1]);
	if (nthreads < 1 || nthreads > 64)
		nthreads = 2;
	for (int i = 1; i < nthreads; i++)
		pthread_create(&threads[i], NULL, run, (void *)(long)i);
	run(0);
	for (int i = 1; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	return 0;
}
