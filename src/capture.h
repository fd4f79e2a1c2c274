/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Copying the agent's record stream into samples.dat, shared by record and
 * attach: the file's header and common metadata, the copy loop with its
 * status line and periodic flushes, and the trailer.  What ends a session
 * differs between the two, so the loop asks the command ten times a second.
 */
#ifndef NPROF_CAPTURE_H
#define NPROF_CAPTURE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"
#include "status.h"

struct np_capture {
	struct np_sink sink;
	struct np_status_counts counts;
	uint64_t agent_records; /* records the agent sent, all types */
	uint64_t first_sample_ns; /* CLOCK_MONOTONIC at the first sample */
};

/*
 * Creates OUTPUT and writes the header and the metadata every file has:
 * version, host, kernel, start time, the command line ARGV of nprof
 * (ARGV[0] being the subcommand) and the output name.  0, or -1 with the
 * message printed (and OUTPUT removed, if it could not be written).
 */
int np_capture_begin(struct np_capture *c, const char *output, int argc,
		     char **argv);

/* Called about ten times a second while copying; returns 0 to go on, or
 * 1 to stop reading the stream. */
typedef int (*np_capture_tick_fn)(void *arg);

/*
 * Copies the records arriving on FD into the file until the stream ends, it
 * cannot be read, or TICK says stop.  The agent's own END record is dropped:
 * the trailer is nprof's.  Warnings the agent sends are printed.
 */
void np_capture_copy(struct np_capture *c, int fd, np_capture_tick_fn tick,
		     void *arg);

/*
 * What np_capture_run reads from: called after each wait on FDS (of which
 * READY were ready; 0 when the wait timed out); returns 0 to go on, or 1
 * when the source has ended.  Once the file cannot be written (the sink's
 * error), it should stop what records (the command goes on).
 */
typedef int (*np_capture_read_fn)(struct pollfd *fds, int ready, void *src);

/*
 * The loop of np_capture_copy for any source of records: waits up to
 * 100 ms on the NFDS FDS, calls READ, keeps the status line and the file
 * current, asks TICK; until READ or TICK says stop.
 */
void np_capture_run(struct np_capture *c, struct pollfd *fds, nfds_t nfds,
		    np_capture_read_fn read, void *src,
		    np_capture_tick_fn tick, void *arg);

/*
 * Takes one whole encoded record that nprof made itself (recording a
 * program that has no agent) as if the agent had sent it: counted, its
 * warnings printed, written.
 */
void np_capture_put(struct np_capture *c, const void *rec, size_t len);

/* Writes the trailer with FLAGS (NP_END_*) and closes the file; 0, or -1
 * with the message printed. */
int np_capture_finish(struct np_capture *c, uint32_t flags);

#endif /* NPROF_CAPTURE_H */
