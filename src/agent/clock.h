/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Time and thread ids for the agent.  Both are safe in a signal handler:
 * clock_gettime goes through the vDSO and gettid is a bare system call (no
 * cached value, so a forked child never sees its parent's tid).
 */
#ifndef NPROF_AGENT_CLOCK_H
#define NPROF_AGENT_CLOCK_H

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t np_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC as of the kernel's last tick (vDSO, a quarter of the
 * cost): up to a tick behind np_clock_ns, never ahead. */
static inline uint64_t np_clock_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline pid_t np_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

#endif /* NPROF_AGENT_CLOCK_H */
