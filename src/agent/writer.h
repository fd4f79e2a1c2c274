/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One profiling session in the target (a "run") and its writer thread: the
 * only thread of the agent, which drains the sample ring, follows threads
 * and modules, and streams records to the CLI until the session stops.
 */
#ifndef NPROF_AGENT_WRITER_H
#define NPROF_AGENT_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine.h"
#include "modules.h"
#include "record.h"
#include "send.h"
#include "session.h"
#include "stackmap.h"
#include "threads.h"
#include "unwind.h"
#include "writer-boost.h"

/* CPU samples the writer holds back while it defines their stacks. */
#define NP_PENDING_SAMPLES 1024

enum np_stop_reason {
	NP_STOP_NONE = 0,
	NP_STOP_DURATION, /* the session's duration has passed */
	NP_STOP_CLI,      /* the CLI asked, or went away */
	NP_STOP_EXIT,     /* the target is exiting */
	NP_STOP_EXEC,     /* the target is executing another program */
};

struct np_run {
	struct np_session settings;
	struct np_cpu_engine engine;
	struct np_send out;
	struct np_stackmap *stacks;
	struct np_threads *threads;
	struct np_modules *modules;
	uint32_t session; /* stamped on this run's samples */
	/* Marks the hooks' stacks defined in this run since the last time
	 * a module went away (mem_stack_id), and that count of modules. */
	uint32_t stack_epoch;
	uint32_t gone_seen;
	/* The writer chooses the engine and starts native memory tracking
	 * (attach: the thread that called the start is borrowed, and every
	 * millisecond there holds up the target). */
	int setup_in_writer;
	/* -errno if native memory tracking could not start: the session
	 * goes on without it, and the writer sends the warning. */
	int mem_error;
	uint64_t start_ns;
	uint64_t lost_sent[NP_LOST_KIND_MAX + 1];
	uint64_t unwind_stops_at_start[NP_UNWIND_STOP_MAX];
	uint32_t repaired_at_start; /* np_hooktab_stats' repaired */
	struct np_writer_boost boost;
	uint32_t npending;
	int samples_sent;
	struct np_rec_cpu_sample pending[NP_PENDING_SAMPLES];
	pthread_t thread;
	_Atomic int stop_reason; /* enum np_stop_reason, first one wins */
	atomic_int finished;     /* the writer is done and the stream closed */
};

/* A run for settings S, with its memory (all mmap'd); NULL and *ERR set to
 * -errno on failure.  The engine is not chosen yet. */
struct np_run *np_run_create(const struct np_session *s, uint32_t session,
			     int *err);
void np_run_free(struct np_run *r);

/* Starts R's writer thread, with every signal blocked in it; 0 or -errno.
 * With R->setup_in_writer, the writer first calls np_writer_setup. */
int np_writer_start(struct np_run *r);

/* Chooses R's engine (probing on thread SELF) and starts tracking native
 * memory; a failure there leaves R without it (R->mem_error says why, a
 * warning in the stream), never without a session. */
void np_writer_setup(struct np_run *r, pid_t self);

/*
 * Starts tracking native memory for R (when its settings ask for it):
 * patches every loaded library before returning, so that a `record`
 * session sees main's first allocation.  0 or -errno.  np_writer_stop_mem
 * ends it (the writer calls it when the session stops).
 */
int np_writer_start_mem(struct np_run *r);
void np_writer_stop_mem(struct np_run *r);

/* Asks R's writer to stop for WHY; with DEADLINE_NS (CLOCK_MONOTONIC), it
 * gives up on a CLI that does not take the last records by then. */
void np_writer_request_stop(struct np_run *r, enum np_stop_reason why,
			    uint64_t deadline_ns);

#endif /* NPROF_AGENT_WRITER_H */
