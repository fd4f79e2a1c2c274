#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults in the middle of the injection: the process is killed, stopped
# with SIGSTOP, or forks (attach-target's forker thread forks a child
# every millisecond) while nprof holds a thread of it.  The test-only
# NPROF_TEST_INJECT_PAUSE=STAGE (HACKING) makes the injector wait at each
# stage in turn: a thread stopped, its state saved, before dlopen, before
# the agent's start.  nprof either attaches or says why not in one line
# (exit 1, no file); the process is never left traced, a stopped one stays
# stopped and then answers as before (its blocked read restarted), and
# children forked meanwhile all exit 0 and are not profiled.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# paused_attach STAGE ARGS...: nprof attach ARGS in the background, stderr
# in $T/attach.err; returns once the injector waits at STAGE.
paused_attach()
{
	_stage=$1
	shift
	last_cmd="NPROF_TEST_INJECT_PAUSE=$_stage nprof attach $*"
	: >"$T/attach.err"
	NPROF_TEST_INJECT_PAUSE=$_stage NPROF_TEST_INJECT_PAUSE_SECS=2 \
		"$NPROF" attach "$@" </dev/null >"$T/attach.out" 2>"$T/attach.err" &
	attach_pid=$!
	_n=0
	until grep -q "^nprof: test: paused at $_stage\$" "$T/attach.err"; do
		kill -0 $attach_pid 2>/dev/null || {
			cp "$T/attach.err" "$T/err"
			fail_ "nprof attach ended before it paused at $_stage"
		}
		_n=$((_n + 1))
		[ $_n -le 600 ] || fail_ "nprof attach did not pause at $_stage in 30 s"
		sleep 0.05
	done
}

# attach_done: waits for it; $rc, and its stderr without the pause line in
# $T/err.
attach_done()
{
	wait $attach_pid
	rc=$?
	grep -v '^nprof: test: paused at ' "$T/attach.err" >"$T/err"
}

# state: the target's state letter.
state()
{
	sed 's/.*) //' "/proc/$target_pid/stat" | cut -c1
}

for stage in stopped prepared dlopen start; do
	# Killed: nprof says the process exited, and writes no file.
	start_target "$ATTACH_TARGET"
	target_expect ping pong
	paused_attach $stage -q -o kill.dat "$target_pid"
	kill -KILL "$target_pid"
	attach_done
	expect_error
	grep -q "the process exited while nprof was attaching" "$T/err" ||
		fail_ "killed at $stage: $(cat "$T/err")"
	[ ! -e kill.dat ] || fail_ "killed at $stage: a failed attach left kill.dat"
	target_wait 137

	# Stopped: the call goes on, the process stays stopped, and once
	# resumed it answers and unpatches by itself.
	start_target "$ATTACH_TARGET"
	target_expect ping pong
	paused_attach $stage -q -d 0.5 --nativemem=0 -o stop.dat "$target_pid"
	kill -STOP "$target_pid"
	attach_done
	if [ "$rc" -eq 0 ]; then
		report_ok stop.txt stop.dat --header
	else
		expect_error
		note_ "stopped at $stage: $(cat "$T/err")"
	fi
	[ "$(state)" = T ] || fail_ "stopped at $stage: the target is in state '$(state)'"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$target_pid/status" ||
		fail_ "stopped at $stage: the target is still traced"
	kill -CONT "$target_pid"
	target_expect ping pong
	target_until hooked "host 0 plugin -"
	target_untouched
	run_nprof 60 attach -q -d 0.3 -o again.dat "$target_pid"
	[ "$rc" -eq 0 ] || fail_ "stopped at $stage: the next attach exited $rc"
	target_expect quit bye
	target_wait 7

	# Forking all along: the attach works, no child is hurt or recorded.
	start_target "$ATTACH_TARGET" forker
	target_expect ping pong
	paused_attach $stage -q -d 1 --nativemem=0 -o fork.dat "$target_pid"
	attach_done
	[ "$rc" -eq 0 ] || fail_ "forking at $stage: nprof attach exited $rc"
	target_untouched
	target_expect hooked "host 0 plugin -"
	run_nprof 60 report --alloc --format=collapsed fork.dat
	[ "$rc" -eq 0 ] || fail_ "forking at $stage: report exited $rc"
	! grep -q child_alloc "$T/out" || fail_ "forking at $stage: a child was recorded"
	printf 'forks\n' >&3
	target_read
	case $answer in
	"forks "*" failed 0") note_ "forking at $stage: $answer" ;;
	*) fail_ "forking at $stage: the forker says '$answer'" ;;
	esac
	target_expect quit bye
	target_wait 7
	[ ! -s "$T/target.err" ] || fail_ "$stage: the target wrote to stderr"
done
exit 0
