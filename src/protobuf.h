/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Just enough protocol buffers to write pprof's profile.proto: varints and
 * length-delimited fields into a growing buffer.  A nested message is
 * written into a buffer of its own, then added to its parent as bytes.
 */
#ifndef NPROF_PROTOBUF_H
#define NPROF_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

struct np_pb {
	uint8_t *data;
	size_t len, cap;
};

/* Buffers start zeroed; np_pb_reset empties one and keeps its memory. */
static inline void np_pb_reset(struct np_pb *b)
{
	b->len = 0;
}
void np_pb_release(struct np_pb *b);

/* Field FIELD as a varint (wire type 0); 0 is written too. */
void np_pb_uint(struct np_pb *b, uint32_t field, uint64_t v);
/* Field FIELD as LEN bytes (wire type 2): strings and messages. */
void np_pb_bytes(struct np_pb *b, uint32_t field, const void *data,
		 size_t len);
/* A message: the contents of MSG. */
void np_pb_message(struct np_pb *b, uint32_t field, const struct np_pb *msg);
/* Varints packed in one length-delimited field (repeated scalars). */
void np_pb_packed(struct np_pb *b, uint32_t field, const uint64_t *v,
		  size_t n);

#endif /* NPROF_PROTOBUF_H */
