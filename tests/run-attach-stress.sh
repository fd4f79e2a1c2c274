#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Borrowing threads must never hurt: attach-stress has two threads
# hammering malloc/realloc/free and checking their blocks, one in nanosleep
# and main blocked in read().  nprof attaches and detaches 30 times in a
# row, alternating CPU sessions and --nativemem ones (sampled, and every
# fourth exact), so that the agent patches and unpatches the GOT slots of
# threads that are inside malloc; the program must never deadlock, see
# EINTR or a wrong result, must find its pointer to malloc unpatched at the
# end, and must exit 0.  Then with "all", where main allocates flat out too:
# nprof must still find a safe point, several times, in both modes.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# mode_args I: the options of session I.
mode_args()
{
	case $(($1 % 4)) in
	1) echo "--nativemem" ;;
	3) echo "--nativemem=0" ;;
	*) echo "" ;;
	esac
}

start_target "$ATTACH_STRESS"
target_read
[ "$answer" = ready ] || fail_ "attach-stress said '$answer'"
i=0
while [ $i -lt 30 ]; do
	# shellcheck disable=SC2046 # the options are words
	run_nprof 60 attach -q -d 0.1 $(mode_args $i) -o "stress$((i % 4)).dat" "$target_pid"
	[ "$rc" -eq 0 ] || fail_ "attach $i ($(mode_args $i)) exited $rc"
	target_untouched
	i=$((i + 1))
done
report_ok stress.txt stress0.dat --header
report_ok stress1.txt stress1.dat --alloc --format=collapsed
report_ok stress3.txt stress3.dat --alloc --format=collapsed
for f in stress1.txt stress3.txt; do
	[ "$(collapsed_incl_count $f alloc_batch)" -gt 0 ] ||
		fail_ "$f: no allocations in alloc_batch"
done
echo quit >&3
target_read
case $answer in
ok*) note_ "attach-stress: $answer" ;;
*) fail_ "attach-stress said '$answer'" ;;
esac
target_wait 0

start_target "$ATTACH_STRESS" all
target_read
[ "$answer" = ready ] || fail_ "attach-stress all said '$answer'"
i=0
while [ $i -lt 6 ]; do
	# shellcheck disable=SC2046
	run_nprof 60 attach -v -q -F 999 -d 0.3 $(mode_args $i) -o "all$((i % 4)).dat" "$target_pid"
	[ "$rc" -eq 0 ] || fail_ "attach $i ($(mode_args $i)) to 'all' exited $rc"
	note_ "$(grep 'borrowing' "$T/err")"
	target_untouched
	i=$((i + 1))
done
report_ok all.txt all0.dat --format=collapsed
grep -q alloc_batch all.txt || fail_ "no samples in alloc_batch"
report_ok all-mem.txt all1.dat --alloc --format=collapsed
[ "$(collapsed_incl_count all-mem.txt alloc_batch)" -gt 0 ] ||
	fail_ "'all' with --nativemem: no allocations in alloc_batch"
report_ok all-cpu.txt all1.dat --cpu --format=collapsed
grep -q alloc_batch all-cpu.txt || fail_ "'all' with --nativemem -F: no CPU samples in alloc_batch"
echo quit >&3
target_read
case $answer in
ok*) note_ "attach-stress all: $answer" ;;
*) fail_ "attach-stress all said '$answer'" ;;
esac
target_wait 0
exit 0
