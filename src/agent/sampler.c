/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SIGPROF handler (see sampler.h).  Inside it: no malloc, no locks, no
 * stdio; only atomics, the ring, and async-signal-safe system calls.  All
 * signals are blocked while it runs, so a claimed ring cell is always
 * published and no other handler can interleave with ours.
 */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "guard.h"
#include "sampler.h"
#include "stack-bounds.h"
#include "unwind.h"

#define RING_CELLS 512

enum source { NOT_OURS, FROM_PERF, FROM_CTIMER, FROM_ITIMER };

static struct sigaction previous;
static atomic_int installed;
static struct np_ring *ring;
static int ring_dirty; /* a forked child may hold half-claimed cells */

static _Atomic uint32_t active_session;
static _Atomic uint64_t sample_period_ns;
static atomic_int use_counter_weights;
static atomic_int itimer_claimed;
static _Atomic uint64_t itimer_last_cpu_ns;
static _Atomic uint64_t lost[NP_LOST_KIND_MAX + 1];
static _Atomic uint64_t perf_fds[NP_SAMPLER_MAX_FD / 64];
static char timer_cookie;

/* A hardware counter's value at this thread's last sample. */
static __thread int counter_fd = -1;
static __thread uint32_t counter_session;
static __thread uint64_t counter_last;

static int fd_is_ours(int fd)
{
	if (fd < 0 || fd >= NP_SAMPLER_MAX_FD)
		return 0;
	return (atomic_load_explicit(&perf_fds[fd / 64],
				     memory_order_relaxed) >>
		(fd % 64)) & 1;
}

static enum source classify(const siginfo_t *si)
{
	switch (si->si_code) {
	case POLL_IN:
	case POLL_HUP:
		return fd_is_ours(si->si_fd) ? FROM_PERF : NOT_OURS;
	case SI_TIMER:
		return si->si_value.sival_ptr == &timer_cookie ? FROM_CTIMER
							       : NOT_OURS;
	case SI_KERNEL:
		return atomic_load_explicit(&itimer_claimed,
					    memory_order_relaxed)
			       ? FROM_ITIMER
			       : NOT_OURS;
	}
	return NOT_OURS;
}

/* Hands a signal that is not ours to the handler that was there before,
 * under the mask that handler asked for. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	sigset_t mask = ((ucontext_t *)uc)->uc_sigmask;

	if (previous.sa_flags & SA_SIGINFO) {
		if (!previous.sa_sigaction)
			return;
	} else if (previous.sa_handler == SIG_DFL ||
		   previous.sa_handler == SIG_IGN) {
		/* SIG_DFL would kill the target for a stray timer signal. */
		return;
	}
	sigorset(&mask, &mask, &previous.sa_mask);
	if (!(previous.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	if (previous.sa_flags & SA_SIGINFO)
		previous.sa_sigaction(sig, si, uc);
	else
		previous.sa_handler(sig);
}

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t clamp_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t weight_of(uint32_t session, enum source src,
			  const siginfo_t *si)
{
	uint64_t period = atomic_load_explicit(&sample_period_ns,
					       memory_order_relaxed);
	uint64_t count;

	switch (src) {
	case FROM_PERF:
		if (!atomic_load_explicit(&use_counter_weights,
					  memory_order_relaxed))
			return clamp_u32(period);
		if (read(si->si_fd, &count, sizeof(count)) != sizeof(count))
			return clamp_u32(period);
		if (counter_fd != si->si_fd || counter_session != session)
			counter_last = 0;
		counter_fd = si->si_fd;
		counter_session = session;
		period = count - counter_last;
		counter_last = count;
		return clamp_u32(period);
	case FROM_CTIMER:
		/* Expirations merged into this signal (CPU timers tick at
		 * jiffy resolution) still count as CPU time. */
		return clamp_u32(period * (1 + (uint64_t)(si->si_overrun > 0
							  ? si->si_overrun
							  : 0)));
	case FROM_ITIMER:
		/* ITIMER_PROF also ticks by jiffies, and says nothing about
		 * merged expirations: the process CPU time since the last
		 * sample is what this one stands for. */
		count = process_cpu_ns();
		period = atomic_load_explicit(&itimer_last_cpu_ns,
					      memory_order_relaxed);
		/* Only forward: a thread that read the clock earlier but got
		 * here later must not subtract a newer reading. */
		do {
			if (count <= period)
				return 0;
		} while (!atomic_compare_exchange_weak_explicit(
			&itimer_last_cpu_ns, &period, count,
			memory_order_relaxed, memory_order_relaxed));
		return clamp_u32(count - period);
	default:
		return clamp_u32(period);
	}
}

static void take_sample(uint32_t session, enum source src,
			const siginfo_t *si, const ucontext_t *uc)
{
	struct np_stack_bounds bounds;
	struct np_sample *s;
	struct np_regs regs;
	uint64_t ticket, now = np_clock_ns();
	int have_bounds;

	s = np_ring_claim(ring, &ticket);
	if (!s) {
		atomic_fetch_add_explicit(&lost[NP_LOST_SAMPLE_RING], 1,
					  memory_order_relaxed);
		return;
	}
	np_regs_from_ucontext(uc, &regs);
	have_bounds = np_stack_bounds_find(regs.sp, &bounds) == 0;
	s->time_ns = now;
	s->tid = (uint32_t)np_gettid();
	s->weight = weight_of(session, src, si);
	s->session = session;
	s->nframes = (uint32_t)np_unwind(&regs, s->frames, NP_MAX_FRAMES,
					 have_bounds ? &bounds : NULL);
	/* An empty sample still has to be published to free its cell; the
	 * writer skips it. */
	if (s->nframes == 0)
		atomic_fetch_add_explicit(&lost[NP_LOST_UNWIND], 1,
					  memory_order_relaxed);
	np_ring_publish(ring, ticket);
}

static void on_sigprof(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	enum source src = classify(si);
	uint32_t session;

	if (src == NOT_OURS) {
		chain(sig, si, uc);
		errno = saved_errno;
		return;
	}
	session = atomic_load_explicit(&active_session, memory_order_acquire);
	if (session != 0) {
		if (np_guard_enter() == 0) {
			take_sample(session, src, si, uc);
			np_guard_leave();
		} else {
			atomic_fetch_add_explicit(&lost[NP_LOST_UNWIND], 1,
						  memory_order_relaxed);
		}
	}
	errno = saved_errno;
}

int np_sampler_init(void)
{
	struct sigaction sa;

	/* Installed again only if the target replaced it since (then its
	 * handler is the one to chain to). */
	if (atomic_load(&installed) && np_sampler_handler_installed())
		return 0;
	if (!ring && !(ring = np_ring_create(RING_CELLS)))
		return -ENOMEM;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, &previous) != 0)
		return -errno;
	atomic_store(&installed, 1);
	return 0;
}

void np_sampler_discard_pending(void)
{
	struct sigaction ign, cur;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	/* Setting SIG_IGN discards what is pending (POSIX); putting back what
	 * was there keeps everything else as it was. */
	if (sigaction(SIGPROF, &ign, &cur) == 0)
		sigaction(SIGPROF, &cur, NULL);
}

int np_sampler_handler_installed(void)
{
	struct sigaction cur;

	if (sigaction(SIGPROF, NULL, &cur) != 0)
		return 0;
	return (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigprof;
}

void np_sampler_begin(uint32_t session, uint64_t period_ns,
		      int counter_weights)
{
	if (ring_dirty) {
		np_ring_reset(ring);
		ring_dirty = 0;
	}
	atomic_store(&sample_period_ns, period_ns);
	atomic_store(&use_counter_weights, counter_weights);
	atomic_store(&itimer_last_cpu_ns, process_cpu_ns());
	atomic_store_explicit(&active_session, session, memory_order_release);
}

void np_sampler_end(void)
{
	atomic_store_explicit(&active_session, 0, memory_order_release);
}

struct np_ring *np_sampler_ring(void)
{
	return ring;
}

uint64_t np_sampler_lost(enum np_lost_kind kind)
{
	return atomic_load_explicit(&lost[kind], memory_order_relaxed);
}

void np_sampler_add_lost(enum np_lost_kind kind, uint64_t n)
{
	atomic_fetch_add_explicit(&lost[kind], n, memory_order_relaxed);
}

int np_sampler_own_fd(int fd)
{
	if (fd < 0 || fd >= NP_SAMPLER_MAX_FD)
		return -1;
	atomic_fetch_or(&perf_fds[fd / 64], 1ull << (fd % 64));
	return 0;
}

void np_sampler_disown_fd(int fd)
{
	if (fd < 0 || fd >= NP_SAMPLER_MAX_FD)
		return;
	atomic_fetch_and(&perf_fds[fd / 64], ~(1ull << (fd % 64)));
}

void *np_sampler_timer_cookie(void)
{
	return &timer_cookie;
}

void np_sampler_claim_itimer(void)
{
	atomic_store(&itimer_claimed, 1);
}

void np_sampler_after_fork(void)
{
	np_sampler_end();
	for (int w = 0; w < NP_SAMPLER_MAX_FD / 64; w++) {
		uint64_t bits = atomic_exchange(&perf_fds[w], 0);

		/* The events watch the parent's threads; only the fds came
		 * along.  One the parent's target had closed and reused is
		 * not a perf event, and stays open. */
		while (bits) {
			int fd = w * 64 + __builtin_ctzll(bits);
			uint64_t id;

			if (ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0)
				close(fd);
			bits &= bits - 1;
		}
	}
	if (ring)
		ring_dirty = 1;
}
