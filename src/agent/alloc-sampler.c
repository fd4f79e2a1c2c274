/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampler's arithmetic (see alloc-sampler.h).  ln and exp are computed
 * here from their series: the agent must not pull libm into the target.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "alloc-sampler.h"

#define LN2 0.69314718055994530942

uint64_t np_alloc_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 1/1, 1/3, ... 1/21: the coefficients of np_alloc_ln's series. */
#define LN_TERMS 11
static const double inv_odd[LN_TERMS] = {
	1.0,	  1.0 / 3,  1.0 / 5,  1.0 / 7,	1.0 / 9,  1.0 / 11,
	1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21,
};

/* x = m * 2^e with m in [sqrt(1/2), sqrt(2)); then ln x = e ln 2 +
 * 2 atanh(z), z = (m-1)/(m+1), |z| < 0.1716, whose series
 * z + z^3/3 + z^5/5 + ... converges by a factor 34 a term: eleven terms
 * leave less than 1e-18, summed by Horner's rule (a division a term made
 * this a sampled allocation's largest arithmetic cost). */
double np_alloc_ln(double x)
{
	uint64_t bits;
	int e;
	double m, z, z2, sum;

	memcpy(&bits, &x, sizeof(bits));
	e = (int)((bits >> 52) & 0x7ff) - 1023;
	if (e == -1023) { /* subnormal: scale into the normal range */
		x *= 18014398509481984.0; /* 2^54 */
		memcpy(&bits, &x, sizeof(bits));
		e = (int)((bits >> 52) & 0x7ff) - 1023 - 54;
	}
	bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	memcpy(&m, &bits, sizeof(m));
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	z = (m - 1) / (m + 1);
	z2 = z * z;
	sum = inv_odd[LN_TERMS - 1];
	for (int k = LN_TERMS - 2; k >= 0; k--)
		sum = inv_odd[k] + z2 * sum;
	return e * LN2 + 2 * z * sum;
}

/* exp(x) = 2^k exp(r) with |r| <= ln2/2, r's Taylor series to 1e-17. */
double np_alloc_exp(double x)
{
	double r, term = 1, sum = 1, k2;
	long k;
	uint64_t bits;

	if (x < -745)
		return 0;
	if (x > 709)
		x = 709;
	k = (long)(x / LN2 + (x < 0 ? -0.5 : 0.5));
	r = x - (double)k * LN2;
	for (int i = 1; i < 30 && (term > 1e-18 || term < -1e-18); i++) {
		term *= r / i;
		sum += term;
	}
	/* 2^k, in two steps when k is below the normal range. */
	if (k < -1000) {
		sum *= 9.332636185032189e-302; /* 2^-1000 */
		k += 1000;
	}
	bits = (uint64_t)(k + 1023) << 52;
	memcpy(&k2, &bits, sizeof(k2));
	return sum * k2;
}

uint64_t np_alloc_gap(uint64_t *rng, uint64_t mean)
{
	/* 53 random bits, +1: U in (0, 1], so ln(U) is finite. */
	double u = (double)((np_alloc_random(rng) >> 11) + 1) *
		   (1.0 / 9007199254740992.0);
	double gap = -(double)mean * np_alloc_ln(u);

	return gap < 1 ? 1 : (uint64_t)gap;
}

uint64_t np_alloc_weight(uint64_t size, uint64_t mean)
{
	double x, p;

	if (mean == 0 || size == 0)
		return size;
	x = (double)size / (double)mean;
	/* 1 - exp(-x), by its series where the subtraction would cancel. */
	if (x < 0.01)
		p = x * (1 - x / 2 * (1 - x / 3 * (1 - x / 4)));
	else
		p = 1 - np_alloc_exp(-x);
	return (uint64_t)((double)size / p + 0.5);
}

/* A gap for C, short enough for its mark (alloc-sampler.h). */
static int64_t next_gap(struct np_countdown *c, uint64_t mean)
{
	uint64_t gap = np_alloc_gap(&c->rng, mean);

	return gap < NP_ALLOC_MAX_GAP ? (int64_t)gap : NP_ALLOC_MAX_GAP;
}

int np_alloc_sampled_slow(struct np_countdown *c, uint64_t size,
			  uint64_t mean, uint32_t session)
{
	int64_t floor = np_alloc_floor(session);
	/* Before SIZE was taken: a gap of this session lies just above the
	 * floor; anything else is an earlier session's, or none. */
	uint64_t before = (uint64_t)c->mark + size - (uint64_t)floor;

	if (before == 0 || before >= (1ull << NP_ALLOC_FLOOR_SHIFT)) {
		/* A new thread, or a new session: start a fresh gap here. */
		if (!c->rng) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			c->rng = ((uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15ull) ^
				 (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
		}
		c->mark = floor + next_gap(c, mean);
		if (np_countdown_passes(c, size, floor))
			return 0;
	}
	/* The process is memoryless: the next gap starts where this block
	 * ends, however many sampled bytes it held. */
	c->mark = floor + next_gap(c, mean);
	return 1;
}
