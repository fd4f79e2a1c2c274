/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streaming samples.dat through one growing buffer (see reader.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "reader.h"
#include "xalloc.h"

/* Enough for most records; grows to the largest record when one comes. */
#define BUF_INITIAL (256 * 1024)

struct np_reader {
	int fd;
	char *name;
	unsigned char *buf;
	size_t cap;
	size_t start, end;  /* the unread bytes are buf[start, end) */
	uint64_t offset;    /* file offset of buf[start] */
	bool eof;
	bool done;          /* no more records: the END record, or the end */
	bool cut_short;
	uint64_t records;
	uint32_t version;
	int err;
	char msg[4352];
};

static const char *const messages[] = {
	[-NP_EMAGIC] = "not an nprof samples file",
	[-NP_EVERSION] = "written by a newer nprof",
	[-NP_EBYTEORDER] = "written on a machine of the other byte order",
	[-NP_ECORRUPT] = "corrupted record",
	[-NP_ETRUNCATED] = "cut short",
	[-NP_EIO] = "read error",
	[-NP_EEMPTY] = "empty file",
};

const char *np_strerror(int code)
{
	if (code >= 0 || -code >= (int)(sizeof(messages) / sizeof(messages[0])))
		return "unknown error";
	return messages[-code];
}

NP_PRINTF(3, 4)
static int fail(struct np_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = code;
	r->done = true;
	return code;
}

/*
 * Makes at least NEED unread bytes available unless the file ends first.
 * Returns how many are available, or NP_EIO.
 */
static ssize_t fill(struct np_reader *r, size_t need)
{
	while (r->end - r->start < need && !r->eof) {
		if (r->start + need > r->cap) {
			/* Move what is left to the front, growing if a record
			 * is bigger than the buffer. */
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
			if (need > r->cap) {
				r->buf = np_xreallocarray(r->buf, need, 1);
				r->cap = need;
			}
		}
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(r, NP_EIO, "cannot read '%s': %s", r->name,
				    strerror(errno));
		}
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
	}
	return (ssize_t)(r->end - r->start);
}

static void consume(struct np_reader *r, size_t n)
{
	r->start += n;
	r->offset += n;
}

static int check_file_header(struct np_reader *r)
{
	ssize_t avail = fill(r, NP_FILE_HEADER_SIZE);
	int rc;

	if (avail < 0)
		return (int)avail;
	if (avail == 0)
		return fail(r, NP_EEMPTY,
			    "'%s' is empty (nothing was recorded)", r->name);
	if (avail < NP_FILE_HEADER_SIZE) {
		size_t n = (size_t)avail < NP_FILE_MAGIC_LEN
			       ? (size_t)avail
			       : NP_FILE_MAGIC_LEN;
		if (!memcmp(r->buf + r->start, NP_FILE_MAGIC, n))
			return fail(r, NP_ETRUNCATED,
				    "'%s' is cut short inside its file header "
				    "(the recording did not start)", r->name);
		return fail(r, NP_EMAGIC, "'%s' is not an nprof samples file",
			    r->name);
	}
	rc = np_rec_check_file_header(r->buf + r->start, NP_FILE_HEADER_SIZE,
				      &r->version);
	switch (rc) {
	case 0:
		break;
	case NP_EMAGIC:
		return fail(r, rc, "'%s' is not an nprof samples file",
			    r->name);
	case NP_EBYTEORDER:
		return fail(r, rc,
			    "'%s' was written on a machine of the other byte "
			    "order (report it on a machine like the one that "
			    "recorded it)", r->name);
	case NP_EVERSION:
		if (r->version == 0)
			return fail(r, rc,
				    "'%s' has an invalid format version 0",
				    r->name);
		return fail(r, rc,
			    "'%s' has format version %u, but this nprof (%s) "
			    "reads up to version %d (upgrade nprof to read it)",
			    r->name, r->version, PACKAGE_VERSION,
			    NP_FORMAT_VERSION);
	default:
		return fail(r, rc, "'%s': %s", r->name, np_strerror(rc));
	}
	consume(r, NP_FILE_HEADER_SIZE);
	return 0;
}

static struct np_reader *reader_new(int fd, const char *name)
{
	struct np_reader *r = np_xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->name = np_xstrdup(name);
	r->cap = BUF_INITIAL;
	r->buf = np_xmalloc(r->cap);
	return r;
}

int np_reader_open_fd(struct np_reader **out, int fd, const char *name)
{
	*out = reader_new(fd, name);
	return check_file_header(*out);
}

int np_reader_open(struct np_reader **out, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		*out = reader_new(-1, path);
		return fail(*out, NP_EIO, "cannot open '%s': %s", path,
			    strerror(err));
	}
	return np_reader_open_fd(out, fd, path);
}

/* The end of the records: normal after END, cut short otherwise. */
static int finish(struct np_reader *r, bool cut_short)
{
	r->cut_short = cut_short;
	r->done = true;
	return 0;
}

int np_reader_next(struct np_reader *r, struct np_record *rec)
{
	uint32_t type, size;
	ssize_t avail;
	int rc;

	if (r->done)
		return r->err;
	avail = fill(r, NP_RECORD_HEADER_SIZE);
	if (avail < 0)
		return (int)avail;
	if (avail < NP_RECORD_HEADER_SIZE)
		return finish(r, true);
	rc = np_rec_parse_header(r->buf + r->start, &type, &size);
	if (rc < 0) {
		const char *tname = np_rec_type_name(type);

		if (!tname)
			return fail(r, rc,
				    "'%s' is corrupted at offset %llu: unknown "
				    "record type %u", r->name,
				    (unsigned long long)r->offset, type);
		return fail(r, rc,
			    "'%s' is corrupted at offset %llu: impossible size "
			    "%u for a %s record", r->name,
			    (unsigned long long)r->offset, size, tname);
	}
	avail = fill(r, NP_RECORD_HEADER_SIZE + (size_t)size);
	if (avail < 0)
		return (int)avail;
	if ((size_t)avail < NP_RECORD_HEADER_SIZE + (size_t)size)
		return finish(r, true);
	rc = np_rec_decode(type, r->buf + r->start + NP_RECORD_HEADER_SIZE,
			   size, rec);
	if (rc < 0)
		return fail(r, rc,
			    "'%s' is corrupted at offset %llu: malformed %s "
			    "record", r->name, (unsigned long long)r->offset,
			    np_rec_type_name(type));
	consume(r, NP_RECORD_HEADER_SIZE + (size_t)size);
	r->records++;
	/* END is the last record; whatever follows it is not read. */
	if (type == NP_REC_END)
		finish(r, false);
	return 1;
}

const char *np_reader_errmsg(const struct np_reader *r)
{
	return r->err ? r->msg : "no error";
}

bool np_reader_cut_short(const struct np_reader *r)
{
	return r->cut_short;
}

uint64_t np_reader_records(const struct np_reader *r)
{
	return r->records;
}

uint32_t np_reader_version(const struct np_reader *r)
{
	return r->version;
}

void np_reader_close(struct np_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->name);
	free(r);
}
