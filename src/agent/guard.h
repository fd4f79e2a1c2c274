/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-thread re-entrancy guard.  Whatever of the agent runs on a target
 * thread (the signal handler now, malloc hooks later) enters it first and
 * does nothing if it is already held, so a nested call never touches state
 * that the outer one is changing.  The writer thread holds it for good.
 */
#ifndef NPROF_AGENT_GUARD_H
#define NPROF_AGENT_GUARD_H

#include <stdatomic.h>

extern __thread int np_guard_held;

/* 0 when entered, -1 when this thread is already inside the agent. */
static inline int np_guard_enter(void)
{
	if (np_guard_held)
		return -1;
	np_guard_held = 1;
	atomic_signal_fence(memory_order_seq_cst);
	return 0;
}

static inline void np_guard_leave(void)
{
	atomic_signal_fence(memory_order_seq_cst);
	np_guard_held = 0;
}

#endif /* NPROF_AGENT_GUARD_H */
