/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages of the CLI and report: one line on stderr, starting "nprof: ",
 * lowercase, no full stop, quoting their subject.  np_die ends the program;
 * np_error returns -1 so that callers can `return np_error(...)`.
 */
#ifndef NPROF_ERROR_H
#define NPROF_ERROR_H

#define NP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Exit status of nprof for its own failures (not the profiled command's). */
#define NP_EXIT_FAILURE 1
/* Exit status for a bad command line. */
#define NP_EXIT_USAGE 2

/* Set by -v; np_debug prints only then. */
extern int np_verbose;

__attribute__((noreturn)) NP_PRINTF(1, 2) void np_die(const char *fmt, ...);
__attribute__((noreturn)) NP_PRINTF(1, 2) void np_die_usage(const char *fmt, ...);
NP_PRINTF(1, 2) int np_error(const char *fmt, ...);
NP_PRINTF(1, 2) void np_warn(const char *fmt, ...);
NP_PRINTF(1, 2) void np_debug(const char *fmt, ...);

/*
 * Called before each message so that a live status line (status.c) can clear
 * itself first; NULL when there is none.
 */
extern void (*np_before_message)(void);

#endif /* NPROF_ERROR_H */
