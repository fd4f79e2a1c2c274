/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nprof attach: load the agent into a running process (src/inject/), copy
 * its record stream into samples.dat until -d SECONDS pass, Ctrl-C, or the
 * process exits, then stop the agent and leave the process running.  The
 * agent stays loaded (it is linked -z nodelete) and idle; the next attach
 * calls its start function again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent-path.h"
#include "capture.h"
#include "commands.h"
#include "error.h"
#include "inject/inject.h"
#include "record-options.h"
#include "sysinfo.h"

/* How long the agent gets to send its last records once asked to stop. */
#define STOP_GRACE_NS 2000000000ull

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	stop_requested = sig;
}

/* Ctrl-C, SIGTERM and SIGHUP end the session, never in the middle of the
 * injection: they only set a flag. */
static void handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = request_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

struct session_watch {
	struct np_inject *inj;
	uint64_t end_ns;     /* -d: when the agent should have stopped */
	uint64_t stop_sent_ns;
	int target_gone;
	int stream_closed;   /* by nprof, the agent not done */
	struct stat agent;   /* the agent's file at the attach */
};

/* Asks the agent to stop at NOW: any byte does. */
static void send_stop(struct session_watch *w, uint64_t now)
{
	char byte = 0;

	if (w->stop_sent_ns)
		return;
	if (send(w->inj->stream_fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		shutdown(w->inj->stream_fd, SHUT_WR);
	w->stop_sent_ns = now;
}

static int watch_session(void *arg)
{
	struct session_watch *w = arg;
	struct pollfd p = { .fd = w->inj->pidfd, .events = POLLIN };
	uint64_t now = np_monotonic_ns();

	/* Sent at NOW, not later: the grace period below is measured from
	 * NOW, and a later stamp would make it wrap around and close the
	 * stream at once, before the agent's last records. */
	if (stop_requested)
		send_stop(w, now);
	/* The agent ends a -d session itself; this is in case it cannot. */
	if (w->end_ns && now > w->end_ns + STOP_GRACE_NS)
		send_stop(w, now);
	if (!w->target_gone && poll(&p, 1, 0) == 1) {
		w->target_gone = 1;
		/* Its stream ends with it; a child it forked might hold it
		 * (it should not: the agent's fds are close-on-exec and a
		 * forked child drops them), so not forever. */
		if (!w->stop_sent_ns)
			w->stop_sent_ns = now;
	}
	if (w->stop_sent_ns && now - w->stop_sent_ns > STOP_GRACE_NS) {
		w->stream_closed = 1;
		if (!w->target_gone)
			np_warn("the agent in process %d did not finish its stream in time (is the process stopped?); closing it",
				(int)w->inj->pid);
		return 1;
	}
	return 0;
}

/* Whether the agent's file, as it was at the attach, is mapped in the
 * process (0 also when the process is gone). */
static int agent_mapped(const struct session_watch *w)
{
	char name[64], line[PATH_MAX + 128];
	unsigned int major, minor;
	unsigned long long ino;
	int found = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)w->inj->pid);
	f = fopen(name, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %x:%x %llu", &major, &minor,
			       &ino) == 3 &&
			ino == (unsigned long long)w->agent.st_ino &&
			makedev(major, minor) == w->agent.st_dev;
	fclose(f);
	return found;
}

/*
 * How the session ended, when the agent could not say it (NULL when it
 * did): the process exited, was stopped, or ran another program.  An exit
 * closes the stream before the process is reported gone, hence the wait.
 */
static const char *session_end(struct session_watch *w)
{
	struct pollfd p = { .fd = w->inj->pidfd, .events = POLLIN };

	if (!w->target_gone && !agent_mapped(w) &&
	    poll(&p, 1, 500) == 1)
		w->target_gone = 1;
	if (w->target_gone)
		return "the process exited";
	if (w->stream_closed)
		return "the agent did not finish in time (the process was stopped?); it ends the session when it runs again";
	if (!agent_mapped(w))
		return "the process ran another program (exec), which is not profiled";
	return NULL;
}

/* The target's command line, for the file's metadata. */
static void target_command(pid_t pid, char *buf, size_t cap)
{
	char name[64];
	ssize_t n = -1;
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/cmdline", (int)pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, cap - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(buf, cap, "(process %d)", (int)pid);
		return;
	}
	buf[n] = '\0';
	for (ssize_t i = 0; i + 1 < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
}

int np_cmd_attach(int argc, char **argv)
{
	struct np_record_opts o;
	struct np_capture cap;
	struct np_inject inj;
	struct session_watch watch;
	char err[512], agent[PATH_MAX], buf[4096];
	const char *end;
	uint64_t t0;
	int ret;

	switch (np_attach_opts_parse(argc, argv, &o, err, sizeof(err))) {
	case NP_OPTS_HELP:
		fputs(np_attach_usage, stdout);
		return 0;
	case NP_OPTS_ERROR:
		np_die_usage("%s", err);
	}
	np_verbose = o.verbose;
	if (np_agent_path(agent, sizeof(agent)))
		return NP_EXIT_FAILURE;
	np_debug("agent %s", agent);
	handle_signals();

	if (np_capture_begin(&cap, o.output, argc, argv))
		return NP_EXIT_FAILURE;
	t0 = np_monotonic_ns();
	np_inject_init(&inj, (pid_t)o.pid, agent, &o.session);
	ret = np_inject_agent(&inj);
	if (ret) {
		np_inject_message(&inj, ret, err, sizeof(err));
		np_error("%s", err);
		np_inject_release(&inj);
		np_sink_abandon(&cap.sink);
		unlink(o.output);
		return NP_EXIT_FAILURE;
	}
	np_debug("attached to process %d in %.2f ms: thread %d borrowed, no thread stopped longer than %.2f ms%s",
		 o.pid, (double)inj.total_ns / 1e6, (int)inj.borrowed_tid,
		 (double)inj.pause_ns / 1e6,
		 inj.agent_was_loaded ? " (the agent was loaded already)" : "");
	np_debug("of that, %.2f ms in dlopen of the agent, %.2f ms in its start",
		 (double)inj.dlopen_ns / 1e6, (double)inj.start_ns / 1e6);
	snprintf(buf, sizeof(buf), "%d", o.pid);
	np_sink_meta(&cap.sink, "pid", buf);
	target_command((pid_t)o.pid, buf, sizeof(buf));
	np_sink_meta(&cap.sink, "command", buf);
	/* A file to read from the start, even if nprof is killed. */
	np_sink_flush(&cap.sink);

	memset(&watch, 0, sizeof(watch));
	watch.inj = &inj;
	stat(agent, &watch.agent);
	if (o.session.duration_ns)
		watch.end_ns = np_monotonic_ns() + o.session.duration_ns;
	np_status_start(o.quiet);
	np_capture_copy(&cap, inj.stream_fd, watch_session, &watch);
	np_status_stop();
	close(inj.stream_fd);
	end = session_end(&watch);
	if (end)
		np_sink_meta(&cap.sink, "session_end", end);
	np_inject_release(&inj);
	if (cap.first_sample_ns)
		np_debug("first sample %.1f ms after the attach began",
			 (double)(cap.first_sample_ns - t0) / 1e6);

	ret = np_capture_finish(&cap, watch.target_gone ? NP_END_TARGET_GONE : 0);
	if (!o.quiet && !cap.sink.error)
		fprintf(stderr, "nprof: wrote '%s' (%llu samples, %llu dropped)%s%s\n",
			o.output, (unsigned long long)cap.counts.samples,
			(unsigned long long)cap.counts.dropped,
			end ? "; " : "", end ? end : "");
	return ret ? NP_EXIT_FAILURE : 0;
}
