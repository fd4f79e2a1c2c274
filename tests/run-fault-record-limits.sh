#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof record where the kernel holds back, with --nativemem=0 and CPU
# sampling together (run-engine-fallback.sh checks the CPU engines alone):
# - user nobody with RLIMIT_MEMLOCK 0: the agent's perf events have no ring
#   buffer (their overflows are signals) and need no locked memory, so perf
#   cpu-clock is used as it would be without the limit, and nothing falls
#   back;
# - perf_event_open and timer_create refused (seccomp): setitimer samples,
#   with warnings, and native memory is tracked all the same;
# - setitimer refused too: CPU sampling is off, --header says why, and
#   native memory is still tracked;
# - the other way round, too little address space for the agent's queue of
#   allocation events (ulimit -v, 250 MB where CPU sampling alone takes
#   ~145 MB and --nativemem=0 ~390 MB): the session goes on with CPU
#   samples and a warning, instead of not starting at all;
# - no thread for the agent (RLIMIT_NPROC): no session, and a warning that
#   says why.
# Each time the command finishes and record exits with its status.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

TARGET=$FAULT_TARGET
[ -x "$TARGET" ] || fail_ "$TARGET is not built"

# record_as NAME [WRAPPER...]: records fault-target 1 with -F 499
# --nativemem=0 into NAME.dat, under WRAPPER; stderr in NAME.err; checks
# the command's status and that allocations were recorded.
record_as()
{
	_name=$1
	shift
	last_cmd="$* nprof record -F 499 --nativemem=0 -o $_name.dat -- fault-target 1"
	run_timeout 120 "$@" "$NPROF" record -F 499 --nativemem=0 \
		-o "$_name.dat" -- "$TARGET" --exit 3 1 \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cp "$T/err" "$_name.err"
	[ "$rc" -eq 3 ] || fail_ "$_name: record exited $rc, expected 3"
	grep -qx 'exit 3' "$T/out" || fail_ "$_name: fault-target did not finish"
	report_ok "$_name.header" "$_name.dat" --header
	grep -q '^file: complete' "$_name.header" ||
		fail_ "$_name: the file is not whole"
	_allocs=$(header_value "$_name.header" 'allocation events')
	[ "${_allocs:-0}" -gt 0 ] || fail_ "$_name: no allocation events"
	samples=$(header_samples "$_name.header")
	engine=$(header_value "$_name.header" engine)
	note_ "$_name: engine '$engine', $samples samples, $_allocs allocation events"
}

# warned NAME TEXT: record printed a warning with TEXT, also in --header.
warned()
{
	grep -q "^nprof: warning: .*$2" "$1.err" ||
		fail_ "$1: record did not warn '$2'"
	grep -q "^warning: .*$2" "$1.header" ||
		fail_ "$1: --header does not show the warning '$2'"
}

"$NO_PERF" true || skip_ "no-perf cannot install its seccomp filter"

record_as no-timers "$NO_PERF" --no-timers
case $engine in itimer*) ;; *) fail_ "no-timers: engine '$engine', expected itimer" ;; esac
[ "${samples:-0}" -gt 0 ] || fail_ "no-timers: no samples"
warned no-timers 'perf_event_open refused'
warned no-timers 'timer_create .* refused'

record_as no-cpu "$NO_PERF" --no-timers --no-itimer
case $engine in
"none (setitimer(ITIMER_PROF) refused: "*"; CPU sampling is off)") ;;
*) fail_ "no-cpu: engine '$engine', expected none, and why" ;;
esac
[ "${samples:-0}" -eq 0 ] || fail_ "no-cpu: $samples samples without a CPU engine"
warned no-cpu 'setitimer(ITIMER_PROF) refused'

command -v prlimit >/dev/null || skip_ "no prlimit"
# ASan reserves its shadow memory (terabytes of address space) at start:
# under ulimit -v the sanitizer build's nprof cannot start at all.
if ldd "$NPROF" 2>/dev/null | grep -q libasan; then
	note_ "ulimit -v: not run, nprof is built with ASan"
else
	last_cmd="prlimit --as=250000000 nprof record -F 499 --nativemem=0 -o as.dat -- fault-target 1"
	run_timeout 120 prlimit --as=250000000 "$NPROF" record -F 499 --nativemem=0 \
		-o as.dat -- "$TARGET" --exit 3 1 </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cp "$T/err" as.err
	[ "$rc" -eq 3 ] || fail_ "ulimit -v: record exited $rc, expected 3"
	grep -qx 'exit 3' "$T/out" || fail_ "ulimit -v: fault-target did not finish"
	report_ok as.header as.dat --header
	grep -q '^nprof: warning: cannot track native memory: ' as.err ||
		fail_ "ulimit -v: record did not warn that native memory is not tracked"
	grep -q '^warning: cannot track native memory: ' as.header ||
		fail_ "ulimit -v: --header does not say why native memory is not tracked"
	samples=$(header_samples as.header)
	[ "${samples:-0}" -gt 0 ] || fail_ "ulimit -v: no CPU samples"
	note_ "ulimit -v: $samples samples, $(grep 'cannot track' as.header)"
fi

is_root || skip_ "setpriv to nobody needs root"
command -v setpriv >/dev/null || skip_ "no setpriv"
for_nobody TARGET
mkdir nobody
chmod 777 nobody

# No thread for the agent's writer (RLIMIT_NPROC 2 for a user of its own:
# nprof and the command, no more): the session cannot start, and the
# warning says why instead of blaming a setuid program.
# (One per run, so that tests running side by side do not count together.)
uid=$((60000 + $$ % 5000))
if command -v ps >/dev/null && ps -u $uid >/dev/null; then
	note_ "user $uid has processes: RLIMIT_NPROC not checked"
else
	cd nobody || fail_ "cd nobody"
	last_cmd="setpriv --reuid=$uid prlimit --nproc=2 nprof record -o nproc.dat -- fault-target"
	run_timeout 120 setpriv --reuid=$uid --regid=$uid --clear-groups \
		prlimit --nproc=2 "$NPROF" record -F 499 -o nproc.dat -- \
		"$TARGET" --exit 3 0.3 </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cd .. || fail_ "cd .."
	cp "$T/err" nproc.err
	[ "$rc" -eq 3 ] || fail_ "nproc: record exited $rc, expected 3"
	grep -qx 'exit 3' "$T/out" || fail_ "nproc: fault-target did not finish"
	report_ok nproc.header nobody/nproc.dat --header
	warned nproc 'the agent could not start a session: Resource temporarily unavailable'
	if grep -q 'setuid' nproc.err; then
		fail_ "nproc: record blamed a setuid program"
	fi
fi

record_as perf-probe
case $engine in
perf*) ;;
*) note_ "no perf here ($engine): RLIMIT_MEMLOCK not checked"; exit 0 ;;
esac
cd nobody || fail_ "cd nobody"
record_as memlock setpriv --reuid=nobody --regid=nogroup --clear-groups \
	prlimit --memlock=0
cd .. || fail_ "cd .."
case $engine in
"perf cpu-clock (requested)") ;;
*) fail_ "memlock: engine '$engine', expected perf cpu-clock as requested" ;;
esac
[ "${samples:-0}" -gt 0 ] || fail_ "memlock: no samples"
# The one warning: kernel samples are not for nobody.
if grep '^nprof: warning: ' nobody/memlock.err | grep -vq 'kernel samples'; then
	fail_ "memlock: record warned: $(grep '^nprof: warning: ' nobody/memlock.err)"
fi
exit 0
