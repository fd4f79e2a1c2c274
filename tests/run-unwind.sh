#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Whole stacks from code built with -O2 -fomit-frame-pointer (the agent's
# DWARF CFI unwinder): chain-o2's frameless leaves have their whole caller
# chain to _start in at least 99% of their samples, so do its qsort
# comparator (called from libc's frames), its clock_gettime loop (in the
# vDSO) and its signal handlers (through __restore_rt, and from an
# alternate signal stack to the thread's own); deep-frames' leaf,
# under eight 128 KiB frames, unwinds to main and, in its second thread,
# to clone3; cxx-features shows demangled template, lambda and exception
# frames; dlopen-zlib's samples in a library it loads and unloads ten
# times unwind to _start.  Where perf is installed, the shares of
# chain-o2's functions are compared with perf record
# --call-graph dwarf's: within 5 points.
#
# The workloads are tests/workloads/{chain-o2,deep-frames,cxx-features,
# dlopen-zlib}, built with -O2 -g -fomit-frame-pointer -fno-inline
# -fno-optimize-sibling-calls (tests/Makefile.inc).
#
# The statistics: at -F 999 chain-o2 gives ~1300 samples, ~700 in
# hot_leaf and ~240 in warm_leaf.  The unwinder is deterministic: a sample
# cut short is a bug, not noise; the 1% slack is for the rare sample taken
# at an instruction whose CFI is wrong or missing (a hand-written libc
# routine).  The perf comparison: two independent samplings of ~1300
# samples of a share p = 0.5 differ by sqrt(2 p (1 - p) / n) ~ 2 points
# (one standard deviation), so 5 points is 2.5 of them at worst.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

WL=$abs_top_builddir/tests/workloads
for prog in chain-o2 deep-frames cxx-features dlopen-zlib; do
	[ -x "$WL/$prog" ] || fail_ "$WL/$prog is not built (make check builds it)"
done

# chain_share FILE LEAF ERE: of the samples whose leaf is LEAF, the share
# whose whole stack (root first, ';'-separated) matches ERE.
chain_share()
{
	awk -v f="$2" -v re="$3" '{
		s = $0; sub(/ [0-9]+$/, "", s)
		n = split(s, frame, ";")
		if (frame[n] != f) next
		t += $NF
		if (s ~ re) c += $NF
	} END { if (t) printf "%.4f\n", c / t; else print "no-samples" }' "$1"
}

# root_share FILE ROOT...: the share of all samples whose root frame is
# one of ROOTs.
root_share()
{
	_file=$1
	shift
	awk -v roots=" $* " '{
		s = $0; sub(/ [0-9]+$/, "", s)
		split(s, frame, ";")
		t += $NF
		if (index(roots, " " frame[1] " ")) c += $NF
	} END { printf "%.4f\n", t ? c / t : 0 }' "$_file"
}

# incl_share FILE FUNC: the share of samples with FUNC anywhere on the stack.
incl_share()
{
	awk -v f="$2" '{
		s = $0; sub(/ [0-9]+$/, "", s)
		n = split(s, frame, ";")
		t += $NF
		for (i = 1; i <= n; i++)
			if (frame[i] == f) { c += $NF; break }
	} END { printf "%.4f\n", t ? c / t : 0 }' "$1"
}

check_chain()
{
	_share=$(chain_share "$1" "$2" "$3")
	[ "$_share" != no-samples ] || fail_ "$1: no samples in $2"
	check_between "$_share" "$4" 1 "$1: share of $2 samples with the whole chain"
}

## chain-o2: frameless leaves, libc, the vDSO.
record_ok chain.dat -q -F 999 -- "$WL/chain-o2"
report_ok chain.collapsed chain.dat --format=collapsed
report_ok chain.header chain.dat --header
note_ "chain-o2: $(header_value chain.header unwind_stops)"
start='^_start;(.*;)?main;'
check_chain chain.collapsed hot_leaf "${start}stage1;stage2;stage3;stage4;hot_leaf\$" 0.99
check_chain chain.collapsed warm_leaf "${start}stage1;stage2;stage3;stage4;warm_leaf\$" 0.99
check_chain chain.collapsed compare_slowly "${start}sort_stage;qsort(_r)?;(.*;)?compare_slowly\$" 0.97
# Samples in the vDSO: its code has no symbols the report knows, or has.
vdso_leaf=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); n = split(s, frame, ";")
	if (frame[n] ~ /^(\[vdso|__vdso_)/) { print frame[n]; exit } }' chain.collapsed)
[ -n "$vdso_leaf" ] || fail_ "chain-o2: no samples in the vDSO"
check_chain chain.collapsed "$vdso_leaf" "${start}vdso_stage;(.*;)?[^;]*\$" 0.97
# The signal trampoline __restore_rt is only in libc's .symtab: with
# libc6-dbg it must be named (the report looks caller frames up at
# address - 1, a byte before it, and then at the address), else it may
# show as an address.
trampoline='(__restore_rt|[^;]*libc[^;]*)'
[ -f "$(libc_debug_file "$WL/chain-o2")" ] && trampoline=__restore_rt
check_chain chain.collapsed handler_work \
	"${start}signal_stage;raise;(.*;)?$trampoline;on_usr1;handler_work\$" 0.97
# On an alternate signal stack: the walk leaves it at the signal frame for
# the thread's own stack.
check_chain chain.collapsed altstack_work \
	"${start}altstack_stage;raise;(.*;)?$trampoline;on_usr2;altstack_work\$" 0.97
check_between "$(root_share chain.collapsed _start)" 0.99 1 \
	"chain-o2: share of samples that unwind to _start"

## deep-frames: 1 MiB of frames between the leaf and main (or clone3).
record_ok deep.dat -q -F 999 -- "$WL/deep-frames"
report_ok deep.collapsed deep.dat --format=collapsed
report_ok deep.header deep.dat --header
note_ "deep-frames: $(header_value deep.header unwind_stops)"
d8='descend;descend;descend;descend;descend;descend;descend;descend'
main_share=$(chain_share deep.collapsed deep_leaf "${start}$d8;deep_leaf\$")
thread_share=$(chain_share deep.collapsed deep_leaf \
	"^(__)?clone3?;(.*;)?deep_thread;$d8;deep_leaf\$")
check_between "$main_share" 0.3 0.7 "deep-frames: share of deep_leaf under main"
check_between "$thread_share" 0.3 0.7 "deep-frames: share of deep_leaf under deep_thread"
check_between "$(awk -v a="$main_share" -v b="$thread_share" 'BEGIN { print a + b }')" \
	0.99 1 "deep-frames: share of deep_leaf with the whole chain"

## cxx-features: C++ frames, demangled, and stacks through exceptions.
record_ok cxx.dat -q -F 999 -- "$WL/cxx-features"
report_ok cxx.collapsed cxx.dat --format=collapsed
report_ok cxx.header cxx.dat --header
note_ "cxx-features: $(header_value cxx.header unwind_stops)"
for name in 'Accumulator<double>::add_all(' 'main::{lambda(int)#1}::operator()' \
	'apply_n<main::{lambda(int)#1}>' 'throw_and_catch(int)' '__cxa_throw'; do
	grep -qF "$name" cxx.collapsed || fail_ "cxx-features: no frame named '$name'"
done
check_between "$(root_share cxx.collapsed _start)" 0.99 1 \
	"cxx-features: share of samples that unwind to _start"
lambda_share=$(awk '{
	s = $0; sub(/ [0-9]+$/, "", s)
	n = split(s, frame, ";")
	if (index(frame[n], "main::{lambda(int)#1}::operator()") != 1) next
	t += $NF
	if (frame[1] == "_start" && index(s, ";main;") && index(s, "apply_n<")) c += $NF
} END { printf "%.4f\n", t ? c / t : 0 }' cxx.collapsed)
check_between "$lambda_share" 0.99 1 \
	"cxx-features: share of lambda samples under main and apply_n"

## dlopen-zlib: a library's table built when it comes, dropped when it goes.
run_nprof 120 record -q -F 999 -o zlib.dat -- "$WL/dlopen-zlib"
if [ "$rc" -eq 77 ]; then
	note_ "no libz.so.1 here: not checking a dlopen'ed library"
else
	[ "$rc" -eq 0 ] || fail_ "record exited $rc"
	report_ok zlib.collapsed zlib.dat --format=collapsed
	report_ok zlib.header zlib.dat --header
	note_ "dlopen-zlib: $(header_value zlib.header unwind_stops)"
	check_between "$(incl_share zlib.collapsed compress2)" 0.5 1 \
		"dlopen-zlib: share of samples in compress2"
	check_between "$(root_share zlib.collapsed _start)" 0.99 1 \
		"dlopen-zlib: share of samples that unwind to _start"
	# Each unload was seen (a MODULE_GONE record, type 3): its table
	# went with it.
	gone=$(list_records zlib.dat | awk '$2 == 3' | wc -l)
	check_between "$gone" 5 10 "dlopen-zlib: modules seen unloaded"
fi

## The same shares as perf's DWARF unwinding, where perf works.
if ! command -v perf >/dev/null 2>&1; then
	note_ "perf is not installed: not comparing with perf --call-graph dwarf"
	exit 0
fi
if ! run_timeout 120 perf record -q -F 999 --call-graph dwarf -o perf.data \
	-- "$WL/chain-o2" >perf.out 2>perf.err || [ ! -s perf.data ]; then
	note_ "perf record does not work here: not comparing ($(head -n 1 perf.err))"
	exit 0
fi
perf report -i perf.data --stdio --no-children -g none --sort symbol -q \
	--percent-limit 0 2>/dev/null >perf.self
perf report -i perf.data --stdio --children -g none --sort symbol -q \
	--percent-limit 0 2>/dev/null >perf.children
# perf_pct FILE FUNC: FUNC's first percentage in a perf report, as 0 to 1.
perf_pct()
{
	awk -v f="$2" '{
		for (i = 2; i < NF; i++)
			if ($i == "[.]" && $(i + 1) == f) {
				sub(/%/, "", $1); printf "%.4f\n", $1 / 100
				found = 1; exit
			}
	} END { if (!found) print 0 }' "$1"
}
for f in hot_leaf warm_leaf compare_slowly; do
	ours=$(collapsed_share chain.collapsed "$f")
	theirs=$(perf_pct perf.self "$f")
	check_between "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.4f\n", a - b }')" \
		-0.05 0.05 "chain-o2: $f's self share minus perf's ($ours vs $theirs)"
done
# perf's copy of the stack starts at the interrupted SP: from an alternate
# signal stack it never reaches main, so main's share is compared without
# altstack_work's samples (which nprof does unwind to main).
alt=$(collapsed_share chain.collapsed altstack_work)
for f in stage1 sort_stage vdso_stage main; do
	ours=$(incl_share chain.collapsed "$f")
	[ "$f" != main ] || ours=$(awk -v a="$ours" -v b="$alt" 'BEGIN { printf "%.4f\n", a - b }')
	theirs=$(perf_pct perf.children "$f")
	check_between "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.4f\n", a - b }')" \
		-0.05 0.05 "chain-o2: $f's total share minus perf's ($ours vs $theirs)"
done
exit 0
