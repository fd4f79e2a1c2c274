#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A plugin loaded by dlmopen(LM_ID_NEWLM) after the session started, into a
# link-map namespace with its own libc and heap (tests/workloads/
# nm-dlmopen.c, twice, with libnm-plugin.so and its dependency): its
# allocation wrapper and its dependency's are in --alloc and --leaks by
# name and to the byte, its hot loop in the CPU view, and the program runs
# as without nprof (its blocks go back to its own heap, and the namespace
# id it left is free again for its second load).  Then sampled mode, with
# blocks far above the interval: nearly exact.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

NM_DLMOPEN=$abs_top_builddir/tests/workloads/nm-dlmopen
WDIR=$abs_top_builddir/tests/workloads
[ -x "$NM_DLMOPEN" ] || fail_ "$NM_DLMOPEN is not built"

last_cmd="nm-dlmopen (without nprof)"
run_timeout 60 "$NM_DLMOPEN" "$WDIR" >bare.out 2>"$T/err"
rc=$?
[ "$rc" -eq 77 ] && skip_ "$(head -n 1 bare.out)"
[ "$rc" -eq 0 ] && grep -qx ok bare.out || fail_ "nm-dlmopen fails without nprof"

# expect_bytes FILE FUNC BYTES: bytes of the stacks whose leaf is FUNC.
expect_bytes()
{
	_got=$(collapsed_leaf_count "$1" "$2")
	[ "$_got" = "$3" ] || fail_ "$1: $2 has $_got bytes, expected $3"
	note_ "$1: $2: $_got bytes"
}

record_ok exact.dat -q --nativemem=0 -e cpu -- "$NM_DLMOPEN" "$WDIR" spin
grep -qx ok "$T/out" || fail_ "nm-dlmopen failed under nprof"
grep '^lmid' bare.out >want.lmid
grep '^lmid' "$T/out" >got.lmid
cmp -s want.lmid got.lmid ||
	fail_ "namespace ids $(tr '\n' ' ' <got.lmid)differ from a run without nprof: $(tr '\n' ' ' <want.lmid)"
report_ok alloc.txt exact.dat --alloc --format=collapsed
report_ok leaks.txt exact.dat --leaks --format=collapsed
report_ok cpu.txt exact.dat --cpu --format=collapsed
report_ok header.txt exact.dat --header
expect_bytes alloc.txt nm_plugin_alloc $((6 * 8009))
expect_bytes alloc.txt nm_dep_alloc $((2 * 8011))
expect_bytes leaks.txt nm_plugin_alloc $((2 * 8009))
expect_bytes leaks.txt nm_dep_alloc $((2 * 8011))
grep -q "nm_plugin_dep_alloc;nm_dep_alloc " alloc.txt ||
	fail_ "the dependency's allocation is not under the plugin"
grep -q "^inconsistencies: 0 " header.txt ||
	fail_ "the profile has inconsistencies"
spin=$(collapsed_leaf_count cpu.txt nm_plugin_spin)
note_ "CPU samples in nm_plugin_spin: $spin"
[ "$spin" -ge 5 ] || fail_ "nm_plugin_spin has $spin CPU samples"

# Sampled: blocks of 8009 bytes with T = 512 are sampled with probability
# 1 - exp(-15.6), at weight 8009.
record_ok sampled.dat -q --nativemem=512 -- "$NM_DLMOPEN" "$WDIR"
grep -qx ok "$T/out" || fail_ "nm-dlmopen failed under nprof (sampled)"
report_ok salloc.txt sampled.dat --alloc --format=collapsed
report_ok sleaks.txt sampled.dat --leaks --format=collapsed
check_between "$(ratio "$(collapsed_leaf_count salloc.txt nm_plugin_alloc)" \
	$((6 * 8009)))" 0.99 1.01 "sampled nm_plugin_alloc / truth"
check_between "$(ratio "$(collapsed_leaf_count sleaks.txt nm_plugin_alloc)" \
	$((2 * 8009)))" 0.99 1.01 "sampled leaked nm_plugin_alloc / truth"
check_between "$(ratio "$(collapsed_leaf_count sleaks.txt nm_dep_alloc)" \
	$((2 * 8011)))" 0.99 1.01 "sampled leaked nm_dep_alloc / truth"
exit 0
