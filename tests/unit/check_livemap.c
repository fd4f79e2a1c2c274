/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the set of live sampled blocks (src/agent/livemap.c): what
 * goes in comes out once; its filter clears when the last block of a page
 * goes; a page holds as many blocks as its bucket has slots and borrows
 * its neighbours'; a removed block's slot is reused; a run of colliding
 * addresses longer than the probe limit fails the insert instead of
 * looping, and leaves the filter as it was.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>

#include "check-run.h"
#include "livemap.h"

/* Must agree with livemap.c. */
#define MAX_PROBE (4 * NP_LIVEMAP_BUCKET_SLOTS)
#define PAGE 4096u

static struct np_livemap *m;

static void setup(void)
{
	m = np_livemap_create();
	ck_assert_ptr_nonnull(m);
	np_livemap_prefault(m);
}

static int may_hold(uint64_t addr)
{
	return np_livemap_filter_may_hold(np_livemap_filter(m), addr);
}

/* N (up to 512) addresses of page-aligned START's bucket, 16 bytes apart
 * (malloc's alignment), in turns in its page and in the page 256 MiB on,
 * which shares the bucket. */
static void colliding(uint64_t start, uint64_t *out, int n)
{
	const uint64_t alias = (uint64_t)PAGE << NP_LIVEMAP_FILTER_BITS;

	ck_assert(n <= 2 * (int)(PAGE / 16));
	for (int k = 0; k < n; k++) {
		out[k] = start + (uint64_t)(k / 2) * 16 + (uint64_t)(k & 1) * alias;
		ck_assert_uint_eq(np_livemap_page_bucket(out[k]),
				  np_livemap_page_bucket(start));
	}
}

START_TEST(test_in_and_out)
{
	uint64_t a = 0x7f0000001230;

	ck_assert(!may_hold(a));
	ck_assert_int_eq(np_livemap_insert(m, a), 0);
	ck_assert(may_hold(a));
	ck_assert_int_eq(np_livemap_remove(m, a + 16), 0);
	ck_assert_int_eq(np_livemap_remove(m, a), 1);
	ck_assert_int_eq(np_livemap_remove(m, a), 0);
	ck_assert(!may_hold(a));
}
END_TEST

/* Blocks next to each other, as malloc hands out small ones and as a
 * small interval samples them: a bucket's worth in every page (one block
 * in 128 bytes), and a page of 96 between sparse ones, which borrows its
 * neighbours' slots; all found, in any order of removal. */
START_TEST(test_many)
{
	const uint64_t base = 0x555500000000;
	const uint64_t stride = PAGE / NP_LIVEMAP_BUCKET_SLOTS;
	const int n = 50000;

	for (int i = 0; i < n; i++)
		ck_assert_int_eq(np_livemap_insert(m, base + i * stride), 0);
	for (int i = 0; i < n; i += 2)
		ck_assert_int_eq(np_livemap_remove(m, base + i * stride), 1);
	for (int i = n - 1; i >= 0; i--)
		ck_assert_int_eq(np_livemap_remove(m, base + i * stride),
				 i & 1);
	for (int i = 0; i < n; i++)
		ck_assert(!may_hold(base + i * stride));

	const uint64_t dense = base + 16 * PAGE;

	ck_assert_int_eq(np_livemap_insert(m, dense - PAGE), 0);
	ck_assert_int_eq(np_livemap_insert(m, dense + PAGE), 0);
	for (int i = 0; i < 96; i++)
		ck_assert_int_eq(np_livemap_insert(m, dense + 32 * i), 0);
	ck_assert_int_eq(np_livemap_remove(m, dense + PAGE), 1);
	for (int i = 95; i >= 0; i--)
		ck_assert_int_eq(np_livemap_remove(m, dense + 32 * i), 1);
	ck_assert_int_eq(np_livemap_remove(m, dense - PAGE), 1);
	ck_assert(!may_hold(dense));
	ck_assert(!may_hold(dense + PAGE));
}
END_TEST

/* A removed block leaves a tombstone, which the next insert there takes:
 * blocks further along the probe stay found. */
START_TEST(test_tombstone_reused)
{
	uint64_t a[3];

	colliding(0x600000000000, a, 3);
	ck_assert_int_eq(np_livemap_insert(m, a[0]), 0);
	ck_assert_int_eq(np_livemap_insert(m, a[1]), 0);
	ck_assert_int_eq(np_livemap_remove(m, a[0]), 1);
	ck_assert_int_eq(np_livemap_insert(m, a[2]), 0);
	ck_assert_int_eq(np_livemap_remove(m, a[1]), 1);
	ck_assert_int_eq(np_livemap_remove(m, a[2]), 1);
	ck_assert_int_eq(np_livemap_remove(m, a[0]), 0);
}
END_TEST

/* MAX_PROBE blocks fill every slot an address may take, from its page's
 * bucket on; one more colliding address finds no room, until one of them
 * goes. */
START_TEST(test_full_probe)
{
	uint64_t a[MAX_PROBE + 1];

	colliding(0x700000000000, a, MAX_PROBE + 1);
	for (int i = 0; i < MAX_PROBE; i++)
		ck_assert_int_eq(np_livemap_insert(m, a[i]), 0);
	ck_assert_int_eq(np_livemap_insert(m, a[MAX_PROBE]), -1);
	ck_assert_int_eq(np_livemap_remove(m, a[MAX_PROBE]), 0);
	/* The failed insert gave its filter counts back. */
	ck_assert_int_eq(np_livemap_remove(m, a[0]), 1);
	for (int i = 1; i < MAX_PROBE; i++)
		ck_assert(may_hold(a[i]));
	/* Room again, in the slot a[0] left. */
	ck_assert_int_eq(np_livemap_insert(m, a[MAX_PROBE]), 0);
	for (int i = 1; i <= MAX_PROBE; i++)
		ck_assert_int_eq(np_livemap_remove(m, a[i]), 1);
	for (int i = 0; i <= MAX_PROBE; i++)
		ck_assert(!may_hold(a[i]));
}
END_TEST

START_TEST(test_clear)
{
	uint64_t a = 0x7e0000000040;

	ck_assert_int_eq(np_livemap_insert(m, a), 0);
	np_livemap_clear(m);
	ck_assert(!may_hold(a));
	ck_assert_int_eq(np_livemap_remove(m, a), 0);
	np_livemap_prefault(m);
	ck_assert_int_eq(np_livemap_insert(m, a), 0);
	ck_assert_int_eq(np_livemap_remove(m, a), 1);
}
END_TEST

static Suite *livemap_suite(void)
{
	Suite *s = suite_create("livemap");
	TCase *tc = tcase_create("set");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_in_and_out);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_tombstone_reused);
	tcase_add_test(tc, test_full_probe);
	tcase_add_test(tc, test_clear);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(livemap_suite());
}
