/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interned byte strings: open addressing over dense entries (see intern.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "intern.h"
#include "xalloc.h"

#define CHUNK_SIZE (64 * 1024)

struct np_intern_chunk {
	struct np_intern_chunk *next;
	size_t used;
	max_align_t data[];
};

void np_intern_init(struct np_intern *t)
{
	memset(t, 0, sizeof(*t));
}

void np_intern_release(struct np_intern *t)
{
	struct np_intern_chunk *c = t->chunks;

	while (c) {
		struct np_intern_chunk *next = c->next;

		free(c);
		c = next;
	}
	free(t->entries);
	free(t->slots);
	np_intern_init(t);
}

/* FNV-1a, then a final mix so that the low bits (the slot) depend on all. */
static uint32_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static const void *copy_key(struct np_intern *t, const void *key, size_t len)
{
	size_t need = (len + 7) & ~(size_t)7;
	struct np_intern_chunk *c = t->chunks;
	void *dst;

	if (!c || t->chunk_left < need) {
		size_t size = need > CHUNK_SIZE ? need : CHUNK_SIZE;

		c = np_xmalloc(sizeof(*c) + size);
		c->next = t->chunks;
		c->used = 0;
		t->chunks = c;
		t->chunk_left = size;
	}
	dst = (char *)c->data + c->used;
	if (len)
		memcpy(dst, key, len);
	c->used += need;
	t->chunk_left -= need;
	return dst;
}

static void rehash(struct np_intern *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slots = np_xcalloc(nslots, sizeof(*slots));

	for (size_t i = 0; i < t->count; i++) {
		size_t s = t->entries[i].hash & (nslots - 1);

		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
}

/* The slot holding KEY, or the free slot where it would go. */
static size_t lookup(const struct np_intern *t, const void *key, size_t len,
		     uint32_t hash)
{
	size_t s = hash & (t->nslots - 1);

	for (;;) {
		uint32_t e = t->slots[s];

		if (!e)
			return s;
		const struct np_intern_entry *ent = &t->entries[e - 1];
		if (ent->hash == hash && ent->len == len &&
		    (len == 0 || !memcmp(ent->key, key, len)))
			return s;
		s = (s + 1) & (t->nslots - 1);
	}
}

int64_t np_intern_find(const struct np_intern *t, const void *key, size_t len)
{
	if (!t->nslots)
		return -1;
	uint32_t e = t->slots[lookup(t, key, len, hash_bytes(key, len))];
	return e ? (int64_t)e - 1 : -1;
}

uint32_t np_intern_add(struct np_intern *t, const void *key, size_t len,
		       bool *added)
{
	uint32_t hash = hash_bytes(key, len);
	size_t s;

	if (len > UINT32_MAX || t->count >= UINT32_MAX - 1)
		np_die("too many distinct stacks or names to report");
	/* Keep the load factor at most one half. */
	if ((t->count + 1) * 2 > t->nslots)
		rehash(t);
	s = lookup(t, key, len, hash);
	if (t->slots[s]) {
		if (added)
			*added = false;
		return t->slots[s] - 1;
	}
	np_xgrow(&t->entries, t->count, &t->cap, sizeof(*t->entries));
	t->entries[t->count] = (struct np_intern_entry){
		.key = copy_key(t, key, len), .len = (uint32_t)len, .hash = hash
	};
	t->slots[s] = (uint32_t)++t->count;
	if (added)
		*added = true;
	return (uint32_t)t->count - 1;
}

const void *np_intern_key(const struct np_intern *t, uint32_t i, size_t *len)
{
	if (len)
		*len = t->entries[i].len;
	return t->entries[i].key;
}
