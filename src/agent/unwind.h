/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unwinder interface: registers of an interrupted thread in, return
 * addresses out.  unwind-fp.c walks frame pointers; a DWARF unwinder can
 * replace it behind the same function.  Also the one place that knows where
 * each architecture keeps PC, SP and FP in a signal's ucontext.
 */
#ifndef NPROF_AGENT_UNWIND_H
#define NPROF_AGENT_UNWIND_H

#include <stdint.h>
#include <ucontext.h>

struct np_regs {
	uint64_t pc;
	uint64_t sp;
	uint64_t fp;
};

/* A readable range [lo, hi): the mapping that holds the thread's stack. */
struct np_stack_bounds {
	uint64_t lo;
	uint64_t hi;
};

/*
 * Writes at most MAX frames into FRAMES, leaf first: frames[0] is REGS->pc,
 * the others are return addresses.  Reads memory only inside
 * [max(REGS->sp, B->lo), B->hi), so it never faults; with B NULL it reads
 * nothing and gives the PC alone.  Safe in a signal handler.  Returns the
 * number of frames (0 when REGS->pc is 0).
 */
int np_unwind(const struct np_regs *regs, uint64_t *frames, int max,
	      const struct np_stack_bounds *b);

/*
 * Whether V is the address just after a call instruction (x86_64; always
 * false elsewhere), read with process_vm_readv, so an unmapped V is no
 * fault.
 */
int np_unwind_follows_call(uint64_t v);

static inline void np_regs_from_ucontext(const ucontext_t *uc,
					 struct np_regs *r)
{
#if defined(__x86_64__)
	r->pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	r->sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	r->fp = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
#elif defined(__aarch64__)
	r->pc = (uint64_t)uc->uc_mcontext.pc;
	r->sp = (uint64_t)uc->uc_mcontext.sp;
	r->fp = (uint64_t)uc->uc_mcontext.regs[29];
#else
#error "nprof's agent supports x86_64 and aarch64 only"
#endif
}

#endif /* NPROF_AGENT_UNWIND_H */
