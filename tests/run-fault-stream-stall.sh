#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The stream backs up: nprof record is stopped (SIGSTOP) while the command
# allocates under --nativemem=0 and is sampled.  The command never waits
# for nprof: it goes on making progress while nprof is stopped, its agent
# drops what its queues cannot hold and counts it, and once nprof goes on
# (SIGCONT) the session ends normally, with the drops in --header.
#
# The stop lasts until the command has made 30,000 rounds (3.8 million
# allocation events, more than the agent's queue of 2 million and the
# socket's buffers hold), however loaded the machine is.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

TARGET=$FAULT_TARGET
[ -x "$TARGET" ] || fail_ "$TARGET is not built"

last_cmd="nprof record --nativemem=0 -F 999 -o stall.dat -- fault-target"
"$NPROF" record --nativemem=0 -F 999 -o stall.dat -- "$TARGET" \
	--progress progress --done target.done --until enough --exit 6 60 \
	</dev/null >"$T/out" 2>record.err &
nprof_pid=$!
trap 'kill -CONT $nprof_pid 2>/dev/null; touch "$T/enough"; cd / && rm -rf "$T"' EXIT

wait_for "fault-target made no progress in 30 s" 30 progress_beyond progress 1000

kill -STOP $nprof_pid
stopped_at=$(progress_rounds progress)
wait_for "fault-target was blocked while nprof was stopped: $stopped_at rounds at the stop, fewer than 30,000 more 30 s later" \
	30 progress_beyond progress $((stopped_at + 30000))
resumed_at=$(progress_rounds progress)
kill -CONT $nprof_pid
note_ "$stopped_at rounds at the stop, $resumed_at when nprof went on"

# Some progress with nprof running again, then the end.
wait_for "fault-target made no progress after SIGCONT" 30 \
	progress_beyond progress $((resumed_at + 1000))
touch enough
wait $nprof_pid
rc=$?
cp record.err "$T/err"
[ "$rc" -eq 6 ] || fail_ "record exited $rc, expected fault-target's 6"
grep -qx 'exit 6' target.done || fail_ "fault-target did not finish"

report_ok stall.header stall.dat --header
grep -q '^file: complete' stall.header || fail_ "the file is not whole"
grep -q '^agent stop: exit' stall.header ||
	fail_ "the session did not end at the command's exit"
lost=$(header_value stall.header lost | sed 's/ .*//')
lost_mem=$(header_value stall.header 'lost allocation events')
note_ "lost: $(header_value stall.header lost); allocation events: $(header_value stall.header 'allocation events')"
[ "${lost:-0}" -gt 0 ] || fail_ "--header shows no lost events"
[ "${lost_mem:-0}" -gt 0 ] || fail_ "--header shows no lost allocation events"
# nprof's last line says so too.
grep -Eq "^nprof: wrote 'stall.dat' \([0-9]+ samples, [1-9][0-9]* dropped\)" record.err ||
	fail_ "nprof's last line does not count the drops"
exit 0
