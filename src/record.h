/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The samples.dat record format, the one contract between the agent (which
 * writes the stream) and the reader.  Specified in man/nprof-format.5; change
 * both in the same commit and bump NP_FORMAT_VERSION when a reader of the old
 * version would misread the new one.
 *
 * A file is a 16-byte file header followed by records.  A record is an 8-byte
 * header (type, payload size, both u32) and its payload.  Every integer is in
 * the byte order of the machine that wrote it, which the file header records.
 * Payloads are packed (no padding) and read with memcpy, never by casting.
 *
 * Nothing here allocates or calls stdio: the agent uses it from its writer
 * thread, and the encoders are safe anywhere.
 */
#ifndef NPROF_RECORD_H
#define NPROF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define NP_FILE_MAGIC "NPROFDAT"
#define NP_FILE_MAGIC_LEN 8
#define NP_FORMAT_VERSION 2
#define NP_BYTE_ORDER_MARK 0x01020304u
#define NP_FILE_HEADER_SIZE 16
#define NP_RECORD_HEADER_SIZE 8
/* No record is larger; a reader treats a bigger size as corruption. */
#define NP_RECORD_MAX_PAYLOAD (1u << 20)
/* Deepest stack a STACK record carries. */
#define NP_MAX_FRAMES 256

enum np_rec_type {
	NP_REC_META = 1,        /* key, NUL, value */
	NP_REC_MODULE = 2,      /* a module (executable or library) is mapped */
	NP_REC_MODULE_GONE = 3, /* a module was unloaded */
	NP_REC_STACK = 4,       /* a stack definition (version 1 files) */
	NP_REC_CPU_SAMPLE = 5,  /* one CPU sample (version 1 files) */
	NP_REC_THREAD = 6,      /* a thread's name */
	NP_REC_LOST = 7,        /* events dropped since the last LOST of that kind */
	NP_REC_END = 8,         /* the trailer: the file is whole */
	NP_REC_ALLOC = 9,       /* an allocation (native memory mode) */
	NP_REC_FREE = 10,       /* a free (native memory mode) */
	NP_REC_MEM_EVENTS = 11, /* allocations and frees, packed */
	NP_REC_STACKS = 12,     /* stack definitions, packed */
	NP_REC_CPU_SAMPLES = 13, /* CPU samples, packed */
	NP_REC_TYPE_MAX = 13,
};

/* What a LOST record counts. */
enum np_lost_kind {
	NP_LOST_SAMPLE_RING = 1, /* the agent's sample ring was full */
	NP_LOST_STREAM = 2,      /* records the CLI could not take in time */
	NP_LOST_UNWIND = 3,      /* samples whose stack could not be taken */
	NP_LOST_ALLOC_RING = 4,  /* allocation events dropped */
	NP_LOST_KIND_MAX = 4,
};

/* Segment flags, as in ELF's p_flags. */
#define NP_SEG_X 1u
#define NP_SEG_W 2u
#define NP_SEG_R 4u

struct np_rec_meta {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

struct np_rec_segment {
	uint64_t vaddr; /* p_vaddr: add the module's bias for the address */
	uint64_t memsz;
	uint64_t offset; /* p_offset in the file */
	uint32_t flags;  /* NP_SEG_* */
};
#define NP_SEGMENT_SIZE 32

struct np_rec_module {
	uint32_t id;
	uint64_t time_ns;
	uint64_t bias; /* the load bias: dlpi_addr or l_addr */
	uint16_t build_id_len;
	uint16_t nsegs;
	uint32_t path_len;
	const uint8_t *build_id;
	const uint8_t *segs; /* nsegs packed segments: use np_rec_module_seg */
	const char *path;
};

struct np_rec_module_gone {
	uint32_t id;
	uint64_t time_ns;
};

struct np_rec_stack {
	uint32_t id;
	uint32_t nframes;
	const uint8_t *frames; /* nframes u64 addresses, leaf first */
};

struct np_rec_cpu_sample {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint32_t tid;
	uint32_t stack_id;
	uint32_t weight; /* nanoseconds of CPU, or events for a hardware event */
};

struct np_rec_thread {
	uint32_t tid;
	uint64_t time_ns;
	const char *name;
	size_t name_len;
};

struct np_rec_lost {
	uint32_t kind; /* enum np_lost_kind */
	uint64_t count;
};

struct np_rec_end {
	uint64_t time_ns;      /* CLOCK_MONOTONIC at the end */
	uint64_t realtime_ns;  /* wall clock at the end */
	uint64_t samples;      /* CPU samples in the file */
	uint64_t allocs;       /* ALLOC records in the file */
	uint64_t lost;         /* sum of all LOST counts */
	uint32_t flags;        /* NP_END_* */
};
#define NP_END_TARGET_GONE 1u   /* the stream ended because the target exited */
#define NP_END_WRITE_ERROR 2u   /* writing stopped early (the disk filled) */

struct np_rec_alloc {
	uint64_t time_ns;
	uint64_t addr;
	uint64_t size;
	uint64_t weight; /* bytes this event stands for */
	uint32_t tid;
	uint32_t stack_id;
};

struct np_rec_free {
	uint64_t time_ns;
	uint64_t addr;
	uint32_t tid;
};

/*
 * A run of allocation and free events in one record, each packed against
 * the one before it (see nprof-format(5)): ~8 bytes an event instead of 48
 * or 28.  Decoding checks the whole run; np_rec_mem_events_next then walks
 * it.
 */
struct np_rec_mem_events {
	uint32_t count;  /* events */
	uint32_t allocs; /* of which allocations */
	const uint8_t *data;
	uint32_t len;
};

/* The longest event: a tag and five varints, at most 51 bytes. */
#define NP_MEM_EVENT_MAX 51

/* Walking a run: which event comes next, and what it is packed against. */
struct np_mem_events_iter {
	const uint8_t *p, *end;
	uint32_t left;
	uint32_t tid;
	uint64_t time_ns;
	uint64_t addr;
};

/* Building a run in place, as the agent's writer does. */
struct np_mem_events_enc {
	unsigned char *rec; /* where the record starts */
	size_t cap;         /* bytes available from rec */
	size_t len;         /* bytes used from rec, header included */
	uint32_t count, allocs;
	uint32_t tid;
	uint64_t time_ns;
	uint64_t addr;
};

/*
 * A run of stack definitions with consecutive ids, each sharing the root
 * end of an earlier stack (see nprof-format(5)).  A definition's frames
 * need its parent's, which only the reader of the whole stream has: the
 * walk gives each definition, np_rec_stack_def_frames completes it.
 */
struct np_rec_stacks {
	uint32_t first_id;
	uint32_t count;
	const uint8_t *data;
	uint32_t len;
};

/* One definition: stack ID is its NNEW leaf-side frames, then the last
 * KEEP frames of stack PARENT (0: none, and KEEP is 0). */
struct np_stack_def {
	uint32_t id;
	uint32_t parent;
	uint32_t keep;
	uint32_t nnew;
	const uint8_t *frames; /* NNEW varints, checked */
};

/* The longest definition: three varints, and a varint for each frame. */
#define NP_STACK_DEF_MAX (15 + NP_MAX_FRAMES * 10)

struct np_stacks_iter {
	const uint8_t *p, *end;
	uint32_t left;
	uint32_t id;
};

struct np_stacks_enc {
	unsigned char *rec;
	size_t cap;
	size_t len;
	uint32_t first_id, count;
};

/*
 * A run of CPU samples, each packed against the one before it (see
 * nprof-format(5)): ~5 bytes a sample instead of 28.
 */
struct np_rec_cpu_samples {
	uint32_t count;
	const uint8_t *data;
	uint32_t len;
};

/* The longest sample: four varints, at most 25 bytes. */
#define NP_CPU_SAMPLE_MAX 25

struct np_cpu_samples_iter {
	const uint8_t *p, *end;
	uint32_t left;
	struct np_rec_cpu_sample prev;
};

struct np_cpu_samples_enc {
	unsigned char *rec;
	size_t cap;
	size_t len;
	uint32_t count;
	struct np_rec_cpu_sample prev;
};

/* One decoded record: which member is valid depends on type. */
struct np_record {
	uint32_t type;
	uint32_t size;
	const uint8_t *payload;
	union {
		struct np_rec_meta meta;
		struct np_rec_module module;
		struct np_rec_module_gone module_gone;
		struct np_rec_stack stack;
		struct np_rec_cpu_sample cpu_sample;
		struct np_rec_thread thread;
		struct np_rec_lost lost;
		struct np_rec_end end;
		struct np_rec_alloc alloc;
		struct np_rec_free free;
		struct np_rec_mem_events mem_events;
		struct np_rec_stacks stacks;
		struct np_rec_cpu_samples cpu_samples;
	} u;
};

/*
 * Encoders write one whole record (header and payload) into BUF, which holds
 * CAP bytes, and return its size, or 0 if it does not fit.
 */
size_t np_rec_encode_file_header(void *buf, size_t cap);
size_t np_rec_encode_meta(void *buf, size_t cap, const char *key,
			  const char *value, size_t value_len);
size_t np_rec_encode_module(void *buf, size_t cap,
			    const struct np_rec_module *m,
			    const struct np_rec_segment *segs);
size_t np_rec_encode_module_gone(void *buf, size_t cap,
				 const struct np_rec_module_gone *g);
size_t np_rec_encode_stack(void *buf, size_t cap, uint32_t id,
			   const uint64_t *frames, uint32_t nframes);
size_t np_rec_encode_cpu_sample(void *buf, size_t cap,
				const struct np_rec_cpu_sample *s);
size_t np_rec_encode_thread(void *buf, size_t cap, uint32_t tid,
			    uint64_t time_ns, const char *name, size_t name_len);
size_t np_rec_encode_lost(void *buf, size_t cap, const struct np_rec_lost *l);
size_t np_rec_encode_end(void *buf, size_t cap, const struct np_rec_end *e);
size_t np_rec_encode_alloc(void *buf, size_t cap,
			   const struct np_rec_alloc *a);
size_t np_rec_encode_free(void *buf, size_t cap, const struct np_rec_free *f);

/*
 * A MEM_EVENTS record: start it in BUF (CAP bytes; 0 when even an empty
 * one does not fit), add events (0 when one does not fit: finish and start
 * another), finish (its size; an empty run is 0 bytes, nothing to send).
 */
int np_rec_mem_events_start(struct np_mem_events_enc *e, void *buf,
			    size_t cap);
int np_rec_mem_events_add_alloc(struct np_mem_events_enc *e,
				const struct np_rec_alloc *a);
int np_rec_mem_events_add_free(struct np_mem_events_enc *e,
			       const struct np_rec_free *f);
size_t np_rec_mem_events_finish(struct np_mem_events_enc *e);

/* Walks a decoded run: 1 with *TYPE (NP_REC_ALLOC or NP_REC_FREE) and the
 * event in *A or *F; 0 at its end. */
void np_rec_mem_events_begin(struct np_mem_events_iter *it,
			     const struct np_rec_mem_events *e);
int np_rec_mem_events_next(struct np_mem_events_iter *it, uint32_t *type,
			   struct np_rec_alloc *a, struct np_rec_free *f);

/*
 * A STACKS record, built like a MEM_EVENTS one: start (0 when even an
 * empty one does not fit), add (0 when the definition does not fit, or
 * its id does not follow the last one's: finish and start another),
 * finish (its size, 0 for an empty run).  The definition of stack ID is
 * FRAMES[0..N), leaf first, whose last KEEP frames are the last KEEP of
 * stack PARENT (0 for none, with KEEP 0).
 */
int np_rec_stacks_start(struct np_stacks_enc *e, void *buf, size_t cap);
int np_rec_stacks_add(struct np_stacks_enc *e, uint32_t id, uint32_t parent,
		      uint32_t keep, const uint64_t *frames, uint32_t n);
size_t np_rec_stacks_finish(struct np_stacks_enc *e);

/* Walks a decoded run: 1 with the next definition in *D, 0 at its end. */
void np_rec_stacks_begin(struct np_stacks_iter *it,
			 const struct np_rec_stacks *s);
int np_rec_stacks_next(struct np_stacks_iter *it, struct np_stack_def *d);

/*
 * The frames of D, leaf first, into OUT (room for NP_MAX_FRAMES), given
 * its parent's PARENT_N frames: their count, or -1 when the parent has
 * fewer than D keeps.
 */
int np_rec_stack_def_frames(const struct np_stack_def *d,
			    const uint64_t *parent, uint32_t parent_n,
			    uint64_t *out);

/* A CPU_SAMPLES record: start, add, finish, as for MEM_EVENTS. */
int np_rec_cpu_samples_start(struct np_cpu_samples_enc *e, void *buf,
			     size_t cap);
int np_rec_cpu_samples_add(struct np_cpu_samples_enc *e,
			   const struct np_rec_cpu_sample *s);
size_t np_rec_cpu_samples_finish(struct np_cpu_samples_enc *e);

/* Walks a decoded run: 1 with the next sample in *S, 0 at its end. */
void np_rec_cpu_samples_begin(struct np_cpu_samples_iter *it,
			      const struct np_rec_cpu_samples *c);
int np_rec_cpu_samples_next(struct np_cpu_samples_iter *it,
			    struct np_rec_cpu_sample *s);

/*
 * Checks a 16-byte file header.  Returns 0, or NP_EMAGIC, NP_EVERSION
 * (with *version set) or NP_EBYTEORDER.
 */
int np_rec_check_file_header(const void *buf, size_t len, uint32_t *version);

/* Reads a record header: returns 0, or NP_ECORRUPT for an unknown type or an
 * impossible size. */
int np_rec_parse_header(const void *buf, uint32_t *type, uint32_t *size);

/* Decodes a payload whose header was parsed: 0, or NP_ECORRUPT. */
int np_rec_decode(uint32_t type, const void *payload, uint32_t size,
		  struct np_record *out);
/* The same, except that a packed run (MEM_EVENTS, STACKS, CPU_SAMPLES) is
 * only checked for a size that fits its counts, not walked: for the CLI,
 * which passes records on to the file (whose reader walks them) and needs
 * only the counts. */
int np_rec_decode_shallow(uint32_t type, const void *payload, uint32_t size,
			  struct np_record *out);

/* Accessors for the variable parts of decoded records. */
void np_rec_module_seg(const struct np_rec_module *m, unsigned int i,
		       struct np_rec_segment *seg);
uint64_t np_rec_stack_frame(const struct np_rec_stack *s, unsigned int i);

/* The record type's name ("cpu_sample"), or NULL. */
const char *np_rec_type_name(uint32_t type);

/* Error codes of the record layer and the reader; see np_strerror. */
enum {
	NP_EMAGIC = -1,     /* not a samples.dat file */
	NP_EVERSION = -2,   /* written by a newer nprof */
	NP_EBYTEORDER = -3, /* written on a machine of the other byte order */
	NP_ECORRUPT = -4,   /* a record that cannot be */
	NP_ETRUNCATED = -5, /* the file ends inside a record */
	NP_EIO = -6,        /* read error: see errno */
	NP_EEMPTY = -7,     /* the file is empty */
};

#endif /* NPROF_RECORD_H */
