#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# With jemalloc preloaded by the user (Debian's libjemalloc2), the agent
# comes after it in LD_PRELOAD: the hooks must chain to jemalloc's
# functions (found from bound GOT slots or dlsym(RTLD_DEFAULT), never
# RTLD_NEXT), without deadlock, and count the same bytes as with glibc.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

NATIVEMEM=$abs_top_builddir/tests/workloads/nativemem
WDIR=$abs_top_builddir/tests/workloads
JEMALLOC=
for f in /usr/lib/*/libjemalloc.so.2 /usr/lib/libjemalloc.so.2; do
	[ -e "$f" ] && JEMALLOC=$f && break
done
[ -n "$JEMALLOC" ] || skip_ "libjemalloc.so.2 is not installed (Debian: libjemalloc2)"
# LD_PRELOAD reaches nprof itself too, and an ASan build of nprof refuses to
# start with another library ahead of its runtime.
if ldd "$NPROF" 2>/dev/null | grep -q libasan; then
	skip_ "nprof is built with ASan, which cannot start under a preloaded jemalloc"
fi

LD_PRELOAD=$JEMALLOC
export LD_PRELOAD
record_ok je.dat -q --nativemem=0 -- "$NATIVEMEM" 2 "$WDIR"
grep -qx "allocator: jemalloc" "$T/out" || fail_ "jemalloc did not serve the workload"
grep -qx ok "$T/out" || fail_ "the workload failed under nprof with jemalloc"
unset LD_PRELOAD
record_ok glibc.dat -q --nativemem=0 -- "$NATIVEMEM" 2 "$WDIR"
for d in je glibc; do
	report_ok $d.alloc $d.dat --alloc --format=collapsed
	report_ok $d.leaks $d.dat --leaks --format=collapsed
done
for f in site_one site_three site_leak site_prime site_aligned nm_noplt_alloc \
	nm_ptr_alloc nm_sections_alloc nm_plugin_alloc nm_dep_alloc; do
	a=$(collapsed_leaf_count je.alloc $f)
	b=$(collapsed_leaf_count glibc.alloc $f)
	[ "$a" = "$b" ] && [ "$a" -gt 0 ] ||
		fail_ "$f: $a bytes with jemalloc, $b with glibc"
	a=$(collapsed_leaf_count je.leaks $f)
	b=$(collapsed_leaf_count glibc.leaks $f)
	[ "$a" = "$b" ] || fail_ "$f leaks $a bytes with jemalloc, $b with glibc"
done
note_ "same bytes at every site with jemalloc and glibc"
exit 0
