#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `nprof record` exits with its command's status (128+N when the command dies
# of signal N), leaves the command's stdin, stdout and stderr alone, and
# still writes a profile that reports when the command is killed.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

for code in 0 1 3 42 255; do
	run_nprof 60 record -q -o out.dat -- "$EXIT_STATUS" "$code"
	[ "$rc" -eq "$code" ] || fail_ "command exited $code, record $rc"
	[ -s out.dat ] || fail_ "no out.dat after a command that exited $code"
done

for sig in 15:143 9:137 2:130; do
	n=${sig%:*}
	want=${sig#*:}
	rm -f out.dat
	run_nprof 60 record -q -o out.dat -- "$EXIT_STATUS" --spin 1 --signal "$n"
	[ "$rc" -eq "$want" ] ||
		fail_ "command died of signal $n, record exited $rc, expected $want"
	report_ok "sig$n.header" out.dat --header
	samples=$(header_samples "sig$n.header")
	[ "${samples:-0}" -gt 0 ] ||
		fail_ "the profile of a command killed by signal $n has no samples"
done

# stdio: what the command reads and writes goes through untouched, and
# nprof adds nothing to stdout, with or without -q.
printf 'hello\nsecond line\n\001\002 binary \377\n' >input
for quiet in -q ""; do
	last_cmd="nprof record $quiet -- exit-status --echo --stderr to-stderr 7"
	# shellcheck disable=SC2086 # $quiet may be empty
	run_timeout 60 "$NPROF" record $quiet -o out.dat -- \
		"$EXIT_STATUS" --echo --stderr to-stderr 7 <input >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 7 ] || fail_ "record exited $rc, expected 7"
	cmp -s input "$T/out" || fail_ "stdout differs from the command's input"
	grep -q '^to-stderr$' "$T/err" || fail_ "the command's stderr is lost"
	if [ -n "$quiet" ]; then
		if grep -v '^to-stderr$' "$T/err" | grep -v '^nprof: warning: ' |
		   grep -q .; then
			fail_ "record -q printed more than warnings on stderr"
		fi
	fi
done

# The classic pipe.
out=$(echo hello | timeout 60 "$NPROF" record -q -o out.dat -- "$EXIT_STATUS" --echo)
[ "$out" = hello ] || fail_ "echo hello | nprof record -- exit-status --echo printed '$out'"

exit 0
