#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Native memory stacks through code built without frame pointers: with
# --nativemem=0, nm-chain-o2's allocations (malloc, calloc, realloc, and
# strdup, which libc allocates for) are counted to the byte at each site,
# and every one has its whole chain, _start to main to nm_stage1 ...
# nm_stage4 to the site, found by the CFI alone.  Allocating is the first
# thing its main does: the unwind tables must be built before main runs,
# not by the writer thread a few milliseconds later; nor may a library's
# wait for the writer when the program calls it right after dlopen.
#
# The workload is tests/workloads/nm-chain-o2, built with -O2 -g
# -fomit-frame-pointer -fno-inline -fno-optimize-sibling-calls
# (WORKLOAD_O2_FLAGS in tests/Makefile.inc).
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

NM_CHAIN=$abs_top_builddir/tests/workloads/nm-chain-o2
[ -x "$NM_CHAIN" ] || fail_ "$NM_CHAIN is not built (make check builds it)"

record_ok chain.dat -q --nativemem=0 -- "$NM_CHAIN"
grep -qx ok "$T/out" || fail_ "the workload failed under nprof"
report_ok alloc.collapsed chain.dat --alloc --format=collapsed
report_ok leaks.collapsed chain.dat --leaks --format=collapsed
report_ok header.txt chain.dat --header
note_ "$(header_value header.txt unwind_stops)"

chain='_start;__libc_start_main;__libc_start_call_main;main;nm_stage1;nm_stage2;nm_stage3;nm_stage4'
# Each line is the whole stack: nothing else may allocate at these sites.
expect_line()
{
	grep -qxF "$2" "$1" || fail_ "$1 has no line '$2'; it has:
$(grep -F nm_ "$1")"
	note_ "$1: $2"
}
expect_line alloc.collapsed "$chain;nm_alloc_leaf $((5 * (7919 + 4099 + 1009 + 2003)))"
expect_line alloc.collapsed "$chain;nm_dup_leaf;__strdup $((5 * 101))"
expect_line leaks.collapsed "$chain;nm_alloc_leaf $((5 * 7919))"
expect_line leaks.collapsed "$chain;nm_dup_leaf;__strdup $((5 * 101))"
grep -q "^lost allocation events: 0$" header.txt ||
	fail_ "allocation events were lost"

# A frameless library called the moment dlopen returns, 20 loads: the
# dlopen hook builds its unwind table before returning, so each call has
# its whole chain (the writer's next scan is up to a tick away; before,
# every one of these stacks was the leaf alone).
DLCHAIN=$abs_top_builddir/tests/workloads/nm-dlchain-o2
[ -x "$DLCHAIN" ] || fail_ "$DLCHAIN is not built (make check builds it)"
record_ok dl.dat -q --nativemem=0 -- "$DLCHAIN" "$abs_top_builddir/tests/workloads"
grep -qx ok "$T/out" || fail_ "nm-dlchain-o2 failed under nprof"
report_ok dl.collapsed dl.dat --alloc --format=collapsed
report_ok dl.header dl.dat --header
grep -q "^lost allocation events: 0$" dl.header ||
	fail_ "nm-dlchain-o2: allocation events were lost"
note_ "nm-dlchain-o2: $(header_value dl.header unwind_stops)"
expect_line dl.collapsed \
	"_start;__libc_start_main;__libc_start_call_main;main;nm_dl_entry;nm_dl_stage1;nm_dl_stage2;nm_dl_leaf $((20 * 6007))"
exit 0
