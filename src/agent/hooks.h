/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The functions that patched GOT slots lead to (hooks.c for allocation,
 * dl-hooks.c for dlopen and dlclose), the real functions they call, and the
 * native memory session they record for.  A hook is only reachable through
 * a slot patched by hook-table.c: it is never exported under the real name,
 * so nothing reaches it before a session or through the agent's own calls.
 * Hooks stay in memory after a session (the agent is never unloaded); one
 * still running when its slot is put back calls the real function and
 * records nothing.
 */
#ifndef NPROF_AGENT_HOOKS_H
#define NPROF_AGENT_HOOKS_H

#include <stdint.h>

#include "mem-queues.h"
#include "stacktab.h"

enum np_hook_func {
	NP_HF_MALLOC,
	NP_HF_CALLOC,
	NP_HF_REALLOC,
	NP_HF_FREE,
	NP_HF_POSIX_MEMALIGN,
	NP_HF_ALIGNED_ALLOC,
	NP_HF_MEMALIGN,
	NP_HF_VALLOC,
	NP_HF_PVALLOC,
	NP_HF_DLOPEN,
	NP_HF_DLMOPEN,
	NP_HF_DLCLOSE,
	NP_HF_COUNT
};

/* The symbol names, by enum np_hook_func. */
extern const char *const np_hook_names[NP_HF_COUNT];

/*
 * Where our hook for FUNC is, for a slot of link-map namespace NS (0: the
 * base).  Each namespace has its own libc, with its own heap, and its own
 * copy of the allocation hooks, which call that libc's functions; the
 * hooks of dlopen, dlmopen and dlclose are shared (a namespace's libc
 * hands those calls to the base's).
 */
uintptr_t np_hook_address(int ns, enum np_hook_func func);

/* The real FUNC of namespace NS, 0 while unknown. */
uintptr_t np_hook_real(int ns, enum np_hook_func func);
/* Sets the real FUNC of NS once (later calls and our own hooks are
 * ignored): before any slot leads to the hook. */
void np_hook_set_real(int ns, enum np_hook_func func, uintptr_t value);
/* Ties namespace NS's real functions to its libc, loaded at LIBC_BIAS:
 * if they were another libc's (the namespace was emptied and its id used
 * again), forgets them.  Before any slot of the new libc's namespace leads
 * to a hook. */
void np_hook_bind_namespace(int ns, uint64_t libc_bias);

/* Creates the queues for a session with mean sampling gap MEAN bytes (0:
 * exact mode), the stack table and the live set; 0 or -ENOMEM. */
int np_memhooks_init(uint64_t mean);

/* Starts recording for SESSION with mean sampling gap INTERVAL bytes (0:
 * every allocation and free); np_memhooks_end stops, at once. */
void np_memhooks_begin(uint32_t session, uint64_t interval);
void np_memhooks_end(void);
/* After np_memhooks_end, once the writer has taken what it wanted: the
 * events still queued are thrown away, and the queues and the live set
 * give their pages back, so that a session's memory does not stay with
 * the target.  Returns how many of the thrown events were of SESSION.  A
 * queue with an event still in flight, after a few tries, keeps its pages
 * (a later session skips that event). */
uint64_t np_memhooks_release(uint32_t session);
/* Whether a session is recording. */
uint32_t np_memhooks_session(void);

/* What the writer drains: the queues of the session's mode. */
struct np_mem_queues *np_memhooks_queues(void);
struct np_stacktab *np_memhooks_stacks(void);

/* In a forked child: stop recording, forget half-claimed events. */
void np_memhooks_after_fork(void);

#endif /* NPROF_AGENT_HOOKS_H */
