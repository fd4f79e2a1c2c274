/* SPDX-License-Identifier: GPL-2.0-or-later */
/* samples.dat writer (see sink.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "sink.h"

int np_sink_open(struct np_sink *s, const char *path)
{
	s->path = path;
	s->len = 0;
	s->error = 0;
	s->bytes = 0;
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return np_error("cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static int flush(struct np_sink *s)
{
	size_t off = 0;

	while (off < s->len && !s->error) {
		ssize_t n = write(s->fd, s->buf + off, s->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->error = n < 0 ? errno : EIO;
			np_error("cannot write '%s': %s (the profile stops here)",
				 s->path, strerror(s->error));
			break;
		}
		off += (size_t)n;
		s->bytes += (uint64_t)n;
	}
	s->len = 0;
	return s->error ? -1 : 0;
}

int np_sink_flush(struct np_sink *s)
{
	if (s->error)
		return -1;
	return flush(s);
}

int np_sink_record(struct np_sink *s, const void *rec, size_t len)
{
	if (s->error)
		return -1;
	if (s->len + len > sizeof(s->buf) && flush(s))
		return -1;
	if (len > sizeof(s->buf)) {
		/* A record larger than the buffer goes straight out. */
		while (len) {
			size_t n = len < sizeof(s->buf) ? len : sizeof(s->buf);
			memcpy(s->buf, rec, n);
			s->len = n;
			if (flush(s))
				return -1;
			rec = (const unsigned char *)rec + n;
			len -= n;
		}
		return 0;
	}
	memcpy(s->buf + s->len, rec, len);
	s->len += len;
	return 0;
}

int np_sink_begin(struct np_sink *s)
{
	unsigned char hdr[NP_FILE_HEADER_SIZE];

	np_rec_encode_file_header(hdr, sizeof(hdr));
	return np_sink_record(s, hdr, sizeof(hdr));
}

int np_sink_meta(struct np_sink *s, const char *key, const char *value)
{
	unsigned char rec[8192];
	size_t len = np_rec_encode_meta(rec, sizeof(rec), key, value,
					strnlen(value, sizeof(rec) - 512));

	if (!len)
		return -1;
	return np_sink_record(s, rec, len);
}

int np_sink_finish(struct np_sink *s, const struct np_rec_end *end)
{
	unsigned char rec[64];
	size_t len = np_rec_encode_end(rec, sizeof(rec), end);
	int ret = 0;

	if (!s->error)
		np_sink_record(s, rec, len);
	if (!s->error)
		flush(s);
	if (!s->error && close(s->fd) != 0) {
		s->error = errno;
		np_error("cannot write '%s': %s", s->path, strerror(errno));
	} else if (s->error) {
		close(s->fd);
	}
	if (s->error)
		ret = -1;
	s->fd = -1;
	return ret;
}

void np_sink_abandon(struct np_sink *s)
{
	if (!s->error)
		flush(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
