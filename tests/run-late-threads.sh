#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Threads started after the agent are sampled: late-threads spends 0.5 s of
# CPU in main (spin_main_phase), then 1 s in each of two new threads
# (spin_alpha, spin_beta), so by CPU time the shares are 20/40/40%.  Each
# thread function must get more than 15%, with every engine.
#
# The statistics: at -F 999 there are ~2500 samples, and even as independent
# draws a 40% share has a standard deviation of 1%: 15% is 25 of them away.
# The timer engines tick at most once a jiffy (4 ms): ~250 samples at the
# default 99 Hz, a standard deviation of 3%, still 8 of them.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

for engine in cpu ctimer itimer; do
	case $engine in
	cpu) rate="-F 999" ;;
	*) rate= ;;
	esac
	# shellcheck disable=SC2086 # $rate is split on purpose
	record_ok $engine.dat -q -e $engine $rate -- "$LATE_THREADS"
	grep -q 'late-threads: done' "$T/out" ||
		fail_ "$engine: late-threads did not finish"
	report_ok $engine.collapsed $engine.dat --format=collapsed
	report_ok $engine.txt $engine.dat
	for f in spin_alpha spin_beta; do
		grep -q "$f" $engine.txt ||
			fail_ "$engine: the text report does not name $f"
		check_between "$(collapsed_share $engine.collapsed $f)" 0.15 1 \
			"$engine: share of $f"
	done
	check_between "$(collapsed_share $engine.collapsed spin_main_phase)" 0.05 1 \
		"$engine: share of spin_main_phase"
done

exit 0
