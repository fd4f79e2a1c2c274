/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The packed records of format version 2: STACKS (stack definitions that
 * share the root end of an earlier stack) and CPU_SAMPLES (samples packed
 * against the one before).  Layouts in nprof-format(5).  Freestanding, as
 * record.c: the agent's writer builds these in place.
 */
#include "config.h"

#include <string.h>

#include "record.h"
#include "recordP.h"

/* STACKS: u32 first id, u32 count, then the definitions. */
#define STACKS_FIXED 8
/* The shortest definition: three one-byte varints. */
#define STACK_DEF_MIN 3

int np_rec_stacks_start(struct np_stacks_enc *e, void *buf, size_t cap)
{
	if (!(cap = np_run_room(cap, STACKS_FIXED)))
		return 0;
	e->rec = buf;
	e->cap = cap;
	e->len = NP_RECORD_HEADER_SIZE + STACKS_FIXED;
	e->first_id = e->count = 0;
	return 1;
}

int np_rec_stacks_add(struct np_stacks_enc *e, uint32_t id, uint32_t parent,
		      uint32_t keep, const uint64_t *frames, uint32_t n)
{
	uint32_t nnew = n - keep;
	unsigned char *p = e->rec + e->len;
	uint64_t caller;

	if (n > NP_MAX_FRAMES || keep > n || id == 0 ||
	    (parent ? parent >= id : keep != 0))
		return 0;
	if (e->count && id != e->first_id + e->count)
		return 0;
	if (e->cap - e->len < 15 + (size_t)nnew * 10)
		return 0;
	p = np_put_varint(p, parent ? id - parent : 0);
	p = np_put_varint(p, keep);
	p = np_put_varint(p, nnew);
	/* Root end first, each frame against its caller: return addresses
	 * of one module lie close together. */
	caller = keep ? frames[nnew] : 0;
	for (uint32_t i = nnew; i-- > 0;) {
		p = np_put_varint(p, np_zigzag(frames[i] - caller));
		caller = frames[i];
	}
	if (e->count++ == 0)
		e->first_id = id;
	e->len = (size_t)(p - e->rec);
	return 1;
}

size_t np_rec_stacks_finish(struct np_stacks_enc *e)
{
	unsigned char *p = e->rec;

	if (e->count == 0)
		return 0;
	p = np_run_header(p, NP_REC_STACKS, e->len);
	p = np_put_u32(p, e->first_id);
	np_put_u32(p, e->count);
	return e->len;
}

void np_rec_stacks_begin(struct np_stacks_iter *it,
			 const struct np_rec_stacks *s)
{
	it->p = s->data;
	it->end = s->data + s->len;
	it->left = s->count;
	it->id = s->first_id;
}

/* 1 and the definition, 0 at the end, -1 when the run is malformed. */
static int next_def(struct np_stacks_iter *it, struct np_stack_def *d)
{
	const unsigned char *p = it->p;
	uint64_t back, keep, nnew, v;

	if (it->left == 0)
		return p == it->end ? 0 : -1;
	if (!(p = np_get_varint(p, it->end, &back)) ||
	    !(p = np_get_varint(p, it->end, &keep)) ||
	    !(p = np_get_varint(p, it->end, &nnew)))
		return -1;
	if (back >= it->id || (back == 0 && keep != 0) ||
	    keep > NP_MAX_FRAMES || nnew > NP_MAX_FRAMES - keep)
		return -1;
	d->id = it->id;
	d->parent = back ? it->id - (uint32_t)back : 0;
	d->keep = (uint32_t)keep;
	d->nnew = (uint32_t)nnew;
	d->frames = p;
	for (uint64_t i = 0; i < nnew; i++)
		if (!(p = np_get_varint(p, it->end, &v)))
			return -1;
	it->p = p;
	it->id++;
	it->left--;
	return 1;
}

int np_rec_stacks_next(struct np_stacks_iter *it, struct np_stack_def *d)
{
	return next_def(it, d) > 0;
}

int np_rec_stack_def_frames(const struct np_stack_def *d,
			    const uint64_t *parent, uint32_t parent_n,
			    uint64_t *out)
{
	/* The varints were checked by the walk: none is longer than 10. */
	const unsigned char *p = d->frames, *end = p + (size_t)d->nnew * 10;
	uint64_t caller, v;

	if (d->keep > parent_n)
		return -1;
	if (d->keep)
		memcpy(out + d->nnew, parent + (parent_n - d->keep),
		       (size_t)d->keep * sizeof(*out));
	caller = d->keep ? out[d->nnew] : 0;
	for (uint32_t i = d->nnew; i-- > 0;) {
		p = np_get_varint(p, end, &v);
		out[i] = caller + np_unzigzag(v);
		caller = out[i];
	}
	return (int)(d->keep + d->nnew);
}

int np_rec_decode_stacks_shallow(const unsigned char *p, uint32_t size,
				 struct np_record *r)
{
	struct np_rec_stacks *s = &r->u.stacks;

	p = np_get_u32(p, &s->first_id);
	p = np_get_u32(p, &s->count);
	s->data = p;
	s->len = size - STACKS_FIXED;
	if (s->first_id == 0 || s->count == 0 ||
	    s->first_id - 1 > UINT32_MAX - s->count ||
	    s->len / STACK_DEF_MIN < s->count ||
	    s->len / NP_STACK_DEF_MAX > s->count)
		return NP_ECORRUPT;
	return 0;
}

int np_rec_decode_stacks(const unsigned char *p, uint32_t size,
			 struct np_record *r)
{
	struct np_stacks_iter it;
	struct np_stack_def d;
	int rc;

	if (np_rec_decode_stacks_shallow(p, size, r))
		return NP_ECORRUPT;
	np_rec_stacks_begin(&it, &r->u.stacks);
	while ((rc = next_def(&it, &d)) > 0)
		;
	return rc < 0 ? NP_ECORRUPT : 0;
}

/*
 * CPU_SAMPLES: u32 count, then each sample: a varint of the stack id
 * shifted left by two, its low bits saying whether a thread id (bit 0) and
 * a weight (bit 1) follow, else they are the previous sample's; those
 * varints; and the zigzag varint of the time's difference from the
 * previous sample's (0 before the first).
 */
#define CPU_SAMPLES_FIXED 4
#define SAMPLE_TID 1u
#define SAMPLE_WEIGHT 2u
/* The shortest sample: the stack varint and the time's, a byte each. */
#define SAMPLE_MIN 2

int np_rec_cpu_samples_start(struct np_cpu_samples_enc *e, void *buf,
			     size_t cap)
{
	if (!(cap = np_run_room(cap, CPU_SAMPLES_FIXED)))
		return 0;
	e->rec = buf;
	e->cap = cap;
	e->len = NP_RECORD_HEADER_SIZE + CPU_SAMPLES_FIXED;
	e->count = 0;
	memset(&e->prev, 0, sizeof(e->prev));
	return 1;
}

int np_rec_cpu_samples_add(struct np_cpu_samples_enc *e,
			   const struct np_rec_cpu_sample *s)
{
	unsigned char *p = e->rec + e->len;
	uint64_t head = (uint64_t)s->stack_id << 2;

	if (e->cap - e->len < NP_CPU_SAMPLE_MAX)
		return 0;
	if (e->count == 0 || s->tid != e->prev.tid)
		head |= SAMPLE_TID;
	if (e->count == 0 || s->weight != e->prev.weight)
		head |= SAMPLE_WEIGHT;
	p = np_put_varint(p, head);
	if (head & SAMPLE_TID)
		p = np_put_varint(p, s->tid);
	if (head & SAMPLE_WEIGHT)
		p = np_put_varint(p, s->weight);
	p = np_put_varint(p, np_zigzag(s->time_ns - e->prev.time_ns));
	e->prev = *s;
	e->count++;
	e->len = (size_t)(p - e->rec);
	return 1;
}

size_t np_rec_cpu_samples_finish(struct np_cpu_samples_enc *e)
{
	unsigned char *p = e->rec;

	if (e->count == 0)
		return 0;
	p = np_run_header(p, NP_REC_CPU_SAMPLES, e->len);
	np_put_u32(p, e->count);
	return e->len;
}

void np_rec_cpu_samples_begin(struct np_cpu_samples_iter *it,
			      const struct np_rec_cpu_samples *c)
{
	it->p = c->data;
	it->end = c->data + c->len;
	it->left = c->count;
	memset(&it->prev, 0, sizeof(it->prev));
}

/* 1 and the sample, 0 at the end, -1 when the run is malformed. */
static int next_sample(struct np_cpu_samples_iter *it,
		       struct np_rec_cpu_sample *s)
{
	const unsigned char *p = it->p;
	uint64_t head, v, time_d;

	if (it->left == 0)
		return p == it->end ? 0 : -1;
	if (!(p = np_get_varint(p, it->end, &head)) || head >> 34)
		return -1;
	it->prev.stack_id = (uint32_t)(head >> 2);
	if (head & SAMPLE_TID) {
		if (!(p = np_get_varint(p, it->end, &v)) || v > UINT32_MAX)
			return -1;
		it->prev.tid = (uint32_t)v;
	}
	if (head & SAMPLE_WEIGHT) {
		if (!(p = np_get_varint(p, it->end, &v)) || v > UINT32_MAX)
			return -1;
		it->prev.weight = (uint32_t)v;
	}
	if (!(p = np_get_varint(p, it->end, &time_d)))
		return -1;
	it->prev.time_ns += np_unzigzag(time_d);
	*s = it->prev;
	it->p = p;
	it->left--;
	return 1;
}

int np_rec_cpu_samples_next(struct np_cpu_samples_iter *it,
			    struct np_rec_cpu_sample *s)
{
	return next_sample(it, s) > 0;
}

int np_rec_decode_cpu_samples_shallow(const unsigned char *p, uint32_t size,
				      struct np_record *r)
{
	struct np_rec_cpu_samples *c = &r->u.cpu_samples;

	p = np_get_u32(p, &c->count);
	c->data = p;
	c->len = size - CPU_SAMPLES_FIXED;
	if (c->count == 0 || c->len / SAMPLE_MIN < c->count ||
	    c->len / NP_CPU_SAMPLE_MAX > c->count)
		return NP_ECORRUPT;
	return 0;
}

/* Walks the whole run once, so that a malformed one is refused here, and
 * the first sample has its thread id and weight. */
int np_rec_decode_cpu_samples(const unsigned char *p, uint32_t size,
			      struct np_record *r)
{
	struct np_cpu_samples_iter it;
	struct np_rec_cpu_sample s;
	int rc;

	if (np_rec_decode_cpu_samples_shallow(p, size, r))
		return NP_ECORRUPT;
	if ((r->u.cpu_samples.data[0] & (SAMPLE_TID | SAMPLE_WEIGHT)) !=
	    (SAMPLE_TID | SAMPLE_WEIGHT))
		return NP_ECORRUPT;
	np_rec_cpu_samples_begin(&it, &r->u.cpu_samples);
	while ((rc = next_sample(&it, &s)) > 0)
		;
	return rc < 0 ? NP_ECORRUPT : 0;
}
