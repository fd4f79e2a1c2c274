#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hot3x's work_thrice does three times the work of work_once: the report
# names both, with the caller chain main -> run_workload -> do_round, and
# counts about three samples in work_thrice for one in work_once, at -F 999
# and at -i 2ms.
#
# The statistics: hot3x runs ~2 s of CPU, so -F 999 gives n ~ 2000 samples
# in the two functions and -i 2ms n ~ 1000.  Were samples independent draws,
# work_thrice's share p = 0.75 of them would have a standard deviation of
# sqrt(p(1-p)/n): 0.010 and 0.014.  The ratio's bounds 2.2 and 4.0 are
# p = 0.6875 and p = 0.8, more than 3.6 standard deviations away even at
# n = 1000 (and ~5 at n = 2000).  Periodic samples are much steadier than
# independent draws, and each call lasts 50 ms or more, so the sampling
# period cannot alias with the alternation of the two functions.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# check_profile NAME [noratio]: checks NAME.dat, a profile of hot3x.
check_profile()
{
	report_ok "$1.collapsed" "$1.dat" --format=collapsed
	report_ok "$1.txt" "$1.dat"
	report_ok "$1.header" "$1.dat" --header
	for f in work_once work_thrice; do
		grep -q "$f" "$1.txt" || fail_ "$1: the text report does not name $f"
	done
	# The top list is by self samples: work_thrice comes first.
	first_thrice=$(grep -n work_thrice "$1.txt" | head -n 1 | cut -d: -f1)
	first_once=$(grep -n work_once "$1.txt" | head -n 1 | cut -d: -f1)
	[ "$first_thrice" -lt "$first_once" ] ||
		fail_ "$1: the text report lists work_once before work_thrice"

	once=$(collapsed_leaf_count "$1.collapsed" work_once)
	thrice=$(collapsed_leaf_count "$1.collapsed" work_thrice)
	total=$(collapsed_total "$1.collapsed")
	note_ "$1: $total samples, work_thrice $thrice, work_once $once"
	[ "$once" -ge 20 ] || fail_ "$1: only $once samples in work_once"
	if [ "${2:-}" != noratio ]; then
		check_between "$(ratio "$thrice" "$once")" 2.2 4.0 \
			"$1: work_thrice/work_once"
	fi
	# Nearly all the samples are in the two (checkpoint and start-up get
	# a few): more than 90% in the leaves of interest.
	check_between "$(ratio $((once + thrice)) "$total")" 0.9 1 \
		"$1: share of work_once and work_thrice"

	# The callers: at least 90% of each function's samples have the whole
	# chain (samples taken in a prologue may lose a frame).
	for f in work_once work_thrice; do
		leaf=$(collapsed_leaf_count "$1.collapsed" "$f")
		chain=$(awk -v f="$f" '{
			s = $0; sub(/ [0-9]+$/, "", s)
			if (s ~ ("(^|;)main;run_workload;do_round;" f "$")) c += $NF
		} END { print c + 0 }' "$1.collapsed")
		check_between "$(ratio "$chain" "$leaf")" 0.9 1 \
			"$1: share of $f under main;run_workload;do_round"
	done
}

record_ok f999.dat -q -F 999 -- "$HOT3X"
check_profile f999
record_ok i2ms.dat -q -i 2ms -- "$HOT3X"
check_profile i2ms

# The rate follows the option: the same work at the default 99 Hz gives
# ~200 samples, ~10 times fewer than at 999 Hz and ~5 times fewer than
# every 2 ms.  (Only with perf: the timer engines tick at most once a jiffy.)
# ~50 samples in work_once are too few for the ratio's bounds.
record_ok f99.dat -q -- "$HOT3X"
check_profile f99 noratio
n99=$(collapsed_total f99.collapsed)
n999=$(collapsed_total f999.collapsed)
n2ms=$(collapsed_total i2ms.collapsed)
engine=$(header_value f999.header engine)
case $engine in
perf*)
	check_between "$(ratio "$n999" "$n99")" 4 20 "samples at 999 Hz / at 99 Hz"
	check_between "$(ratio "$n2ms" "$n99")" 2.5 10 "samples every 2 ms / at 99 Hz"
	;;
*)
	note_ "engine '$engine': not checking the sampling rate"
	;;
esac

exit 0
