/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lock-free stack table (see stacktab.h).  An inserter reserves arena
 * words with one fetch-add, writes the entry {hash, n, writer word,
 * frames...} and only then publishes it in a slot with a CAS from 0, so a
 * reader that sees a slot sees a whole entry.  Losing a race for a slot to
 * the same stack wastes the reserved words, nothing else.
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "mem.h"
#include "stacktab.h"

#define SLOTS (1u << 20)          /* a power of two */
#define ARENA_WORDS (1u << 24)    /* 128 MiB of address space, touched as used */
#define MAX_PROBE 256

struct np_stacktab {
	_Atomic uint32_t slots[SLOTS]; /* arena word index + 1, or 0 */
	_Atomic uint32_t used;         /* arena words reserved */
	uint64_t arena[ARENA_WORDS];
};

struct np_stacktab *np_stacktab_create(void)
{
	return np_pages_alloc(sizeof(struct np_stacktab));
}

static int same(const uint64_t *e, uint64_t h, const uint64_t *frames,
		uint32_t n)
{
	return e[0] == h && e[1] == n &&
	       memcmp(e + 3, frames, (size_t)n * 8) == 0;
}

uint32_t np_stacktab_intern(struct np_stacktab *t, const uint64_t *frames,
			    uint32_t n)
{
	uint64_t h = np_frames_hash(frames, n);
	uint32_t i = (uint32_t)(h >> 20) & (SLOTS - 1);
	uint32_t mine = 0; /* our reserved entry, once written */

	for (int probe = 0; probe < MAX_PROBE;
	     probe++, i = (i + 1) & (SLOTS - 1)) {
		uint32_t v = atomic_load_explicit(&t->slots[i],
						  memory_order_acquire);

		if (v == 0) {
			if (!mine) {
				uint32_t at = atomic_fetch_add_explicit(
					&t->used, 3 + n, memory_order_relaxed);
				uint64_t *e;

				if (at + 3 + n > ARENA_WORDS || at + 1 == 0)
					return 0;
				e = &t->arena[at];
				e[0] = h;
				e[1] = n;
				e[2] = 0;
				memcpy(e + 3, frames, (size_t)n * 8);
				mine = at + 1;
			}
			if (atomic_compare_exchange_strong_explicit(
				    &t->slots[i], &v, mine,
				    memory_order_release,
				    memory_order_acquire))
				return mine;
			/* Someone took the slot: look at what they put. */
		}
		if (v && same(&t->arena[v - 1], h, frames, n))
			return v;
	}
	return 0;
}

const uint64_t *np_stacktab_get(struct np_stacktab *t, uint32_t ref,
				uint32_t *n, uint64_t **sent)
{
	uint64_t *e = &t->arena[ref - 1];

	*n = (uint32_t)e[1];
	*sent = &e[2];
	return e + 3;
}
