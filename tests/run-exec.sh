#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A command that execs (itself, through execl, execv, execve and execle) is
# not harmed under any engine: the session ends cleanly at the first exec
# (agent_stop exec), and neither the itimer nor a pending SIGPROF, which both
# survive exec, reach the new program (it would die of SIGPROF: exit 155).
# The same in --nativemem mode, alone or with CPU sampling: the session
# ends at the exec there too.  An exec that cannot succeed (no such file)
# does not end it: the program goes on, and so does its profile.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

REEXEC=$abs_top_builddir/tests/workloads/reexec
[ -x "$REEXEC" ] || fail_ "$REEXEC is not built"

for engine in cpu ctimer itimer; do
	for round in 1 2 3; do
		run_nprof 120 record -q -e "$engine" -F 999 -o out.dat -- "$REEXEC" 8
		[ "$rc" -eq 7 ] ||
			fail_ "-e $engine, round $round: the exec'ing command exited $rc, expected 7"
	done
	report_ok header out.dat --header
	grep -q '^agent stop: exec' header ||
		fail_ "-e $engine: the session did not end at the exec"
done

for opts in "--nativemem=0" "--nativemem=64k -e cpu"; do
	# shellcheck disable=SC2086 # $opts is split on purpose
	run_nprof 120 record -q $opts -o out.dat -- "$REEXEC" 3
	[ "$rc" -eq 7 ] ||
		fail_ "$opts: the exec'ing command exited $rc, expected 7"
	report_ok header out.dat --header
	grep -q '^agent stop: exec' header ||
		fail_ "$opts: the session did not end at the exec"
	grep -q '^file: complete' header || fail_ "$opts: the file is not whole"
done

for opts in "-e cpu" "--nativemem=0 -e cpu"; do
	# shellcheck disable=SC2086 # $opts is split on purpose
	run_nprof 120 record -q $opts -o out.dat -- "$EXIT_STATUS" --exec-missing \
		--spin 0.5 3
	[ "$rc" -eq 3 ] || fail_ "$opts: exit-status --exec-missing exited $rc, expected 3"
	report_ok header out.dat --header
	grep -q '^agent stop: exit' header ||
		fail_ "$opts: the session did not go on after the failed execs: $(grep '^agent stop' header)"
	report_ok collapsed out.dat --format=collapsed
	[ "$(collapsed_incl_count collapsed spin_for)" -gt 0 ] ||
		fail_ "$opts: nothing sampled after the failed execs"
done
exit 0
