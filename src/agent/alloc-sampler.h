/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing which allocations to record: a Poisson process over allocated
 * bytes with a mean gap of T bytes (FACTS.md, "Sampling allocations").  Each
 * thread keeps a countdown of bytes to the next sampled one, so the common
 * case is one subtraction.  Everything here is pure arithmetic, without
 * libm (the agent links libc only), so the unit tests can drive it.
 */
#ifndef NPROF_AGENT_ALLOC_SAMPLER_H
#define NPROF_AGENT_ALLOC_SAMPLER_H

#include <stdint.h>

/* One thread's state.  All zero is valid: it draws its first gap. */
struct np_countdown {
	int64_t left;     /* bytes until the next sampled byte */
	uint64_t rng;     /* PRNG state; 0: not seeded yet */
	uint32_t session; /* the session the gap was drawn for */
};

/* The next 64 random bits (splitmix64); never needs seeding twice. */
uint64_t np_alloc_random(uint64_t *state);

/* Natural logarithm and exponential, accurate to ~1e-15 relative, for
 * finite arguments (ln: x > 0). */
double np_alloc_ln(double x);
double np_alloc_exp(double x);

/* A gap drawn from the exponential distribution of mean MEAN: -MEAN*ln(U),
 * U uniform in (0, 1]; at least 1. */
uint64_t np_alloc_gap(uint64_t *rng, uint64_t mean);

/* The bytes a sampled allocation of SIZE stands for: SIZE / (1 -
 * exp(-SIZE/MEAN)), which makes the sum over samples unbiased; SIZE itself
 * when MEAN is 0 (every allocation is recorded). */
uint64_t np_alloc_weight(uint64_t size, uint64_t mean);

/* The slow path of np_alloc_sampled: the countdown ran out (or was never
 * started, or belongs to another session). */
int np_alloc_sampled_slow(struct np_countdown *c, uint64_t size,
			  uint64_t mean, uint32_t session);

/*
 * Whether an allocation of SIZE bytes is sampled, for SESSION with mean gap
 * MEAN (non-zero).  A thread's first call seeds C->rng from the clock and
 * C's address unless it is set already (the unit tests set it).
 */
static inline int np_alloc_sampled(struct np_countdown *c, uint64_t size,
				   uint64_t mean, uint32_t session)
{
	if (__builtin_expect(c->session == session &&
				     (c->left -= (int64_t)size) > 0,
			     1))
		return 0;
	return np_alloc_sampled_slow(c, size, mean, session);
}

#endif /* NPROF_AGENT_ALLOC_SAMPLER_H */
