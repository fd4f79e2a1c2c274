/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing the engine (DESIGN rule 5: when the kernel holds back, keep what
 * is allowed and say so) and starting it on threads (see engine.h).  Every
 * fallback leaves a warning naming what was refused, the errno text, and
 * what is used instead.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine.h"
#include "errtext.h"
#include "sampler.h"

/* Leave most of the target's fds to the target. */
#define PERF_FD_SHARE 2
#define PERF_FD_RESERVE 64

__attribute__((format(printf, 2, 3))) static void
warn(struct np_cpu_engine *e, const char *fmt, ...)
{
	va_list ap;

	if (e->nwarnings >= NP_ENGINE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(e->warnings[e->nwarnings++], NP_ENGINE_TEXT, fmt, ap);
	va_end(ap);
}

/* The sysctl's value as text, or "?". */
static void read_paranoid(char *buf, size_t cap)
{
	int fd = open("/proc/sys/kernel/perf_event_paranoid",
		      O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(buf, cap, "?");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* The errno text of perf_event_open's ERR, and why it may have said it. */
static void perf_error(int err, char *buf, size_t cap)
{
	char level[16];

	switch (err) {
	case EACCES:
	case EPERM:
		read_paranoid(level, sizeof(level));
		snprintf(buf, cap, "%s (seccomp or perf_event_paranoid=%s)",
			 np_errtext(err), level);
		break;
	case ENOENT:
	case EOPNOTSUPP:
		snprintf(buf, cap, "%s (no such event here)", np_errtext(err));
		break;
	case ENOSYS:
		snprintf(buf, cap, "%s (a kernel without perf events)",
			 np_errtext(err));
		break;
	default:
		snprintf(buf, cap, "%s", np_errtext(err));
	}
}

/*
 * Tries a perf event on TID; kernel samples refused means user-only.  When
 * an exec is not seen, user-only from the start: a sample that falls in
 * the exec system call signals the thread after the new program replaced
 * ours, and SIGPROF kills it (seen: 16 execs in 30 at 999 Hz).  One taken
 * in user mode is delivered before the thread goes back to user mode.
 */
static int probe_perf(struct np_cpu_engine *e, pid_t tid)
{
	int fd;

	if (e->exec_unseen) {
		fd = np_perf_open(tid, e->cycles, 1, e->period_ns, e->freq_hz);
		if (fd >= 0 && !e->exclude_kernel) {
			warn(e, "time in the kernel is not sampled in an attach session: a sample in an exec would reach the new program as a SIGPROF and kill it");
			e->exclude_kernel = 1;
		}
		if (fd < 0)
			return fd;
		close(fd);
		return 0;
	}
	fd = np_perf_open(tid, e->cycles, 0, e->period_ns, e->freq_hz);

	if (fd == -EACCES || fd == -EPERM) {
		int user_fd = np_perf_open(tid, e->cycles, 1, e->period_ns,
					   e->freq_hz);
		if (user_fd >= 0) {
			char why[128];

			perf_error(-fd, why, sizeof(why));
			warn(e, "kernel samples refused by perf_event_open: %s; time in the kernel is not sampled, user frames are kept",
			     why);
			e->exclude_kernel = 1;
		}
		fd = user_fd;
	}
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int probe_ctimer(pid_t tid)
{
	timer_t t;
	int err = np_ctimer_create(tid, 0, &t);

	if (err == 0)
		np_ctimer_delete(t);
	return err;
}

static void use(struct np_cpu_engine *e, enum np_engine_kind kind,
		const char *reason)
{
	static const char *const names[] = {
		[NP_EK_NONE] = "none",
		[NP_EK_PERF] = "perf cpu-clock",
		[NP_EK_CTIMER] = "ctimer",
		[NP_EK_ITIMER] = "itimer",
	};

	e->kind = kind;
	e->name = kind == NP_EK_PERF && e->cycles ? "perf cycles"
						 : names[kind];
	if (reason != e->reason)
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

/* A fallback: the warning and the reason say the same thing. */
__attribute__((format(printf, 2, 3))) static void
fell_back(struct np_cpu_engine *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	warn(e, "%s", e->reason);
}

static void select_itimer(struct np_cpu_engine *e, int fallback)
{
	int err;

	/* The timer and its signals outlive an exec: the program the
	 * target execs would be killed by its first tick. */
	if (e->exec_unseen) {
		fell_back(e, "setitimer(ITIMER_PROF) is not used in an attach session: it survives an exec, and its SIGPROF would kill the program the target execs; CPU sampling is off");
		use(e, NP_EK_NONE, e->reason);
		return;
	}
	err = np_itimer_probe();

	if (err == 0) {
		use(e, NP_EK_ITIMER, fallback ? e->reason : "requested");
		return;
	}
	fell_back(e, "setitimer(ITIMER_PROF) refused: %s; CPU sampling is off",
		  err == -EBUSY ? "the program already uses it"
				: np_errtext(-err));
	use(e, NP_EK_NONE, e->reason);
}

static void select_ctimer(struct np_cpu_engine *e, pid_t tid, int fallback)
{
	int err = probe_ctimer(tid);

	if (err == 0) {
		e->ctimer_ok = 1;
		use(e, NP_EK_CTIMER, fallback ? e->reason : "requested");
		return;
	}
	fell_back(e, "timer_create on a thread's CPU clock refused: %s; using setitimer(ITIMER_PROF), which samples the whole process",
		  np_errtext(-err));
	select_itimer(e, 1);
}

static void select_perf(struct np_cpu_engine *e, pid_t tid)
{
	struct rlimit rl;
	int err = probe_perf(e, tid);

	if (err != 0 && e->cycles) {
		char why[128];

		perf_error(-err, why, sizeof(why));
		fell_back(e, "hardware event cycles %s: %s; sampling cpu-clock instead",
			  err == -ENOENT || err == -EOPNOTSUPP ? "not supported"
							       : "refused",
			  why);
		e->cycles = 0;
		e->exclude_kernel = e->exec_unseen;
		err = probe_perf(e, tid);
	}
	if (err != 0) {
		char why[128];

		perf_error(-err, why, sizeof(why));
		fell_back(e, "perf_event_open refused: %s; using per-thread CPU timers",
			  why);
		select_ctimer(e, tid, 1);
		return;
	}
	e->ctimer_ok = probe_ctimer(tid) == 0;
	e->perf_fd_budget = NP_SAMPLER_MAX_FD;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		rlim_t share = rl.rlim_cur / PERF_FD_SHARE;

		share = share > PERF_FD_RESERVE ? share - PERF_FD_RESERVE : 0;
		if (share < e->perf_fd_budget)
			e->perf_fd_budget = (unsigned int)share;
	}
	use(e, NP_EK_PERF, e->reason[0] ? e->reason : "requested");
}

void np_engine_select(struct np_cpu_engine *e, const struct np_session *s,
		      pid_t probe_tid, int exec_unseen)
{
	memset(e, 0, sizeof(*e));
	e->exec_unseen = exec_unseen;
	e->period_ns = s->period_ns;
	e->freq_hz = s->freq_hz;
	switch (s->engine) {
	case NP_ENGINE_CYCLES:
		e->cycles = 1;
		/* fall through */
	case NP_ENGINE_CPU:
		select_perf(e, probe_tid);
		break;
	case NP_ENGINE_CTIMER:
		select_ctimer(e, probe_tid, 0);
		break;
	case NP_ENGINE_ITIMER:
		select_itimer(e, 0);
		break;
	default:
		use(e, NP_EK_NONE, "requested");
	}
}

int np_engine_counts_time(const struct np_cpu_engine *e)
{
	return !(e->kind == NP_EK_PERF && e->cycles);
}

static int start_perf(struct np_cpu_engine *e, pid_t tid,
		      struct np_engine_thread *t)
{
	int fd, err;

	if (e->perf_fds >= e->perf_fd_budget)
		return -EMFILE;
	fd = np_perf_open(tid, e->cycles, e->exclude_kernel, e->period_ns,
			  e->freq_hz);
	if (fd < 0)
		return fd;
	/* Marked before armed: the first overflow must already be ours. */
	if (np_sampler_own_fd(fd) != 0) {
		close(fd);
		return -EMFILE;
	}
	err = np_perf_id(fd, &t->perf_id);
	if (err == 0)
		err = np_perf_arm(fd, tid);
	if (err != 0) {
		np_sampler_disown_fd(fd);
		ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		close(fd);
		/* F_SETOWN_EX on a thread that just exited */
		return err;
	}
	e->perf_fds++;
	t->kind = NP_EK_PERF;
	t->fd = fd;
	return 0;
}

int np_engine_thread_start(struct np_cpu_engine *e, pid_t tid,
			   struct np_engine_thread *t)
{
	int err;

	t->kind = NP_EK_NONE;
	switch (e->kind) {
	case NP_EK_PERF:
		err = start_perf(e, tid, t);
		if (err != -EMFILE && err != -ENFILE)
			return err;
		if (!e->ctimer_ok)
			return err;
		/* Out of fds: a timer needs none. */
		/* fall through */
	case NP_EK_CTIMER:
		err = np_ctimer_create(tid, e->period_ns, &t->timer);
		if (err == 0)
			t->kind = NP_EK_CTIMER;
		/* A timer on a thread that has exited cannot be created. */
		return err == -EINVAL ? -ESRCH : err;
	default:
		return 0;
	}
}

void np_engine_thread_stop(struct np_cpu_engine *e, struct np_engine_thread *t)
{
	switch (t->kind) {
	case NP_EK_PERF:
		np_sampler_disown_fd(t->fd);
		np_perf_close(t->fd, t->perf_id);
		e->perf_fds--;
		break;
	case NP_EK_CTIMER:
		np_ctimer_delete(t->timer);
		break;
	default:
		break;
	}
	t->kind = NP_EK_NONE;
}

int np_engine_process_start(struct np_cpu_engine *e)
{
	if (e->kind != NP_EK_ITIMER)
		return 0;
	np_sampler_claim_itimer();
	return np_itimer_set(e->period_ns);
}

void np_engine_process_stop(struct np_cpu_engine *e)
{
	if (e->kind == NP_EK_ITIMER)
		np_itimer_set(0);
}
