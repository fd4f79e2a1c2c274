/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The addresses of sampled allocations that are still live, so that in
 * sampled mode a free is recorded only for a block whose allocation was: a
 * lock-free open-addressing set in mmap'd memory.  Probing is bounded, so a
 * lookup costs a few cache lines at most; an insert that finds no room
 * fails and the caller counts it as lost.  Every free asks first a small
 * counting filter, so that the free of a block that was not sampled, nearly
 * all of them, costs one load.  That filter's buckets are pages (4 KiB,
 * 256 MiB of address space wrapped onto 64 KiB of counters): blocks freed
 * one after another are mostly near each other, so their counters share a
 * cache line, and a page holds a sampled block only about once in
 * INTERVAL / 4 KiB pages.  A hashed index of 16-byte buckets put each free
 * on a cache line of its own and made the filter's load a tenth of the
 * whole program's time in bench/run's mem part.  The few frees that pass
 * it (under 1% with the default 512k) ask a second, hashed filter of
 * 16-byte buckets before the set itself, whose probe would miss the cache.
 */
#ifndef NPROF_AGENT_LIVEMAP_H
#define NPROF_AGENT_LIVEMAP_H

#include <stdatomic.h>
#include <stdint.h>

#define NP_LIVEMAP_FILTER_BITS 16

/* Outside livemap.c, only np_livemap_filter reads this. */
struct np_livemap {
	/* Per bucket, addresses in the set (saturates at 255): by page,
	 * then by a hash of the address. */
	_Atomic uint8_t pages[1u << NP_LIVEMAP_FILTER_BITS];
	_Atomic uint8_t blocks[1u << NP_LIVEMAP_FILTER_BITS];
	_Atomic uint64_t slots[1u << 20];
};

/* The page's number modulo 64 Ki: every free computes this, so it is a
 * shift and a mask.  Pages 256 MiB apart share a bucket, whose sampled
 * blocks then send the other's frees on to the hashed filter: a page
 * passes when any of its namesakes holds a sampled block, about as often
 * as the filter is full.  (Folding the higher bits in cost three more
 * instructions a free, a measurable part of a sampled session's cost.) */
#define NP_LIVEMAP_PAGE_SHIFT 12
static inline uint32_t np_livemap_page_bucket(uint64_t addr)
{
	return (uint32_t)(addr >> NP_LIVEMAP_PAGE_SHIFT) &
	       ((1u << NP_LIVEMAP_FILTER_BITS) - 1);
}

/* 0 when ADDR is certainly not in the set whose filter is PAGES (see
 * np_livemap_filter).  An address is inserted before its block can reach
 * another thread, so its free sees its bucket set. */
static inline int np_livemap_filter_may_hold(const _Atomic uint8_t *pages,
					     uint64_t addr)
{
	return atomic_load_explicit(&pages[np_livemap_page_bucket(addr)],
				    memory_order_relaxed) != 0;
}

/* M's filter by page, for np_livemap_filter_may_hold: one load less on
 * every free than going through M. */
static inline const _Atomic uint8_t *np_livemap_filter(const struct np_livemap *m)
{
	return m->pages;
}

struct np_livemap *np_livemap_create(void);
/* Forgets every address; only while no hook can use the map.  Its pages
 * go back to the system; prefault backs them again before a session. */
void np_livemap_clear(struct np_livemap *m);
void np_livemap_prefault(struct np_livemap *m);

/* Adds ADDR (non-zero, not in the set); 0, or -1 when there is no room. */
int np_livemap_insert(struct np_livemap *m, uint64_t addr);
/* Removes ADDR; 1 if it was there, else 0. */
int np_livemap_remove(struct np_livemap *m, uint64_t addr);

#endif /* NPROF_AGENT_LIVEMAP_H */
