#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof attach on a running program that nprof did not start: attach-target
# answers on a pipe.  After the attach it dlopens a plugin and spins in it;
# the report must name the plugin's function.  A second attach to the same
# process, with another engine, works too (the agent is loaded already).
# Through it all the target answers as before, and exits with its own
# status.  Done twice: with a target of root's, and (as root) with one
# started as nobody, as another user's process.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

for prog in "$ATTACH_TARGET" "$ATTACH_PLUGIN"; do
	[ -e "$prog" ] || fail_ "$prog is not built (make check builds it)"
done

one_target()
{
	who=$1
	shift
	start_target "$@" "$ATTACH_TARGET"
	target_expect ping pong

	attach_bg -q -F 499 -o "$who-cpu.dat" "$target_pid"
	target_expect "load $ATTACH_PLUGIN" loaded
	target_expect "spin 1" spun
	attach_stop
	target_untouched
	report_ok "$who-cpu.txt" "$who-cpu.dat"
	grep -q plugin_hot_loop "$who-cpu.txt" ||
		fail_ "$who: the report does not name plugin_hot_loop"
	grep -q 'libattach-plugin' "$who-cpu.txt" ||
		fail_ "$who: the report does not name the plugin's module"

	# Again, another engine, ended by -d: the agent is already loaded.
	run_nprof 60 attach -v -q -e ctimer -d 1.5 -o "$who-ctimer.dat" "$target_pid" &
	again=$!
	sleep 0.3
	target_expect "spin 0.8" spun
	wait $again || fail_ "$who: the second attach failed"
	grep -q 'the agent was loaded already' "$T/err" ||
		fail_ "$who: the second attach did not find the loaded agent"
	report_ok "$who-ctimer.txt" "$who-ctimer.dat" --header
	grep -q '^engine: ctimer' "$who-ctimer.txt" ||
		fail_ "$who: the second session did not use ctimer"
	[ "$(header_samples "$who-ctimer.txt")" -gt 0 ] ||
		fail_ "$who: the second session has no samples"

	target_untouched
	target_expect ping pong
	target_expect quit bye
	target_wait 7
	[ ! -s "$T/target.err" ] || fail_ "$who: the target wrote to stderr"
}

one_target root

if is_root && command -v setpriv >/dev/null 2>&1; then
	for_nobody ATTACH_TARGET ATTACH_PLUGIN
	one_target nobody setpriv --reuid=65534 --regid=65534 --clear-groups
else
	note_ "not root or no setpriv: no target of another user's"
fi
exit 0
