#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The engines and their fallbacks (DESIGN rule 5).  Where perf_event_open is
# refused (tests/helpers/no-perf) record falls back to per-thread CPU timers
# with a warning, and where timer_create is refused too, to setitimer; -e
# cycles without a PMU falls back to cpu-clock; -e ctimer and -e itimer force
# those engines; as an unprivileged user perf works without kernel samples.
# Each time the engine is in --header, each warning on stderr and in
# --header, and hot3x's two functions are still found.
#
# The statistics: hot3x 0.5 is ~1 s of CPU, ~100 samples at 99 Hz, a quarter
# of them in work_once; even as independent draws more than 5% of the
# samples there is 4 standard deviations (4.3%) below the 25% expected.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# profile_ok NAME ENGINE-PATTERN WARN: checks NAME.dat, a profile of hot3x
# 0.5 whose record left its stderr in NAME.err: the header's engine matches
# ENGINE-PATTERN (a grep -E regex) and, if WARN is "warn", record warned and
# the header carries the warning.
profile_ok()
{
	report_ok "$1.header" "$1.dat" --header
	engine=$(header_value "$1.header" engine)
	echo "$engine" | grep -Eq "^($2)" ||
		fail_ "$1: engine is '$engine', expected '$2'"
	if [ "$3" = warn ]; then
		grep -q '^nprof: warning: ' "$1.err" ||
			fail_ "$1: record printed no 'nprof: warning:' line"
		grep -q '^warning: ' "$1.header" ||
			fail_ "$1: --header shows no 'warning:' line"
		# The same text in both places.
		sed -n 's/^nprof: warning: //p' "$1.err" | head -n 1 >"$1.w1"
		grep -qF -f "$1.w1" "$1.header" ||
			fail_ "$1: the warning '$(cat "$1.w1")' is not in --header"
	fi
	report_ok "$1.collapsed" "$1.dat" --format=collapsed
	for f in work_once work_thrice; do
		check_between "$(collapsed_share "$1.collapsed" $f)" 0.05 1 \
			"$1 ($engine): share of $f"
	done
	note_ "$1: engine '$engine', $(grep -c . "$1.err") lines on stderr"
}

# record_as NAME [WRAPPER...] -- RECORD-OPTIONS...: records hot3x 0.5 into
# NAME.dat, keeping record's stderr in NAME.err.
record_as()
{
	_name=$1
	shift
	_wrap=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_wrap="$_wrap $1"
		shift
	done
	shift
	last_cmd="$_wrap nprof record -o $_name.dat $* -- hot3x 0.5"
	# shellcheck disable=SC2086 # $_wrap is split on purpose
	run_timeout 120 $_wrap "$NPROF" record -o "$_name.dat" "$@" -- "$HOT3X" 0.5 \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cp "$T/err" "$_name.err"
	[ "$rc" -eq 0 ] || fail_ "$_name: record exited $rc"
	grep -q 'rounds done' "$T/out" || fail_ "$_name: hot3x did not finish"
}

# The default engine, for reference: perf cpu-clock here.
record_as default --
profile_ok default 'perf cpu-clock|ctimer|itimer' ""
default_engine=$engine

# Forced engines.
record_as ctimer -- -e ctimer
profile_ok ctimer ctimer ""
record_as itimer -- -e itimer
profile_ok itimer itimer ""

# Where perf_event_open is refused (EACCES), and timer_create too.
"$NO_PERF" true || skip_ "no-perf cannot install its seccomp filter"
record_as no-perf "$NO_PERF" --
profile_ok no-perf ctimer warn
record_as no-timers "$NO_PERF" --no-timers --
profile_ok no-timers itimer warn
# -e cycles with perf refused goes all the way down too.
record_as no-perf-cycles "$NO_PERF" -- -e cycles
profile_ok no-perf-cycles ctimer warn

case $default_engine in
perf*)
	# -e cycles: without a PMU (ENOENT) cpu-clock, with a warning.
	record_as cycles -- -e cycles
	report_ok cycles.header cycles.dat --header
	# The engine's name, without the reason in parentheses.
	if header_value cycles.header engine | grep -q '^perf cycles'; then
		profile_ok cycles 'perf cycles' ""
		note_ "this machine has a PMU: no fallback to check"
	else
		profile_ok cycles 'perf cpu-clock' warn
		grep -q cycles cycles.err ||
			fail_ "the warning does not say that cycles were unavailable"
	fi
	;;
*)
	note_ "no perf here ($default_engine): -e cycles and user nobody not checked"
	exit 0
	;;
esac

# An unprivileged user: perf works, kernel samples are left out and said so.
# nobody runs copies of nprof and the workload, and the output goes to a
# directory nobody can write.
is_root || exit 0
command -v setpriv >/dev/null || skip_ "no setpriv"
for_nobody HOT3X
mkdir nobody
chmod 777 nobody
as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
cd nobody || fail_ "cd nobody"
# shellcheck disable=SC2086 # $as_nobody is split on purpose
record_as nobody $as_nobody --
cd .. || fail_ "cd .."
cp nobody/nobody.dat nobody/nobody.err .
profile_ok nobody 'perf cpu-clock' ""
# (The key is kernel_samples; "kernel samples" is accepted as its label.)
if ! grep -Eq '^kernel[_ ]samples: excluded' nobody.header &&
   ! grep -qi '^warning: .*kernel' nobody.header; then
	fail_ "nobody: --header says nothing of kernel samples being excluded"
fi

exit 0
