#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof record -d 1 on a program that runs 3 s: when the session ends every
# patched slot is put back and the program runs on unharmed.  nm-long sees
# the hook through a pointer to malloc stored in its data (a patched
# relocation) early on, checks the data of every block it allocates, and at
# its end sees the pointer back at malloc.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

LONG=$abs_top_builddir/tests/workloads/nm-long
[ -x "$LONG" ] || fail_ "$LONG is not built"

for mode in 0 64k; do
	record_ok r$mode.dat -q -d 1 --nativemem=$mode -- "$LONG" 3
	grep -qx ok "$T/out" || fail_ "nm-long failed after a session with --nativemem=$mode"
	grep -qx "patched early: 1" "$T/out" ||
		fail_ "the slot was not patched during the session ($mode)"
	grep -qx "restored at end: 1" "$T/out" ||
		fail_ "the slot still leads to the hook after the session ($mode)"
	report_ok r$mode.header r$mode.dat --header
	grep -q "^agent stop: duration" r$mode.header ||
		fail_ "the agent did not stop for the duration ($mode)"
	# Allocations only while the session ran (~1 s of a 3 s run).
	events=$(awk '/^allocation events:/ { print $3 }' r$mode.header)
	note_ "--nativemem=$mode: $events allocation events, $(grep rounds: "$T/out")"
	[ "${events:-0}" -gt 0 ] || fail_ "no allocation events ($mode)"
done
exit 0
