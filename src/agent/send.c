/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Batching records and sending them (see send.h).  Partial sends continue
 * where they stopped, so the stream always carries whole records; a full
 * socket is waited for with poll, never by blocking in send, so that a stop
 * request with a deadline (the target is exiting) is honoured.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "clock.h"
#include "mem.h"
#include "send.h"

/* Room for ~100,000 packed allocation events between two sends. */
#define SEND_BUFFER (1u << 20)
#define POLL_MS 10

int np_send_init(struct np_send *s, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->buf = np_pages_alloc(SEND_BUFFER);
	if (!s->buf)
		return -ENOMEM;
	s->cap = SEND_BUFFER;
	s->len = 0;
	s->broken = 0;
	s->batch = 0;
	atomic_store(&s->deadline_ns, 0);
	return 0;
}

void np_send_release(struct np_send *s)
{
	np_pages_free(s->buf, s->cap);
	s->buf = NULL;
	s->cap = s->len = 0;
}

int np_send_fd_is_ours(const struct np_send *s)
{
	struct stat st;

	return fstat(s->fd, &st) == 0 && st.st_dev == s->dev &&
	       st.st_ino == s->ino;
}

/* Waits until the socket takes more: 0, or -1 to give up. */
static int wait_writable(struct np_send *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	uint64_t deadline = atomic_load(&s->deadline_ns);

	if (deadline && np_clock_ns() > deadline)
		return -1;
	if (poll(&p, 1, POLL_MS) < 0 && errno != EINTR)
		return -1;
	return p.revents & (POLLHUP | POLLERR | POLLNVAL) ? -1 : 0;
}

static void close_batch(struct np_send *s)
{
	switch (s->batch) {
	case NP_REC_MEM_EVENTS:
		s->len += np_rec_mem_events_finish(&s->enc.mem);
		break;
	case NP_REC_STACKS:
		s->len += np_rec_stacks_finish(&s->enc.stacks);
		break;
	case NP_REC_CPU_SAMPLES:
		s->len += np_rec_cpu_samples_finish(&s->enc.cpu);
		break;
	}
	s->batch = 0;
}

int np_send_flush(struct np_send *s)
{
	size_t off = 0;

	close_batch(s);

	if (!s->broken && s->len && !np_send_fd_is_ours(s))
		s->broken = 1;
	while (!s->broken && off < s->len) {
		ssize_t n = send(s->fd, s->buf + off, s->len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			s->broken = wait_writable(s) != 0;
		else
			s->broken = 1;
	}
	s->len = 0;
	return s->broken ? -1 : 0;
}

/* Runs ENCODE into the free part of the buffer, flushing once if needed. */
#define APPEND(s, encode, ...)                                              \
	do {                                                                \
		close_batch(s);                                             \
		for (int try_ = 0; try_ < 2 && !(s)->broken; try_++) {      \
			size_t n_ = encode((s)->buf + (s)->len,             \
					   (s)->cap - (s)->len, __VA_ARGS__); \
			if (n_) {                                           \
				(s)->len += n_;                             \
				break;                                      \
			}                                                   \
			if (np_send_flush(s) != 0)                          \
				break;                                      \
		}                                                           \
	} while (0)

static size_t encode_meta(void *buf, size_t cap, const char *key,
			  const char *value)
{
	return np_rec_encode_meta(buf, cap, key, value, strlen(value));
}

void np_send_meta(struct np_send *s, const char *key, const char *value)
{
	APPEND(s, encode_meta, key, value);
}

void np_send_metaf(struct np_send *s, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	np_send_meta(s, key, value);
}

void np_send_module(struct np_send *s, const struct np_rec_module *m,
		    const struct np_rec_segment *segs)
{
	APPEND(s, np_rec_encode_module, m, segs);
}

void np_send_module_gone(struct np_send *s, uint32_t id, uint64_t time_ns)
{
	struct np_rec_module_gone g = { .id = id, .time_ns = time_ns };

	APPEND(s, np_rec_encode_module_gone, &g);
}

void np_send_thread(struct np_send *s, uint32_t tid, uint64_t time_ns,
		    const char *name, size_t name_len)
{
	APPEND(s, np_rec_encode_thread, tid, time_ns, name, name_len);
}

void np_send_lost(struct np_send *s, enum np_lost_kind kind, uint64_t count)
{
	struct np_rec_lost l = { .kind = kind, .count = count };

	APPEND(s, np_rec_encode_lost, &l);
}

/* Opens a packed record of TYPE unless one is open, flushing first when
 * the buffer has little room left; 0, or -1 once the stream is broken. */
static int open_batch(struct np_send *s, uint32_t type)
{
	unsigned char *at;
	size_t room;
	int ok = 0;

	if (s->batch == type)
		return 0;
	close_batch(s);
	if (s->cap - s->len < (64u << 10) && np_send_flush(s) != 0)
		return -1;
	if (s->broken)
		return -1;
	at = s->buf + s->len;
	room = s->cap - s->len;
	switch (type) {
	case NP_REC_MEM_EVENTS:
		ok = np_rec_mem_events_start(&s->enc.mem, at, room);
		break;
	case NP_REC_STACKS:
		ok = np_rec_stacks_start(&s->enc.stacks, at, room);
		break;
	case NP_REC_CPU_SAMPLES:
		ok = np_rec_cpu_samples_start(&s->enc.cpu, at, room);
		break;
	}
	if (!ok)
		return -1;
	s->batch = type;
	return 0;
}

/* Adds to the open packed record of TYPE (opening one); when it is full,
 * sends what is buffered and starts another. */
#define PACK(s, type, add, ...)                                             \
	do {                                                                \
		for (int try_ = 0; try_ < 2; try_++) {                      \
			if (open_batch(s, type) != 0 || add(__VA_ARGS__))   \
				break;                                      \
			if (np_send_flush(s) != 0)                          \
				break;                                      \
		}                                                           \
	} while (0)

void np_send_stack(struct np_send *s, uint32_t id, uint32_t parent,
		   uint32_t keep, const uint64_t *frames, uint32_t n)
{
	PACK(s, NP_REC_STACKS, np_rec_stacks_add, &s->enc.stacks, id, parent,
	     keep, frames, n);
}

void np_send_cpu_sample(struct np_send *s,
			const struct np_rec_cpu_sample *sample)
{
	PACK(s, NP_REC_CPU_SAMPLES, np_rec_cpu_samples_add, &s->enc.cpu,
	     sample);
}

void np_send_alloc(struct np_send *s, const struct np_rec_alloc *a)
{
	PACK(s, NP_REC_MEM_EVENTS, np_rec_mem_events_add_alloc, &s->enc.mem,
	     a);
}

void np_send_free(struct np_send *s, const struct np_rec_free *f)
{
	PACK(s, NP_REC_MEM_EVENTS, np_rec_mem_events_add_free, &s->enc.mem,
	     f);
}
