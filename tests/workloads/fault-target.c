/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault-target [--progress FILE] [--done FILE] [--until FILE] [--fork]
 *              [--exit CODE] SECONDS
 *
 * The program of the tests/run-fault-*.sh scripts, which hurt nprof record
 * while it runs and check that the program did not notice.  For SECONDS of
 * wall time, or until the --until file exists, it allocates small blocks
 * through a pointer to malloc stored in its data (a relocation the agent
 * patches), fills and checks each one.
 * Every 100 ms it appends "MS ROUNDS" to the progress file (after a first
 * line "pid PID"), so a test can see it go on while nprof is stopped or
 * gone.  With --fork, halfway through, a child does allocation rounds of
 * its own and exits.  At the end it writes what it saw to the done file
 * (renamed into place, so that the file is whole once it exists), prints
 * the same on stdout, and exits CODE (default 0).  Lines:
 *   rounds N       rounds done, every block's data as written
 *   restored 0|1   the stored pointer leads to malloc again
 *   child S|none   the forked child's exit status
 *   exit CODE
 * The forked child prints "child rounds N slot real|hook" on stdout and
 * exits 0, or 3 if a block did not hold its data.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 64

void *(*fault_alloc)(size_t) = malloc;

int work_round(unsigned int seed);
int child_round(unsigned int seed);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills BLOCKS blocks of 16 to 271 bytes, checks and frees them; -1 if one
 * did not hold its data.  Two copies, so that the report can tell the
 * parent's allocations from the child's by their caller. */
#define ROUND_BODY                                                          \
	unsigned char *b[BLOCKS];                                           \
	size_t size[BLOCKS];                                                \
	int bad = 0;                                                        \
	for (int i = 0; i < BLOCKS; i++) {                                  \
		size[i] = 16 + (seed * 2654435761u + (unsigned)i * 40503u) % 256; \
		b[i] = fault_alloc(size[i]);                                \
		if (!b[i])                                                  \
			return -1;                                          \
		memset(b[i], (int)(i + seed) & 0xff, size[i]);              \
	}                                                                   \
	for (int i = 0; i < BLOCKS; i++) {                                  \
		if (b[i][0] != ((i + seed) & 0xff) ||                       \
		    b[i][size[i] - 1] != ((i + seed) & 0xff))               \
			bad = 1;                                            \
		free(b[i]);                                                 \
	}                                                                   \
	return bad ? -1 : 0;

__attribute__((noinline)) int work_round(unsigned int seed)
{
	ROUND_BODY
}

__attribute__((noinline)) int child_round(unsigned int seed)
{
	ROUND_BODY
}

/* The forked child: allocation rounds through the stored pointer, which
 * the agent left patched or not; either way it must reach an allocator. */
static void child_main(void *real)
{
	unsigned int n;

	for (n = 0; n < 20000; n++)
		if (child_round(n) != 0) {
			printf("child rounds %u: a block lost its data\n", n);
			fflush(stdout);
			_exit(3);
		}
	printf("child rounds %u slot %s\n", n,
	       (void *)fault_alloc == real ? "real" : "hook");
	fflush(stdout);
	_exit(0);
}

static void append(int fd, const char *text)
{
	if (fd >= 0 && write(fd, text, strlen(text)) < 0)
		perror("fault-target: progress");
}

static void usage(void)
{
	fputs("usage: fault-target [--progress FILE] [--done FILE] "
	      "[--until FILE] [--fork] [--exit CODE] SECONDS\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *progress = NULL, *done = NULL, *until = NULL;
	int do_fork = 0, code = 0, progress_fd = -1, i;
	int child_status = -1;
	unsigned int rounds = 0;
	double seconds, start, next_note;
	void *real = dlsym(RTLD_DEFAULT, "malloc");
	char line[256];

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--fork"))
			do_fork = 1;
		else if (i + 1 >= argc)
			usage();
		else if (!strcmp(argv[i], "--progress"))
			progress = argv[++i];
		else if (!strcmp(argv[i], "--done"))
			done = argv[++i];
		else if (!strcmp(argv[i], "--until"))
			until = argv[++i];
		else if (!strcmp(argv[i], "--exit"))
			code = atoi(argv[++i]);
		else
			usage();
	}
	if (i != argc - 1)
		usage();
	seconds = atof(argv[i]);
	if (progress) {
		progress_fd = open(progress, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (progress_fd < 0) {
			perror(progress);
			return 2;
		}
		snprintf(line, sizeof(line), "pid %d\n", (int)getpid());
		append(progress_fd, line);
	}

	start = now();
	next_note = start;
	while (now() - start < seconds) {
		if (work_round(rounds) != 0) {
			printf("fault-target: a block lost its data in round %u\n",
			       rounds);
			return 1;
		}
		rounds++;
		if (now() >= next_note) {
			snprintf(line, sizeof(line), "%.0f %u\n",
				 (now() - start) * 1000, rounds);
			append(progress_fd, line);
			next_note += 0.1;
			if (until && access(until, F_OK) == 0)
				break;
		}
		if (do_fork && child_status < 0 && now() - start > seconds / 2) {
			pid_t pid;

			fflush(stdout);
			pid = fork();
			if (pid == 0)
				child_main(real);
			if (pid < 0 || waitpid(pid, &child_status, 0) != pid) {
				perror("fault-target: fork");
				return 1;
			}
			child_status = WIFEXITED(child_status)
					       ? WEXITSTATUS(child_status)
					       : 128 + WTERMSIG(child_status);
		}
	}

	snprintf(line, sizeof(line), "rounds %u\nrestored %d\n", rounds,
		 (void *)fault_alloc == real);
	if (child_status >= 0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "child %d\n", child_status);
	else
		strcat(line, "child none\n");
	snprintf(line + strlen(line), sizeof(line) - strlen(line),
		 "exit %d\n", code);
	fputs(line, stdout);
	fflush(stdout);
	if (done) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", done);
		f = fopen(tmp, "w");
		if (!f || fputs(line, f) < 0 || fclose(f) != 0 ||
		    rename(tmp, done) != 0) {
			perror(done);
			return 2;
		}
	}
	return code;
}
