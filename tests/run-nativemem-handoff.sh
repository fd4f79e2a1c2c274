#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Exact mode's queues (src/agent/mem-queues.h) with blocks going from
# thread to thread (tests/workloads/nm-handoff.c): producers allocate,
# consumers free and reuse the addresses at once, so each address's
# events come from several threads and several queues.  The stream must
# keep each address's order: no inconsistency, what was allocated and
# leaked at each site to the byte (queues chosen by thread instead of by
# address fail here).  And the peak of main's big blocks, each freed
# before the next, is one of them, never both.  (That each thread's
# order holds across queues is check_mem_queues' to prove: here both of a
# block's events share its queue.)
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

HANDOFF=$abs_top_builddir/tests/workloads/nm-handoff
[ -x "$HANDOFF" ] || fail_ "$HANDOFF is not built"

items=20000
record_ok h.dat -q --nativemem=0 -- "$HANDOFF" $items
cp "$T/out" want.txt
grep -qx ok want.txt || fail_ "nm-handoff failed under nprof"
report_ok alloc.txt h.dat --alloc --format=collapsed
report_ok leaks.txt h.dat --leaks --format=collapsed
report_ok live.txt h.dat --live
report_ok header.txt h.dat --header
grep -q "^lost allocation events: 0$" header.txt ||
	fail_ "allocation events were lost"
grep -q "^inconsistencies: 0 " header.txt ||
	fail_ "the profile has inconsistencies: $(grep '^inconsistencies' header.txt)"

# want FUNC FIELD: the workload's own count (field 2: allocated, 3: leaked).
want()
{
	awk -v f="$1" -v k="$2" '$1 == f { print (NF >= k ? $k : 0) }' want.txt
}

for f in big_block produce_a produce_b consume_scratch; do
	got=$(collapsed_leaf_count alloc.txt $f)
	[ "$got" = "$(want $f 2)" ] ||
		fail_ "--alloc: $f has $got bytes, expected $(want $f 2)"
	got=$(collapsed_leaf_count leaks.txt $f)
	[ "$got" = "$(want $f 3)" ] ||
		fail_ "--leaks: $f has $got bytes, expected $(want $f 3)"
done
note_ "$(grep -c . alloc.txt) stacks, allocated and leaked bytes exact"

# The peak: BIG2 (66.8 MiB) and some, not BIG1 + BIG2 (69.6 MiB).
peak=$(sed -n 's/^#.* peak \([0-9.]*\) MiB at.*/\1/p' live.txt)
[ -n "$peak" ] || fail_ "no peak in MiB in: $(head -n 1 live.txt)"
awk -v p="$peak" 'BEGIN { exit !(p >= 66.7 && p < 68) }' ||
	fail_ "peak $peak MiB: one thread's order was not kept"
note_ "peak $peak MiB"
exit 0
