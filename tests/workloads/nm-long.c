/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs SECONDS (default 3) of allocation work that checks its own data, for
 * tests/run-nativemem-restore.sh (nprof record -d 1).  Through a pointer to
 * malloc stored in data (a patched relocation) it also sees whether the
 * agent's hook is in place: it must be early on and gone at the end.
 * Prints "patched early: 1", "restored at end: 1" and "ok".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *(*nm_long_alloc)(size_t) = malloc;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One round: fill blocks with a pattern, read it back, free them. */
static int work(unsigned int seed)
{
	void *blocks[64];
	size_t sizes[64];

	for (int i = 0; i < 64; i++) {
		sizes[i] = 16 + (seed * 2654435761u + (unsigned)i * 40503u) % 4000;
		blocks[i] = nm_long_alloc(sizes[i]);
		if (!blocks[i])
			return -1;
		memset(blocks[i], (int)(i + seed) & 0xff, sizes[i]);
	}
	for (int i = 0; i < 64; i++) {
		unsigned char *b = blocks[i];

		if (b[0] != ((i + seed) & 0xff) ||
		    b[sizes[i] - 1] != ((i + seed) & 0xff))
			return -1;
		b = realloc(b, sizes[i] * 2);
		if (!b)
			return -1;
		free(b);
	}
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3;
	double start = now();
	void *real = dlsym(RTLD_DEFAULT, "malloc");
	int patched_early = -1, restored;
	unsigned int round = 0;

	while (now() - start < seconds) {
		if (work(round++) != 0) {
			printf("failed in round %u\n", round);
			return 1;
		}
		if (patched_early < 0 && now() - start > 0.2)
			patched_early = (void *)nm_long_alloc != real;
	}
	restored = (void *)nm_long_alloc == real;
	printf("patched early: %d\nrestored at end: %d\nrounds: %u\nok\n",
	       patched_early, restored, round);
	return 0;
}
