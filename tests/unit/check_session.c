/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the session settings text that the CLI hands the agent. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "check-run.h"
#include "session.h"

START_TEST(test_round_trip)
{
	struct np_session a, b;
	char text[256];

	np_session_init(&a);
	a.engine = NP_ENGINE_CTIMER;
	a.period_ns = 2000000;
	a.freq_hz = 500;
	a.duration_ns = 3000000000ull;
	a.nativemem = 524288;
	a.stream_fd = 17;
	ck_assert_int_gt(np_session_format(&a, text, sizeof(text)), 0);
	ck_assert_int_eq(np_session_parse(text, &b), 0);
	ck_assert_int_eq(b.engine, NP_ENGINE_CTIMER);
	ck_assert_uint_eq(b.period_ns, 2000000);
	ck_assert_uint_eq(b.freq_hz, 500);
	ck_assert_uint_eq(b.duration_ns, 3000000000ull);
	ck_assert_int_eq(b.nativemem, 524288);
	ck_assert_int_eq(b.stream_fd, 17);

	np_session_init(&a);
	ck_assert_int_gt(np_session_format(&a, text, sizeof(text)), 0);
	ck_assert_int_eq(np_session_parse(text, &b), 0);
	ck_assert_int_eq(b.engine, NP_ENGINE_CPU);
	ck_assert_int_eq(b.nativemem, -1);
	ck_assert_int_eq(b.stream_fd, -1);
	ck_assert_int_lt(np_session_format(&a, text, 10), 0);
}
END_TEST

START_TEST(test_malformed)
{
	struct np_session s;

	ck_assert_int_eq(np_session_parse("v1", &s), 0);
	ck_assert_int_eq(np_session_parse("v1;future=7", &s), 0);
	ck_assert_int_eq(np_session_parse("", &s), -1);
	ck_assert_int_eq(np_session_parse("v2;engine=cpu", &s), -1);
	ck_assert_int_eq(np_session_parse("v1;engine=warp", &s), -1);
	ck_assert_int_eq(np_session_parse("v1;period=12x", &s), -1);
	ck_assert_int_eq(np_session_parse("v1;period", &s), -1);
	ck_assert_int_eq(np_session_parse("v1;fd=99999999", &s), -1);
	ck_assert_int_eq(np_session_parse("v1;period=99999999999999999999", &s), -1);
	ck_assert_int_eq(np_session_parse("v1;engine=itimer;fd=3", &s), 0);
	ck_assert_int_eq(s.engine, NP_ENGINE_ITIMER);
	ck_assert_str_eq(np_engine_name(NP_ENGINE_CYCLES), "cycles");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
