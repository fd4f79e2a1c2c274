#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Replays the inputs that once broke the reader or a report under the fuzzer
# (tests/fuzz/regress/, see tests/fuzz/run) through the views the fuzzer
# tries: each run must end on its own (no signal, no hang) and say nothing
# but "nprof: " lines on stderr, so that a sanitizer's or valgrind's report
# fails the test in those builds.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

REGRESS=$abs_top_srcdir/tests/fuzz/regress

# replay FILE ARGS...: nprof report ARGS... FILE, judged as above.
replay()
{
	_file=$1
	shift
	run_nprof 60 report "$@" "$_file"
	[ "$rc" -lt 128 ] || fail_ "killed by signal $((rc - 128))"
	if grep -v '^nprof: ' "$T/err" | grep -q .; then
		fail_ "stderr has more than nprof's messages"
	fi
}

n=0
for f in "$REGRESS"/*; do
	[ -f "$f" ] || continue
	for view in --format=text --format=tree --format=collapsed --header \
		--alloc --leaks --live --format=pprof --format=flamegraph \
		--format=timeline; do
		replay "$f" "$view" -o out
	done
	replay "$f" --diff "$f"
	replay "$f" --diff "$f" --format=flamegraph -o out
	n=$((n + 1))
done
[ $n -gt 0 ] || fail_ "no input in $REGRESS"
note_ "$n inputs replayed"

# diff-no-stacks.dat: two profiles without a stack once sorted a NULL array.
replay "$REGRESS/diff-no-stacks.dat" --diff "$REGRESS/diff-no-stacks.dat"
[ "$rc" -eq 0 ] || fail_ "--diff of two empty profiles exited $rc"
grep -q '^# diff: 0 now, 0 in the base' "$T/out" ||
	fail_ "--diff of two empty profiles does not say both are empty"

exit 0
