/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unwind tables: one per module, built from its .eh_frame_hdr/.eh_frame by
 * the writer thread while the module is pinned, in mmap'd memory, never
 * changed after; and the set of them that signal handlers and hooks read.
 *
 * The set is published RCU-like: readers enter (one atomic increment on
 * the counter of the current epoch), load the set's pointer, look up rows
 * and leave.  The writer swaps in a new set and unmaps the old one and any
 * dropped table only after both epoch counters have drained once since the
 * swap, so no reader ever reads an unmapped table.  A reader that never
 * leaves (it cannot happen short of a frozen thread) costs a leak, not a
 * crash: the writer gives up waiting after a second and keeps the memory.
 */
#ifndef NPROF_AGENT_CFI_TABLE_H
#define NPROF_AGENT_CFI_TABLE_H

#include <link.h>
#include <stddef.h>
#include <stdint.h>

#include "cfi.h"

struct np_cfi_table {
	size_t map_size;  /* bytes mapped for it */
	uint64_t base;    /* the address that rows' pc are offsets from */
	uint64_t end;     /* the end of the last row's range */
	uint64_t bias;    /* the module's load bias */
	uint32_t key;     /* the module's id, or an early key */
	uint32_t nrows;
	uint32_t nfdes;
	uint32_t bad_fdes; /* FDEs that could not be read: no rows */
	/* An index by address: bucket k (addresses from base + k << shift)
	 * starts at row idx[k]; the idx array follows the rows. */
	uint32_t shift;
	uint32_t nidx;
	const uint32_t *idx;
	struct np_cfi_row rows[];
};

/*
 * The table for the .eh_frame_hdr at HDR, whose CFI lies in MEM; NULL when
 * there is no usable header or no memory.  Writer thread (or tests).
 */
struct np_cfi_table *np_cfi_table_from_hdr(const struct np_cfi_mem *mem,
					   uint64_t hdr);

/*
 * The table of a loaded module from its program headers (as
 * dl_iterate_phdr gives them).  The module must stay pinned meanwhile.
 */
struct np_cfi_table *np_cfi_table_build(uint64_t bias,
					const ElfW(Phdr) *phdr,
					unsigned int phnum);

void np_cfi_table_free(struct np_cfi_table *t);

/* The row that covers PC in T, or NULL.  Async-signal-safe. */
const struct np_cfi_row *np_cfi_table_find(const struct np_cfi_table *t,
					   uint64_t pc);

/*
 * The published tables.  The writer adds and drops them by module id as
 * its scans find modules come and go, and publishes after a scan.  A
 * library that a thread dlopens during a native memory session would wait
 * for that scan (up to a tick) with no table, its frameless callers lost:
 * the dlopen hook builds an early table at once, under a key of its own,
 * published before the hook returns; the module's own table replaces it.
 * Any thread; the builds run outside the registry's lock.
 */

/* Builds and adds the table of module KEY (pinned), retiring any early
 * table at BIAS; 0 or -errno. */
int np_cfi_tables_add(uint32_t key, uint64_t bias, const ElfW(Phdr) *phdr,
		      unsigned int phnum);
/* Drops module KEY's table (it is unmapped at the next publish). */
void np_cfi_tables_drop(uint32_t key);
void np_cfi_tables_drop_all(void);
/* Makes the adds and drops so far visible to readers, then frees what
 * readers can no longer see. */
void np_cfi_tables_publish(void);

/* Early tables: KEY (below NP_CFI_EARLY_KEY) names it among the early
 * ones.  Adding (the library pinned) and dropping publish at once, without
 * waiting for readers: the program's thread goes on, and the writer's next
 * np_cfi_tables_publish frees what was swapped out. */
#define NP_CFI_EARLY_KEY 0x80000000u
int np_cfi_tables_add_early(uint32_t key, uint64_t bias,
			    const ElfW(Phdr) *phdr, unsigned int phnum);
void np_cfi_tables_drop_early(uint32_t key);
/* Bytes mapped for the published tables. */
size_t np_cfi_tables_bytes(void);
/* Whether a table (published or not) was added for an object at BIAS. */
int np_cfi_tables_cover(uint64_t bias);

/* In a forked child: threads that were reading in the parent are not
 * here, and must not be waited for; if one held the registry's lock, the
 * registry is forgotten (its tables stay, unread). */
void np_cfi_after_fork(void);

/* The reader side: async-signal-safe, no locks. */

struct np_cfi_set;

/* Changes each time another set is published. */
uint64_t np_cfi_generation(void);

/* Enters; the set (NULL when empty) stays valid until np_cfi_leave. */
const struct np_cfi_set *np_cfi_enter(unsigned int *slot);
void np_cfi_leave(unsigned int slot);

/* The row for PC among SET's tables, or NULL when none covers it. */
const struct np_cfi_row *np_cfi_find(const struct np_cfi_set *set,
				     uint64_t pc);

#endif /* NPROF_AGENT_CFI_TABLE_H */
