/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nprof: main() and the table of subcommands. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "error.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "record", np_cmd_record, "start a command with the agent and record a profile" },
	{ "attach", np_cmd_attach, "load the agent into a running process and record a profile" },
	{ "report", np_cmd_report, "symbolize a recorded profile and print a report" },
};

static void usage(FILE *out)
{
	fputs("usage: nprof <command> [options] [args]\n\n"
	      "A native CPU and memory profiler for Linux processes.\n\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n\n"
	      "'nprof <command> --help' describes a command's options.\n", out);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	if (!name) {
		usage(stderr);
		return NP_EXIT_USAGE;
	}
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("nprof %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	np_die_usage("unknown command '%s' (try 'nprof --help')", name);
}
