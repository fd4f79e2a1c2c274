/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * np_unwind (see unwind.h): walks the stack with the modules' precomputed
 * CFI rows (cfi-table.h), through signal frames, and by frame pointer where
 * a PC has no CFI.  Every word it reads lies in the thread's stack mapping,
 * above the SP of the frame being left, and 8-byte aligned; each frame's
 * CFA must be above the last, so the walk ends.
 */
#include "config.h"

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <ucontext.h>

#include "cfi-table.h"
#include "shard.h"
#include "stack-bounds.h"
#include "unwind.h"

/* Where the interrupted registers are in a signal frame, from its SP. */
#if defined(__x86_64__)
/* __restore_rt runs after the handler's return popped pretcode: the
 * ucontext is at SP. */
#define UC_AT 0
#define UC_PC offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP])
#define UC_SP offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP])
#define UC_FP offsetof(ucontext_t, uc_mcontext.gregs[REG_RBP])
#elif defined(__aarch64__)
/* struct rt_sigframe { siginfo_t info; ucontext_t uc; } at SP. */
#define UC_AT sizeof(siginfo_t)
#define UC_PC offsetof(ucontext_t, uc_mcontext.pc)
#define UC_SP offsetof(ucontext_t, uc_mcontext.sp)
#define UC_FP offsetof(ucontext_t, uc_mcontext.regs[29])
#define UC_LR offsetof(ucontext_t, uc_mcontext.regs[30])
#endif

/* Why walks stopped, counted per shard (shard.h): one walk per event. */
static struct {
	_Atomic uint64_t n[NP_UNWIND_STOP_MAX];
	char pad[64 - NP_UNWIND_STOP_MAX * sizeof(uint64_t)];
} stops[NP_SHARDS] __attribute__((aligned(64)));

static const char *const stop_names[NP_UNWIND_STOP_MAX] = {
	[NP_UNWIND_COMPLETE] = "complete",
	[NP_UNWIND_NO_STACK] = "no_stack",
	[NP_UNWIND_NO_CFI] = "no_cfi",
	[NP_UNWIND_BAD_FRAME] = "bad_frame",
	[NP_UNWIND_UNSUPPORTED] = "unsupported_cfi",
	[NP_UNWIND_TOO_DEEP] = "too_deep",
};

uint64_t np_unwind_stops(enum np_unwind_stop why)
{
	uint64_t n = 0;

	for (int k = 0; why < NP_UNWIND_STOP_MAX && k < NP_SHARDS; k++)
		n += atomic_load_explicit(&stops[k].n[why],
					  memory_order_relaxed);
	return n;
}

const char *np_unwind_stop_name(enum np_unwind_stop why)
{
	return why < NP_UNWIND_STOP_MAX ? stop_names[why] : "?";
}

/* The stack words that may be read: [lo, hi), lo moving up frame by
 * frame; what was read goes into TRACE, if any, as offsets from BASE (the
 * walk's first SP). */
struct window {
	uint64_t lo;
	uint64_t hi;
	uint64_t base;
	struct np_unwind_trace *trace;
};

static int readable(const struct window *w, uint64_t a, uint64_t len)
{
	return !(a & 7) && a >= w->lo && a <= w->hi && len <= w->hi - a;
}

/* A trace's hash (unwind.h) after one more word V. */
static uint64_t trace_mix(uint64_t hash, uint64_t v)
{
	hash = (hash ^ v) * 0x9e3779b97f4a7c15ull;
	return hash ^ (hash >> 31);
}

static uint64_t word(const struct window *w, uint64_t a)
{
	uint64_t v = *(const uint64_t *)(uintptr_t)a;
	struct np_unwind_trace *t = w->trace;

	if (t && t->n < NP_UNWIND_TRACE_MAX && a - w->base <= UINT16_MAX) {
		t->off[t->n] = (uint16_t)(a - w->base);
		t->hash = trace_mix(t->hash, v);
		t->n++;
	} else if (t) {
		t->n = NP_UNWIND_TRACE_MAX + 1; /* too much to keep */
	}
	return v;
}

static uint64_t strip(uint64_t ra)
{
#if defined(__aarch64__)
	/* Pointer authentication signs return addresses in the bits above
	 * the 48-bit user address space. */
	ra &= 0x0000ffffffffffffull;
#endif
	return ra;
}

static enum np_unwind_stop walk(const struct np_cfi_set *set,
				const struct np_regs *regs, uint64_t *frames,
				int max, int *count,
				const struct np_stack_bounds *b,
				struct np_unwind_trace *trace)
{
	struct window w = { regs->sp > b->lo ? regs->sp : b->lo, b->hi,
			    regs->sp, trace };
	struct np_stack_bounds stack = *b; /* the stack being walked */
	uint64_t pc = regs->pc, sp = regs->sp, fp = regs->fp, lr = regs->lr;
	int exact = 1; /* PC is where the thread is, not a return address */
	int switched = 0; /* left an alternate signal stack */
	int fp_given = 1; /* FP is still REGS->fp */
	int n = *count;

	for (;;) {
		const struct np_cfi_row *row;
		uint64_t cfa, ra_at, fp_at = 0, ret;
		int fp_rule = NP_CFI_FP_SAME, in_lr = 0;

		*count = n;
		if (n >= max)
			return NP_UNWIND_TOO_DEEP;
		/* A return address may follow a call that ends its function
		 * (noreturn): look up the call itself. */
		row = np_cfi_find(set, exact ? pc : pc - 1);
		switch (row ? row->kind : NP_CFA_NONE) {
		case NP_CFA_OUTERMOST:
			return NP_UNWIND_COMPLETE;
		case NP_CFA_SIGNAL: {
			uint64_t uc = sp + UC_AT, nsp;

			if (!readable(&w, uc, UC_SP + 8) ||
			    !readable(&w, uc, UC_PC + 8) ||
			    !readable(&w, uc, UC_FP + 8))
				return NP_UNWIND_BAD_FRAME;
			nsp = word(&w, uc + UC_SP);
			/* The interrupted frame is above the signal frame,
			 * unless the handler ran on an alternate stack
			 * (sigaltstack): then it is on the thread's own,
			 * another mapping, walked from there.  Once. */
			if (nsp < stack.lo || nsp >= stack.hi) {
				if (switched ||
				    np_stack_bounds_lookup(nsp, &stack) != 0)
					return NP_UNWIND_BAD_FRAME;
				switched = 1;
				w.hi = stack.hi;
				/* Words of two stacks: not to be checked from
				 * one SP. */
				if (trace)
					trace->n = NP_UNWIND_TRACE_MAX + 1;
			} else if (nsp <= sp) {
				return NP_UNWIND_BAD_FRAME;
			}
			pc = strip(word(&w, uc + UC_PC));
			fp = word(&w, uc + UC_FP);
			fp_given = 0;
#if defined(UC_LR)
			lr = readable(&w, uc, UC_LR + 8) ? word(&w, uc + UC_LR) : 0;
#endif
			sp = nsp;
			w.lo = sp;
			exact = 1;
			if (pc == 0)
				return NP_UNWIND_COMPLETE;
			frames[n++] = pc;
			continue;
		}
		case NP_CFA_SP:
			cfa = sp + (uint64_t)row->cfa_off;
			ra_at = cfa + (uint64_t)((int64_t)row->aux * 8);
			fp_rule = row->fp_off;
			in_lr = row->aux == NP_CFI_RA_LR;
			break;
		case NP_CFA_SP_LOW:
			cfa = sp + (uint64_t)row->cfa_off;
			ra_at = sp + (uint64_t)((int64_t)row->aux * 8);
			fp_rule = row->fp_off;
			if (fp_rule != NP_CFI_FP_SAME &&
			    fp_rule != NP_CFI_FP_UNKNOWN)
				fp_at = sp + (uint64_t)(int64_t)fp_rule;
			break;
		case NP_CFA_FP:
			if (fp_given && trace)
				trace->fp_used = 1;
			cfa = fp + (uint64_t)row->cfa_off;
			ra_at = cfa + (uint64_t)((int64_t)row->aux * 8);
			fp_rule = row->fp_off;
			in_lr = row->aux == NP_CFI_RA_LR;
			break;
#if defined(__x86_64__)
		case NP_CFA_PLT:
			cfa = sp + (uint64_t)row->cfa_off +
			      ((pc & 15) >= (uint64_t)row->aux ? 8 : 0);
			ra_at = cfa - 8;
			break;
#endif
		default:
			/* No CFI here: a frame record at FP, if FP looks
			 * like one (JIT code, stripped CFI, a table not
			 * built yet). */
			if (fp_given && trace)
				trace->fp_used = 1;
			if (!readable(&w, fp, 16) || fp < sp)
				return row && row->kind == NP_CFA_UNKNOWN
					       ? NP_UNWIND_UNSUPPORTED
					       : NP_UNWIND_NO_CFI;
			cfa = fp + 16;
			ra_at = fp + 8;
			fp_at = fp;
			fp_rule = 0;
			break;
		}
		if (in_lr) {
			/* A leaf, or a prologue before LR is saved: only the
			 * interrupted registers have it, and the frame may
			 * have no stack (CFA = SP).  Taken once: LR is then
			 * unknown until the next signal frame. */
			if (!exact || !lr || cfa < sp || (cfa & 7) || cfa > w.hi)
				return NP_UNWIND_BAD_FRAME;
			ret = lr;
			lr = 0;
		} else {
			if (cfa <= sp || (cfa & 7) || cfa > w.hi ||
			    !readable(&w, ra_at, 8))
				return NP_UNWIND_BAD_FRAME;
			ret = word(&w, ra_at);
		}
		if (fp_rule == NP_CFI_FP_UNKNOWN) {
			fp = 0;
			fp_given = 0;
		} else if (fp_rule != NP_CFI_FP_SAME) {
			if (!fp_at)
				fp_at = cfa + (uint64_t)(int64_t)fp_rule;
			fp = readable(&w, fp_at, 8) ? word(&w, fp_at) : 0;
			fp_given = 0;
		}
		pc = strip(ret);
		sp = cfa;
		w.lo = sp;
		exact = 0;
		/* Zero ends a chain; an address in the stack is no code. */
		if (pc == 0)
			return NP_UNWIND_COMPLETE;
		if (pc >= stack.lo && pc < stack.hi)
			return NP_UNWIND_BAD_FRAME;
		frames[n++] = pc;
	}
}

static void count_stop(enum np_unwind_stop why)
{
	atomic_fetch_add_explicit(&stops[np_thread_shard()].n[why], 1,
				  memory_order_relaxed);
}

int np_unwind_traced(const struct np_regs *regs, uint64_t *frames, int max,
		     const struct np_stack_bounds *b,
		     struct np_unwind_trace *trace)
{
	const struct np_cfi_set *set;
	enum np_unwind_stop why;
	unsigned int slot;
	int n = 1;

	if (trace) {
		trace->n = 0;
		trace->hash = 0;
		trace->fp_used = 0;
		trace->generation = np_cfi_generation();
	}
	if (max <= 0 || regs->pc == 0)
		return 0;
	frames[0] = regs->pc;
	if (!b) {
		why = NP_UNWIND_NO_STACK;
	} else {
		set = np_cfi_enter(&slot);
		why = walk(set, regs, frames, max, &n, b, trace);
		np_cfi_leave(slot);
	}
	if (trace)
		trace->why = (uint8_t)why;
	count_stop(why);
	return n;
}

int np_unwind(const struct np_regs *regs, uint64_t *frames, int max,
	      const struct np_stack_bounds *b)
{
	return np_unwind_traced(regs, frames, max, b, NULL);
}

int np_unwind_trace_holds(const struct np_unwind_trace *t, uint64_t sp,
			  uint64_t hi)
{
	uint64_t hash = 0;

	if (t->n > NP_UNWIND_TRACE_MAX ||
	    t->generation != np_cfi_generation())
		return 0;
	for (uint32_t i = 0; i < t->n; i++) {
		if (sp + t->off[i] + 8 > hi)
			return 0;
		hash = trace_mix(hash,
				 *(const uint64_t *)(uintptr_t)(sp + t->off[i]));
	}
	if (hash != t->hash)
		return 0;
	count_stop((enum np_unwind_stop)t->why);
	return 1;
}
