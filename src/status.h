/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live status line of record and attach: one line on stderr, redrawn in
 * place a few times a second, cleared at the end.  Only on a terminal and
 * never with -q.
 */
#ifndef NPROF_STATUS_H
#define NPROF_STATUS_H

#include <stdint.h>

struct np_status_counts {
	uint64_t samples;
	uint64_t allocs;
	uint64_t dropped;
};

/* Turns the line on if stderr is a terminal and QUIET is 0. */
void np_status_start(int quiet);

/* Redraws the line if enough time has passed since the last redraw. */
void np_status_update(const struct np_status_counts *c);

/* Clears the line for good. */
void np_status_stop(void);

#endif /* NPROF_STATUS_H */
