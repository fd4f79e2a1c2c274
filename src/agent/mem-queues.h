/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The allocation events of one mode, in several queues (mem-ring.h) that
 * the writer merges into one stream.  One shared queue made every hook of
 * every thread take the same cache lines: two busy threads spent a third of
 * their time in its claim.  Here an event goes to the queue of its
 * address's region (64 MiB, the size of a glibc arena's heap), given out in
 * turn as regions are first seen, so that threads that allocate from their
 * own arenas write their own queues.
 *
 * What the stream must keep, and how:
 * - per address, the order of its ALLOCs and FREEs (a free ahead of the
 *   allocation that reuses the address): one address, one queue, whose
 *   order is its claims';
 * - per thread, program order (a single-threaded program's peak, a FREE
 *   and the ALLOC of its realloc): an event whose thread's previous one
 *   went to another queue names it (queue and ticket), and the writer takes
 *   the event only once that one is taken (in the same queue, the order of
 *   tickets keeps it);
 * - between threads, time, as well as the coarse clock tells: the writer
 *   takes from the queue whose next event is oldest.
 * No cycle can stop the writer: claims happen in one real-time order,
 * which both kinds of precedence follow, so the earliest claimed event at
 * the head of a queue is always free to go once it is published.
 */
#ifndef NPROF_AGENT_MEM_QUEUES_H
#define NPROF_AGENT_MEM_QUEUES_H

#include <stdint.h>

#include "mem-ring.h"

/* Queues are numbered in the low bits of a link (see np_mem_event.after). */
#define NP_MEM_QUEUES_MAX 64

struct np_mem_queues;

/* A claimed cell, for np_mem_queues_publish. */
struct np_mem_claim {
	struct np_mem_ring *ring;
	uint64_t ticket;
};

/* NQUEUES queues (1 to NP_MEM_QUEUES_MAX) of CELLS cells each (a power of
 * two), in mmap'd memory that is backed as it is used; or NULL. */
struct np_mem_queues *np_mem_queues_create(unsigned int nqueues,
					   unsigned int cells);
void np_mem_queues_free(struct np_mem_queues *q);
/* Backs every queue's pages now (see mem-ring.h). */
void np_mem_queues_prefault(struct np_mem_queues *q);
/* Empties every queue; only when no producer can be inside (after fork). */
void np_mem_queues_reset(struct np_mem_queues *q);
/* The consumer, once every event is taken: gives the pages back (see
 * np_mem_ring_release); 0, or -EBUSY if some cell is still claimed. */
int np_mem_queues_release(struct np_mem_queues *q);
/* The consumer: pops every published event; how many were of SESSION. */
uint64_t np_mem_queues_discard(struct np_mem_queues *q, uint32_t session);
/* The consumer: how full the fullest queue is, in 1/1024ths. */
unsigned int np_mem_queues_fill(struct np_mem_queues *q);

/*
 * Producers: claims a cell for an event about ADDR in SESSION, linked to
 * the calling thread's previous event of that session; NULL when that
 * queue is full (the event is lost).  Fill everything but `after`, then
 * publish.
 */
struct np_mem_event *np_mem_queues_claim(struct np_mem_queues *q,
					 uint64_t addr, uint32_t session,
					 struct np_mem_claim *c);
void np_mem_queues_publish(const struct np_mem_claim *c);

/* The one consumer: the next event of the merged stream or NULL (none
 * published, or each queue's next one waits for an earlier event), then
 * pop it. */
const struct np_mem_event *np_mem_queues_peek(struct np_mem_queues *q);
void np_mem_queues_pop(struct np_mem_queues *q);

#endif /* NPROF_AGENT_MEM_QUEUES_H */
