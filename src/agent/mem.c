/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's page allocator and its counters (see mem.h). */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mem.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* Where the mappings are, for np_pages_resident: a slot is taken by a
 * compare-and-swap of its start from 0.  Beyond MAX_MAPPINGS, a mapping is
 * counted in `mapped` but not looked at. */
#define MAX_MAPPINGS 16384
#define MINCORE_PAGES 4096

struct mapping {
	_Atomic uintptr_t start;
	_Atomic size_t size;
};

static struct mapping mappings[MAX_MAPPINGS];
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

static void list(void *p, size_t size)
{
	for (int i = 0; i < MAX_MAPPINGS; i++) {
		uintptr_t none = 0;

		if (atomic_compare_exchange_strong(&mappings[i].start, &none,
						   (uintptr_t)p)) {
			atomic_store(&mappings[i].size, size);
			return;
		}
	}
}

/* The slot of the mapping that holds P, or NULL. */
static struct mapping *find(void *p)
{
	uintptr_t at = (uintptr_t)p;

	for (int i = 0; i < MAX_MAPPINGS; i++) {
		uintptr_t start = atomic_load(&mappings[i].start);

		if (start && at >= start &&
		    at < start + atomic_load(&mappings[i].size))
			return &mappings[i];
	}
	return NULL;
}

void *np_pages_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	name(p, size);
	count(whole_pages(size));
	list(p, whole_pages(size));
	return p;
}

void np_pages_prefault(void *p, size_t size)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095;

	madvise((void *)lo, (uintptr_t)p + size - lo, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)size;
#endif
}

void np_pages_free(void *p, size_t size)
{
	struct mapping *m;

	if (!p || munmap(p, size) != 0)
		return;
	atomic_fetch_sub(&mapped, whole_pages(size));
	m = find(p);
	if (!m)
		return;
	if (atomic_load(&m->start) == (uintptr_t)p) {
		atomic_store(&m->size, 0);
		atomic_store(&m->start, 0);
	} else {
		/* The tail of a mapping. */
		atomic_store(&m->size, (uintptr_t)p - atomic_load(&m->start));
	}
}

void *np_pages_resize(void *p, size_t old, size_t size)
{
	void *q = mremap(p, old, size, MREMAP_MAYMOVE);
	struct mapping *m;

	if (q == MAP_FAILED)
		return NULL;
	m = find(p);
	if (m) {
		atomic_store(&m->size, 0);
		atomic_store(&m->start, (uintptr_t)q);
		atomic_store(&m->size, whole_pages(size));
	}
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

size_t np_pages_resident(void)
{
	size_t page = (size_t)getpagesize();
	unsigned char vec[MINCORE_PAGES];
	size_t bytes = 0;

	for (int i = 0; i < MAX_MAPPINGS; i++) {
		uintptr_t start = atomic_load(&mappings[i].start);
		size_t size = atomic_load(&mappings[i].size);

		for (size_t off = 0; start && off < size;
		     off += MINCORE_PAGES * page) {
			size_t len = size - off < MINCORE_PAGES * page
					     ? size - off
					     : MINCORE_PAGES * page;

			/* A mapping freed meanwhile: ENOMEM, nothing. */
			if (mincore((void *)(start + off), len, vec) != 0)
				break;
			for (size_t k = 0; k < (len + page - 1) / page; k++)
				bytes += (vec[k] & 1) * page;
		}
	}
	return bytes;
}
