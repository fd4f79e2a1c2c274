/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-reload DIR: dlopens DIR/libnm-reload-a.so, allocates through it and
 * closes it, then does the same with DIR/libnm-reload-b.so, which lands
 * where the first one was.  Prints "same" when both loaded at one address
 * (the case the test is about), "moved" otherwise.  Leaks every block, so
 * that --leaks counts them too.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef void *(*alloc_fn)(size_t);

static void *use(const char *dir, const char *lib, const char *func,
		 size_t size, int times)
{
	char path[4096];
	void *h, *sym;
	alloc_fn f;

	snprintf(path, sizeof(path), "%s/%s", dir, lib);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "nm-reload: %s\n", dlerror());
		return NULL;
	}
	sym = dlsym(h, func);
	if (!sym) {
		fprintf(stderr, "nm-reload: %s\n", dlerror());
		return NULL;
	}
	memcpy(&f, &sym, sizeof(f));
	for (int i = 0; i < times; i++)
		if (!f(size))
			return NULL;
	/* Time for the profiler to see the library before it goes. */
	usleep(100000);
	dlclose(h);
	usleep(100000);
	return sym;
}

static const struct {
	const char *lib, *func;
	size_t size;
	int times;
} libs[8] = {
	{ "libnm-reload-a.so", "nm_reload_alloc_a", 1000003, 3 },
	{ "libnm-reload-b.so", "nm_reload_alloc_b", 1000033, 5 },
};
static void *at[8];
/* Read at run time, so that the loop is not unrolled: both libraries are
 * reached from one call site, and their stacks differ in nothing else. */
static volatile int nlibs = 2;

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	/* This test is about reloads: let the profiler's unwind tables for
	 * libc be built first, so that both libraries' stacks are whole. */
	usleep(300000);
	for (int i = 0; i < nlibs; i++)
		if (!(at[i] = use(argv[1], libs[i].lib, libs[i].func,
				  libs[i].size, libs[i].times)))
			return 1;
	puts(at[0] == at[1] ? "same" : "moved");
	return 0;
}
