/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Collapsed stacks, the input of flamegraph.pl and speedscope: one line per
 * distinct stack, "root;caller;...;leaf COUNT", COUNT in samples (or bytes
 * for the memory views), lines sorted bytewise so that the output is the
 * same from run to run.  Inlined functions are frames like the others;
 * with --lines each frame is "name [file.c:12]".  A ';' in a name would
 * split the frame, so it becomes ':'; newlines and carriage returns become
 * spaces.
 */
#ifndef NPROF_REPORT_COLLAPSED_H
#define NPROF_REPORT_COLLAPSED_H

#include <stdio.h>

/* Writes NAME as one collapsed frame, with ';' and line breaks replaced. */
void np_collapsed_put_name(FILE *out, const char *name);

#endif /* NPROF_REPORT_COLLAPSED_H */
