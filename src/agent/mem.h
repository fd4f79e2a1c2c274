/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's only allocator: whole anonymous pages.  Never malloc, so that
 * the target's allocator (and a future malloc hook) never sees the agent's
 * memory, and the signal handler can use it.
 */
#ifndef NPROF_AGENT_MEM_H
#define NPROF_AGENT_MEM_H

#include <stddef.h>
#include <sys/mman.h>

/* SIZE bytes of zeroed memory, or NULL.  Pages are only backed once touched,
 * so generous caps cost address space, not memory. */
static inline void *np_pages_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline void np_pages_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

#endif /* NPROF_AGENT_MEM_H */
