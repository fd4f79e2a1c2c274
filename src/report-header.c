/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --header: the file's metadata as "key: value" lines, the recorded META
 * records and what the reader learnt (whole or cut short, counts, times,
 * and for native memory the allocation events).  META keys this file does
 * not know are printed as they are.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profile.h"
#include "report-options.h"
#include "report.h"

/* Keys shown in the fixed part, or used to compute it. */
static const char *const fixed_keys[] = {
	"command", "pid", "host", "kernel", "start_time", "start_realtime_ns",
	"start_monotonic_ns", "options", "engine", "engine_reason", "event",
	"period_ns", "frequency_hz", "warning", "nativemem_interval", NULL,
};

/* Keys shown after it, under a readable label. */
static const struct {
	const char *key;
	const char *label;
} labelled_keys[] = {
	{ "nprof_version", "nprof version" },
	{ "output", "output" },
	{ "agent_pid", "agent pid" },
	{ "sample_unit", "sample unit" },
	{ "kernel_samples", "kernel samples" },
	{ "agent_stop", "agent stop" },
	{ "session_end", "session end" },
	{ "unwind_table_bytes", "unwind table bytes" },
	{ "agent_mapped_bytes", "agent mapped bytes" },
	{ "agent_peak_bytes", "agent peak bytes" },
	{ "agent_resident_bytes", "agent resident bytes" },
	{ "agent_kept_bytes", "agent kept bytes" },
	{ "agent_writer_cpu_s", "agent writer CPU seconds" },
	{ "agent_writer_boosts", "agent writer priority raised" },
};

static const char *const lost_names[NP_LOST_KIND_MAX + 1] = {
	[NP_LOST_SAMPLE_RING] = "sample ring",
	[NP_LOST_STREAM] = "stream",
	[NP_LOST_UNWIND] = "unwind",
	[NP_LOST_ALLOC_RING] = "allocation ring",
};

static bool is_fixed(const char *key)
{
	for (size_t i = 0; fixed_keys[i]; i++)
		if (!strcmp(fixed_keys[i], key))
			return true;
	return false;
}

static const char *meta_or_unknown(const struct np_profile *p, const char *key)
{
	const char *v = np_profile_meta(p, key);

	return v ? v : "unknown";
}

/* A META value that holds a number of nanoseconds or hertz. */
static bool meta_u64(const struct np_profile *p, const char *key,
		     uint64_t *value)
{
	const char *v = np_profile_meta(p, key);
	char *end;

	if (!v || !*v)
		return false;
	*value = strtoull(v, &end, 10);
	return !*end;
}

static void print_file(const struct np_profile *p, FILE *out)
{
	fprintf(out, "format version: %u\n", p->version);
	if (p->cut_short)
		fprintf(out, "file: cut short after %" PRIu64 " records (the "
			"recording did not finish)\n", p->records);
	else if (p->end.flags & NP_END_WRITE_ERROR)
		fprintf(out, "file: complete, %" PRIu64 " records, but writing "
			"stopped early (the disk filled)\n", p->records);
	else
		fprintf(out, "file: complete, %" PRIu64 " records\n",
			p->records);
}

static void print_wall_time(uint64_t ns, FILE *out)
{
	time_t secs = (time_t)(ns / 1000000000u);
	struct tm tm;
	char buf[64];

	/* As the CLI writes start_time (sysinfo.c). */
	if (!gmtime_r(&secs, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm)) {
		fprintf(out, "unknown\n");
		return;
	}
	fprintf(out, "%s\n", buf);
}

static void print_times(const struct np_profile *p, FILE *out)
{
	uint64_t start_mono, start_real;
	bool have_mono = meta_u64(p, "start_monotonic_ns", &start_mono);

	fprintf(out, "start time: ");
	if (np_profile_meta(p, "start_time"))
		fprintf(out, "%s\n", np_profile_meta(p, "start_time"));
	else if (meta_u64(p, "start_realtime_ns", &start_real))
		print_wall_time(start_real, out);
	else
		fprintf(out, "unknown\n");

	fprintf(out, "end time: ");
	if (p->has_end)
		print_wall_time(p->end.realtime_ns, out);
	else
		fprintf(out, "unknown (the file is cut short)\n");

	fprintf(out, "duration: ");
	if (have_mono && p->has_end && p->end.time_ns >= start_mono)
		fprintf(out, "%.3f s\n",
			(double)(p->end.time_ns - start_mono) / 1e9);
	else if (have_mono && p->last_ns >= start_mono)
		fprintf(out, "at least %.3f s (the file is cut short)\n",
			(double)(p->last_ns - start_mono) / 1e9);
	else
		fprintf(out, "unknown\n");
}

static void print_sampling(const struct np_profile *p, FILE *out)
{
	const char *reason = np_profile_meta(p, "engine_reason");
	uint64_t v;

	fprintf(out, "engine: %s", meta_or_unknown(p, "engine"));
	if (reason)
		fprintf(out, " (%s)", reason);
	fprintf(out, "\nevent: %s\n", meta_or_unknown(p, "event"));
	if (meta_u64(p, "period_ns", &v) && v)
		fprintf(out, "period: %.3f ms (%.1f Hz)\n", (double)v / 1e6,
			1e9 / (double)v);
	else if (meta_u64(p, "frequency_hz", &v))
		fprintf(out, "period: %" PRIu64 " Hz\n", v);
	else
		fprintf(out, "period: unknown\n");
}

/* Each line's value starts with its number, for scripts. */
static void print_counts(const struct np_report *r, FILE *out)
{
	const struct np_profile *p = r->profile;
	const char *sep = " (";

	fprintf(out, "samples: %" PRIu64 "\n", p->samples);
	if (p->samples_no_stack)
		fprintf(out, "samples without a stack: %" PRIu64 "\n",
			p->samples_no_stack);
	fprintf(out, "lost: %" PRIu64, np_profile_lost_total(p));
	for (int k = 1; k <= NP_LOST_KIND_MAX; k++) {
		if (!p->lost[k])
			continue;
		fprintf(out, "%s%s: %" PRIu64, sep, lost_names[k], p->lost[k]);
		sep = ", ";
	}
	fprintf(out, "%s\n", sep[0] == ',' ? ")" : "");
	/* The writer's own totals: a cross-check of the records above. */
	if (p->has_end)
		fprintf(out, "end record: %" PRIu64 " samples, %" PRIu64
			" allocations, %" PRIu64 " lost\n", p->end.samples,
			p->end.allocs, p->end.lost);
	else
		fprintf(out, "end record: none (the file is cut short)\n");
	fprintf(out, "threads: %zu (%zu with samples)\n", p->nthreads,
		r->nthreads);
	fprintf(out, "modules: %zu\n", p->nmodules);
}

/* Native memory: only for files that tracked it. */
static void print_allocations(const struct np_profile *p, FILE *out)
{
	const struct np_memprofile *m = &p->mem;
	const char *interval = np_profile_meta(p, "nativemem_interval");
	char text[64];

	if (!interval && !m->allocs && !m->frees &&
	    !p->lost[NP_LOST_ALLOC_RING])
		return;
	fprintf(out, "allocation events: %" PRIu64 "\n", m->allocs);
	if (m->allocs_no_stack)
		fprintf(out, "allocation events without a stack: %" PRIu64
			"\n", m->allocs_no_stack);
	fprintf(out, "frees: %" PRIu64 " (%" PRIu64 " of addresses not "
		"allocated in the session, ignored)\n", m->frees,
		m->frees_unknown);
	fprintf(out, "inconsistencies: %" PRIu64 " (allocations at an address "
		"still in use: a free was lost)\n", m->inconsistencies);
	np_report_format_interval(p, text, sizeof(text));
	if (interval)
		fprintf(out, "nativemem interval: %s (%s)\n", interval, text);
	else
		fprintf(out, "nativemem interval: unknown\n");
	fprintf(out, "lost allocation events: %" PRIu64 "\n",
		p->lost[NP_LOST_ALLOC_RING]);
}

/* After a number of bytes (a key that ends in "_bytes"), the same in MiB. */
static void print_mib(const char *key, const char *value, FILE *out)
{
	size_t len = strlen(key);
	char *end;
	unsigned long long n;

	if (len < 6 || strcmp(key + len - 6, "_bytes") || !*value)
		return;
	n = strtoull(value, &end, 10);
	if (!*end)
		fprintf(out, " (%.1f MiB)", (double)n / (1 << 20));
}

static void print_other_meta(const struct np_profile *p, FILE *out)
{
	for (size_t i = 0; i < p->nmeta; i++)
		if (!strcmp(p->meta[i].key, "warning"))
			fprintf(out, "warning: %s\n", p->meta[i].value);
	for (size_t i = 0; i < p->nmeta; i++) {
		const char *key = p->meta[i].key;
		const char *label = key;

		if (is_fixed(key))
			continue;
		for (size_t j = 0; j < sizeof(labelled_keys) /
					       sizeof(labelled_keys[0]); j++)
			if (!strcmp(labelled_keys[j].key, key))
				label = labelled_keys[j].label;
		fprintf(out, "%s: %s", label, p->meta[i].value);
		print_mib(p->meta[i].key, p->meta[i].value, out);
		fprintf(out, "\n");
	}
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	const struct np_profile *p = r->profile;

	print_file(p, out);
	fprintf(out, "command: %s\n", meta_or_unknown(p, "command"));
	fprintf(out, "pid: %s\n", meta_or_unknown(p, "pid"));
	fprintf(out, "host: %s\n", meta_or_unknown(p, "host"));
	fprintf(out, "kernel: %s\n", meta_or_unknown(p, "kernel"));
	print_times(p, out);
	fprintf(out, "options: %s\n", meta_or_unknown(p, "options"));
	print_sampling(p, out);
	print_counts(r, out);
	print_allocations(p, out);
	print_other_meta(p, out);
	return 0;
}

const struct np_report_format np_report_header = {
	.name = "header",
	.summary = "the file's metadata",
	.symbolize = false,
	.run = run,
};
