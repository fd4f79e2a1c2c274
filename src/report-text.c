/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default report: the hottest functions by self samples (or bytes),
 * then the hottest stacks; for --live, also the stack that held the most at
 * the peak.  "total" counts a function once per stack, however often
 * recursion puts it there.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "report-options.h"
#include "report.h"
#include "symbols.h"
#include "xalloc.h"

#define HOT_STACKS 5
/* Longer names push the module column right rather than widen it for all. */
#define NAME_WIDTH_MAX 60

struct row {
	uint32_t function;
	uint64_t self;
	uint64_t total;
	double self_objects;
	double total_objects;
	uint64_t events;    /* under it: 0 if it holds nothing */
};

/* Used by the comparisons, which qsort cannot pass a context to. */
static const struct np_symbols *sort_symbols;

static int compare_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(np_symbols_name(sort_symbols, x->function),
		      np_symbols_name(sort_symbols, y->function));
}

/* Self and total values of every function that holds any, hottest first. */
static struct row *function_rows(const struct np_report *r, size_t *nrows)
{
	size_t nfuncs = np_symbols_count(r->symbols);
	struct row *rows = np_xcalloc(nfuncs, sizeof(*rows));
	size_t *last = np_xcalloc(nfuncs, sizeof(*last));
	size_t n = 0;

	for (size_t i = 0; i < nfuncs; i++)
		rows[i].function = (uint32_t)i;
	for (size_t s = 0; s < r->nstacks; s++) {
		const struct np_report_stack *st = &r->stacks[s];

		rows[st->functions[0]].self += st->value;
		rows[st->functions[0]].self_objects += st->objects;
		for (uint32_t f = 0; f < st->nframes; f++) {
			uint32_t fn = st->functions[f];

			/* Once per stack: LAST holds the stack that last
			 * counted FN, plus one. */
			if (last[fn] == s + 1)
				continue;
			last[fn] = s + 1;
			rows[fn].total += st->value;
			rows[fn].total_objects += st->objects;
			rows[fn].events += st->events;
		}
	}
	free(last);
	for (size_t i = 0; i < nfuncs; i++)
		if (rows[i].events)
			rows[n++] = rows[i];
	sort_symbols = r->symbols;
	qsort(rows, n, sizeof(*rows), compare_rows);
	*nrows = n;
	return rows;
}

static int count_width(uint64_t v)
{
	int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w < 5 ? 5 : w;
}

/* An estimated number of allocations, rounded. */
static uint64_t rounded(double objects)
{
	return objects < 0.5 ? 0 : (uint64_t)(objects + 0.5);
}

static void print_name(const struct np_report *r, const struct row *row,
		       int nw, FILE *out)
{
	const char *module = np_symbols_module(r->symbols, row->function);

	/* No padding after a name that has no module beside it. */
	if (module[0])
		fprintf(out, "%-*s  %s\n", nw,
			np_symbols_name(r->symbols, row->function), module);
	else
		fprintf(out, "%s\n", np_symbols_name(r->symbols, row->function));
}

/* CPU: "self% self total% total function module", in samples. */
static void print_cpu_rows(const struct np_report *r, const struct row *rows,
			   size_t shown, int nw, FILE *out)
{
	int cw = count_width(r->value);

	fprintf(out, "\n%8s %*s %8s %*s  %-*s  %s\n", "self%", cw, "self",
		"total%", cw, "total", nw, "function", "module");
	for (size_t i = 0; i < shown; i++) {
		const struct row *row = &rows[i];

		fprintf(out, "%7.2f%% %*" PRIu64 " %7.2f%% %*" PRIu64 "  ",
			np_report_percent(row->self, r->value), cw, row->self,
			np_report_percent(row->total, r->value), cw,
			row->total);
		print_name(r, row, nw, out);
	}
}

/* Memory: the same in bytes, each with its count of allocations. */
static void print_memory_rows(const struct np_report *r,
			      const struct row *rows, size_t shown, int nw,
			      FILE *out)
{
	char self[32], total[32];
	int bw = (int)strlen("total"), ow = count_width(rounded(r->objects));

	for (size_t i = 0; i < shown; i++) {
		np_report_format_bytes((double)rows[i].self, self, sizeof(self));
		np_report_format_bytes((double)rows[i].total, total,
				       sizeof(total));
		if ((int)strlen(self) > bw)
			bw = (int)strlen(self);
		if ((int)strlen(total) > bw)
			bw = (int)strlen(total);
	}
	if (ow < 6)
		ow = 6;
	fprintf(out, "\n%8s %*s %*s %8s %*s %*s  %-*s  %s\n", "self%", bw,
		"self", ow, "allocs", "total%", bw, "total", ow, "allocs", nw,
		"function", "module");
	for (size_t i = 0; i < shown; i++) {
		const struct row *row = &rows[i];

		np_report_format_bytes((double)row->self, self, sizeof(self));
		np_report_format_bytes((double)row->total, total,
				       sizeof(total));
		fprintf(out,
			"%7.2f%% %*s %*" PRIu64 " %7.2f%% %*s %*" PRIu64 "  ",
			np_report_percent(row->self, r->value), bw, self, ow,
			rounded(row->self_objects),
			np_report_percent(row->total, r->value), bw, total, ow,
			rounded(row->total_objects));
		print_name(r, row, nw, out);
	}
}

static void print_functions(const struct np_report *r,
			    const struct np_report_options *opts, FILE *out)
{
	size_t nrows, shown;
	struct row *rows = function_rows(r, &nrows);
	int nw = (int)strlen("function");

	shown = opts->top && opts->top < nrows ? opts->top : nrows;
	for (size_t i = 0; i < shown; i++) {
		int len = (int)strlen(np_symbols_name(r->symbols,
						      rows[i].function));
		if (len > nw)
			nw = len > NAME_WIDTH_MAX ? NAME_WIDTH_MAX : len;
	}
	if (np_report_is_memory(r))
		print_memory_rows(r, rows, shown, nw, out);
	else
		print_cpu_rows(r, rows, shown, nw, out);
	if (shown < nrows)
		fprintf(out, "# %zu more function%s (--top 0 shows all)\n",
			nrows - shown, nrows - shown == 1 ? "" : "s");
	free(rows);
}

static int compare_stacks(const void *a, const void *b)
{
	const struct np_report_stack *x =
	    *(const struct np_report_stack *const *)a;
	const struct np_report_stack *y =
	    *(const struct np_report_stack *const *)b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	if (x->objects != y->objects)
		return x->objects > y->objects ? -1 : 1;
	/* The same array: the one symbolized first comes first. */
	return x < y ? -1 : x > y;
}

static void print_frame(const struct np_report *r, uint32_t fn, FILE *out)
{
	const char *name = np_symbols_name(r->symbols, fn);
	const char *module = np_symbols_module(r->symbols, fn);

	/* Made-up names ("[libc.so.6+0x1234]") already say where they are. */
	if (name[0] == '[' || !module[0])
		fprintf(out, "    %s\n", name);
	else
		fprintf(out, "    %s (%s)\n", name, module);
}

/* "N samples (P%):" or "1.5 MiB in 3 allocations (P%):", then the frames. */
static void print_stack(const struct np_report *r,
			const struct np_report_stack *st, uint64_t value,
			double objects, uint64_t whole, const char *of,
			FILE *out)
{
	if (np_report_is_memory(r)) {
		char bytes[32];
		uint64_t n = rounded(objects);

		np_report_format_bytes((double)value, bytes, sizeof(bytes));
		fprintf(out, "%s in %" PRIu64 " allocation%s (%.2f%%%s):\n",
			bytes, n, n == 1 ? "" : "s",
			np_report_percent(value, whole), of);
	} else {
		fprintf(out, "%" PRIu64 " sample%s (%.2f%%):\n", value,
			value == 1 ? "" : "s", np_report_percent(value, whole));
	}
	for (uint32_t f = 0; f < st->nframes; f++)
		print_frame(r, st->functions[f], out);
}

static void print_hot_stacks(const struct np_report *r, FILE *out)
{
	const struct np_report_stack **order =
		np_xcalloc(r->nstacks, sizeof(*order));
	size_t n = 0, shown;

	/* --live also lists stacks that held memory only at the peak. */
	for (size_t i = 0; i < r->nstacks; i++)
		if (r->stacks[i].events)
			order[n++] = &r->stacks[i];
	qsort(order, n, sizeof(*order), compare_stacks);
	shown = n < HOT_STACKS ? n : HOT_STACKS;
	fprintf(out, "\n# %s stacks, leaf first\n",
		np_report_is_memory(r) ? "biggest" : "hottest");
	for (size_t i = 0; i < shown; i++) {
		if (i)
			fputc('\n', out);
		print_stack(r, order[i], order[i]->value, order[i]->objects,
			    r->value, "", out);
	}
	free(order);
}

/* --live: when the most memory was in use, and which stack held most. */
static void print_peak(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;
	const struct np_report_stack *st = r->peak_stack;
	char bytes[32];

	if (!p->mem.peak_epoch)
		return;
	np_report_format_bytes((double)p->mem.peak.bytes, bytes, sizeof(bytes));
	fprintf(out, "\n# peak: %s in use at %.3f s; the stack that held the "
		"most then, leaf first\n", bytes,
		np_report_seconds(p, p->mem.peak_ns));
	if (st)
		print_stack(r, st, st->peak, st->peak_objects,
			    p->mem.peak.bytes, " of the peak", out);
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	np_report_print_summary(r, out);
	np_report_print_warnings(r, out);
	if (!r->events) {
		np_report_print_nothing(r, out);
	} else {
		print_functions(r, opts, out);
		print_hot_stacks(r, out);
	}
	if (r->mode == NP_REPORT_LIVE)
		print_peak(r, out);
	return 0;
}

const struct np_report_format np_report_text = {
	.name = "text",
	.summary = "hottest functions and stacks (the default)",
	.symbolize = true,
	.run = run,
};
