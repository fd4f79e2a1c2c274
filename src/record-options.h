/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line of `nprof record`, parsed without side effects so that
 * the unit tests can drive it. */
#ifndef NPROF_RECORD_OPTIONS_H
#define NPROF_RECORD_OPTIONS_H

#include <stddef.h>

#include "session.h"

struct np_record_opts {
	struct np_session session; /* engine, period, duration, ... */
	const char *output;        /* -o, default "samples.dat" */
	int quiet;                 /* -q: no status line */
	int verbose;               /* -v */
	char **cmd;                /* the command and its arguments */
	int cmd_argc;
};

enum {
	NP_OPTS_OK = 0,
	NP_OPTS_HELP = 1,   /* --help was asked: print usage, exit 0 */
	NP_OPTS_ERROR = -1, /* ERR holds the message (without "nprof: ") */
};

/* Parses ARGV (ARGV[0] is "record"); returns NP_OPTS_*. */
int np_record_opts_parse(int argc, char **argv, struct np_record_opts *o,
			 char *err, size_t errlen);

/* The --help text of `nprof record`. */
extern const char np_record_usage[];

#endif /* NPROF_RECORD_OPTIONS_H */
