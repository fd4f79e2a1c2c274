/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unwinder interface: registers of an interrupted thread in, return
 * addresses out.  unwind-dwarf.c follows the modules' CFI (cfi-table.h),
 * and frame pointers where a PC has none; unwind-fp.c walks frame pointers
 * alone.  Also the one place that knows where each architecture keeps PC,
 * SP and FP in a signal's ucontext.
 */
#ifndef NPROF_AGENT_UNWIND_H
#define NPROF_AGENT_UNWIND_H

#include <stdint.h>
#include <ucontext.h>

struct np_regs {
	uint64_t pc;
	uint64_t sp;
	uint64_t fp;
	uint64_t lr; /* aarch64's link register (x30) where it is known, for a
			leaf or a prologue whose return address is still
			there; 0 otherwise, and on x86_64 */
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

/*
 * The stack words a walk read, and the unwind tables it read them with:
 * the same walk from the same registers (but FP, if it did not use it)
 * would find the same frames again
 * as long as every one of those words holds the same value and the tables
 * are the same (hooks.c keeps a thread's last stacks this way).  The
 * values are kept as a 64-bit hash, not word by word: two different sets
 * of words at the same places share a hash once in 2^64, and a trace is a
 * third of the size, so that a thread keeps several in its few hundred
 * bytes of TLS.
 */
#define NP_UNWIND_TRACE_MAX 16
struct np_unwind_trace {
	uint32_t n;          /* words read; more than the maximum: too many */
	uint8_t why;         /* enum np_unwind_stop */
	uint8_t fp_used;     /* the walk depended on the first FP */
	uint64_t generation; /* np_cfi_generation() when it started */
	uint64_t hash;       /* of the words' values, in the order read */
	uint16_t off[NP_UNWIND_TRACE_MAX]; /* where, from the first SP */
};

/* np_unwind, noting what it read in *TRACE. */
int np_unwind_traced(const struct np_regs *regs, uint64_t *frames, int max,
		     const struct np_stack_bounds *b,
		     struct np_unwind_trace *trace);

/* Whether a walk that started at SP (the same registers as T's, on the
 * same stack, which now ends at HI: a stack freed and another mapped there
 * may be smaller) would find what T's did; counted as that walk's stop if
 * so. */
int np_unwind_trace_holds(const struct np_unwind_trace *t, uint64_t sp,
			  uint64_t hi);

/* The same by frame pointers alone (no tables needed). */
int np_unwind_fp(const struct np_regs *regs, uint64_t *frames, int max,
		 const struct np_stack_bounds *b);

/* Why np_unwind stopped; each is counted. */
enum np_unwind_stop {
	NP_UNWIND_COMPLETE = 0,    /* at a thread's first frame */
	NP_UNWIND_NO_STACK = 1,    /* no stack bounds: the PC alone */
	NP_UNWIND_NO_CFI = 2,      /* no CFI and no usable frame pointer */
	NP_UNWIND_BAD_FRAME = 3,   /* a CFA or saved slot outside the stack,
				      or SP not growing */
	NP_UNWIND_UNSUPPORTED = 4, /* CFI the tables cannot express */
	NP_UNWIND_TOO_DEEP = 5,    /* MAX frames taken */
	NP_UNWIND_STOP_MAX = 6,
};

/* How many np_unwind calls stopped for WHY since the process started. */
uint64_t np_unwind_stops(enum np_unwind_stop why);
/* A short name for WHY ("complete", "no_cfi", ...). */
const char *np_unwind_stop_name(enum np_unwind_stop why);

/*
 * The calling function's own registers, to unwind from where it stands (a
 * malloc hook, a benchmark): PC, SP and FP of one point in it, consistent
 * with its CFI there.
 */
static inline __attribute__((always_inline)) void
np_regs_here(struct np_regs *r)
{
	uint64_t pc, sp, fp, lr = 0;

#if defined(__x86_64__)
	__asm__ volatile("leaq 0(%%rip), %0\n\t"
			 "movq %%rsp, %1\n\t"
			 "movq %%rbp, %2"
			 : "=r"(pc), "=r"(sp), "=r"(fp));
#elif defined(__aarch64__)
	/* LR too: gcc may store it late in the prologue, and until its CFI
	 * says so LR still holds the return address. */
	__asm__ volatile("adr %0, .\n\t"
			 "mov %1, sp\n\t"
			 "mov %2, x29\n\t"
			 "mov %3, x30"
			 : "=r"(pc), "=r"(sp), "=r"(fp), "=r"(lr));
#endif
	r->pc = pc;
	r->sp = sp;
	r->fp = fp;
	r->lr = lr;
}

static inline void np_regs_from_ucontext(const ucontext_t *uc,
					 struct np_regs *r)
{
#if defined(__x86_64__)
	r->pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	r->sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	r->fp = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
	r->lr = 0;
#elif defined(__aarch64__)
	r->pc = (uint64_t)uc->uc_mcontext.pc;
	r->sp = (uint64_t)uc->uc_mcontext.sp;
	r->fp = (uint64_t)uc->uc_mcontext.regs[29];
	r->lr = (uint64_t)uc->uc_mcontext.regs[30];
#else
#error "nprof's agent supports x86_64 and aarch64 only"
#endif
}

#endif /* NPROF_AGENT_UNWIND_H */
