/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replaying ALLOC and FREE records (see memprofile.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "memprofile.h"
#include "profile.h"
#include "xalloc.h"

/* The stack of an allocation whose stack id was never defined. */
#define NO_STACK UINT32_MAX
#define SLOTS_INITIAL 1024

/* One live allocation; the table is open addressing, linear probing. */
struct np_live_slot {
	uint64_t addr;
	uint64_t bytes;
	double objects;
	uint32_t stack; /* index in np_profile.stacks, or NO_STACK */
	uint32_t used;
};

void np_memprofile_init(struct np_memprofile *m)
{
	memset(m, 0, sizeof(*m));
	m->at_ns = UINT64_MAX;
}

void np_memprofile_release(struct np_memprofile *m)
{
	free(m->slots);
	free(m->series);
	np_memprofile_init(m);
}

double np_mem_objects(uint64_t size, uint64_t weight)
{
	return size ? (double)weight / (double)size : 1.0;
}

static size_t home(const struct np_memprofile *m, uint64_t addr)
{
	/* Fibonacci hashing: blocks are 16-byte aligned, so the low bits
	 * alone would crowd into a sixteenth of the slots. */
	return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 32) &
	       (m->nslots - 1);
}

/* The slot holding ADDR, or the free slot where it would go. */
static size_t probe(const struct np_memprofile *m, uint64_t addr)
{
	size_t i = home(m, addr);

	while (m->slots[i].used && m->slots[i].addr != addr)
		i = (i + 1) & (m->nslots - 1);
	return i;
}

static void grow(struct np_memprofile *m)
{
	struct np_live_slot *old = m->slots;
	size_t n = m->nslots;

	m->nslots = n ? n * 2 : SLOTS_INITIAL;
	m->slots = np_xcalloc(m->nslots, sizeof(*m->slots));
	for (size_t i = 0; i < n; i++)
		if (old[i].used)
			m->slots[probe(m, old[i].addr)] = old[i];
	free(old);
}

/* Empties slot I, moving later entries of its run back so that every
 * entry stays reachable from its home slot. */
static void remove_slot(struct np_memprofile *m, size_t i)
{
	size_t mask = m->nslots - 1;

	for (size_t j = (i + 1) & mask; m->slots[j].used; j = (j + 1) & mask) {
		size_t k = home(m, m->slots[j].addr);

		/* J's entry may move to I unless its home lies in (I, J]. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].used = 0;
	m->nlive--;
}

static void value_add(struct np_mem_value *v, uint64_t bytes, double objects)
{
	v->bytes += bytes;
	v->objects += objects;
	v->events++;
}

static void value_sub(struct np_mem_value *v, uint64_t bytes, double objects)
{
	v->bytes -= bytes;
	v->objects -= objects;
	/* Rounding would otherwise leave a trace of what is all gone. */
	if (--v->events == 0)
		v->objects = 0;
}

/*
 * Adds what is in use at TIME to the series.  Within SERIES_STEP of the
 * last point, the point keeps the most; when the series is full, pairs of
 * points merge and the step doubles, so memory stays bounded and a peak
 * is never smoothed away.
 */
static void note_series(struct np_memprofile *m, uint64_t time)
{
	struct np_mem_point *last;

	if (!m->series)
		m->series = np_xcalloc(NP_MEM_SERIES_MAX,
				       sizeof(*m->series));
	last = m->nseries ? &m->series[m->nseries - 1] : NULL;
	if (last && time < last->ns + m->series_step) {
		if (m->live.bytes > last->bytes)
			last->bytes = m->live.bytes;
		return;
	}
	if (m->nseries == NP_MEM_SERIES_MAX) {
		uint64_t span = m->series[m->nseries - 1].ns - m->series[0].ns;

		for (size_t i = 0; i < NP_MEM_SERIES_MAX / 2; i++) {
			const struct np_mem_point *a = &m->series[2 * i];
			const struct np_mem_point *b = &m->series[2 * i + 1];

			m->series[i] = (struct np_mem_point){
				.ns = a->ns,
				.bytes = a->bytes > b->bytes ? a->bytes
							     : b->bytes,
			};
		}
		m->nseries = NP_MEM_SERIES_MAX / 2;
		m->series_step = m->series_step * 2 > span / (NP_MEM_SERIES_MAX / 2)
					 ? m->series_step * 2
					 : span / (NP_MEM_SERIES_MAX / 2) + 1;
		note_series(m, time);
		return;
	}
	m->series[m->nseries++] = (struct np_mem_point){
		.ns = time, .bytes = m->live.bytes,
	};
}

/* Keeps what ST held at the latest peak before it changes. */
static void keep_peak(const struct np_memprofile *m, struct np_stack *st)
{
	if (st->mem.peak_epoch != m->peak_epoch) {
		st->mem.peak = st->mem.live;
		st->mem.peak_epoch = m->peak_epoch;
	}
}

static void end_live(struct np_profile *p, size_t i)
{
	struct np_memprofile *m = &p->mem;
	const struct np_live_slot *s = &m->slots[i];

	if (s->stack != NO_STACK) {
		struct np_stack *st = &p->stacks[s->stack];

		keep_peak(m, st);
		value_sub(&st->mem.live, s->bytes, s->objects);
		value_sub(&m->live, s->bytes, s->objects);
	}
	remove_slot(m, i);
}

static uint64_t meta_start(const struct np_profile *p, bool *found)
{
	const char *v = np_profile_meta(p, "start_monotonic_ns");
	char *end;
	uint64_t ns;

	*found = false;
	if (!v || *v < '0' || *v > '9')
		return 0;
	ns = strtoull(v, &end, 10);
	*found = !*end;
	return ns;
}

bool np_memprofile_start(const struct np_profile *p, uint64_t *ns)
{
	bool found;

	if (p->mem.started) {
		*ns = p->mem.start_ns;
		return true;
	}
	*ns = meta_start(p, &found);
	return found;
}

/* Notes an event's time; snapshots the live stacks once TIME is past the
 * --at moment. */
static void note_event(struct np_profile *p, uint64_t time)
{
	struct np_memprofile *m = &p->mem;
	uint64_t cutoff;

	if (!m->started) {
		bool found;

		m->start_ns = meta_start(p, &found);
		if (!found)
			m->start_ns = time;
		m->started = true;
	}
	if (m->at_taken || m->at_ns == UINT64_MAX)
		return;
	cutoff = m->start_ns + m->at_ns;
	if (cutoff < m->start_ns)
		cutoff = UINT64_MAX;
	if (time <= cutoff)
		return;
	for (size_t i = 0; i < p->nstacks; i++)
		p->stacks[i].mem.at = p->stacks[i].mem.live;
	m->at = m->live;
	m->at_taken = true;
}

void np_memprofile_alloc(struct np_profile *p, const struct np_rec_alloc *a)
{
	struct np_memprofile *m = &p->mem;
	int64_t id = np_intern_find(&p->stack_ids, &a->stack_id,
				    sizeof(a->stack_id));
	double objects = np_mem_objects(a->size, a->weight);
	uint32_t stack = id < 0 ? NO_STACK : p->id_stack[id];
	size_t i;

	note_event(p, a->time_ns);
	m->allocs++;
	if (stack == NO_STACK) {
		m->allocs_no_stack++;
	} else {
		value_add(&p->stacks[stack].mem.allocated, a->weight, objects);
		value_add(&m->allocated, a->weight, objects);
	}

	if ((m->nlive + 1) * 2 > m->nslots)
		grow(m);
	i = probe(m, a->addr);
	if (m->slots[i].used) {
		/* Its FREE was lost: this allocation replaces it. */
		m->inconsistencies++;
		end_live(p, i);
		i = probe(m, a->addr);
	}
	m->slots[i] = (struct np_live_slot){
		.addr = a->addr, .bytes = a->weight, .objects = objects,
		.stack = stack, .used = 1,
	};
	m->nlive++;
	if (stack == NO_STACK)
		return;

	keep_peak(m, &p->stacks[stack]);
	value_add(&p->stacks[stack].mem.live, a->weight, objects);
	value_add(&m->live, a->weight, objects);
	if (m->live.bytes > m->peak.bytes) {
		m->peak = m->live;
		m->peak_ns = a->time_ns;
		m->peak_epoch++;
	}
	note_series(m, a->time_ns);
}

void np_memprofile_free(struct np_profile *p, const struct np_rec_free *f)
{
	struct np_memprofile *m = &p->mem;
	size_t i;

	note_event(p, f->time_ns);
	m->frees++;
	i = m->nlive ? probe(m, f->addr) : 0;
	if (!m->nlive || !m->slots[i].used) {
		/* Allocated before the session, or not sampled. */
		m->frees_unknown++;
		return;
	}
	end_live(p, i);
	note_series(m, f->time_ns);
}

struct np_mem_value np_memprofile_stack(const struct np_profile *p,
					const struct np_stack *st,
					enum np_mem_view view)
{
	switch (view) {
	case NP_MEM_ALLOCATED:
		return st->mem.allocated;
	case NP_MEM_LEAKED:
		return st->mem.live;
	case NP_MEM_AT:
		return p->mem.at_taken ? st->mem.at : st->mem.live;
	case NP_MEM_PEAK:
		/* Unchanged since the last peak: what it holds now. */
		return st->mem.peak_epoch == p->mem.peak_epoch ? st->mem.peak
							       : st->mem.live;
	}
	return (struct np_mem_value){ 0 };
}

struct np_mem_value np_memprofile_total(const struct np_profile *p,
					enum np_mem_view view)
{
	const struct np_memprofile *m = &p->mem;

	switch (view) {
	case NP_MEM_ALLOCATED:
		return m->allocated;
	case NP_MEM_LEAKED:
		return m->live;
	case NP_MEM_AT:
		return m->at_taken ? m->at : m->live;
	case NP_MEM_PEAK:
		return m->peak;
	}
	return (struct np_mem_value){ 0 };
}
