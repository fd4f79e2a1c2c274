#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the command does to a record session, in CPU and --nativemem=0
# mode (exec is run-exec.sh's, a command that kills itself
# run-exit-status.sh's):
# - it forks: the child is not profiled; it keeps the agent's GOT patches
#   (putting them back in a child that only one thread came into is not
#   safe), but the hooks find no session there and only call the real
#   function: the child allocates a lot through the patched pointer and
#   exits 0, and none of its allocations reach the file;
# - it is stopped (SIGSTOP) and continued: the session goes on, the file is
#   whole, nprof exits with the command's status;
# - it is killed by a signal N from outside: nprof exits 128+N and the file
#   is whole.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

TARGET=$FAULT_TARGET
[ -x "$TARGET" ] || fail_ "$TARGET is not built"

# start NAME OPTS...: nprof record OPTS -- fault-target in the background
# (progress in NAME.p, stderr in NAME.err); sets $nprof_pid and, once the
# command runs under its agent, $pid.
start()
{
	_name=$1
	shift
	rm -f $_name.p
	last_cmd="nprof record $* -- fault-target"
	"$NPROF" record -q "$@" -- "$TARGET" --progress $_name.p \
		--until $_name.enough --exit 9 600 </dev/null >$_name.out \
		2>$_name.err &
	nprof_pid=$!
	wait_for "$_name: no agent in fault-target after 30 s" 30 agent_runs $_name
}

# agent_runs NAME: NAME's fault-target runs its agent's writer; sets $pid.
agent_runs()
{
	[ -s $1.p ] && pid=$(awk '$1 == "pid" { print $2; exit }' $1.p) &&
		grep -lqx nprof-writer /proc/$pid/task/*/comm 2>/dev/null
}

# samples_on_file DATA: what nprof wrote to DATA so far has samples.
samples_on_file()
{
	"$NPROF" report --header "$1" >partial 2>/dev/null &&
		[ "$(header_samples partial)" -gt 0 ]
}

# finish NAME STATUS: waits for nprof, which must exit STATUS; the file
# must be whole.
finish()
{
	wait $nprof_pid
	rc=$?
	cp $1.err "$T/err"
	[ "$rc" -eq "$2" ] || fail_ "$1: record exited $rc, expected $2"
	report_ok $1.header $1.dat --header
	grep -q '^file: complete' $1.header || fail_ "$1: the file is not whole"
}

# The exact-mode rounds, as in run-fault-record-killed.sh, only with a
# CLI that is not slowed down (sanitizers, valgrind).
modes="cpu mem"
slow_cli && modes="cpu"
for mode in $modes; do
	case $mode in
	cpu) opts="-F 499" slot=real ;;
	mem) opts="--nativemem=0 -F 499" slot=hook ;;
	esac

	# fork
	# shellcheck disable=SC2086 # $opts is split on purpose
	run_nprof 120 record -q $opts -o fork-$mode.dat -- \
		"$TARGET" --fork --exit 9 1.5
	[ "$rc" -eq 9 ] || fail_ "fork-$mode: record exited $rc, expected 9"
	grep -qx 'child 0' "$T/out" ||
		fail_ "fork-$mode: the forked child failed: $(cat "$T/out")"
	grep -qx "child rounds 20000 slot $slot" "$T/out" ||
		fail_ "fork-$mode: expected the child's slot to be '$slot': $(grep '^child' "$T/out")"
	report_ok fork-$mode.header fork-$mode.dat --header
	grep -q '^file: complete' fork-$mode.header ||
		fail_ "fork-$mode: the file is not whole"
	if [ $mode = mem ]; then
		report_ok fork.txt fork-$mode.dat --alloc --format=collapsed
		[ "$(collapsed_incl_count fork.txt work_round)" -gt 0 ] ||
			fail_ "fork-mem: the parent's allocations are missing"
		[ "$(collapsed_incl_count fork.txt child_round)" -eq 0 ] ||
			fail_ "fork-mem: the child's allocations were recorded"
	else
		report_ok fork.txt fork-$mode.dat --format=collapsed
		[ "$(collapsed_incl_count fork.txt child_round)" -eq 0 ] ||
			fail_ "fork-cpu: the child was sampled"
	fi

	# SIGSTOP, SIGCONT
	# shellcheck disable=SC2086
	start stop-$mode $opts -o stop-$mode.dat
	kill -STOP $pid
	at_stop=$(progress_rounds stop-$mode.p)
	sleep 1
	kill -CONT $pid
	wait_for "stop-$mode: no progress after SIGCONT" 30 \
		progress_beyond stop-$mode.p $((at_stop + 1000))
	grep -lqx nprof-writer /proc/$pid/task/*/comm ||
		fail_ "stop-$mode: the session ended at the stop"
	# A slow (sanitizer) build on a busy machine may not have sampled yet.
	wait_for "stop-$mode: no samples in 30 s" 30 \
		samples_on_file stop-$mode.dat
	touch stop-$mode.enough
	finish stop-$mode 9
	grep -q '^agent stop: exit' stop-$mode.header ||
		fail_ "stop-$mode: the session did not run to the command's exit"
	samples=$(header_samples stop-$mode.header)
	[ "${samples:-0}" -gt 0 ] || fail_ "stop-$mode: no samples"

	# killed from outside
	for sig in KILL:137 TERM:143 SEGV:139; do
		# shellcheck disable=SC2086
		start kill-$mode $opts -o kill-$mode.dat
		# Samples on file before the kill, so that they must stay.
		wait_for "kill-$mode: no samples in 30 s" 30 \
			samples_on_file kill-$mode.dat
		kill -${sig%:*} $pid
		finish kill-$mode ${sig#*:}
		samples=$(header_samples kill-$mode.header)
		[ "${samples:-0}" -gt 0 ] ||
			fail_ "kill-$mode: no samples before SIG${sig%:*}"
	done
	note_ "$mode: fork, stop and kills done"
done
exit 0
