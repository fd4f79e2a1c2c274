/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the record layer shared by its files (record.c,
 * record-packed.c): the byte cursors and varints of packed payloads, and
 * the decoders of the packed types.  Nothing outside the layer includes it.
 */
#ifndef NPROF_RECORDP_H
#define NPROF_RECORDP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.h"

static inline unsigned char *np_put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static inline const unsigned char *np_get_u32(const unsigned char *p,
					      uint32_t *v)
{
	memcpy(v, p, sizeof(*v));
	return p + sizeof(*v);
}

/* A varint: 7 bits a byte, least significant first, high bit "more". */
static inline unsigned char *np_put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/* NULL when the varint runs past END or past 64 bits. */
const unsigned char *np_get_varint_long(const unsigned char *p,
					const unsigned char *end,
					uint64_t *v);

/* Most varints are one byte (a tid, a stack id, a time delta): inlined. */
static inline const unsigned char *np_get_varint(const unsigned char *p,
						 const unsigned char *end,
						 uint64_t *v)
{
	if (p < end && *p < 0x80) {
		*v = *p;
		return p + 1;
	}
	return np_get_varint_long(p, end, v);
}

/* A difference (modulo 2^64) as a small unsigned number: 0, -1, 1, -2... */
static inline uint64_t np_zigzag(uint64_t delta)
{
	return (delta << 1) ^ (uint64_t)-(int64_t)(delta >> 63);
}

static inline uint64_t np_unzigzag(uint64_t v)
{
	return (v >> 1) ^ (uint64_t)-(int64_t)(v & 1);
}

/* The room a packed run may fill from a buffer of CAP bytes (one record
 * at most), or 0 when not even its header and FIXED bytes of counts fit. */
static inline size_t np_run_room(size_t cap, size_t fixed)
{
	if (cap < NP_RECORD_HEADER_SIZE + fixed)
		return 0;
	if (cap > NP_RECORD_HEADER_SIZE + NP_RECORD_MAX_PAYLOAD)
		cap = NP_RECORD_HEADER_SIZE + NP_RECORD_MAX_PAYLOAD;
	return cap;
}

/* Writes the header of a finished run of TYPE, LEN bytes with its header,
 * at REC; returns where its counts go. */
static inline unsigned char *np_run_header(unsigned char *rec, uint32_t type,
					   size_t len)
{
	rec = np_put_u32(rec, type);
	return np_put_u32(rec, (uint32_t)(len - NP_RECORD_HEADER_SIZE));
}

/* The packed types' decoders: shallow ones only check that the size fits
 * the counts; full ones walk the run. */
int np_rec_decode_stacks(const unsigned char *p, uint32_t size,
			 struct np_record *r);
int np_rec_decode_stacks_shallow(const unsigned char *p, uint32_t size,
				 struct np_record *r);
int np_rec_decode_cpu_samples(const unsigned char *p, uint32_t size,
			      struct np_record *r);
int np_rec_decode_cpu_samples_shallow(const unsigned char *p, uint32_t size,
				      struct np_record *r);

#endif /* NPROF_RECORDP_H */
