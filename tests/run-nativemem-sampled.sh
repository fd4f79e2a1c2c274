#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sampled native memory (--nativemem=4k): site_three allocates three times
# site_one's bytes in the same mix of sizes, and site_leak leaks
# 400 * SCALE blocks of 5000 bytes.  The estimates must hold every time.
#
# The statistics, at SCALE 8 and T = 4096: site_one allocates B = 16.0 MB in
# blocks of 100..899 bytes, each sampled with probability 1 - exp(-s/T) and
# weighted s / (1 - exp(-s/T)) ~ T; the estimate's relative standard
# deviation is about sqrt(T / B) = 1.6%, site_three's 0.92%, their ratio's
# 1.85%: the bound of 10% is 5.4 standard deviations.  site_leak's 3200
# blocks are each sampled with p = 0.705 and weigh 7092 bytes: a binomial
# count with relative deviation sqrt((1 - p) / (n p)) = 1.1%; the bound of
# 15% is 13 deviations.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

NATIVEMEM=$abs_top_builddir/tests/workloads/nativemem
WDIR=$abs_top_builddir/tests/workloads
[ -x "$NATIVEMEM" ] || fail_ "$NATIVEMEM is not built"

scale=8
record_ok s.dat -q --nativemem=4k -- "$NATIVEMEM" $scale "$WDIR"
grep -qx ok "$T/out" || fail_ "the workload failed under nprof"
report_ok alloc.txt s.dat --alloc --format=collapsed
report_ok leaks.txt s.dat --leaks --format=collapsed
report_ok header.txt s.dat --header
[ -n "$(header_value header.txt "nativemem interval")" ] ||
	fail_ "no nativemem interval in the header"
header_value header.txt "nativemem interval" | grep -q '^4096 ' ||
	fail_ "the header does not give the interval 4096"

one=$(collapsed_leaf_count alloc.txt site_one)
three=$(collapsed_leaf_count alloc.txt site_three)
leak=$(collapsed_leaf_count leaks.txt site_leak)
true_one=$(awk -v n=$((4000 * scale)) 'BEGIN {
	for (i = 0; i < n; i++) s += 100 + (i * 37 % 800); print s }')
check_between "$(ratio "$three" "$one")" 2.7 3.3 "site_three / site_one"
check_between "$(ratio "$one" "$true_one")" 0.9 1.1 "site_one estimate / truth"
check_between "$(ratio "$leak" $((scale * 400 * 5000)))" 0.85 1.15 \
	"site_leak leaked estimate / truth"
# Freed sites leak nothing: frees of sampled blocks are recorded.
[ "$(collapsed_leaf_count leaks.txt site_one)" -eq 0 ] ||
	fail_ "site_one leaks in the sampled profile"
[ "$(collapsed_leaf_count leaks.txt site_three)" -eq 0 ] ||
	fail_ "site_three leaks in the sampled profile"
# A block much larger than T is nearly always sampled, at its own size.
check_between "$(ratio "$(collapsed_leaf_count leaks.txt site_prime)" 2097143)" \
	0.99 1.01 "site_prime leaked estimate / truth"

# A small interval samples most allocations, nearly as many events as
# exact mode: they take exact mode's queues (SMALL_INTERVAL in
# src/agent/hooks.c), whose one for this thread holds all of this run's
# ~520,000 on two CPUs (1 Mi cells) even if the writer never ran; a
# sampled session's one small queue lost a third of them.
record_ok small.dat -q --nativemem=1k -- "$NATIVEMEM" 64 "$WDIR"
grep -qx ok "$T/out" || fail_ "the workload failed under nprof (1k)"
report_ok small-header.txt small.dat --header
[ "$(header_value small-header.txt "lost allocation events")" = 0 ] ||
	fail_ "--nativemem=1k lost $(header_value small-header.txt "lost allocation events") events"
exit 0
