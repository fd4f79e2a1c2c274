/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fallback engines: a POSIX timer on a thread's CPU clock (ctimer), or
 * the process-wide ITIMER_PROF (itimer).  Both tick at the kernel's jiffy
 * resolution, whatever the period asked for.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "engine.h"
#include "sampler.h"

/* The CPU clock of thread TID, as the kernel builds it (MAKE_THREAD_CPUCLOCK
 * with CPUCLOCK_SCHED): pthread_getcpuclockid only serves the caller's
 * threads by pthread_t, and the writer knows others by tid. */
static clockid_t thread_cpu_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned int)tid << 3) | 6u);
}

static struct timespec to_timespec(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };
	return ts;
}

int np_ctimer_create(pid_t tid, uint64_t period_ns, timer_t *out)
{
	struct sigevent sev;
	timer_t timer;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_ptr = np_sampler_timer_cookie();
	sev._sigev_un._tid = tid;
	if (timer_create(thread_cpu_clock(tid), &sev, &timer) != 0)
		return -errno;
	if (period_ns) {
		struct itimerspec its = { .it_interval = to_timespec(period_ns),
					  .it_value = to_timespec(period_ns) };

		if (timer_settime(timer, 0, &its, NULL) != 0) {
			int err = errno;

			timer_delete(timer);
			return -err;
		}
	}
	*out = timer;
	return 0;
}

void np_ctimer_delete(timer_t t)
{
	timer_delete(t);
}

int np_itimer_set(uint64_t period_ns)
{
	struct itimerval itv;

	memset(&itv, 0, sizeof(itv));
	itv.it_interval.tv_sec = (time_t)(period_ns / 1000000000u);
	itv.it_interval.tv_usec =
		(suseconds_t)(period_ns % 1000000000u / 1000u);
	/* Below a microsecond would read as "disarm". */
	if (period_ns && itv.it_interval.tv_sec == 0 &&
	    itv.it_interval.tv_usec == 0)
		itv.it_interval.tv_usec = 1;
	itv.it_value = itv.it_interval;
	return setitimer(ITIMER_PROF, &itv, NULL) != 0 ? -errno : 0;
}

/* setitimer with zeros disarms: a harmless test, unless the target already
 * uses ITIMER_PROF, which is then left alone (-EBUSY). */
int np_itimer_probe(void)
{
	struct itimerval zero, old;

	memset(&zero, 0, sizeof(zero));
	if (setitimer(ITIMER_PROF, &zero, &old) != 0)
		return -errno;
	if (old.it_value.tv_sec || old.it_value.tv_usec) {
		setitimer(ITIMER_PROF, &old, NULL);
		return -EBUSY;
	}
	return 0;
}
