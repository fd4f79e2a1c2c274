/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for the numbers users type: sampling intervals ("10ms"), frequencies
 * ("999"), durations ("2.5", "500ms") and byte counts ("512k").  Each returns
 * 0, or -1 for text that is not such a number or is out of range.
 */
#ifndef NPROF_INTERVAL_H
#define NPROF_INTERVAL_H

#include <stdint.h>

/* Bounds of the sampling interval: the kernel's timers cannot go finer,
 * and a sample weight must fit 32 bits of nanoseconds. */
#define NP_INTERVAL_MIN_NS 100000ull    /* 100 us */
#define NP_INTERVAL_MAX_NS 1000000000ull /* 1 s */
#define NP_FREQ_MIN 1u
#define NP_FREQ_MAX 10000u

/* "10ms", "1000us", "500000ns", "1s": a unit is required. */
int np_parse_interval(const char *text, uint64_t *ns);

/* A whole number of Hz between NP_FREQ_MIN and NP_FREQ_MAX. */
int np_parse_frequency(const char *text, uint32_t *hz);

/* Seconds, possibly fractional ("2", "0.5"), or with a unit ("500ms"). */
int np_parse_duration(const char *text, uint64_t *ns);

/* Bytes with an optional k, m or g suffix (powers of 1024). */
int np_parse_bytes(const char *text, uint64_t *bytes);

#endif /* NPROF_INTERVAL_H */
