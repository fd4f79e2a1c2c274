/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the flame graph page's escaping: a name becomes a JSON
 * string that nothing in it can end, nor the script element around it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "check-run.h"
#include "report-flamegraph.h"

static char *escaped(const char *name)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	np_flamegraph_put_string(f, name);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

START_TEST(test_escaping)
{
	static const struct {
		const char *name, *json;
	} cases[] = {
		{ "main", "\"main\"" },
		{ "", "\"\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "</script><script>alert(1)</script>",
		  "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"
		  "\\u003c/script\\u003e\"" },
		{ "operator<<&", "\"operator\\u003c\\u003c\\u0026\"" },
		{ "tab\there\nline\x7f", "\"tab\\u0009here\\u000aline\\u007f\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = escaped(cases[i].name);

		ck_assert_str_eq(text, cases[i].json);
		free(text);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flamegraph");
	TCase *tc = tcase_create("flamegraph");

	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);
	return np_check_run(s);
}
