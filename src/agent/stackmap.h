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

/* Forgets every stack (ids go on from where they were): the next use of
 * each is defined anew. */
void np_stackmap_forget(struct np_stackmap *m);

/* The hash of a stack, shared by this table and the hooks' (stacktab.c). */
static inline uint64_t np_frames_hash(const uint64_t *frames, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (uint32_t i = 0; i < n; i++) {
		h ^= frames[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	return h;
}

#endif /* NPROF_AGENT_STACKMAP_H */
