/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugin's dependency: loaded with it by dlopen, allocates for it. */
#include <stdlib.h>

void *nm_dep_alloc(size_t n);

void *nm_dep_alloc(size_t n)
{
	return malloc(n);
}
