/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the option parser of `nprof report`, a pure function: the
 * views, --at, --format, --top, the file, and the messages of bad ones.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "report-options.h"
#include "report.h"

/* Parses a command line given as one string of words. */
static int parse(struct np_report_options *o, const char *line, char *err,
		 size_t err_size)
{
	static char words[256];
	char *argv[32];
	int argc = 0;

	snprintf(words, sizeof(words), "report %s", line);
	for (char *w = strtok(words, " "); w && argc < 31;
	     w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	return np_report_options_parse(o, argc, argv, err, err_size);
}

START_TEST(test_report_options)
{
	struct np_report_options o;
	char err[256];

	ck_assert_int_eq(parse(&o, "", err, sizeof(err)), 0);
	ck_assert_str_eq(o.file, "samples.dat");
	ck_assert_ptr_eq(o.format, &np_report_text);
	ck_assert_uint_eq(o.top, 20);
	ck_assert(!o.top_given && !o.header && !o.help && !o.at_given);
	ck_assert(!o.lines);
	ck_assert_int_eq(o.mode, NP_REPORT_AUTO);

	/* Options after the file, and both spellings of a value. */
	ck_assert_int_eq(parse(&o, "x.dat --format=tree --top 5 --cpu", err,
			       sizeof(err)), 0);
	ck_assert_str_eq(o.file, "x.dat");
	ck_assert_int_eq(o.mode, NP_REPORT_CPU);
	ck_assert_ptr_eq(o.format, &np_report_tree);
	ck_assert_uint_eq(o.top, 5);
	ck_assert(o.top_given);
	ck_assert_int_eq(parse(&o, "--format collapsed --header --top=0", err,
			       sizeof(err)), 0);
	ck_assert_ptr_eq(o.format, &np_report_collapsed);
	ck_assert(o.header);
	ck_assert_uint_eq(o.top, 0);
	ck_assert_int_eq(parse(&o, "x.dat --lines --format=tree", err,
			       sizeof(err)), 0);
	ck_assert(o.lines);
	ck_assert_int_eq(parse(&o, "--lines=yes", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--lines' takes no value"));
	/* "--" ends the options: a file may look like one. */
	ck_assert_int_eq(parse(&o, "-- --top", err, sizeof(err)), 0);
	ck_assert_str_eq(o.file, "--top");
	ck_assert_int_eq(parse(&o, "-h", err, sizeof(err)), 0);
	ck_assert(o.help);

	ck_assert_int_eq(parse(&o, "--format=svg", err, sizeof(err)), -1);
	ck_assert_str_eq(
	    err, "unknown format 'svg' (choose text, tree, collapsed, "
		 "flamegraph, pprof or timeline)");
	ck_assert_int_eq(parse(&o, "--top -3", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'-3'"));
	ck_assert_int_eq(parse(&o, "--top 12abc", err, sizeof(err)), -1);
	ck_assert_int_eq(parse(&o, "--top 99999999999999999999", err,
			       sizeof(err)), -1);
	ck_assert_int_eq(parse(&o, "--top", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--top' needs a value"));
	ck_assert_int_eq(parse(&o, "--bogus", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--bogus'"));
	ck_assert_int_eq(parse(&o, "-z", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'-z'"));
	ck_assert_int_eq(parse(&o, "--header=yes", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--header' takes no value"));
	ck_assert_int_eq(parse(&o, "a.dat b.dat", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'b.dat'"));
}
END_TEST

START_TEST(test_views)
{
	static const struct {
		const char *line;
		enum np_report_mode mode;
	} ok[] = {
		{ "--cpu", NP_REPORT_CPU },
		{ "--alloc", NP_REPORT_ALLOC },
		{ "--leaks x.dat", NP_REPORT_LEAKS },
		{ "x.dat --live", NP_REPORT_LIVE },
		/* The same view twice is still one view. */
		{ "--alloc --format=tree --alloc", NP_REPORT_ALLOC },
	};
	struct np_report_options o;
	char err[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(parse(&o, ok[i].line, err, sizeof(err)), 0);
		ck_assert_int_eq(o.mode, ok[i].mode);
		ck_assert(!o.at_given);
	}

	ck_assert_int_eq(parse(&o, "--alloc --leaks", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "'--alloc' and '--leaks' are two views: choose "
			      "one");
	ck_assert_int_eq(parse(&o, "--live x.dat --cpu", err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "'--live' and '--cpu' are two views: choose one");
	ck_assert_int_eq(parse(&o, "--alloc=yes", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--alloc' takes no value"));
}
END_TEST

START_TEST(test_at)
{
	static const struct {
		const char *line;
		uint64_t ns;
	} ok[] = {
		{ "--live --at 2.5", 2500000000ull },
		{ "--at=0 --live", 0 },
		{ "--live --at 0.000000001", 1 },
		{ "--live --at .25", 250000000ull },
		{ "--live --at 3.", 3000000000ull },
		{ "--live --at 86400", 86400000000000ull },
		/* Beyond any recording, but not "the end". */
		{ "--live --at 99999999999999999999", UINT64_MAX - 1 },
	};
	static const char *const bad[] = {
		"x", "-1", "1e3", "0x10", "inf", "nan", "1.2.3", ".", "2s",
		"+1", "",
	};
	struct np_report_options o;
	char err[256], line[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(parse(&o, ok[i].line, err, sizeof(err)), 0);
		ck_assert_int_eq(o.mode, NP_REPORT_LIVE);
		ck_assert(o.at_given);
		ck_assert_uint_eq(o.at_ns, ok[i].ns);
	}
	/* --at alone is for --live. */
	ck_assert_int_eq(parse(&o, "--at 1", err, sizeof(err)), 0);
	ck_assert_int_eq(o.mode, NP_REPORT_LIVE);
	ck_assert_str_eq(o.at_arg, "1");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* parse() splits at spaces: use the --at=VALUE form. */
		snprintf(line, sizeof(line), "--live --at=%s", bad[i]);
		ck_assert_int_eq(parse(&o, line, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "invalid --at '"));
		ck_assert_ptr_nonnull(strstr(err, bad[i]));
	}
	ck_assert_int_eq(parse(&o, "--live --at x", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid --at 'x' (give the seconds after the "
			      "start of the recording, like 2.5)");
	ck_assert_int_eq(parse(&o, "--live --at", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--at' needs a value"));
	ck_assert_int_eq(parse(&o, "--at 1 --alloc", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "'--at' is a moment for '--live', not for "
			      "'--alloc'");
	ck_assert_int_eq(parse(&o, "--cpu --at 1", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not for '--cpu'"));
}
END_TEST

START_TEST(test_output_and_filters)
{
	struct np_report_options o;
	char err[256];

	ck_assert_int_eq(parse(&o, "", err, sizeof(err)), 0);
	ck_assert_ptr_null(o.output);
	ck_assert_ptr_null(o.diff);
	ck_assert(!o.tid_given && !o.min_percent_given);
	ck_assert_uint_eq(o.since_ns, 0);
	ck_assert_uint_eq(o.until_ns, UINT64_MAX);

	ck_assert_int_eq(parse(&o, "-o out.pb.gz --format=pprof --tid 42 "
				   "--since 1.5 --until=3 --focus ^work "
				   "--exclude=idle --min-percent 0.5 "
				   "--diff base.dat x.dat",
			       err, sizeof(err)), 0);
	ck_assert_str_eq(o.output, "out.pb.gz");
	ck_assert_ptr_eq(o.format, &np_report_pprof);
	ck_assert(o.tid_given);
	ck_assert_uint_eq(o.tid, 42);
	ck_assert_uint_eq(o.since_ns, 1500000000ull);
	ck_assert_uint_eq(o.until_ns, 3000000000ull);
	ck_assert_str_eq(o.focus, "^work");
	ck_assert_str_eq(o.exclude, "idle");
	ck_assert(o.min_percent_given);
	ck_assert(o.min_percent > 0.49 && o.min_percent < 0.51);
	ck_assert_str_eq(o.diff, "base.dat");
	ck_assert_str_eq(o.file, "x.dat");
	ck_assert_int_eq(parse(&o, "--thread worker", err, sizeof(err)), 0);
	ck_assert_str_eq(o.thread, "worker");
	ck_assert_int_eq(parse(&o, "--thread w --tid 3", err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "'--tid' and '--thread' both choose threads: "
			      "give one");
	ck_assert_int_eq(parse(&o, "--output=f --format=flamegraph", err,
			       sizeof(err)), 0);
	ck_assert_str_eq(o.output, "f");
	ck_assert_ptr_eq(o.format, &np_report_flamegraph);

	ck_assert_int_eq(parse(&o, "--tid 0", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid --tid '0' (give a thread id, like "
			      "1234)");
	ck_assert_int_eq(parse(&o, "--tid 99999999999", err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse(&o, "--since -1", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid --since '-1'"));
	ck_assert_int_eq(parse(&o, "--until x", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid --until 'x'"));
	ck_assert_int_eq(parse(&o, "--since 3 --until 2", err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "'--since' is after '--until'"));
	ck_assert_int_eq(parse(&o, "--min-percent 101", err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid --min-percent '101'"));
	ck_assert_int_eq(parse(&o, "--min-percent 100", err, sizeof(err)), 0);
	ck_assert_int_eq(parse(&o, "-o", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'--output' needs a value"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report options");
	TCase *tc = tcase_create("report options");

	tcase_add_test(tc, test_report_options);
	tcase_add_test(tc, test_views);
	tcase_add_test(tc, test_at);
	tcase_add_test(tc, test_output_and_filters);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
