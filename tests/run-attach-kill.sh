#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of nprof attach during a session: the target goes on running, its
# agent notices the stream's end and stops by itself (its writer thread
# goes away), and a new attach then works.  Once with a CPU session, once
# with a --nativemem one (with CPU sampling too): then the agent must also
# put back the GOT slots by itself, which attach-target sees through its
# pointer to malloc stored in data (and the plugin's), within a few seconds.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# wait_writer_gone WHAT: the agent's writer thread ends within 5 s.
wait_writer_gone()
{
	_n=0
	while grep -lq nprof-writer /proc/$target_pid/task/*/comm 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -le 50 ] || fail_ "$1: the agent still runs 5 s after nprof was killed"
		sleep 0.1
	done
}

start_target "$ATTACH_TARGET"
target_expect "load $ATTACH_PLUGIN" loaded

attach_bg -q -o killed.dat "$target_pid"
grep -lq nprof-writer /proc/$target_pid/task/*/comm ||
	fail_ "no agent writer thread in the target"
kill -9 $attach_pid
wait $attach_pid
target_expect "spin 0.3" spun
wait_writer_gone cpu
target_untouched
report_ok killed.txt killed.dat --header

attach_bg -q --nativemem -F 499 -o killed-mem.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "alloc 1000 5000" allocated
kill -9 $attach_pid
wait $attach_pid
# The target allocates on while the agent notices.
target_expect "palloc 1000 5000" allocated
target_until hooked "host 0 plugin 0"
wait_writer_gone nativemem
target_untouched
target_expect "spin 0.2" spun
report_ok killed-mem.txt killed-mem.dat --header

run_nprof 60 attach -q -d 0.5 -o again.dat "$target_pid"
[ "$rc" -eq 0 ] || fail_ "attach after the kill exited $rc"
attach_bg -q --nativemem=0 -o again-mem.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "alloc 10 700" allocated
attach_stop
target_expect hooked "host 0 plugin 0"
report_ok again-mem.txt again-mem.dat --alloc --format=collapsed
[ "$(collapsed_leaf_count again-mem.txt host_alloc)" -eq 7000 ] ||
	fail_ "after the kill: host_alloc has $(collapsed_leaf_count again-mem.txt host_alloc) bytes, expected 7000"
target_expect ping pong
target_expect quit bye
target_wait 7
exit 0
