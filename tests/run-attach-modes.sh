#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sessions of different modes, one after the other, in one process (DESIGN
# rule 3): a --nativemem session while plugin A is loaded; A is dlclosed
# and plugin B loaded; a CPU-only session, which sees B but must not patch
# it; a --nativemem session again, which must patch B and the program and
# see their allocations (by name, to the byte: --nativemem=0 is exact).
# attach-target tells whether its own and the plugin's pointers to malloc
# stored in data lead to the agent's hook: only during --nativemem
# sessions, and never after one.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

for prog in "$ATTACH_TARGET" "$ATTACH_PLUGIN" "$ATTACH_PLUGIN_B"; do
	[ -e "$prog" ] || fail_ "$prog is not built (make check builds it)"
done

start_target "$ATTACH_TARGET"
target_expect "load $ATTACH_PLUGIN" loaded
target_expect hooked "host 0 plugin 0"

# 1: memory, with A.
attach_bg -q --nativemem=0 -o mem1.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "alloc 100 1000" allocated
target_expect "palloc 50 2000" allocated
attach_stop
target_untouched
target_expect hooked "host 0 plugin 0"
report_ok mem1.txt mem1.dat --alloc --format=collapsed
[ "$(collapsed_leaf_count mem1.txt host_alloc)" -eq 100000 ] ||
	fail_ "session 1: host_alloc has $(collapsed_leaf_count mem1.txt host_alloc) bytes, expected 100000"
[ "$(collapsed_leaf_count mem1.txt plugin_a_alloc)" -eq 100000 ] ||
	fail_ "session 1: plugin_a_alloc has $(collapsed_leaf_count mem1.txt plugin_a_alloc) bytes, expected 100000"

# A goes, B comes, between sessions.
target_expect unload unloaded
target_expect "load $ATTACH_PLUGIN_B" loaded
target_expect hooked "host 0 plugin 0"

# 2: CPU only: B is seen, not patched.
attach_bg -q -F 499 -o cpu2.dat "$target_pid"
target_expect hooked "host 0 plugin 0"
target_expect "spin 0.5" spun
target_expect "palloc 10 100" allocated
target_expect hooked "host 0 plugin 0"
attach_stop
target_untouched
report_ok cpu2.txt cpu2.dat
grep -q 'libattach-plugin-b' cpu2.txt ||
	fail_ "session 2: the report does not name plugin B's module"

# 3: memory again: B and the program are patched and seen.
attach_bg -q --nativemem=0 -o mem3.dat "$target_pid"
target_until hooked "host 1 plugin 1"
target_expect "alloc 30 3000" allocated
target_expect "palloc 40 4000" allocated
attach_stop
target_untouched
target_expect hooked "host 0 plugin 0"
report_ok mem3.txt mem3.dat --alloc --format=collapsed
[ "$(collapsed_leaf_count mem3.txt host_alloc)" -eq 90000 ] ||
	fail_ "session 3: host_alloc has $(collapsed_leaf_count mem3.txt host_alloc) bytes, expected 90000"
[ "$(collapsed_leaf_count mem3.txt plugin_b_alloc)" -eq 160000 ] ||
	fail_ "session 3: plugin_b_alloc has $(collapsed_leaf_count mem3.txt plugin_b_alloc) bytes, expected 160000"
! grep -q plugin_a_alloc mem3.txt || fail_ "session 3 names the unloaded plugin A"
report_ok mem3-header.txt mem3.dat --header
grep -q "^inconsistencies: 0 " mem3-header.txt ||
	fail_ "session 3 has inconsistencies"

target_expect ping pong
target_expect quit bye
target_wait 7
[ ! -s "$T/target.err" ] || fail_ "the target wrote to stderr"
exit 0
