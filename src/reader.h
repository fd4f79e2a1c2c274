/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading samples.dat: one record at a time through a buffer, front to back,
 * never seeking, so that files of any size (or a pipe) read in little memory.
 *
 * A file that ends inside a record, or before its END record, is "cut short"
 * (the recording was killed): every whole record is still returned, then the
 * end, and np_reader_cut_short says so.  Anything else that is wrong makes
 * np_reader_next fail with a negative NP_E* code (record.h) and
 * np_reader_errmsg explains it.
 */
#ifndef NPROF_READER_H
#define NPROF_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

struct np_reader;

/*
 * Opens PATH and checks its file header.  Returns 0 with *OUT set, or a
 * negative code with *OUT still set so that np_reader_errmsg can tell why;
 * free it with np_reader_close either way.
 */
int np_reader_open(struct np_reader **out, const char *path);

/* The same over an open descriptor, which the reader closes; NAME is what
 * messages call it. */
int np_reader_open_fd(struct np_reader **out, int fd, const char *name);

/*
 * Reads the next record into *REC: 1, or 0 at the end of the records, or a
 * negative code.  REC's pointers are valid until the next call.  The END
 * record is the last one returned: whatever follows it is not read.
 */
int np_reader_next(struct np_reader *r, struct np_record *rec);

/* The last error as one line without the "nprof: " prefix. */
const char *np_reader_errmsg(const struct np_reader *r);

/* Whether the file ended early (only known once np_reader_next gave 0). */
bool np_reader_cut_short(const struct np_reader *r);

/* How many whole records were read so far. */
uint64_t np_reader_records(const struct np_reader *r);

/* The format version of the file header. */
uint32_t np_reader_version(const struct np_reader *r);

void np_reader_close(struct np_reader *r);

/* A short description of an NP_E* code. */
const char *np_strerror(int code);

#endif /* NPROF_READER_H */
