/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a samples.dat file holds, aggregated in memory that grows with the
 * number of distinct stacks, modules and threads (and, for native memory,
 * live allocations), never with the number of samples or events.  Addresses
 * stay raw: symbols.c names them.
 */
#ifndef NPROF_PROFILE_H
#define NPROF_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "intern.h"
#include "memprofile.h"
#include "record.h"

struct np_reader;

/* One META record; a key may repeat (warnings). */
struct np_meta_item {
	char *key;
	char *value;
};

/* One MODULE record, and its MODULE_GONE if one came. */
struct np_module {
	uint32_t id;
	char *path;
	uint64_t bias;
	uint8_t *build_id;
	uint16_t build_id_len;
	uint16_t nsegs;
	struct np_rec_segment *segs;
	uint64_t load_ns;
	uint64_t gone_ns;   /* 0 while loaded */
	uint64_t load_seq;  /* record numbers (np_profile.records) of the */
	uint64_t gone_seq;  /* MODULE and MODULE_GONE; UINT64_MAX if none */
};

/* One thread seen in a THREAD record or a sample. */
struct np_thread {
	uint32_t tid;
	char *name; /* NULL if no THREAD record named it */
	uint64_t samples;
};

/*
 * A distinct stack.  Stack ids are only names for these: the agent may reset
 * its table and give an id to another stack, and identical stacks defined
 * under several ids are one np_stack.
 */
struct np_stack {
	const uint64_t *pcs; /* leaf first; owned by np_profile.stack_set */
	uint32_t nframes;
	uint64_t seq;        /* record number of its first definition */
	uint64_t samples;
	uint64_t weight;     /* sum of the samples' weights */
	struct np_stack_mem mem; /* native memory (memprofile.h) */
};

/* CPU samples of one stack in one thread (pprof labels them by thread). */
struct np_stack_thread {
	uint32_t stack;  /* index in np_profile.stacks */
	uint32_t thread; /* index in np_profile.threads */
	uint64_t samples;
	uint64_t weight;
};

/*
 * What np_profile_add keeps of CPU samples and ALLOC and FREE records: set
 * before reading.  Times are after the start of the recording
 * (start_monotonic_ns, else the first sample or event).
 */
struct np_profile_filter {
	const uint32_t *tids; /* keep only these threads, if NTIDS */
	size_t ntids;
	uint64_t since_ns;    /* 0 keeps from the start */
	uint64_t until_ns;    /* UINT64_MAX keeps to the end */
};

struct np_profile {
	struct np_meta_item *meta;
	size_t nmeta, meta_cap;
	struct np_module *modules;
	size_t nmodules, modules_cap;
	struct np_stack *stacks;
	size_t nstacks, stacks_cap;
	struct np_thread *threads;
	size_t nthreads, threads_cap;

	struct np_intern stack_set;   /* frame arrays -> index in stacks */
	/* MODULE_GONE records so far: the same addresses defined as a stack
	 * after one may be other code, so they make another stack. */
	uint64_t modules_gone;
	struct np_intern stack_ids;   /* u32 stack id -> slot in id_stack */
	uint32_t *id_stack;           /* slot -> index in stacks */
	size_t id_stack_cap;
	struct np_intern thread_ids;  /* u32 tid -> index in threads */

	struct np_intern stack_thread_set; /* {stack, thread} -> index */
	struct np_stack_thread *stack_threads;
	size_t nstack_threads, stack_threads_cap;

	struct np_profile_filter filter;
	bool filter_started;          /* filter_start_ns is known */
	uint64_t filter_start_ns;
	uint64_t filtered_out;        /* samples and events left out */

	uint64_t samples;             /* CPU samples with a known stack */
	uint64_t weight;
	uint64_t samples_no_stack;    /* CPU samples naming an undefined id */
	uint64_t lost[NP_LOST_KIND_MAX + 1];
	uint64_t last_ns;             /* latest timestamp seen */
	struct np_memprofile mem;     /* ALLOC and FREE records */

	bool has_end;
	struct np_rec_end end;
	uint64_t records;             /* records added */
	bool cut_short;               /* set by np_profile_read */
	uint32_t version;             /* set by np_profile_read */
};

/* Set p->mem.at_ns after this to choose the moment of NP_MEM_AT, and
 * p->filter to keep only some threads or a time window. */
void np_profile_init(struct np_profile *p);
void np_profile_release(struct np_profile *p);

/* Adds one decoded record (the next one in the file). */
void np_profile_add(struct np_profile *p, const struct np_record *rec);

/*
 * Adds every record R has left, then notes whether the file was cut short.
 * Returns 0, or R's negative NP_E* code (see np_reader_errmsg).
 */
int np_profile_read(struct np_profile *p, struct np_reader *r);

/* The value of the last META record with KEY, or NULL. */
const char *np_profile_meta(const struct np_profile *p, const char *key);

/* Total of LOST records of all kinds. */
uint64_t np_profile_lost_total(const struct np_profile *p);

#endif /* NPROF_PROFILE_H */
