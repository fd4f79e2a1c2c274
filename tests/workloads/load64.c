/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * load64 [SECONDS [THREADS]]: a target under load for the profiler.
 * THREADS (64) threads allocate and free flat out (malloc, calloc, realloc;
 * sizes from 16 bytes to 256 KiB; some blocks stay live for a while), fill
 * every block with a pattern and check it before the free, and between
 * batches compute a hash whose value is known.  It runs for SECONDS (0:
 * until SIGTERM or SIGINT), prints "ready PID" once its threads run, then
 * frees what is left, checks that every byte it wrote read back the same
 * (the written and verified checksums agree) and every hash came out
 * right, prints one line of counts with its VmRSS and VmHWM, and "ok";
 * or "FAIL: ..." and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LIVE 64        /* blocks a thread keeps live between batches */
#define BATCH 32       /* short-lived blocks per batch */
#define CPU_STEPS 4096 /* steps of one hash */
#define HASH_SEEDS 16

struct block {
	uint64_t *p;
	size_t words;
	uint64_t seed;
};

struct worker {
	pthread_t thread;
	unsigned int index;
	uint64_t rng;
	struct block live[LIVE];
	/* Sums of every pattern word written and read back. */
	uint64_t written, verified;
	uint64_t allocs, frees, reallocs, bytes, hashes;
	uint64_t errors;
	char first_error[96];
};

static atomic_int stop;
static uint64_t hash_expected[HASH_SEEDS];

static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static void error(struct worker *w, const char *what)
{
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof(w->first_error),
			 "thread %u: %s", w->index, what);
}

/* Mostly small blocks, some of a few KiB, a few that malloc mmaps. */
static size_t pick_words(struct worker *w)
{
	uint64_t r = next_random(&w->rng);

	if ((r & 255) == 0)
		return 8192 + (r >> 8) % 24576; /* 64 to 256 KiB */
	if ((r & 255) < 32)
		return 128 + (r >> 8) % 1920; /* 1 to 16 KiB */
	return 2 + (r >> 8) % 126; /* 16 bytes to 1 KiB */
}

static uint64_t pattern(uint64_t seed, size_t k)
{
	return seed ^ (k * 0x9e3779b97f4a7c15ull);
}

static void fill(struct worker *w, struct block *b)
{
	for (size_t k = 0; k < b->words; k++) {
		b->p[k] = pattern(b->seed, k);
		w->written += b->p[k];
	}
}

/* Reads the first WORDS words of B back. */
static void verify(struct worker *w, const struct block *b, size_t words)
{
	for (size_t k = 0; k < words; k++) {
		if (b->p[k] != pattern(b->seed, k))
			error(w, "a block's contents changed");
		w->verified += b->p[k];
	}
}

static void block_new(struct worker *w, struct block *b)
{
	b->words = pick_words(w);
	b->seed = next_random(&w->rng);
	if (b->seed & 1) {
		b->p = malloc(b->words * 8);
	} else {
		b->p = calloc(b->words, 8);
		for (size_t k = 0; b->p && k < b->words; k++)
			if (b->p[k]) {
				error(w, "calloc returned dirty memory");
				break;
			}
	}
	if (!b->p) {
		error(w, "out of memory");
		b->words = 0;
		return;
	}
	w->allocs++;
	w->bytes += b->words * 8;
	fill(w, b);
}

static void block_free(struct worker *w, struct block *b)
{
	if (!b->p)
		return;
	verify(w, b, b->words);
	free(b->p);
	w->frees++;
	b->p = NULL;
}

/* Grows or shrinks B: what it held must come along. */
static void block_resize(struct worker *w, struct block *b)
{
	size_t words = pick_words(w);
	size_t kept = words < b->words ? words : b->words;
	uint64_t *p = realloc(b->p, words * 8);

	if (!p) {
		error(w, "realloc returned NULL");
		return;
	}
	b->p = p;
	verify(w, b, kept);
	/* The rest of the old contents is gone: count it as read. */
	for (size_t k = kept; k < b->words; k++)
		w->verified += pattern(b->seed, k);
	b->words = words;
	b->seed = next_random(&w->rng);
	w->reallocs++;
	w->bytes += words * 8;
	fill(w, b);
}

/* Short-lived blocks, and a few of the live ones replaced or resized. */
static void alloc_round(struct worker *w)
{
	struct block batch[BATCH];

	for (int i = 0; i < BATCH; i++)
		block_new(w, &batch[i]);
	for (int i = 0; i < 4; i++) {
		struct block *b = &w->live[next_random(&w->rng) % LIVE];

		if (!b->p)
			block_new(w, b);
		else if (i & 1)
			block_resize(w, b);
		else {
			block_free(w, b);
			block_new(w, b);
		}
	}
	for (int i = BATCH - 1; i >= 0; i--)
		block_free(w, &batch[i]);
}

static uint64_t hash_steps(uint64_t seed)
{
	uint64_t h = seed * 0xff51afd7ed558ccdull + 1;

	for (int i = 0; i < CPU_STEPS; i++) {
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ull;
		h += (uint64_t)i;
	}
	return h;
}

/* CPU time in the program's own code, with a known answer: a register
 * clobbered by a signal handler shows up here. */
static void cpu_round(struct worker *w)
{
	unsigned int seed = (unsigned int)(next_random(&w->rng) % HASH_SEEDS);

	if (hash_steps(seed) != hash_expected[seed])
		error(w, "a hash came out wrong");
	w->hashes++;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		alloc_round(w);
		cpu_round(w);
	}
	for (int i = 0; i < LIVE; i++)
		block_free(w, &w->live[i]);
	return NULL;
}

/* A line of /proc/self/status, such as "VmRSS:", as kB; -1 if missing. */
static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return kb;
}

/* Waits SECONDS (0: for ever) or until SIGTERM or SIGINT. */
static void wait_for_stop(const sigset_t *stops, long seconds)
{
	struct timespec end, now, left;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	for (;;) {
		if (!seconds) {
			if (sigwaitinfo(stops, NULL) >= 0)
				return;
			continue; /* EINTR: a profiler's signal */
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return;
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000;
		}
		if (sigtimedwait(stops, NULL, &left) >= 0)
			return;
	}
}

int main(int argc, char **argv)
{
	long seconds = argc > 1 ? atol(argv[1]) : 0;
	long nthreads = argc > 2 ? atol(argv[2]) : 64;
	struct worker *workers;
	struct worker sum = { 0 };
	const char *first_error = NULL;
	sigset_t stops;
	long rss_kb;

	if (seconds < 0 || nthreads < 1 || nthreads > 1024) {
		fprintf(stderr, "usage: load64 [SECONDS [THREADS]]\n");
		return 2;
	}
	for (int s = 0; s < HASH_SEEDS; s++)
		hash_expected[s] = hash_steps((uint64_t)s);
	/* Every thread inherits the mask: only main takes the stop. */
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stops, NULL);

	workers = calloc((size_t)nthreads, sizeof(*workers));
	if (!workers) {
		printf("FAIL: out of memory\n");
		return 1;
	}
	for (long i = 0; i < nthreads; i++) {
		workers[i].index = (unsigned int)i;
		workers[i].rng = 0x2545f4914f6cdd1dull * (uint64_t)(i + 1);
		if (pthread_create(&workers[i].thread, NULL, work,
				   &workers[i]) != 0) {
			printf("FAIL: cannot start thread %ld: %s\n", i,
			       strerror(errno));
			return 1;
		}
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);

	wait_for_stop(&stops, seconds);
	rss_kb = status_kb("VmRSS:");
	atomic_store(&stop, 1);
	for (long i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		pthread_join(w->thread, NULL);
		sum.written += w->written;
		sum.verified += w->verified;
		sum.allocs += w->allocs;
		sum.frees += w->frees;
		sum.reallocs += w->reallocs;
		sum.bytes += w->bytes;
		sum.hashes += w->hashes;
		sum.errors += w->errors;
		if (w->errors && !first_error)
			first_error = w->first_error;
	}
	printf("threads %ld allocs %llu frees %llu reallocs %llu bytes %llu "
	       "hashes %llu written %016llx verified %016llx errors %llu "
	       "vmrss_kb %ld vmhwm_kb %ld\n",
	       nthreads, (unsigned long long)sum.allocs,
	       (unsigned long long)sum.frees,
	       (unsigned long long)sum.reallocs,
	       (unsigned long long)sum.bytes,
	       (unsigned long long)sum.hashes,
	       (unsigned long long)sum.written,
	       (unsigned long long)sum.verified,
	       (unsigned long long)sum.errors, rss_kb, status_kb("VmHWM:"));
	if (first_error)
		printf("FAIL: %s (%llu errors)\n", first_error,
		       (unsigned long long)sum.errors);
	else if (sum.written != sum.verified)
		printf("FAIL: written and verified checksums differ\n");
	else if (sum.allocs != sum.frees || !sum.hashes)
		printf("FAIL: %llu allocations but %llu frees, %llu hashes\n",
		       (unsigned long long)sum.allocs,
		       (unsigned long long)sum.frees,
		       (unsigned long long)sum.hashes);
	else
		printf("ok\n");
	fflush(stdout);
	free(workers);
	return first_error || sum.written != sum.verified ||
	       sum.allocs != sum.frees || !sum.hashes;
}
