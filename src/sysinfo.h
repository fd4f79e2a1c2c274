/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Facts about this machine and this run that go into a file's metadata. */
#ifndef NPROF_SYSINFO_H
#define NPROF_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

uint64_t np_monotonic_ns(void);
uint64_t np_realtime_ns(void);

/* "host" and "Linux 6.1.0-18-amd64 #1 SMP ... x86_64". */
void np_host_name(char *buf, size_t cap);
void np_kernel_name(char *buf, size_t cap);

/* Wall-clock NS as "2026-11-23 11:29:59 UTC". */
void np_format_time(uint64_t realtime_ns, char *buf, size_t cap);

/* ARGV joined with spaces, each word quoted for a POSIX shell where it
 * needs it; truncated with "..." if longer than CAP. */
void np_join_argv(char *const *argv, int argc, char *buf, size_t cap);

/* kernel.perf_event_paranoid as text ("2"), or "?". */
void np_perf_paranoid(char *buf, size_t cap);

#endif /* NPROF_SYSINFO_H */
