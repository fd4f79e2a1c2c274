/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of report formats, the symbolized stacks they all read, and the
 * summary lines the formats for people share.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "report.h"
#include "symbols.h"
#include "xalloc.h"

const struct np_report_format *const np_report_formats[] = {
	&np_report_text,
	&np_report_tree,
	&np_report_collapsed,
	&np_report_flamegraph,
	&np_report_pprof,
	&np_report_timeline,
	NULL,
};

const struct np_report_format *np_report_format_find(const char *name)
{
	for (size_t i = 0; np_report_formats[i]; i++)
		if (!strcmp(np_report_formats[i]->name, name))
			return np_report_formats[i];
	return NULL;
}

enum np_report_mode np_report_default_mode(const struct np_profile *p)
{
	if (!p->samples && p->mem.allocs)
		return NP_REPORT_ALLOC;
	return NP_REPORT_CPU;
}

void np_report_init(struct np_report *r, const struct np_profile *p,
		    const char *file, enum np_report_mode mode)
{
	memset(r, 0, sizeof(*r));
	r->profile = p;
	r->file = file;
	r->mode = mode == NP_REPORT_AUTO ? np_report_default_mode(p) : mode;
	np_intern_init(&r->stack_set);
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].samples)
			r->nthreads++;
}

void np_report_release(struct np_report *r)
{
	np_symbols_free(r->symbols);
	np_intern_release(&r->stack_set);
	free(r->function_pool);
	free(r->stacks);
	free(r->raw_stacks);
	free(r->matches);
	if (r->has_focus)
		regfree(&r->focus);
	if (r->has_exclude)
		regfree(&r->exclude);
	memset(r, 0, sizeof(*r));
}

bool np_report_is_memory(const struct np_report *r)
{
	return r->mode != NP_REPORT_CPU;
}

int np_report_set_filters(struct np_report *r, const char *focus,
			  const char *exclude, char *err, size_t err_size)
{
	const char *const args[2] = { focus, exclude };
	regex_t *const res[2] = { &r->focus, &r->exclude };
	bool *const has[2] = { &r->has_focus, &r->has_exclude };

	for (int i = 0; i < 2; i++) {
		int rc;

		if (!args[i])
			continue;
		rc = regcomp(res[i], args[i], REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char why[256];

			regerror(rc, res[i], why, sizeof(why));
			snprintf(err, err_size, "invalid --%s '%s': %s",
				 i ? "exclude" : "focus", args[i], why);
			return -1;
		}
		*has[i] = true;
	}
	return 0;
}

/* Whether --focus and --exclude keep a stack of these functions. */
static bool stack_kept(struct np_report *r, const uint32_t *functions,
		       size_t n)
{
	bool focused = !r->has_focus;

	if (!r->has_focus && !r->has_exclude)
		return true;
	for (size_t i = 0; i < n; i++) {
		uint32_t fn = functions[i];

		if (fn >= r->matches_cap) {
			size_t old = r->matches_cap;

			r->matches_cap = (fn + 1) * 2;
			r->matches = np_xreallocarray(r->matches,
							 r->matches_cap, 1);
			memset(r->matches + old, 0, r->matches_cap - old);
		}
		if (!r->matches[fn]) {
			const char *name = np_symbols_name(r->symbols, fn);
			int m = 0;

			if (r->has_focus && !regexec(&r->focus, name, 0, NULL, 0))
				m |= 1;
			if (r->has_exclude &&
			    !regexec(&r->exclude, name, 0, NULL, 0))
				m |= 2;
			r->matches[fn] = (int8_t)(m ? m : 4);
		}
		if (r->matches[fn] & 2)
			return false;
		if (r->matches[fn] & 1)
			focused = true;
	}
	return focused;
}

void np_report_stack_value(const struct np_report *r,
			   const struct np_stack *st,
			   struct np_report_stack *v)
{
	struct np_mem_value m = { 0 };

	switch (r->mode) {
	case NP_REPORT_AUTO:
	case NP_REPORT_CPU:
		v->value = v->events = st->samples;
		v->objects = (double)st->samples;
		return;
	case NP_REPORT_ALLOC:
		m = np_memprofile_stack(r->profile, st, NP_MEM_ALLOCATED);
		break;
	case NP_REPORT_LEAKS:
		m = np_memprofile_stack(r->profile, st, NP_MEM_LEAKED);
		break;
	case NP_REPORT_LIVE:
		m = np_memprofile_stack(r->profile, st, NP_MEM_AT);
		break;
	}
	v->value = m.bytes;
	v->objects = m.objects;
	v->events = m.events;
	if (r->mode == NP_REPORT_LIVE) {
		m = np_memprofile_stack(r->profile, st, NP_MEM_PEAK);
		v->peak = m.bytes;
		v->peak_objects = m.objects;
	}
}

/* Makes room for N elements of SIZE bytes in *PTR (np_xgrow doubles once). */
static void reserve(void *ptr, size_t n, size_t *cap, size_t size)
{
	while (n > *cap)
		np_xgrow(ptr, *cap, cap, size);
}

/* Adds the frames of raw stack ST to the stack of the same frames;
 * returns its index, or NP_REPORT_NO_STACK if a filter leaves it out.
 * BUF holds the sites, then as many functions. */
static uint32_t add_stack(struct np_report *r, const struct np_stack *st,
			  const struct np_report_stack *v, uint32_t **buf,
			  size_t *cap)
{
	struct np_report_stack *to;
	size_t n = 0;
	bool added;
	uint32_t i;

	for (uint32_t f = 0; f < st->nframes; f++) {
		const struct np_sym_frame *frames;
		size_t k = np_symbols_resolve(r->symbols, st->pcs[f], f > 0,
					      st->seq, &frames);

		reserve(buf, 2 * (n + k), cap, sizeof(**buf));
		for (size_t j = 0; j < k; j++)
			(*buf)[n++] = r->lines ? frames[j].line_site
					       : frames[j].site;
	}
	if (!n) {
		/* The unwinder got no frame at all. */
		struct np_sym_site unknown = {
			.function = np_symbols_function(r->symbols,
							"[unknown]", ""),
		};

		reserve(buf, 2, cap, sizeof(**buf));
		(*buf)[n++] = np_symbols_site_id(r->symbols, &unknown);
	}
	for (size_t j = 0; j < n; j++)
		(*buf)[n + j] = np_symbols_site(r->symbols, (*buf)[j])->function;
	if (!stack_kept(r, *buf + n, n)) {
		r->left_out++;
		return NP_REPORT_NO_STACK;
	}
	i = np_intern_add(&r->stack_set, *buf, n * sizeof(**buf), &added);
	if (added) {
		np_xgrow(&r->stacks, r->nstacks, &r->stacks_cap,
			 sizeof(*r->stacks));
		reserve(&r->function_pool, r->function_pool_len + n,
			&r->function_pool_cap, sizeof(*r->function_pool));
		memcpy(r->function_pool + r->function_pool_len, *buf + n,
		       n * sizeof(**buf));
		/* Its functions are pointed at once the pool stops
		 * moving. */
		r->stacks[r->nstacks++] = (struct np_report_stack){
			.sites = np_intern_key(&r->stack_set, i, NULL),
			.nframes = (uint32_t)n,
		};
		r->function_pool_len += n;
	}
	to = &r->stacks[i];
	to->value += v->value;
	to->objects += v->objects;
	to->events += v->events;
	to->peak += v->peak;
	to->peak_objects += v->peak_objects;
	r->value += v->value;
	r->objects += v->objects;
	r->events += v->events;
	return i;
}

void np_report_symbolize(struct np_report *r)
{
	const struct np_profile *p = r->profile;
	uint32_t *buf = NULL;
	size_t cap = 0;

	if (!r->symbols)
		r->symbols = np_symbols_new(p);
	r->raw_stacks = np_xcalloc(p->nstacks ? p->nstacks : 1,
				   sizeof(*r->raw_stacks));
	for (size_t i = 0; i < p->nstacks; i++) {
		struct np_report_stack v = { 0 };

		r->raw_stacks[i] = NP_REPORT_NO_STACK;
		np_report_stack_value(r, &p->stacks[i], &v);
		if (v.events || v.peak)
			r->raw_stacks[i] =
				add_stack(r, &p->stacks[i], &v, &buf, &cap);
	}
	free(buf);
	/* The stacks array and the pool are complete: pointers into them
	 * hold from now.  Each stack added its functions to the pool when
	 * it was made, in order. */
	r->peak_stack = NULL;
	for (size_t i = 0, at = 0; i < r->nstacks; i++) {
		r->stacks[i].functions = r->function_pool + at;
		at += r->stacks[i].nframes;
		if (r->stacks[i].peak &&
		    (!r->peak_stack || r->stacks[i].peak > r->peak_stack->peak))
			r->peak_stack = &r->stacks[i];
	}
}

const char *np_report_site_line(const struct np_report *r, uint32_t site,
				char *buf, size_t size)
{
	const struct np_sym_site *s = np_symbols_site(r->symbols, site);
	const char *path = np_symbols_file(r->symbols, s->file);
	const char *slash = strrchr(path, '/');

	if (slash)
		path = slash + 1;
	if (!path[0])
		snprintf(buf, size, "%s", "");
	else if (s->line)
		snprintf(buf, size, "%s:%" PRIu32, path, s->line);
	else
		snprintf(buf, size, "%s", path);
	return buf;
}

uint64_t np_report_min_value(const struct np_report *r, double percent)
{
	double min = (double)r->value * percent / 100.0;
	uint64_t v = (uint64_t)min;

	return (double)v < min ? v + 1 : v;
}

void np_report_print_filtered(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;

	if (p->filtered_out)
		fprintf(out, "# filtered: %" PRIu64 " %s of other threads or "
			"times left out\n", p->filtered_out,
			np_report_is_memory(r) ? "allocations" : "samples");
	if (r->left_out)
		fprintf(out, "# filtered: %" PRIu64 " stack%s left out by "
			"--focus or --exclude\n", r->left_out,
			r->left_out == 1 ? "" : "s");
}

double np_report_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

bool np_report_weight_is_time(const struct np_profile *p)
{
	const char *unit = np_profile_meta(p, "sample_unit");

	return !unit || !strcmp(unit, "ns");
}

void np_report_format_bytes(double bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB" };
	double v = bytes / 1024;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%.0f B", bytes);
		return;
	}
	/* 1023.95 KiB would print as 1024.0 KiB: go up a unit then. */
	while (u + 1 < sizeof(units) / sizeof(units[0]) && v >= 1023.95) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

void np_report_format_interval(const struct np_profile *p, char *buf,
			       size_t size)
{
	const char *v = np_profile_meta(p, "nativemem_interval");
	char *end;
	uint64_t bytes;

	if (!v || *v < '0' || *v > '9') {
		snprintf(buf, size, "interval unknown");
		return;
	}
	bytes = strtoull(v, &end, 10);
	if (*end) {
		snprintf(buf, size, "interval unknown");
	} else if (bytes == 0) {
		snprintf(buf, size, "exact");
	} else {
		char amount[32];

		np_report_format_bytes((double)bytes, amount, sizeof(amount));
		snprintf(buf, size, "sampled every %s", amount);
	}
}

double np_report_seconds(const struct np_profile *p, uint64_t ns)
{
	uint64_t start;

	if (!np_memprofile_start(p, &start))
		return 0;
	return ns >= start ? (double)(ns - start) / 1e9
			   : -(double)(start - ns) / 1e9;
}

/* "N allocation(s)", N rounded (an estimate when sampled). */
static void format_allocations(double objects, char *buf, size_t size)
{
	double n = objects < 0.5 ? 0 : (double)(uint64_t)(objects + 0.5);

	snprintf(buf, size, "%.0f allocation%s", n, n == 1 ? "" : "s");
}

/* The moment of --live: "2.500 s", or "the end (12.000 s)". */
static void format_moment(const struct np_profile *p, char *buf, size_t size)
{
	uint64_t start, end = p->has_end ? p->end.time_ns : p->last_ns;
	bool known = np_memprofile_start(p, &start) && end >= start;

	if (p->mem.at_ns != UINT64_MAX &&
	    (p->mem.at_taken || (known && p->mem.at_ns <= end - start)))
		snprintf(buf, size, "%.3f s", (double)p->mem.at_ns / 1e9);
	else if (known)
		snprintf(buf, size, "the end (%.3f s)",
			 (double)(end - start) / 1e9);
	else
		snprintf(buf, size, "the end");
}

static void print_memory_summary(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;
	struct np_mem_value v;
	char bytes[32], allocs[64], interval[64];

	np_report_format_interval(p, interval, sizeof(interval));
	switch (r->mode) {
	case NP_REPORT_ALLOC:
		v = np_memprofile_total(p, NP_MEM_ALLOCATED);
		np_report_format_bytes((double)v.bytes, bytes, sizeof(bytes));
		format_allocations(v.objects, allocs, sizeof(allocs));
		fprintf(out, "# nprof report: alloc, %s in %s, %s\n", bytes,
			allocs, interval);
		break;
	case NP_REPORT_LEAKS:
		v = np_memprofile_total(p, NP_MEM_LEAKED);
		np_report_format_bytes((double)v.bytes, bytes, sizeof(bytes));
		format_allocations(v.objects, allocs, sizeof(allocs));
		fprintf(out, "# nprof report: leaks, %s leaked in %s, %s\n",
			bytes, allocs, interval);
		break;
	default: {
		char moment[64], peak[32];

		format_moment(p, moment, sizeof(moment));
		v = np_memprofile_total(p, NP_MEM_AT);
		np_report_format_bytes((double)v.bytes, bytes, sizeof(bytes));
		format_allocations(v.objects, allocs, sizeof(allocs));
		np_report_format_bytes((double)p->mem.peak.bytes, peak,
				       sizeof(peak));
		fprintf(out, "# nprof report: live at %s, %s in use in %s, ",
			moment, bytes, allocs);
		if (p->mem.peak_epoch)
			fprintf(out, "peak %s at %.3f s, %s\n", peak,
				np_report_seconds(p, p->mem.peak_ns), interval);
		else
			fprintf(out, "peak 0 B, %s\n", interval);
		break;
	}
	}
}

void np_report_print_summary(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;
	const char *engine = np_profile_meta(p, "engine");

	if (np_report_is_memory(r)) {
		print_memory_summary(r, out);
		return;
	}
	fprintf(out, "# nprof report: cpu, %" PRIu64 " sample%s", p->samples,
		p->samples == 1 ? "" : "s");
	if (np_report_weight_is_time(p))
		fprintf(out, " (%.2f s of CPU)", (double)p->weight / 1e9);
	else
		fprintf(out, " (%" PRIu64 " %s)", p->weight,
			np_profile_meta(p, "sample_unit"));
	fprintf(out, ", %zu thread%s, engine %s\n", r->nthreads,
		r->nthreads == 1 ? "" : "s", engine ? engine : "unknown");
}

/* Why samples are lost, by LOST kind; the CPU report shows these. */
static const char *const lost_reasons[NP_LOST_KIND_MAX + 1] = {
	[NP_LOST_SAMPLE_RING] = "the agent's sample ring was full",
	[NP_LOST_STREAM] = "the stream to nprof fell behind",
	[NP_LOST_UNWIND] = "their stack could not be taken",
};

/* Why allocation events are lost; the memory reports show these. */
static const char *const lost_alloc_reasons[NP_LOST_KIND_MAX + 1] = {
	[NP_LOST_STREAM] = "the stream to nprof fell behind",
	[NP_LOST_ALLOC_RING] = "the agent's allocation ring was full",
};

static void print_lost(const struct np_report *r, const char *what,
		       const char *const reasons[], uint64_t kept, FILE *out)
{
	const struct np_profile *p = r->profile;
	const char *sep = ": ";
	uint64_t lost = 0;

	for (int k = 1; k <= NP_LOST_KIND_MAX; k++)
		if (reasons[k])
			lost += p->lost[k];
	if (!lost)
		return;
	fprintf(out, "# warning: lost %s: %" PRIu64 " (%.1f%%)", what, lost,
		np_report_percent(lost, lost + kept));
	for (int k = 1; k <= NP_LOST_KIND_MAX; k++) {
		if (!reasons[k] || !p->lost[k])
			continue;
		fprintf(out, "%s%" PRIu64 " because %s", sep, p->lost[k],
			reasons[k]);
		sep = ", ";
	}
	fputc('\n', out);
}

void np_report_print_warnings(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;

	if (np_report_is_memory(r)) {
		print_lost(r, "allocation events", lost_alloc_reasons,
			   p->mem.allocs + p->mem.frees, out);
		if (p->mem.allocs_no_stack)
			fprintf(out,
				"# warning: allocations left out, their stack "
				"was never defined: %" PRIu64 "\n",
				p->mem.allocs_no_stack);
		if (p->mem.inconsistencies)
			fprintf(out,
				"# warning: allocations at an address still "
				"in use (its free was lost): %" PRIu64 "\n",
				p->mem.inconsistencies);
	} else {
		print_lost(r, "samples", lost_reasons, p->samples, out);
		if (p->samples_no_stack)
			fprintf(out,
				"# warning: samples left out, their stack was "
				"never defined: %" PRIu64 "\n",
				p->samples_no_stack);
	}
	for (size_t i = 0; i < p->nmeta; i++)
		if (!strcmp(p->meta[i].key, "warning"))
			fprintf(out, "# warning: %s\n", p->meta[i].value);
}

void np_report_print_nothing(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;
	char moment[64];

	if (!np_report_is_memory(r)) {
		fprintf(out, "# no CPU samples in '%s'%s\n", r->file,
			p->mem.allocs ? " (it has allocations: try --alloc)"
				      : "");
	} else if (!p->mem.allocs) {
		fprintf(out, "# no allocations in '%s'\n", r->file);
	} else if (r->mode == NP_REPORT_LEAKS) {
		fprintf(out, "# no leaks: every allocation was freed\n");
	} else if (r->mode == NP_REPORT_LIVE) {
		format_moment(p, moment, sizeof(moment));
		fprintf(out, "# nothing in use at %s\n", moment);
	} else {
		fprintf(out, "# no allocations with a known stack in '%s'\n",
			r->file);
	}
}
