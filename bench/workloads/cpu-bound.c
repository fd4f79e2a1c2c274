/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpu-bound [SCALE]: the CPU benchmark's workload, ~4 s of CPU at SCALE 1
 * on the reference machine, single-threaded, with a few stack levels and
 * several hot functions (hashing, sorting, recursion) so that the unwinder
 * and the stack table do real work.  Fixed work, so wall times compare.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t hash_block(const uint64_t *v, size_t n);
void sort_block(uint64_t *v, size_t n);
uint64_t walk_tree(unsigned int depth, uint64_t seed);
uint64_t one_pass(uint64_t *buf, size_t n, uint64_t seed);

static volatile uint64_t sink;

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

__attribute__((noinline)) uint64_t hash_block(const uint64_t *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned int round = 0; round < 8; round++)
		for (size_t i = 0; i < n; i++) {
			h ^= v[i] + round;
			h *= 0x100000001b3ull;
			h ^= h >> 29;
		}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

__attribute__((noinline)) void sort_block(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

/* Recursion: deep stacks of one function, as parsers and tree code make. */
__attribute__((noinline)) uint64_t walk_tree(unsigned int depth, uint64_t seed)
{
	if (depth == 0) {
		uint64_t x = seed;
		for (unsigned int i = 0; i < 2000; i++)
			x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ull;
		return x;
	}
	return walk_tree(depth - 1, seed * 3 + 1) ^
	       walk_tree(depth - 1, seed * 5 + 7);
}

__attribute__((noinline)) uint64_t one_pass(uint64_t *buf, size_t n,
					    uint64_t seed)
{
	uint64_t s = seed | 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = next(&s);
	sort_block(buf, n);
	return hash_block(buf, n) ^ walk_tree(12, seed);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	unsigned int passes = (unsigned int)(220 * scale + 0.5);
	size_t n = 1 << 16;
	uint64_t *buf = malloc(n * sizeof(*buf));
	uint64_t acc = 0;

	if (!buf || scale <= 0) {
		fprintf(stderr, "usage: cpu-bound [SCALE]\n");
		return 2;
	}
	for (unsigned int p = 0; p < passes; p++)
		acc ^= one_pass(buf, n, acc + p);
	sink = acc;
	free(buf);
	return 0;
}
