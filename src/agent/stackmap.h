/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stack deduplication for the stream: each distinct stack gets an id, and
 * its STACK record is sent once, before the first sample that uses it.
 * Memory is bounded: when the table is full it starts over, and stacks seen
 * again get new ids (ids are never reused).  Writer thread only.
 */
#ifndef NPROF_AGENT_STACKMAP_H
#define NPROF_AGENT_STACKMAP_H

#include <stdint.h>

struct np_stackmap;

struct np_stackmap *np_stackmap_create(void);
void np_stackmap_free(struct np_stackmap *m);

/* The id of the stack FRAMES[0..N); *IS_NEW is set when the caller must
 * send its STACK record first. */
uint32_t np_stackmap_intern(struct np_stackmap *m, const uint64_t *frames,
			    uint32_t n, int *is_new);

#endif /* NPROF_AGENT_STACKMAP_H */
