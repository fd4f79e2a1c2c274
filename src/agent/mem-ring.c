/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The allocation event queue (see mem-ring.h): Vyukov's bounded queue, as
 * in ring.c, over smaller cells.  A cell keeps its sequence number less its
 * index and the queue's base, so that a queue of zero pages is empty, with
 * its next lap at the base: creating or resetting one touches no page, and
 * a queue only costs the memory its events used.  A reset moves the base
 * ahead instead of back to 0: positions only grow, so a producer that read
 * the head before a reset can never claim a cell with it after. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem-ring.h"
#include "mem.h"

struct cell {
	_Atomic uint64_t seq; /* Vyukov's sequence number, less the index */
	struct np_mem_event ev;
};

struct np_mem_ring {
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) uint64_t tail;
	uint64_t mask;
	_Atomic uint64_t base; /* where the lap of zeroed cells starts */
	size_t bytes;
	struct cell cells[];
};

struct np_mem_ring *np_mem_ring_create(unsigned int ncells)
{
	struct np_mem_ring *r;
	size_t bytes = sizeof(*r) + (size_t)ncells * sizeof(struct cell);

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
	uint64_t base = (r->tail + 2 * (r->mask + 1)) & ~r->mask;

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
	r->tail = base;
	atomic_store_explicit(&r->head, base, memory_order_release);
}

int np_mem_ring_release(struct np_mem_ring *r)
{
	uint64_t empty = r->tail;

	/* With the head a lap ahead of every cell's sequence, a producer
	 * finds the ring full until the reset publishes the new head; one
	 * that read the old head fails its compare-and-swap. */
	if (!atomic_compare_exchange_strong(&r->head, &empty,
					    r->tail + r->mask + 1))
		return -EBUSY;
	np_mem_ring_reset(r);
	return 0;
}

static uint64_t seq_of(struct np_mem_ring *r, uint64_t pos)
{
	return atomic_load_explicit(&r->cells[pos & r->mask].seq,
				    memory_order_acquire) +
	       (pos & r->mask) +
	       atomic_load_explicit(&r->base, memory_order_relaxed);
}

static void set_seq(struct np_mem_ring *r, uint64_t pos, uint64_t seq)
{
	atomic_store_explicit(
		&r->cells[pos & r->mask].seq,
		seq - (pos & r->mask) -
			atomic_load_explicit(&r->base, memory_order_relaxed),
		memory_order_release);
}

struct np_mem_event *np_mem_ring_claim(struct np_mem_ring *r,
				       uint64_t *ticket)
{
	uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);

	for (;;) {
		struct cell *c = &r->cells[pos & r->mask];
		int64_t dif = (int64_t)(seq_of(r, pos) - pos);

		/* Acquire: a head published by a reset comes with its base,
		 * which publishing the cell needs. */
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(
				    &r->head, &pos, pos + 1,
				    memory_order_acquire,
				    memory_order_relaxed)) {
				*ticket = pos;
				return &c->ev;
			}
		} else if (dif < 0) {
			return NULL;
		} else {
			pos = atomic_load_explicit(&r->head,
						   memory_order_relaxed);
		}
	}
}

void np_mem_ring_publish(struct np_mem_ring *r, uint64_t ticket)
{
	set_seq(r, ticket, ticket + 1);
}

const struct np_mem_event *np_mem_ring_peek(struct np_mem_ring *r)
{
	if (seq_of(r, r->tail) != r->tail + 1)
		return NULL;
	return &r->cells[r->tail & r->mask].ev;
}

void np_mem_ring_pop(struct np_mem_ring *r)
{
	set_seq(r, r->tail, r->tail + r->mask + 1);
	r->tail++;
}

uint64_t np_mem_ring_taken(const struct np_mem_ring *r)
{
	return r->tail;
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
