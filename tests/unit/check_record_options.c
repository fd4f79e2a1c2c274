/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of `nprof record`'s command line. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "record-options.h"

static struct np_record_opts o;
static char err[512];

/* The words parsed last: o.cmd points into them, so they must outlive the
 * call. */
static char *words[32];

static int parse_words(char *const *list, int n)
{
	words[0] = "record";
	for (int i = 0; i < n; i++)
		words[i + 1] = list[i];
	words[n + 1] = NULL;
	return np_record_opts_parse(n + 1, words, &o, err, sizeof(err));
}

#define PARSE(...)                                                   \
	({                                                           \
		char *list_[] = { __VA_ARGS__ };                     \
		parse_words(list_, (int)(sizeof(list_) / sizeof(list_[0]))); \
	})

START_TEST(test_defaults)
{
	ck_assert_int_eq(PARSE("./demo"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CPU);
	ck_assert_uint_eq(o.session.freq_hz, 99);
	ck_assert_uint_eq(o.session.period_ns, 1000000000ull / 99);
	ck_assert_uint_eq(o.session.duration_ns, 0);
	ck_assert_int_eq(o.session.nativemem, -1);
	ck_assert_str_eq(o.output, "samples.dat");
	ck_assert_int_eq(o.cmd_argc, 1);
	ck_assert_str_eq(o.cmd[0], "./demo");
}
END_TEST

START_TEST(test_options)
{
	ck_assert_int_eq(PARSE("-e", "ctimer", "-F", "999", "-d", "1.5", "-o", "x.dat",
			       "-q", "--", "./demo", "-F", "3"),
			 NP_OPTS_OK);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CTIMER);
	ck_assert_uint_eq(o.session.freq_hz, 999);
	ck_assert_uint_eq(o.session.period_ns, 1001001);
	ck_assert_uint_eq(o.session.duration_ns, 1500000000ull);
	ck_assert_str_eq(o.output, "x.dat");
	ck_assert_int_eq(o.quiet, 1);
	/* CMD's own options are its own. */
	ck_assert_int_eq(o.cmd_argc, 3);
	ck_assert_str_eq(o.cmd[1], "-F");

	ck_assert_int_eq(PARSE("-i", "2ms", "--event=itimer", "sleep", "-q"), NP_OPTS_OK);
	ck_assert_uint_eq(o.session.period_ns, 2000000);
	ck_assert_uint_eq(o.session.freq_hz, 500);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_ITIMER);
	ck_assert_int_eq(o.quiet, 0);
	ck_assert_int_eq(o.cmd_argc, 2);

	ck_assert_int_eq(PARSE("-e", "cycles", "--freq=4000", "x"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CYCLES);
	ck_assert_uint_eq(o.session.freq_hz, 4000);
	ck_assert_int_eq(PARSE("--help"), NP_OPTS_HELP);
	ck_assert_int_eq(PARSE("-h", "x"), NP_OPTS_HELP);
}
END_TEST

START_TEST(test_errors)
{
	ck_assert_int_eq(PARSE("-e", "bogus", "x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "unknown event 'bogus'"));
	ck_assert_int_eq(PARSE("-F", "0", "x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "bad frequency '0'"));
	ck_assert_int_eq(PARSE("-F", "abc", "x"), NP_OPTS_ERROR);
	ck_assert_int_eq(PARSE("-i", "10", "x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "bad interval '10'"));
	ck_assert_int_eq(PARSE("-F", "99", "-i", "1ms", "x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "not both"));
	ck_assert_int_eq(PARSE("-d", "soon", "x"), NP_OPTS_ERROR);
	ck_assert_int_eq(PARSE("-x", "x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "unknown option '-x'"));
	ck_assert_int_eq(PARSE("--frobnicate", "x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "unknown option '--frobnicate'"));
	ck_assert_int_eq(PARSE("-o"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "needs a value"));
	ck_assert_int_eq(PARSE("-q"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "no command"));
	ck_assert_int_eq(PARSE("-o", "", "x"), NP_OPTS_ERROR);
}
END_TEST

START_TEST(test_nativemem)
{
	ck_assert_int_eq(PARSE("--nativemem", "./demo"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, 512 * 1024);
	/* Memory alone: no CPU sampling unless asked for. */
	ck_assert_int_eq(o.session.engine, NP_ENGINE_NONE);
	ck_assert_int_eq(PARSE("--nativemem=0", "./demo"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, 0);
	ck_assert_int_eq(PARSE("--nativemem=64k", "-e", "cpu", "./demo"),
			 NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, 65536);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CPU);
	ck_assert_int_eq(PARSE("--nativemem", "-F", "999", "./demo"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CPU);
	ck_assert_uint_eq(o.session.freq_hz, 999);
	ck_assert_int_eq(PARSE("--nativemem=1m", "-i", "2ms", "./demo"),
			 NP_OPTS_OK);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CPU);
	ck_assert_int_eq(o.session.nativemem, 1 << 20);
	ck_assert_int_eq(PARSE("--nativemem=lots", "./demo"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "bad native memory interval 'lots'"));
	ck_assert_int_eq(PARSE("--nativemem=-1", "./demo"), NP_OPTS_ERROR);
	/* Without the option, memory stays off and CPU on. */
	ck_assert_int_eq(PARSE("./demo"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, -1);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CPU);
}
END_TEST

static int parse_attach(char *const *list, int n)
{
	words[0] = "attach";
	for (int i = 0; i < n; i++)
		words[i + 1] = list[i];
	words[n + 1] = NULL;
	return np_attach_opts_parse(n + 1, words, &o, err, sizeof(err));
}

#define ATTACH(...)                                                  \
	({                                                           \
		char *list_[] = { __VA_ARGS__ };                     \
		parse_attach(list_, (int)(sizeof(list_) / sizeof(list_[0]))); \
	})

START_TEST(test_attach)
{
	ck_assert_int_eq(ATTACH("1234"), NP_OPTS_OK);
	ck_assert_int_eq(o.pid, 1234);
	ck_assert_int_eq(o.session.nativemem, -1);
	ck_assert_str_eq(o.output, "samples.dat");
	/* The PID may come before the options. */
	ck_assert_int_eq(ATTACH("42", "-d", "2", "-q"), NP_OPTS_OK);
	ck_assert_int_eq(o.pid, 42);
	ck_assert_uint_eq(o.session.duration_ns, 2000000000ull);
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_int_eq(ATTACH("--nativemem", "7"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, NP_NATIVEMEM_DEFAULT);
	ck_assert_int_eq(ATTACH("--nativemem=1m", "-e", "ctimer", "7"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, 1 << 20);
	ck_assert_int_eq(o.session.engine, NP_ENGINE_CTIMER);
	ck_assert_int_eq(ATTACH("--nativemem=lots", "7"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "bad native memory interval 'lots'"));
	ck_assert_int_eq(ATTACH("--nativemem=0", "7"), NP_OPTS_OK);
	ck_assert_int_eq(o.session.nativemem, 0);
	ck_assert_int_eq(ATTACH("-q"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "no process to attach to"));
	ck_assert_int_eq(ATTACH("12x"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "bad PID '12x'"));
	ck_assert_int_eq(ATTACH("0"), NP_OPTS_ERROR);
	ck_assert_int_eq(ATTACH("99999999999"), NP_OPTS_ERROR);
	ck_assert_int_eq(ATTACH("1", "2"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "one PID only"));
	ck_assert_int_eq(ATTACH("-x", "1"), NP_OPTS_ERROR);
	ck_assert(strstr(err, "nprof attach --help"));
	ck_assert_int_eq(ATTACH("-h"), NP_OPTS_HELP);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record-options");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_nativemem);
	tcase_add_test(tc, test_attach);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
