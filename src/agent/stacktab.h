/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stacks of allocations, deduplicated where they are taken: an insert-only
 * lock-free hash table in mmap'd memory, so that a hook queues a 32-bit
 * reference instead of a copy of its stack.  Entries are never removed; a
 * full table makes inserts fail (the event then goes without a stack).
 * The writer keeps, in each entry, which stream id it was sent under.
 */
#ifndef NPROF_AGENT_STACKTAB_H
#define NPROF_AGENT_STACKTAB_H

#include <stdint.h>

struct np_stacktab;

struct np_stacktab *np_stacktab_create(void);

/* The reference (non-zero) of the stack FRAMES[0..N), inserted if new; 0
 * when the table is full.  Any thread, lock-free, async-signal-safe. */
uint32_t np_stacktab_intern(struct np_stacktab *t, const uint64_t *frames,
			    uint32_t n);

/* The frames of reference REF and their count; *SENT is the writer's word
 * (session << 32 | stream id), 0 until it sets it. */
const uint64_t *np_stacktab_get(struct np_stacktab *t, uint32_t ref,
				uint32_t *n, uint64_t **sent);

/* The hash of a stack. */
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

#endif /* NPROF_AGENT_STACKTAB_H */
