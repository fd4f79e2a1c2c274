#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A program that forks while it loads and unloads a library
# (tests/workloads/nm-fork.c): at many of the forks a thread of the
# parent (the writer, a dlopen hook) is in the middle of changing the
# agent's tables.  A child has only the forking thread, and a copy of
# that half-done state: it must not walk it (before this test, 6% of such
# children died of SIGSEGV freeing unwind tables the parent was
# freeing).  Every child exits 0 in each mode; none is recorded; the
# parent's own allocations are, to the byte in exact mode.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

FORK=$abs_top_builddir/tests/workloads/nm-fork
LIB=$abs_top_builddir/tests/workloads/libnm-plugin.so
[ -x "$FORK" ] || fail_ "$FORK is not built"
[ -f "$LIB" ] || fail_ "$LIB is not built"

forks=2000
for mode in --nativemem=0 --nativemem "--nativemem -e cpu"; do
	# shellcheck disable=SC2086 # $mode is one or more options
	run_nprof 120 record -o f.dat -q $mode -- "$FORK" $forks "$LIB"
	set -- $(cat "$T/out")
	[ "$rc $1 $2 $3 $4" = "0 forks $forks failed 0" ] ||
		fail_ "$mode: exit $rc, nm-fork says '$(cat "$T/out")':" \
			"$(head -n 3 "$T/err")"
	parent_bytes=$6
	report_ok alloc.txt f.dat --alloc --format=collapsed
	! grep -q child_alloc alloc.txt ||
		fail_ "$mode: a child's allocations were recorded"
	got=$(collapsed_leaf_count alloc.txt parent_alloc)
	case $mode in
	--nativemem=0)
		[ "$got" = "$parent_bytes" ] ||
			fail_ "$mode: parent_alloc has $got bytes, expected $parent_bytes" ;;
	*)
		# 14 MB at a 512 KiB mean: ~27 samples, none is unlikely
		# beyond e^-27.
		[ "$got" -gt 0 ] || fail_ "$mode: parent_alloc was not sampled" ;;
	esac
	note_ "$mode: $forks children exited 0, parent_alloc $got bytes"
done
exit 0
