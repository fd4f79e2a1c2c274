/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the writer's priority boost (src/agent/writer-boost.c), on
 * the test's own thread: raised relative to where it started once the
 * queues are more than an eighth full, kept until they are under a
 * thirty-second, lowered back; where the kernel refuses, asked once only
 * and the thread left as it was.
 */
#include "config.h"

#include <check.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "clock.h"
#include "writer-boost.h"

static int my_nice(void)
{
	return getpriority(PRIO_PROCESS, (id_t)np_gettid());
}

START_TEST(test_raise_and_lower)
{
	struct np_writer_boost b;

	/* From a nice value of 3: the boost is relative to it. */
	ck_assert_int_eq(setpriority(PRIO_PROCESS, (id_t)np_gettid(), 3), 0);
	np_writer_boost_init(&b);
	ck_assert_int_eq(b.base_nice, 3);
	np_writer_boost_update(&b, 0);
	np_writer_boost_update(&b, 1024 / 8);
	ck_assert_int_eq(my_nice(), 3);
	ck_assert_uint_eq(b.times + b.refused, 0);
	np_writer_boost_update(&b, 1024 / 8 + 1);
	if (b.refused) {
		/* No CAP_SYS_NICE here (the suite runs as root in CI). */
		ck_assert_int_eq(my_nice(), 3);
		return;
	}
	ck_assert_int_eq(my_nice(), -2);
	np_writer_boost_update(&b, 1024 / 32);
	ck_assert_int_eq(my_nice(), -2);
	np_writer_boost_update(&b, 1024 / 32 - 1);
	ck_assert_int_eq(my_nice(), 3);
	np_writer_boost_update(&b, 1024);
	ck_assert_int_eq(my_nice(), -2);
	ck_assert_uint_eq(b.times, 2);
	np_writer_boost_end(&b);
	ck_assert_int_eq(my_nice(), 3);
	ck_assert_uint_eq(b.refused, 0);
	/* Back to 0 for whatever runs next in this process. */
	setpriority(PRIO_PROCESS, (id_t)np_gettid(), 0);
}
END_TEST

/* In a child of our own (the test may run in Check's process: CK_FORK=no
 * under qemu-user), without the right to raise a priority: 0 if the boost
 * asks once, is refused, never asks again and leaves the nice value be;
 * else where it went wrong. */
static int refused_child(void)
{
	struct rlimit none = { 0, 0 };
	struct np_writer_boost b;
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setrlimit(RLIMIT_NICE, &none) != 0 ||
		    (geteuid() == 0 && setuid(65534) != 0))
			_exit(1);
		np_writer_boost_init(&b);
		np_writer_boost_update(&b, 1024);
		if (b.refused != 1 || b.times != 0 ||
		    my_nice() != b.base_nice)
			_exit(2);
		np_writer_boost_update(&b, 1024);
		np_writer_boost_end(&b);
		_exit(b.refused == 1 && my_nice() == b.base_nice ? 0 : 3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_refused_once)
{
	ck_assert_int_eq(refused_child(), 0);
}
END_TEST

static Suite *writer_boost_suite(void)
{
	Suite *s = suite_create("writer_boost");
	TCase *tc = tcase_create("nice");

	tcase_add_test(tc, test_raise_and_lower);
	tcase_add_test(tc, test_refused_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return np_check_run(writer_boost_suite());
}
