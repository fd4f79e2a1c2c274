/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel samples a program for the CLI, where no agent can be loaded (a
 * statically linked one): a cpu-clock event on each CPU, inherited by the
 * program's threads and children, each with an mmap'd ring of perf records
 * that the CLI reads while the program runs.  Stacks are the kernel's walk
 * of the user frame pointers.
 */
#ifndef NPROF_PERF_RING_H
#define NPROF_PERF_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The sample layout that np_perf_rings_open asks for (perf_event_attr's
 * sample_type), for whoever parses the records: IP, TID, TIME, PERIOD,
 * CALLCHAIN; other records end with {pid, tid, time} (sample_id_all). */
#define NP_PERF_SAMPLE_TYPE                                                \
	(PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |              \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)

struct np_perf_ring {
	int fd;
	unsigned char *base; /* the control page, then the data */
	unsigned char *data;
	size_t map_size;
	uint64_t data_size; /* a power of two */
	uint64_t tail;      /* samples read up to here (the kernel's data_tail) */
	uint64_t meta_pos;  /* other records read up to here (>= tail) */
};

struct np_perf_rings {
	struct np_perf_ring *ring;
	int n;
	int exclude_kernel; /* kernel samples were refused */
	unsigned char *scratch; /* a record that wraps around, put together */
};

/*
 * Opens the events on PID, which must not have exec'd yet: they start at
 * its exec (enable_on_exec).  PERIOD_NS of CPU time between samples.
 * Returns 0, or -errno of the first refusal with WHY saying what was
 * refused ("perf_event_open on CPU 0", "mmap of the ring") for a message.
 */
int np_perf_rings_open(struct np_perf_rings *r, pid_t pid, uint64_t period_ns,
		       char *why, size_t whylen);
void np_perf_rings_close(struct np_perf_rings *r);

/* Stops sampling; the rings can still be read. */
void np_perf_rings_disable(struct np_perf_rings *r);

/* Called for each perf record: HDR is its perf_event_header, whole and
 * contiguous (SIZE bytes). */
typedef void (*np_perf_record_fn)(const void *hdr, size_t size, void *arg);

/*
 * Reads what the rings hold: first every record but samples, from all the
 * rings, then the samples, so that the mapping or the thread name a sample
 * needs is always seen before it, even when the two were written to
 * different CPUs' rings.  Frees what was read for the kernel to reuse.
 */
void np_perf_rings_read(struct np_perf_rings *r, np_perf_record_fn on_other,
			np_perf_record_fn on_sample, void *arg);

#endif /* NPROF_PERF_RING_H */
