/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live status line (see status.h). */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "error.h"
#include "status.h"
#include "sysinfo.h"

#define REDRAW_NS 250000000ull

static int active;
static int drawn;
static uint64_t started_ns, last_ns;

/* Wipes the line so that a message or the end starts on a clean line. */
static void clear_line(void)
{
	if (drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		drawn = 0;
	}
}

void np_status_start(int quiet)
{
	active = !quiet && isatty(STDERR_FILENO);
	started_ns = last_ns = np_monotonic_ns();
	if (active)
		np_before_message = clear_line;
}

void np_status_update(const struct np_status_counts *c)
{
	uint64_t now;

	if (!active)
		return;
	now = np_monotonic_ns();
	if (drawn && now - last_ns < REDRAW_NS)
		return;
	last_ns = now;
	fprintf(stderr, "\r\033[Knprof: %.1f s, %llu samples, %llu allocations, %llu dropped",
		(double)(now - started_ns) / 1e9, (unsigned long long)c->samples,
		(unsigned long long)c->allocs, (unsigned long long)c->dropped);
	fflush(stderr);
	drawn = 1;
}

void np_status_stop(void)
{
	clear_line();
	if (active)
		np_before_message = NULL;
	active = 0;
}
