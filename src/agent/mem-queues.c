/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The allocation event queues of one mode and their merge (see
 * mem-queues.h). */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "mem-queues.h"
#include "mem.h"

/* Regions of 64 MiB: a glibc arena's heap is one (HEAP_MAX_SIZE), aligned
 * to its size, so a thread with an arena of its own has a queue of its
 * own.  Regions share a table entry, and so a queue, when they collide. */
#define REGION_SHIFT 26
#define REGION_BITS 12
#define LINK_QUEUE_BITS 6

struct np_mem_queues {
	unsigned int n;
	/* The consumer's: the queue it takes from, while its next event is
	 * no later than UNTIL. */
	unsigned int cur;
	uint64_t until;
	size_t bytes;
	_Atomic uint32_t next_queue;
	/* A region's queue + 1, 0 while unseen; never changes once set, so
	 * that an address always has the same queue. */
	_Atomic uint8_t region_queue[1u << REGION_BITS];
	struct np_mem_ring *rings[];
};

/* The calling thread's last claimed event: its session, queue, ticket. */
static __thread struct {
	uint32_t session;
	uint32_t queue;
	uint64_t ticket;
} last;

struct np_mem_queues *np_mem_queues_create(unsigned int nqueues,
					   unsigned int cells)
{
	struct np_mem_queues *q;
	size_t bytes = sizeof(*q) + nqueues * sizeof(q->rings[0]);

	if (nqueues < 1 || nqueues > NP_MEM_QUEUES_MAX)
		return NULL;
	q = np_pages_alloc(bytes);
	if (!q)
		return NULL;
	q->n = nqueues;
	q->bytes = bytes;
	for (unsigned int i = 0; i < nqueues; i++)
		if (!(q->rings[i] = np_mem_ring_create(cells))) {
			np_mem_queues_free(q);
			return NULL;
		}
	return q;
}

void np_mem_queues_free(struct np_mem_queues *q)
{
	if (!q)
		return;
	for (unsigned int i = 0; i < q->n; i++)
		np_mem_ring_free(q->rings[i]);
	np_pages_free(q, q->bytes);
}

void np_mem_queues_prefault(struct np_mem_queues *q)
{
	for (unsigned int i = 0; q && i < q->n; i++)
		np_mem_ring_prefault(q->rings[i]);
}

void np_mem_queues_reset(struct np_mem_queues *q)
{
	for (unsigned int i = 0; i < q->n; i++)
		np_mem_ring_reset(q->rings[i]);
	q->cur = 0;
	q->until = 0;
}

int np_mem_queues_release(struct np_mem_queues *q)
{
	int err = 0;

	for (unsigned int i = 0; i < q->n; i++)
		if (np_mem_ring_release(q->rings[i]) != 0)
			err = -EBUSY;
	q->cur = 0;
	q->until = 0;
	return err;
}

uint64_t np_mem_queues_discard(struct np_mem_queues *q, uint32_t session)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < q->n; i++)
		n += np_mem_ring_discard(q->rings[i], session);
	return n;
}

unsigned int np_mem_queues_fill(struct np_mem_queues *q)
{
	uint64_t most = 0;

	for (unsigned int i = 0; i < q->n; i++) {
		struct np_mem_ring *r = q->rings[i];
		uint64_t fill = np_mem_ring_queued(r) * 1024 / (r->mask + 1);

		if (fill > most)
			most = fill;
	}
	return (unsigned int)most;
}

/* The queue of ADDR's region, handing the next one out on first sight. */
static unsigned int queue_of(struct np_mem_queues *q, uint64_t addr)
{
	_Atomic uint8_t *e;
	uint8_t v, want;

	if (q->n == 1)
		return 0;
	e = &q->region_queue[((addr >> REGION_SHIFT) * 0x9e3779b97f4a7c15ull) >>
			     (64 - REGION_BITS)];
	v = atomic_load_explicit(e, memory_order_relaxed);
	if (v)
		return v - 1u;
	want = (uint8_t)(atomic_fetch_add_explicit(&q->next_queue, 1,
						   memory_order_relaxed) %
				 q->n +
			 1);
	/* Whoever sets it first decides for everyone. */
	if (atomic_compare_exchange_strong(e, &v, want))
		v = want;
	return v - 1u;
}

struct np_mem_event *np_mem_queues_claim(struct np_mem_queues *q,
					 uint64_t addr, uint32_t session,
					 struct np_mem_claim *c)
{
	unsigned int k = queue_of(q, addr);
	struct np_mem_event *ev;

	c->ring = q->rings[k];
	ev = np_mem_ring_claim(c->ring, &c->ticket);
	if (!ev)
		return NULL;
	/* One queue keeps a thread's order by itself: a link only to a
	 * previous event in another queue. */
	ev->after = last.session == session && last.queue != k
			    ? (last.ticket + 1) << LINK_QUEUE_BITS | last.queue
			    : 0;
	last.session = session;
	last.queue = k;
	last.ticket = c->ticket;
	return ev;
}

void np_mem_queues_publish(const struct np_mem_claim *c)
{
	np_mem_ring_publish(c->ring, c->ticket);
}

/* Whether EV's thread's previous event has left its queue. */
static int ready(const struct np_mem_queues *q, const struct np_mem_event *ev)
{
	uint64_t queue = ev->after & ((1u << LINK_QUEUE_BITS) - 1);

	return !ev->after || queue >= q->n ||
	       np_mem_ring_taken(q->rings[queue]) >=
		       ev->after >> LINK_QUEUE_BITS;
}

const struct np_mem_event *np_mem_queues_peek(struct np_mem_queues *q)
{
	const struct np_mem_event *ev, *best = NULL;

	if (q->n == 1)
		return np_mem_ring_peek(q->rings[0]);
	ev = np_mem_ring_peek(q->rings[q->cur]);
	if (ev && ready(q, ev) && ev->time_ns <= q->until)
		return ev;
	/* The oldest ready one; its queue goes on while the clock says
	 * the same (a tick of the coarse clock holds many events). */
	for (unsigned int i = 0; i < q->n; i++) {
		ev = np_mem_ring_peek(q->rings[i]);
		if (ev && ready(q, ev) && (!best || ev->time_ns < best->time_ns)) {
			best = ev;
			q->cur = i;
		}
	}
	if (best)
		q->until = best->time_ns;
	return best;
}

void np_mem_queues_pop(struct np_mem_queues *q)
{
	np_mem_ring_pop(q->rings[q->cur]);
}
