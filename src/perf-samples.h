/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's perf records of a program without an agent (perf-ring.h),
 * turned into the records the agent would have sent: MODULE for each code
 * mapping of a file and for the vDSO, THREAD for thread names, STACK
 * (deduplicated) and CPU_SAMPLE for samples, LOST for what the kernel
 * could not write and for samples without user frames.
 */
#ifndef NPROF_PERF_SAMPLES_H
#define NPROF_PERF_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"

struct np_perf_samples;

/* Converts into C; PERIOD_NS is what the events were opened with. */
struct np_perf_samples *np_perf_samples_new(struct np_capture *c,
					    uint64_t period_ns);
void np_perf_samples_free(struct np_perf_samples *ps);

/* np_perf_record_fn callbacks (ARG is the np_perf_samples): for records
 * other than samples, and for samples. */
void np_perf_samples_other(const void *hdr, size_t size, void *arg);
void np_perf_samples_sample(const void *hdr, size_t size, void *arg);

/* After each read of the rings: LOST records for what was lost since. */
void np_perf_samples_flush(struct np_perf_samples *ps);

/* At the end: a warning if the kernel throttled the sampling. */
void np_perf_samples_finish(struct np_perf_samples *ps);

#endif /* NPROF_PERF_SAMPLES_H */
