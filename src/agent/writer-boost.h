/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writer's share of CPU while allocation events pile up.  In exact
 * mode two threads that do nothing but allocate queue ~16 M events a
 * second, and the writer needs ~20 ns for each: on a machine whose every
 * CPU the program keeps busy, the scheduler's fair share is not always
 * enough, and events are lost (bench/run mem on two CPUs: in 1 to 5 runs
 * of 6).  heaptrack makes the program wait for its pipe; here the
 * program never waits: the writer asks for a larger share (a nice value
 * BOOST_NICE below its own, where the process may: CAP_SYS_NICE or
 * RLIMIT_NICE) while the fullest queue is more than an eighth full, and
 * gives it back once it is under a thirty-second.
 */
#ifndef NPROF_AGENT_WRITER_BOOST_H
#define NPROF_AGENT_WRITER_BOOST_H

#include <sys/types.h>

struct np_writer_boost {
	pid_t tid;
	int base_nice;  /* the writer's nice value when it started */
	int usable;     /* base_nice is known, and no raise was refused */
	int raised;     /* now above it */
	unsigned int times;   /* raised this many times */
	unsigned int refused; /* the kernel said no this many times */
};

/* For the calling thread, the writer. */
void np_writer_boost_init(struct np_writer_boost *b);

/* Raises or lowers the writer's share for queues FILL/1024 full. */
void np_writer_boost_update(struct np_writer_boost *b, unsigned int fill);

/* Back to where it started. */
void np_writer_boost_end(struct np_writer_boost *b);

#endif /* NPROF_AGENT_WRITER_BOOST_H */
