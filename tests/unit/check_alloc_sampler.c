/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the allocation sampler (src/agent/alloc-sampler.c): its ln
 * and exp against libm, the mean of its gaps, and that the weights make
 * byte totals unbiased for a mix of sizes.
 *
 * The statistics: 400,000 gaps of mean T have a sample mean with relative
 * standard deviation 1/sqrt(400000) = 0.16%; the bound 1% is 6 deviations.
 * The weighted total of 2.3e8 bytes at T = 4096 rests on ~42,000 samples of
 * the small sizes (relative deviation ~0.5% for the whole): the bound 2% is
 * 4 deviations, and the seeds are fixed, so the test is deterministic.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "alloc-sampler.h"
#include "check-run.h"

START_TEST(test_ln_exp)
{
	static const double xs[] = { 1e-300, 1e-10, 0.001, 0.5, 0.7071, 1.0,
				     1.5, 2.0, 10.0, 12345.678, 1e300 };

	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		double want = log(xs[i]), got = np_alloc_ln(xs[i]);

		ck_assert_msg(fabs(got - want) <= 1e-13 * (fabs(want) + 1),
			      "ln(%g) = %.17g, libm says %.17g", xs[i], got,
			      want);
	}
	/* Densely where the gaps take it, (0, 1], and across the edges of
	 * the mantissa's range (sqrt(1/2), sqrt(2)), where the series is
	 * longest. */
	for (double x = 1e-9; x < 4; x *= 1.0137) {
		double want = log(x), got = np_alloc_ln(x);

		ck_assert_msg(fabs(got - want) <= 1e-14 * (fabs(want) + 1),
			      "ln(%.17g) = %.17g, libm says %.17g", x, got,
			      want);
	}
	for (double x = -700; x <= 700; x += 13.37) {
		double want = exp(x), got = np_alloc_exp(x);

		ck_assert_msg(fabs(got - want) <= 1e-13 * want,
			      "exp(%g) = %.17g, libm says %.17g", x, got, want);
	}
	ck_assert(np_alloc_exp(-800) == 0);
}
END_TEST

START_TEST(test_gap_mean)
{
	uint64_t rng = 42, sum = 0, min = UINT64_MAX;
	const int n = 400000;
	const uint64_t mean = 524288;

	for (int i = 0; i < n; i++) {
		uint64_t g = np_alloc_gap(&rng, mean);

		sum += g;
		if (g < min)
			min = g;
	}
	ck_assert_uint_ge(min, 1);
	ck_assert_msg(fabs((double)sum / n / mean - 1) < 0.01,
		      "mean gap %.1f for T = %llu", (double)sum / n,
		      (unsigned long long)mean);
}
END_TEST

START_TEST(test_weight)
{
	/* Exact mode: a block stands for itself. */
	ck_assert_uint_eq(np_alloc_weight(100, 0), 100);
	/* Tiny blocks stand for about T + s/2 each, huge ones for
	 * themselves. */
	ck_assert_uint_eq(np_alloc_weight(1, 4096), 4097);
	ck_assert_uint_eq(np_alloc_weight(1 << 30, 4096), 1 << 30);
	/* s / (1 - e^-1) at s = T. */
	ck_assert_uint_eq(np_alloc_weight(4096, 4096), 6480);
}
END_TEST

START_TEST(test_unbiased)
{
	static const uint64_t sizes[] = { 16, 24, 100, 900, 5000, 70000,
					  1 << 20 };
	const uint64_t mean = 4096;
	struct np_countdown c = { .rng = 7 };
	uint64_t truth[7] = { 0 }, estimate[7] = { 0 }, all = 0, est = 0;

	for (int round = 0; round < 200; round++)
		for (int k = 0; k < 7; k++)
			for (int j = 0; j < (k < 4 ? 2000 : 20); j++) {
				truth[k] += sizes[k];
				if (np_alloc_sampled(&c, sizes[k], mean, 1))
					estimate[k] +=
						np_alloc_weight(sizes[k], mean);
			}
	for (int k = 0; k < 7; k++) {
		all += truth[k];
		est += estimate[k];
	}
	ck_assert_msg(fabs((double)est / (double)all - 1) < 0.02,
		      "estimated %llu bytes of %llu", (unsigned long long)est,
		      (unsigned long long)all);
	/* Each size on its own, more loosely (fewer samples each). */
	for (int k = 0; k < 7; k++)
		ck_assert_msg(fabs((double)estimate[k] / (double)truth[k] - 1) <
				      0.1,
			      "size %llu: %llu of %llu",
			      (unsigned long long)sizes[k],
			      (unsigned long long)estimate[k],
			      (unsigned long long)truth[k]);
}
END_TEST

START_TEST(test_session_restarts_gap)
{
	struct np_countdown c = { .rng = 9 };
	int64_t left;
	int first;

	/* A huge block is always sampled; a new session draws a new gap. */
	ck_assert(np_alloc_sampled(&c, 1ull << 40, 4096, 1));
	ck_assert_uint_eq(np_countdown_session(&c), 1);
	first = np_alloc_sampled(&c, 1, 4096, 2);
	ck_assert_uint_eq(np_countdown_session(&c), 2);
	ck_assert(np_countdown_left(&c) > 0 || first);
	/* The gap of session 2 goes on; an older session's does not. */
	ck_assert(!np_alloc_sampled(&c, 0, 4096, 2));
	np_alloc_sampled(&c, 1, 4096, 3);
	ck_assert_uint_eq(np_countdown_session(&c), 3);
	/* Past the last floor, sessions share it: the gap goes on. */
	np_alloc_sampled(&c, 1, 4096, NP_ALLOC_FLOORS + 5);
	left = np_countdown_left(&c);
	ck_assert(!np_alloc_sampled(&c, 0, 4096, NP_ALLOC_FLOORS + 6));
	ck_assert_int_eq(np_countdown_left(&c), left);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alloc-sampler");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ln_exp);
	tcase_add_test(tc, test_gap_mean);
	tcase_add_test(tc, test_weight);
	tcase_add_test(tc, test_unbiased);
	tcase_add_test(tc, test_session_restarts_gap);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
