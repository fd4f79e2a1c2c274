/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting the profiled command with the agent preloaded: a socket pair for
 * the record stream, the agent's settings in the environment, and an exec
 * whose failure comes back to the parent as a message instead of a silent
 * exit status.
 */
#ifndef NPROF_LAUNCH_H
#define NPROF_LAUNCH_H

#include <sys/types.h>

#include "session.h"

struct np_launch {
	pid_t pid;     /* the command */
	int stream_fd; /* the CLI's end of the record stream, or -1 */
	int go_fd;     /* np_launch_hold: lets the command exec */
	int err_fd;    /* np_launch_hold: the exec's errno, or EOF */
};

/*
 * Checks that CMD[0] can be run, before anything starts; 0, or -1 with the
 * message printed.  PATH_OUT receives the file that will be executed.
 */
int np_launch_resolve(const char *cmd, char *path_out, size_t cap);

/*
 * Starts PATH with arguments CMD, the agent AGENT preloaded and SESSION's
 * settings (its stream_fd is filled in); 0, or -1 with the message printed.
 */
int np_launch_start(const char *path, char *const *cmd, const char *agent,
		    struct np_session *session, struct np_launch *out);

/*
 * Starts PATH with arguments CMD as it is (no agent), held before its exec
 * until np_launch_go: whatever is set up on the process in between (a perf
 * event with enable_on_exec) sees all of the program.  0, or -1 with the
 * message printed.
 */
int np_launch_hold(const char *path, char *const *cmd, struct np_launch *out);

/*
 * Lets a held command exec; 0 once it has, or -1 with the message printed
 * when the exec failed (the child is reaped then).
 */
int np_launch_go(struct np_launch *l, const char *name);

/*
 * From now on SIGTERM and SIGHUP to nprof go on to PID (the command decides
 * when the profile ends, by ending), SIGINT and SIGQUIT are ignored (the
 * terminal sends them to the command itself), and so are SIGPIPE and
 * SIGXFSZ (a write error then).  Call after the command is started:
 * ignored signals would be inherited.
 */
void np_launch_forward_signals(pid_t pid);

/* nprof's exit status for the command's wait STATUS: its own, or 128+N
 * when signal N ended it. */
int np_launch_exit_status(int status);

#endif /* NPROF_LAUNCH_H */
