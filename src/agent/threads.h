/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target's threads, as the writer sees them in /proc/self/task: each
 * new thread gets the engine started on it and a THREAD record; a thread
 * that is gone gets its engine stopped.  Names are read again now and then
 * and re-sent when they change.  Writer thread only.
 */
#ifndef NPROF_AGENT_THREADS_H
#define NPROF_AGENT_THREADS_H

#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "send.h"

struct np_threads;

struct np_threads *np_threads_create(void);
void np_threads_free(struct np_threads *t);

/* One pass over /proc/self/task; SELF (the writer) is never sampled. */
void np_threads_scan(struct np_threads *t, struct np_cpu_engine *e, pid_t self,
		     struct np_send *out);

/* Reads every thread's name again (at the end of a session). */
void np_threads_check_names(struct np_threads *t, struct np_send *out);

/* Stops the engine on every thread (the list is kept). */
void np_threads_stop_all(struct np_threads *t, struct np_cpu_engine *e);

#endif /* NPROF_AGENT_THREADS_H */
