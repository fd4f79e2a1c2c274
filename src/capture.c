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
		if (!c->counts.samples++)
			c->first_sample_ns = np_monotonic_ns();
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

void np_capture_copy(struct np_capture *c, int fd, np_capture_tick_fn tick,
		     void *arg)
{
	struct np_stream stream;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t flushed_ns = np_monotonic_ns();
	int stop_sent = 0;

	if (np_stream_init(&stream, fd))
		return;
	for (;;) {
		int ready = poll(&pfd, 1, 100);

		if (ready > 0) {
			if (np_stream_pump(&stream, on_record, c) != 0)
				break;
		} else if (ready < 0 && errno != EINTR) {
			np_error("cannot wait for the agent's stream: %s",
				 strerror(errno));
			break;
		}
		np_status_update(&c->counts);
		/* Keep the file current: if nprof is killed, what it had
		 * received is on disk and reads as a file cut short. */
		if (np_monotonic_ns() - flushed_ns > FLUSH_NS) {
			np_sink_flush(&c->sink);
			flushed_ns = np_monotonic_ns();
		}
		if (c->sink.error && !stop_sent) {
			stop_agent(fd);
			stop_sent = 1;
		}
		if (tick && tick(arg))
			break;
	}
	np_stream_release(&stream);
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
