/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The addresses of sampled allocations that are still live, so that in
 * sampled mode a free is recorded only for a block whose allocation was: a
 * lock-free open-addressing set in mmap'd memory.  Probing is bounded, so a
 * lookup (every free goes through one) costs a few cache lines at most; an
 * insert that finds no room fails and the caller counts it as lost.
 */
#ifndef NPROF_AGENT_LIVEMAP_H
#define NPROF_AGENT_LIVEMAP_H

#include <stdint.h>

struct np_livemap;

struct np_livemap *np_livemap_create(void);
/* Forgets every address; only while no hook can use the map. */
void np_livemap_clear(struct np_livemap *m);

/* Adds ADDR (non-zero, not in the set); 0, or -1 when there is no room. */
int np_livemap_insert(struct np_livemap *m, uint64_t addr);
/* Removes ADDR; 1 if it was there, else 0. */
int np_livemap_remove(struct np_livemap *m, uint64_t addr);

#endif /* NPROF_AGENT_LIVEMAP_H */
