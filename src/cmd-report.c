/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nprof report`: read samples.dat, symbolize, print one report format. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "profile.h"
#include "reader.h"
#include "report-options.h"
#include "report.h"
#include "xalloc.h"

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

/* The threads of FILE named NAME, for --thread: THREAD records may come
 * after a thread's first samples, so the names are read first.  Returns how
 * many, or -1 after a message. */
static int thread_tids(const char *file, const char *name, uint32_t **tids)
{
	struct np_reader *r;
	struct np_record rec;
	size_t n = 0, cap = 0;
	int rc = np_reader_open(&r, file);

	*tids = NULL;
	while (rc == 0 && (rc = np_reader_next(r, &rec)) > 0) {
		rc = 0;
		const struct np_rec_thread *t = &rec.u.thread;
		size_t i = 0;

		if (rec.type != NP_REC_THREAD || t->name_len != strlen(name) ||
		    memcmp(t->name, name, t->name_len))
			continue;
		while (i < n && (*tids)[i] != t->tid)
			i++;
		if (i < n)
			continue;
		np_xgrow(tids, n, &cap, sizeof(**tids));
		(*tids)[n++] = t->tid;
	}
	if (rc < 0) {
		np_error("%s", np_reader_errmsg(r));
		np_reader_close(r);
		free(*tids);
		return -1;
	}
	np_reader_close(r);
	if (!n) {
		free(*tids);
		return np_error("no thread named '%s' in '%s' (nprof report "
				"--format=text lists the threads)", name, file);
	}
	return (int)n;
}

/* Reads FILE into P with the filters of OPTS; 0, or -1 after a message. */
static int load(struct np_profile *p, const char *file,
		const struct np_report_options *opts, uint32_t **tids)
{
	struct np_reader *r;
	int rc;

	if (opts->at_given)
		p->mem.at_ns = opts->at_ns;
	p->filter.since_ns = opts->since_ns;
	p->filter.until_ns = opts->until_ns;
	if (opts->thread) {
		rc = thread_tids(file, opts->thread, tids);
		if (rc < 0)
			return -1;
		p->filter.tids = *tids;
		p->filter.ntids = (size_t)rc;
	} else if (opts->tid_given) {
		p->filter.tids = &opts->tid;
		p->filter.ntids = 1;
	}
	rc = np_reader_open(&r, file);
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

/* The view: a format of --live only makes it the default. */
static int choose_view(const struct np_report_format *format,
		       const struct np_report_options *opts,
		       enum np_report_mode *mode)
{
	*mode = opts->mode;
	if (!format->live_only || opts->header)
		return 0;
	if (opts->mode == NP_REPORT_AUTO)
		*mode = NP_REPORT_LIVE;
	if (*mode != NP_REPORT_LIVE)
		return np_error("--format=%s draws native memory in use over "
				"time: use it with --live (or no view)",
				format->name);
	return 0;
}

/* Where the report goes: standard output, or -o FILE. */
static FILE *open_output(const struct np_report_format *format,
			 const struct np_report_options *opts)
{
	FILE *out;

	if (!opts->output) {
		if (format->binary && isatty(STDOUT_FILENO)) {
			np_error("--format=%s is binary: not writing it to a "
				 "terminal (use -o FILE, or redirect the "
				 "output)", format->name);
			return NULL;
		}
		return stdout;
	}
	out = fopen(opts->output, format->binary ? "wb" : "w");
	if (!out)
		np_error("cannot write '%s': %s", opts->output,
			 strerror(errno));
	return out;
}

/* Reads, filters and symbolizes FILE into R (and P); 0, or -1. */
static int prepare(struct np_report *r, struct np_profile *p,
		   const char *file, enum np_report_mode mode,
		   const struct np_report_format *format,
		   const struct np_report_options *opts, uint32_t **tids)
{
	char err[512];

	np_profile_init(p);
	if (load(p, file, opts, tids) < 0)
		return -1;
	np_report_init(r, p, file, mode);
	r->lines = opts->lines;
	if (np_report_set_filters(r, opts->focus, opts->exclude, err,
				  sizeof(err)) < 0)
		return np_error("%s", err);
	if (format->symbolize)
		np_report_symbolize(r);
	return 0;
}

int np_cmd_report(int argc, char **argv)
{
	struct np_report_options opts;
	const struct np_report_format *format;
	struct np_profile profile, base_profile;
	struct np_report report, base;
	enum np_report_mode mode;
	uint32_t *tids = NULL, *base_tids = NULL;
	bool have_base = false;
	FILE *out = NULL;
	char err[512];
	int rc = -1;

	if (np_report_options_parse(&opts, argc, argv, err, sizeof(err)) < 0)
		np_die_usage("%s", err);
	if (opts.help) {
		np_report_usage(stdout);
		return 0;
	}
	format = opts.header ? &np_report_header : opts.format;
	if (opts.diff && !format->diff)
		np_die_usage("--diff shows in --format=text and "
			     "--format=flamegraph, not in --format=%s",
			     format->name);
	if (choose_view(format, &opts, &mode) < 0)
		return NP_EXIT_FAILURE;

	memset(&report, 0, sizeof(report));
	memset(&base, 0, sizeof(base));
	np_profile_init(&base_profile);
	if (prepare(&report, &profile, opts.file, mode, format, &opts,
		    &tids) < 0)
		goto out;
	if (!opts.header && report.mode == NP_REPORT_LIVE)
		check_at(&profile, &opts);
	if (opts.diff) {
		np_profile_release(&base_profile);
		have_base = true;
		if (prepare(&base, &base_profile, opts.diff, report.mode,
			    format, &opts, &base_tids) < 0)
			goto out;
		report.base = &base;
	}
	out = open_output(format, &opts);
	if (!out)
		goto out;
	rc = format->run(&report, &opts, out);
	if (fflush(out) || ferror(out))
		rc = np_error("cannot write the report%s%s%s: %s",
			      opts.output ? " to '" : "",
			      opts.output ? opts.output : "",
			      opts.output ? "'" : "", strerror(errno));
	if (out != stdout && fclose(out) && rc == 0)
		rc = np_error("cannot write '%s': %s", opts.output,
			      strerror(errno));
out:
	if (have_base)
		np_report_release(&base);
	np_report_release(&report);
	np_profile_release(&base_profile);
	np_profile_release(&profile);
	free(tids);
	free(base_tids);
	return rc < 0 ? NP_EXIT_FAILURE : 0;
}
