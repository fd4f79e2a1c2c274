/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing protocol buffers by hand (see protobuf.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "protobuf.h"
#include "xalloc.h"

void np_pb_release(struct np_pb *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void reserve(struct np_pb *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	b->cap = b->cap ? b->cap * 2 : 256;
	while (b->cap < b->len + more)
		b->cap *= 2;
	b->data = np_xreallocarray(b->data, b->cap, 1);
}

static void varint(struct np_pb *b, uint64_t v)
{
	reserve(b, 10);
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

void np_pb_uint(struct np_pb *b, uint32_t field, uint64_t v)
{
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

void np_pb_bytes(struct np_pb *b, uint32_t field, const void *data,
		 size_t len)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, len);
	reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

void np_pb_message(struct np_pb *b, uint32_t field, const struct np_pb *msg)
{
	np_pb_bytes(b, field, msg->data, msg->len);
}

void np_pb_packed(struct np_pb *b, uint32_t field, const uint64_t *v,
		  size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];

		do {
			len++;
			x >>= 7;
		} while (x);
	}
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, len);
	for (size_t i = 0; i < n; i++)
		varint(b, v[i]);
}
