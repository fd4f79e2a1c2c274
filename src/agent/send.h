/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writer's side of the stream: whole records batched in an mmap'd buffer
 * and sent to the CLI's socket with send(MSG_NOSIGNAL), so the target never
 * gets SIGPIPE; consecutive allocation events, stack definitions or CPU
 * samples share one packed record.
 * Writer thread only.
 */
#ifndef NPROF_AGENT_SEND_H
#define NPROF_AGENT_SEND_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"

struct np_send {
	int fd;
	dev_t dev; /* the socket's identity: the target may close our fd */
	ino_t ino; /* and reuse the number for something of its own */
	unsigned char *buf;
	size_t cap;
	size_t len;
	int broken; /* the CLI is gone, or the fd is no longer ours */
	/* The type of the packed record being filled at buf + len
	 * (NP_REC_MEM_EVENTS, NP_REC_STACKS, NP_REC_CPU_SAMPLES), or 0: any
	 * other record, and a flush, finish it first. */
	uint32_t batch;
	union {
		struct np_mem_events_enc mem;
		struct np_stacks_enc stacks;
		struct np_cpu_samples_enc cpu;
	} enc;
	/* Give up on a CLI that takes nothing after this (0: wait). */
	_Atomic uint64_t deadline_ns;
};

/* 0, or -errno when FD is not a socket or no memory. */
int np_send_init(struct np_send *s, int fd);
void np_send_release(struct np_send *s);

/* Sends what is buffered: 0, or -1 once the stream is broken (what is
 * buffered is then dropped, and so is everything appended later). */
int np_send_flush(struct np_send *s);

/* Whether FD still is the stream's socket. */
int np_send_fd_is_ours(const struct np_send *s);

/* Each appends one record, flushing first when the buffer is full. */
void np_send_meta(struct np_send *s, const char *key, const char *value);
__attribute__((format(printf, 3, 4))) void
np_send_metaf(struct np_send *s, const char *key, const char *fmt, ...);
void np_send_module(struct np_send *s, const struct np_rec_module *m,
		    const struct np_rec_segment *segs);
void np_send_module_gone(struct np_send *s, uint32_t id, uint64_t time_ns);
void np_send_thread(struct np_send *s, uint32_t tid, uint64_t time_ns,
		    const char *name, size_t name_len);
void np_send_lost(struct np_send *s, enum np_lost_kind kind, uint64_t count);
/* These go into packed records: stack FRAMES[0..N), whose last KEEP frames
 * are PARENT's, into STACKS; samples into CPU_SAMPLES; allocation events
 * into MEM_EVENTS. */
void np_send_stack(struct np_send *s, uint32_t id, uint32_t parent,
		   uint32_t keep, const uint64_t *frames, uint32_t n);
void np_send_cpu_sample(struct np_send *s,
			const struct np_rec_cpu_sample *sample);
void np_send_alloc(struct np_send *s, const struct np_rec_alloc *a);
void np_send_free(struct np_send *s, const struct np_rec_free *f);

#endif /* NPROF_AGENT_SEND_H */
