/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the set of live sampled blocks (src/agent/livemap.c): what
 * goes in comes out once; its filters clear when the last block of a page
 * goes; a removed block's slot is reused; a run of colliding addresses
 * longer than the probe limit fails the insert instead of looping, and
 * leaves the filters as they were.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>

#include "check-run.h"
#include "livemap.h"

/* Must agree with livemap.c. */
#define SLOTS (1u << 20)
#define MAX_PROBE 64

static struct np_livemap *m;

static void setup(void)
{
	m = np_livemap_create();
	ck_assert_ptr_nonnull(m);
	np_livemap_prefault(m);
}

static uint32_t home(uint64_t addr)
{
	return (uint32_t)(((addr >> 4) * 0x9e3779b97f4a7c15ull) >> 44) &
	       (SLOTS - 1);
}

/* N addresses, 16-byte aligned, from START, that all have the home slot
 * of START. */
static void colliding(uint64_t start, uint64_t *out, int n)
{
	uint32_t h = home(start);
	int k = 0;

	for (uint64_t a = start; k < n; a += 16)
		if (home(a) == h)
			out[k++] = a;
}

START_TEST(test_in_and_out)
{
	uint64_t a = 0x7f0000001230;

	ck_assert(!np_livemap_may_hold(m, a));
	ck_assert_int_eq(np_livemap_insert(m, a), 0);
	ck_assert(np_livemap_may_hold(m, a));
	ck_assert_int_eq(np_livemap_remove(m, a + 16), 0);
	ck_assert_int_eq(np_livemap_remove(m, a), 1);
	ck_assert_int_eq(np_livemap_remove(m, a), 0);
	ck_assert(!np_livemap_may_hold(m, a));
}
END_TEST

START_TEST(test_many)
{
	const uint64_t base = 0x555500000000;
	const int n = 50000;

	for (int i = 0; i < n; i++)
		ck_assert_int_eq(np_livemap_insert(m, base + (uint64_t)i * 48), 0);
	for (int i = 0; i < n; i += 2)
		ck_assert_int_eq(np_livemap_remove(m, base + (uint64_t)i * 48), 1);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(np_livemap_remove(m, base + (uint64_t)i * 48),
				 i & 1);
	for (int i = 0; i < n; i++)
		ck_assert(!np_livemap_may_hold(m, base + (uint64_t)i * 48));
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

/* MAX_PROBE blocks fill every slot an address may take, from its home on;
 * one more colliding address finds no room, until one of them goes. */
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
		ck_assert(np_livemap_may_hold(m, a[i]));
	/* Room again, in the slot a[0] left. */
	ck_assert_int_eq(np_livemap_insert(m, a[MAX_PROBE]), 0);
	for (int i = 1; i <= MAX_PROBE; i++)
		ck_assert_int_eq(np_livemap_remove(m, a[i]), 1);
	for (int i = 0; i <= MAX_PROBE; i++)
		ck_assert(!np_livemap_may_hold(m, a[i]));
}
END_TEST

START_TEST(test_clear)
{
	uint64_t a = 0x7e0000000040;

	ck_assert_int_eq(np_livemap_insert(m, a), 0);
	np_livemap_clear(m);
	ck_assert(!np_livemap_may_hold(m, a));
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
