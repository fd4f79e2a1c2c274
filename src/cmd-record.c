/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nprof record: start a command with the agent preloaded, copy the agent's
 * record stream into samples.dat as it comes, and exit with the command's
 * status.  The file is framed by our header and metadata in front and the
 * trailer at the end; the profile itself is never held in memory.  A
 * statically linked command takes no agent: the kernel samples it, and
 * nprof turns the kernel's records into the agent's.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-path.h"
#include "capture.h"
#include "commands.h"
#include "elf-kind.h"
#include "error.h"
#include "launch.h"
#include "perf-ring.h"
#include "perf-samples.h"
#include "record-options.h"
#include "session.h"
#include "sysinfo.h"

static volatile sig_atomic_t forward_pid;

/* SIGTERM or SIGHUP to nprof goes on to the command: it decides when the
 * profile ends, by ending. */
static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill((pid_t)forward_pid, sig);
}

static void handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = forward_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Ctrl-C reaches the command from the terminal itself; nprof stays to
	 * write what the command's agent sends until it exits. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	/* Output to a pipe whose reader went away, or beyond ulimit -f, is
	 * a write error like a full disk: said, and the command waited for,
	 * not a silent death.  (Set after the command started: it must not
	 * inherit SIG_IGN.) */
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
}

/* What the copy loop needs to know about the command. */
struct child_watch {
	pid_t pid;
	int status;
	int done;
	uint64_t grace_end;
};

/* Ends the copy once the command has exited and its stream has had a
 * moment to drain. */
static int watch_child(void *arg)
{
	struct child_watch *w = arg;

	if (!w->done && waitpid(w->pid, &w->status, WNOHANG) == w->pid) {
		w->done = 1;
		/* A process the command left behind may still hold the
		 * socket; give the stream a moment, not forever. */
		w->grace_end = np_monotonic_ns() + 2000000000ull;
	}
	if (w->grace_end && np_monotonic_ns() > w->grace_end) {
		np_warn("a process started by the command still holds the stream; stopping");
		return 1;
	}
	return 0;
}

static int exit_status_of(int status);

/* The kernel's rings of a static command, read in the capture loop. */
struct static_source {
	struct np_perf_rings rings;
	struct np_perf_samples *samples;
	struct child_watch watch;
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
	read_rings(src);
	return 0;
}

static int watch_static(void *arg)
{
	struct static_source *src = arg;
	struct child_watch *w = &src->watch;

	if (waitpid(w->pid, &w->status, WNOHANG) == w->pid)
		w->done = 1;
	if (src->end_ns && np_monotonic_ns() >= src->end_ns)
		np_perf_rings_disable(&src->rings);
	/* What is in the rings stays there: the last read is after this. */
	return w->done || (src->end_ns && np_monotonic_ns() >= src->end_ns);
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
 * Records a statically linked command: started held before its exec, the
 * kernel's events opened on it (they start at the exec), then its samples
 * are read from the rings until it exits.  If the kernel refuses, the
 * command runs unprofiled and the file says why, with no samples.
 */
static int record_static(struct np_record_opts *o, const char *path,
			 int argc, char **argv)
{
	struct static_source src;
	struct np_capture cap;
	struct np_launch child;
	struct pollfd *fds;
	char buf[4096], why[128], level[16], warning[1024];
	int err, ret;

	memset(&src, 0, sizeof(src));
	if (np_capture_begin(&cap, o->output, argc, argv))
		return NP_EXIT_FAILURE;
	np_join_argv(o->cmd, o->cmd_argc, buf, sizeof(buf));
	np_sink_meta(&cap.sink, "command", buf);
	if (np_launch_hold(path, o->cmd, &child)) {
		np_sink_abandon(&cap.sink);
		unlink(o->output);
		return NP_EXIT_FAILURE;
	}
	err = np_perf_rings_open(&src.rings, child.pid, o->session.period_ns,
				 why, sizeof(why));
	if (err) {
		np_perf_paranoid(level, sizeof(level));
		snprintf(warning, sizeof(warning),
			 "'%s' is statically linked (no agent) and the kernel refused to sample it (%s: %s; seccomp or perf_event_paranoid=%s): it runs unprofiled",
			 o->cmd[0], why, strerror(-err), level);
		put_meta(&cap, "engine", "none");
		snprintf(buf, sizeof(buf),
			 "statically linked, and the kernel refused to sample it (%s: %s)",
			 why, strerror(-err));
		put_meta(&cap, "engine_reason", buf);
		put_meta(&cap, "warning", warning);
	} else {
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
		announce_static(&cap, o, &src, warning);
		src.samples = np_perf_samples_new(&cap, o->session.period_ns);
	}
	if (np_launch_go(&child, o->cmd[0])) {
		np_perf_rings_close(&src.rings);
		np_perf_samples_free(src.samples);
		np_sink_abandon(&cap.sink);
		unlink(o->output);
		return NP_EXIT_FAILURE;
	}
	forward_pid = child.pid;
	handle_signals();
	snprintf(buf, sizeof(buf), "%d", (int)child.pid);
	np_sink_meta(&cap.sink, "pid", buf);

	src.watch.pid = child.pid;
	if (o->session.duration_ns)
		src.end_ns = np_monotonic_ns() + o->session.duration_ns;
	fds = calloc((size_t)src.rings.n + 1, sizeof(*fds));
	if (!fds)
		np_die("out of memory");
	for (int i = 0; i < src.rings.n; i++) {
		fds[i].fd = src.rings.ring[i].fd;
		fds[i].events = POLLIN;
	}
	np_status_start(o->quiet);
	np_capture_run(&cap, fds, (nfds_t)src.rings.n, read_static, &src,
		       watch_static, &src);
	np_status_stop();
	free(fds);
	if (src.samples) {
		np_perf_rings_disable(&src.rings);
		read_rings(&src);
		np_perf_samples_finish(src.samples);
	}
	np_perf_samples_free(src.samples);
	np_perf_rings_close(&src.rings);

	ret = np_capture_finish(&cap, src.watch.done ? NP_END_TARGET_GONE : 0);
	if (!src.watch.done) {
		while (waitpid(child.pid, &src.watch.status, 0) < 0 &&
		       errno == EINTR)
			;
	}
	if (!o->quiet && !cap.sink.error)
		fprintf(stderr, "nprof: wrote '%s' (%llu samples, %llu dropped)\n",
			o->output, (unsigned long long)cap.counts.samples,
			(unsigned long long)cap.counts.dropped);
	if (ret)
		return NP_EXIT_FAILURE;
	return exit_status_of(src.watch.status);
}

static int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return NP_EXIT_FAILURE;
}

int np_cmd_record(int argc, char **argv)
{
	struct np_record_opts o;
	struct np_capture cap;
	struct np_launch child;
	struct child_watch watch;
	char err[512], agent[PATH_MAX], path[PATH_MAX], buf[4096];
	int ret;

	switch (np_record_opts_parse(argc, argv, &o, err, sizeof(err))) {
	case NP_OPTS_HELP:
		fputs(np_record_usage, stdout);
		return 0;
	case NP_OPTS_ERROR:
		np_die_usage("%s", err);
	}
	np_verbose = o.verbose;

	/* Everything that can fail is checked before the command starts. */
	if (np_launch_resolve(o.cmd[0], path, sizeof(path)))
		return NP_EXIT_FAILURE;
	/* A static program takes no agent: none is needed. */
	if (np_elf_is_static(path))
		return record_static(&o, path, argc, argv);
	if (np_agent_path(agent, sizeof(agent)))
		return NP_EXIT_FAILURE;
	if (np_capture_begin(&cap, o.output, argc, argv))
		return NP_EXIT_FAILURE;
	np_join_argv(o.cmd, o.cmd_argc, buf, sizeof(buf));
	np_sink_meta(&cap.sink, "command", buf);
	np_debug("agent %s", agent);

	if (np_launch_start(path, o.cmd, agent, &o.session, &child)) {
		np_sink_abandon(&cap.sink);
		unlink(o.output);
		return NP_EXIT_FAILURE;
	}
	forward_pid = child.pid;
	handle_signals();
	snprintf(buf, sizeof(buf), "%d", (int)child.pid);
	np_sink_meta(&cap.sink, "pid", buf);

	memset(&watch, 0, sizeof(watch));
	watch.pid = child.pid;
	np_status_start(o.quiet);
	np_capture_copy(&cap, child.stream_fd, watch_child, &watch);
	np_status_stop();
	close(child.stream_fd);

	ret = np_capture_finish(&cap, watch.done ? NP_END_TARGET_GONE : 0);
	if (!watch.done) {
		while (waitpid(child.pid, &watch.status, 0) < 0 && errno == EINTR)
			;
	}
	if (cap.agent_records == 0)
		np_warn("nothing was recorded: the agent did not start in '%s' (a setuid program cannot preload it), or the program closed the agent's stream",
			o.cmd[0]);
	else if (!o.quiet && !cap.sink.error)
		fprintf(stderr, "nprof: wrote '%s' (%llu samples, %llu dropped)\n",
			o.output, (unsigned long long)cap.counts.samples,
			(unsigned long long)cap.counts.dropped);
	if (ret)
		return NP_EXIT_FAILURE;
	return exit_status_of(watch.status);
}
