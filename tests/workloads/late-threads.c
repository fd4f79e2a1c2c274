/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * late-threads [SCALE]: main spins for 0.5 s of CPU in spin_main_phase, then
 * starts two threads, "alpha" and "beta", that spin for 1 s of CPU each in
 * spin_alpha and spin_beta, and joins them.  Threads born after the agent
 * started must be sampled too; by CPU time the shares are 20/40/40%.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void checkpoint(uint64_t x);
uint64_t spin_main_phase(double seconds);
uint64_t spin_alpha(double seconds);
uint64_t spin_beta(double seconds);

static volatile uint64_t sink;

/* Not a leaf: see hot3x.c for why each spinning function calls out. */
__attribute__((noinline)) void checkpoint(uint64_t x)
{
	sink = x;
}

static double thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Spins until this thread has used SECONDS more of CPU, checking the clock
 * (a system call) only every ~0.3 ms.  Written out in each function so that
 * the samples land in that function.
 */
#define SPIN(seconds)                                                    \
	uint64_t x = 0x9e3779b97f4a7c15ull;                              \
	double end = thread_cpu_seconds() + (seconds);                   \
	while (thread_cpu_seconds() < end) {                             \
		for (unsigned int i = 0; i < (1u << 17); i++) {          \
			x ^= x >> 31;                                    \
			x *= 0xbf58476d1ce4e5b9ull;                      \
		}                                                        \
		checkpoint(x);                                           \
	}                                                                \
	return x

__attribute__((noinline)) uint64_t spin_main_phase(double seconds)
{
	SPIN(seconds);
}

__attribute__((noinline)) uint64_t spin_alpha(double seconds)
{
	SPIN(seconds);
}

__attribute__((noinline)) uint64_t spin_beta(double seconds)
{
	SPIN(seconds);
}

static double scale = 1.0;

static void *alpha_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "alpha");
	sink = spin_alpha(1.0 * scale);
	return NULL;
}

static void *beta_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "beta");
	sink = spin_beta(1.0 * scale);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t alpha, beta;
	int err;

	if (argc > 1)
		scale = strtod(argv[1], NULL);
	if (scale <= 0 || scale > 1000) {
		fprintf(stderr, "usage: late-threads [SCALE]\n");
		return 2;
	}
	sink = spin_main_phase(0.5 * scale);
	if ((err = pthread_create(&alpha, NULL, alpha_thread, NULL)) != 0 ||
	    (err = pthread_create(&beta, NULL, beta_thread, NULL)) != 0) {
		fprintf(stderr, "late-threads: pthread_create: %s\n", strerror(err));
		return 1;
	}
	pthread_join(alpha, NULL);
	pthread_join(beta, NULL);
	printf("late-threads: done\n");
	return 0;
}
