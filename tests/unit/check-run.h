/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The end of every unit test's main(): run the suite, say how it went. */
#ifndef NPROF_CHECK_RUN_H
#define NPROF_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/* Runs S and returns main()'s exit status. */
static inline int np_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* NPROF_CHECK_RUN_H */
