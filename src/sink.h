/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing samples.dat: the file header, the CLI's metadata, the agent's
 * records as they arrive, and the trailer.  Writes are buffered and never
 * seek.  After a write error the sink drops everything and never writes the
 * trailer, so a file that could not be finished reads as cut short.
 */
#ifndef NPROF_SINK_H
#define NPROF_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct np_sink {
	int fd;
	const char *path;
	unsigned char buf[1 << 16];
	size_t len;
	int error;      /* errno of the first failed write, or 0 */
	uint64_t bytes; /* written so far */
};

/* Creates or truncates PATH; 0, or -1 with the message printed. */
int np_sink_open(struct np_sink *s, const char *path);

/* Writes the file header; then np_sink_meta for each metadata pair. */
int np_sink_begin(struct np_sink *s);
int np_sink_meta(struct np_sink *s, const char *key, const char *value);

/* Writes out what is buffered, so that a file read while recording (or
 * after nprof is killed) is up to date; 0 or -1. */
int np_sink_flush(struct np_sink *s);

/* Appends one whole encoded record. */
int np_sink_record(struct np_sink *s, const void *rec, size_t len);

/* Writes the trailer and closes; 0, or -1 with the message printed if any
 * write failed (the trailer is then left out). */
int np_sink_finish(struct np_sink *s, const struct np_rec_end *end);

/* Closes without a trailer (after an error). */
void np_sink_abandon(struct np_sink *s);

#endif /* NPROF_SINK_H */
