/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The allocation event queue (see mem-ring.h): Vyukov's bounded queue, as
 * in ring.c, over smaller cells, but the consumer never writes a cell.  A
 * cell's sequence number says whether it is published for the lap the
 * consumer is in; whether it is free for a producer's lap is told by the
 * consumer's tail, which producers read once a lap at most (TAIL_SEEN).
 * Marking each cell free as ring.c does cost the writer a store to a line
 * a producer writes next, and the producer a load of it that missed: in
 * exact mode, ~10% of the program's time and ~8% of the writer's.
 * A cell keeps its sequence number less its index and the queue's base, so
 * that a queue of zero pages is empty, with its next lap at the base:
 * creating or resetting one touches no page, and a queue only costs the
 * memory its events used.  A reset moves the base ahead instead of back to
 * 0: positions only grow, so a producer that read the head before a reset
 * can never claim a cell with it after. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem-ring.h"
#include "mem.h"

struct np_mem_ring *np_mem_ring_create(unsigned int ncells)
{
	struct np_mem_ring *r;
	size_t bytes = sizeof(*r) + (size_t)ncells * sizeof(struct np_mem_cell);

	if (ncells == 0 || (ncells & (ncells - 1)))
		return NULL;
	r = np_pages_alloc(bytes);
	if (!r)
		return NULL;
	/* Fresh pages are zero: every cell is free for its first lap. */
	r->mask = ncells - 1;
	r->bytes = bytes;
	return r;
}

void np_mem_ring_prefault(struct np_mem_ring *r)
{
	if (r)
		np_pages_prefault(r, r->bytes);
}

void np_mem_ring_free(struct np_mem_ring *r)
{
	if (r)
		np_pages_free(r, r->bytes);
}

void np_mem_ring_reset(struct np_mem_ring *r)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)r->cells + page - 1) & ~(page - 1);
	uintptr_t hi = (uintptr_t)&r->cells[r->mask + 1] & ~(page - 1);
	/* Past every sequence a cell holds now (at most a lap ahead of the
	 * tail), so that none can pass for free in the new lap. */
	uint64_t base = (np_mem_ring_taken(r) + 2 * (r->mask + 1)) & ~r->mask;

	/* Every cell free for the lap at BASE: the whole pages become zero
	 * pages again, the cells around them are cleared one by one. */
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
	for (uint64_t i = 0; i <= r->mask; i++) {
		uintptr_t at = (uintptr_t)&r->cells[i].seq;

		if (at < lo || at >= hi)
			atomic_store_explicit(&r->cells[i].seq, 0,
					      memory_order_relaxed);
	}
	atomic_store_explicit(&r->base, base, memory_order_relaxed);
	atomic_store_explicit(&r->tail, base, memory_order_release);
	atomic_store_explicit(&r->tail_seen, base, memory_order_release);
	atomic_store_explicit(&r->head, base, memory_order_release);
}

int np_mem_ring_release(struct np_mem_ring *r)
{
	uint64_t empty = np_mem_ring_taken(r);

	/* With the head a lap ahead of the tail, a producer finds the ring
	 * full until the reset publishes the new head; one that read the
	 * old head fails its compare-and-swap, or finds it behind the tail. */
	if (!atomic_compare_exchange_strong(&r->head, &empty,
					    empty + r->mask + 1))
		return -EBUSY;
	np_mem_ring_reset(r);
	return 0;
}

static void set_seq(struct np_mem_ring *r, uint64_t pos, uint64_t seq)
{
	atomic_store_explicit(
		&r->cells[pos & r->mask].seq,
		seq - (pos & r->mask) -
			atomic_load_explicit(&r->base, memory_order_relaxed),
		memory_order_release);
}

/* Whether the cell at POS is free, its last lap's event taken (1), the
 * ring is full (0), or POS is behind the tail: a stale head (-1).
 * Acquire: the consumer read the cell before it moved its tail past. */
static int cell_free(struct np_mem_ring *r, uint64_t pos)
{
	uint64_t tail;

	if (pos - atomic_load_explicit(&r->tail_seen, memory_order_acquire) <=
	    r->mask)
		return 1;
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	atomic_store_explicit(&r->tail_seen, tail, memory_order_release);
	if ((int64_t)(pos - tail) < 0)
		return -1;
	return pos - tail <= r->mask;
}

struct np_mem_event *np_mem_ring_claim(struct np_mem_ring *r,
				       uint64_t *ticket)
{
	uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);

	for (;;) {
		int state = cell_free(r, pos);
		uint64_t now;

		if (state == 0)
			return NULL;
		if (state < 0) {
			/* Others claimed and the writer took their events
			 * since we read the head: read it again.  A head that
			 * stays behind the tail is a reset's: full until it
			 * publishes the new one. */
			now = atomic_load_explicit(&r->head,
						   memory_order_relaxed);
			if (now == pos)
				return NULL;
			pos = now;
			continue;
		}
		/* Acquire: a head published by a reset comes with its
		 * base, which publishing the cell needs.  A failed exchange
		 * reloads POS. */
		if (atomic_compare_exchange_weak_explicit(
			    &r->head, &pos, pos + 1, memory_order_acquire,
			    memory_order_relaxed))
			break;
	}
	*ticket = pos;
	return &r->cells[pos & r->mask].ev;
}

void np_mem_ring_publish(struct np_mem_ring *r, uint64_t ticket)
{
	set_seq(r, ticket, ticket + 1);
}

uint64_t np_mem_ring_discard(struct np_mem_ring *r, uint32_t session)
{
	const struct np_mem_event *ev;
	uint64_t n = 0;

	while ((ev = np_mem_ring_peek(r))) {
		n += ev->session == session;
		np_mem_ring_pop(r);
	}
	return n;
}
