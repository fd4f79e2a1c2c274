/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pprof's profile.proto, gzip-compressed: what Pyroscope, Parca and `go
 * tool pprof` read.  Locations are the recorded addresses (one per address
 * and module, with a line per frame: the functions inlined there, innermost
 * first, then the function they are in), in mappings of the recorded
 * modules; functions have the file and line they are declared at;
 * CPU samples are split by thread and labelled with its name and tid.
 * Encoded by hand (protobuf.h); the field numbers are profile.proto's.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "error.h"
#include "intern.h"
#include "profile.h"
#include "protobuf.h"
#include "report-options.h"
#include "report.h"
#include "symbols.h"
#include "xalloc.h"

/* profile.proto's field numbers. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4, PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12, PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	MAPPING_ID = 1, MAPPING_MEMORY_START = 2, MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILE_OFFSET = 4, MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7, MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4, FUNCTION_START_LINE = 5,
};

/* The key of a location: an address in a module, as a leaf or a caller. */
struct location_key {
	uint64_t pc;
	uint32_t module;
	uint32_t caller;
};

/* A location: its frames are frames[first] on, innermost first. */
struct location {
	uint64_t pc;
	uint32_t module;
	uint32_t first, count;
};

struct pprof {
	const struct np_report *r;
	uint64_t min;              /* --min-percent, in the view's unit */
	struct np_pb out, msg, sub;
	struct np_intern strings;  /* index = string table index */
	struct np_intern locations; /* location_key -> id - 1 */
	struct location *locs;     /* by location id - 1 */
	size_t loc_cap;
	struct np_sym_frame *frames; /* the locations' frames */
	size_t nframes, frames_cap;
	uint32_t *function_ids;    /* symbols' function id -> pprof id */
	size_t function_cap;
	uint32_t nfunctions;
	uint32_t *function_order;  /* pprof id - 1 -> symbols' function id */
	size_t order_cap;
	bool *mapping_used;        /* by module index */
	/* Location ids of each raw stack, made once (CPU samples repeat a
	 * stack in every thread that ran it): stack_ids[stack_first[i] - 1]
	 * on, or stack_first[i] == 0 if not made yet. */
	uint64_t *stack_ids;
	size_t nstack_ids, stack_ids_cap;
	size_t *stack_first;
};

static uint64_t str(struct pprof *pp, const char *s)
{
	return np_intern_add(&pp->strings, s, strlen(s), NULL);
}

static void value_type(struct pprof *pp, uint32_t field, const char *type,
		       const char *unit)
{
	np_pb_reset(&pp->msg);
	np_pb_uint(&pp->msg, VALUE_TYPE_TYPE, str(pp, type));
	np_pb_uint(&pp->msg, VALUE_TYPE_UNIT, str(pp, unit));
	np_pb_message(&pp->out, field, &pp->msg);
}

static uint32_t function_id(struct pprof *pp, uint32_t function)
{
	if (function >= pp->function_cap) {
		size_t old = pp->function_cap;

		pp->function_cap = (function + 1) * 2;
		pp->function_ids = np_xreallocarray(pp->function_ids,
						    pp->function_cap,
						    sizeof(*pp->function_ids));
		memset(pp->function_ids + old, 0,
		       (pp->function_cap - old) * sizeof(*pp->function_ids));
	}
	if (!pp->function_ids[function]) {
		np_xgrow(&pp->function_order, pp->nfunctions, &pp->order_cap,
			 sizeof(*pp->function_order));
		pp->function_order[pp->nfunctions++] = function;
		pp->function_ids[function] = pp->nfunctions;
	}
	return pp->function_ids[function];
}

/* The location id of frame F (0 is the leaf) of ST. */
static uint64_t location_id(struct pprof *pp, const struct np_stack *st,
			    uint32_t f)
{
	const struct np_sym_frame *frames;
	struct np_sym_frame unknown;
	struct location_key key = { 0 };
	size_t n = 1;
	bool added;
	uint32_t i;

	if (!st->nframes) {
		/* No frame at all: one made-up location. */
		key.caller = 2;
		key.module = NP_SYMBOLS_NO_MODULE;
	} else {
		n = np_symbols_resolve(pp->r->symbols, st->pcs[f], f > 0,
				       st->seq, &frames);
		key.pc = st->pcs[f];
		key.module = frames[0].module;
		key.caller = f > 0;
	}
	i = np_intern_add(&pp->locations, &key, sizeof(key), &added);
	if (added) {
		if (!st->nframes) {
			unknown = (struct np_sym_frame){
				.function = np_symbols_function(
					pp->r->symbols, "[unknown]", ""),
				.module = NP_SYMBOLS_NO_MODULE,
			};
			frames = &unknown;
		}
		np_xgrow(&pp->locs, i, &pp->loc_cap, sizeof(*pp->locs));
		pp->locs[i] = (struct location){
			.pc = key.pc,
			.module = key.module,
			.first = (uint32_t)pp->nframes,
			.count = (uint32_t)n,
		};
		for (size_t j = 0; j < n; j++) {
			np_xgrow(&pp->frames, pp->nframes, &pp->frames_cap,
				 sizeof(*pp->frames));
			pp->frames[pp->nframes++] = frames[j];
			function_id(pp, frames[j].function);
		}
		if (key.module != NP_SYMBOLS_NO_MODULE)
			pp->mapping_used[key.module] = true;
	}
	return (uint64_t)i + 1;
}

/* One sample of raw stack I with VALUES; a thread's labels if TH. */
static void sample(struct pprof *pp, size_t i, const uint64_t *values,
		   size_t nvalues, const struct np_thread *th)
{
	const struct np_stack *st = &pp->r->profile->stacks[i];
	uint32_t n = st->nframes ? st->nframes : 1;

	if (!pp->stack_first[i]) {
		pp->stack_first[i] = pp->nstack_ids + 1;
		for (uint32_t f = 0; f < n; f++) {
			uint64_t id = location_id(pp, st, f);

			np_xgrow(&pp->stack_ids, pp->nstack_ids,
				 &pp->stack_ids_cap, sizeof(*pp->stack_ids));
			pp->stack_ids[pp->nstack_ids++] = id;
		}
	}
	np_pb_reset(&pp->msg);
	np_pb_packed(&pp->msg, SAMPLE_LOCATION_ID,
		     &pp->stack_ids[pp->stack_first[i] - 1], n);
	np_pb_packed(&pp->msg, SAMPLE_VALUE, values, nvalues);
	if (th) {
		if (th->name) {
			np_pb_reset(&pp->sub);
			np_pb_uint(&pp->sub, LABEL_KEY, str(pp, "thread"));
			np_pb_uint(&pp->sub, LABEL_STR, str(pp, th->name));
			np_pb_message(&pp->msg, SAMPLE_LABEL, &pp->sub);
		}
		np_pb_reset(&pp->sub);
		np_pb_uint(&pp->sub, LABEL_KEY, str(pp, "tid"));
		np_pb_uint(&pp->sub, LABEL_NUM, th->tid);
		np_pb_message(&pp->msg, SAMPLE_LABEL, &pp->sub);
	}
	np_pb_message(&pp->out, PROFILE_SAMPLE, &pp->msg);
}

/* Whether the report kept raw stack I (view, filters, --min-percent). */
static bool kept(const struct pprof *pp, size_t i)
{
	uint32_t s = pp->r->raw_stacks[i];

	return s != NP_REPORT_NO_STACK && pp->r->stacks[s].events &&
	       pp->r->stacks[s].value >= pp->min;
}

static void cpu_samples(struct pprof *pp)
{
	const struct np_profile *p = pp->r->profile;

	value_type(pp, PROFILE_SAMPLE_TYPE, "samples", "count");
	if (np_report_weight_is_time(p))
		value_type(pp, PROFILE_SAMPLE_TYPE, "cpu", "nanoseconds");
	else
		value_type(pp, PROFILE_SAMPLE_TYPE, "events", "count");
	for (size_t i = 0; i < p->nstack_threads; i++) {
		const struct np_stack_thread *t = &p->stack_threads[i];
		uint64_t values[2] = { t->samples, t->weight };

		if (kept(pp, t->stack))
			sample(pp, t->stack, values, 2,
			       &p->threads[t->thread]);
	}
}

static uint64_t objects(double n)
{
	return n < 0.5 ? 0 : (uint64_t)(n + 0.5);
}

static void memory_samples(struct pprof *pp)
{
	const struct np_report *r = pp->r;
	const struct np_profile *p = r->profile;
	enum np_mem_view inuse =
		r->mode == NP_REPORT_LIVE ? NP_MEM_AT : NP_MEM_LEAKED;

	value_type(pp, PROFILE_SAMPLE_TYPE, "alloc_objects", "count");
	value_type(pp, PROFILE_SAMPLE_TYPE, "alloc_space", "bytes");
	value_type(pp, PROFILE_SAMPLE_TYPE, "inuse_objects", "count");
	value_type(pp, PROFILE_SAMPLE_TYPE, "inuse_space", "bytes");
	for (size_t i = 0; i < p->nstacks; i++) {
		struct np_mem_value a, u;
		uint64_t values[4];

		if (!kept(pp, i))
			continue;
		a = np_memprofile_stack(p, &p->stacks[i], NP_MEM_ALLOCATED);
		u = np_memprofile_stack(p, &p->stacks[i], inuse);
		values[0] = objects(a.objects);
		values[1] = a.bytes;
		values[2] = objects(u.objects);
		values[3] = u.bytes;
		sample(pp, i, values, 4, NULL);
	}
	np_pb_uint(&pp->out, PROFILE_DEFAULT_SAMPLE_TYPE,
		   str(pp, r->mode == NP_REPORT_ALLOC ? "alloc_space"
						      : "inuse_space"));
}

static void locations(struct pprof *pp)
{
	for (size_t i = 0; i < np_intern_count(&pp->locations); i++) {
		const struct location *loc = &pp->locs[i];

		np_pb_reset(&pp->msg);
		np_pb_uint(&pp->msg, LOCATION_ID, i + 1);
		if (loc->module != NP_SYMBOLS_NO_MODULE)
			np_pb_uint(&pp->msg, LOCATION_MAPPING_ID,
				   (uint64_t)loc->module + 1);
		np_pb_uint(&pp->msg, LOCATION_ADDRESS, loc->pc);
		/* One line per frame, the innermost inlined one first, as
		 * profile.proto wants. */
		for (uint32_t j = 0; j < loc->count; j++) {
			const struct np_sym_frame *f =
				&pp->frames[loc->first + j];

			np_pb_reset(&pp->sub);
			np_pb_uint(&pp->sub, LINE_FUNCTION_ID,
				   pp->function_ids[f->function]);
			if (f->line)
				np_pb_uint(&pp->sub, LINE_LINE, f->line);
			np_pb_message(&pp->msg, LOCATION_LINE, &pp->sub);
		}
		np_pb_message(&pp->out, PROFILE_LOCATION, &pp->msg);
	}
}

static void functions(struct pprof *pp)
{
	const struct np_symbols *s = pp->r->symbols;

	for (uint32_t i = 0; i < pp->nfunctions; i++) {
		uint32_t fn = pp->function_order[i], file, line;
		uint64_t name = str(pp, np_symbols_name(s, fn));

		np_symbols_declared(s, fn, &file, &line);
		np_pb_reset(&pp->msg);
		np_pb_uint(&pp->msg, FUNCTION_ID, i + 1);
		np_pb_uint(&pp->msg, FUNCTION_NAME, name);
		np_pb_uint(&pp->msg, FUNCTION_SYSTEM_NAME, name);
		if (file)
			np_pb_uint(&pp->msg, FUNCTION_FILENAME,
				   str(pp, np_symbols_file(s, file)));
		if (line)
			np_pb_uint(&pp->msg, FUNCTION_START_LINE, line);
		np_pb_message(&pp->out, PROFILE_FUNCTION, &pp->msg);
	}
}

static void mappings(struct pprof *pp)
{
	const struct np_profile *p = pp->r->profile;

	for (size_t i = 0; i < p->nmodules; i++) {
		const struct np_module *m = &p->modules[i];
		uint64_t start = UINT64_MAX, limit = 0, offset = 0;
		char hex[2 * 256 + 1];

		if (!pp->mapping_used[i])
			continue;
		for (unsigned int j = 0; j < m->nsegs; j++) {
			uint64_t a = m->bias + m->segs[j].vaddr;

			if (a < start) {
				start = a;
				offset = m->segs[j].offset;
			}
			if (a + m->segs[j].memsz > limit)
				limit = a + m->segs[j].memsz;
		}
		if (start == UINT64_MAX)
			start = limit = 0;
		for (unsigned int j = 0; j < m->build_id_len && j < 256; j++)
			snprintf(hex + 2 * j, 3, "%02x", m->build_id[j]);
		hex[2 * (m->build_id_len < 256 ? m->build_id_len : 256)] = 0;
		np_pb_reset(&pp->msg);
		np_pb_uint(&pp->msg, MAPPING_ID, i + 1);
		np_pb_uint(&pp->msg, MAPPING_MEMORY_START, start);
		np_pb_uint(&pp->msg, MAPPING_MEMORY_LIMIT, limit);
		np_pb_uint(&pp->msg, MAPPING_FILE_OFFSET, offset);
		np_pb_uint(&pp->msg, MAPPING_FILENAME, str(pp, m->path));
		np_pb_uint(&pp->msg, MAPPING_BUILD_ID, str(pp, hex));
		/* Named already: pprof need not symbolize again. */
		np_pb_uint(&pp->msg, MAPPING_HAS_FUNCTIONS, 1);
		np_pb_uint(&pp->msg, MAPPING_HAS_FILENAMES, 1);
		np_pb_uint(&pp->msg, MAPPING_HAS_LINE_NUMBERS, 1);
		np_pb_message(&pp->out, PROFILE_MAPPING, &pp->msg);
	}
}

static bool meta_u64(const struct np_profile *p, const char *key,
		     uint64_t *v)
{
	const char *s = np_profile_meta(p, key);
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	*v = strtoull(s, &end, 10);
	return !*end;
}

static void times(struct pprof *pp)
{
	const struct np_profile *p = pp->r->profile;
	uint64_t v, start;

	if (meta_u64(p, "start_realtime_ns", &v))
		np_pb_uint(&pp->out, PROFILE_TIME_NANOS, v);
	if (np_memprofile_start(p, &start) || meta_u64(p, "start_monotonic_ns",
						      &start)) {
		uint64_t end = p->has_end ? p->end.time_ns : p->last_ns;

		if (end > start)
			np_pb_uint(&pp->out, PROFILE_DURATION_NANOS,
				   end - start);
	}
	if (!np_report_is_memory(pp->r)) {
		value_type(pp, PROFILE_PERIOD_TYPE, "cpu", "nanoseconds");
		if (meta_u64(p, "period_ns", &v))
			np_pb_uint(&pp->out, PROFILE_PERIOD, v);
	} else {
		value_type(pp, PROFILE_PERIOD_TYPE, "space", "bytes");
		if (meta_u64(p, "nativemem_interval", &v))
			np_pb_uint(&pp->out, PROFILE_PERIOD, v);
	}
	if (np_profile_meta(p, "command"))
		np_pb_uint(&pp->out, PROFILE_COMMENT,
			   str(pp, np_profile_meta(p, "command")));
}

/* Writes LEN bytes of DATA to OUT, gzip-compressed; 0, or -1. */
static int gzip_write(const uint8_t *data, size_t len, FILE *out)
{
	uint8_t buf[65536];
	z_stream z = { 0 };
	int rc;

	/* 16 + 15: a gzip header around a 32 KiB window. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY))
		return np_error("cannot compress the profile: %s",
				z.msg ? z.msg : "zlib failed");
	z.next_in = (Bytef *)(uintptr_t)data;
	do {
		size_t chunk = len > (1u << 30) ? 1u << 30 : len;

		z.avail_in = (uInt)chunk;
		len -= chunk;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			rc = deflate(&z, len ? Z_NO_FLUSH : Z_FINISH);
			fwrite(buf, 1, sizeof(buf) - z.avail_out, out);
		} while (z.avail_out == 0);
	} while (len);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0
				  : np_error("cannot compress the profile");
}

static int run(const struct np_report *r, const struct np_report_options *opts,
	       FILE *out)
{
	const struct np_profile *p = r->profile;
	struct pprof pp = { .r = r };
	int rc;

	if (opts->min_percent_given)
		pp.min = np_report_min_value(r, opts->min_percent);
	pp.mapping_used = np_xcalloc(p->nmodules + 1, sizeof(bool));
	pp.stack_first = np_xcalloc(p->nstacks + 1, sizeof(*pp.stack_first));
	np_intern_init(&pp.strings);
	np_intern_init(&pp.locations);
	str(&pp, ""); /* string_table[0] must be "" */
	if (np_report_is_memory(r))
		memory_samples(&pp);
	else
		cpu_samples(&pp);
	locations(&pp);
	functions(&pp);
	mappings(&pp);
	times(&pp);
	for (size_t i = 0; i < np_intern_count(&pp.strings); i++) {
		size_t len;
		const void *s = np_intern_key(&pp.strings, (uint32_t)i, &len);

		np_pb_bytes(&pp.out, PROFILE_STRING_TABLE, s, len);
	}
	rc = gzip_write(pp.out.data, pp.out.len, out);
	np_pb_release(&pp.out);
	np_pb_release(&pp.msg);
	np_pb_release(&pp.sub);
	np_intern_release(&pp.strings);
	np_intern_release(&pp.locations);
	free(pp.locs);
	free(pp.frames);
	free(pp.function_ids);
	free(pp.function_order);
	free(pp.mapping_used);
	free(pp.stack_ids);
	free(pp.stack_first);
	return rc;
}

const struct np_report_format np_report_pprof = {
	.name = "pprof",
	.summary = "gzipped profile.proto for go tool pprof",
	.symbolize = true,
	.binary = true,
	.run = run,
};
