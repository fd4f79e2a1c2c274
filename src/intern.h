/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A set of byte strings, each given a dense index (0, 1, 2... in the order
 * they were first added): the report's one hash table.  It maps stack ids,
 * thread ids and addresses to slots, and deduplicates stacks and names.
 * Keys are copied into chunks that never move, 8-byte aligned, so a key's
 * pointer stays valid (and may be read as u64s) until np_intern_release.
 */
#ifndef NPROF_INTERN_H
#define NPROF_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct np_intern_entry {
	const void *key;
	uint32_t len;
	uint32_t hash;
};

struct np_intern {
	struct np_intern_entry *entries;
	size_t count;
	size_t cap;
	uint32_t *slots; /* entry index + 1, or 0 when free */
	size_t nslots;   /* a power of two */
	struct np_intern_chunk *chunks;
	size_t chunk_left;
};

void np_intern_init(struct np_intern *t);
void np_intern_release(struct np_intern *t);

/* The index of KEY, adding it if it is new (then *ADDED, if given, is set). */
uint32_t np_intern_add(struct np_intern *t, const void *key, size_t len,
		       bool *added);

/* The index of KEY, or -1 if it is not in T. */
int64_t np_intern_find(const struct np_intern *t, const void *key, size_t len);

/* The key of index I, and its length in *LEN if LEN is not NULL. */
const void *np_intern_key(const struct np_intern *t, uint32_t i, size_t *len);

static inline size_t np_intern_count(const struct np_intern *t)
{
	return t->count;
}

#endif /* NPROF_INTERN_H */
