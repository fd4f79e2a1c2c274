/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-fork FORKS LIBRARY: forks FORKS children one after the other while a
 * thread dlopens and dlcloses LIBRARY without a pause, so that the agent's
 * writer and dlopen hooks are changing its tables (unwind tables published
 * and freed, the hook table synced) at many of the forks.  Each child
 * allocates in child_alloc and exits 0; the parent allocates
 * PARENT_BYTES in parent_alloc per fork.  Prints "forks N failed F
 * parent_alloc BYTES", F being the children that did not exit 0 (each
 * also described on stderr), and exits 0 if F is 0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_BYTES 4099
#define PARENT_BYTES 7001

static atomic_int stop;

static void *loader(void *arg)
{
	const char *library = arg;

	while (!atomic_load(&stop)) {
		void *h = dlopen(library, RTLD_NOW | RTLD_LOCAL);

		if (!h) {
			fprintf(stderr, "nm-fork: %s\n", dlerror());
			exit(2);
		}
		dlclose(h);
	}
	return NULL;
}

__attribute__((noinline)) static int child_alloc(void)
{
	for (int i = 0; i < 100; i++) {
		char *p = malloc(CHILD_BYTES);

		if (!p)
			return 1;
		memset(p, i, CHILD_BYTES);
		free(p);
	}
	return 0;
}

__attribute__((noinline)) static void parent_alloc(void)
{
	char *volatile p = malloc(PARENT_BYTES);

	free(p);
}

int main(int argc, char **argv)
{
	unsigned int forks, failed = 0;
	pthread_t thread;

	if (argc != 3 || (forks = (unsigned int)atoi(argv[1])) == 0) {
		fprintf(stderr, "usage: nm-fork FORKS LIBRARY\n");
		return 2;
	}
	if (pthread_create(&thread, NULL, loader, argv[2]) != 0)
		return 2;
	for (unsigned int i = 0; i < forks; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(child_alloc());
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			perror("nm-fork: fork");
			return 2;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "nm-fork: child %u: status %#x\n", i,
				(unsigned int)status);
			failed++;
		}
		parent_alloc();
	}
	atomic_store(&stop, 1);
	pthread_join(thread, NULL);
	printf("forks %u failed %u parent_alloc %llu\n", forks, failed,
	       (unsigned long long)forks * PARENT_BYTES);
	return failed != 0;
}
