#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Inline frames and source lines: inline-o2's hot loop is in mix_rounds, a
# static inline always_inline function that has no code of its own, inlined
# into crunch.  Every format shows mix_rounds as a frame of its own under
# crunch: text and tree with "[inlined]", collapsed as a plain frame, the
# flame graph coloured as inlined (kind 4), pprof as a location with two
# lines, mix_rounds first.  The lines are eu-addr2line's: the hottest
# stack's in the text report, and every line of every pprof location (the
# leaf's address as it is, a caller's one byte before, as nprof looks them
# up), in the program and in libc (with whatever debug info this machine
# has for it, which eu-addr2line finds alike).  --lines splits the tree and
# the collapsed stacks by line.
#
# The workload is tests/workloads/inline-o2, built with -O2 -g
# (tests/Makefile.inc).  At -F 999 it gives ~800 samples, ~95% in
# mix_rounds: the inline frame is checked on the hottest stack, whose
# frames are deterministic, so 1% slack is plenty.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

WL=$abs_top_builddir/tests/workloads/inline-o2
[ -x "$WL" ] || fail_ "$WL is not built (make check builds it)"
command -v eu-addr2line >/dev/null 2>&1 ||
	skip_ "eu-addr2line is not installed (apt-get install elfutils)"

record_ok inline.dat -q -F 999 -- "$WL"

## collapsed: mix_rounds is the leaf, under crunch, under main.
report_ok inline.collapsed inline.dat --format=collapsed
check_between "$(collapsed_share inline.collapsed mix_rounds)" 0.5 1 \
	"share of samples in mix_rounds"
chain=$(awk '{
	s = $0; sub(/ [0-9]+$/, "", s)
	n = split(s, frame, ";")
	if (frame[n] != "mix_rounds") next
	t += $NF
	if (s ~ /^_start;(.*;)?main;crunch;mix_rounds$/) c += $NF
} END { printf "%.4f\n", t ? c / t : 0 }' inline.collapsed)
check_between "$chain" 0.99 1 "share of mix_rounds samples under main;crunch"

## text: the hottest stack, with [inlined] and eu-addr2line's lines.
report_ok inline.txt inline.dat
awk '/^# hottest stacks/ { f = 1; next } f && /^ / { print } f && /^$/ { exit }' \
	inline.txt >hot.txt
note_ "hottest stack: $(tr -s ' ' <hot.txt | tr '\n' '|')"
leaf=$(sed -n 1p hot.txt)
caller=$(sed -n 2p hot.txt)
case $leaf in
"    mix_rounds (inline-o2) [inlined] inline-o2.c:"[0-9]*) ;;
*) fail_ "the hottest stack's leaf is '$leaf', expected mix_rounds [inlined] with its line" ;;
esac
case $caller in
"    crunch (inline-o2) inline-o2.c:"[0-9]*) ;;
*) fail_ "the hottest stack's second frame is '$caller', expected crunch with its line" ;;
esac
grep -q '^ *[0-9.]*% .* mix_rounds  *inline-o2 \[inlined\]$' inline.txt ||
	fail_ "the function table does not mark mix_rounds as inlined"

# What eu-addr2line says of every address of crunch: the lines of
# mix_rounds there, and the line crunch calls it from.
crunch=$(nm -S "$WL" | awk '$4 == "crunch" { print $1, $2; exit }')
[ -n "$crunch" ] || fail_ "no symbol crunch in $WL"
set -- $crunch
start=$((0x$1))
end=$((0x$1 + 0x$2))
addrs=
a=$start
while [ $a -lt $end ]; do
	addrs="$addrs $(printf '0x%x' $a)"
	a=$((a + 1))
done
# shellcheck disable=SC2086 # one argument per address
eu-addr2line -f -i -e "$WL" $addrs >crunch.a2l || fail_ "eu-addr2line failed"
awk '/^mix_rounds inlined at / { getline l
	if (l ~ /:[0-9]+:[0-9]+$/) sub(/:[0-9]+$/, "", l)
	sub(/.*:/, "", l); print l }' \
	crunch.a2l | sort -u >mix.lines
sed -n 's/^mix_rounds inlined at .*:\([0-9][0-9]*\):[0-9]* in crunch$/\1/p' \
	crunch.a2l | sort -u >call.lines
[ -s mix.lines ] || fail_ "eu-addr2line sees no mix_rounds inlined in crunch (was it built with -O2 -g?)"
note_ "eu-addr2line: mix_rounds at lines $(tr '\n' ' ' <mix.lines), called from $(tr '\n' ' ' <call.lines)"
grep -qx "${leaf##*:}" mix.lines ||
	fail_ "the text report puts mix_rounds at line ${leaf##*:}; eu-addr2line at $(tr '\n' ' ' <mix.lines)"
grep -qx "${caller##*:}" call.lines ||
	fail_ "the text report puts crunch's call at line ${caller##*:}; eu-addr2line at $(tr '\n' ' ' <call.lines)"

## tree: mix_rounds [inlined] right under crunch; with --lines, lines.
report_ok inline.tree inline.dat --format=tree
awk '/ crunch \(inline-o2\)$/ { getline n; print n; exit }' inline.tree >under.txt
grep -q '^[ 0-9.%]* mix_rounds (inline-o2) \[inlined\]$' under.txt ||
	fail_ "the tree does not show mix_rounds [inlined] under crunch: '$(cat under.txt)'"
report_ok lines.tree inline.dat --format=tree --lines
grep -q ' mix_rounds (inline-o2) \[inlined\] inline-o2\.c:[0-9]*$' lines.tree ||
	fail_ "the tree with --lines has no line for mix_rounds"
grep -q ' crunch (inline-o2) inline-o2\.c:[0-9]*$' lines.tree ||
	fail_ "the tree with --lines has no line for crunch"
! grep -q 'inline-o2\.c:' inline.tree ||
	fail_ "the tree shows lines without --lines"

## collapsed --lines: "name [file:line]" frames, the same total.
report_ok lines.collapsed inline.dat --format=collapsed --lines
grep -q ';crunch \[inline-o2\.c:[0-9]*\];mix_rounds \[inline-o2\.c:[0-9]*\] [0-9]*$' \
	lines.collapsed || fail_ "collapsed --lines has no 'crunch [inline-o2.c:N];mix_rounds [inline-o2.c:N]'"
[ "$(collapsed_total lines.collapsed)" = "$(collapsed_total inline.collapsed)" ] ||
	fail_ "collapsed --lines counts $(collapsed_total lines.collapsed) samples, without $(collapsed_total inline.collapsed)"
! grep -q 'inline-o2\.c' inline.collapsed || fail_ "collapsed shows lines without --lines"

## flamegraph: mix_rounds is of the inlined kind (4), crunch is not.
report_ok inline.html inline.dat --format=flamegraph
# kind_of NAME: the kind of the first frame called NAME in inline.html.
kind_of()
{
	# Names may hold brackets ("[libc.so.6+0x2a1c]") and commas ("f<a,
	# b>"): the names run up to the kinds, and split between the strings.
	sed -n 's/.*"names":\[\(.*\)\],"kinds":\[\([^]]*\)\].*/\1\n\2/p' inline.html |
	awk -v name="$1" 'NR == 1 { n = split($0, names, "\",\"")
			sub(/^"/, "", names[1]); sub(/"$/, "", names[n]) }
		NR == 2 { split($0, kinds, ",")
			for (i = 1; i <= n; i++)
				if (names[i] == name) { print kinds[i]; exit } }'
}
[ "$(kind_of mix_rounds)" = 4 ] ||
	fail_ "the flame graph's mix_rounds is of kind '$(kind_of mix_rounds)', expected 4 (inlined)"
[ "$(kind_of crunch)" = 0 ] ||
	fail_ "the flame graph's crunch is of kind '$(kind_of crunch)', expected 0 (program)"

## pprof: every location's lines are eu-addr2line's.
if ! command -v go >/dev/null 2>&1; then
	note_ "go is not installed: not checking pprof's locations"
	exit 0
fi
HOME=$T GOCACHE=$T/gocache GOFLAGS='' GOTOOLCHAIN=local
export HOME GOCACHE GOFLAGS GOTOOLCHAIN
run_nprof 60 report --format=pprof -o inline.pb.gz inline.dat
[ "$rc" -eq 0 ] || fail_ "report --format=pprof exited $rc"
last_cmd="go tool pprof -raw inline.pb.gz"
run_timeout 120 go tool pprof -raw -symbolize=none inline.pb.gz >raw.txt 2>"$T/err" ||
	fail_ "go tool pprof -raw failed"
# "FILE FILE-ADDRESS frames..." per location in a mapping with a file, a
# frame being "function:line", innermost first; FILE-ADDRESS is where nprof
# looked: the address, or one byte before for a caller.
awk '
/^Samples:/ { sec = "s"; next }
/^Locations/ { sec = "l"; next }
/^Mappings/ { sec = "m"; next }
sec == "s" && /^ *[0-9]+ +[0-9]+: / {
	sub(/^[^:]*: */, "")
	n = split($0, id, " ")
	leaf[id[1]] = 1
	for (i = 2; i <= n; i++) caller[id[i]] = 1
}
sec == "l" && /^ *[0-9]+: 0x/ {
	cur = $1; sub(/:/, "", cur)
	addr[cur] = $2; map[cur] = substr($3, 3)
	frames[cur] = $4 ":" line_of($5)
	order[++nloc] = cur
	next
}
sec == "l" && NF >= 3 && $NF ~ /^s=/ { frames[cur] = frames[cur] " " $1 ":" line_of($2) }
sec == "m" && /^[0-9]+: 0x/ {
	m = $1; sub(/:/, "", m)
	split($2, r, "/")
	start[m] = r[1]; offset[m] = r[3]; file[m] = $3
}
function line_of(s) { sub(/.*:/, "", s); return s + 0 }
function hex(s,   v, i, c) {
	v = 0; s = tolower(s); sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1
		v = v * 16 + c
	}
	return v
}
END {
	for (k = 1; k <= nloc; k++) {
		l = order[k]
		if (!(map[l] in file) || file[map[l]] !~ /^\//) continue
		a = hex(addr[l]) - hex(start[map[l]]) + hex(offset[map[l]])
		# pprof merges locations that read alike: a leaf at a
		# return address may be one with the caller there.
		if (leaf[l])
			printf "%s 0x%x %s\n", file[map[l]], a, frames[l]
		if (caller[l])
			printf "%s 0x%x %s\n", file[map[l]], a - 1, frames[l]
	}
}' raw.txt >ours.txt
[ "$(wc -l <ours.txt)" -ge 5 ] || fail_ "only $(wc -l <ours.txt) pprof locations to check"
grep -q ' mix_rounds:[0-9]* crunch:[0-9]*$' ours.txt ||
	fail_ "no pprof location has the lines mix_rounds then crunch"
# outer_line FRAMES: FRAMES without the last one's function name.
outer_line()
{
	echo "$1" | sed 's/[^ ]*:\([0-9]*\)$/:\1/'
}
checked=0
while read -r file a ours; do
	theirs=$(eu-addr2line -f -i -e "$file" "$a" | awk '
		NR % 2 == 1 { f = $1; next }
		{ l = $0; if (l ~ /:[0-9]+:[0-9]+$/) sub(/:[0-9]+$/, "", l)
		  sub(/.*:/, "", l)
		  printf "%s%s:%d", sep, f, l + 0; sep = " " }')
	# The outermost function is named from the symbol table
	# (__libc_start_main, msort_with_tmp.part.0), eu-addr2line's from
	# the DWARF (__libc_start_main_impl, msort_with_tmp): only its line
	# is compared.
	[ "$(outer_line "$ours")" = "$(outer_line "$theirs")" ] ||
		fail_ "pprof location at $file $a is '$ours', eu-addr2line -f -i says '$theirs'"
	checked=$((checked + 1))
done <ours.txt
note_ "pprof: $checked locations have eu-addr2line's functions and lines"
exit 0
