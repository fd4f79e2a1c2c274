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

/*
 * One thread's state.  All zero is valid: it draws its first gap.  MARK is
 * the floor of the session the gap was drawn for (np_alloc_floor) plus the
 * bytes left until the next sampled byte, so that one comparison with the
 * session's floor tells both that the gap is this session's and that it
 * has not run out: floors are 2^46 apart and count up with sessions, and a
 * gap is at most 2^44 bytes (16 TiB, 16 times the largest mean, 1 TiB).
 */
struct np_countdown {
	int64_t mark;
	uint64_t rng; /* PRNG state; 0: not seeded yet */
};

#define NP_ALLOC_FLOOR_SHIFT 46
#define NP_ALLOC_MAX_GAP (1ll << 44)
#define NP_ALLOC_FLOORS ((1u << 17) - 1)

/* The floor of SESSION's gaps.  Past NP_ALLOC_FLOORS sessions in one
 * process, later ones share the last floor: a thread's gap then goes on
 * from one session to the next, which the process being memoryless makes
 * right for the same mean (only a thread's first gap in a session with
 * another mean has the old one's). */
static inline int64_t np_alloc_floor(uint32_t session)
{
	uint32_t k = session < NP_ALLOC_FLOORS ? session : NP_ALLOC_FLOORS;

	return (int64_t)k << NP_ALLOC_FLOOR_SHIFT;
}

/* C's session (its floor's number), and its bytes left until the next
 * sampled byte. */
static inline uint32_t np_countdown_session(const struct np_countdown *c)
{
	return (uint32_t)(c->mark >> NP_ALLOC_FLOOR_SHIFT);
}

static inline int64_t np_countdown_left(const struct np_countdown *c)
{
	return c->mark - np_alloc_floor(np_countdown_session(c));
}

/* Takes SIZE bytes from C; whether its gap is still running above FLOOR.
 * Unsigned: a huge size wraps instead of overflowing. */
static inline int np_countdown_passes(struct np_countdown *c, uint64_t size,
				      int64_t floor)
{
	c->mark = (int64_t)((uint64_t)c->mark - size);
	return c->mark > floor;
}

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

/* The slow path of np_alloc_sampled, once SIZE was taken from C: the
 * countdown ran out (or was never started, or belongs to another
 * session). */
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
	if (__builtin_expect(np_countdown_passes(c, size,
						 np_alloc_floor(session)),
			     1))
		return 0;
	return np_alloc_sampled_slow(c, size, mean, session);
}

#endif /* NPROF_AGENT_ALLOC_SAMPLER_H */
