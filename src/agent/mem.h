/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's only allocator: whole anonymous pages.  Never malloc, so that
 * the target's allocator (and a future malloc hook) never sees the agent's
 * memory, and the signal handler can use it.  Every mapping is counted, so
 * that the agent can say how much memory it holds (META agent_*_bytes).
 */
#ifndef NPROF_AGENT_MEM_H
#define NPROF_AGENT_MEM_H

#include <stddef.h>

/* SIZE bytes of zeroed memory, or NULL.  Pages are only backed once touched,
 * so generous caps cost address space, not memory.  Where the kernel can,
 * the mapping is named "[anon:nprof]" in /proc/PID/maps and smaps. */
void *np_pages_alloc(size_t size);

/*
 * Backs the pages of [P, P + SIZE) now, writable, contents unchanged (where
 * the kernel can: Linux 5.14).  For tables that hooks write at random
 * places: touched one at a time from a hook, a page that was read first
 * (the kernel's shared zero page) costs a copy-on-write fault, and in a
 * process running on several CPUs a TLB shootdown of all of them, ~2,000
 * times for one table of 8 MiB.  Prefaulted before the hooks run, it
 * costs neither.
 */
void np_pages_prefault(void *p, size_t size);

/* Unmaps SIZE bytes at P (NULL: nothing), the whole of an np_pages_alloc or
 * the page-aligned tail of one. */
void np_pages_free(void *p, size_t size);

/* Grows or shrinks the mapping P of OLD bytes to SIZE, moving it if need
 * be; the new address, or NULL (P is then untouched). */
void *np_pages_resize(void *p, size_t old, size_t size);

/* Bytes the agent has mapped now, and the most it has had at once since it
 * was loaded (both counted in whole pages). */
size_t np_pages_mapped(void);
size_t np_pages_peak(void);

/* Bytes of the agent's mappings resident in memory now (mincore), for the
 * writer: the kernel may not name them, so smaps cannot tell. */
size_t np_pages_resident(void);

#endif /* NPROF_AGENT_MEM_H */
