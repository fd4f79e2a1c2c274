/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live set (see livemap.h).  A slot holds 0 (never used), TOMBSTONE
 * (freed, reusable) or an address.  An address is inserted by the thread
 * that got it from malloc, before anyone else can know it, and removed
 * before the block goes back to the allocator; so one address is never
 * inserted twice at once, and a CAS per change is all it takes.  An
 * insert takes the first free slot (never used, or a tombstone) from its
 * page's bucket on, so a never-used slot ends every probe: no address was
 * ever put past it.
 */
#include "config.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "livemap.h"
#include "mem.h"

#define SLOTS (NP_LIVEMAP_BUCKET_SLOTS << NP_LIVEMAP_FILTER_BITS)
/* Four pages' buckets: room for a page of blocks that are all sampled at
 * a small interval, lent by its neighbours. */
#define MAX_PROBE (4 * NP_LIVEMAP_BUCKET_SLOTS)
#define TOMBSTONE 1ull
#define FILTER_FULL 255

_Static_assert(sizeof(((struct np_livemap *)0)->slots) ==
		       SLOTS * sizeof(uint64_t),
	       "livemap.h and livemap.c disagree on the slots");

static void count_up(_Atomic uint8_t *c)
{
	uint8_t v = atomic_load_explicit(c, memory_order_relaxed);

	/* A full bucket stays full: it only costs lookups. */
	while (v != FILTER_FULL &&
	       !atomic_compare_exchange_weak_explicit(c, &v, v + 1,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

static void count_down(_Atomic uint8_t *c)
{
	uint8_t v = atomic_load_explicit(c, memory_order_relaxed);

	while (v != FILTER_FULL && v != 0 &&
	       !atomic_compare_exchange_weak_explicit(c, &v, v - 1,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

struct np_livemap *np_livemap_create(void)
{
	return np_pages_alloc(sizeof(struct np_livemap));
}

void np_livemap_clear(struct np_livemap *m)
{
	/* Give the pages back rather than touching them all. */
	madvise(m, sizeof(*m), MADV_DONTNEED);
}

/* The filter only (64 KiB): every free reads it, so its pages would be
 * the zero page when an insert first writes there.  The slots are written
 * before they are read: a page's bucket is read only after the filter
 * passed, that is after an insert wrote the bucket's first slot. */
void np_livemap_prefault(struct np_livemap *m)
{
	np_pages_prefault(m, offsetof(struct np_livemap, slots));
}

int np_livemap_insert(struct np_livemap *m, uint64_t addr)
{
	_Atomic uint8_t *count = &m->pages[np_livemap_page_bucket(addr)];
	uint32_t i = np_livemap_first_slot(addr);

	count_up(count);

	for (int p = 0; p < MAX_PROBE; p++, i = (i + 1) & (SLOTS - 1)) {
		/* Written before it is read: a read of a page never touched
		 * would map the zero page, and the write after it would
		 * fault again and shoot down every CPU's TLB. */
		uint64_t v = 0;

		if (atomic_compare_exchange_strong_explicit(
			    &m->slots[i], &v, addr, memory_order_release,
			    memory_order_relaxed))
			return 0;
		if (v == TOMBSTONE &&
		    atomic_compare_exchange_strong_explicit(
			    &m->slots[i], &v, addr, memory_order_release,
			    memory_order_relaxed))
			return 0;
	}
	count_down(count);
	return -1;
}

int np_livemap_remove(struct np_livemap *m, uint64_t addr)
{
	uint32_t i = np_livemap_first_slot(addr);

	for (int p = 0; p < MAX_PROBE; p++, i = (i + 1) & (SLOTS - 1)) {
		uint64_t v = atomic_load_explicit(&m->slots[i],
						  memory_order_acquire);

		if (v == addr) {
			if (!atomic_compare_exchange_strong_explicit(
				    &m->slots[i], &v, TOMBSTONE,
				    memory_order_relaxed, memory_order_relaxed))
				return 0;
			count_down(&m->pages[np_livemap_page_bucket(addr)]);
			return 1;
		}
		/* Never used: nothing was ever inserted past it. */
		if (v == 0)
			return 0;
	}
	return 0;
}
