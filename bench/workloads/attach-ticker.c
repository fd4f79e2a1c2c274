/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-ticker SECONDS: for bench/run's attach part.  One worker thread
 * spins in small work units (a CPU is left for main); main wakes every
 * millisecond.  Every 100 ms it prints "REALTIME_MS UNITS TICK_GAP_US
 * WORK_GAP_US": the work units done in the window (throughput), how much
 * longer than a millisecond main's longest tick took (a thread held up by
 * an injection shows here), and the worker's longest time between units.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static atomic_ulong units;
static atomic_ulong max_gap_ns, tick_gap_ns;
static atomic_int stop;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void note_gap(atomic_ulong *max, uint64_t gap)
{
	unsigned long cur = atomic_load(max);

	while (gap > cur && !atomic_compare_exchange_weak(max, &cur, gap))
		;
}

__attribute__((noinline)) static uint64_t work_unit(uint64_t x)
{
	for (int i = 0; i < 20000; i++) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ull;
	}
	return x;
}

static void *worker(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg + 1, last = mono_ns();

	while (!atomic_load(&stop)) {
		uint64_t now;

		x = work_unit(x);
		now = mono_ns();
		note_gap(&max_gap_ns, now - last);
		last = now;
		atomic_fetch_add(&units, 1);
	}
	return (void *)(uintptr_t)(x & 1);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 6;
	uint64_t end = mono_ns() + (uint64_t)(seconds * 1e9), next = mono_ns();
	pthread_t t[1];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 1; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	while (mono_ns() < end) {
		struct timespec ms = { 0, 1000000 }, real;
		uint64_t t0 = mono_ns();

		nanosleep(&ms, NULL);
		/* Beyond the millisecond asked for: the tick was held up. */
		note_gap(&tick_gap_ns, mono_ns() - t0 - 1000000);
		if (mono_ns() >= next) {
			clock_gettime(CLOCK_REALTIME, &real);
			printf("%llu %lu %lu %lu\n",
			       (unsigned long long)real.tv_sec * 1000 + (unsigned long long)real.tv_nsec / 1000000,
			       atomic_exchange(&units, 0),
			       atomic_exchange(&tick_gap_ns, 0) / 1000,
			       atomic_exchange(&max_gap_ns, 0) / 1000);
			next += 100000000;
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 1; i++)
		pthread_join(t[i], NULL);
	return 0;
}
