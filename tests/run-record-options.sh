#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The options of `nprof record` in their other spellings: long options, the
# units of -i, the bounds of -F, and a command given without "--" whose own
# options nprof must leave to it.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# Long options do what the short ones do.
run_nprof 60 record --quiet --event=ctimer --freq=199 --output=long.dat \
	--duration=10 -- "$EXIT_STATUS" --spin 0.3 4
[ "$rc" -eq 4 ] || fail_ "record with long options exited $rc, the command 4"
report_ok long.header long.dat --header
header_value long.header engine | grep -q '^ctimer' ||
	fail_ "--event=ctimer: engine is '$(header_value long.header engine)'"
grep -q '199' long.header || fail_ "--freq=199 is not in the header"

# -i in each unit; the header gives the period.
for spec in 1000us:1.000 500000ns:0.500 3ms:3.000; do
	interval=${spec%:*}
	ms=${spec#*:}
	record_ok i.dat -q --interval="$interval" -- "$EXIT_STATUS" --spin 0.2 0
	report_ok i.header i.dat --header
	grep -q "^period: $ms ms" i.header ||
		fail_ "-i $interval: the header says '$(grep '^period' i.header)'"
	[ "$(header_samples i.header)" -gt 0 ] || fail_ "-i $interval: no samples"
done

# The bounds of -F are accepted.
for f in 1 10000; do
	record_ok f.dat -q -F "$f" -- "$EXIT_STATUS" 0
done

# Without "--", CMD's own options are its own, even ones nprof also has.
run_nprof 60 record -q -o plain.dat "$EXIT_STATUS" --stderr -o 6
[ "$rc" -eq 6 ] || fail_ "record CMD --stderr -o 6 exited $rc, expected 6"
grep -q '^-o$' "$T/err" || fail_ "the command did not get its own options"
[ -s plain.dat ] || fail_ "no plain.dat"
[ ! -e samples.dat ] || fail_ "the command's -o went to nprof"

exit 0
