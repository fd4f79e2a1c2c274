/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cutting the agent's stream into records (see stream.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "stream.h"

int np_stream_init(struct np_stream *s, int fd)
{
	s->fd = fd;
	s->len = 0;
	s->records = 0;
	s->cap = 2 * (NP_RECORD_HEADER_SIZE + NP_RECORD_MAX_PAYLOAD);
	s->buf = malloc(s->cap);
	if (!s->buf)
		return np_error("out of memory");
	return 0;
}

void np_stream_release(struct np_stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* Delivers every whole record at the start of the buffer; -1 if corrupt. */
static int deliver(struct np_stream *s, np_stream_fn fn, void *arg)
{
	size_t off = 0;

	while (s->len - off >= NP_RECORD_HEADER_SIZE) {
		uint32_t type, size;
		struct np_record r;
		const unsigned char *p = s->buf + off;

		if (np_rec_parse_header(p, &type, &size))
			return np_error("the agent sent a record that cannot be (type %u, size %u); recording stops",
					type, size);
		if (s->len - off < NP_RECORD_HEADER_SIZE + (size_t)size)
			break;
		if (np_rec_decode_shallow(type, p + NP_RECORD_HEADER_SIZE,
					  size, &r))
			return np_error("the agent sent a malformed %s record; recording stops",
					np_rec_type_name(type));
		fn(&r, p, NP_RECORD_HEADER_SIZE + size, arg);
		s->records++;
		off += NP_RECORD_HEADER_SIZE + size;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	return 0;
}

int np_stream_pump(struct np_stream *s, np_stream_fn fn, void *arg)
{
	ssize_t n;

	do
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		if (errno == ECONNRESET)
			n = 0;
		else
			return np_error("cannot read the agent's stream: %s",
					strerror(errno));
	}
	if (n == 0) {
		if (s->len)
			np_warn("the agent's stream ended inside a record (%zu bytes dropped)",
				s->len);
		return 1;
	}
	s->len += (size_t)n;
	return deliver(s, fn, arg);
}
