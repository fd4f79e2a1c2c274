/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SIGPROF handler and what it shares with the rest of the agent: the
 * sample ring, the counts of samples it had to drop, and which signals are
 * ours (perf fds, the timer cookie, the itimer).  The handler is installed
 * once and never removed: after a session it does nothing, because a
 * pending SIGPROF under SIG_DFL would kill the target.
 */
#ifndef NPROF_AGENT_SAMPLER_H
#define NPROF_AGENT_SAMPLER_H

#include <stdint.h>

#include "record.h"
#include "ring.h"

/* File descriptors at or above this cannot be perf events of ours. */
#define NP_SAMPLER_MAX_FD 65536

/* Creates the ring and installs the handler (once, unless the target has
 * replaced it since); 0 or -errno. */
int np_sampler_init(void);

/* Whether SIGPROF still reaches our handler (the target may replace it). */
int np_sampler_handler_installed(void);

/*
 * Starts taking samples for SESSION (non-zero), each weighing PERIOD_NS;
 * with COUNTER_WEIGHTS, a perf sample weighs what its counter advanced
 * since the thread's last sample instead (for hardware events).
 */
void np_sampler_begin(uint32_t session, uint64_t period_ns,
		      int counter_weights);
/* From now on the handler drops everything (already queued samples stay). */
void np_sampler_end(void);

/*
 * Throws away SIGPROFs that are pending for the process or any of its
 * threads, keeping our handler in place.  Before an exec: pending signals
 * survive it, and the new program would take them under SIG_DFL and die.
 */
void np_sampler_discard_pending(void);

struct np_ring *np_sampler_ring(void);

/* How many samples were dropped for KIND since the process started. */
uint64_t np_sampler_lost(enum np_lost_kind kind);

/* Counts N events of KIND dropped elsewhere in the agent (the allocation
 * hooks); async-signal-safe. */
void np_sampler_add_lost(enum np_lost_kind kind, uint64_t n);

/* Marks FD as a perf event of ours (its signals are samples), or not.
 * np_sampler_own_fd returns -1 when FD is too large to mark. */
int np_sampler_own_fd(int fd);
void np_sampler_disown_fd(int fd);

/* The sigev_value that marks a POSIX timer's signal as ours. */
void *np_sampler_timer_cookie(void);

/* Says that SIGPROF from the kernel (SI_KERNEL: setitimer) is ours. */
void np_sampler_claim_itimer(void);

/* In a forked child: stop sampling and close the inherited perf fds. */
void np_sampler_after_fork(void);

#endif /* NPROF_AGENT_SAMPLER_H */
