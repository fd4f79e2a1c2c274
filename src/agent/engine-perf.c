/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_event_open without a ring buffer: each overflow raises SIGPROF on the
 * event's thread (F_SETSIG, F_SETOWN_EX to the tid, O_ASYNC), with si_fd
 * naming the event.  The handler takes the stack itself, so no mmap and no
 * locked memory are needed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine.h"

int np_perf_open(pid_t tid, int cycles, int exclude_kernel,
		 uint64_t period_ns, uint32_t freq_hz)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	if (cycles) {
		attr.type = PERF_TYPE_HARDWARE;
		attr.config = PERF_COUNT_HW_CPU_CYCLES;
		attr.freq = 1;
		attr.sample_freq = freq_hz;
	} else {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
		attr.sample_period = period_ns;
	}
	attr.disabled = 1;
	attr.exclude_kernel = exclude_kernel ? 1 : 0;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, tid, -1, -1,
		     PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

int np_perf_arm(int fd, pid_t tid)
{
	struct f_owner_ex owner = { .type = F_OWNER_TID, .pid = tid };
	int flags;

	if (fcntl(fd, F_SETOWN_EX, &owner) != 0 ||
	    fcntl(fd, F_SETSIG, SIGPROF) != 0 ||
	    (flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_ASYNC) != 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0)
		return -errno;
	return 0;
}

int np_perf_id(int fd, uint64_t *id)
{
	return ioctl(fd, PERF_EVENT_IOC_ID, id) != 0 ? -errno : 0;
}

int np_perf_close(int fd, uint64_t id)
{
	uint64_t now;

	/* The target may have closed our fd and reused the number: then
	 * the event is gone already, and the fd is not ours to close. */
	if (np_perf_id(fd, &now) != 0 || now != id)
		return -EBADF;
	/* Disabled first, so no new overflow is raised for an fd number that
	 * is about to be free for reuse. */
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	close(fd);
	return 0;
}
