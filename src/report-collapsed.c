/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The collapsed-stacks format (see report-collapsed.h). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report-collapsed.h"
#include "report-options.h"
#include "report.h"
#include "symbols.h"
#include "xalloc.h"

struct line {
	char *stack;
	uint64_t value;
};

void np_collapsed_put_name(FILE *out, const char *name)
{
	for (const char *p = name; *p; p++) {
		switch (*p) {
		case ';':
			fputc(':', out);
			break;
		case '\n':
		case '\r':
			fputc(' ', out);
			break;
		default:
			fputc(*p, out);
		}
	}
}

static char *stack_text(const struct np_report *r,
			const struct np_report_stack *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		np_die("out of memory");
	for (uint32_t i = st->nframes; i-- > 0;) {
		char where[4200];

		np_collapsed_put_name(f, np_symbols_name(r->symbols,
							 st->functions[i]));
		/* --lines: "name [file.c:12]". */
		if (r->lines && np_report_site_line(r, st->sites[i], where,
						    sizeof(where))[0]) {
			fputs(" [", f);
			np_collapsed_put_name(f, where);
			fputc(']', f);
		}
		if (i)
			fputc(';', f);
	}
	if (fclose(f))
		np_die("out of memory");
	return text;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->stack,
		      ((const struct line *)b)->stack);
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	struct line *lines = np_xcalloc(r->nstacks + 1, sizeof(*lines));
	uint64_t min = opts->min_percent_given
			       ? np_report_min_value(r, opts->min_percent)
			       : 0;
	size_t n = 0;

	/* A count of 0 (0-byte blocks, memory held only at the peak) would
	 * be a line flamegraph.pl cannot draw. */
	for (size_t i = 0; i < r->nstacks; i++) {
		if (!r->stacks[i].value || r->stacks[i].value < min)
			continue;
		lines[n].stack = stack_text(r, &r->stacks[i]);
		lines[n++].value = r->stacks[i].value;
	}
	qsort(lines, n, sizeof(*lines), compare_lines);
	for (size_t i = 0; i < n;) {
		uint64_t value = lines[i].value;
		size_t j = i + 1;

		/* Functions of the same name in different modules, or names
		 * that only differed in a ';', print alike: one line. */
		while (j < n && !strcmp(lines[j].stack, lines[i].stack))
			value += lines[j++].value;
		fprintf(out, "%s %" PRIu64 "\n", lines[i].stack, value);
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
	return 0;
}

const struct np_report_format np_report_collapsed = {
	.name = "collapsed",
	.summary = "a line per stack (flamegraph.pl, speedscope)",
	.symbolize = true,
	.run = run,
};
