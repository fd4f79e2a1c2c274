/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the interrupted thread's stack may be read: the mapping that holds
 * its SP, found in /proc/self/maps the first time and cached per thread.
 */
#ifndef NPROF_AGENT_STACK_BOUNDS_H
#define NPROF_AGENT_STACK_BOUNDS_H

#include <stdint.h>

#include "unwind.h"

/*
 * Fills B with the readable mapping that holds SP, for the calling thread:
 * the cached one while SP stays inside it and it is still mapped, else
 * found again.  Async-signal-safe; call it with the agent's guard held.
 * Returns 0, or -1 when no mapping was found (or maps unreadable).
 */
int np_stack_bounds_find(uint64_t sp, struct np_stack_bounds *b);

/* The same, for another stack of the thread's (the one a handler on an
 * alternate signal stack interrupted), always read anew, the cache left
 * as it is. */
int np_stack_bounds_lookup(uint64_t sp, struct np_stack_bounds *b);

#endif /* NPROF_AGENT_STACK_BOUNDS_H */
