#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A samples.dat is data: a report never runs anything it names.  gen-profile
# writes profiles with frames in a module whose path holds shell
# metacharacters ($(...), backquotes, ';', '|'), a newline and terminal
# escape sequences, or names an executable script; `nprof report` in every
# format must run none of them (no PWNED file appears, the script does not
# run), print the names as text (control characters as '?', newlines as
# spaces, nothing that drives a terminal), and escape them in HTML and SVG.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

GEN=$abs_top_builddir/tests/helpers/gen-profile
mkdir work || fail_ "cannot make work"
cd work || fail_ "cannot enter work"
printf '#! /bin/sh\ntouch "%s/PWNED-script"\n' "$T" >evil.sh
chmod +x evil.sh

esc=$(printf '\033')
bel=$(printf '\007')

# no_control FILE WHAT: FILE has no escape or bell character.
no_control()
{
	! grep -q "[$esc$bel]" "$1" || fail_ "$2: a control character reached the output"
}

# check_path N PATH SHOWN: reports of profiles whose module is PATH, in
# every format; SHOWN is what the text report must show of its name.
check_path()
{
	"$GEN" -n 700 -s 30 --evil-path "$2" -o cpu$1.dat || fail_ "gen-profile failed"
	"$GEN" --alloc -n 700 -s 30 --evil-path "$2" -o mem$1.dat ||
		fail_ "gen-profile --alloc failed"
	for format in text tree collapsed flamegraph pprof; do
		for data in cpu$1.dat mem$1.dat; do
			run_nprof 60 report --format=$format -o "$data.$format" "$data"
			[ "$rc" -eq 0 ] || fail_ "path $1: report --format=$format $data exited $rc"
			no_control "$T/err" "path $1: report --format=$format's stderr"
		done
	done
	run_nprof 60 report --format=timeline -o mem$1.svg mem$1.dat
	[ "$rc" -eq 0 ] || fail_ "path $1: report --format=timeline exited $rc"
	report_ok header$1.txt cpu$1.dat --header
	for out in cpu$1.dat.text cpu$1.dat.tree cpu$1.dat.collapsed \
		   mem$1.dat.text header$1.txt; do
		no_control "$out" "path $1: $out"
	done
	grep -Fq -- "$3" cpu$1.dat.text ||
		fail_ "path $1: the text report does not show '$3'"
	# HTML and SVG: the markup-free parts are there; no raw '<' of ours.
	grep -q 'PWNED\|evil' cpu$1.dat.flamegraph ||
		fail_ "path $1: the flame graph does not show the module"
	grep -q 'PWNED\|evil' mem$1.svg || fail_ "path $1: the timeline does not show the module"
	[ -z "$(find "$T" -name 'PWNED*')" ] ||
		fail_ "path $1: something ran: $(find "$T" -name 'PWNED*')"
}

check_path 1 '/nonexistent/$(touch PWNED1).so' '[$(touch PWNED1).so+0x'
check_path 2 '/nonexistent/`touch PWNED2`.so' '[`touch PWNED2`.so+0x'
check_path 3 '/nonexistent/x;touch PWNED3;y.so' '[x;touch PWNED3;y.so+0x'
check_path 4 '|touch PWNED4' '[|touch PWNED4+0x'
check_path 5 "$(printf '/nonexistent/new\nline$(touch PWNED5)\033[31mRED\033]0;title\007<b>.so')" \
	'[new line$(touch PWNED5)?[31mRED?]0;title?<b>.so+0x'
grep -Fq 'new line$(touch PWNED5)?[31mRED?]0;title?\u003cb\u003e.so' cpu5.dat.flamegraph ||
	fail_ "path 5: the flame graph does not show the name escaped"
grep -Fq 'new line$(touch PWNED5)?[31mRED?]0;title?&lt;b&gt;.so' mem5.svg ||
	fail_ "path 5: the timeline does not show the name escaped"
! grep -q '<b>' cpu5.dat.flamegraph mem5.svg || fail_ "path 5: raw markup in HTML or SVG"
check_path 6 "$T/work/evil.sh" '[evil.sh+0x'
[ ! -e "$T/PWNED-script" ] || fail_ "the report ran the script a module path names"
exit 0
