/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nprof record: start a command with the agent preloaded, copy the agent's
 * record stream into samples.dat as it comes, and exit with the command's
 * status.  The file is framed by our header and metadata in front and the
 * trailer at the end; the profile itself is never held in memory.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
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
#include "record-options.h"
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
	int is_static, ret;

	switch (np_record_opts_parse(argc, argv, &o, err, sizeof(err))) {
	case NP_OPTS_HELP:
		fputs(np_record_usage, stdout);
		return 0;
	case NP_OPTS_ERROR:
		np_die_usage("%s", err);
	}
	np_verbose = o.verbose;

	/* Everything that can fail is checked before the command starts. */
	if (np_agent_path(agent, sizeof(agent)) ||
	    np_launch_resolve(o.cmd[0], path, sizeof(path)))
		return NP_EXIT_FAILURE;
	is_static = np_elf_is_static(path);
	if (is_static && o.session.nativemem >= 0)
		np_warn("'%s' is statically linked: the agent cannot be preloaded into it, so nothing will be recorded, and its memory cannot be tracked (malloc is not reached through a dynamic linker)",
			o.cmd[0]);
	else if (is_static)
		np_warn("'%s' is statically linked: the agent cannot be preloaded into it, so nothing will be recorded",
			o.cmd[0]);
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
	if (cap.agent_records == 0 && !is_static)
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
