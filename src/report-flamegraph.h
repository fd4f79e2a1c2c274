/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The flame graph format: one HTML page (report-flamegraph.c). */
#ifndef NPROF_REPORT_FLAMEGRAPH_H
#define NPROF_REPORT_FLAMEGRAPH_H

#include <stdio.h>

/* Writes S as a JSON string that is safe inside an HTML script element:
 * quotes, backslashes, control characters, '<', '>' and '&' escaped. */
void np_flamegraph_put_string(FILE *out, const char *s);

#endif /* NPROF_REPORT_FLAMEGRAPH_H */
