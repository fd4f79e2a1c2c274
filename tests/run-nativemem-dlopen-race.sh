#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The dlopen race, with its window made wide: four threads dlopen (RTLD_NOW
# and RTLD_LAZY in turn), call and dlclose 16 libraries with 4000 symbolic
# relocations each (tests/workloads/nm-race-gen.sh, nm-race.c), all at
# once, under --nativemem=0.  A library patched before the linker relocated
# it gets its patches overwritten, and one loaded again where it was before
# looks patched to a table that goes by name and address: either way its
# allocations go missing.  So: the program runs as without nprof, and each
# library's allocations (COUNT blocks of a prime size of its own per call,
# one of them leaked) are in the profile to the byte, several times over.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

RACE=$abs_top_builddir/tests/workloads/nm-race
LIBDIR=$abs_top_builddir/tests/workloads/race
[ -x "$RACE" ] || fail_ "$RACE is not built"
[ -f "$LIBDIR/libnm-race-15.so" ] || fail_ "$LIBDIR has no libraries"

nlibs=16
threads=4
rounds=600
count=8

# bytes_by_leaf FILE: "FUNC BYTES" for each nm_race_alloc_* leaf, sorted.
bytes_by_leaf()
{
	awk '{
		s = $0; sub(/ [0-9]+$/, "", s)
		n = split(s, frame, ";")
		if (frame[n] ~ /^nm_race_alloc_[0-9]+$/) b[frame[n]] += $NF
	} END { for (f in b) print f, b[f] }' "$1" | sort
}

# expected OUT MULTIPLIER: "FUNC BYTES" from the workload's counts.
expected()
{
	awk -v m="$2" '/^nm_race_alloc_/ && $3 > 0 { print $1, $2 * $3 * m }' \
		"$1" | sort
}

# The workload is valid on its own.
last_cmd="nm-race (without nprof)"
run_timeout 60 "$RACE" "$LIBDIR" $nlibs $threads $rounds $count \
	>bare.out 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && grep -qx ok bare.out || fail_ "nm-race fails without nprof"

for run in 1 2 3; do
	record_ok r$run.dat -q --nativemem=0 -- \
		"$RACE" "$LIBDIR" $nlibs $threads $rounds $count
	cp "$T/out" r$run.out
	grep -qx ok r$run.out || fail_ "run $run: nm-race failed under nprof"
	report_ok r$run.alloc r$run.dat --alloc --format=collapsed
	report_ok r$run.leaks r$run.dat --leaks --format=collapsed
	report_ok r$run.header r$run.dat --header
	grep -q "^lost allocation events: 0$" r$run.header ||
		fail_ "run $run: allocation events were lost"
	grep -q "^inconsistencies: 0 " r$run.header ||
		fail_ "run $run: the profile has inconsistencies"
	biased=$(sed -n 's/^loads away from their link address: //p' r$run.out)
	expected r$run.out $count >want.alloc
	expected r$run.out 1 >want.leaks
	bytes_by_leaf r$run.alloc >got.alloc
	bytes_by_leaf r$run.leaks >got.leaks
	if [ "$biased" != 0 ]; then
		# Libraries took each other's addresses: only the sum can be
		# checked (see nm-race.c).
		note_ "run $run: $biased loads away from their link address"
		for f in alloc leaks; do
			[ "$(awk '{ n += $2 } END { print n }' want.$f)" = \
			  "$(awk '{ n += $2 } END { print n }' got.$f)" ] ||
				fail_ "run $run: --$f total differs"
		done
		continue
	fi
	diff want.alloc got.alloc >/dev/null ||
		fail_ "run $run: allocated bytes differ (want, got): $(diff want.alloc got.alloc | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
	diff want.leaks got.leaks >/dev/null ||
		fail_ "run $run: leaked bytes differ (want, got): $(diff want.leaks got.leaks | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
	note_ "run $run: $(wc -l <got.alloc) libraries, $(awk '{ n += $2 } END { print n }' got.alloc) bytes, exact"
done
exit 0
