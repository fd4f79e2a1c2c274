#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `nprof report` on files that are not whole, good samples.dat files: a
# missing, empty, random, corrupted or too new file is an error (one
# "nprof: " line, status 1..127, no hang); a file cut short in the middle of
# a record still reports what it holds, with a warning.  Bad report options
# are errors too.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# report_error SUBJECT ARGS...: nprof report ARGS... must fail as an error
# should and name SUBJECT (unless empty).
report_error()
{
	_subject=$1
	shift
	run_nprof 30 report "$@"
	expect_error
	if [ -n "$_subject" ]; then
		grep -qiF -- "$_subject" "$T/err" ||
			fail_ "the message does not name '$_subject'"
	fi
	note_ "ok: nprof report $* -> $rc: $(cat "$T/err")"
}

report_error missing.dat "$T/missing.dat"
: >empty.dat
report_error empty.dat "$T/empty.dat"
head -c 4096 /dev/urandom >random.dat
report_error random.dat "$T/random.dat"
report_error "" "$T"

# A good file to damage.
record_ok good.dat -F 999 -- "$HOT3X" 0.25
report_ok good.collapsed good.dat --format=collapsed
total=$(collapsed_total good.collapsed)
[ "$total" -gt 0 ] || fail_ "the good file has no samples"
list_records good.dat >records
nrecords=$(wc -l <records)
[ "$nrecords" -ge 10 ] || fail_ "the good file has only $nrecords records"
# The record in the middle of those after the first CPU samples (a
# CPU_SAMPLE or packed CPU_SAMPLES record, types 5 and 13), so that a cut
# there leaves samples before it, and one with a payload of 2 bytes or
# more.
first=$(awk '$2 == 5 || $2 == 13 { print NR; exit }' records)
[ -n "$first" ] || fail_ "the good file has no CPU samples record"
middle=$(awk -v f="$first" -v m=$(((first + nrecords) / 2)) \
	'NR > f && NR >= m && $3 >= 2 { print; exit }' records)
[ -n "$middle" ] || fail_ "no record to damage"
moff=$(echo "$middle" | cut -d' ' -f1)
mtype=$(echo "$middle" | cut -d' ' -f2)
msize=$(echo "$middle" | cut -d' ' -f3)
note_ "damaging the record at offset $moff (type $mtype, $msize bytes)"

# Written by a newer nprof: the u32 version at offset 8 becomes 99.
cp good.dat newer.dat
poke newer.dat 8 143 000 000 000
report_error version "$T/newer.dat"
grep -q 99 "$T/err" || fail_ "the message does not give the file's version"

# Another file entirely: the magic is wrong.
cp good.dat magic.dat
poke magic.dat 0 130
report_error "" "$T/magic.dat"

# A byte flipped in the header of the middle record: its type's high byte,
# then (in another copy) its size's high byte.
cp good.dat corrupt-type.dat
poke corrupt-type.dat $((moff + 3)) 377
report_error "" "$T/corrupt-type.dat"
cp good.dat corrupt-size.dat
poke corrupt-size.dat $((moff + 7)) 177
report_error "" "$T/corrupt-size.dat"

# A valid file header followed by noise.
head -c 16 good.dat >noise.dat
head -c 4096 /dev/urandom >>noise.dat
report_error "" "$T/noise.dat"

# Cut short: in the middle of the record's payload, then of its header.
# Both still report the samples before the cut, with a warning.
for cut in $((moff + 8 + msize / 2)) $((moff + 4)); do
	head -c "$cut" good.dat >cut.dat
	run_nprof 30 report --format=collapsed cut.dat
	[ "$rc" -eq 0 ] || fail_ "report of a file cut at byte $cut exited $rc"
	grep -q '^nprof: warning: .*cut short' "$T/err" ||
		fail_ "no 'nprof: warning: ... cut short' for a file cut at $cut"
	cut_total=$(collapsed_total "$T/out")
	{ [ "$cut_total" -gt 0 ] && [ "$cut_total" -le "$total" ]; } ||
		fail_ "the cut file reports $cut_total samples (whole: $total)"
	note_ "cut at $cut: $cut_total of $total samples, $(cat "$T/err")"
	run_nprof 30 report cut.dat
	[ "$rc" -eq 0 ] || fail_ "text report of a file cut at byte $cut exited $rc"
	grep -qw main "$T/out" || fail_ "text report of the cut file has no main"
done

# Report options.
report_error --bogus --bogus good.dat
report_error bogus --format=bogus good.dat
report_error abc --top abc good.dat
report_error "" good.dat other.dat

exit 0
