/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting the profiled command (see launch.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "launch.h"

extern char **environ;

/* 0 if PATH is a file we may execute, else an errno. */
static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (access(path, X_OK) != 0)
		return errno;
	return 0;
}

int np_launch_resolve(const char *cmd, char *path_out, size_t cap)
{
	const char *path_env, *p;
	int first_err = ENOENT;

	if (strchr(cmd, '/')) {
		int err = check_executable(cmd);

		if (err)
			return np_error("cannot run '%s': %s", cmd, strerror(err));
		snprintf(path_out, cap, "%s", cmd);
		return 0;
	}
	path_env = getenv("PATH");
	if (!path_env)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	for (p = path_env;; p++) {
		const char *end = strchrnul(p, ':');
		int n, err;

		/* An empty PATH element means the current directory. */
		if (end == p)
			n = snprintf(path_out, cap, "./%s", cmd);
		else
			n = snprintf(path_out, cap, "%.*s/%s", (int)(end - p), p, cmd);
		if (n > 0 && (size_t)n < cap) {
			err = check_executable(path_out);
			if (!err)
				return 0;
			/* Like execvp: a file found but not executable says so. */
			if (err != ENOENT && err != ENOTDIR && first_err == ENOENT)
				first_err = err;
		}
		if (!*end)
			break;
		p = end;
	}
	if (first_err == ENOENT)
		return np_error("cannot run '%s': command not found", cmd);
	return np_error("cannot run '%s': %s", cmd, strerror(first_err));
}

/*
 * Builds the command's environment: ours, with the agent added to
 * LD_PRELOAD (after what the user preloads) and the session settings.
 * Done before fork, so that the child only calls async-signal-safe
 * functions.
 */
static char **build_env(const char *agent, const char *settings)
{
	size_t n = 0, i, j = 0;
	const char *old_preload = getenv("LD_PRELOAD");
	char **env;
	char *preload = NULL, *set = NULL;
	int r;

	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	if (old_preload && *old_preload)
		r = asprintf(&preload, "LD_PRELOAD=%s:%s", old_preload, agent);
	else
		r = asprintf(&preload, "LD_PRELOAD=%s", agent);
	if (r < 0 || asprintf(&set, NP_ENV_SETTINGS "=%s", settings) < 0) {
		if (r >= 0)
			free(preload);
		free(env);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!strncmp(environ[i], "LD_PRELOAD=", 11) ||
		    !strncmp(environ[i], NP_ENV_SETTINGS "=",
			     sizeof(NP_ENV_SETTINGS)))
			continue;
		env[j++] = environ[i];
	}
	env[j++] = preload;
	env[j++] = set;
	env[j] = NULL;
	return env;
}

static void free_env(char **env)
{
	size_t n = 0;

	if (!env)
		return;
	while (env[n])
		n++;
	/* The last two are ours; the rest belong to environ. */
	free(env[n - 1]);
	free(env[n - 2]);
	free(env);
}

/* In the child: execs, or sends the errno to the parent on ERRFD. */
__attribute__((noreturn)) static void exec_child(const char *path,
						 char *const *cmd,
						 char *const *env, int errfd)
{
	int err;

	execve(path, cmd, env);
	err = errno;
	while (write(errfd, &err, sizeof(err)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/*
 * Waits until the child's exec has happened (its copy of ERRFD, close-on-
 * exec, is gone) or failed (it wrote its errno), and closes ERRFD; 0, or -1
 * with the message printed and the child reaped.
 */
static int wait_exec(pid_t pid, int errfd, const char *name)
{
	int child_err = 0;
	ssize_t n;

	do
		n = read(errfd, &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close(errfd);
	if (n == sizeof(child_err)) {
		waitpid(pid, NULL, 0);
		return np_error("cannot run '%s': %s", name,
				strerror(child_err));
	}
	return 0;
}

int np_launch_start(const char *path, char *const *cmd, const char *agent,
		    struct np_session *session, struct np_launch *out)
{
	int sv[2], errpipe[2];
	char settings[512];
	char **env;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return np_error("cannot create the stream socket: %s",
				strerror(errno));
	/* The agent never blocks the target on a full socket (it drops
	 * samples instead), but a larger buffer means fewer drops. */
	int size = 4 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));

	session->stream_fd = sv[1];
	if (np_session_format(session, settings, sizeof(settings)) < 0 ||
	    !(env = build_env(agent, settings))) {
		close(sv[0]);
		close(sv[1]);
		return np_error("out of memory");
	}
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		free_env(env);
		close(sv[0]);
		close(sv[1]);
		return np_error("cannot create a pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		int err = errno;
		free_env(env);
		close(sv[0]);
		close(sv[1]);
		close(errpipe[0]);
		close(errpipe[1]);
		return np_error("cannot start '%s': %s", cmd[0], strerror(err));
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls from here on. */
		fcntl(sv[1], F_SETFD, 0);
		exec_child(path, cmd, env, errpipe[1]);
	}
	free_env(env);
	close(sv[1]);
	close(errpipe[1]);
	if (wait_exec(pid, errpipe[0], cmd[0])) {
		close(sv[0]);
		return -1;
	}
	out->pid = pid;
	out->stream_fd = sv[0];
	out->go_fd = -1;
	out->err_fd = -1;
	return 0;
}

int np_launch_hold(const char *path, char *const *cmd, struct np_launch *out)
{
	int gopipe[2], errpipe[2];
	char go;
	pid_t pid;

	if (pipe2(gopipe, O_CLOEXEC) != 0)
		return np_error("cannot create a pipe: %s", strerror(errno));
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		close(gopipe[0]);
		close(gopipe[1]);
		return np_error("cannot create a pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(gopipe[0]);
		close(gopipe[1]);
		close(errpipe[0]);
		close(errpipe[1]);
		return np_error("cannot start '%s': %s", cmd[0], strerror(err));
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls from here on.  A
		 * parent gone before its word means no exec. */
		close(gopipe[1]);
		close(errpipe[0]);
		if (read(gopipe[0], &go, 1) != 1)
			_exit(127);
		exec_child(path, cmd, environ, errpipe[1]);
	}
	close(gopipe[0]);
	close(errpipe[1]);
	out->pid = pid;
	out->stream_fd = -1;
	out->go_fd = gopipe[1];
	out->err_fd = errpipe[0];
	return 0;
}

int np_launch_go(struct np_launch *l, const char *name)
{
	char go = 1;
	ssize_t n;

	do
		n = write(l->go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	close(l->go_fd);
	l->go_fd = -1;
	n = wait_exec(l->pid, l->err_fd, name);
	l->err_fd = -1;
	return (int)n;
}

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill((pid_t)forward_pid, sig);
}

void np_launch_forward_signals(pid_t pid)
{
	struct sigaction sa;

	forward_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = forward_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Ctrl-C reaches the command from the terminal itself; nprof stays to
	 * write what is recorded until the command exits. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	/* Output to a pipe whose reader went away, or beyond ulimit -f, is
	 * a write error like a full disk: said, and the command waited for,
	 * not a silent death. */
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
}

int np_launch_exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return NP_EXIT_FAILURE;
}
