/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dlopen-zlib [SCALE]: loads zlib with dlopen, compresses with it for a
 * while (zlib_stage -> compress2 -> zlib's own frames, built without frame
 * pointers), unloads it, and again: the agent must build zlib's unwind
 * table when it appears and drop it when it goes.  After each dlopen it
 * sleeps 50 ms (no CPU, no samples), time for the agent's writer (every
 * 10 ms) to build the table.  Exits 77 if there is no libz.so.1.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 10
#define BUF (256u << 10)

typedef int (*compress2_fn)(unsigned char *, unsigned long *,
			    const unsigned char *, unsigned long, int);

unsigned long zlib_stage(compress2_fn fn, unsigned int calls);

static unsigned char in[BUF], out[BUF + BUF / 8];

__attribute__((noinline)) unsigned long zlib_stage(compress2_fn fn,
						   unsigned int calls)
{
	unsigned long total = 0;

	for (unsigned int i = 0; i < calls; i++) {
		unsigned long len = sizeof(out);

		in[i % BUF] ^= (unsigned char)i;
		if (fn(out, &len, in, sizeof(in), 6) != 0)
			return 0;
		total += len;
	}
	return total;
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	unsigned int calls = (unsigned int)(10 * scale + 0.5);
	unsigned long total = 0;
	unsigned int seed = 1;

	if (scale <= 0 || scale > 1000) {
		fprintf(stderr, "usage: dlopen-zlib [SCALE]\n");
		return 2;
	}
	/* Text that compresses like text: words from a small alphabet. */
	for (unsigned int i = 0; i < BUF; i++)
		in[i] = (unsigned char)("etaoin shrdlu"[rand_r(&seed) % 13]);
	for (int r = 0; r < ROUNDS; r++) {
		struct timespec pause = { 0, 50000000 };
		void *z = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
		compress2_fn fn;

		if (!z) {
			fprintf(stderr, "dlopen-zlib: %s\n", dlerror());
			return 77;
		}
		fn = (compress2_fn)(void (*)(void))dlsym(z, "compress2");
		if (!fn)
			return 77;
		nanosleep(&pause, NULL);
		total += zlib_stage(fn, calls ? calls : 1);
		dlclose(z);
		nanosleep(&pause, NULL);
	}
	printf("dlopen-zlib: %lu bytes out\n", total);
	return 0;
}
