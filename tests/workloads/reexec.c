/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spins a moment, then replaces itself with itself N times (`reexec N`),
 * through a different member of the exec family each time, and exits 7.
 * Under a profiler that leaves a timer or a pending SIGPROF behind, the new
 * image dies of SIGPROF (exit 155 under nprof record).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

static volatile unsigned long sink;

static void spin_before_exec(void)
{
	for (unsigned long i = 0; i < 30000000ul; i++)
		sink += i;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	char next[16];

	spin_before_exec();
	if (n <= 0)
		return 7;
	snprintf(next, sizeof(next), "%d", n - 1);
	switch (n % 4) {
	case 0:
		execl("/proc/self/exe", argv[0], next, (char *)NULL);
		break;
	case 1: {
		char *args[] = { argv[0], next, NULL };
		execv("/proc/self/exe", args);
		break;
	}
	case 2: {
		char *args[] = { argv[0], next, NULL };
		execve("/proc/self/exe", args, environ);
		break;
	}
	default:
		execle("/proc/self/exe", argv[0], next, (char *)NULL, environ);
		break;
	}
	perror("reexec: exec");
	return 1;
}
