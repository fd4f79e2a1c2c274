/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nprof report`: read samples.dat, symbolize, print one report format. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "error.h"
#include "profile.h"
#include "reader.h"
#include "report-options.h"
#include "report.h"

/* Warns when --at is after the end of the recording: the end is used. */
static void check_at(const struct np_profile *p,
		     const struct np_report_options *opts)
{
	uint64_t start, end = p->has_end ? p->end.time_ns : p->last_ns;

	if (!opts->at_given || p->mem.at_taken ||
	    !np_memprofile_start(p, &start) || end < start ||
	    opts->at_ns <= end - start)
		return;
	if (p->has_end)
		np_warn("--at %s is after the end of the recording (%.3f s): "
			"showing the end", opts->at_arg,
			(double)(end - start) / 1e9);
	else
		np_warn("--at %s is after the last record of the cut-short "
			"file (%.3f s): showing what was in use there",
			opts->at_arg, (double)(end - start) / 1e9);
}

/* Reads FILE into P; 0, or -1 after a message. */
static int load(struct np_profile *p, const char *file)
{
	struct np_reader *r;
	int rc = np_reader_open(&r, file);

	if (rc == 0)
		rc = np_profile_read(p, r);
	if (rc < 0) {
		np_error("%s", np_reader_errmsg(r));
		np_reader_close(r);
		return -1;
	}
	np_reader_close(r);
	if (p->cut_short)
		np_warn("'%s' is cut short after %" PRIu64 " records (the "
			"recording did not finish)", file, p->records);
	return 0;
}

int np_cmd_report(int argc, char **argv)
{
	struct np_report_options opts;
	const struct np_report_format *format;
	struct np_profile profile;
	struct np_report report;
	char err[512];
	int rc;

	if (np_report_options_parse(&opts, argc, argv, err, sizeof(err)) < 0)
		np_die_usage("%s", err);
	if (opts.help) {
		np_report_usage(stdout);
		return 0;
	}
	format = opts.header ? &np_report_header : opts.format;

	np_profile_init(&profile);
	if (opts.at_given)
		profile.mem.at_ns = opts.at_ns;
	if (load(&profile, opts.file) < 0) {
		np_profile_release(&profile);
		return NP_EXIT_FAILURE;
	}
	np_report_init(&report, &profile, opts.file, opts.mode);
	if (!opts.header && report.mode == NP_REPORT_LIVE)
		check_at(&profile, &opts);
	if (format->symbolize)
		np_report_symbolize(&report);
	rc = format->run(&report, &opts, stdout);
	np_report_release(&report);
	np_profile_release(&profile);
	if (fflush(stdout) || ferror(stdout))
		rc = np_error("cannot write the report: %s", strerror(errno));
	return rc < 0 ? NP_EXIT_FAILURE : 0;
}
