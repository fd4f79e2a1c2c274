#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The report formats agree with each other and with --header: collapsed has
# one well-formed line per distinct stack, whose counts add up to the
# header's samples; tree shows main; text has the function table.  Also the
# defaults (samples.dat in both commands), options after the file, --top,
# and -d, which stops sampling while the command runs on.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

# Default output file, default input file.
run_nprof 120 record -q -F 999 -- "$HOT3X"
[ "$rc" -eq 0 ] || fail_ "record exited $rc"
[ -s samples.dat ] || fail_ "record wrote no samples.dat"
run_nprof 60 report --format=collapsed
[ "$rc" -eq 0 ] || fail_ "report without a file exited $rc"
cp "$T/out" collapsed

# Options may follow the file.
report_ok collapsed2 samples.dat --format=collapsed
cmp -s collapsed collapsed2 ||
	fail_ "report --format=collapsed samples.dat and report samples.dat --format=collapsed differ"

# collapsed: "frame;frame;... COUNT", names may hold spaces, no empty frame.
if grep -Evq '^[^ ;]+( [^ ;]+)*(;[^ ;]+( [^ ;]+)*)* [1-9][0-9]*$' collapsed; then
	fail_ "malformed collapsed lines: $(grep -Ev '^[^ ;]+( [^ ;]+)*(;[^ ;]+( [^ ;]+)*)* [1-9][0-9]*$' collapsed | head -n 3)"
fi
dups=$(sed 's/ [0-9]*$//' collapsed | sort | uniq -d | head -n 3)
[ -z "$dups" ] || fail_ "stacks repeated in collapsed output: $dups"
grep -q '\(^\|;\)main;run_workload;do_round;work_thrice [0-9]*$' collapsed ||
	fail_ "no main;run_workload;do_round;work_thrice stack in collapsed output: $(sort -t ' ' -k 2 -n -r collapsed | head -n 5)"

# --header: "key: value" lines, with samples: and engine:.
report_ok header samples.dat --header
if grep -Evq '^[A-Za-z0-9_ .-]+:( |$)' header; then
	fail_ "--header lines that are not 'key: value': $(grep -Ev '^[A-Za-z0-9_ .-]+:( |$)' header | head -n 3)"
fi
samples=$(header_value header samples)
engine=$(header_value header engine)
[ -n "$engine" ] || fail_ "--header has no engine:"
echo "$samples" | grep -Eq '^[0-9]+$' || fail_ "--header samples: is '$samples'"
total=$(collapsed_total collapsed)
[ "$samples" -eq "$total" ] ||
	fail_ "--header says $samples samples, collapsed counts add up to $total"
[ "$samples" -gt 100 ] || fail_ "only $samples samples"
note_ "$samples samples, engine '$engine'"

# --cpu is the CPU profile: the same as the default for this file.
report_ok cpu samples.dat --cpu --format=collapsed
cmp -s collapsed cpu || fail_ "report --cpu differs from the default report"

# tree: a call tree with percentages, main in it.
report_ok tree samples.dat --format=tree
grep -qw main tree || fail_ "the tree does not show main"
grep -q '%' tree || fail_ "the tree shows no percentages"
for f in run_workload do_round work_once work_thrice; do
	grep -q "$f" tree || fail_ "the tree does not show $f"
done
# The tree nests: work_thrice's name starts further right than main's.
name_column()
{
	awk -v f="$1" '{
		s = " " $0 " "
		if (match(s, "[^A-Za-z0-9_]" f "[^A-Za-z0-9_]")) { print RSTART; exit }
	}' tree
}
[ "$(name_column work_thrice)" -gt "$(name_column main)" ] ||
	fail_ "work_thrice is not nested below main in the tree"

# text: the function table (self and total, in samples and percentages),
# then the hottest stacks.
report_ok text samples.dat --format=text
report_ok text2 samples.dat
cmp -s text text2 || fail_ "--format=text is not the default"
grep -qi 'self' text || fail_ "the text report has no self column"
grep -qi 'total' text || fail_ "the text report has no total column"
grep 'work_thrice' text | grep -q '[0-9]%' ||
	fail_ "the text report gives no percentage for work_thrice"
grep -qw main text || fail_ "the text report shows no stack through main"

# --top 1 shows fewer functions than the default.
report_ok top1 samples.dat --top 1
[ "$(wc -l <top1)" -lt "$(wc -l <text)" ] ||
	fail_ "--top 1 prints as much as the default"
grep -q work_thrice top1 || fail_ "--top 1 does not show the hottest function"

# -d 1: sampling stops after a second while the command runs on for its
# 3 s of CPU and exits with its status.  At 499 Hz one second of one busy
# thread is at most ~500 samples; three would be ~1500.  How few there are
# depends on how busy the machine is (22 were seen under a load of 75 on 2
# cores), so only the upper bound, 850, says that sampling stopped.
run_nprof 120 record -q -F 499 -d 1 -o d1.dat -- "$EXIT_STATUS" --spin 3 5
[ "$rc" -eq 5 ] || fail_ "record -d 1 exited $rc, the command 5"
grep -q 'exit-status: spun' "$T/out" || fail_ "the command did not finish its work"
report_ok d1.header d1.dat --header
d1=$(header_samples d1.header)
check_between "$d1" 1 850 "samples in the first second at 499 Hz"

exit 0
