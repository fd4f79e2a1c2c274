/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugin's dependency: loaded with it by dlopen, allocates for it.
 * Its pointer to malloc in data is bound at load even when its PLT slot
 * is lazy (tests/unit/check_hooktab.c). */
#include <stdlib.h>

void *nm_dep_alloc(size_t n);
extern void *(*volatile nm_dep_malloc)(size_t);

void *(*volatile nm_dep_malloc)(size_t) = malloc;

void *nm_dep_alloc(size_t n)
{
	return malloc(n);
}
