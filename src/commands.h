/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands, dispatched from nprof.c's table.  Each returns the exit
 * status of nprof. */
#ifndef NPROF_COMMANDS_H
#define NPROF_COMMANDS_H

int np_cmd_record(int argc, char **argv);
int np_cmd_attach(int argc, char **argv);
int np_cmd_report(int argc, char **argv);

#endif /* NPROF_COMMANDS_H */
