/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exit-status [--echo] [--exec-missing] [--stderr TEXT] [--touch FILE]
 *             [--spin SECONDS] [--signal N | CODE]
 * Does what its options say, in that order, then exits with CODE (default 0)
 * or kills itself with signal N: proves that `nprof record` hands back the
 * command's status, leaves its stdio alone, or never ran it.
 * --exec-missing tries to exec programs that are not there, through execv,
 * execvp, execl and execlp, and goes on (exits 124 if one did not fail).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void checkpoint(uint64_t x);
uint64_t spin_for(double seconds);

static volatile uint64_t sink;

/* Not a leaf: see hot3x.c. */
__attribute__((noinline)) void checkpoint(uint64_t x)
{
	sink = x;
}

static double process_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spins until the process has used SECONDS more of CPU. */
__attribute__((noinline)) uint64_t spin_for(double seconds)
{
	uint64_t x = 1;
	double end = process_cpu_seconds() + seconds;

	while (process_cpu_seconds() < end) {
		for (unsigned int i = 0; i < (1u << 17); i++) {
			x ^= x >> 31;
			x *= 0x94d049bb133111ebull;
		}
		checkpoint(x);
	}
	return x;
}

static void echo_stdin(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			exit(120);
	if (n < 0)
		exit(121);
}

static void exec_missing(void)
{
	char *argv[] = { "nprof-no-such-command", NULL };

	execv("/nonexistent/nprof-no-such-command", argv);
	execvp("nprof-no-such-command", argv);
	execl("/nonexistent/nprof-no-such-command", argv[0], (char *)NULL);
	execlp("nprof-no-such-command", argv[0], (char *)NULL);
	if (errno != ENOENT)
		exit(124);
	printf("exit-status: exec failed\n");
}

static void die_of(int sig)
{
	sigset_t set;

	fflush(NULL);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	/* A signal that does not kill (or cannot be delivered). */
	fprintf(stderr, "exit-status: still alive after signal %d\n", sig);
	exit(122);
}

static void usage(void)
{
	fputs("usage: exit-status [--echo] [--exec-missing] [--stderr TEXT] "
	      "[--touch FILE] [--spin SECONDS] [--signal N | CODE]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--echo")) {
			echo_stdin();
			continue;
		}
		if (!strcmp(opt, "--exec-missing")) {
			exec_missing();
			continue;
		}
		if (i + 1 >= argc)
			usage();
		const char *arg = argv[++i];
		if (!strcmp(opt, "--stderr")) {
			fprintf(stderr, "%s\n", arg);
		} else if (!strcmp(opt, "--touch")) {
			FILE *f = fopen(arg, "w");
			if (!f) {
				perror(arg);
				return 123;
			}
			fclose(f);
		} else if (!strcmp(opt, "--spin")) {
			sink = spin_for(strtod(arg, NULL));
			printf("exit-status: spun\n");
		} else if (!strcmp(opt, "--signal")) {
			die_of(atoi(arg));
		} else {
			usage();
		}
	}
	if (i < argc - 1)
		usage();
	fflush(stdout);
	return i < argc ? atoi(argv[i]) : 0;
}
