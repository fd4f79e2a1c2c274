/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unwind-bench [ITERATIONS]: the agent's unwinder on this program's own
 * stack, built with -O2 -fomit-frame-pointer like the code it unwinds.
 * Builds the unwind tables of every loaded module (and of libstdc++,
 * loaded for the purpose), recurses until a stack is 20 frames deep, and
 * times np_unwind there.  Prints "key value" lines for bench/run:
 *   frames 20
 *   ns_per_unwind 312.5
 *   build_all_ms 4.2                               (building every table)
 *   table_bytes <module> <bytes> <fdes> <rows>    (one per module)
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfi-table.h"
#include "stack-bounds.h"
#include "unwind.h"

#define DEPTH_WANTED 20

static long iterations = 1000000;
static int frames_seen;
static double ns_per_unwind;
static volatile uint64_t sink;

/* CPU time: the machine may be shared, and waiting is not unwinding. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void measure(long n)
{
	struct np_regs r;
	struct np_stack_bounds b;
	uint64_t frames[256], start;

	np_regs_here(&r);
	if (np_stack_bounds_find(r.sp, &b) != 0) {
		fprintf(stderr, "unwind-bench: no stack bounds\n");
		exit(1);
	}
	frames_seen = np_unwind(&r, frames, 256, &b);
	start = now_ns();
	for (long i = 0; i < n; i++)
		sink += (uint64_t)np_unwind(&r, frames, 256, &b);
	if (n)
		ns_per_unwind = (double)(now_ns() - start) / (double)n;
}

__attribute__((noinline)) static int descend(int depth, long n)
{
	if (depth > 0)
		return descend(depth - 1, n) + 1;
	measure(n);
	return 0;
}

static uint32_t next_key = 1;

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct np_cfi_table *t;
	const char *name = info->dlpi_name[0] ? info->dlpi_name : "(main)";

	(void)size;
	(void)arg;
	np_cfi_tables_add(next_key++, info->dlpi_addr, info->dlpi_phdr,
			  info->dlpi_phnum);
	/* Built again to say its size, module by module. */
	t = np_cfi_table_build(info->dlpi_addr, info->dlpi_phdr,
			       info->dlpi_phnum);
	if (t) {
		const char *base = strrchr(name, '/');

		printf("table_bytes %s %zu %u %u\n", base ? base + 1 : name,
		       t->map_size, t->nfdes, t->nrows);
		np_cfi_table_free(t);
	}
	return 0;
}

static int add_quietly(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	np_cfi_tables_add(next_key++, info->dlpi_addr, info->dlpi_phdr,
			  info->dlpi_phnum);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;

	if (argc > 1)
		iterations = strtol(argv[1], NULL, 10);
	if (!dlopen("libstdc++.so.6", RTLD_NOW))
		fprintf(stderr, "unwind-bench: no libstdc++: %s\n", dlerror());
	/* What the writer thread spends on a program's start. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dl_iterate_phdr(add_quietly, NULL);
	np_cfi_tables_publish();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("build_all_ms %.2f\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	np_cfi_tables_drop_all();
	dl_iterate_phdr(add_module, NULL);
	np_cfi_tables_publish();
	printf("tables_total_bytes %zu\n", np_cfi_tables_bytes());
	/* How deep main's own stack is, to make it DEPTH_WANTED in all. */
	descend(0, 0);
	descend(DEPTH_WANTED - frames_seen, iterations);
	printf("frames %d\nns_per_unwind %.1f\n", frames_seen, ns_per_unwind);
	return sink == 0;
}
