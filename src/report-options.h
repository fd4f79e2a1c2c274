/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line of `nprof report`, parsed without side effects. */
#ifndef NPROF_REPORT_OPTIONS_H
#define NPROF_REPORT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct np_report_format;

#define NP_REPORT_DEFAULT_FILE "samples.dat"
#define NP_REPORT_DEFAULT_TOP 20

/* What is reported on: the view. */
enum np_report_mode {
	NP_REPORT_AUTO = 0, /* CPU if the file has samples, else allocations */
	NP_REPORT_CPU,      /* CPU samples */
	NP_REPORT_ALLOC,    /* bytes allocated */
	NP_REPORT_LEAKS,    /* bytes not freed when the recording ended */
	NP_REPORT_LIVE,     /* bytes in use at a moment, and the peak */
};

struct np_report_options {
	enum np_report_mode mode;
	const struct np_report_format *format;
	bool header;          /* print the metadata instead of a profile */
	bool help;
	unsigned long top;    /* how many functions; 0: all */
	bool top_given;       /* --top was on the command line */
	uint64_t at_ns;       /* --at, in ns after the start */
	bool at_given;
	const char *at_arg;   /* --at as given, for messages */
	const char *file;
	const char *output;   /* -o: NULL for standard output */
	const char *diff;     /* --diff: the base profile, or NULL */
	bool lines;           /* --lines: frames told apart by source line */
	/* Filters: what the report keeps (np_profile_filter, np_report). */
	bool tid_given;
	uint32_t tid;         /* --tid */
	const char *thread;   /* --thread: a thread name, or NULL */
	uint64_t since_ns;    /* --since, in ns after the start; 0 if not */
	uint64_t until_ns;    /* --until; UINT64_MAX if not given */
	const char *focus;    /* --focus: a POSIX extended regex, or NULL */
	const char *exclude;  /* --exclude */
	double min_percent;   /* --min-percent; 0 if not given */
	bool min_percent_given;
};

/*
 * Parses the arguments of `nprof report` (ARGV[0] is "report"; options may
 * follow the file, "--" ends them).  Returns 0, or -1 with a one-line message
 * (without "nprof: ") in ERR.  Reorders ARGV as GNU getopt does.
 */
int np_report_options_parse(struct np_report_options *opts, int argc,
			    char **argv, char *err, size_t err_size);

/* The text of `nprof report --help`. */
void np_report_usage(FILE *out);

#endif /* NPROF_REPORT_OPTIONS_H */
