#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof attach --nativemem=0 to a process that then loads a plugin with
# dlmopen(LM_ID_NEWLM), into a namespace with its own libc and heap: the
# plugin's pointer to malloc stored in data leads to the agent's hook while
# the session runs and not after; its allocations are in the profile by
# name and to the byte, its hot loop in the CPU view; dlclose empties the
# namespace (its id is free for the next dlmopen, as without nprof), and
# the plugin loaded again works after the session.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

for prog in "$ATTACH_TARGET" "$ATTACH_PLUGIN"; do
	[ -e "$prog" ] || fail_ "$prog is not built (make check builds it)"
done

start_target "$ATTACH_TARGET"
printf 'mload %s\n' "$ATTACH_PLUGIN" >&3
target_read
case $answer in
"loaded in "[1-9]*) lmid=${answer#loaded in } ;;
*) skip_ "dlmopen(LM_ID_NEWLM) of a library with libc fails here: $answer" ;;
esac
target_expect unload unloaded

attach_bg -q --nativemem=0 -F 499 -o a.dat "$target_pid"
target_until hooked "host 1 plugin -"
target_expect "mload $ATTACH_PLUGIN" "loaded in $lmid"
target_expect hooked "host 1 plugin 1"
target_expect "palloc 7 1009" allocated
target_expect "spin 0.5" spun
target_expect unload unloaded
# Nothing of ours keeps the emptied namespace: the id is free again.
target_expect "mload $ATTACH_PLUGIN" "loaded in $lmid"
target_expect hooked "host 1 plugin 1"
target_expect "palloc 5 1013" allocated
attach_stop
target_untouched
target_expect hooked "host 0 plugin 0"
target_expect "palloc 3 1000" allocated
target_expect unload unloaded
target_expect "mload $ATTACH_PLUGIN" "loaded in $lmid"
target_expect unload unloaded

report_ok alloc.txt a.dat --alloc --format=collapsed
report_ok cpu.txt a.dat --cpu --format=collapsed
report_ok header.txt a.dat --header
got=$(collapsed_leaf_count alloc.txt plugin_a_alloc)
[ "$got" -eq $((7 * 1009 + 5 * 1013)) ] ||
	fail_ "plugin_a_alloc has $got bytes, expected $((7 * 1009 + 5 * 1013))"
grep -q "^inconsistencies: 0 " header.txt ||
	fail_ "the profile has inconsistencies"
hot=$(collapsed_incl_count cpu.txt plugin_hot_loop)
note_ "CPU samples in plugin_hot_loop: $hot"
[ "$hot" -ge 5 ] || fail_ "plugin_hot_loop has $hot CPU samples"

target_expect ping pong
target_expect quit bye
target_wait 7
[ ! -s "$T/target.err" ] || fail_ "the target wrote to stderr"
exit 0
