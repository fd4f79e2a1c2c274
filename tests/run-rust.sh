#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Rust code built without frame pointers: rust-chain's frameless leaf,
# Walker<u64>::step, has its whole chain to main (through the Rust
# runtime's std::rt::lang_start frames) in at least 99% of its samples,
# under demangled names (generics, a trait impl, a closure; no "_ZN" or
# "_R" left); with --nativemem=0, the bytes that Builder::build allocates
# through a Vec, a String and a boxed slice are counted to the byte, all
# with the whole chain to main.
#
# The workload is tests/workloads/rust-chain.rs, compiled here by $RUSTC
# (default: rustc on PATH, e.g. Debian's, 1.63 or later) with -C
# opt-level=2 -C force-frame-pointers=no -C debuginfo=2 -C panic=unwind.
# The statistics: at -F 999, "cpu 1" gives ~1000 samples, nearly all in
# step; a sample cut short is an unwinder bug, the 1% is for the rare
# sample taken where the CFI is wrong (see run-unwind.sh).
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

RUSTC=${RUSTC:-rustc}
command -v "$RUSTC" >/dev/null 2>&1 ||
	skip_ "no Rust compiler ('$RUSTC' is not on PATH; apt-get install rustc)"
"$RUSTC" --version >rustc.version 2>&1 ||
	skip_ "'$RUSTC --version' does not work: $(head -n 1 rustc.version)"
note_ "compiler: $(cat rustc.version)"
run_timeout 300 "$RUSTC" -C opt-level=2 -C force-frame-pointers=no \
	-C debuginfo=2 -C panic=unwind -o rust-chain \
	"$abs_top_srcdir/tests/workloads/rust-chain.rs" >rustc.out 2>&1 ||
	fail_ "$RUSTC cannot compile rust-chain.rs: $(head -n 20 rustc.out)"

# The runtime's frames between the C main and rust_chain::main: std's and
# core's functions, closures and trait impls.
rt='(((std|core)::|<)[^;]*;)*'
start="^_start;(.*;)?main;${rt}rust_chain::main;"

# share_of FILE FUNC ERE: of the stacks with FUNC on them (as the leaf, or
# under inline frames), the share (by count) that match ERE.
share_of()
{
	awk -v f="$2" -v re="$3" '{
		s = $0; sub(/ [0-9]+$/, "", s)
		n = split(s, frame, ";")
		for (i = 1; i <= n; i++)
			if (frame[i] == f) break
		if (i > n) next
		t += $NF
		if (s ~ re) c += $NF
	} END { if (t) printf "%.4f %d\n", c / t, t; else print "0 0" }' "$1"
}

# no_mangled FILE: no frame keeps a mangled Rust name or a legacy hash.
no_mangled()
{
	_left=$(tr ';' '\n' <"$1" | sed 's/ [0-9]*$//' |
		grep -E '^_(ZN|R)[0-9A-Za-z]|::h[0-9a-f]{16}$' | head -n 3)
	[ -z "$_left" ] || fail_ "$1: names left mangled: $_left"
}

## CPU: the frameless leaf under the whole chain.
record_ok cpu.dat -q -F 999 -- ./rust-chain cpu 1
grep -qx ok "$T/out" || fail_ "rust-chain cpu failed under nprof"
report_ok cpu.collapsed cpu.dat --format=collapsed
report_ok cpu.header cpu.dat --header
note_ "cpu: $(header_value cpu.header unwind_stops)"
no_mangled cpu.collapsed
step='rust_chain::Walker<u64>::step'
chain="${start}rust_chain::run_cpu;rust_chain::drive;rust_chain::run_cpu::[{][{]closure[}][}];<rust_chain::Walker<u64> as rust_chain::Stage>::advance;rust_chain::Walker<u64>::step(;|\$)"
set -- $(share_of cpu.collapsed "$step" "$chain")
[ "$2" -ge 300 ] || fail_ "cpu: $2 samples in $step, expected at least 300"
check_between "$1" 0.99 1 "cpu: share of $2 samples in $step with the whole chain"

## Native memory: Builder::build's bytes, each with the whole chain.
record_ok mem.dat -q --nativemem=0 -- ./rust-chain mem
grep -qx ok "$T/out" || fail_ "rust-chain mem failed under nprof"
report_ok alloc.collapsed mem.dat --alloc --format=collapsed
report_ok mem.header mem.dat --header
note_ "mem: $(header_value mem.header unwind_stops)"
no_mangled alloc.collapsed
build='rust_chain::Builder::build'
bytes=$(collapsed_incl_count alloc.collapsed "$build")
[ "$bytes" -eq $((5 * (7919 + 4099 + 4 * 1021))) ] ||
	fail_ "alloc: $build has $bytes bytes, expected $((5 * (7919 + 4099 + 4 * 1021)))"
note_ "alloc: $build: $bytes bytes"
chain="${start}rust_chain::run_mem;rust_chain::fill;<rust_chain::Builder as rust_chain::Fill>::fill;rust_chain::Builder::build(;|\$)"
set -- $(share_of alloc.collapsed "$build" "$chain")
[ "$1" = 1.0000 ] ||
	fail_ "alloc: $build's stacks are not all complete ($1 of its bytes): $(grep -F "$build" alloc.collapsed | head -n 3)"
grep -q "^lost allocation events: 0$" mem.header || fail_ "allocation events were lost"
exit 0
