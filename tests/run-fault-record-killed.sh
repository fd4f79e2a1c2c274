#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of nprof record mid-session, in CPU mode (perf, and the
# process-wide itimer) and in --nativemem=0 mode: the command goes on
# running (it is nprof's child, and is reparented), its agent notices the
# stream's end and stops by itself (its writer thread goes away; in
# --nativemem mode the pointer to malloc stored in the command's data leads
# to malloc again), and the command finishes its work and exits with its
# own status.  What nprof had written reads as a file cut short.
# (run-attach-kill.sh does the same to nprof attach.)
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

TARGET=$FAULT_TARGET
[ -x "$TARGET" ] || fail_ "$TARGET is not built"

# written_some MODE: what nprof wrote so far holds CPU samples (or, for
# mem, allocation events).
written_some()
{
	"$NPROF" report --header "$1.dat" >"$1.partial" 2>/dev/null
	if [ "$1" = mem ]; then
		_count=$(header_value "$1.partial" 'allocation events')
	else
		_count=$(header_samples "$1.partial")
	fi
	[ "${_count:-0}" -gt 0 ]
}

writer_gone()
{
	! grep -lqx nprof-writer /proc/$pid/task/*/comm 2>/dev/null
}

# The exact-mode round reads its growing file while it waits: with a slow
# CLI (sanitizers, valgrind) the command ended before the kill under load,
# not understood yet; the plain build runs it.
modes="cpu itimer mem"
slow_cli && modes="cpu itimer"
for mode in $modes; do
	case $mode in
	cpu) opts="-F 499" ;;
	itimer) opts="-e itimer -F 499" ;;
	mem) opts="--nativemem=0" ;;
	esac
	rm -f p.$mode d.$mode
	last_cmd="nprof record -q $opts -o $mode.dat -- fault-target"
	# shellcheck disable=SC2086 # $opts is split on purpose
	"$NPROF" record -q $opts -o $mode.dat -- "$TARGET" --progress p.$mode \
		--done d.$mode --until $mode.enough --exit 5 600 \
		</dev/null >out.$mode 2>"$T/err" &
	nprof_pid=$!
	# The session runs, and nprof has written some of it (it writes
	# what it has four times a second).
	wait_for "$mode: fault-target made no progress in 30 s" 30 \
		test -s p.$mode
	pid=$(awk '$1 == "pid" { print $2; exit }' p.$mode)
	wait_for "$mode: no agent writer thread in fault-target" 30 \
		grep -lqx nprof-writer /proc/$pid/task/*/comm
	wait_for "$mode: nothing recorded after 30 s" 30 written_some $mode
	kill -9 $nprof_pid
	wait $nprof_pid
	rc=$?
	[ "$rc" -eq 137 ] || fail_ "$mode: nprof exited $rc, not killed"
	killed_at=$(progress_rounds p.$mode)

	# The agent stops by itself, and the command goes on.
	wait_for "$mode: the agent still runs 10 s after nprof was killed" 10 \
		writer_gone
	# Nor does it leave a perf event open (CPU sampling stopped).
	for fd in "/proc/$pid/fd/"*; do
		case $(readlink "$fd") in
		*perf_event*) fail_ "$mode: a perf event is still open in fault-target" ;;
		esac
	done
	wait_for "$mode: no progress in 30 s after the kill" 30 \
		progress_beyond p.$mode "$killed_at"
	touch $mode.enough
	wait_for "$mode: fault-target did not finish in 60 s" 60 test -s d.$mode
	grep -qx 'exit 5' d.$mode || fail_ "$mode: fault-target did not finish: $(cat d.$mode)"
	rounds=$(awk '$1 == "rounds" { print $2 }' d.$mode)
	[ "$rounds" -gt "$killed_at" ] ||
		fail_ "$mode: no progress after the kill ($killed_at rounds then, $rounds at the end)"
	if [ $mode = mem ]; then
		grep -qx 'restored 1' d.$mode ||
			fail_ "mem: the agent left the GOT slot patched after nprof was killed"
	fi
	# Its own status: the process is gone once it wrote the done file.
	wait_for "$mode: fault-target still runs after its done file" 10 \
		sh -c "! kill -0 $pid 2>/dev/null"
	note_ "$mode: $killed_at rounds at the kill, $rounds at the end"

	# What was written reads up to its last whole record.
	[ -s $mode.dat ] || fail_ "$mode: nprof wrote nothing before the kill"
	report_ok $mode.header $mode.dat --header
	grep -q '^file: cut short' $mode.header ||
		fail_ "$mode: --header does not say the file is cut short"
	grep -q '^end record: none' $mode.header ||
		fail_ "$mode: --header shows an end record"
	if [ $mode = mem ]; then
		report_ok $mode.txt $mode.dat --alloc --format=collapsed
		[ "$(collapsed_incl_count $mode.txt work_round)" -gt 0 ] ||
			fail_ "mem: no allocation by work_round in what was written"
	else
		report_ok $mode.txt $mode.dat
	fi
done
exit 0
