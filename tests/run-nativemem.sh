#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --nativemem=0 records every allocation and free: the workload nativemem
# (tests/workloads/nativemem.c) allocates a known number of bytes at each
# site, and the report must give them to the byte, and the leaked bytes too:
# sizes that vary, calloc/realloc/posix_memalign/aligned_alloc/memalign/
# valloc/pvalloc, strdup and getline attributed to their caller, a -fno-plt
# library and a function pointer stored in data, a library with gaps between
# its segments, and a plugin (with its dependency) dlopened after the start
# with RTLD_LAZY and then RTLD_NOW, both RTLD_LOCAL.  With -e cpu as well,
# the plugin's hot loop shows in the CPU view.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

NATIVEMEM=$abs_top_builddir/tests/workloads/nativemem
WDIR=$abs_top_builddir/tests/workloads
[ -x "$NATIVEMEM" ] || fail_ "$NATIVEMEM is not built"

# site_bytes FILE FUNC: bytes of the stacks whose leaf is FUNC (collapsed
# --alloc/--leaks output counts bytes).
site_bytes()
{
	collapsed_leaf_count "$1" "$2"
}

# expect_bytes FILE FUNC BYTES
expect_bytes()
{
	_got=$(site_bytes "$1" "$2")
	[ "$_got" = "$3" ] || fail_ "$1: $2 has $_got bytes, expected $3"
	note_ "$1: $2: $_got bytes"
}

scale=2
record_ok exact.dat -q --nativemem=0 -- "$NATIVEMEM" $scale "$WDIR"
grep -qx ok "$T/out" || fail_ "the workload failed under nprof"
report_ok alloc.txt exact.dat --alloc --format=collapsed
report_ok leaks.txt exact.dat --leaks --format=collapsed
report_ok header.txt exact.dat --header

# site_one: sizes 100 + (i * 37 % 800) for i < 4000 * scale.
one=$(awk -v n=$((4000 * scale)) 'BEGIN {
	for (i = 0; i < n; i++) s += 100 + (i * 37 % 800); print s }')
expect_bytes alloc.txt site_one "$one"
expect_bytes alloc.txt site_three $((3 * one))
# One call site, three callers in turn at the same depth: each caller's
# stack has its own bytes (a kept stack taken for another's would not).
for via in a:211 b:223 c:227; do
	_got=$(awk -v f="rotate_via_${via%:*};rotate_leaf" '
		{ n = $NF; $NF = ""; if (index($0, f " ") || index($0, f ";")) s += n }
		END { print s + 0 }' alloc.txt)
	[ "$_got" = $((scale * 3000 * ${via#*:})) ] ||
		fail_ "rotate_via_${via%:*}'s stacks have $_got bytes, expected $((scale * 3000 * ${via#*:}))"
done
expect_bytes alloc.txt site_leak $((scale * 400 * 5000))
expect_bytes alloc.txt site_prime $((3 * 2097143 + 1000 + 2097169))
expect_bytes alloc.txt site_aligned $((4096 + 3008 + 2000 + 1000 + 4096))
expect_bytes alloc.txt nm_noplt_alloc 7001
expect_bytes alloc.txt nm_ptr_alloc 7013
expect_bytes alloc.txt nm_sections_alloc 7019
expect_bytes alloc.txt nm_plugin_alloc $((2 * 8009))
expect_bytes alloc.txt nm_dep_alloc $((2 * 8011))

# libc allocates for strdup and getline: the caller is on the stack.
grep -q "site_strdup;__strdup 31$" alloc.txt ||
	fail_ "strdup's 31 bytes are not under site_strdup"
grep -q "site_strdup;__getdelim [0-9]" alloc.txt ||
	fail_ "getline's buffer is not under site_strdup"
# The plugin's dependency is reached through the plugin.
grep -q "site_plugin;nm_plugin_dep_alloc;nm_dep_alloc " alloc.txt ||
	fail_ "the dependency's allocation is not under the plugin"

# Leaks: what each site did not free.
expect_bytes leaks.txt site_leak $((scale * 400 * 5000))
expect_bytes leaks.txt site_prime 2097143
expect_bytes leaks.txt nm_plugin_alloc $((2 * 8009))
for f in site_one site_three site_aligned; do
	[ "$(site_bytes leaks.txt $f)" -eq 0 ] || fail_ "$f leaks"
done
[ "$(header_value header.txt "nativemem interval")" = "0 (exact)" ] ||
	fail_ "the header does not say the interval was 0 (exact)"
grep -q "^inconsistencies: 0 " header.txt ||
	fail_ "the profile has inconsistencies"
grep -q "^lost allocation events: 0$" header.txt ||
	fail_ "allocation events were lost"
# The writer says what CPU it took (a thread's own clock, seconds).
case $(header_value header.txt "agent writer CPU seconds") in
[0-9]*.[0-9][0-9][0-9][0-9][0-9][0-9]) ;;
*) fail_ "the header does not give the writer's CPU time" ;;
esac

# Memory and CPU at once: the plugin's hot loop is in the CPU view.
record_ok both.dat -q --nativemem -e cpu -F 499 -- "$NATIVEMEM" 1 "$WDIR" spin
report_ok cpu.txt both.dat --cpu --format=collapsed
spin=$(collapsed_leaf_count cpu.txt nm_plugin_spin)
note_ "CPU samples in nm_plugin_spin: $spin"
[ "$spin" -ge 10 ] || fail_ "nm_plugin_spin has $spin CPU samples"
report_ok alloc2.txt both.dat --alloc --format=collapsed
exit 0
