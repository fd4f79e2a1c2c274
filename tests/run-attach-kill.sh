#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of nprof attach during a session: the target goes on running, its
# agent notices the stream's end and stops by itself (its writer thread
# goes away), and a new attach then works.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

start_target "$ATTACH_TARGET"
target_expect "load $ATTACH_PLUGIN" loaded
attach_bg -q -o killed.dat "$target_pid"
grep -lq nprof-writer /proc/$target_pid/task/*/comm ||
	fail_ "no agent writer thread in the target"
kill -9 $attach_pid
wait $attach_pid
target_expect "spin 0.3" spun

n=0
while grep -lq nprof-writer /proc/$target_pid/task/*/comm 2>/dev/null; do
	n=$((n + 1))
	[ $n -le 50 ] || fail_ "the agent still runs 5 s after nprof was killed"
	sleep 0.1
done
target_untouched
report_ok killed.txt killed.dat --header

run_nprof 60 attach -q -d 0.5 -o again.dat "$target_pid"
[ "$rc" -eq 0 ] || fail_ "attach after the kill exited $rc"
target_expect ping pong
target_expect quit bye
target_wait 7
exit 0
