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
#include <unistd.h>

#include "commands.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/dev/shm/nprof-fuzz-%d.dat", (int)getpid());
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
	FILE *f = fopen(path, "wb");

	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
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
	unlink(path);
	return 0;
}
