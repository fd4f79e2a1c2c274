#! /bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The machine code of the hot hooks (src/agent/hooks.c), on x86-64: the
# common path of every namespace's malloc, calloc and free hook runs
# straight down to the real function's indirect jump, in a few
# instructions, with no call and no taken branch on the way, and the rest
# of the hook is a tail call of its slow path.  A taken branch there cost
# malloc-loop 0.45 ns a pair, half of what the hooks add to a plain jump;
# a call would put the hook's frame between the caller and malloc, which
# the slow path's unwinding takes to be the caller's.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/test-subr.sh"

AGENT=$abs_top_builddir/src/.libs/libnprof-agent.so
# The most the common path may take before its jump (now 6 to 8).
MAX_BEFORE_JUMP=12

[ "$(uname -m)" = x86_64 ] || skip_ "the hooks' code is checked on x86-64 only"
[ -z "$agent_sanitizer_cflags" ] ||
	skip_ "the agent is built with $agent_sanitizer_cflags"
command -v objdump >/dev/null || skip_ "no objdump (Debian: binutils)"
[ -f "$AGENT" ] || fail_ "$AGENT is not built"

objdump -d --no-show-raw-insn "$AGENT" >dis.txt || fail_ "objdump failed"

# One line per hook: NAME VERDICT, where VERDICT is ok or what is wrong.
awk -v max="$MAX_BEFORE_JUMP" '
function hexval(s,   i, v, c) {
	v = 0
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1
		v = v * 16 + c
	}
	return v
}
function verdict(   i, why) {
	if (!name)
		return
	if (!jump)
		why = "no indirect jump"
	else if (jump - 1 > max)
		why = (jump - 1) " instructions before its jump"
	for (i = 1; i <= n && !why; i++) {
		if (op[i] == "call")
			why = "a call at " addr[i]
		else if (i < jump && op[i] == "jmp")
			why = "a jump at " addr[i] " before the real function"
		else if (i < jump && op[i] ~ /^j/ && target[i] <= addrv[jump])
			why = "a branch at " addr[i] " taken on the common path"
	}
	print name, (why ? why : "ok")
	name = ""
}
/^[0-9a-f]+ <hook_(malloc|calloc|free)_[0-9]+>:$/ {
	verdict()
	name = $2
	gsub(/[<>:]/, "", name)
	n = 0
	jump = 0
	next
}
/^[0-9a-f]+ <.*>:$/ { verdict(); next }
name && /^ *[0-9a-f]+:\t/ {
	split($0, f, "\t")
	a = f[1]
	gsub(/[ :]/, "", a)
	split(f[2], w, " ")
	n++
	addr[n] = a
	addrv[n] = hexval(a)
	op[n] = w[1]
	target[n] = w[2] ~ /^[0-9a-f]+$/ ? hexval(w[2]) : -1
	if (!jump && w[1] == "jmp" && w[2] ~ /^\*/)
		jump = n
}
END { verdict() }
' dis.txt >hooks.txt
note_ "$(cat hooks.txt)"

for f in malloc calloc free; do
	grep -q "^hook_${f}_0 " hooks.txt || fail_ "no hook_${f}_0 in $AGENT"
done
bad=$(grep -v ' ok$' hooks.txt)
[ -z "$bad" ] || fail_ "hooks off their straight path: $bad"
exit 0
