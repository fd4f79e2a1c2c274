/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nprof record of a statically linked command: the kernel samples it. */
#ifndef NPROF_RECORD_STATIC_H
#define NPROF_RECORD_STATIC_H

#include "record-options.h"

/*
 * Records the statically linked command PATH of options O (ARGC, ARGV:
 * nprof's command line from the subcommand on, for the file), with one
 * warning that says so; if the kernel refuses to sample it, the command
 * runs unprofiled and the file says why, with no samples.  Returns the
 * command's exit status, or NP_EXIT_FAILURE when nprof could not start it
 * or write the file.
 */
int np_record_static(const struct np_record_opts *o, const char *path,
		     int argc, char **argv);

#endif /* NPROF_RECORD_STATIC_H */
