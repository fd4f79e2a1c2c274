/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A plugin that nativemem.c dlopens after the session started: its own
 * allocation wrapper, one through its dependency (libnm-dep.so), and a hot
 * loop for the CPU view.  nm-dlmopen.c loads it into a namespace of its
 * own, whose blocks only the namespace's free may take back: nm_plugin_free.
 */
#include <stdlib.h>

void *nm_dep_alloc(size_t n);
void *nm_plugin_alloc(size_t n);
void *nm_plugin_dep_alloc(size_t n);
void nm_plugin_free(void *p);
unsigned long nm_plugin_spin(unsigned long rounds);

void *nm_plugin_alloc(size_t n)
{
	return malloc(n);
}

void *nm_plugin_dep_alloc(size_t n)
{
	return nm_dep_alloc(n);
}

void nm_plugin_free(void *p)
{
	free(p);
}

unsigned long nm_plugin_spin(unsigned long rounds)
{
	volatile unsigned long x = 1;

	for (unsigned long i = 0; i < rounds; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}
