/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nprof record of a statically linked command, which takes no agent: it is
 * started held before its exec, the kernel's cpu-clock events are opened on
 * it (they start at the exec, perf-ring.h), and the rings are read in the
 * capture loop until it exits, their records turned into the agent's
 * (perf-samples.h).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "launch.h"
#include "perf-ring.h"
#include "perf-samples.h"
#include "record-static.h"
#include "status.h"
#include "sysinfo.h"

/* The kernel's rings of a static command, read in the capture loop. */
struct static_source {
	struct np_capture *capture;
	struct np_perf_rings rings;
	struct np_perf_samples *samples;
	pid_t pid;
	int status;
	int done;
	uint64_t end_ns; /* -d: stop sampling then; 0: at the exit */
};

static void read_rings(struct static_source *src)
{
	if (!src->samples) /* the kernel refused: nothing to read */
		return;
	np_perf_rings_read(&src->rings, np_perf_samples_other,
			   np_perf_samples_sample, src->samples);
	np_perf_samples_flush(src->samples);
}

static int read_static(struct pollfd *fds, int ready, void *arg)
{
	struct static_source *src = arg;

	/* A ring whose task is gone stays readable but would wake every
	 * poll: stop waiting on it. */
	for (int i = 0; ready > 0 && i < src->rings.n; i++)
		if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			fds[i].fd = -1;
	/* The file cannot be written (the disk is full): sampling is only
	 * a cost to the command now, which goes on without it. */
	if (src->capture->sink.error) {
		np_perf_rings_disable(&src->rings);
		return 1;
	}
	read_rings(src);
	return 0;
}

static int watch_static(void *arg)
{
	struct static_source *src = arg;
	int over = src->end_ns && np_monotonic_ns() >= src->end_ns;

	if (waitpid(src->pid, &src->status, WNOHANG) == src->pid)
		src->done = 1;
	/* -d: sampling stops and the command goes on.  What the rings
	 * hold is read after the loop either way. */
	if (over)
		np_perf_rings_disable(&src->rings);
	return src->done || over;
}

/* A META record of ours, as the agent would send it. */
static void put_meta(struct np_capture *cap, const char *key,
		     const char *value)
{
	unsigned char buf[4096];

	np_capture_put(cap, buf,
		       np_rec_encode_meta(buf, sizeof(buf), key, value,
					  strlen(value)));
}

/* What the agent's announce() says of its engine. */
static void announce_static(struct np_capture *cap,
			    const struct np_record_opts *o,
			    const struct static_source *src, const char *warning)
{
	char buf[512], level[16];

	put_meta(cap, "engine", "perf cpu-clock");
	put_meta(cap, "engine_reason",
		 "statically linked: sampled by the kernel for nprof, frame-pointer stacks only");
	put_meta(cap, "event", "cpu");
	snprintf(buf, sizeof(buf), "%llu",
		 (unsigned long long)o->session.period_ns);
	put_meta(cap, "period_ns", buf);
	put_meta(cap, "sample_unit", "ns");
	put_meta(cap, "kernel_samples",
		 src->rings.exclude_kernel ? "excluded" : "included");
	put_meta(cap, "warning", warning);
	if (src->rings.exclude_kernel) {
		np_perf_paranoid(level, sizeof(level));
		snprintf(buf, sizeof(buf),
			 "kernel samples refused by perf_event_open: %s (seccomp or perf_event_paranoid=%s); time in the kernel is not sampled, user frames are kept",
			 strerror(EACCES), level);
		put_meta(cap, "warning", buf);
	}
}

/*
 * Opens the kernel's events on the held command PID and says what nprof
 * does (or, refused, why it cannot) in the file and in one warning.
 */
static void start_sampling(const struct np_record_opts *o,
			   struct np_capture *cap, struct static_source *src,
			   pid_t pid)
{
	char buf[512], why[128], level[16], warning[1024];
	int err = np_perf_rings_open(&src->rings, pid, o->session.period_ns,
				     why, sizeof(why));

	if (err) {
		np_perf_paranoid(level, sizeof(level));
		snprintf(warning, sizeof(warning),
			 "'%s' is statically linked (no agent) and the kernel refused to sample it (%s: %s; seccomp or perf_event_paranoid=%s): it runs unprofiled",
			 o->cmd[0], why, strerror(-err), level);
		put_meta(cap, "engine", "none");
		snprintf(buf, sizeof(buf),
			 "statically linked, and the kernel refused to sample it (%s: %s)",
			 why, strerror(-err));
		put_meta(cap, "engine_reason", buf);
		put_meta(cap, "warning", warning);
		return;
	}
	snprintf(warning, sizeof(warning),
		 "'%s' is statically linked: the agent cannot be preloaded into it, so the kernel samples its CPU time, with frame-pointer stacks only (code built without frame pointers loses callers)%s%s",
		 o->cmd[0],
		 o->session.nativemem >= 0
			 ? "; its memory cannot be tracked (malloc is not reached through a dynamic linker)"
			 : "",
		 o->session.engine == NP_ENGINE_CPU ||
				 o->session.engine == NP_ENGINE_NONE
			 ? ""
			 : "; -e cycles, ctimer and itimer need the agent: cpu-clock is sampled instead");
	np_debug("sampling %d: %d rings of %llu KiB, kernel samples %s", (int)pid,
		 src->rings.n,
		 (unsigned long long)(src->rings.ring[0].data_size >> 10),
		 src->rings.exclude_kernel ? "excluded" : "included");
	announce_static(cap, o, src, warning);
	src->samples = np_perf_samples_new(cap, o->session.period_ns);
	if (!src->samples)
		np_die("out of memory");
}

/* Reads the rings until the command exits (or -d ends sampling). */
static void capture(const struct np_record_opts *o, struct np_capture *cap,
		    struct static_source *src)
{
	struct pollfd *fds = calloc((size_t)src->rings.n + 1, sizeof(*fds));

	if (!fds)
		np_die("out of memory");
	for (int i = 0; i < src->rings.n; i++) {
		fds[i].fd = src->rings.ring[i].fd;
		fds[i].events = POLLIN;
	}
	if (o->session.duration_ns)
		src->end_ns = np_monotonic_ns() + o->session.duration_ns;
	np_status_start(o->quiet);
	np_capture_run(cap, fds, (nfds_t)src->rings.n, read_static, src,
		       watch_static, src);
	np_status_stop();
	free(fds);
	if (src->samples) {
		np_perf_rings_disable(&src->rings);
		read_rings(src);
		np_perf_samples_finish(src->samples);
	}
}

int np_record_static(const struct np_record_opts *o, const char *path,
		     int argc, char **argv)
{
	struct static_source src;
	struct np_capture cap;
	struct np_launch child;
	char buf[4096];
	int ret;

	memset(&src, 0, sizeof(src));
	src.capture = &cap;
	if (np_capture_begin(&cap, o->output, argc, argv))
		return NP_EXIT_FAILURE;
	np_join_argv(o->cmd, o->cmd_argc, buf, sizeof(buf));
	np_sink_meta(&cap.sink, "command", buf);
	if (np_launch_hold(path, o->cmd, &child)) {
		np_sink_abandon(&cap.sink);
		unlink(o->output);
		return NP_EXIT_FAILURE;
	}
	start_sampling(o, &cap, &src, child.pid);
	if (np_launch_go(&child, o->cmd[0])) {
		np_perf_rings_close(&src.rings);
		np_perf_samples_free(src.samples);
		np_sink_abandon(&cap.sink);
		unlink(o->output);
		return NP_EXIT_FAILURE;
	}
	np_launch_forward_signals(child.pid);
	snprintf(buf, sizeof(buf), "%d", (int)child.pid);
	np_sink_meta(&cap.sink, "pid", buf);
	src.pid = child.pid;
	capture(o, &cap, &src);
	np_perf_samples_free(src.samples);
	np_perf_rings_close(&src.rings);

	ret = np_capture_finish(&cap, src.done ? NP_END_TARGET_GONE : 0);
	while (!src.done && waitpid(child.pid, &src.status, 0) < 0 &&
	       errno == EINTR)
		;
	if (!o->quiet && !cap.sink.error)
		fprintf(stderr, "nprof: wrote '%s' (%llu samples, %llu dropped)\n",
			o->output, (unsigned long long)cap.counts.samples,
			(unsigned long long)cap.counts.dropped);
	if (ret)
		return NP_EXIT_FAILURE;
	return np_launch_exit_status(src.status);
}
