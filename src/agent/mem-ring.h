/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The queue of allocation and free events between the malloc hooks (any
 * thread) and the writer: a lock-free bounded queue like ring.h's, with
 * small cells (a stack is referenced, not copied: see stacktab.h) that the
 * writer only reads (see mem-ring.c).  The order of tickets is the order of
 * the stream, which is what keeps a free ahead of the allocation that
 * reuses its address: a hook claims its cell before the pointer can change
 * hands.  A full queue drops, never waits.
 */
#ifndef NPROF_AGENT_MEM_RING_H
#define NPROF_AGENT_MEM_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum np_mem_kind {
	NP_MEM_NONE = 0, /* a claimed cell with nothing in it */
	NP_MEM_ALLOC,
	NP_MEM_FREE,
};

struct np_mem_event {
	uint64_t time_ns;
	uint64_t addr;
	uint64_t size;    /* ALLOC: bytes asked for */
	uint32_t tid;
	uint32_t stack;   /* ALLOC: stacktab reference, 0 if none */
	uint32_t session; /* events of older sessions are dropped */
	uint32_t kind;    /* enum np_mem_kind */
	/* The same thread's previous event, which the stream must carry
	 * first, if it went to another queue: (its ticket + 1) << 6 | its
	 * queue, else 0 (see mem-queues.h). */
	uint64_t after;
};

/* A cell a line of its own: the writer reading one never waits for a
 * producer writing the next. */
struct np_mem_cell {
	_Alignas(64) _Atomic uint64_t seq; /* Vyukov's, less index and base */
	struct np_mem_event ev;
};

/* One line the producers write, one the consumer writes, one read by all:
 * none shares a cache line with another.  In the open for the writer's
 * loop (the consumer's side is inline below); only mem-ring.c writes. */
struct np_mem_ring {
	_Alignas(64) _Atomic uint64_t head;
	_Atomic uint64_t tail_seen; /* the tail as a producer last read it */
	_Alignas(64) _Atomic uint64_t tail;
	_Alignas(64) uint64_t mask;
	_Atomic uint64_t base; /* where the lap of zeroed cells starts */
	size_t bytes;
	struct np_mem_cell cells[];
};

/* A ring of NCELLS cells (a power of two) in mmap'd memory, or NULL. */
struct np_mem_ring *np_mem_ring_create(unsigned int ncells);
/* Backs its pages now (np_pages_prefault), contents unchanged. */
void np_mem_ring_prefault(struct np_mem_ring *r);
void np_mem_ring_free(struct np_mem_ring *r);
/* Empties the ring; only when no producer can be inside (after fork). */
void np_mem_ring_reset(struct np_mem_ring *r);
/* The consumer, once every event is taken: resets the ring, giving its
 * pages back, while producers may still come (they drop meanwhile).
 * 0, or -EBUSY if a claimed cell is not consumed yet. */
int np_mem_ring_release(struct np_mem_ring *r);
/* The consumer: pops every published event; how many were of SESSION. */
uint64_t np_mem_ring_discard(struct np_mem_ring *r, uint32_t session);

/* Producers: claim (NULL when full), fill, publish.  Between the two the
 * writer waits for this cell, so keep it short. */
struct np_mem_event *np_mem_ring_claim(struct np_mem_ring *r,
				       uint64_t *ticket);
void np_mem_ring_publish(struct np_mem_ring *r, uint64_t ticket);

/* The cell's sequence number at position POS. */
static inline uint64_t np_mem_ring_seq(struct np_mem_ring *r, uint64_t pos)
{
	return atomic_load_explicit(&r->cells[pos & r->mask].seq,
				    memory_order_acquire) +
	       (pos & r->mask) +
	       atomic_load_explicit(&r->base, memory_order_relaxed);
}

/* The consumer: how many tickets it has popped (the next one's). */
static inline uint64_t np_mem_ring_taken(struct np_mem_ring *r)
{
	return atomic_load_explicit(&r->tail, memory_order_relaxed);
}

/* The consumer: how many cells are claimed and not taken yet (a whole
 * ring's worth while a release holds it). */
static inline uint64_t np_mem_ring_queued(struct np_mem_ring *r)
{
	uint64_t n = atomic_load_explicit(&r->head, memory_order_relaxed) -
		     np_mem_ring_taken(r);

	return n <= r->mask ? n : r->mask + 1;
}

/* The one consumer: the oldest published event or NULL, then pop. */
static inline const struct np_mem_event *
np_mem_ring_peek(struct np_mem_ring *r)
{
	uint64_t tail = np_mem_ring_taken(r);

	if (np_mem_ring_seq(r, tail) != tail + 1)
		return NULL;
	return &r->cells[tail & r->mask].ev;
}

/* Release: the producer that claims the cell next lap writes it after our
 * reads.  The cell keeps its sequence number: the next lap's differs. */
static inline void np_mem_ring_pop(struct np_mem_ring *r)
{
	atomic_store_explicit(&r->tail, np_mem_ring_taken(r) + 1,
			      memory_order_release);
}

#endif /* NPROF_AGENT_MEM_RING_H */
