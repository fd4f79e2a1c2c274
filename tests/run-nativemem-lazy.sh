#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A lazy PLT slot that the dynamic linker writes over after nprof patched
# it (a resolver already running for it when the patch went in) gets its
# hook back: tests/workloads/nm-lazy.c plays that resolver.  Its
# allocations after the repair are all in the profile, to the byte, and
# --header counts the slot repaired.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

LAZY=$abs_top_builddir/tests/workloads/nm-lazy
[ -x "$LAZY" ] || fail_ "$LAZY is not built"

record_ok lazy.dat -q --nativemem=0 -- "$LAZY"
grep -qx ok "$T/out" || fail_ "the workload failed: $(cat "$T/out")"
grep -qx repaired "$T/out" || fail_ "the slot was not patched again"
report_ok alloc.txt lazy.dat --alloc --format=collapsed
got=$(collapsed_leaf_count alloc.txt lazy_site)
[ "$got" = $((4 * 1000037)) ] ||
	fail_ "lazy_site has $got bytes, expected $((4 * 1000037))"
report_ok header.txt lazy.dat --header
grep -q "nativemem_slots_repaired.*1" header.txt ||
	fail_ "--header does not count the repaired slot"
note_ "lazy_site: $got bytes; $(grep nativemem_slots_repaired header.txt)"
exit 0
