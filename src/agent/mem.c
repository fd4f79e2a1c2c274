/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's page allocator and its counters (see mem.h). */
#include "config.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mem.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static _Atomic size_t mapped, peak;
/* Set once the kernel refused to name a mapping (no CONFIG_ANON_VMA_NAME,
 * or before 5.17): we stop asking. */
static atomic_int cannot_name;

static size_t whole_pages(size_t size)
{
	size_t page = (size_t)getpagesize();

	return (size + page - 1) & ~(page - 1);
}

static void count(size_t size)
{
	size_t now = atomic_fetch_add(&mapped, size) + size;
	size_t top = atomic_load(&peak);

	while (now > top && !atomic_compare_exchange_weak(&peak, &top, now))
		;
}

/* So that a look at the target's smaps tells the agent's memory apart from
 * the program's. */
static void name(void *p, size_t size)
{
	if (atomic_load_explicit(&cannot_name, memory_order_relaxed))
		return;
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, size,
		  (unsigned long)"nprof") != 0)
		atomic_store_explicit(&cannot_name, 1, memory_order_relaxed);
}

void *np_pages_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	name(p, size);
	count(whole_pages(size));
	return p;
}

void np_pages_free(void *p, size_t size)
{
	if (p && munmap(p, size) == 0)
		atomic_fetch_sub(&mapped, whole_pages(size));
}

void *np_pages_resize(void *p, size_t old, size_t size)
{
	void *q = mremap(p, old, size, MREMAP_MAYMOVE);

	if (q == MAP_FAILED)
		return NULL;
	/* Pages added by a move or growth are anonymous, unnamed. */
	if (size > old)
		name(q, size);
	if (whole_pages(size) >= whole_pages(old))
		count(whole_pages(size) - whole_pages(old));
	else
		atomic_fetch_sub(&mapped, whole_pages(old) - whole_pages(size));
	return q;
}

size_t np_pages_mapped(void)
{
	return atomic_load(&mapped);
}

size_t np_pages_peak(void)
{
	return atomic_load(&peak);
}
