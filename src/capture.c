/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copying the agent's stream into samples.dat (see capture.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "stream.h"
#include "sysinfo.h"

/* How stale the file may get while recording. */
#define FLUSH_NS 250000000ull

static void on_record(const struct np_record *r, const void *raw, size_t len,
		      void *arg)
{
	struct np_capture *c = arg;

	c->agent_records++;
	switch (r->type) {
	case NP_REC_CPU_SAMPLE:
	case NP_REC_CPU_SAMPLES:
		if (!c->counts.samples)
			c->first_sample_ns = np_monotonic_ns();
		c->counts.samples += r->type == NP_REC_CPU_SAMPLES
					     ? r->u.cpu_samples.count
					     : 1;
		break;
	case NP_REC_ALLOC:
		c->counts.allocs++;
		break;
	case NP_REC_MEM_EVENTS:
		c->counts.allocs += r->u.mem_events.allocs;
		break;
	case NP_REC_LOST:
		c->counts.dropped += r->u.lost.count;
		break;
	case NP_REC_META:
		if (r->u.meta.key_len == 7 &&
		    !memcmp(r->u.meta.key, "warning", 7))
			np_warn("%.*s", (int)r->u.meta.value_len,
				r->u.meta.value);
		break;
	case NP_REC_END:
		/* The trailer is ours to write, not the agent's. */
		return;
	}
	np_sink_record(&c->sink, raw, len);
}

int np_capture_begin(struct np_capture *c, const char *output, int argc,
		     char **argv)
{
	char buf[4096];
	uint64_t mono, real;

	memset(c, 0, sizeof(*c));
	if (np_sink_open(&c->sink, output))
		return -1;
	mono = np_monotonic_ns();
	real = np_realtime_ns();
	np_sink_begin(&c->sink);
	np_sink_meta(&c->sink, "nprof_version", PACKAGE_VERSION);
	np_host_name(buf, sizeof(buf));
	np_sink_meta(&c->sink, "host", buf);
	np_kernel_name(buf, sizeof(buf));
	np_sink_meta(&c->sink, "kernel", buf);
	np_format_time(real, buf, sizeof(buf));
	np_sink_meta(&c->sink, "start_time", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)real);
	np_sink_meta(&c->sink, "start_realtime_ns", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)mono);
	np_sink_meta(&c->sink, "start_monotonic_ns", buf);
	/* argv[0] is the subcommand: show the whole command line as typed. */
	memcpy(buf, "nprof ", 6);
	np_join_argv(argv, argc, buf + 6, sizeof(buf) - 6);
	np_sink_meta(&c->sink, "options", buf);
	np_sink_meta(&c->sink, "output", output);
	/* Written now: a disk that is full already stops us before the
	 * command starts, not after. */
	if (np_sink_flush(&c->sink)) {
		np_sink_abandon(&c->sink);
		unlink(output);
		return -1;
	}
	return 0;
}

void np_capture_run(struct np_capture *c, struct pollfd *fds, nfds_t nfds,
		    np_capture_read_fn read, void *src,
		    np_capture_tick_fn tick, void *arg)
{
	uint64_t flushed_ns = np_monotonic_ns();

	for (;;) {
		int ready = poll(fds, nfds, 100);

		if (ready < 0 && errno != EINTR) {
			np_error("cannot wait for the records: %s",
				 strerror(errno));
			break;
		}
		if (read(fds, ready < 0 ? 0 : ready, src) != 0)
			break;
		np_status_update(&c->counts);
		/* Keep the file current: if nprof is killed, what it had
		 * received is on disk and reads as a file cut short. */
		if (np_monotonic_ns() - flushed_ns > FLUSH_NS) {
			np_sink_flush(&c->sink);
			flushed_ns = np_monotonic_ns();
		}
		if (tick && tick(arg))
			break;
	}
}

/*
 * Once the file cannot be written (the disk is full), the session is only a
 * cost to the target: ask its agent to stop, as attach does on Ctrl-C (any
 * byte, or the end of our side of the stream), so that it unhooks itself
 * and sends its last records, which are read and dropped.
 */
static void stop_agent(int fd)
{
	char byte = 0;

	if (send(fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		shutdown(fd, SHUT_WR);
}

struct stream_source {
	struct np_stream stream;
	struct np_capture *capture;
	int stop_sent;
};

static int read_stream(struct pollfd *fds, int ready, void *src)
{
	struct stream_source *s = src;

	if (s->capture->sink.error && !s->stop_sent) {
		stop_agent(fds[0].fd);
		s->stop_sent = 1;
	}
	return ready > 0 &&
	       np_stream_pump(&s->stream, on_record, s->capture) != 0;
}

void np_capture_copy(struct np_capture *c, int fd, np_capture_tick_fn tick,
		     void *arg)
{
	struct stream_source src = { .capture = c };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (np_stream_init(&src.stream, fd))
		return;
	np_capture_run(c, &pfd, 1, read_stream, &src, tick, arg);
	np_stream_release(&src.stream);
}

void np_capture_put(struct np_capture *c, const void *rec, size_t len)
{
	struct np_record r;
	uint32_t type, size;

	/* Our own encoder made it: a record that does not decode is a bug
	 * here, not bad input, and is left out rather than written. */
	if (len < NP_RECORD_HEADER_SIZE ||
	    np_rec_parse_header(rec, &type, &size) != 0 ||
	    size != len - NP_RECORD_HEADER_SIZE ||
	    np_rec_decode_shallow(type, (const uint8_t *)rec +
						NP_RECORD_HEADER_SIZE,
				  size, &r) != 0)
		return;
	on_record(&r, rec, len, c);
}

int np_capture_finish(struct np_capture *c, uint32_t flags)
{
	struct np_rec_end end;

	memset(&end, 0, sizeof(end));
	end.time_ns = np_monotonic_ns();
	end.realtime_ns = np_realtime_ns();
	end.samples = c->counts.samples;
	end.allocs = c->counts.allocs;
	end.lost = c->counts.dropped;
	end.flags = flags;
	if (c->sink.error)
		end.flags |= NP_END_WRITE_ERROR;
	return np_sink_finish(&c->sink, &end);
}
