/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's life in the target (see agent.h): the constructor that starts
 * a `record` session, the start function for attach, the destructor that
 * lets the last records out at exit, and the fork handler that leaves a
 * child without a session.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cfi-table.h"
#include "clock.h"
#include "errtext.h"
#include "guard.h"
#include "exec-hooks.h"
#include "hook-table.h"
#include "namespaces.h"
#include "hooks.h"
#include "preload.h"
#include "sampler.h"
#include "writer.h"

#define EXIT_WAIT_NS 1000000000ull
/* The writer gets a little less, so the destructor can still join it. */
#define EXIT_FLUSH_NS 900000000ull
/* Before an exec: the writer stops the engines within a tick or two. */
#define EXEC_WAIT_NS 500000000ull
#define EXEC_FLUSH_NS 400000000ull

__thread int np_guard_held;

/* The current (or last) run.  Changed only with `busy` held. */
static struct np_run *run;
static atomic_int busy;
static uint32_t next_session = 1;
/* The process the sessions belong to: a vfork child runs our exec hooks
 * with our memory, and must not stop its parent's session. */
static pid_t session_pid;

/* Valid settings for a session; 0 or -EINVAL. */
static int check_settings(const struct np_session *s)
{
	if (s->stream_fd < 0)
		return -EINVAL;
	if (s->engine != NP_ENGINE_NONE && s->period_ns == 0)
		return -EINVAL;
	if (s->engine == NP_ENGINE_CYCLES && s->freq_hz == 0)
		return -EINVAL;
	if (s->nativemem < -1)
		return -EINVAL;
	return 0;
}

/* Frees the last run once its writer is done; 0, or -EBUSY if it runs. */
static int reap(void)
{
	if (!run)
		return 0;
	if (!atomic_load(&run->finished))
		return -EBUSY;
	pthread_join(run->thread, NULL);
	np_run_free(run);
	run = NULL;
	return 0;
}

/* SETUP_IN_WRITER: see struct np_run. */
static int start_locked(const struct np_session *s, int setup_in_writer)
{
	struct np_run *r;
	int err = check_settings(s);

	if (err)
		return err;
	err = reap();
	if (err)
		return err;
	if (fcntl(s->stream_fd, F_SETFD, FD_CLOEXEC) != 0)
		return -errno;
	if (s->engine != NP_ENGINE_NONE && (err = np_sampler_init()) != 0)
		return err;
	r = np_run_create(s, next_session, &err);
	if (!r)
		return err;
	r->setup_in_writer = setup_in_writer;
	if (!setup_in_writer)
		np_writer_setup(r, np_gettid());
	err = np_writer_start(r);
	if (err) {
		np_writer_stop_mem(r);
		np_run_free(r);
		return err;
	}
	next_session++;
	session_pid = getpid();
	run = r;
	return 0;
}

/* A warning record on FD, if it is a socket (not a file of the
 * program's that the settings happen to name), saying why the session
 * could not start: ERR. */
static void tell_why(int fd, int err)
{
	unsigned char rec[512];
	char text[256];
	struct stat st;
	size_t len;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return;
	snprintf(text, sizeof(text), "the agent could not start a session: %s",
		 np_errtext(-err));
	len = np_rec_encode_meta(rec, sizeof(rec), "warning", text,
				 strlen(text));
	if (len)
		send(fd, rec, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int start(const struct np_session *s, int setup_in_writer)
{
	int err, running_fd = -1;

	if (atomic_exchange(&busy, 1)) {
		/* Another start is under way, with another CLI's fd. */
		err = -EBUSY;
	} else {
		err = start_locked(s, setup_in_writer);
		if (run && !atomic_load(&run->finished))
			running_fd = run->out.fd;
		atomic_store(&busy, 0);
	}
	/* The fd is ours: a CLI whose session cannot start sees EOF at once.
	 * Never the fd of the session that runs, though.  Attach hears ERR
	 * from the call it injected; record only from the stream. */
	if (err && s->stream_fd >= 0 && s->stream_fd != running_fd) {
		if (!setup_in_writer)
			tell_why(s->stream_fd, err);
		close(s->stream_fd);
	}
	return err;
}

int np_agent_start(const struct np_session *s)
{
	/* Before main: its first allocation must find the hooks in place. */
	return start(s, 0);
}

NP_AGENT_EXPORT int nprof_agent_start(const char *settings)
{
	struct np_session s;

	/* In a thread borrowed by nprof attach: only what must be checked
	 * before the CLI hears back, the rest in the writer. */
	if (!settings || np_session_parse(settings, &s) != 0)
		return -EINVAL;
	return start(&s, 1);
}

/*
 * In a forked child: the writer and the engines stayed in the parent.  The
 * child has one thread, and what the others were changing at the fork
 * (the run being built or freed, the unwind tables being published) is
 * half done in its copy: it is forgotten here, never walked nor freed.
 * The child keeps that memory, as it keeps the queues: a copy on write
 * of the parent's, shared until one of them writes.
 */
static void after_fork_child(void)
{
	np_sampler_after_fork();
	/* The slots stay patched in the child; its hooks record nothing. */
	np_memhooks_after_fork();
	np_hooktab_after_fork();
	np_ns_after_fork();
	np_cfi_after_fork();
	/* A run is read only while no start or exit was changing it: then
	 * the child closes its copy of the stream, so that the CLI sees the
	 * end when the parent's writer closes its own. */
	if (run && !atomic_load(&busy) && !atomic_load(&run->finished) &&
	    np_send_fd_is_ours(&run->out))
		close(run->out.fd);
	run = NULL;
	atomic_store(&busy, 0);
}

void np_agent_before_exec(void)
{
	struct np_run *r = run;
	uint64_t until = np_clock_ns() + EXEC_WAIT_NS;

	if (!session_pid || getpid() != session_pid)
		return;
	if (r && !atomic_load(&busy) && !atomic_load(&r->finished)) {
		/* The itimer survives exec: disarm it here, at once. */
		if (r->engine.kind == NP_EK_ITIMER)
			np_itimer_set(0);
		np_writer_request_stop(r, NP_STOP_EXEC,
				       np_clock_ns() + EXEC_FLUSH_NS);
		while (!atomic_load(&r->finished) && np_clock_ns() < until) {
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	np_sampler_discard_pending();
}

__attribute__((constructor)) static void agent_init(void)
{
	char text[512];
	struct np_session s;

	pthread_atfork(NULL, NULL, after_fork_child);
	np_exec_hooks_init();
	if (np_preload_take_settings(text, sizeof(text)) != 0)
		return;
	if (np_session_parse(text, &s) != 0)
		return;
	np_agent_start(&s);
}

__attribute__((destructor)) static void agent_fini(void)
{
	struct np_run *r = run;
	struct timespec until;

	if (!r || atomic_load(&r->finished) || atomic_exchange(&busy, 1))
		return;
	np_writer_request_stop(r, NP_STOP_EXIT, np_clock_ns() + EXIT_FLUSH_NS);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += EXIT_WAIT_NS / 1000000000u;
	/* Held meanwhile: a thread may still fork, and its child must not
	 * read the run while it is freed. */
	if (pthread_timedjoin_np(r->thread, NULL, &until) == 0) {
		np_run_free(r);
		run = NULL;
	}
	atomic_store(&busy, 0);
}
