#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: load64 runs threads that allocate and free flat out, check every
# block and compute hashes of known value (see load64.c).  First nprof
# records 64 of them for a minute (NPROF_LOAD_SECONDS to change that) in
# native memory mode with CPU sampling at 999 Hz.  Then a second load64
# (NPROF_LOAD_CYCLE_THREADS threads, 16) runs alone for a while, and nprof
# attaches to it and detaches 100 times (NPROF_LOAD_CYCLES), alternating
# CPU, sampled and exact native memory sessions.  The target must never
# hang nor be left stopped, its checksums must hold, every file must read,
# and the agent's memory must stay bounded: its mapped, peak and resident
# bytes (META agent_*_bytes) under fixed caps, and what it holds after
# cycle 100 no more than after cycle 10 (mapped to the page; a leak of one
# mapping per session would show).  The figures go to the test's log.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

LOAD64=$abs_top_builddir/tests/workloads/load64
[ -x "$LOAD64" ] || fail_ "$LOAD64 is not built (make check builds it)"
secs=${NPROF_LOAD_SECONDS:-60}
cycles=${NPROF_LOAD_CYCLES:-100}
# The agent's memory is mostly address space reserved for its worst case
# (the exact mode's event queue, the stack table): ~255 MiB here.
AGENT_MAX_MIB=384
# Memory the agent may gain between cycle 10 and the last: none is
# expected; a page of slack per ten sessions.
AGENT_GROWTH_BYTES=$(((cycles / 10 + 1) * 4096))
# Resident, at most: a full queue of exact mode is 96 MiB.
AGENT_RESIDENT_MAX_MIB=160
# What the agent keeps resident after a session may grow this much between
# cycle 10 and the last of the same mode (its stack table, if new stacks
# come).
AGENT_KEPT_GROWTH_BYTES=$((2 << 20))
# The threads of the target of the attach cycles: each attach stops and
# samples every one, and on a machine shared with other work 64 make a
# cycle take tens of seconds.
cycle_threads=${NPROF_LOAD_CYCLE_THREADS:-16}
# The target's VmRSS (the least of a few readings: malloc's arenas of 64
# threads move by several MB on their own) may grow by a quarter, or
# 16 MiB, between cycle 10 and the last.
RSS_GROWTH_PERCENT=25
RSS_GROWTH_MIN_KB=$((16 * 1024))

# loaded_ok FILE: FILE holds load64's last lines, which must say "ok"
# with the checksums equal; prints the counts line.
loaded_ok()
{
	grep -q '^ok$' "$1" || fail_ "load64 said: $(grep -v '^ready' "$1" | tr '\n' ' ')"
	_line=$(grep '^threads ' "$1")
	[ -n "$_line" ] || fail_ "load64 printed no counts"
	echo "$_line" | awk '{ exit !($14 == $16 && $18 == 0) }' ||
		fail_ "load64's checksums differ: $_line"
	note_ "load64: $_line"
}

# count_of LINE KEY: the number after KEY in load64's counts LINE.
count_of()
{
	echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# status_kb PID KEY: the kB of KEY (VmRSS, VmHWM) in /proc/PID/status.
status_kb()
{
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# least_rss_kb PID: the least VmRSS of PID in five readings over a second.
least_rss_kb()
{
	_least=
	for _k in 1 2 3 4 5; do
		_v=$(status_kb "$1" VmRSS)
		[ -n "$_least" ] && [ "$_least" -le "$_v" ] || _least=$_v
		sleep 0.2
	done
	echo "$_least"
}

# agent_rss_kb PID: the Rss of the agent's mappings (named [anon:nprof]
# where the kernel names anonymous mappings), or empty.
agent_rss_kb()
{
	awk '/^[0-9a-f]+-[0-9a-f]+ / { ours = ($NF == "[anon:nprof]") }
	     ours && $1 == "Rss:" { kb += $2; seen = 1 }
	     END { if (seen) print kb }' "/proc/$1/smaps" 2>/dev/null
}

# meta_bytes HEADER LABEL: the bytes in a "LABEL: N (x MiB)" header line.
meta_bytes()
{
	header_value "$1" "$2" | sed -n 's/^\([0-9][0-9]*\).*/\1/p'
}

# wait_ready FILE PID: waits up to 60 s for load64's "ready" in FILE,
# while PID (the process that runs it) lives; sets $load_pid.
wait_ready()
{
	_n=0
	load_pid=
	until [ -n "$load_pid" ]; do
		load_pid=$(awk '$1 == "ready" { print $2 }' "$1")
		kill -0 "$2" 2>/dev/null || [ -n "$load_pid" ] ||
			fail_ "load64 ended before it was ready"
		_n=$((_n + 1))
		[ $_n -le 600 ] || fail_ "load64 was not ready in 60 s"
		[ -n "$load_pid" ] || sleep 0.1
	done
}

# wait_exit PID SECS: waits for the background PID, at most SECS seconds
# (then the test fails as hung); its status in $rc.
wait_exit()
{
	_n=0
	while kill -0 "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -le $(($2 * 10)) ] || fail_ "hung: process $1 still ran after $2 s"
		sleep 0.1
	done
	wait "$1"
	rc=$?
}

# on_exit CMD: runs CMD when the test ends, before the usual clean-up.
on_exit()
{
	if [ -n "${NPROF_TEST_KEEP:-}" ]; then
		# shellcheck disable=SC2064 # CMD is expanded at exit, T now
		trap "$1; echo \"kept $T\"" EXIT
	else
		# shellcheck disable=SC2064
		trap "$1; cd / && rm -rf \"$T\"" EXIT
	fi
}

test_start=$(date +%s)

## 0: load64 alone, for its memory without the agent.
base_secs=$((secs < 10 ? secs : 10))
run_timeout $((base_secs + 120)) "$LOAD64" "$base_secs" </dev/null >"$T/base.out" 2>&1 ||
	fail_ "load64 alone exited $?: $(tail -n 1 "$T/base.out")"
loaded_ok "$T/base.out"
base_line=$(grep '^threads ' "$T/base.out")
base_hwm=$(count_of "$base_line" vmhwm_kb)

## 1: record, a minute of 64 threads at full speed.
last_cmd="nprof record -o load.dat --nativemem -e cpu -F 999 -- load64 $secs"
"$NPROF" record -o load.dat --nativemem -e cpu -F 999 -- "$LOAD64" "$secs" \
	</dev/null >"$T/rec.out" 2>"$T/err" &
rec_pid=$!
on_exit 'kill -9 $rec_pid $load_pid 2>/dev/null'
wait_ready "$T/rec.out" $rec_pid
# The agent's Rss now and then, where the kernel names its mappings.
agent_rss_max=
while kill -0 $rec_pid 2>/dev/null; do
	a=$(agent_rss_kb "$load_pid")
	if [ -n "$a" ] && [ "${agent_rss_max:-0}" -lt "$a" ]; then
		agent_rss_max=$a
	fi
	[ $(($(date +%s) - test_start)) -le $((secs + 180)) ] || {
		kill -9 $rec_pid $load_pid
		fail_ "hung: nprof record still ran after $((secs + 180)) s"
	}
	sleep 1
done
wait $rec_pid
rc=$?
[ "$rc" -eq 0 ] || fail_ "record exited $rc"
loaded_ok "$T/rec.out"
rec_line=$(grep '^threads ' "$T/rec.out")
report_ok rec-header.txt load.dat --header
grep -q '^file: complete' rec-header.txt || fail_ "load.dat is not complete"
samples=$(header_samples rec-header.txt)
lost=$(header_value rec-header.txt lost)
allocs=$(header_value rec-header.txt "allocation events")
[ "${samples:-0}" -gt 0 ] || fail_ "no CPU samples in load.dat"
[ "${allocs:-0}" -gt 0 ] || fail_ "no allocation events in load.dat"
rec_peak=$(meta_bytes rec-header.txt "agent peak bytes")
[ -n "$rec_peak" ] || fail_ "load.dat has no agent_peak_bytes"
[ "$rec_peak" -le $((AGENT_MAX_MIB << 20)) ] ||
	fail_ "the agent mapped $rec_peak bytes, more than $AGENT_MAX_MIB MiB"
note_ "record: $samples samples, lost $lost, $allocs allocation events, $(header_value rec-header.txt "lost allocation events") lost"
rec_resident=$(meta_bytes rec-header.txt "agent resident bytes")
[ -n "$rec_resident" ] || fail_ "load.dat has no agent_resident_bytes"
[ "$rec_resident" -le $((AGENT_RESIDENT_MAX_MIB << 20)) ] ||
	fail_ "the agent held $rec_resident bytes, more than $AGENT_RESIDENT_MAX_MIB MiB"
rec_hwm=$(count_of "$rec_line" vmhwm_kb)
note_ "record: agent peak $rec_peak bytes mapped, $rec_resident resident; load64 VmHWM $rec_hwm kB with the agent, $base_hwm kB alone"
# The target's peak with the agent: its own, give or take malloc's noise,
# plus what the agent held.
[ "$rec_hwm" -le $((base_hwm * (100 + RSS_GROWTH_PERCENT) / 100 + rec_resident / 1024 + RSS_GROWTH_MIN_KB)) ] ||
	fail_ "load64's VmHWM is $rec_hwm kB with the agent, $base_hwm kB alone, and the agent held only $rec_resident bytes"
[ -z "$agent_rss_max" ] || note_ "record: agent Rss up to $agent_rss_max kB"
report_ok rec-cpu.txt load.dat --cpu --format=collapsed
[ "$(collapsed_incl_count rec-cpu.txt cpu_round)" -gt 0 ] ||
	fail_ "no CPU samples in cpu_round"
[ "$(collapsed_incl_count rec-cpu.txt alloc_round)" -gt 0 ] ||
	fail_ "no CPU samples in alloc_round"
report_ok rec-mem.txt load.dat --alloc --format=collapsed
[ "$(collapsed_incl_count rec-mem.txt block_new)" -gt 0 ] ||
	fail_ "no allocations in block_new"
record_end=$(date +%s)
note_ "record phase: $((record_end - test_start)) s"

## 2: a busy target alone, then attach and detach again and again.
"$LOAD64" 0 "$cycle_threads" </dev/null >"$T/busy.out" 2>"$T/busy.err" &
busy_pid=$!
on_exit 'kill -9 $busy_pid 2>/dev/null'
wait_ready "$T/busy.out" $busy_pid
[ "$load_pid" = "$busy_pid" ] || fail_ "load64 said it is $load_pid, not $busy_pid"
target_pid=$busy_pid
sleep 5
alone_rss=$(least_rss_kb $busy_pid)
alone_hwm=$(status_kb $busy_pid VmHWM)
note_ "alone: load64 VmRSS $alone_rss kB, VmHWM $alone_hwm kB"

mode_args()
{
	case $(($1 % 3)) in
	0) echo "-F 999" ;;
	1) echo "--nativemem -F 999" ;;
	*) echo "--nativemem=0" ;;
	esac
}

# The figures of cycle 10 are compared with those of the last cycle of
# the same mode.
last=$((cycles - (cycles - 1) % 3))
i=1
mapped_min= mapped_max=0 resident_max=0 kept_max=0
cycles_start=$(date +%s)
while [ $i -le "$cycles" ]; do
	# shellcheck disable=SC2046 # the options are words
	run_nprof 120 attach -q -d 0.2 $(mode_args $i) -o cycle.dat $busy_pid
	[ "$rc" -eq 0 ] || fail_ "attach $i ($(mode_args $i)) exited $rc"
	target_untouched
	report_ok cycle.txt cycle.dat --header
	grep -q '^file: complete' cycle.txt || fail_ "cycle $i: the file is not complete"
	mapped=$(meta_bytes cycle.txt "agent mapped bytes")
	[ -n "$mapped" ] || fail_ "cycle $i: no agent_mapped_bytes"
	[ -n "$mapped_min" ] && [ "$mapped_min" -le "$mapped" ] || mapped_min=$mapped
	[ "$mapped_max" -ge "$mapped" ] || mapped_max=$mapped
	resident=$(meta_bytes cycle.txt "agent resident bytes")
	[ -n "$resident" ] || fail_ "cycle $i: no agent_resident_bytes"
	[ "$resident_max" -ge "$resident" ] || resident_max=$resident
	kept=$(meta_bytes cycle.txt "agent kept bytes")
	[ -n "$kept" ] || fail_ "cycle $i: no agent_kept_bytes"
	[ "$kept_max" -ge "$kept" ] || kept_max=$kept
	lost_events=$(header_value cycle.txt "lost allocation events")
	lost_all=$(header_value cycle.txt lost | sed 's/ .*//')
	lost_ev_sum=$((${lost_ev_sum:-0} + ${lost_events:-0}))
	lost_sum=$((${lost_sum:-0} + lost_all - ${lost_events:-0}))
	if [ $i -eq 10 ] || [ $i -eq $last ]; then
		eval "mapped_$i=\$mapped resident_$i=\$resident kept_$i=\$kept"
		eval "peak_$i=\$(meta_bytes cycle.txt 'agent peak bytes')"
		eval "rss_$i=\$(least_rss_kb $busy_pid)"
		eval "agent_rss_$i=\$(agent_rss_kb $busy_pid)"
		cp cycle.txt "cycle$i.txt"
	fi
	i=$((i + 1))
done
cycles_end=$(date +%s)
eval "mapped_last=\$mapped_$last peak_last=\$peak_$last resident_last=\$resident_$last kept_last=\$kept_$last"
eval "rss_last=\$rss_$last agent_rss_last=\$agent_rss_$last"
note_ "$cycles attach cycles in $((cycles_end - cycles_start)) s; lost in all: $lost_sum samples, $lost_ev_sum allocation events"
note_ "agent at each cycle's end: $mapped_min to $mapped_max bytes mapped, up to $resident_max resident, up to $kept_max kept"
note_ "after cycle 10: agent mapped $mapped_10, peak $peak_10, resident $resident_10, kept $kept_10 bytes; load64 VmRSS $rss_10 kB${agent_rss_10:+, agent Rss $agent_rss_10 kB}"
note_ "after cycle $last: agent mapped $mapped_last, peak $peak_last, resident $resident_last, kept $kept_last bytes; load64 VmRSS $rss_last kB${agent_rss_last:+, agent Rss $agent_rss_last kB}"
[ "$resident_max" -le $((AGENT_RESIDENT_MAX_MIB << 20)) ] ||
	fail_ "the agent held up to $resident_max bytes, more than $AGENT_RESIDENT_MAX_MIB MiB"
[ "$kept_last" -le $((kept_10 + AGENT_KEPT_GROWTH_BYTES)) ] ||
	fail_ "the agent kept $kept_last bytes after cycle $last, $kept_10 after cycle 10"
[ "$peak_last" -le $((AGENT_MAX_MIB << 20)) ] ||
	fail_ "the agent mapped up to $peak_last bytes, more than $AGENT_MAX_MIB MiB"
[ "$mapped_last" -le $((mapped_10 + AGENT_GROWTH_BYTES)) ] ||
	fail_ "the agent holds $mapped_last bytes after cycle $last, $mapped_10 after cycle 10: it leaks"
[ "$peak_last" -le $((peak_10 + AGENT_GROWTH_BYTES)) ] ||
	fail_ "the agent's peak grew from $peak_10 to $peak_last bytes between cycle 10 and $last"
rss_growth=$((rss_10 * RSS_GROWTH_PERCENT / 100))
[ "$rss_growth" -ge $RSS_GROWTH_MIN_KB ] || rss_growth=$RSS_GROWTH_MIN_KB
[ "$rss_last" -le $((rss_10 + rss_growth)) ] ||
	fail_ "load64's VmRSS grew from $rss_10 to $rss_last kB between cycle 10 and $last"
if [ -n "$agent_rss_10" ] && [ -n "$agent_rss_last" ]; then
	[ "$agent_rss_last" -le $((agent_rss_10 + RSS_GROWTH_MIN_KB)) ] ||
		fail_ "the agent's Rss grew from $agent_rss_10 to $agent_rss_last kB"
fi

# The target still works, and its checksums hold.
kill -TERM $busy_pid
wait_exit $busy_pid 60
[ "$rc" -eq 0 ] || fail_ "load64 exited $rc after the attach cycles"
loaded_ok "$T/busy.out"
busy_line=$(grep '^threads ' "$T/busy.out")
note_ "load64 VmHWM $(count_of "$busy_line" vmhwm_kb) kB after the cycles, $alone_hwm kB before any"
note_ "total: $(($(date +%s) - test_start)) s"
exit 0
