/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoding and decoding of samples.dat records, one table entry per type.
 * Freestanding apart from memcpy/memcmp/strlen: linked into the agent too.
 */
#include "config.h"

#include <string.h>

#include "record.h"

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
 * One row per type: its name, the smallest and largest payload it can have
 * (fixed-size records have min == max), and its decoder.
 */
static const struct {
	const char *name;
	uint32_t min_size;
	uint32_t max_size;
	int (*decode)(const unsigned char *p, uint32_t size,
		      struct np_record *r);
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
