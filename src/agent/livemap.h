/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The addresses of sampled allocations that are still live, so that in
 * sampled mode a free is recorded only for a block whose allocation was: a
 * lock-free open-addressing set in mmap'd memory.  Probing is bounded, so a
 * lookup costs a few cache lines at most; an insert that finds no room
 * fails and the caller counts it as lost.  Every free asks first a small
 * counting filter (64 KiB, which stays in cache), so that the free of a
 * block that was not sampled, nearly all of them, costs one load.
 */
#ifndef NPROF_AGENT_LIVEMAP_H
#define NPROF_AGENT_LIVEMAP_H

#include <stdatomic.h>
#include <stdint.h>

#define NP_LIVEMAP_FILTER_BITS 16

/* Only np_livemap_may_hold reads this directly. */
struct np_livemap {
	/* Per hash bucket, addresses in the set (saturates at 255). */
	_Atomic uint8_t filter[1u << NP_LIVEMAP_FILTER_BITS];
	_Atomic uint64_t slots[1u << 20];
};

static inline uint32_t np_livemap_bucket(uint64_t addr)
{
	return (uint32_t)(((addr >> 4) * 0x9e3779b97f4a7c15ull) >>
			  (64 - NP_LIVEMAP_FILTER_BITS));
}

/* 0 when ADDR is certainly not in the set.  An address is inserted before
 * its block can reach another thread, so its free sees its bucket set. */
static inline int np_livemap_may_hold(const struct np_livemap *m,
				      uint64_t addr)
{
	return atomic_load_explicit(&m->filter[np_livemap_bucket(addr)],
				    memory_order_relaxed) != 0;
}

struct np_livemap *np_livemap_create(void);
/* Forgets every address; only while no hook can use the map. */
void np_livemap_clear(struct np_livemap *m);

/* Adds ADDR (non-zero, not in the set); 0, or -1 when there is no room. */
int np_livemap_insert(struct np_livemap *m, uint64_t addr);
/* Removes ADDR; 1 if it was there, else 0. */
int np_livemap_remove(struct np_livemap *m, uint64_t addr);

#endif /* NPROF_AGENT_LIVEMAP_H */
