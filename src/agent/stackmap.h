/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stack deduplication for the stream: each distinct stack gets an id, and
 * its definition is sent once, before the first sample that uses it, as
 * its leaf-side frames and the root-side frames it shares with an earlier
 * stack (its parent).  Memory is bounded: when the table is full it starts
 * over, and stacks seen again get new ids (ids are never reused).  Writer
 * thread only.
 */
#ifndef NPROF_AGENT_STACKMAP_H
#define NPROF_AGENT_STACKMAP_H

#include <stdint.h>

struct np_stackmap;

struct np_stackmap *np_stackmap_create(void);
void np_stackmap_free(struct np_stackmap *m);

/* A stack to define: the last KEEP frames are those of stack PARENT (0
 * for none, with KEEP 0). */
struct np_stack_new {
	int is_new;
	uint32_t parent;
	uint32_t keep;
};

/* The id of the stack FRAMES[0..N), leaf first; DEF->is_new is set when
 * the caller must send its definition first, as DEF says. */
uint32_t np_stackmap_intern(struct np_stackmap *m, const uint64_t *frames,
			    uint32_t n, struct np_stack_new *def);

/* Forgets every stack (ids go on from where they were): the next use of
 * each is defined anew, sharing nothing with those before. */
void np_stackmap_forget(struct np_stackmap *m);

#endif /* NPROF_AGENT_STACKMAP_H */
