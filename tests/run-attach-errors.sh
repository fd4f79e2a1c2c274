#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each way nprof attach can fail says so in one line starting "nprof: ",
# (ptrace refusals with the kernel's reason: nobody against root, against
# another user, and Yama's ptrace_scope where the kernel has it),
# exits 1 (2 for a bad command line), and leaves the target running,
# untraced, not stopped and answering.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# attach_fails PATTERN ARGS...: nprof attach ARGS fails with PATTERN.
attach_fails()
{
	_pattern=$1
	shift
	run_nprof 60 attach -q -o fail.dat "$@"
	expect_error
	grep -q "$_pattern" "$T/err" || fail_ "no '$_pattern' in the message"
	[ ! -e fail.dat ] || fail_ "a failed attach left fail.dat"
	note_ "$(cat "$T/err")"
}

attach_fails "bad PID 'abc'" abc
[ "$rc" -eq 2 ] || fail_ "a bad PID exited $rc, expected 2"
attach_fails "no process to attach to"

# No such process: a PID that was just freed.
sh -c 'exit 0' &
gone=$!
wait $gone
attach_fails "no such process" $gone

# nprof itself: sh's PID, which exec gives to nprof.
last_cmd="nprof attach (own PID)"
sh -c 'exec "$0" attach -q -o fail.dat $$' "$NPROF" </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_error
grep -q "that is nprof itself" "$T/err" || fail_ "attaching to itself: $(cat "$T/err")"

# A zombie: its parent never reaps it.  The child must outlive the exec (a
# shell may reap a child that is already done before it execs), hence the
# sleep 0.2.
sh -c 'sleep 0.2 & echo $! >zombie.pid; exec sleep 30' &
parent=$!
n=0
while [ "$(sed 's/.*) //' "/proc/$(cat zombie.pid 2>/dev/null || echo 0)/stat" 2>/dev/null | cut -c1)" != Z ]; do
	n=$((n + 1))
	[ $n -le 100 ] || fail_ "no zombie"
	sleep 0.05
done
attach_fails "zombie" "$(cat zombie.pid)"
kill $parent

# A statically linked program.
STATIC=$abs_top_builddir/tests/workloads/exit-status-static
"$STATIC" --spin 30 &
static_pid=$!
attach_fails "statically linked: CPU and memory profiling need the dynamic linker" $static_pid
kill $static_pid

# The target for the rest.
start_target "$ATTACH_TARGET"
target_expect ping pong

# Stopped with SIGSTOP: refused, and it stays stopped.
kill -STOP $target_pid
attach_fails "it is stopped (SIGSTOP or job control), and nprof leaves it so" $target_pid
grep -q "kill -CONT $target_pid" "$T/err" || fail_ "the message does not say how to resume"
[ "$(sed 's/.*) //' "/proc/$target_pid/stat" | cut -c1)" = T ] ||
	fail_ "the stopped target was resumed"
kill -CONT $target_pid
target_untouched
target_expect ping pong

# ptrace refused: nobody attaching to root's process.
if is_root && command -v setpriv >/dev/null 2>&1; then
	for_nobody
	last_cmd="setpriv nobody nprof attach $target_pid"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NPROF" attach -q -o /tmp/nprof-never.dat $target_pid \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	expect_error
	# With the kernel's reason (EACCES or EPERM, as strerror words it).
	grep -q "ptrace is not permitted: \(Permission denied\|Operation not permitted\).*(run nprof as the process's owner or as root)" "$T/err" ||
		fail_ "ptrace refused: $(cat "$T/err")"
	note_ "$(cat "$T/err")"
	[ ! -e /tmp/nprof-never.dat ] || fail_ "the refused attach left its file"
	target_untouched
	target_expect ping pong
else
	note_ "not root or no setpriv: ptrace refusal not tested"
fi

# ptrace refused: nobody attaching to a process of another user that is
# not root (daemon, uid 1), which stays untouched.
if is_root && command -v setpriv >/dev/null 2>&1; then
	root_target=$target_pid
	exec 5>&3 6<&4
	# nprof is in $T/pub already (for_nobody above).
	cp "$ATTACH_TARGET" "$T/pub/" && chmod a+rx "$T/pub/attach-target" ||
		fail_ "cannot copy attach-target for uid 1"
	start_target setpriv --reuid=1 --regid=1 --clear-groups "$T/pub/attach-target"
	target_expect ping pong
	last_cmd="setpriv nobody nprof attach $target_pid (uid 1)"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NPROF" attach -q -o /tmp/nprof-never.dat $target_pid \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	expect_error
	grep -q "cannot attach to process $target_pid: ptrace is not permitted: \(Permission denied\|Operation not permitted\)" "$T/err" ||
		fail_ "ptrace of another user's process: $(cat "$T/err")"
	note_ "$(cat "$T/err")"
	target_untouched
	target_expect quit bye
	target_wait 7
	target_pid=$root_target
	exec 3>&5 4<&6 5>&- 6<&-
fi

# Yama's ptrace_scope, where the kernel has it: 1 lets a user trace only
# its descendants, so nobody's nprof is refused its own user's process
# and says which setting to change.
if [ ! -e /proc/sys/kernel/yama/ptrace_scope ]; then
	note_ "no /proc/sys/kernel/yama: Yama's refusal not tested"
elif [ "$(cat /proc/sys/kernel/yama/ptrace_scope)" -ge 1 ] && is_root &&
     command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 30 &
	yama_pid=$!
	last_cmd="setpriv nobody nprof attach $yama_pid (yama)"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NPROF" attach -q -o /tmp/nprof-never.dat $yama_pid \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	kill $yama_pid
	expect_error
	grep -q "kernel.yama.ptrace_scope" "$T/err" ||
		fail_ "Yama's refusal does not name ptrace_scope: $(cat "$T/err")"
else
	note_ "Yama's ptrace_scope is 0 (or not root): its refusal not tested"
fi

# The agent missing, or built for another architecture: a copy of nprof
# looks for it beside itself.
mkdir bin
cp "$NPROF" bin/nprof
last_cmd="bin/nprof attach (no agent)"
bin/nprof attach -q -o fail.dat $target_pid </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_error
grep -q "cannot find the agent libnprof-agent.so" "$T/err" ||
	fail_ "no agent: $(cat "$T/err")"
cp "$abs_top_builddir/src/.libs/libnprof-agent.so" bin/libnprof-agent.so
# e_machine (offset 18) := 183, EM_AARCH64 (or 62, EM_X86_64, on aarch64).
case $(uname -m) in
aarch64) poke bin/libnprof-agent.so 18 076 000; other=x86_64 ;;
*) poke bin/libnprof-agent.so 18 267 000; other=aarch64 ;;
esac
last_cmd="bin/nprof attach (agent for $other)"
bin/nprof attach -q -o fail.dat $target_pid </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_error
grep -q "the agent '.*bin/libnprof-agent.so' is built for $other" "$T/err" ||
	fail_ "agent for $other: $(cat "$T/err")"
note_ "$(cat "$T/err")"
target_untouched
target_expect ping pong

# A session runs already: the second attach is refused, the first goes on.
attach_bg -q -o first.dat $target_pid
attach_fails "already has an nprof session running" $target_pid
target_expect "load $ATTACH_PLUGIN" loaded
target_expect "spin 0.5" spun
attach_stop
report_ok first.txt first.dat --header
[ "$(header_samples first.txt)" -gt 0 ] || fail_ "the first session lost its samples"
target_untouched

target_expect quit bye
target_wait 7

# The target exits in the middle of the injection: attach-exit leaves the
# moment it is traced.
"$ATTACH_EXIT" >exit.out &
exit_pid=$!
n=0
until [ -s exit.out ]; do
	n=$((n + 1)); [ $n -le 100 ] || fail_ "attach-exit did not start"; sleep 0.05
done
attach_fails "the process exited while nprof was attaching" $exit_pid
wait $exit_pid || fail_ "attach-exit did not exit 0"
exit 0
