/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoding and decoding of samples.dat records, one table entry per type.
 * Freestanding apart from memcpy/memcmp/strlen: linked into the agent too.
 */
#include "config.h"

#include <string.h>

#include "record.h"
#include "recordP.h"

/* Little cursors over a byte buffer; the caller checks room first. */
static unsigned char *put_u16(unsigned char *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static unsigned char *put_u64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static unsigned char *put_bytes(unsigned char *p, const void *src, size_t n)
{
	if (n)
		memcpy(p, src, n);
	return p + n;
}

static const unsigned char *get_u16(const unsigned char *p, uint16_t *v)
{
	memcpy(v, p, sizeof(*v));
	return p + sizeof(*v);
}

static const unsigned char *get_u32(const unsigned char *p, uint32_t *v)
{
	memcpy(v, p, sizeof(*v));
	return p + sizeof(*v);
}

static const unsigned char *get_u64(const unsigned char *p, uint64_t *v)
{
	memcpy(v, p, sizeof(*v));
	return p + sizeof(*v);
}

/*
 * Starts a record of TYPE with PAYLOAD bytes in BUF; returns where the
 * payload goes, or NULL when it does not fit.
 */
static unsigned char *begin(void *buf, size_t cap, uint32_t type,
			    size_t payload)
{
	if (payload > NP_RECORD_MAX_PAYLOAD ||
	    cap < NP_RECORD_HEADER_SIZE + payload)
		return NULL;
	unsigned char *p = buf;
	p = put_u32(p, type);
	return put_u32(p, (uint32_t)payload);
}

size_t np_rec_encode_file_header(void *buf, size_t cap)
{
	if (cap < NP_FILE_HEADER_SIZE)
		return 0;
	unsigned char *p = put_bytes(buf, NP_FILE_MAGIC, NP_FILE_MAGIC_LEN);
	p = put_u32(p, NP_FORMAT_VERSION);
	put_u32(p, NP_BYTE_ORDER_MARK);
	return NP_FILE_HEADER_SIZE;
}

int np_rec_check_file_header(const void *buf, size_t len, uint32_t *version)
{
	const unsigned char *p = buf;
	uint32_t bom;

	if (len < NP_FILE_HEADER_SIZE ||
	    memcmp(p, NP_FILE_MAGIC, NP_FILE_MAGIC_LEN) != 0)
		return NP_EMAGIC;
	p = get_u32(p + NP_FILE_MAGIC_LEN, version);
	get_u32(p, &bom);
	if (bom != NP_BYTE_ORDER_MARK)
		return NP_EBYTEORDER;
	if (*version > NP_FORMAT_VERSION || *version == 0)
		return NP_EVERSION;
	return 0;
}

size_t np_rec_encode_meta(void *buf, size_t cap, const char *key,
			  const char *value, size_t value_len)
{
	size_t klen = strlen(key);
	unsigned char *p = begin(buf, cap, NP_REC_META, klen + 1 + value_len);

	if (!p)
		return 0;
	p = put_bytes(p, key, klen + 1);
	put_bytes(p, value, value_len);
	return NP_RECORD_HEADER_SIZE + klen + 1 + value_len;
}

static int decode_meta(const unsigned char *p, uint32_t size,
		       struct np_record *r)
{
	const unsigned char *nul = memchr(p, '\0', size);

	if (!nul || nul == p)
		return NP_ECORRUPT;
	r->u.meta.key = (const char *)p;
	r->u.meta.key_len = (size_t)(nul - p);
	r->u.meta.value = (const char *)nul + 1;
	r->u.meta.value_len = size - r->u.meta.key_len - 1;
	return 0;
}

#define MODULE_FIXED 32

size_t np_rec_encode_module(void *buf, size_t cap,
			    const struct np_rec_module *m,
			    const struct np_rec_segment *segs)
{
	size_t size = MODULE_FIXED + m->build_id_len +
		      (size_t)m->nsegs * NP_SEGMENT_SIZE + m->path_len;
	unsigned char *p = begin(buf, cap, NP_REC_MODULE, size);

	if (!p)
		return 0;
	p = put_u32(p, m->id);
	p = put_u64(p, m->time_ns);
	p = put_u64(p, m->bias);
	p = put_u16(p, m->build_id_len);
	p = put_u16(p, m->nsegs);
	p = put_u32(p, m->path_len);
	p = put_u32(p, 0); /* reserved */
	p = put_bytes(p, m->build_id, m->build_id_len);
	for (unsigned int i = 0; i < m->nsegs; i++) {
		p = put_u64(p, segs[i].vaddr);
		p = put_u64(p, segs[i].memsz);
		p = put_u64(p, segs[i].offset);
		p = put_u32(p, segs[i].flags);
		p = put_u32(p, 0);
	}
	put_bytes(p, m->path, m->path_len);
	return NP_RECORD_HEADER_SIZE + size;
}

static int decode_module(const unsigned char *p, uint32_t size,
			 struct np_record *r)
{
	struct np_rec_module *m = &r->u.module;
	uint32_t reserved;

	p = get_u32(p, &m->id);
	p = get_u64(p, &m->time_ns);
	p = get_u64(p, &m->bias);
	p = get_u16(p, &m->build_id_len);
	p = get_u16(p, &m->nsegs);
	p = get_u32(p, &m->path_len);
	p = get_u32(p, &reserved);
	if ((uint64_t)MODULE_FIXED + m->build_id_len +
		    (uint64_t)m->nsegs * NP_SEGMENT_SIZE + m->path_len !=
	    size)
		return NP_ECORRUPT;
	m->build_id = p;
	m->segs = p + m->build_id_len;
	m->path = (const char *)m->segs + (size_t)m->nsegs * NP_SEGMENT_SIZE;
	return 0;
}

void np_rec_module_seg(const struct np_rec_module *m, unsigned int i,
		       struct np_rec_segment *seg)
{
	const unsigned char *p = m->segs + (size_t)i * NP_SEGMENT_SIZE;

	p = get_u64(p, &seg->vaddr);
	p = get_u64(p, &seg->memsz);
	p = get_u64(p, &seg->offset);
	get_u32(p, &seg->flags);
}

size_t np_rec_encode_module_gone(void *buf, size_t cap,
				 const struct np_rec_module_gone *g)
{
	unsigned char *p = begin(buf, cap, NP_REC_MODULE_GONE, 12);

	if (!p)
		return 0;
	p = put_u32(p, g->id);
	put_u64(p, g->time_ns);
	return NP_RECORD_HEADER_SIZE + 12;
}

static int decode_module_gone(const unsigned char *p, uint32_t size,
			      struct np_record *r)
{
	(void)size;
	p = get_u32(p, &r->u.module_gone.id);
	get_u64(p, &r->u.module_gone.time_ns);
	return 0;
}

size_t np_rec_encode_stack(void *buf, size_t cap, uint32_t id,
			   const uint64_t *frames, uint32_t nframes)
{
	unsigned char *p;

	if (nframes > NP_MAX_FRAMES)
		return 0;
	p = begin(buf, cap, NP_REC_STACK, 8 + (size_t)nframes * 8);
	if (!p)
		return 0;
	p = put_u32(p, id);
	p = put_u32(p, nframes);
	put_bytes(p, frames, (size_t)nframes * 8);
	return NP_RECORD_HEADER_SIZE + 8 + (size_t)nframes * 8;
}

static int decode_stack(const unsigned char *p, uint32_t size,
			struct np_record *r)
{
	p = get_u32(p, &r->u.stack.id);
	p = get_u32(p, &r->u.stack.nframes);
	if (r->u.stack.nframes > NP_MAX_FRAMES ||
	    8 + (uint64_t)r->u.stack.nframes * 8 != size)
		return NP_ECORRUPT;
	r->u.stack.frames = p;
	return 0;
}

uint64_t np_rec_stack_frame(const struct np_rec_stack *s, unsigned int i)
{
	uint64_t pc;

	get_u64(s->frames + (size_t)i * 8, &pc);
	return pc;
}

size_t np_rec_encode_cpu_sample(void *buf, size_t cap,
				const struct np_rec_cpu_sample *s)
{
	unsigned char *p = begin(buf, cap, NP_REC_CPU_SAMPLE, 20);

	if (!p)
		return 0;
	p = put_u64(p, s->time_ns);
	p = put_u32(p, s->tid);
	p = put_u32(p, s->stack_id);
	put_u32(p, s->weight);
	return NP_RECORD_HEADER_SIZE + 20;
}

static int decode_cpu_sample(const unsigned char *p, uint32_t size,
			     struct np_record *r)
{
	(void)size;
	p = get_u64(p, &r->u.cpu_sample.time_ns);
	p = get_u32(p, &r->u.cpu_sample.tid);
	p = get_u32(p, &r->u.cpu_sample.stack_id);
	get_u32(p, &r->u.cpu_sample.weight);
	return 0;
}

size_t np_rec_encode_thread(void *buf, size_t cap, uint32_t tid,
			    uint64_t time_ns, const char *name, size_t name_len)
{
	unsigned char *p = begin(buf, cap, NP_REC_THREAD, 12 + name_len);

	if (!p)
		return 0;
	p = put_u32(p, tid);
	p = put_u64(p, time_ns);
	put_bytes(p, name, name_len);
	return NP_RECORD_HEADER_SIZE + 12 + name_len;
}

static int decode_thread(const unsigned char *p, uint32_t size,
			 struct np_record *r)
{
	p = get_u32(p, &r->u.thread.tid);
	p = get_u64(p, &r->u.thread.time_ns);
	r->u.thread.name = (const char *)p;
	r->u.thread.name_len = size - 12;
	return 0;
}

size_t np_rec_encode_lost(void *buf, size_t cap, const struct np_rec_lost *l)
{
	unsigned char *p = begin(buf, cap, NP_REC_LOST, 12);

	if (!p)
		return 0;
	p = put_u32(p, l->kind);
	put_u64(p, l->count);
	return NP_RECORD_HEADER_SIZE + 12;
}

static int decode_lost(const unsigned char *p, uint32_t size,
		       struct np_record *r)
{
	(void)size;
	p = get_u32(p, &r->u.lost.kind);
	get_u64(p, &r->u.lost.count);
	if (r->u.lost.kind == 0 || r->u.lost.kind > NP_LOST_KIND_MAX)
		return NP_ECORRUPT;
	return 0;
}

size_t np_rec_encode_end(void *buf, size_t cap, const struct np_rec_end *e)
{
	unsigned char *p = begin(buf, cap, NP_REC_END, 44);

	if (!p)
		return 0;
	p = put_u64(p, e->time_ns);
	p = put_u64(p, e->realtime_ns);
	p = put_u64(p, e->samples);
	p = put_u64(p, e->allocs);
	p = put_u64(p, e->lost);
	put_u32(p, e->flags);
	return NP_RECORD_HEADER_SIZE + 44;
}

static int decode_end(const unsigned char *p, uint32_t size,
		      struct np_record *r)
{
	(void)size;
	p = get_u64(p, &r->u.end.time_ns);
	p = get_u64(p, &r->u.end.realtime_ns);
	p = get_u64(p, &r->u.end.samples);
	p = get_u64(p, &r->u.end.allocs);
	p = get_u64(p, &r->u.end.lost);
	get_u32(p, &r->u.end.flags);
	return 0;
}

size_t np_rec_encode_alloc(void *buf, size_t cap, const struct np_rec_alloc *a)
{
	unsigned char *p = begin(buf, cap, NP_REC_ALLOC, 40);

	if (!p)
		return 0;
	p = put_u64(p, a->time_ns);
	p = put_u64(p, a->addr);
	p = put_u64(p, a->size);
	p = put_u64(p, a->weight);
	p = put_u32(p, a->tid);
	put_u32(p, a->stack_id);
	return NP_RECORD_HEADER_SIZE + 40;
}

static int decode_alloc(const unsigned char *p, uint32_t size,
			struct np_record *r)
{
	(void)size;
	p = get_u64(p, &r->u.alloc.time_ns);
	p = get_u64(p, &r->u.alloc.addr);
	p = get_u64(p, &r->u.alloc.size);
	p = get_u64(p, &r->u.alloc.weight);
	p = get_u32(p, &r->u.alloc.tid);
	get_u32(p, &r->u.alloc.stack_id);
	return 0;
}

size_t np_rec_encode_free(void *buf, size_t cap, const struct np_rec_free *f)
{
	unsigned char *p = begin(buf, cap, NP_REC_FREE, 20);

	if (!p)
		return 0;
	p = put_u64(p, f->time_ns);
	p = put_u64(p, f->addr);
	put_u32(p, f->tid);
	return NP_RECORD_HEADER_SIZE + 20;
}

static int decode_free(const unsigned char *p, uint32_t size,
		       struct np_record *r)
{
	(void)size;
	p = get_u64(p, &r->u.free.time_ns);
	p = get_u64(p, &r->u.free.addr);
	get_u32(p, &r->u.free.tid);
	return 0;
}

/*
 * MEM_EVENTS: u32 count, u32 allocs, then each event: a tag byte (bit 0:
 * a free; bit 1: a thread id follows, else the previous event's), the tid
 * (varint) if so, then zigzag varints of the time and address deltas from
 * the previous event, and for an allocation the size, the weight minus the
 * size (a weight is never below its size), and the stack id, as varints.
 */
#define MEM_EVENTS_FIXED 8
#define TAG_FREE 1u
#define TAG_TID 2u

const unsigned char *np_get_varint_long(const unsigned char *p,
					const unsigned char *end,
					uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned int shift = 0; p < end && shift < 64; shift += 7) {
		unsigned char b = *p++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return p;
		}
	}
	return NULL;
}

int np_rec_mem_events_start(struct np_mem_events_enc *e, void *buf,
			    size_t cap)
{
	if (!(cap = np_run_room(cap, MEM_EVENTS_FIXED)))
		return 0;
	e->rec = buf;
	e->cap = cap;
	e->len = NP_RECORD_HEADER_SIZE + MEM_EVENTS_FIXED;
	e->count = e->allocs = 0;
	e->tid = 0;
	e->time_ns = 0;
	e->addr = 0;
	return 1;
}

/* The tag, tid, time and address common to both kinds. */
static unsigned char *put_event_head(struct np_mem_events_enc *e,
				     unsigned char *p, unsigned int tag,
				     uint32_t tid, uint64_t time_ns,
				     uint64_t addr)
{
	if (e->count == 0 || tid != e->tid)
		tag |= TAG_TID;
	*p++ = (unsigned char)tag;
	if (tag & TAG_TID)
		p = np_put_varint(p, tid);
	p = np_put_varint(p, np_zigzag(time_ns - e->time_ns));
	p = np_put_varint(p, np_zigzag(addr - e->addr));
	e->tid = tid;
	e->time_ns = time_ns;
	e->addr = addr;
	return p;
}

int np_rec_mem_events_add_alloc(struct np_mem_events_enc *e,
				const struct np_rec_alloc *a)
{
	unsigned char *p = e->rec + e->len;

	if (e->cap - e->len < NP_MEM_EVENT_MAX || a->weight < a->size)
		return 0;
	p = put_event_head(e, p, 0, a->tid, a->time_ns, a->addr);
	p = np_put_varint(p, a->size);
	p = np_put_varint(p, a->weight - a->size);
	p = np_put_varint(p, a->stack_id);
	e->len = (size_t)(p - e->rec);
	e->count++;
	e->allocs++;
	return 1;
}

int np_rec_mem_events_add_free(struct np_mem_events_enc *e,
			       const struct np_rec_free *f)
{
	unsigned char *p = e->rec + e->len;

	if (e->cap - e->len < NP_MEM_EVENT_MAX)
		return 0;
	p = put_event_head(e, p, TAG_FREE, f->tid, f->time_ns, f->addr);
	e->len = (size_t)(p - e->rec);
	e->count++;
	return 1;
}

size_t np_rec_mem_events_finish(struct np_mem_events_enc *e)
{
	unsigned char *p = e->rec;

	if (e->count == 0)
		return 0;
	p = np_run_header(p, NP_REC_MEM_EVENTS, e->len);
	p = put_u32(p, e->count);
	put_u32(p, e->allocs);
	return e->len;
}

void np_rec_mem_events_begin(struct np_mem_events_iter *it,
			     const struct np_rec_mem_events *e)
{
	it->p = e->data;
	it->end = e->data + e->len;
	it->left = e->count;
	it->tid = 0;
	it->time_ns = 0;
	it->addr = 0;
}

/* 1 and the event, 0 at the end, -1 when the run is malformed. */
static inline int next_event(struct np_mem_events_iter *it, uint32_t *type,
		      struct np_rec_alloc *a, struct np_rec_free *f)
{
	const unsigned char *p = it->p;
	uint64_t v, time_d, addr_d, size, extra, stack;
	unsigned int tag;

	if (it->left == 0)
		return p == it->end ? 0 : -1;
	if (p >= it->end)
		return -1;
	tag = *p++;
	if (tag & ~(TAG_FREE | TAG_TID))
		return -1;
	if (tag & TAG_TID) {
		if (!(p = np_get_varint(p, it->end, &v)) || v > UINT32_MAX)
			return -1;
		it->tid = (uint32_t)v;
	}
	if (!(p = np_get_varint(p, it->end, &time_d)) ||
	    !(p = np_get_varint(p, it->end, &addr_d)))
		return -1;
	it->time_ns += np_unzigzag(time_d);
	it->addr += np_unzigzag(addr_d);
	if (tag & TAG_FREE) {
		*type = NP_REC_FREE;
		f->time_ns = it->time_ns;
		f->addr = it->addr;
		f->tid = it->tid;
	} else {
		if (!(p = np_get_varint(p, it->end, &size)) ||
		    !(p = np_get_varint(p, it->end, &extra)) ||
		    !(p = np_get_varint(p, it->end, &stack)) ||
		    stack > UINT32_MAX || size + extra < size)
			return -1;
		*type = NP_REC_ALLOC;
		a->time_ns = it->time_ns;
		a->addr = it->addr;
		a->size = size;
		a->weight = size + extra;
		a->tid = it->tid;
		a->stack_id = (uint32_t)stack;
	}
	it->p = p;
	it->left--;
	return 1;
}

int np_rec_mem_events_next(struct np_mem_events_iter *it, uint32_t *type,
			   struct np_rec_alloc *a, struct np_rec_free *f)
{
	return next_event(it, type, a, f) > 0;
}

/* Whether the run can hold its counts: each event takes 3 to
 * NP_MEM_EVENT_MAX bytes. */
static int decode_mem_events_shallow(const unsigned char *p, uint32_t size,
				     struct np_record *r)
{
	struct np_rec_mem_events *e = &r->u.mem_events;

	p = get_u32(p, &e->count);
	p = get_u32(p, &e->allocs);
	e->data = p;
	e->len = size - MEM_EVENTS_FIXED;
	if (e->allocs > e->count || e->len / 3 < e->count ||
	    e->len / NP_MEM_EVENT_MAX > e->count)
		return NP_ECORRUPT;
	return 0;
}

/* Walks the whole run once, so that a malformed one is refused here. */
static int decode_mem_events(const unsigned char *p, uint32_t size,
			     struct np_record *r)
{
	struct np_rec_mem_events *e = &r->u.mem_events;
	struct np_mem_events_iter it;
	struct np_rec_alloc a;
	struct np_rec_free f;
	uint32_t type, allocs = 0;
	int rc;

	if (decode_mem_events_shallow(p, size, r))
		return NP_ECORRUPT;
	np_rec_mem_events_begin(&it, e);
	while ((rc = next_event(&it, &type, &a, &f)) > 0)
		allocs += type == NP_REC_ALLOC;
	return rc < 0 || allocs != e->allocs ? NP_ECORRUPT : 0;
}

/*
 * One row per type: its name, the smallest and largest payload it can have
 * (fixed-size records have min == max), its decoder, and for a packed run
 * the decoder that only checks its size against its counts.
 */
typedef int decode_fn(const unsigned char *p, uint32_t size,
		      struct np_record *r);
static const struct {
	const char *name;
	uint32_t min_size;
	uint32_t max_size;
	decode_fn *decode;
	decode_fn *shallow;
} rec_types[NP_REC_TYPE_MAX + 1] = {
	[NP_REC_META] = { "meta", 2, NP_RECORD_MAX_PAYLOAD, decode_meta },
	[NP_REC_MODULE] = { "module", MODULE_FIXED, NP_RECORD_MAX_PAYLOAD,
			    decode_module },
	[NP_REC_MODULE_GONE] = { "module_gone", 12, 12, decode_module_gone },
	[NP_REC_STACK] = { "stack", 8, 8 + NP_MAX_FRAMES * 8, decode_stack },
	[NP_REC_CPU_SAMPLE] = { "cpu_sample", 20, 20, decode_cpu_sample },
	[NP_REC_THREAD] = { "thread", 12, 12 + 4096, decode_thread },
	[NP_REC_LOST] = { "lost", 12, 12, decode_lost },
	[NP_REC_END] = { "end", 44, 44, decode_end },
	[NP_REC_ALLOC] = { "alloc", 40, 40, decode_alloc },
	[NP_REC_FREE] = { "free", 20, 20, decode_free },
	[NP_REC_MEM_EVENTS] = { "mem_events", MEM_EVENTS_FIXED,
				NP_RECORD_MAX_PAYLOAD, decode_mem_events,
				decode_mem_events_shallow },
	[NP_REC_STACKS] = { "stacks", 8, NP_RECORD_MAX_PAYLOAD,
			    np_rec_decode_stacks,
			    np_rec_decode_stacks_shallow },
	[NP_REC_CPU_SAMPLES] = { "cpu_samples", 4, NP_RECORD_MAX_PAYLOAD,
				 np_rec_decode_cpu_samples,
				 np_rec_decode_cpu_samples_shallow },
};

const char *np_rec_type_name(uint32_t type)
{
	if (type == 0 || type > NP_REC_TYPE_MAX)
		return NULL;
	return rec_types[type].name;
}

int np_rec_parse_header(const void *buf, uint32_t *type, uint32_t *size)
{
	const unsigned char *p = buf;

	p = get_u32(p, type);
	get_u32(p, size);
	if (*type == 0 || *type > NP_REC_TYPE_MAX ||
	    *size < rec_types[*type].min_size ||
	    *size > rec_types[*type].max_size)
		return NP_ECORRUPT;
	return 0;
}

int np_rec_decode(uint32_t type, const void *payload, uint32_t size,
		  struct np_record *out)
{
	if (type == 0 || type > NP_REC_TYPE_MAX ||
	    size < rec_types[type].min_size || size > rec_types[type].max_size)
		return NP_ECORRUPT;
	out->type = type;
	out->size = size;
	out->payload = payload;
	return rec_types[type].decode(payload, size, out);
}

int np_rec_decode_shallow(uint32_t type, const void *payload, uint32_t size,
			  struct np_record *out)
{
	if (type == 0 || type > NP_REC_TYPE_MAX || !rec_types[type].shallow)
		return np_rec_decode(type, payload, size, out);
	if (size < rec_types[type].min_size || size > rec_types[type].max_size)
		return NP_ECORRUPT;
	out->type = type;
	out->size = size;
	out->payload = payload;
	return rec_types[type].shallow(payload, size, out);
}
