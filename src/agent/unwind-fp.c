/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Frame-pointer unwinding (np_unwind_fp, see unwind.h).  On x86_64 and aarch64 alike a
 * frame record is two words at FP: the caller's FP, then the return address.
 * Code built without frame pointers yields a short or skewed stack, never a
 * fault: every FP is checked against the stack bounds before it is read.
 */
#include "config.h"

#include <sys/uio.h>
#include <unistd.h>

#include "unwind.h"

#if defined(__x86_64__)
/*
 * Whether the code before V ends with a call instruction, read with
 * process_vm_readv so that an unmapped V fails instead of faulting.
 */
static int follows_call(uint64_t v)
{
	unsigned char c[8];
	struct iovec local = { .iov_base = c, .iov_len = sizeof(c) };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)(v - 8),
				.iov_len = sizeof(c) };
#define BEFORE(k) c[8 - (k)] /* the byte at V - k */

	if (v < 4096 ||
	    process_vm_readv(getpid(), &local, 1, &remote, 1, 0) !=
		    (ssize_t)sizeof(c))
		return 0;
	return BEFORE(5) == 0xe8 ||                              /* rel32 */
	       (BEFORE(6) == 0xff && BEFORE(5) == 0x15) ||       /* *rip */
	       (BEFORE(2) == 0xff && (BEFORE(1) & 0xf8) == 0xd0) || /* *%r */
	       (BEFORE(2) == 0xff && (BEFORE(1) & 0xf8) == 0x10 &&
		(BEFORE(1) & 7) != 4 && (BEFORE(1) & 7) != 5) || /* *(%r) */
	       (BEFORE(3) == 0xff && (BEFORE(2) & 0xf8) == 0x50 &&
		(BEFORE(2) & 7) != 4) ||                         /* disp8 */
	       (BEFORE(4) == 0xff && BEFORE(3) == 0x54) ||       /* +SIB */
	       (BEFORE(6) == 0xff && (BEFORE(5) & 0xf8) == 0x90); /* disp32 */
#undef BEFORE
}

/*
 * A leaf function compiled without a frame (GCC omits it for leaves that
 * need no stack, even with -fno-omit-frame-pointer), or any function at its
 * first or last instruction, has its return address at SP while FP is still
 * the caller's: walking FP alone would skip the caller.  The word at SP is
 * taken for it when it points just after a call instruction.
 */
static uint64_t leaf_return(const struct np_regs *regs,
			    const struct np_stack_bounds *b)
{
	uint64_t v;

	if (regs->sp < b->lo || regs->sp & 7 || b->hi < 8 ||
	    regs->sp > b->hi - 8)
		return 0;
	v = *(const uint64_t *)(uintptr_t)regs->sp;
	/* A saved FP or a local pointing into the stack is no code: spare
	 * the system call. */
	if (v >= b->lo && v < b->hi)
		return 0;
	return follows_call(v) ? v : 0;
}
int np_unwind_follows_call(uint64_t v)
{
	return follows_call(v);
}
#else
int np_unwind_follows_call(uint64_t v)
{
	(void)v;
	return 0;
}

/* aarch64 leaves keep the return address in LR, which is not trustworthy
 * without unwind tables: left to a DWARF unwinder. */
static uint64_t leaf_return(const struct np_regs *regs,
			    const struct np_stack_bounds *b)
{
	(void)regs;
	(void)b;
	return 0;
}
#endif

int np_unwind_fp(const struct np_regs *regs, uint64_t *frames, int max,
		 const struct np_stack_bounds *b)
{
	uint64_t lo, leaf_ret, fp = regs->fp;
	int n = 0;

	if (max <= 0 || regs->pc == 0)
		return 0;
	frames[n++] = regs->pc;
	if (!b)
		return n;
	leaf_ret = leaf_return(regs, b);
	lo = regs->sp > b->lo ? regs->sp : b->lo;
	while (n < max) {
		uint64_t next, ret;

		/* Stacks grow down: each caller's record is above the last. */
		if (fp < lo || fp & 7 || b->hi < 16 || fp > b->hi - 16)
			break;
		next = ((const uint64_t *)(uintptr_t)fp)[0];
		ret = ((const uint64_t *)(uintptr_t)fp)[1];
#if defined(__aarch64__)
		/* Pointer authentication signs return addresses in the bits
		 * above the 48-bit user address space. */
		ret &= 0x0000ffffffffffffull;
#endif
		/* Zero ends the chain; an address in the stack itself means FP
		 * was no frame pointer (code built without them). */
		if (ret == 0 || (ret >= b->lo && ret < b->hi))
			break;
		if (leaf_ret) {
			/* FP was the leaf's own frame when it names the same
			 * return address. */
			if (leaf_ret != ret && n < max - 1)
				frames[n++] = leaf_ret;
			leaf_ret = 0;
		}
		frames[n++] = ret;
		if (next <= fp)
			break;
		lo = fp + 16;
		fp = next;
	}
	if (leaf_ret && n < max)
		frames[n++] = leaf_ret;
	return n;
}
