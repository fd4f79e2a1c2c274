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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-path.h"
#include "commands.h"
#include "elf-kind.h"
#include "error.h"
#include "launch.h"
#include "record-options.h"
#include "sink.h"
#include "status.h"
#include "stream.h"
#include "sysinfo.h"

/* What the copy loop learns from the records it passes on. */
struct record_state {
	struct np_sink sink;
	struct np_status_counts counts;
	uint64_t agent_records;
};

/* How stale the file may get while recording. */
#define FLUSH_NS 250000000ull

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
}

static void on_record(const struct np_record *r, const void *raw, size_t len,
		      void *arg)
{
	struct record_state *st = arg;

	st->agent_records++;
	switch (r->type) {
	case NP_REC_CPU_SAMPLE:
		st->counts.samples++;
		break;
	case NP_REC_ALLOC:
		st->counts.allocs++;
		break;
	case NP_REC_MEM_EVENTS:
		st->counts.allocs += r->u.mem_events.allocs;
		break;
	case NP_REC_LOST:
		st->counts.dropped += r->u.lost.count;
		break;
	case NP_REC_META:
		if (r->u.meta.key_len == 7 &&
		    !memcmp(r->u.meta.key, "warning", 7))
			np_warn("%.*s", (int)r->u.meta.value_len,
				r->u.meta.value);
		break;
	case NP_REC_END:
		/* The trailer is ours to write, not the agent's. */
		return;
	}
	np_sink_record(&st->sink, raw, len);
}

static void write_metadata(struct np_sink *s, const struct np_record_opts *o,
			   int argc, char **argv, uint64_t mono, uint64_t real)
{
	char buf[4096];

	np_sink_meta(s, "nprof_version", PACKAGE_VERSION);
	np_join_argv(o->cmd, o->cmd_argc, buf, sizeof(buf));
	np_sink_meta(s, "command", buf);
	np_host_name(buf, sizeof(buf));
	np_sink_meta(s, "host", buf);
	np_kernel_name(buf, sizeof(buf));
	np_sink_meta(s, "kernel", buf);
	np_format_time(real, buf, sizeof(buf));
	np_sink_meta(s, "start_time", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)real);
	np_sink_meta(s, "start_realtime_ns", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)mono);
	np_sink_meta(s, "start_monotonic_ns", buf);
	/* argv[0] is "record": show the whole command line as typed. */
	memcpy(buf, "nprof ", 6);
	np_join_argv(argv, argc, buf + 6, sizeof(buf) - 6);
	np_sink_meta(s, "options", buf);
	np_sink_meta(s, "output", o->output);
}

/* Copies the stream into the file until the agent closes it. */
static void copy_stream(struct record_state *st, struct np_launch *child,
			int *child_status, int *child_done)
{
	struct np_stream stream;
	struct pollfd pfd = { .fd = child->stream_fd, .events = POLLIN };
	uint64_t grace_end = 0, flushed_ns = np_monotonic_ns();

	if (np_stream_init(&stream, child->stream_fd))
		return;
	for (;;) {
		int ready = poll(&pfd, 1, 100);

		if (ready > 0) {
			int ret = np_stream_pump(&stream, on_record, st);
			if (ret != 0)
				break;
		} else if (ready < 0 && errno != EINTR) {
			np_error("cannot wait for the agent's stream: %s",
				 strerror(errno));
			break;
		}
		np_status_update(&st->counts);
		/* Keep the file current: if nprof is killed, what it had
		 * received is on disk and reads as a file cut short. */
		if (np_monotonic_ns() - flushed_ns > FLUSH_NS) {
			np_sink_flush(&st->sink);
			flushed_ns = np_monotonic_ns();
		}
		if (!*child_done &&
		    waitpid(child->pid, child_status, WNOHANG) == child->pid) {
			*child_done = 1;
			/* A process the command left behind may still hold
			 * the socket; give the stream a moment, not forever. */
			grace_end = np_monotonic_ns() + 2000000000ull;
		}
		if (grace_end && np_monotonic_ns() > grace_end) {
			np_warn("a process started by the command still holds the stream; stopping");
			break;
		}
	}
	np_stream_release(&stream);
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
	struct record_state st;
	struct np_launch child;
	struct np_rec_end end;
	char err[512], agent[PATH_MAX], path[PATH_MAX];
	uint64_t mono, real;
	int status = 0, child_done = 0, is_static, ret;

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
	memset(&st, 0, sizeof(st));
	if (np_sink_open(&st.sink, o.output))
		return NP_EXIT_FAILURE;
	mono = np_monotonic_ns();
	real = np_realtime_ns();
	np_sink_begin(&st.sink);
	write_metadata(&st.sink, &o, argc, argv, mono, real);
	np_debug("agent %s", agent);

	if (np_launch_start(path, o.cmd, agent, &o.session, &child)) {
		np_sink_abandon(&st.sink);
		unlink(o.output);
		return NP_EXIT_FAILURE;
	}
	forward_pid = child.pid;
	handle_signals();
	{
		char pid[32];
		snprintf(pid, sizeof(pid), "%d", (int)child.pid);
		np_sink_meta(&st.sink, "pid", pid);
	}

	np_status_start(o.quiet);
	copy_stream(&st, &child, &status, &child_done);
	np_status_stop();
	close(child.stream_fd);

	memset(&end, 0, sizeof(end));
	end.time_ns = np_monotonic_ns();
	end.realtime_ns = np_realtime_ns();
	end.samples = st.counts.samples;
	end.allocs = st.counts.allocs;
	end.lost = st.counts.dropped;
	end.flags = child_done ? NP_END_TARGET_GONE : 0;
	if (st.sink.error)
		end.flags |= NP_END_WRITE_ERROR;
	ret = np_sink_finish(&st.sink, &end);

	if (!child_done) {
		while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (st.agent_records == 0 && !is_static)
		np_warn("nothing was recorded: the agent did not start in '%s' (a setuid program cannot preload it), or the program closed the agent's stream",
			o.cmd[0]);
	else if (!o.quiet && !st.sink.error)
		fprintf(stderr, "nprof: wrote '%s' (%llu samples, %llu dropped)\n",
			o.output, (unsigned long long)st.counts.samples,
			(unsigned long long)st.counts.dropped);
	if (ret)
		return NP_EXIT_FAILURE;
	return exit_status_of(status);
}
