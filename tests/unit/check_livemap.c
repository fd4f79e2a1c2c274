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

/* livemap.c's: the 16-byte unit within the 16 MiB region, the region's
 * number folded in. */
static int may_hold(uint64_t addr)
{
	return np_livemap_filter_may_hold(np_livemap_filter(m), addr);
}

static uint32_t home(uint64_t addr)
{
	return (uint32_t)((addr >> 4) ^ (addr >> 24)) & (SLOTS - 1);
}

/* N addresses with the home slot of START, one in each 16 MiB region
 * from START's on: within a region, no two share it. */
static void colliding(uint64_t start, uint64_t *out, int n)
{
	uint32_t h = home(start);

	for (int k = 0; k < n; k++) {
		uint64_t region = (start >> 24) + (uint64_t)k;

		out[k] = region << 24 |
			 (uint64_t)((h ^ (uint32_t)region) & (SLOTS - 1)) << 4;
		ck_assert_uint_eq(home(out[k]), h);
	}
	ck_assert_uint_eq(out[0], start);
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

/* Blocks next to each other, as malloc hands out small ones (32 bytes
 * apart at least) and as every one is sampled at a small interval: their
 * homes are neighbours, and probing stays short. */
START_TEST(test_many)
{
	const uint64_t base = 0x555500000000;
	const int n = 50000;

	for (uint64_t stride = 32; stride <= 48; stride += 16) {
		for (int i = 0; i < n; i++)
			ck_assert_int_eq(np_livemap_insert(m, base + i * stride),
					 0);
		for (int i = 0; i < n; i += 2)
			ck_assert_int_eq(np_livemap_remove(m, base + i * stride),
					 1);
		for (int i = 0; i < n; i++)
			ck_assert_int_eq(np_livemap_remove(m, base + i * stride),
					 i & 1);
		for (int i = 0; i < n; i++)
			ck_assert(!may_hold(base + i * stride));
	}
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
