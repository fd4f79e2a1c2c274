#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --format=pprof loads in the real pprof (go tool pprof, Debian's
# golang-go), and pprof's totals and top functions are nprof's: for CPU
# (a real recording of hot3x and a generated profile with named threads)
# and for native memory (alloc and in-use), with filters.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

GEN=$abs_top_builddir/tests/helpers/gen-profile
command -v go >/dev/null 2>&1 ||
	skip_ "go is not installed (apt-get install golang-go for go tool pprof)"
HOME=$T GOCACHE=$T/gocache GOFLAGS='' GOTOOLCHAIN=local
export HOME GOCACHE GOFLAGS GOTOOLCHAIN
go tool pprof -h >/dev/null 2>&1 || skip_ "go tool pprof does not run here"

# pprof ARGS...: go tool pprof without symbolizing, output in $T/pp.
pprof()
{
	last_cmd="go tool pprof $*"
	run_timeout 120 go tool pprof -symbolize=none "$@" >"$T/pp" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail_ "go tool pprof $* exited $rc"
}

# pprof_total: the total of "Showing nodes accounting for X, 100% of T total".
pprof_total()
{
	sed -n 's/.* of \([0-9.]*\)[a-zA-Z]* total$/\1/p' "$T/pp" | head -n 1
}

# pprof_shown: X of that line, what the filters of pprof kept.
pprof_shown()
{
	sed -n 's/^Showing nodes accounting for \([0-9.]*\)[a-zA-Z]*, .*/\1/p' "$T/pp" | head -n 1
}

# pprof_top: the function with the most flat value (the first row of -top).
pprof_top()
{
	awk 'f { print $NF; exit } /flat%/ { f = 1 }' "$T/pp"
}

# text_top FILE: the first function of nprof's text report.
text_top()
{
	awk 'f && NF { print $(NF - 1); exit } /function/ { f = 1 }' "$1"
}

# A real recording.
record_ok hot.dat -q -F 999 -- "$HOT3X"
run_nprof 60 report --format=pprof -o hot.pb.gz hot.dat
[ "$rc" -eq 0 ] || fail_ "report --format=pprof exited $rc"
[ "$(head -c 2 hot.pb.gz | od -An -tx1 | tr -d ' ')" = 1f8b ] ||
	fail_ "the pprof file is not gzip-compressed"
report_ok text hot.dat --top 0
report_ok header hot.dat --header
samples=$(header_samples header)
pprof -top -sample_index=samples hot.pb.gz
[ "$(pprof_total)" = "$samples" ] ||
	fail_ "pprof counts $(pprof_total) samples, nprof $samples"
[ "$(pprof_top)" = "$(text_top text)" ] ||
	fail_ "pprof's top function is $(pprof_top), nprof's $(text_top text)"

grep -q 'Duration: ' "$T/pp" || fail_ "pprof sees no duration"
pprof -traces hot.pb.gz
grep -q 'Type: cpu' "$T/pp" || fail_ "pprof does not see a CPU profile"
grep -q 'work_thrice' "$T/pp" || fail_ "pprof -traces shows no work_thrice"
grep -q '^ *thread: *hot3x' "$T/pp" || fail_ "pprof -traces shows no thread label"
pprof -raw hot.pb.gz
grep -q 'hot3x' "$T/pp" || fail_ "pprof -raw shows no mapping of hot3x"

# Generated: 7000 samples in three named threads.
"$GEN" -n 7000 -s 50 -t 3 -o gen.dat || fail_ "gen-profile failed"
run_nprof 60 report --format=pprof -o gen.pb.gz gen.dat
pprof -top -sample_index=samples gen.pb.gz
[ "$(pprof_total)" = 7000 ] || fail_ "pprof counts $(pprof_total) samples, not 7000"
[ "$(pprof_top)" = gen_f00 ] || fail_ "pprof's top function is $(pprof_top)"
pprof -top -sample_index=samples -tagfocus=thread=worker-1 gen.pb.gz
[ "$(pprof_shown)" = 2333 ] ||
	fail_ "pprof counts $(pprof_shown) samples of worker-1, not 2333"
# A filter of nprof reaches pprof.
run_nprof 60 report --format=pprof --tid 1000 --until 3 -o f.pb.gz gen.dat
report_ok c gen.dat --format=collapsed --tid 1000 --until 3
pprof -top -sample_index=samples f.pb.gz
[ "$(pprof_total)" = "$(collapsed_total c)" ] ||
	fail_ "filtered: pprof counts $(pprof_total), nprof $(collapsed_total c)"

# Native memory: allocated and in use.
"$GEN" --alloc -n 1000 -s 10 -o mem.dat || fail_ "gen-profile --alloc failed"
run_nprof 60 report --alloc --format=pprof -o alloc.pb.gz mem.dat
[ "$rc" -eq 0 ] || fail_ "report --alloc --format=pprof exited $rc"
pprof -top -sample_index=alloc_space -unit=B alloc.pb.gz
[ "$(pprof_total)" = 88000 ] || fail_ "alloc_space is $(pprof_total) B, not 88000"
pprof -top alloc.pb.gz
grep -q 'Type: alloc_space' "$T/pp" || fail_ "--alloc: pprof's default is not alloc_space"
pprof -top -sample_index=alloc_objects alloc.pb.gz
[ "$(pprof_total)" = 1000 ] || fail_ "alloc_objects is $(pprof_total), not 1000"
run_nprof 60 report --leaks --format=pprof -o leaks.pb.gz mem.dat
pprof -top -sample_index=inuse_space -unit=B leaks.pb.gz
[ "$(pprof_total)" = 20000 ] || fail_ "inuse_space is $(pprof_total) B, not 20000"
report_ok text mem.dat --leaks
[ "$(pprof_top)" = "$(text_top text)" ] ||
	fail_ "pprof's top leak is $(pprof_top), nprof's $(text_top text)"

exit 0
