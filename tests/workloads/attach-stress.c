/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-stress [all]: threads for `nprof attach` to borrow from and come
 * back to, again and again.  Two threads hammer malloc/realloc/free and
 * check every block's contents; one sleeps in nanosleep and checks it never
 * fails nor wakes early; main blocks in read(2) on stdin.  With "all", main
 * allocates flat out too (polling stdin between batches), so that every
 * thread is in malloc most of the time (the sleeper allocates instead).  A line on stdin (or EOF) stops it:
 * it prints "ok" and the counts and exits 0, or "FAIL: ..." and exits 1 as
 * soon as anything is wrong (EINTR included), or if its pointer to malloc
 * stored in data still leads to the agent's hook after the last session.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;
/* Patched by the agent while a --nativemem session runs. */
void *(*stress_malloc)(size_t) = malloc;
static atomic_ulong rounds[4], naps;

static void fail(const char *what)
{
	printf("FAIL: %s (%s)\n", what, strerror(errno));
	fflush(stdout);
	_exit(1);
}

/* One batch: blocks of varied sizes, filled, grown, checked, freed. */
static void alloc_batch(unsigned int seed)
{
	enum { N = 64 };
	unsigned char *blocks[N];
	size_t sizes[N];

	for (int i = 0; i < N; i++) {
		sizes[i] = 16 + (size_t)((seed * 2654435761u + (unsigned)i * 40503u) % 4000);
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i])
			fail("malloc returned NULL");
		memset(blocks[i], (int)((seed + (unsigned)i) & 0xff), sizes[i]);
	}
	for (int i = 0; i < N; i += 2) {
		unsigned char *grown = realloc(blocks[i], sizes[i] * 2);

		if (!grown)
			fail("realloc returned NULL");
		for (size_t k = 0; k < sizes[i]; k++)
			if (grown[k] != (unsigned char)((seed + (unsigned)i) & 0xff))
				fail("realloc lost the contents of a block");
		blocks[i] = grown;
	}
	for (int i = 0; i < N; i++) {
		if (blocks[i][0] != (unsigned char)((seed + (unsigned)i) & 0xff) ||
		    blocks[i][sizes[i] - 1] != (unsigned char)((seed + (unsigned)i) & 0xff))
			fail("a block's contents changed");
		free(blocks[i]);
	}
}

static void *allocator(void *arg)
{
	int slot = (int)(intptr_t)arg;

	for (unsigned int seed = (unsigned)slot; !atomic_load(&stop); seed++) {
		alloc_batch(seed);
		atomic_fetch_add(&rounds[slot], 1);
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *sleeper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct timespec nap = { 0, 20000000 };
		uint64_t t0 = now_ns();

		if (nanosleep(&nap, NULL) != 0)
			fail("nanosleep failed");
		if (now_ns() - t0 < 20000000)
			fail("nanosleep woke early");
		atomic_fetch_add(&naps, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int all = argc > 1 && !strcmp(argv[1], "all");
	pthread_t threads[3];
	char byte;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&threads[i], NULL, allocator, (void *)(intptr_t)i))
			fail("pthread_create");
	if (pthread_create(&threads[2], NULL, all ? allocator : sleeper,
			   (void *)(intptr_t)3))
		fail("pthread_create");
	printf("ready\n");
	if (all) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

		for (unsigned int seed = 2;; seed++) {
			alloc_batch(seed);
			atomic_fetch_add(&rounds[2], 1);
			if ((seed & 63) == 0 && poll(&p, 1, 0) != 0)
				break;
		}
	}
	if (read(STDIN_FILENO, &byte, 1) < 0)
		fail("read failed");
	atomic_store(&stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	if ((void *)stress_malloc != dlsym(RTLD_DEFAULT, "malloc"))
		fail("malloc's slot still leads to a hook");
	printf("ok %lu %lu %lu %lu %lu\n", atomic_load(&rounds[0]),
	       atomic_load(&rounds[1]), atomic_load(&rounds[2]),
	       atomic_load(&rounds[3]), atomic_load(&naps));
	return 0;
}
