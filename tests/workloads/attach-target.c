/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-target: a long-running program that answers on stdin/stdout, for
 * `nprof attach` tests.  Commands, one a line:
 *   ping          answers "pong"
 *   load PATH     dlopens PATH, answers "loaded" (or "error: ...")
 *   mload PATH    the same with dlmopen, into a new link-map namespace:
 *                 answers "loaded in N" (N its namespace id)
 *   spin SECONDS  calls plugin_spin(SECONDS) of the loaded library,
 *                 answers "spun"
 *   unload        dlcloses the loaded library, answers "unloaded"
 *   alloc N SIZE  allocates and frees N blocks of SIZE bytes in host_alloc,
 *                 answers "allocated"
 *   palloc N SIZE the same in the loaded library (plugin_alloc)
 *   hooked        answers "host H plugin P": H is 1 if its pointer to
 *                 malloc stored in data leads elsewhere than malloc (to
 *                 the agent's hook), 0 if not; P the same for the loaded
 *                 library's pointer, or "-" without one
 *   fork N SIZE   forks a child that allocates, fills, checks and frees N
 *                 blocks of SIZE bytes in child_alloc and exits 0 (3 if a
 *                 check failed); answers "child 0" with the child's exit
 *                 status, or "child signal S" if a signal killed it
 *   exec PATH ARG...  execs PATH with the arguments (split at spaces);
 *                 answers "error: exec failed" only if that fails
 *   raise SIG     dies of signal SIG (its default action)
 *   quit          answers "bye" and exits 7 (a status nprof must not change)
 *   forks         answers "forks N failed F": children forked by the forker
 *                 thread so far, and how many of them did not exit 0
 * Started as "attach-target forker", a thread forks such a child (1000
 * blocks of 64 bytes) every millisecond or so, from start to exit.
 * At EOF it exits 8.  Any failed read but EOF prints "read error" and exits 9.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Patched by the agent while a --nativemem session runs: a relocation in
 * data, like nm-long's. */
void *(*host_malloc)(size_t) = malloc;

static void say(const char *text)
{
	size_t len = strlen(text);

	if (write(STDOUT_FILENO, text, len) != (ssize_t)len ||
	    write(STDOUT_FILENO, "\n", 1) != 1)
		exit(10);
}

/* One line from stdin, with read(2) only: a read that fails with EINTR
 * would be a bug of the injector's, not something to retry. */
static int read_line(char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(STDIN_FILENO, buf + n, 1);

		if (r == 0)
			return -1;
		if (r < 0) {
			fprintf(stderr, "attach-target: read error: %s\n",
				strerror(errno));
			exit(9);
		}
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

__attribute__((noinline)) static int host_alloc(unsigned int count,
						size_t size)
{
	for (unsigned int i = 0; i < count; i++) {
		volatile char *p = malloc(size);

		if (!p)
			return -1;
		p[0] = (char)i;
		free((void *)p);
	}
	return 0;
}

/* In a forked child: the hooks it inherited from a session must let it
 * allocate and free as much as it likes, and record nothing. */
__attribute__((noinline)) static int child_alloc(unsigned int count,
						 size_t size)
{
	for (unsigned int i = 0; i < count; i++) {
		unsigned char *p = malloc(size);
		unsigned long sum = 0;

		if (!p)
			return -1;
		memset(p, (int)(i & 0xff), size);
		for (size_t k = 0; k < size; k++)
			sum += p[k];
		free(p);
		if (sum != (unsigned long)(i & 0xff) * size)
			return -1;
	}
	return 0;
}

static void fork_child(const char *args)
{
	unsigned int n = 0;
	size_t size = 0;
	char text[64];
	pid_t pid;
	int status;

	if (sscanf(args, "%u %zu", &n, &size) != 2) {
		say("error: fork N SIZE");
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(child_alloc(n, size) == 0 ? 0 : 3);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		say("error: fork failed");
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(text, sizeof(text), "child signal %d", WTERMSIG(status));
	else
		snprintf(text, sizeof(text), "child %d", WEXITSTATUS(status));
	say(text);
}

static atomic_uint forks, forks_failed;
/* How the last failure went, for "forks": "fork errno 11", "waitpid errno
 * 4", "signal 11", "exit 3". */
static char last_failure[48];

static void note_failure(const char *what, int n)
{
	snprintf(last_failure, sizeof(last_failure), "%s %d", what, n);
	atomic_fetch_add(&forks_failed, 1);
}

/* Forks while nprof attaches and records: the children must not notice. */
static void *forker(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ms = { 0, 1000000 };
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(child_alloc(1000, 64) == 0 ? 0 : 3);
		if (pid < 0)
			note_failure("fork errno", errno);
		else if (waitpid(pid, &status, 0) != pid)
			note_failure("waitpid errno", errno);
		else if (WIFSIGNALED(status))
			note_failure("signal", WTERMSIG(status));
		else if (WEXITSTATUS(status) != 0)
			note_failure("exit", WEXITSTATUS(status));
		atomic_fetch_add(&forks, 1);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static void exec_program(char *cmd)
{
	char *argv[64];
	int n = 0;

	for (char *w = strtok(cmd, " "); w && n < 63; w = strtok(NULL, " "))
		argv[n++] = w;
	argv[n] = NULL;
	if (n > 0)
		execv(argv[0], argv);
	say("error: exec failed");
}

static void *plugin_fn(void *plugin, const char *name)
{
	return plugin ? dlsym(plugin, name) : NULL;
}

int main(int argc, char **argv)
{
	char line[4096];
	void *plugin = NULL;
	pthread_t thread;

	if (argc > 1 && !strcmp(argv[1], "forker") &&
	    pthread_create(&thread, NULL, forker, NULL) != 0)
		return 11;

	while (read_line(line, sizeof(line)) == 0) {
		if (!strcmp(line, "ping")) {
			say("pong");
		} else if (!strncmp(line, "load ", 5)) {
			plugin = dlopen(line + 5, RTLD_NOW);
			say(plugin ? "loaded" : "error: dlopen failed");
		} else if (!strncmp(line, "mload ", 6)) {
			char text[64];
			Lmid_t lmid = -1;

			plugin = dlmopen(LM_ID_NEWLM, line + 6, RTLD_NOW);
			if (plugin)
				dlinfo(plugin, RTLD_DI_LMID, &lmid);
			snprintf(text, sizeof(text), "loaded in %ld", (long)lmid);
			say(plugin ? text : "error: dlmopen failed");
		} else if (!strncmp(line, "spin ", 5)) {
			double (*spin)(double) =
				plugin ? (double (*)(double))dlsym(plugin, "plugin_spin") : NULL;

			if (!spin) {
				say("error: no plugin_spin");
				continue;
			}
			spin(atof(line + 5));
			say("spun");
		} else if (!strcmp(line, "unload")) {
			if (!plugin || dlclose(plugin) != 0) {
				say("error: dlclose failed");
				continue;
			}
			plugin = NULL;
			say("unloaded");
		} else if (!strncmp(line, "alloc ", 6)) {
			unsigned int n = 0;
			size_t size = 0;

			if (sscanf(line + 6, "%u %zu", &n, &size) != 2 ||
			    host_alloc(n, size) != 0)
				say("error: alloc failed");
			else
				say("allocated");
		} else if (!strncmp(line, "palloc ", 7)) {
			int (*alloc)(unsigned int, size_t) =
				(int (*)(unsigned int, size_t))plugin_fn(plugin, "plugin_alloc");
			unsigned int n = 0;
			size_t size = 0;

			if (!alloc || sscanf(line + 7, "%u %zu", &n, &size) != 2 ||
			    alloc(n, size) != 0)
				say("error: palloc failed");
			else
				say("allocated");
		} else if (!strcmp(line, "hooked")) {
			int (*hooked)(void) =
				(int (*)(void))plugin_fn(plugin, "plugin_malloc_hooked");
			char text[64];

			snprintf(text, sizeof(text), "host %d plugin %s",
				 (void *)host_malloc != dlsym(RTLD_DEFAULT, "malloc"),
				 hooked ? (hooked() ? "1" : "0") : "-");
			say(text);
		} else if (!strncmp(line, "fork ", 5)) {
			fork_child(line + 5);
		} else if (!strncmp(line, "exec ", 5)) {
			exec_program(line + 5);
		} else if (!strncmp(line, "raise ", 6)) {
			int sig = atoi(line + 6);

			signal(sig, SIG_DFL);
			raise(sig);
			say("error: still alive");
		} else if (!strcmp(line, "forks")) {
			char text[128];
			unsigned int failed = atomic_load(&forks_failed);

			snprintf(text, sizeof(text), "forks %u failed %u%s%s%s",
				 atomic_load(&forks), failed,
				 failed ? " (last: " : "",
				 failed ? last_failure : "", failed ? ")" : "");
			say(text);
		} else if (!strcmp(line, "quit")) {
			say("bye");
			return 7;
		} else {
			say("error: unknown command");
		}
	}
	return 8;
}
