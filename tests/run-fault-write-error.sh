#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof record cannot write samples.dat any more, with --nativemem=0 on a
# program that allocates tens of MB of events: the output is a pipe whose
# reader goes away, the file reaches ulimit -f, or the disk fills (a 256
# KiB tmpfs).  nprof says so in one line, stops writing, and asks the agent
# to end the session, which puts back the GOT slots at once (the command
# sees its pointer to malloc restored before it ends); the command is
# neither blocked nor killed and finishes with its own status; nprof waits
# for it and exits non-zero, and what it wrote reads up to its last whole
# record.  A disk that is full before the start stops nprof before it
# starts the command.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

TARGET=$FAULT_TARGET
[ -x "$TARGET" ] || fail_ "$TARGET is not built"

# A pipe: nprof must not die of SIGPIPE.
mkfifo pipe || fail_ "mkfifo"
head -c 1000 pipe >/dev/null &
run_nprof 120 record -q --nativemem=0 -o pipe -- \
	"$TARGET" --done pipe.done --exit 4 2
expect_error
grep -q "^nprof: cannot write 'pipe': Broken pipe" "$T/err" ||
	fail_ "pipe: the error does not say that the pipe is broken"
grep -qx 'exit 4' pipe.done || fail_ "pipe: fault-target did not finish"
grep -qx 'restored 1' pipe.done ||
	fail_ "pipe: the session went on after nprof could not write any more"

# Beyond ulimit -f: nprof must not die of SIGXFSZ.
if command -v prlimit >/dev/null; then
	last_cmd="prlimit --fsize=200000 nprof record -q --nativemem=0 -o big.dat -- fault-target"
	run_timeout 120 prlimit --fsize=200000 "$NPROF" record -q --nativemem=0 \
		-o big.dat -- "$TARGET" --done big.done --exit 4 2 \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	expect_error
	grep -q "^nprof: cannot write 'big.dat': File too large" "$T/err" ||
		fail_ "ulimit -f: the error does not say that the file is too large"
	grep -qx 'exit 4' big.done || fail_ "ulimit -f: fault-target did not finish"
	grep -qx 'restored 1' big.done ||
		fail_ "ulimit -f: the session went on after nprof could not write any more"
else
	note_ "no prlimit: ulimit -f not checked"
fi

# A full disk.
is_root || skip_ "mounting a tmpfs needs root"
mkdir small || fail_ "mkdir small"
mount -t tmpfs -o size=256k nprof-test "$T/small" 2>mount.err ||
	skip_ "cannot mount a tmpfs: $(cat mount.err)"
trap 'umount "$T/small"; cd / && rm -rf "$T"' EXIT

run_nprof 120 record -q --nativemem=0 -o small/full.dat -- \
	"$TARGET" --done target.done --exit 4 3
expect_error
grep -q "^nprof: cannot write 'small/full.dat': No space left on device" "$T/err" ||
	fail_ "the error does not say that the disk is full"

# The command did all its work and exited with its status.
[ -s target.done ] || fail_ "fault-target did not finish"
grep -qx 'exit 4' target.done || fail_ "fault-target ended with: $(cat target.done)"
rounds=$(awk '$1 == "rounds" { print $2 }' target.done)
[ "${rounds:-0}" -gt 0 ] || fail_ "fault-target did no rounds"
grep -qx 'exit 4' "$T/out" || fail_ "fault-target's stdout is lost"
grep -qx 'restored 1' target.done ||
	fail_ "the session went on after nprof could not write any more"

# The file holds what fitted, and says it is cut short.
size=$(wc -c <small/full.dat)
note_ "$rounds rounds; $size bytes written"
[ "$size" -gt 100000 ] || fail_ "only $size bytes written on a 256 KiB disk"
cp small/full.dat full.dat
report_ok full.header full.dat --header
grep -q '^file: cut short' full.header ||
	fail_ "--header does not say the file is cut short"
# The agent sends allocation events in records of up to 1 MiB: the first
# one may not have fitted, so the report may well be empty.
run_nprof 60 report --alloc --format=collapsed full.dat
[ "$rc" -eq 0 ] || fail_ "report --alloc of the cut file exited $rc"
grep -q 'cut short' "$T/err" ||
	fail_ "report does not warn that the file is cut short"

# A disk full before the start: nprof stops before it runs the command.
rm -f small/full.dat
dd if=/dev/zero of=small/fill bs=4k count=64 2>/dev/null
run_nprof 60 record -q -o small/late.dat -- "$EXIT_STATUS" --touch ran 3
expect_error
grep -q "^nprof: cannot write 'small/late.dat': No space left on device" "$T/err" ||
	fail_ "full before the start: the error does not say that the disk is full"
[ ! -e ran ] || fail_ "full before the start: the command ran"
[ ! -e small/late.dat ] || fail_ "full before the start: an empty file is left"
exit 0
