#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A statically linked command cannot have the agent preloaded: nprof says so
# in one warning, has the kernel sample its CPU time (frame-pointer stacks),
# and returns its exit status.  hot-static (static, -O2, frame pointers)
# spends 60%, 30% and 10% of its CPU in work_big, work_mid and work_small:
# the report names them with those shares and the whole chain up to main,
# threads are followed, -d stops sampling early and so does a write error,
# a static-pie build is symbolized at its load bias, --nativemem warns that
# memory cannot be tracked and still samples CPU, a refused
# perf_event_open runs the command unprofiled with a file that says why,
# and user nobody gets user-space samples.
#
# The statistics: hot-static 1 is ~0.7 s of CPU, ~700 samples at 999 Hz.
# As independent draws, the 10% share would have a standard deviation of
# 0.011 and the 60% one 0.019; the bounds below are 5 or more of those away
# (periodic samples are steadier still, and each call lasts 10 ms or more,
# so the period cannot alias with the alternation of the three).
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

STATIC=$abs_top_builddir/tests/workloads/exit-status-static
HOT_STATIC=$abs_top_builddir/tests/workloads/hot-static
HOT_PIE=$abs_top_builddir/tests/workloads/hot-static-pie
for prog in "$STATIC" "$HOT_STATIC" "$HOT_PIE"; do
	[ -x "$prog" ] || fail_ "$prog is not built"
done

# The short one: its own status back, one warning that says why.
run_nprof 60 record -q -o out.dat -- "$STATIC" 5
[ "$rc" -eq 5 ] || fail_ "record exited $rc, expected the command's 5"
[ "$(grep -c '^nprof: warning: .*statically linked' "$T/err")" -eq 1 ] ||
	fail_ "expected one warning that the command is statically linked"
grep -q 'frame-pointer stacks only' "$T/err" ||
	fail_ "the warning does not say that stacks come from frame pointers"

# check_shares NAME: NAME.collapsed is a profile of hot-static; checks the
# three functions' shares and their callers.
check_shares()
{
	total=$(collapsed_total "$1.collapsed")
	[ "$total" -ge 100 ] || fail_ "$1: only $total samples"
	check_between "$(collapsed_share "$1.collapsed" work_big)" 0.45 0.75 \
		"$1: share of work_big"
	check_between "$(collapsed_share "$1.collapsed" work_mid)" 0.18 0.42 \
		"$1: share of work_mid"
	check_between "$(collapsed_share "$1.collapsed" work_small)" 0.04 0.2 \
		"$1: share of work_small"
	# The chain, leaf to $2 (main, or worker in a thread), is whole in
	# at least 90% of each function's samples (a prologue may lose one).
	for f in work_big work_mid work_small; do
		leaf=$(collapsed_leaf_count "$1.collapsed" "$f")
		chain=$(awk -v f="$f" -v top="$2" '{
			s = $0; sub(/ [0-9]+$/, "", s)
			if (s ~ ("(^|;)" top ";run_workload;do_round;" f "$")) c += $NF
		} END { print c + 0 }' "$1.collapsed")
		check_between "$(ratio "$chain" "$leaf")" 0.9 1 \
			"$1: share of $f under $2;run_workload;do_round"
	done
}

# One thread at 999 Hz: names, shares, chains, every format.
run_nprof 120 record -q -F 999 -o hot.dat -- "$HOT_STATIC" 1
[ "$rc" -eq 3 ] || fail_ "record exited $rc, expected hot-static's 3"
grep -q 'rounds done' "$T/out" || fail_ "hot-static did not finish"
report_ok hot.header hot.dat --header
header_value hot.header engine | grep -q '^perf cpu-clock' ||
	fail_ "engine is '$(header_value hot.header engine)', expected perf cpu-clock"
grep -q '^warning: .*statically linked' hot.header ||
	fail_ "--header does not carry the warning"
report_ok hot.collapsed hot.dat --format=collapsed
check_shares hot main
report_ok hot.txt hot.dat
big=$(grep -n work_big hot.txt | head -n 1 | cut -d: -f1)
mid=$(grep -n work_mid hot.txt | head -n 1 | cut -d: -f1)
small=$(grep -n work_small hot.txt | head -n 1 | cut -d: -f1)
[ -n "$small" ] && [ "$big" -lt "$mid" ] && [ "$mid" -lt "$small" ] ||
	fail_ "the top list does not rank work_big, work_mid, work_small"
report_ok hot.tree hot.dat --format=tree
report_ok hot.html hot.dat --format=flamegraph
for f in work_big work_mid work_small do_round run_workload main; do
	grep -q "$f" hot.tree || fail_ "the tree does not name $f"
	grep -q "$f" hot.html || fail_ "the flame graph does not name $f"
done
note_ "hot-static at 999 Hz: $(header_samples hot.header) samples, $(grep '^lost' hot.header)"

# static-pie: the executable's load bias comes from its mapping.
run_nprof 120 record -q -F 999 -o pie.dat -- "$HOT_PIE" 1
[ "$rc" -eq 3 ] || fail_ "static-pie: record exited $rc, expected 3"
report_ok pie.collapsed pie.dat --format=collapsed
check_shares pie main

# Threads: three workers named hs-worker, each sampled with its chain.
run_nprof 120 record -q -F 999 -o threads.dat -- "$HOT_STATIC" 0.5 3
[ "$rc" -eq 3 ] || fail_ "threads: record exited $rc, expected 3"
report_ok threads.header threads.dat --header
sampled=$(header_value threads.header threads | sed -n 's/.*(\([0-9]*\) with samples).*/\1/p')
[ "${sampled:-0}" -ge 3 ] ||
	fail_ "threads: ${sampled:-no} threads with samples, expected 3 workers"
report_ok threads.collapsed threads.dat --format=collapsed --thread hs-worker
check_shares threads worker

# -d: sampling stops, the command runs to its end and its status comes
# back.  0.3 s give at most ~300 of the ~1400 samples of hot-static 2.
run_nprof 120 record -q -F 999 -d 0.3 -o short.dat -- "$HOT_STATIC" 2
[ "$rc" -eq 3 ] || fail_ "-d: record exited $rc, expected 3"
grep -q 'rounds done' "$T/out" || fail_ "-d: hot-static did not finish"
report_ok short.header short.dat --header
check_between "$(header_samples short.header)" 0 700 "-d 0.3: samples"

# The file cannot grow past 8 KiB (ulimit -f, in 512-byte blocks for sh):
# a write error, said; sampling stops and the command runs to its end.
last_cmd="ulimit -f 16; nprof record -q -F 999 -o full.dat -- hot-static 1"
run_timeout 120 sh -c 'ulimit -f 16 && exec "$@"' sh \
	"$NPROF" record -q -F 999 -o full.dat -- "$HOT_STATIC" 1 \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail_ "ulimit -f: record exited $rc, expected 1"
grep -q 'rounds done' "$T/out" || fail_ "ulimit -f: hot-static did not finish"
grep -q "^nprof: cannot write 'full.dat'" "$T/err" ||
	fail_ "ulimit -f: no message that the file cannot be written"

# --nativemem: the warning says memory cannot be tracked; CPU is sampled.
run_nprof 120 record -q --nativemem -o nm.dat -- "$HOT_STATIC" 0.3
[ "$rc" -eq 3 ] || fail_ "--nativemem: record exited $rc, expected 3"
[ "$(grep -c '^nprof: warning: .*statically linked' "$T/err")" -eq 1 ] ||
	fail_ "--nativemem: expected one warning"
grep -q 'memory cannot be tracked' "$T/err" ||
	fail_ "--nativemem: the warning does not say memory cannot be tracked"
report_ok nm.header nm.dat --header
[ "$(header_samples nm.header)" -gt 0 ] ||
	fail_ "--nativemem: no CPU samples"

# perf_event_open refused (seccomp): one line, the command runs unprofiled
# with its status, and the file says that nothing was sampled and why.
"$NO_PERF" true || skip_ "no-perf cannot install its seccomp filter"
last_cmd="no-perf nprof record -q -o refused.dat -- hot-static 0.2"
run_timeout 120 "$NO_PERF" "$NPROF" record -q -o refused.dat -- \
	"$HOT_STATIC" 0.2 </dev/null >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 3 ] || fail_ "refused: record exited $rc, expected 3"
grep -q 'rounds done' "$T/out" || fail_ "refused: hot-static did not run"
[ "$(wc -l <"$T/err")" -eq 1 ] ||
	fail_ "refused: $(wc -l <"$T/err") lines on stderr, expected one"
grep -q '^nprof: warning: .*refused.*unprofiled' "$T/err" ||
	fail_ "refused: the warning does not say so"
report_ok refused.header refused.dat --header
[ "$(header_samples refused.header)" -eq 0 ] ||
	fail_ "refused: the file has samples"
[ "$(header_value refused.header engine | cut -d' ' -f1)" = none ] ||
	fail_ "refused: engine is '$(header_value refused.header engine)'"
grep -q '^warning: .*refused' refused.header ||
	fail_ "refused: --header does not say why"

# User nobody (perf_event_paranoid 2 here): user-space samples only.
is_root || exit 0
command -v setpriv >/dev/null || skip_ "no setpriv"
for_nobody HOT_STATIC
mkdir nobody && chmod 777 nobody || fail_ "cannot make a folder for nobody"
cd nobody || fail_ "cd nobody"
last_cmd="nobody: nprof record -q -F 999 -- hot-static 1"
run_timeout 120 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$NPROF" record -q -F 999 -o nobody.dat -- "$HOT_STATIC" 1 \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
cd .. || fail_ "cd .."
[ "$rc" -eq 3 ] || fail_ "nobody: record exited $rc, expected 3"
report_ok nobody.header nobody/nobody.dat --header
header_value nobody.header engine | grep -q '^perf cpu-clock' ||
	fail_ "nobody: engine is '$(header_value nobody.header engine)'"
report_ok nobody.collapsed nobody/nobody.dat --format=collapsed
check_shares nobody main
note_ "nobody: kernel samples $(header_value nobody.header 'kernel samples')"
exit 0
