#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof --help, --version and each subcommand's --help exit 0 and print
# their usage on stdout; no command or an unknown one is a usage error.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

run_nprof 10 --help
[ "$rc" -eq 0 ] || fail_ "--help exited $rc"
grep -q '^usage: nprof' "$T/out" || fail_ "--help prints no 'usage: nprof'"
for cmd in record attach report; do
	grep -q "^ *$cmd " "$T/out" || fail_ "--help does not list '$cmd'"
done

run_nprof 10 -h
[ "$rc" -eq 0 ] || fail_ "-h exited $rc"
grep -q '^usage: nprof' "$T/out" || fail_ "-h prints no usage"

run_nprof 10 --version
[ "$rc" -eq 0 ] || fail_ "--version exited $rc"
grep -Eq '^nprof [0-9]+\.[0-9]+' "$T/out" || fail_ "--version prints no 'nprof X.Y'"

run_nprof 10 record --help
[ "$rc" -eq 0 ] || fail_ "record --help exited $rc"
grep -qi 'usage: nprof record' "$T/out" || fail_ "record --help prints no usage"
for opt in -e -F -i -d -o -q --nativemem; do
	grep -q -- "$opt" "$T/out" || fail_ "record --help does not mention $opt"
done

run_nprof 10 attach --help
[ "$rc" -eq 0 ] || fail_ "attach --help exited $rc"
grep -qi 'usage: nprof attach' "$T/out" || fail_ "attach --help prints no usage"
for opt in --nativemem -e -F -i -d -o -q; do
	grep -q -- "$opt" "$T/out" || fail_ "attach --help does not mention $opt"
done

run_nprof 10 report --help
[ "$rc" -eq 0 ] || fail_ "report --help exited $rc"
grep -qi 'usage: nprof report' "$T/out" || fail_ "report --help prints no usage"
for opt in --format --header --top --cpu collapsed tree text; do
	grep -q -- "$opt" "$T/out" || fail_ "report --help does not mention $opt"
done

# Usage errors: a message, no crash.
run_nprof 10
{ [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; } || fail_ "nprof alone exited $rc"
grep -q 'usage' "$T/err" || fail_ "nprof alone prints no usage on stderr"

run_nprof 10 frobnicate
expect_error
grep -q "frobnicate" "$T/err" || fail_ "the message does not name the unknown command"

exit 0
