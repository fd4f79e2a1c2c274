/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Copying the agent's record stream into samples.dat, shared by record and
 * attach: the file's header and common metadata, the copy loop with its
 * status line and periodic flushes, and the trailer.  What ends a session
 * differs between the two, so the loop asks the command ten times a second.
 */
#ifndef NPROF_CAPTURE_H
#define NPROF_CAPTURE_H

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

/* Writes the trailer with FLAGS (NP_END_*) and closes the file; 0, or -1
 * with the message printed. */
int np_capture_finish(struct np_capture *c, uint32_t flags);

#endif /* NPROF_CAPTURE_H */
