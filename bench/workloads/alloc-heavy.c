/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alloc-heavy [SCALE]: the native memory benchmark's workload.  Two threads
 * each make 4,000,000 * SCALE malloc/free pairs of mixed sizes (16 B to
 * 4 KiB, mostly small, as programs allocate), from a few call sites, keeping
 * a window of 256 blocks alive so that frees do not simply follow their
 * mallocs, and filling part of each block, as a program would (~70 ns a
 * pair in all).  Fixed work, so wall times compare.  Prints the number of
 * pairs.  Built with -DJUMP_LAYER, it calls them through one more jump
 * (jump-layer.c).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef JUMP_LAYER
/* bench/run's floor: every call one jump longer (jump-layer.c). */
void *jump_malloc(size_t size);
void *jump_calloc(size_t n, size_t each);
void jump_free(void *p);
#define malloc jump_malloc
#define calloc jump_calloc
#define free jump_free
#endif

#define WINDOW 256

static unsigned long pairs_per_thread;

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly small blocks, now and then a large one. */
static size_t pick_size(uint64_t r)
{
	switch (r & 7) {
	case 0:
	case 1:
	case 2:
		return 16 + (r >> 8) % 48;
	case 3:
	case 4:
		return 64 + (r >> 8) % 192;
	case 5:
	case 6:
		return 256 + (r >> 8) % 768;
	default:
		return 1024 + (r >> 8) % 3072;
	}
}

__attribute__((noinline)) char *make_small(size_t n)
{
	char *p = malloc(n);

	if (p)
		memset(p, (int)n, n);
	return p;
}

__attribute__((noinline)) char *make_record(size_t n)
{
	char *p = malloc(n);

	if (p)
		memset(p, 0, n < 256 ? n : 256);
	return p;
}

__attribute__((noinline)) char *make_buffer(size_t n)
{
	char *p = calloc(1, n);

	if (p)
		memset(p + n - 256, 1, 256);
	return p;
}

static void *worker(void *arg)
{
	char *window[WINDOW] = { 0 };
	uint64_t s = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ull | 1;
	unsigned long sum = 0;

	for (unsigned long i = 0; i < pairs_per_thread; i++) {
		uint64_t r = next(&s);
		size_t n = pick_size(r);
		unsigned int at = (unsigned int)(r >> 40) % WINDOW;
		char *p;

		if (n < 64)
			p = make_small(n);
		else if (n < 1024)
			p = make_record(n);
		else
			p = make_buffer(n);
		if (!p)
			abort();
		for (size_t j = 0; j < n; j += 64)
			sum += (unsigned char)p[j];
		free(window[at]);
		window[at] = p;
	}
	for (unsigned int i = 0; i < WINDOW; i++)
		free(window[i]);
	return (void *)sum;
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;
	pthread_t t[2];

	pairs_per_thread = (unsigned long)(4000000 * scale);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("%lu pairs\n", 2 * pairs_per_thread);
	return 0;
}
