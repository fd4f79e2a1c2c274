/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live set (see livemap.h).  A slot holds 0 (never used), TOMBSTONE
 * (freed, reusable) or an address.  An address is inserted by the thread
 * that got it from malloc, before anyone else can know it, and removed
 * before the block goes back to the allocator; so one address is never
 * inserted twice at once, and a CAS per change is all it takes.
 */
#include "config.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "livemap.h"
#include "mem.h"

#define SLOTS (1u << 20) /* 8 MiB of address space */
#define MAX_PROBE 64
#define TOMBSTONE 1ull
#define FILTER_FULL 255

_Static_assert(sizeof(((struct np_livemap *)0)->slots) ==
		       SLOTS * sizeof(uint64_t),
	       "livemap.h and livemap.c disagree on the slots");

static uint32_t block_bucket(uint64_t addr)
{
	return (uint32_t)(((addr >> 4) * 0x9e3779b97f4a7c15ull) >>
			  (64 - NP_LIVEMAP_FILTER_BITS));
}

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

static void filter_add(struct np_livemap *m, uint64_t addr)
{
	count_up(&m->pages[np_livemap_page_bucket(addr)]);
	count_up(&m->blocks[block_bucket(addr)]);
}

static void filter_remove(struct np_livemap *m, uint64_t addr)
{
	count_down(&m->pages[np_livemap_page_bucket(addr)]);
	count_down(&m->blocks[block_bucket(addr)]);
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

/* The filters only (128 KiB): every free reads them, so their pages would
 * be the zero page when an insert first writes there.  The set's slots are
 * written before they are read (np_livemap_insert). */
void np_livemap_prefault(struct np_livemap *m)
{
	np_pages_prefault(m, offsetof(struct np_livemap, slots));
}

/*
 * An address's first slot: its 16-byte unit (malloc's alignment) within
 * its 16 MiB region, the region's number folded in.  Within a region no
 * two addresses share a slot, blocks next to each other (32 bytes apart at
 * least) take every other slot, and the blocks of a heap that spans S
 * bytes land in S / 2 bytes of slots.  A hash spread each sampled block of
 * a short run onto a page of its own: one page fault per insert at first,
 * ~2,000 of them in the program's threads in bench's alloc-heavy.
 */
static uint32_t home(uint64_t addr)
{
	return (uint32_t)((addr >> 4) ^ (addr >> 24)) & (SLOTS - 1);
}

int np_livemap_insert(struct np_livemap *m, uint64_t addr)
{
	uint32_t i = home(addr);

	filter_add(m, addr);

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
	filter_remove(m, addr);
	return -1;
}

int np_livemap_remove(struct np_livemap *m, uint64_t addr)
{
	uint32_t i = home(addr);

	if (!atomic_load_explicit(&m->blocks[block_bucket(addr)],
				  memory_order_relaxed))
		return 0;
	for (int p = 0; p < MAX_PROBE; p++, i = (i + 1) & (SLOTS - 1)) {
		uint64_t v = atomic_load_explicit(&m->slots[i],
						  memory_order_acquire);

		if (v == addr) {
			if (!atomic_compare_exchange_strong_explicit(
				    &m->slots[i], &v, TOMBSTONE,
				    memory_order_relaxed, memory_order_relaxed))
				return 0;
			filter_remove(m, addr);
			return 1;
		}
		/* Never used: nothing was ever inserted past it. */
		if (v == 0)
			return 0;
	}
	return 0;
}
