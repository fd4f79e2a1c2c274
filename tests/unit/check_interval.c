/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the parsers for intervals, frequencies, durations, bytes. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "check-run.h"
#include "interval.h"

START_TEST(test_interval)
{
	uint64_t ns = 0;

	ck_assert_int_eq(np_parse_interval("10ms", &ns), 0);
	ck_assert_uint_eq(ns, 10000000);
	ck_assert_int_eq(np_parse_interval("1000us", &ns), 0);
	ck_assert_uint_eq(ns, 1000000);
	ck_assert_int_eq(np_parse_interval("500000ns", &ns), 0);
	ck_assert_uint_eq(ns, 500000);
	ck_assert_int_eq(np_parse_interval("1s", &ns), 0);
	ck_assert_uint_eq(ns, 1000000000);
	ck_assert_int_eq(np_parse_interval("2.5ms", &ns), 0);
	ck_assert_uint_eq(ns, 2500000);
	ck_assert_int_eq(np_parse_interval("100us", &ns), 0);
	/* No unit, no number, junk, out of range. */
	ck_assert_int_eq(np_parse_interval("10", &ns), -1);
	ck_assert_int_eq(np_parse_interval("ms", &ns), -1);
	ck_assert_int_eq(np_parse_interval("", &ns), -1);
	ck_assert_int_eq(np_parse_interval("10 ms", &ns), -1);
	ck_assert_int_eq(np_parse_interval("10mss", &ns), -1);
	ck_assert_int_eq(np_parse_interval("-5ms", &ns), -1);
	ck_assert_int_eq(np_parse_interval("99us", &ns), -1);
	ck_assert_int_eq(np_parse_interval("2s", &ns), -1);
	ck_assert_int_eq(np_parse_interval("1.ms", &ns), -1);
	ck_assert_int_eq(np_parse_interval("99999999999999999999999ms", &ns), -1);
}
END_TEST

START_TEST(test_frequency)
{
	uint32_t hz = 0;

	ck_assert_int_eq(np_parse_frequency("99", &hz), 0);
	ck_assert_uint_eq(hz, 99);
	ck_assert_int_eq(np_parse_frequency("10000", &hz), 0);
	ck_assert_int_eq(np_parse_frequency("1", &hz), 0);
	ck_assert_int_eq(np_parse_frequency("0", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("10001", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("1000000", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("abc", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("99hz", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("-1", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("", &hz), -1);
	ck_assert_int_eq(np_parse_frequency("99999999999999999999999", &hz), -1);
}
END_TEST

START_TEST(test_duration)
{
	uint64_t ns = 0;

	ck_assert_int_eq(np_parse_duration("2", &ns), 0);
	ck_assert_uint_eq(ns, 2000000000ull);
	ck_assert_int_eq(np_parse_duration("0.5", &ns), 0);
	ck_assert_uint_eq(ns, 500000000ull);
	ck_assert_int_eq(np_parse_duration("250ms", &ns), 0);
	ck_assert_uint_eq(ns, 250000000ull);
	ck_assert_int_eq(np_parse_duration("2m", &ns), 0);
	ck_assert_uint_eq(ns, 120000000000ull);
	ck_assert_int_eq(np_parse_duration("0", &ns), -1);
	ck_assert_int_eq(np_parse_duration("x", &ns), -1);
	ck_assert_int_eq(np_parse_duration("1h", &ns), -1);
}
END_TEST

START_TEST(test_bytes)
{
	uint64_t b = 0;

	ck_assert_int_eq(np_parse_bytes("0", &b), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert_int_eq(np_parse_bytes("512k", &b), 0);
	ck_assert_uint_eq(b, 524288);
	ck_assert_int_eq(np_parse_bytes("16K", &b), 0);
	ck_assert_uint_eq(b, 16384);
	ck_assert_int_eq(np_parse_bytes("2m", &b), 0);
	ck_assert_uint_eq(b, 2097152);
	ck_assert_int_eq(np_parse_bytes("1g", &b), 0);
	ck_assert_uint_eq(b, 1073741824ull);
	ck_assert_int_eq(np_parse_bytes("4kb", &b), 0);
	ck_assert_uint_eq(b, 4096);
	ck_assert_int_eq(np_parse_bytes("1000", &b), 0);
	ck_assert_uint_eq(b, 1000);
	ck_assert_int_eq(np_parse_bytes("1t", &b), -1);
	ck_assert_int_eq(np_parse_bytes("k", &b), -1);
	ck_assert_int_eq(np_parse_bytes("12kk", &b), -1);
	ck_assert_int_eq(np_parse_bytes("", &b), -1);
	ck_assert_int_eq(np_parse_bytes("99999999999999999999g", &b), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interval");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_interval);
	tcase_add_test(tc, test_frequency);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_bytes);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
