/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The allocation hooks (see hooks.h).  The fast path of each is: the real
 * call, one load of the session, and in sampled mode one subtraction from
 * the thread's countdown, and for free one load from the live set's filter.
 * Recording an event (a sampled allocation, or any in exact mode) takes the
 * guard, unwinds from the hook's own frame, interns the stack and queues a
 * small event.  No malloc, no lock, no stdio.  Events are stamped with the
 * coarse clock (the kernel's tick, 1 to 4 ms): a precise one costs more
 * than the rest of the event (24 ns against 6 here), and the stream's order,
 * not the time, is what orders events.
 *
 * Order per address: an ALLOC is queued before the pointer is returned, a
 * FREE before the block goes back to the allocator (realloc claims its
 * FREE's cell before the call and fills it after), so the stream never has
 * a reused address before its free.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc-sampler.h"
#include "cfi-table.h"
#include "clock.h"
#include "coderanges.h"
#include "guard.h"
#include "hooks.h"
#include "livemap.h"
#include "mem.h"
#include "mem-queues.h"
#include "namespaces.h"
#include "sampler.h"
#include "stack-bounds.h"
#include "unwind.h"

/* Deep enough for real programs, small enough for any thread's stack. */
#define HOOK_FRAMES 128
/* Queue sizes, in cells of 64 bytes.  Exact mode's must together absorb
 * what two busy threads queue while the writer waits for a CPU on a loaded
 * machine (at 10 M events/s, 200 ms), and are touched as they are used;
 * it has a queue per CPU (mem-queues.h), up to QUEUES_EXACT_MAX.  Sampled
 * mode queues ~40,000 events a second at the default interval in bench's
 * alloc-heavy, in one queue backed at the start: 1 MiB, 0.4 s of that.
 * An interval under SMALL_INTERVAL samples most allocations of a busy
 * program (a third to a half of alloc-heavy's at 1k), as many events as
 * exact mode nearly, so it takes exact mode's queues: in a queue of its
 * own four times as big it lost a third of them. */
#define CELLS_EXACT (1u << 21)
#define CELLS_EXACT_MIN (1u << 18)
#define QUEUES_EXACT_MAX 16
#define CELLS_SAMPLED (1u << 14)
#define SMALL_INTERVAL (64u << 10)

const char *const np_hook_names[NP_HF_COUNT] = {
	[NP_HF_MALLOC] = "malloc",
	[NP_HF_CALLOC] = "calloc",
	[NP_HF_REALLOC] = "realloc",
	[NP_HF_FREE] = "free",
	[NP_HF_POSIX_MEMALIGN] = "posix_memalign",
	[NP_HF_ALIGNED_ALLOC] = "aligned_alloc",
	[NP_HF_MEMALIGN] = "memalign",
	[NP_HF_VALLOC] = "valloc",
	[NP_HF_PVALLOC] = "pvalloc",
	[NP_HF_DLOPEN] = "dlopen",
	[NP_HF_DLMOPEN] = "dlmopen",
	[NP_HF_DLCLOSE] = "dlclose",
};

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);

/* Set before any slot leads to a hook; the slot's store publishes them.
 * One row per link-map namespace: each has its own libc and heap, and a
 * slot of namespace K leads to the hooks that call row K's functions. */
static _Atomic uintptr_t reals[NP_NS_MAX][NP_HF_COUNT];
/* The libc whose functions row K holds (its load bias). */
static _Atomic uint64_t reals_owner[NP_NS_MAX];
#define REAL(k, f, type)                                                 \
	((type)atomic_load_explicit(&reals[k][f], memory_order_relaxed))

static _Atomic uint32_t session;
/* What malloc's and calloc's fast path compares a thread's countdown with
 * (alloc-sampler.h), one load for the mode and the session: the session's
 * floor in sampled mode, the highest value in exact mode (no call passes),
 * the lowest outside a session (every call passes, untouched). */
static _Atomic int64_t malloc_floor = INT64_MIN;
static uint64_t interval; /* written before `session` is published */
/* What a free looks at first, a filter by page (livemap.h), published
 * after the session and reset before its end: no page outside a session,
 * the live set's filter in sampled mode, every page in exact mode (every
 * free counts).  Never NULL, so the free of a block that was not sampled
 * is two loads and a test, and free(NULL) takes the same path. */
#define FILTER_SIZE ((size_t)1 << NP_LIVEMAP_FILTER_BITS)
static const _Atomic uint8_t no_page[FILTER_SIZE]; /* the zero page */
static const _Atomic uint8_t *_Atomic free_gate = no_page;
static _Atomic uint8_t *every_page; /* FILTER_SIZE ones */
/* The queues of the current mode, set before `session` is published; a
 * hook takes them once per event, and the queues of the other mode, once
 * used, stay. */
static struct np_mem_queues *_Atomic queues;
/* [0]: one queue, for an interval of SMALL_INTERVAL or more; [1]: one a
 * CPU, for exact mode and smaller intervals. */
static struct np_mem_queues *mode_queues[2];
static struct np_stacktab *stacks;
static struct np_livemap *live;
static int queues_dirty;

static __thread struct np_countdown countdown;
static __thread uint32_t cached_tid;
/* The stack mapping checked last, and the page of SP it was checked at. */
static __thread struct np_stack_bounds bounds;
static __thread uint64_t bounds_page;

/* dlopen, dlmopen and dlclose: a namespace's libc hands them to the
 * base's, so every namespace's slots lead to the same hooks and reals. */
static int shared(enum np_hook_func f)
{
	return f >= NP_HF_DLOPEN;
}

uintptr_t np_hook_real(int ns, enum np_hook_func f)
{
	return atomic_load(&reals[shared(f) ? 0 : ns][f]);
}

void np_hook_set_real(int ns, enum np_hook_func f, uintptr_t value)
{
	uintptr_t none = 0;

	if (shared(f))
		ns = 0;
	if (value && value != np_hook_address(ns, f))
		atomic_compare_exchange_strong(&reals[ns][f], &none, value);
}

void np_hook_bind_namespace(int ns, uint64_t libc_bias)
{
	if (ns == 0 || atomic_load(&reals_owner[ns]) == libc_bias)
		return;
	for (int f = 0; f < NP_HF_COUNT; f++)
		atomic_store(&reals[ns][f], 0);
	atomic_store(&reals_owner[ns], libc_bias);
}

/* Exact mode's queues: one per CPU, a power of two, at least two. */
static struct np_mem_queues *create_exact(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int n = 2;

	while (n < QUEUES_EXACT_MAX && n < cpus)
		n *= 2;
	return np_mem_queues_create(n, CELLS_EXACT / n > CELLS_EXACT_MIN
					       ? CELLS_EXACT / n
					       : CELLS_EXACT_MIN);
}

/* Which of mode_queues an interval of MEAN takes (see CELLS_EXACT). */
static int busy_queues(uint64_t mean)
{
	return mean < SMALL_INTERVAL;
}

int np_memhooks_init(uint64_t mean)
{
	int busy = busy_queues(mean), exact = mean == 0;

	if (!mode_queues[busy]) {
		mode_queues[busy] = busy ? create_exact()
					 : np_mem_queues_create(1, CELLS_SAMPLED);
		if (!mode_queues[busy])
			return -ENOMEM;
	}
	if (exact && !every_page) {
		if (!(every_page = np_pages_alloc(FILTER_SIZE)))
			return -ENOMEM;
		memset(every_page, 1, FILTER_SIZE);
	}
	if (!stacks && !(stacks = np_stacktab_create()))
		return -ENOMEM;
	if (!live && !(live = np_livemap_create()))
		return -ENOMEM;
	return 0;
}

void np_memhooks_begin(uint32_t s, uint64_t mean)
{
	if (queues_dirty) {
		for (int i = 0; i < 2; i++)
			if (mode_queues[i])
				np_mem_queues_reset(mode_queues[i]);
		queues_dirty = 0;
	}
	np_livemap_clear(live);
	/* Sampled mode's queue (1 MiB) and the live set's filter are
	 * backed now: pages that a hook or the writer reads before a hook
	 * writes there are the zero page, whose copy on write shoots down
	 * every CPU's TLB, ~2,000 times in a short allocation-heavy run (4%
	 * of it).  Exact mode's queues (128 MiB) are backed as they fill. */
	if (mean)
		np_livemap_prefault(live);
	if (!busy_queues(mean))
		np_mem_queues_prefault(mode_queues[0]);
	interval = mean;
	atomic_store_explicit(&queues, mode_queues[busy_queues(mean)],
			      memory_order_relaxed);
	atomic_store_explicit(&session, s, memory_order_release);
	atomic_store_explicit(&malloc_floor,
			      mean ? np_alloc_floor(s) : INT64_MAX,
			      memory_order_release);
	atomic_store_explicit(&free_gate,
			      mean ? np_livemap_filter(live) : every_page,
			      memory_order_release);
}

void np_memhooks_end(void)
{
	atomic_store_explicit(&free_gate, no_page, memory_order_relaxed);
	atomic_store_explicit(&malloc_floor, INT64_MIN, memory_order_relaxed);
	atomic_store_explicit(&session, 0, memory_order_release);
}

/* Tries to give a queue back this many times, a millisecond apart: a hook
 * that claimed a cell before the session ended publishes it soon, unless
 * its thread waits for a CPU. */
#define RELEASE_TRIES 20

uint64_t np_memhooks_release(uint32_t s)
{
	uint64_t thrown = 0;

	for (int i = 0; i < 2; i++) {
		for (int k = 0; mode_queues[i] && k < RELEASE_TRIES; k++) {
			thrown += np_mem_queues_discard(mode_queues[i], s);
			if (np_mem_queues_release(mode_queues[i]) == 0)
				break;
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		}
	}
	if (live)
		np_livemap_clear(live);
	return thrown;
}

uint32_t np_memhooks_session(void)
{
	return atomic_load_explicit(&session, memory_order_acquire);
}

struct np_mem_queues *np_memhooks_queues(void)
{
	return atomic_load_explicit(&queues, memory_order_relaxed);
}

struct np_stacktab *np_memhooks_stacks(void)
{
	return stacks;
}

void np_memhooks_after_fork(void)
{
	np_memhooks_end();
	cached_tid = 0;
	queues_dirty = 1;
}

static uint32_t tid(void)
{
	if (!cached_tid)
		cached_tid = (uint32_t)np_gettid();
	return cached_tid;
}

static void count_lost(void)
{
	np_sampler_add_lost(NP_LOST_ALLOC_RING, 1);
}

/* Whether V may be a return address: in a library's code, after a call. */
static int return_address(uint64_t v)
{
	return np_coderanges_kind(v) != NP_CODE_NONE &&
	       np_unwind_follows_call(v);
}

/*
 * The hook's caller keeps no frame pointer (libc's strdup): FP walking
 * would skip its own caller, or stop.  Its return address is the first word
 * above our frame that follows a call in known code; that caller's frame
 * pointer was saved on the way (in %rbp, or pushed by the frameless code),
 * so it is the lowest saved word above that return address whose frame
 * record holds a return address too.  Walking goes on from there.
 */
#define SCAN_WORDS 48
static uint32_t frameless_caller(const uint64_t *hook_fp, uint64_t *frames)
{
	const uint64_t *w = hook_fp + 2, *top, *ret_at = NULL;
	uint64_t best = 0, lo;
	struct np_regs regs = { 0 };
	uint32_t n = 0;

	frames[n++] = hook_fp[1];
	top = (const uint64_t *)(uintptr_t)bounds.hi;
	for (int i = 0; i < SCAN_WORDS && w < top; i++, w++) {
		if (return_address(*w)) {
			ret_at = w;
			break;
		}
	}
	if (!ret_at)
		return n;
	frames[n++] = *ret_at;
	lo = (uint64_t)(uintptr_t)(ret_at + 1);
	for (const uint64_t *c = hook_fp + 1; c <= ret_at; c++) {
		/* hook_fp[0] (c = hook_fp + 1 - 1) is the saved %rbp. */
		uint64_t v = c == hook_fp + 1 ? hook_fp[0] : c[-1];

		if (v >= lo && !(v & 7) && v <= bounds.hi - 16 &&
		    (!best || v < best) &&
		    return_address(((const uint64_t *)(uintptr_t)v)[1]))
			best = v;
	}
	if (!best)
		return n;
	regs.pc = ((const uint64_t *)(uintptr_t)best)[1];
	regs.fp = ((const uint64_t *)(uintptr_t)best)[0];
	regs.sp = regs.fp;
	return n + (uint32_t)np_unwind(&regs, frames + n, HOOK_FRAMES - (int)n,
				       &bounds);
}

/* Whether the published unwind tables say how to leave the code at PC. */
static int has_cfi(uint64_t pc)
{
	const struct np_cfi_row *row;
	unsigned int slot;
	int known;

	row = np_cfi_find(np_cfi_enter(&slot), pc);
	known = row && row->kind != NP_CFA_NONE && row->kind != NP_CFA_UNKNOWN;
	np_cfi_leave(slot);
	return known;
}

/*
 * The thread's last stacks, each known again without a walk while its
 * starting registers are the same (FP only if the walk used it: optimized
 * code keeps anything in it) and the stack words the walk read hold what
 * they held (unwind.h): a loop that allocates from a few places then costs
 * a dozen loads an allocation, not a walk and an intern.  Three: a loop
 * with more call sites than kept stacks walks on every call (bench's
 * alloc-heavy has three; with one kept, 59% of its allocations walked).
 * 88 bytes each, of the agent's few hundred bytes of TLS.
 */
#define KEPT_STACKS 3
static __thread struct kept_stack {
	uint64_t pc, sp, fp;
	uint32_t ref; /* 0: none kept */
	struct np_unwind_trace trace;
} kept[KEPT_STACKS];
static __thread uint8_t kept_next; /* the one a walk replaces */

/* The stacktab reference of the stack from REGS (the hook's caller's). */
static uint32_t walk_ref(const struct np_regs *regs)
{
	uint64_t frames[HOOK_FRAMES];
	struct kept_stack *k;
	uint32_t n, ref;

	for (int i = 0; i < KEPT_STACKS; i++) {
		k = &kept[i];
		if (k->ref && k->pc == regs->pc && k->sp == regs->sp &&
		    (k->fp == regs->fp || !k->trace.fp_used) &&
		    np_unwind_trace_holds(&k->trace, regs->sp, bounds.hi))
			return k->ref;
	}
	k = &kept[kept_next];
	kept_next = (uint8_t)((kept_next + 1) % KEPT_STACKS);
	k->ref = 0;
	n = (uint32_t)np_unwind_traced(regs, frames, HOOK_FRAMES, &bounds,
				       &k->trace);
	ref = n ? np_stacktab_intern(stacks, frames, n) : 0;
	if (ref && k->trace.n <= NP_UNWIND_TRACE_MAX) {
		k->pc = regs->pc;
		k->sp = regs->sp;
		k->fp = regs->fp;
		k->ref = ref;
	}
	return ref;
}

/*
 * The stacktab reference of the stack above the hook whose frame is at
 * HOOK_FP and whose CFA (its caller's SP once it returns) is HOOK_CFA,
 * 0 if none: frames[0] is the return address into the hook's caller.  The
 * bounds are checked again (a system call) only when SP moves to another
 * page: a thread running on a stack has it mapped at SP, and a new check
 * catches a switch of stacks.
 */
static uint32_t stack_ref(const uint64_t *hook_fp, uint64_t hook_cfa)
{
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	struct np_regs regs = { 0 };

	if ((sp >> 12) != bounds_page || sp < bounds.lo || sp >= bounds.hi) {
		if (np_stack_bounds_find(sp, &bounds) != 0) {
			bounds_page = 0;
			return 0;
		}
		bounds_page = sp >> 12;
	}
	if ((uint64_t)(uintptr_t)hook_fp < sp ||
	    (uint64_t)(uintptr_t)hook_fp > bounds.hi - 16)
		return 0;
	regs.pc = hook_fp[1];
	regs.fp = hook_fp[0];
	/* The guess by scanning is for a frameless caller without CFI (its
	 * table not built yet): CFI is exact. */
	if (np_coderanges_kind(regs.pc) == NP_CODE_FRAMELESS &&
	    !has_cfi(regs.pc)) {
		uint64_t frames[HOOK_FRAMES];
		uint32_t n = frameless_caller(hook_fp, frames);

		return n ? np_stacktab_intern(stacks, frames, n) : 0;
	}
	/* The caller's registers as our return leaves them: SP at the
	 * hook's CFA (just above the return address on x86_64; above the
	 * whole frame on aarch64, whose frame record is at its bottom).  Its
	 * CFI finds its CFA from that SP when it keeps no frame pointer. */
	regs.sp = hook_cfa;
	return walk_ref(&regs);
}

__attribute__((noinline)) static void record_alloc(void *p, size_t size,
						   uint32_t s,
						   const uint64_t *hook_fp,
						   const void *hook_cfa)
{
	struct np_mem_queues *q = atomic_load_explicit(&queues,
						       memory_order_relaxed);
	struct np_mem_event *ev;
	struct np_mem_claim c;
	uint32_t ref;

	if (np_guard_enter() != 0)
		return;
	/* The walk hides the wait for the live set's line. */
	if (interval)
		np_livemap_prefetch(live, (uint64_t)(uintptr_t)p);
	ref = stack_ref(hook_fp, (uint64_t)(uintptr_t)hook_cfa);
	if (interval && np_livemap_insert(live, (uint64_t)(uintptr_t)p)) {
		count_lost();
		goto out;
	}
	ev = np_mem_queues_claim(q, (uint64_t)(uintptr_t)p, s, &c);
	if (!ev) {
		if (interval)
			np_livemap_remove(live, (uint64_t)(uintptr_t)p);
		count_lost();
		goto out;
	}
	ev->time_ns = np_clock_coarse_ns();
	ev->addr = (uint64_t)(uintptr_t)p;
	ev->size = size;
	ev->tid = tid();
	ev->stack = ref;
	ev->session = s;
	ev->kind = NP_MEM_ALLOC;
	np_mem_queues_publish(&c);
out:
	np_guard_leave();
}

/*
 * Claims the FREE of P (only a sampled block's in sampled mode); fills *C
 * and returns the event, which the caller publishes, or NULL.
 */
static struct np_mem_event *claim_free(void *p, uint32_t s,
				       struct np_mem_claim *c)
{
	struct np_mem_queues *q = atomic_load_explicit(&queues,
						       memory_order_relaxed);
	struct np_mem_event *ev = NULL;

	if (np_guard_enter() != 0)
		return NULL;
	if (interval && !np_livemap_remove(live, (uint64_t)(uintptr_t)p))
		goto out;
	ev = np_mem_queues_claim(q, (uint64_t)(uintptr_t)p, s, c);
	if (!ev) {
		count_lost();
		goto out;
	}
	ev->time_ns = np_clock_coarse_ns();
	ev->addr = (uint64_t)(uintptr_t)p;
	ev->size = 0;
	ev->tid = tid();
	ev->stack = 0;
	ev->session = s;
	ev->kind = NP_MEM_FREE;
out:
	np_guard_leave();
	return ev;
}

/* The session to record an event for, 0 when none or nested in the agent. */
static inline uint32_t recording(void)
{
	/* Acquire: a hook that sees the session sees its queue. */
	uint32_t s = atomic_load_explicit(&session, memory_order_acquire);

	return s && !np_guard_held ? s : 0;
}

/* Whether the free of P may have to be recorded: in sampled mode only that
 * of a sampled block, which the live set's filter rules out cheaply. */
static inline int maybe_sampled(void *p)
{
	return np_livemap_filter_may_hold(
		atomic_load_explicit(&free_gate, memory_order_acquire),
		(uint64_t)(uintptr_t)p);
}

static inline int chosen(size_t size, uint32_t s)
{
	return interval == 0 || np_alloc_sampled(&countdown, size, interval, s);
}

/* The hook's frame and CFA, taken first thing (see BODY below). */
#define HOOK_FRAME                                                       \
	const uint64_t *fp = __builtin_frame_address(0);                 \
	const void *cfa = __builtin_dwarf_cfa()

#define AFTER_ALLOC(p, size)                                             \
	do {                                                             \
		uint32_t s_ = recording();                               \
		if ((p) && s_ && chosen((size), s_))                     \
			record_alloc((p), (size), s_, fp, cfa);          \
	} while (0)

/*
 * malloc and calloc, the hot ones, choose before the call: a sampled
 * allocation is chosen by its size alone, so the common case, not chosen,
 * is one subtraction and a tail call, with no frame of its own (5 ns a
 * malloc/free pair less in a tight loop than deciding after the call).
 * The rest, in exact mode every call, goes through a function with a
 * frame, which the unwinder starts from.  A chosen call that fails records
 * nothing: the countdown has moved on as if the bytes had been allocated,
 * which biases nothing that succeeded.
 */
static inline int passes(size_t size)
{
	return np_countdown_passes(&countdown, size,
				   atomic_load_explicit(&malloc_floor,
							memory_order_relaxed));
}

/* After passes() said no: the session to record the call in, or 0. */
static inline uint32_t chosen_slow(size_t size)
{
	uint32_t s = recording();

	if (!s)
		return 0;
	if (interval && !np_alloc_sampled_slow(&countdown, size, interval, s))
		return 0;
	return s;
}

__attribute__((noinline)) static void *malloc_slow(int k, size_t size)
{
	uint32_t s = chosen_slow(size);
	void *p;

	if (!s)
		return REAL(k, NP_HF_MALLOC, malloc_fn)(size);
	p = REAL(k, NP_HF_MALLOC, malloc_fn)(size);
	if (p)
		record_alloc(p, size, s, __builtin_frame_address(0),
			     __builtin_dwarf_cfa());
	return p;
}

__attribute__((noinline)) static void *calloc_slow(int k, size_t n,
						  size_t each)
{
	uint32_t s = chosen_slow(n * each);
	void *p;

	if (!s)
		return REAL(k, NP_HF_CALLOC, calloc_fn)(n, each);
	p = REAL(k, NP_HF_CALLOC, calloc_fn)(n, each);
	if (p)
		record_alloc(p, n * each, s, __builtin_frame_address(0),
			     __builtin_dwarf_cfa());
	return p;
}

/* The free of P after the gate let it through: recorded when P was
 * sampled (or in exact mode), then the real free, a tail call. */
__attribute__((noinline)) static void free_slow(int k, void *p)
{
	struct np_mem_claim c;
	uint32_t s;

	if (p && (s = recording()) && claim_free(p, s, &c))
		np_mem_queues_publish(&c);
	REAL(k, NP_HF_FREE, free_fn)(p);
}

/*
 * The hooks' bodies, for namespace K: inlined into each namespace's copy
 * (see NS_HOOKS below), where K is a constant, so that a copy's real
 * function is one load from a fixed address, as if there were one copy.
 */
#define BODY static inline __attribute__((always_inline))
/* Their frame, the hook's, is taken first thing: GCC may move what comes
 * after the real call into a function of its own (hook_..._0.part.0),
 * whose frame is not the one above the caller's. */

/* The calls below are tail calls (checked by tests/run-hook-code.sh and
 * by run-nativemem.sh's stacks): the slow path's frame stands for the
 * hook's, with the caller's return address above it. */
BODY void *malloc_in(int k, size_t size)
{
	if (__builtin_expect(passes(size), 1))
		return REAL(k, NP_HF_MALLOC, malloc_fn)(size);
	return malloc_slow(k, size);
}

BODY void *calloc_in(int k, size_t n, size_t each)
{
	if (__builtin_expect(passes(n * each), 1))
		return REAL(k, NP_HF_CALLOC, calloc_fn)(n, each);
	return calloc_slow(k, n, each);
}

/* One load and a test, then the real free as a tail call: NULL, the
 * session and the guard are asked after the gate, which rules out nearly
 * every free in sampled mode.  The common path falls through to the real
 * free: with a taken branch there (the slow path inline) the hooks cost
 * malloc-loop 0.45 ns a pair more, half of what they add to a plain jump. */
BODY void free_in(int k, void *p)
{
	if (__builtin_expect(maybe_sampled(p), 0)) {
		free_slow(k, p);
		return;
	}
	REAL(k, NP_HF_FREE, free_fn)(p);
}

BODY void *realloc_in(int k, void *old, size_t size)
{
	HOOK_FRAME;
	uint32_t s = recording();
	struct np_mem_event *ev = NULL;
	struct np_mem_claim c;
	void *p;

	if (old && s && maybe_sampled(old))
		ev = claim_free(old, s, &c);
	p = REAL(k, NP_HF_REALLOC, realloc_fn)(old, size);
	if (ev) {
		/* Failed: the old block lives on, and the claimed cell
		 * must still be published. */
		if (!p && size) {
			ev->kind = NP_MEM_NONE;
			if (interval &&
			    np_livemap_insert(live, (uint64_t)(uintptr_t)old))
				count_lost();
		}
		np_mem_queues_publish(&c);
	}
	AFTER_ALLOC(p, size);
	return p;
}

BODY int posix_memalign_in(int k, void **out, size_t align, size_t size)
{
	HOOK_FRAME;
	int err = REAL(k, NP_HF_POSIX_MEMALIGN, posix_memalign_fn)(out, align,
								   size);

	if (err == 0)
		AFTER_ALLOC(*out, size);
	return err;
}

BODY void *aligned_alloc_in(int k, size_t align, size_t size)
{
	HOOK_FRAME;
	void *p = REAL(k, NP_HF_ALIGNED_ALLOC, aligned_fn)(align, size);

	AFTER_ALLOC(p, size);
	return p;
}

BODY void *memalign_in(int k, size_t align, size_t size)
{
	HOOK_FRAME;
	void *p = REAL(k, NP_HF_MEMALIGN, aligned_fn)(align, size);

	AFTER_ALLOC(p, size);
	return p;
}

BODY void *valloc_in(int k, size_t size)
{
	HOOK_FRAME;
	void *p = REAL(k, NP_HF_VALLOC, malloc_fn)(size);

	AFTER_ALLOC(p, size);
	return p;
}

BODY void *pvalloc_in(int k, size_t size)
{
	HOOK_FRAME;
	void *p = REAL(k, NP_HF_PVALLOC, malloc_fn)(size);

	AFTER_ALLOC(p, size);
	return p;
}

/* Namespace K's hooks, and their row in the table of hook addresses. */
#define NS_HOOKS(k)                                                          \
	static void *hook_malloc_##k(size_t size)                            \
	{                                                                    \
		return malloc_in(k, size);                                   \
	}                                                                    \
	static void *hook_calloc_##k(size_t n, size_t each)                  \
	{                                                                    \
		return calloc_in(k, n, each);                                \
	}                                                                    \
	static void hook_free_##k(void *p)                                   \
	{                                                                    \
		free_in(k, p);                                               \
	}                                                                    \
	static void *hook_realloc_##k(void *old, size_t size)                \
	{                                                                    \
		return realloc_in(k, old, size);                             \
	}                                                                    \
	static int hook_posix_memalign_##k(void **out, size_t align,         \
					   size_t size)                      \
	{                                                                    \
		return posix_memalign_in(k, out, align, size);               \
	}                                                                    \
	static void *hook_aligned_alloc_##k(size_t align, size_t size)       \
	{                                                                    \
		return aligned_alloc_in(k, align, size);                     \
	}                                                                    \
	static void *hook_memalign_##k(size_t align, size_t size)            \
	{                                                                    \
		return memalign_in(k, align, size);                          \
	}                                                                    \
	static void *hook_valloc_##k(size_t size)                            \
	{                                                                    \
		return valloc_in(k, size);                                   \
	}                                                                    \
	static void *hook_pvalloc_##k(size_t size)                           \
	{                                                                    \
		return pvalloc_in(k, size);                                  \
	}
#define NS_ROW(k)                                                            \
	[k] = {                                                              \
		[NP_HF_MALLOC] = (hook_fn)hook_malloc_##k,                   \
		[NP_HF_CALLOC] = (hook_fn)hook_calloc_##k,                   \
		[NP_HF_REALLOC] = (hook_fn)hook_realloc_##k,                 \
		[NP_HF_FREE] = (hook_fn)hook_free_##k,                       \
		[NP_HF_POSIX_MEMALIGN] = (hook_fn)hook_posix_memalign_##k,   \
		[NP_HF_ALIGNED_ALLOC] = (hook_fn)hook_aligned_alloc_##k,     \
		[NP_HF_MEMALIGN] = (hook_fn)hook_memalign_##k,               \
		[NP_HF_VALLOC] = (hook_fn)hook_valloc_##k,                   \
		[NP_HF_PVALLOC] = (hook_fn)hook_pvalloc_##k,                 \
	},
#define EACH_NS(X)                                                           \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)  \
	X(13) X(14) X(15)
_Static_assert(NP_NS_MAX == 16, "EACH_NS lists every namespace");

typedef void (*hook_fn)(void);
EACH_NS(NS_HOOKS)
static const hook_fn hook_fns[NP_NS_MAX][NP_HF_DLOPEN] = { EACH_NS(NS_ROW) };

/* dl-hooks.c */
uintptr_t np_dl_hook_address(enum np_hook_func f);

uintptr_t np_hook_address(int ns, enum np_hook_func f)
{
	if (shared(f))
		return np_dl_hook_address(f);
	return (uintptr_t)hook_fns[ns][f];
}
