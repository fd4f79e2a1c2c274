/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: any bytes, read as samples.dat, through the whole
 * report pipeline (reader, aggregation, symbolization, every view and
 * format).  Nothing may crash, hang, leak or trip a sanitizer; errors are
 * fine.  Paths inside the input are data: they are only opened for reading.
 * Built and run by tests/fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"

/* The input, in memory: a file of a predictable name in a shared
 * directory could be a symlink planted there, and a killed run left it
 * behind. */
static char path[64];
static int input_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	input_fd = memfd_create("nprof-fuzz-input", MFD_CLOEXEC);
	if (input_fd < 0) {
		perror("fuzz-report: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", input_fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const views[][3] = {
		{ "--format=text", NULL }, { "--format=tree", NULL },
		{ "--format=collapsed", NULL }, { "--header", NULL },
		{ "--alloc", NULL }, { "--leaks", NULL },
		{ "--live", "--at=0.5" }, { "--format=pprof", NULL },
		{ "--format=flamegraph", NULL },
		{ "--format=timeline", "--alloc" },
		{ "--format=pprof", "--leaks" },
		{ "--focus=main", "--min-percent=1" },
	};

	if (ftruncate(input_fd, 0) != 0 ||
	    pwrite(input_fd, data, size, 0) != (ssize_t)size)
		return 0;
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		char *argv[5];
		int argc = 0;

		argv[argc++] = "report";
		argv[argc++] = views[i][0];
		if (views[i][1])
			argv[argc++] = views[i][1];
		argv[argc++] = path;
		argv[argc] = NULL;
		np_cmd_report(argc, argv);
	}
	/* The input against itself, through the comparison code. */
	for (int fmt = 0; fmt < 2; fmt++) {
		char *argv[] = { "report", "--diff", path,
				 fmt ? "--format=flamegraph" : "--format=text",
				 path, NULL };

		np_cmd_report(5, argv);
	}
	return 0;
}
