/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one wrapper around ptrace(2) (STYLE rule 8), waiting for a traced
 * thread with a timeout, and the target's memory through /proc/PID/mem.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject/injectP.h"

static const char *request_name(int request)
{
	switch (request) {
#define R(x) case x: return #x
	R(PTRACE_SEIZE);
	R(PTRACE_INTERRUPT);
	R(PTRACE_CONT);
	R(PTRACE_DETACH);
#if defined(__x86_64__)
	R(PTRACE_GETREGS);
	R(PTRACE_SETREGS);
#endif
	R(PTRACE_GETREGSET);
	R(PTRACE_SETREGSET);
	R(PTRACE_GETSIGMASK);
	R(PTRACE_SETSIGMASK);
	R(PTRACE_GETSIGINFO);
#undef R
	default:
		return "ptrace";
	}
}

int np_inj_fail(struct np_inject *inj, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inj->detail, sizeof(inj->detail), fmt, ap);
	va_end(ap);
	return -code;
}

long np_ptrace(struct np_inject *inj, int request, pid_t tid, void *addr,
	       void *data)
{
	long ret;

	errno = 0;
	ret = ptrace((enum __ptrace_request)request, tid, addr, data);
	if (ret == -1 && errno) {
		int err = errno;

		snprintf(inj->detail, sizeof(inj->detail),
			 "%s on thread %d: %s", request_name(request),
			 (int)tid, strerror(err));
		np_debug("%s", inj->detail);
		return -err;
	}
	return 0;
}

/*
 * Stops of a traced thread come with SIGCHLD to the tracer, which the
 * injector blocks while it works: waiting for it bounds the wait without
 * polling.
 */
int np_wait_tid(pid_t tid, int *status, int timeout_ms)
{
	struct timespec left = { timeout_ms / 1000,
				 (long)(timeout_ms % 1000) * 1000000 };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL | WNOHANG);
		struct timespec t0, t1;
		long spent;

		if (r == tid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (left.tv_sec < 0 || (left.tv_sec == 0 && left.tv_nsec <= 0))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		sigtimedwait(&chld, NULL, &left);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000000000l +
			(t1.tv_nsec - t0.tv_nsec);
		left.tv_nsec -= spent % 1000000000l;
		left.tv_sec -= spent / 1000000000l;
		if (left.tv_nsec < 0) {
			left.tv_nsec += 1000000000l;
			left.tv_sec--;
		}
	}
}

int np_mem_read(struct np_inject *inj, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = pread(inj->mem_fd, buf, len, (off_t)addr);

	return n == (ssize_t)len ? 0 : -1;
}

int np_mem_write(struct np_inject *inj, uint64_t addr, const void *buf,
		 size_t len)
{
	ssize_t n = pwrite(inj->mem_fd, buf, len, (off_t)addr);

	return n == (ssize_t)len ? 0 : -1;
}

int np_mem_read_string(struct np_inject *inj, uint64_t addr, char *buf,
		       size_t cap)
{
	size_t got = 0;

	/* Page by page: the string may end just before an unmapped page. */
	while (got + 1 < cap) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		ssize_t n;

		if (chunk > cap - 1 - got)
			chunk = cap - 1 - got;
		n = pread(inj->mem_fd, buf + got, chunk, (off_t)(addr + got));
		if (n <= 0)
			break;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got ? 0 : -1;
}
