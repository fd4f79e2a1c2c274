/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The timeline: an SVG of the native memory in use over the session (the
 * most in use in each stretch of time, so no peak is smoothed away), the
 * peak marked, and the stacks that held the most at the peak listed under
 * the chart, leaf first.
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

#define WIDTH 960
#define PLOT_LEFT 90
#define PLOT_TOP 64
#define PLOT_WIDTH 840
#define PLOT_HEIGHT 300
#define LINE 16
#define TIMELINE_STACKS 10
#define TIMELINE_FRAMES 8

/* Writes S as SVG text: the markup characters as entities. */
static void put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, out);
		}
	}
}

static int compare_peaks(const void *a, const void *b)
{
	const struct np_report_stack *x =
		*(const struct np_report_stack *const *)a;
	const struct np_report_stack *y =
		*(const struct np_report_stack *const *)b;

	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* A round step for about 5 ticks over MAX. */
static double tick_step(double max)
{
	double step = 1;

	while (step * 5 < max)
		step *= 2;
	while (step * 5 > max * 2 && step > 1e-9)
		step /= 2;
	return step;
}

static void axes(FILE *out, double seconds, uint64_t ymax)
{
	double xstep = tick_step(seconds), ystep = tick_step((double)ymax);
	char label[32];

	fprintf(out, "<g stroke=\"#ccc\" font-size=\"11\" fill=\"#444\">\n");
	for (double y = 0; y <= (double)ymax * 1.0001; y += ystep) {
		double py = PLOT_TOP + PLOT_HEIGHT -
			    y / (double)ymax * PLOT_HEIGHT;

		np_report_format_bytes(y, label, sizeof(label));
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
			"stroke=\"none\">%s</text>\n", PLOT_LEFT, py,
			PLOT_LEFT + PLOT_WIDTH, py, PLOT_LEFT - 6, py + 4,
			label);
	}
	for (double x = 0; x <= seconds * 1.0001; x += xstep) {
		double px = PLOT_LEFT + x / seconds * PLOT_WIDTH;

		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
			"stroke=\"none\">%g s</text>\n", px, PLOT_TOP, px,
			PLOT_TOP + PLOT_HEIGHT, px,
			PLOT_TOP + PLOT_HEIGHT + 16, x);
	}
	fprintf(out, "</g>\n");
}

static void peak_stacks(const struct np_report *r,
			const struct np_report_options *opts, int y,
			FILE *out)
{
	const struct np_report_stack **order =
		np_xcalloc(r->nstacks + 1, sizeof(*order));
	size_t n = 0, shown;
	unsigned long top = opts->top_given && opts->top ? opts->top
							 : TIMELINE_STACKS;
	uint64_t peak = r->profile->mem.peak.bytes;

	for (size_t i = 0; i < r->nstacks; i++)
		if (r->stacks[i].peak)
			order[n++] = &r->stacks[i];
	qsort(order, n, sizeof(*order), compare_peaks);
	shown = n < top ? n : top;
	fprintf(out, "<g font-size=\"12\" font-family=\"monospace\">\n"
		"<text x=\"10\" y=\"%d\" font-weight=\"bold\">Top allocation "
		"stacks at the peak, leaf first</text>\n", y);
	for (size_t i = 0; i < shown; i++) {
		const struct np_report_stack *st = order[i];
		char bytes[32];

		y += LINE;
		np_report_format_bytes((double)st->peak, bytes, sizeof(bytes));
		fprintf(out, "<text class=\"stack\" x=\"10\" y=\"%d\">%s "
			"(%.1f%%): ", y, bytes,
			np_report_percent(st->peak, peak));
		for (uint32_t f = 0; f < st->nframes && f < TIMELINE_FRAMES;
		     f++) {
			if (f)
				fputs(" &#8592; ", out);
			put_text(out, np_symbols_name(r->symbols,
						      st->functions[f]));
		}
		if (st->nframes > TIMELINE_FRAMES)
			fputs(" &#8592; ...", out);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
	free(order);
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	const struct np_profile *p = r->profile;
	const struct np_memprofile *m = &p->mem;
	uint64_t start = 0, end = p->has_end ? p->end.time_ns : p->last_ns;
	uint64_t ymax = m->peak.bytes ? m->peak.bytes : 1;
	double seconds;
	int height = PLOT_TOP + PLOT_HEIGHT + 60 + LINE * (TIMELINE_STACKS + 2);
	char *summary = NULL, peak[32];
	size_t len = 0;
	FILE *f;

	if (!np_memprofile_start(p, &start) && m->nseries)
		start = m->series[0].ns;
	if (end < start)
		end = start;
	seconds = (double)(end - start) / 1e9;
	if (seconds <= 0)
		seconds = 1e-3;
	if (opts->top_given && opts->top)
		height = PLOT_TOP + PLOT_HEIGHT + 60 + LINE * ((int)opts->top + 2);

	f = open_memstream(&summary, &len);
	if (!f)
		return -1;
	np_report_print_summary(r, f);
	fclose(f);
	if (len && summary[len - 1] == '\n')
		summary[len - 1] = 0;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">"
		"Native memory in use</text>\n<text x=\"10\" y=\"38\" "
		"font-size=\"12\">", WIDTH, height, WIDTH, height);
	put_text(out, summary + (summary[0] == '#' ? 2 : 0));
	fputs("</text>\n", out);
	free(summary);
	axes(out, seconds, ymax);

	/* The series as steps: each point holds until the next. */
	fprintf(out, "<path id=\"in-use\" fill=\"rgba(70,130,180,0.3)\" "
		"stroke=\"steelblue\" stroke-width=\"1.5\" d=\"M%d %d",
		PLOT_LEFT, PLOT_TOP + PLOT_HEIGHT);
	for (size_t i = 0; i < m->nseries; i++) {
		double x = PLOT_LEFT + (double)(m->series[i].ns - start) /
					       1e9 / seconds * PLOT_WIDTH;
		double y = PLOT_TOP + PLOT_HEIGHT -
			   (double)m->series[i].bytes / (double)ymax *
				   PLOT_HEIGHT;
		double next = i + 1 < m->nseries
				      ? PLOT_LEFT + (double)(m->series[i + 1].ns -
							    start) /
							1e9 / seconds *
							PLOT_WIDTH
				      : PLOT_LEFT + PLOT_WIDTH;

		if (m->series[i].ns < start)
			x = PLOT_LEFT;
		fprintf(out, " L%.1f %.1f L%.1f %.1f", x, y, next, y);
	}
	fprintf(out, " L%d %d Z\"/>\n", PLOT_LEFT + PLOT_WIDTH,
		PLOT_TOP + PLOT_HEIGHT);

	if (m->peak_epoch) {
		double px = PLOT_LEFT + (double)(m->peak_ns - start) / 1e9 /
						seconds * PLOT_WIDTH;

		np_report_format_bytes((double)m->peak.bytes, peak,
				       sizeof(peak));
		fprintf(out, "<circle id=\"peak\" cx=\"%.1f\" cy=\"%d\" r=\"4\" "
			"fill=\"red\"/>\n<text x=\"%.1f\" y=\"%d\" "
			"font-size=\"12\" fill=\"red\" text-anchor=\"%s\">peak "
			"%s at %.3f s</text>\n", px, PLOT_TOP, px + 6,
			PLOT_TOP - 4, px > PLOT_LEFT + PLOT_WIDTH / 2 ? "end"
								      : "start",
			peak, np_report_seconds(p, m->peak_ns));
		peak_stacks(r, opts, PLOT_TOP + PLOT_HEIGHT + 50, out);
	} else {
		fprintf(out, "<text x=\"10\" y=\"%d\">No native memory in use "
			"during the session</text>\n",
			PLOT_TOP + PLOT_HEIGHT + 50);
	}
	fputs("</svg>\n", out);
	return 0;
}

const struct np_report_format np_report_timeline = {
	.name = "timeline",
	.summary = "SVG of native memory in use over time",
	.symbolize = true,
	.live_only = true,
	.run = run,
};
