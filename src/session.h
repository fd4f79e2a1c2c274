/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The settings of one profiling session, as the CLI hands them to the agent:
 * a short text ("v1;engine=cpu;period=10101010;...") passed in the
 * environment by `record` and as the start function's argument by `attach`.
 * Parsing and formatting never allocate: the agent parses in its constructor.
 */
#ifndef NPROF_SESSION_H
#define NPROF_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* Environment variables of `record` (removed by the agent once read). */
#define NP_ENV_SETTINGS "NPROF_AGENT_SETTINGS"

/* The agent's exported start function, for attach. */
#define NP_AGENT_START_SYMBOL "nprof_agent_start"

/* The native memory sampling interval when --nativemem gives none. */
#define NP_NATIVEMEM_DEFAULT (512u << 10)

enum np_engine {
	NP_ENGINE_NONE = 0, /* no CPU sampling (memory only) */
	NP_ENGINE_CPU,      /* perf_event_open cpu-clock, falling back */
	NP_ENGINE_CYCLES,   /* perf_event_open hardware cycles, falling back */
	NP_ENGINE_CTIMER,   /* timer_create per thread */
	NP_ENGINE_ITIMER,   /* setitimer(ITIMER_PROF) */
};

struct np_session {
	enum np_engine engine;
	uint64_t period_ns;   /* sampling interval of the time-based engines */
	uint32_t freq_hz;     /* sampling frequency, for hardware events */
	uint64_t duration_ns; /* stop after this long; 0: until the end */
	int64_t nativemem;    /* sampling interval in bytes; -1: off */
	int stream_fd;        /* socket to the CLI */
};

/* Fills S with the defaults: cpu at 99 Hz, no memory tracking. */
void np_session_init(struct np_session *s);

/* Writes S as text into BUF; returns the length, or -1 if it does not fit. */
int np_session_format(const struct np_session *s, char *buf, size_t cap);

/* Parses TEXT into S (starting from the defaults); 0, or -1 if malformed. */
int np_session_parse(const char *text, struct np_session *s);

/* "cpu", "cycles", "ctimer", "itimer", "none". */
const char *np_engine_name(enum np_engine e);

#endif /* NPROF_SESSION_H */
