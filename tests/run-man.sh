#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages: every option `nprof report --help` lists is in
# nprof-report(1), and groff renders every page without a warning.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

man=$abs_top_srcdir/man
run_nprof 30 report --help
[ "$rc" -eq 0 ] || fail_ "report --help exited $rc"
# The page with its "\-" as plain "-".
sed 's/\\-/-/g' "$man/nprof-report.1" >page
options=$(grep -Eo '(^|[ ,])--?[a-z][a-z-]*' "$T/out" | sed 's/^[ ,]*//' | sort -u)
[ -n "$options" ] || fail_ "found no option in report --help"
for opt in $options; do
	grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|\$)" page ||
		fail_ "'$opt' is in 'nprof report --help' but not in nprof-report.1"
done
note_ "$(echo "$options" | wc -l) options of report --help are in the page"

command -v groff >/dev/null 2>&1 ||
	skip_ "groff is not installed (apt-get install groff-base) to render the pages"
for page in "$man"/*.1 "$man"/*.5; do
	LC_ALL=C groff -man -ww -z "$page" >groff.out 2>&1 ||
		fail_ "groff fails on $(basename "$page"): $(head -n 3 groff.out)"
	[ ! -s groff.out ] ||
		fail_ "groff warns about $(basename "$page"): $(head -n 3 groff.out)"
done
exit 0
