/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * malloc-loop [PAIRS]: the cost of one malloc/free pair, hooks included:
 * one thread makes PAIRS (default 20,000,000) pairs of blocks of 32 to 95
 * bytes, each freed at once, and prints the loop's own time (without the
 * program's start and end, or a profiler's) in seconds and nanoseconds a
 * pair.  Steadier than a whole run's wall time, so that a change of a few
 * instructions in the hooks shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 20000000;
	void *volatile keep;
	struct timespec a, b;
	double secs;

	if (pairs <= 0) {
		fprintf(stderr, "usage: malloc-loop [PAIRS]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < pairs; i++) {
		void *p = malloc(32 + (size_t)(i & 63));

		keep = p;
		free(p);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	(void)keep;
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.4f s %.2f ns a pair\n", secs, secs * 1e9 / (double)pairs);
	return 0;
}
