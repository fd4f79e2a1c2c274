/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every report format works from, and the table of formats.  Each
 * format is one file (report-<name>.c) exporting one struct np_report_format;
 * adding one touches that file, the table in report.c, the man page and a
 * test.
 */
#ifndef NPROF_REPORT_H
#define NPROF_REPORT_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "intern.h"
#include "report-options.h"

struct np_profile;
struct np_stack;
struct np_symbols;

/*
 * A distinct symbolized stack: stacks of the same frames are one (the same
 * functions, inlined at the same places; with --lines, at the same lines
 * too).  Frames are leaf first; an address where code was inlined gives
 * several.  Its value is what the view measures: CPU samples, or bytes of
 * native memory (allocated, leaked, or in use at the chosen moment).
 */
struct np_report_stack {
	const uint32_t *sites;     /* np_symbols sites: with file and line
				      if the report has lines, else without */
	const uint32_t *functions; /* np_symbols function ids */
	uint32_t nframes;          /* at least 1 */
	uint64_t value;            /* samples, or bytes */
	double objects;            /* allocations the bytes stand for (CPU:
				      the samples) */
	uint64_t events;           /* records counted: 0 if it holds none */
	uint64_t peak;             /* --live: bytes in use at the peak */
	double peak_objects;
};

struct np_report {
	const struct np_profile *profile;
	const char *file;          /* as given on the command line */
	enum np_report_mode mode;  /* the view, never NP_REPORT_AUTO */
	bool lines;                /* --lines: frames told apart by line */
	struct np_symbols *symbols;
	struct np_intern stack_set;  /* site id arrays -> index in stacks */
	uint32_t *function_pool;     /* the stacks' functions, back to back */
	size_t function_pool_len, function_pool_cap;
	struct np_report_stack *stacks;
	size_t nstacks, stacks_cap;
	uint64_t value;            /* totals of the stacks */
	double objects;
	uint64_t events;
	size_t nthreads;           /* threads that have CPU samples */
	/* --live: the stack that held the most at the peak, or NULL. */
	const struct np_report_stack *peak_stack;
	/* By index in profile->stacks: the index in STACKS it was added to,
	 * or NP_REPORT_NO_STACK if the view or a filter left it out. */
	uint32_t *raw_stacks;
	/* --focus and --exclude; stacks they leave out are not in STACKS. */
	bool has_focus, has_exclude;
	regex_t focus, exclude;
	int8_t *matches;           /* by function id: 0 untried, 1 focus, 2
				      exclude, 3 both, 4 neither */
	size_t matches_cap;
	uint64_t left_out;         /* stacks --focus or --exclude left out */
	/* --diff: the base profile's report in the same view, or NULL. */
	const struct np_report *base;
};

#define NP_REPORT_NO_STACK UINT32_MAX

struct np_report_format {
	const char *name;
	const char *summary;       /* for --help */
	bool symbolize;            /* needs np_report_symbolize first */
	bool binary;               /* never written to a terminal */
	bool diff;                 /* shows --diff */
	bool live_only;            /* draws --live only (the default view) */
	/* Writes the report to OUT; 0, or -1 after a message. */
	int (*run)(const struct np_report *r,
		   const struct np_report_options *opts, FILE *out);
};

extern const struct np_report_format np_report_text;
extern const struct np_report_format np_report_tree;
extern const struct np_report_format np_report_collapsed;
extern const struct np_report_format np_report_flamegraph;
extern const struct np_report_format np_report_pprof;
extern const struct np_report_format np_report_timeline;
/* --header: the file's metadata (not a --format). */
extern const struct np_report_format np_report_header;

/* The formats --format takes, in the order --help lists them; NULL-ended. */
extern const struct np_report_format *const np_report_formats[];

/* The format called NAME, or NULL. */
const struct np_report_format *np_report_format_find(const char *name);

/* The view of a report without a view option: CPU if P has samples, else
 * allocations if it has any, else CPU. */
enum np_report_mode np_report_default_mode(const struct np_profile *p);

/* Starts a report in view MODE (NP_REPORT_AUTO: np_report_default_mode)
 * of P read from FILE (both must outlive it). */
void np_report_init(struct np_report *r, const struct np_profile *p,
		    const char *file, enum np_report_mode mode);
/*
 * Sets --focus and --exclude (either may be NULL) before symbolizing.
 * Returns 0, or -1 with a message (without "nprof: ") in ERR.
 */
int np_report_set_filters(struct np_report *r, const char *focus,
			  const char *exclude, char *err, size_t err_size);
/* Names every stack the view counts and merges those that name alike
 * (set r->lines first to tell lines apart). */
void np_report_symbolize(struct np_report *r);
/* What raw stack ST of the profile holds in the view. */
void np_report_stack_value(const struct np_report *r,
			   const struct np_stack *st,
			   struct np_report_stack *v);
/* The smallest value that is at least PERCENT of the view's total. */
uint64_t np_report_min_value(const struct np_report *r, double percent);
/* "# filtered: ..." when a filter left samples or stacks out. */
void np_report_print_filtered(const struct np_report *r, FILE *out);
void np_report_release(struct np_report *r);

/* Helpers shared by the formats for people to read. */

/*
 * Where frame site SITE is, for people: "file.c:12" (the base name of the
 * file), "file.c" without a line, or "" if not known; in BUF.
 */
const char *np_report_site_line(const struct np_report *r, uint32_t site,
				char *buf, size_t size);

/* Whether the view is of native memory (values are bytes). */
bool np_report_is_memory(const struct np_report *r);

/*
 * The first line: "# nprof report: cpu, N samples (X.XX s of CPU), T
 * threads, engine E", or for memory the view, its totals and the sampling
 * interval ("# nprof report: alloc, 1.5 MiB in 20 allocations, exact").
 */
void np_report_print_summary(const struct np_report *r, FILE *out);
/* "# warning: ..." lines: lost samples or allocation events, records
 * without a stack, and the warnings the agent recorded. */
void np_report_print_warnings(const struct np_report *r, FILE *out);
/* The line that says the view holds nothing ("# no CPU samples in ..."). */
void np_report_print_nothing(const struct np_report *r, FILE *out);
/* BYTES for people: "512 B", "1.5 KiB", "3.0 MiB", "2.1 GiB". */
void np_report_format_bytes(double bytes, char *buf, size_t size);
/* The native memory sampling interval: "exact", "sampled every 512.0 KiB"
 * or "interval unknown". */
void np_report_format_interval(const struct np_profile *p, char *buf,
			       size_t size);
/* Seconds from the start of the recording to CLOCK_MONOTONIC time NS. */
double np_report_seconds(const struct np_profile *p, uint64_t ns);
/* 100 * PART / WHOLE, 0 when WHOLE is 0. */
double np_report_percent(uint64_t part, uint64_t whole);
/* Whether weights are CPU nanoseconds (else events of the sample unit). */
bool np_report_weight_is_time(const struct np_profile *p);

#endif /* NPROF_REPORT_H */
