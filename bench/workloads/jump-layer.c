/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libjump-layer.so: malloc, calloc and free behind one more jump, and
 * nothing else, for bench/run's mem part.  alloc-heavy built with
 * -DJUMP_LAYER calls these; each goes through its own PLT slot to here and
 * on through a GOT slot to libc's (built with -fno-plt: one indirect jump,
 * as nprof's hooks take), as a call does through a GOT hook that decides
 * nothing.  What that costs is the floor of any profiler that hooks the
 * GOT, nprof's sampled mode included.
 */
#include <stdlib.h>

void *jump_malloc(size_t size);
void *jump_calloc(size_t n, size_t each);
void jump_free(void *p);

void *jump_malloc(size_t size)
{
	return malloc(size);
}

void *jump_calloc(size_t n, size_t each)
{
	return calloc(n, each);
}

void jump_free(void *p)
{
	free(p);
}
