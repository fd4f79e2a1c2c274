/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * deep-frames [SCALE]: descend recurses DEPTH times through frames of
 * 128 KiB each before its hot loop (deep_leaf) runs, in the main thread
 * and in a second thread (deep_thread) at once: 1 MiB of stack between
 * the leaf and main, more than any copy of the stack would hold.  Built
 * with -O2 -fomit-frame-pointer.  SCALE 1 is ~1.5 s of CPU per thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DEPTH 8
#define FRAME (128u << 10)
#define WORK (1UL << 28)

uint64_t deep_leaf(uint64_t x, unsigned long n);
uint64_t descend(int depth, uint64_t x, unsigned long n);
void *deep_thread(void *arg);

static volatile uint64_t sink;

__attribute__((noinline)) uint64_t deep_leaf(uint64_t x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		x ^= x >> 31;
		x *= 0x9e3779b97f4a7c15ull;
	}
	return x;
}

__attribute__((noinline)) uint64_t descend(int depth, uint64_t x,
					   unsigned long n)
{
	volatile unsigned char frame[FRAME];

	frame[0] = (unsigned char)x;
	frame[FRAME - 1] = (unsigned char)depth;
	if (depth > 1)
		x = descend(depth - 1, x + frame[0], n);
	else
		x = deep_leaf(x + frame[FRAME - 1], n);
	return x + frame[0];
}

__attribute__((noinline)) void *deep_thread(void *arg)
{
	sink = descend(DEPTH, 7, *(unsigned long *)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	unsigned long n = (unsigned long)(WORK * scale);
	pthread_attr_t attr;
	pthread_t th;

	if (scale <= 0 || scale > 1000) {
		fprintf(stderr, "usage: deep-frames [SCALE]\n");
		return 2;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 4u << 20);
	if (pthread_create(&th, &attr, deep_thread, &n) != 0) {
		fprintf(stderr, "deep-frames: cannot create a thread\n");
		return 1;
	}
	sink = descend(DEPTH, 5, n);
	pthread_join(th, NULL);
	printf("deep-frames: done\n");
	return 0;
}
