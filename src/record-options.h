/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command lines of `nprof record` and `nprof attach` (the same options
 * but for what is profiled), parsed without side effects so that the unit
 * tests can drive them. */
#ifndef NPROF_RECORD_OPTIONS_H
#define NPROF_RECORD_OPTIONS_H

#include <stddef.h>

#include "session.h"

struct np_record_opts {
	struct np_session session; /* engine, period, duration, ... */
	const char *output;        /* -o, default "samples.dat" */
	int quiet;                 /* -q: no status line */
	int verbose;               /* -v */
	char **cmd;                /* record: the command and its arguments */
	int cmd_argc;
	int pid;                   /* attach: the process */
};

enum {
	NP_OPTS_OK = 0,
	NP_OPTS_HELP = 1,   /* --help was asked: print usage, exit 0 */
	NP_OPTS_ERROR = -1, /* ERR holds the message (without "nprof: ") */
};

/* Parses ARGV (ARGV[0] is "record"); returns NP_OPTS_*. */
int np_record_opts_parse(int argc, char **argv, struct np_record_opts *o,
			 char *err, size_t errlen);

/* Parses ARGV (ARGV[0] is "attach"); returns NP_OPTS_*. */
int np_attach_opts_parse(int argc, char **argv, struct np_record_opts *o,
			 char *err, size_t errlen);

/* The --help texts of `nprof record` and `nprof attach`. */
extern const char np_record_usage[];
extern const char np_attach_usage[];

#endif /* NPROF_RECORD_OPTIONS_H */
