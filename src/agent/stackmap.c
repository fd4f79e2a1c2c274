/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stack table (see stackmap.h): open addressing over an arena of
 * entries {hash, id and length, frames...}, all in mmap'd memory.
 */
#include "config.h"

#include <string.h>

#include "mem.h"
#include "stackmap.h"

#define SLOTS (1u << 16)            /* a power of two */
#define MAX_ENTRIES (SLOTS / 2)     /* keeps probe chains short */
#define ARENA_WORDS (1u << 19)      /* 4 MiB of entries */

struct np_stackmap {
	uint32_t slots[SLOTS]; /* arena word index + 1, or 0 */
	uint32_t entries;
	uint32_t used;         /* arena words used */
	uint32_t next_id;
	uint64_t arena[ARENA_WORDS];
};

struct np_stackmap *np_stackmap_create(void)
{
	struct np_stackmap *m = np_pages_alloc(sizeof(*m));

	if (m)
		m->next_id = 1;
	return m;
}

void np_stackmap_free(struct np_stackmap *m)
{
	np_pages_free(m, sizeof(*m));
}

static void start_over(struct np_stackmap *m)
{
	memset(m->slots, 0, sizeof(m->slots));
	m->entries = 0;
	m->used = 0;
}

void np_stackmap_forget(struct np_stackmap *m)
{
	start_over(m);
}

uint32_t np_stackmap_intern(struct np_stackmap *m, const uint64_t *frames,
			    uint32_t n, int *is_new)
{
	uint64_t h = np_frames_hash(frames, n);
	uint32_t i = (uint32_t)h & (SLOTS - 1);
	uint64_t *e;

	for (;; i = (i + 1) & (SLOTS - 1)) {
		if (m->slots[i] == 0)
			break;
		e = &m->arena[m->slots[i] - 1];
		if (e[0] == h && (uint32_t)e[1] == n &&
		    memcmp(e + 2, frames, (size_t)n * 8) == 0) {
			*is_new = 0;
			return (uint32_t)(e[1] >> 32);
		}
	}
	if (m->entries >= MAX_ENTRIES || m->used + 2 + n > ARENA_WORDS) {
		start_over(m);
		i = (uint32_t)h & (SLOTS - 1);
	}
	e = &m->arena[m->used];
	e[0] = h;
	e[1] = (uint64_t)m->next_id << 32 | n;
	memcpy(e + 2, frames, (size_t)n * 8);
	m->slots[i] = m->used + 1;
	m->used += 2 + n;
	m->entries++;
	*is_new = 1;
	return m->next_id++;
}
