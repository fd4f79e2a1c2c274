#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Filters and output of `nprof report` on profiles of a known shape
# (tests/helpers/gen-profile writes them with the record encoders): --tid,
# --thread, --since/--until, --focus/--exclude, --min-percent, thread names
# in the text report, -o, the binary format refusing a terminal, --diff,
# and the timeline of native memory; and thread names and --thread on a
# real recording of late-threads.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

GEN=$abs_top_builddir/tests/helpers/gen-profile
[ -x "$GEN" ] || fail_ "$GEN is not built (make check builds it)"

# 7000 samples, 1 ms apart, thread j % 3, 4 in 7 on gen_f00 <- main.
"$GEN" -n 7000 -s 50 -t 3 -o cpu.dat || fail_ "gen-profile failed"

# total ARGS...: the samples the collapsed report with ARGS adds up to.
total()
{
	report_ok collapsed cpu.dat --format=collapsed "$@"
	collapsed_total collapsed
}

[ "$(total)" -eq 7000 ] || fail_ "the whole profile is not 7000 samples"
[ "$(total --tid 1000)" -eq 2334 ] || fail_ "--tid 1000 is not 2334 samples"
[ "$(total --thread worker-1)" -eq 2333 ] ||
	fail_ "--thread worker-1 is not 2333 samples"
[ "$(total --until 1)" -eq 1000 ] || fail_ "--until 1 is not 1000 samples"
[ "$(total --since 2)" -eq 5001 ] || fail_ "--since 2 is not 5001 samples"
[ "$(total --since 1 --until 2 --tid 1001)" -eq 334 ] ||
	fail_ "--since 1 --until 2 --tid 1001 is not 334 samples"
focus=$(total --focus '^gen_f05$')
incl=$(collapsed_incl_count collapsed gen_f05)
[ "$focus" -gt 0 ] && [ "$focus" -eq "$incl" ] ||
	fail_ "--focus gen_f05 keeps $focus samples, $incl of them through gen_f05"
[ "$(total --exclude '^gen_f05$')" -eq $((7000 - focus)) ] ||
	fail_ "--exclude gen_f05 does not keep the rest"
report_ok text cpu.dat --thread worker-2
grep -q '^# filtered: 4667 samples of other threads' text ||
	fail_ "the text report does not say what --thread left out"
report_ok text cpu.dat --focus gen_f05
grep -q '^# filtered: .* left out by --focus or --exclude' text ||
	fail_ "the text report does not say what --focus left out"

run_nprof 60 report --thread nobody cpu.dat
expect_error
grep -q "no thread named 'nobody'" "$T/err" || fail_ "no message for --thread nobody"
run_nprof 60 report --focus '(' cpu.dat
expect_error
grep -q "invalid --focus '('" "$T/err" || fail_ "no message for a bad regex"

# --min-percent: every function shown holds 2% or more.
report_ok text cpu.dat --min-percent 2 --top 0
awk '/^ *[0-9.]+% / && $3 + 0 < 2 { bad = 1 } END { exit bad }' text ||
	fail_ "--min-percent 2 shows a function under 2%"
report_ok collapsed cpu.dat --format=collapsed --min-percent 5
[ "$(wc -l <collapsed)" -eq 1 ] || fail_ "--min-percent 5 keeps more than gen_f00's stack"

# Thread names in the text report.
report_ok text cpu.dat
for k in 0 1 2; do
	grep -Eq "^ *[0-9.]+% +[0-9]+ +100$k  worker-$k\$" text ||
		fail_ "the text report does not list thread worker-$k"
done

# A real recording: late-threads names its threads alpha and beta.
record_ok lt.dat -q -F 999 -- "$LATE_THREADS"
report_ok lt.txt lt.dat
for name in alpha beta; do
	sed -n '/^# threads/,$p' lt.txt | grep -Eq "^ *[0-9.]+% +[0-9]+ +[0-9]+  $name\$" ||
		fail_ "the text report does not list thread $name: $(sed -n '/^# threads/,$p' lt.txt)"
done
report_ok lt.alpha lt.dat --format=collapsed --thread alpha
grep -q spin_alpha lt.alpha || fail_ "--thread alpha has no spin_alpha"
grep -q spin_beta lt.alpha && fail_ "--thread alpha has spin_beta"

# -o writes the file and nothing to standard output.
run_nprof 60 report -o out.txt cpu.dat
[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && [ -s out.txt ] ||
	fail_ "-o out.txt did not write only the file"
cmp -s out.txt text || fail_ "-o out.txt differs from standard output"
run_nprof 60 report -o /nonexistent/dir/x cpu.dat
expect_error
# A binary format refuses a terminal (script gives it one).
if command -v script >/dev/null 2>&1; then
	script -qec "$NPROF report --format=pprof $T/cpu.dat" /dev/null \
		>tty.out 2>&1 </dev/null && fail_ "pprof to a terminal exited 0"
	grep -q 'is binary: not writing it to a terminal' tty.out ||
		fail_ "no message for pprof to a terminal: $(head -c 300 tty.out)"
fi

# --diff: a profile with more samples on gen_f00 than the base.
"$GEN" -n 3500 -s 50 -t 3 -o base.dat || fail_ "gen-profile failed"
report_ok diff cpu.dat --diff base.dat
grep -q '^# biggest gains' diff || fail_ "--diff shows no gains"
grep -q '^# biggest losses' diff || fail_ "--diff shows no losses"
awk '/^# biggest gains/ { getline; getline; print; exit }' diff | grep -q 'gen_f00' ||
	fail_ "gen_f00 is not the biggest gain: $(head -n 12 diff)"
run_nprof 60 report --diff base.dat --format=collapsed cpu.dat
expect_error

# Timeline: native memory in use, the peak, the stacks at the peak.
"$GEN" --alloc -n 1000 -s 10 -o mem.dat || fail_ "gen-profile --alloc failed"
report_ok mem.svg mem.dat --format=timeline
grep -q '^<svg ' mem.svg || fail_ "the timeline is not an SVG"
grep -q 'id="peak"' mem.svg || fail_ "the timeline marks no peak"
grep -q 'peak 85.9 KiB' mem.svg || fail_ "the peak is not 85.9 KiB"
[ "$(grep -c 'class="stack"' mem.svg)" -eq 10 ] ||
	fail_ "the timeline does not list the 10 stacks at the peak"
grep 'class="stack"' mem.svg | head -n 1 | grep -q 'gen_f09' ||
	fail_ "the biggest stack at the peak is not gen_f09's"
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout mem.svg || fail_ "the timeline is not well-formed XML"
fi
run_nprof 60 report --cpu --format=timeline mem.dat
expect_error

exit 0
