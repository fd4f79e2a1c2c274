/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPU sampling engines: what makes SIGPROF arrive.  engine.c picks one for
 * the session, falling back as DESIGN rule 5 says (perf_event_open, then
 * per-thread CPU timers, then setitimer), and says why; engine-perf.c and
 * engine-timer.c hold the system calls.  Only the writer thread (and the
 * start function, for the choice) calls these.
 */
#ifndef NPROF_AGENT_ENGINE_H
#define NPROF_AGENT_ENGINE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "session.h"

enum np_engine_kind {
	NP_EK_NONE,   /* no CPU sampling */
	NP_EK_PERF,   /* one perf event per thread, a signal per overflow */
	NP_EK_CTIMER, /* one POSIX timer per thread, on its CPU clock */
	NP_EK_ITIMER, /* setitimer(ITIMER_PROF), process-wide */
};

#define NP_ENGINE_TEXT 256
#define NP_ENGINE_MAX_WARNINGS 4

struct np_cpu_engine {
	enum np_engine_kind kind;
	int cycles;         /* perf: hardware cycles, not cpu-clock */
	int exclude_kernel; /* perf: kernel samples refused, or unsafe */
	int exec_unseen;    /* see np_engine_select */
	int ctimer_ok;      /* per-thread timers work: the overflow for perf */
	uint64_t period_ns;
	uint32_t freq_hz;
	const char *name; /* "perf cpu-clock", "perf cycles", "ctimer", ... */
	char reason[NP_ENGINE_TEXT];
	char warnings[NP_ENGINE_MAX_WARNINGS][NP_ENGINE_TEXT];
	int nwarnings;
	/* perf fds open, and how many the target's fd limit leaves us */
	unsigned int perf_fds;
	unsigned int perf_fd_budget;
};

/* One thread's sampling source. */
struct np_engine_thread {
	enum np_engine_kind kind; /* NP_EK_NONE: not sampled */
	int fd;
	uint64_t perf_id; /* the event's id, to know the fd is still ours */
	timer_t timer;
};

/*
 * Chooses the engine for session S by trying it on thread PROBE_TID (the
 * caller), filling E's name, reason and warnings.  Arms nothing.
 * EXEC_UNSEEN: the agent was injected, and an exec of the target's would
 * not end the session first (record interposes the exec family): only a
 * source whose signals cannot reach the program it execs is chosen.
 */
void np_engine_select(struct np_cpu_engine *e, const struct np_session *s,
		      pid_t probe_tid, int exec_unseen);

/* Whether samples weigh nanoseconds (else hardware events). */
int np_engine_counts_time(const struct np_cpu_engine *e);

/*
 * Starts sampling thread TID (perf or ctimer); a thread that perf cannot
 * take for lack of fds gets a timer.  0, or -errno (the thread is then not
 * sampled; -ESRCH: it is gone).
 */
int np_engine_thread_start(struct np_cpu_engine *e, pid_t tid,
			   struct np_engine_thread *t);
void np_engine_thread_stop(struct np_cpu_engine *e, struct np_engine_thread *t);

/* The process-wide part (the itimer); 0 or -errno. */
int np_engine_process_start(struct np_cpu_engine *e);
void np_engine_process_stop(struct np_cpu_engine *e);

/* engine-perf.c: one event on TID, created disabled; fd or -errno. */
int np_perf_open(pid_t tid, int cycles, int exclude_kernel,
		 uint64_t period_ns, uint32_t freq_hz);
/* Sends the event's overflows to TID as SIGPROF and enables it. */
int np_perf_arm(int fd, pid_t tid);
/* The event's unique id; 0 or -errno (-ENOTTY: FD is no perf event). */
int np_perf_id(int fd, uint64_t *id);
/* Disables and closes FD if it still is event ID; 0 or -EBADF. */
int np_perf_close(int fd, uint64_t id);

/* engine-timer.c: a timer on TID's CPU clock signalling TID, armed when
 * PERIOD_NS is non-zero; 0 or -errno. */
int np_ctimer_create(pid_t tid, uint64_t period_ns, timer_t *out);
void np_ctimer_delete(timer_t t);
/* ITIMER_PROF every PERIOD_NS (0 disarms); 0 or -errno. */
int np_itimer_set(uint64_t period_ns);
/* Whether ITIMER_PROF can be ours: 0, -EBUSY (the target uses it), -errno. */
int np_itimer_probe(void);

#endif /* NPROF_AGENT_ENGINE_H */
