#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages: every option that `nprof CMD --help` lists is in
# nprof-CMD(1), every command is in nprof(1), and groff renders every page
# without a warning.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

man=$abs_top_srcdir/man

# check_page PAGE CMD...: every option CMD --help lists is in PAGE.
check_page()
{
	_page=$1
	shift
	run_nprof 30 "$@" --help
	[ "$rc" -eq 0 ] || fail_ "nprof $* --help exited $rc"
	# The page with its "\-" as plain "-".
	sed 's/\\-/-/g' "$man/$_page" >page
	options=$(grep -Eo '(^|[ ,])--?[a-zA-Z][a-z-]*' "$T/out" | sed 's/^[ ,]*//' | sort -u)
	[ -n "$options" ] || fail_ "found no option in nprof $* --help"
	for opt in $options; do
		grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|\$)" page ||
			fail_ "'$opt' is in 'nprof $* --help' but not in $_page"
	done
	note_ "$(echo "$options" | wc -l) options of nprof $* --help are in $_page"
}

check_page nprof-report.1 report
check_page nprof-record.1 record
check_page nprof-attach.1 attach
run_nprof 30 --help
[ "$rc" -eq 0 ] || fail_ "nprof --help exited $rc"
for sub in $(awk '/^Commands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1 }' "$T/out"); do
	grep -q "nprof $sub\|nprof\\-$sub\|nprof-$sub" "$man/nprof.1" ||
		fail_ "command '$sub' of nprof --help is not in nprof.1"
done

command -v groff >/dev/null 2>&1 ||
	skip_ "groff is not installed (apt-get install groff-base) to render the pages"
for page in "$man"/*.1 "$man"/*.5; do
	LC_ALL=C groff -man -ww -z "$page" >groff.out 2>&1 ||
		fail_ "groff fails on $(basename "$page"): $(head -n 3 groff.out)"
	[ ! -s groff.out ] ||
		fail_ "groff warns about $(basename "$page"): $(head -n 3 groff.out)"
done
exit 0
