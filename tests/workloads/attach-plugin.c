/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libattach-plugin.so: loaded by attach-target after nprof has attached, so
 * the agent must notice a library loaded later and the report name its
 * function, plugin_hot_loop.
 */
#include <stdint.h>
#include <time.h>

double plugin_spin(double seconds);
uint64_t plugin_hot_loop(uint64_t x);

static volatile uint64_t sink;

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) uint64_t plugin_hot_loop(uint64_t x)
{
	for (unsigned int i = 0; i < (1u << 16); i++) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ull;
	}
	sink = x;
	return x;
}

double plugin_spin(double seconds)
{
	double end = cpu_seconds() + seconds;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	while (cpu_seconds() < end)
		x = plugin_hot_loop(x);
	return (double)(x & 1);
}
