/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Aggregating records into an np_profile (see profile.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "printable.h"
#include "profile.h"
#include "reader.h"
#include "xalloc.h"

void np_profile_init(struct np_profile *p)
{
	memset(p, 0, sizeof(*p));
	np_intern_init(&p->stack_set);
	np_intern_init(&p->stack_ids);
	np_intern_init(&p->thread_ids);
	np_intern_init(&p->stack_thread_set);
	np_memprofile_init(&p->mem);
	p->filter.until_ns = UINT64_MAX;
}

void np_profile_release(struct np_profile *p)
{
	for (size_t i = 0; i < p->nmeta; i++) {
		free(p->meta[i].key);
		free(p->meta[i].value);
	}
	for (size_t i = 0; i < p->nmodules; i++) {
		free(p->modules[i].path);
		free(p->modules[i].build_id);
		free(p->modules[i].segs);
	}
	for (size_t i = 0; i < p->nthreads; i++)
		free(p->threads[i].name);
	free(p->meta);
	free(p->modules);
	free(p->stacks);
	free(p->threads);
	free(p->id_stack);
	np_intern_release(&p->stack_set);
	np_intern_release(&p->stack_ids);
	np_intern_release(&p->thread_ids);
	np_intern_release(&p->stack_thread_set);
	free(p->stack_threads);
	np_memprofile_release(&p->mem);
	np_profile_init(p);
}

static void note_time(struct np_profile *p, uint64_t ns)
{
	if (ns > p->last_ns)
		p->last_ns = ns;
}

static void add_meta(struct np_profile *p, const struct np_rec_meta *m)
{
	np_xgrow(&p->meta, p->nmeta, &p->meta_cap, sizeof(*p->meta));
	p->meta[p->nmeta++] = (struct np_meta_item){
		.key = np_printable(np_xstrndup(m->key, m->key_len)),
		.value = np_printable(np_xstrndup(m->value, m->value_len)),
	};
}

static void add_module(struct np_profile *p, const struct np_rec_module *m)
{
	struct np_module *mod;

	np_xgrow(&p->modules, p->nmodules, &p->modules_cap,
		 sizeof(*p->modules));
	mod = &p->modules[p->nmodules++];
	*mod = (struct np_module){
		.id = m->id,
		.path = np_xstrndup(m->path, m->path_len),
		.bias = m->bias,
		.build_id_len = m->build_id_len,
		.nsegs = m->nsegs,
		.load_ns = m->time_ns,
		.load_seq = p->records,
		.gone_seq = UINT64_MAX,
	};
	if (m->build_id_len) {
		mod->build_id = np_xmalloc(m->build_id_len);
		memcpy(mod->build_id, m->build_id, m->build_id_len);
	}
	mod->segs = np_xcalloc(m->nsegs, sizeof(*mod->segs));
	for (unsigned int i = 0; i < m->nsegs; i++)
		np_rec_module_seg(m, i, &mod->segs[i]);
	note_time(p, m->time_ns);
}

/* The unload is of the latest module loaded under that id. */
static void module_gone(struct np_profile *p,
			const struct np_rec_module_gone *g)
{
	for (size_t i = p->nmodules; i-- > 0;) {
		struct np_module *mod = &p->modules[i];

		if (mod->id == g->id && mod->gone_seq == UINT64_MAX) {
			mod->gone_ns = g->time_ns;
			mod->gone_seq = p->records;
			p->modules_gone++;
			break;
		}
	}
	note_time(p, g->time_ns);
}

static void define_stack(struct np_profile *p, const struct np_rec_stack *s)
{
	/* The frames, then how many modules were gone then: a key word that
	 * no user of the stack reads. */
	uint64_t pcs[NP_MAX_FRAMES + 1];
	bool added;
	uint32_t index, slot;

	for (uint32_t i = 0; i < s->nframes; i++)
		pcs[i] = np_rec_stack_frame(s, i);
	pcs[s->nframes] = p->modules_gone;
	index = np_intern_add(&p->stack_set, pcs,
			      (s->nframes + 1) * sizeof(*pcs), &added);
	if (added) {
		np_xgrow(&p->stacks, p->nstacks, &p->stacks_cap,
			 sizeof(*p->stacks));
		p->stacks[p->nstacks++] = (struct np_stack){
			.pcs = np_intern_key(&p->stack_set, index, NULL),
			.nframes = s->nframes,
			.seq = p->records,
		};
	}
	/* A later definition of an id replaces the earlier one. */
	slot = np_intern_add(&p->stack_ids, &s->id, sizeof(s->id), &added);
	if (added)
		np_xgrow(&p->id_stack, slot, &p->id_stack_cap,
			 sizeof(*p->id_stack));
	p->id_stack[slot] = index;
}

static struct np_thread *thread_of(struct np_profile *p, uint32_t tid)
{
	bool added;
	uint32_t i = np_intern_add(&p->thread_ids, &tid, sizeof(tid), &added);

	if (added) {
		np_xgrow(&p->threads, p->nthreads, &p->threads_cap,
			 sizeof(*p->threads));
		p->threads[p->nthreads++] = (struct np_thread){ .tid = tid };
	}
	return &p->threads[i];
}

/* Whether TIME is in the filter's window. */
static bool in_window(struct np_profile *p, uint64_t time)
{
	const struct np_profile_filter *f = &p->filter;
	uint64_t after;

	if (!f->since_ns && f->until_ns == UINT64_MAX)
		return true;
	if (!p->filter_started) {
		const char *v = np_profile_meta(p, "start_monotonic_ns");
		char *end = NULL;

		p->filter_start_ns = v ? strtoull(v, &end, 10) : 0;
		if (!v || !*v || *end)
			p->filter_start_ns = time;
		p->filter_started = true;
	}
	after = time >= p->filter_start_ns ? time - p->filter_start_ns : 0;
	return after >= f->since_ns && after <= f->until_ns;
}

/* Whether the filter keeps a sample or allocation of thread TID at TIME. */
static bool kept(struct np_profile *p, uint32_t tid, uint64_t time)
{
	const struct np_profile_filter *f = &p->filter;
	size_t i = 0;

	while (i < f->ntids && f->tids[i] != tid)
		i++;
	if ((!f->ntids || i < f->ntids) && in_window(p, time))
		return true;
	p->filtered_out++;
	return false;
}

static void add_stack_thread(struct np_profile *p, uint32_t stack,
			     uint32_t thread, uint32_t weight)
{
	uint32_t key[2] = { stack, thread };
	bool added;
	uint32_t i = np_intern_add(&p->stack_thread_set, key, sizeof(key),
				   &added);

	if (added) {
		np_xgrow(&p->stack_threads, p->nstack_threads,
			 &p->stack_threads_cap, sizeof(*p->stack_threads));
		p->stack_threads[p->nstack_threads++] =
			(struct np_stack_thread){ .stack = stack,
						  .thread = thread };
	}
	p->stack_threads[i].samples++;
	p->stack_threads[i].weight += weight;
}

static void add_cpu_sample(struct np_profile *p,
			   const struct np_rec_cpu_sample *s)
{
	int64_t slot = np_intern_find(&p->stack_ids, &s->stack_id,
				      sizeof(s->stack_id));
	struct np_stack *st;
	struct np_thread *th;

	note_time(p, s->time_ns);
	if (!kept(p, s->tid, s->time_ns))
		return;
	if (slot < 0) {
		p->samples_no_stack++;
		return;
	}
	st = &p->stacks[p->id_stack[slot]];
	st->samples++;
	st->weight += s->weight;
	p->samples++;
	p->weight += s->weight;
	th = thread_of(p, s->tid);
	th->samples++;
	add_stack_thread(p, p->id_stack[slot], (uint32_t)(th - p->threads),
			 s->weight);
}

static void name_thread(struct np_profile *p, const struct np_rec_thread *t)
{
	struct np_thread *th = thread_of(p, t->tid);

	/* A thread may be renamed: the last name is the one it ran under
	 * longest in the common case (set right after it starts). */
	free(th->name);
	th->name = np_printable(np_xstrndup(t->name, t->name_len));
	note_time(p, t->time_ns);
}

/* Each event of a MEM_EVENTS run, as if it came in its own record. */
static void add_mem_events(struct np_profile *p,
			   const struct np_rec_mem_events *e)
{
	struct np_mem_events_iter it;
	struct np_rec_alloc a;
	struct np_rec_free f;
	uint32_t type;

	np_rec_mem_events_begin(&it, e);
	while (np_rec_mem_events_next(&it, &type, &a, &f)) {
		if (type == NP_REC_ALLOC) {
			np_memprofile_alloc(p, &a);
			note_time(p, a.time_ns);
		} else {
			np_memprofile_free(p, &f);
			note_time(p, f.time_ns);
		}
	}
}

void np_profile_add(struct np_profile *p, const struct np_record *rec)
{
	p->records++;
	switch (rec->type) {
	case NP_REC_META:
		add_meta(p, &rec->u.meta);
		break;
	case NP_REC_MODULE:
		add_module(p, &rec->u.module);
		break;
	case NP_REC_MODULE_GONE:
		module_gone(p, &rec->u.module_gone);
		break;
	case NP_REC_STACK:
		define_stack(p, &rec->u.stack);
		break;
	case NP_REC_CPU_SAMPLE:
		add_cpu_sample(p, &rec->u.cpu_sample);
		break;
	case NP_REC_THREAD:
		name_thread(p, &rec->u.thread);
		break;
	case NP_REC_LOST:
		/* LOST records are deltas: sum them. */
		p->lost[rec->u.lost.kind] += rec->u.lost.count;
		break;
	case NP_REC_END:
		p->has_end = true;
		p->end = rec->u.end;
		note_time(p, rec->u.end.time_ns);
		break;
	case NP_REC_ALLOC:
		if (kept(p, rec->u.alloc.tid, rec->u.alloc.time_ns))
			np_memprofile_alloc(p, &rec->u.alloc);
		note_time(p, rec->u.alloc.time_ns);
		break;
	case NP_REC_FREE:
		/* Any thread's free ends a kept allocation; a free after
		 * --until did not happen yet. */
		if (in_window(p, rec->u.free.time_ns))
			np_memprofile_free(p, &rec->u.free);
		note_time(p, rec->u.free.time_ns);
		break;
	case NP_REC_MEM_EVENTS:
		add_mem_events(p, &rec->u.mem_events);
		break;
	}
}

int np_profile_read(struct np_profile *p, struct np_reader *r)
{
	struct np_record rec;
	int rc;

	p->version = np_reader_version(r);
	while ((rc = np_reader_next(r, &rec)) > 0)
		np_profile_add(p, &rec);
	if (rc < 0)
		return rc;
	p->cut_short = np_reader_cut_short(r);
	return 0;
}

const char *np_profile_meta(const struct np_profile *p, const char *key)
{
	for (size_t i = p->nmeta; i-- > 0;)
		if (!strcmp(p->meta[i].key, key))
			return p->meta[i].value;
	return NULL;
}

uint64_t np_profile_lost_total(const struct np_profile *p)
{
	uint64_t sum = 0;

	for (int k = 1; k <= NP_LOST_KIND_MAX; k++)
		sum += p->lost[k];
	return sum;
}
