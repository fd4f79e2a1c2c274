/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sample ring between the signal handler (many producers, one per
 * interrupted thread) and the writer thread (the one consumer): a bounded
 * lock-free queue with a sequence number per cell (Vyukov's), in mmap'd
 * memory.  A producer that finds the ring full gets NULL and drops: it never
 * waits.
 */
#ifndef NPROF_AGENT_RING_H
#define NPROF_AGENT_RING_H

#include <stdint.h>

#include "record.h"

struct np_sample {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint32_t tid;
	uint32_t weight;
	uint32_t session; /* the session that took it: older ones are dropped */
	uint32_t nframes;
	uint64_t frames[NP_MAX_FRAMES]; /* leaf first */
};

struct np_ring;

/* A ring of NCELLS cells (a power of two), or NULL. */
struct np_ring *np_ring_create(unsigned int ncells);

/* Empties the ring; only when no producer can be inside (after fork). */
void np_ring_reset(struct np_ring *r);

/*
 * Producer side, async-signal-safe: claim a cell, fill it, publish it.  The
 * caller must not be interrupted by another claim on the same thread between
 * the two (the handler blocks all signals while it runs).
 */
struct np_sample *np_ring_claim(struct np_ring *r, uint64_t *ticket);
void np_ring_publish(struct np_ring *r, uint64_t ticket);

/* Consumer side, one thread only: the oldest published sample, or NULL;
 * then np_ring_pop to free its cell. */
const struct np_sample *np_ring_peek(struct np_ring *r);
void np_ring_pop(struct np_ring *r);

#endif /* NPROF_AGENT_RING_H */
