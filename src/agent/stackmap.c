/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stack table (see stackmap.h): a trie of frames from the root, one
 * node per (caller node, pc), in an open-addressing table in mmap'd memory.
 * A node keeps the id of a stack that passes through it, which a new
 * stack that shares its path names as its parent, and the id of the stack
 * that ends at it, if one does.
 */
#include "config.h"

#include <string.h>

#include "mem.h"
#include "stackmap.h"

#define SLOTS (1u << 17)        /* a power of two: 3 MiB of nodes */
#define MAX_NODES (SLOTS / 2)   /* keeps probe chains short */

struct node {
	uint64_t pc;
	uint32_t caller;  /* the caller's slot + 1, 0 for a root frame */
	uint32_t through; /* a stack whose frames reach this node */
	uint32_t ends;    /* the stack that ends here, or 0 */
	uint32_t depth;   /* frames from the root to here; 0: a free slot */
};

struct np_stackmap {
	struct node nodes[SLOTS];
	uint32_t used;
	uint32_t next_id;
	uint32_t empty_id; /* the stack of no frames, once sent */
};

struct np_stackmap *np_stackmap_create(void)
{
	struct np_stackmap *m = np_pages_alloc(sizeof(*m));

	if (m)
		m->next_id = 1;
	return m;
}

void np_stackmap_free(struct np_stackmap *m)
{
	np_pages_free(m, sizeof(*m));
}

static uint32_t slot_of(uint32_t caller, uint64_t pc)
{
	uint64_t h = (pc ^ (uint64_t)caller << 40) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & (SLOTS - 1);
}

/* The node for PC under CALLER (a slot + 1, or 0): its slot + 1, or 0
 * with *FREE set to where it would go. */
static uint32_t find(const struct np_stackmap *m, uint32_t caller,
		     uint64_t pc, uint32_t *free)
{
	uint32_t i = slot_of(caller, pc);

	for (;; i = (i + 1) & (SLOTS - 1)) {
		const struct node *nd = &m->nodes[i];

		if (nd->depth == 0) {
			*free = i;
			return 0;
		}
		if (nd->pc == pc && nd->caller == caller)
			return i + 1;
	}
}

/* Empties the trie; ids go on. */
static void start_over(struct np_stackmap *m)
{
	memset(m->nodes, 0, sizeof(m->nodes));
	m->used = 0;
	m->empty_id = 0;
}

void np_stackmap_forget(struct np_stackmap *m)
{
	start_over(m);
}

uint32_t np_stackmap_intern(struct np_stackmap *m, const uint64_t *frames,
			    uint32_t n, struct np_stack_new *def)
{
	uint32_t cur = 0, i = n, slot = 0, id;

	def->is_new = 0;
	if (n == 0) {
		if (!m->empty_id) {
			m->empty_id = m->next_id++;
			*def = (struct np_stack_new){ .is_new = 1 };
		}
		return m->empty_id;
	}
	/* Down the trie from the root as far as this stack's frames go. */
	while (i > 0) {
		uint32_t next = find(m, cur, frames[i - 1], &slot);

		if (!next)
			break;
		cur = next;
		i--;
	}
	if (i == 0 && m->nodes[cur - 1].ends)
		return m->nodes[cur - 1].ends;
	id = m->next_id++;
	def->is_new = 1;
	def->keep = n - i;
	def->parent = cur ? m->nodes[cur - 1].through : 0;
	if (m->used + i > MAX_NODES) {
		/* Full: start over.  The definition still names its parent,
		 * which the reader has; later stacks find fewer to share. */
		start_over(m);
		cur = 0;
		i = n;
	}
	for (; i > 0; i--) {
		struct node *nd;

		/* Not there (CUR is new, or has no such callee): where it
		 * goes. */
		find(m, cur, frames[i - 1], &slot);
		nd = &m->nodes[slot];
		*nd = (struct node){
			.pc = frames[i - 1],
			.caller = cur,
			.through = id,
			.depth = n - i + 1,
		};
		m->used++;
		cur = slot + 1;
	}
	m->nodes[cur - 1].ends = id;
	return id;
}
