#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Borrowing threads must never hurt: attach-stress has two threads
# hammering malloc/realloc/free and checking their blocks, one in nanosleep
# and main blocked in read().  nprof attaches and detaches 30 times in a
# row; the program must never deadlock, see EINTR or a wrong result, and
# must exit 0.  Then with "all", where main allocates flat out too: nprof
# must still find a safe point, several times.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

start_target "$ATTACH_STRESS"
target_read
[ "$answer" = ready ] || fail_ "attach-stress said '$answer'"
i=0
while [ $i -lt 30 ]; do
	run_nprof 60 attach -q -d 0.1 -o "stress.dat" "$target_pid"
	[ "$rc" -eq 0 ] || fail_ "attach $i exited $rc"
	target_untouched
	i=$((i + 1))
done
report_ok stress.txt stress.dat --header
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
while [ $i -lt 5 ]; do
	run_nprof 60 attach -v -q -F 999 -d 0.3 -o "all.dat" "$target_pid"
	[ "$rc" -eq 0 ] || fail_ "attach $i to 'all' exited $rc"
	note_ "$(grep 'borrowing' "$T/err")"
	i=$((i + 1))
done
report_ok all.txt all.dat --format=collapsed
grep -q alloc_batch all.txt || fail_ "no samples in alloc_batch"
echo quit >&3
target_read
case $answer in
ok*) note_ "attach-stress all: $answer" ;;
*) fail_ "attach-stress all said '$answer'" ;;
esac
target_wait 0
exit 0
