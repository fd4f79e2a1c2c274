#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --format=flamegraph: one self-contained HTML page (no network, no other
# script), names with markup escaped (a generated module path, and real
# C++ names: burn<script> and operator"" _burn), and in a real browser (Debian's
# chromium, headless) it draws the expected functions, a click zooms, the
# search matches, and --diff and --leaks are one command each.  The page
# writes what it drew into the DOM (#drawn, data-zoom on <body>); a hash
# like "#click=NAME" makes it click on a frame itself.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

GEN=$abs_top_builddir/tests/helpers/gen-profile
"$GEN" -n 7000 -s 300 -t 3 --evil -o cpu.dat || fail_ "gen-profile failed"
report_ok fg.html cpu.dat --format=flamegraph

# Self-contained: no URL to fetch, and only the page's own two scripts.
grep -Eiq '(src|href)=|https?://|@import' fg.html &&
	fail_ "the page refers to something outside it: $(grep -Eio '(src|href)=.{0,40}|https?://.{0,40}' fg.html | head -n 3)"
[ "$(grep -o '<script' fg.html | wc -l)" -eq 2 ] ||
	fail_ "the page has $(grep -o '<script' fg.html | wc -l) script elements, expected 2"
# The module path '<script>"evil&.so' stays inside its JSON string.
grep -q 'evil' fg.html || fail_ "the page has no frame of the evil module"
grep -q '<script>"evil' fg.html && fail_ "a name's markup is in the page unescaped"
grep -q '\\u003cscript\\u003e\\"evil\\u0026.so' fg.html ||
	fail_ "the evil name is not escaped as expected"

# One command for a leak flame graph.
"$GEN" --alloc -n 1000 -s 10 -o mem.dat || fail_ "gen-profile --alloc failed"
report_ok leaks.html mem.dat --leaks --format=flamegraph
grep -q 'leaks, 19.5 KiB leaked' leaks.html || fail_ "the leak flame graph has no title"
"$GEN" -n 3500 -s 300 -t 3 -o base.dat || fail_ "gen-profile failed"
report_ok diff.html cpu.dat --format=flamegraph --diff base.dat
grep -q '"base":\[' diff.html || fail_ "the diff flame graph has no base values"

# Real C++ names with markup and quotes, sampled from cxx-markup-names:
# "void burn<script>(double)" and "operator\"\" _burn(unsigned long long)".
# Neither may reach the page raw, and both must be there escaped.
record_ok cxx.dat -q -F 499 -- "$abs_top_builddir/tests/workloads/cxx-markup-names"
report_ok cxx.txt cxx.dat --format=collapsed
for name in 'void burn<script>(double)' 'operator"" _burn(unsigned long long)'; do
	grep -Fq "$name" cxx.txt || fail_ "$name was not sampled"
done
report_ok cxx.html cxx.dat --format=flamegraph
grep -Fq '<script>(double)' cxx.html && fail_ "burn<script> is in the page unescaped"
grep -Fq 'operator""' cxx.html && fail_ "operator\"\" is in the page with its quotes unescaped"
grep -Fq '"void burn\u003cscript\u003e(double)"' cxx.html ||
	fail_ "burn<script> is not in the page escaped"
grep -Fq '"operator\"\" _burn(unsigned long long)"' cxx.html ||
	fail_ "operator\"\" _burn is not in the page escaped"
[ "$(grep -o '<script' cxx.html | wc -l)" -eq 2 ] ||
	fail_ "the C++ page has $(grep -o '<script' cxx.html | wc -l) script elements, expected 2"

# The browser part.
CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
[ -n "$CHROMIUM" ] ||
	skip_ "no Chromium to open the page in (apt-get install chromium); the page itself was checked"

# browse PAGE HASH: the DOM of PAGE#HASH after its script ran, in $T/dom.
browse()
{
	last_cmd="$CHROMIUM --dump-dom $1#$2"
	run_timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
		--window-size=1200,800 --virtual-time-budget=5000 \
		--dump-dom "file://$T/$1#$2" >"$T/dom" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail_ "chromium exited $rc"
	grep -q '<body data-zoom=' "$T/dom" ||
		fail_ "the page's script did not run: $(grep -i 'console' "$T/err" | head -n 3)"
}

# drawn NAME: whether the page drew a frame named NAME.
drawn()
{
	sed -n '/<pre id="drawn"/,/<\/pre>/p' "$T/dom" | grep -Fq "$1"
}

browse fg.html ''
grep -q 'data-zoom="all"' "$T/dom" || fail_ "the page does not start unzoomed"
for f in main gen_f00 gen_f01; do
	drawn "$f" || fail_ "the page did not draw $f"
done
drawn '[&lt;script&gt;"evil&amp;.so+0x' ||
	fail_ "the page did not draw the evil name as text"
frames=$(sed -n 's/.*data-frames="\([0-9]*\)".*/\1/p' "$T/dom")
note_ "$frames frames drawn unzoomed"

browse fg.html 'click=gen_f01'
grep -q 'data-zoom="gen_f01"' "$T/dom" || fail_ "a click on gen_f01 did not zoom to it"
zoomed=$(sed -n 's/.*data-frames="\([0-9]*\)".*/\1/p' "$T/dom")
[ "$zoomed" -lt "$frames" ] ||
	fail_ "zoomed to gen_f01, the page draws $zoomed frames, unzoomed $frames"
drawn gen_f01 || fail_ "zoomed to gen_f01, the page does not draw it"
note_ "$zoomed frames drawn zoomed to gen_f01"

browse fg.html 'search=^gen_f00$'
grep -q 'matched: [0-9]* samples (6[0-9]\.[0-9]*%)' "$T/dom" ||
	fail_ "the search for gen_f00 does not show its share: $(grep -o 'matched:[^<]*' "$T/dom")"

browse fg.html 'icicle'
grep -q 'data-mode="icicle"' "$T/dom" || fail_ "the toggle does not switch to an icicle"

# The C++ names are text in the page; no element came out of them.
browse cxx.html ''
drawn 'void burn&lt;script&gt;(double)' || fail_ "the page did not draw burn<script> as text"
drawn 'operator"" _burn(unsigned long long)' || fail_ "the page did not draw operator\"\" _burn as text"
[ "$(grep -o '<script' "$T/dom" | wc -l)" -eq 2 ] ||
	fail_ "after its script ran, the C++ page has $(grep -o '<script' "$T/dom" | wc -l) script elements, expected 2"

browse leaks.html ''
drawn gen_f08 || fail_ "the leak flame graph does not draw gen_f08"

exit 0
