/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI's end of the agent's record stream: reads what the socket has,
 * cuts it into whole records and hands each to a callback.  A record split
 * across reads waits in the buffer for its rest.
 */
#ifndef NPROF_STREAM_H
#define NPROF_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct np_stream {
	int fd;
	unsigned char *buf; /* holds at least one record of the largest size */
	size_t cap;
	size_t len;
	uint64_t records;
};

/* Called for each whole record: R is decoded, RAW/LEN are its bytes. */
typedef void (*np_stream_fn)(const struct np_record *r, const void *raw,
			     size_t len, void *arg);

int np_stream_init(struct np_stream *s, int fd);
void np_stream_release(struct np_stream *s);

/*
 * Reads once and delivers the whole records.  Returns 0 when more may come,
 * 1 at the end of the stream, -1 when the stream cannot be read or carries a
 * record that cannot be (the message is printed).
 */
int np_stream_pump(struct np_stream *s, np_stream_fn fn, void *arg);

#endif /* NPROF_STREAM_H */
