/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation for the report side: running out of memory there has no useful
 * recovery, so these end the program with a message instead of returning
 * NULL (as git's xmalloc does).  Never used by the agent.
 */
#ifndef NPROF_XALLOC_H
#define NPROF_XALLOC_H

#include <stddef.h>

void *np_xmalloc(size_t size);
void *np_xcalloc(size_t n, size_t size);
/* Grows an array of N elements of SIZE bytes; dies on overflow too. */
void *np_xreallocarray(void *ptr, size_t n, size_t size);
char *np_xstrdup(const char *s);
char *np_xstrndup(const char *s, size_t len);

/*
 * Makes room for one more element in the array *PTR of *N used and *CAP
 * allocated elements of SIZE bytes, doubling.
 */
void np_xgrow(void *ptr, size_t n, size_t *cap, size_t size);

#endif /* NPROF_XALLOC_H */
