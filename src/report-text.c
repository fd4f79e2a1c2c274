/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default report: the hottest functions by self samples (or bytes),
 * then the hottest stacks, each frame with its source line; for --live,
 * also the stack that held the most at the peak; for CPU, the threads by
 * name.  "total" counts a function once
 * per stack, however often recursion puts it there.  With --diff, the
 * functions whose self value grew and shrank most since the base profile.
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
	bool called;        /* seen as a frame of its own, not inlined */
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

			if (!np_symbols_site(r->symbols,
					     st->sites[f])->inlined)
				rows[fn].called = true;
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
	/* A function whose code is only ever inlined has no frame of its
	 * own in the program: say so. */
	const char *inlined = row->called ? "" : " [inlined]";

	/* No padding after a name that has no module beside it. */
	if (module[0])
		fprintf(out, "%-*s  %s%s\n", nw,
			np_symbols_name(r->symbols, row->function), module,
			inlined);
	else
		fprintf(out, "%s%s\n",
			np_symbols_name(r->symbols, row->function), inlined);
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
	if (opts->min_percent_given) {
		uint64_t min = np_report_min_value(r, opts->min_percent);

		while (shown > 0 && rows[shown - 1].total < min)
			shown--;
		/* Sorted by self: a smaller self may have a bigger total. */
		for (size_t i = 0; i < shown;) {
			if (rows[i].total < min) {
				memmove(&rows[i], &rows[i + 1],
					(nrows - i - 1) * sizeof(*rows));
				nrows--;
				shown--;
			} else {
				i++;
			}
		}
	}
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

/* "name (module)", or a made-up name alone. */
static void print_frame_name(const struct np_report *r, uint32_t fn,
			     FILE *out)
{
	const char *name = np_symbols_name(r->symbols, fn);
	const char *module = np_symbols_module(r->symbols, fn);

	/* Made-up names ("[libc.so.6+0x1234]") already say where they are. */
	if (name[0] == '[' || !module[0])
		fputs(name, out);
	else
		fprintf(out, "%s (%s)", name, module);
}

/* "    name (module) [inlined] file.c:12": frame F of ST, at the line of
 * LINE_SITE. */
static void print_frame(const struct np_report *r,
			const struct np_report_stack *st, uint32_t f,
			uint32_t line_site, FILE *out)
{
	char where[4200];

	fputs("    ", out);
	print_frame_name(r, st->functions[f], out);
	if (np_symbols_site(r->symbols, st->sites[f])->inlined)
		fputs(" [inlined]", out);
	if (np_report_site_line(r, line_site, where, sizeof(where))[0])
		fprintf(out, " %s", where);
	fputc('\n', out);
}

/*
 * The line of each frame of the N stacks of ORDER.  Without --lines the
 * raw stacks merged into one may have been at other lines: each frame gets
 * the line that holds most of the stack's value (its value at the peak, if
 * PEAK).  Returns N arrays of line sites (free each, then the array).
 */
static uint32_t **frame_lines(const struct np_report *r,
			      const struct np_report_stack *const *order,
			      size_t n, bool peak)
{
	const struct np_profile *p = r->profile;
	uint32_t **lines = np_xcalloc(n + 1, sizeof(*lines));
	int64_t **best = np_xcalloc(n + 1, sizeof(*best));
	/* Report stack -> its place in ORDER, plus one. */
	size_t *slot = np_xcalloc(r->nstacks + 1, sizeof(*slot));
	struct np_intern tally; /* {place, frame, line site} -> values */
	uint64_t *values = NULL;
	size_t cap = 0;

	np_intern_init(&tally);
	for (size_t k = 0; k < n; k++) {
		slot[order[k] - r->stacks] = k + 1;
		lines[k] = np_xcalloc(order[k]->nframes, sizeof(**lines));
		best[k] = np_xcalloc(order[k]->nframes, sizeof(**best));
		for (uint32_t f = 0; f < order[k]->nframes; f++) {
			lines[k][f] = order[k]->sites[f];
			best[k][f] = -1;
		}
	}
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct np_stack *st = &p->stacks[i];
		uint32_t s = r->raw_stacks[i], k, f = 0;
		struct np_report_stack v = { 0 };
		uint64_t value;

		if (s == NP_REPORT_NO_STACK || !slot[s])
			continue;
		k = (uint32_t)(slot[s] - 1);
		np_report_stack_value(r, st, &v);
		value = peak ? v.peak : v.value;
		for (uint32_t j = 0; j < st->nframes; j++) {
			const struct np_sym_frame *frames;
			size_t nf = np_symbols_resolve(r->symbols, st->pcs[j],
						       j > 0, st->seq, &frames);

			for (size_t m = 0; m < nf && f < order[k]->nframes;
			     m++, f++) {
				uint32_t key[3] = { k, f, frames[m].line_site };
				bool added;
				uint32_t t = np_intern_add(&tally, key,
							   sizeof(key), &added);

				np_xgrow(&values, t, &cap, sizeof(*values));
				if (added)
					values[t] = 0;
				values[t] += value;
				if ((int64_t)values[t] > best[k][f]) {
					best[k][f] = (int64_t)values[t];
					lines[k][f] = frames[m].line_site;
				}
			}
		}
	}
	for (size_t k = 0; k < n; k++)
		free(best[k]);
	free(best);
	free(slot);
	free(values);
	np_intern_release(&tally);
	return lines;
}

/* "N samples (P%):" or "1.5 MiB in 3 allocations (P%):", then the frames. */
static void print_stack(const struct np_report *r,
			const struct np_report_stack *st, uint64_t value,
			double objects, uint64_t whole, const char *of,
			const uint32_t *lines, FILE *out)
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
		print_frame(r, st, f, lines[f], out);
}

static void print_hot_stacks(const struct np_report *r, FILE *out)
{
	const struct np_report_stack **order =
		np_xcalloc(r->nstacks, sizeof(*order));
	size_t n = 0, shown;
	uint32_t **lines;

	/* --live also lists stacks that held memory only at the peak. */
	for (size_t i = 0; i < r->nstacks; i++)
		if (r->stacks[i].events)
			order[n++] = &r->stacks[i];
	qsort(order, n, sizeof(*order), compare_stacks);
	shown = n < HOT_STACKS ? n : HOT_STACKS;
	lines = frame_lines(r, order, shown, false);
	fprintf(out, "\n# %s stacks, leaf first\n",
		np_report_is_memory(r) ? "biggest" : "hottest");
	for (size_t i = 0; i < shown; i++) {
		if (i)
			fputc('\n', out);
		print_stack(r, order[i], order[i]->value, order[i]->objects,
			    r->value, "", lines[i], out);
		free(lines[i]);
	}
	free(lines);
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
	if (st) {
		uint32_t **lines = frame_lines(r, &st, 1, true);

		print_stack(r, st, st->peak, st->peak_objects,
			    p->mem.peak.bytes, " of the peak", lines[0], out);
		free(lines[0]);
		free(lines);
	}
}

static int compare_threads(const void *a, const void *b)
{
	const struct np_thread *x = *(const struct np_thread *const *)a;
	const struct np_thread *y = *(const struct np_thread *const *)b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* CPU: samples by thread, with the names the threads were given. */
static void print_threads(const struct np_report *r,
			  const struct np_report_options *opts, FILE *out)
{
	const struct np_profile *p = r->profile;
	const struct np_thread **order =
		np_xcalloc(p->nthreads + 1, sizeof(*order));
	size_t n = 0, shown;
	int cw = count_width(p->samples) < 7 ? 7 : count_width(p->samples);

	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].samples)
			order[n++] = &p->threads[i];
	qsort(order, n, sizeof(*order), compare_threads);
	shown = opts->top && opts->top < n ? opts->top : n;
	fprintf(out, "\n# threads\n%8s %*s %8s  %s\n", "samples%", cw,
		"samples", "tid", "name");
	for (size_t i = 0; i < shown; i++)
		fprintf(out, "%7.2f%% %*" PRIu64 " %8" PRIu32 "  %s\n",
			np_report_percent(order[i]->samples, p->samples), cw,
			order[i]->samples,
			order[i]->tid, order[i]->name ? order[i]->name : "?");
	if (shown < n)
		fprintf(out, "# %zu more thread%s (--top 0 shows all)\n",
			n - shown, n - shown == 1 ? "" : "s");
	free(order);
}

/* --diff: one function's self value in the profile and in the base. */
struct change {
	uint32_t function;  /* in r->symbols */
	uint64_t now, before;
};

static int compare_gains(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	int64_t dx = (int64_t)(x->now - x->before);
	int64_t dy = (int64_t)(y->now - y->before);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(np_symbols_name(sort_symbols, x->function),
		      np_symbols_name(sort_symbols, y->function));
}

static void format_value(const struct np_report *r, uint64_t v, char *buf,
			 size_t size)
{
	if (np_report_is_memory(r))
		np_report_format_bytes((double)v, buf, size);
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static void print_change(const struct np_report *r, const struct change *c,
			 FILE *out)
{
	char now[32], before[32], delta[40];
	uint64_t d = c->now >= c->before ? c->now - c->before
					 : c->before - c->now;

	format_value(r, c->now, now, sizeof(now));
	format_value(r, c->before, before, sizeof(before));
	delta[0] = c->now >= c->before ? '+' : '-';
	format_value(r, d, delta + 1, sizeof(delta) - 1);
	fprintf(out, "%12s %12s %12s %+8.2f%%  ", delta, before, now,
		np_report_percent(c->now, r->value) -
			np_report_percent(c->before, r->base->value));
	print_frame_name(r, c->function, out);
	fputc('\n', out);
}

/* The biggest gains and losses of self value by function since the base. */
static void print_diff(const struct np_report *r,
		       const struct np_report_options *opts, FILE *out)
{
	const struct np_report *b = r->base;
	struct np_intern names;
	struct change *changes = NULL;
	size_t n = 0, cap = 0, shown, gains = 0;
	char total[32], base_total[32];

	np_intern_init(&names);
	/* Functions are matched by name and module across the two. */
	for (int side = 0; side < 2; side++) {
		const struct np_report *from = side ? b : r;

		for (size_t s = 0; s < from->nstacks; s++) {
			const struct np_report_stack *st = &from->stacks[s];
			uint32_t fn = st->functions[0];
			const char *name = np_symbols_name(from->symbols, fn);
			size_t len = strlen(name) + 1;
			bool added;
			uint32_t i;

			len += strlen(name + len) + 1;
			i = np_intern_add(&names, name, len, &added);
			if (added) {
				np_xgrow(&changes, n, &cap, sizeof(*changes));
				changes[n++] = (struct change){
					.function = side
						? np_symbols_function(
							  r->symbols, name,
							  name + strlen(name) + 1)
						: fn,
				};
			}
			if (side)
				changes[i].before += st->value;
			else
				changes[i].now += st->value;
		}
	}
	np_intern_release(&names);
	sort_symbols = r->symbols;
	/* Two empty profiles leave CHANGES NULL, which qsort may not take. */
	if (n)
		qsort(changes, n, sizeof(*changes), compare_gains);
	format_value(r, r->value, total, sizeof(total));
	format_value(r, b->value, base_total, sizeof(base_total));
	fprintf(out, "\n# diff: %s now, %s in the base '%s'\n", total,
		base_total, b->file);
	while (gains < n && changes[gains].now > changes[gains].before)
		gains++;
	shown = opts->top && opts->top < gains ? opts->top : gains;
	fprintf(out, "\n# biggest gains (self)\n%12s %12s %12s %9s  %s\n",
		"change", "base", "now", "share", "function");
	for (size_t i = 0; i < shown; i++)
		print_change(r, &changes[i], out);
	fprintf(out, "\n# biggest losses (self)\n%12s %12s %12s %9s  %s\n",
		"change", "base", "now", "share", "function");
	for (size_t i = n, k = 0; i-- > gains && (!opts->top || k < opts->top);
	     k++) {
		if (changes[i].now == changes[i].before)
			break;
		print_change(r, &changes[i], out);
	}
	free(changes);
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	np_report_print_summary(r, out);
	np_report_print_warnings(r, out);
	np_report_print_filtered(r, out);
	if (r->base) {
		print_diff(r, opts, out);
		return 0;
	}
	if (!r->events) {
		np_report_print_nothing(r, out);
	} else {
		print_functions(r, opts, out);
		print_hot_stacks(r, out);
		if (!np_report_is_memory(r))
			print_threads(r, opts, out);
	}
	if (r->mode == NP_REPORT_LIVE)
		print_peak(r, out);
	return 0;
}

const struct np_report_format np_report_text = {
	.name = "text",
	.summary = "hottest functions and stacks (the default)",
	.symbolize = true,
	.diff = true,
	.run = run,
};
