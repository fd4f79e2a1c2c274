/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The addresses of sampled allocations that are still live, so that in
 * sampled mode a free is recorded only for a block whose allocation was: a
 * lock-free open-addressing set in mmap'd memory, bucketed by page.
 * Probing is bounded; an insert that finds no room fails and the caller
 * counts it as lost.  Every free asks first a small counting filter, so
 * that the free of a block that was not sampled, nearly all of them, costs
 * one load.  That filter's buckets are pages (4 KiB, 256 MiB of address
 * space wrapped onto 64 KiB of counters): blocks freed one after another
 * are mostly near each other, so their counters share a cache line, and a
 * page holds a sampled block only about once in INTERVAL / 4 KiB pages.
 * (A hashed index of 16-byte buckets put each free on a cache line of its
 * own and made the filter's load a tenth of the whole program's time in
 * bench/run's mem part.)
 *
 * The set's slots are bucketed the same way: a page's sampled blocks sit
 * in its bucket of NP_LIVEMAP_BUCKET_SLOTS slots (a few cache lines), from
 * the first slot on.  So the frees that pass the filter, those of the
 * sampled block's neighbours in its page, read the cache line that the
 * block's insert wrote; a hashed slot per block (and a second, hashed
 * filter before it) missed the cache two or three times an event: 40% of
 * what a sampled session's events cost bench's alloc-heavy (perf), now a
 * fifth.  The price: room for NP_LIVEMAP_BUCKET_SLOTS live sampled blocks
 * a page, give or take what the neighbours' buckets lend, which an
 * interval of 512 bytes or more does not reach on average (a page's live
 * bytes / INTERVAL).
 */
#ifndef NPROF_AGENT_LIVEMAP_H
#define NPROF_AGENT_LIVEMAP_H

#include <stdatomic.h>
#include <stdint.h>

#define NP_LIVEMAP_FILTER_BITS 16
#define NP_LIVEMAP_BUCKET_SLOTS 32

/* Outside livemap.c, only np_livemap_filter reads this. */
struct np_livemap {
	/* Per page bucket, addresses in the set (saturates at 255). */
	_Atomic uint8_t pages[1u << NP_LIVEMAP_FILTER_BITS];
	/* Page bucket B's slots from B * NP_LIVEMAP_BUCKET_SLOTS on. */
	_Atomic uint64_t slots[NP_LIVEMAP_BUCKET_SLOTS
			       << NP_LIVEMAP_FILTER_BITS];
};

/* The page's number modulo 64 Ki: every free computes this, so it is a
 * shift and a mask.  Pages 256 MiB apart share a bucket, whose sampled
 * blocks then send the other's frees on to the bucket's slots: a page
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

/* The first slot of ADDR's page's bucket, where a probe for it starts. */
static inline uint32_t np_livemap_first_slot(uint64_t addr)
{
	return np_livemap_page_bucket(addr) * NP_LIVEMAP_BUCKET_SLOTS;
}

/* Asks for the cache line where np_livemap_insert(M, ADDR) will look first:
 * the bucket of a page that had no sampled block lately is in no cache,
 * and the insert's wait for it was most of its cost. */
static inline void np_livemap_prefetch(struct np_livemap *m, uint64_t addr)
{
	__builtin_prefetch(&m->slots[np_livemap_first_slot(addr)], 1);
}

/* Adds ADDR (non-zero, not in the set); 0, or -1 when there is no room. */
int np_livemap_insert(struct np_livemap *m, uint64_t addr);
/* Removes ADDR; 1 if it was there, else 0. */
int np_livemap_remove(struct np_livemap *m, uint64_t addr);

#endif /* NPROF_AGENT_LIVEMAP_H */
