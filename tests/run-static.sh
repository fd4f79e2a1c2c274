#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A statically linked command cannot have the agent preloaded: nprof says so
# up front, in one warning, and still runs it and returns its exit status.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

STATIC=$abs_top_builddir/tests/workloads/exit-status-static
[ -x "$STATIC" ] || fail_ "$STATIC is not built"

run_nprof 60 record -q -o out.dat -- "$STATIC" 5
[ "$rc" -eq 5 ] || fail_ "record exited $rc, expected the command's 5"
grep -q "^nprof: warning: .*statically linked" "$T/err" ||
	fail_ "no warning that the command is statically linked"
[ "$(grep -c '^nprof: ' "$T/err")" -eq 1 ] ||
	fail_ "expected exactly one nprof line on stderr"
