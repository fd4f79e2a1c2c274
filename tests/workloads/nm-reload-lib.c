/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built twice, as libnm-reload-a.so and libnm-reload-b.so, differing only
 * in the name of this function (names of the same length), and linked at
 * the same address: the two have the same code at the same addresses, so
 * their allocation stacks are the same list of addresses.
 */
#include <stdlib.h>

#define CAT(a, b) a##b
#define NAME(who) CAT(nm_reload_alloc_, who)

void *NAME(WHO)(size_t n);

void *NAME(WHO)(size_t n)
{
	void *p = malloc(n);

	/* Not a tail call: this frame stays on the stack. */
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}
