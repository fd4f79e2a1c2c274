#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A library loaded where another one was unloaded before, with the same
# code at the same addresses (tests/workloads/nm-reload.c): its allocation
# stacks are the same addresses as the first one's, and the report must
# still name each library's function for its own bytes, to the byte.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

RELOAD=$abs_top_builddir/tests/workloads/nm-reload
WDIR=$abs_top_builddir/tests/workloads
[ -x "$RELOAD" ] || fail_ "$RELOAD is not built"

record_ok reload.dat -q --nativemem=0 -- "$RELOAD" "$WDIR"
grep -qx same "$T/out" ||
	skip_ "the second library did not load at the first one's address ($(cat "$T/out"))"
for what in alloc leaks; do
	report_ok "$what.txt" reload.dat --$what --format=collapsed
	a=$(collapsed_leaf_count "$what.txt" nm_reload_alloc_a)
	b=$(collapsed_leaf_count "$what.txt" nm_reload_alloc_b)
	[ "$a" = $((3 * 1000003)) ] ||
		fail_ "--$what: nm_reload_alloc_a has $a bytes, expected $((3 * 1000003))"
	[ "$b" = $((5 * 1000033)) ] ||
		fail_ "--$what: nm_reload_alloc_b has $b bytes, expected $((5 * 1000033))"
	note_ "--$what: a $a bytes, b $b bytes"
done
exit 0
