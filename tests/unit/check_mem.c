/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the agent's page allocator (src/agent/mem.c): the bytes
 * mapped and the peak follow allocations, frees of a whole mapping or of
 * its tail, and resizes, in whole pages; resident bytes are the pages
 * touched.  Check runs each test in a fresh child, so the counts start at
 * what the test itself mapped.
 */
#include "config.h"

#include <check.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "mem.h"

static size_t page;

static void setup(void)
{
	page = (size_t)getpagesize();
}

START_TEST(test_counts)
{
	size_t before = np_pages_mapped();
	char *a = np_pages_alloc(10 * page + 1); /* 11 pages */
	char *b = np_pages_alloc(3 * page);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(np_pages_mapped(), before + 14 * page);
	ck_assert_uint_ge(np_pages_peak(), before + 14 * page);
	np_pages_free(a, 10 * page + 1);
	ck_assert_uint_eq(np_pages_mapped(), before + 3 * page);
	ck_assert_uint_ge(np_pages_peak(), before + 14 * page);
	np_pages_free(b, 3 * page);
	np_pages_free(NULL, page);
	ck_assert_uint_eq(np_pages_mapped(), before);
}
END_TEST

START_TEST(test_tail_and_resize)
{
	size_t before = np_pages_mapped();
	char *a = np_pages_alloc(8 * page);

	ck_assert_ptr_nonnull(a);
	a[0] = 1;
	a = np_pages_resize(a, 8 * page, 64 * page);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a[0], 1);
	ck_assert_uint_eq(np_pages_mapped(), before + 64 * page);
	/* Give back the tail, as an unwind table does once built. */
	np_pages_free(a + 16 * page, 48 * page);
	ck_assert_uint_eq(np_pages_mapped(), before + 16 * page);
	a = np_pages_resize(a, 16 * page, 4 * page);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(np_pages_mapped(), before + 4 * page);
	np_pages_free(a, 4 * page);
	ck_assert_uint_eq(np_pages_mapped(), before);
}
END_TEST

START_TEST(test_resident)
{
	size_t before = np_pages_resident();
	char *a = np_pages_alloc(256 * page);

	ck_assert_ptr_nonnull(a);
	/* Mapped is not resident: only touched pages count. */
	ck_assert_uint_eq(np_pages_resident(), before);
	memset(a, 1, 5 * page);
	a[100 * page] = 1;
	ck_assert_uint_eq(np_pages_resident(), before + 6 * page);
	np_pages_free(a, 256 * page);
	ck_assert_uint_eq(np_pages_resident(), before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_tail_and_resize);
	tcase_add_test(tc, test_resident);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
