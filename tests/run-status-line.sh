#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# On a terminal, record shows one live status line on stderr (elapsed time,
# samples, allocations, drops), redrawn in place and cleared at the end;
# with -q, or when stderr is not a terminal, none of it.  script(1) gives
# the command a pseudo-terminal.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

command -v script >/dev/null 2>&1 || skip_ "script(1) from util-linux is not installed"

esc=$(printf '\033')
cr=$(printf '\r')

last_cmd="script -qec 'nprof record -o tty.dat -- hot3x' /dev/null"
run_timeout 120 script -qec "'$NPROF' record -o '$T/tty.dat' -- '$HOT3X'" /dev/null \
	>"$T/tty.out" 2>&1 </dev/null
rc=$?
[ "$rc" -eq 0 ] || fail_ "record on a terminal exited $rc"
grep -q "nprof: [0-9.]* s, [0-9]* samples, [0-9]* allocations, [0-9]* dropped" "$T/tty.out" ||
	fail_ "no status line on the terminal"
# Each redraw starts with a carriage return and erases the line.
grep -q "$cr$esc\\[Knprof: " "$T/tty.out" || fail_ "the status line is not redrawn in place"
# The last thing before the closing summary is the erase of the line.
tr -d '\n' <"$T/tty.out" | grep -q "$cr$esc\\[Knprof: wrote " ||
	fail_ "the status line is not cleared before the summary"

last_cmd="script -qec 'nprof record -q -o tty.dat -- hot3x' /dev/null"
run_timeout 120 script -qec "'$NPROF' record -q -o '$T/tty.dat' -- '$HOT3X'" /dev/null \
	>"$T/tty-q.out" 2>&1 </dev/null
grep -q "samples, " "$T/tty-q.out" && fail_ "-q still shows a status line"

# Not a terminal: nothing but the summary.
run_nprof 120 record -o plain.dat -- "$HOT3X"
[ "$rc" -eq 0 ] || fail_ "record exited $rc"
grep -q "$esc" "$T/err" && fail_ "escape sequences on a stderr that is no terminal"
exit 0
