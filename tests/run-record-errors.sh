#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every error of `nprof record` is one "nprof: " line on stderr and a
# non-zero status below 128 (no crash), comes without a hang, and never runs
# the command: each CMD here would create a marker file.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

marker=$T/marker

# record_error SUBJECT ARGS...: nprof record ARGS... must fail as an error
# should, name SUBJECT in its message (unless empty) and not run CMD.
record_error()
{
	_subject=$1
	shift
	rm -f "$marker" out.dat
	run_nprof 30 record "$@"
	expect_error
	if [ -n "$_subject" ]; then
		grep -qF -- "$_subject" "$T/err" ||
			fail_ "the message does not name '$_subject'"
	fi
	[ ! -e "$marker" ] || fail_ "the command ran although record failed"
	note_ "ok: nprof record $* -> $rc: $(cat "$T/err")"
}

# The command cannot be run.
record_error no-such-program -o out.dat -- no-such-program
record_error "$T/no-such-program" -o out.dat -- "$T/no-such-program"
printf '#! /bin/sh\ntouch %s\n' "$marker" >not-executable
chmod 644 not-executable
record_error not-executable -o out.dat -- "$T/not-executable"
record_error "" -o out.dat
record_error "" -o out.dat --

# Options.
record_error --bogus --bogus -o out.dat -- "$EXIT_STATUS" --touch "$marker" 0
record_error foo -e foo -o out.dat -- "$EXIT_STATUS" --touch "$marker" 0
record_error "" -e "" -o out.dat -- "$EXIT_STATUS" --touch "$marker" 0
for f in 0 abc 1000000 -5 10x; do
	record_error "$f" -F "$f" -o out.dat -- "$EXIT_STATUS" --touch "$marker" 0
done
for i in abc 0ms 10parsecs ms -1ms; do
	record_error "$i" -i "$i" -o out.dat -- "$EXIT_STATUS" --touch "$marker" 0
done
record_error abc -d abc -o out.dat -- "$EXIT_STATUS" --touch "$marker" 0
record_error "" -o out.dat -F -- "$EXIT_STATUS" --touch "$marker" 0

# An output that cannot be written is found before the command starts.
record_error /nonexistent-nprof-dir/out.dat \
	-o /nonexistent-nprof-dir/out.dat -- "$EXIT_STATUS" --touch "$marker" 0
: >a-file
record_error "$T/a-file/out.dat" -o "$T/a-file/out.dat" -- "$EXIT_STATUS" --touch "$marker" 0
mkdir a-dir
record_error "$T/a-dir" -o "$T/a-dir" -- "$EXIT_STATUS" --touch "$marker" 0
if ! is_root; then
	mkdir read-only
	chmod 555 read-only
	record_error "$T/read-only/out.dat" -o "$T/read-only/out.dat" -- "$EXIT_STATUS" --touch "$marker" 0
fi

exit 0
