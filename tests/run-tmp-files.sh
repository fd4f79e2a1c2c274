#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nprof keeps nothing on disk but the file it writes: no temporary file, no
# named socket or FIFO, nothing in $TMPDIR, /tmp or /dev/shm (the attach
# stream is a socket pair made in the process and taken with pidfd_getfd).
# record and attach, CPU and native memory, run with TMPDIR pointing at an
# empty directory, which must stay empty; under strace (when there is one)
# every path nprof creates is listed, and must be the output file only;
# during the attach session, the process's descriptors and mappings must
# name no file in those places, and its sockets must have no path.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

mkdir "$T/tmp" || fail_ "cannot make $T/tmp"
TMPDIR=$T/tmp
export TMPDIR

# traced NAME CMD...: CMD under strace -f if there is one, its calls that
# create or name a path in NAME.calls.
traced()
{
	_name=$1
	shift
	if command -v strace >/dev/null 2>&1; then
		# LeakSanitizer (the sanitizer build) cannot run under ptrace.
		run_timeout 120 env \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -qq -o "$T/$_name.calls" \
			-e trace=open,openat,creat,mkdir,mkdirat,mknod,mknodat,bind,connect,symlink,symlinkat,link,linkat,rename,renameat,renameat2,memfd_create \
			"$@"
	else
		: >"$T/$_name.calls"
		run_timeout 120 "$@"
	fi
}

# created NAME: the paths NAME.calls shows created, one a line.
created()
{
	sed -n \
		-e 's/.*open[at]*(.*"\([^"]*\)".*O_CREAT.*/\1/p' \
		-e 's/.*creat("\([^"]*\)".*/\1/p' \
		-e 's/.*mkdir[at]*(.*"\([^"]*\)".*/\1/p' \
		-e 's/.*mknod[at]*(.*"\([^"]*\)".*/\1/p' \
		-e 's/.*sun_path="\([^"]*\)".*/\1/p' \
		-e 's/.*\(sym\)*link[at]*(.*"\([^"]*\)".*/\2/p' \
		-e 's/.*rename[at2]*(.*"\([^"]*\)".*/\1/p' \
		"$T/$1.calls"
}

# only_output NAME FILE: NAME's run created FILE and nothing else, and
# touched nothing in /dev/shm.
only_output()
{
	_other=$(created "$1" | grep -vx "$2")
	[ -z "$_other" ] || fail_ "$1 created $(echo "$_other" | head -n 3)"
	! grep -q '/dev/shm' "$T/$1.calls" ||
		fail_ "$1 used /dev/shm: $(grep '/dev/shm' "$T/$1.calls" | head -n 2)"
}

# tmp_empty WHEN: $TMPDIR is still empty.
tmp_empty()
{
	[ -z "$(ls -A "$TMPDIR")" ] ||
		fail_ "$1: left in TMPDIR: $(ls -A "$TMPDIR" | head -n 3)"
}

last_cmd="nprof record (under strace)"
traced record "$NPROF" record -q -F 499 --nativemem=0 -o rec.dat "$HOT3X" \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail_ "record exited $rc"
only_output record rec.dat
tmp_empty record
report_ok rec.txt rec.dat --header

# The process's side, during a session: no descriptor or mapping of a
# file in TMPDIR, /tmp or /dev/shm but its own stdio (the test's FIFOs)
# and what it runs from; no socket bound to a path.
check_process()
{
	for _fd in /proc/$target_pid/fd/*; do
		case ${_fd##*/} in 0|1|2) continue ;; esac
		_to=$(readlink "$_fd") || continue
		case $_to in
		"$TMPDIR"*|/tmp/*|/dev/shm/*)
			fail_ "$1: the process has $_to open (fd ${_fd##*/})" ;;
		socket:*)
			_ino=${_to#socket:[}
			_ino=${_ino%]}
			_path=$(awk -v i="$_ino" '$7 == i { print $8 }' /proc/net/unix)
			[ -z "$_path" ] || fail_ "$1: the process has a socket at '$_path'" ;;
		esac
	done
	awk '{ print $6 }' "/proc/$target_pid/maps" | sort -u >"$T/maps"
	if grep -E "^($TMPDIR|/dev/shm/)" "$T/maps" |
	   grep -v "^$abs_top_builddir/" | grep -q .; then
		fail_ "$1: the process maps $(grep -E "^($TMPDIR|/dev/shm/)" "$T/maps" | head -n 1)"
	fi
}

start_target "$ATTACH_TARGET"
target_expect ping pong
for mode in "-F 499" "--nativemem=0"; do
	last_cmd="nprof attach $mode (under strace)"
	# shellcheck disable=SC2086 # the options are words
	traced attach "$NPROF" attach -q $mode -d 2 -o att.dat "$target_pid" \
		</dev/null >"$T/out" 2>"$T/attach.err" &
	traced_pid=$!
	# The session runs once the agent's writer thread does.
	n=0
	until grep -lq nprof-writer /proc/$target_pid/task/*/comm 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 300 ] || fail_ "$mode: no session after 30 s"
		sleep 0.1
	done
	check_process "attach $mode"
	target_expect "alloc 100 1000" allocated
	wait $traced_pid
	rc=$?
	cp "$T/attach.err" "$T/err"
	[ "$rc" -eq 0 ] || fail_ "attach $mode exited $rc"
	only_output attach att.dat
	tmp_empty "attach $mode"
	report_ok att.txt att.dat --header
	target_untouched
done
target_expect quit bye
target_wait 7
tmp_empty "the end"
exit 0
