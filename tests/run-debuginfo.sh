#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Where debug info comes from, and when it must not be used.
#
# Separate debug info by build-id: Debian's libc.so.6 has no DWARF of its
# own (only a .gnu_debuglink); libc6-dbg puts it under
# /usr/lib/debug/.build-id/xx/yyyy.debug.  With it, inline-o2's qsort
# samples show libc frames with source lines (msort.c) and libc functions
# inlined into others (msort_with_tmp into qsort_r), which nothing in
# libc.so.6 itself could give: libdwfl's standard lookup found the file.
# Skipped if libc6-dbg is not installed for this libc (contrib/quickstart
# installs it).
#
# A rebuilt program: a program recorded, then rebuilt with other flags (its
# build-id changes) is not symbolized with the new file: the report warns
# that the file is not the one profiled and shows its frames as
# [prog+0xoffset]; libc, unchanged, is still named.
#
# The workload is tests/workloads/inline-o2 (built with -O2 -g); the rebuilt
# program is compiled here from its source.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

WL=$abs_top_builddir/tests/workloads/inline-o2
SRC=$abs_top_srcdir/tests/workloads/inline-o2.c
[ -x "$WL" ] || fail_ "$WL is not built (make check builds it)"
command -v eu-readelf >/dev/null 2>&1 ||
	skip_ "eu-readelf is not installed (apt-get install elfutils)"

## A rebuilt program is not symbolized with the wrong file.
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || skip_ "no C compiler ($CC) to rebuild a program"
"$CC" -O2 -g -o prog "$SRC" || fail_ "cannot compile $SRC"
record_ok prog.dat -q -F 999 -- ./prog 1
report_ok before.txt prog.dat
grep -q ' crunch (prog)' before.txt || fail_ "the report of prog does not name crunch"
"$CC" -O1 -g -DREBUILT -o prog "$SRC" || fail_ "cannot compile $SRC again"
report_ok after.txt prog.dat
grep -q "^nprof: warning: '.*/prog' is not the file that was profiled (its build-id differs)" \
	"$T/err" || fail_ "no warning that prog's build-id differs"
[ "$(grep -c 'build-id differs' "$T/err")" -eq 1 ] ||
	fail_ "the build-id warning is given $(grep -c 'build-id differs' "$T/err") times, expected once"
! grep -q 'crunch\|mix_rounds\|compare_keys' after.txt ||
	fail_ "the rebuilt prog's symbols name frames of the recording"
grep -q '^    \[prog+0x[0-9a-f]*\]$' after.txt ||
	fail_ "prog's frames are not shown as [prog+0xoffset]"
grep -q '__libc_start_call_main (libc.so.6)' after.txt ||
	fail_ "libc, which did not change, is no longer named"
note_ "rebuilt: $(grep -c '\[prog+0x' after.txt) lines name [prog+0x...]"

## libc's separate debug info, found by build-id.
libc=$(ldd "$WL" | awk '$1 == "libc.so.6" { print $3; exit }')
[ -n "$libc" ] && [ -f "$libc" ] || skip_ "$WL does not use a libc.so.6"
debug=$(libc_debug_file "$WL")
[ -n "$debug" ] || skip_ "$libc has no build-id"
[ -f "$debug" ] ||
	skip_ "no $debug: libc6-dbg is not installed for this libc (contrib/quickstart installs it)"
eu-readelf -S "$libc" | grep -q '\.debug_\(info\|line\)' &&
	skip_ "$libc has DWARF of its own: nothing to prove about separate debug info"
eu-readelf -S "$debug" | grep -q '\.debug_line' ||
	fail_ "$debug has no .debug_line"
note_ "libc: $libc, no DWARF of its own; separate debug info in $debug"

record_ok libc.dat -q -F 999 -- "$WL"
report_ok libc.tree libc.dat --format=tree --lines --top 0
# A libc frame with a source line, and a libc function inlined into
# another: both only from the separate debug info.
grep -q ' qsort_r (libc\.so\.6) msort\.c:[0-9][0-9]*$' libc.tree ||
	fail_ "no line for qsort_r in libc: $(grep -m 3 'libc\.so\.6' libc.tree | tr -s ' ')"
grep -q ' msort_with_tmp (libc\.so\.6) \[inlined\] msort\.c:[0-9][0-9]*$' libc.tree ||
	fail_ "no inlined msort_with_tmp in libc"
note_ "libc frames: $(grep -c 'libc\.so\.6.* [a-z_-]*\.[chS]:[0-9]' libc.tree) tree nodes with a line"
report_ok libc.txt libc.dat
grep -q '^    __libc_start_call_main (libc\.so\.6) libc_start_call_main\.h:[0-9][0-9]*$' libc.txt ||
	fail_ "the text report's hottest stack has no line for __libc_start_call_main"
exit 0
