/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that dies on failure (see xalloc.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "xalloc.h"

static void *check(void *p)
{
	if (!p)
		np_die("out of memory");
	return p;
}

void *np_xmalloc(size_t size)
{
	return check(malloc(size ? size : 1));
}

void *np_xcalloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

void *np_xreallocarray(void *ptr, size_t n, size_t size)
{
	return check(reallocarray(ptr, n ? n : 1, size ? size : 1));
}

char *np_xstrdup(const char *s)
{
	return check(strdup(s));
}

char *np_xstrndup(const char *s, size_t len)
{
	return check(strndup(s, len));
}

void np_xgrow(void *ptr, size_t n, size_t *cap, size_t size)
{
	void **array = ptr;

	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	*array = np_xreallocarray(*array, *cap, size);
}
