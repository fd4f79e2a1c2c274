/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The allocation event queue (see mem-ring.h): Vyukov's bounded queue, as
 * in ring.c, over smaller cells. */
#include "config.h"

#include <stdatomic.h>
#include <stddef.h>

#include "mem-ring.h"
#include "mem.h"

struct cell {
	_Atomic uint64_t seq;
	struct np_mem_event ev;
};

struct np_mem_ring {
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) uint64_t tail;
	uint64_t mask;
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
	r->mask = ncells - 1;
	r->bytes = bytes;
	np_mem_ring_reset(r);
	return r;
}

void np_mem_ring_free(struct np_mem_ring *r)
{
	if (r)
		np_pages_free(r, r->bytes);
}

void np_mem_ring_reset(struct np_mem_ring *r)
{
	for (uint64_t i = 0; i <= r->mask; i++)
		atomic_store_explicit(&r->cells[i].seq, i,
				      memory_order_relaxed);
	r->tail = 0;
	atomic_store_explicit(&r->head, 0, memory_order_release);
}

struct np_mem_event *np_mem_ring_claim(struct np_mem_ring *r,
				       uint64_t *ticket)
{
	uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);

	for (;;) {
		struct cell *c = &r->cells[pos & r->mask];
		uint64_t seq =
			atomic_load_explicit(&c->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(
				    &r->head, &pos, pos + 1,
				    memory_order_relaxed,
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
	atomic_store_explicit(&r->cells[ticket & r->mask].seq, ticket + 1,
			      memory_order_release);
}

const struct np_mem_event *np_mem_ring_peek(struct np_mem_ring *r)
{
	struct cell *c = &r->cells[r->tail & r->mask];

	if (atomic_load_explicit(&c->seq, memory_order_acquire) != r->tail + 1)
		return NULL;
	return &c->ev;
}

void np_mem_ring_pop(struct np_mem_ring *r)
{
	struct cell *c = &r->cells[r->tail & r->mask];

	atomic_store_explicit(&c->seq, r->tail + r->mask + 1,
			      memory_order_release);
	r->tail++;
}
