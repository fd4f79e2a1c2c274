/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libattach-plugin.so: loaded by attach-target after nprof has attached, so
 * the agent must notice a library loaded later and the report name its
 * function, plugin_hot_loop.  Built a second time with -DPLUGIN_B as
 * libattach-plugin-b.so, whose allocating function is plugin_b_alloc (A's is
 * plugin_a_alloc), for the tests that swap one plugin for the other.
 * plugin_malloc_hooked tells whether the agent patched the plugin's pointer
 * to malloc stored in data (an R_X86_64_64 relocation of its own).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

double plugin_spin(double seconds);
uint64_t plugin_hot_loop(uint64_t x);
int plugin_alloc(unsigned int count, size_t size);
int plugin_malloc_hooked(void);

#ifdef PLUGIN_B
#define PLUGIN_SITE plugin_b_alloc
#else
#define PLUGIN_SITE plugin_a_alloc
#endif

static volatile uint64_t sink;
void *(*plugin_malloc)(size_t) = malloc;

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

/* COUNT blocks of SIZE bytes, allocated and freed here. */
__attribute__((noinline)) int PLUGIN_SITE(unsigned int count, size_t size)
{
	for (unsigned int i = 0; i < count; i++) {
		volatile char *p = malloc(size);

		if (!p)
			return -1;
		p[0] = (char)i;
		free((void *)p);
	}
	return 0;
}

int plugin_alloc(unsigned int count, size_t size)
{
	return PLUGIN_SITE(count, size);
}

int plugin_malloc_hooked(void)
{
	return (void *)plugin_malloc != dlsym(RTLD_DEFAULT, "malloc");
}
