/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bounded multi-producer queue (see ring.h).  Cell i is free for the
 * producer of ticket t when its sequence is t, holds a sample for the
 * consumer when it is t + 1, and becomes free for ticket t + ncells when
 * the consumer is done with it.
 */
#include "config.h"

#include <stdatomic.h>
#include <stddef.h>

#include "mem.h"
#include "ring.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
	       "the signal handler needs lock-free 64-bit atomics");

struct np_ring_cell {
	_Atomic uint64_t seq;
	struct np_sample sample;
};

struct np_ring {
	/* Producers and the consumer write different lines. */
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) uint64_t tail;
	uint64_t mask;
	struct np_ring_cell cells[];
};

struct np_ring *np_ring_create(unsigned int ncells)
{
	struct np_ring *r;

	if (ncells == 0 || (ncells & (ncells - 1)))
		return NULL;
	r = np_pages_alloc(sizeof(*r) +
			   (size_t)ncells * sizeof(struct np_ring_cell));
	if (!r)
		return NULL;
	r->mask = ncells - 1;
	np_ring_reset(r);
	return r;
}

void np_ring_reset(struct np_ring *r)
{
	for (uint64_t i = 0; i <= r->mask; i++)
		atomic_store_explicit(&r->cells[i].seq, i,
				      memory_order_relaxed);
	r->tail = 0;
	atomic_store_explicit(&r->head, 0, memory_order_release);
}

struct np_sample *np_ring_claim(struct np_ring *r, uint64_t *ticket)
{
	uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);

	for (;;) {
		struct np_ring_cell *c = &r->cells[pos & r->mask];
		uint64_t seq =
			atomic_load_explicit(&c->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(
				    &r->head, &pos, pos + 1,
				    memory_order_relaxed,
				    memory_order_relaxed)) {
				*ticket = pos;
				return &c->sample;
			}
		} else if (dif < 0) {
			return NULL; /* full: the consumer is a lap behind */
		} else {
			pos = atomic_load_explicit(&r->head,
						   memory_order_relaxed);
		}
	}
}

void np_ring_publish(struct np_ring *r, uint64_t ticket)
{
	atomic_store_explicit(&r->cells[ticket & r->mask].seq, ticket + 1,
			      memory_order_release);
}

const struct np_sample *np_ring_peek(struct np_ring *r)
{
	struct np_ring_cell *c = &r->cells[r->tail & r->mask];

	if (atomic_load_explicit(&c->seq, memory_order_acquire) != r->tail + 1)
		return NULL;
	return &c->sample;
}

void np_ring_pop(struct np_ring *r)
{
	struct np_ring_cell *c = &r->cells[r->tail & r->mask];

	atomic_store_explicit(&c->seq, r->tail + r->mask + 1,
			      memory_order_release);
	r->tail++;
}
