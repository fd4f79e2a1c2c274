/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interposed exec functions (see exec-hooks.h).  Each one ends the session
 * and calls the next definition in lookup order (libc's), unless the exec
 * cannot succeed: a program that tries a command that is not there goes on,
 * and so must its session.  The variadic execl family is rebuilt on an argv
 * of our own, as libc does it, because libc's execl calls its internal
 * execve and would bypass the hook.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "exec-hooks.h"

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);

static execve_fn real_execve;
static execvpe_fn real_execvpe;
static fexecve_fn real_fexecve;

extern char **environ;

void np_exec_hooks_init(void)
{
	real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	real_execvpe = (execvpe_fn)dlsym(RTLD_NEXT, "execvpe");
	real_fexecve = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
}

/* Whether PATH is a file we may execute; exec may still fail for other
 * reasons (a bad ELF file, E2BIG), but rarely. */
static int executable(const char *path)
{
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* Whether execvpe's search for FILE finds a file we may execute.  Plain
 * copies, no stdio: a vfork child may be running this. */
static int found_in_path(const char *file)
{
	const char *dirs = getenv("PATH");
	size_t flen = strlen(file);
	char path[PATH_MAX];

	if (strchr(file, '/'))
		return executable(file);
	if (!dirs)
		dirs = "/bin:/usr/bin";
	for (const char *p = dirs;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		/* An empty element is the current directory. */
		if (dlen + 1 + flen < sizeof(path)) {
			memcpy(path, p, dlen);
			path[dlen] = '/';
			memcpy(path + dlen + 1, file, flen + 1);
			if (executable(dlen ? path : path + 1))
				return 1;
		}
		if (!*end)
			return 0;
		p = end;
	}
}

NP_AGENT_EXPORT int execve(const char *path, char *const argv[],
			   char *const envp[])
{
	if (!real_execve) {
		errno = ENOSYS;
		return -1;
	}
	if (executable(path))
		np_agent_before_exec();
	return real_execve(path, argv, envp);
}

NP_AGENT_EXPORT int execvpe(const char *file, char *const argv[],
			    char *const envp[])
{
	if (!real_execvpe) {
		errno = ENOSYS;
		return -1;
	}
	if (found_in_path(file))
		np_agent_before_exec();
	return real_execvpe(file, argv, envp);
}

NP_AGENT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	if (!real_fexecve) {
		errno = ENOSYS;
		return -1;
	}
	np_agent_before_exec();
	return real_fexecve(fd, argv, envp);
}

NP_AGENT_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

NP_AGENT_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* Counts the arguments of an execl call, the terminating NULL included. */
#define COUNT_ARGS(ap, arg0, n)                              \
	do {                                                 \
		va_list c_;                                  \
		va_copy(c_, ap);                             \
		for (n = 1; maybe_null(arg0) && va_arg(c_, char *); n++) \
			;                                    \
		n++;                                         \
		va_end(c_);                                  \
	} while (0)

/* libc declares arg0 non-null, but programs do pass NULL (an empty argv);
 * hide the pointer from the optimizer so that the check stays. */
static inline const char *maybe_null(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* Copies ARG0 and the rest of AP into the array ARGV of N entries. */
static void fill_args(char **argv, size_t n, const char *arg0, va_list *ap)
{
	argv[0] = (char *)arg0;
	for (size_t i = 1; i < n; i++)
		argv[i] = maybe_null(arg0) ? va_arg(*ap, char *) : NULL;
	argv[n - 1] = NULL;
}

NP_AGENT_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	COUNT_ARGS(ap, arg0, n);
	char *argv[n];
	fill_args(argv, n, arg0, &ap);
	va_end(ap);
	return execve(path, argv, environ);
}

NP_AGENT_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, arg0);
	COUNT_ARGS(ap, arg0, n);
	char *argv[n];
	fill_args(argv, n, arg0, &ap);
	va_end(ap);
	return execvpe(file, argv, environ);
}

NP_AGENT_EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	size_t n;
	char **envp;

	va_start(ap, arg0);
	COUNT_ARGS(ap, arg0, n);
	char *argv[n];
	fill_args(argv, n, arg0, &ap);
	/* After the NULL that ends the arguments comes the environment. */
	envp = va_arg(ap, char **);
	va_end(ap);
	return execve(path, argv, envp);
}
