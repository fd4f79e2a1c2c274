/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Native memory in a profile: ALLOC and FREE records replayed in the order
 * the file holds them, against a table of the allocations still live.
 * Memory grows with the live allocations and the distinct stacks, never
 * with the number of events: the file is read once, and the per-stack
 * breakdown at the peak is kept by copying a stack's figures only when it
 * changes after a new peak.
 *
 * A FREE ends the live allocation at its address; one at an address with
 * none (allocated before the session, or not sampled) is ignored.  An ALLOC
 * at an address that is still live means its FREE was lost: the new one
 * replaces it, and that counts as an inconsistency.
 */
#ifndef NPROF_MEMPROFILE_H
#define NPROF_MEMPROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

struct np_profile;
struct np_stack;
struct np_live_slot;

/* An amount of native memory. */
struct np_mem_value {
	uint64_t bytes;   /* sum of the events' weights */
	double objects;   /* allocations they stand for: weight / size each */
	uint64_t events;  /* ALLOC records */
};

/* Which amount. */
enum np_mem_view {
	NP_MEM_ALLOCATED, /* every allocation of the session */
	NP_MEM_LEAKED,    /* still live when the file ends */
	NP_MEM_AT,        /* live at np_memprofile.at_ns (the end if never) */
	NP_MEM_PEAK,      /* live when the most memory was in use */
};

/* One stack's figures; read them with np_memprofile_stack. */
struct np_stack_mem {
	struct np_mem_value allocated;
	struct np_mem_value live;
	struct np_mem_value at;
	struct np_mem_value peak;  /* live at peak number PEAK_EPOCH */
	uint64_t peak_epoch;
};

/* Bytes in use over time: the most in use from NS until the next point. */
struct np_mem_point {
	uint64_t ns;    /* CLOCK_MONOTONIC */
	uint64_t bytes;
};

/* How many points the series keeps at most: when full, neighbours merge. */
#define NP_MEM_SERIES_MAX 4096

struct np_memprofile {
	/* Set before reading: the moment of NP_MEM_AT, in ns after the start
	 * of the recording; UINT64_MAX (as np_memprofile_init sets) for the
	 * end. */
	uint64_t at_ns;

	struct np_live_slot *slots;  /* the live allocations, by address */
	size_t nslots, nlive;        /* nslots: 0 or a power of two */

	bool started;                /* START_NS is known */
	uint64_t start_ns;           /* start_monotonic_ns, else first event */
	bool at_taken;               /* an event came after the --at moment */

	struct np_mem_value allocated, live, at;
	/* The most bytes live at once, when, and what was live then. */
	uint64_t peak_ns;
	struct np_mem_value peak;
	uint64_t peak_epoch;         /* how many times the peak rose */

	/* Bytes in use over the session, for the timeline: at most
	 * NP_MEM_SERIES_MAX points at least SERIES_STEP ns apart. */
	struct np_mem_point *series;
	size_t nseries;
	uint64_t series_step;

	uint64_t allocs;             /* ALLOC records */
	uint64_t frees;              /* FREE records */
	uint64_t frees_unknown;      /* ... of an address not live */
	uint64_t inconsistencies;    /* ALLOCs at a live address */
	uint64_t allocs_no_stack;    /* ALLOCs naming an undefined stack id */
};

void np_memprofile_init(struct np_memprofile *m);
void np_memprofile_release(struct np_memprofile *m);

/* Replays one record of P's file (P's stacks must be defined first). */
void np_memprofile_alloc(struct np_profile *p, const struct np_rec_alloc *a);
void np_memprofile_free(struct np_profile *p, const struct np_rec_free *f);

/* What stack ST of P holds in VIEW. */
struct np_mem_value np_memprofile_stack(const struct np_profile *p,
					const struct np_stack *st,
					enum np_mem_view view);

/* What all stacks of P hold in VIEW. */
struct np_mem_value np_memprofile_total(const struct np_profile *p,
					enum np_mem_view view);

/*
 * The time the recording started (CLOCK_MONOTONIC ns): start_monotonic_ns,
 * else the first allocation event.  False if neither is known.
 */
bool np_memprofile_start(const struct np_profile *p, uint64_t *ns);

/* Objects an ALLOC stands for: WEIGHT / SIZE, or 1 for a 0-byte block. */
double np_mem_objects(uint64_t size, uint64_t weight);

#endif /* NPROF_MEMPROFILE_H */
