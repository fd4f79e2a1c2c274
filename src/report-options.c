/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing `nprof report`'s options (see report-options.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report-options.h"
#include "report.h"

/* Long-only options get values outside the range of characters. */
enum {
	OPT_CPU = 256,
	OPT_ALLOC,
	OPT_LEAKS,
	OPT_LIVE,
	OPT_AT,
	OPT_FORMAT,
	OPT_HEADER,
	OPT_TOP,
	OPT_HELP,
	OPT_DIFF,
	OPT_TID,
	OPT_THREAD,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_FOCUS,
	OPT_EXCLUDE,
	OPT_MIN_PERCENT,
	OPT_LINES,
};

static const struct option long_options[] = {
	{ "cpu", no_argument, NULL, OPT_CPU },
	{ "alloc", no_argument, NULL, OPT_ALLOC },
	{ "leaks", no_argument, NULL, OPT_LEAKS },
	{ "live", no_argument, NULL, OPT_LIVE },
	{ "at", required_argument, NULL, OPT_AT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "header", no_argument, NULL, OPT_HEADER },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "output", required_argument, NULL, 'o' },
	{ "diff", required_argument, NULL, OPT_DIFF },
	{ "tid", required_argument, NULL, OPT_TID },
	{ "thread", required_argument, NULL, OPT_THREAD },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "focus", required_argument, NULL, OPT_FOCUS },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
	{ "lines", no_argument, NULL, OPT_LINES },
	{ NULL, 0, NULL, 0 },
};

/* The largest --top that makes sense; beyond it is surely a typo. */
#define TOP_MAX 1000000000ul

void np_report_usage(FILE *out)
{
	fputs("usage: nprof report [options] [FILE]\n\n"
	      "Symbolize a recorded profile (default: " NP_REPORT_DEFAULT_FILE
	      ") and print a report.\n\n"
	      "Views (one at a time; the default is --cpu if the file has CPU "
	      "samples,\n"
	      "else --alloc):\n"
	      "  --cpu              CPU samples by stack\n"
	      "  --alloc            bytes and allocations made, by stack\n"
	      "  --leaks            bytes allocated and not freed when the "
	      "recording ended\n"
	      "  --live             bytes in use at a moment (the end, or "
	      "--at), and the peak\n"
	      "  --at SECONDS       the moment for --live, in seconds after "
	      "the start\n\n"
	      "Options:\n"
	      "  --format=FORMAT    how to print the report:\n", out);
	for (size_t i = 0; np_report_formats[i]; i++)
		fprintf(out, "                       %-11s%s\n",
			np_report_formats[i]->name,
			np_report_formats[i]->summary);
	fputs("  -o, --output FILE  write the report to FILE (default: "
	      "standard output; a\n"
	      "                     binary format is never written to a "
	      "terminal)\n"
	      "  --top N            show the N hottest functions (default "
	      "20; 0: all); in a\n"
	      "                     tree, the N hottest callees of each "
	      "function (default:\n"
	      "                     those with 0.5% or more)\n"
	      "  --diff BASE        compare with the profile BASE (same "
	      "view): text and\n"
	      "                     flamegraph show what grew and what "
	      "shrank\n"
	      "  --lines            tell frames apart by source line and "
	      "show it (tree,\n"
	      "                     collapsed, flamegraph); text always shows "
	      "lines\n"
	      "  --header           print the file's metadata instead of a "
	      "profile\n"
	      "  -h, --help         show this help\n\n"
	      "Filters (every format):\n"
	      "  --tid TID          only what thread TID did\n"
	      "  --thread NAME      only what threads named NAME did\n"
	      "  --since SECONDS    only samples and allocations after "
	      "SECONDS from the start\n"
	      "  --until SECONDS    only those up to SECONDS from the "
	      "start\n"
	      "  --focus REGEX      only stacks with a function that "
	      "matches REGEX\n"
	      "  --exclude REGEX    leave out stacks with a function that "
	      "matches REGEX\n"
	      "  --min-percent P    leave out what holds less than P% of "
	      "the total\n", out);
}

NP_PRINTF(3, 4)
static int fail(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *option_name(int val)
{
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

/* The views' option names, by mode. */
static const char *const view_names[] = {
	[NP_REPORT_CPU] = "--cpu",
	[NP_REPORT_ALLOC] = "--alloc",
	[NP_REPORT_LEAKS] = "--leaks",
	[NP_REPORT_LIVE] = "--live",
};

/*
 * Seconds as plain decimal digits with an optional fraction ("2", "0.25"):
 * no sign, exponent, hex or "inf".  Beyond the range of a u64 of ns is
 * beyond any recording: UINT64_MAX - 1 (UINT64_MAX means the end).
 */
static int parse_at(const char *arg, uint64_t *ns)
{
	size_t digits = strspn(arg, "0123456789");
	double secs;

	if (arg[digits] == '.')
		digits += 1 + strspn(arg + digits + 1, "0123456789");
	if (!digits || arg[digits] || !strcmp(arg, "."))
		return -1;
	secs = strtod(arg, NULL);
	if (secs * 1e9 >= 18e18)
		*ns = UINT64_MAX - 1;
	else
		*ns = (uint64_t)(secs * 1e9 + 0.5);
	return 0;
}

/* A percentage, 0 to 100, as plain decimal digits. */
static int parse_percent(const char *arg, double *percent)
{
	uint64_t hundredths;

	/* The same grammar as --at; "seconds" in billionths serve as well. */
	if (parse_at(arg, &hundredths) < 0 || hundredths > 100000000000ull)
		return -1;
	*percent = (double)hundredths / 1e9;
	return 0;
}

static int parse_tid(const char *arg, uint32_t *tid)
{
	unsigned long v;
	char *end;

	if (arg[0] < '1' || arg[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*tid = (uint32_t)v;
	return 0;
}

/* "text, tree, ... or pprof": the formats --format takes. */
static void format_names(char *buf, size_t size)
{
	size_t n = 0, len = 0;

	while (np_report_formats[n])
		n++;
	buf[0] = 0;
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i == 0	       ? ""
					: i + 1 == n ? " or "
						       : ", ",
					np_report_formats[i]->name);
}

static int parse_top(const char *arg, unsigned long *top)
{
	char *end;

	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	*top = strtoul(arg, &end, 10);
	if (errno || *end || *top > TOP_MAX)
		return -1;
	return 0;
}

int np_report_options_parse(struct np_report_options *opts, int argc,
			    char **argv, char *err, size_t err_size)
{
	int c;

	*opts = (struct np_report_options){
		.mode = NP_REPORT_AUTO,
		.format = &np_report_text,
		.top = NP_REPORT_DEFAULT_TOP,
		.file = NP_REPORT_DEFAULT_FILE,
		.until_ns = UINT64_MAX,
	};
	/* 0 makes GNU getopt start over, so that parsing can run twice. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", long_options, NULL)) != -1) {
		enum np_report_mode mode = NP_REPORT_AUTO;

		switch (c) {
		case OPT_CPU:
			mode = NP_REPORT_CPU;
			break;
		case OPT_ALLOC:
			mode = NP_REPORT_ALLOC;
			break;
		case OPT_LEAKS:
			mode = NP_REPORT_LEAKS;
			break;
		case OPT_LIVE:
			mode = NP_REPORT_LIVE;
			break;
		case OPT_AT:
			if (parse_at(optarg, &opts->at_ns) < 0)
				return fail(err, err_size,
					    "invalid --at '%s' (give the "
					    "seconds after the start of the "
					    "recording, like 2.5)", optarg);
			opts->at_given = true;
			opts->at_arg = optarg;
			break;
		case OPT_FORMAT:
			opts->format = np_report_format_find(optarg);
			if (!opts->format) {
				char names[256];

				format_names(names, sizeof(names));
				return fail(err, err_size,
					    "unknown format '%s' (choose %s)",
					    optarg, names);
			}
			break;
		case 'o':
			opts->output = optarg;
			break;
		case OPT_DIFF:
			opts->diff = optarg;
			break;
		case OPT_TID:
			if (parse_tid(optarg, &opts->tid) < 0)
				return fail(err, err_size,
					    "invalid --tid '%s' (give a thread "
					    "id, like 1234)", optarg);
			opts->tid_given = true;
			break;
		case OPT_THREAD:
			opts->thread = optarg;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_at(optarg, c == OPT_SINCE ? &opts->since_ns
							    : &opts->until_ns) < 0)
				return fail(err, err_size,
					    "invalid --%s '%s' (give the "
					    "seconds after the start of the "
					    "recording, like 2.5)",
					    option_name(c), optarg);
			break;
		case OPT_FOCUS:
			opts->focus = optarg;
			break;
		case OPT_EXCLUDE:
			opts->exclude = optarg;
			break;
		case OPT_MIN_PERCENT:
			if (parse_percent(optarg, &opts->min_percent) < 0)
				return fail(err, err_size,
					    "invalid --min-percent '%s' (give "
					    "a percentage from 0 to 100, like "
					    "0.5)", optarg);
			opts->min_percent_given = true;
			break;
		case OPT_HEADER:
			opts->header = true;
			break;
		case OPT_LINES:
			opts->lines = true;
			break;
		case OPT_TOP:
			if (parse_top(optarg, &opts->top) < 0)
				return fail(err, err_size,
					    "invalid --top '%s' (give a number "
					    "of functions, 0 for all)", optarg);
			opts->top_given = true;
			break;
		case 'h':
		case OPT_HELP:
			opts->help = true;
			return 0;
		case ':':
			return fail(err, err_size,
				    "option '--%s' needs a value (try 'nprof "
				    "report --help')", option_name(optopt));
		default:
			/* A long option given a value it does not take. */
			if (optopt >= 256)
				return fail(err, err_size,
					    "option '--%s' takes no value",
					    option_name(optopt));
			if (optopt)
				return fail(err, err_size,
					    "unknown option '-%c' (try 'nprof "
					    "report --help')", optopt);
			return fail(err, err_size,
				    "unknown option '%s' (try 'nprof report "
				    "--help')", argv[optind - 1]);
		}
		if (mode == NP_REPORT_AUTO)
			continue;
		if (opts->mode != NP_REPORT_AUTO && opts->mode != mode)
			return fail(err, err_size,
				    "'%s' and '%s' are two views: choose one",
				    view_names[opts->mode], view_names[mode]);
		opts->mode = mode;
	}
	if (opts->at_given && opts->mode == NP_REPORT_AUTO)
		opts->mode = NP_REPORT_LIVE;
	if (opts->at_given && opts->mode != NP_REPORT_LIVE)
		return fail(err, err_size,
			    "'--at' is a moment for '--live', not for '%s'",
			    view_names[opts->mode]);
	if (opts->tid_given && opts->thread)
		return fail(err, err_size,
			    "'--tid' and '--thread' both choose threads: give "
			    "one");
	if (opts->since_ns > opts->until_ns)
		return fail(err, err_size,
			    "'--since' is after '--until': nothing is between "
			    "them");
	if (optind < argc)
		opts->file = argv[optind++];
	if (optind < argc)
		return fail(err, err_size,
			    "too many arguments: '%s' after '%s' (report reads "
			    "one file)", argv[optind], opts->file);
	return 0;
}
