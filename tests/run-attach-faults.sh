#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the process does during an attach session must not hurt it or the
# profile (faults during the injection itself are in
# run-attach-inject-faults.sh): it exits, dies of a signal, runs another
# program, forks a child that allocates a lot, is stopped and resumed, or is
# still stopped when nprof leaves.  Each time nprof ends by itself (or on
# SIGINT) with status 0, the file is whole, `report --header` says how the
# session ended, and the process keeps its own results and exit status; a
# forked child and an exec'd program run unprofiled and unharmed.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

[ -e "$ATTACH_PLUGIN" ] || fail_ "$ATTACH_PLUGIN is not built (make check builds it)"

# attach_wait WHEN: the background nprof attach ends by itself, status 0.
attach_wait()
{
	wait $attach_pid
	rc=$?
	cp "$T/attach.err" "$T/err"
	[ "$rc" -eq 0 ] || fail_ "nprof attach exited $rc when $1"
}

# whole NAME WHEN: NAME.dat is complete; its --header goes to NAME.txt.
whole()
{
	report_ok "$1.txt" "$1.dat" --header
	grep -q '^file: complete' "$1.txt" ||
		fail_ "$2: $1.dat is not whole: $(sed -n 2p "$1.txt")"
}

# state: the target's state letter.
state()
{
	sed 's/.*) //' "/proc/$target_pid/stat" | cut -c1
}

# new_target: attach-target with the plugin loaded.
new_target()
{
	start_target "$ATTACH_TARGET"
	target_expect "load $ATTACH_PLUGIN" loaded
}

## 1. The process exits in the middle of a session.
new_target
attach_bg -q --nativemem=0 -F 499 -o exit.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "spin 0.3" spun
target_expect "alloc 10 100" allocated
target_expect quit bye
target_wait 7
attach_wait "the process exited"
whole exit "exit"
grep -q '^agent stop: exit' exit.txt || fail_ "exit: the header does not say the process exited"
[ "$(header_samples exit.txt)" -gt 0 ] || fail_ "exit: no samples"

# Killed by a signal of its own (CPU), and by SIGKILL (native memory): the
# agent has no say, nprof does.
new_target
attach_bg -q -o raise.dat "$target_pid"
target_expect "spin 0.3" spun
printf 'raise 15\n' >&3
target_wait 143
attach_wait "the process died of SIGTERM"
whole raise "SIGTERM"
grep -q '^session end: the process exited' raise.txt ||
	fail_ "SIGTERM: the header does not say the process exited"

new_target
attach_bg -q --nativemem=0 -o killed.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "alloc 10 100" allocated
kill -KILL "$target_pid"
target_wait 137
attach_wait "the process was killed"
whole killed "SIGKILL"
grep -q '^session end: the process exited' killed.txt ||
	fail_ "SIGKILL: the header does not say the process exited"
report_ok killed-mem.txt killed.dat --alloc --format=collapsed
[ "$(collapsed_leaf_count killed-mem.txt host_alloc)" -eq 1000 ] ||
	fail_ "SIGKILL: host_alloc has $(collapsed_leaf_count killed-mem.txt host_alloc) bytes, expected 1000"

## 2. It runs another program: that one runs unprofiled, with its status.
# Native memory, and CPU with each engine: in an attach session the perf
# engine samples user time only (a sample in the exec system call would
# reach the new program as a SIGPROF: before, 16 execs in 30 died of it
# at 999 Hz), and itimer, which survives exec, is not used.  perf three
# times, at 999 Hz, where a pending SIGPROF was most likely.
for args in "--nativemem=0" "-e ctimer -F 499" "-F 999" "-F 999" "-F 999" \
	"-e itimer -F 499"; do
	new_target
	# shellcheck disable=SC2086 # the options are words
	attach_bg -q $args -o exec.dat "$target_pid"
	target_expect "spin 0.2" spun
	rm -f ran
	target_expect "exec $EXIT_STATUS --touch $T/ran --spin 1 5" "exit-status: spun"
	target_wait 5
	[ -e ran ] || fail_ "exec ($args): the new program did not run"
	attach_wait "the process ran another program"
	whole exec "exec ($args)"
	grep -q '^session end: the process ran another program (exec)' exec.txt ||
		fail_ "exec ($args): the header does not say the process ran another program"
	run_nprof 60 report --format=collapsed exec.dat
	[ "$rc" -eq 0 ] || fail_ "exec ($args): report exited $rc"
	! grep -q spin_for "$T/out" ||
		fail_ "exec ($args): the new program was profiled"
	case $args in
	*itimer*)
		grep -q '^engine: none .*survives an exec' exec.txt ||
			fail_ "exec ($args): itimer was not refused with its reason"
		;;
	esac
done

## 3. It forks a child that allocates and frees a lot: the child inherits
# the patched slots, which must lead to nothing of the session's.  The
# parent's session goes on and counts its own allocations to the byte.
new_target
attach_bg -q --nativemem=0 -F 499 -o fork.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "fork 200000 100" "child 0"
target_expect "fork 2000 100000" "child 0"
target_expect "alloc 100 1000" allocated
target_expect "spin 0.3" spun
target_expect hooked "host 1 plugin 1"
attach_stop
target_untouched
target_expect hooked "host 0 plugin 0"
whole fork "fork"
report_ok fork-mem.txt fork.dat --alloc --format=collapsed
[ "$(collapsed_leaf_count fork-mem.txt host_alloc)" -eq 100000 ] ||
	fail_ "fork: host_alloc has $(collapsed_leaf_count fork-mem.txt host_alloc) bytes, expected 100000"
! grep -q child_alloc fork-mem.txt || fail_ "fork: the child's allocations were recorded"
report_ok fork-cpu.txt fork.dat --cpu --format=collapsed
grep -q plugin_hot_loop fork-cpu.txt || fail_ "fork: the session stopped sampling the parent"
! grep -q child_alloc fork-cpu.txt || fail_ "fork: the child was sampled"
# CPU only: the child inherits the SIGPROF handler, not the timers.
for engine in cpu ctimer; do
	attach_bg -q -e $engine -F 999 -o fork-$engine.dat "$target_pid"
	target_expect "fork 3000 100000" "child 0"
	target_expect "spin 0.3" spun
	attach_stop
	target_untouched
	report_ok fork-$engine.txt fork-$engine.dat --format=collapsed
	grep -q plugin_hot_loop fork-$engine.txt ||
		fail_ "fork ($engine): the session stopped sampling the parent"
	! grep -q child_alloc fork-$engine.txt || fail_ "fork ($engine): the child was sampled"
done
target_expect quit bye
target_wait 7

## 4. SIGSTOP and SIGCONT during the session: it goes on.
new_target
attach_bg -q --nativemem=0 -F 499 -o stop.dat "$target_pid"
target_until hooked "host 1 plugin 1"
kill -STOP "$target_pid"
sleep 1
[ "$(state)" = T ] || fail_ "SIGSTOP: the target is in state '$(state)'"
kill -CONT "$target_pid"
target_expect "spin 0.3" spun
target_expect "alloc 10 100" allocated
attach_stop
target_untouched
target_expect hooked "host 0 plugin 0"
whole stop "stopped and resumed"
[ "$(header_samples stop.txt)" -gt 0 ] || fail_ "SIGSTOP: no samples"
report_ok stop-mem.txt stop.dat --alloc --format=collapsed
[ "$(collapsed_leaf_count stop-mem.txt host_alloc)" -eq 1000 ] ||
	fail_ "SIGSTOP: host_alloc has $(collapsed_leaf_count stop-mem.txt host_alloc) bytes, expected 1000"

# Still stopped when the session ends: nprof leaves it stopped, the agent
# ends the session (and unpatches) once it runs again.
attach_bg -q --nativemem=0 -o stopped.dat "$target_pid"
target_until hooked "host 1 plugin 1"
kill -STOP "$target_pid"
stopped_state=$(state)
attach_stop
[ "$(state)" = T ] || fail_ "stopped: nprof left the target in state '$(state)'"
if ! grep -q 'did not finish its stream in time' "$T/attach.err"; then
	"$NPROF" report --header stopped.dat >stopped-why.txt 2>&1
	fail_ "stopped: nprof did not say the agent could not finish (state '$stopped_state' after SIGSTOP; $(grep -i 'stop\|end' stopped-why.txt | tr '\n' ' '))"
fi
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$target_pid/status" ||
	fail_ "stopped: the target is traced"
whole stopped "stopped at the end"
grep -q '^session end: the agent did not finish in time' stopped.txt ||
	fail_ "stopped: the header does not say the session was cut"
kill -CONT "$target_pid"
target_until hooked "host 0 plugin 0"
target_untouched
run_nprof 60 attach -q -d 0.5 -o again.dat "$target_pid"
[ "$rc" -eq 0 ] || fail_ "attach after the stopped session exited $rc"
target_expect ping pong
target_expect quit bye
target_wait 7
[ ! -s "$T/target.err" ] || fail_ "the target wrote to stderr: $(head -n 3 "$T/target.err")"
exit 0
